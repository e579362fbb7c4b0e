graph_api::spec!("../../spec", trait = Spec);

fn main() {}
