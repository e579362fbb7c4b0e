graph_api::spec!("ui/paths/param_not_in_path.toml", trait = Spec);

fn main() {}
