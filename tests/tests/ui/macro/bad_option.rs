graph_api::spec!("ui/macro/x.toml", krate = Spec);

fn main() {}
