//! graph-standin driven by graph-api's generated client (and, for what graph-api does not
//! generate yet: discovery lists, `$batch`, the stats route, by reqwest): every spec action,
//! paging, the consent rule, the consistency delay, each limit, each batching rule, each fault.

use graph_api::models::{
    TeamsAppInstallation, TeamsAppPermissionSet, TeamsAppResourceSpecificPermission,
    TeamsAppResourceSpecificPermissionType,
};
use graph_api::{GraphClient, RetryPolicy};
use graph_standin::tenant::{
    AppDefinition, CatalogApp, ChatType, Permission, PermissionType, ScopeRef, definition_id,
};
use graph_standin::{Config, Faults, Limits, Size, StandIn, Tenant};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;

const NOTES: &str = "11111111-1111-4111-8111-111111111111";
const STANDUP: &str = "22222222-2222-4222-8222-222222222222";
const ONENOTE: &str = "33333333-3333-4333-8333-333333333333";
const TEAM: &str = "7023576d-9e40-47ca-9cf2-daae6838e785";
const USER: &str = "5b649834-7412-4cce-9e69-176e95a394f5";
const CHATS: usize = 32;

fn chat(i: usize) -> String {
    format!("19:chat{i}@thread.v2")
}

fn app(id: &str, name: &str, versions: &[(&str, bool, Vec<Permission>)]) -> CatalogApp {
    CatalogApp {
        id: id.into(),
        external_id: format!("ext-{name}"),
        display_name: name.into(),
        distribution_method: "organization".into(),
        client_app_id: "9fc97ea2-c417-4c76-a2db-197612067b28".into(),
        definitions: versions
            .iter()
            .map(|(v, published, required)| AppDefinition {
                id: definition_id(id, v),
                version: (*v).into(),
                published: *published,
                required: required.clone(),
            })
            .collect(),
    }
}

/// A tenant built in code: Meeting Notes 1.0.0 -> 1.1.0 (requires application and delegated
/// consent), Standup 1.0.0 -> 1.2.0 (delegated only) with a submitted 2.0.0, OneNote 1.0.0;
/// three users, 32 group chats, one team. Chat 0, the team and the first user have the old
/// versions of Meeting Notes and Standup installed.
fn tenant() -> Tenant {
    let rsc = vec![
        Permission::new("OnlineMeeting.ReadBasic.Chat", PermissionType::Delegated),
        Permission::new("ChatMember.Read.Chat", PermissionType::Application),
    ];
    let delegated = vec![Permission::new(
        "OnlineMeeting.ReadBasic.Chat",
        PermissionType::Delegated,
    )];
    let mut t = Tenant::new("dcd219dd-bc68-4b9b-bf0b-4a33a796be35");
    let notes = t.add_app(app(
        NOTES,
        "Meeting Notes",
        &[("1.0.0", true, vec![]), ("1.1.0", true, rsc.clone())],
    ));
    let standup = t.add_app(app(
        STANDUP,
        "Standup",
        &[
            ("1.0.0", true, vec![]),
            ("1.2.0", true, delegated),
            ("2.0.0", false, rsc),
        ],
    ));
    t.add_app(app(ONENOTE, "OneNote", &[("1.0.0", true, vec![])]));
    t.add_user(USER, "Adele Vance", "adelev@contoso.onmicrosoft.com");
    t.add_user(
        "6e5b6c7a-0000-4000-8000-000000000002",
        "Alex Wilber",
        "alexw@contoso.onmicrosoft.com",
    );
    t.add_user(
        "6e5b6c7a-0000-4000-8000-000000000003",
        "Diego Siciliani",
        "diegos@contoso.onmicrosoft.com",
    );
    for i in 0..CHATS {
        let c = t.add_chat(&chat(i), ChatType::Group, Some("Project"), &[0, 1, 2]);
        if i == 0 {
            t.install(ScopeRef::Chat(c), notes, 0);
            t.install(ScopeRef::Chat(c), standup, 0);
        }
    }
    let team = t.add_team(TEAM, "Marketing");
    t.install(ScopeRef::Team(team), notes, 0);
    t.install(ScopeRef::Team(team), standup, 0);
    t.install(ScopeRef::User(0), notes, 0);
    t.install(ScopeRef::User(0), standup, 0);
    t
}

async fn start(config: Config) -> StandIn {
    StandIn::start(tenant(), config).await.expect("listener")
}

fn unlimited() -> Config {
    Config {
        limits: Limits::Off,
        ..Config::default()
    }
}

/// A client that never retries (so each answer is seen) and has no timeouts (so the paused
/// clock does not fire them while sockets work).
fn client(standin: &StandIn) -> GraphClient {
    GraphClient::builder()
        .base_url(standin.url())
        .bearer_token("stand-in-token")
        .retry_policy(RetryPolicy::none())
        .no_timeout()
        .no_attempt_timeout()
        .no_connect_timeout()
        .build()
        .expect("client")
}

