//! Bounded time and memory with the default client: servers that never answer, trickle their
//! body, stream endless bodies or cannot be reached. Raw sockets on loopback; waits on a paused
//! clock.

use graph_api::{CallOptions, Error, GraphClient, RetryPolicy, TimeoutLimit};
use graph_api_tests::contoso::prelude::*;
use graph_api_tests::standin::{Fault, Reply, StandIn};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

const TOKEN: &str = "token-for-limit-tests";

/// A server writing this much has been read whole: far past every limit under test plus what
/// loopback socket buffers can hold (`tcp_rmem`/`tcp_wmem` maxima are a few MiB to 32 MiB).
const GIVE_UP: usize = 256 << 20;

/// What the server may write beyond the bytes the client read before hanging up: its own send
/// buffer (fixed at 64 KiB, which Linux doubles) and what the client's receive buffer took in.
/// Measured at about 300 KiB on loopback; a client that read the whole body makes it write
/// [`GIVE_UP`].
const SOCKET_SLACK: usize = 4 << 20;

fn default_client(url: &str) -> GraphClient {
    GraphClient::builder()
        .base_url(url)
        .bearer_token(TOKEN)
        .build()
        .expect("valid config")
}

use super::faults::{get, upgrade};

/// Reads one request's head (up to the blank line) and whatever body bytes came with it.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        seen.extend_from_slice(&buf[..n]);
    }
    Ok(())
}

/// A server for one connection: it reads the request, sends `head`, then `start` and `filler`
/// over and over as a chunked body, until the client hangs up or [`GIVE_UP`] bytes are out. The
/// task's result is how many body bytes the client let it write.
async fn endless(
    status: u16,
    start: &'static [u8],
    filler: u8,
) -> (String, tokio::task::JoinHandle<usize>) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    // A fixed, small send buffer (the accepted connection inherits it) keeps the kernel from
    // taking megabytes off the server's hands that the client never reads.
    socket.set_send_buffer_size(64 * 1024).expect("SO_SNDBUF");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let listener = socket.listen(8).expect("listen");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let Ok((mut stream, _)) = listener.accept().await else {
            return 0;
        };
        if read_head(&mut stream).await.is_err() {
            return 0;
        }
        let head = format!(
            "HTTP/1.1 {status} Whatever\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        if stream.write_all(head.as_bytes()).await.is_err() {
            return 0;
        }
        let mut written = 0;
        let chunk = |body: &[u8]| {
            let mut c = format!("{:x}\r\n", body.len()).into_bytes();
            c.extend_from_slice(body);
            c.extend_from_slice(b"\r\n");
            c
        };
        let first = chunk(start);
        let more = chunk(&vec![filler; 64 * 1024]);
        let mut next = first.as_slice();
        while written < GIVE_UP {
            if stream.write_all(next).await.is_err() {
                break;
            }
            written += next.len();
            next = &more;
        }
        written
    });
    (url, task)
}

/// How many bytes the server wrote before the client hung up (the client must have).
async fn written_before_hang_up(task: tokio::task::JoinHandle<usize>) -> usize {
    let written = task.await.expect("server task");
    assert!(
        written < GIVE_UP,
        "the client read {written} bytes without hanging up"
    );
    written
}

// ---- time -------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_server_that_accepts_and_never_answers_ends_at_the_default_attempt_timeout() {
    let server = StandIn::start(|_| Reply::fault(Fault::Stall))
        .await
        .expect("listener");
    let start = Instant::now();
    let err = upgrade(&default_client(server.url()))
        .await
        .expect_err("stalled");
    assert_eq!(graph_api::DEFAULT_ATTEMPT_TIMEOUT, Duration::from_secs(100));
    assert!(
        matches!(&err, Error::Timeout { limit: TimeoutLimit::Attempt, after } if *after == graph_api::DEFAULT_ATTEMPT_TIMEOUT),
        "{err:?}"
    );
    assert_eq!(start.elapsed(), graph_api::DEFAULT_ATTEMPT_TIMEOUT);
    assert_eq!(
        err.to_string(),
        "the attempt timeout of 100s passed (the request may have been sent)"
    );
}

