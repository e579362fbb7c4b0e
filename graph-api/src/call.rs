//! One call's path, stage by stage; every request (`send`, each page of `stream` and `all`)
//! goes through these functions in this order:
//!
//! 1. **prepare** ([`GraphClient::prepare`]): the request as it will go out, made once: the
//!    path checked and encoded under the service root with the query options, the action's
//!    availability in the client's API version and cloud, its method, fixed and query-option
//!    headers, and its body bytes. Nothing per attempt (credentials, ids) is in it.
//! 2. **resolve** ([`Call::new`]): the call's own [`CallOptions`] over the client's defaults,
//!    once, into the call's context with its `client-request-id`, deadline and tracing span.
//! 3. **preflight** ([`Call::preflight`]): when enabled, the token's claims against the
//!    action's permissions table; a call the token cannot make ends here, unsent.
//! 4. **attempts** ([`Call::run`]): the retry loop, which waits between attempts as the retry
//!    policy says and never past the call's deadline.
//! 5. **one attempt** ([`Call::attempt`]): the token, the outgoing request
//!    ([`Call::outgoing`]), the hook before and after, all within the attempt's deadline.
//! 6. **read the answer** ([`Call::exchange`]): send, then read the body chunk by chunk up to
//!    its limit.
//! 7. **turn a failure into an error** ([`Call::failure`]): Graph's error object, ids and
//!    `Retry-After`, and for a 403 the permission the token's claims show missing.

use crate::auth::Bearer;
use crate::client::{CallOptions, Inner};
use crate::meta::{ActionInfo, HttpMethod};
use crate::path::PathBuilder;
use crate::query::Query;
use crate::retry::RetryPolicy;
use crate::{ApiError, Error, GraphClient, TimeoutLimit};
use reqwest::header::{CONTENT_LOCATION, HeaderMap, HeaderName, HeaderValue, LOCATION};
use std::time::Duration;
use tracing::Instrument;
use url::Position;

/// A request as a value: what `.send()` would put on the wire, made by a request builder's
/// `.build()` without sending anything or touching credentials.
///
/// It is the call path's first stage, the one value that `send`, every page of `stream` and
/// `all`, and batch items are sent from, so what it shows is what goes out: the method, the
/// absolute URL with the API version and the encoded path and query, the headers the action and
/// its query options add, and the body bytes. The credentials (`Authorization`) and the ids of
/// each attempt (`client-request-id`, `Retry-Attempt`) are added when it is sent.
///
/// ```no_run
/// # fn run(client: graph_api::GraphClient) -> Result<(), graph_api::Error> {
/// let req = client.chat("19:abc@thread.v2").installed_app("aW5zdA==").upgrade().build()?;
/// assert_eq!(req.method(), reqwest::Method::POST);
/// assert_eq!(req.body(), b"{}");
/// println!("{req}"); // the request line, the headers, a blank line and the body
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct GraphRequest {
    pub(crate) info: &'static ActionInfo,
    pub(crate) method: reqwest::Method,
    /// Absolute, with the API version, the encoded path and the query.
    pub(crate) url: reqwest::Url,
    /// The action's fixed headers and those its query options require.
    pub(crate) headers: HeaderMap,
    /// Serialized once, so every attempt sends the same bytes.
    pub(crate) body: Option<bytes::Bytes>,
    /// Whether the body consents to resource-specific permissions (see `Permissions::usable`).
    pub(crate) rsc_consent: bool,
    /// The call's own settings, resolved against the client's at stage 2.
    pub(crate) options: CallOptions,
    /// Whether the preflight (when the client asks for it) checks this request; a `$batch`
    /// POST has its items checked one by one instead.
    pub(crate) preflight: bool,
    /// Whether sending it twice equals sending it once (so it may be retried after it may have
    /// been processed): the action's own flag, and always for a next page, which is a GET.
    pub(crate) idempotent: bool,
}

impl GraphRequest {
    /// The HTTP method.
    pub fn method(&self) -> &reqwest::Method {
        &self.method
    }

