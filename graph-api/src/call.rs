//! One call's path, stage by stage: the request (URL, body, query headers), preflight, the
//! call's timeout and tracing span, the retry loop, each attempt's headers, hook and timeout,
//! and the transport that reads the answer up to its size limit.

use crate::client::CallOptions;
use crate::meta::{ActionInfo, HttpMethod};
use crate::path::PathBuilder;
use crate::query::Query;
use crate::{ApiError, Error, GraphClient, TimeoutLimit};
use std::time::Duration;
use tracing::Instrument;

impl GraphClient {
    /// Everything before I/O: the path checked and joined to the root with the query options,
    /// and availability checked.
    pub(crate) fn prepare(
        &self,
        info: &'static ActionInfo,
        path: PathBuilder,
        query: &Query,
    ) -> Result<reqwest::Url, Error> {
        let path = path.finish()?;
        if !info.versions.contains(&self.inner.version) {
            return Err(Error::Unavailable {
                action: info.id,
                reason: format!("in API version {}", self.inner.version.as_str()),
            });
        }
        if !info.clouds.contains(&self.inner.cloud) {
            return Err(Error::Unavailable {
                action: info.id,
                reason: format!("in the national cloud {}", self.inner.cloud.name()),
            });
        }
        // The root was parsed once; only the path and query are set on a copy of it, which
        // skips parsing the scheme and host again on every call.
        let mut url = self.inner.root_url.clone();
        let root_path = self.inner.root_url.path();
        let mut full = String::with_capacity(root_path.len() + path.len());
        full.push_str(root_path);
        full.push_str(&path);
        url.set_path(&full);
        if !query.is_empty() {
            let mut q = String::new();
            query.append_to(&mut q);
            url.set_query(Some(q.trim_start_matches('?')));
        }
        Ok(url)
    }

    /// One call, ready to send (and to send again, page after page).
    pub(crate) fn request(
        &self,
        info: &'static ActionInfo,
        path: PathBuilder,
        query: Query,
        rsc_consent: bool,
        body: Option<Vec<u8>>,
        options: CallOptions,
    ) -> Result<Request, Error> {
        let url = self.prepare(info, path, &query)?;
        Ok(Request {
            info,
            url,
            body: body.map(bytes::Bytes::from),
            query,
            rsc_consent,
            options,
        })
    }

    /// The request for the page an `@odata.nextLink` names, if the link stays on the service
    /// root's scheme, host and port; the token is never sent anywhere else.
    pub(crate) fn follow(&self, previous: &Request, link: &str) -> Result<Request, Error> {
        let refuse = |reason: String| Error::NextLink {
            link: link.to_owned(),
            reason,
        };
        let url = reqwest::Url::parse(link)
            .map_err(|e| refuse(format!("it is not an absolute URL ({e})")))?;
        let root = &self.inner.root_url;
        let origin = |u: &reqwest::Url| {
            (
                u.scheme().to_owned(),
                u.host_str().map(str::to_ascii_lowercase),
                u.port_or_known_default(),
            )
        };
        if origin(&url) != origin(root) {
            return Err(refuse(format!(
                "it points to {}, not to the service root {}",
                url.origin().ascii_serialization(),
                root.origin().ascii_serialization()
            )));
        }
        // Below the service root's path (a gateway may serve other things beside it), and with
        // nothing that would add credentials or be dropped on the way.
        let base = root.path().trim_end_matches('/');
        let below = url.path() == base || url.path().starts_with(&format!("{base}/"));
        if !below || !url.username().is_empty() || url.password().is_some() {
            return Err(refuse(format!(
                "it leaves the service root's path {base} or carries user info"
            )));
        }
        Ok(Request {
            info: previous.info,
            url,
            body: None,
            query: previous.query.clone(),
            rsc_consent: previous.rsc_consent,
            options: previous.options.clone(),
        })
    }

    /// Sends a prepared request, retrying as the policy allows, and reads the whole response.
    pub(crate) async fn send(&self, request: &Request) -> Result<Response, Error> {
        let info = request.info;
        let options = &request.options;
        let span = tracing::debug_span!(
            "graph",
            otel.name = info.path,
            http.method = info.method.as_str(),
            http.status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            request_id = tracing::field::Empty,
            client_request_id = tracing::field::Empty,
        );
        // Unless the call or the client says otherwise, the call ends with its retry budget.
        let limit = match options.call_timeout.or(self.inner.call_timeout) {
            Some(limit) => limit,
            None => Some(
                options
                    .retry
                    .as_ref()
                    .unwrap_or(&self.inner.retry)
                    .time_budget(),
            ),
        };
        // With no subscriber listening the span is disabled; the call then runs without it.
        if span.is_disabled() {
            self.attempts(request, limit, tracing::Span::none()).await
        } else {
            self.attempts(request, limit, span.clone())
                .instrument(span)
                .await
        }
    }

