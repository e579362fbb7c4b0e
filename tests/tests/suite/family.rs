//! The Teams app installation family on the wire, one test per action, against its docs pages' examples.
//
// Response payloads and documented request bodies are vendored verbatim under
// `tests/fixtures/graph-examples/` (see its README.md for sources and the one syntax fix).

use graph_api::models::{
    ChatType, TeamsAppDistributionMethod, TeamsAppInstallation, TeamsAppPermissionSet,
    TeamsAppPublishingState, TeamsAppResourceSpecificPermission,
    TeamsAppResourceSpecificPermissionType as Kind, UserScopeTeamsAppInstallation,
};
use graph_api::{ApiVersion, Error, GraphClient};
use graph_api_tests::standin::{Recorded, Reply, StandIn};
use serde::Serialize;
use serde_json::{Value, json};

const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-part";

macro_rules! example {
    ($file:literal) => {
        include_str!(concat!("../../fixtures/graph-examples/", $file))
    };
}

const CHAT_LIST_EXAMPLE_3: &str = example!("chat-list-installedapps-example-3.json");
const CHAT_GET_EXAMPLE_2: &str = example!("chat-get-installedapps-example-2.json");
const CHAT_POST_EXAMPLE_1: &str = example!("chat-post-installedapps-example-1-request.json");
const CHAT_POST_EXAMPLE_2: &str = example!("chat-post-installedapps-example-2-request.json");
const CHAT_UPGRADE_EXAMPLE_2: &str =
    example!("chat-teamsappinstallation-upgrade-example-2-request.json");
const TEAM_LIST_EXAMPLE_4: &str = example!("team-list-installedapps-example-4.json");
const TEAM_GET_EXAMPLE_3: &str = example!("team-get-installedapps-example-3.json");
const TEAM_POST_EXAMPLE_1: &str = example!("team-post-installedapps-example-1-request.json");
const USER_LIST_EXAMPLE_3: &str = example!("userteamwork-list-installedapps-example-3.json");
const USER_GET_EXAMPLE_2: &str = example!("userteamwork-get-installedapps-example-2.json");
const USER_POST_EXAMPLE_2: &str =
    example!("userteamwork-post-installedapps-example-2-request.json");
const USER_UPGRADE_EXAMPLE_2: &str =
    example!("userteamwork-teamsappinstallation-upgrade-example-2-request.json");
const CATALOG_EXAMPLE_5: &str = example!("appcatalogs-list-teamsapps-example-5.json");
const CATALOG_EXAMPLE_7: &str = example!("appcatalogs-list-teamsapps-example-7.json");
/// A one-on-one chat as the "Get chat" page returns it; used as the `chat` of a user-scope
/// installation, which none of the family's pages shows expanded.
const GET_CHAT_EXAMPLE_2: &str = example!("chat-get-example-2.json");

/// The manifest id the pages' "based on the manifest id" examples filter on.
const MANIFEST_FILTER: &str = "teamsApp/externalId eq 'cf1ba4c7-f94e-4d80-ba90-5594b641a8ee'";
/// The same filter as the client percent-encodes it.
const MANIFEST_FILTER_ON_THE_WIRE: &str =
    "teamsApp/externalId%20eq%20%27cf1ba4c7-f94e-4d80-ba90-5594b641a8ee%27";
/// The catalog app id the install examples bind.
const CATALOG_APP_ID: &str = "12345678-9abc-def0-123456789a";

// ---- helpers ----------------------------------------------------------------------------------

/// A stand-in that gives every request the same answer.
async fn standin(reply: Reply) -> StandIn {
    StandIn::start(move |_: &Recorded| reply.clone())
        .await
        .expect("loopback listener")
}

/// A stand-in that answers 200 with `body` as JSON.
async fn standin_json(body: impl Into<Vec<u8>>) -> StandIn {
    standin(Reply::body(200, "application/json", body)).await
}

fn client(server: &StandIn) -> GraphClient {
    client_for(server, ApiVersion::V1)
}

fn client_for(server: &StandIn, version: ApiVersion) -> GraphClient {
    GraphClient::builder()
        .base_url(server.url())
        .api_version(version)
        .bearer_token(TOKEN)
        .build()
        .expect("valid config")
}

/// The one request the stand-in received.
fn only_request(server: &StandIn) -> Recorded {
    let mut reqs = server.requests();
    assert_eq!(reqs.len(), 1, "exactly one request: {reqs:?}");
    reqs.remove(0)
}

/// Checks a request with no body: method, exact target and the bearer token.
fn assert_sent(req: &Recorded, method: &str, target: &str) {
    assert_eq!((req.method.as_str(), req.target.as_str()), (method, target));
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert!(req.body.is_empty(), "no body: {:?}", req.body);
    assert_eq!(req.header("content-type"), None);
}

