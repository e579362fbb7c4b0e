//! Which Teams request kinds the stand-in tells apart, and the token buckets that enforce Microsoft's published limits on them.
//!
//! The numbers are graph-meta's copy of Microsoft's published table
//! ([`graph_meta::throttling`], from <https://learn.microsoft.com/graph/throttling-limits#microsoft-teams-service-limits>):
//! requests per second per app, per tenant for each request type, and, in notes under the
//! table, per chat (1), per team (4) and per user when listing chats (5). Only the per-tenant
//! column and those notes are modelled: the stand-in is one tenant and one app.
//! The "across all tenants" column and the global limit do not apply to a single tenant.

use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

pub use graph_meta::throttling::{LimitedOn, SOURCE, TeamsRequest};

/// A kind of request: a row of the limits table, or one of the requests it does not cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestKind {
    /// `GET installedApps for user, team`.
    GetInstalledAppsUserTeam,
    /// `GET installedApps for chat`.
    GetInstalledAppsChat,
    /// `GET appCatalogs`.
    GetAppCatalogs,
    /// `POST installedApps for chat, user, team` (adds, and upgrades, which the table does not
    /// name: either this row or "Other API calls" gives the same 30 per second).
    PostInstalledApps,
    /// `DELETE installedApps for chat, user, team`.
    DeleteInstalledApps,
    /// `Other GET API calls for Microsoft Teams` (listing teams, a user's chats).
    OtherGet,
    /// `GET /users`: a directory read, not a Teams request; the Teams table does not limit it
    /// and the stand-in does not model the directory's limits.
    ListUsers,
    /// `POST /$batch` itself: its items are counted one by one under their own kinds.
    Batch,
}

impl RequestKind {
    /// Every kind, in table order.
    pub const ALL: [RequestKind; 8] = [
        RequestKind::GetInstalledAppsUserTeam,
        RequestKind::GetInstalledAppsChat,
        RequestKind::GetAppCatalogs,
        RequestKind::PostInstalledApps,
        RequestKind::DeleteInstalledApps,
        RequestKind::OtherGet,
        RequestKind::ListUsers,
        RequestKind::Batch,
    ];

    /// The row of the Teams limits table it counts under; `None` for what the table lacks.
    pub fn row(self) -> Option<TeamsRequest> {
        match self {
            RequestKind::GetInstalledAppsUserTeam => Some(TeamsRequest::GetInstalledAppsUserTeam),
            RequestKind::GetInstalledAppsChat => Some(TeamsRequest::GetInstalledAppsChat),
            RequestKind::GetAppCatalogs => Some(TeamsRequest::GetAppCatalogs),
            RequestKind::PostInstalledApps => Some(TeamsRequest::PostInstalledApps),
            RequestKind::DeleteInstalledApps => Some(TeamsRequest::DeleteInstalledApps),
            RequestKind::OtherGet => Some(TeamsRequest::OtherGet),
            RequestKind::ListUsers | RequestKind::Batch => None,
        }
    }

    /// The row's name in the limits table (or the stand-in's name for what the table lacks).
    pub fn name(self) -> &'static str {
        match (self, self.row()) {
            (_, Some(row)) => row.name(),
            (RequestKind::ListUsers, None) => "GET /users (directory, not limited)",
            (_, None) => "POST /$batch (items counted by kind)",
        }
    }

    /// Requests per second per app per tenant, from the table; `None` when not limited.
    pub fn per_tenant_rps(self) -> Option<f64> {
        self.row().map(TeamsRequest::per_tenant_rps)
    }

    /// Whether the request changes state (counted as a write).
    pub fn is_write(self) -> bool {
        matches!(
            self,
            RequestKind::PostInstalledApps | RequestKind::DeleteInstalledApps
        )
    }
}

/// How the limits apply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limits {
    /// No throttling at all.
    Off,
    /// Microsoft's limits multiplied by this factor (1.0 is Graph's).
    Scaled(f64),
}

impl Default for Limits {
    /// Graph's limits.
    fn default() -> Self {
        Limits::Scaled(1.0)
    }
}

/// A token bucket: `capacity` tokens, refilled at `rate` per second, starting full.
///
/// A bucket of rate r and capacity r lets a one-second burst of r through, then r per second.
#[derive(Debug, Clone)]
pub struct Bucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    at: Instant,
    admitted: u64,
}

