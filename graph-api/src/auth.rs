//! Credentials: token providers, a cache that refreshes once for all callers, and secrets kept
//! out of every `Debug`, `Display`, error and log line.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// A boxed future, as token providers return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A secret string. `Debug` shows only that it is there; nothing in graph-api displays it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
    }

    /// The secret itself. Call it only where the value must leave the program.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// An access token and when it stops working.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The bearer token.
    pub token: Secret,
    /// When it expires; `None` for a token that does not (or whose expiry is unknown).
    pub expires_at: Option<SystemTime>,
}

/// Why a token provider could not give a token. Its message must not contain secrets.
pub type AuthError = Box<dyn std::error::Error + Send + Sync>;

/// Gets access tokens for Microsoft Graph. The client caches what it returns and asks again
/// shortly before expiry, once for all concurrent callers.
pub trait TokenProvider: Send + Sync + 'static {
    /// Gets a fresh token.
    fn fetch_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>>;
}

/// A token that never changes, as given to [`GraphClientBuilder::bearer_token`](crate::GraphClientBuilder::bearer_token).
#[derive(Debug, Clone)]
pub struct StaticToken(pub Secret);

impl TokenProvider for StaticToken {
    fn fetch_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        let token = AccessToken {
            token: self.0.clone(),
            expires_at: None,
        };
        Box::pin(async move { Ok(token) })
    }
}

/// A token with its `Authorization: Bearer ...` header value, built once per token rather than
/// once per call (a Graph token is about 1.5 KB, and the value is checked byte by byte).
#[derive(Clone)]
pub(crate) struct Bearer {
    token: Secret,
    /// `None` when the token cannot be sent as a header value (spaces, control characters).
    header: Option<reqwest::header::HeaderValue>,
    /// The token's permission claims, decoded the first time the preflight or a 403 asks and
    /// shared by every call that uses the token.
    claims: Arc<std::sync::OnceLock<Option<crate::permissions::TokenPermissions>>>,
}

impl Bearer {
    fn new(token: Secret) -> Self {
        let header = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .ok()
            .map(|mut v| {
                v.set_sensitive(true);
                v
            });
        Bearer {
            token,
            header,
            claims: Arc::default(),
        }
    }

    /// What the token's claims say it may do; `None` for an opaque token (see
    /// [`TokenPermissions::from_jwt`](crate::permissions::TokenPermissions::from_jwt)).
    pub(crate) fn permissions(&self) -> Option<&crate::permissions::TokenPermissions> {
        self.claims
            .get_or_init(|| crate::permissions::TokenPermissions::from_jwt(self.token.expose()))
            .as_ref()
    }

    /// The header value, or why there is none.
    pub(crate) fn header(&self) -> Result<reqwest::header::HeaderValue, crate::Error> {
        self.header.clone().ok_or_else(|| {
            crate::Error::Config(
                "cannot build the request: the access token cannot be sent in a header (it holds spaces or control characters)".into(),
            )
        })
    }
}

/// How long before expiry a cached token is replaced (at most half its lifetime).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// A token provider behind a cache with single-flight refresh.
pub(crate) struct TokenCache {
    provider: Box<dyn TokenProvider>,
    /// The current token, when it was fetched, and its `Authorization` value, made once.
    current: Mutex<Option<(AccessToken, SystemTime, Bearer)>>,
    refresh: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCache")
    }
}

impl TokenCache {
    pub(crate) fn new(provider: Box<dyn TokenProvider>) -> Self {
        TokenCache {
            provider,
            current: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    fn fresh(&self) -> Option<Bearer> {
        let guard = self.current.lock().ok()?;
        let (t, fetched, bearer) = guard.as_ref()?;
        let fresh = match t.expires_at {
            None => true,
            Some(at) => {
                // Short-lived tokens are replaced halfway through their life instead.
                let life = at.duration_since(*fetched).unwrap_or_default();
                SystemTime::now() + REFRESH_MARGIN.min(life / 2) < at
            }
        };
        fresh.then(|| bearer.clone())
    }

    /// A token that is good for at least [`REFRESH_MARGIN`], fetching one if needed.
    pub(crate) async fn token(&self) -> Result<Bearer, crate::Error> {
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        let _one_refresh = self.refresh.lock().await;
        // Another caller may have refreshed while this one waited.
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        let new = self
            .provider
            .fetch_token()
            .await
            .map_err(|e| crate::Error::Auth(e.to_string()))?;
        let bearer = Bearer::new(new.token.clone());
        if let Ok(mut current) = self.current.lock() {
            *current = Some((new, SystemTime::now(), bearer.clone()));
        }
        Ok(bearer)
    }
}
