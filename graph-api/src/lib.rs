//! Typed Microsoft Graph actions, generated from declarative spec entries.
//!
//! Every action in the `spec/` folder becomes a path-shaped method on [`GraphClient`], a request
//! builder in [`requests`], a metadata constant in [`actions`] and the model types it uses in
//! [`models`]:
//!
//! ```no_run
//! # async fn run(token: String) -> Result<(), graph_api::Error> {
//! let client = graph_api::GraphClient::builder()
//!     .base_url("https://graph.microsoft.com")
//!     .bearer_token(token)
//!     .build()?;
//! client
//!     .chat("19:ea28e88c00e94c7786b065394a61f296@thread.v2")
//!     .installed_app("NjRiOWM3NDYtYjE1NS00MDQyLThkNDctOTQxYmQzODE2ODFiIyMwZDgyMGVjZC1kZWYyLTQyOTctYWRhZC03ODA1NmNkZTdjNzg=")
//!     .upgrade()
//!     .send()
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! Crates with spec files of their own run the same generator with [`spec!`], naming an
//! extension trait that carries their root methods.

mod accepted;
mod auth;
#[cfg(feature = "azure-identity")]
mod azure;
pub mod batch;
mod call;
mod client;
mod error;
pub mod hook;
mod object;
mod odata;
mod paging;
mod path;
mod query;
mod retry;
mod sending;
#[cfg(all(feature = "teams-app-installation", feature = "app-catalog"))]
mod workflows;

#[doc(hidden)]
pub mod __private;

pub use accepted::Accepted;
pub use auth::{
    AccessToken, AuthError, BoxFuture, REFRESH_MARGIN, Secret, StaticToken, TokenProvider,
};
#[cfg(feature = "azure-identity")]
pub use azure::AzureCredential;
pub use batch::{Batch, BatchItem, BatchRequest, BatchResponses};
pub use call::GraphRequest;
pub use client::{
    CallOptions, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE,
    DEFAULT_MAX_COLLECTED_ITEMS, GraphClient, GraphClientBuilder,
};
pub use error::{ApiError, ERROR_BODY_LIMIT, Error, SNIPPET_LIMIT, TimeoutLimit};

/// The `User-Agent` every request is sent with, `graph-api/<version>`, so that a service log
/// (and Microsoft's support) can tell which client sent it; an
/// [`AttemptHook`](hook::AttemptHook) may replace it.
pub const USER_AGENT: &str = concat!("graph-api/", env!("CARGO_PKG_VERSION"));
pub use graph_macros::spec;
/// Action metadata as data (re-exported from `graph-meta`): [`ActionInfo`](meta::ActionInfo),
/// permission tables and privilege levels, methods, versions and clouds.
pub use graph_meta as meta;
pub use graph_meta::permissions;
pub use graph_meta::{ApiVersion, NationalCloud};
pub use paging::{MAX_EMPTY_PAGES_IN_A_ROW, Page, PageStream};
pub use retry::{RetryPolicy, parse_retry_after};
pub use sending::{Collecting, Sending};
#[cfg(all(feature = "teams-app-installation", feature = "app-catalog"))]
pub use workflows::ConsentedUpgrade;

// `upgrade_with_required_consent` is written by hand on the installation navigation types
// (workflows.rs); downstream specs may not add a method of that name under graph-api's paths.
// The list is `graph_codegen::extension::BASE_HANDWRITTEN`, which the macro and `graph-spec check
// --base` both read.
graph_macros::spec!("spec", crate = crate);