impl Bucket {
    /// A full bucket at `now`.
    pub fn new(rate: f64, now: Instant) -> Bucket {
        let capacity = rate.max(1.0);
        Bucket {
            rate,
            capacity,
            tokens: capacity,
            at: now,
            admitted: 0,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        self.at = now;
    }

    /// How long until a token is free (zero when one is free now).
    pub fn wait(&mut self, now: Instant) -> Duration {
        self.refill(now);
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / self.rate)
        }
    }

    /// Takes a token; call only after [`wait`](Bucket::wait) said zero.
    pub fn take(&mut self) {
        self.tokens -= 1.0;
        self.admitted += 1;
    }

    /// The least time the admitted requests needed through this bucket: a perfect client
    /// spends the initial burst at once, then one token every 1/rate seconds.
    pub fn least_time(&self) -> Duration {
        let beyond_burst = self.admitted as f64 - self.capacity;
        if beyond_burst <= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(beyond_burst / self.rate)
        }
    }
}

/// How many per-chat, per-team and per-user buckets are kept before full ones are dropped.
pub const MAX_SCOPED_BUCKETS: usize = 200_000;

/// Every bucket, created on first use.
///
/// Memory stays bounded however many distinct chats, teams or users requests name: past
/// [`MAX_SCOPED_BUCKETS`], buckets that have refilled completely are dropped (a full bucket
/// behaves exactly like a new one), and the least time they accounted for is kept.
#[derive(Debug, Default)]
pub struct Limiter {
    limits: Limits,
    tenant: HashMap<RequestKind, Bucket>,
    scoped: HashMap<LimitedOn, Bucket>,
    dropped_least_time: Duration,
}

impl Limiter {
    /// A limiter that applies `limits`.
    pub fn new(limits: Limits) -> Limiter {
        Limiter {
            limits,
            ..Limiter::default()
        }
    }

