//! Items the generated code uses; not part of the public API and may change at any time.

pub use crate::client::{CallOptions, Response};
pub use crate::path::PathBuilder;
pub use serde;

use crate::meta::ActionInfo;
use crate::{Error, GraphClient};

/// Sends one action's request.
pub async fn execute(
    client: &GraphClient,
    info: &'static ActionInfo,
    path: PathBuilder,
    body: Option<Vec<u8>>,
    options: &CallOptions,
) -> Result<Response, Error> {
    client.execute(info, path, body, options).await
}

/// Everything a call does before I/O (for benchmarks): the checked URL.
pub fn prepare(
    client: &GraphClient,
    info: &'static ActionInfo,
    path: PathBuilder,
) -> Result<reqwest::Url, Error> {
    client.prepare(info, path)
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
