//! Upgrading an installed app with exactly the consent its newest catalog definition requires.

use graph_api::{Error, GraphClient};
use graph_api_tests::standin::{Recorded, Reply, StandIn};
use graph_api_tests::teams::{
    self, CURRENT_APP, CURRENT_INSTALLATION, OUTDATED_APP, OUTDATED_INSTALLATION,
};

fn client(standin: &StandIn) -> GraphClient {
    GraphClient::builder()
        .base_url(standin.url())
        .bearer_token("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-part")
        .build()
        .expect("valid config")
}

/// The requests as `METHOD target`, and the last request's body.
fn sent(standin: &StandIn) -> (Vec<String>, String) {
    let reqs = standin.requests();
    let lines = reqs
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    let body = reqs
        .last()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .unwrap_or_default();
    (lines, body)
}

#[tokio::test]
async fn a_chat_app_is_upgraded_consenting_to_what_its_new_definition_requires() {
    let standin = StandIn::start(teams::graph).await.expect("listener");
    let done = client(&standin)
        .chat("19:chat@thread.v2")
        .installed_app(OUTDATED_INSTALLATION)
        .upgrade_with_required_consent()
        .await
        .expect("upgraded");
    assert_eq!(done.teams_app_id, OUTDATED_APP);
    assert_eq!(done.from_version.as_deref(), Some("1.0.0"));
    assert_eq!(done.to_version.as_deref(), Some("1.1.0"));
    let (lines, body) = sent(&standin);
    let inst = format!("/v1.0/chats/19:chat@thread.v2/installedApps/{OUTDATED_INSTALLATION}");
    assert_eq!(
        lines,
        [
            format!("GET {inst}?$expand=teamsApp,teamsAppDefinition"),
            format!(
                "GET /v1.0/appCatalogs/teamsApps?$filter=id%20eq%20%27{OUTDATED_APP}%27&$expand=appDefinitions($expand=authorization)"
            ),
            format!("POST {inst}/upgrade"),
        ]
    );
    assert_eq!(
        body,
        r#"{"consentedPermissionSet":{"resourceSpecificPermissions":[{"permissionValue":"OnlineMeeting.ReadBasic.Chat","permissionType":"delegated"},{"permissionValue":"ChatMember.Read.Chat","permissionType":"application"}]}}"#
    );
}

#[tokio::test]
async fn an_app_that_requires_no_consent_is_upgraded_with_an_empty_object() {
    let standin = StandIn::start(teams::graph).await.expect("listener");
    let done = client(&standin)
        .team("7023576d-9e40-47ca-9cf2-daae6838e785")
        .installed_app(CURRENT_INSTALLATION)
        .upgrade_with_required_consent()
        .await
        .expect("upgraded");
    assert_eq!(done.teams_app_id, CURRENT_APP);
    assert_eq!(done.consented, None);
    let (lines, body) = sent(&standin);
    assert_eq!(
        lines.last().map(String::as_str),
        Some(
            format!(
                "POST /v1.0/teams/7023576d-9e40-47ca-9cf2-daae6838e785/installedApps/{CURRENT_INSTALLATION}/upgrade"
            )
            .as_str()
        )
    );
    assert_eq!(body, "{}");
}

#[tokio::test]
async fn a_users_app_is_upgraded_in_the_personal_scope() {
    let standin = StandIn::start(teams::graph).await.expect("listener");
    let done = client(&standin)
        .user("megan@contoso.onmicrosoft.com")
        .teamwork()
        .installed_app(OUTDATED_INSTALLATION)
        .upgrade_with_required_consent()
        .await
        .expect("upgraded");
    assert!(done.consented.is_some());
    let (lines, body) = sent(&standin);
    assert!(
        lines[0]
            .starts_with("GET /v1.0/users/megan@contoso.onmicrosoft.com/teamwork/installedApps/")
    );
    assert!(body.contains("ChatMember.Read.Chat"), "{body}");
}

#[tokio::test]
async fn an_app_the_catalog_does_not_list_is_not_upgraded() {
    let standin = StandIn::start(|req: &Recorded| {
        if req.target.starts_with("/v1.0/appCatalogs/") {
            Reply::body(200, "application/json", r#"{"value":[]}"#)
        } else {
            teams::graph(req)
        }
    })
    .await
    .expect("listener");
    let err = client(&standin)
        .chat("c")
        .installed_app(OUTDATED_INSTALLATION)
        .upgrade_with_required_consent()
        .await
        .expect_err("nothing to upgrade to");
    assert!(matches!(err, Error::Incomplete(_)), "{err:?}");
    assert!(err.to_string().contains(OUTDATED_APP), "{err}");
    let (lines, _) = sent(&standin);
    assert!(lines.iter().all(|l| l.starts_with("GET ")), "{lines:?}");
}