    /// Admits a request of `kind` on `scope` at `now`, taking one token from each bucket it
    /// counts against, or says how long until every one of them has a token (taking none).
    pub fn admit(
        &mut self,
        kind: RequestKind,
        scope: Option<&LimitedOn>,
        now: Instant,
    ) -> Result<(), Duration> {
        let factor = match self.limits {
            Limits::Off => return Ok(()),
            Limits::Scaled(f) if f > 0.0 => f,
            Limits::Scaled(_) => return Ok(()),
        };
        let mut wait = Duration::ZERO;
        let tenant = kind.per_tenant_rps().map(|rps| {
            let bucket = self
                .tenant
                .entry(kind)
                .or_insert_with(|| Bucket::new(rps * factor, now));
            wait = wait.max(bucket.wait(now));
        });
        if let Some(scope) = scope {
            if self.scoped.len() >= MAX_SCOPED_BUCKETS && !self.scoped.contains_key(scope) {
                self.drop_full(now);
            }
            let bucket = self
                .scoped
                .entry(scope.clone())
                .or_insert_with(|| Bucket::new(scope.rps() * factor, now));
            wait = wait.max(bucket.wait(now));
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        if tenant.is_some()
            && let Some(b) = self.tenant.get_mut(&kind)
        {
            b.take();
        }
        if let Some(b) = scope.and_then(|s| self.scoped.get_mut(s)) {
            b.take();
        }
        Ok(())
    }

    /// The least time a client that never got a 429 would have needed for what was admitted:
    /// the longest any one bucket needed.
    pub fn least_time(&self) -> Duration {
        self.tenant
            .values()
            .chain(self.scoped.values())
            .map(Bucket::least_time)
            .max()
            .unwrap_or(Duration::ZERO)
            .max(self.dropped_least_time)
    }

    /// Drops the scoped buckets that are full at `now`, keeping the least time they needed.
    fn drop_full(&mut self, now: Instant) {
        let mut kept_least = self.dropped_least_time;
        self.scoped.retain(|_, b| {
            if b.wait(now).is_zero() && b.tokens >= b.capacity {
                kept_least = kept_least.max(b.least_time());
                false
            } else {
                true
            }
        });
        self.dropped_least_time = kept_least;
    }

    /// How many per-chat, per-team and per-user buckets are held.
    pub fn scoped_buckets(&self) -> usize {
        self.scoped.len()
    }
}

/// `Retry-After` in decimal seconds, as Graph sends it (for example `0.249`): rounded up to the
/// millisecond, so a client that waits exactly that long finds a token, and never zero.
pub fn retry_after_value(wait: Duration) -> String {
    let ms = wait.as_nanos().div_ceil(1_000_000).max(1);
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_lets_its_burst_through_then_one_token_per_interval() {
        let t0 = Instant::now();
        let mut b = Bucket::new(4.0, t0);
        for _ in 0..4 {
            assert_eq!(b.wait(t0), Duration::ZERO);
            b.take();
        }
        assert_eq!(b.wait(t0), Duration::from_millis(250));
        assert_eq!(
            b.wait(t0 + Duration::from_millis(100)),
            Duration::from_millis(150)
        );
        assert_eq!(b.wait(t0 + Duration::from_millis(250)), Duration::ZERO);
    }

    #[test]
    fn the_least_time_counts_only_what_exceeds_the_burst() {
        let t0 = Instant::now();
        let mut b = Bucket::new(1.0, t0);
        assert_eq!(b.least_time(), Duration::ZERO);
        b.take();
        assert_eq!(b.least_time(), Duration::ZERO);
        for _ in 0..3 {
            b.take();
        }
        assert_eq!(b.least_time(), Duration::from_secs(3));
    }

    #[test]
    fn a_throttled_request_takes_no_token_from_any_bucket() {
        let t0 = Instant::now();
        let mut l = Limiter::new(Limits::default());
        let chat = LimitedOn::Chat("19:a@thread.v2".into());
        assert!(
            l.admit(RequestKind::GetInstalledAppsChat, Some(&chat), t0)
                .is_ok()
        );
        let wait = l
            .admit(RequestKind::GetInstalledAppsChat, Some(&chat), t0)
            .expect_err("second request on the chat in the same second");
        assert_eq!(wait, Duration::from_secs(1));
        // The per-tenant bucket lost only the one admitted token: 29 more chats pass now.
        for i in 0..29 {
            let other = LimitedOn::Chat(format!("19:{i}@thread.v2"));
            assert!(
                l.admit(RequestKind::GetInstalledAppsChat, Some(&other), t0)
                    .is_ok()
            );
        }
        let other = LimitedOn::Chat("19:last@thread.v2".into());
        assert!(
            l.admit(RequestKind::GetInstalledAppsChat, Some(&other), t0)
                .is_err()
        );
    }

    #[test]
    fn limits_scale_and_switch_off() {
        let t0 = Instant::now();
        let chat = LimitedOn::Chat("19:a@thread.v2".into());
        let mut doubled = Limiter::new(Limits::Scaled(2.0));
        assert!(
            doubled
                .admit(RequestKind::PostInstalledApps, Some(&chat), t0)
                .is_ok()
        );
        assert!(
            doubled
                .admit(RequestKind::PostInstalledApps, Some(&chat), t0)
                .is_ok()
        );
        assert_eq!(
            doubled.admit(RequestKind::PostInstalledApps, Some(&chat), t0),
            Err(Duration::from_millis(500))
        );
        let mut off = Limiter::new(Limits::Off);
        for _ in 0..1000 {
            assert!(
                off.admit(RequestKind::PostInstalledApps, Some(&chat), t0)
                    .is_ok()
            );
        }
    }

    #[test]
    fn buckets_for_ever_new_chats_stay_bounded() {
        let t0 = Instant::now();
        let mut l = Limiter::new(Limits::Scaled(1e9));
        for i in 0..MAX_SCOPED_BUCKETS + 10 {
            let chat = LimitedOn::Chat(format!("19:{i}@thread.v2"));
            // A second later every earlier bucket has refilled.
            let at = t0 + Duration::from_secs(i as u64 / MAX_SCOPED_BUCKETS as u64);
            assert!(l.admit(RequestKind::OtherGet, Some(&chat), at).is_ok());
        }
        assert!(
            l.scoped_buckets() <= MAX_SCOPED_BUCKETS,
            "{}",
            l.scoped_buckets()
        );
    }

    #[test]
    fn deletes_have_half_the_tenant_rate() {
        assert_eq!(
            RequestKind::DeleteInstalledApps.per_tenant_rps(),
            Some(15.0)
        );
        assert_eq!(RequestKind::PostInstalledApps.per_tenant_rps(), Some(30.0));
        assert_eq!(RequestKind::ListUsers.per_tenant_rps(), None);
    }

    #[test]
    fn retry_after_is_decimal_seconds() {
        assert_eq!(retry_after_value(Duration::from_millis(249)), "0.249");
        assert_eq!(retry_after_value(Duration::from_millis(1500)), "1.500");
        assert_eq!(retry_after_value(Duration::ZERO), "0.001");
        assert_eq!(
            retry_after_value(Duration::from_secs_f64(1.0 / 30.0)),
            "0.034"
        );
    }
}
