graph_api::spec!("ui/paths/shadows_graph_api_navigation.toml", trait = Spec);

fn main() {}
