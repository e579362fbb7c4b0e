//! Requests as values and JSON batching on the wire: `build()` is what `send()` sends, and
//! `$batch` POSTs carry items as direct calls would, are matched by id, and send throttled
//! items again.

use graph_api::{Error, GraphClient, GraphRequest, RetryPolicy};
use graph_api_tests::seed::example_2_permission_set;
use graph_api_tests::standin::{Recorded, Reply, StandIn};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "t0k3n";

fn client(s: &StandIn) -> GraphClient {
    GraphClient::builder()
        .base_url(s.url())
        .bearer_token(TOKEN)
        .build()
        .expect("valid config")
}

/// What one item of a `$batch` answer says: status, headers, body (`None`: no body).
type ItemReply = (u16, Value, Option<Value>);

/// A Graph stand-in for `$batch`: each POST's items are answered by `item` (id, method, url,
/// how many times that id was seen), in reverse order, as Graph may answer in any order.
/// Items the closure answers with `None` are left out of the answer.
async fn batch_server(
    item: impl Fn(&Value, usize) -> Option<ItemReply> + Send + Sync + 'static,
) -> (StandIn, Arc<Mutex<Vec<(Instant, Value)>>>) {
    let posts: Arc<Mutex<Vec<(Instant, Value)>>> = Arc::default();
    let seen: Arc<Mutex<std::collections::HashMap<String, usize>>> = Arc::default();
    let log = posts.clone();
    let s = StandIn::start(move |r: &Recorded| {
        assert_eq!(
            (r.method.as_str(), r.target.as_str()),
            ("POST", "/v1.0/$batch")
        );
        let body: Value = serde_json::from_slice(&r.body).expect("a JSON batch");
        log.lock().unwrap().push((Instant::now(), body.clone()));
        let mut responses = Vec::new();
        for req in body["requests"].as_array().expect("requests") {
            let id = req["id"].as_str().expect("an id").to_owned();
            let n = {
                let mut seen = seen.lock().unwrap();
                let n = seen.entry(id.clone()).or_default();
                *n += 1;
                *n
            };
            if let Some((status, headers, body)) = item(req, n) {
                let mut answer = json!({ "id": id, "status": status, "headers": headers });
                if let Some(body) = body {
                    answer["body"] = body;
                }
                responses.push(answer);
            }
        }
        responses.reverse();
        Reply::body(
            200,
            "application/json",
            json!({ "responses": responses }).to_string(),
        )
    })
    .await
    .expect("listener");
    (s, posts)
}

