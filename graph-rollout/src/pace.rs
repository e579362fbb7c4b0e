//! Pacing at Microsoft's published Teams limits: a schedule of send times per request kind and per chat, team or user.
//!
//! The rates are Microsoft's published Teams limits, read from [`graph_api::meta::throttling`]
//! (the same data graph-standin enforces): per app per tenant, 30 requests per second for each
//! row this job sends (GET installedApps for user, team; GET installedApps for chat; GET
//! appCatalogs; POST installedApps for chat, user, team, which upgrades fall under either as that
//! row or as "Other API calls", 30 either way; other GET calls such as listing teams and a user's
//! chats), and, from the notes under the table, one request per second on a given chat, four on
//! a given team, and five per user when listing chats. `GET /users` is a directory read, not a
//! Teams request: the table does not limit it and neither does this pacer.
//!
//! The pacer is a generic cell rate algorithm per bucket, the equivalent of a token bucket of
//! capacity equal to its rate per second, as the limits are enforced, that starts empty (so a
//! run never counts on a burst another run may have spent). A request
//! reserves the earliest time every bucket it counts against allows and sleeps until then, so
//! concurrent requests never overrun a limit and nothing waits longer than it must. While 429s
//! keep coming (another client of the same app, or limits lower than published), it slows down.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

pub use graph_api::meta::throttling::{LimitedOn, SOURCE, TeamsRequest};

/// What a request of this job is, for the limits: a row of the Teams table, or a directory read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `GET installedApps for user, team`.
    GetInstalledAppsUserTeam,
    /// `GET installedApps for chat`.
    GetInstalledAppsChat,
    /// `GET appCatalogs`.
    GetAppCatalogs,
    /// `POST installedApps for chat, user, team` (upgrades).
    PostInstalledApps,
    /// `Other GET API calls for Microsoft Teams` (listing teams, a user's chats).
    OtherGet,
    /// `GET /users`: a directory read the Teams table does not limit.
    Directory,
}

impl Kind {
    /// The row of the Teams limits table it counts under; `None` for a directory read.
    pub fn row(self) -> Option<TeamsRequest> {
        match self {
            Kind::GetInstalledAppsUserTeam => Some(TeamsRequest::GetInstalledAppsUserTeam),
            Kind::GetInstalledAppsChat => Some(TeamsRequest::GetInstalledAppsChat),
            Kind::GetAppCatalogs => Some(TeamsRequest::GetAppCatalogs),
            Kind::PostInstalledApps => Some(TeamsRequest::PostInstalledApps),
            Kind::OtherGet => Some(TeamsRequest::OtherGet),
            Kind::Directory => None,
        }
    }

    /// Requests per second per app per tenant; `None` when the table does not limit it.
    pub fn per_tenant_rps(self) -> Option<f64> {
        self.row().map(TeamsRequest::per_tenant_rps)
    }
}

/// One bucket: the theoretical arrival time of the next request (GCRA).
#[derive(Debug, Clone, Copy)]
struct Cell {
    interval: Duration,
    /// How far ahead of the schedule a burst may run: (capacity - 1) intervals.
    tolerance: Duration,
    tat: Instant,
}

impl Cell {
    fn new(rps: f64, margin: Duration, now: Instant) -> Cell {
        let interval = Duration::from_secs_f64(1.0 / rps) + margin;
        let capacity = rps.max(1.0).floor();
        let tolerance = interval.mul_f64(capacity - 1.0);
        // Start as if the bucket were empty: another run of the same app (a crashed one just
        // before, or one in another process) may have spent the burst, and a rate just under
        // the limit is within it whatever the bucket holds. A bucket that turns out to be full
        // costs at most its one-second burst.
        Cell {
            interval,
            tolerance,
            tat: now + tolerance,
        }
    }

    /// The earliest time at or after `now` a request conforms.
    fn earliest(&self, now: Instant) -> Instant {
        now.max(self.tat.checked_sub(self.tolerance).unwrap_or(now))
    }

    /// Takes the slot at `at`; `slow` (at most 1) stretches the interval after it.
    fn commit(&mut self, at: Instant, slow: f64) {
        self.tat = self.tat.max(at) + self.interval.div_f64(slow);
    }
}

/// How many per-chat, team or user cells are kept before the ones in the past are dropped.
const MAX_CELLS: usize = 100_000;

