graph_api::spec!("ui/actions/bind_misuse.toml", trait = Spec);

fn main() {}
