graph_api::spec!("ui/paths/query_in_path.toml", trait = Spec);

fn main() {}
