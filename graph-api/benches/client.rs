//! Client overhead: the seed upgrade call through the generated client and through a hand-written
//! reqwest request (pre-built URL and body), against one loopback server answering 204, at 1 and
//! 64 calls in flight; and request building alone, without I/O. Wall time and process CPU time.
//!
//! With a 1,500-byte token, as Graph's are. As users run it (separate processes):
//! `scripts/client-cost.sh`.
//!
//! `cargo bench -p graph-api --bench client`

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use graph_api::GraphClient;
use graph_api::models::{
    TeamsAppPermissionSet, TeamsAppResourceSpecificPermission,
    TeamsAppResourceSpecificPermissionType,
};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const CHAT: &str = "19:ea28e88c00e94c7786b065394a61f296@thread.v2";
const INSTALLATION: &str = "NjRiOWM3NDYtYjE1NS00MDQyLThkNDctOTQxYmQzODE2ODFiIyMwZDgyMGVjZC1kZWYyLTQyOTctYWRhZC03ODA1NmNkZTdjNzg=";
const IN_FLIGHT: usize = 64;

/// A keep-alive HTTP/1.1 server that answers every request with 204, as cheaply as it can, so
/// the measurement is the client's.
async fn serve_204() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                loop {
                    let mut length = 0;
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).await.is_err()
                        || reader
                            .get_mut()
                            .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                            .await
                            .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// A JWT-shaped token of 1,500 bytes, the size of a real Graph access token (a short one hides
/// per-call work that grows with it).
fn token() -> &'static str {
    static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TOKEN.get_or_init(|| {
        let token = format!(
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{}.{}",
            "e".repeat(1120),
            "s".repeat(342)
        );
        assert_eq!(token.len(), 1500);
        token
    })
}

fn permission_set() -> TeamsAppPermissionSet {
    TeamsAppPermissionSet::new().with_resource_specific_permissions([
        TeamsAppResourceSpecificPermission::new()
            .with_permission_value("OnlineMeeting.ReadBasic.Chat")
            .with_permission_type(TeamsAppResourceSpecificPermissionType::Delegated),
        TeamsAppResourceSpecificPermission::new()
            .with_permission_value("ChatMember.Read.Chat")
            .with_permission_type(TeamsAppResourceSpecificPermissionType::Application),
    ])
}

struct Fixture {
    client: GraphClient,
    http: reqwest::Client,
    url: reqwest::Url,
    body: bytes::Bytes,
}

impl Fixture {
    async fn generated(&self) {
        let r = self
            .client
            .chat(CHAT)
            .installed_app(INSTALLATION)
            .upgrade()
            .consented_permission_set(permission_set())
            .send()
            .await;
        r.expect("204");
    }

    async fn hand_written(&self) {
        let resp = self
            .http
            .post(self.url.clone())
            .bearer_auth(token())
            .header("Content-Type", "application/json")
            .body(self.body.clone())
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status().as_u16(), 204);
        resp.bytes().await.expect("read");
    }
}

fn fixture(rt: &tokio::runtime::Runtime) -> &'static Fixture {
    let base = rt.block_on(serve_204());
    let http = reqwest::Client::new();
    let client = GraphClient::builder()
        .base_url(&base)
        .bearer_token(token())
        .http_client(http.clone())
        .build()
        .expect("client");
    let url = reqwest::Url::parse(&format!(
        "{base}/v1.0/chats/{CHAT}/installedApps/{INSTALLATION}/upgrade"
    ))
    .expect("url");
    let body = serde_json::to_vec(
        &graph_api::requests::UpgradeChatAppInstallationBody::new()
            .with_consented_permission_set(permission_set()),
    )
    .expect("json");
    Box::leak(Box::new(Fixture {
        client,
        http,
        url,
        body: body.into(),
    }))
}

/// `iters` calls with `IN_FLIGHT` running at once; the time of the whole batch.
fn concurrent<F, Fut>(rt: &tokio::runtime::Runtime, iters: u64, call: F) -> Duration
where
    F: Fn() -> Fut + Copy + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    rt.block_on(async move {
        let start = Instant::now();
        let workers: Vec<_> = (0..IN_FLIGHT as u64)
            .map(|w| {
                let share = iters / IN_FLIGHT as u64 + u64::from(w < iters % IN_FLIGHT as u64);
                tokio::spawn(async move {
                    for _ in 0..share {
                        call().await;
                    }
                })
            })
            .collect();
        for w in workers {
            w.await.expect("worker");
        }
        start.elapsed()
    })
}

