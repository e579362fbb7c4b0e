//! graph-rollout: upgrades a Teams app everywhere it is installed in a tenant, at Graph's limits, resumably.
//!
//! A [`Rollout`] is built from a [`GraphClient`] and the app ([`AppRef`]). [`Rollout::plan`]
//! finds every installation the documented way (the catalog entry with its definitions and
//! required consent; `GET /teams` and each team's installed apps; `GET /users` and each
//! personal scope's; each user's chats filtered to those with the app, deduplicated across
//! members, then each chat's installed apps, every list filtered to the app and expanded with
//! its definition) and says, per installation, the installed version, the target (the catalog's
//! newest *published* definition) and the consent it needs. [`Rollout::run`] then upgrades every
//! outdated installation with exactly that consent, paced at Microsoft's published Teams limits
//! ([`pace`]), confirms each by reading it back (bounded polling), records every step in a
//! crash-safe [`journal`], and returns a [`Summary`].
//!
//! ```no_run
//! # async fn demo(client: graph_api::GraphClient) -> Result<(), graph_rollout::Error> {
//! use graph_rollout::{AppRef, Rollout};
//! let summary = Rollout::new(client, AppRef::Id("<catalog app id>".into()))
//!     .journal("rollout.jsonl")
//!     .on_progress(|p| eprintln!("{:?}: {}/{}", p.phase, p.done, p.total))
//!     .run()
//!     .await?;
//! println!("{} upgraded, {} failed", summary.upgraded, summary.failed.len());
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod cli;
pub mod journal;
pub mod pace;

use futures_util::StreamExt as _;
use graph_api::models::{
    Chat, Team, TeamsApp, TeamsAppDefinition, TeamsAppInstallation, TeamsAppPermissionSet,
    TeamsAppPublishingState, User,
};
use graph_api::{GraphClient, GraphRequest};
use journal::{History, Journal, JournalError, Record};
use pace::{Kind, LimitedOn, Pacer};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The app to roll out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppRef {
    /// Its id in the Teams app catalog (`teamsApp.id`).
    Id(String),
    /// The id in its manifest (`teamsApp.externalId`).
    ExternalId(String),
}

impl std::fmt::Display for AppRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppRef::Id(id) => write!(f, "app id `{id}`"),
            AppRef::ExternalId(id) => write!(f, "external id `{id}`"),
        }
    }
}

/// Where an app is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// A chat.
    Chat,
    /// A team.
    Team,
    /// A user's personal scope.
    User,
}

impl ScopeKind {
    fn name(self) -> &'static str {
        match self {
            ScopeKind::Chat => "chat",
            ScopeKind::Team => "team",
            ScopeKind::User => "user",
        }
    }
}

impl std::fmt::Display for ScopeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which kinds of scope a rollout covers (all by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes {
    /// Chats.
    pub chats: bool,
    /// Teams.
    pub teams: bool,
    /// Users' personal scopes.
    pub users: bool,
}

impl Default for Scopes {
    fn default() -> Self {
        Scopes {
            chats: true,
            teams: true,
            users: true,
        }
    }
}

impl std::str::FromStr for Scopes {
    type Err = String;
    /// Parses a comma-separated list of `chats`, `teams` and `users`.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut scopes = Scopes {
            chats: false,
            teams: false,
            users: false,
        };
        for part in s.split(',').map(str::trim) {
            match part {
                "chats" => scopes.chats = true,
                "teams" => scopes.teams = true,
                "users" => scopes.users = true,
                other => {
                    return Err(format!(
                        "unknown scope `{other}`: expected chats, teams or users, comma-separated"
                    ));
                }
            }
        }
        Ok(scopes)
    }
}

/// One installation of the app: its scope and ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct InstallationKey {
    /// The kind of scope.
    pub scope: ScopeKind,
    /// The chat's, team's or user's id.
    pub scope_id: String,
    /// The installation's id.
    pub installation_id: String,
}

impl std::fmt::Display for InstallationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.scope, self.scope_id, self.installation_id
        )
    }
}

/// An installation as found, with the version it is at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    /// Which installation.
    pub key: InstallationKey,
    /// The installed definition's version, when Graph said.
    pub version: Option<String>,
}

/// What a rollout will do: the target and every installation found.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The app's catalog id.
    pub app_id: String,
    /// The app's name.
    pub app_name: Option<String>,
    /// The newest published definition's version: the target.
    pub target_version: String,
    /// The resource-specific consent the target requires (`None`: none, the upgrade sends `{}`).
    pub consent: Option<TeamsAppPermissionSet>,
    /// Every installation found.
    pub installations: Vec<Found>,
    /// Scopes whose installed apps could not be read, with why.
    pub unreadable: Vec<(String, String)>,
}

impl Plan {
    /// The installations not at the target version.
    pub fn outdated(&self) -> impl Iterator<Item = &Found> {
        self.installations
            .iter()
            .filter(|f| f.version.as_deref() != Some(self.target_version.as_str()))
    }

    /// How many installations are at each version, per kind of scope.
    pub fn counts(&self) -> BTreeMap<(ScopeKind, String), usize> {
        let mut counts = BTreeMap::new();
        for f in &self.installations {
            let v = f.version.clone().unwrap_or_else(|| "unknown".into());
            *counts.entry((f.key.scope, v)).or_insert(0) += 1;
        }
        counts
    }

    /// The upgrade request for an installation, as a value (nothing is sent).
    pub fn upgrade_request(
        &self,
        client: &GraphClient,
        key: &InstallationKey,
    ) -> Result<GraphRequest, graph_api::Error> {
        macro_rules! build {
            ($nav:expr) => {{
                let mut up = $nav.installed_app(&key.installation_id).upgrade();
                if let Some(set) = &self.consent {
                    up = up.consented_permission_set(set.clone());
                }
                up.build()
            }};
        }
        match key.scope {
            ScopeKind::Chat => build!(client.chat(&key.scope_id)),
            ScopeKind::Team => build!(client.team(&key.scope_id)),
            ScopeKind::User => build!(client.user(&key.scope_id).teamwork()),
        }
    }
}