#[tokio::test(start_paused = true)]
async fn a_retried_call_that_never_gets_an_answer_ends_at_the_retry_budget() {
    let server = StandIn::start(|_| Reply::fault(Fault::Stall))
        .await
        .expect("listener");
    let start = Instant::now();
    // A GET may be repeated, so each attempt that times out is retried until the budget ends.
    let err = get(&default_client(server.url()))
        .await
        .expect_err("stalled");
    let budget = RetryPolicy::default().time_budget();
    assert_eq!(budget, Duration::from_secs(300));
    assert!(
        matches!(&err, Error::Timeout { limit: TimeoutLimit::Call, after } if *after == budget),
        "{err:?}"
    );
    assert_eq!(start.elapsed(), budget);

    // The call's limit follows the retry policy it runs with.
    let short = GraphClient::builder()
        .base_url(server.url())
        .bearer_token(TOKEN)
        .retry_policy(RetryPolicy::default().max_elapsed(Duration::from_secs(60)))
        .build()
        .expect("config");
    let start = Instant::now();
    let err = get(&short).await.expect_err("stalled");
    assert!(
        matches!(&err, Error::Timeout { limit: TimeoutLimit::Call, after } if *after == Duration::from_secs(60)),
        "{err:?}"
    );
    assert_eq!(start.elapsed(), Duration::from_secs(60));
}

