//! `GraphClient` and its builder: service root, API version, national cloud, credentials.

use crate::auth::{Secret, StaticToken, TokenCache, TokenProvider};
use crate::meta::{ActionInfo, HttpMethod};
use crate::path::PathBuilder;
use crate::query::Query;
use crate::retry::RetryPolicy;
use crate::{ApiError, Error};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// A Microsoft Graph API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ApiVersion {
    /// `v1.0`, the stable version.
    #[default]
    V1,
    /// `beta`, subject to change.
    Beta,
}

impl ApiVersion {
    /// The version as it appears in URLs.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }
}

/// A Microsoft Graph national cloud deployment.
///
/// Roots from <https://learn.microsoft.com/en-us/graph/deployments>.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NationalCloud {
    /// The global service.
    #[default]
    Global,
    /// US Government L4.
    UsGovL4,
    /// US Government L5 (DOD).
    UsGovL5Dod,
    /// China operated by 21Vianet.
    China21Vianet,
}

impl NationalCloud {
    /// The Graph service root of the cloud.
    pub const fn graph_root(self) -> &'static str {
        match self {
            NationalCloud::Global => "https://graph.microsoft.com",
            NationalCloud::UsGovL4 => "https://graph.microsoft.us",
            NationalCloud::UsGovL5Dod => "https://dod-graph.microsoft.us",
            NationalCloud::China21Vianet => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The cloud's name as the documentation writes it.
    pub const fn name(self) -> &'static str {
        match self {
            NationalCloud::Global => "Global service",
            NationalCloud::UsGovL4 => "US Government L4",
            NationalCloud::UsGovL5Dod => "US Government L5 (DOD)",
            NationalCloud::China21Vianet => "China operated by 21Vianet",
        }
    }
}

/// A Microsoft Graph client. Cheap to clone; clones share connections and credentials.
///
/// Actions are reached by path-shaped methods generated from the spec:
/// `client.chat(id).installed_app(id).upgrade().send().await`.
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// The versioned root without a trailing slash, such as `https://graph.microsoft.com/v1.0`.
    root: String,
    /// The same, parsed: next-page links must stay on its scheme, host and port.
    root_url: reqwest::Url,
    version: ApiVersion,
    cloud: NationalCloud,
    auth: TokenCache,
    retry: RetryPolicy,
    attempt_timeout: Option<Duration>,
    call_timeout: Option<Duration>,
    preflight: bool,
    hook: Option<Arc<dyn crate::hook::AttemptHook>>,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient")
            .field("root", &self.inner.root)
            .field("version", &self.inner.version)
            .field("cloud", &self.inner.cloud)
            .field("retry", &self.inner.retry)
            .field("attempt_timeout", &self.inner.attempt_timeout)
            .field("call_timeout", &self.inner.call_timeout)
            .field("hook", &self.inner.hook.is_some())
            .finish_non_exhaustive()
    }
}

/// Settings of one call that override the client's: retry policy and timeouts.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) call_timeout: Option<Duration>,
}

impl CallOptions {
    /// The retry policy of this call.
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The longest one attempt may take, from sending to the last byte of the answer.
    #[must_use]
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The longest the whole call may take, retries and their waits included.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }
}

/// Configures a [`GraphClient`].
#[derive(Default)]
#[must_use]
pub struct GraphClientBuilder {
    base_url: Option<String>,
    version: ApiVersion,
    cloud: NationalCloud,
    provider: Option<Box<dyn TokenProvider>>,
    token_error: Option<&'static str>,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    attempt_timeout: Option<Duration>,
    call_timeout: Option<Duration>,
    preflight: bool,
    hook: Option<Arc<dyn crate::hook::AttemptHook>>,
}

