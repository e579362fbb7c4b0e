//! `GraphClient` and its builder: service root, API version, national cloud, credentials.

use crate::Error;
use crate::auth::{Secret, StaticToken, TokenCache, TokenProvider};
use crate::retry::RetryPolicy;
use crate::{ApiVersion, NationalCloud};
use std::sync::Arc;
use std::time::Duration;

/// How long a new connection (TCP, then TLS) may take by default: 10 s. That covers three
/// retransmissions of a lost SYN (Linux sends them 1, 3 and 7 s in) and a slow TLS handshake,
/// while a host that does not answer fails fast; as nothing was sent, the attempt is retried.
/// Microsoft's Graph SDK design allows 30 s (`GraphClientFactory.md` in
/// `microsoftgraph/msgraph-sdk-design`); graph-api fails sooner, since a connection to Graph
/// normally takes well under a second and the retries try again. Only applies to the HTTP client
/// graph-api builds itself (see [`GraphClientBuilder::http_client`]).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one attempt may take by default, from sending to the last byte of the answer: 100 s,
/// the request timeout of Microsoft's Graph SDKs (their design's default, and .NET's
/// `HttpClient.Timeout`).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(100);

/// The largest success body read by default: 64 MiB. Graph's JSON answers are single entities or
/// pages of at most 999 items; 64 MiB allows 64 KiB for each of 999 items, more than entities
/// with large text (message bodies, for one) need, while a server that streams an endless body
/// cannot make a call hold more than this. Streamed downloads are not bounded by it.
pub const DEFAULT_MAX_BODY_SIZE: usize = 64 * 1024 * 1024;

/// The most items a list request's `.all()` collects by default: 100,000, a hundred pages of
/// Graph's largest page size (999) and a thousand of the common default size (100). A server
/// that links to new pages without end cannot make `.all()` grow past it; a larger collection is
/// gone through item by item with `.stream()`, which holds one page at a time.
pub const DEFAULT_MAX_COLLECTED_ITEMS: usize = 100_000;

/// A Microsoft Graph client. Cheap to clone; clones share connections and credentials.
///
/// Actions are reached by path-shaped methods generated from the spec:
/// `client.chat(id).installed_app(id).upgrade().send().await`.
#[derive(Clone)]
pub struct GraphClient {
    pub(crate) inner: Arc<Inner>,
}

/// What a client is configured with; the call path (`call.rs`) reads it.
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    /// The versioned root without a trailing slash, such as `https://graph.microsoft.com/v1.0`.
    pub(crate) root: String,
    /// The same, parsed: requests are built on it, and next-page links must stay under it.
    pub(crate) root_url: reqwest::Url,
    pub(crate) version: ApiVersion,
    pub(crate) cloud: NationalCloud,
    pub(crate) auth: TokenCache,
    pub(crate) retry: RetryPolicy,
    /// `None` only when asked for (`no_attempt_timeout`).
    pub(crate) attempt_timeout: Option<Duration>,
    /// `None`: the retry policy's time budget; `Some(None)`: no limit (`no_timeout`).
    pub(crate) call_timeout: Option<Option<Duration>>,
    /// The connect timeout graph-api set on its own HTTP client; `None` when the caller gave the
    /// client or asked for no limit.
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) max_body_size: usize,
    pub(crate) max_collected_items: usize,
    pub(crate) preflight: bool,
    pub(crate) hook: Option<Arc<dyn crate::hook::AttemptHook>>,
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
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("max_body_size", &self.inner.max_body_size)
            .field("max_collected_items", &self.inner.max_collected_items)
            .field("hook", &self.inner.hook.is_some())
            .finish_non_exhaustive()
    }
}

/// Settings of one call that override the client's: retry policy, timeouts and the body size
/// limit. What is not set here is the client's.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    pub(crate) retry: Option<RetryPolicy>,
    /// `Some(None)`: no limit, asked for by `no_attempt_timeout`.
    pub(crate) attempt_timeout: Option<Option<Duration>>,
    /// `Some(None)`: no limit, asked for by `no_timeout`.
    pub(crate) call_timeout: Option<Option<Duration>>,
    pub(crate) max_body_size: Option<usize>,
    pub(crate) max_collected_items: Option<usize>,
}

