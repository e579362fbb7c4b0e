//! The HTTP side: hyper's HTTP/1.1 server on loopback, the `/v1.0` and `/beta` prefixes, the
//! bearer-token check, `$batch`, `GET /__standin/stats`, and latency.

use crate::api::{self, Request, Response};
use crate::{Shared, lock};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// The largest request body read (a full `$batch` is far smaller).
const MAX_BODY: usize = 4 << 20;

/// Time added to every answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Latency {
    pub(crate) fixed: Duration,
    pub(crate) jitter: Duration,
}

/// Accepts connections until the task is aborted; connections end with it.
pub(crate) async fn serve(listener: TcpListener, state: Shared, latency: Latency) {
    let mut connections = JoinSet::new();
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(_) => continue,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let _ = stream.set_nodelay(true);
        let state = Arc::clone(&state);
        connections.spawn(async move {
            let service = service_fn(move |req| answer(Arc::clone(&state), latency, req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    state: Shared,
    latency: Latency,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let crid = header("client-request-id");
    let authorized = header("authorization").is_some_and(|a| a.starts_with("Bearer "));
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let mut s = lock(&state);
            let r = api::error(
                &mut s.rng,
                crid.as_deref(),
                413,
                "RequestEntityTooLarge",
                "The request body is too large.",
            );
            return Ok(to_http(r));
        }
    };
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    let now = tokio::time::Instant::now();
    let (response, jitter) = {
        let mut s = lock(&state);
        let jitter = if latency.jitter.is_zero() {
            Duration::ZERO
        } else {
            latency.jitter.mul_f64(s.rng.unit())
        };
        let rest = path
            .strip_prefix("/v1.0")
            .or_else(|| path.strip_prefix("/beta"))
            .filter(|r| r.is_empty() || r.starts_with('/'));
        let r = if path == "/__standin/stats" && parts.method == hyper::Method::GET {
            match serde_json::to_value(s.stats()) {
                Ok(v) => Response {
                    status: 200,
                    headers: Vec::new(),
                    body: Some(v),
                },
                Err(e) => api::error(&mut s.rng, None, 500, "InternalServerError", &e.to_string()),
            }
        } else if let Some(rest) = rest {
            if !authorized {
                api::error(
                    &mut s.rng,
                    crid.as_deref(),
                    401,
                    "InvalidAuthenticationToken",
                    "Access token is empty.",
                )
            } else if rest == "/$batch" && parts.method == hyper::Method::POST {
                crate::batch::handle(&mut s, &body, crid.as_deref(), now)
            } else {
                let req = Request {
                    method: parts.method.as_str(),
                    path: rest,
                    query,
                    client_request_id: crid.as_deref(),
                    body: &body,
                };
                api::handle(&mut s, &req, now)
            }
        } else {
            api::error(
                &mut s.rng,
                crid.as_deref(),
                404,
                "NotFound",
                "Requests go to /v1.0 or /beta.",
            )
        };
        if s.log.len() < s.log_limit {
            let target = parts
                .uri
                .path_and_query()
                .map_or(path, |pq| pq.as_str())
                .to_owned();
            let text = String::from_utf8_lossy(&body[..body.len().min(4096)]).into_owned();
            s.log.push(api::Logged {
                method: parts.method.as_str().to_owned(),
                target,
                body: text,
                status: r.status,
            });
        }
        (r, jitter)
    };
    let wait = latency.fixed + jitter;
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    Ok(to_http(response))
}

fn to_http(r: Response) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(r.status);
    for (name, value) in &r.headers {
        builder = builder.header(*name, value.as_str());
    }
    let body = match &r.body {
        Some(v) => {
            builder = builder.header("Content-Type", "application/json");
            Bytes::from(serde_json::to_vec(v).unwrap_or_default())
        }
        None => Bytes::new(),
    };
    builder.body(Full::new(body)).unwrap_or_else(|_| {
        let mut fallback = hyper::Response::new(Full::new(Bytes::new()));
        *fallback.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}
