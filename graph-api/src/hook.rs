//! A hook on every attempt of every call: add headers before it is sent, observe how it went.
//!
//! ```
//! use graph_api::hook::{AttemptHook, AttemptOutcome, OutgoingAttempt};
//!
//! /// Tags every request and counts throttled attempts.
//! struct Metrics(std::sync::atomic::AtomicU64);
//!
//! impl AttemptHook for Metrics {
//!     fn before_send(&self, attempt: &mut OutgoingAttempt<'_>) {
//!         let _ = attempt.insert_header("x-contoso-tenant", "fabrikam");
//!     }
//!     fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
//!         if outcome.status == Some(429) {
//!             self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
//!         }
//!     }
//! }
//!
//! let client = graph_api::GraphClient::builder()
//!     .bearer_token("token")
//!     .on_attempt(Metrics(Default::default()))
//!     .build()?;
//! # Ok::<(), graph_api::Error>(())
//! ```

use crate::meta::ActionInfo;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::time::Duration;

/// What a user's code may do on each attempt. Both methods run on the calling task and should
/// return quickly; the defaults do nothing.
pub trait AttemptHook: Send + Sync + 'static {
    /// Called before each attempt is sent (retries included), with its headers.
    fn before_send(&self, attempt: &mut OutgoingAttempt<'_>) {
        let _ = attempt;
    }

    /// Called after each attempt that was sent: its status (or none, when it failed on the way)
    /// and how long it took from sending to the last byte of the answer. An attempt cut off by
    /// the call's timeout, or that never got a token, is not reported.
    fn after_attempt(&self, outcome: &AttemptOutcome<'_>) {
        let _ = outcome;
    }

    /// Called for each item of a `$batch` answer, throttled ones included (the POST itself is
    /// an attempt of its own, reported to [`after_attempt`](AttemptHook::after_attempt)). Graph
    /// counts items one by one against its limits and answers a throttled item 429 inside a
    /// 200, so this is where a hook sees those 429s.
    fn after_batch_item(&self, item: &BatchItemOutcome<'_>) {
        let _ = item;
    }
}

/// One item of a `$batch` answer.
#[derive(Debug)]
#[non_exhaustive]
pub struct BatchItemOutcome<'a> {
    /// The item's action.
    pub action: &'static ActionInfo,
    /// The item's id in the batch (the same on every attempt).
    pub id: &'a str,
    /// 1 for the item's first attempt, 2 when it is sent again, ...
    pub attempt: u32,
    /// The status Graph gave the item.
    pub status: u16,
}

/// Headers the client sets itself, which a hook may neither read nor replace.
const OWN: &[&str] = &["authorization", "client-request-id", "retry-attempt"];

/// One attempt about to be sent.
#[derive(Debug)]
pub struct OutgoingAttempt<'a> {
    /// The action.
    pub action: &'static ActionInfo,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    /// The `client-request-id` shared by every attempt of the call.
    pub client_request_id: &'a str,
    pub(crate) url: &'a reqwest::Url,
    pub(crate) headers: &'a mut HeaderMap,
}

impl OutgoingAttempt<'_> {
    /// The full request URL.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// A header's value as it will be sent; `None` for the credentials (never shown to hooks).
    pub fn header(&self, name: &str) -> Option<&str> {
        if name.eq_ignore_ascii_case("authorization") {
            return None;
        }
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Sets a header on this attempt (replacing one of that name). The client's own headers
    /// (`Authorization`, `client-request-id`, `Retry-Attempt`) cannot be set, and a name or value
    /// HTTP cannot carry is refused; both leave the attempt unchanged.
    pub fn insert_header(&mut self, name: &str, value: &str) -> Result<(), HeaderRefused> {
        if OWN.iter().any(|o| o.eq_ignore_ascii_case(name)) {
            return Err(HeaderRefused("the client sets this header itself"));
        }
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| HeaderRefused("not an HTTP header name"))?;
        let value =
            HeaderValue::from_str(value).map_err(|_| HeaderRefused("not an HTTP header value"))?;
        self.headers.insert(name, value);
        Ok(())
    }
}

/// Why a hook's header was not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("header refused: {0}")]
pub struct HeaderRefused(&'static str);

/// How one attempt went.
#[derive(Debug)]
#[non_exhaustive]
pub struct AttemptOutcome<'a> {
    /// The action.
    pub action: &'static ActionInfo,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// From sending to the last byte of the answer (or to the failure).
    pub elapsed: Duration,
    /// Graph's `request-id` for the attempt, when it sent one.
    pub request_id: Option<&'a str>,
    /// The attempt's error, when it failed (a Graph error status included).
    pub error: Option<&'a crate::Error>,
}