/// Checks a POST: exact target, bearer token, `Content-Type: application/json` and the exact
/// body bytes.
fn assert_posted(req: &Recorded, target: &str, body: &str) {
    assert_eq!((req.method.as_str(), req.target.as_str()), ("POST", target));
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(String::from_utf8_lossy(&req.body), body);
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

/// A documented request body with Graph's v1.0 service root replaced by `root`, its
/// `permissionType` values in the CSDL's spelling (see [`documented_request`]).
fn documented_body(text: &str, root: &str) -> Value {
    documented_request(&text.replace("https://graph.microsoft.com/v1.0", root))
}

/// A documented request body as the client sends it: the pages' request examples write
/// `permissionType` as `Delegated`/`Application`, while the CSDL's enum (and every response)
/// has `delegated`/`application`, which is what the client sends.
fn documented_request(text: &str) -> Value {
    let mut v = parse(text);
    fn lower(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    match x {
                        Value::String(s) if k == "permissionType" => *s = s.to_lowercase(),
                        _ => lower(x),
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(lower),
            _ => {}
        }
    }
    lower(&mut v);
    v
}

fn sent_json(req: &Recorded) -> Value {
    serde_json::from_slice(&req.body).expect("the body is JSON")
}

/// `consentedPermissionSet` from (permission, type) pairs.
fn permission_set(permissions: &[(&str, Kind)]) -> TeamsAppPermissionSet {
    TeamsAppPermissionSet::new().with_resource_specific_permissions(
        permissions
            .iter()
            .map(|(value, kind)| {
                TeamsAppResourceSpecificPermission::new()
                    .with_permission_value(*value)
                    .with_permission_type(kind.clone())
            })
            .collect::<Vec<_>>(),
    )
}

/// The (permission, type) pairs of a decoded permission set.
fn permissions(set: Option<&TeamsAppPermissionSet>) -> Vec<(&str, Kind)> {
    set.and_then(|s| s.resource_specific_permissions.as_deref())
        .unwrap_or_default()
        .iter()
        .map(|p| {
            (
                p.permission_value.as_deref().unwrap_or_default(),
                p.permission_type.clone().expect("a permission type"),
            )
        })
        .collect()
}

/// Checks that `decoded`, written back as JSON, says what Graph `sent`: every member is kept
/// with its value, the ones the type does not declare included, and nothing is added. Two
/// differences are by design: a declared field Graph sent as `null` reads as `None` and is left
/// out, and a permission type is written in the requests' spelling (`delegated` → `Delegated`).
fn assert_written_back<T: Serialize>(decoded: &T, sent: &Value) {
    let written = serde_json::to_value(decoded).expect("serializes");
    let mut diffs = Vec::new();
    compare("$", &written, sent, &mut diffs);
    assert!(
        diffs.is_empty(),
        "written back differs from what Graph sent:\n{}",
        diffs.join("\n")
    );
}

fn compare(path: &str, written: &Value, sent: &Value, diffs: &mut Vec<String>) {
    match (written, sent) {
        (Value::Object(w), Value::Object(s)) => {
            for (key, s_value) in s {
                let at = format!("{path}.{key}");
                match w.get(key) {
                    Some(w_value) => compare(&at, w_value, s_value, diffs),
                    None if s_value.is_null() => {}
                    None => diffs.push(format!("{at}: lost (sent {s_value})")),
                }
            }
            for key in w.keys().filter(|k| !s.contains_key(*k)) {
                diffs.push(format!("{path}.{key}: added"));
            }
        }
        (Value::Array(w), Value::Array(s)) if w.len() == s.len() => {
            for (i, (w_item, s_item)) in w.iter().zip(s).enumerate() {
                compare(&format!("{path}[{i}]"), w_item, s_item, diffs);
            }
        }
        (Value::String(w), Value::String(s))
            if path.ends_with(".permissionType") && w.eq_ignore_ascii_case(s) => {}
        _ if written == sent => {}
        _ => diffs.push(format!("{path}: wrote {written}, sent {sent}")),
    }
}

/// A user-scope installation with its chat expanded, as Graph types the items of
/// `userTeamwork.installedApps`: the id of the user list page's example 1, the derived type's
/// `@odata.type`, and the "Get chat" page's one-on-one chat (without its top-level
/// `@odata.context`). None of the family's pages shows this shape; it is composed here.
fn user_scope_item_with_chat() -> Value {
    let mut chat = parse(GET_CHAT_EXAMPLE_2);
    chat.as_object_mut()
        .expect("an object")
        .remove("@odata.context");
    json!({
        "@odata.type": "#microsoft.graph.userScopeTeamsAppInstallation",
        "id": "YTZiNjMzNjUtMzFhNC00ZjQzLTkyZWMtNzEwYjcxNTU3YWY5IyMwLjk=",
        "chat": chat,
    })
}

const CHAT_WITH_APP_ID: &str =
    "19:8b081ef6-4792-4def-b2c9-c363a1bf41d5_877192bd-9183-47d3-a74c-8aa0426716cf@unq.gbl.spaces";

// ---- apps in a chat ---------------------------------------------------------------------------

/// chat-list-installedapps, example 3.
#[tokio::test]
async fn chat_list_filters_by_manifest_id_and_reads_the_expanded_app_and_definition() {
    let server = standin_json(CHAT_LIST_EXAMPLE_3).await;
    let page = client(&server)
        .chat("19:d65713bc498c4a428c71ef9353e6ce20@thread.v2")
        .installed_apps()
        .list()
        .expand("teamsApp,teamsAppDefinition")
        .filter(MANIFEST_FILTER)
        .send()
        .await
        .expect("200 with a page");

    assert_sent(
        &only_request(&server),
        "GET",
        &format!(
            "/v1.0/chats/19:d65713bc498c4a428c71ef9353e6ce20@thread.v2/installedApps\
             ?$expand=teamsApp,teamsAppDefinition&$filter={MANIFEST_FILTER_ON_THE_WIRE}"
        ),
    );
    assert_eq!(page.count, Some(1));
    assert_eq!(page.next_link, None);
    assert_eq!(page.items.len(), 1);
    let item = &page.items[0];
    assert_eq!(
        item.id.as_deref(),
        Some(
            "NjkwM2ZhOTMtNjA1Yi00M2VmLTkyMGUtNzdjNDcyOWY4MjU4IyMwMjQwYTM2OC0yNWUwLTQ1NjktOGViZS0xMzYwMWNiNTVhMTg="
        )
    );
    let app = item.teams_app.as_ref().expect("teamsApp expanded");
    assert_eq!(
        app.id.as_deref(),
        Some("0240a368-25e0-4569-8ebe-13601cb55a18")
    );
    assert_eq!(
        app.external_id.as_deref(),
        Some("cf1ba4c7-f94e-4d80-ba90-5594b641a8ee")
    );
    assert_eq!(app.display_name.as_deref(), Some("YPA"));
    assert_eq!(
        app.distribution_method,
        Some(TeamsAppDistributionMethod::Sideloaded)
    );
    let definition = item
        .teams_app_definition
        .as_ref()
        .expect("teamsAppDefinition expanded");
    assert_eq!(
        definition.teams_app_id.as_deref(),
        Some("0240a368-25e0-4569-8ebe-13601cb55a18")
    );
    assert_eq!(definition.display_name.as_deref(), Some("YPA"));
    assert_eq!(definition.version.as_deref(), Some("6.0.0"));
    assert_eq!(
        definition.publishing_state,
        Some(TeamsAppPublishingState::Published)
    );
    assert_eq!(definition.last_modified_date_time, None);
    assert_eq!(definition.created_by, None);
    // Undeclared fields are kept; this page spells `shortdescription` in lower case, which is
    // not `shortDescription`.
    assert_eq!(
        definition.additional["azureADAppId"],
        "9fc97ea2-c417-4c76-a2db-197612067b28"
    );
    assert_eq!(
        definition.additional["requiredResourceSpecificApplicationPermissions"],
        json!([])
    );
    assert_eq!(definition.short_description, None);
    assert_eq!(
        definition.additional["shortdescription"],
        "A conversational smart assistant from MSX that surfaces real-time insights."
    );
    assert_written_back(item, &parse(CHAT_LIST_EXAMPLE_3)["value"][0]);
}

/// chat-get-installedapps, example 2 (the page's URL has `19%5bd86…`, a typo for the chat id
/// `19:5bd86…` that its `@odata.context` and the installation id name).
#[tokio::test]
async fn chat_get_selects_the_consented_permissions_and_keeps_odata_context() {
    let server = standin_json(CHAT_GET_EXAMPLE_2).await;
    let installation_id = "MTk6NWJkODZlYzdmNmIyNDdkM2I5ZTUxOWIwYmZlZjVkMDNAdGhyZWFkLnYyIyMyYjUyNGUyOC05NWNlLTRjOWItOTc3My00YTViZDZlYzE3NzA=";
    let got = client(&server)
        .chat("19:5bd86ec7f6b247d3b9e519b0bfef5d03@thread.v2")
        .installed_app(installation_id)
        .get()
        .select("consentedPermissionSet,id")
        .send()
        .await
        .expect("200 with the installation");

    assert_sent(
        &only_request(&server),
        "GET",
        &format!(
            "/v1.0/chats/19:5bd86ec7f6b247d3b9e519b0bfef5d03@thread.v2/installedApps/{installation_id}\
             ?$select=consentedPermissionSet,id"
        ),
    );
    assert_eq!(got.id.as_deref(), Some(installation_id));
    assert_eq!(
        permissions(got.consented_permission_set.as_ref()),
        [
            ("OnlineMeeting.ReadBasic.Chat", Kind::Delegated),
            ("OnlineMeetingIncomingAudio.Detect.Chat", Kind::Delegated),
        ]
    );
    assert_eq!(
        got.additional["@odata.context"],
        "https://graph.microsoft.com/v1.0/chats('19%3A5bd86ec7f6b247d3b9e519b0bfef5d03%40thread.v2')/installedApps(consentedPermissionSet,id)/$entity"
    );
    assert_written_back(&got, &parse(CHAT_GET_EXAMPLE_2));
}

/// chat-post-installedapps, examples 1 (v1.0) and 2 (on a beta client).
#[tokio::test]
async fn chat_add_binds_the_catalog_app_on_the_clients_own_root_and_version() {
    let server = standin(Reply::status(201)).await;
    let result: Result<(), Error> = client(&server)
        .chat("19:ea28e88c00e94c7786b065394a61f296@thread.v2")
        .installed_apps()
        .add(CATALOG_APP_ID)
        .send()
        .await;
    result.expect("201 Created is Ok(())");
    client_for(&server, ApiVersion::Beta)
        .chat("19:ea28e88c00e94c7786b065394a61f296@thread.v2")
        .installed_apps()
        .add("2b524e28-95ce-4c9b-9773-4a5bd6ec1770")
        .consented_permission_set(permission_set(&[
            ("OnlineMeeting.ReadBasic.Chat", Kind::Delegated),
            ("OnlineMeetingIncomingAudio.Detect.Chat", Kind::Delegated),
            ("ChatMember.Read.Chat", Kind::Application),
            ("ChatMessage.Read.Chat", Kind::Application),
        ]))
        .send()
        .await
        .expect("201 Created is Ok(())");

    let root = server.url();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_posted(
        &reqs[0],
        "/v1.0/chats/19:ea28e88c00e94c7786b065394a61f296@thread.v2/installedApps",
        &format!(
            r#"{{"teamsApp@odata.bind":"{root}/v1.0/appCatalogs/teamsApps/12345678-9abc-def0-123456789a"}}"#
        ),
    );
    assert_eq!(
        sent_json(&reqs[0]),
        documented_body(CHAT_POST_EXAMPLE_1, &format!("{root}/v1.0"))
    );
    assert_posted(
        &reqs[1],
        "/beta/chats/19:ea28e88c00e94c7786b065394a61f296@thread.v2/installedApps",
        &format!(
            concat!(
                r#"{{"teamsApp@odata.bind":"{root}/beta/appCatalogs/teamsApps/2b524e28-95ce-4c9b-9773-4a5bd6ec1770","#,
                r#""consentedPermissionSet":{{"resourceSpecificPermissions":["#,
                r#"{{"permissionValue":"OnlineMeeting.ReadBasic.Chat","permissionType":"delegated"}},"#,
                r#"{{"permissionValue":"OnlineMeetingIncomingAudio.Detect.Chat","permissionType":"delegated"}},"#,
                r#"{{"permissionValue":"ChatMember.Read.Chat","permissionType":"application"}},"#,
                r#"{{"permissionValue":"ChatMessage.Read.Chat","permissionType":"application"}}]}}}}"#
            ),
            root = root
        ),
    );
    // The documented request, bound on the beta root instead of v1.0.
    assert_eq!(
        sent_json(&reqs[1]),
        documented_body(CHAT_POST_EXAMPLE_2, &format!("{root}/beta"))
    );
}

/// chat-teamsappinstallation-upgrade, example 2.
#[tokio::test]
async fn chat_upgrade_sends_the_documented_consent_and_maps_204_to_ok() {
    let server = standin(Reply::status(204)).await;
    client(&server)
        .chat("19:ea28e88c00e94c7786b065394a61f296@thread.v2")
        .installed_app("NjRiOWM3NDYtYjE1NS00MDQyLThkNDctOTQxYmQzODE2ODFiIyMwZDgyMGVjZC1kZWYyLTQyOTctYWRhZC03ODA1NmNkZTdjNzg=")
        .upgrade()
        .consented_permission_set(permission_set(&[
            ("OnlineMeeting.ReadBasic.Chat", Kind::Delegated),
            ("ChatMember.Read.Chat", Kind::Application),
        ]))
        .send()
        .await
        .expect("204 is Ok(())");

    let req = only_request(&server);
    assert_posted(
        &req,
        "/v1.0/chats/19:ea28e88c00e94c7786b065394a61f296@thread.v2/installedApps/NjRiOWM3NDYtYjE1NS00MDQyLThkNDctOTQxYmQzODE2ODFiIyMwZDgyMGVjZC1kZWYyLTQyOTctYWRhZC03ODA1NmNkZTdjNzg=/upgrade",
        concat!(
            r#"{"consentedPermissionSet":{"resourceSpecificPermissions":["#,
            r#"{"permissionValue":"OnlineMeeting.ReadBasic.Chat","permissionType":"delegated"},"#,
            r#"{"permissionValue":"ChatMember.Read.Chat","permissionType":"application"}]}}"#
        ),
    );
    assert_eq!(sent_json(&req), documented_request(CHAT_UPGRADE_EXAMPLE_2));
}

/// chat-delete-installedapps, the page's only example.
#[tokio::test]
async fn chat_delete_sends_no_body_and_maps_204_to_ok() {
    let server = standin(Reply::status(204)).await;
    client(&server)
        .chat("19:ea28e88c00e94c7786b065394a61f296@thread.v2")
        .installed_app("NjRiOWM3NDYtYjE1NS00MDQyLThkNDctOTQxYmQzODE2ODFiIyMwZDgyMGVjZC1kZWYyLTQyOTctYWRhZC03ODA1NmNkZTdjNzg=")
        .delete()
        .send()
        .await
        .expect("204 is Ok(())");

    assert_sent(
        &only_request(&server),
        "DELETE",
        "/v1.0/chats/19:ea28e88c00e94c7786b065394a61f296@thread.v2/installedApps/NjRiOWM3NDYtYjE1NS00MDQyLThkNDctOTQxYmQzODE2ODFiIyMwZDgyMGVjZC1kZWYyLTQyOTctYWRhZC03ODA1NmNkZTdjNzg=",
    );
}

// ---- apps in a team ---------------------------------------------------------------------------

/// team-list-installedapps, example 4 (its trailing comma removed; see the fixtures' README).
#[tokio::test]
async fn team_list_all_reads_consented_permission_sets_including_a_null_one() {
    let server = standin_json(TEAM_LIST_EXAMPLE_4).await;
    let items = client(&server)
        .team("7eeb5a95-f602-4861-ab67-49714fa5a020")
        .installed_apps()
        .list()
        .select("consentedPermissionSet,id")
        .all()
        .await
        .expect("200 with one page");

    assert_sent(
        &only_request(&server),
        "GET",
        "/v1.0/teams/7eeb5a95-f602-4861-ab67-49714fa5a020/installedApps?$select=consentedPermissionSet,id",
    );
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0].id.as_deref(),
        Some(
            "N2VlYjVhOTUtZjYwMi00ODYxLWFiNjctNDk3MTRmYTVhMDIwIyMwMDAwMTAxNi1kZTA1LTQ5MmUtOTEwNi00ODI4ZmM4YTg2ODc="
        )
    );
    assert_eq!(items[0].consented_permission_set, None);
    assert_eq!(
        permissions(items[1].consented_permission_set.as_ref()),
        [
            ("ChannelMeeting.ReadBasic.Group", Kind::Delegated),
            ("ChannelMeetingStage.Write.Group", Kind::Delegated),
        ]
    );
    let sent = parse(TEAM_LIST_EXAMPLE_4);
    for (i, item) in items.iter().enumerate() {
        assert!(item.additional.is_empty(), "{:?}", item.additional);
        assert_written_back(item, &sent["value"][i]);
    }
}

