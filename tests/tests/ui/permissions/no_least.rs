graph_api::spec!("ui/permissions/no_least.toml", trait = Spec);

fn main() {}
