graph_api::spec!("ui/permissions/repeated_permission.toml", trait = Spec);

fn main() {}
