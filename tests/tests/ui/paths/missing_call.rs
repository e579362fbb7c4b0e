graph_api::spec!("ui/paths/missing_call.toml", trait = Spec);

fn main() {}
