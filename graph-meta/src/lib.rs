//! Microsoft Graph action metadata as data: what a spec entry says about an action, with no I/O.
//!
//! The generator (`graph-codegen`) reads its method, version, cloud and permission-type names from
//! here, the runtime (`graph-api`) re-exports all of it as `graph_api::meta` and
//! `graph_api::permissions`, and tools (`graph-spec`) plan permissions with it without the
//! runtime. [`throttling`] holds Microsoft's published Teams limits, which graph-standin
//! enforces and graph-rollout paces itself by.

mod action;
pub mod permissions;
mod service;
pub mod throttling;

pub use action::{
    ActionInfo, CloudLimit, HttpMethod, PermissionNote, PermissionScheme, PermissionType,
    Permissions, PrivilegeLevel, ResponseKind, usable_in_row,
};
pub use service::{ApiVersion, NationalCloud};
