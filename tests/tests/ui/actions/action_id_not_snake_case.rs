graph_api::spec!("ui/actions/action_id_not_snake_case.toml", trait = Spec);

fn main() {}