    /// Refuses a call the token's own claims say it cannot make.
    async fn preflight(&self, request: &Request) -> Result<(), Error> {
        let token = self.inner.auth.token().await?;
        match crate::permissions::TokenPermissions::from_jwt(token.expose()) {
            Some(held) => held
                .check(request.info, request.rsc_consent)
                .map_err(Error::MissingPermission),
            None => Ok(()),
        }
    }

    /// `span` is the call's own span (disabled when nothing listens): fields are recorded on it,
    /// never on a caller's. `limit` is the call's timeout: no attempt, token fetch or wait
    /// between attempts goes past it.
    async fn attempts(
        &self,
        request: &Request,
        limit: Option<Duration>,
        span: tracing::Span,
    ) -> Result<Response, Error> {
        let (info, options) = (request.info, &request.options);
        let policy = options.retry.as_ref().unwrap_or(&self.inner.retry);
        let attempt_timeout = options
            .attempt_timeout
            .unwrap_or(self.inner.attempt_timeout);
        let client_request_id = crate::retry::new_guid();
        span.record("client_request_id", client_request_id.as_str());
        let started = tokio::time::Instant::now();
        let call = Deadline::after(started, limit, TimeoutLimit::Call);
        // The preflight reads the token, which a stalled provider could hold up: it counts
        // against the call's limit like every other step.
        if self.inner.preflight {
            within(call, self.preflight(request)).await??;
        }
        let mut attempt = 1;
        loop {
            span.record("attempts", attempt);
            let result = self
                .attempt(
                    request,
                    &client_request_id,
                    attempt,
                    attempt_timeout,
                    call,
                    &span,
                )
                .await;
            let error = match result {
                Ok(response) => return Ok(response),
                Err(e) => e,
            };
            let Some(delay) = policy.delay(&error, info.idempotent, attempt, started.elapsed())
            else {
                // Out of attempts or time while the answers still said "try again": say so. An
                // answer that rules out retrying is returned as it is.
                let exhausted = attempt > 1 && crate::retry::retryable(&error, info.idempotent);
                return Err(if exhausted {
                    Error::RetriesExhausted {
                        attempts: attempt,
                        last: Box::new(error),
                    }
                } else {
                    error
                });
            };
            tracing::debug!(attempt, ?delay, error = %error, "retrying");
            // A wait that would outlast the call's deadline is not worth waiting for: the caller
            // gets the answer that asked for it now (with its `Retry-After` and request-id), not
            // a bare timeout later.
            if let Some(call) = call
                && tokio::time::Instant::now()
                    .checked_add(delay)
                    .is_none_or(|end| end >= call.at)
            {
                return Err(Error::RetriesExhausted {
                    attempts: attempt,
                    last: Box::new(error),
                });
            }
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        request: &Request,
        client_request_id: &str,
        attempt: u32,
        timeout: Option<Duration>,
        call: Option<Deadline>,
        span: &tracing::Span,
    ) -> Result<Response, Error> {
        let token = within(call, self.inner.auth.token()).await??;
        // The attempt ends at its own timeout or the call's, whichever comes first.
        let own = Deadline::after(tokio::time::Instant::now(), timeout, TimeoutLimit::Attempt);
        let deadline = match (own, call) {
            (Some(a), Some(c)) => Some(if c.at <= a.at { c } else { a }),
            (a, c) => a.or(c),
        };
        let info = request.info;
        let req = self.outgoing(request, &token, client_request_id, attempt)?;
        let Some(hook) = &self.inner.hook else {
            return within(deadline, self.transport(req, request, token, span)).await?;
        };
        let mut built = req
            .build()
            .map_err(|e| Error::Config(format!("cannot build the request: {}", e.without_url())))?;
        let url = built.url().clone();
        hook.before_send(&mut crate::hook::OutgoingAttempt {
            action: info,
            attempt,
            client_request_id,
            url: &url,
            headers: built.headers_mut(),
        });
        let started = tokio::time::Instant::now();
        let req = reqwest::RequestBuilder::from_parts(self.inner.http.clone(), built);
        let result = within(deadline, self.transport(req, request, token, span))
            .await
            .unwrap_or_else(Err);
        let (status, request_id, error) = match &result {
            Ok(r) => (Some(r.status), r.request_id.as_deref(), None),
            Err(e) => (
                e.api().map(|a| a.status),
                e.api().and_then(|a| a.request_id.as_deref()),
                Some(e),
            ),
        };
        hook.after_attempt(&crate::hook::AttemptOutcome {
            action: info,
            attempt,
            status,
            elapsed: started.elapsed(),
            request_id,
            error,
        });
        result
    }

    /// One attempt as it goes out: the credentials, the call's `client-request-id` (with
    /// `Retry-Attempt` on retries), the action's fixed headers and those its query options
    /// require, and the body. (The attempt's timeout is kept by the attempt stage, which knows
    /// whether its own limit or the call's fires first.)
    pub(crate) fn outgoing(
        &self,
        request: &Request,
        token: &crate::auth::Bearer,
        client_request_id: &str,
        attempt: u32,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let method = match request.info.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut req = self
            .inner
            .http
            .request(method, request.url.clone())
            .header(reqwest::header::AUTHORIZATION, token.header()?)
            .header("client-request-id", client_request_id);
        if attempt > 1 {
            req = req.header("Retry-Attempt", attempt - 1);
        }
        for (name, value) in request.info.headers.iter().chain(request.query.headers()) {
            req = req.header(*name, *value);
        }
        if let Some(body) = &request.body {
            req = req.body(body.clone());
        }
        Ok(req)
    }

    /// Sends one attempt and reads its answer: a success body up to the call's size limit, an
    /// error body up to [`ERROR_BODY_LIMIT`](crate::ERROR_BODY_LIMIT).
    async fn transport(
        &self,
        req: reqwest::RequestBuilder,
        request: &Request,
        token: crate::auth::Bearer,
        span: &tracing::Span,
    ) -> Result<Response, Error> {
        let info = request.info;
        let resp = req.send().await.map_err(|e| {
            if e.is_builder() {
                // Nothing to retry: a header (such as a provider's token) cannot be sent as given.
                return Error::Config(format!("cannot build the request: {}", e.without_url()));
            }
            if let Some(after) = self
                .inner
                .connect_timeout
                .filter(|_| e.is_connect() && e.is_timeout())
            {
                return Error::Timeout {
                    limit: TimeoutLimit::Connect,
                    after,
                };
            }
            Error::Transport {
                maybe_sent: !e.is_connect(),
                source: e.without_url(),
            }
        })?;
        let status = resp.status().as_u16();
        span.record("http.status", status);
        let request_id = resp
            .headers()
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(id) = &request_id {
            span.record("request_id", id.as_str());
        }
        let success = (200..300).contains(&status);
        // Error answers keep their headers (request ids, Retry-After); successes need none.
        let headers = if success {
            reqwest::header::HeaderMap::new()
        } else {
            resp.headers().clone()
        };
        let limit = if success {
            let limit = request
                .options
                .max_body_size
                .unwrap_or(self.inner.max_body_size);
            // A length announced past the limit fails before a byte of the body is read.
            if resp.content_length().is_some_and(|n| n > limit as u64) {
                return Err(Error::BodyTooLarge { status, limit });
            }
            limit
        } else {
            crate::error::ERROR_BODY_LIMIT
        };
        let (bytes, whole) = read_up_to(resp, limit)
            .await
            .map_err(|e| Error::Transport {
                source: e.without_url(),
                maybe_sent: true,
            })?;
        if success && !whole {
            return Err(Error::BodyTooLarge { status, limit });
        }
        if success {
            Ok(Response {
                status,
                request_id,
                body: bytes,
            })
        } else {
            let mut error = ApiError::from_parts(status, &headers, &bytes);
            if status == 403 {
                // Say which permission is missing when the token's claims show it.
                error.missing_permission =
                    crate::permissions::TokenPermissions::from_jwt(token.expose())
                        .and_then(|held| held.missing(info, request.rsc_consent));
            }
            Err(Error::Api(Box::new(error)))
        }
    }
}

/// When a time limit ends, which one it is and how long it was.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: tokio::time::Instant,
    limit: TimeoutLimit,
    after: Duration,
}

