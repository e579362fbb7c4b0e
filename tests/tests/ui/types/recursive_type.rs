graph_api::spec!("ui/types/recursive_type.toml", trait = Spec);

fn main() {}
