//! The generated client on the wire: exact requests to a loopback server, and typed errors.

use graph_api::{ApiVersion, Error, GraphClient, NationalCloud};
use graph_api_tests::contoso::prelude::*;
use graph_api_tests::standin::{Recorded, Reply, StandIn};

use graph_api_tests::seed::{APP_INSTALLATION_ID, CHAT_ID, example_2_permission_set};
const SEED_TARGET: &str = "/v1.0/chats/19:ea28e88c00e94c7786b065394a61f296@thread.v2/installedApps/NjRiOWM3NDYtYjE1NS00MDQyLThkNDctOTQxYmQzODE2ODFiIyMwZDgyMGVjZC1kZWYyLTQyOTctYWRhZC03ODA1NmNkZTdjNzg=/upgrade";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-part";

async fn standin(reply: Reply) -> StandIn {
    StandIn::start(move |_: &Recorded| reply.clone())
        .await
        .expect("loopback listener")
}

fn client(standin: &StandIn) -> GraphClient {
    GraphClient::builder()
        .base_url(standin.url())
        .bearer_token(TOKEN)
        .build()
        .expect("valid config")
}

/// The headers the request carries, leaving out the ones the HTTP stack adds on its own.
fn own_headers(req: &Recorded) -> Vec<(&str, &str)> {
    let mut h: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter(|(n, _)| !matches!(n.as_str(), "host" | "content-length"))
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    h.sort();
    h
}

#[tokio::test]
async fn seed_example_1_sends_an_empty_object() {
    let server = standin(Reply::status(204)).await;
    let client = client(&server);
    let result: Result<(), Error> = client
        .chat(CHAT_ID)
        .installed_app(APP_INSTALLATION_ID)
        .upgrade()
        .send()
        .await;
    result.expect("204 is success");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let req = &reqs[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.target, SEED_TARGET);
    let request_id = req
        .header("client-request-id")
        .expect("a client-request-id");
    assert_eq!(request_id.len(), 36, "a GUID: {request_id}");
    assert_eq!(
        own_headers(req),
        [
            ("accept", "application/json"),
            ("authorization", format!("Bearer {TOKEN}").as_str()),
            ("client-request-id", request_id),
            ("content-type", "application/json"),
            ("user-agent", graph_api::USER_AGENT),
        ]
    );
    assert_eq!(
        graph_api::USER_AGENT,
        format!("graph-api/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(req.header("content-length"), Some("2"));
    assert_eq!(req.body, b"{}");
}

#[tokio::test]
async fn seed_example_2_sends_the_permission_set_as_documented() {
    let server = standin(Reply::status(204)).await;
    let client = client(&server);
    let set = example_2_permission_set();
    client
        .chat(CHAT_ID)
        .installed_app(APP_INSTALLATION_ID)
        .upgrade()
        .consented_permission_set(set)
        .send()
        .await
        .expect("204 is success");

    let req = &server.requests()[0];
    assert_eq!(
        (req.method.as_str(), req.target.as_str()),
        ("POST", SEED_TARGET)
    );
    assert_eq!(req.header("content-type"), Some("application/json"));
    let expected = concat!(
        r#"{"consentedPermissionSet":{"resourceSpecificPermissions":["#,
        r#"{"permissionValue":"OnlineMeeting.ReadBasic.Chat","permissionType":"delegated"},"#,
        r#"{"permissionValue":"ChatMember.Read.Chat","permissionType":"application"}]}}"#
    );
    assert_eq!(String::from_utf8_lossy(&req.body), expected);
    // The same document as the seed page's example 2, whitespace aside and `permissionType` in
    // the CSDL's spelling (the example writes `Delegated`; the enum's member is `delegated`).
    let seed: serde_json::Value = serde_json::from_str(
        r#"{
          "consentedPermissionSet": {
              "resourceSpecificPermissions": [
              { "permissionValue": "OnlineMeeting.ReadBasic.Chat", "permissionType": "Delegated" },
              { "permissionValue": "ChatMember.Read.Chat", "permissionType": "Application" }]
            }
        }"#,
    )
    .expect("seed JSON");
    let mut seed = seed;
    for p in seed["consentedPermissionSet"]["resourceSpecificPermissions"]
        .as_array_mut()
        .expect("a list")
    {
        let kind = p["permissionType"]
            .as_str()
            .expect("a string")
            .to_lowercase();
        p["permissionType"] = serde_json::Value::String(kind);
    }
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&req.body).expect("JSON body"),
        seed
    );
}

#[tokio::test]
async fn api_version_and_base_path_shape_the_target() {
    let server = standin(Reply::status(204)).await;
    let client = GraphClient::builder()
        .base_url(format!("{}/proxy/", server.url()))
        .api_version(ApiVersion::Beta)
        .bearer_token(TOKEN)
        .build()
        .expect("valid config");
    client
        .chat("c")
        .installed_app("i")
        .upgrade()
        .send()
        .await
        .expect("204");
    assert_eq!(
        server.requests()[0].target,
        "/proxy/beta/chats/c/installedApps/i/upgrade"
    );
}