fn ids(post: &Value) -> Vec<String> {
    post["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The shapes issue 17 pins, exactly as a downstream crate writes them.
async fn pinned_shapes(
    client: &GraphClient,
    c: &str,
    i: &str,
) -> Result<graph_api::models::TeamsAppInstallation, graph_api::Error> {
    let (chat_id, inst_id) = (c, i);
    let req = client
        .chat(chat_id)
        .installed_app(inst_id)
        .upgrade()
        .build()?; // Result<GraphRequest, graph_api::Error>
    let _: &reqwest::Method = req.method();
    let _: &url::Url = req.url();
    let _: &reqwest::header::HeaderMap = req.headers();
    let _: &[u8] = req.body();
    println!("{req}");
    let mut batch = client.batch();
    let a = batch.add(client.chat(c).installed_app(i).upgrade())?; // BatchItem<()>; Err: nothing queued
    let g = batch.add(
        client
            .chat(c)
            .installed_app(i)
            .get()
            .expand("teamsAppDefinition"),
    )?; // BatchItem<TeamsAppInstallation>
    let mut out = batch.send().await?; // Err only when the batch as a whole could not be sent or answered
    let r: Result<(), graph_api::Error> = out.take(a);
    r?;
    let inst = out.take(g)?;
    Ok(inst)
}

#[tokio::test]
async fn the_pinned_shapes_work_and_answers_are_matched_by_id() {
    let (s, posts) = batch_server(|req, _| {
        Some(match req["method"].as_str() {
            Some("GET") => (
                200,
                json!({ "content-type": "application/json" }),
                Some(json!({ "id": "aW5zdA==", "teamsAppDefinition": { "version": "1.1" } })),
            ),
            _ => (204, json!({}), None),
        })
    })
    .await;
    let inst = pinned_shapes(&client(&s), "19:c@thread.v2", "aW5zdA==")
        .await
        .expect("both items succeed");
    assert_eq!(inst.id.as_deref(), Some("aW5zdA=="));
    let posts = posts.lock().unwrap();
    assert_eq!(posts.len(), 1);
    let upgrade = &posts[0].1["requests"][0];
    assert_eq!(upgrade["method"], "POST");
    assert_eq!(
        upgrade["url"],
        "/chats/19:c@thread.v2/installedApps/aW5zdA==/upgrade"
    );
    assert_eq!(upgrade["headers"]["content-type"], "application/json");
    assert_eq!(upgrade["body"], json!({}));
    let get = &posts[0].1["requests"][1];
    assert_eq!(
        get["url"],
        "/chats/19:c@thread.v2/installedApps/aW5zdA==?$expand=teamsAppDefinition"
    );
    assert!(get.get("body").is_none());
}

#[tokio::test]
async fn forty_five_items_go_in_three_posts_of_at_most_twenty_and_each_gets_its_own_answer() {
    let (s, posts) = batch_server(|req, _| {
        let url = req["url"].as_str().expect("url");
        // Each installation answers with its own id, so a mix-up would show.
        let id = url.rsplit('/').next().expect("an id").to_owned();
        Some((
            200,
            json!({ "content-type": "application/json" }),
            Some(json!({ "id": id })),
        ))
    })
    .await;
    let c = client(&s);
    let mut batch = c.batch();
    let items: Vec<_> = (0..45)
        .map(|n| {
            batch
                .add(
                    c.chat("19:c@thread.v2")
                        .installed_app(format!("inst-{n}"))
                        .get(),
                )
                .expect("queued")
        })
        .collect();
    let mut out = batch.send().await.expect("sent");
    assert_eq!(out.posts(), 3);
    for (n, item) in items.into_iter().enumerate() {
        let inst = out.take(item).expect("answered");
        assert_eq!(inst.id.as_deref(), Some(format!("inst-{n}").as_str()));
    }
    let mut sizes: Vec<usize> = posts
        .lock()
        .unwrap()
        .iter()
        .map(|(_, p)| ids(p).len())
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [5, 20, 20]);
    // A smaller size per POST is honoured.
    let mut batch = c.batch().max_per_post(7);
    for n in 0..15 {
        batch
            .add(
                c.chat("19:c@thread.v2")
                    .installed_app(format!("inst-{n}"))
                    .get(),
            )
            .expect("queued");
    }
    assert_eq!(batch.send().await.expect("sent").posts(), 3);
}

/// Records what the attempt hook sees of a batch: the POSTs and each item's answer.
#[derive(Default, Clone)]
struct ItemHook {
    posts: Arc<Mutex<u32>>,
    items: Arc<Mutex<Vec<(String, u32, u16)>>>,
    actions: Arc<Mutex<Vec<&'static str>>>,
}

impl graph_api::hook::AttemptHook for ItemHook {
    fn after_attempt(&self, _: &graph_api::hook::AttemptOutcome<'_>) {
        *self.posts.lock().unwrap() += 1;
    }
    fn after_batch_item(&self, item: &graph_api::hook::BatchItemOutcome<'_>) {
        self.items
            .lock()
            .unwrap()
            .push((item.id.to_string(), item.attempt, item.status));
        self.actions.lock().unwrap().push(item.action.id);
    }
}

#[tokio::test]
async fn throttled_items_are_sent_again_with_the_same_id_after_the_longest_retry_after() {
    let (s, posts) = batch_server(|req, n| {
        let id = req["id"].as_str().expect("id");
        Some(match (id, n) {
            ("2", 1) => (
                429,
                json!({ "Retry-After": "0.249", "content-type": "application/json" }),
                Some(json!({ "error": { "code": "TooManyRequests", "message": "Too many requests" } })),
            ),
            ("3", 1) => (
                503,
                json!({ "Retry-After": "0.1" }),
                Some(json!({ "error": { "code": "ServiceUnavailable", "message": "later" } })),
            ),
            _ => (204, json!({}), None),
        })
    })
    .await;
    let seen = ItemHook::default();
    let c = GraphClient::builder()
        .base_url(s.url())
        .bearer_token(TOKEN)
        .on_attempt(seen.clone())
        .build()
        .expect("valid config");
    let mut batch = c.batch();
    let items: Vec<_> = (0..3)
        .map(|n| {
            batch
                .add(
                    c.chat(format!("19:c{n}@thread.v2"))
                        .installed_app("i")
                        .upgrade(),
                )
                .expect("queued")
        })
        .collect();
    let mut out = batch.send().await.expect("sent");
    for item in items {
        out.take(item).expect("succeeds in the end");
    }
    // The hook saw every item answer, the 429 and 503 inside the 200s included, with the
    // item's own action and attempt; the three POSTs were attempts of their own.
    let mut items_seen = seen.items.lock().unwrap().clone();
    items_seen.sort();
    assert_eq!(
        items_seen,
        [
            ("1".to_string(), 1, 204),
            ("2".to_string(), 1, 429),
            ("2".to_string(), 2, 204),
            ("3".to_string(), 1, 503),
            ("3".to_string(), 2, 204),
        ]
    );
    assert!(
        seen.actions
            .lock()
            .unwrap()
            .iter()
            .all(|a| *a == "upgrade_chat_app_installation")
    );
    assert_eq!(*seen.posts.lock().unwrap(), 3);
    let posts = posts.lock().unwrap();
    assert_eq!(ids(&posts[0].1), ["1", "2", "3"]);
    // Only the throttled, under the same ids; one got through, so the next round sends one.
    let again: Vec<String> = posts[1..].iter().flat_map(|(_, p)| ids(p)).collect();
    assert_eq!(again, ["2", "3"], "the same ids, only the throttled");
    assert_eq!(posts.len(), 3);
    let waited = posts[1].0 - posts[0].0;
    assert!(waited >= Duration::from_millis(249), "{waited:?}");
    // Sent again as it was first sent.
    assert_eq!(posts[1].1["requests"][0], posts[0].1["requests"][1]);
}

#[tokio::test]
async fn an_item_throttled_past_the_policy_ends_with_its_last_answer() {
    let (s, posts) = batch_server(|_, _| {
        Some((
            429,
            json!({ "Retry-After": "0.01", "request-id": "rid-429" }),
            Some(json!({ "error": { "code": "TooManyRequests", "message": "slow down" } })),
        ))
    })
    .await;
    let c = client(&s);
    let mut batch = c.batch().call_options(
        graph_api::CallOptions::default().retry_policy(RetryPolicy::default().max_attempts(3)),
    );
    let a = batch
        .add(c.chat("19:c@thread.v2").installed_app("i").upgrade())
        .expect("queued");
    let mut out = batch.send().await.expect("sent");
    let err = out.take(a).expect_err("throttled every time");
    let Error::RetriesExhausted { attempts, last } = &err else {
        panic!("expected RetriesExhausted, got {err:?}");
    };
    assert_eq!(*attempts, 3);
    assert_eq!(
        last.api().and_then(|a| a.request_id.as_deref()),
        Some("rid-429")
    );
    assert_eq!(posts.lock().unwrap().len(), 3);
    // Taking it twice says so.
    assert!(matches!(out.take(a), Err(Error::InvalidArgument { .. })));
}

#[tokio::test]
async fn item_errors_dependencies_missing_answers_and_empty_bodies_are_each_items_own() {
    let (s, _) = batch_server(|req, _| {
        let id = req["id"].as_str().expect("id");
        match id {
            "1" => Some((
                403,
                json!({ "request-id": "rid-403", "content-type": "application/json" }),
                Some(json!({ "error": { "code": "Forbidden", "message": "Missing role permissions on the request.", "innerError": { "code": "AccessDenied" } } })),
            )),
            "2" => {
                assert_eq!(req["dependsOn"], json!(["1"]));
                Some((424, json!({}), Some(json!({ "error": { "code": "FailedDependency", "message": "dependency failed" } }))))
            }
            "3" => None,
            "4" => Some((204, json!({}), None)),
            "5" => Some((200, json!({ "content-type": "application/json" }), Some(Value::Null))),
            "6" => Some((
                200,
                json!({ "content-type": "application/octet-stream" }),
                Some(json!("eyJpZCI6ImZyb20tYmFzZTY0In0=")),
            )),
            "7" => Some((500, json!({}), Some(json!("not json")))),
            _ => unreachable!(),
        }
    })
    .await;
    let c = client(&s);
    let mut batch = c.batch();
    let forbidden = batch
        .add(c.team("t").installed_app("i").delete())
        .expect("1");
    let dependent = batch
        .add_after(
            &[forbidden.index()],
            c.team("t").installed_app("j").delete(),
        )
        .expect("2");
    let missing = batch
        .add(c.team("t").installed_app("k").delete())
        .expect("3");
    let no_content = batch
        .add(c.team("t").installed_app("l").delete())
        .expect("4");
    let null_body = batch.add(c.team("t").installed_app("m").get()).expect("5");
    let base64 = batch.add(c.team("t").installed_app("n").get()).expect("6");
    let server_error = batch
        .add(c.chat("19:c@thread.v2").installed_app("o").upgrade())
        .expect("7");
    let mut out = batch.send().await.expect("the batch was answered");

    let err = out.take(forbidden).expect_err("403");
    let api = err.api().expect("an API error");
    assert_eq!((api.status, api.code.as_deref()), (403, Some("Forbidden")));
    assert_eq!(api.request_id.as_deref(), Some("rid-403"));
    assert_eq!(api.inner_codes, ["AccessDenied"]);

    let err = out.take(dependent).expect_err("424");
    let Error::DependencyFailed {
        id,
        dependency,
        cause,
    } = &err
    else {
        panic!("expected DependencyFailed, got {err:?}");
    };
    assert_eq!((id.as_str(), dependency.as_str()), ("2", "1"));
    assert!(cause.contains("403"), "{cause}");

    assert!(matches!(out.take(missing), Err(Error::BatchItem { .. })));
    out.take(no_content).expect("a 204 is success");
    assert!(matches!(
        out.take(null_body),
        Err(Error::Decode { status: 200, .. })
    ));
    let inst = out.take(base64).expect("a base64 body is decoded");
    assert_eq!(inst.id.as_deref(), Some("from-base64"));
    // Not retried: an upgrade is not idempotent.
    let err = out.take(server_error).expect_err("500");
    assert_eq!(err.status(), Some(500));
    assert!(matches!(err, Error::Api(_)));
}

#[tokio::test]
async fn a_throttled_batch_post_is_sent_again_whole() {
    let calls = Arc::new(Mutex::new(Vec::<Recorded>::new()));
    let log = calls.clone();
    let s = StandIn::start(move |r: &Recorded| {
        let mut log = log.lock().unwrap();
        log.push(r.clone());
        if log.len() == 1 {
            return Reply::graph_error(429, "TooManyRequests", "slow down")
                .with_header("Retry-After", "0.05");
        }
        let body: Value = serde_json::from_slice(&r.body).expect("json");
        let responses: Vec<Value> = body["requests"]
            .as_array()
            .expect("requests")
            .iter()
            .map(|q| json!({ "id": q["id"], "status": 204 }))
            .collect();
        Reply::body(
            200,
            "application/json",
            json!({ "responses": responses }).to_string(),
        )
    })
    .await
    .expect("listener");
    let c = client(&s);
    let mut batch = c.batch();
    let a = batch
        .add(c.chat("19:c@thread.v2").installed_app("i").upgrade())
        .expect("queued");
    let mut out = batch.send().await.expect("sent after the wait");
    out.take(a).expect("upgraded");
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].body, calls[1].body, "the same POST again");
    assert_eq!(calls[1].header("retry-attempt"), Some("1"));
}

