//! Client cost, as users run it: the seed upgrade call sent many times to a separate server
//! process (`cost_server`), either through graph-api or as the same request through plain
//! reqwest, with a realistic 1,500-byte bearer token; prints wall time and this process's CPU
//! time (user + system) per call.
//!
//! `cost_client <url> <graph-api|reqwest> <calls> <in_flight>`, for example
//! `cargo run --release -p graph-api-tests --example cost_client -- URL reqwest 20000 64`, with the
//! URL that `cost_server` printed.
//! `scripts/client-cost.sh` runs both modes in alternation and reports medians.
//!
//! Both modes use one `reqwest::Client` configuration and a 2-worker tokio runtime. The reqwest
//! mode is what a careful hand-written caller sends: the URL parsed once, `bearer_auth` with the
//! token on each call, `Content-Type: application/json`, a fresh `client-request-id` GUID and the
//! body `{}`; it checks the status and reads the (empty) body, as graph-api does.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use graph_api::GraphClient;
use std::cell::Cell;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHAT: &str = "19:ea28e88c00e94c7786b065394a61f296@thread.v2";
const INSTALLATION: &str = "NjRiOWM3NDYtYjE1NS00MDQyLThkNDctOTQxYmQzODE2ODFiIyMwZDgyMGVjZC1kZWYyLTQyOTctYWRhZC03ODA1NmNkZTdjNzg=";
const TOKEN_LEN: usize = 1500;
/// Calls before measuring (at least; also four per task in flight), to open the connections and
/// fill the caches.
const WARM_UP: usize = 200;

type CallResult = Result<(), String>;

/// A hook as users write them: a tenant header on every attempt, and a count of the answers.
#[derive(Default)]
struct CountingHook(std::sync::atomic::AtomicU64);

impl graph_api::hook::AttemptHook for CountingHook {
    fn before_send(&self, attempt: &mut graph_api::hook::OutgoingAttempt<'_>) {
        let _ = attempt.insert_header("x-contoso-tenant", "fabrikam");
    }