/// One installation that did not end at the target, and why in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// The installation (or, for a scope whose apps could not be listed, the scope alone).
    pub key: String,
    /// Why.
    pub reason: String,
}

/// What a rollout did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The app's catalog id.
    pub app_id: String,
    /// The app's name in the catalog.
    pub app_name: Option<String>,
    /// The target version.
    pub target_version: String,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// Installations found, per kind of scope.
    pub found: BTreeMap<ScopeKind, usize>,
    /// Installations already at the target.
    pub already_current: usize,
    /// Installations upgraded and confirmed by this run.
    pub upgraded: usize,
    /// Installations a previous run had upgraded (confirmed by the journal or a re-read).
    pub resumed: usize,
    /// Installations that would be upgraded (dry run).
    pub would_upgrade: usize,
    /// What failed, each with its reason.
    pub failed: Vec<Failure>,
    /// Requests sent (each attempt of each call, batch items one by one).
    pub requests: u64,
    /// Upgrade requests sent.
    pub writes: u64,
    /// Answers that were 429 (when a [`Counter`] was given to the client).
    pub throttled: u64,
    /// Wall time, in seconds.
    pub seconds: f64,
}

impl Summary {
    /// 0 when every installation found ends at the target (or already was), 1 when some failed.
    pub fn exit_code(&self) -> i32 {
        if self.failed.is_empty() { 0 } else { 1 }
    }
}

/// A rollout phase, for progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Reading the catalog.
    Catalog,
    /// Finding installations (scopes listed and read).
    Discover,
    /// Upgrading and confirming.
    Upgrade,
}

/// Where a rollout is, for a progress display.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// The phase.
    pub phase: Phase,
    /// Steps done in this phase.
    pub done: u64,
    /// Steps known so far in this phase (grows while discovery finds scopes).
    pub total: u64,
    /// Failures so far.
    pub failed: u64,
    /// 429 answers so far.
    pub throttled: u64,
}

/// Counts attempts and 429 answers: give it to the client's builder
/// (`GraphClientBuilder::on_attempt`) and to [`Rollout::counter`].
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<(AtomicU64, AtomicU64)>);

