//! spec/teams.toml on the wire, from its docs pages' examples: a POST that answers a collection
//! (members added in bulk), an OData function with parameters in the path (`doesUserHaveAccess`)
//! and a flags enum in a body (`clone`'s `partsToClone`). The calls below are the pinned shapes.

use graph_api::models::{
    AadUserConversationMember, AadUserConversationMemberResult, ActionResultPart,
    ClonableTeamParts, ConversationMember, TeamVisibilityType,
};
use graph_api::{Error, GraphClient};
use graph_api_tests::standin::{Recorded, Reply, StandIn};
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-part";
const TEAM: &str = "e4183b04-c9a2-417c-bde4-70e3ee46a6dc";

async fn standin(reply: Reply) -> StandIn {
    StandIn::start(move |_: &Recorded| reply.clone())
        .await
        .expect("loopback listener")
}

fn client(url: &str) -> GraphClient {
    GraphClient::builder()
        .base_url(url)
        .bearer_token(TOKEN)
        .build()
        .expect("valid config")
}

fn json_of(req: &Recorded) -> Value {
    serde_json::from_slice(&req.body).expect("a JSON body")
}

/// A member as the page's examples write one: its type, its roles and the user by URL.
fn member(user: &str, roles: &[&str]) -> ConversationMember {
    let mut m = AadUserConversationMember::default();
    m.odata_type = Some("microsoft.graph.aadUserConversationMember".into());
    m.roles = Some(roles.iter().map(|r| r.to_string()).collect());
    m.user_odata_bind = Some(format!("https://graph.microsoft.com/v1.0/users('{user}')"));
    m.into()
}

fn the_pages_two_members() -> Vec<ConversationMember> {
    vec![
        member("18a80140-b0fb-4489-b360-2f6efaf225a0", &[]),
        member("86503198-b81b-43fe-81ee-ad45b8848ac9", &["owner"]),
    ]
}

const THE_PAGES_BODY: &str = r#"{
    "values": [
        {
            "@odata.type": "microsoft.graph.aadUserConversationMember",
            "roles":[],
            "user@odata.bind": "https://graph.microsoft.com/v1.0/users('18a80140-b0fb-4489-b360-2f6efaf225a0')"
        },
        {
            "@odata.type": "microsoft.graph.aadUserConversationMember",
            "roles":["owner"],
            "user@odata.bind": "https://graph.microsoft.com/v1.0/users('86503198-b81b-43fe-81ee-ad45b8848ac9')"
        }
    ]
}"#;

/// conversationmembers-add, example 1: the request as the page shows it, and its 200 answer read
/// as one result per member.
#[tokio::test]
async fn members_add_sends_the_pages_request_and_reads_its_results() {
    let answer = r##"{
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.aadUserConversationMemberResult)",
    "value": [
        { "@odata.type": "#microsoft.graph.aadUserConversationMemberResult", "userId": "18a80140-b0fb-4489-b360-2f6efaf225a0", "error": null },
        { "@odata.type": "#microsoft.graph.aadUserConversationMemberResult", "userId": "86503198-b81b-43fe-81ee-ad45b8848ac9", "error": null }
    ]
}"##;
    let server = standin(Reply::body(200, "application/json", answer)).await;
    let page = client(server.url())
        .team(TEAM)
        .members()
        .add(the_pages_two_members())
        .send()
        .await
        .expect("200");
    assert!(!page.has_next());
    let results: Vec<AadUserConversationMemberResult> = page
        .items
        .into_iter()
        .map(|r| AadUserConversationMemberResult::try_from(r).expect("a member result"))
        .collect();
    let users: Vec<_> = results
        .iter()
        .filter_map(|r| r.user_id.as_deref())
        .collect();
    assert_eq!(
        users,
        [
            "18a80140-b0fb-4489-b360-2f6efaf225a0",
            "86503198-b81b-43fe-81ee-ad45b8848ac9"
        ]
    );
    assert!(results.iter().all(|r| r.error.is_none()));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].target, format!("/v1.0/teams/{TEAM}/members/add"));
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
    let expected: Value = serde_json::from_str(THE_PAGES_BODY).expect("the page's JSON");
    assert_eq!(json_of(&reqs[0]), expected);
}