impl CallOptions {
    /// The retry policy of this call.
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The longest one attempt may take, from sending to the last byte of the answer; past it
    /// the attempt fails with [`Error::Timeout`] (`TimeoutLimit::Attempt`).
    #[must_use]
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(Some(timeout));
        self
    }

    /// No attempt timeout for this call: an attempt waits as long as the server takes (the call
    /// timeout still applies unless [`no_timeout`](Self::no_timeout) lifts it too).
    #[must_use]
    pub fn no_attempt_timeout(mut self) -> Self {
        self.attempt_timeout = Some(None);
        self
    }

    /// The longest the whole call may take, retries and their waits included; past it the call
    /// fails with [`Error::Timeout`] (`TimeoutLimit::Call`).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(Some(timeout));
        self
    }

    /// No call timeout for this call: it ends when its attempts and retries end (each attempt
    /// still has its timeout unless [`no_attempt_timeout`](Self::no_attempt_timeout) lifts it).
    #[must_use]
    pub fn no_timeout(mut self) -> Self {
        self.call_timeout = Some(None);
        self
    }

    /// The largest success body this call reads, in bytes; a longer one fails with
    /// [`Error::BodyTooLarge`].
    #[must_use]
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = Some(bytes);
        self
    }

    /// The most items this list request's `.all()` collects; one more fails it with
    /// [`Error::TooManyItems`]. (`.stream()` is not limited.)
    #[must_use]
    pub fn max_collected_items(mut self, items: usize) -> Self {
        self.max_collected_items = Some(items);
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
    /// `None`: the default; `Some(None)`: no limit.
    attempt_timeout: Option<Option<Duration>>,
    /// `None`: the retry policy's budget; `Some(None)`: no limit.
    call_timeout: Option<Option<Duration>>,
    /// `None`: the default; `Some(None)`: no limit.
    connect_timeout: Option<Option<Duration>>,
    max_body_size: Option<usize>,
    max_collected_items: Option<usize>,
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

    /// The longest one attempt may take, from sending to the last byte of the answer (default
    /// [`DEFAULT_ATTEMPT_TIMEOUT`], 100 s); calls can override it. A server that accepts and
    /// never answers, or that trickles its body, fails the attempt with [`Error::Timeout`]
    /// (`TimeoutLimit::Attempt`); it is retried only for actions that may be repeated.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(Some(timeout));
        self
    }

    /// No attempt timeout: an attempt waits as long as the server takes. Only the call timeout
    /// (unless lifted with [`no_timeout`](Self::no_timeout)) then ends a stalled call.
    pub fn no_attempt_timeout(mut self) -> Self {
        self.attempt_timeout = Some(None);
        self
    }

    /// The longest a call may take, retries and their waits included (default: the retry
    /// policy's time budget, [`RetryPolicy::max_elapsed`], 5 minutes unless changed); calls can
    /// override it. Past it the call fails with [`Error::Timeout`] (`TimeoutLimit::Call`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(Some(timeout));
        self
    }

    /// No call timeout: a call ends when its attempts and retries end (each attempt still has
    /// its timeout unless [`no_attempt_timeout`](Self::no_attempt_timeout) lifts it).
    pub fn no_timeout(mut self) -> Self {
        self.call_timeout = Some(None);
        self
    }

    /// The longest a new connection (TCP and TLS) may take (default
    /// [`DEFAULT_CONNECT_TIMEOUT`], 10 s); past it the attempt fails with [`Error::Timeout`]
    /// (`TimeoutLimit::Connect`) and, nothing having been sent, is retried. Applies to the HTTP
    /// client graph-api builds; with [`http_client`](Self::http_client) set it on that client's
    /// builder instead (the attempt timeout bounds connecting either way).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(Some(timeout));
        self
    }

    /// No connect timeout of graph-api's own: connecting is bounded by the attempt timeout
    /// (and the operating system's) only.
    pub fn no_connect_timeout(mut self) -> Self {
        self.connect_timeout = Some(None);
        self
    }

    /// The largest success body read, in bytes (default [`DEFAULT_MAX_BODY_SIZE`], 64 MiB);
    /// calls can override it. A longer body fails the call with [`Error::BodyTooLarge`] and is
    /// not read past the limit. Error answers are read up to
    /// [`ERROR_BODY_LIMIT`](crate::ERROR_BODY_LIMIT) whatever this says.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = Some(bytes);
        self
    }

    /// The most items a list request's `.all()` collects (default
    /// [`DEFAULT_MAX_COLLECTED_ITEMS`], 100,000); calls can override it. One more fails the
    /// collection with [`Error::TooManyItems`], so a server that links to new pages without end
    /// cannot grow it without bound. `.stream()`, which holds one page at a time, is not limited.
    pub fn max_collected_items(mut self, items: usize) -> Self {
        self.max_collected_items = Some(items);
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

    /// A preconfigured reqwest 0.13 `Client` (proxies, timeouts, TLS). graph-api cannot set
    /// the connect timeout of a client it did not build: set `connect_timeout` on its
    /// `reqwest::ClientBuilder` (the attempt and call timeouts still apply, and bound connecting
    /// too); when it fires, the call sees an [`Error::Transport`] that says the request was not
    /// sent. Calling [`connect_timeout`](Self::connect_timeout) as well is a configuration error.
    /// Its redirect policy is its own too: the client graph-api builds follows none, so build
    /// this one with `redirect(reqwest::redirect::Policy::none())` to keep every request on the
    /// service root.
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
        let (http, connect_timeout) = match self.http {
            Some(_) if matches!(self.connect_timeout, Some(Some(_))) => {
                return Err(Error::Config(
                    "`connect_timeout` cannot be set on a client given with `http_client`: set it on that client's `reqwest::ClientBuilder`".into(),
                ));
            }
            Some(h) => (h, None),
            None => {
                let connect = self
                    .connect_timeout
                    .unwrap_or(Some(DEFAULT_CONNECT_TIMEOUT));
                // Redirects are not followed: reqwest would follow one to any host (with the body,
                // the request ids and the hook's headers), and nothing goes anywhere but the
                // service root. A 3xx answer is an `Error::Api` like any other failure.
                let mut b = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
                if let Some(t) = connect {
                    b = b.connect_timeout(t);
                }
                // reqwest 0.13 reads the system's CA certificates here; its own message is only
                // "builder error", so the cause (such as no certificates found) is added.
                let h = b.build().map_err(|e| {
                    let cause = std::error::Error::source(&e)
                        .map(|s| format!(" ({s})"))
                        .unwrap_or_default();
                    Error::Config(format!("cannot build the HTTP client: {e}{cause}"))
                })?;
                (h, connect)
            }
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
                attempt_timeout: self
                    .attempt_timeout
                    .unwrap_or(Some(DEFAULT_ATTEMPT_TIMEOUT)),
                call_timeout: self.call_timeout,
                connect_timeout,
                max_body_size: self.max_body_size.unwrap_or(DEFAULT_MAX_BODY_SIZE),
                max_collected_items: self
                    .max_collected_items
                    .unwrap_or(DEFAULT_MAX_COLLECTED_ITEMS),
                preflight: self.preflight,
                hook: self.hook,
            }),
        })
    }
}