impl std::fmt::Debug for GraphClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClientBuilder")
            .field("base_url_set", &self.base_url.is_some())
            .field("version", &self.version)
            .field("cloud", &self.cloud)
            .field("has_credentials", &self.provider.is_some())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl GraphClient {
    /// Starts configuring a client.
    pub fn builder() -> GraphClientBuilder {
        GraphClientBuilder::default()
    }

    /// The versioned service root requests go to.
    pub fn service_root(&self) -> &str {
        &self.inner.root
    }

    /// The configured API version.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.version
    }

    /// The configured national cloud.
    pub fn national_cloud(&self) -> NationalCloud {
        self.inner.cloud
    }

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

    /// Sends one action's request, retrying as the policy allows, and reads the whole response.
    pub(crate) async fn execute(
        &self,
        info: &'static ActionInfo,
        path: PathBuilder,
        query: Query,
        rsc_consent: bool,
        body: Option<Vec<u8>>,
        options: CallOptions,
    ) -> Result<Response, Error> {
        let request = self.request(info, path, query, rsc_consent, body, options)?;
        self.send(&request).await
    }

    /// Sends a prepared request, retrying as the policy allows, and reads the whole response.
    pub(crate) async fn send(&self, request: &Request) -> Result<Response, Error> {
        if self.inner.preflight {
            self.preflight(request).await?;
        }
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
        // With no subscriber listening the span is disabled; the call then runs without it.
        let call = if span.is_disabled() {
            futures_util::future::Either::Left(self.attempts(request))
        } else {
            futures_util::future::Either::Right(self.attempts(request).instrument(span))
        };
        match options.call_timeout.or(self.inner.call_timeout) {
            Some(limit) => tokio::time::timeout(limit, call)
                .await
                .unwrap_or(Err(Error::Timeout { after: limit })),
            None => call.await,
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

    async fn attempts(&self, request: &Request) -> Result<Response, Error> {
        let (info, options) = (request.info, &request.options);
        let policy = options.retry.as_ref().unwrap_or(&self.inner.retry);
        let attempt_timeout = options.attempt_timeout.or(self.inner.attempt_timeout);
        let client_request_id = crate::retry::new_guid();
        let span = tracing::Span::current();
        span.record("client_request_id", client_request_id.as_str());
        let started = tokio::time::Instant::now();
        let mut attempt = 1;
        loop {
            span.record("attempts", attempt);
            let result = self
                .attempt(request, &client_request_id, attempt, attempt_timeout)
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
    ) -> Result<Response, Error> {
        let token = self.inner.auth.token().await?;
        let info = request.info;
        let method = match info.method {
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
        for (name, value) in info.headers.iter().chain(request.query.headers()) {
            req = req.header(*name, *value);
        }
        if let Some(body) = &request.body {
            req = req.body(body.clone());
        }
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        let Some(hook) = &self.inner.hook else {
            return self.transport(req, request, token).await;
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
        let result = self.transport(req, request, token).await;
        let (status, request_id, error) = match &result {
            Ok(r) => (Some(r.status), None, None),
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

    /// Sends one attempt and reads its whole answer.
    async fn transport(
        &self,
        req: reqwest::RequestBuilder,
        request: &Request,
        token: crate::auth::Bearer,
    ) -> Result<Response, Error> {
        let info = request.info;
        let resp = req.send().await.map_err(|e| {
            if e.is_builder() {
                // Nothing to retry: a header (such as a provider's token) cannot be sent as given.
                return Error::Config(format!("cannot build the request: {}", e.without_url()));
            }
            Error::Transport {
                maybe_sent: !e.is_connect(),
                source: e.without_url(),
            }
        })?;
        let status = resp.status().as_u16();
        let span = tracing::Span::current();
        span.record("http.status", status);
        if let Some(id) = resp
            .headers()
            .get("request-id")
            .and_then(|v| v.to_str().ok())
        {
            span.record("request_id", id);
        }
        let success = (200..300).contains(&status);
        // Error answers keep their headers (request ids, Retry-After); successes need none.
        let headers = if success {
            reqwest::header::HeaderMap::new()
        } else {
            resp.headers().clone()
        };
        let bytes = resp.bytes().await.map_err(|e| Error::Transport {
            source: e.without_url(),
            maybe_sent: true,
        })?;
        if success {
            Ok(Response {
                status,
                body: bytes,
            })
        } else {
            let mut error = ApiError::from_parts(status, &headers, &bytes);
            if status == 403 {
                // Say which permission is missing when the token's claims show it.
                error.missing_permission =
                    crate::permissions::TokenPermissions::from_jwt(token.expose())
                        .and_then(|held| held.check(info, request.rsc_consent).err());
            }
            Err(Error::Api(Box::new(error)))
        }
    }
}

impl GraphClientBuilder {
    /// The service root, such as `https://graph.microsoft.com` or a proxy or test server; the API
    /// version is appended. Overrides the national cloud's root.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API version (default `v1.0`).
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    /// The national cloud (default global). Its root is used unless `base_url` is set; actions
    /// the documentation does not list for this cloud fail before sending.
    pub fn national_cloud(mut self, cloud: NationalCloud) -> Self {
        self.cloud = cloud;
        self
    }

    /// A fixed access token, sent as `Authorization: Bearer <token>`.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        let token = Secret::new(token.into());
        let e = token.expose();
        let problem = (e.is_empty() || e.chars().any(|c| c.is_control() || c == ' '))
            .then_some("the bearer token is empty or holds spaces or control characters");
        self = self.token_provider(StaticToken(token));
        self.token_error = problem;
        self
    }

    /// Where access tokens come from; they are cached and refreshed shortly before expiry, once
    /// for all concurrent calls.
    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.provider = Some(Box::new(provider));
        self.token_error = None;
        self
    }

    /// The client's retry policy (default [`RetryPolicy::default`]); calls can override it.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The longest one attempt may take (default: no limit); calls can override it.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The longest a call may take, retries included (default: no limit); calls can override it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }

    /// Whether to check, before sending, that the token holds a permission the action's table
    /// lists (default off). When the token is a JWT, its `scp` (delegated) or `roles`
    /// (application) claim is read, without checking the signature; a call it cannot make fails
    /// with [`Error::MissingPermission`], naming the least-privileged permission to add, and
    /// nothing is sent. Opaque tokens are not checked.
    pub fn preflight_permissions(mut self, enabled: bool) -> Self {
        self.preflight = enabled;
        self
    }

    /// A hook called on every attempt of every call: it may add headers before sending and
    /// observe each attempt's status and latency (see [`hook`](crate::hook)).
    pub fn on_attempt(mut self, hook: impl crate::hook::AttemptHook) -> Self {
        self.hook = Some(Arc::new(hook));
        self
    }

    /// A preconfigured `reqwest::Client` (proxies, timeouts, TLS settings).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<GraphClient, Error> {
        let base = self.base_url.as_deref().unwrap_or(self.cloud.graph_root());
        let parsed = url::Url::parse(base)
            .map_err(|e| Error::Config(format!("the base URL is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(Error::Config(
                "the base URL must be an http or https URL with a host".into(),
            ));
        }
        if parsed.query().is_some()
            || parsed.fragment().is_some()
            || !parsed.username().is_empty()
            || parsed.password().is_some()
        {
            return Err(Error::Config(
                "the base URL must not carry a query, fragment or user info (credentials go in `bearer_token` or `token_provider`)".into(),
            ));
        }
        if let Some(problem) = self.token_error {
            return Err(Error::Config(problem.into()));
        }
        let provider = self.provider.ok_or_else(|| {
            Error::Config("no credentials: call `bearer_token` or `token_provider`".into())
        })?;
        let root = format!(
            "{}/{}",
            parsed.as_str().trim_end_matches('/'),
            self.version.as_str()
        );
        let root_url = reqwest::Url::parse(&root)
            .map_err(|e| Error::Config(format!("the base URL is not a URL: {e}")))?;
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        Ok(GraphClient {
            inner: Arc::new(Inner {
                http,
                root,
                root_url,
                version: self.version,
                cloud: self.cloud,
                auth: TokenCache::new(provider),
                retry: self.retry,
                attempt_timeout: self.attempt_timeout,
                call_timeout: self.call_timeout,
                preflight: self.preflight,
                hook: self.hook,
            }),
        })
    }
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

    /// A hash of the URL, to notice a collection that links back to a page it gave.
    pub(crate) fn url_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.url.as_str().hash(&mut h);
        h.finish()
    }
}

/// A successful answer, read whole.
#[derive(Debug)]
pub struct Response {
    status: u16,
    body: bytes::Bytes,
}

impl Response {
    /// For actions that return no content: any body is ignored.
    pub fn into_unit(self) -> Result<(), Error> {
        Ok(())
    }

    /// For actions that return a JSON body.
    pub fn into_json<T: serde::de::DeserializeOwned>(self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            status: self.status,
            message: e.to_string(),
            snippet: crate::error::snippet(&self.body),
        })
    }
}
