//! `graph_api::Error`: every way a call can fail, with what people need to get help.

use std::fmt;
use std::time::Duration;

/// The most bytes of a response body kept in an error.
pub const SNIPPET_LIMIT: usize = 2048;

/// The most bytes of an error answer's body that are read; the rest is never read, and the
/// connection is closed rather than reused.
///
/// An error keeps [`SNIPPET_LIMIT`] bytes of the body, and its code, message, inner-error codes,
/// ids and date are decoded from Graph's error object (`{"error":{"code", "message",
/// "innerError", "details"}}`, <https://learn.microsoft.com/en-us/graph/errors>). That object is a
/// few hundred bytes in the answers Graph documents; 16 KiB leaves room for long messages and
/// `details` lists eight times the snippet's size, while a server that streams an endless error
/// body costs each failing call at most this much memory. When the object is cut off, the fields
/// that came before the cut are still read (Graph sends `code` first).
pub const ERROR_BODY_LIMIT: usize = 16 * 1024;

/// Which time limit ended a call (see [`Error::Timeout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutLimit {
    /// No TCP (and TLS) connection within the connect timeout
    /// (`GraphClientBuilder::connect_timeout`). Nothing was sent.
    Connect,
    /// One attempt got no complete answer (headers and the whole body) within the attempt
    /// timeout (`attempt_timeout`). The request may have been sent.
    Attempt,
    /// The whole call, retries and their waits included, passed the call timeout (`timeout`, by
    /// default the retry policy's time budget). The request may have been sent.
    Call,
}

impl fmt::Display for TimeoutLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutLimit::Connect => "connect",
            TimeoutLimit::Attempt => "attempt",
            TimeoutLimit::Call => "call",
        })
    }
}

/// Scalars where an object was expected are read and dropped.
macro_rules! ignore_scalars {
    () => {
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
            Ok(())
        }
    };
}

