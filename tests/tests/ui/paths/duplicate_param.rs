graph_api::spec!("ui/paths/duplicate_param.toml", trait = Spec);

fn main() {}
