graph_api::spec!("ui/actions/non_2xx_status.toml", trait = Spec);

fn main() {}