#[tokio::test]
async fn a_batch_nobody_answers_fails_as_a_whole() {
    let s = StandIn::start(|_: &Recorded| {
        Reply::graph_error(400, "BadRequest", "Invalid batch payload.")
    })
    .await
    .expect("listener");
    let c = client(&s);
    let mut batch = c.batch();
    batch
        .add(c.chat("19:c@thread.v2").installed_app("i").upgrade())
        .expect("queued");
    let err = batch.send().await.expect_err("the batch was refused");
    assert_eq!(err.status(), Some(400));
}

#[test]
fn bad_items_are_refused_and_nothing_is_queued() {
    let c = GraphClient::builder()
        .bearer_token(TOKEN)
        .build()
        .expect("config");
    let mut batch = c.batch();
    let err = batch
        .add(c.chat("..").installed_app("i").upgrade())
        .expect_err("bad id");
    assert!(matches!(
        err,
        Error::InvalidArgument {
            name: "chat-id",
            ..
        }
    ));
    batch
        .add_with_id("Alpha", c.chat("c").installed_app("i").get())
        .expect("queued");
    let err = batch
        .add_with_id("alpha", c.chat("c").installed_app("j").get())
        .expect_err("ids are compared without regard to case");
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
    assert!(
        batch
            .add_after(&[5], c.chat("c").installed_app("k").get())
            .is_err()
    );
    assert_eq!(batch.len(), 1);
}

