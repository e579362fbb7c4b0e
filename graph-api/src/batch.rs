//! JSON batching: any number of requests sent in `$batch` POSTs of at most 20, answers matched
//! by id, and the items Graph throttles inside a batch sent again.
//!
//! ```no_run
//! # async fn run(client: graph_api::GraphClient, chats: Vec<(String, String)>) -> Result<(), graph_api::Error> {
//! let mut batch = client.batch();
//! let items = chats
//!     .iter()
//!     .map(|(chat, inst)| batch.add(client.chat(chat).installed_app(inst).upgrade()))
//!     .collect::<Result<Vec<_>, _>>()?;
//! let mut out = batch.send().await?;
//! for item in items {
//!     if let Err(e) = out.take(item) {
//!         eprintln!("{e}");
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! How it follows Graph's rules (<https://learn.microsoft.com/en-us/graph/json-batching>):
//! - An item's `url` is the request's own path and query below the versioned service root,
//!   byte for byte what a direct call sends; its headers are the request's, with
//!   `Content-Type` whenever it has a body. A POST without a body sends `{}` as JSON. A body
//!   that is not JSON goes base64-encoded.
//! - Ids are unique without regard to case; answers are matched by id, never by position.
//! - An item that depends on others (`dependsOn`) goes in the same POST as them; when one of
//!   them fails, Graph answers 424 for it and the error says which dependency failed and why.
//! - **Items count against Graph's throttling limits one by one**: a batch saves round trips,
//!   not quota. An item answered 429 or 503 (or a 5xx, for an idempotent action) is sent again
//!   in a later `$batch` POST with the same id, after the longest `Retry-After` among those
//!   sent again, under the same [`RetryPolicy`](crate::RetryPolicy) and time limit as a direct
//!   call. A 429 or 503 answer to a `$batch` POST itself sends that POST again.
//! - With `preflight_permissions`, each item is checked against the token before anything is
//!   sent; an item the token cannot call gets that error and is not sent.

use crate::call::GraphRequest;
use crate::client::CallOptions;
use crate::meta::{ActionInfo, HttpMethod, PermissionScheme, Permissions, ResponseKind};
use crate::{ApiVersion, Error, GraphClient, NationalCloud};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use std::marker::PhantomData;
use std::time::Duration;

/// The most requests Graph takes in one `$batch` POST.
pub const MAX_BATCH_SIZE: usize = 20;

/// How many `$batch` POSTs of one batch are in flight at once by default.
pub const DEFAULT_BATCH_CONCURRENCY: usize = 4;

/// The `$batch` POST as an action, so it goes through the same call path (retries of 429 and
/// 503, time limits, hook, tracing) as every other call. It has no permissions of its own:
/// each item is checked as itself.
static BATCH: ActionInfo = ActionInfo {
    id: "batch",
    summary: "Combine multiple requests in one HTTP call using JSON batching.",
    docs: "https://learn.microsoft.com/en-us/graph/json-batching",
    method: HttpMethod::Post,
    path: "/$batch",
    versions: &[ApiVersion::V1, ApiVersion::Beta],
    clouds: &[
        NationalCloud::Global,
        NationalCloud::UsGovL4,
        NationalCloud::UsGovL5Dod,
        NationalCloud::China21Vianet,
    ],
    idempotent: false,
    headers: &[("Content-Type", "application/json")],
    success_status: 200,
    response: ResponseKind::One("batch response"),
    query_options: &[],
    permissions: Permissions {
        delegated: PermissionScheme::NotSupported,
        delegated_personal: PermissionScheme::NotSupported,
        application: PermissionScheme::NotSupported,
        notes: &[],
        cloud_limits: &[],
        levels: &[],
    },
};

/// A request builder that can go in a batch: every generated request builder is one. `Output`
/// is what its `.send()` gives (a list request's first [`Page`](crate::Page)).
pub trait BatchRequest {
    /// What the item's answer is read as.
    type Output;

    #[doc(hidden)]
    fn __into_batch(self) -> Result<GraphRequest, Error>;

