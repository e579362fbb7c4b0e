//! Collections on the wire: paging across pages, lazy streams, retries per page, next links that
//! leave the service root, and query options with the headers they require.

use graph_api::{CallOptions, Error, GraphClient};
use graph_api_tests::contoso::prelude::*;
use graph_api_tests::standin::{Recorded, Reply, StandIn};
use std::sync::{Arc, Mutex, OnceLock};

const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-part";

fn client(url: &str) -> GraphClient {
    GraphClient::builder()
        .base_url(url)
        .bearer_token(TOKEN)
        .build()
        .expect("valid config")
}

/// A collection of `pages.len()` pages: page `n` links to page `n + 1` by `$skiptoken`, with the
/// stand-in's own URL in `@odata.nextLink`, as Graph does.
async fn paged(pages: &'static [&'static [&'static str]]) -> StandIn {
    let url: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let own = Arc::clone(&url);
    let server = StandIn::start(move |req: &Recorded| {
        let n: usize = req
            .target
            .split("$skiptoken=")
            .nth(1)
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let Some(items) = pages.get(n) else {
            return Reply::graph_error(404, "NotFound", "no such page");
        };
        let value: Vec<_> = items
            .iter()
            .map(|id| serde_json::json!({ "id": id, "teamsAppDefinition": { "version": "1.0.0" } }))
            .collect();
        let mut page = serde_json::json!({ "value": value });
        if n + 1 < pages.len() {
            let base = own.get().map(String::as_str).unwrap_or("");
            let path = req.target.split("$skiptoken=").next().unwrap_or("");
            let path = path.trim_end_matches(['&', '?']);
            let join = if path.contains('?') { '&' } else { '?' };
            page["@odata.nextLink"] = format!("{base}{path}{join}$skiptoken={}", n + 1).into();
        }
        Reply::body(200, "application/json", page.to_string())
    })
    .await
    .expect("listener");
    let _ = url.set(server.url().to_owned());
    server
}

const THREE_PAGES: &[&[&str]] = &[&["a", "b"], &["c"], &["d", "e"]];

#[tokio::test]
async fn all_reads_every_page_in_order_with_the_token_on_each() {
    let server = paged(THREE_PAGES).await;
    let apps = client(server.url())
        .chat("c")
        .installed_apps()
        .list()
        .expand("teamsAppDefinition")
        .all()
        .await
        .expect("three pages");
    let ids: Vec<_> = apps.iter().filter_map(|a| a.id.as_deref()).collect();
    assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    assert_eq!(
        apps[2]
            .teams_app_definition
            .as_ref()
            .and_then(|d| d.version.as_deref()),
        Some("1.0.0")
    );
    let reqs = server.requests();
    let targets: Vec<_> = reqs.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "/v1.0/chats/c/installedApps?$expand=teamsAppDefinition",
            "/v1.0/chats/c/installedApps?$expand=teamsAppDefinition&$skiptoken=1",
            "/v1.0/chats/c/installedApps?$expand=teamsAppDefinition&$skiptoken=2",
        ]
    );
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        reqs.iter()
            .all(|r| r.method == "GET" && r.header("authorization") == Some(&bearer))
    );
}

