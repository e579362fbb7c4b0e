//! Direct calls against JSON batching for a rollout's upgrades: wall time, HTTP round trips and
//! client CPU per item, against a graph-standin running as a separate process.
//!
//! ```text
//! batch_cost discover <url> <n>        # prints n "chat<TAB>installation" lines
//! batch_cost run <url> <pairs-file> <mode> [max-attempts]
//!     mode: direct:K           K upgrade calls in flight, each its own POST
//!           batch:SIZE:CONC    one client.batch(), SIZE items per $batch POST, CONC POSTs in flight
//!           batch:SIZE:CONC:R  a client.batch() of R items each second (paced by the caller)
//! batch_cost add <n>                   # CPU per item of batch.add for n items; sends nothing
//! ```
//!
//! `discover` reads the tenant with plain reqwest (`/users`, each user's `/chats`, each chat's
//! `installedApps`) and picks one installation in each chat whose upgrade needs no new consent
//! ([`NO_CONSENT_APPS`]), so every upgrade succeeds and a chat sees one write. `run` upgrades those pairs through graph-api and prints one line: wall time, the
//! HTTP round trips and item requests the stand-in counted (its `GET /__standin/stats` before and
//! after; the stats request itself is not counted), the 429s, the least time the admitted
//! requests needed under the stand-in's limits, and this process's CPU time (user + system,
//! `getrusage`) divided by the items. Wall and CPU cover building every request, sending it and
//! reading every answer; building the client and reading the pairs file are outside.
//! `scripts/batch-cost.sh` runs every mode against a fresh stand-in each.

use graph_api::{GraphClient, RetryPolicy};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The bearer token's length: about what Entra ID issues for a delegated Graph token (the
/// stand-in accepts any bearer token; its size matters for what each POST carries).
const TOKEN_LEN: usize = 1500;

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["discover", url, n] => rt.block_on(discover(url, n.parse()?)),
        ["add", n] => add_cost(n.parse()?),
        ["run", url, pairs, mode] => rt.block_on(run(url, pairs, mode, None)),
        ["run", url, pairs, mode, attempts] => {
            rt.block_on(run(url, pairs, mode, Some(attempts.parse()?)))
        }
        _ => Err("usage: batch_cost discover <url> <n> | batch_cost run <url> <pairs-file> <direct:K|batch:SIZE:CONC[:R]> [max-attempts] | batch_cost add <n>".into()),
    }
}

fn http() -> Result<reqwest::Client, Failure> {
    Ok(reqwest::Client::builder().no_proxy().build()?)
}

/// GET `url` as JSON, with a bearer token.
async fn get(http: &reqwest::Client, url: &str) -> Result<Value, Failure> {
    let resp = http.get(url).bearer_auth("discover").send().await?;
    if !resp.status().is_success() {
        return Err(format!("GET {url}: {}", resp.status()).into());
    }
    Ok(serde_json::from_slice(&resp.bytes().await?)?)
}

/// Every item of a collection, following `@odata.nextLink`.
async fn all(http: &reqwest::Client, first: String) -> Result<Vec<Value>, Failure> {
    let mut out = Vec::new();
    let mut next = Some(first);
    while let Some(url) = next.take() {
        let mut page = get(http, &url).await?;
        if let Some(Value::Array(items)) = page.get_mut("value").map(Value::take) {
            out.extend(items);
        }
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    Ok(out)
}

fn id(v: &Value) -> Result<String, Failure> {
    v["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no id in {v}").into())
}

/// The generated catalog's apps whose newest published definition asks for no
/// resource-specific consent (graph-standin's `tenant.rs`, `catalog`): their upgrades need no
/// consented permission set, so every one succeeds. (OneNote has one version: its upgrade
/// finds it current, which the stand-in answers 204 and counts as a write.)
const NO_CONSENT_APPS: [&str; 3] = ["OneNote", "Polls", "Wiki"];

/// Prints `n` (chat, installation) pairs, one chat each, the first installation in it of an
/// app in [`NO_CONSENT_APPS`].
async fn discover(base: &str, n: usize) -> Result<(), Failure> {
    let http = http()?;
    let base = base.trim_end_matches('/');
    let mut seen = std::collections::HashSet::new();
    let mut found = 0;
    for user in all(&http, format!("{base}/v1.0/users")).await? {
        let user = id(&user)?;
        for chat in all(&http, format!("{base}/v1.0/users/{user}/chats")).await? {
            let chat = id(&chat)?;
            if !seen.insert(chat.clone()) {
                continue;
            }
            let path_chat = chat.replace('%', "%25").replace('/', "%2F");
            let apps = all(
                &http,
                format!("{base}/v1.0/chats/{path_chat}/installedApps?$expand=teamsApp"),
            )
            .await?;
            let pick = apps.iter().find(|a| {
                a["teamsApp"]["displayName"]
                    .as_str()
                    .is_some_and(|name| NO_CONSENT_APPS.contains(&name))
            });
            if let Some(first) = pick {
                println!("{chat}\t{}", id(first)?);
                found += 1;
                if found == n {
                    return Ok(());
                }
            }
        }
    }
    Err(format!("only {found} chats with an installation; generate a larger tenant").into())
}

