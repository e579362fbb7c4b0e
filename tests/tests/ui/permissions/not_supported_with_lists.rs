graph_api::spec!("ui/permissions/not_supported_with_lists.toml", trait = Spec);

fn main() {}