/// How much slower than the limits the pacer goes after 429s: each new 429 makes it 10% slower
/// (down to a quarter of the limits); every 50 reservations without one, 5% faster again.
#[derive(Debug)]
struct Backoff {
    counter: Option<crate::Counter>,
    seen: u64,
    calm: u32,
    slow: f64,
}

impl Backoff {
    fn update(&mut self) -> f64 {
        let Some(counter) = &self.counter else {
            return 1.0;
        };
        let throttled = counter.throttled();
        if throttled > self.seen {
            self.seen = throttled;
            self.slow = (self.slow * 0.9).max(0.25);
            self.calm = 0;
        } else {
            self.calm += 1;
            if self.calm >= 50 {
                self.slow = (self.slow * 1.05).min(1.0);
                self.calm = 0;
            }
        }
        self.slow
    }
}

/// The schedule shared by every request of a rollout.
#[derive(Debug)]
pub struct Pacer {
    factor: f64,
    margin: Duration,
    cells: Mutex<(HashMap<Kind, Cell>, HashMap<LimitedOn, Cell>)>,
    backoff: Mutex<Backoff>,
}

impl Pacer {
    /// Graph's limits multiplied by `factor` (1.0 for Graph's own; 0 or less turns pacing off).
    /// Each per-tenant rate is kept 2% under the limit and each per-resource interval 20 ms
    /// over it, so that requests that leave on schedule still arrive within the limits when
    /// the network delays one more than the next.
    pub fn new(factor: f64) -> Pacer {
        Pacer {
            factor,
            margin: Duration::from_millis(20),
            cells: Mutex::new((HashMap::new(), HashMap::new())),
            backoff: Mutex::new(Backoff {
                counter: None,
                seen: 0,
                calm: 0,
                slow: 1.0,
            }),
        }
    }

    /// Slows down while 429s keep coming, as `counter` (given to the client as its attempt
    /// hook) sees them: 10% slower for each new one, back up 5% per 50 calm reservations.
    pub fn backing_off_on(self, counter: crate::Counter) -> Pacer {
        {
            let mut b = self.backoff.lock().unwrap_or_else(|p| p.into_inner());
            b.seen = counter.throttled();
            b.counter = Some(counter);
        }
        self
    }

    /// The share of the limits the pacer is using now (1.0 unless 429s came).
    pub fn pace(&self) -> f64 {
        self.backoff.lock().unwrap_or_else(|p| p.into_inner()).slow
    }

    fn slow(&self) -> f64 {
        self.backoff
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .update()
    }

    /// Whether requests are paced at all.
    pub fn enabled(&self) -> bool {
        self.factor > 0.0
    }

    /// Reserves the earliest time a request of `kind` on `on` is within every limit, and
    /// returns it (now when it may go at once).
    pub fn reserve(&self, kind: Kind, on: Option<&LimitedOn>) -> Instant {
        let now = Instant::now();
        if !self.enabled() {
            return now;
        }
        let slow = self.slow();
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        let (tenant, scoped) = &mut *cells;
        let factor = self.factor;
        let margin = self.margin;
        let mut at = now;
        if let Some(rps) = kind.per_tenant_rps() {
            let cell = tenant
                .entry(kind)
                .or_insert_with(|| Cell::new(rps * factor * 0.98, Duration::ZERO, now));
            at = at.max(cell.earliest(now));
        }
        if let Some(on) = on {
            if scoped.len() >= MAX_CELLS && !scoped.contains_key(on) {
                scoped.retain(|_, c| c.tat > now);
            }
            let cell = scoped
                .entry(on.clone())
                .or_insert_with(|| Cell::new(on.rps() * factor, margin, now));
            at = at.max(cell.earliest(now));
        }
        if let Some(cell) = tenant.get_mut(&kind) {
            cell.commit(at, slow);
        }
        if let Some(cell) = on.and_then(|o| scoped.get_mut(o)) {
            cell.commit(at, slow);
        }
        at
    }

