//! The workflow a Teams admin tool runs, against a Graph stand-in on loopback: list a chat's
//! installed apps with their definitions, find the one the catalog has a newer version of, read
//! the resource-specific consent that version requires, and upgrade it with exactly that consent.
//! Every request is printed.
//!
//! `cargo run -p graph-api-tests --example upgrade` needs no network and no credentials.

use graph_api_tests::seed::CHAT_ID;
use graph_api_tests::standin::StandIn;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let standin = StandIn::start(graph_api_tests::teams::graph).await?;
    let client = graph_api::GraphClient::builder()
        .base_url(standin.url())
        .bearer_token("stand-in-token")
        .build()?;

    // 1. The chat's apps, with the app and the installed definition expanded.
    let installed: Vec<graph_api::models::TeamsAppInstallation> = client
        .chat(CHAT_ID)
        .installed_apps()
        .list()
        .expand("teamsApp,teamsAppDefinition")
        .all()
        .await?;

    // 2. For each, the newest version in the catalog; the outdated ones are upgraded.
    for inst in &installed {
        let (Some(inst_id), Some(app), Some(def)) = (
            inst.id.as_deref(),
            inst.teams_app.as_ref(),
            inst.teams_app_definition.as_ref(),
        ) else {
            continue;
        };
        let app_id = app.id.as_deref().unwrap_or_default();
        let name = app.display_name.as_deref().unwrap_or(app_id);
        let installed_version = def.version.as_deref().unwrap_or("?");
        let catalog = client
            .app_catalogs()
            .teams_apps()
            .list()
            .filter(format!("id eq '{app_id}'"))
            .expand("appDefinitions")
            .all()
            .await?;
        let newest = catalog.iter().find_map(|a| a.newest_definition());
        let Some(newest) = newest.filter(|n| def.is_older_than(n)) else {
            println!("{name}: {installed_version} is the newest version");
            continue;
        };
        let newest = newest.version.as_deref().unwrap_or("?");
        println!("{name}: {installed_version} installed, {newest} in the catalog; upgrading");
        // 3 and 4. Read the required consent from the catalog and upgrade with exactly it.
        let done = client
            .chat(CHAT_ID)
            .installed_app(inst_id)
            .upgrade_with_required_consent()
            .await?;
        let consented: Vec<String> = done
            .consented
            .iter()
            .flat_map(|s| s.resource_specific_permissions.iter().flatten())
            .map(|p| {
                format!(
                    "{} ({})",
                    p.permission_value.as_deref().unwrap_or("?"),
                    p.permission_type.as_ref().map_or("?", |t| t.as_str())
                )
            })
            .collect();
        println!(
            "{name}: upgraded {} -> {}, consenting to {}",
            done.from_version.as_deref().unwrap_or("?"),
            done.to_version.as_deref().unwrap_or("?"),
            if consented.is_empty() {
                "nothing".to_owned()
            } else {
                consented.join(", ")
            }
        );
    }

    println!("\n== Requests sent");
    for (req, reply) in standin.exchanges() {
        println!("{} {} -> {}", req.method, req.target, reply.status);
        if !req.body.is_empty() {
            println!("   {}", String::from_utf8_lossy(&req.body));
        }
    }
    Ok(())
}
