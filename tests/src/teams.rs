//! A Graph stand-in for Teams app installations: one scope (chat, team or user) with two apps
//! installed, and an app catalog where one of them has a newer definition that requires
//! resource-specific consent. Payload shapes follow the docs pages' response examples.

use crate::standin::{Recorded, Reply};
use serde_json::{Value, json};

/// The catalog id of the app that is up to date and requires no consent (OneNote, as in the
/// "List apps in chat" page's example 2).
pub const CURRENT_APP: &str = "0d820ecd-def2-4297-adad-78056cde7c78";
/// The catalog id of the app whose installed definition is older than the catalog's.
pub const OUTDATED_APP: &str = "b1c5353a-7aca-41b3-830f-27d5218fe0e5";
/// The installation id of the up-to-date app.
pub const CURRENT_INSTALLATION: &str = "MTk6ZDY1NzEzYmM0OThjNGE0MjhjNzFlZjkzNTNlNmNlMjBAdGhyZWFkLnYyIyMwZDgyMGVjZC1kZWYyLTQyOTctYWRhZC03ODA1NmNkZTdjNzg=";
/// The installation id of the outdated app.
pub const OUTDATED_INSTALLATION: &str = "MTk6ZDY1NzEzYmM0OThjNGE0MjhjNzFlZjkzNTNlNmNlMjBAdGhyZWFkLnYyIyNiMWM1MzUzYS03YWNhLTQxYjMtODMwZi0yN2Q1MjE4ZmUwZTU=";
/// The resource-specific permissions the outdated app's newer definition requires.
pub const REQUIRED: &[(&str, &str)] = &[
    ("OnlineMeeting.ReadBasic.Chat", "delegated"),
    ("ChatMember.Read.Chat", "application"),
];

fn definition(app: &str, name: &str, version: &str, rsc: &[(&str, &str)]) -> Value {
    let permissions: Vec<Value> = rsc
        .iter()
        .map(|(v, t)| json!({ "permissionType": t, "permissionValue": v }))
        .collect();
    json!({
        "id": format!("{app}-{version}"),
        "teamsAppId": app,
        "azureADAppId": "9fc97ea2-c417-4c76-a2db-197612067b28",
        "displayName": name,
        "version": version,
        "publishingState": "published",
        "shortDescription": format!("{name}, as the catalog describes it."),
        "lastModifiedDateTime": null,
        "authorization": {
            "clientAppId": "9fc97ea2-c417-4c76-a2db-197612067b28",
            "requiredPermissionSet": { "resourceSpecificPermissions": permissions }
        }
    })
}

fn installation(id: &str, app: &str, name: &str, version: &str) -> Value {
    json!({
        "id": id,
        "teamsApp": { "id": app, "externalId": format!("ext-{app}"), "displayName": name, "distributionMethod": "organization" },
        "teamsAppDefinition": definition(app, name, version, &[]),
    })
}

fn installations() -> Vec<Value> {
    vec![
        installation(CURRENT_INSTALLATION, CURRENT_APP, "OneNote", "1.0.0"),
        installation(
            OUTDATED_INSTALLATION,
            OUTDATED_APP,
            "Meeting Notes",
            "1.0.0",
        ),
    ]
}

fn catalog() -> Vec<Value> {
    vec![
        json!({
            "id": CURRENT_APP, "externalId": format!("ext-{CURRENT_APP}"), "displayName": "OneNote",
            "distributionMethod": "store",
            "appDefinitions": [definition(CURRENT_APP, "OneNote", "1.0.0", &[])],
        }),
        json!({
            "id": OUTDATED_APP, "externalId": format!("ext-{OUTDATED_APP}"), "displayName": "Meeting Notes",
            "distributionMethod": "organization",
            "appDefinitions": [
                definition(OUTDATED_APP, "Meeting Notes", "1.0.0", &[]),
                definition(OUTDATED_APP, "Meeting Notes", "1.1.0", REQUIRED),
            ],
        }),
    ]
}

fn ok(body: Value) -> Reply {
    Reply::body(200, "application/json", body.to_string())
}

/// Answers the family's requests in any scope (`chats/{id}`, `teams/{id}`, `users/{id}/teamwork`):
/// list and get installations, list the catalog filtered by `id eq '...'`, and upgrade (204).
/// A request without a bearer token gets 401, anything else 404.
pub fn graph(req: &Recorded) -> Reply {
    if !req
        .header("authorization")
        .is_some_and(|a| a.starts_with("Bearer "))
    {
        return Reply::graph_error(401, "InvalidAuthenticationToken", "Access token is empty.");
    }
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    let query = graph_standin::odata::percent_decode(query);
    let segments: Vec<&str> = path.split('/').collect();
    let scoped = match segments.as_slice() {
        ["", "v1.0", "chats" | "teams", _, rest @ ..] => Some(rest),
        ["", "v1.0", "users", _, "teamwork", rest @ ..] => Some(rest),
        _ => None,
    };
    match (req.method.as_str(), scoped, segments.as_slice()) {
        ("GET", Some(["installedApps"]), _) => ok(json!({ "value": installations() })),
        ("GET", Some(["installedApps", id]), _) => installations()
            .into_iter()
            .find(|i| i["id"] == *id)
            .map_or_else(
                || Reply::graph_error(404, "NotFound", "No such installation."),
                ok,
            ),
        ("POST", Some(["installedApps", _, "upgrade"]), _) => Reply::status(204),
        ("GET", _, ["", "v1.0", "appCatalogs", "teamsApps"]) => {
            let wanted = query
                .split("id eq '")
                .nth(1)
                .and_then(|rest| rest.split('\'').next());
            let apps: Vec<Value> = catalog()
                .into_iter()
                .filter(|a| wanted.is_none_or(|w| a["id"] == w))
                .collect();
            ok(json!({ "value": apps }))
        }
        _ => Reply::graph_error(404, "UnknownError", "No such route on the stand-in."),
    }
}
