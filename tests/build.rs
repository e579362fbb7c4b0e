//! Rebuilds the test crate when a file of the downstream fixture spec is added, edited or
//! removed, and tells its `spec!` that the folder is tracked (`graph-spec build-script`).

fn main() {
    println!("cargo::rerun-if-changed=fixtures/contoso");
    println!("cargo::rustc-env=GRAPH_API_SPEC_TRACKED=fixtures/contoso");
}