#[tokio::test(start_paused = true)]
async fn timeouts_are_set_per_client_and_per_call() {
    let server = StandIn::start(|_| Reply::fault(Fault::Stall))
        .await
        .expect("listener");
    let client = GraphClient::builder()
        .base_url(server.url())
        .bearer_token(TOKEN)
        .attempt_timeout(Duration::from_secs(20))
        .build()
        .expect("config");
    let start = Instant::now();
    let err = upgrade(&client).await.expect_err("stalled");
    assert!(
        matches!(&err, Error::Timeout { limit: TimeoutLimit::Attempt, after } if *after == Duration::from_secs(20)),
        "{err:?}"
    );
    assert_eq!(start.elapsed(), Duration::from_secs(20));

    let start = Instant::now();
    let err = client
        .chat("c")
        .installed_app("i")
        .upgrade()
        .call_options(CallOptions::default().attempt_timeout(Duration::from_secs(5)))
        .send()
        .await
        .expect_err("stalled");
    assert!(
        matches!(&err, Error::Timeout { limit: TimeoutLimit::Attempt, after } if *after == Duration::from_secs(5)),
        "{err:?}"
    );
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn waiting_forever_happens_only_when_asked_for() {
    let server = StandIn::start(|_| Reply::fault(Fault::Stall))
        .await
        .expect("listener");
    let forever = GraphClient::builder()
        .base_url(server.url())
        .bearer_token(TOKEN)
        .no_attempt_timeout()
        .no_timeout()
        .build()
        .expect("config");
    let week = Duration::from_secs(7 * 24 * 3600);
    assert!(
        tokio::time::timeout(week, upgrade(&forever)).await.is_err(),
        "the call ended although no limit was set"
    );

    // The same, for one call of a client with the defaults.
    let client = default_client(server.url());
    let call = client
        .chat("c")
        .installed_app("i")
        .upgrade()
        .call_options(CallOptions::default().no_attempt_timeout().no_timeout())
        .send();
    assert!(tokio::time::timeout(week, call).await.is_err());
    // And lifting only the attempt timeout leaves the call's.
    let start = Instant::now();
    let err = client
        .chat("c")
        .installed_app("i")
        .upgrade()
        .call_options(CallOptions::default().no_attempt_timeout())
        .send()
        .await
        .expect_err("the call timeout still applies");
    assert!(
        matches!(
            &err,
            Error::Timeout {
                limit: TimeoutLimit::Call,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(start.elapsed(), Duration::from_secs(300));
}

#[tokio::test(start_paused = true)]
async fn a_body_trickled_a_byte_a_second_is_cut_by_the_attempt_timeout() {
    const LENGTH: usize = 10_000;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&sent);
    // The server runs on the same paused runtime: its one-second sleeps move the same clock.
    tokio::spawn(async move {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        if read_head(&mut stream).await.is_err() {
            return;
        }
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {LENGTH}\r\n\r\n");
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for _ in 0..LENGTH {
            if stream.write_all(b" ").await.is_err() {
                return;
            }
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let start = Instant::now();
    let err = upgrade(&default_client(&url)).await.expect_err("trickled");
    assert!(
        matches!(&err, Error::Timeout { limit: TimeoutLimit::Attempt, after } if *after == graph_api::DEFAULT_ATTEMPT_TIMEOUT),
        "{err:?}"
    );
    assert_eq!(start.elapsed(), graph_api::DEFAULT_ATTEMPT_TIMEOUT);
    let sent = sent.load(Ordering::SeqCst);
    assert!(
        (1..=100).contains(&sent),
        "{sent} of {LENGTH} bytes were sent"
    );
}

/// A listener whose accept queue is full: the kernel drops further SYNs, so a new connection
/// neither succeeds nor fails until the client gives up.
async fn unreachable() -> (String, Vec<TcpStream>, tokio::net::TcpListener) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let addr = socket.local_addr().expect("addr");
    let listener = socket.listen(0).expect("listen");
    // A backlog of 0 holds one connection; connect until one does not complete at once.
    let mut held = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(Duration::from_millis(1), TcpStream::connect(addr)).await {
            Ok(Ok(s)) => held.push(s),
            _ => break,
        }
    }
    (format!("http://{addr}"), held, listener)
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_never_completes_ends_at_the_default_connect_timeout() {
    let (url, _held, _listener) = unreachable().await;
    let client = GraphClient::builder()
        .base_url(&url)
        .bearer_token(TOKEN)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("config");
    let start = Instant::now();
    let err = upgrade(&client).await.expect_err("no connection");
    assert_eq!(graph_api::DEFAULT_CONNECT_TIMEOUT, Duration::from_secs(10));
    assert!(
        matches!(&err, Error::Timeout { limit: TimeoutLimit::Connect, after } if *after == graph_api::DEFAULT_CONNECT_TIMEOUT),
        "{err:?}"
    );
    assert_eq!(start.elapsed(), graph_api::DEFAULT_CONNECT_TIMEOUT);
    assert!(err.to_string().contains("nothing was sent"), "{err}");

    // Nothing was sent, so even a POST is tried again, up to the policy's attempts.
    let err = upgrade(&default_client(&url))
        .await
        .expect_err("no connection");
    assert!(
        matches!(&err, Error::RetriesExhausted { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(
        matches!(
            err.last_attempt(),
            Error::Timeout {
                limit: TimeoutLimit::Connect,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_connect_timeout_cannot_be_set_on_a_client_graph_api_did_not_build() {
    let err = GraphClient::builder()
        .base_url("https://graph.example")
        .bearer_token(TOKEN)
        .http_client(reqwest::Client::new())
        .connect_timeout(Duration::from_secs(3))
        .build()
        .expect_err("refused");
    assert!(
        matches!(&err, Error::Config(m) if m.contains("reqwest::ClientBuilder")),
        "{err:?}"
    );
}

/// Set in the child process of the test below.
const NO_CA_CHILD: &str = "GRAPH_API_TESTS_NO_CA_CHILD";

/// reqwest 0.13 checks servers against the system's CA certificates. Where there are none, the
/// client graph-api builds fails at `build()`, with a configuration error that says why, rather
/// than at every call. The build runs in a child process of this test binary whose certificate
/// lookup (`SSL_CERT_FILE`, `SSL_CERT_DIR`) points at nothing, so no other test is affected.
#[test]
fn without_system_ca_certificates_build_fails_and_says_why() {
    if std::env::var_os(NO_CA_CHILD).is_some() {
        let err = GraphClient::builder()
            .base_url("https://graph.example")
            .bearer_token(TOKEN)
            .build()
            .expect_err("no CA certificates to check servers with");
        assert!(
            matches!(&err, Error::Config(m) if m.contains("CA certificates")),
            "{err:?}"
        );
        return;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "limits::without_system_ca_certificates_build_fails_and_says_why",
            "--test-threads=1",
        ])
        .env(NO_CA_CHILD, "1")
        .env("SSL_CERT_FILE", "/nonexistent/graph-api-tests/ca.pem")
        .env("SSL_CERT_DIR", "/nonexistent/graph-api-tests")
        .output()
        .expect("the child runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---- memory -----------------------------------------------------------------------------------

#[tokio::test]
async fn an_endless_error_body_is_read_only_as_far_as_the_error_keeps() {
    let (url, server) = endless(400, br#"{"error":{"code":"Endless","message":""#, b'a').await;
    let err = upgrade(&default_client(&url)).await.expect_err("400");
    let api = err.api().expect("an API error");
    assert_eq!(api.status, 400);
    assert_eq!(
        api.code.as_deref(),
        Some("Endless"),
        "the code came before the cut"
    );
    assert_eq!(api.message, None, "the message was cut");
    assert_eq!(api.body_snippet.len(), graph_api::SNIPPET_LIMIT);
    let written = written_before_hang_up(server).await;
    assert!(
        written <= graph_api::ERROR_BODY_LIMIT + SOCKET_SLACK,
        "the server wrote {written} bytes"
    );
}

#[tokio::test]
async fn an_endless_success_body_fails_at_the_size_limit() {
    let (url, server) = endless(200, br#"{"id":"i","pad":""#, b'p').await;
    let client = GraphClient::builder()
        .base_url(&url)
        .bearer_token(TOKEN)
        .max_body_size(1 << 20)
        .build()
        .expect("config");
    let err = get(&client).await.expect_err("too large");
    assert!(
        matches!(
            err,
            Error::BodyTooLarge {
                status: 200,
                limit: 1_048_576
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the 200 response body is longer than the limit of 1048576 bytes; it was not read further"
    );
    let written = written_before_hang_up(server).await;
    assert!(
        written <= (1 << 20) + SOCKET_SLACK,
        "the server wrote {written} bytes"
    );
}

#[tokio::test]
async fn the_default_size_limit_holds_for_an_endless_success_body() {
    let (url, server) = endless(200, br#"{"id":"i","pad":""#, b'p').await;
    let err = get(&default_client(&url)).await.expect_err("too large");
    assert!(
        matches!(err, Error::BodyTooLarge { status: 200, limit } if limit == graph_api::DEFAULT_MAX_BODY_SIZE),
        "{err:?}"
    );
    let written = written_before_hang_up(server).await;
    assert!(
        written <= graph_api::DEFAULT_MAX_BODY_SIZE + SOCKET_SLACK,
        "the server wrote {written} bytes"
    );
}

#[tokio::test]
async fn the_size_limit_is_set_per_call_and_a_declared_length_past_it_is_not_read() {
    let body = format!(r#"{{"id":"i","pad":"{}"}}"#, "p".repeat(10_000));
    let server = StandIn::start(move |_| Reply::body(200, "application/json", body.clone()))
        .await
        .expect("listener");
    let client = default_client(server.url());
    assert_eq!(get(&client).await.expect("under the default").id, "i");
    let err = client
        .team("t")
        .contoso_app("i")
        .get()
        .call_options(CallOptions::default().max_body_size(4096))
        .send()
        .await
        .expect_err("over this call's limit");
    assert!(
        matches!(
            err,
            Error::BodyTooLarge {
                status: 200,
                limit: 4096
            }
        ),
        "{err:?}"
    );
    // The same body is fine again for the next call, on a fresh connection.
    assert_eq!(get(&client).await.expect("under the default").id, "i");
}