/// team-get-installedapps, example 3 (the page's URL puts a chat-style id in the team segment;
/// the team of its `@odata.context` and of the installation id is used).
#[tokio::test]
async fn team_get_selects_the_consented_permissions_and_keeps_odata_context() {
    let server = standin_json(TEAM_GET_EXAMPLE_3).await;
    let installation_id = "N2VlYjVhOTUtZjYwMi00ODYxLWFiNjctNDk3MTRmYTVhMDIwIyMxYzI1NmE2NS04M2E2LTRiNWMtOWNjZi03OGY4YWZiNmYxZTg=";
    let got = client(&server)
        .team("7eeb5a95-f602-4861-ab67-49714fa5a020")
        .installed_app(installation_id)
        .get()
        .select("consentedPermissionSet,id")
        .send()
        .await
        .expect("200 with the installation");

    assert_sent(
        &only_request(&server),
        "GET",
        &format!(
            "/v1.0/teams/7eeb5a95-f602-4861-ab67-49714fa5a020/installedApps/{installation_id}\
             ?$select=consentedPermissionSet,id"
        ),
    );
    assert_eq!(got.id.as_deref(), Some(installation_id));
    assert_eq!(
        permissions(got.consented_permission_set.as_ref()),
        [
            ("ChannelMeeting.ReadBasic.Group", Kind::Delegated),
            ("ChannelMeetingStage.Write.Group", Kind::Delegated),
        ]
    );
    assert_eq!(
        got.additional["@odata.context"],
        "https://graph.microsoft.com/v1.0/$metadata#teams('7eeb5a95-f602-4861-ab67-49714fa5a020')/installedApps(consentedPermissionSet,id)/$entity"
    );
    assert_eq!(got.additional.len(), 1);
    assert_written_back(&got, &parse(TEAM_GET_EXAMPLE_3));
}

