//! The simulator's REST endpoints over real HTTP/1.1: hyper with an axum router (keep-alive,
//! chunked bodies, the protocol's own errors), the same stack as `depthscope serve`. The
//! answers themselves are [`rest`](crate::sim::rest)'s; this module only carries them.
//!
//! The listening port is shared with the venues' WebSockets: [`server`](crate::sim::server)
//! peeks each connection and hands the HTTP ones to [`serve`].

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::IntoResponse;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::sim::market::Market;

/// How long a connection may wait for a request's head, the next one's on a kept-alive
/// connection included: an idle client is closed after this (backfill pages follow each other
/// much faster, and a closed connection is simply opened again).
const IDLE: Duration = Duration::from_millis(500);

/// What a REST handler reads of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The body of a `POST` (Hyperliquid's `info` requests); empty otherwise.
    pub body: String,
}

impl Request {
    /// The request for `method` on `uri`, or why its query cannot be read.
    pub fn of(method: &Method, uri: &Uri) -> Result<Request, String> {
        let query = serde_urlencoded::from_str(uri.query().unwrap_or(""))
            .map_err(|e| format!("bad query string: {e}"))?;
        Ok(Request {
            method: method.as_str().to_owned(),
            path: uri.path().to_owned(),
            query,
            body: String::new(),
        })
    }

    /// A `GET` of `target` (`/path?a=1`).
    pub fn get(target: &str) -> Result<Request, String> {
        let uri: Uri = target
            .parse()
            .map_err(|e| format!("bad request target {target:?}: {e}"))?;
        Request::of(&Method::GET, &uri)
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

impl IntoResponse for Response {
    fn into_response(self) -> axum::response::Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            self.body,
        )
            .into_response()
    }
}

/// Every REST path, answered by [`rest::answer`](crate::sim::rest::answer).
pub fn router(market: Arc<Market>) -> Router {
    Router::new().fallback(answer).with_state(market)
}

async fn answer(
    State(market): State<Arc<Market>>,
    method: Method,
    uri: Uri,
    body: String,
) -> Response {
    // Hyperliquid asks everything of one `POST /info`; every other endpoint is a `GET`.
    let post_info = method == Method::POST && uri.path() == "/info";
    if method != Method::GET && !post_info {
        return Response::error(405, r#"{"error":"only GET is served"}"#.into());
    }
    match Request::of(&method, &uri) {
        Ok(req) => crate::sim::rest::answer(&Request { body, ..req }, &market),
        Err(e) => Response::error(400, serde_json::json!({ "error": e }).to_string()),
    }
}

/// Serves HTTP on `stream` with `router` until the client leaves, idles or `cancel` fires.
pub async fn serve(stream: TcpStream, router: Router, cancel: &CancellationToken) {
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(IDLE)
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(router));
    tokio::select! {
        // A client that breaks the protocol has had its answer (400, 431) from hyper.
        _ = connection => {}
        () = cancel.cancelled() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_queries_read_decoded() {
        let r = Request::get("/api/v3/depth?symbol=BTCUSDT&limit=1000").unwrap();
        assert_eq!(r.path, "/api/v3/depth");
        assert_eq!(
            (r.param("symbol"), r.param("limit")),
            (Some("BTCUSDT"), Some("1000"))
        );
        assert_eq!(r.param("nope"), None);
        let r = Request::get("/x?instId=BTC%2DUSDT").unwrap();
        assert_eq!(r.param("instId"), Some("BTC-USDT"));
        assert!(Request::get("not a target").is_err());
    }

    #[tokio::test]
    async fn one_connection_carries_several_requests_with_real_errors() {
        use crate::market::VenueId;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let cancel = CancellationToken::new();
        let books: Vec<usize> = crate::sim::catalog::books_of(VenueId::Binance).collect();
        let market =
            crate::sim::market::start(7, &books, Duration::from_millis(100), cancel.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn({
            let cancel = cancel.clone();
            async move {
                let (stream, _) = listener.accept().await.unwrap();
                serve(stream, router(market), &cancel).await;
            }
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        client
            .write_all(
                b"GET /api/v3/exchangeInfo HTTP/1.1\r\nhost: x\r\n\r\n\
                  GET /nowhere HTTP/1.1\r\nhost: x\r\n\r\n\
                  POST /api/v3/depth HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\
                  connection: close\r\n\r\n",
            )
            .await
            .unwrap();
        let mut answer = String::new();
        tokio::time::timeout(Duration::from_secs(5), client.read_to_string(&mut answer))
            .await
            .expect("the server closes after the last request")
            .unwrap();
        let statuses: Vec<&str> = answer
            .match_indices("HTTP/1.1 ")
            .map(|(at, _)| &answer[at + 9..at + 12])
            .collect();
        assert_eq!(statuses, ["200", "404", "405"], "{answer}");
        assert!(answer.contains("only GET is served"), "{answer}");
        server.await.unwrap();
        cancel.cancel();
    }
}