impl Deadline {
    /// `limit`'s deadline `after` from `start`; none without a limit, or for one too far away
    /// to be an instant.
    fn after(
        start: tokio::time::Instant,
        after: Option<Duration>,
        limit: TimeoutLimit,
    ) -> Option<Deadline> {
        let after = after?;
        Some(Deadline {
            at: start.checked_add(after)?,
            limit,
            after,
        })
    }

    fn passed(self) -> Error {
        Error::Timeout {
            limit: self.limit,
            after: self.after,
        }
    }
}

/// Runs `work` until `deadline`. One timer bounds the whole attempt, from sending to the last
/// byte of the answer, so a server that never answers and one that trickles its body end at the
/// same limit. A future that is ready when first polled (a cached token) never arms the timer.
async fn within<T>(
    deadline: Option<Deadline>,
    work: impl std::future::Future<Output = T>,
) -> Result<T, Error> {
    let mut work = std::pin::pin!(work);
    let first = std::future::poll_fn(|cx| std::task::Poll::Ready(work.as_mut().poll(cx))).await;
    if let std::task::Poll::Ready(done) = first {
        return Ok(done);
    }
    match deadline {
        Some(d) => tokio::time::timeout_at(d.at, work)
            .await
            .map_err(|_| d.passed()),
        None => Ok(work.await),
    }
}