/// team-post-installedapps, example 1: the team page answers 200, not 201.
#[tokio::test]
async fn team_add_maps_the_documented_200_to_ok() {
    let server = standin(Reply::status(200)).await;
    client(&server)
        .team("87654321-0abc-zqf0-321456789q")
        .installed_apps()
        .add(CATALOG_APP_ID)
        .send()
        .await
        .expect("200 is Ok(())");

    let root = server.url();
    let req = only_request(&server);
    assert_posted(
        &req,
        "/v1.0/teams/87654321-0abc-zqf0-321456789q/installedApps",
        &format!(
            r#"{{"teamsApp@odata.bind":"{root}/v1.0/appCatalogs/teamsApps/12345678-9abc-def0-123456789a"}}"#
        ),
    );
    assert_eq!(
        sent_json(&req),
        documented_body(TEAM_POST_EXAMPLE_1, &format!("{root}/v1.0"))
    );
}

/// team-teamsappinstallation-upgrade, example 1: the page sends `{ }`.
#[tokio::test]
async fn team_upgrade_without_consent_sends_an_empty_object() {
    let server = standin(Reply::status(204)).await;
    client(&server)
        .team("db5e04be-daa2-4a35-beb1-5e73cc381599")
        .installed_app("NjkwM2ZhOTMtNjA1Yi00M2VmLTkyMGUtNzdjNDcyOWY4MjU4IyMwMjQwYTM2OC0yNWUwLTQ1NjktOGViZS0xMzYwMWNiNTVhMTg=")
        .upgrade()
        .send()
        .await
        .expect("204 is Ok(())");

    assert_posted(
        &only_request(&server),
        "/v1.0/teams/db5e04be-daa2-4a35-beb1-5e73cc381599/installedApps/NjkwM2ZhOTMtNjA1Yi00M2VmLTkyMGUtNzdjNDcyOWY4MjU4IyMwMjQwYTM2OC0yNWUwLTQ1NjktOGViZS0xMzYwMWNiNTVhMTg=/upgrade",
        "{}",
    );
}