fn version(inst: &TeamsAppInstallation) -> Option<&str> {
    inst.teams_app_definition.as_ref()?.version.as_deref()
}

fn installation_of(standin: &StandIn, scope: ScopeRef, app: &str) -> String {
    standin.with_tenant(|t| {
        let a = t.app(app).expect("app");
        t.installed(scope)
            .iter()
            .find(|i| i.app == a)
            .map(|i| i.id.clone())
            .expect("installed")
    })
}

fn permission(
    value: &str,
    kind: TeamsAppResourceSpecificPermissionType,
) -> TeamsAppResourceSpecificPermission {
    TeamsAppResourceSpecificPermission::new()
        .with_permission_value(value)
        .with_permission_type(kind)
}

/// What a raw request got: the status and its `Retry-After` header. graph-api reads
/// `Retry-After` only as whole seconds or an HTTP date, so the decimal seconds Graph sends
/// (and the stand-in sends) are checked on the wire.
async fn retry_after(method: &str, url: &str, body: Option<Value>) -> (u16, Option<String>) {
    let http = reqwest::Client::new();
    let mut req = match method {
        "POST" => http.post(url),
        _ => http.get(url),
    }
    .bearer_auth("stand-in-token");
    if let Some(body) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    let r = req.send().await.expect("sent");
    let value = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (r.status().as_u16(), value)
}

fn installed_apps_url(standin: &StandIn, chat_id: &str) -> String {
    format!(
        "{}/v1.0/chats/{}/installedApps",
        standin.url(),
        enc(chat_id)
    )
}

// ---- every spec action -------------------------------------------------------------------------

#[tokio::test]
async fn every_chat_action_answers_with_state() {
    let standin = start(unlimited()).await;
    let graph = client(&standin);
    let c = chat(0);
    let listed = graph
        .chat(&c)
        .installed_apps()
        .list()
        .expand("teamsApp,teamsAppDefinition")
        .all()
        .await
        .expect("listed");
    assert_eq!(listed.len(), 2);
    let notes = listed
        .iter()
        .find(|i| i.teams_app.as_ref().and_then(|a| a.id.as_deref()) == Some(NOTES))
        .expect("Meeting Notes is installed");
    let id = notes.id.clone().expect("id");
    assert!(id.contains('+') && id.ends_with('='), "{id}");
    assert_eq!(version(notes), Some("1.0.0"));

    let got = graph
        .chat(&c)
        .installed_app(&id)
        .get()
        .expand("teamsAppDefinition")
        .send()
        .await
        .expect("got by its id, + and = included");
    assert_eq!(got.id.as_deref(), Some(id.as_str()));

    // Filtered by the app's id and by its external id.
    for filter in [
        format!("teamsApp/id eq '{ONENOTE}'"),
        "teamsApp/externalId eq 'ext-OneNote'".to_owned(),
    ] {
        let none = graph
            .chat(&c)
            .installed_apps()
            .list()
            .filter(filter)
            .all()
            .await;
        assert_eq!(none.expect("filtered").len(), 0);
    }

    graph
        .chat(&c)
        .installed_apps()
        .add(ONENOTE)
        .send()
        .await
        .expect("added (201)");
    let again = graph.chat(&c).installed_apps().add(ONENOTE).send().await;
    assert_eq!(again.expect_err("already installed").status(), Some(409));
    let onenote = graph
        .chat(&c)
        .installed_apps()
        .list()
        .filter(format!("teamsApp/id eq '{ONENOTE}'"))
        .all()
        .await
        .expect("filtered");
    assert_eq!(onenote.len(), 1);

    graph
        .chat(&c)
        .installed_app(&id)
        .delete()
        .send()
        .await
        .expect("removed");
    let gone = graph.chat(&c).installed_app(&id).get().send().await;
    assert_eq!(gone.expect_err("removed").status(), Some(404));
    let stats = standin.stats();
    assert_eq!(stats.writes.len(), 2, "{:?}", stats.writes);
    assert_eq!(stats.writes.get(&id), Some(&1));
}

