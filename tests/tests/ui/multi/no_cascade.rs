graph_api::spec!("ui/multi/no_cascade.toml", trait = Spec);
async fn uses_the_sound_part(client: &graph_api::GraphClient) -> Result<models::Thing, graph_api::Error> {
    client.thing("t").get().send().await
}
fn main() {}
