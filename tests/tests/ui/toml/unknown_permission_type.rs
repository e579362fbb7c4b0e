graph_api::spec!("ui/toml/unknown_permission_type.toml", trait = Spec);

fn main() {}