impl Counter {
    /// A counter at zero.
    pub fn new() -> Counter {
        Counter::default()
    }
    /// Attempts seen.
    pub fn attempts(&self) -> u64 {
        self.0.0.load(Ordering::Relaxed)
    }
    /// 429 answers seen, to requests sent alone and to `$batch` items.
    pub fn throttled(&self) -> u64 {
        self.0.1.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    pub(crate) fn note_throttled(&self) {
        self.0.1.fetch_add(1, Ordering::Relaxed);
    }
}

impl graph_api::hook::AttemptHook for Counter {
    fn after_attempt(&self, outcome: &graph_api::hook::AttemptOutcome<'_>) {
        self.0.0.fetch_add(1, Ordering::Relaxed);
        if outcome.status == Some(429) {
            self.0.1.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn after_batch_item(&self, item: &graph_api::hook::BatchItemOutcome<'_>) {
        if item.status == 429 {
            self.0.1.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Why a rollout could not run at all (per-installation failures are in the [`Summary`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request the whole rollout needs failed (the catalog, the list of users or teams).
    #[error("{what}: {source}")]
    Graph {
        /// What was being read.
        what: String,
        /// Graph's error.
        source: graph_api::Error,
    },
    /// The catalog has no such app, or no published version of it.
    #[error("{0}")]
    App(String),
    /// The journal could not be used.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How reads confirm an upgrade: up to `attempts` reads, at least `interval` apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verify {
    /// Reads at most.
    pub attempts: u32,
    /// Time between reads (the per-chat limit spaces reads on a chat a second apart anyway).
    pub interval: Duration,
}

impl Default for Verify {
    /// Five reads, one second apart.
    fn default() -> Self {
        Verify {
            attempts: 5,
            interval: Duration::from_secs(1),
        }
    }
}

/// A rollout of one app across a tenant.
pub struct Rollout {
    client: GraphClient,
    app: AppRef,
    scopes: Scopes,
    journal: Option<PathBuf>,
    tenant: Option<String>,
    dry_run: bool,
    limits: f64,
    concurrency: usize,
    verify: Verify,
    progress: Option<ProgressFn>,
    counter: Option<Counter>,
    stop_after: Option<usize>,
    batch: bool,
}

impl std::fmt::Debug for Rollout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rollout")
            .field("service_root", &self.client.service_root())
            .field("app", &self.app)
            .field("scopes", &self.scopes)
            .field("journal", &self.journal)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

/// The actions a rollout over `scopes` sends, for the permission planner
/// (`graph_api::permissions::plan`) and a token check before anything is sent.
pub fn actions(scopes: Scopes) -> Vec<&'static graph_api::meta::ActionInfo> {
    let mut a: Vec<&'static graph_api::meta::ActionInfo> =
        vec![&graph_api::actions::LIST_TEAMS_APPS];
    if scopes.teams {
        a.extend([
            &graph_api::actions::LIST_TEAMS,
            &graph_api::actions::LIST_TEAM_APP_INSTALLATIONS,
            &graph_api::actions::GET_TEAM_APP_INSTALLATION,
            &graph_api::actions::UPGRADE_TEAM_APP_INSTALLATION,
        ]);
    }
    if scopes.users || scopes.chats {
        a.push(&graph_api::actions::LIST_USERS);
    }
    if scopes.users {
        a.extend([
            &graph_api::actions::LIST_USER_APP_INSTALLATIONS,
            &graph_api::actions::GET_USER_APP_INSTALLATION,
            &graph_api::actions::UPGRADE_USER_APP_INSTALLATION,
        ]);
    }
    if scopes.chats {
        a.extend([
            &graph_api::actions::LIST_USER_CHATS,
            &graph_api::actions::LIST_CHAT_APP_INSTALLATIONS,
            &graph_api::actions::GET_CHAT_APP_INSTALLATION,
            &graph_api::actions::UPGRADE_CHAT_APP_INSTALLATION,
        ]);
    }
    a
}

/// Escapes a value for a single-quoted OData string literal (`'` is written `''`).
fn odata_string(value: &str) -> String {
    value.replace('\'', "''")
}

/// Orders versions such as `1.10.0` after `1.9.2`, part by part.
fn version_key(version: &str) -> Vec<(u64, bool, String)> {
    version
        .split('.')
        .map(|part| {
            let digits = part.len() - part.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let number = part[..digits].parse::<u64>().unwrap_or(0);
            let rest = &part[digits..];
            (number, rest.is_empty(), rest.to_owned())
        })
        .collect()
}

/// The newest *published* definition of an app read with `$expand=appDefinitions`; a
/// submitted or rejected one is never a target.
pub fn newest_published(app: &TeamsApp) -> Option<&TeamsAppDefinition> {
    app.app_definitions
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .filter(|d| d.publishing_state == Some(TeamsAppPublishingState::Published))
        .max_by_key(|d| version_key(d.version.as_deref().unwrap_or("")))
}

enum Outcome {
    Current,
    Upgraded,
    Resumed,
    WouldUpgrade,
    Failed(Failure),
}

struct Run<'a> {
    rollout: &'a Rollout,
    pacer: &'a Pacer,
    journal: Option<Journal>,
    history: History,
    plan: &'a Plan,
    done: AtomicU64,
    total: AtomicU64,
    failed: AtomicU64,
    writes: AtomicU64,
}

impl Rollout {
    /// A rollout of `app` through `client`, over chats, teams and users, at Graph's limits,
    /// without a journal and not a dry run.
    pub fn new(client: GraphClient, app: AppRef) -> Rollout {
        Rollout {
            client,
            app,
            scopes: Scopes::default(),
            journal: None,
            tenant: None,
            dry_run: false,
            limits: 1.0,
            concurrency: 64,
            verify: Verify::default(),
            progress: None,
            counter: None,
            stop_after: None,
            batch: true,
        }
    }

    /// Reads scopes' installed apps in `$batch` POSTs of up to 20 (on by default): the same
    /// requests, counted one by one against the limits, in a twentieth of the round trips.
    pub fn batch(mut self, batch: bool) -> Self {
        self.batch = batch;
        self
    }

    /// Which scopes to cover.
    pub fn scopes(mut self, scopes: Scopes) -> Self {
        self.scopes = scopes;
        self
    }

    /// Records every step in this journal file and resumes from it.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// The tenant id, recorded in the journal so that a journal for another tenant is refused.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Plans and reports, sending no write.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Paces at Graph's limits multiplied by `factor` (1.0, the default, is Graph's; for a
    /// stand-in with scaled limits). 0 turns pacing off.
    pub fn limits(mut self, factor: f64) -> Self {
        self.limits = factor;
        self
    }

    /// At most this many installations in progress at once (64 by default).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// How upgrades are confirmed.
    pub fn verify(mut self, verify: Verify) -> Self {
        self.verify = verify;
        self
    }

    /// Called with the progress after every step.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// The counter given to the client's builder, so the summary counts requests and 429s.
    pub fn counter(mut self, counter: Counter) -> Self {
        self.counter = Some(counter);
        self
    }

    /// Stops the run (with [`JournalError::Stopped`]) once this many journal records were
    /// written, as if the process had been killed right then; for testing resumption.
    pub fn stop_after_journal_records(mut self, n: usize) -> Self {
        self.stop_after = Some(n);
        self
    }

    /// The client.
    pub fn client(&self) -> &GraphClient {
        &self.client
    }

    /// The pacer for one run: Graph's limits times the factor, slowing down on 429s when a
    /// counter sees them.
    fn pacer(&self) -> Pacer {
        let pacer = Pacer::new(self.limits);
        match &self.counter {
            Some(c) => pacer.backing_off_on(c.clone()),
            None => pacer,
        }
    }

    fn report(&self, p: Progress) {
        if let Some(f) = &self.progress {
            f(&p);
        }
    }

    fn throttled(&self) -> u64 {
        self.counter.as_ref().map_or(0, Counter::throttled)
    }

    /// Reads the app from the catalog with its definitions and their required consent.
    async fn catalog(&self, pacer: &Pacer) -> Result<(TeamsApp, TeamsAppDefinition), Error> {
        let filter = match &self.app {
            AppRef::Id(id) => format!("id eq '{}'", odata_string(id)),
            AppRef::ExternalId(id) => format!("externalId eq '{}'", odata_string(id)),
        };
        let _slot = pacer.wait(Kind::GetAppCatalogs, None).await;
        let apps = self
            .client
            .app_catalogs()
            .teams_apps()
            .list()
            .filter(filter)
            .expand("appDefinitions($expand=authorization)")
            .all()
            .await
            .map_err(|source| Error::Graph {
                what: "reading the app from the catalog".into(),
                source,
            })?;
        let wanted = |a: &&TeamsApp| match &self.app {
            AppRef::Id(id) => a.id.as_deref() == Some(id),
            AppRef::ExternalId(id) => a.external_id.as_deref() == Some(id),
        };
        let app = match apps.iter().filter(wanted).count() {
            0 => {
                return Err(Error::App(format!(
                    "the app catalog lists no app with {}; nothing to roll out",
                    self.app
                )));
            }
            1 => apps.iter().find(wanted).cloned(),
            n => {
                return Err(Error::App(format!(
                    "the app catalog lists {n} apps with {}; name one by its catalog id (--app)",
                    self.app
                )));
            }
        };
        let Some(app) = app else {
            return Err(Error::App("the app vanished from the answer".into()));
        };
        let Some(target) = newest_published(&app).cloned() else {
            return Err(Error::App(format!(
                "app {} has no published definition in the catalog; nothing to upgrade to",
                app.id.as_deref().unwrap_or("?")
            )));
        };
        if target.version.is_none() {
            return Err(Error::App(
                "the newest published definition has no version".into(),
            ));
        }
        Ok((app, target))
    }

    /// Finds every installation and the target: the plan. Sends reads only.
    pub async fn plan(&self) -> Result<Plan, Error> {
        let pacer = self.pacer();
        self.plan_with(&pacer).await
    }

    /// The catalog step: the plan without its installations.
    async fn head(&self, pacer: &Pacer) -> Result<Plan, Error> {
        self.report(Progress {
            phase: Phase::Catalog,
            done: 0,
            total: 1,
            failed: 0,
            throttled: self.throttled(),
        });
        let (app, target) = self.catalog(pacer).await?;
        self.report(Progress {
            phase: Phase::Catalog,
            done: 1,
            total: 1,
            failed: 0,
            throttled: self.throttled(),
        });
        let app_id = app.id.clone().unwrap_or_default();
        let consent = target
            .authorization
            .as_ref()
            .and_then(|a| a.required_permission_set.as_ref())
            .filter(|s| {
                s.resource_specific_permissions
                    .as_ref()
                    .is_some_and(|p| !p.is_empty())
            })
            .cloned();
        Ok(Plan {
            app_id,
            app_name: app.display_name.clone(),
            target_version: target.version.clone().unwrap_or_default(),
            consent,
            installations: Vec::new(),
            unreadable: Vec::new(),
        })
    }

    fn discovery<'a>(&'a self, pacer: &'a Pacer, app_id: &'a str) -> Discovery<'a> {
        Discovery {
            rollout: self,
            pacer,
            app_id,
            done: AtomicU64::new(0),
            total: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        }
    }

    async fn plan_with(&self, pacer: &Pacer) -> Result<Plan, Error> {
        let mut plan = self.head(pacer).await?;
        let (tx, mut rx) = mpsc::unbounded_channel();
        let discovery = self.discovery(pacer, &plan.app_id);
        let collect = async {
            let mut all = Vec::new();
            while let Some(f) = rx.recv().await {
                all.push(f);
            }
            all
        };
        let (unreadable, mut installations) =
            futures_util::future::join(discovery.run(tx), collect).await;
        installations.sort_by(|a, b| a.key.cmp(&b.key));
        plan.unreadable = unreadable?;
        plan.installations = installations;
        Ok(plan)
    }

    /// Reads the catalog, then finds installations and (unless a dry run) upgrades each
    /// outdated one as soon as it is found, confirms each by reading it, and returns the
    /// summary.
    pub async fn run(&self) -> Result<Summary, Error> {
        let started = Instant::now();
        let pacer = self.pacer();
        let head = self.head(&pacer).await?;
        let (tx, rx) = mpsc::unbounded_channel();
        let discovery = self.discovery(&pacer, &head.app_id);
        self.execute(&head, &pacer, started, rx, discovery.run(tx))
            .await
    }

    /// Carries out a plan made by [`plan`](Self::plan) (the same app), and returns the summary.
    pub async fn run_plan(&self, plan: &Plan) -> Result<Summary, Error> {
        let (tx, rx) = mpsc::unbounded_channel();
        for f in &plan.installations {
            let _ = tx.send(f.clone());
        }
        drop(tx);
        let pacer = self.pacer();
        let unreadable = plan.unreadable.clone();
        self.execute(plan, &pacer, Instant::now(), rx, async { Ok(unreadable) })
            .await
    }

    async fn execute(
        &self,
        plan: &Plan,
        pacer: &Pacer,
        started: Instant,
        found_rx: mpsc::UnboundedReceiver<Found>,
        discovery: impl std::future::Future<Output = Result<Vec<(String, String)>, Error>>,
    ) -> Result<Summary, Error> {
        let (journal, history) = match &self.journal {
            Some(path) if !self.dry_run => {
                let (mut j, h) = Journal::open(
                    path,
                    &plan.app_id,
                    self.client.service_root(),
                    self.tenant.as_deref(),
                )?;
                if let Some(n) = self.stop_after {
                    j.stop_after(n);
                }
                (Some(j), h)
            }
            Some(path) if path.exists() => {
                // A dry run only reads the journal, to refuse another rollout's and to say
                // what is already done.
                let (h, _) = journal::read(path)?;
                if let Some((
                    _,
                    Record::Start {
                        app, service_root, ..
                    },
                )) = h.records.first()
                    && (app != &plan.app_id || service_root != self.client.service_root())
                {
                    return Err(JournalError::Mismatch {
                        path: path.clone(),
                        theirs: format!("app {app} at {service_root}"),
                        ours: format!("app {} at {}", plan.app_id, self.client.service_root()),
                    }
                    .into());
                }
                (None, h)
            }
            _ => (None, History::default()),
        };
        let run = Run {
            rollout: self,
            pacer,
            journal,
            history,
            plan,
            done: AtomicU64::new(0),
            total: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        };
        let mut summary = Summary {
            app_id: plan.app_id.clone(),
            app_name: plan.app_name.clone(),
            target_version: plan.target_version.clone(),
            dry_run: self.dry_run,
            found: BTreeMap::new(),
            already_current: 0,
            upgraded: 0,
            resumed: 0,
            would_upgrade: 0,
            failed: Vec::new(),
            requests: 0,
            writes: 0,
            throttled: 0,
            seconds: 0.0,
        };
        let found = std::sync::Mutex::new(BTreeMap::<ScopeKind, usize>::new());
        let incoming = futures_util::stream::unfold(found_rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let consume = async {
            let mut outcomes = std::pin::pin!(
                incoming
                    .map(|f| {
                        *found
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .entry(f.key.scope)
                            .or_insert(0) += 1;
                        run.total.fetch_add(1, Ordering::Relaxed);
                        let run = &run;
                        async move { run.one(&f).await }
                    })
                    .buffer_unordered(self.concurrency)
            );
            let mut outcomes_seen = Vec::new();
            while let Some(outcome) = outcomes.next().await {
                outcomes_seen.push(outcome?);
            }
            Ok::<_, Error>(outcomes_seen)
        };
        // A fatal error on either side ends the run at once (the other side is dropped).
        let (unreadable, outcomes) = futures_util::future::try_join(discovery, consume).await?;
        for outcome in outcomes {
            match outcome {
                Outcome::Current => summary.already_current += 1,
                Outcome::Upgraded => summary.upgraded += 1,
                Outcome::Resumed => summary.resumed += 1,
                Outcome::WouldUpgrade => summary.would_upgrade += 1,
                Outcome::Failed(f) => summary.failed.push(f),
            }
        }
        summary.failed.extend(
            unreadable
                .into_iter()
                .map(|(key, reason)| Failure { key, reason }),
        );
        summary.found = found.into_inner().unwrap_or_else(|p| p.into_inner());
        summary.failed.sort_by(|a, b| a.key.cmp(&b.key));
        summary.requests = self.counter.as_ref().map_or(0, Counter::attempts);
        summary.writes = run.writes.load(Ordering::Relaxed);
        summary.throttled = self.throttled();
        summary.seconds = started.elapsed().as_secs_f64();
        Ok(summary)
    }
}

/// The discovery walk.
struct Discovery<'a> {
    rollout: &'a Rollout,
    pacer: &'a Pacer,
    app_id: &'a str,
    done: AtomicU64,
    total: AtomicU64,
    failed: AtomicU64,
}

/// Upgrades sent at most this many times to one installation (each after a read showed the
/// previous one not done).
const SEND_ATTEMPTS: u32 = 4;

/// Items per `$batch` POST: Graph's most (JSON batching, "Batch size limitations").
const BATCH_SIZE: usize = 20;

/// What reading one scope's installed apps gave.
type ScopeRead = Result<Vec<Found>, (String, String)>;

impl Discovery<'_> {
    fn step(&self, more_total: u64, done: u64, failed: u64) {
        let total = self.total.fetch_add(more_total, Ordering::Relaxed) + more_total;
        let done = self.done.fetch_add(done, Ordering::Relaxed) + done;
        let failed = self.failed.fetch_add(failed, Ordering::Relaxed) + failed;
        self.rollout.report(Progress {
            phase: Phase::Discover,
            done,
            total,
            failed,
            throttled: self.rollout.throttled(),
        });
    }

    fn app_filter(&self) -> String {
        format!("teamsApp/id eq '{}'", odata_string(self.app_id))
    }

    /// Walks the tenant and sends each installation to `out` as soon as its scope is read:
    /// chats are read while users' chat lists are still coming in, so the request kinds, each
    /// with its own limit, run side by side. Returns the scopes that could not be read.
    async fn run(&self, out: mpsc::UnboundedSender<Found>) -> Result<Vec<(String, String)>, Error> {
        let client = &self.rollout.client;
        let scopes = self.rollout.scopes;
        // Two queues, as the limits have two buckets for these reads: chats, and teams and
        // users. Chats found while the many personal scopes are read need not wait behind them.
        let (chat_tx, chat_rx) = mpsc::unbounded_channel::<(ScopeKind, String)>();
        let (other_tx, other_rx) = mpsc::unbounded_channel::<(ScopeKind, String)>();
        let queue = move |kind: ScopeKind, id: String| {
            self.step(1, 0, 0);
            // The receivers live until every sender is gone.
            let _ = match kind {
                ScopeKind::Chat => chat_tx.send((kind, id)),
                _ => other_tx.send((kind, id)),
            };
        };
        if scopes.teams {
            let _slot = self.pacer.wait(Kind::OtherGet, None).await;
            let teams: Vec<Team> =
                client
                    .teams()
                    .list()
                    .select("id")
                    .all()
                    .await
                    .map_err(|source| Error::Graph {
                        what: "listing teams (GET /teams)".into(),
                        source,
                    })?;
            for id in teams.into_iter().filter_map(|t| t.id) {
                queue(ScopeKind::Team, id);
            }
        }
        let mut users: Vec<String> = Vec::new();
        if scopes.users || scopes.chats {
            let _slot = self.pacer.wait(Kind::Directory, None).await;
            let list: Vec<User> =
                client
                    .users()
                    .list()
                    .select("id")
                    .all()
                    .await
                    .map_err(|source| Error::Graph {
                        what: "listing users (GET /users)".into(),
                        source,
                    })?;
            users = list.into_iter().filter_map(|u| u.id).collect();
            if scopes.users {
                for id in &users {
                    queue(ScopeKind::User, id.clone());
                }
            }
        }
        let unreadable = std::sync::Mutex::new(Vec::new());
        let unread = |key: String, why: String| {
            unreadable
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((key, why));
        };
        // Each user's chats with the app, deduplicated across members, queued as they come.
        let (users, unread) = (&users, &unread);
        let chat_lists = async move {
            if scopes.chats {
                self.step(users.len() as u64, 0, 0);
                let filter = format!(
                    "installedApps/any(a:a/teamsApp/id eq '{}')",
                    odata_string(self.app_id)
                );
                let mut seen: HashSet<String> = HashSet::new();
                let mut lists = futures_util::stream::iter(users.iter())
                    .map(|user| {
                        let filter = filter.clone();
                        async move {
                            let on = LimitedOn::UserChats(user.clone());
                            let _slot = self.pacer.wait(Kind::OtherGet, Some(&on)).await;
                            let r: Result<Vec<Chat>, _> =
                                client.user(user).chats().list().filter(filter).all().await;
                            (user, r)
                        }
                    })
                    .buffer_unordered(self.rollout.concurrency);
                while let Some((user, r)) = lists.next().await {
                    match r {
                        Ok(chats) => {
                            for id in chats.into_iter().filter_map(|c| c.id) {
                                if seen.insert(id.clone()) {
                                    queue(ScopeKind::Chat, id);
                                }
                            }
                            self.step(0, 1, 0);
                        }
                        Err(e) => {
                            unread(format!("user/{user}/chats"), e.to_string());
                            self.step(0, 1, 1);
                        }
                    }
                }
            }
            // The last sender goes: the reads end once the queue is drained.
            drop(queue);
        };
        // Every queued scope's installations of the app, as soon as it is queued.
        let take = |results: Vec<ScopeRead>| {
            for r in results {
                match r {
                    Ok(list) => {
                        for f in list {
                            // The executor may have stopped (a fatal journal error).
                            let _ = out.send(f);
                        }
                        self.step(0, 1, 0);
                    }
                    Err((key, why)) => {
                        unread(key, why);
                        self.step(0, 1, 1);
                    }
                }
            }
        };
        let reads = |rx: mpsc::UnboundedReceiver<(ScopeKind, String)>| async move {
            let queued = futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|item| (item, rx))
            });
            if self.rollout.batch {
                let mut results = std::pin::pin!(
                    queued
                        .ready_chunks(BATCH_SIZE)
                        .map(|group| async move { self.read_scopes_batched(&group).await })
                        .buffer_unordered(self.rollout.concurrency.div_ceil(BATCH_SIZE).max(2))
                );
                while let Some(r) = results.next().await {
                    take(r);
                }
            } else {
                let mut results = std::pin::pin!(
                    queued
                        .map(|(kind, id)| async move { self.read_scope(kind, &id).await })
                        .buffer_unordered(self.rollout.concurrency)
                );
                while let Some(r) = results.next().await {
                    take(vec![r]);
                }
            }
        };
        futures_util::future::join3(chat_lists, reads(chat_rx), reads(other_rx)).await;
        Ok(unreadable.into_inner().unwrap_or_else(|p| p.into_inner()))
    }

    /// The limits a read of a scope's installed apps counts against.
    fn read_limits(kind: ScopeKind, id: &str) -> (Kind, Option<LimitedOn>) {
        match kind {
            ScopeKind::Chat => (
                Kind::GetInstalledAppsChat,
                Some(LimitedOn::Chat(id.to_owned())),
            ),
            ScopeKind::Team => (
                Kind::GetInstalledAppsUserTeam,
                Some(LimitedOn::Team(id.to_owned())),
            ),
            ScopeKind::User => (Kind::GetInstalledAppsUserTeam, None),
        }
    }

    /// Reads up to 20 scopes' installations of the app in one `$batch` POST. Every item counts
    /// against the limits as if sent alone (Graph counts batch items one by one): the POST
    /// leaves when all of them may go at once. A scope whose answer has a next page, or that the batch left out, is
    /// read again directly.
    async fn read_scopes_batched(&self, group: &[(ScopeKind, String)]) -> Vec<ScopeRead> {
        let client = &self.rollout.client;
        let limits: Vec<(Kind, Option<LimitedOn>)> = group
            .iter()
            .map(|(kind, id)| Self::read_limits(*kind, id))
            .collect();
        let _slot = self.pacer.wait_all(&limits).await;
        let filter = self.app_filter();
        let mut batch = client.batch().max_per_post(BATCH_SIZE);
        enum Item {
            Shared(graph_api::BatchItem<graph_api::Page<TeamsAppInstallation>>),
            User(
                graph_api::BatchItem<
                    graph_api::Page<graph_api::models::UserScopeTeamsAppInstallation>,
                >,
            ),
            NotQueued(graph_api::Error),
        }
        let items: Vec<Item> = group
            .iter()
            .map(|(kind, id)| {
                let added = match kind {
                    ScopeKind::Chat => batch
                        .add(
                            client
                                .chat(id)
                                .installed_apps()
                                .list()
                                .filter(filter.clone())
                                .expand("teamsAppDefinition"),
                        )
                        .map(Item::Shared),
                    ScopeKind::Team => batch
                        .add(
                            client
                                .team(id)
                                .installed_apps()
                                .list()
                                .filter(filter.clone())
                                .expand("teamsAppDefinition"),
                        )
                        .map(Item::Shared),
                    ScopeKind::User => batch
                        .add(
                            client
                                .user(id)
                                .teamwork()
                                .installed_apps()
                                .list()
                                .filter(filter.clone())
                                .expand("teamsAppDefinition"),
                        )
                        .map(Item::User),
                };
                added.unwrap_or_else(Item::NotQueued)
            })
            .collect();
        let mut answers = match batch.send().await {
            Ok(a) => a,
            Err(e) => {
                return group
                    .iter()
                    .map(|(kind, id)| Err((format!("{kind}/{id}"), e.to_string())))
                    .collect();
            }
        };
        let mut out = Vec::with_capacity(group.len());
        for ((kind, id), item) in group.iter().zip(items) {
            let page: Result<(Vec<TeamsAppInstallation>, bool), graph_api::Error> = match item {
                Item::Shared(i) => answers.take(i).map(|p| (p.items, p.next_link.is_some())),
                Item::User(i) => answers.take(i).map(|p| {
                    let more = p.next_link.is_some();
                    (p.items.into_iter().map(Into::into).collect(), more)
                }),
                Item::NotQueued(e) => Err(e),
            };
            out.push(match page {
                Ok((list, false)) => Ok(self.found(*kind, id, list)),
                // More than one page, or an answer the batch could not give: read it alone.
                Ok((_, true)) | Err(graph_api::Error::BatchItem { .. }) => {
                    self.read_scope(*kind, id).await
                }
                Err(e) => Err((format!("{kind}/{id}"), e.to_string())),
            });
        }
        out
    }

    fn found(&self, kind: ScopeKind, id: &str, list: Vec<TeamsAppInstallation>) -> Vec<Found> {
        list.into_iter()
            .filter(|i| {
                // The filter asked for this app; keep only what says so (or says nothing).
                i.teams_app_definition
                    .as_ref()
                    .and_then(|d| d.teams_app_id.as_deref())
                    .is_none_or(|a| a == self.app_id)
            })
            .filter_map(|i| {
                Some(Found {
                    key: InstallationKey {
                        scope: kind,
                        scope_id: id.to_owned(),
                        installation_id: i.id?,
                    },
                    version: i.teams_app_definition.and_then(|d| d.version),
                })
            })
            .collect()
    }

    /// Reads one scope's installations of the app, expanded with their definitions, paced.
    async fn read_scope(&self, kind: ScopeKind, id: &str) -> ScopeRead {
        let client = &self.rollout.client;
        let filter = self.app_filter();
        let (k, on) = Self::read_limits(kind, id);
        let _slot = self.pacer.wait(k, on.as_ref()).await;
        let result: Result<Vec<TeamsAppInstallation>, graph_api::Error> = match kind {
            ScopeKind::Chat => {
                client
                    .chat(id)
                    .installed_apps()
                    .list()
                    .filter(filter)
                    .expand("teamsAppDefinition")
                    .all()
                    .await
            }
            ScopeKind::Team => {
                client
                    .team(id)
                    .installed_apps()
                    .list()
                    .filter(filter)
                    .expand("teamsAppDefinition")
                    .all()
                    .await
            }
            ScopeKind::User => client
                .user(id)
                .teamwork()
                .installed_apps()
                .list()
                .filter(filter)
                .expand("teamsAppDefinition")
                .all()
                .await
                .map(|list| list.into_iter().map(Into::into).collect()),
        };
        match result {
            Ok(list) => Ok(self.found(kind, id, list)),
            Err(e) => Err((format!("{kind}/{id}"), e.to_string())),
        }
    }
}

