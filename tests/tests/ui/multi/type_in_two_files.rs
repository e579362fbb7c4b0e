graph_api::spec!("ui/multi/type_in_two_files", trait = Spec);

fn main() {}