/// Example 2: a 207 answer; each result says whether its member was added.
#[tokio::test]
async fn members_add_reads_a_partial_failure() {
    let answer = r##"{
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.addConversationMemberResult)",
    "value": [
        { "@odata.type": "#microsoft.graph.aadUserConversationMemberResult", "userId": "18a80140-b0fb-4489-b360-2f6efaf225a0", "error": { "code": "NotFound", "message": "" } },
        { "@odata.type": "#microsoft.graph.aadUserConversationMemberResult", "userId": "86503198-b81b-43fe-81ee-ad45b8848ac9", "error": null }
    ]
}"##;
    let server = standin(Reply::body(207, "application/json", answer)).await;
    let results: Vec<ActionResultPart> = client(server.url())
        .team(TEAM)
        .members()
        .add(the_pages_two_members())
        .all()
        .await
        .expect("207 is a success");
    let failed: Vec<_> = results
        .iter()
        .map(|r| r.error.as_ref().and_then(|e| e.code.as_deref()))
        .collect();
    assert_eq!(failed, [Some("NotFound"), None]);
}

/// A POST answer with a next link pages like a list: the next page is a GET of the link alone,
/// with the token but no body and no `Content-Type`; and a plain JSON array is one page.
#[tokio::test]
async fn a_post_collection_follows_its_next_link_with_get() {
    let url: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let own = Arc::clone(&url);
    let server = StandIn::start(move |req: &Recorded| {
        let body = if req.target.contains("$skiptoken=1") {
            json!([{ "error": null, "userId": "b" }]).to_string()
        } else {
            let base = own.get().cloned().unwrap_or_default();
            json!({
                "value": [{ "error": null, "userId": "a" }],
                "@odata.nextLink": format!("{base}/v1.0/teams/{TEAM}/members/add?$skiptoken=1"),
            })
            .to_string()
        };
        Reply::body(200, "application/json", body)
    })
    .await
    .expect("listener");
    let _ = url.set(server.url().to_owned());
    let results = client(server.url())
        .team(TEAM)
        .members()
        .add(the_pages_two_members())
        .all()
        .await
        .expect("two pages");
    let users: Vec<_> = results
        .iter()
        .filter_map(|r| r.additional.get("userId").and_then(Value::as_str))
        .collect();
    assert_eq!(users, ["a", "b"]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[1].method.as_str()),
        ("POST", "GET")
    );
    assert_eq!(
        reqs[1].target,
        format!("/v1.0/teams/{TEAM}/members/add?$skiptoken=1")
    );
    assert!(reqs[1].body.is_empty());
    assert_eq!(reqs[1].header("content-type"), None);
    assert_eq!(
        reqs[1].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

/// A next link to another host is refused for a POST collection as for a list, before the
/// token goes anywhere.
#[tokio::test]
async fn a_post_collection_refuses_a_next_link_off_the_service_root() {
    let answer = json!({ "value": [], "@odata.nextLink": "https://elsewhere.example/v1.0/x" });
    let server = standin(Reply::body(200, "application/json", answer.to_string())).await;
    let err = client(server.url())
        .team(TEAM)
        .members()
        .add(the_pages_two_members())
        .all()
        .await
        .expect_err("a foreign host");
    assert!(matches!(err, Error::NextLink { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

const CHANNEL_TARGET: &str = "/v1.0/teams/0fddfdc5-f319-491f-a514-be1bc1bf9ddc/channels/19:33b76eea88574bd1969dca37e2b7a819@thread.skype/doesUserHaveAccess";

async fn access(reply: bool) -> StandIn {
    standin(Reply::body(
        200,
        "application/json",
        json!({ "value": reply }).to_string(),
    ))
    .await
}

/// channel-doesuserhaveaccess, examples 1 to 3: each parameter set goes in the path as the page
/// writes it, and the `{"value": ...}` answer reads as a bool.
#[tokio::test]
async fn does_user_have_access_writes_the_pages_calls() {
    let server = access(true).await;
    let c = client(server.url());
    let channel = || {
        c.team("0fddfdc5-f319-491f-a514-be1bc1bf9ddc")
            .channel("19:33b76eea88574bd1969dca37e2b7a819@thread.skype")
    };
    let internal = channel()
        .does_user_have_access()
        .user_id("6285581f-484b-4845-9e01-60667f8b12ae")
        .send()
        .await
        .expect("example 1");
    assert!(internal);
    channel()
        .does_user_have_access()
        .user_id("62855810-484b-4823-9e01-60667f8b12ae")
        .tenant_id("57fb72d0-d811-46f4-8947-305e6072eaa5")
        .send()
        .await
        .expect("example 2");
    channel()
        .does_user_have_access()
        .user_principal_name("john.doe@contoso.com")
        .send()
        .await
        .expect("example 3");
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            format!("{CHANNEL_TARGET}(userId='6285581f-484b-4845-9e01-60667f8b12ae')"),
            format!(
                "{CHANNEL_TARGET}(userId='62855810-484b-4823-9e01-60667f8b12ae',tenantId='57fb72d0-d811-46f4-8947-305e6072eaa5')"
            ),
            format!("{CHANNEL_TARGET}(userPrincipalName='john.doe@contoso.com')"),
        ]
    );
}

/// A quote in a string is doubled, what would end the call is encoded once, and what would
/// change the route is refused before anything is sent.
#[tokio::test]
async fn does_user_have_access_quotes_encodes_and_refuses() {
    let server = access(false).await;
    let c = client(server.url());
    let answer = c
        .team("t")
        .channel("c")
        .does_user_have_access()
        .user_principal_name("o'brien,x)@contoso.com")
        .send()
        .await
        .expect("sent");
    assert!(!answer);
    assert_eq!(
        server.requests()[0].target,
        "/v1.0/teams/t/channels/c/doesUserHaveAccess(userPrincipalName='o''brien%2Cx%29@contoso.com')"
    );
    let err = c
        .team("t")
        .channel("c")
        .does_user_have_access()
        .user_id("a/../b")
        .send()
        .await
        .expect_err("a slash");
    assert!(
        matches!(err, Error::InvalidArgument { name: "userId", .. }),
        "{err:?}"
    );
    let none = c
        .team("t")
        .channel("c")
        .does_user_have_access()
        .build()
        .expect("no parameter");
    assert!(none.url().path().ends_with("/doesUserHaveAccess()"));
    assert_eq!(server.requests().len(), 1);
}

/// team-clone's example: `partsToClone` as the comma-separated set the page sends, the 202
/// answer (a `Location`, no body) as the operation to follow.
#[tokio::test]
async fn clone_team_sends_the_pages_request() {
    let server = standin(
        Reply::body(202, "text/plain", "")
            .with_header("Location", "/teams({id})/operations({opId})"),
    )
    .await;
    let parts = ClonableTeamParts::APPS
        | ClonableTeamParts::TABS
        | ClonableTeamParts::SETTINGS
        | ClonableTeamParts::CHANNELS
        | ClonableTeamParts::MEMBERS;
    let accepted = client(server.url())
        .team("57fb72d0-d811-46f4-8947-305e6072eaa5")
        .clone_team("Library Assist", parts)
        .description("Self help community for library")
        .mail_nickname("libassist")
        .visibility(TeamVisibilityType::Public)
        .send()
        .await
        .expect("202");
    assert_eq!(accepted.status(), 202);
    assert_eq!(accepted.location(), "/teams({id})/operations({opId})");
    assert_eq!(
        accepted.location_key("operations").as_deref(),
        Some("{opId}")
    );
    let reqs = server.requests();
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(
        reqs[0].target,
        "/v1.0/teams/57fb72d0-d811-46f4-8947-305e6072eaa5/clone"
    );
    let expected = json!({
        "displayName": "Library Assist",
        "description": "Self help community for library",
        "mailNickname": "libassist",
        "partsToClone": "apps,tabs,settings,channels,members",
        "visibility": "public"
    });
    assert_eq!(json_of(&reqs[0]), expected);
}

/// A flags value reads Graph's form in any casing and order, keeps members graph-api does not
/// list, and writes them back.
#[test]
fn clonable_team_parts_read_and_write_graphs_form() {
    let parts: ClonableTeamParts =
        serde_json::from_value(json!("Tabs,apps, someFuturePart")).expect("a string");
    assert!(parts.contains(&(ClonableTeamParts::APPS | ClonableTeamParts::TABS)));
    assert!(!parts.contains(&ClonableTeamParts::MEMBERS));
    assert_eq!(parts.unknown(), ["someFuturePart"]);
    assert_eq!(
        serde_json::to_value(&parts).expect("serializes"),
        json!("apps,tabs,someFuturePart")
    );
    assert_eq!(parts.to_string(), "apps,tabs,someFuturePart");
    assert!(ClonableTeamParts::parse("").is_empty());
}

/// A clone answered without the `Location` it is documented to send leaves the caller nothing to
/// follow: a decode error, not a silent success.
#[tokio::test]
async fn a_clone_answered_without_a_location_is_a_decode_error() {
    let server = standin(Reply::status(202)).await;
    let e = client(server.url())
        .team(TEAM)
        .clone_team("Copy", ClonableTeamParts::APPS)
        .send()
        .await
        .expect_err("no Location");
    assert!(matches!(e, Error::Decode { status: 202, .. }), "{e:?}");
}

/// In a batch, a clone's item answer carries its `Location` in the item's headers; the item is
/// read as a direct call's answer is.
#[tokio::test]
async fn a_batched_clone_gives_the_items_location() {
    let server = StandIn::start(|batch: &Recorded| {
        graph_api_tests::standin::answer_batch(batch, |_| {
            Reply::status(202)
                .with_header("Location", "/teams('a1')/operations('op%2F7')")
                .with_header("Content-Location", "/teams('a1')")
        })
    })
    .await
    .expect("loopback listener");
    let client = client(server.url());
    let mut batch = client.batch();
    let id = batch
        .add(
            client
                .team(TEAM)
                .clone_team("Copy", ClonableTeamParts::MEMBERS),
        )
        .expect("a valid request");
    let mut answers = batch.send().await.expect("one batch");
    let accepted = answers.take(id).expect("the item's answer");
    assert_eq!(accepted.location_key("operations").as_deref(), Some("op/7"));
    assert_eq!(
        accepted.content_location_key("teams").as_deref(),
        Some("a1")
    );
}

/// chat-post-members, example 1: one user added as an owner, with the chat's history from a
/// point in time; the page answers 201 and names the new membership in `Location`.
const CHAT: &str = "19:cf66807577b149cca1b7af0c32eec122@thread.v2";
const NEW_MEMBERSHIP: &str = "MCMjMjQzMmI1N2ItMGFiZC00M2RiLWFhN2ItMTZlYWRkMTE1ZDM0IyMxOTpiZDlkYTQ2MzIzYWY0MjUzOTZkMGZhNjcyMDAyODk4NEB0aHJlYWQudjIjIzQ4YmY5ZDUyLWRjYTctNGE1Zi04Mzk4LTM3Yjk1Y2M3YmQ4Mw==";

/// Example 1's call: the user by id, as an owner, sharing the history since a point in time.
fn chat_member_example_1(client: &GraphClient) -> graph_api::requests::AddChatMember<'_> {
    client
        .chat(CHAT)
        .members()
        .add(
            "8b081ef6-4792-4def-b2c9-c363a1bf41d5",
            vec!["owner".to_owned()],
        )
        .visible_history_start_date_time("2019-04-18T23:51:43.255Z")
}

#[tokio::test]
async fn chat_members_add_sends_the_pages_request_and_reads_the_location() {
    let location = format!("/chats/{CHAT}/members/{NEW_MEMBERSHIP}");
    let server = standin(Reply::status(201).with_header("Location", &location)).await;
    let accepted = chat_member_example_1(&client(server.url()))
        .send()
        .await
        .expect("201");
    assert_eq!(accepted.status(), 201);
    assert_eq!(
        accepted.location_key("members").as_deref(),
        Some(NEW_MEMBERSHIP)
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(
        reqs[0].target,
        "/v1.0/chats/19:cf66807577b149cca1b7af0c32eec122@thread.v2/members"
    );
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
    // The page's body, with the user's URL under this client's service root.
    let expected = json!({
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "user@odata.bind": format!("{}/v1.0/users/8b081ef6-4792-4def-b2c9-c363a1bf41d5", server.url()),
        "visibleHistoryStartDateTime": "2019-04-18T23:51:43.255Z",
        "roles": ["owner"]
    });
    assert_eq!(json_of(&reqs[0]), expected);
}

/// Against Graph's own service root the built request is the page's example 1, key for key and
/// in the page's order; example 4 names the user by principal name and shares no history.
#[test]
fn chat_members_add_builds_the_pages_examples() {
    let graph = client("https://graph.microsoft.com");
    let request = chat_member_example_1(&graph)
        .build()
        .expect("a valid request");
    assert_eq!(
        request.url().as_str(),
        "https://graph.microsoft.com/v1.0/chats/19:cf66807577b149cca1b7af0c32eec122@thread.v2/members"
    );
    assert_eq!(
        std::str::from_utf8(request.body()).expect("UTF-8"),
        concat!(
            r##"{"@odata.type":"#microsoft.graph.aadUserConversationMember","##,
            r#""user@odata.bind":"https://graph.microsoft.com/v1.0/users/8b081ef6-4792-4def-b2c9-c363a1bf41d5","#,
            r#""visibleHistoryStartDateTime":"2019-04-18T23:51:43.255Z","roles":["owner"]}"#
        )
    );
    let by_name = graph
        .chat(CHAT)
        .members()
        .add("jacob@contoso.com", Vec::new())
        .build()
        .expect("a valid request");
    let body: Value = serde_json::from_slice(by_name.body()).expect("JSON");
    assert_eq!(
        body,
        json!({
            "@odata.type": "#microsoft.graph.aadUserConversationMember",
            "user@odata.bind": "https://graph.microsoft.com/v1.0/users/jacob@contoso.com",
            "roles": []
        })
    );
    // A user id that would change the bound URL's route is refused before anything is sent.
    let bad = graph
        .chat(CHAT)
        .members()
        .add("../me", Vec::new())
        .build()
        .expect_err("a path-changing id");
    assert!(matches!(bad, Error::InvalidArgument { .. }), "{bad:?}");
}
