graph_api::spec!("ui/types/undefined_type.toml", trait = Spec);

fn main() {}
