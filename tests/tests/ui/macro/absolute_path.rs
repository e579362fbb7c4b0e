graph_api::spec!("/etc/spec", trait = Spec);

fn main() {}