/// A chain of dependencies must fit one POST: chains an item joins count together, a refused
/// item leaves nothing behind (not even its id), and generated ids skip the caller's.
#[test]
fn chains_are_measured_when_items_are_added_and_joined_chains_count_together() {
    let c = GraphClient::builder()
        .bearer_token(TOKEN)
        .build()
        .expect("config");
    let get = |i: usize| c.chat("c").installed_app(format!("i{i}")).get();
    let mut batch = c.batch();
    // Two chains of ten: each item after the one before.
    let mut ends = Vec::new();
    for chain in 0..2 {
        let mut end = batch.add(get(chain * 10)).expect("queued").index();
        for k in 1..10 {
            end = batch
                .add_after(&[end], get(chain * 10 + k))
                .expect("queued")
                .index();
        }
        ends.push(end);
    }
    // After both ends, one chain of 21: more than a POST holds.
    let err = batch
        .add_after(&ends, get(20))
        .expect_err("21 in one chain");
    assert!(
        matches!(&err, Error::InvalidArgument { reason, .. } if reason.contains("chain")),
        "{err}"
    );
    assert_eq!(batch.len(), 20);
    // After one end: eleven, and the refused item's id is free again.
    batch.add_after(&[ends[0]], get(21)).expect("queued");
    batch.add_with_id("23", get(22)).expect("queued");
    batch.add(get(23)).expect("queued");
    let ids: Vec<String> = batch.entries().map(|(id, _, _)| id.to_owned()).collect();
    assert_eq!(ids[20..], ["21", "23", "24"]);
    // Nine more after the first chain fill it to 20; one more is refused.
    let mut end = 20;
    for k in 0..9 {
        end = batch
            .add_after(&[end], get(30 + k))
            .expect("queued")
            .index();
    }
    assert!(batch.add_after(&[end], get(40)).is_err());
    assert!(batch.add_after(&[ends[1]], get(41)).is_ok());
}

