graph_api::spec!("ui/types/duplicate_enum_member.toml", trait = Spec);

fn main() {}