    #[doc(hidden)]
    fn __decode(answer: crate::__private::Answer) -> Result<Self::Output, Error>;
}

/// A request in a batch; hand it to [`BatchResponses::take`] for its answer. Cheap to copy.
pub struct BatchItem<T> {
    index: usize,
    decode: fn(crate::__private::Answer) -> Result<T, Error>,
    _output: PhantomData<fn() -> T>,
}

impl<T> Clone for BatchItem<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for BatchItem<T> {}

impl<T> std::fmt::Debug for BatchItem<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchItem")
            .field("index", &self.index)
            .finish()
    }
}

impl<T> BatchItem<T> {
    /// Its place in the batch, 0 for the first added.
    pub fn index(&self) -> usize {
        self.index
    }
}

/// One queued request.
struct Queued {
    id: String,
    request: GraphRequest,
    /// Indexes of the items it depends on, all added before it.
    depends_on: Vec<usize>,
}

/// Requests to send together, made by [`GraphClient::batch`].
#[must_use = "a batch does nothing until sent"]
pub struct Batch<'c> {
    client: &'c GraphClient,
    items: Vec<Queued>,
    /// Every id in ASCII lower case: ids are unique without regard to case.
    ids: std::collections::HashSet<String>,
    /// Chains of dependencies as a union-find over item indexes: each item's parent ...
    parent: Vec<usize>,
    /// ... and, at each chain's root, how many items the chain holds.
    chain_len: Vec<usize>,
    max_per_post: usize,
    concurrency: usize,
    options: CallOptions,
}

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("items", &self.items.len())
            .field("max_per_post", &self.max_per_post)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl GraphClient {
    /// An empty batch: requests added to it go out in `$batch` POSTs when it is sent.
    pub fn batch(&self) -> Batch<'_> {
        Batch {
            client: self,
            items: Vec::new(),
            ids: Default::default(),
            parent: Vec::new(),
            chain_len: Vec::new(),
            max_per_post: MAX_BATCH_SIZE,
            concurrency: DEFAULT_BATCH_CONCURRENCY,
            options: CallOptions::default(),
        }
    }
}

impl<'c> Batch<'c> {
    /// Adds a request with the next free number as its id. The request is checked and encoded
    /// now, as `.build()` does: on an error nothing is queued.
    pub fn add<R: BatchRequest>(&mut self, request: R) -> Result<BatchItem<R::Output>, Error> {
        self.push(self.next_id(), request, &[])
    }

    /// Adds a request under an id of the caller's (unique without regard to case).
    pub fn add_with_id<R: BatchRequest>(
        &mut self,
        id: impl Into<String>,
        request: R,
    ) -> Result<BatchItem<R::Output>, Error> {
        self.push(id.into(), request, &[])
    }

    /// Adds a request that runs only after `after` succeeded (Graph's `dependsOn`); it goes in
    /// the same `$batch` POST as them. Give the [`index`](BatchItem::index)es of earlier items.
    pub fn add_after<R: BatchRequest>(
        &mut self,
        after: &[usize],
        request: R,
    ) -> Result<BatchItem<R::Output>, Error> {
        self.push(self.next_id(), request, after)
    }

    /// The next number not taken as an id (a caller's id may be a number).
    fn next_id(&self) -> String {
        let mut n = self.items.len() + 1;
        while self.taken(&n.to_string()) {
            n += 1;
        }
        n.to_string()
    }

    fn taken(&self, id: &str) -> bool {
        self.ids.contains(&id.to_ascii_lowercase())
    }

