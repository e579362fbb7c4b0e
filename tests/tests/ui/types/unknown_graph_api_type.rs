graph_api::spec!("ui/types/unknown_graph_api_type.toml", trait = Spec);

fn main() {}
