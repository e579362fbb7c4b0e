//! graph-api's cross-crate test suite, one binary: wire tests against a loopback server,
//! bounded time and memory, permission metadata, snapshots of generated code, and compile-time UI cases.

mod azure;
mod batch;
mod family;
mod faults;
mod hook;
mod limits;
mod metadata;
mod models;
mod paging;
mod preflight;
mod quickstart;
mod snapshots;
mod standin;
mod teams;
mod ui;
mod wire;
mod workflow;
