graph_api::spec!("ui/macro/nowhere", trait = Spec);

fn main() {}