/// team-delete-installedapps, the page's only example.
#[tokio::test]
async fn team_delete_sends_no_body_and_maps_204_to_ok() {
    let server = standin(Reply::status(204)).await;
    client(&server)
        .team("6903fa93-605b-43ef-920e-77c4729f8258")
        .installed_app("NjkwM2ZhOTMtNjA1Yi00M2VmLTkyMGUtNzdjNDcyOWY4MjU4IyMwMDAwMTAxNi1kZTA1LTQ5MmUtOTEwNi00ODI4ZmM4YTg2ODc=")
        .delete()
        .send()
        .await
        .expect("204 is Ok(())");

    assert_sent(
        &only_request(&server),
        "DELETE",
        "/v1.0/teams/6903fa93-605b-43ef-920e-77c4729f8258/installedApps/NjkwM2ZhOTMtNjA1Yi00M2VmLTkyMGUtNzdjNDcyOWY4MjU4IyMwMDAwMTAxNi1kZTA1LTQ5MmUtOTEwNi00ODI4ZmM4YTg2ODc=",
    );
}

// ---- apps in a user's personal scope ----------------------------------------------------------

/// userteamwork-list-installedapps, example 3; then the same list with `$expand=chat`, answered
/// with a user-scope item (see `user_scope_item_with_chat`) and read as a stream.
#[tokio::test]
async fn user_list_filters_by_manifest_id_and_streams_the_derived_type_with_its_chat() {
    let expanded_page = json!({ "value": [user_scope_item_with_chat()] }).to_string();
    let server = StandIn::start(move |req: &Recorded| {
        if req.target.ends_with("$expand=chat") {
            Reply::body(200, "application/json", expanded_page.clone())
        } else {
            Reply::body(200, "application/json", USER_LIST_EXAMPLE_3)
        }
    })
    .await
    .expect("loopback listener");
    let client = client(&server);
    let user = "97a5a533-833d-494b-b543-c0afe026cb96";

    let page = client
        .user(user)
        .teamwork()
        .installed_apps()
        .list()
        .expand("teamsApp,teamsAppDefinition")
        .filter(MANIFEST_FILTER)
        .send()
        .await
        .expect("200 with a page");
    assert_eq!(page.count, Some(1));
    let item = &page.items[0];
    assert_eq!(item.odata_type, None);
    assert_eq!(item.chat, None);
    let app = item.teams_app.as_ref().expect("teamsApp expanded");
    assert_eq!(
        app.external_id.as_deref(),
        Some("cf1ba4c7-f94e-4d80-ba90-5594b641a8ee")
    );
    assert_eq!(
        app.distribution_method,
        Some(TeamsAppDistributionMethod::Sideloaded)
    );
    let definition = item.teams_app_definition.as_ref().expect("expanded");
    assert_eq!(definition.version.as_deref(), Some("6.0.0"));
    assert_eq!(
        definition.publishing_state,
        Some(TeamsAppPublishingState::Published)
    );
    // This page spells it `shortDescription`, the declared field.
    assert_eq!(
        definition.short_description.as_deref(),
        Some("A conversational smart assistant from MSX that surfaces real-time insights.")
    );
    assert_eq!(
        definition.additional["azureADAppId"],
        "9fc97ea2-c417-4c76-a2db-197612067b28"
    );
    assert_written_back(item, &parse(USER_LIST_EXAMPLE_3)["value"][0]);

    let mut stream = client
        .user(user)
        .teamwork()
        .installed_apps()
        .list()
        .expand("chat")
        .stream();
    let streamed = stream
        .next()
        .await
        .expect("one item")
        .expect("200 with a page");
    assert!(stream.next().await.is_none(), "no next link, no more items");
    assert_eq!(
        streamed.odata_type.as_deref(),
        Some(UserScopeTeamsAppInstallation::ODATA_TYPE)
    );
    let chat = streamed.chat.as_ref().expect("chat expanded");
    assert_eq!(chat.id.as_deref(), Some(CHAT_WITH_APP_ID));
    assert_eq!(chat.chat_type, Some(ChatType::OneOnOne));
    assert_eq!(
        chat.created_date_time.as_deref(),
        Some("2019-04-18T23:51:42.099Z")
    );
    assert_eq!(chat.topic, None);
    assert_written_back(&streamed, &user_scope_item_with_chat());

    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            format!(
                "/v1.0/users/{user}/teamwork/installedApps\
                 ?$expand=teamsApp,teamsAppDefinition&$filter={MANIFEST_FILTER_ON_THE_WIRE}"
            ),
            format!("/v1.0/users/{user}/teamwork/installedApps?$expand=chat"),
        ]
    );
}

