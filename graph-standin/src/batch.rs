//! JSON batching (`POST /v1.0/$batch`) by the rules of <https://learn.microsoft.com/graph/json-batching>.
//!
//! What the stand-in enforces, and how it answers (the client-side batching is built against
//! exactly this):
//!
//! - The body is `{"requests": [...]}` with 1 to 20 items ("up to 20"); otherwise the whole
//!   batch is answered 400 `BadRequest`.
//! - Each item has `id`, `method` and `url` (strings). Ids must be unique, compared without
//!   regard to case ("Case insensitive. Must be unique within the batch, otherwise the batch
//!   request fails with a 400 error code").
//! - `url` is relative to the version (`/chats/...` or `chats/...`); an absolute URL fails the
//!   whole batch with 400.
//! - `headers` is optional, but an item with a `body` must carry `Content-Type` in its
//!   `headers`; otherwise the whole batch is answered 400.
//! - A body whose `Content-Type` is JSON (`application/json`, any parameters) is a JSON value;
//!   any other content type carries the body as a base64 string, decoded before the item is
//!   run (400 for the batch when it is not base64). Answers are JSON, so answer bodies are
//!   never base64.
//! - `dependsOn` lists ids of other items in the batch (400 for the batch when one is
//!   unknown or the dependencies form a cycle). An item runs after what it depends on; when
//!   any of those did not succeed (status outside 2xx), the item is not run and answers 424
//!   `FailedDependency`.
//! - The batch answers 200 `{"responses": [...]}`, one `{"id", "status", "headers", "body"}`
//!   per item, in any order: shuffled (seeded, deterministic) unless the stand-in was told to
//!   keep the request order.
//! - Items count against the limits one by one, under their own request kinds; a throttled
//!   item answers 429 with its own `Retry-After` header inside the 200.

use crate::api::{self, Request, Response, State};
use base64::Engine as _;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

/// At most this many items in one batch.
pub const MAX_ITEMS: usize = 20;

struct Item {
    id: String,
    method: String,
    url: String,
    client_request_id: Option<String>,
    body: Vec<u8>,
    depends_on: Vec<usize>,
}

fn bad(state: &mut State, crid: Option<&str>, message: &str) -> Response {
    api::error(&mut state.rng, crid, 400, "BadRequest", message)
}

fn header<'a>(headers: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

fn parse(raw: &[u8]) -> Result<Vec<Item>, String> {
    let body: Value =
        serde_json::from_slice(raw).map_err(|_| "The batch body is not JSON.".to_owned())?;
    let requests = body
        .get("requests")
        .and_then(Value::as_array)
        .ok_or("The batch body must have a `requests` array.")?;
    if requests.is_empty() || requests.len() > MAX_ITEMS {
        return Err(format!(
            "A batch holds 1 to {MAX_ITEMS} requests; this one has {}.",
            requests.len()
        ));
    }
    let mut items = Vec::with_capacity(requests.len());
    let mut depends: Vec<Vec<String>> = Vec::new();
    for r in requests {
        let field = |name: &str| {
            r.get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or(format!("Every batch request needs a string `{name}`."))
        };
        let (id, method, url) = (field("id")?, field("method")?, field("url")?);
        if id.is_empty() {
            return Err("A batch request's `id` must not be empty.".into());
        }
        if items.iter().any(|i: &Item| i.id.eq_ignore_ascii_case(&id)) {
            return Err(format!(
                "The batch has two requests with the id `{id}` (ids are compared without regard to case)."
            ));
        }
        if url.contains("://") {
            return Err(format!(
                "Request `{id}`: the url must be relative to the version (`/users`), not `{url}`."
            ));
        }
        let empty = Map::new();
        let headers = match r.get("headers") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(h)) => h,
            Some(_) => return Err(format!("Request `{id}`: `headers` must be an object.")),
        };
        let body = match r.get("body") {
            None | Some(Value::Null) => Vec::new(),
            Some(b) => {
                let Some(ct) = header(headers, "Content-Type") else {
                    return Err(format!(
                        "Request `{id}` has a body but no Content-Type header."
                    ));
                };
                if ct.to_ascii_lowercase().starts_with("application/json") {
                    serde_json::to_vec(b).map_err(|e| e.to_string())?
                } else {
                    let s = b.as_str().ok_or(format!(
                        "Request `{id}`: a `{ct}` body must be a base64 string."
                    ))?;
                    base64::engine::general_purpose::STANDARD
                        .decode(s)
                        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(s))
                        .map_err(|_| format!("Request `{id}`: the body is not base64."))?
                }
            }
        };
        let deps = match r.get("dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(d)) => d
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or(format!("Request `{id}`: `dependsOn` must list ids."))?,
            Some(_) => return Err(format!("Request `{id}`: `dependsOn` must be an array.")),
        };
        depends.push(deps);
        items.push(Item {
            client_request_id: header(headers, "client-request-id").map(str::to_owned),
            id,
            method: method.to_ascii_uppercase(),
            url,
            body,
            depends_on: Vec::new(),
        });
    }
    for (i, deps) in depends.into_iter().enumerate() {
        for d in deps {
            let at = items
                .iter()
                .position(|it| it.id.eq_ignore_ascii_case(&d))
                .filter(|&at| at != i)
                .ok_or(format!(
                    "Request `{}` depends on `{d}`, which is not another request in the batch.",
                    items[i].id
                ))?;
            items[i].depends_on.push(at);
        }
    }
    Ok(items)
}