    fn after_attempt(&self, outcome: &graph_api::hook::AttemptOutcome<'_>) {
        if outcome.status.is_some() {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, mode, calls, in_flight] = args.as_slice() else {
        return Err(
            "usage: cost_client <url> <graph-api|graph-api-hook|reqwest> <calls> <in_flight>"
                .into(),
        );
    };
    let calls: usize = calls.parse()?;
    let in_flight: usize = in_flight.parse::<usize>()?.max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let token = token();
    assert_eq!(token.len(), TOKEN_LEN);
    let http = reqwest::Client::builder().no_proxy().build()?;
    let (wall, cpu) = match mode.as_str() {
        "graph-api" | "graph-api-hook" => {
            let mut builder = GraphClient::builder()
                .base_url(base.as_str())
                .bearer_token(token)
                .http_client(http.clone());
            if mode == "graph-api-hook" {
                // What a user's hook typically does: one header out, one counter in.
                builder = builder.on_attempt(CountingHook::default());
            }
            let client = builder.build()?;
            let client = Arc::new(client);
            rt.block_on(measure(calls, in_flight, move || {
                let client = Arc::clone(&client);
                async move {
                    client
                        .chat(CHAT)
                        .installed_app(INSTALLATION)
                        .upgrade()
                        .send()
                        .await
                        .map_err(|e| e.to_string())
                }
            }))?
        }
        "reqwest" => {
            let url = reqwest::Url::parse(&format!(
                "{}/v1.0/chats/{CHAT}/installedApps/{INSTALLATION}/upgrade",
                base.trim_end_matches('/')
            ))?;
            let plain = Arc::new((http, url, token));
            rt.block_on(measure(calls, in_flight, move || {
                let plain = Arc::clone(&plain);
                async move {
                    let (http, url, token) = &*plain;
                    let resp = http
                        .post(url.clone())
                        .bearer_auth(token)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .header("client-request-id", guid())
                        .body("{}")
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    if resp.status() != reqwest::StatusCode::NO_CONTENT {
                        return Err(format!("status {}", resp.status()));
                    }
                    resp.bytes().await.map_err(|e| e.to_string())?;
                    Ok(())
                }
            }))?
        }
        other => {
            return Err(
                format!("unknown mode {other:?}: graph-api, graph-api-hook or reqwest").into(),
            );
        }
    };
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / calls.max(1) as f64;
    println!(
        "mode={mode} in_flight={in_flight} calls={calls} wall_us_per_call={:.2} cpu_us_per_call={:.2}",
        per_call(wall),
        per_call(cpu)
    );
    Ok(())
}

/// Warms up, then makes `calls` calls with `in_flight` tasks sending back to back; returns the
/// wall time and this process's CPU time of the measured calls.
async fn measure<F, Fut>(
    calls: usize,
    in_flight: usize,
    call: F,
) -> Result<(Duration, Duration), String>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = CallResult> + Send + 'static,
{
    run(WARM_UP.max(4 * in_flight), in_flight, call.clone()).await?;
    let (cpu_start, wall_start) = (cpu_time(), Instant::now());
    run(calls, in_flight, call).await?;
    Ok((wall_start.elapsed(), cpu_time().saturating_sub(cpu_start)))
}

async fn run<F, Fut>(calls: usize, in_flight: usize, call: F) -> CallResult
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = CallResult> + Send + 'static,
{
    let tasks: Vec<_> = (0..in_flight)
        .map(|t| {
            let share = calls / in_flight + usize::from(t < calls % in_flight);
            let call = call.clone();
            tokio::spawn(async move {
                for _ in 0..share {
                    call().await?;
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

/// User plus system CPU time of this process, all threads.
fn cpu_time() -> Duration {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage` for the duration of the call.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// A random version-4 GUID, from a per-thread generator (what a hand-written caller would put in
/// `client-request-id`).
fn guid() -> String {
    thread_local! {
        static STATE: Cell<u64> = Cell::new(
            std::collections::hash_map::RandomState::new().build_hasher().finish(),
        );
    }
    let mut bytes = [0u8; 16];
    STATE.with(|s| {
        let mut state = s.get();
        for chunk in bytes.chunks_mut(8) {
            chunk.copy_from_slice(&splitmix(&mut state).to_le_bytes());
        }
        s.set(state);
    });
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A deterministic JWT-shaped delegated token of exactly `TOKEN_LEN` bytes
/// (`header.payload.signature`, base64url): the usual claims of a Graph user token and an
/// RS256-sized signature.
fn token() -> String {
    let mut seed = 0x5eed_u64;
    let mut noise = |n: usize| -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..n)
            .map(|_| ALPHABET[(splitmix(&mut seed) % 64) as usize] as char)
            .collect()
    };
    let header = format!(
        r#"{{"typ":"JWT","nonce":"{}","alg":"RS256","x5t":"{}","kid":"{}"}}"#,
        noise(43),
        noise(27),
        noise(27)
    );
    let (rh, sub, uti) = (noise(48), noise(43), noise(22));
    let payload = |aio: &str| {
        format!(
            concat!(
                r#"{{"aud":"https://graph.microsoft.com","#,
                r#""iss":"https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/","#,
                r#""iat":1751371200,"nbf":1751371200,"exp":1751375967,"acr":"1","aio":"{aio}","#,
                r#""amr":["pwd","mfa"],"app_displayname":"Contoso Teams Bot","#,
                r#""appid":"1fec8e78-bce4-4aaf-ab1b-5451cc387264","appidacr":"0","#,
                r#""oid":"8a7e5c3d-2f1b-4e6a-9c8d-7b6a5f4e3d2c","rh":"{rh}","#,
                r#""scp":"Chat.ReadWrite TeamsAppInstallation.ReadWriteForChat User.Read openid profile","#,
                r#""sub":"{sub}","tid":"72f988bf-86f1-41af-91ab-2d7cd011db47","#,
                r#""upn":"jane.doe@contoso.com","uti":"{uti}","ver":"1.0"}}"#
            ),
            aio = aio,
            rh = rh,
            sub = sub,
            uti = uti,
        )
    };
    let header = URL_SAFE_NO_PAD.encode(header);
    // The `aio` claim and the signature (256 bytes for RS256, give or take one) take up the rest.
    let aio = noise(TOKEN_LEN);
    for aio_len in 0..TOKEN_LEN {
        let payload = URL_SAFE_NO_PAD.encode(payload(&aio[..aio_len]));
        for signature_bytes in [256usize, 255, 257] {
            let signature_len = (signature_bytes * 4).div_ceil(3);
            if header.len() + payload.len() + signature_len + 2 == TOKEN_LEN {
                let signature: Vec<u8> = (0..signature_bytes)
                    .map(|_| splitmix(&mut seed) as u8)
                    .collect();
                return format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(signature));
            }
        }
    }
    unreachable!("no claim length gives a {TOKEN_LEN}-byte token")
}
