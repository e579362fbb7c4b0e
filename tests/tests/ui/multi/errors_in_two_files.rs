graph_api::spec!("ui/multi/errors_in_two_files", trait = Spec);

fn main() {}
