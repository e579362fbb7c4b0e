graph_api::spec!("ui/toml/missing_key.toml", trait = Spec);

fn main() {}