#[tokio::test]
async fn graph_errors_are_typed_and_keep_the_details() {
    let server = standin(Reply::graph_error(
        403,
        "Forbidden",
        "Missing role permissions on the request.",
    ))
    .await;
    let err = client(&server)
        .chat(CHAT_ID)
        .installed_app(APP_INSTALLATION_ID)
        .upgrade()
        .send()
        .await
        .expect_err("403");
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.code(), Some("Forbidden"));
    assert_eq!(
        err.request_id(),
        Some("00000000-0000-0000-0000-00000000beef")
    );
    assert_eq!(
        err.to_string(),
        "403 Forbidden: Missing role permissions on the request. (request-id 00000000-0000-0000-0000-00000000beef)"
    );
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("secret-part"), "the token leaked: {shown}");
}

#[tokio::test]
async fn ids_that_would_change_the_route_are_refused_before_sending() {
    let server = standin(Reply::status(204)).await;
    let client = client(&server);
    for bad in ["", ".", "..", "a/b", "a\\b", "a\r\nb"] {
        let err = client
            .chat(bad)
            .installed_app(APP_INSTALLATION_ID)
            .upgrade()
            .send()
            .await
            .expect_err(bad);
        assert!(
            matches!(
                err,
                Error::InvalidArgument {
                    name: "chat-id",
                    ..
                }
            ),
            "{bad:?}: {err:?}"
        );
    }
    let err = client
        .chat(CHAT_ID)
        .installed_app("..")
        .upgrade()
        .send()
        .await
        .expect_err("..");
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                name: "app-installation-id",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        server.requests().is_empty(),
        "nothing may be sent for a refused id"
    );
}

#[tokio::test]
async fn odd_ids_travel_percent_encoded_once() {
    let server = standin(Reply::status(204)).await;
    client(&server)
        .chat("a b?c#d%e")
        .installed_app("ü")
        .upgrade()
        .send()
        .await
        .expect("204");
    assert_eq!(
        server.requests()[0].target,
        "/v1.0/chats/a%20b%3Fc%23d%25e/installedApps/%C3%BC/upgrade"
    );
}