/// userteamwork-get-installedapps, example 2, by user principal name. The page wraps the entity
/// in `{"value": [...]}`; Graph answers a single GET with the entity itself, so the stand-in
/// answers with the page's item. Then a user-scope item with its chat, converted to the base
/// type and back.
#[tokio::test]
async fn user_get_by_principal_name_keeps_the_at_sign_and_converts_between_base_and_derived() {
    let documented_item = parse(USER_GET_EXAMPLE_2)["value"][0].clone();
    let served = documented_item.to_string();
    let with_chat = user_scope_item_with_chat().to_string();
    let server = StandIn::start(move |req: &Recorded| {
        let body = if req.target.ends_with("$expand=chat") {
            &with_chat
        } else {
            &served
        };
        Reply::body(200, "application/json", body.clone())
    })
    .await
    .expect("loopback listener");
    let client = client(&server);
    let upn = "megan@contoso.onmicrosoft.com";
    let installation_id = "NWI2NDk4MzQtNzQxMi00Y2NlLTllNjktMTc2ZTk1YTM5NGY1IyNhNmI2MzM2NS0zMWE0LTRmNDMtOTJlYy03MTBiNzE1NTdhZjk=";

    let got = client
        .user(upn)
        .teamwork()
        .installed_app(installation_id)
        .get()
        .expand("teamsAppDefinition")
        .send()
        .await
        .expect("200 with the installation");
    assert_eq!(got.id.as_deref(), Some(installation_id));
    let definition = got.teams_app_definition.as_ref().expect("expanded");
    assert_eq!(
        definition.teams_app_id.as_deref(),
        Some("a6b63365-31a4-4f43-92ec-710b71557af9")
    );
    assert_eq!(definition.display_name.as_deref(), Some("Power Apps"));
    assert_eq!(definition.version.as_deref(), Some("0.9"));
    assert_eq!(
        got.additional["@odata.context"],
        "https://graph.microsoft.com/v1.0/$metadata#teams('5b649834-7412-4cce-9e69-176e95a394f5')/installedApps(teamsAppDefinition())/$entity"
    );
    assert_written_back(&got, &documented_item);

    let derived = client
        .user(upn)
        .teamwork()
        .installed_app("YTZiNjMzNjUtMzFhNC00ZjQzLTkyZWMtNzEwYjcxNTU3YWY5IyMwLjk=")
        .get()
        .expand("chat")
        .send()
        .await
        .expect("200 with the installation");
    let chat = derived.chat.as_ref().expect("chat expanded");
    assert_eq!(chat.id.as_deref(), Some(CHAT_WITH_APP_ID));
    assert_eq!(chat.chat_type, Some(ChatType::OneOnOne));

    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            format!(
                "/v1.0/users/megan@contoso.onmicrosoft.com/teamwork/installedApps/{installation_id}\
                 ?$expand=teamsAppDefinition"
            ),
            "/v1.0/users/megan@contoso.onmicrosoft.com/teamwork/installedApps/YTZiNjMzNjUtMzFhNC00ZjQzLTkyZWMtNzEwYjcxNTU3YWY5IyMwLjk=?$expand=chat".to_owned(),
        ]
    );

    // The base type keeps the derived type's `chat` among its undeclared fields...
    let base = TeamsAppInstallation::from(derived.clone());
    assert_eq!(
        base.odata_type.as_deref(),
        Some("#microsoft.graph.userScopeTeamsAppInstallation")
    );
    assert_eq!(base.additional["chat"]["id"], CHAT_WITH_APP_ID);
    // ...as it does when read from the wire as the base type; either converts back.
    let read_as_base: TeamsAppInstallation =
        serde_json::from_value(user_scope_item_with_chat()).expect("reads as the base type");
    assert_eq!(read_as_base.additional["chat"]["id"], CHAT_WITH_APP_ID);
    for base in [base.clone(), read_as_base] {
        let converted = UserScopeTeamsAppInstallation::try_from(base)
            .expect("its @odata.type names the derived type");
        assert_eq!(converted, derived);
    }

    // Another @odata.type (or none) does not convert, and the value comes back untouched.
    for odata_type in [Some(TeamsAppInstallation::ODATA_TYPE), None] {
        let mut other = base.clone();
        other.odata_type = odata_type.map(str::to_owned);
        let back = UserScopeTeamsAppInstallation::try_from(other.clone())
            .expect_err("not the derived type");
        assert_eq!(back, other);
    }
}