    /// The absolute URL: the service root, the API version, the path with every id encoded
    /// once, and the query options.
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// The headers the action and its query options add (such as `Content-Type` or
    /// `ConsistencyLevel`); not the credentials or the per-attempt ids.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body bytes exactly as sent; empty when the action sends no body.
    pub fn body(&self) -> &[u8] {
        self.body.as_deref().unwrap_or_default()
    }

    /// The action's metadata.
    pub fn action(&self) -> &'static ActionInfo {
        self.info
    }

    /// A hash of the URL, to notice a collection that links back to a page it gave.
    pub(crate) fn url_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.url.as_str().hash(&mut h);
        h.finish()
    }
}

impl GraphClient {
    /// Stage 1: everything before I/O. The path checked and joined to the root with the query
    /// options, availability checked, the method and headers made.
    pub(crate) fn prepare(
        &self,
        info: &'static ActionInfo,
        path: PathBuilder,
        query: &Query,
        body: Option<Vec<u8>>,
        rsc_consent: bool,
        options: CallOptions,
    ) -> Result<GraphRequest, Error> {
        let url = self.url(info, path, query)?;
        // No allocation for an action without headers.
        let mut headers = HeaderMap::with_capacity(info.headers.len());
        for (name, value) in info.headers.iter().chain(query.headers()) {
            let bad = || Error::Config(format!("the header `{name}: {value}` cannot be sent"));
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
            headers.insert(name, static_value(value).ok_or_else(bad)?);
        }
        Ok(GraphRequest {
            info,
            method: method(info.method),
            url,
            headers,
            body: body.map(bytes::Bytes::from),
            rsc_consent,
            options,
            preflight: true,
            idempotent: info.idempotent,
        })
    }

    /// The checked URL of an action: the path under the service root with the query options,
    /// for an action the client's API version and national cloud have.
    pub(crate) fn url(
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
        // The root was parsed once; the path is parsed as a reference relative to it, which
        // takes the scheme and host from the root as they are (not parsed again) and writes the
        // URL into one buffer sized for it (a copy of the root with `set_path` grew its buffer
        // three times). Only `//` could name another host; the root's path never starts so
        // (it ends in the API version), but such a path is set on the root all the same.
        let root = &self.inner.root_url;
        let root_path = root.path();
        let mut full = String::with_capacity(root_path.len() + path.len());
        full.push_str(root_path);
        full.push_str(&path);
        // A `?` or `#` would end the path (ids and segments are encoded, so they never hold
        // one); the result is checked to be the root's scheme and host with only a path.
        let relative = (full.starts_with('/') && !full.starts_with("//"))
            .then(|| {
                reqwest::Url::options()
                    .base_url(Some(root))
                    .parse(&full)
                    .ok()
            })
            .flatten()
            .filter(|u| {
                u.query().is_none()
                    && u.fragment().is_none()
                    && u[..Position::BeforePath] == root[..Position::BeforePath]
            });
        let mut url = relative.unwrap_or_else(|| {
            let mut url = root.clone();
            url.set_path(&full);
            url
        });
        if !query.is_empty() {
            let mut q = String::new();
            query.append_to(&mut q);
            url.set_query(Some(q.trim_start_matches('?')));
        }
        Ok(url)
    }

    /// Stage 1 for the next page: the request an `@odata.nextLink` names, if the link stays on
    /// the service root's scheme, host and port; the token is never sent anywhere else. It
    /// keeps the first page's headers (but `Content-Type`) and settings, and is a GET.
    pub(crate) fn follow(
        &self,
        previous: &GraphRequest,
        link: &str,
    ) -> Result<GraphRequest, Error> {
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
        // A next page is read with GET whatever the first request was (a POST action that
        // answers a collection pages like a list), so it has no body and no `Content-Type`, and
        // it may be retried like any read.
        let mut headers = previous.headers.clone();
        headers.remove(reqwest::header::CONTENT_TYPE);
        Ok(GraphRequest {
            url,
            method: reqwest::Method::GET,
            headers,
            body: None,
            idempotent: true,
            ..previous.clone()
        })
    }

