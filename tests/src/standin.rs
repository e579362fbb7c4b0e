//! A minimal HTTP/1.1 server on loopback that records every request byte for byte and answers
//! with whatever the test or example decides.
//!
//! Unlike a mocking library it keeps the raw request line, so tests can assert the exact request
//! target the client put on the wire.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The method, such as `POST`.
    pub method: String,
    /// The request target exactly as sent, such as `/v1.0/chats/...`.
    pub target: String,
    /// Header names (lowercased) and values, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The value of the first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A way for the stand-in to misbehave instead of answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Read the request, then reset the connection without answering.
    Reset,
    /// Read the request and never answer (the connection stays open).
    Stall,
    /// Send the head with the full `Content-Length`, half the body, then close.
    Truncate,
}

/// An answer: status, extra headers and body, or a fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Headers besides `Content-Length`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Misbehave instead of answering normally.
    pub fault: Option<Fault>,
}

impl Reply {
    /// An answer with no body.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            fault: None,
        }
    }

    /// An answer with a body and a content type.
    pub fn body(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            fault: None,
        }
    }

    /// A fault instead of an answer.
    pub fn fault(fault: Fault) -> Reply {
        Reply {
            fault: Some(fault),
            ..Reply::body(
                200,
                "application/json",
                r#"{"id":"truncated-body-of-some-length"}"#,
            )
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A Graph error answer: `{"error":{"code":...,"message":...}}` with a `request-id`.
    pub fn graph_error(status: u16, code: &str, message: &str) -> Reply {
        let body = serde_json::json!({ "error": { "code": code, "message": message } });
        Reply {
            status,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                (
                    "request-id".into(),
                    "00000000-0000-0000-0000-00000000beef".into(),
                ),
            ],
            body: body.to_string().into_bytes(),
            fault: None,
        }
    }

    /// The status line and headers as sent.
    pub fn head(&self) -> String {
        let reason = match self.status {
            200 => "OK",
            201 => "Created",
            307 => "Temporary Redirect",
            204 => "No Content",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Gateway Timeout",
            _ => "Status",
        };
        let mut head = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        for (n, v) in &self.headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", self.body.len()));
        head
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// A running stand-in. It stops when dropped.
pub struct StandIn {
    url: String,
    log: Arc<Mutex<Vec<(Recorded, Reply)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl StandIn {
    /// Starts a server on `127.0.0.1` with a free port; `handler` decides every answer.
    pub async fn start(
        handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> std::io::Result<StandIn> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let task_log = Arc::clone(&log);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = Arc::clone(&task_log);
                let handler = Arc::clone(&handler);
                tokio::spawn(async move {
                    let _ = serve(stream, log, handler).await;
                });
            }
        });
        Ok(StandIn { url, log, task })
    }

    /// The service root to give the client, such as `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.exchanges().into_iter().map(|(req, _)| req).collect()
    }

    /// Every request received so far, with the answer it got.
    pub fn exchanges(&self) -> Vec<(Recorded, Reply)> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    stream: TcpStream,
    log: Arc<Mutex<Vec<(Recorded, Reply)>>>,
    handler: Arc<Handler>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.trim_end().splitn(3, ' ');
        let method = parts.next().unwrap_or("").to_owned();
        let target = parts.next().unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).await? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':') {
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let len = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        reader.read_exact(&mut body).await?;
        let req = Recorded {
            method,
            target,
            headers,
            body,
        };
        let reply = handler(&req);
        if let Ok(mut l) = log.lock() {
            l.push((req, reply.clone()));
        }
        let stream = reader.get_mut();
        match reply.fault {
            Some(Fault::Reset) => {
                // Linger zero makes the close a reset rather than an orderly shutdown; with a
                // zero timeout the drop does not block.
                #[allow(deprecated)]
                stream.set_linger(Some(std::time::Duration::ZERO))?;
                return Ok(());
            }
            Some(Fault::Stall) => std::future::pending::<()>().await,
            Some(Fault::Truncate) => {
                stream.write_all(reply.head().as_bytes()).await?;
                stream
                    .write_all(&reply.body[..reply.body.len() / 2])
                    .await?;
                stream.flush().await?;
                return Ok(());
            }
            None => {}
        }
        stream.write_all(reply.head().as_bytes()).await?;
        stream.write_all(&reply.body).await?;
        stream.flush().await?;
    }
}

/// Answers a `$batch` POST as Graph does (<https://learn.microsoft.com/en-us/graph/json-batching>):
/// each item is answered by `each` as if it had come alone (its relative URL under the batch's
/// version, its own headers, the batch's credentials), and the answers go back in one 200 with
/// each item's id, status, headers and body. More than 20 items, a repeated id (compared without
/// regard to case) or a body that is not a batch answer 400 for the whole batch.
pub fn answer_batch(batch: &Recorded, each: impl Fn(&Recorded) -> Reply) -> Reply {
    let bad = |message: &str| Reply::graph_error(400, "BadRequest", message);
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&batch.body) else {
        return bad("The batch body is not JSON.");
    };
    let Some(items) = body["requests"].as_array() else {
        return bad("The batch body has no requests.");
    };
    if items.is_empty() || items.len() > 20 {
        return bad("A batch holds 1 to 20 requests.");
    }
    let version = batch.target.trim_end_matches("/$batch");
    let mut ids: Vec<String> = Vec::new();
    let mut responses = Vec::new();
    for item in items {
        let (Some(id), Some(method), Some(url)) = (
            item["id"].as_str(),
            item["method"].as_str(),
            item["url"].as_str(),
        ) else {
            return bad("Each request needs an id, a method and a url.");
        };
        if ids.iter().any(|seen| seen.eq_ignore_ascii_case(id)) {
            return bad("Request ids must be unique.");
        }
        ids.push(id.to_owned());
        let mut headers: Vec<(String, String)> = batch
            .headers
            .iter()
            .filter(|(n, _)| n == "authorization")
            .cloned()
            .collect();
        for (name, value) in item["headers"].as_object().into_iter().flatten() {
            headers.push((
                name.to_ascii_lowercase(),
                value.as_str().unwrap_or_default().to_owned(),
            ));
        }
        let body = match &item["body"] {
            serde_json::Value::Null => Vec::new(),
            value => value.to_string().into_bytes(),
        };
        let one = Recorded {
            method: method.to_owned(),
            target: format!("{version}/{}", url.trim_start_matches('/')),
            headers,
            body,
        };
        let reply = each(&one);
        let mut answer = serde_json::json!({ "id": id, "status": reply.status });
        let mut reply_headers = serde_json::Map::new();
        for (name, value) in &reply.headers {
            reply_headers.insert(name.clone(), value.clone().into());
        }
        answer["headers"] = reply_headers.into();
        if !reply.body.is_empty() {
            answer["body"] = serde_json::from_slice(&reply.body)
                .unwrap_or_else(|_| String::from_utf8_lossy(&reply.body).into_owned().into());
        }
        responses.push(answer);
    }
    Reply::body(
        200,
        "application/json",
        serde_json::json!({ "responses": responses }).to_string(),
    )
}