    /// The root of item `i`'s chain of dependencies.
    fn chain(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn push<R: BatchRequest>(
        &mut self,
        id: String,
        request: R,
        after: &[usize],
    ) -> Result<BatchItem<R::Output>, Error> {
        let invalid = |reason: String| Error::InvalidArgument {
            name: "batch item",
            reason,
        };
        if id.is_empty() || self.taken(&id) {
            return Err(invalid(format!(
                "the id `{id}` is empty or already in the batch (ids are compared without regard to case)"
            )));
        }
        if let Some(bad) = after.iter().find(|&&i| i >= self.items.len()) {
            return Err(invalid(format!(
                "it depends on item {bad}, which is not in the batch yet"
            )));
        }
        let request = request.__into_batch()?;
        if request.url.path() == self.client.inner.root_url.path() {
            return Err(invalid("its URL is the service root".into()));
        }
        let index = self.items.len();
        let mut depends_on = after.to_vec();
        depends_on.sort_unstable();
        depends_on.dedup();
        // The chains it joins, and how long the one it makes would be.
        let mut roots: Vec<usize> = depends_on.iter().map(|&d| self.chain(d)).collect();
        roots.sort_unstable();
        roots.dedup();
        let joined = 1 + roots.iter().map(|&r| self.chain_len[r]).sum::<usize>();
        if joined > MAX_BATCH_SIZE {
            return Err(invalid(format!(
                "its chain of dependencies would hold more than {MAX_BATCH_SIZE} requests, more than one $batch POST takes"
            )));
        }
        let root = roots.first().copied().unwrap_or(index);
        for &r in &roots {
            self.parent[r] = root;
        }
        self.parent.push(root);
        self.chain_len.push(1);
        self.chain_len[root] = joined;
        self.ids.insert(id.to_ascii_lowercase());
        self.items.push(Queued {
            id,
            request,
            depends_on,
        });
        Ok(BatchItem {
            index,
            decode: R::__decode,
            _output: PhantomData,
        })
    }

    /// At most this many requests per `$batch` POST (1 to 20; Graph allows 20, some workloads
    /// fewer).
    pub fn max_per_post(mut self, n: usize) -> Self {
        self.max_per_post = n.clamp(1, MAX_BATCH_SIZE);
        self
    }

    /// At most this many `$batch` POSTs in flight at once (at least 1; default 4).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Overrides the client's retry policy and time limits for the whole batch: they apply to
    /// each `$batch` POST and to sending items again.
    pub fn call_options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// How many requests are queued.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every item as its `$batch` entry would carry it, for a dry run: id, method, relative URL.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &reqwest::Method, String)> + '_ {
        self.items.iter().map(|q| {
            (
                q.id.as_str(),
                &q.request.method,
                relative_url(self.client, &q.request),
            )
        })
    }

    /// Sends every request and reads every answer, sending throttled items again as the retry
    /// policy allows. `Err` only when no `$batch` POST could be sent or answered at all (or
    /// the batch's chains do not fit the POST size); otherwise each item's own outcome is in
    /// the responses.
    pub async fn send(self) -> Result<BatchResponses, Error> {
        send(self).await
    }
}

