//! Items the generated code uses; not part of the public API and may change at any time.

pub use crate::call::Response;
pub use crate::client::CallOptions;
pub use crate::path::PathBuilder;
pub use crate::query::Query;
pub use serde;
pub use serde_json;

use crate::meta::ActionInfo;
use crate::{Error, GraphClient};

/// Sends one action's request.
pub async fn execute(
    client: &GraphClient,
    info: &'static ActionInfo,
    path: PathBuilder,
    query: Query,
    rsc_consent: bool,
    body: Option<Vec<u8>>,
    options: CallOptions,
) -> Result<Response, Error> {
    client
        .execute(info, path, query, rsc_consent, body, options)
        .await
}

/// Every item of a list action's collection, fetched page by page as the stream is read.
pub fn stream<T: serde::de::DeserializeOwned + Send + 'static>(
    client: &GraphClient,
    info: &'static ActionInfo,
    path: PathBuilder,
    query: Query,
    options: CallOptions,
) -> crate::PageStream<T> {
    let first = client.request(info, path, query, false, None, options);
    crate::PageStream::new(client.clone(), first)
}

/// The URL an `@odata.bind` field carries: the client's versioned service root (its own cloud
/// and API version) followed by the path, whose ids were checked and encoded like any other.
pub fn bind_url(client: &GraphClient, path: PathBuilder) -> Result<String, Error> {
    Ok(format!("{}{}", client.service_root(), path.finish()?))
}

/// Everything a call does before I/O (for benchmarks): the checked URL.
pub fn prepare(
    client: &GraphClient,
    info: &'static ActionInfo,
    path: PathBuilder,
) -> Result<reqwest::Url, Error> {
    client.prepare(info, path, &Query::new())
}

/// Serializes a request body once, so every attempt sends the same bytes.
pub fn json_body<T: serde::Serialize>(body: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(body)
        .map_err(|e| Error::Config(format!("cannot serialize the request body: {e}")))
}

/// Deserializes a string, borrowed or owned, through `from`.
pub fn deserialize_str_with<'de, D, T>(deserializer: D, from: fn(&str) -> T) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct V<T>(fn(&str) -> T);
    impl<T> serde::de::Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            Ok((self.0)(v))
        }
    }
    deserializer.deserialize_str(V(from))
}

/// Adds a derived type's field to a base value's undeclared fields (absent values are left out).
pub fn keep<T: serde::Serialize>(
    map: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    value: &T,
) {
    if let Ok(v) = serde_json::to_value(value)
        && !v.is_null()
    {
        map.insert(key.to_owned(), v);
    }
}

/// Whether an `@odata.type` value names a type: `#microsoft.graph.x` and `microsoft.graph.x`
/// name the same one, in any casing.
pub fn names_type(sent: Option<&str>, odata_type: &str) -> bool {
    sent.is_some_and(|s| {
        s.trim_start_matches('#')
            .eq_ignore_ascii_case(odata_type.trim_start_matches('#'))
    })
}

/// Reads one model type as another through its JSON form; `None` when it does not fit.
pub fn convert<F: serde::Serialize, T: serde::de::DeserializeOwned>(value: &F) -> Option<T> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
}
