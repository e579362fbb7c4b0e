graph_api::spec!("ui/toml/duplicate_key_in_file.toml", trait = Spec);

fn main() {}
