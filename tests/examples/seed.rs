//! Runs both examples of the seed page ("teamsAppInstallation in chat: upgrade") through the
//! generated client against a Graph stand-in on loopback, printing each request and response.
//!
//! `cargo run -p graph-api-tests --example seed` needs no network and no credentials.

use graph_api::models::{
    TeamsAppPermissionSet, TeamsAppResourceSpecificPermission,
    TeamsAppResourceSpecificPermissionType,
};
use graph_api_tests::standin::{Recorded, Reply, StandIn, answer_batch};

use graph_api_tests::seed::{APP_INSTALLATION_ID, CHAT_ID};

/// The stand-in's Graph: upgrade in any chat answers 204 to a bearer token, `$batch` answers
/// each of its items so, anything else 404.
fn graph(req: &Recorded) -> Reply {
    if req.method == "POST" && req.target == "/v1.0/$batch" {
        return answer_batch(req, graph);
    }
    let segments: Vec<&str> = req.target.split('/').collect();
    let is_upgrade = req.method == "POST"
        && matches!(
            segments.as_slice(),
            ["", "v1.0", "chats", _, "installedApps", _, "upgrade"]
        );
    match (is_upgrade, req.header("authorization")) {
        (true, Some(auth)) if auth.starts_with("Bearer ") => Reply::status(204),
        (true, _) => {
            Reply::graph_error(401, "InvalidAuthenticationToken", "Access token is empty.")
        }
        (false, _) => Reply::graph_error(404, "UnknownError", "No such route on the stand-in."),
    }
}

fn print_exchange(title: &str, standin: &StandIn) {
    let Some((req, reply)) = standin.exchanges().pop() else {
        return;
    };
    println!(
        "== {title}\n-- request\n{} {} HTTP/1.1",
        req.method, req.target
    );
    for (name, value) in &req.headers {
        let value = if name == "authorization" {
            "Bearer <redacted>"
        } else {
            value
        };
        println!("{name}: {value}");
    }
    println!(
        "\n{}\n-- response\n{}{}",
        String::from_utf8_lossy(&req.body),
        reply.head(),
        String::from_utf8_lossy(&reply.body)
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let standin = StandIn::start(graph).await?;
    let token = "stand-in-token";
    let (chat_id, app_installation_id) = (CHAT_ID, APP_INSTALLATION_ID);

    let client = graph_api::GraphClient::builder()
        .base_url(standin.url()) // service root; the API version (default v1.0) is added
        .bearer_token(token)
        .build()?;

    // Example 1: upgrade the app installed in a chat.
    client
        .chat(chat_id)
        .installed_app(app_installation_id)
        .upgrade()
        .send()
        .await?;
    print_exchange(
        "Example 1: upgrade the Teams app installed in a chat",
        &standin,
    );

    // Example 2: upgrade and consent to the app's resource-specific permissions.
    let set = TeamsAppPermissionSet::new().with_resource_specific_permissions(vec![
        TeamsAppResourceSpecificPermission::new()
            .with_permission_value("OnlineMeeting.ReadBasic.Chat")
            .with_permission_type(TeamsAppResourceSpecificPermissionType::Delegated),
        TeamsAppResourceSpecificPermission::new()
            .with_permission_value("ChatMember.Read.Chat")
            .with_permission_type(TeamsAppResourceSpecificPermissionType::Application),
    ]);
    client
        .chat(chat_id)
        .installed_app(app_installation_id)
        .upgrade()
        .consented_permission_set(set)
        .send()
        .await?;
    print_exchange(
        "Example 2: upgrade and consent to resource-specific permissions",
        &standin,
    );

    // The same upgrade as a value: what `.send()` would put on the wire, without sending it.
    let dry_run = client
        .chat(chat_id)
        .installed_app(app_installation_id)
        .upgrade()
        .build()?;
    println!("== Example 1 as a value (`.build()`, nothing sent)\n{dry_run}\n");

    // The upgrade in several chats at once: one `$batch` POST, an answer per chat.
    let chats = [
        CHAT_ID,
        "19:0de2bd4a4bc64b5d9aa3d7c3d5a2c5e3@thread.v2",
        "19:8b081ef6-4792-4def-b2c9-c363a1bf41d5_5031bb31-22c0-4f6f-9f73-91d34ab2b32d@unq.gbl.spaces",
    ];
    let mut batch = client.batch();
    let items = chats
        .iter()
        .map(|chat| {
            batch.add(
                client
                    .chat(chat)
                    .installed_app(app_installation_id)
                    .upgrade(),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut answers = batch.send().await?;
    print_exchange("The upgrade in three chats, batched", &standin);
    for (chat, item) in chats.iter().zip(items) {
        let outcome = match answers.take(item) {
            Ok(()) => "upgraded".to_owned(),
            Err(e) => e.to_string(),
        };
        println!("{chat}: {outcome}");
    }
    println!();

    let info = graph_api::requests::UpgradeChatAppInstallation::INFO;
    println!(
        "== Permissions that can call `{}` when consenting to resource-specific permissions",
        info.id
    );
    for kind in [
        graph_api::meta::PermissionType::Delegated,
        graph_api::meta::PermissionType::Application,
    ] {
        println!(
            "{kind:?}: {}",
            info.permissions.usable(kind, true).join(", ")
        );
    }
    Ok(())
}