/// The items of a batch that depend on each other, transitively: each group goes in one POST.
/// Groups are in the order of their first item.
fn groups(items: &[Queued]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..items.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, q) in items.iter().enumerate() {
        for &d in &q.depends_on {
            let (a, b) = (root(&mut parent, i), root(&mut parent, d));
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut slot: std::collections::HashMap<usize, usize> = Default::default();
    for i in 0..items.len() {
        let r = root(&mut parent, i);
        let at = *slot.entry(r).or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        out[at].push(i);
    }
    out
}

/// An item's URL as a batch carries it: the path and query below the versioned service root,
/// exactly as the direct call sends them.
fn relative_url(client: &GraphClient, request: &GraphRequest) -> String {
    let root = client.inner.root_url.path().trim_end_matches('/');
    let full = &request.url[url::Position::BeforePath..];
    full.strip_prefix(root).unwrap_or(full).to_owned()
}

/// Every item's outcome, taken out one by one with the [`BatchItem`] that [`Batch::add`] gave.
#[derive(Debug)]
pub struct BatchResponses {
    outcomes: Vec<Option<Result<crate::__private::Answer, Error>>>,
    ids: Vec<String>,
    posts: usize,
}

impl BatchResponses {
    /// The item's answer read as its request's `.send()` would give it, or its error. An item
    /// taken before gives [`Error::InvalidArgument`].
    pub fn take<T>(&mut self, item: BatchItem<T>) -> Result<T, Error> {
        match self.outcomes.get_mut(item.index).and_then(Option::take) {
            Some(Ok(answer)) => (item.decode)(answer),
            Some(Err(e)) => Err(e),
            None => Err(Error::InvalidArgument {
                name: "batch item",
                reason: format!(
                    "item {} was taken already or is not of this batch",
                    item.index
                ),
            }),
        }
    }

    /// The id the item was sent under.
    pub fn id<T>(&self, item: BatchItem<T>) -> Option<&str> {
        self.ids.get(item.index).map(String::as_str)
    }

    /// How many `$batch` POSTs were sent, retries of throttled items included.
    pub fn posts(&self) -> usize {
        self.posts
    }
}

/// Builds the body of one `$batch` POST for `indexes`, with `dependsOn` kept only for
/// dependencies in the same POST.
fn body(client: &GraphClient, items: &[Queued], indexes: &[usize]) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut out = String::from("{\"requests\":[");
    for (n, &i) in indexes.iter().enumerate() {
        let q = &items[i];
        let r = &q.request;
        if n > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"id\":{},\"method\":{},\"url\":{}",
            json_str(&q.id),
            json_str(r.method.as_str()),
            json_str(&relative_url(client, r))
        );
        let deps: Vec<&str> = q
            .depends_on
            .iter()
            .filter(|d| indexes.contains(d))
            .map(|&d| items[d].id.as_str())
            .collect();
        if !deps.is_empty() {
            out.push_str(",\"dependsOn\":[");
            for (k, d) in deps.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                out.push_str(&json_str(d));
            }
            out.push(']');
        }
        let (headers, body) = item_headers_and_body(r);
        if !headers.is_empty() {
            out.push_str(",\"headers\":{");
            for (k, (name, value)) in headers.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}:{}", json_str(name), json_str(value));
            }
            out.push('}');
        }
        if let Some(body) = body {
            out.push_str(",\"body\":");
            out.push_str(&body);
        }
        out.push('}');
    }
    out.push_str("]}");
    out.into_bytes()
}

fn json_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// The item's headers (names as HTTP carries them) and its body as JSON text: the bytes
/// themselves for a JSON body, a base64 string for any other; `{}` for a POST without one.
fn item_headers_and_body(r: &GraphRequest) -> (Vec<(String, String)>, Option<String>) {
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let content_type = r
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let body = match &r.body {
        None if r.method == reqwest::Method::POST => Some(b"{}".as_slice()),
        None => None,
        Some(b) => Some(b.as_ref()),
    };
    let Some(body) = body else {
        return (headers, None);
    };
    let is_json = content_type
        .as_deref()
        .is_none_or(|c| c.starts_with("application/json"))
        && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok();
    if content_type.is_none() {
        let ct = if is_json {
            "application/json"
        } else {
            "application/octet-stream"
        };
        headers.push(("content-type".to_owned(), ct.to_owned()));
    }
    let text = if is_json {
        String::from_utf8_lossy(body).into_owned()
    } else {
        use base64::Engine as _;
        json_str(&base64::engine::general_purpose::STANDARD.encode(body))
    };
    (headers, Some(text))
}

/// One item's answer inside a `$batch` answer.
#[derive(serde::Deserialize)]
struct ItemAnswer {
    id: String,
    status: u16,
    #[serde(default)]
    headers: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    body: Option<serde_json::Value>,
}

/// A `$batch` answer.
#[derive(serde::Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    responses: Vec<ItemAnswer>,
}

