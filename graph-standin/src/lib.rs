//! graph-standin: a stateful, throttled Microsoft Graph tenant on loopback, for tests and demos.
//!
//! It answers the Teams app installation and app catalog actions of graph-api's spec (list,
//! get, add, upgrade, remove in chats, teams and personal scopes; the catalog), the discovery
//! requests a tenant-wide job sends (`GET /users`, `GET /teams`, `GET /users/{id}/chats` with
//! `$filter=installedApps/any(...)`), and JSON batching (`POST /$batch`), with Graph's
//! semantics where tools trip: the newest *published* definition as the upgrade target, exact
//! resource-specific consent, a configurable delay before upgrades show in reads, 409 for a
//! second install; Microsoft's published limits as token buckets ([`limits`]); latency and
//! faults on demand; and counters ([`Stats`]) from the library or `GET /__standin/stats`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use graph_standin::{Config, Size, StandIn, Tenant};
//! let tenant = Tenant::generate(Size { users: 20, chats: 100, teams: 5 }, 42);
//! let standin = StandIn::start(tenant, Config::default()).await?;
//! println!("service root: {}", standin.url()); // give this to the client as its base URL
//! // ... run the code under test ...
//! let stats = standin.stats();
//! println!("{} throttled, {} installations still outdated", stats.throttled, stats.outdated_installations);
//! # Ok(()) }
//! ```

pub mod api;
pub mod batch;
pub mod cli;
pub mod limits;
pub mod odata;
mod server;
pub mod tenant;

pub use api::{Faults, Stats};
pub use limits::Limits;
pub use tenant::{Size, Tenant};

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the stand-in behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Graph's limits (the default), scaled, or off.
    pub limits: Limits,
    /// Added to every answer's time.
    pub latency: Duration,
    /// Up to this much more, at random, on top of `latency`.
    pub jitter: Duration,
    /// Random faults.
    pub faults: Faults,
    /// How long an upgrade takes to show in reads (zero by default).
    pub consistency_delay: Duration,
    /// Page size for installation and catalog lists (Graph documents none; 100 by default).
    pub installed_apps_page_size: usize,
    /// Answer `$batch` items in a shuffled order, as Graph may (on by default).
    pub shuffle_batch: bool,
    /// Seeds faults, jitter, request ids and batch order.
    pub seed: u64,
    /// The loopback port; 0 picks a free one.
    pub port: u16,
    /// Keep the first this many requests for [`StandIn::requests`] (0, the default, keeps none).
    pub request_log: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            limits: Limits::default(),
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            faults: Faults::default(),
            consistency_delay: Duration::ZERO,
            installed_apps_page_size: 100,
            shuffle_batch: true,
            seed: 0,
            port: 0,
            request_log: 0,
        }
    }
}

pub(crate) type Shared = Arc<Mutex<api::State>>;

pub(crate) fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, api::State> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running stand-in on `127.0.0.1`. It stops when dropped.
#[derive(Debug)]
pub struct StandIn {
    url: String,
    state: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl StandIn {
    /// Starts serving `tenant` on loopback, in the current tokio runtime.
    pub async fn start(tenant: Tenant, config: Config) -> std::io::Result<StandIn> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(Mutex::new(api::State {
            tenant,
            limiter: limits::Limiter::new(config.limits),
            faults: config.faults,
            consistency_delay: config.consistency_delay,
            installed_apps_page: api::PageSize {
                default: config.installed_apps_page_size.max(1),
                max: config.installed_apps_page_size.max(1),
            },
            shuffle_batch: config.shuffle_batch,
            base_url: url.clone(),
            rng: tenant::Rng::new(config.seed ^ 0x5eed),
            requests: Default::default(),
            throttled: 0,
            unavailable: 0,
            writes: Default::default(),
            log: Vec::new(),
            log_limit: config.request_log,
            denied_writes: Default::default(),
        }));
        let latency = server::Latency {
            fixed: config.latency,
            jitter: config.jitter,
        };
        let task = tokio::spawn(server::serve(listener, Arc::clone(&state), latency));
        Ok(StandIn { url, state, task })
    }

    /// The service root to give a client, such as `http://127.0.0.1:41234` (requests go to
    /// `{url}/v1.0/...`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What happened so far.
    pub fn stats(&self) -> Stats {
        lock(&self.state).stats()
    }

    /// The requests received so far, in order, up to [`Config::request_log`] of them.
    pub fn requests(&self) -> Vec<api::Logged> {
        lock(&self.state).log.clone()
    }

    /// Reads or changes the tenant while the stand-in runs (for example to publish a new app
    /// version in the middle of a test).
    pub fn with_tenant<R>(&self, f: impl FnOnce(&mut Tenant) -> R) -> R {
        f(&mut lock(&self.state).tenant)
    }

    /// Answers every later write (add, upgrade, remove) on this chat, team or user (by id)
    /// 403 Forbidden with Graph's "Missing role permissions" error, as Graph answers an app
    /// that lacks the permission for that resource; reads are unaffected.
    pub fn deny_writes(&self, scope_id: &str) {
        lock(&self.state).denied_writes.insert(scope_id.to_owned());
    }

    /// Changes the faults while the stand-in runs.
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.state).faults = faults;
    }

    /// Waits until the server stops (it does not unless its task fails); for the binary.
    pub async fn serve_forever(&mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}
