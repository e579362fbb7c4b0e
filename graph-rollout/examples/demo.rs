//! The README's main job: a tenant-wide app upgrade over a generated graph-standin tenant, run in
//! process at Microsoft Graph's published limits, with the command's own progress and summary.
//!
//! `cargo run -p graph-rollout --example demo [-- USERS CHATS TEAMS]` (150 users, 1,500 chats and
//! 40 teams by default). No network and no credentials: the stand-in listens on loopback and the
//! token is an unsigned one carrying the application permissions the rollout plans for.

use graph_api::meta::PermissionType;
use graph_rollout::Scopes;
use graph_standin::{Config, Size, StandIn, Tenant};
use std::process::ExitCode;

/// The app rolled out: its newest published version asks for resource-specific consent, and a
/// newer one is only submitted, so it must not become the target.
const APP: &str = "Standup";

#[tokio::main]
async fn main() -> ExitCode {
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap_or(0))
        .collect();
    let size = match numbers[..] {
        [users, chats, teams] if users >= 2 => Size {
            users,
            chats,
            teams,
        },
        [] => Size {
            users: 150,
            chats: 1_500,
            teams: 40,
        },
        _ => {
            eprintln!("usage: demo [USERS CHATS TEAMS] (at least two users)");
            return ExitCode::from(2);
        }
    };
    let tenant = Tenant::generate(size, 7);
    let Some(app) = tenant.apps.iter().find(|a| a.display_name == APP) else {
        eprintln!("demo: the generated catalog has no {APP}");
        return ExitCode::from(2);
    };
    let app_id = app.id.clone();
    let versions: Vec<String> = app
        .definitions
        .iter()
        .map(|d| {
            let state = if d.published {
                "published"
            } else {
                "submitted"
            };
            format!("{} ({state})", d.version)
        })
        .collect();
    let app_index = tenant.app(&app_id);
    let tenant_id = tenant.tenant_id.clone();
    let outdated_before = outdated(&tenant, app_index);
    let standin = match StandIn::start(tenant, Config::default()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("demo: cannot start graph-standin on loopback: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "graph-standin at {}: {} users, {} chats, {} teams, Microsoft Graph's Teams limits",
        standin.url(),
        size.users,
        size.chats,
        size.teams
    );
    println!(
        "app {APP} ({app_id}), versions {}; {outdated_before} installation(s) outdated",
        versions.join(", ")
    );
    let journal =
        std::env::temp_dir().join(format!("graph-rollout-demo-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&journal);
    let token = token(&tenant_id);
    let args = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    let journal_arg = journal.display().to_string();
    println!(
        "\n$ graph-rollout upgrade --app {app_id} --base-url {} --journal {journal_arg}\n",
        standin.url()
    );
    let code = graph_rollout::cli::run(
        args(&[
            "upgrade",
            "--app",
            &app_id,
            "--base-url",
            standin.url(),
            "--journal",
            &journal_arg,
        ]),
        Some(token),
    )
    .await;
    let stats = standin.stats();
    println!(
        "\ngraph-standin counted {} request(s) ($batch items one by one), {} answered 429; \
         {} installation(s) of {APP} still outdated",
        stats.requests.values().sum::<u64>(),
        stats.throttled,
        standin.with_tenant(|t| outdated(t, app_index))
    );
    println!("\n$ graph-rollout status --journal {journal_arg}\n");
    graph_rollout::cli::run(args(&["status", "--journal", &journal_arg]), None).await;
    let _ = std::fs::remove_file(&journal);
    code
}

/// An unsigned application token for the stand-in's tenant holding exactly the permissions the
/// planner names for a rollout over every scope (the command reads them before it sends).
fn token(tenant_id: &str) -> String {
    use base64::Engine as _;
    let roles: Vec<String> = graph_api::permissions::plan(
        &graph_rollout::actions(Scopes::default()),
        PermissionType::Application,
        true,
        &[],
    )
    .map(|planned| planned.iter().map(|p| p.permission.to_string()).collect())
    .unwrap_or_default();
    let claims = serde_json::json!({ "tid": tenant_id, "idtyp": "app", "roles": roles });
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!(
        "{}.{}.unsigned",
        b64(br#"{"alg":"none"}"#),
        b64(claims.to_string().as_bytes())
    )
}

/// Installations of the app whose last written version is not its newest published one.
fn outdated(tenant: &Tenant, app: Option<usize>) -> usize {
    let newest = app.and_then(|a| tenant.apps[a].newest_published());
    tenant
        .all_installations()
        .filter(|(_, inst)| Some(inst.app) == app && Some(inst.written()) != newest)
        .count()
}