    /// Reserves one time at which every request of `group` may be sent together (as items of
    /// one `$batch` POST, which Graph counts one by one), and returns it.
    pub fn reserve_all(&self, group: &[(Kind, Option<LimitedOn>)]) -> Instant {
        let now = Instant::now();
        if !self.enabled() {
            return now;
        }
        let slow = self.slow();
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        let (tenant, scoped) = &mut *cells;
        let factor = self.factor;
        let margin = self.margin;
        let mut kinds: HashMap<Kind, u32> = HashMap::new();
        let mut ons: HashMap<&LimitedOn, u32> = HashMap::new();
        for (kind, on) in group {
            if kind.per_tenant_rps().is_some() {
                *kinds.entry(*kind).or_insert(0) += 1;
            }
            if let Some(on) = on {
                *ons.entry(on).or_insert(0) += 1;
            }
        }
        // n requests at one time t conform when t >= tat + (n - 1) intervals - tolerance.
        let earliest_n = |cell: &Cell, n: u32| {
            let last = cell.tat + cell.interval * n.saturating_sub(1);
            now.max(last.checked_sub(cell.tolerance).unwrap_or(now))
        };
        let mut at = now;
        for (kind, n) in &kinds {
            let rps = kind.per_tenant_rps().unwrap_or(1.0);
            let cell = tenant
                .entry(*kind)
                .or_insert_with(|| Cell::new(rps * factor * 0.98, Duration::ZERO, now));
            at = at.max(earliest_n(cell, *n));
        }
        for (on, n) in &ons {
            let cell = scoped
                .entry((*on).clone())
                .or_insert_with(|| Cell::new(on.rps() * factor, margin, now));
            at = at.max(earliest_n(cell, *n));
        }
        for (kind, on) in group {
            if let Some(cell) = tenant.get_mut(kind) {
                cell.commit(at, slow);
            }
            if let Some(cell) = on.as_ref().and_then(|o| scoped.get_mut(o)) {
                cell.commit(at, slow);
            }
        }
        at
    }

    /// Waits until a request of `kind` on `on` may be sent. Keep the slot until the answer has
    /// come: dropping it then restarts `on`'s spacing from the answer (see [`Slot`]).
    pub async fn wait(&self, kind: Kind, on: Option<&LimitedOn>) -> Slot<'_> {
        let at = self.reserve(kind, on);
        tokio::time::sleep_until(at).await;
        Slot {
            pacer: self,
            on: on.into_iter().cloned().collect(),
        }
    }

    /// Waits until every request of `group` may be sent together (see [`Pacer::reserve_all`]).
    pub async fn wait_all(&self, group: &[(Kind, Option<LimitedOn>)]) -> Slot<'_> {
        let at = self.reserve_all(group);
        tokio::time::sleep_until(at).await;
        Slot {
            pacer: self,
            on: group.iter().filter_map(|(_, on)| on.clone()).collect(),
        }
    }

    /// The answers to requests on `on` came now: the next request on each may leave one
    /// interval from now at the earliest, whenever its request was sent.
    fn answered(&self, on: &[LimitedOn]) {
        if on.is_empty() || !self.enabled() {
            return;
        }
        let now = Instant::now();
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        for on in on {
            if let Some(cell) = cells.1.get_mut(on) {
                cell.tat = cell.tat.max(now + cell.interval);
            }
        }
    }
}