/// Why a Graph call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller-supplied value was refused before anything was sent.
    #[error("invalid `{name}`: {reason}; nothing was sent")]
    InvalidArgument {
        /// The parameter's name, as in the path template (`chat-id`).
        name: &'static str,
        /// What is wrong with the value.
        reason: String,
    },
    /// The client was configured in a way that cannot work.
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// The action does not exist in the configured API version or national cloud, or the spec
    /// says that cloud does not take it with the token's permission type (such as application
    /// permissions for a user's Teams apps in US Government L4 and L5).
    #[error("`{action}` is not available {reason}; nothing was sent")]
    Unavailable {
        /// The action's id.
        action: &'static str,
        /// Where it is missing, such as `in API version beta`.
        reason: String,
    },
    /// No access token could be had; nothing was sent.
    #[error("cannot get an access token: {0}")]
    Auth(String),
    /// The request or its response did not make it across the network.
    #[error("transport error ({}): {source}", if *.maybe_sent { "the request may have been sent" } else { "the request was not sent" })]
    Transport {
        /// The underlying error.
        #[source]
        source: reqwest::Error,
        /// Whether the server may have received (and acted on) the request.
        maybe_sent: bool,
    },
    /// Graph answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// Every attempt the retry policy allowed failed; `last` is the final attempt's error.
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// How many attempts were made.
        attempts: u32,
        /// The last attempt's error.
        last: Box<Error>,
    },
    /// A time limit passed: the connect timeout, one attempt's timeout or the whole call's
    /// (`limit` says which, `after` how long it was).
    #[error("the {limit} timeout of {after:?} passed ({})", if *.limit == TimeoutLimit::Connect { "no connection, nothing was sent" } else { "the request may have been sent" })]
    Timeout {
        /// Which limit fired.
        limit: TimeoutLimit,
        /// The limit's length.
        after: Duration,
    },
    /// A success answer's body is longer than the call's body size limit
    /// (`GraphClientBuilder::max_body_size`). Nothing past the limit was read, and the connection
    /// was closed rather than reused.
    #[error(
        "the {status} response body is longer than the limit of {limit} bytes; it was not read further"
    )]
    BodyTooLarge {
        /// The HTTP status.
        status: u16,
        /// The limit in bytes.
        limit: usize,
    },
    /// The token cannot call the action: preflight (`GraphClientBuilder::preflight_permissions`)
    /// read its permissions and found none the action's table lists. Nothing was sent.
    #[error("{0}; nothing was sent")]
    MissingPermission(crate::permissions::MissingPermission),
    /// A collection's `@odata.nextLink` was not followed: it points to another scheme, host or
    /// port than the service root (where the token must not go), or back to the page it came
    /// with. Nothing was sent to it.
    #[error("will not follow @odata.nextLink: {reason}; nothing was sent to it")]
    NextLink {
        /// The link as Graph sent it.
        link: String,
        /// Why it was not followed.
        reason: String,
    },
    /// A call that chains several actions found a success answer without what the next step
    /// needs (an installation naming no app, an app the catalog does not list). The steps
    /// before it were sent; the ones after it were not.
    #[error("cannot go on: {0}")]
    Incomplete(String),
    /// A list request's `.all()` found more items than its limit
    /// (`GraphClientBuilder::max_collected_items`); the pages after the one that passed it were
    /// not fetched.
    #[error(
        "the collection has more than {limit} items, the most `.all()` collects; go through it with `.stream()` or raise `max_collected_items`"
    )]
    TooManyItems {
        /// The limit in items.
        limit: usize,
    },
    /// A batch item has no answer of its own: its `$batch` POST failed as a whole after the
    /// other POSTs of the batch were answered, or Graph's answer left the item out. It may or
    /// may not have been processed.
    #[error("batch item `{id}`: {reason}")]
    BatchItem {
        /// The item's id in the batch.
        id: String,
        /// What happened to it.
        reason: String,
    },
    /// A batch item was not run because an item it depends on failed (Graph answers such an
    /// item 424 Failed Dependency).
    #[error(
        "batch item `{id}` was not run: item `{dependency}`, which it depends on, failed ({cause})"
    )]
    DependencyFailed {
        /// The item's id in the batch.
        id: String,
        /// The id of the item it depends on that failed.
        dependency: String,
        /// That item's error.
        cause: String,
    },
    /// Graph answered with success, but the body is not what the action returns.
    #[error("cannot decode the {status} response: {message}")]
    Decode {
        /// The HTTP status.
        status: u16,
        /// What the decoder said.
        message: String,
        /// The start of the body, at most [`SNIPPET_LIMIT`] bytes.
        snippet: String,
    },
}

impl Error {
    /// The error of the final attempt: this one, or the last one behind `RetriesExhausted`.
    pub fn last_attempt(&self) -> &Error {
        match self {
            Error::RetriesExhausted { last, .. } => last.last_attempt(),
            other => other,
        }
    }

    /// The HTTP status, when Graph answered.
    pub fn status(&self) -> Option<u16> {
        match self.last_attempt() {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } | Error::BodyTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Graph's error code (`Forbidden`, `NotFound`, ...), when Graph answered with one.
    pub fn code(&self) -> Option<&str> {
        self.api().and_then(|e| e.code.as_deref())
    }

    /// The `request-id` Graph gave the request, to quote when asking Microsoft for help.
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|e| e.request_id.as_deref())
    }

    /// How long Graph asked to wait before trying again, when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }

    /// The Graph error details, when Graph answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self.last_attempt() {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }
}

