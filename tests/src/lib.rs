//! Shared parts of graph-api's cross-crate tests and examples: a local Graph stand-in on loopback
//! (with a Teams apps family behind it), a load generator, and a downstream spec expanded both by the macro and from its committed snapshot.

pub mod load;
pub mod seed;
pub mod standin;
pub mod teams;

/// The fixture spec `fixtures/contoso`, expanded by `graph_api::spec!` as a downstream crate would.
pub mod contoso {
    graph_api::spec!("fixtures/contoso", trait = ContosoGraph);
}

/// The committed snapshot of the same expansion, compiled to prove the snapshot is valid Rust.
#[allow(missing_docs)]
pub mod contoso_snapshot {
    include!("../snapshots/contoso.rs");
}