/// The stand-in's counters: every request it counted (batch items one by one), its `$batch`
/// POSTs, its upgrade requests, its 429s, and the least time its limits allowed for what it
/// admitted.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    all: u64,
    batch_posts: u64,
    upgrades: u64,
    throttled: u64,
    least_seconds: f64,
}

impl Counts {
    /// HTTP round trips from `self` to `later`: `$batch` POSTs plus the requests that were not
    /// in one (batch items are counted under their own kinds too; only upgrades go in batches
    /// here).
    fn round_trips(&self, later: &Counts) -> u64 {
        let posts = later.batch_posts - self.batch_posts;
        let all = later.all - self.all;
        if posts > 0 {
            all - (later.upgrades - self.upgrades)
        } else {
            all
        }
    }
}

async fn counts(http: &reqwest::Client, base: &str) -> Result<Counts, Failure> {
    let stats = get(http, &format!("{base}/__standin/stats")).await?;
    let requests = stats["requests"]
        .as_object()
        .ok_or("stats without requests")?;
    let count = |name: &str| requests.get(name).and_then(Value::as_u64).unwrap_or(0);
    Ok(Counts {
        all: requests.values().filter_map(Value::as_u64).sum(),
        batch_posts: count("POST /$batch (items counted by kind)"),
        upgrades: count("POST installedApps for chat, user, team"),
        throttled: stats["throttled"].as_u64().unwrap_or(0),
        least_seconds: stats["least_seconds"].as_f64().unwrap_or(0.0),
    })
}

enum Mode {
    Direct {
        in_flight: usize,
    },
    Batch {
        size: usize,
        concurrency: usize,
        /// Items per second: one batch of this many each second (`None`: one batch of all).
        per_second: Option<usize>,
    },
}

fn mode(text: &str) -> Result<Mode, Failure> {
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        ["direct", k] => Ok(Mode::Direct {
            in_flight: k.parse::<usize>()?.max(1),
        }),
        ["batch", size, conc] => Ok(Mode::Batch {
            size: size.parse()?,
            concurrency: conc.parse()?,
            per_second: None,
        }),
        ["batch", size, conc, rate] => Ok(Mode::Batch {
            size: size.parse()?,
            concurrency: conc.parse()?,
            per_second: Some(rate.parse::<usize>()?.max(1)),
        }),
        _ => Err(format!(
            "unknown mode {text:?}: direct:K, batch:SIZE:CONC or batch:SIZE:CONC:PER_SECOND"
        )
        .into()),
    }
}

async fn run(
    base: &str,
    pairs: &str,
    mode_text: &str,
    attempts: Option<u32>,
) -> Result<(), Failure> {
    let mode = mode(mode_text)?;
    let base = base.trim_end_matches('/');
    let pairs: Vec<(String, String)> = std::fs::read_to_string(pairs)?
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split_once('\t')
                .map(|(c, i)| (c.to_owned(), i.to_owned()))
                .ok_or_else(|| format!("not `chat<TAB>installation`: {l}"))
        })
        .collect::<Result<_, _>>()?;
    let http = http()?;
    let mut policy = RetryPolicy::default();
    if let Some(n) = attempts {
        policy = policy.max_attempts(n);
    }
    let client = GraphClient::builder()
        .base_url(base)
        .bearer_token("x".repeat(TOKEN_LEN))
        .http_client(http.clone())
        .retry_policy(policy)
        .build()?;
    let before = counts(&http, base).await?;
    let (cpu_start, wall_start) = (cpu_time(), Instant::now());
    let (ok, failed, first_error, posts) = match mode {
        Mode::Direct { in_flight } => direct(&client, &pairs, in_flight).await?,
        Mode::Batch {
            size,
            concurrency,
            per_second: None,
        } => batched(&client, &pairs, size, concurrency).await?,
        Mode::Batch {
            size,
            concurrency,
            per_second: Some(rate),
        } => paced(&client, &pairs, size, concurrency, rate).await?,
    };
    let (wall, cpu) = (wall_start.elapsed(), cpu_time().saturating_sub(cpu_start));
    let after = counts(&http, base).await?;
    let items = pairs.len().max(1) as f64;
    println!(
        "mode={mode_text} attempts={} items={} ok={ok} failed={failed} wall_s={:.3} round_trips={} upgrade_requests={} throttled={} least_s={:.2} posts_client={} cpu_us_per_item={:.1}",
        attempts.unwrap_or(RetryPolicy::default().attempts()),
        pairs.len(),
        wall.as_secs_f64(),
        before.round_trips(&after),
        after.upgrades - before.upgrades,
        after.throttled - before.throttled,
        after.least_seconds,
        posts.map_or("-".to_owned(), |p| p.to_string()),
        cpu.as_secs_f64() * 1e6 / items,
    );
    if let Some(e) = first_error {
        eprintln!("first error: {e}");
    }
    Ok(())
}