/// An error answer from Graph, with everything it said about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// `error.code`.
    pub code: Option<String>,
    /// `error.message`.
    pub message: Option<String>,
    /// Codes of the nested inner errors, outermost first.
    pub inner_codes: Vec<String>,
    /// The `request-id` header, or the one in the inner error.
    pub request_id: Option<String>,
    /// The `client-request-id` header, or the one in the inner error.
    pub client_request_id: Option<String>,
    /// The `date` in the inner error, or the `Date` header.
    pub date: Option<String>,
    /// How long Graph asked to wait (`Retry-After`), when it did.
    pub retry_after: Option<Duration>,
    /// The start of the raw body, at most [`SNIPPET_LIMIT`] bytes.
    pub body_snippet: String,
    /// On a 403, when the token is a JWT that holds none of the permissions that can call the
    /// action: what it holds and the least-privileged permission to add.
    pub missing_permission: Option<crate::permissions::MissingPermission>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason());
        write!(f, "{}", self.status)?;
        if let Some(r) = reason {
            write!(f, " {r}")?;
        }
        match (&self.message, &self.code) {
            (Some(m), _) if !m.is_empty() => write!(f, ": {m}")?,
            (_, Some(c)) => write!(f, ": {c}")?,
            _ if !self.body_snippet.trim().is_empty() => {
                write!(f, ": {}", first_line(&self.body_snippet))?
            }
            _ => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request-id {id})")?;
        }
        if let Some(m) = &self.missing_permission {
            write!(f, "; {m}")?;
        }
        Ok(())
    }
}

fn first_line(s: &str) -> &str {
    let line = s.trim().lines().next().unwrap_or("");
    match line.char_indices().nth(200) {
        Some((i, _)) => &line[..i],
        None => line,
    }
}

/// The start of a body as text, cut at a character boundary at most `SNIPPET_LIMIT` bytes in.
pub(crate) fn snippet(body: &[u8]) -> String {
    let cut = &body[..body.len().min(SNIPPET_LIMIT)];
    let text = String::from_utf8_lossy(cut);
    text.trim_end_matches('\u{fffd}').to_owned()
}

impl ApiError {
    /// Reads an error answer: the Graph error JSON if the body holds one, headers otherwise.
    pub(crate) fn from_parts(
        status: u16,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> ApiError {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let mut e = ApiError {
            status,
            code: None,
            message: None,
            inner_codes: Vec::new(),
            request_id: header("request-id"),
            client_request_id: header("client-request-id"),
            date: None,
            retry_after: header("retry-after").and_then(|v| crate::retry::parse_retry_after(&v)),
            body_snippet: snippet(body),
            missing_permission: None,
        };
        // Field by field as the body is read: an object cut off at `ERROR_BODY_LIMIT` (or
        // broken anywhere) still gives what came before the cut.
        let mut said = Said::default();
        let _ = serde::de::DeserializeSeed::deserialize(
            Root(&mut said),
            &mut serde_json::Deserializer::from_slice(body),
        );
        e.code = said.code;
        e.message = said.message;
        e.inner_codes = said.inner_codes;
        e.request_id = e.request_id.or(said.request_id);
        e.client_request_id = e.client_request_id.or(said.client_request_id);
        e.date = said.date;
        e.date = e.date.or_else(|| header("date"));
        e
    }
}

/// What Graph's error object says, as far as it was read.
#[derive(Default)]
struct Said {
    code: Option<String>,
    message: Option<String>,
    inner_codes: Vec<String>,
    request_id: Option<String>,
    client_request_id: Option<String>,
    date: Option<String>,
}

/// The body's top level: only its `error` member is read.
struct Root<'a>(&'a mut Said);

/// An error object (`depth` 0) or one of its nested inner errors.
struct ErrorObject<'a> {
    said: &'a mut Said,
    depth: usize,
}

/// The most inner errors read, outermost first.
const INNER_DEPTH: usize = 16;

impl<'de> serde::de::DeserializeSeed<'de> for Root<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Root<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "error" {
                map.next_value_seed(ErrorObject {
                    said: &mut *self.0,
                    depth: 0,
                })?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        serde::de::Visitor::visit_seq(serde::de::IgnoredAny, seq).map(|_| ())
    }
    ignore_scalars!();
}

