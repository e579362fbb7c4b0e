graph_api::spec!("ui/permissions/malformed_name.toml", trait = Spec);

fn main() {}
