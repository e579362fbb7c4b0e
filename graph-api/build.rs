//! Rebuilds graph-api when any file under `spec/` changes or a new one appears, and tells its
//! `spec!` that the folder is tracked (`graph-spec build-script` writes this file).

fn main() {
    println!("cargo::rerun-if-changed=spec");
    println!("cargo::rustc-env=GRAPH_API_SPEC_TRACKED=spec");
}
