//! `graph_api::Error`: every way a call can fail, with what people need to get help.

use std::fmt;
use std::time::Duration;

/// The most bytes of a response body kept in an error.
pub const SNIPPET_LIMIT: usize = 2048;

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
    /// The action does not exist in the configured API version or national cloud.
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
    /// The call, retries included, took longer than its timeout.
    #[error("the call timed out after {after:?} (the request may have been sent)")]
    Timeout {
        /// The call's timeout.
        after: Duration,
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
            Error::Decode { status, .. } => Some(*status),
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
        let root: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        if let Some(err) = root
            .as_ref()
            .and_then(|r| r.get("error"))
            .and_then(|v| v.as_object())
        {
            let text = |o: &serde_json::Map<String, serde_json::Value>, k: &str| {
                o.get(k).and_then(|v| v.as_str()).map(str::to_owned)
            };
            e.code = text(err, "code");
            e.message = text(err, "message");
            let mut inner = inner_of(err);
            let mut depth = 0;
            while let Some(i) = inner {
                if let Some(c) = text(i, "code") {
                    e.inner_codes.push(c);
                }
                e.request_id = e.request_id.take().or_else(|| text(i, "request-id"));
                e.client_request_id = e
                    .client_request_id
                    .take()
                    .or_else(|| text(i, "client-request-id"));
                e.date = e
                    .date
                    .take()
                    .or_else(|| text(i, "date").or_else(|| text(i, "Date")));
                depth += 1;
                inner = if depth < 16 { inner_of(i) } else { None };
            }
        }
        e.date = e.date.or_else(|| header("date"));
        e
    }
}

fn inner_of(
    o: &serde_json::Map<String, serde_json::Value>,
) -> Option<&serde_json::Map<String, serde_json::Value>> {
    o.get("innerError")
        .or_else(|| o.get("innererror"))
        .and_then(|v| v.as_object())
}