/// userteamwork-post-installedapps, example 2.
#[tokio::test]
async fn user_add_consents_to_the_documented_permissions_and_maps_201_to_ok() {
    let server = standin(Reply::status(201)).await;
    client(&server)
        .user("5b649834-7412-4cce-9e69-176e95a394f5")
        .teamwork()
        .installed_apps()
        .add(CATALOG_APP_ID)
        .consented_permission_set(permission_set(&[(
            "TeamsActivity.Send.User",
            Kind::Application,
        )]))
        .send()
        .await
        .expect("201 Created is Ok(())");

    let root = server.url();
    let req = only_request(&server);
    assert_posted(
        &req,
        "/v1.0/users/5b649834-7412-4cce-9e69-176e95a394f5/teamwork/installedApps",
        &format!(
            concat!(
                r#"{{"teamsApp@odata.bind":"{root}/v1.0/appCatalogs/teamsApps/12345678-9abc-def0-123456789a","#,
                r#""consentedPermissionSet":{{"resourceSpecificPermissions":["#,
                r#"{{"permissionValue":"TeamsActivity.Send.User","permissionType":"application"}}]}}}}"#
            ),
            root = root
        ),
    );
    assert_eq!(
        sent_json(&req),
        documented_body(USER_POST_EXAMPLE_2, &format!("{root}/v1.0"))
    );
}

/// userteamwork-teamsappinstallation-upgrade, example 2 (the page prints a relative request line).
#[tokio::test]
async fn user_upgrade_sends_the_documented_consent_and_maps_204_to_ok() {
    let server = standin(Reply::status(204)).await;
    client(&server)
        .user("5b649834-7412-4cce-9e69-176e95a394f5")
        .teamwork()
        .installed_app("NWI2NDk4MzQtNzQxMi00Y2NlLTllNjktMTc2ZTk1YTM5NGY1IyNhNmI2MzM2NS0zMWE0LTRmNDMtOTJlYy03MTBiNzE1NTdhZjk")
        .upgrade()
        .consented_permission_set(permission_set(&[(
            "TeamsActivity.Send.User",
            Kind::Application,
        )]))
        .send()
        .await
        .expect("204 is Ok(())");

    let req = only_request(&server);
    assert_posted(
        &req,
        "/v1.0/users/5b649834-7412-4cce-9e69-176e95a394f5/teamwork/installedApps/NWI2NDk4MzQtNzQxMi00Y2NlLTllNjktMTc2ZTk1YTM5NGY1IyNhNmI2MzM2NS0zMWE0LTRmNDMtOTJlYy03MTBiNzE1NTdhZjk/upgrade",
        concat!(
            r#"{"consentedPermissionSet":{"resourceSpecificPermissions":["#,
            r#"{"permissionValue":"TeamsActivity.Send.User","permissionType":"application"}]}}"#
        ),
    );
    assert_eq!(sent_json(&req), documented_request(USER_UPGRADE_EXAMPLE_2));
}

/// userteamwork-delete-installedapps, the page's only example.
#[tokio::test]
async fn user_delete_sends_no_body_and_maps_204_to_ok() {
    let server = standin(Reply::status(204)).await;
    client(&server)
        .user("5b649834-7412-4cce-9e69-176e95a394f5")
        .teamwork()
        .installed_app("NWI2NDk4MzQtNzQxMi00Y2NlLTllNjktMTc2ZTk1YTM5NGY1IyNhNmI2MzM2NS0zMWE0LTRmNDMtOTJlYy03MTBiNzE1NTdhZjk")
        .delete()
        .send()
        .await
        .expect("204 is Ok(())");

    assert_sent(
        &only_request(&server),
        "DELETE",
        "/v1.0/users/5b649834-7412-4cce-9e69-176e95a394f5/teamwork/installedApps/NWI2NDk4MzQtNzQxMi00Y2NlLTllNjktMTc2ZTk1YTM5NGY1IyNhNmI2MzM2NS0zMWE0LTRmNDMtOTJlYy03MTBiNzE1NTdhZjk",
    );
}

// ---- the Teams app catalog --------------------------------------------------------------------