/// Ids that need encoding: the batch item's URL is the direct call's request target, byte for
/// byte, without the version.
#[tokio::test]
async fn item_urls_equal_the_direct_calls_for_hostile_ids() {
    let hostile = [
        "19:a b@thread.v2",
        "a#frag",
        "q?x=1&y",
        "100%",
        "plus+and=",
        "ünïcødé",
        "semi;colon",
        "'quoted'",
    ];
    let direct = StandIn::start(|_: &Recorded| Reply::status(204))
        .await
        .expect("listener");
    let (s, posts) = batch_server(|_, _| Some((204, json!({}), None))).await;
    let (dc, bc) = (client(&direct), client(&s));
    let mut batch = bc.batch();
    for id in hostile {
        dc.chat(id)
            .installed_app(id)
            .upgrade()
            .send()
            .await
            .expect("sent");
        batch
            .add(bc.chat(id).installed_app(id).upgrade())
            .expect("queued");
    }
    batch.send().await.expect("sent");
    let posts = posts.lock().unwrap();
    let urls: Vec<String> = posts[0].1["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| r["url"].as_str().expect("url").to_owned())
        .collect();
    let targets: Vec<String> = direct
        .requests()
        .iter()
        .map(|r| {
            r.target
                .strip_prefix("/v1.0")
                .expect("versioned")
                .to_owned()
        })
        .collect();
    assert_eq!(urls, targets);
}

/// Every action of graph-api's spec: what `build()` shows is what `send()` puts on the wire.
#[tokio::test]
async fn build_equals_the_wire_for_every_action() {
    let s = StandIn::start(|r: &Recorded| match r.method.as_str() {
        "GET"
            if r.target.contains("/installedApps?")
                || r.target.ends_with("/installedApps")
                || r.target.contains("teamsApps")
                || ["/users", "/teams", "/chats"]
                    .iter()
                    .any(|l| r.target.ends_with(l) || r.target.contains(&format!("{l}?"))) =>
        {
            Reply::body(200, "application/json", r#"{"value":[]}"#)
        }
        "GET" if r.target.contains("/doesUserHaveAccess(") => {
            Reply::body(200, "application/json", r#"{"value":true}"#)
        }
        "GET" => Reply::body(200, "application/json", r#"{"id":"x"}"#),
        "POST" if r.target.ends_with("/members/add") => {
            Reply::body(200, "application/json", r#"{"value":[]}"#)
        }
        "POST" if r.target.ends_with("/installedApps") => {
            Reply::body(201, "application/json", r#"{"id":"x"}"#)
        }
        // team-clone: a 202 naming the clone operation.
        "POST" if r.target.ends_with("/clone") => {
            Reply::status(202).with_header("Location", "/teams('x')/operations('y')")
        }
        // chat-post-members: a 201 naming the new membership.
        "POST" if r.target.ends_with("/members") => {
            Reply::status(201).with_header("Location", "/chats('x')/members('y')")
        }
        _ => Reply::status(204),
    })
    .await
    .expect("listener");
    let c = client(&s);
    let (chat, team, user, inst) = ("19:a b@thread.v2", "t 1#", "megan@contoso.com", "aW5z+dA==");
    let app = "12345678-1234-1234-1234-123456789012";
    // Each request is built as a value, then the same builder is sent.
    macro_rules! both {
        ($request:expr) => {{
            let request = $request;
            let value = request.clone().build().expect("builds");
            request.send().await.expect("sent");
            value
        }};
    }
    let built: Vec<(&str, GraphRequest)> = vec![
        (
            "list_teams_apps",
            both!(
                c.app_catalogs()
                    .teams_apps()
                    .list()
                    .filter("externalId eq 'x'")
                    .expand("appDefinitions($expand=authorization)")
            ),
        ),
        (
            "list_chat_app_installations",
            both!(c.chat(chat).installed_apps().list().expand("teamsApp")),
        ),
        (
            "get_chat_app_installation",
            both!(c.chat(chat).installed_app(inst).get()),
        ),
        (
            "add_chat_app_installation",
            both!(c.chat(chat).installed_apps().add(app)),
        ),
        (
            "upgrade_chat_app_installation",
            both!(
                c.chat(chat)
                    .installed_app(inst)
                    .upgrade()
                    .consented_permission_set(example_2_permission_set())
            ),
        ),
        (
            "remove_chat_app_installation",
            both!(c.chat(chat).installed_app(inst).delete()),
        ),
        (
            "list_team_app_installations",
            both!(c.team(team).installed_apps().list()),
        ),
        (
            "get_team_app_installation",
            both!(c.team(team).installed_app(inst).get()),
        ),
        (
            "add_team_app_installation",
            both!(c.team(team).installed_apps().add(app)),
        ),
        (
            "upgrade_team_app_installation",
            both!(c.team(team).installed_app(inst).upgrade()),
        ),
        (
            "remove_team_app_installation",
            both!(c.team(team).installed_app(inst).delete()),
        ),
        (
            "list_user_app_installations",
            both!(c.user(user).teamwork().installed_apps().list()),
        ),
        (
            "get_user_app_installation",
            both!(c.user(user).teamwork().installed_app(inst).get()),
        ),
        (
            "add_user_app_installation",
            both!(c.user(user).teamwork().installed_apps().add(app)),
        ),
        (
            "upgrade_user_app_installation",
            both!(c.user(user).teamwork().installed_app(inst).upgrade()),
        ),
        (
            "remove_user_app_installation",
            both!(c.user(user).teamwork().installed_app(inst).delete()),
        ),
        (
            "list_users",
            both!(c.users().list().select("id").count(true)),
        ),
        ("list_teams", both!(c.teams().list().select("id"))),
        (
            "add_team_members",
            both!(c.team(team).members().add(vec![
                graph_api::models::ConversationMember::new().with_roles(vec!["owner".to_owned()])
            ])),
        ),
        (
            "does_user_have_access",
            both!(
                c.team(team)
                    .channel(chat)
                    .does_user_have_access()
                    .user_principal_name("o'neil@contoso.com")
            ),
        ),
        (
            "clone_team",
            both!(c.team(team).clone_team(
                "Copy",
                graph_api::models::ClonableTeamParts::APPS
                    | graph_api::models::ClonableTeamParts::TABS
            )),
        ),
        (
            "add_chat_member",
            both!(
                c.chat(chat)
                    .members()
                    .add(user, vec!["owner".to_owned()])
                    .visible_history_start_date_time("0001-01-01T00:00:00Z")
            ),
        ),
        (
            "list_user_chats",
            both!(
                c.user(user)
                    .chats()
                    .list()
                    .filter("installedApps/any(a:a/teamsApp/id eq 'x')")
            ),
        ),
    ];
    let mut covered: Vec<&str> = built
        .iter()
        .map(|(id, r)| {
            assert_eq!(*id, r.action().id);
            *id
        })
        .collect();
    let mut all: Vec<&str> = graph_api::actions::ALL.iter().map(|a| a.id).collect();
    covered.sort_unstable();
    all.sort_unstable();
    assert_eq!(covered, all, "every action of the spec is checked");

    let wire = s.requests();
    assert_eq!(wire.len(), built.len());
    for ((id, req), sent) in built.iter().zip(&wire) {
        assert_eq!(req.method().as_str(), sent.method, "{id}");
        let url = req.url();
        assert_eq!(&url[url::Position::BeforePath..], sent.target, "{id}");
        assert_eq!(req.body(), sent.body.as_slice(), "{id}");
        for (name, value) in req.headers() {
            assert_eq!(
                sent.header(name.as_str()),
                value.to_str().ok(),
                "{id}: {name}"
            );
        }
        // Everything else on the wire is the credentials, the call's ids and the HTTP stack's.
        for (name, _) in &sent.headers {
            assert!(
                req.headers().contains_key(name.as_str())
                    || [
                        "authorization",
                        "client-request-id",
                        "host",
                        "content-length",
                        "accept",
                        "accept-encoding",
                        "user-agent"
                    ]
                    .contains(&name.as_str()),
                "{id}: {name} is on the wire but not in build()"
            );
        }
    }
    // A readable dry run, with no credentials in it.
    let shown = built[4].1.to_string();
    assert!(shown.starts_with("POST http://"), "{shown}");
    assert!(
        shown.contains("content-type: application/json\n\n{\"consentedPermissionSet\""),
        "{shown}"
    );
    assert!(!shown.contains(TOKEN));
}

/// A tenant that admits two items per `$batch` POST and throttles the rest, as Graph's per-tenant
/// rate does to a large batch: each round sends as many as the last one got through, so no item
/// spends its attempts waiting behind the others.
#[tokio::test]
async fn rounds_shrink_to_what_graph_admits_so_throttled_items_keep_their_attempts() {
    let posts: Arc<Mutex<Vec<usize>>> = Arc::default();
    let log = posts.clone();
    let s = StandIn::start(move |r: &Recorded| {
        let body: Value = serde_json::from_slice(&r.body).expect("json");
        let requests = body["requests"].as_array().expect("requests");
        log.lock().unwrap().push(requests.len());
        let responses: Vec<Value> = requests
            .iter()
            .enumerate()
            .map(|(k, q)| match k {
                0 | 1 => json!({ "id": q["id"], "status": 204 }),
                _ => json!({
                    "id": q["id"],
                    "status": 429,
                    "headers": { "Retry-After": "0.01" },
                    "body": { "error": { "code": "TooManyRequests", "message": "slow down" } }
                }),
            })
            .collect();
        Reply::body(
            200,
            "application/json",
            json!({ "responses": responses }).to_string(),
        )
    })
    .await
    .expect("listener");
    let c = client(&s);
    let mut batch = c.batch().call_options(
        graph_api::CallOptions::default().retry_policy(RetryPolicy::default().max_attempts(3)),
    );
    let items: Vec<_> = (0..10)
        .map(|n| {
            batch
                .add(
                    c.chat(format!("19:c{n}@thread.v2"))
                        .installed_app("i")
                        .upgrade(),
                )
                .expect("queued")
        })
        .collect();
    let mut out = batch.send().await.expect("sent");
    for item in items {
        out.take(item)
            .expect("every item gets through within three attempts");
    }
    // 10 sent, 2 admitted; then 2 (both in), 4 (2 in), 2, 2.
    assert_eq!(*posts.lock().unwrap(), [10, 2, 4, 2, 2]);
}
