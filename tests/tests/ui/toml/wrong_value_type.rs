graph_api::spec!("ui/toml/wrong_value_type.toml", trait = Spec);

fn main() {}