    /// Sends a prepared request through stages 2 to 7 and reads the whole answer.
    pub(crate) async fn send(&self, request: &GraphRequest) -> Result<Response, Error> {
        let call = Call::new(&self.inner, request);
        // With no subscriber listening the span is disabled; the call then runs without it.
        if call.span.is_disabled() {
            call.run().await
        } else {
            let span = call.span.clone();
            call.run().instrument(span).await
        }
    }
}

/// A dry run a person can read: the request line, the headers, a blank line and the body (as
/// text when it is UTF-8, otherwise its length).
impl std::fmt::Display for GraphRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} {}", self.method, self.url)?;
        for (name, value) in &self.headers {
            writeln!(f, "{name}: {}", String::from_utf8_lossy(value.as_bytes()))?;
        }
        writeln!(f)?;
        match std::str::from_utf8(self.body()) {
            Ok(text) => f.write_str(text),
            Err(_) => write!(f, "<{} bytes>", self.body().len()),
        }
    }
}

/// The HTTP method of an action.
fn method(m: HttpMethod) -> reqwest::Method {
    match m {
        HttpMethod::Get => reqwest::Method::GET,
        HttpMethod::Post => reqwest::Method::POST,
        HttpMethod::Put => reqwest::Method::PUT,
        HttpMethod::Patch => reqwest::Method::PATCH,
        HttpMethod::Delete => reqwest::Method::DELETE,
    }
}

/// A call's settings: what its [`CallOptions`] set, the client's defaults for the rest.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings<'c> {
    pub(crate) retry: &'c RetryPolicy,
    pub(crate) attempt_timeout: Option<Duration>,
    /// The whole call's limit: by default the retry policy's time budget.
    pub(crate) call_timeout: Option<Duration>,
    pub(crate) max_body_size: usize,
    pub(crate) max_collected_items: usize,
}

impl CallOptions {
    /// These options over the client's defaults: the one place they are merged.
    pub(crate) fn resolve<'c>(&'c self, client: &'c Inner) -> Settings<'c> {
        let retry = self.retry.as_ref().unwrap_or(&client.retry);
        Settings {
            retry,
            attempt_timeout: self.attempt_timeout.unwrap_or(client.attempt_timeout),
            call_timeout: self
                .call_timeout
                .or(client.call_timeout)
                .unwrap_or(Some(retry.time_budget())),
            max_body_size: self.max_body_size.unwrap_or(client.max_body_size),
            max_collected_items: self
                .max_collected_items
                .unwrap_or(client.max_collected_items),
        }
    }
}

/// One call in flight: the prepared request, its resolved settings, and what all its attempts
/// share (stage 2).
pub(crate) struct Call<'c> {
    client: &'c Inner,
    request: &'c GraphRequest,
    settings: Settings<'c>,
    /// The same on every attempt, so Graph's logs tie them together; kept as the header value
    /// it is sent as (made once, shared by the attempts).
    client_request_id: HeaderValue,
    started: tokio::time::Instant,
    /// When the call's own limit ends it.
    deadline: Option<Deadline>,
    /// The call's own span (disabled when nothing listens): fields are recorded on it, never
    /// on a caller's.
    span: tracing::Span,
}

impl<'c> Call<'c> {
    /// Stage 2: the settings resolved once, the call's id, deadline and span.
    pub(crate) fn new(client: &'c Inner, request: &'c GraphRequest) -> Self {
        let settings = request.options.resolve(client);
        let info = request.info;
        let span = tracing::debug_span!(
            "graph",
            otel.name = info.path,
            http.method = info.method.as_str(),
            http.status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            request_id = tracing::field::Empty,
            client_request_id = tracing::field::Empty,
        );
        // Made as the header value once; each attempt sends a clone of it (no copy).
        let client_request_id = crate::retry::new_guid();
        span.record(
            "client_request_id",
            client_request_id.to_str().unwrap_or_default(),
        );
        let started = tokio::time::Instant::now();
        Call {
            client,
            request,
            settings,
            client_request_id,
            started,
            deadline: Deadline::after(started, settings.call_timeout, TimeoutLimit::Call),
            span,
        }
    }