#[tokio::test]
async fn send_reads_only_the_first_page_and_says_where_the_next_is() {
    let server = paged(THREE_PAGES).await;
    let page = client(server.url())
        .team("t")
        .installed_apps()
        .list()
        .send()
        .await
        .expect("first page");
    assert_eq!(page.items.len(), 2);
    assert!(page.has_next());
    let next = page.next_link.as_deref().unwrap_or("");
    assert_eq!(
        next,
        format!("{}/v1.0/teams/t/installedApps?$skiptoken=1", server.url())
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_stream_fetches_a_page_only_when_its_items_are_wanted() {
    let server = paged(THREE_PAGES).await;
    let client = client(server.url());
    let mut stream = client
        .user("megan@contoso.onmicrosoft.com")
        .teamwork()
        .installed_apps()
        .list()
        .stream();
    assert!(
        server.requests().is_empty(),
        "nothing before the first poll"
    );
    let first = stream.next().await.expect("an item").expect("ok");
    assert_eq!(first.id.as_deref(), Some("a"));
    assert_eq!(server.requests().len(), 1);
    let _ = stream.next().await;
    assert_eq!(server.requests().len(), 1, "the second item is on page one");
    let third = stream.next().await.expect("an item").expect("ok");
    assert_eq!(third.id.as_deref(), Some("c"));
    assert_eq!(server.requests().len(), 2);
    assert_eq!(
        server.requests()[0].target,
        "/v1.0/users/megan@contoso.onmicrosoft.com/teamwork/installedApps"
    );
    let rest = stream.collect_all().await.expect("the rest");
    assert_eq!(rest.len(), 2);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn send_all_and_stream_run_on_spawned_tasks_and_send_nothing_before_the_first_poll() {
    let server = paged(THREE_PAGES).await;
    let client = client(server.url());
    // `tokio::spawn` needs a `Send` future: each task owns its client and awaits the returned
    // futures (Sending, Collecting, PageStream) across its await points.
    let first = {
        let client = client.clone();
        tokio::spawn(async move { client.team("t").installed_apps().list().send().await })
    };
    let all = {
        let client = client.clone();
        tokio::spawn(async move { client.team("t").installed_apps().list().all().await })
    };
    let streamed = tokio::spawn(async move {
        let mut stream = client.team("t").installed_apps().list().stream();
        let mut ids = Vec::new();
        while let Some(app) = stream.next().await {
            ids.extend(app?.id);
        }
        Ok::<_, Error>(ids)
    });
    let first = first.await.expect("task").expect("first page");
    let all = all.await.expect("task").expect("every page");
    let streamed = streamed.await.expect("task").expect("every item");
    assert_eq!(first.items.len(), 2);
    assert_eq!(all.len(), 5);
    assert_eq!(streamed, ["a", "b", "c", "d", "e"]);
    // 1 page for send, 3 each for all and the stream.
    assert_eq!(server.requests().len(), 7);

    // The future `.send()` returns has checked and encoded the request, but sent nothing yet.
    let quiet = paged(THREE_PAGES).await;
    let client = self::client(quiet.url());
    let pending = client.team("t").installed_apps().list().send();
    tokio::task::yield_now().await;
    assert!(quiet.requests().is_empty(), "nothing before the first poll");
    assert_eq!(pending.await.expect("first page").items.len(), 2);
    assert_eq!(quiet.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_throttled_page_is_retried_on_its_own() {
    let throttled = Arc::new(Mutex::new(false));
    let url: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let own = Arc::clone(&url);
    let server = StandIn::start(move |req: &Recorded| {
        let base = own.get().cloned().unwrap_or_default();
        if !req.target.contains("skiptoken") {
            let body = serde_json::json!({
                "value": [{ "id": "one" }],
                "@odata.nextLink": format!("{base}/v1.0/appCatalogs/teamsApps?$skiptoken=2"),
            });
            return Reply::body(200, "application/json", body.to_string());
        }
        let mut seen = throttled.lock().expect("lock");
        if !*seen {
            *seen = true;
            return Reply::graph_error(429, "TooManyRequests", "slow down")
                .with_header("Retry-After", "3");
        }
        Reply::body(200, "application/json", r#"{"value":[{"id":"two"}]}"#)
    })
    .await
    .expect("listener");
    let _ = url.set(server.url().to_owned());
    // On the paused clock, waits for sockets would jump to the attempt timeout (see
    // `faults::paused_client_for`); this test is about retrying, so it runs without timeouts.
    let client = GraphClient::builder()
        .base_url(server.url())
        .bearer_token(TOKEN)
        .no_connect_timeout()
        .no_attempt_timeout()
        .no_timeout()
        .build()
        .expect("valid config");
    let apps = client
        .app_catalogs()
        .teams_apps()
        .list()
        .all()
        .await
        .expect("the 429 is retried");
    let ids: Vec<_> = apps.iter().filter_map(|a| a.id.as_deref()).collect();
    assert_eq!(ids, ["one", "two"]);
    let reqs = server.requests();
    let targets: Vec<_> = reqs.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "/v1.0/appCatalogs/teamsApps",
            "/v1.0/appCatalogs/teamsApps?$skiptoken=2",
            "/v1.0/appCatalogs/teamsApps?$skiptoken=2",
        ],
        "only the throttled page is sent again"
    );
    assert_eq!(reqs[2].header("retry-attempt"), Some("1"));
}

/// A first page whose next link is `link(stand-in url)`.
async fn linking_to(link: impl Fn(&str) -> String + Send + Sync + 'static) -> StandIn {
    let url: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let own = Arc::clone(&url);
    let server = StandIn::start(move |_: &Recorded| {
        let base = own.get().cloned().unwrap_or_default();
        let body =
            serde_json::json!({ "value": [{ "id": "one" }], "@odata.nextLink": link(&base) });
        Reply::body(200, "application/json", body.to_string())
    })
    .await
    .expect("listener");
    let _ = url.set(server.url().to_owned());
    server
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused_and_gets_no_token() {
    let elsewhere =
        StandIn::start(|_: &Recorded| Reply::body(200, "application/json", r#"{"value":[]}"#))
            .await
            .expect("listener");
    // Same address, another port: another origin, so another server.
    let foreign = format!(
        "{}/v1.0/chats/c/installedApps?$skiptoken=2",
        elsewhere.url()
    );
    let link = foreign.clone();
    let server = linking_to(move |_| link.clone()).await;
    let client = client(server.url());
    let mut stream = client.chat("c").installed_apps().list().stream();
    let first = stream
        .next()
        .await
        .expect("an item")
        .expect("page one is fine");
    assert_eq!(first.id.as_deref(), Some("one"));
    match stream.next().await {
        Some(Err(Error::NextLink { link, reason })) => {
            assert_eq!(link, foreign);
            assert!(reason.contains(elsewhere.url()), "{reason}");
        }
        other => panic!("expected a refused next link, got {other:?}"),
    }
    assert!(
        stream.next().await.is_none(),
        "the stream ends after the error"
    );
    let err = client
        .chat("c")
        .installed_apps()
        .list()
        .all()
        .await
        .expect_err("refused");
    assert!(
        err.to_string().contains("will not follow @odata.nextLink"),
        "{err}"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "nothing, token included, went elsewhere"
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_next_link_that_changes_scheme_or_loops_is_refused() {
    let server = linking_to(|base| {
        base.replacen("http://", "https://", 1) + "/v1.0/chats/c/installedApps?$skiptoken=2"
    })
    .await;
    let err = client(server.url())
        .chat("c")
        .installed_apps()
        .list()
        .all()
        .await
        .expect_err("another scheme is another origin");
    assert!(matches!(err, Error::NextLink { .. }), "{err:?}");

    let server = linking_to(|base| format!("{base}/v1.0/chats/c/installedApps")).await;
    let err = client(server.url())
        .chat("c")
        .installed_apps()
        .list()
        .all()
        .await
        .expect_err("a page linking to itself would never end");
    assert!(
        err.to_string()
            .contains("names a page this collection already gave"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_query_option_sends_the_header_the_spec_requires_with_it() {
    let server = StandIn::start(|_: &Recorded| {
        Reply::body(
            200,
            "application/json",
            r#"{"@odata.count":7,"value":[{"id":"m1","body":"hi","reactions":[]}]}"#,
        )
    })
    .await
    .expect("listener");
    let client = client(server.url());
    // A downstream crate's action under graph-api's own `client.chat(id)`.
    let page = client
        .chat("c")
        .messages()
        .list()
        .top(5)
        .count(true)
        .send()
        .await
        .expect("200");
    assert_eq!(page.count, Some(7));
    assert_eq!(page.items[0].body.as_deref(), Some("hi"));
    assert!(page.items[0].additional.contains_key("reactions"));
    client
        .chat("c")
        .messages()
        .list()
        .top(5)
        .send()
        .await
        .expect("200");
    client
        .chat("c")
        .messages()
        .list()
        .count(true)
        .count(false)
        .send()
        .await
        .expect("200");
    let reqs = server.requests();
    assert_eq!(reqs[0].target, "/v1.0/chats/c/messages?$top=5&$count=true");
    assert_eq!(reqs[0].header("consistencylevel"), Some("eventual"));
    assert_eq!(reqs[1].target, "/v1.0/chats/c/messages?$top=5");
    assert_eq!(reqs[1].header("consistencylevel"), None);
    assert_eq!(reqs[2].target, "/v1.0/chats/c/messages?$count=false");
    assert_eq!(
        reqs[2].header("consistencylevel"),
        None,
        "only a count asked for needs it"
    );
}

#[tokio::test]
async fn every_list_action_reads_all_three_pages() {
    let server = paged(THREE_PAGES).await;
    let client = client(server.url());
    let ids = |v: Vec<Option<String>>| v.into_iter().flatten().collect::<Vec<_>>();
    let chat = client.chat("c").installed_apps().list().all().await;
    let team = client.team("t").installed_apps().list().all().await;
    let user = client
        .user("u")
        .teamwork()
        .installed_apps()
        .list()
        .all()
        .await;
    let catalog = client.app_catalogs().teams_apps().list().all().await;
    let want = ["a", "b", "c", "d", "e"];
    assert_eq!(
        ids(chat.expect("chat").into_iter().map(|a| a.id).collect()),
        want
    );
    assert_eq!(
        ids(team.expect("team").into_iter().map(|a| a.id).collect()),
        want
    );
    assert_eq!(
        ids(user.expect("user").into_iter().map(|a| a.id).collect()),
        want
    );
    assert_eq!(
        ids(catalog
            .expect("catalog")
            .into_iter()
            .map(|a| a.id)
            .collect()),
        want
    );
    let firsts: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| !r.target.contains("skiptoken"))
        .map(|r| r.target.clone())
        .collect();
    assert_eq!(
        firsts,
        [
            "/v1.0/chats/c/installedApps",
            "/v1.0/teams/t/installedApps",
            "/v1.0/users/u/teamwork/installedApps",
            "/v1.0/appCatalogs/teamsApps",
        ]
    );
    assert_eq!(server.requests().len(), 12, "three pages each");
}

#[tokio::test]
async fn a_collection_that_links_back_to_an_earlier_page_ends_with_an_error() {
    // Page one links to page two, which links back to page one.
    let url: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let own = Arc::clone(&url);
    let server = StandIn::start(move |req: &Recorded| {
        let base = own.get().cloned().unwrap_or_default();
        let next = if req.target.contains("skiptoken") {
            format!("{base}/v1.0/teams/t/installedApps")
        } else {
            format!("{base}/v1.0/teams/t/installedApps?$skiptoken=2")
        };
        let body = serde_json::json!({ "value": [{ "id": "x" }], "@odata.nextLink": next });
        Reply::body(200, "application/json", body.to_string())
    })
    .await
    .expect("listener");
    let _ = url.set(server.url().to_owned());
    let err = client(server.url())
        .team("t")
        .installed_apps()
        .list()
        .all()
        .await
        .expect_err("a cycle never ends");
    assert!(err.to_string().contains("already gave"), "{err}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_next_link_outside_the_service_roots_path_is_refused() {
    // The client's root is `<stand-in>/graph/v1.0`; the link stays on the host but leaves it.
    let server = linking_to(|base| format!("{base}/other-service/v1.0/x?$skiptoken=2")).await;
    let c = GraphClient::builder()
        .base_url(format!("{}/graph", server.url()))
        .bearer_token(TOKEN)
        .build()
        .expect("config");
    let err = c
        .team("t")
        .installed_apps()
        .list()
        .all()
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::NextLink { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1);
    assert_eq!(
        server.requests()[0].target,
        "/graph/v1.0/teams/t/installedApps"
    );
}

/// A collection without end: every page has `per_page` items and links to a page never seen
/// before, as a misbehaving server might.
async fn endless_pages(per_page: usize) -> StandIn {
    let url: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let own = Arc::clone(&url);
    let server = StandIn::start(move |req: &Recorded| {
        let n: usize = req
            .target
            .split("$skiptoken=")
            .nth(1)
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        // Written out by hand: building a thousand `json!` values per page is slow in debug.
        let items: Vec<_> = (0..per_page)
            .map(|i| format!(r#"{{"id":"{n}-{i}"}}"#))
            .collect();
        let base = own.get().map(String::as_str).unwrap_or("");
        let page = format!(
            r#"{{"value":[{}],"@odata.nextLink":"{base}/v1.0/appCatalogs/teamsApps?$skiptoken={}"}}"#,
            items.join(","),
            n + 1
        );
        Reply::body(200, "application/json", page)
    })
    .await
    .expect("listener");
    let _ = url.set(server.url().to_owned());
    server
}

#[tokio::test]
async fn all_stops_at_the_item_limit_on_a_collection_without_end() {
    let server = endless_pages(3).await;
    let small = GraphClient::builder()
        .base_url(server.url())
        .bearer_token(TOKEN)
        .max_collected_items(10)
        .build()
        .expect("valid config");
    let err = small
        .app_catalogs()
        .teams_apps()
        .list()
        .all()
        .await
        .expect_err("no end");
    assert!(matches!(err, Error::TooManyItems { limit: 10 }), "{err:?}");
    // The eleventh item is on the fourth page; nothing after it was fetched.
    assert_eq!(server.requests().len(), 4);
    // A stream has no such limit: it holds one page at a time.
    let mut stream = small.app_catalogs().teams_apps().list().stream();
    for _ in 0..30 {
        stream.next().await.expect("an item").expect("ok");
    }

    // One call may set its own limit; a collection within it is read whole.
    let err = client(server.url())
        .app_catalogs()
        .teams_apps()
        .list()
        .call_options(CallOptions::default().max_collected_items(5))
        .all()
        .await
        .expect_err("no end");
    assert!(matches!(err, Error::TooManyItems { limit: 5 }), "{err:?}");
    let three = paged(THREE_PAGES).await;
    let all = GraphClient::builder()
        .base_url(three.url())
        .bearer_token(TOKEN)
        .max_collected_items(5)
        .build()
        .expect("valid config")
        .chat("c")
        .installed_apps()
        .list()
        .all()
        .await
        .expect("five items are within a limit of five");
    assert_eq!(all.len(), 5);
}

#[tokio::test]
async fn empty_pages_without_end_stop_the_stream_and_all() {
    let server = endless_pages(0).await;
    let c = client(server.url());
    let err = c
        .app_catalogs()
        .teams_apps()
        .list()
        .all()
        .await
        .expect_err("no end, and no item");
    assert!(
        matches!(&err, Error::NextLink { reason, .. } if reason.contains("held no item")),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), graph_api::MAX_EMPTY_PAGES_IN_A_ROW);
    let mut stream = c.app_catalogs().teams_apps().list().stream();
    let err = stream.next().await.expect("an end").expect_err("no item");
    assert!(matches!(err, Error::NextLink { .. }), "{err:?}");
    assert!(
        stream.next().await.is_none(),
        "the stream ends after its error"
    );
}

#[tokio::test]
async fn all_stops_at_the_default_item_limit() {
    let server = endless_pages(999).await;
    let err = client(server.url())
        .app_catalogs()
        .teams_apps()
        .list()
        .all()
        .await
        .expect_err("no end");
    assert!(
        matches!(err, Error::TooManyItems { limit } if limit == graph_api::DEFAULT_MAX_COLLECTED_ITEMS),
        "{err:?}"
    );
    assert_eq!(
        server.requests().len(),
        graph_api::DEFAULT_MAX_COLLECTED_ITEMS / 999 + 1
    );
}
