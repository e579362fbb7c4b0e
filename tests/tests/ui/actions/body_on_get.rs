graph_api::spec!("ui/actions/body_on_get.toml", trait = Spec);

fn main() {}