#[tokio::test]
async fn team_and_personal_scopes_answer_every_action_with_their_status_codes() {
    let standin = start(unlimited()).await;
    let graph = client(&standin);
    // Team: add answers 200 (team-post-installedapps), which the generated client expects.
    graph
        .team(TEAM)
        .installed_apps()
        .add(ONENOTE)
        .send()
        .await
        .expect("team add");
    let team_apps = graph
        .team(TEAM)
        .installed_apps()
        .list()
        .all()
        .await
        .expect("list");
    assert_eq!(team_apps.len(), 3);
    let id = installation_of(&standin, ScopeRef::Team(0), ONENOTE);
    graph
        .team(TEAM)
        .installed_app(&id)
        .get()
        .send()
        .await
        .expect("get");
    graph
        .team(TEAM)
        .installed_app(&id)
        .upgrade()
        .send()
        .await
        .expect("upgrade");
    graph
        .team(TEAM)
        .installed_app(&id)
        .delete()
        .send()
        .await
        .expect("delete");

    // Personal scope, by id and by user principal name.
    let user = || graph.user(USER).teamwork();
    user()
        .installed_apps()
        .add(ONENOTE)
        .send()
        .await
        .expect("user add (201)");
    let listed = graph
        .user("AdeleV@contoso.onmicrosoft.com")
        .teamwork()
        .installed_apps()
        .list()
        .expand("teamsApp")
        .all()
        .await
        .expect("listed by UPN");
    assert_eq!(listed.len(), 3);
    let id = installation_of(&standin, ScopeRef::User(0), ONENOTE);
    let got = user()
        .installed_app(&id)
        .get()
        .expand("teamsApp")
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.teams_app.and_then(|a| a.display_name).as_deref(),
        Some("OneNote")
    );
    user()
        .installed_app(&id)
        .upgrade()
        .send()
        .await
        .expect("upgrade");
    user()
        .installed_app(&id)
        .delete()
        .send()
        .await
        .expect("delete");
    let missing = graph
        .user("nobody@contoso.onmicrosoft.com")
        .teamwork()
        .installed_apps()
        .list()
        .all()
        .await;
    assert_eq!(missing.expect_err("no such user").status(), Some(404));
}

#[tokio::test]
async fn the_catalog_filters_and_expands_definitions_with_their_authorization() {
    let standin = start(unlimited()).await;
    let graph = client(&standin);
    let all = graph
        .app_catalogs()
        .teams_apps()
        .list()
        .all()
        .await
        .expect("catalog");
    assert_eq!(all.len(), 3);
    assert!(
        all.iter().all(|a| a.app_definitions.is_none()),
        "not expanded"
    );
    let standup = graph
        .app_catalogs()
        .teams_apps()
        .list()
        .filter(format!("id eq '{STANDUP}'"))
        .expand("appDefinitions($expand=authorization)")
        .all()
        .await
        .expect("filtered");
    assert_eq!(standup.len(), 1);
    let defs = standup[0].app_definitions.as_deref().expect("expanded");
    assert_eq!(defs.len(), 3);
    assert!(defs.iter().all(|d| d.authorization.is_some()));
    // The client's own rule picks the newest published definition, not the submitted 2.0.0.
    let newest = standup[0].newest_definition().expect("a definition");
    assert_eq!(newest.version.as_deref(), Some("1.2.0"));
    let by_external = graph
        .app_catalogs()
        .teams_apps()
        .list()
        .filter("externalId eq 'ext-OneNote'")
        .select("id,displayName")
        .all()
        .await
        .expect("filtered");
    assert_eq!(by_external.len(), 1);
    assert_eq!(by_external[0].distribution_method, None, "not selected");
    let bad = graph
        .app_catalogs()
        .teams_apps()
        .list()
        .filter("startswith(id,'1')")
        .all()
        .await;
    assert_eq!(bad.expect_err("unsupported filter").status(), Some(400));
}

#[tokio::test]
async fn lists_page_with_absolute_next_links_the_client_follows() {
    let standin = start(Config {
        installed_apps_page_size: 1,
        ..unlimited()
    })
    .await;
    let graph = client(&standin);
    let page = graph
        .chat(chat(0))
        .installed_apps()
        .list()
        .send()
        .await
        .expect("page");
    let next = page.next_link.clone().expect("a second page");
    assert!(
        next.starts_with(&format!("{}/v1.0/chats/", standin.url())),
        "{next}"
    );
    let all = graph
        .chat(chat(0))
        .installed_apps()
        .list()
        .expand("teamsApp")
        .all()
        .await
        .expect("all pages");
    assert_eq!(all.len(), 2);
    assert!(
        all.iter().all(|i| i.teams_app.is_some()),
        "the expand is kept across pages"
    );
}

// ---- Graph's semantics -------------------------------------------------------------------------

