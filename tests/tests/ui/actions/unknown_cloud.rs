graph_api::spec!("ui/actions/unknown_cloud.toml", trait = Spec);

fn main() {}