/// Both clients at 1 and 64 in flight; `cpu` picks process CPU time over wall time for batches.
fn bench_calls<M: Measurement<Value = Duration> + 'static>(
    c: &mut Criterion<M>,
    rt: &'static tokio::runtime::Runtime,
    f: &'static Fixture,
    cpu: bool,
) {
    let mut g = c.benchmark_group(if cpu {
        "upgrade_call_cpu"
    } else {
        "upgrade_call_wall"
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("generated/1_in_flight", |b| {
        b.to_async(rt).iter(|| f.generated())
    });
    g.bench_function("hand_written/1_in_flight", |b| {
        b.to_async(rt).iter(|| f.hand_written())
    });
    let batch = move |iters, generated: bool| {
        let cpu_start = cpu_now();
        let wall = if generated {
            concurrent(rt, iters, || f.generated())
        } else {
            concurrent(rt, iters, || f.hand_written())
        };
        if cpu {
            cpu_now().saturating_sub(cpu_start)
        } else {
            wall
        }
    };
    g.bench_function("generated/64_in_flight", |b| {
        b.iter_custom(|iters| batch(iters, true))
    });
    g.bench_function("hand_written/64_in_flight", |b| {
        b.iter_custom(|iters| batch(iters, false))
    });
    g.finish();
}

/// A 2-worker runtime (the CI machine's cores) and the fixture on it, both for the whole run.
fn setup() -> (&'static tokio::runtime::Runtime, &'static Fixture) {
    let rt: &'static tokio::runtime::Runtime = Box::leak(Box::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime"),
    ));
    (rt, fixture(rt))
}

fn client_overhead(c: &mut Criterion) {
    let (rt, f) = setup();
    bench_calls(c, rt, f, false);

    let mut g = c.benchmark_group("request_building");
    g.bench_function("generated", |b| {
        b.iter(|| {
            let path = graph_api::__private::PathBuilder::root()
                .segment("chats")
                .param("chat-id", black_box(CHAT), false)
                .segment("installedApps")
                .param("app-installation-id", black_box(INSTALLATION), false)
                .segment("upgrade");
            let url = graph_api::__private::prepare(
                &f.client,
                graph_api::requests::UpgradeChatAppInstallation::INFO,
                path,
            )
            .expect("url");
            let body = graph_api::requests::UpgradeChatAppInstallationBody::new()
                .with_consented_permission_set(permission_set());
            black_box((url, graph_api::__private::json_body(&body).expect("json")))
        })
    });
    g.bench_function("hand_written", |b| {
        b.iter(|| {
            let url = reqwest::Url::parse(&format!(
                "http://127.0.0.1:1/v1.0/chats/{}/installedApps/{}/upgrade",
                black_box(CHAT),
                black_box(INSTALLATION)
            ))
            .expect("url");
            let body = graph_api::requests::UpgradeChatAppInstallationBody::new()
                .with_consented_permission_set(permission_set());
            black_box((url, serde_json::to_vec(&body).expect("json")))
        })
    });
    g.finish();
}

/// Process CPU time (all threads, client and server alike), from `CLOCK_PROCESS_CPUTIME_ID`.
struct ProcessCpu;

fn cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Measurement for ProcessCpu {
    type Intermediate = Duration;
    type Value = Duration;
    fn start(&self) -> Duration {
        cpu_now()
    }
    fn end(&self, start: Duration) -> Duration {
        cpu_now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, v: &Duration) -> f64 {
        v.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, _typical: f64, _values: &mut [f64]) -> &'static str {
        "ns cpu"
    }
    fn scale_throughputs(
        &self,
        _typical: f64,
        _t: &Throughput,
        _values: &mut [f64],
    ) -> &'static str {
        "ns cpu"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns cpu"
    }
}

fn cpu_per_call(c: &mut Criterion<ProcessCpu>) {
    let (rt, f) = setup();
    bench_calls(c, rt, f, true);
}

criterion_group!(wall, client_overhead);
criterion_group! {
    name = cpu;
    config = Criterion::default().with_measurement(ProcessCpu);
    targets = cpu_per_call
}
criterion_main!(wall, cpu);
