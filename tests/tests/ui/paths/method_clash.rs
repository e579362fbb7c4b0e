graph_api::spec!("ui/paths/method_clash.toml", trait = Spec);

fn main() {}