#[tokio::test]
async fn an_upgrade_must_consent_to_exactly_what_the_new_definition_requires() {
    let standin = start(unlimited()).await;
    let graph = client(&standin);
    let id = installation_of(&standin, ScopeRef::Chat(0), NOTES);
    let inst = graph.chat(chat(0)).installed_app(&id);
    let missing = inst.clone().upgrade().send().await;
    let err = missing.expect_err("1.1.0 requires application consent");
    assert_eq!(err.status(), Some(400));
    let partial = inst
        .clone()
        .upgrade()
        .consented_permission_set(
            TeamsAppPermissionSet::new().with_resource_specific_permissions(vec![permission(
                "ChatMember.Read.Chat",
                TeamsAppResourceSpecificPermissionType::Application,
            )]),
        )
        .send()
        .await;
    assert_eq!(
        partial.expect_err("the delegated one is missing").status(),
        Some(400)
    );
    assert!(
        standin.stats().writes.is_empty(),
        "refused upgrades write nothing"
    );

    let done = inst
        .upgrade_with_required_consent()
        .await
        .expect("upgraded");
    assert_eq!(done.to_version.as_deref(), Some("1.1.0"));
    let now = graph
        .chat(chat(0))
        .installed_app(&id)
        .get()
        .expand("teamsAppDefinition")
        .send()
        .await;
    let now = now.expect("read");
    assert_eq!(version(&now), Some("1.1.0"));
    let consented = now
        .consented_permission_set
        .and_then(|s| s.resource_specific_permissions);
    assert_eq!(consented.map(|p| p.len()), Some(2));
}

#[tokio::test]
async fn an_upgrade_moves_to_the_newest_published_definition_and_delegated_consent_may_be_left_out()
{
    let standin = start(unlimited()).await;
    let graph = client(&standin);
    let before = standin.stats().outdated_installations;
    let id = installation_of(&standin, ScopeRef::User(0), STANDUP);
    graph
        .user(USER)
        .teamwork()
        .installed_app(&id)
        .upgrade()
        .send()
        .await
        .expect("upgraded");
    let read = graph
        .user(USER)
        .teamwork()
        .installed_app(&id)
        .get()
        .expand("teamsAppDefinition")
        .send()
        .await
        .expect("read");
    let read = read.teams_app_definition.and_then(|d| d.version);
    assert_eq!(read.as_deref(), Some("1.2.0"), "not the submitted 2.0.0");
    assert_eq!(standin.stats().outdated_installations, before - 1);
}

#[tokio::test(start_paused = true)]
async fn an_upgrade_shows_in_reads_only_after_the_consistency_delay() {
    let standin = start(Config {
        consistency_delay: Duration::from_secs(30),
        ..unlimited()
    })
    .await;
    let graph = client(&standin);
    let id = installation_of(&standin, ScopeRef::Team(0), STANDUP);
    let inst = graph.team(TEAM).installed_app(&id);
    inst.clone().upgrade().send().await.expect("upgraded");
    async fn read(inst: graph_api::nav::TeamInstalledApp<'_>) -> Option<String> {
        let got = inst
            .get()
            .expand("teamsAppDefinition")
            .send()
            .await
            .expect("read");
        version(&got).map(str::to_owned)
    }
    assert_eq!(read(inst.clone()).await.as_deref(), Some("1.0.0"));
    tokio::time::advance(Duration::from_secs(29)).await;
    assert_eq!(read(inst.clone()).await.as_deref(), Some("1.0.0"));
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(read(inst.clone()).await.as_deref(), Some("1.2.0"));
    // The write counts at once: nothing is left outdated for this installation.
    assert_eq!(standin.stats().writes.get(&id), Some(&1));
}

// ---- limits ------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn one_request_per_second_per_chat() {
    let standin = start(Config::default()).await;
    let graph = client(&standin);
    graph
        .chat(chat(0))
        .installed_apps()
        .list()
        .all()
        .await
        .expect("first");
    let err = graph
        .chat(chat(0))
        .installed_apps()
        .list()
        .all()
        .await
        .expect_err("second");
    assert_eq!(err.status(), Some(429));
    assert!(err.request_id().is_some());
    let (status, wait) = retry_after("GET", &installed_apps_url(&standin, &chat(0)), None).await;
    assert_eq!((status, wait.as_deref()), (429, Some("1.000")));
    // Another chat is not affected, and the chat is free again a second later.
    graph
        .chat(chat(1))
        .installed_apps()
        .list()
        .all()
        .await
        .expect("other chat");
    tokio::time::advance(Duration::from_secs(1)).await;
    graph
        .chat(chat(0))
        .installed_apps()
        .list()
        .all()
        .await
        .expect("a second later");
    assert_eq!(standin.stats().throttled, 2);
}

#[tokio::test(start_paused = true)]
async fn a_client_that_honours_retry_after_gets_through_and_the_least_time_is_counted() {
    let standin = start(Config::default()).await;
    let graph = GraphClient::builder()
        .base_url(standin.url())
        .bearer_token("stand-in-token")
        .no_timeout()
        .no_attempt_timeout()
        .no_connect_timeout()
        .build()
        .expect("client");
    let start = Instant::now();
    for _ in 0..3 {
        graph
            .chat(chat(0))
            .installed_apps()
            .list()
            .all()
            .await
            .expect("retried through");
    }
    assert!(start.elapsed() >= Duration::from_secs(2));
    let stats = standin.stats();
    assert!(stats.throttled >= 2, "{stats:?}");
    // Three requests on one chat at one per second need two seconds at least.
    assert_eq!(stats.least_seconds, 2.0);
}

