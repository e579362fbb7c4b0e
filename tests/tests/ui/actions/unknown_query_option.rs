graph_api::spec!("ui/actions/unknown_query_option.toml", trait = Spec);

fn main() {}