/// A send time taken from the [`Pacer`], held while the request is out.
///
/// Slots are reserved in send time, but Graph counts a request when it arrives, and a request
/// can arrive late (a busy client, a slow connection, a `$batch` POST whose items Graph takes one
/// by one). Dropped after the answer, a slot moves the next request on the same chat, team or
/// user to at least one interval after that answer: the answer came after Graph counted the
/// request, so the two are never closer than the limit there, however late the first arrived.
#[must_use = "hold the slot until the answer has come"]
#[derive(Debug)]
pub struct Slot<'a> {
    pacer: &'a Pacer,
    on: Vec<LimitedOn>,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.pacer.answered(&self.on);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_chat_gets_one_request_a_second_and_the_tenant_thirty() {
        let pacer = Pacer::new(1.0);
        let t0 = Instant::now();
        let chat = LimitedOn::Chat("19:a@thread.v2".into());
        let first = pacer.reserve(Kind::PostInstalledApps, Some(&chat));
        let second = pacer.reserve(Kind::GetInstalledAppsChat, Some(&chat));
        assert_eq!(first, t0);
        assert!(
            second - first >= Duration::from_secs(1),
            "{:?}",
            second - first
        );
        // Other chats: the tenant's rate, just under 30 a second, from the start (no burst).
        let times: Vec<Instant> = (0..40)
            .map(|i| {
                pacer.reserve(
                    Kind::PostInstalledApps,
                    Some(&LimitedOn::Chat(format!("c{i}"))),
                )
            })
            .collect();
        assert!(times[0] > t0);
        let rate = 39.0 / (times[39] - times[0]).as_secs_f64();
        assert!(rate < 30.0 && rate > 25.0, "{rate}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_team_gets_four_and_listing_a_users_chats_five() {
        let pacer = Pacer::new(1.0);
        let team = LimitedOn::Team("t".into());
        let t: Vec<Instant> = (0..8)
            .map(|_| pacer.reserve(Kind::GetInstalledAppsUserTeam, Some(&team)))
            .collect();
        // One every quarter second (plus the margin), no burst.
        for pair in t.windows(2) {
            assert!(pair[1] - pair[0] >= Duration::from_millis(250));
        }
        let user = LimitedOn::UserChats("u".into());
        let u: Vec<Instant> = (0..6)
            .map(|_| pacer.reserve(Kind::OtherGet, Some(&user)))
            .collect();
        assert!(u[5] - u[0] >= Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn a_batch_goes_when_all_its_items_may_and_counts_them_one_by_one() {
        let pacer = Pacer::new(1.0);
        let group: Vec<(Kind, Option<LimitedOn>)> = (0..20)
            .map(|i| {
                (
                    Kind::GetInstalledAppsChat,
                    Some(LimitedOn::Chat(format!("c{i}"))),
                )
            })
            .collect();
        let first = pacer.reserve_all(&group);
        let second = pacer.reserve_all(&group);
        // The same twenty chats again: a second later at the earliest (one per chat per
        // second), and the tenant's bucket needs twenty more tokens by then anyway.
        assert!(
            second - first >= Duration::from_secs(1),
            "{:?}",
            second - first
        );
        let rate = 20.0 / (second - first).as_secs_f64();
        assert!(rate <= 30.0, "{rate}");
        // A single request on one of those chats waits its second after the batch.
        let after = pacer.reserve(Kind::PostInstalledApps, Some(&LimitedOn::Chat("c3".into())));
        assert!(after - second >= Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn it_slows_down_while_429s_keep_coming_and_speeds_up_when_they_stop() {
        let counter = crate::Counter::new();
        let pacer = Pacer::new(1.0).backing_off_on(counter.clone());
        let mut chat = 0;
        let mut spacing = |n: usize| {
            let times: Vec<Instant> = (0..n)
                .map(|_| {
                    chat += 1;
                    pacer.reserve(
                        Kind::PostInstalledApps,
                        Some(&LimitedOn::Chat(format!("c{chat}"))),
                    )
                })
                .collect();
            (times[n - 1] - times[0]).as_secs_f64() / (n - 1) as f64
        };
        let normal = spacing(10);
        for _ in 0..3 {
            counter.note_throttled();
            spacing(2);
        }
        let slowed = spacing(10);
        assert!(slowed > normal * 1.3, "{normal} -> {slowed}");
        assert!(pacer.pace() < 0.75);
        // Calm again: back to the limits after enough reservations without a 429.
        spacing(600);
        assert_eq!(pacer.pace(), 1.0);
    }

    #[tokio::test(start_paused = true)]
    async fn the_next_request_on_a_chat_waits_a_second_from_the_answer_not_the_send() {
        let pacer = Pacer::new(1.0);
        let chat = LimitedOn::Chat("19:a@thread.v2".into());
        let slot = pacer.wait(Kind::GetInstalledAppsChat, Some(&chat)).await;
        let sent = Instant::now();
        // The answer takes 700 ms (the request arrived late, or Graph was slow).
        tokio::time::sleep(Duration::from_millis(700)).await;
        let answered = Instant::now();
        drop(slot);
        let next = pacer.reserve(Kind::PostInstalledApps, Some(&chat));
        assert!(
            next - answered >= Duration::from_secs(1),
            "{:?}",
            next - answered
        );
        assert!(next - sent >= Duration::from_millis(1700));
        // Another chat is not held back by it.
        let other = pacer.reserve(Kind::PostInstalledApps, Some(&LimitedOn::Chat("c2".into())));
        assert!(other < next);
    }

    #[tokio::test(start_paused = true)]
    async fn users_are_not_paced_and_off_means_off() {
        let pacer = Pacer::new(1.0);
        let t0 = Instant::now();
        assert!((0..1000).all(|_| pacer.reserve(Kind::Directory, None) == t0));
        let off = Pacer::new(0.0);
        let chat = LimitedOn::Chat("c".into());
        assert!((0..100).all(|_| off.reserve(Kind::PostInstalledApps, Some(&chat)) == t0));
    }
}
