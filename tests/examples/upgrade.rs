//! The workflow a Teams admin tool runs, against graph-standin (a stateful Graph tenant on
//! loopback, with Graph's limits): list a chat's installed apps with their definitions, find the
//! ones the catalog has a newer published version of, read the resource-specific consent that
//! version requires, and upgrade with exactly that consent; then read the chat again. Every
//! request is printed.
//!
//! `cargo run -p graph-api-tests --example upgrade` needs no network and no credentials.

use graph_api_tests::seed::CHAT_ID;
use graph_standin::tenant::{
    AppDefinition, CatalogApp, ChatType, Permission, PermissionType, ScopeRef, definition_id,
};
use graph_standin::{Config, StandIn, Tenant};

/// One chat with two apps: OneNote, up to date, and Meeting Notes at 1.0.0, whose published
/// 1.1.0 requires consent to one delegated and one application permission (the upgrade page's
/// example 2).
fn tenant() -> Tenant {
    let app = |id: &str, name: &str, versions: Vec<(&str, Vec<Permission>)>| CatalogApp {
        id: id.into(),
        external_id: format!("ext-{id}"),
        display_name: name.into(),
        distribution_method: "organization".into(),
        client_app_id: "9fc97ea2-c417-4c76-a2db-197612067b28".into(),
        definitions: versions
            .into_iter()
            .map(|(v, required)| AppDefinition {
                id: definition_id(id, v),
                version: v.into(),
                published: true,
                required,
            })
            .collect(),
    };
    let mut t = Tenant::new("dcd219dd-bc68-4b9b-bf0b-4a33a796be35");
    let onenote = t.add_app(app(
        "0d820ecd-def2-4297-adad-78056cde7c78",
        "OneNote",
        vec![("1.0.0", vec![])],
    ));
    let notes = t.add_app(app(
        "b1c5353a-7aca-41b3-830f-27d5218fe0e5",
        "Meeting Notes",
        vec![
            ("1.0.0", vec![]),
            (
                "1.1.0",
                vec![
                    Permission::new("OnlineMeeting.ReadBasic.Chat", PermissionType::Delegated),
                    Permission::new("ChatMember.Read.Chat", PermissionType::Application),
                ],
            ),
        ],
    ));
    let adele = t.add_user(
        "5b649834-7412-4cce-9e69-176e95a394f5",
        "Adele Vance",
        "adelev@contoso.onmicrosoft.com",
    );
    let alex = t.add_user(
        "6e5b6c7a-0000-4000-8000-000000000002",
        "Alex Wilber",
        "alexw@contoso.onmicrosoft.com",
    );
    let chat = t.add_chat(CHAT_ID, ChatType::Group, Some("Launch"), &[adele, alex]);
    t.install(ScopeRef::Chat(chat), onenote, 0);
    t.install(ScopeRef::Chat(chat), notes, 0);
    t
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let standin = StandIn::start(
        tenant(),
        Config {
            request_log: 100,
            ..Config::default()
        },
    )
    .await?;
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

    // 5. Read the chat again: nothing is left to upgrade.
    let after = client
        .chat(CHAT_ID)
        .installed_apps()
        .list()
        .expand("teamsAppDefinition")
        .all()
        .await?;
    for inst in &after {
        if let Some(def) = &inst.teams_app_definition {
            println!(
                "{}: {} installed",
                def.display_name.as_deref().unwrap_or("?"),
                def.version.as_deref().unwrap_or("?")
            );
        }
    }

    println!("\n== Requests sent");
    for req in standin.requests() {
        println!("{} {} -> {}", req.method, req.target, req.status);
        if !req.body.is_empty() {
            println!("   {}", req.body);
        }
    }
    let stats = standin.stats();
    println!(
        "\n== {} installations left outdated, {} throttled, {:.1} s at least under Graph's limits",
        stats.outdated_installations, stats.throttled, stats.least_seconds
    );
    Ok(())
}
