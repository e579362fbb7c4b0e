graph_api::spec!("ui/types/type_name_not_pascal.toml", trait = Spec);

fn main() {}
