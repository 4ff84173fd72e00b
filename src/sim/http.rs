//! Just enough HTTP/1.1 for the REST endpoints the adapters call: one `GET` per connection,
//! answered with a JSON body and `Connection: close`.

use memchr::memmem;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The longest request head accepted.
const MAX_HEAD: usize = 16 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed request line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
}

impl Request {
    /// Parse `GET /path?a=1&b=2 HTTP/1.1`.
    pub fn parse(line: &str) -> Option<Request> {
        let mut parts = line.split_ascii_whitespace();
        let method = parts.next()?.to_owned();
        let target = parts.next()?;
        if !parts.next()?.starts_with("HTTP/1.") {
            return None;
        }
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect();
        Some(Request {
            method,
            path: path.to_owned(),
            query,
        })
    }

    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A JSON answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

impl Response {
    pub fn ok(body: String) -> Self {
        Response { status: 200, body }
    }

    pub fn error(status: u16, body: String) -> Self {
        Response { status, body }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    }
}

/// Read one request from `stream`, answer it with `handle`, and close.
pub async fn serve(mut stream: TcpStream, handle: impl FnOnce(&Request) -> Response) {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    let complete = tokio::time::timeout(READ_TIMEOUT, async {
        loop {
            if memmem::find(&head, b"\r\n\r\n").is_some() {
                return true;
            }
            if head.len() > MAX_HEAD {
                return false;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => head.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .unwrap_or(false);
    let line = head
        .split(|b| *b == b'\r')
        .next()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let response = match Request::parse(&line) {
        _ if !complete && head.len() > MAX_HEAD => {
            Response::error(431, r#"{"error":"request head too large"}"#.into())
        }
        _ if !complete => return,
        None => Response::error(400, r#"{"error":"bad request line"}"#.into()),
        Some(req) if req.method != "GET" => {
            Response::error(405, r#"{"error":"only GET is served"}"#.into())
        }
        Some(req) => handle(&req),
    };
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        response.status,
        reason(response.status),
        response.body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(response.body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_and_queries_parse() {
        let r = Request::parse("GET /api/v3/depth?symbol=BTCUSDT&limit=1000 HTTP/1.1").unwrap();
        assert_eq!(r.path, "/api/v3/depth");
        assert_eq!(
            (r.param("symbol"), r.param("limit")),
            (Some("BTCUSDT"), Some("1000"))
        );
        assert_eq!(r.param("nope"), None);
        assert!(Request::parse("GET /x").is_none());
        assert!(Request::parse("garbage").is_none());
    }
}
