graph_api::spec!("ui/actions/call_reads_as_request.toml", trait = Spec);

fn main() {}
