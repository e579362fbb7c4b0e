graph_api::spec!("ui/actions/unknown_version.toml", trait = Spec);

fn main() {}