/// Reads a body chunk by chunk up to `limit` bytes, and whether that was all of it. The response
/// is dropped as soon as the limit is reached, so nothing past it is read or buffered (HTTP/1.1
/// then closes the connection instead of reusing it). A body that comes in one chunk is kept
/// without copying.
async fn read_up_to(
    mut resp: reqwest::Response,
    limit: usize,
) -> Result<(bytes::Bytes, bool), reqwest::Error> {
    let hint = resp
        .content_length()
        .map_or(0, |n| usize::try_from(n).unwrap_or(limit).min(limit));
    let mut first = bytes::Bytes::new();
    let mut joined: Option<Vec<u8>> = None;
    while let Some(chunk) = resp.chunk().await? {
        let held = joined.as_ref().map_or(first.len(), Vec::len);
        let room = limit - held;
        let (chunk, whole) = if chunk.len() > room {
            (chunk.slice(..room), false)
        } else {
            (chunk, true)
        };
        match &mut joined {
            Some(all) => all.extend_from_slice(&chunk),
            None if first.is_empty() => first = chunk,
            None => {
                let mut all = Vec::with_capacity(hint.max(first.len() + chunk.len()));
                all.extend_from_slice(&first);
                all.extend_from_slice(&chunk);
                joined = Some(all);
            }
        }
        if !whole {
            let body = joined.map_or(first, bytes::Bytes::from);
            return Ok((body, false));
        }
    }
    Ok((joined.map_or(first, bytes::Bytes::from), true))
}

/// One call as it goes on the wire: the action, the full URL, the body bytes (the same for every
/// attempt), the headers its query options require, and the call's settings.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    info: &'static ActionInfo,
    url: reqwest::Url,
    body: Option<bytes::Bytes>,
    query: Query,
    /// Whether the body consents to resource-specific permissions (see `Permissions::usable`).
    rsc_consent: bool,
    options: CallOptions,
}

impl Request {
    /// The URL as sent.
    pub(crate) fn url(&self) -> &str {
        self.url.as_str()
    }

    /// The call's own settings.
    pub(crate) fn options(&self) -> &CallOptions {
        &self.options
    }

    /// A hash of the URL, to notice a collection that links back to a page it gave.
    pub(crate) fn url_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.url.as_str().hash(&mut h);
        h.finish()
    }
}

/// A successful answer, read whole (it is at most the call's body size limit).
#[derive(Debug)]
pub struct Response {
    status: u16,
    /// Graph's `request-id` for the answer, when it sent one.
    request_id: Option<String>,
    body: bytes::Bytes,
}

impl Response {
    /// For actions that return a JSON body.
    pub fn into_json<T: serde::de::DeserializeOwned>(self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            status: self.status,
            message: e.to_string(),
            snippet: crate::error::snippet(&self.body),
        })
    }
}

#[cfg(all(test, feature = "teams-app-installation"))]
mod tests {
    use super::*;

    /// The attempt stage alone: what goes out on a retry of a call with a body.
    #[tokio::test]
    async fn a_retry_carries_the_credentials_ids_fixed_headers_and_body() {
        let client = GraphClient::builder()
            .base_url("https://graph.example")
            .bearer_token("t0k3n")
            .build()
            .expect("config");
        let path = PathBuilder::root()
            .segment("chats")
            .param("chat-id", "c", false)
            .segment("installedApps")
            .param("app-installation-id", "i", false)
            .segment("upgrade");
        let request = client
            .request(
                &crate::actions::UPGRADE_CHAT_APP_INSTALLATION,
                path,
                Query::new(),
                false,
                Some(b"{}".to_vec()),
                CallOptions::default(),
            )
            .expect("a request");
        let token = client.inner.auth.token().await.expect("a token");
        let built = client
            .outgoing(&request, &token, "id-1", 2)
            .expect("builds")
            .build()
            .expect("valid");
        let h = built.headers();
        assert_eq!(built.method(), reqwest::Method::POST);
        assert_eq!(
            built.url().as_str(),
            "https://graph.example/v1.0/chats/c/installedApps/i/upgrade"
        );
        assert_eq!(h["authorization"], "Bearer t0k3n");
        assert!(h["authorization"].is_sensitive());
        assert_eq!(h["client-request-id"], "id-1");
        assert_eq!(h["retry-attempt"], "1");
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(built.body().and_then(|b| b.as_bytes()), Some(&b"{}"[..]));
    }
}
