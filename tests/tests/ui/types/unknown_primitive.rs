graph_api::spec!("ui/types/unknown_primitive.toml", trait = Spec);

fn main() {}