    /// The call's `client-request-id`.
    fn client_request_id(&self) -> &str {
        self.client_request_id.to_str().unwrap_or_default()
    }

    /// Stage 3: refuses a call the token's own claims say it cannot make. The token read counts
    /// against the call's limit like every other step (a stalled provider could hold it up).
    async fn preflight(&self) -> Result<(), Error> {
        let token = within(self.deadline, self.client.auth.token()).await??;
        match token.permissions() {
            Some(held) => held
                .check(self.request.info, self.request.rsc_consent)
                .map_err(Error::MissingPermission),
            None => Ok(()),
        }
    }

    /// Stage 3, first part: refuses a call the action's table supports for the token's
    /// permission type but not in the client's national cloud (a cloud limit in the spec). The
    /// token is read only for such an action; always, not only with the preflight on, since the
    /// cloud would refuse the call anyway.
    async fn cloud_limits(&self) -> Result<(), Error> {
        let info = self.request.info;
        let cloud = self.client.cloud;
        if !info
            .permissions
            .cloud_limits
            .iter()
            .any(|l| l.clouds.contains(&cloud))
        {
            return Ok(());
        }
        let token = within(self.deadline, self.client.auth.token()).await??;
        match cloud_refusal(info, cloud, token.permissions()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Stages 3 and 4: the preflight, then attempts until one succeeds, one fails in a way that
    /// rules out retrying, or the policy or the deadline says stop.
    pub(crate) async fn run(&self) -> Result<Response, Error> {
        if self.request.preflight {
            self.cloud_limits().await?;
        }
        if self.client.preflight && self.request.preflight {
            self.preflight().await?;
        }
        let policy = self.settings.retry;
        let idempotent = self.request.idempotent;
        let mut attempt = 1;
        loop {
            self.span.record("attempts", attempt);
            let error = match self.attempt(attempt).await {
                Ok(response) => return Ok(response),
                Err(e) => e,
            };
            let Some(delay) = policy.delay(&error, idempotent, attempt, self.started.elapsed())
            else {
                // Out of attempts or time while the answers still said "try again": say so. An
                // answer that rules out retrying is returned as it is.
                let exhausted = attempt > 1 && crate::retry::retryable(&error, idempotent);
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
            if let Some(call) = self.deadline
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

    /// Stage 5: one attempt, from getting the token to the last byte of the answer, ending at
    /// its own timeout or the call's, whichever comes first. The hook, when there is one, adds
    /// its headers before and sees the outcome after.
    async fn attempt(&self, attempt: u32) -> Result<Response, Error> {
        let token = within(self.deadline, self.client.auth.token()).await??;
        let own = Deadline::after(
            tokio::time::Instant::now(),
            self.settings.attempt_timeout,
            TimeoutLimit::Attempt,
        );
        let deadline = match (own, self.deadline) {
            (Some(a), Some(c)) => Some(if c.at <= a.at { c } else { a }),
            (a, c) => a.or(c),
        };
        let mut outgoing = self.outgoing(&token, attempt)?;
        let info = self.request.info;
        let hook = self.client.hook.as_deref();
        if let Some(hook) = hook {
            let url = outgoing.url().clone();
            hook.before_send(&mut crate::hook::OutgoingAttempt {
                action: info,
                attempt,
                client_request_id: self.client_request_id(),
                url: &url,
                headers: outgoing.headers_mut(),
            });
        }
        // The clock is read for the hook's `elapsed` only.
        let sent = hook.map(|_| tokio::time::Instant::now());
        // Boxed: the send and the read are the largest part of the call's future, and a box
        // moves as a pointer where the future itself was copied at each step of the chain.
        let result = within(deadline, Box::pin(self.exchange(outgoing, &token)))
            .await
            .unwrap_or_else(Err);
        if let Some(hook) = hook {
            let (status, request_id, error) = match &result {
                Ok(r) => (Some(r.status), r.request_id(), None),
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
                elapsed: sent.map(|t| t.elapsed()).unwrap_or_default(),
                request_id,
                error,
            });
        }
        result
    }

    /// One attempt as it goes out: the credentials, the call's `client-request-id` (with
    /// `Retry-Attempt` on retries), `Accept: application/json` and graph-api's `User-Agent`,
    /// then the prepared headers (which may name another `Accept`) and body.
    pub(crate) fn outgoing(&self, token: &Bearer, attempt: u32) -> Result<reqwest::Request, Error> {
        let r = self.request;
        let mut req = reqwest::Request::new(r.method.clone(), r.url.clone());
        let headers = req.headers_mut();
        headers.reserve(r.headers.len() + 5);
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            reqwest::header::USER_AGENT,
            HeaderValue::from_static(crate::USER_AGENT),
        );
        headers.insert(reqwest::header::AUTHORIZATION, token.header()?);
        headers.insert(CLIENT_REQUEST_ID, self.client_request_id.clone());
        if attempt > 1 {
            headers.insert(RETRY_ATTEMPT, HeaderValue::from(attempt - 1));
        }
        for (name, value) in &r.headers {
            headers.insert(name, value.clone());
        }
        if let Some(body) = &r.body {
            *req.body_mut() = Some(body.clone().into());
        }
        Ok(req)
    }

    /// Stage 6: sends one attempt and reads its answer, a success body up to the call's size
    /// limit and an error body up to [`ERROR_BODY_LIMIT`](crate::ERROR_BODY_LIMIT).
    async fn exchange(&self, req: reqwest::Request, token: &Bearer) -> Result<Response, Error> {
        let resp = self.client.http.execute(req).await.map_err(|e| {
            if e.is_builder() {
                // Nothing to retry: a header (such as a provider's token) cannot be sent as given.
                return Error::Config(format!("cannot build the request: {}", e.without_url()));
            }
            if let Some(after) = self
                .client
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
        self.span.record("http.status", status);
        // Kept as the header value (a view of the bytes read, not a copy), when it is text.
        let request_id = resp
            .headers()
            .get(REQUEST_ID)
            .filter(|v| v.to_str().is_ok())
            .cloned();
        if let Some(id) = request_id.as_ref().and_then(|v| v.to_str().ok()) {
            self.span.record("request_id", id);
        }
        let success = (200..300).contains(&status);
        // Error answers keep their headers (request ids, Retry-After); successes need none.
        let headers = if success {
            HeaderMap::new()
        } else {
            resp.headers().clone()
        };
        let limit = if success {
            let limit = self.settings.max_body_size;
            // A length announced past the limit fails before a byte of the body is read.
            if resp.content_length().is_some_and(|n| n > limit as u64) {
                return Err(Error::BodyTooLarge { status, limit });
            }
            limit
        } else {
            crate::error::ERROR_BODY_LIMIT
        };
        // Of a success's headers only these two are kept, for an action whose answer is a
        // `Location`.
        let (location, content_location) = if success {
            (
                resp.headers().get(LOCATION).cloned(),
                resp.headers().get(CONTENT_LOCATION).cloned(),
            )
        } else {
            (None, None)
        };
        let (body, whole) = read_up_to(resp, limit)
            .await
            .map_err(|e| Error::Transport {
                source: e.without_url(),
                maybe_sent: true,
            })?;
        if !success {
            return Err(self.failure(status, &headers, &body, token));
        }
        if !whole {
            return Err(Error::BodyTooLarge { status, limit });
        }
        Ok(Response {
            status,
            request_id,
            location,
            content_location,
            body,
        })
    }

    /// Stage 7: an answer that is not a success, as the error the caller gets: Graph's error
    /// object as far as it was read, and for a 403 the permission the token's claims show
    /// missing (with the resource-specific grant that would also do).
    fn failure(&self, status: u16, headers: &HeaderMap, body: &[u8], token: &Bearer) -> Error {
        failure(
            status,
            headers,
            body,
            self.request.info,
            self.request.rsc_consent,
            token,
        )
    }
}

/// Stage 7 for any answer that is not a success, a direct call's or a batch item's.
pub(crate) fn failure(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    info: &'static ActionInfo,
    rsc_consent: bool,
    token: &Bearer,
) -> Error {
    let mut error = ApiError::from_parts(status, headers, body);
    if status == 403 {
        error.missing_permission = token
            .permissions()
            .and_then(|held| held.missing(info, rsc_consent));
    }
    Error::Api(Box::new(error))
}

/// The call's id, sent on every attempt.
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");
/// Which retry an attempt is (absent on the first).
const RETRY_ATTEMPT: HeaderName = HeaderName::from_static("retry-attempt");
/// Graph's id for an answer.
const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");

/// A header value from the spec, used as it is (no copy) when it is visible ASCII, the rule
/// `HeaderValue::from_static` holds to; otherwise checked and copied, or `None` if it cannot be
/// sent.
fn static_value(value: &'static str) -> Option<HeaderValue> {
    if value.bytes().all(|b| b == b'\t' || (32..127).contains(&b)) {
        return Some(HeaderValue::from_static(value));
    }
    HeaderValue::from_str(value).ok()
}

/// When a time limit ends, which one it is and how long it was.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    pub(crate) at: tokio::time::Instant,
    limit: TimeoutLimit,
    after: Duration,
}

impl Deadline {
    /// `limit`'s deadline `after` from `start`; none without a limit, or for one too far away
    /// to be an instant.
    pub(crate) fn after(
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
pub(crate) async fn within<T>(
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

/// A successful answer, read whole (it is at most the call's body size limit).
#[derive(Debug)]
pub struct Response {
    status: u16,
    /// Graph's `request-id` for the answer, when it sent one as text.
    request_id: Option<HeaderValue>,
    location: Option<HeaderValue>,
    content_location: Option<HeaderValue>,
    body: bytes::Bytes,
}

impl Response {
    /// Graph's `request-id` for the answer, when it sent one.
    fn request_id(&self) -> Option<&str> {
        self.request_id.as_ref().and_then(|v| v.to_str().ok())
    }

    /// For actions that return a JSON body.
    pub fn into_json<T: serde::de::DeserializeOwned>(self) -> Result<T, Error> {
        decode_json(self.status, &self.body)
    }

    /// For actions whose answer is a `Location` header.
    pub fn into_accepted(self) -> Result<crate::Accepted, Error> {
        fn text(v: &Option<HeaderValue>) -> Option<&str> {
            v.as_ref().and_then(|v| v.to_str().ok())
        }
        crate::Accepted::from_headers(
            self.status,
            text(&self.location),
            text(&self.content_location),
        )
    }
}

/// Reads an answer's JSON body as `T`; the same for direct calls and batch items.
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(
    status: u16,
    body: &[u8],
) -> Result<T, Error> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(e) => Err(decode_error(status, body, e)),
    }
}

/// The error of a body that is not the JSON an action answers (apart from [`decode_json`], so
/// that the formatting is compiled once rather than once per answer type).
#[cold]
fn decode_error(status: u16, body: &[u8], e: serde_json::Error) -> Error {
    Error::Decode {
        status,
        message: e.to_string(),
        snippet: crate::error::snippet(body),
    }
}

#[cfg(all(test, feature = "teams-app-installation"))]
mod tests {
    use super::*;

    fn client() -> GraphClient {
        GraphClient::builder()
            .base_url("https://graph.example")
            .bearer_token("t0k3n")
            .retry_policy(RetryPolicy::default().max_elapsed(Duration::from_secs(40)))
            .build()
            .expect("config")
    }

    fn upgrade(client: &GraphClient, options: CallOptions) -> GraphRequest {
        let path = PathBuilder::root()
            .segment("chats")
            .param("chat-id", "c", false)
            .segment("installedApps")
            .param("app-installation-id", "i", false)
            .segment("upgrade");
        client
            .prepare(
                &crate::actions::UPGRADE_CHAT_APP_INSTALLATION,
                path,
                &Query::new(),
                Some(b"{}".to_vec()),
                false,
                options,
            )
            .expect("a request")
    }

    /// The attempt stage alone: what goes out on a retry of a call with a body.
    #[tokio::test]
    async fn a_retry_carries_the_credentials_ids_fixed_headers_and_body() {
        let client = client();
        let request = upgrade(&client, CallOptions::default());
        let call = Call::new(&client.inner, &request);
        let token = client.inner.auth.token().await.expect("a token");
        let built = call.outgoing(&token, 2).expect("builds");
        let h = built.headers();
        assert_eq!(built.method(), reqwest::Method::POST);
        assert_eq!(
            built.url().as_str(),
            "https://graph.example/v1.0/chats/c/installedApps/i/upgrade"
        );
        assert_eq!(h["authorization"], "Bearer t0k3n");
        assert!(h["authorization"].is_sensitive());
        assert_eq!(h["client-request-id"], call.client_request_id());
        assert_eq!(h["retry-attempt"], "1");
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(built.body().and_then(|b| b.as_bytes()), Some(&b"{}"[..]));
        // The first attempt says nothing of retries; every attempt has the same id.
        let first = call.outgoing(&token, 1).expect("builds");
        assert!(first.headers().get("retry-attempt").is_none());
        assert_eq!(first.headers()["client-request-id"], h["client-request-id"]);
    }

    /// The resolve stage alone: a call's options win, the client's defaults fill the rest,
    /// and the call's limit is the retry policy's budget unless one is set.
    #[test]
    fn call_options_are_resolved_over_the_client_defaults_once() {
        let client = client();
        let defaults = CallOptions::default();
        let s = defaults.resolve(&client.inner);
        assert_eq!(s.call_timeout, Some(Duration::from_secs(40)));
        assert_eq!(s.attempt_timeout, Some(crate::DEFAULT_ATTEMPT_TIMEOUT));
        assert_eq!(s.max_body_size, crate::DEFAULT_MAX_BODY_SIZE);
        assert_eq!(s.max_collected_items, crate::DEFAULT_MAX_COLLECTED_ITEMS);
        let own = CallOptions::default()
            .no_timeout()
            .attempt_timeout(Duration::from_secs(3))
            .max_body_size(10)
            .max_collected_items(5)
            .retry_policy(RetryPolicy::none());
        let s = own.resolve(&client.inner);
        assert_eq!(s.call_timeout, None);
        assert_eq!(s.attempt_timeout, Some(Duration::from_secs(3)));
        assert_eq!((s.max_body_size, s.max_collected_items), (10, 5));
        assert_eq!(s.retry.attempts(), 1);
        // The prepared request keeps them, and the call reads them from it.
        let request = upgrade(&client, own);
        assert_eq!(
            Call::new(&client.inner, &request).settings.call_timeout,
            None
        );
    }
}

/// `Error::Unavailable` when the spec says the token's permission type cannot call the action in
/// `cloud` (see [`CloudLimit`](graph_meta::CloudLimit)); `None` otherwise, also for an opaque
/// token, whose type the client cannot tell.
pub(crate) fn cloud_refusal(
    info: &'static ActionInfo,
    cloud: graph_meta::NationalCloud,
    held: Option<&crate::permissions::TokenPermissions>,
) -> Option<Error> {
    let limit = info.permissions.cloud_limit(held?.kind, cloud)?;
    Some(Error::Unavailable {
        action: info.id,
        reason: format!(
            "with {} permissions in the national cloud {} (\"{}\", {})",
            limit.kind.spec_key(),
            cloud.name(),
            limit.text,
            limit.source
        ),
    })
}
