//! Rebuilds graph-api when any file under `spec/` changes or a new one appears.

fn main() {
    println!("cargo:rerun-if-changed=spec");
}