type Outcome = (usize, usize, Option<String>, Option<usize>);

/// Each upgrade its own call, `in_flight` tasks taking the next pair as they finish one.
async fn direct(
    client: &GraphClient,
    pairs: &[(String, String)],
    in_flight: usize,
) -> Result<Outcome, Failure> {
    let pairs: Arc<[(String, String)]> = pairs.into();
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..in_flight)
        .map(|_| {
            let (client, pairs, next) = (client.clone(), Arc::clone(&pairs), Arc::clone(&next));
            tokio::spawn(async move {
                let (mut ok, mut failed, mut first) = (0, 0, None);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((chat, installation)) = pairs.get(i) else {
                        break;
                    };
                    match client
                        .chat(chat)
                        .installed_app(installation)
                        .upgrade()
                        .send()
                        .await
                    {
                        Ok(()) => ok += 1,
                        Err(e) => {
                            failed += 1;
                            first.get_or_insert_with(|| e.to_string());
                        }
                    }
                }
                (ok, failed, first)
            })
        })
        .collect();
    let (mut ok, mut failed, mut first) = (0, 0, None);
    for task in tasks {
        let (o, f, e) = task.await?;
        ok += o;
        failed += f;
        first = first.or(e);
    }
    Ok((ok, failed, first, None))
}

/// Every upgrade in one batch.
async fn batched(
    client: &GraphClient,
    pairs: &[(String, String)],
    size: usize,
    concurrency: usize,
) -> Result<Outcome, Failure> {
    let mut batch = client.batch().max_per_post(size).concurrency(concurrency);
    let items = pairs
        .iter()
        .map(|(chat, installation)| {
            batch.add(client.chat(chat).installed_app(installation).upgrade())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = batch.send().await?;
    let (mut ok, mut failed, mut first) = (0, 0, None);
    for item in items {
        match out.take(item) {
            Ok(()) => ok += 1,
            Err(e) => {
                failed += 1;
                first.get_or_insert_with(|| e.to_string());
            }
        }
    }
    Ok((ok, failed, first, Some(out.posts())))
}

/// A batch of `per_second` items each second (the next one at once when a batch took longer):
/// a caller that keeps to the per-tenant write limit itself.
async fn paced(
    client: &GraphClient,
    pairs: &[(String, String)],
    size: usize,
    concurrency: usize,
    per_second: usize,
) -> Result<Outcome, Failure> {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut ok, mut failed, mut first, mut posts) = (0, 0, None, 0);
    for chunk in pairs.chunks(per_second) {
        tick.tick().await;
        let (o, f, e, p) = batched(client, chunk, size, concurrency).await?;
        ok += o;
        failed += f;
        first = first.or(e);
        posts += p.unwrap_or(0);
    }
    Ok((ok, failed, first, Some(posts)))
}

/// Prints the CPU time per item of queueing `n` upgrades in a batch with `add`, and with
/// `add_after` in chains of ten (nothing is sent): what a batch costs before its first POST, and
/// whether that grows with the batch.
fn add_cost(n: usize) -> Result<(), Failure> {
    let client = GraphClient::builder()
        .base_url("http://127.0.0.1:9")
        .bearer_token("x".repeat(TOKEN_LEN))
        .build()?;
    let pairs: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                format!("19:{i:032x}@thread.v2"),
                format!("installation-{i}"),
            )
        })
        .collect();
    let start = cpu_time();
    let mut batch = client.batch();
    for (chat, installation) in &pairs {
        batch.add(client.chat(chat).installed_app(installation).upgrade())?;
    }
    let add = cpu_time().saturating_sub(start);
    drop(batch);
    let start = cpu_time();
    let mut batch = client.batch();
    let mut previous = 0;
    for (k, (chat, installation)) in pairs.iter().enumerate() {
        let after: &[usize] = if k % 10 == 0 { &[] } else { &[previous] };
        let request = client.chat(chat).installed_app(installation).upgrade();
        previous = batch.add_after(after, request)?.index();
    }
    let add_after = cpu_time().saturating_sub(start);
    let per_item = |d: Duration| d.as_secs_f64() * 1e6 / n.max(1) as f64;
    println!(
        "items={n} add_cpu_us_per_item={:.2} add_after_chains_of_10_cpu_us_per_item={:.2}",
        per_item(add),
        per_item(add_after)
    );
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