/// The order to run items in (each after its dependencies), or `None` for a cycle.
fn order(items: &[Item]) -> Option<Vec<usize>> {
    let mut done = vec![false; items.len()];
    let mut out = Vec::with_capacity(items.len());
    while out.len() < items.len() {
        let next =
            (0..items.len()).find(|&i| !done[i] && items[i].depends_on.iter().all(|&d| done[d]))?;
        done[next] = true;
        out.push(next);
    }
    Some(out)
}

/// Answers a `$batch` request.
pub fn handle(
    state: &mut State,
    raw: &[u8],
    client_request_id: Option<&str>,
    now: Instant,
) -> Response {
    *state
        .requests
        .entry(crate::limits::RequestKind::Batch)
        .or_insert(0) += 1;
    let items = match parse(raw) {
        Ok(items) => items,
        Err(message) => return bad(state, client_request_id, &message),
    };
    let Some(order) = order(&items) else {
        return bad(
            state,
            client_request_id,
            "The batch's dependsOn lists form a cycle.",
        );
    };
    let mut answers: Vec<Option<Response>> = vec![None; items.len()];
    for i in order {
        let item = &items[i];
        let failed = item.depends_on.iter().any(|&d| {
            answers[d]
                .as_ref()
                .is_none_or(|r| !(200..300).contains(&r.status))
        });
        let crid = item.client_request_id.as_deref().or(client_request_id);
        let answer = if failed {
            api::error(
                &mut state.rng,
                crid,
                424,
                "FailedDependency",
                "A request this one depends on did not succeed, so it was not run.",
            )
        } else {
            let url = if item.url.starts_with('/') {
                item.url.clone()
            } else {
                format!("/{}", item.url)
            };
            let (path, query) = url.split_once('?').unwrap_or((&url, ""));
            let req = Request {
                method: &item.method,
                path,
                query,
                client_request_id: crid,
                body: &item.body,
            };
            api::handle(state, &req, now)
        };
        answers[i] = Some(answer);
    }
    let mut out: Vec<Value> = items
        .iter()
        .zip(answers)
        .map(|(item, answer)| {
            let answer = answer.unwrap_or_else(|| Response {
                status: 500,
                headers: Vec::new(),
                body: None,
            });
            let mut headers = Map::new();
            if answer.body.is_some() {
                headers.insert("Content-Type".into(), "application/json".into());
            }
            for (k, v) in &answer.headers {
                headers.insert((*k).to_owned(), Value::String(v.clone()));
            }
            let mut v = json!({ "id": item.id, "status": answer.status, "headers": headers });
            if let (Some(body), Value::Object(m)) = (answer.body, &mut v) {
                m.insert("body".into(), body);
            }
            v
        })
        .collect();
    if state.shuffle_batch {
        for i in (1..out.len()).rev() {
            let j = state.rng.below(i + 1);
            out.swap(i, j);
        }
    }
    Response {
        status: 200,
        headers: Vec::new(),
        body: Some(json!({ "responses": out })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(v: Value) -> Result<Vec<Item>, String> {
        parse(v.to_string().as_bytes())
    }

    #[test]
    fn twenty_items_pass_and_twenty_one_do_not() {
        let make = |n: usize| json!({ "requests": (0..n).map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/users"})).collect::<Vec<_>>() });
        assert_eq!(items(make(20)).map(|i| i.len()), Ok(20));
        assert!(items(make(21)).is_err());
        assert!(items(make(0)).is_err());
    }

    #[test]
    fn ids_clash_without_regard_to_case() {
        let v = json!({"requests": [
            {"id": "a", "method": "GET", "url": "/users"},
            {"id": "A", "method": "GET", "url": "/teams"}
        ]});
        assert!(items(v).is_err_and(|e| e.contains("two requests")));
    }

    #[test]
    fn a_body_needs_a_content_type_and_non_json_bodies_are_base64() {
        let no_ct = json!({"requests": [{"id": "1", "method": "POST", "url": "/x", "body": {}}]});
        assert!(items(no_ct).is_err_and(|e| e.contains("Content-Type")));
        let b64 = json!({"requests": [{"id": "1", "method": "POST", "url": "/x",
            "headers": {"content-type": "text/plain"}, "body": "aGVsbG8="}]});
        assert_eq!(items(b64).map(|i| i[0].body.clone()), Ok(b"hello".to_vec()));
        let not_b64 = json!({"requests": [{"id": "1", "method": "POST", "url": "/x",
            "headers": {"Content-Type": "image/png"}, "body": "not base64!"}]});
        assert!(items(not_b64).is_err());
    }

    #[test]
    fn urls_are_relative_and_dependencies_exist_without_cycles() {
        let abs = json!({"requests": [{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users"}]});
        assert!(items(abs).is_err());
        let unknown = json!({"requests": [{"id": "1", "method": "GET", "url": "/users", "dependsOn": ["2"]}]});
        assert!(items(unknown).is_err());
        let cycle = json!({"requests": [
            {"id": "1", "method": "GET", "url": "/users", "dependsOn": ["2"]},
            {"id": "2", "method": "GET", "url": "/users", "dependsOn": ["1"]}
        ]});
        let parsed = items(cycle).expect("parses");
        assert_eq!(order(&parsed), None);
        let chain = json!({"requests": [
            {"id": "1", "method": "GET", "url": "/users", "dependsOn": ["B"]},
            {"id": "b", "method": "GET", "url": "/users"}
        ]});
        assert_eq!(order(&items(chain).expect("parses")), Some(vec![1, 0]));
    }
}