impl<'de> serde::de::DeserializeSeed<'de> for ErrorObject<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ErrorObject<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Graph error object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (said, depth) = (self.said, self.depth);
        // The first value wins: the outer object's over the inner ones'.
        fn keep(slot: &mut Option<String>, value: Option<String>) {
            if slot.is_none() {
                *slot = value;
            }
        }
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "code" => {
                    let code = map.next_value::<Text>()?.0;
                    if depth == 0 {
                        said.code = code;
                    } else if let Some(c) = code {
                        said.inner_codes.push(c);
                    }
                }
                "message" if depth == 0 => said.message = map.next_value::<Text>()?.0,
                "request-id" if depth > 0 => {
                    keep(&mut said.request_id, map.next_value::<Text>()?.0)
                }
                "client-request-id" if depth > 0 => {
                    keep(&mut said.client_request_id, map.next_value::<Text>()?.0)
                }
                "date" | "Date" if depth > 0 => keep(&mut said.date, map.next_value::<Text>()?.0),
                "innerError" | "innererror" if depth < INNER_DEPTH => {
                    map.next_value_seed(ErrorObject {
                        said: &mut *said,
                        depth: depth + 1,
                    })?
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        serde::de::Visitor::visit_seq(serde::de::IgnoredAny, seq).map(|_| ())
    }
    ignore_scalars!();
}

/// A string value; any other JSON value is read and dropped.
struct Text(Option<String>);

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(Some(v.to_owned())))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Text, A::Error> {
                serde::de::Visitor::visit_map(serde::de::IgnoredAny, map).map(|_| Text(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Text, A::Error> {
                serde::de::Visitor::visit_seq(serde::de::IgnoredAny, seq).map(|_| Text(None))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"{"error":{"code":"Forbidden","message":"No.","innerError":{"code":"AccessDenied","date":"2026-11-28T10:00:00","request-id":"rid","client-request-id":"crid"}}}"#;

    /// An error body cut anywhere (as at `ERROR_BODY_LIMIT`) gives every field that was whole
    /// before the cut, and nothing that was not.
    #[test]
    fn a_cut_error_object_keeps_the_fields_before_the_cut() {
        let headers = reqwest::header::HeaderMap::new();
        for cut in 0..=FULL.len() {
            let e = ApiError::from_parts(400, &headers, &FULL.as_bytes()[..cut]);
            // Whether the quoted value, closing quote included, came before the cut.
            let whole = |value: &str| {
                let quoted = format!("\"{value}\"");
                cut >= FULL.find(&quoted).map_or(0, |i| i + quoted.len())
            };
            assert_eq!(e.code.is_some(), whole("Forbidden"), "cut at {cut}");
            assert_eq!(e.message.is_some(), whole("No."), "cut at {cut}");
            assert_eq!(e.inner_codes.len(), usize::from(whole("AccessDenied")));
            assert_eq!(
                e.date.is_some(),
                whole("2026-11-28T10:00:00"),
                "cut at {cut}"
            );
            assert_eq!(e.request_id.is_some(), whole("rid"), "cut at {cut}");
            assert_eq!(e.client_request_id.is_some(), whole("crid"), "cut at {cut}");
        }
        let e = ApiError::from_parts(400, &headers, FULL.as_bytes());
        assert_eq!(
            (
                e.code.as_deref(),
                e.message.as_deref(),
                e.request_id.as_deref()
            ),
            (Some("Forbidden"), Some("No."), Some("rid"))
        );
    }

    /// Members of other types than the error object uses are skipped, not fatal.
    #[test]
    fn odd_members_are_skipped() {
        let body = br#"{"x":[1,{"error":{}}],"error":{"code":7,"innerError":"no","details":[{"code":"d"}],"message":"kept"}}"#;
        let e = ApiError::from_parts(400, &reqwest::header::HeaderMap::new(), body);
        assert_eq!(e.code, None);
        assert_eq!(e.message.as_deref(), Some("kept"));
        assert!(e.inner_codes.is_empty());
        let e = ApiError::from_parts(400, &reqwest::header::HeaderMap::new(), b"[1,2]");
        assert_eq!((e.code, e.message), (None, None));
    }
}
