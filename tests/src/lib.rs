//! Shared parts of graph-api's cross-crate tests and examples: a local Graph stand-in on loopback.

pub mod standin;
