graph_api::spec!("ui/actions/docs_not_microsoft.toml", trait = Spec);

fn main() {}
