graph_api::spec!("ui/types/derived_type_mistakes.toml", trait = Spec);

fn main() {}
