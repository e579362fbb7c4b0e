//! Permissions on the wire: preflight refuses what the token cannot call before sending, and a
//! 403 says which permission to add; opaque and malformed tokens are left to Graph.

use graph_api::meta::PermissionType;
use graph_api::{Error, GraphClient};
use graph_api_tests::seed::example_2_permission_set;
use graph_api_tests::standin::{Recorded, Reply, StandIn};

/// A JWT-shaped token with these claims, padded to the size of a real Graph access token.
fn jwt(claims: serde_json::Value) -> String {
    use base64::Engine as _;
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims = claims;
    claims["aud"] = "https://graph.microsoft.com".into();
    claims["padding"] = "x".repeat(900).into();
    format!(
        "{}.{}.{}",
        e.encode(r#"{"typ":"JWT","alg":"RS256"}"#),
        e.encode(claims.to_string()),
        "s".repeat(342)
    )
}

fn delegated(scp: &str) -> String {
    jwt(serde_json::json!({ "scp": scp, "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47" }))
}

fn application(roles: &[&str]) -> String {
    jwt(serde_json::json!({ "roles": roles, "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47" }))
}

async fn server(reply: Reply) -> StandIn {
    StandIn::start(move |_: &Recorded| reply.clone())
        .await
        .expect("listener")
}

/// A stand-in that answers everything as Graph answers a token without the permission.
async fn forbidding() -> StandIn {
    server(Reply::graph_error(
        403,
        "Forbidden",
        "Missing role permissions on the request.",
    ))
    .await
}

/// The permission hint a 403 carries.
fn hint(err: &Error) -> &graph_api::permissions::MissingPermission {
    err.api()
        .and_then(|a| a.missing_permission.as_ref())
        .expect("a hint")
}

fn client(server: &StandIn, token: &str, preflight: bool) -> GraphClient {
    GraphClient::builder()
        .base_url(server.url())
        .bearer_token(token)
        .preflight_permissions(preflight)
        .build()
        .expect("valid config")
}

#[tokio::test]
async fn a_delegated_token_without_the_permission_is_refused_before_sending() {
    let s = server(Reply::status(204)).await;
    let token = delegated("TeamsAppInstallation.ReadForChat User.Read");
    let c = client(&s, &token, true);
    let err = c
        .chat("c")
        .installed_app("i")
        .upgrade()
        .send()
        .await
        .expect_err("reading is not upgrading");
    let Error::MissingPermission(m) = &err else {
        panic!("expected MissingPermission, got {err:?}");
    };
    assert_eq!(m.action, "upgrade_chat_app_installation");
    assert_eq!(m.kind, PermissionType::Delegated);
    assert_eq!(m.held, ["TeamsAppInstallation.ReadForChat", "User.Read"]);
    assert_eq!(m.add, Some("TeamsAppInstallation.ReadWriteSelfForChat"));
    let shown = err.to_string();
    assert!(
        shown.contains("add `TeamsAppInstallation.ReadWriteSelfForChat`")
            && shown.contains("nothing was sent"),
        "{shown}"
    );
    assert!(!shown.contains(&token) && !format!("{err:?}").contains(&token));
    assert!(s.requests().is_empty());

    // What the token can do goes through.
    c.chat("c")
        .installed_apps()
        .list()
        .send()
        .await
        .expect_err("the stand-in answers 204 to a list, which is no page");
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn consenting_to_resource_specific_permissions_rules_out_what_the_note_names() {
    let s = server(Reply::status(204)).await;
    let c = client(
        &s,
        &delegated("TeamsAppInstallation.ReadWriteSelfForChat"),
        true,
    );
    c.chat("c")
        .installed_app("i")
        .upgrade()
        .send()
        .await
        .expect("without consent the permission is usable");
    let err = c
        .chat("c")
        .installed_app("i")
        .upgrade()
        .consented_permission_set(example_2_permission_set())
        .send()
        .await
        .expect_err("the note rules the permission out when consenting");
    let Error::MissingPermission(m) = &err else {
        panic!("expected MissingPermission, got {err:?}");
    };
    assert_eq!(m.kind, PermissionType::Delegated);
    assert_eq!(m.add, Some("TeamsAppInstallation.ManageSelectedForChat"));
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn an_action_a_resource_specific_grant_can_call_is_left_to_graph() {
    // Application tokens never list resource-specific grants (such as Chat.Manage.Chat,
    // consented per chat), and the upgrade's table lists one: the call goes out.
    let s = server(Reply::status(204)).await;
    client(&s, &application(&["User.Read.All"]), true)
        .chat("c")
        .installed_app("i")
        .upgrade()
        .send()
        .await
        .expect("left to Graph");
    assert_eq!(s.requests().len(), 1);
    // The catalog's table has no resource-specific permission: refused before sending.
    let err = client(&s, &application(&["User.Read.All"]), true)
        .app_catalogs()
        .teams_apps()
        .list()
        .send()
        .await
        .expect_err("refused");
    assert!(
        err.to_string().contains("add `AppCatalog.Read.All`"),
        "{err}"
    );
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn a_personal_account_gets_a_clear_error_for_an_action_it_cannot_call() {
    let s = server(Reply::status(204)).await;
    let token = jwt(serde_json::json!({
        "scp": "TeamsAppInstallation.ReadWriteSelfForChat",
        "tid": graph_api::permissions::PERSONAL_ACCOUNT_TENANT,
    }));
    let err = client(&s, &token, true)
        .chat("c")
        .installed_app("i")
        .upgrade()
        .send()
        .await
        .expect_err("personal accounts are not supported");
    let Error::MissingPermission(m) = &err else {
        panic!("expected MissingPermission, got {err:?}");
    };
    assert_eq!(m.kind, PermissionType::DelegatedPersonal);
    assert_eq!(m.add, None);
    assert!(
        err.to_string()
            .contains("cannot be called with personal-account delegated permissions at all"),
        "{err}"
    );
    assert!(s.requests().is_empty());
}

#[tokio::test]
async fn opaque_or_malformed_tokens_and_preflight_off_are_left_to_graph() {
    let s = server(Reply::status(204)).await;
    for token in [
        "opaque-token-of-another-issuer".to_owned(),
        "not.a.jwt".to_owned(),
        jwt(serde_json::json!({ "aud": "no permission claims" })),
    ] {
        client(&s, &token, true)
            .chat("c")
            .installed_app("i")
            .upgrade()
            .send()
            .await
            .expect("sent, and Graph decides");
    }
    client(&s, &delegated("User.Read"), false)
        .chat("c")
        .installed_app("i")
        .upgrade()
        .send()
        .await
        .expect("preflight is off by default");
    assert_eq!(s.requests().len(), 4);
}

#[tokio::test]
async fn a_403_names_the_permission_to_add() {
    let s = forbidding().await;
    let err = client(&s, &application(&["AppCatalog.Read.All"]), false)
        .team("t")
        .installed_app("i")
        .delete()
        .send()
        .await
        .expect_err("403");
    let api = err.api().expect("an API error");
    let m = api.missing_permission.as_ref().expect("a hint");
    assert_eq!(m.add, Some("TeamsAppInstallation.ReadWriteSelfForTeam.All"));
    let shown = err.to_string();
    assert!(
        shown.starts_with("403 Forbidden: Missing role permissions on the request.")
            && shown.contains("add `TeamsAppInstallation.ReadWriteSelfForTeam.All`"),
        "{shown}"
    );
    // A token that holds a listed permission gets the 403 as Graph said it, with no guess.
    let err = client(
        &s,
        &application(&["TeamsAppInstallation.ReadWriteForTeam.All"]),
        false,
    )
    .team("t")
    .installed_app("i")
    .delete()
    .send()
    .await
    .expect_err("403");
    assert_eq!(err.api().and_then(|a| a.missing_permission.as_ref()), None);
}

#[tokio::test]
async fn a_403_for_an_app_token_without_a_tenant_wide_permission_names_it_and_the_grant() {
    // The seed action's application row lists the resource-specific Chat.Manage.Chat, so the
    // preflight lets such a token through; Graph's 403 then says what would have worked.
    let s = forbidding().await;
    let err = client(&s, &application(&["User.Read.All"]), true)
        .chat("c")
        .installed_app("i")
        .upgrade()
        .send()
        .await
        .expect_err("403");
    assert_eq!(s.requests().len(), 1, "the preflight let it through");
    let m = hint(&err);
    assert_eq!(m.add, Some("TeamsAppInstallation.ReadWriteSelfForChat.All"));
    assert_eq!(m.resource_specific, Some("Chat.Manage.Chat"));
    let shown = err.to_string();
    assert!(
        shown.contains("add `TeamsAppInstallation.ReadWriteSelfForChat.All`, the least privileged")
            && shown.contains("`Chat.Manage.Chat` granted to the app on that chat or team"),
        "{shown}"
    );
}

mod downstream {
    //! A downstream crate's actions (the contoso fixture) are checked against their own table
    //! and their own privilege levels, not graph-api's.
    use super::*;
    use graph_api_tests::contoso::prelude::*;

    #[tokio::test]
    async fn a_downstream_action_is_refused_with_the_least_privileged_permission_by_its_levels() {
        let s = server(Reply::status(204)).await;
        let err = client(&s, &application(&["User.Read.All"]), true)
            .chat("c")
            .messages()
            .list()
            .send()
            .await
            .expect_err("refused");
        let Error::MissingPermission(m) = &err else {
            panic!("expected MissingPermission, got {err:?}");
        };
        assert_eq!(m.action, "list_chat_messages");
        // Listed second in the table, but level 2 against level 4 in the crate's own levels.
        assert_eq!(m.add, Some("Fixture.Read.All"));
        assert!(s.requests().is_empty());
    }

    #[tokio::test]
    async fn a_downstream_resource_specific_permission_is_left_to_graph_and_named_on_403() {
        let s = forbidding().await;
        // Only the crate's own levels say Fixture.Read.Group is resource-specific.
        let err = client(&s, &application(&["User.Read.All"]), true)
            .team("t")
            .contoso_app("i")
            .get()
            .send()
            .await
            .expect_err("403");
        assert_eq!(s.requests().len(), 1, "the preflight let it through");
        let m = hint(&err);
        assert_eq!(
            (m.add, m.resource_specific),
            (Some("Fixture.Read.All"), Some("Fixture.Read.Group"))
        );
    }

    #[test]
    fn the_planner_ranks_a_downstream_action_by_its_own_levels() {
        let actions = [&graph_api_tests::contoso::actions::LIST_CHAT_MESSAGES];
        let plan = graph_api::permissions::plan(&actions, PermissionType::Application, false, &[])
            .expect("plan");
        assert_eq!(plan[0].permission, "Fixture.Read.All");
        assert_eq!(plan[0].level, Some(2));
    }
}

#[tokio::test]
async fn batch_items_the_token_cannot_call_are_refused_one_by_one_before_sending() {
    let s = StandIn::start(|r: &Recorded| {
        let body: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
        let responses: Vec<serde_json::Value> = body["requests"]
            .as_array()
            .expect("requests")
            .iter()
            .map(|q| serde_json::json!({ "id": q["id"], "status": 200, "body": { "value": [] } }))
            .collect();
        Reply::body(
            200,
            "application/json",
            serde_json::json!({ "responses": responses }).to_string(),
        )
    })
    .await
    .expect("listener");
    let c = client(&s, &delegated("TeamsAppInstallation.ReadForChat"), true);
    let mut batch = c.batch();
    let list = batch
        .add(c.chat("c").installed_apps().list())
        .expect("queued");
    let upgrade = batch
        .add(c.chat("c").installed_app("i").upgrade())
        .expect("queued");
    let after = batch
        .add_after(&[upgrade.index()], c.chat("c").installed_app("i").get())
        .expect("queued");
    let mut out = batch.send().await.expect("sent");
    assert!(out.take(list).expect("allowed").items.is_empty());
    assert!(matches!(
        out.take(upgrade),
        Err(Error::MissingPermission(m)) if m.add == Some("TeamsAppInstallation.ReadWriteSelfForChat")
    ));
    assert!(matches!(
        out.take(after),
        Err(Error::DependencyFailed { .. })
    ));
    let sent = s.requests();
    assert_eq!(sent.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&sent[0].body).expect("json");
    assert_eq!(
        body["requests"].as_array().map(Vec::len),
        Some(1),
        "only the allowed item"
    );
}

/// Microsoft's national-cloud differences page says a user's Teams apps cannot be listed, read,
/// installed, upgraded or uninstalled in application context in GCC High and DoD; the spec
/// states it as a cloud limit, and the client refuses such a call before sending, whether or not
/// the preflight is on, while delegated tokens, other clouds and batch items behave as stated.
#[tokio::test]
async fn application_calls_to_a_users_apps_are_refused_in_gcc_high_and_dod() {
    use graph_api::NationalCloud;
    let srv = server(Reply::status(204)).await;
    let make = |token: &str, cloud: NationalCloud, preflight: bool| {
        GraphClient::builder()
            .base_url(srv.url())
            .bearer_token(token)
            .national_cloud(cloud)
            .preflight_permissions(preflight)
            .build()
            .expect("valid config")
    };
    let app = application(&["TeamsAppInstallation.ReadWriteSelfForUser.All"]);
    for cloud in [NationalCloud::UsGovL4, NationalCloud::UsGovL5Dod] {
        for preflight in [false, true] {
            let err = make(&app, cloud, preflight)
                .user("5b649834-7412-4cce-9e69-176e95a394f5")
                .teamwork()
                .installed_app("inst")
                .upgrade()
                .send()
                .await
                .expect_err("refused before sending");
            assert!(
                matches!(
                    &err,
                    Error::Unavailable {
                        action: "upgrade_user_app_installation",
                        ..
                    }
                ),
                "{err:?}"
            );
            let text = err.to_string();
            assert!(text.contains("with application permissions"), "{text}");
            assert!(text.contains(cloud.name()), "{text}");
            assert!(
                text.contains("teamwork-national-cloud-differences"),
                "{text}"
            );
        }
    }
    // A batch item is refused the same way, and the batch sends nothing.
    let gov = make(&app, NationalCloud::UsGovL4, false);
    let mut batch = gov.batch();
    let item = batch
        .add(gov.user("u").teamwork().installed_apps().list())
        .expect("queued");
    let mut out = batch.send().await.expect("the batch itself is fine");
    assert!(
        matches!(out.take(item), Err(Error::Unavailable { .. })),
        "batch item refused"
    );
    assert!(srv.requests().is_empty(), "nothing was sent");

    // A delegated token in the same cloud, and an application token in the global service, go out.
    make(
        &delegated("TeamsAppInstallation.ReadWriteSelfForUser"),
        NationalCloud::UsGovL4,
        true,
    )
    .user("u")
    .teamwork()
    .installed_app("inst")
    .upgrade()
    .send()
    .await
    .expect("delegated is supported in US Government L4");
    make(&app, NationalCloud::Global, true)
        .user("u")
        .teamwork()
        .installed_app("inst")
        .upgrade()
        .send()
        .await
        .expect("application is supported in the global service");
    assert_eq!(srv.requests().len(), 2);
    // The limit is data on the action, as the docs show it.
    let limit = graph_api::actions::UPGRADE_USER_APP_INSTALLATION
        .permissions
        .cloud_limit(PermissionType::Application, NationalCloud::UsGovL5Dod)
        .expect("a limit");
    assert_eq!(
        limit.source,
        "https://learn.microsoft.com/en-us/graph/teamwork-national-cloud-differences"
    );
    assert!(
        graph_api::actions::UPGRADE_USER_APP_INSTALLATION
            .permissions
            .cloud_limit(PermissionType::Delegated, NationalCloud::UsGovL4)
            .is_none()
    );
}
