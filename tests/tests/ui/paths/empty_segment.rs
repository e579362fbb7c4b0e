graph_api::spec!("ui/paths/empty_segment.toml", trait = Spec);

fn main() {}