impl Run<'_> {
    fn step(&self, failed: bool) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let failed_n = if failed {
            self.failed.fetch_add(1, Ordering::Relaxed) + 1
        } else {
            self.failed.load(Ordering::Relaxed)
        };
        self.rollout.report(Progress {
            phase: Phase::Upgrade,
            done,
            total: self.total.load(Ordering::Relaxed),
            failed: failed_n,
            throttled: self.rollout.throttled(),
        });
    }

    fn record(&self, record: Record) -> Result<(), Error> {
        match &self.journal {
            Some(j) => Ok(j.append(&record)?),
            None => Ok(()),
        }
    }

    fn on(key: &InstallationKey) -> Option<LimitedOn> {
        match key.scope {
            ScopeKind::Chat => Some(LimitedOn::Chat(key.scope_id.clone())),
            ScopeKind::Team => Some(LimitedOn::Team(key.scope_id.clone())),
            ScopeKind::User => None,
        }
    }

    /// Reads the installation's version.
    async fn read_version(
        &self,
        key: &InstallationKey,
    ) -> Result<Option<String>, graph_api::Error> {
        let client = &self.rollout.client;
        let on = Self::on(key);
        let kind = if key.scope == ScopeKind::Chat {
            Kind::GetInstalledAppsChat
        } else {
            Kind::GetInstalledAppsUserTeam
        };
        let _slot = self.pacer.wait(kind, on.as_ref()).await;
        let inst = match key.scope {
            ScopeKind::Chat => {
                client
                    .chat(&key.scope_id)
                    .installed_app(&key.installation_id)
                    .get()
                    .expand("teamsAppDefinition")
                    .send()
                    .await?
            }
            ScopeKind::Team => {
                client
                    .team(&key.scope_id)
                    .installed_app(&key.installation_id)
                    .get()
                    .expand("teamsAppDefinition")
                    .send()
                    .await?
            }
            ScopeKind::User => client
                .user(&key.scope_id)
                .teamwork()
                .installed_app(&key.installation_id)
                .get()
                .expand("teamsAppDefinition")
                .send()
                .await?
                .into(),
        };
        Ok(inst.teams_app_definition.and_then(|d| d.version))
    }

    /// Reads until the installation shows the target, at most `verify.attempts` times.
    async fn confirm(&self, key: &InstallationKey) -> Result<Option<String>, graph_api::Error> {
        let target = &self.plan.target_version;
        let mut last = None;
        for attempt in 0..self.rollout.verify.attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(self.rollout.verify.interval).await;
            }
            last = self.read_version(key).await?;
            if last.as_deref() == Some(target.as_str()) {
                return Ok(last);
            }
        }
        Ok(last)
    }

    async fn one(&self, found: &Found) -> Result<Outcome, Error> {
        let outcome = self.one_inner(found).await?;
        self.step(matches!(outcome, Outcome::Failed(_)));
        Ok(outcome)
    }

    async fn one_inner(&self, found: &Found) -> Result<Outcome, Error> {
        let key = &found.key;
        let text = key.to_string();
        let target = self.plan.target_version.as_str();
        if found.version.as_deref() == Some(target) {
            // Current as read now; a previous run may have made it so.
            let resumed = self.history.sent_unconfirmed.contains(&text)
                || self.history.confirmed.get(&text).map(String::as_str) == Some(target);
            if self.history.sent_unconfirmed.contains(&text) {
                self.record(Record::Confirmed {
                    key: text,
                    version: target.to_owned(),
                })?;
            }
            return Ok(if resumed {
                Outcome::Resumed
            } else {
                Outcome::Current
            });
        }
        if self.rollout.dry_run {
            return Ok(Outcome::WouldUpgrade);
        }
        let fail = |reason: String| -> Result<Outcome, Error> {
            self.record(Record::Failed {
                key: text.clone(),
                reason: reason.clone(),
            })?;
            Ok(Outcome::Failed(Failure {
                key: text.clone(),
                reason,
            }))
        };
        // Confirmed at the target by an earlier run: never sent again, whatever a (possibly
        // lagging) read says now.
        if self.history.confirmed.get(&text).map(String::as_str) == Some(target) {
            return Ok(Outcome::Resumed);
        }
        // Sent and not confirmed: read again (bounded polling) before any resend.
        if self.history.sent_unconfirmed.contains(&text) {
            match self.confirm(key).await {
                Ok(Some(v)) if v == target => {
                    self.record(Record::Confirmed {
                        key: text.clone(),
                        version: v,
                    })?;
                    return Ok(Outcome::Resumed);
                }
                Ok(_) => {}
                Err(e) => return fail(format!("re-reading before a resend failed: {e}")),
            }
        }
        let request = match self.plan.upgrade_request(&self.rollout.client, key) {
            Ok(r) => r,
            Err(e) => return fail(e.to_string()),
        };
        drop(request);
        let client = &self.rollout.client;
        // graph-api would send a throttled upgrade again by itself; here every send is
        // journaled and, after an answer that leaves it unknown whether the write was done
        // (429, 503, a failure after sending), the installation is read first.
        let once = graph_api::CallOptions::default().retry_policy(graph_api::RetryPolicy::none());
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Recorded (and synced) before the pacer's slot, so the request leaves on its
            // slot and not a disk sync later, which could bring it within a second of the
            // next one on the same chat.
            self.record(Record::Sent {
                key: text.clone(),
                from: found.version.clone(),
                to: target.to_owned(),
            })?;
            let slot = self
                .pacer
                .wait(Kind::PostInstalledApps, Self::on(key).as_ref())
                .await;
            self.writes.fetch_add(1, Ordering::Relaxed);
            let consent = self.plan.consent.clone();
            macro_rules! upgrade {
                ($nav:expr) => {{
                    let mut up = $nav
                        .installed_app(&key.installation_id)
                        .upgrade()
                        .call_options(once.clone());
                    if let Some(set) = consent {
                        up = up.consented_permission_set(set);
                    }
                    up.send().await
                }};
            }
            let sent = match key.scope {
                ScopeKind::Chat => upgrade!(client.chat(&key.scope_id)),
                ScopeKind::Team => upgrade!(client.team(&key.scope_id)),
                ScopeKind::User => upgrade!(client.user(&key.scope_id).teamwork()),
            };
            drop(slot);
            self.record(Record::Answered {
                key: text.clone(),
                status: match &sent {
                    Ok(()) => Some(204),
                    Err(e) => e.status(),
                },
                error: sent.as_ref().err().map(ToString::to_string),
            })?;
            let e = match sent {
                Ok(()) => break,
                Err(e) => e,
            };
            let unknown = matches!(e.status(), Some(429 | 503))
                || matches!(
                    e,
                    graph_api::Error::Transport {
                        maybe_sent: true,
                        ..
                    } | graph_api::Error::Timeout { .. }
                );
            if !unknown || attempt >= SEND_ATTEMPTS {
                return fail(explain(&e, self.plan));
            }
            tokio::time::sleep(e.retry_after().unwrap_or(Duration::from_secs(1))).await;
            match self.confirm(key).await {
                Ok(Some(v)) if v == target => {
                    self.record(Record::Confirmed {
                        key: text,
                        version: v,
                    })?;
                    return Ok(Outcome::Upgraded);
                }
                Ok(_) => {}
                Err(e) => return fail(format!("re-reading before a resend failed: {e}")),
            }
        }
        match self.confirm(key).await {
            Ok(Some(v)) if v == target => {
                self.record(Record::Confirmed {
                    key: text,
                    version: v,
                })?;
                Ok(Outcome::Upgraded)
            }
            Ok(v) => fail(format!(
                "the upgrade was accepted but {} read(s) still show version {}, not {target}",
                self.rollout.verify.attempts,
                v.as_deref().unwrap_or("unknown")
            )),
            Err(e) => fail(format!(
                "the upgrade was accepted but reading it back failed: {e}"
            )),
        }
    }
}

/// The reason for a failed upgrade in words: graph-api's error (a 403 names the permission to
/// add), and for a refused consent the permissions that were sent.
fn explain(e: &graph_api::Error, plan: &Plan) -> String {
    let consent = || {
        plan.consent
            .as_ref()
            .and_then(|s| s.resource_specific_permissions.as_ref())
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        format!(
                            "{} ({})",
                            p.permission_value.as_deref().unwrap_or("?"),
                            p.permission_type
                                .as_ref()
                                .map_or("?".to_owned(), |t| format!("{t:?}"))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|| "none".into())
    };
    match e.status() {
        Some(400) => format!(
            "consent refused: the upgrade consented to [{}], what version {} requires by the catalog; Graph said: {e}",
            consent(),
            plan.target_version
        ),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests;