impl ItemAnswer {
    /// Its headers as HTTP headers (what cannot be one is left out).
    fn header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in self.headers.iter().flatten() {
            let value = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                map.append(n, v);
            }
        }
        map
    }

    /// Its body as bytes: JSON as JSON text; a string under a content type that is not JSON
    /// is base64 and decoded (kept as it is when it is not base64); none is empty.
    fn body_bytes(&self, headers: &HeaderMap) -> Vec<u8> {
        let json = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|c| c.to_ascii_lowercase().contains("json"));
        match &self.body {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(serde_json::Value::String(s)) if !json => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .unwrap_or_else(|_| s.clone().into_bytes())
            }
            Some(v) => serde_json::to_vec(v).unwrap_or_default(),
        }
    }
}

/// The request of the `$batch` POST for these items.
fn post(client: &GraphClient, body: Vec<u8>, options: CallOptions) -> Result<GraphRequest, Error> {
    let mut post = client.prepare(
        &BATCH,
        crate::path::PathBuilder::root().segment("$batch"),
        &crate::query::Query::new(),
        Some(body),
        false,
        options,
    )?;
    // Each item was checked as itself before the batch was sent.
    post.preflight = false;
    Ok(post)
}

/// Sends a batch: every pending item in POSTs of at most `max_per_post` (chains of
/// dependencies kept together), answers matched by id, then the items the retry policy says to
/// send again, after the longest wait they asked for, until none is left or the time is up.
async fn send(batch: Batch<'_>) -> Result<BatchResponses, Error> {
    let Batch {
        client,
        items,
        max_per_post,
        concurrency,
        options,
        ..
    } = batch;
    let n = items.len();
    let settings = options.resolve(&client.inner);
    let started = tokio::time::Instant::now();
    let call =
        crate::call::Deadline::after(started, settings.call_timeout, crate::TimeoutLimit::Call);
    let deadline = call.map(|d| d.at);
    if groups(&items).iter().any(|g| g.len() > max_per_post) {
        return Err(Error::InvalidArgument {
            name: "batch",
            reason: format!(
                "a chain of dependent requests is longer than the {max_per_post} a $batch POST may hold"
            ),
        });
    }
    let mut outcomes: Vec<Option<Result<crate::__private::Answer, Error>>> =
        (0..n).map(|_| None).collect();
    // The token the POSTs will carry (cached): its claims check each item before anything is
    // sent, when the client asks for that, and name what a 403 item lacks.
    let token = crate::call::within(call, client.inner.auth.token()).await??;
    // An item the client's cloud does not take with the token's permission type is refused
    // as the direct call would be.
    for (i, q) in items.iter().enumerate() {
        if let Some(e) =
            crate::call::cloud_refusal(q.request.info, client.inner.cloud, token.permissions())
        {
            outcomes[i] = Some(Err(e));
        }
    }
    if client.inner.preflight
        && let Some(held) = token.permissions()
    {
        for (i, q) in items.iter().enumerate() {
            if outcomes[i].is_none()
                && let Err(m) = held.check(q.request.info, q.request.rsc_consent)
            {
                outcomes[i] = Some(Err(Error::MissingPermission(m)));
            }
        }
    }
    let mut attempts = vec![0u32; n];
    for i in 0..n {
        // An item whose dependency was refused before sending would be answered 424.
        if outcomes[i].is_none()
            && let Some(&d) = items[i].depends_on.iter().find(|&&d| outcomes[d].is_some())
        {
            outcomes[i] = Some(Err(dependency_failed(&items, i, d, &outcomes)));
        }
    }
    let mut pending: Vec<usize> = (0..n).filter(|&i| outcomes[i].is_none()).collect();
    let mut posts = 0;
    let mut first_round = true;
    // How many items the next round sends. Graph admits a tenant's writes at a rate (30 a
    // second for app installations); sending every throttled item again each round would spend
    // every item's attempts while only the few that fit get through. So after a round with
    // throttled items the next one sends as many as got through (at least one), and after a
    // round without, twice as many; items held back are not charged an attempt.
    let mut window = pending.len();
    while !pending.is_empty() {
        let (round, held) = take_window(&items, &pending, window);
        for &i in &round {
            attempts[i] += 1;
        }
        let bins = pack(&items, &round, max_per_post);
        posts += bins.len();
        let mut post_options = options.clone();
        if let Some(d) = deadline {
            post_options =
                post_options.timeout(d.saturating_duration_since(tokio::time::Instant::now()));
        }
        let sent = futures_util::stream::iter(bins.into_iter().map(|bin| {
            let request = post(client, body(client, &items, &bin), post_options.clone());
            async move {
                let answer = match request {
                    Ok(request) => match client.send(&request).await {
                        Ok(response) => response.into_json::<BatchAnswer>(),
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                };
                (bin, answer)
            }
        }));
        let results: Vec<(Vec<usize>, Result<BatchAnswer, Error>)> =
            futures_util::StreamExt::collect(futures_util::StreamExt::buffer_unordered(
                sent,
                concurrency,
            ))
            .await;
        if first_round && results.iter().all(|(_, r)| r.is_err()) {
            // Nothing was answered at all: the batch as a whole failed.
            if let Some((_, Err(e))) = results.into_iter().next() {
                return Err(e);
            }
            break;
        }
        first_round = false;
        let mut again: Vec<(usize, Duration, Error)> = Vec::new();
        let mut dependents: Vec<(usize, Error)> = Vec::new();
        for (bin, result) in results {
            let answer = match result {
                Ok(answer) => answer,
                Err(e) => {
                    for i in bin {
                        outcomes[i] = Some(Err(Error::BatchItem {
                            id: items[i].id.clone(),
                            reason: format!("its $batch POST failed: {e}"),
                        }));
                    }
                    continue;
                }
            };
            let mut by_id: std::collections::HashMap<String, ItemAnswer> = answer
                .responses
                .into_iter()
                .map(|a| (a.id.to_ascii_lowercase(), a))
                .collect();
            for i in bin {
                let q = &items[i];
                let Some(a) = by_id.remove(&q.id.to_ascii_lowercase()) else {
                    outcomes[i] = Some(Err(Error::BatchItem {
                        id: q.id.clone(),
                        reason: "the $batch answer has no response for it; it may or may not have been processed".into(),
                    }));
                    continue;
                };
                let headers = a.header_map();
                if let Some(hook) = &client.inner.hook {
                    hook.after_batch_item(&crate::hook::BatchItemOutcome {
                        action: q.request.info,
                        id: &q.id,
                        attempt: attempts[i],
                        status: a.status,
                    });
                }
                let body = a.body_bytes(&headers);
                if (200..300).contains(&a.status) {
                    let text = |name| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    outcomes[i] = Some(Ok(crate::__private::Answer {
                        status: a.status,
                        body,
                        location: text(reqwest::header::LOCATION),
                        content_location: text(reqwest::header::CONTENT_LOCATION),
                    }));
                    continue;
                }
                let error = crate::call::failure(
                    a.status,
                    &headers,
                    &body,
                    q.request.info,
                    q.request.rsc_consent,
                    &token,
                );
                if a.status == 424 {
                    dependents.push((i, error));
                    continue;
                }
                let idempotent = q.request.idempotent;
                match settings
                    .retry
                    .delay(&error, idempotent, attempts[i], started.elapsed())
                {
                    Some(wait) => again.push((i, wait, error)),
                    None => outcomes[i] = Some(Err(last(error, attempts[i], idempotent))),
                }
            }
        }
        // A 424 is sent again with the dependency that is sent again; otherwise it says which
        // dependency failed, and why.
        for (i, error) in dependents {
            let deps = &items[i].depends_on;
            if deps.iter().any(|d| again.iter().any(|(j, _, _)| j == d)) {
                again.push((i, Duration::ZERO, error));
            } else {
                let d = deps
                    .iter()
                    .copied()
                    .find(|&d| matches!(outcomes[d], Some(Err(_))))
                    .or(deps.first().copied());
                outcomes[i] = Some(Err(match d {
                    Some(d) => dependency_failed(&items, i, d, &outcomes),
                    None => error,
                }));
            }
        }
        let throttled = again
            .iter()
            .filter(|(_, _, e)| e.status().is_some_and(|s| s == 429 || s == 503))
            .count();
        window = if throttled > 0 {
            round.len().saturating_sub(again.len()).max(1)
        } else {
            window.saturating_mul(2)
        };
        let wait = again.iter().map(|(_, w, _)| *w).max().unwrap_or_default();
        let out_of_time = deadline.is_some_and(|d| {
            tokio::time::Instant::now()
                .checked_add(wait)
                .is_none_or(|end| end >= d)
        });
        if out_of_time {
            for (i, _, error) in again {
                outcomes[i] = Some(Err(Error::RetriesExhausted {
                    attempts: attempts[i],
                    last: Box::new(error),
                }));
            }
            for i in held {
                outcomes[i] = Some(Err(Error::BatchItem {
                    id: items[i].id.clone(),
                    reason: "not sent: the batch's time limit ran out while Graph throttled the items before it".into(),
                }));
            }
            break;
        }
        if !again.is_empty() {
            tracing::debug!(
                items = again.len(),
                ?wait,
                "sending throttled batch items again"
            );
            tokio::time::sleep(wait).await;
        }
        // Items sent again go first, then those not sent yet, each in the order added.
        pending = again.into_iter().map(|(i, _, _)| i).collect();
        pending.sort_unstable();
        pending.extend(held);
    }
    Ok(BatchResponses {
        outcomes,
        ids: items.into_iter().map(|q| q.id).collect(),
        posts,
    })
}

/// An item's final error: the last answer, or that the retries ran out when it was one that
/// asked for another try.
fn last(error: Error, attempts: u32, idempotent: bool) -> Error {
    if attempts > 1 && crate::retry::retryable(&error, idempotent) {
        Error::RetriesExhausted {
            attempts,
            last: Box::new(error),
        }
    } else {
        error
    }
}

fn dependency_failed(
    items: &[Queued],
    i: usize,
    dependency: usize,
    outcomes: &[Option<Result<crate::__private::Answer, Error>>],
) -> Error {
    let cause = match &outcomes[dependency] {
        Some(Err(e)) => e.to_string(),
        _ => "it did not succeed".to_owned(),
    };
    Error::DependencyFailed {
        id: items[i].id.clone(),
        dependency: items[dependency].id.clone(),
        cause,
    }
}

/// The first `window` of the pending items in their order (at least one), whole chains of
/// dependencies at a time, and the ones held back for a later round.
fn take_window(items: &[Queued], pending: &[usize], window: usize) -> (Vec<usize>, Vec<usize>) {
    if window >= pending.len() {
        return (pending.to_vec(), Vec::new());
    }
    // Each item's chain, named by its first item, and how many of its items are pending.
    let mut chain_of = vec![0; items.len()];
    for group in groups(items) {
        let first = group[0];
        for i in group {
            chain_of[i] = first;
        }
    }
    let mut pending_in = vec![0usize; items.len()];
    for &i in pending {
        pending_in[chain_of[i]] += 1;
    }
    let mut taken = vec![false; items.len()];
    let mut count = 0;
    for &i in pending {
        let c = chain_of[i];
        if taken[c] {
            continue;
        }
        if count >= window.max(1) {
            break;
        }
        count += pending_in[c];
        taken[c] = true;
    }
    pending.iter().partition(|&&i| taken[chain_of[i]])
}

/// The pending items in POSTs of at most `max` each: the chains of dependencies among them in
/// the order of their first item, each whole in one POST, first fit.
fn pack(items: &[Queued], pending: &[usize], max: usize) -> Vec<Vec<usize>> {
    let mut is_pending = vec![false; items.len()];
    for &i in pending {
        is_pending[i] = true;
    }
    let mut bins: Vec<Vec<usize>> = Vec::new();
    for group in groups(items) {
        let group: Vec<usize> = group.into_iter().filter(|&i| is_pending[i]).collect();
        if group.is_empty() {
            continue;
        }
        match bins.last_mut() {
            Some(bin) if bin.len() + group.len() <= max => bin.extend(group),
            _ => bins.push(group),
        }
    }
    bins
}
