graph_api::spec!("ui/toml/syntax_error.toml", trait = Spec);

fn main() {}
