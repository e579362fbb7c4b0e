//! Retry policy after Microsoft's throttling guidance: honour `Retry-After` (seconds or HTTP
//! date), otherwise back off exponentially with jitter; bounded attempts and total time.
//!
//! Guidance: <https://learn.microsoft.com/en-us/graph/throttling>.

use crate::Error;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

/// When and how often a call is tried again.
///
/// Only answers that say the request was not processed are retried for every action: 429 Too
/// Many Requests, 503 Service Unavailable, and transport failures before the request was sent.
/// Other 5xx answers, attempt timeouts and failures after sending are retried only for actions
/// the spec marks idempotent; a connect timeout (nothing sent) is retried for every action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts (three retries, as the Graph SDKs do), backoff from 3 s doubling to at most
    /// 180 s, and no retry that would end more than 5 minutes after the call began.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(3),
            max_delay: Duration::from_secs(180),
            max_elapsed: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The most attempts, the first included (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff delay when the server gives no `Retry-After`; it doubles each retry.
    #[must_use]
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest backoff delay.
    #[must_use]
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// No retry starts if waiting for it would pass this much time since the call began.
    #[must_use]
    pub fn max_elapsed(mut self, budget: Duration) -> Self {
        self.max_elapsed = budget;
        self
    }

    /// The attempts allowed.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The time budget set by [`max_elapsed`](Self::max_elapsed); unless a call or client sets
    /// its own timeout, it is also the longest a call may take.
    pub fn time_budget(&self) -> Duration {
        self.max_elapsed
    }

    /// How long to wait before attempt `attempt + 1` after `error`, or `None` to stop:
    /// not retryable, out of attempts, or past the time budget (`elapsed` so far).
    pub(crate) fn delay(
        &self,
        error: &Error,
        idempotent: bool,
        attempt: u32,
        elapsed: Duration,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts || !retryable(error, idempotent) {
            return None;
        }
        let delay = match error.retry_after() {
            Some(after) => after,
            None => self.backoff(attempt),
        };
        // `Retry-After` comes from the network: any size must give an answer, not an overflow.
        elapsed
            .checked_add(delay)
            .is_some_and(|end| end <= self.max_elapsed)
            .then_some(delay)
    }

    /// Full-jitter exponential backoff: a random delay up to `base * 2^(attempt-1)`, capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(self.max_delay);
        exp.mul_f64(random_unit())
    }
}

/// Whether an error means trying again is safe.
pub(crate) fn retryable(error: &Error, idempotent: bool) -> bool {
    match error {
        Error::Api(e) => matches!(e.status, 429 | 503) || (idempotent && e.status >= 500),
        Error::Transport { maybe_sent, .. } => !maybe_sent || idempotent,
        Error::Timeout { limit, .. } => match limit {
            crate::TimeoutLimit::Connect => true,
            crate::TimeoutLimit::Attempt => idempotent,
            // The call's own limit ends it: nothing is left to retry within it.
            _ => false,
        },
        _ => false,
    }
}

/// 64 random bits: the standard library's randomly keyed hasher (fresh keys per `RandomState`)
/// over the current time. Not for cryptography; enough for jitter.
fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    h.finish()
}

/// A number in [0, 1).
fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random version-4 GUID, for `client-request-id`, as the header value it is sent as: written
/// into a buffer and copied once (no `String` formatted on the way). uuid's `fast-rng` draws the
/// bits from a per-thread generator seeded by the operating system, so a call makes no
/// `getrandom` system call of its own.
pub(crate) fn new_guid() -> reqwest::header::HeaderValue {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buf);
    // Hex digits and hyphens are always a valid header value; the fallback cannot happen.
    reqwest::header::HeaderValue::from_str(text).unwrap_or_else(|_| {
        reqwest::header::HeaderValue::from_static("00000000-0000-4000-8000-000000000000")
    })
}

/// How long a `Retry-After` value asks to wait; `None` when it is none of the forms Graph sends:
/// whole seconds (`7`), decimal seconds (`0.249`, as Graph sends for some throttled requests;
/// microsoft-graph-docs issue 3877), or an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, from
/// which the wait is measured from now).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if value.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        if let Ok(secs) = value.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        // Decimal seconds: digits, one dot, digits; nothing else (no exponent, no sign).
        let (whole, fraction) = value.split_once('.')?;
        if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let secs: u64 = whole.parse().ok()?;
        let nanos: u32 = format!("{:0<9}", &fraction[..fraction.len().min(9)])
            .parse()
            .ok()?;
        return Some(Duration::new(secs, nanos));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_seconds_decimal_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("0.249"), Some(Duration::from_millis(249)));
        assert_eq!(parse_retry_after("2.5"), Some(Duration::from_millis(2500)));
        assert_eq!(parse_retry_after("1.0000000019"), Some(Duration::new(1, 1)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        let later = SystemTime::now() + Duration::from_secs(120);
        let waited = parse_retry_after(&httpdate::fmt_http_date(later)).expect("a date");
        assert!(
            waited > Duration::from_secs(110) && waited <= Duration::from_secs(120),
            "{waited:?}"
        );
        for bad in [
            "soon",
            "-3",
            "+3",
            "1e3",
            "0.",
            ".5",
            "1.2.3",
            "0x10",
            "",
            "Sun, 06 Nov 99999999999 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn any_retry_after_gives_an_answer_not_an_overflow() {
        let p = RetryPolicy::default();
        let huge = Error::Api(Box::new(crate::ApiError {
            status: 429,
            code: None,
            message: None,
            inner_codes: Vec::new(),
            request_id: None,
            client_request_id: None,
            date: None,
            retry_after: parse_retry_after("18446744073709551615"),
            body_snippet: String::new(),
            missing_permission: None,
        }));
        assert_eq!(p.delay(&huge, false, 1, Duration::from_secs(1)), None);
    }

    #[test]
    fn backoff_grows_and_stays_capped() {
        let p = RetryPolicy::default()
            .base_delay(Duration::from_secs(1))
            .max_delay(Duration::from_secs(5));
        for attempt in 1..20 {
            let d = p.backoff(attempt);
            let cap =
                Duration::from_secs(1u64 << (attempt - 1).min(16)).min(Duration::from_secs(5));
            assert!(d <= cap, "attempt {attempt}: {d:?} > {cap:?}");
        }
    }

    #[test]
    fn guids_are_version_4_and_distinct() {
        let (a, b) = (new_guid(), new_guid());
        assert_ne!(a, b);
        // Each thread's generator has its own seed: a new thread's first id is another one.
        let other = std::thread::spawn(new_guid).join().expect("thread");
        assert!(other != a && other != b);
        let a = a.to_str().expect("text");
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }
}
