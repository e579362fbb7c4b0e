graph_api::spec!("ui/actions/unknown_method.toml", trait = Spec);

fn main() {}
