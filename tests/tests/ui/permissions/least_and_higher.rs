graph_api::spec!("ui/permissions/least_and_higher.toml", trait = Spec);

fn main() {}