#[tokio::test(start_paused = true)]
async fn four_requests_per_second_per_team() {
    let standin = start(Config::default()).await;
    let graph = client(&standin);
    for _ in 0..4 {
        graph
            .team(TEAM)
            .installed_apps()
            .list()
            .all()
            .await
            .expect("within the limit");
    }
    let err = graph
        .team(TEAM)
        .installed_apps()
        .list()
        .all()
        .await
        .expect_err("fifth");
    assert_eq!(err.status(), Some(429));
    let url = format!("{}/v1.0/teams/{TEAM}/installedApps", standin.url());
    assert_eq!(
        retry_after("GET", &url, None).await,
        (429, Some("0.250".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn thirty_writes_per_second_per_tenant_and_limits_scale() {
    let standin = start(Config::default()).await;
    let graph = client(&standin);
    for i in 1..=30 {
        graph
            .chat(chat(i))
            .installed_apps()
            .add(ONENOTE)
            .send()
            .await
            .expect("within the limit");
    }
    let add = json!({ "teamsApp@odata.bind": format!("https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{ONENOTE}") });
    let (status, wait) =
        retry_after("POST", &installed_apps_url(&standin, &chat(31)), Some(add)).await;
    assert_eq!(status, 429, "the 31st write in the second");
    let wait = wait
        .and_then(|w| w.parse::<f64>().ok())
        .expect("decimal Retry-After");
    assert!(wait > 0.0 && wait <= 0.034, "{wait}");
    let wait = Duration::from_secs_f64(wait);
    tokio::time::advance(wait).await;
    graph
        .chat(chat(31))
        .installed_apps()
        .add(ONENOTE)
        .send()
        .await
        .expect("after Retry-After");

    let halved = start(Config {
        limits: Limits::Scaled(0.5),
        ..Config::default()
    })
    .await;
    let graph = client(&halved);
    for i in 1..=15 {
        graph
            .chat(chat(i))
            .installed_apps()
            .add(ONENOTE)
            .send()
            .await
            .expect("15 at half");
    }
    let err = graph
        .chat(chat(16))
        .installed_apps()
        .add(ONENOTE)
        .send()
        .await;
    assert_eq!(err.expect_err("16th at half the limit").status(), Some(429));
}

// ---- discovery (not generated by graph-api yet: reqwest) ----------------------------------------

async fn get(url: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(url)
        .bearer_auth("stand-in-token")
        .send()
        .await
        .expect("sent");
    let status = r.status().as_u16();
    let bytes = r.bytes().await.unwrap_or_default();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn users_and_teams_page_with_top_and_next_links() {
    let standin = StandIn::start(
        Tenant::generate(
            Size {
                users: 25,
                chats: 60,
                teams: 7,
            },
            9,
        ),
        unlimited(),
    )
    .await
    .expect("listener");
    let mut url = format!(
        "{}/v1.0/users?$top=10&$select=id,userPrincipalName",
        standin.url()
    );
    let mut users = Vec::new();
    loop {
        let (status, page) = get(&url).await;
        assert_eq!(status, 200);
        users.extend(page["value"].as_array().cloned().unwrap_or_default());
        match page["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(standin.url()), "same host: {next}");
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(users.len(), 25);
    assert!(
        users
            .iter()
            .all(|u| u.get("displayName").is_none() && u["id"].is_string())
    );
    let (status, _) = get(&format!("{}/v1.0/users?$top=1000", standin.url())).await;
    assert_eq!(status, 400, "user-list's maximum page is 999");
    let (_, teams) = get(&format!("{}/v1.0/teams", standin.url())).await;
    assert_eq!(teams["value"].as_array().map(Vec::len), Some(7));
}

#[tokio::test]
async fn a_users_chats_are_filtered_by_installed_app() {
    let standin = StandIn::start(
        Tenant::generate(
            Size {
                users: 6,
                chats: 120,
                teams: 1,
            },
            4,
        ),
        unlimited(),
    )
    .await
    .expect("listener");
    let (user, app, want) = standin.with_tenant(|t| {
        let app = t.apps[1].id.clone();
        let u = &t.users[0];
        let want: Vec<String> = u
            .chats
            .iter()
            .map(|&c| &t.chats[c as usize])
            .filter(|c| c.installed.iter().any(|i| i.app == 1))
            .map(|c| c.id.clone())
            .collect();
        (u.id.clone(), app, want)
    });
    assert!(!want.is_empty(), "the seed gives the user such chats");
    let filter = format!("installedApps/any(a:a/teamsApp/id eq '{app}')");
    let mut url = format!(
        "{}/v1.0/users/{user}/chats?$filter={}",
        standin.url(),
        filter.replace(' ', "%20").replace('\'', "%27")
    );
    let mut got = Vec::new();
    loop {
        let (status, page) = get(&url).await;
        assert_eq!(status, 200, "{page}");
        for c in page["value"].as_array().cloned().unwrap_or_default() {
            got.push(c["id"].as_str().unwrap_or_default().to_owned());
        }
        match page["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    got.sort();
    let mut want = want;
    want.sort();
    assert_eq!(got, want);
    let (status, _) = get(&format!(
        "{}/v1.0/users/{user}/chats?$top=51",
        standin.url()
    ))
    .await;
    assert_eq!(status, 400, "chat-list's $top is at most 50");
}

#[tokio::test(start_paused = true)]
async fn five_chat_listings_per_second_per_user() {
    let standin = start(Config::default()).await;
    let url = format!("{}/v1.0/users/{USER}/chats", standin.url());
    for _ in 0..5 {
        assert_eq!(get(&url).await.0, 200);
    }
    assert_eq!(get(&url).await.0, 429);
}

// ---- $batch (reqwest until graph-api batches) ---------------------------------------------------

async fn batch(standin: &StandIn, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/v1.0/$batch", standin.url()))
        .bearer_auth("stand-in-token")
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("sent");
    let status = r.status().as_u16();
    let bytes = r.bytes().await.unwrap_or_default();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn by_id(answer: &Value, id: &str) -> Value {
    answer["responses"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == id).cloned())
        .unwrap_or(Value::Null)
}

fn enc(s: &str) -> String {
    s.replace(':', "%3A")
        .replace('@', "%40")
        .replace('+', "%2B")
        .replace('=', "%3D")
}

#[tokio::test]
async fn a_batch_holds_one_to_twenty_requests_with_ids_unique_regardless_of_case() {
    let standin = start(unlimited()).await;
    let items = |n: usize| {
        (0..n)
            .map(|i| json!({"id": format!("r{i}"), "method": "GET", "url": "/appCatalogs/teamsApps"}))
            .collect::<Vec<_>>()
    };
    let (status, answer) = batch(&standin, json!({ "requests": items(20) })).await;
    assert_eq!(status, 200);
    assert_eq!(answer["responses"].as_array().map(Vec::len), Some(20));
    let (status, answer) = batch(&standin, json!({ "requests": items(21) })).await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"]["code"], "BadRequest");
    let dup = json!({"requests": [
        {"id": "a", "method": "GET", "url": "/teams"},
        {"id": "A", "method": "GET", "url": "/teams"}
    ]});
    assert_eq!(batch(&standin, dup).await.0, 400);
    let absolute = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("{}/v1.0/teams", standin.url())}
    ]});
    assert_eq!(batch(&standin, absolute).await.0, 400);
}

#[tokio::test]
async fn a_batch_body_needs_a_content_type_and_other_types_travel_as_base64() {
    let standin = start(unlimited()).await;
    let add = json!({ "teamsApp@odata.bind": format!("https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{ONENOTE}") });
    let no_type = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("/chats/{}/installedApps", enc(&chat(1))), "body": add}
    ]});
    assert_eq!(batch(&standin, no_type).await.0, 400);
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(add.to_string());
    let as_base64 = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("/chats/{}/installedApps", enc(&chat(1))),
         "headers": {"Content-Type": "text/plain"}, "body": encoded},
        {"id": "2", "method": "POST", "url": format!("chats/{}/installedApps", enc(&chat(2))),
         "headers": {"content-type": "application/json"}, "body": add}
    ]});
    let (status, answer) = batch(&standin, as_base64).await;
    assert_eq!(status, 200);
    assert_eq!(by_id(&answer, "1")["status"], 201, "{answer}");
    assert_eq!(by_id(&answer, "2")["status"], 201, "{answer}");
}

