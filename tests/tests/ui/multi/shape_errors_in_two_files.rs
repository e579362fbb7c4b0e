graph_api::spec!("ui/multi/shape_errors_in_two_files", trait = Spec);

// The sound entries are generated: only the five mistakes are reported.
fn main() {
    let _ = actions::LIST_THINGS;
    let _: Option<models::Colour> = None;
    let _ = models::Thing::default();
}
