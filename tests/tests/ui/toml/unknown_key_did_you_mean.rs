graph_api::spec!("ui/toml/unknown_key_did_you_mean.toml", trait = Spec);

fn main() {}