#[tokio::test]
async fn a_failed_dependency_answers_424_and_answers_come_in_any_order() {
    let standin = start(unlimited()).await;
    let requests = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/chats/19%3Anowhere%40thread.v2/installedApps"},
        {"id": "2", "method": "GET", "url": "/teams", "dependsOn": ["1"]},
        {"id": "3", "method": "GET", "url": "/teams"},
        {"id": "4", "method": "GET", "url": "/teams", "dependsOn": ["3"]},
        {"id": "5", "method": "GET", "url": "/teams"},
        {"id": "6", "method": "GET", "url": "/teams"}
    ]});
    let (status, answer) = batch(&standin, requests.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(by_id(&answer, "1")["status"], 404);
    assert_eq!(by_id(&answer, "2")["status"], 424);
    assert_eq!(
        by_id(&answer, "2")["body"]["error"]["code"],
        "FailedDependency"
    );
    assert_eq!(by_id(&answer, "4")["status"], 200);
    let order = |a: &Value| -> Vec<String> {
        a["responses"]
            .as_array()
            .map(|r| {
                r.iter()
                    .map(|x| x["id"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_ne!(
        order(&answer),
        ["1", "2", "3", "4", "5", "6"],
        "shuffled by default (seed 0)"
    );
    let in_order = start(Config {
        shuffle_batch: false,
        ..unlimited()
    })
    .await;
    let (_, answer) = batch(&in_order, requests).await;
    assert_eq!(order(&answer), ["1", "2", "3", "4", "5", "6"]);
}

#[tokio::test(start_paused = true)]
async fn batch_items_are_throttled_one_by_one_inside_a_200() {
    let standin = start(Config::default()).await;
    let url = format!("/chats/{}/installedApps", enc(&chat(0)));
    let requests = json!({"requests": [
        {"id": "1", "method": "GET", "url": url},
        {"id": "2", "method": "GET", "url": url},
        {"id": "3", "method": "GET", "url": format!("/chats/{}/installedApps", enc(&chat(1)))}
    ]});
    let (status, answer) = batch(&standin, requests).await;
    assert_eq!(status, 200);
    let statuses: Vec<u64> = ["1", "2", "3"]
        .iter()
        .map(|id| by_id(&answer, id)["status"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(statuses, [200, 429, 200]);
    assert_eq!(by_id(&answer, "2")["headers"]["Retry-After"], "1.000");
    let stats = standin.stats();
    assert_eq!(stats.requests.get("GET installedApps for chat"), Some(&3));
    assert_eq!(stats.throttled, 1);
}

// ---- faults, latency, stats --------------------------------------------------------------------

#[tokio::test]
async fn a_503_fault_says_when_to_retry_and_a_429_after_write_hides_a_done_write() {
    let standin = start(Config {
        faults: Faults {
            unavailable: 1.0,
            unavailable_retry_after: Duration::from_millis(1500),
            throttled_after_write: 0.0,
        },
        ..unlimited()
    })
    .await;
    let graph = client(&standin);
    let err = graph
        .chat(chat(0))
        .installed_apps()
        .list()
        .all()
        .await
        .expect_err("503");
    assert_eq!(err.status(), Some(503));
    let raw = retry_after("GET", &installed_apps_url(&standin, &chat(0)), None).await;
    assert_eq!(raw, (503, Some("1.500".into())));
    assert_eq!(standin.stats().unavailable, 2);

    standin.set_faults(Faults {
        throttled_after_write: 1.0,
        ..Faults::default()
    });
    let err = graph
        .chat(chat(3))
        .installed_apps()
        .add(ONENOTE)
        .send()
        .await
        .expect_err("429");
    assert_eq!(err.status(), Some(429));
    standin.set_faults(Faults::default());
    let again = graph
        .chat(chat(3))
        .installed_apps()
        .add(ONENOTE)
        .send()
        .await;
    assert_eq!(
        again.expect_err("it was installed after all").status(),
        Some(409)
    );
}

#[tokio::test(start_paused = true)]
async fn latency_is_added_to_every_answer() {
    let standin = start(Config {
        latency: Duration::from_millis(120),
        jitter: Duration::from_millis(30),
        ..unlimited()
    })
    .await;
    let graph = client(&standin);
    let start = Instant::now();
    for _ in 0..3 {
        graph
            .app_catalogs()
            .teams_apps()
            .list()
            .all()
            .await
            .expect("listed");
    }
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(360) && took <= Duration::from_millis(450),
        "{took:?}"
    );
}

#[tokio::test]
async fn stats_are_served_outside_the_api_and_errors_carry_graphs_ids() {
    let standin = start(Config {
        request_log: 1,
        ..unlimited()
    })
    .await;
    let r = reqwest::Client::new()
        .get(format!(
            "{}/v1.0/chats/19%3Anowhere%40thread.v2/installedApps",
            standin.url()
        ))
        .bearer_auth("stand-in-token")
        .header("client-request-id", "d0b8e1a4-3b5f-4b8e-9e5e-2f3a4b5c6d7e")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(
        r.headers()
            .get("client-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("d0b8e1a4-3b5f-4b8e-9e5e-2f3a4b5c6d7e")
    );
    assert!(r.headers().contains_key("request-id") && r.headers().contains_key("date"));
    let body: Value = serde_json::from_slice(&r.bytes().await.expect("body")).expect("json");
    let inner = &body["error"]["innerError"];
    assert_eq!(body["error"]["code"], "NotFound");
    assert!(inner["request-id"].is_string() && inner["date"].is_string());
    assert_eq!(
        inner["client-request-id"],
        "d0b8e1a4-3b5f-4b8e-9e5e-2f3a4b5c6d7e"
    );

    let (status, stats) = get(&format!("{}/__standin/stats", standin.url())).await;
    assert_eq!(status, 200);
    assert_eq!(stats["requests"]["GET installedApps for chat"], 1);
    assert_eq!(stats["outdated_installations"], 6);
    let unauthenticated = reqwest::get(format!("{}/v1.0/teams", standin.url()))
        .await
        .expect("sent");
    assert_eq!(unauthenticated.status().as_u16(), 401);
}

// ---- a tenant-wide job ---------------------------------------------------------------------------

/// Every item of a collection, following `@odata.nextLink` (reqwest: graph-api has no `/users`,
/// `/teams` or `/users/{id}/chats` methods yet).
async fn all_of(first: String) -> Vec<Value> {
    let (mut url, mut items) = (Some(first), Vec::new());
    while let Some(u) = url.take() {
        let (status, page) = get(&u).await;
        assert_eq!(status, 200, "{page}");
        items.extend(page["value"].as_array().cloned().unwrap_or_default());
        url = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    items
}

#[tokio::test]
async fn a_tenant_wide_upgrade_finds_every_outdated_installation_and_leaves_none() {
    let standin = StandIn::start(
        Tenant::generate(
            Size {
                users: 12,
                chats: 60,
                teams: 4,
            },
            5,
        ),
        unlimited(),
    )
    .await
    .expect("listener");
    let outdated = standin.stats().outdated_installations;
    assert!(outdated > 10, "the seed leaves work to do: {outdated}");
    let graph = client(&standin);
    let catalog = graph
        .app_catalogs()
        .teams_apps()
        .list()
        .expand("appDefinitions")
        .all()
        .await
        .expect("catalog");
    let is_outdated = |app: Option<&str>, version: Option<&str>| {
        let app = catalog.iter().find(|a| a.id.as_deref() == app);
        let newest = app.and_then(|a| a.newest_definition());
        newest.is_some_and(|n| n.version.as_deref() != version)
    };
    let root = format!("{}/v1.0", standin.url());
    let users = all_of(format!("{root}/users?$select=id")).await;
    let mut chats: Vec<String> = Vec::new();
    for u in &users {
        let id = u["id"].as_str().expect("id");
        for c in all_of(format!("{root}/users/{id}/chats?$select=id")).await {
            let c = c["id"].as_str().expect("id").to_owned();
            if !chats.contains(&c) {
                chats.push(c);
            }
        }
        let personal = graph.user(id).teamwork().installed_apps().list();
        for inst in personal
            .expand("teamsApp,teamsAppDefinition")
            .all()
            .await
            .expect("list")
        {
            let app = inst.teams_app.as_ref().and_then(|a| a.id.as_deref());
            let version = inst
                .teams_app_definition
                .as_ref()
                .and_then(|d| d.version.as_deref());
            if is_outdated(app, version) {
                let inst_id = inst.id.as_deref().expect("id");
                let nav = graph.user(id).teamwork().installed_app(inst_id);
                nav.upgrade_with_required_consent()
                    .await
                    .expect("personal upgrade");
            }
        }
    }
    assert_eq!(chats.len(), 60, "every chat is seen from its members");
    for c in &chats {
        let list = graph.chat(c).installed_apps().list();
        for inst in list
            .expand("teamsApp,teamsAppDefinition")
            .all()
            .await
            .expect("list")
        {
            if is_outdated(
                inst.teams_app.as_ref().and_then(|a| a.id.as_deref()),
                version(&inst),
            ) {
                let nav = graph.chat(c).installed_app(inst.id.as_deref().expect("id"));
                nav.upgrade_with_required_consent()
                    .await
                    .expect("chat upgrade");
            }
        }
    }
    for t in all_of(format!("{root}/teams")).await {
        let t = t["id"].as_str().expect("id");
        let list = graph.team(t).installed_apps().list();
        for inst in list
            .expand("teamsApp,teamsAppDefinition")
            .all()
            .await
            .expect("list")
        {
            if is_outdated(
                inst.teams_app.as_ref().and_then(|a| a.id.as_deref()),
                version(&inst),
            ) {
                let nav = graph.team(t).installed_app(inst.id.as_deref().expect("id"));
                nav.upgrade_with_required_consent()
                    .await
                    .expect("team upgrade");
            }
        }
    }
    let stats = standin.stats();
    assert_eq!(stats.outdated_installations, 0);
    assert_eq!(
        stats.writes.len(),
        outdated,
        "one upgrade per outdated installation"
    );
    assert!(stats.writes.values().all(|&n| n == 1));
}
