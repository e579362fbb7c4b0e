//! The client on bad days: throttling, 5xx, dropped connections, stalls, odd bodies, failing
//! token providers, hostile ids, redirects. Real HTTP on loopback; waits run on a paused clock.

use graph_api::{
    AccessToken, AuthError, BoxFuture, CallOptions, Error, GraphClient, RetryPolicy, Secret,
    TimeoutLimit, TokenProvider,
};
use graph_api_tests::contoso::prelude::*;
use graph_api_tests::standin::{Fault, Recorded, Reply, StandIn};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

const TOKEN: &str = "token-for-fault-tests.secret-part";

/// A stand-in that gives the replies in order, then repeats the last one.
async fn sequence(replies: Vec<Reply>) -> StandIn {
    let next = AtomicUsize::new(0);
    StandIn::start(move |_: &Recorded| {
        let i = next.fetch_add(1, Ordering::SeqCst).min(replies.len() - 1);
        replies[i].clone()
    })
    .await
    .expect("loopback listener")
}

fn client_for(server: &StandIn) -> GraphClient {
    GraphClient::builder()
        .base_url(server.url())
        .bearer_token(TOKEN)
        .build()
        .expect("valid config")
}

/// A client without connect, attempt and call timeouts, for tests on tokio's paused clock that
/// wait for answers. While the runtime waits for a socket, the paused clock jumps to the next
/// timer (tokio counts such a wait as idle), which would be one of those timeouts; the tests of
/// the timeouts themselves use [`client_for`].
fn paused_client_for(server: &StandIn) -> GraphClient {
    GraphClient::builder()
        .base_url(server.url())
        .bearer_token(TOKEN)
        .no_connect_timeout()
        .no_attempt_timeout()
        .no_timeout()
        .build()
        .expect("valid config")
}

fn throttled(retry_after: &str) -> Reply {
    Reply::graph_error(429, "TooManyRequests", "Please retry later.")
        .with_header("Retry-After", retry_after)
}

/// The non-idempotent seed action.
pub(crate) async fn upgrade(client: &GraphClient) -> Result<(), Error> {
    client.chat("c").installed_app("i").upgrade().send().await
}

/// An idempotent fixture action (GET).
pub(crate) async fn get(
    client: &GraphClient,
) -> Result<graph_api_tests::contoso::models::Installation, Error> {
    client.team("t").contoso_app("i").get().send().await
}

