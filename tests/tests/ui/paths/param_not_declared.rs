graph_api::spec!("ui/paths/param_not_declared.toml", trait = Spec);

fn main() {}
