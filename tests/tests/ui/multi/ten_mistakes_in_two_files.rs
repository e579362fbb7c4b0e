graph_api::spec!("ui/multi/ten_mistakes_in_two_files", trait = Spec);

// Ten mistakes in two files, shape errors and rule violations mixed: one build reports all ten,
// and the sound entries are generated.
fn main() {
    let _ = actions::LIST_THINGS;
    let _: Option<models::Colour> = None;
    let _ = models::Thing::default();
}