/// appcatalogs-list-teamsapps, examples 7 (required permissions; the page writes `+eq+` for the
/// spaces) and 5 (apps with a bot, with a lambda filter).
#[tokio::test]
async fn catalog_list_reads_required_permissions_and_nested_expansions() {
    let server = StandIn::start(|req: &Recorded| {
        let body = if req.target.contains("$expand=appDefinitions($select") {
            CATALOG_EXAMPLE_7
        } else {
            CATALOG_EXAMPLE_5
        };
        Reply::body(200, "application/json", body)
    })
    .await
    .expect("loopback listener");
    let client = client(&server);

    let page = client
        .app_catalogs()
        .teams_apps()
        .list()
        .filter("id eq 'a5228c26-a9ae-4702-90e0-79a5246d2f7d'")
        .expand("appDefinitions($select=id,authorization)")
        .send()
        .await
        .expect("200 with a page");
    assert_eq!(page.items.len(), 1);
    let app = &page.items[0];
    assert_eq!(
        app.id.as_deref(),
        Some("a5228c26-a9ae-4702-90e0-79a5246d2f7d")
    );
    assert_eq!(app.display_name.as_deref(), Some("teamsDelegatedRscTests"));
    assert_eq!(
        app.distribution_method,
        Some(TeamsAppDistributionMethod::Organization)
    );
    assert_eq!(
        app.additional["appDefinitions@odata.context"],
        "https://graph.microsoft.com/v1.0/$metadata#appCatalogs/teamsApps('a5228c26-a9ae-4702-90e0-79a5246d2f7d')/appDefinitions(id,authorization)"
    );
    let definitions = app.app_definitions.as_deref().expect("expanded");
    assert_eq!(definitions.len(), 1);
    let required = definitions[0]
        .authorization
        .as_ref()
        .and_then(|a| a.required_permission_set.as_ref());
    assert_eq!(
        permissions(required),
        [
            ("Channel.Create.Group", Kind::Application),
            ("Channel.Delete.Group", Kind::Application),
            ("ChannelMeeting.ReadBasic.Group", Kind::Delegated),
        ]
    );
    assert_written_back(app, &parse(CATALOG_EXAMPLE_7)["value"][0]);

    let apps = client
        .app_catalogs()
        .teams_apps()
        .list()
        .expand("appDefinitions($expand=bot)")
        .filter("appDefinitions/any(a:a/bot ne null)")
        .all()
        .await
        .expect("200 with one page");
    assert_eq!(apps.len(), 2);
    let ducks = &apps[0].app_definitions.as_deref().expect("expanded")[0];
    assert_eq!(ducks.display_name.as_deref(), Some("Ducks-3"));
    assert_eq!(ducks.version.as_deref(), Some("1.0.9"));
    assert_eq!(
        ducks.publishing_state,
        Some(TeamsAppPublishingState::Rejected)
    );
    assert_eq!(
        ducks.last_modified_date_time.as_deref(),
        Some("2020-11-23T21:36:00.9437445Z")
    );
    assert_eq!(
        ducks.bot.as_ref().and_then(|b| b.id.as_deref()),
        Some("bb9f67a4-893b-48d7-ab17-40ed466c0f16")
    );
    assert_eq!(
        ducks.additional["@odata.etag"],
        "ImNOTW1CR2V1VzgwczlEblVidU00UHc9PSI="
    );
    // An undeclared `null` is kept as `null`.
    assert_eq!(ducks.additional["azureADAppId"], Value::Null);
    let created_by = ducks.created_by.as_ref().expect("createdBy");
    assert_eq!(created_by.application, None);
    assert_eq!(created_by.additional["conversation"], Value::Null);
    let user = created_by.user.as_ref().expect("a user");
    assert_eq!(
        user.id.as_deref(),
        Some("70292a90-d2a7-432c-857e-55db6d8f5cd0")
    );
    assert_eq!(user.additional["userIdentityType"], "aadUser");
    let e2e = &apps[1].app_definitions.as_deref().expect("expanded")[0];
    assert_eq!(
        e2e.publishing_state,
        Some(TeamsAppPublishingState::Submitted)
    );
    assert_eq!(
        e2e.additional["azureADAppId"],
        "d75abc57-8255-4309-9c29-a3c689e20341"
    );
    let sent = parse(CATALOG_EXAMPLE_5);
    for (i, app) in apps.iter().enumerate() {
        assert_written_back(app, &sent["value"][i]);
    }

    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/v1.0/appCatalogs/teamsApps\
             ?$filter=id%20eq%20%27a5228c26-a9ae-4702-90e0-79a5246d2f7d%27\
             &$expand=appDefinitions($select=id,authorization)",
            "/v1.0/appCatalogs/teamsApps\
             ?$expand=appDefinitions($expand=bot)\
             &$filter=appDefinitions/any(a:a/bot%20ne%20null)",
        ]
    );
}

// ---- refused before sending -------------------------------------------------------------------

#[tokio::test]
async fn an_add_with_a_slash_in_the_app_id_is_refused_before_sending() {
    let server = standin(Reply::status(201)).await;
    let client = client(&server);
    let bad = "12345678-9abc/def0-123456789a";
    let results = [
        client
            .chat("19:ea28e88c00e94c7786b065394a61f296@thread.v2")
            .installed_apps()
            .add(bad)
            .send()
            .await,
        client
            .team("87654321-0abc-zqf0-321456789q")
            .installed_apps()
            .add(bad)
            .send()
            .await,
        client
            .user("5b649834-7412-4cce-9e69-176e95a394f5")
            .teamwork()
            .installed_apps()
            .add(bad)
            .send()
            .await,
    ];
    for result in results {
        let err = result.expect_err("a `/` would change the bound URL");
        assert!(
            matches!(
                &err,
                Error::InvalidArgument {
                    name: "teams-app-id",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("nothing was sent"), "{err}");
    }
    assert!(server.requests().is_empty(), "nothing may be sent");
}

/// The success status each docs page gives (chat and user adds answer 201 Created, the team add
/// 200 OK, upgrades and removals 204 No Content), as the spec states it. The client takes any
/// 2xx as success, so this pins the metadata users read (`INFO.success_status`).
#[test]
fn each_action_states_the_success_status_its_page_documents() {
    let pages = [
        ("list_chat_app_installations", 200),
        ("get_chat_app_installation", 200),
        ("add_chat_app_installation", 201),
        ("upgrade_chat_app_installation", 204),
        ("remove_chat_app_installation", 204),
        ("list_team_app_installations", 200),
        ("get_team_app_installation", 200),
        ("add_team_app_installation", 200),
        ("upgrade_team_app_installation", 204),
        ("remove_team_app_installation", 204),
        ("list_user_app_installations", 200),
        ("get_user_app_installation", 200),
        ("add_user_app_installation", 201),
        ("upgrade_user_app_installation", 204),
        ("remove_user_app_installation", 204),
        ("list_teams_apps", 200),
    ];
    for (id, status) in pages {
        let info = graph_api::actions::ALL
            .iter()
            .find(|a| a.id == id)
            .unwrap_or_else(|| panic!("no action `{id}`"));
        assert_eq!(info.success_status, status, "{id}");
    }
}
