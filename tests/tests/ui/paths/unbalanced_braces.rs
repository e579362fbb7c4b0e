graph_api::spec!("ui/paths/unbalanced_braces.toml", trait = Spec);

fn main() {}
