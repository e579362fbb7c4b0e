//! A stand-in Graph endpoint for client cost runs: one keep-alive HTTP/1.1 server on loopback,
//! one thread, that answers every request with `204 No Content` and Graph's usual response
//! headers, and runs until killed.
//!
//! `cargo run --release -p graph-api-tests --example cost_server` prints its URL on the first
//! line of stdout (`http://127.0.0.1:PORT`); `scripts/client-cost.sh` starts it and points
//! `cost_client` at it.

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What Graph sends in `x-ms-ags-diagnostic`.
const DIAGNOSTIC: &str = r#"{"ServerInfo":{"DataCenter":"West Europe","Slice":"E","Ring":"5","ScaleUnit":"003","RoleInstance":"AM2PEPF0000A1B2"}}"#;

fn main() -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "http://{}", listener.local_addr()?)?;
        stdout.flush()?;
        drop(stdout);
        let mut connection = 0u64;
        loop {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            connection += 1;
            tokio::spawn(serve(stream, connection));
        }
    })
}

/// Answers the requests of one connection, in order, until the client closes it.
async fn serve(mut stream: TcpStream, connection: u64) {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    let mut out: Vec<u8> = Vec::with_capacity(1024);
    let mut served = 0u64;
    loop {
        // One request head, then its body (skipped).
        let (head_len, body_len, request_id) = loop {
            if let Some(end) = find(&buf, b"\r\n\r\n") {
                let head = &buf[..end];
                let length = header(head, b"content-length")
                    .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse().ok())
                    .unwrap_or(0usize);
                let id = header(head, b"client-request-id").map(<[u8]>::to_vec);
                break (end + 4, length, id);
            }
            if !fill(&mut stream, &mut buf).await {
                return;
            }
        };
        while buf.len() < head_len + body_len {
            if !fill(&mut stream, &mut buf).await {
                return;
            }
        }
        buf.drain(..head_len + body_len);
        served += 1;

        out.clear();
        out.extend_from_slice(
            b"HTTP/1.1 204 No Content\r\n\
              Cache-Control: no-cache\r\n\
              Strict-Transport-Security: max-age=31536000\r\n\
              request-id: ",
        );
        // A GUID-shaped id unique per connection and request.
        let _ = write!(
            out,
            "{:08x}-0000-4000-8000-{:012x}",
            connection as u32,
            served & 0xffff_ffff_ffff
        );
        if let Some(id) = request_id {
            out.extend_from_slice(b"\r\nclient-request-id: ");
            out.extend_from_slice(&id);
        }
        out.extend_from_slice(b"\r\nx-ms-ags-diagnostic: ");
        out.extend_from_slice(DIAGNOSTIC.as_bytes());
        out.extend_from_slice(b"\r\nDate: ");
        http_date(&mut out);
        out.extend_from_slice(b"\r\ncontent-length: 0\r\n\r\n");
        if stream.write_all(&out).await.is_err() {
            return;
        }
    }
}

/// Reads more bytes into `buf`; false at end of stream or on error.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    buf.reserve(4096);
    matches!(stream.read_buf(buf).await, Ok(n) if n > 0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The value of header `name` (lowercase) in a request head, trimmed.
fn header<'a>(head: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    head.split(|&b| b == b'\n').skip(1).find_map(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let colon = line.iter().position(|&b| b == b':')?;
        line[..colon]
            .eq_ignore_ascii_case(name)
            .then(|| line[colon + 1..].trim_ascii())
    })
}

/// Now as an HTTP date (`Tue, 01 Jul 2025 12:00:00 GMT`).
fn http_date(out: &mut Vec<u8>) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let _ = write!(
        out,
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
}
