graph_api::spec!("ui/permissions/bad_keyword.toml", trait = Spec);

fn main() {}