fn ok_json() -> Reply {
    Reply::body(200, "application/json", r#"{"id":"i"}"#)
}

// ---- throttling -------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn throttled_with_seconds_is_retried_with_the_same_ids_and_body() {
    let server = sequence(vec![throttled("2"), Reply::status(204)]).await;
    let client = paused_client_for(&server);
    let start = tokio::time::Instant::now();
    client
        .chat("c")
        .installed_app("i")
        .upgrade()
        .consented_permission_set(graph_api::models::TeamsAppPermissionSet::new())
        .send()
        .await
        .expect("second attempt succeeds");
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "Retry-After was not honoured"
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let id = reqs[0]
        .header("client-request-id")
        .expect("client-request-id sent");
    assert_eq!(reqs[1].header("client-request-id"), Some(id));
    assert_eq!(reqs[0].header("retry-attempt"), None);
    assert_eq!(reqs[1].header("retry-attempt"), Some("1"));
    assert_eq!(reqs[0].body, reqs[1].body);
    assert_eq!(reqs[0].body, br#"{"consentedPermissionSet":{}}"#);
}

#[tokio::test(start_paused = true)]
async fn each_call_gets_its_own_client_request_id() {
    let server = sequence(vec![Reply::status(204)]).await;
    let client = paused_client_for(&server);
    upgrade(&client).await.expect("204");
    upgrade(&client).await.expect("204");
    let reqs = server.requests();
    assert_ne!(
        reqs[0].header("client-request-id"),
        reqs[1].header("client-request-id")
    );
}

#[tokio::test(start_paused = true)]
async fn throttled_with_an_http_date_is_retried() {
    let soon = SystemTime::now() + Duration::from_secs(3);
    let server = sequence(vec![throttled(&http_date(soon)), Reply::status(204)]).await;
    upgrade(&paused_client_for(&server))
        .await
        .expect("retried after the date");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn throttled_with_decimal_seconds_waits_exactly_that_long() {
    // Graph sends `Retry-After: 0.249` for some throttled requests (microsoft-graph-docs #3877).
    let server = sequence(vec![throttled("0.249"), Reply::status(204)]).await;
    let start = tokio::time::Instant::now();
    upgrade(&paused_client_for(&server))
        .await
        .expect("retried after a quarter second");
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(249) && waited < Duration::from_millis(260),
        "{waited:?}"
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn throttled_with_a_garbage_retry_after_backs_off_instead() {
    let server = sequence(vec![
        throttled("soon-ish"),
        throttled("-1"),
        Reply::status(204),
    ])
    .await;
    upgrade(&paused_client_for(&server))
        .await
        .expect("retried with backoff");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn endless_throttling_stops_after_the_allowed_attempts_and_keeps_the_last_error() {
    let server = sequence(vec![throttled("1")]).await;
    let err = upgrade(&paused_client_for(&server))
        .await
        .expect_err("never succeeds");
    assert!(
        matches!(&err, Error::RetriesExhausted { attempts: 4, .. }),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.code(), Some("TooManyRequests"));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert!(
        err.to_string()
            .starts_with("gave up after 4 attempts: 429 Too Many Requests"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn an_answer_that_rules_out_retrying_is_returned_as_it_is() {
    let server = sequence(vec![
        throttled("1"),
        Reply::graph_error(400, "BadRequest", "No."),
    ])
    .await;
    let err = upgrade(&paused_client_for(&server)).await.expect_err("400");
    assert!(matches!(&err, Error::Api(e) if e.status == 400), "{err:?}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_past_the_time_budget_is_not_waited_for() {
    let server = sequence(vec![throttled("3600")]).await;
    let start = tokio::time::Instant::now();
    let err = upgrade(&paused_client_for(&server))
        .await
        .expect_err("would wait an hour");
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(matches!(&err, Error::Api(e) if e.status == 429), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn service_unavailable_is_retried_with_and_without_retry_after() {
    let busy = Reply::graph_error(503, "ServiceUnavailable", "Busy.");
    let server = sequence(vec![
        busy.clone().with_header("Retry-After", "5"),
        busy,
        Reply::status(204),
    ])
    .await;
    upgrade(&paused_client_for(&server))
        .await
        .expect("third attempt succeeds");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn no_retry_policy_and_per_call_override() {
    let server = sequence(vec![throttled("1"), Reply::status(204)]).await;
    let client = GraphClient::builder()
        .base_url(server.url())
        .bearer_token(TOKEN)
        .no_attempt_timeout()
        .no_timeout()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("valid config");
    let err = upgrade(&client).await.expect_err("no retries");
    assert!(matches!(&err, Error::Api(e) if e.status == 429), "{err:?}");
    client
        .chat("c")
        .installed_app("i")
        .upgrade()
        .call_options(CallOptions::default().retry_policy(RetryPolicy::default()))
        .send()
        .await
        .expect("this call may retry");
    assert_eq!(server.requests().len(), 2);
}

// ---- 5xx and idempotency ----------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn server_errors_are_not_retried_for_an_action_that_may_not_be_repeated() {
    for status in [500, 502, 504] {
        let server = sequence(vec![
            Reply::graph_error(status, "generalException", "Boom."),
            Reply::status(204),
        ])
        .await;
        let err = upgrade(&paused_client_for(&server))
            .await
            .expect_err("not retried");
        assert_eq!(err.status(), Some(status));
        assert!(matches!(err, Error::Api(_)), "{err:?}");
        assert_eq!(server.requests().len(), 1, "status {status}");
    }
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_for_idempotent_actions() {
    for status in [500, 502, 504] {
        let server = sequence(vec![
            Reply::graph_error(status, "generalException", "Boom."),
            ok_json(),
        ])
        .await;
        let got = get(&paused_client_for(&server)).await.expect("retried");
        assert_eq!(got.id, "i");
        assert_eq!(server.requests().len(), 2, "status {status}");
    }
}

// ---- transport faults -------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn connection_refused_was_not_sent_so_it_is_retried_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let client = GraphClient::builder()
        .base_url(url)
        .bearer_token(TOKEN)
        .no_connect_timeout()
        .no_attempt_timeout()
        .no_timeout()
        .build()
        .expect("valid config");
    let err = upgrade(&client).await.expect_err("nobody listens");
    assert!(
        matches!(&err, Error::RetriesExhausted { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(
        matches!(
            err.last_attempt(),
            Error::Transport {
                maybe_sent: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("the request was not sent"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_reset_after_the_request_was_read_is_not_retried_for_a_post() {
    let server = sequence(vec![Reply::fault(Fault::Reset), Reply::status(204)]).await;
    let err = upgrade(&paused_client_for(&server))
        .await
        .expect_err("reset");
    assert!(
        matches!(
            err,
            Error::Transport {
                maybe_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_reset_is_retried_for_an_idempotent_get() {
    let server = sequence(vec![Reply::fault(Fault::Reset), ok_json()]).await;
    assert_eq!(
        get(&paused_client_for(&server)).await.expect("retried").id,
        "i"
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_hits_the_attempt_timeout() {
    let server = sequence(vec![Reply::fault(Fault::Stall)]).await;
    let client = GraphClient::builder()
        .base_url(server.url())
        .bearer_token(TOKEN)
        .attempt_timeout(Duration::from_secs(10))
        .build()
        .expect("valid config");
    let err = upgrade(&client).await.expect_err("stalled");
    assert!(
        matches!(&err, Error::Timeout { limit: TimeoutLimit::Attempt, after } if *after == Duration::from_secs(10)),
        "{err:?}"
    );
    assert_eq!(
        server.requests().len(),
        1,
        "a POST that may have been processed is not sent again"
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_hits_the_call_timeout() {
    let server = sequence(vec![Reply::fault(Fault::Stall)]).await;
    let err = client_for(&server)
        .team("t")
        .contoso_app("i")
        .get()
        .call_options(CallOptions::default().timeout(Duration::from_secs(30)))
        .send()
        .await
        .expect_err("stalled");
    assert!(
        matches!(err, Error::Timeout { limit: TimeoutLimit::Call, after } if after == Duration::from_secs(30)),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_truncated_body_is_a_transport_error_after_sending() {
    let server = sequence(vec![Reply::fault(Fault::Truncate)]).await;
    let client = GraphClient::builder()
        .base_url(server.url())
        .bearer_token(TOKEN)
        .no_attempt_timeout()
        .no_timeout()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("config");
    let err = get(&client).await.expect_err("truncated");
    assert!(
        matches!(
            err,
            Error::Transport {
                maybe_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn dropping_the_call_stops_the_retries() {
    let server = sequence(vec![throttled("60")]).await;
    let client = client_for(&server);
    let call = tokio::spawn(async move { upgrade(&client).await });
    tokio::time::sleep(Duration::from_secs(1)).await;
    call.abort();
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(server.requests().len(), 1);
}

// ---- error bodies -----------------------------------------------------------------------------

#[tokio::test]
async fn an_html_error_body_still_gives_a_useful_error() {
    let server = sequence(vec![Reply::body(
        502,
        "text/html",
        "<html><body>Bad gateway from a proxy</body></html>\n<p>more</p>",
    )])
    .await;
    let err = upgrade(&client_for(&server)).await.expect_err("502");
    assert_eq!(
        err.to_string(),
        "502 Bad Gateway: <html><body>Bad gateway from a proxy</body></html>"
    );
    assert_eq!(err.code(), None);
}

#[tokio::test]
async fn an_empty_error_body_still_gives_status_and_request_id() {
    let server = sequence(vec![
        Reply::status(404)
            .with_header("request-id", "rid-1")
            .with_header("client-request-id", "crid-1"),
    ])
    .await;
    let err = upgrade(&client_for(&server)).await.expect_err("404");
    assert_eq!(err.to_string(), "404 Not Found (request-id rid-1)");
    assert_eq!(
        err.api().and_then(|e| e.client_request_id.as_deref()),
        Some("crid-1")
    );
}

#[tokio::test]
async fn a_huge_error_body_is_kept_as_a_bounded_snippet() {
    let big = format!(
        "{{\"error\":{{\"code\":\"Big\",\"message\":\"{}\"}}}}",
        "x".repeat(1 << 20)
    );
    let server = sequence(vec![Reply::body(400, "application/json", big)]).await;
    let err = upgrade(&client_for(&server)).await.expect_err("400");
    let api = err.api().expect("api error");
    // Only `ERROR_BODY_LIMIT` bytes are read: the code before the cut is kept, the message
    // that runs past it is not.
    assert_eq!(api.code.as_deref(), Some("Big"));
    assert_eq!(api.message, None);
    assert_eq!(api.body_snippet.len(), graph_api::SNIPPET_LIMIT);
}

#[tokio::test]
async fn nested_inner_errors_keep_codes_ids_and_dates_in_either_casing() {
    let body = r#"{"error":{"code":"Forbidden","message":"No.","innerError":{"code":"AccessDenied","date":"2026-11-28T10:00:00","request-id":"inner-rid","client-request-id":"inner-crid","innererror":{"code":"MissingScope","Date":"ignored"}}}}"#;
    let server = sequence(vec![Reply::body(403, "application/json", body)]).await;
    let err = upgrade(&client_for(&server)).await.expect_err("403");
    let api = err.api().expect("api error");
    assert_eq!(api.inner_codes, ["AccessDenied", "MissingScope"]);
    assert_eq!(api.request_id.as_deref(), Some("inner-rid"));
    assert_eq!(api.client_request_id.as_deref(), Some("inner-crid"));
    assert_eq!(api.date.as_deref(), Some("2026-11-28T10:00:00"));
    let upper = r#"{"error":{"code":"X","innererror":{"Date":"2026-01-01T00:00:00"}}}"#;
    let server = sequence(vec![Reply::body(400, "application/json", upper)]).await;
    let err = upgrade(&client_for(&server)).await.expect_err("400");
    assert_eq!(
        err.api().and_then(|e| e.date.as_deref()),
        Some("2026-01-01T00:00:00")
    );
}

// ---- credentials ------------------------------------------------------------------------------

struct Counting {
    calls: Arc<AtomicUsize>,
    lifetime: Option<Duration>,
    fail: bool,
}

impl TokenProvider for Counting {
    fn fetch_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            if self.fail {
                return Err("the identity service said no".into());
            }
            Ok(AccessToken {
                token: Secret::new(format!("tok-{n}")),
                expires_at: self.lifetime.map(|l| SystemTime::now() + l),
            })
        })
    }
}

fn counting(
    server: &StandIn,
    lifetime: Option<Duration>,
    fail: bool,
) -> (GraphClient, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let client = GraphClient::builder()
        .base_url(server.url())
        .token_provider(Counting {
            calls: Arc::clone(&calls),
            lifetime,
            fail,
        })
        .build()
        .expect("valid config");
    (client, calls)
}

#[tokio::test]
async fn a_failing_token_provider_sends_nothing() {
    let server = sequence(vec![Reply::status(204)]).await;
    let (client, _) = counting(&server, None, true);
    let err = upgrade(&client).await.expect_err("no token");
    assert!(
        matches!(&err, Error::Auth(m) if m.contains("said no")),
        "{err:?}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_calls_share_one_token_fetch() {
    let server = sequence(vec![Reply::status(204)]).await;
    let (client, calls) = counting(&server, Some(Duration::from_secs(3600)), false);
    let calls_made: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { upgrade(&client).await })
        })
        .collect();
    for c in calls_made {
        c.await.expect("task").expect("204");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer tok-0"))
    );
}

#[tokio::test]
async fn a_token_close_to_expiry_is_refreshed_before_use() {
    let server = sequence(vec![Reply::status(204)]).await;
    // Tokens that live 2 s are past half their life only after a second; 1 ms tokens at once.
    let (client, calls) = counting(&server, Some(Duration::from_millis(1)), false);
    upgrade(&client).await.expect("204");
    std::thread::sleep(Duration::from_millis(2));
    upgrade(&client).await.expect("204");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let tokens: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        tokens,
        [
            Some("Bearer tok-0".to_owned()),
            Some("Bearer tok-1".to_owned())
        ]
    );
    let (client, calls) = counting(&server, Some(Duration::from_secs(3600)), false);
    upgrade(&client).await.expect("204");
    upgrade(&client).await.expect("204");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "a token good for an hour is reused"
    );
}

#[tokio::test]
async fn a_wait_past_the_call_timeout_returns_the_throttling_answer_at_once() {
    let server = sequence(vec![
        Reply::status(429).with_header("Retry-After", "120"),
        Reply::status(204),
    ])
    .await;
    let err = client_for(&server)
        .chat("c")
        .installed_app("i")
        .upgrade()
        .call_options(CallOptions::default().timeout(Duration::from_secs(30)))
        .send()
        .await
        .expect_err("the wait does not fit in the call");
    // The caller gets the 429 with its Retry-After, not a timeout 30 s later.
    assert!(
        matches!(&err, Error::RetriesExhausted { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_redirect_is_not_followed_so_nothing_reaches_another_host() {
    let other = sequence(vec![Reply::status(204)]).await;
    let target = format!(
        "{}/elsewhere",
        other.url().replace("127.0.0.1", "localhost")
    );
    let server = sequence(vec![Reply::status(307).with_header("Location", &target)]).await;
    let err = upgrade(&client_for(&server))
        .await
        .expect_err("a redirect is an answer, not a success");
    assert!(
        matches!(&err, Error::Api(api) if api.status == 307),
        "{err:?}"
    );
    assert!(
        other.requests().is_empty(),
        "the body, request ids and hook headers went to another host"
    );
    assert_eq!(server.requests().len(), 1);
}

// ---- hostile ids ------------------------------------------------------------------------------

/// Percent-decodes a request target segment, as a server does.
fn decode(segment: &str) -> Vec<u8> {
    let bytes = segment.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ascii");
            out.push(u8::from_str_radix(hex, 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

#[tokio::test]
async fn odd_but_valid_ids_arrive_exactly_as_passed() {
    let server = sequence(vec![Reply::status(204)]).await;
    let client = client_for(&server);
    let long = "l".repeat(4000);
    let ids = [
        "what?",
        "a#b",
        "100%",
        "two words",
        "ünïcødé-日本",
        "a+b=c&d",
        "%2e%2e",
        "...",
        long.as_str(),
    ];
    for id in ids {
        client
            .chat(id)
            .installed_app("i")
            .upgrade()
            .send()
            .await
            .expect(id);
    }
    let reqs = server.requests();
    for (id, req) in ids.iter().zip(&reqs) {
        let segment = req.target.split('/').nth(3).expect("chat segment");
        assert_eq!(decode(segment), id.as_bytes(), "{id} arrived as {segment}");
        assert!(!segment.contains(['?', '#', ' ', '/']), "{segment}");
    }
}

#[tokio::test]
async fn hostile_ids_are_refused_with_the_parameter_named() {
    let server = sequence(vec![Reply::status(204)]).await;
    let client = client_for(&server);
    for id in [
        "", ".", "..", "a/b", "/", "a\\b", "a\tb", "a\u{0}b", "\u{85}",
    ] {
        let err = client
            .chat("c")
            .installed_app(id)
            .upgrade()
            .send()
            .await
            .expect_err(id);
        assert!(
            matches!(
                &err,
                Error::InvalidArgument {
                    name: "app-installation-id",
                    ..
                }
            ),
            "{id:?}: {err:?}"
        );
        assert!(err.to_string().contains("nothing was sent"), "{err}");
    }
    assert!(server.requests().is_empty());
}

// ---- secrets ----------------------------------------------------------------------------------

/// A writer that keeps everything logged, for inspection.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Tracing caches per call site whether anyone listens, so a subscriber set for one test races
/// with the other tests' threads. The check therefore runs alone, in a child process of this
/// same test binary.
#[test]
fn the_token_appears_in_no_log_debug_display_or_error() {
    const CHILD: &str = "GRAPH_API_TRACE_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("runtime");
        return rt.block_on(token_stays_out_of_logs());
    }
    let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "faults::the_token_appears_in_no_log_debug_display_or_error",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .expect("child test runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1 passed"),
        "the child ran no test: {stdout}"
    );
}

async fn token_stays_out_of_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Log records of the HTTP stack (reqwest uses `log`) go to the same place.
    let _ = tracing_log::LogTracer::init();

    let server = sequence(vec![
        throttled("1"),
        Reply::graph_error(401, "InvalidAuthenticationToken", "Bad token."),
    ])
    .await;
    let client = paused_client_for(&server);
    let err = upgrade(&client).await.expect_err("401");
    let logs = String::from_utf8_lossy(&captured.0.lock().expect("log buffer")).into_owned();
    assert!(
        logs.contains("/chats/{chat-id}/installedApps/{app-installation-id}/upgrade"),
        "the span names the path template:\n{logs}"
    );
    assert!(logs.contains("retrying"), "{logs}");
    let everything = format!(
        "{logs}\n{err}\n{err:?}\n{client:?}\n{:?}",
        GraphClient::builder().bearer_token(TOKEN)
    );
    assert!(
        !everything.contains("secret-part"),
        "the token leaked:\n{everything}"
    );
}

fn http_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    let names = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    format!(
        "{weekday}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        names[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

// ---- load -------------------------------------------------------------------------------------

/// A smaller run of `cargo run --release -p graph-api-tests --example load -- 100000 64`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_calls_at_64_in_flight_all_succeed() {
    let server = sequence(vec![Reply::status(204)]).await;
    let report = graph_api_tests::load::run(client_for(&server), 5_000, 64).await;
    assert_eq!(
        (report.ok, report.errors, report.first_error),
        (5_000, 0, None)
    );
    assert_eq!(server.requests().len(), 5_000);
}
