// The pinned call shapes, exactly as other code is written against them, and a
// downstream action reached through graph-api's own `client.chat(id)` with one `use`.
mod downstream {
    graph_api::spec!("ui/pass/family_calls.toml", trait = Downstream);
}
use downstream::prelude::*;

async fn pinned(
    client: &graph_api::GraphClient,
    chat_id: &str,
    inst_id: &str,
    teams_app_id: &str,
    team_id: &str,
    user_id_or_upn: &str,
) -> Result<(), graph_api::Error> {
    let apps: Vec<graph_api::models::TeamsAppInstallation> =
        client.chat(chat_id).installed_apps().list().expand("teamsAppDefinition").all().await?;
    let one = client.chat(chat_id).installed_app(inst_id).get().expand("teamsApp").send().await?;
    client.chat(chat_id).installed_apps().add(teams_app_id).send().await?;   // Result<(), Error>
    client.chat(chat_id).installed_app(inst_id).delete().send().await?;      // Result<(), Error>
    client.team(team_id).installed_apps().list().all().await?;
    client.user(user_id_or_upn).teamwork().installed_apps().list().all().await?;
    client.app_catalogs().teams_apps().list().filter("externalId eq 'x'").all().await?;
    let _: (Vec<graph_api::models::TeamsAppInstallation>, graph_api::models::TeamsAppInstallation) = (apps, one);
    let page: graph_api::Page<downstream::models::Message> =
        client.chat(chat_id).messages().list().top(10).send().await?;
    let _ = page.next_link;
    Ok(())
}

fn main() {
    let _ = pinned;
}