#[tokio::test]
async fn actions_missing_from_the_cloud_or_version_fail_before_sending() {
    let server = standin(Reply::status(204)).await;
    let gov = GraphClient::builder()
        .base_url(server.url())
        .national_cloud(NationalCloud::UsGovL4)
        .bearer_token(TOKEN)
        .build()
        .expect("valid config");
    let err = gov
        .team("t")
        .contoso_app("i")
        .get()
        .send()
        .await
        .expect_err("global only");
    assert!(
        matches!(
            &err,
            Error::Unavailable {
                action: "get_team_installation",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("US Government L4"), "{err}");
    let err = client(&server)
        .team("t")
        .contoso_apps()
        .add("x")
        .send()
        .await
        .expect_err("beta only");
    assert!(err.to_string().contains("API version v1.0"), "{err}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn downstream_actions_send_and_decode() {
    let body = r#"{"id":"inst-1","type":"team","isPinned":true,"somethingNew":{"x":1}}"#;
    let server = StandIn::start(move |req: &Recorded| match req.method.as_str() {
        "GET" => Reply::body(200, "application/json", body),
        "POST" => Reply::body(201, "application/json", r#"{"id":"new"}"#),
        _ => Reply::status(204),
    })
    .await
    .expect("listener");
    let client = client(&server);
    let got = client
        .team("t 1")
        .contoso_app("inst-1")
        .get()
        .send()
        .await
        .expect("200");
    assert_eq!(got.id, "inst-1");
    assert_eq!(got.is_pinned, Some(true));
    client
        .team("t 1")
        .contoso_app("inst-1")
        .delete()
        .send()
        .await
        .expect("204");
    client
        .person("p")
        .teamwork()
        .installed_app("folder/app")
        .pin()
        .send()
        .await
        .expect("204");

    let beta = GraphClient::builder()
        .base_url(server.url())
        .api_version(ApiVersion::Beta)
        .bearer_token(TOKEN)
        .build()
        .expect("config");
    let added = beta
        .team("t")
        .contoso_apps()
        .add("https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/x")
        .send()
        .await
        .expect("201");
    assert_eq!(added.id, "new");

    let reqs = server.requests();
    let lines: Vec<String> = reqs
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    assert_eq!(
        lines,
        [
            "GET /v1.0/teams/t%201/contosoApps/inst-1",
            "DELETE /v1.0/teams/t%201/contosoApps/inst-1",
            "POST /v1.0/people/p/teamwork/installedApps/folder/app/microsoft.graph.pin",
            "POST /beta/teams/t/contosoApps",
        ]
    );
    assert!(reqs[0].body.is_empty() && reqs[1].body.is_empty());
    assert_eq!(
        reqs[3].body,
        br#"{"teamsApp@odata.bind":"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/x"}"#
    );
}

/// The contoso fixture declares none of `Chat`, `ChatType` and `IdentitySet`: its entries use
/// graph-api's by name, so what its actions read and send are graph-api's own model types.
#[tokio::test]
async fn downstream_actions_read_and_send_graph_apis_own_types() {
    use graph_api::models::{Chat, ChatType, IdentitySet};
    let page = r#"{"value":[{"chat":{"id":"19:a@thread.v2","chatType":"group","topic":"Launch","viewpoint":{"isHidden":false}},
        "pinnedBy":{"user":{"id":"u1","displayName":"Megan Bowen"}},"history":[{"id":"19:b@thread.v2","chatType":"oneOnOne"}]}]}"#;
    let server = StandIn::start(
        move |req: &Recorded| match (req.method.as_str(), &req.target) {
            ("GET", t) if t.ends_with("/contosoPinnedChats") => {
                Reply::body(200, "application/json", page)
            }
            ("GET", _) => Reply::body(200, "application/json", r#"{"value":"ONEONONE"}"#),
            _ => Reply::body(
                201,
                "application/json",
                r#"{"id":"19:new@thread.v2","chatType":"meeting","topic":"Review"}"#,
            ),
        },
    )
    .await
    .expect("listener");
    let client = client(&server);

    let pinned = client
        .team("t")
        .contoso_pinned_chats()
        .list()
        .all()
        .await
        .expect("200");
    // The field's type is graph-api's `Chat`, not a copy: it goes where graph-api's own are taken.
    let chat: &Chat = &pinned[0].chat;
    assert_eq!(chat.id.as_deref(), Some("19:a@thread.v2"));
    assert_eq!(chat.chat_type, Some(ChatType::Group));
    assert_eq!(chat.topic.as_deref(), Some("Launch"));
    assert!(chat.additional.contains_key("viewpoint"), "{chat:?}");
    let by: &IdentitySet = pinned[0].pinned_by.as_ref().expect("pinnedBy");
    let user = by.user.as_ref().expect("user");
    assert_eq!(user.display_name.as_deref(), Some("Megan Bowen"));
    let history: &[Chat] = pinned[0].history.as_deref().expect("history");
    assert_eq!(history[0].chat_type, Some(ChatType::OneOnOne));

    let started: Chat = client
        .team("t")
        .contoso_pinned_chats()
        .pin(ChatType::Meeting)
        .topic("Review")
        .send()
        .await
        .expect("201");
    assert_eq!(started.chat_type, Some(ChatType::Meeting));
    assert_eq!(started.topic.as_deref(), Some("Review"));

    // An enum answer arrives wrapped as `{"value": ...}`, read in any casing.
    let kind: ChatType = client
        .team("t")
        .contoso_pinned_chat_type()
        .get()
        .send()
        .await
        .expect("200");
    assert_eq!(kind, ChatType::OneOnOne);

    let reqs = server.requests();
    assert_eq!(reqs[1].method, "POST");
    assert_eq!(reqs[1].target, "/v1.0/teams/t/contosoPinnedChats");
    assert_eq!(reqs[1].body, br#"{"chatType":"meeting","topic":"Review"}"#);
}

#[tokio::test]
async fn a_success_body_that_is_not_the_documented_type_is_a_decode_error() {
    let server = standin(Reply::body(200, "text/html", "<html>oops</html>")).await;
    let err = client(&server)
        .team("t")
        .contoso_app("i")
        .get()
        .send()
        .await
        .expect_err("not JSON");
    assert!(
        matches!(&err, Error::Decode { status: 200, snippet, .. } if snippet == "<html>oops</html>"),
        "{err:?}"
    );
}

#[test]
fn the_token_never_shows_in_debug() {
    let client = GraphClient::builder()
        .bearer_token(TOKEN)
        .build()
        .expect("valid config");
    let shown = format!("{client:?}");
    assert!(
        !shown.contains("secret-part") && shown.contains("GraphClient"),
        "{shown}"
    );
    let secret = graph_api::Secret::new(TOKEN);
    assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
}

#[test]
fn bad_configuration_is_an_error_not_a_panic() {
    for base in [
        "not a url",
        "ftp://x",
        "https://graph.microsoft.com/?a=b",
        "https://user:pw@graph.microsoft.com",
    ] {
        let err = GraphClient::builder()
            .base_url(base)
            .bearer_token(TOKEN)
            .build()
            .expect_err(base);
        assert!(matches!(err, Error::Config(_)), "{base}: {err:?}");
    }
    assert!(matches!(
        GraphClient::builder().build(),
        Err(Error::Config(_))
    ));
}
