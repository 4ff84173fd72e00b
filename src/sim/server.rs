//! One listening port for every venue: each connection's request line is peeked (not
//! consumed); a venue's WebSocket path gets the WebSocket handshake and a [`session`], anything
//! else HTTP ([`http`]) with the answers of [`rest`].
//!
//! [`session`]: crate::sim::session
//! [`rest`]: crate::sim::rest

use crate::sim::dialect;
use crate::sim::http;
use crate::sim::session::{self, Shared};
use memchr::memmem;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// How long a client may take to send its request line.
const REQUEST_LINE_TIMEOUT: Duration = Duration::from_secs(10);

/// The chunk a connection reads its client's messages in. Clients send subscriptions and pings
/// of a few hundred bytes (longer ones still arrive whole, over several reads); tungstenite's
/// default of 128 KiB, reserved per connection, held 2.1 MB of the demo's fifteen venues.
const READ_CHUNK: usize = 4 * 1024;

fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(READ_CHUNK)
}

/// Accept connections until the simulator is cancelled.
pub async fn run(listener: TcpListener, shared: Arc<Shared>) {
    let rest = http::router(shared.market.clone());
    let mut conn = 0u64;
    loop {
        tokio::select! {
            _ = shared.cancel.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    conn += 1;
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(connection(stream, shared.clone(), rest.clone(), conn));
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!("simulator accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
}

async fn connection(stream: TcpStream, shared: Arc<Shared>, rest: axum::Router, conn: u64) {
    let Some(target) = request_target(&stream).await else {
        return;
    };
    let path = target.split('?').next().unwrap_or_default();
    match dialect::for_path(
        path,
        &dialect::Opening {
            conn,
            okx_checksums: shared.okx_checksums,
        },
    ) {
        Some(dialect) => {
            match tokio_tungstenite::accept_async_with_config(stream, Some(ws_config())).await {
                Ok(ws) => session::serve(ws, dialect, conn, shared).await,
                Err(e) => tracing::debug!(path, "simulator WebSocket handshake failed: {e}"),
            }
        }
        None => http::serve(stream, rest, &shared.cancel).await,
    }
}

/// The request target of the first line (`GET /okx/ws/v5/public HTTP/1.1`), read without
/// consuming it, so the WebSocket handshake or the HTTP handler still sees the whole request.
async fn request_target(stream: &TcpStream) -> Option<String> {
    let mut buf = [0u8; 2048];
    let deadline = tokio::time::Instant::now() + REQUEST_LINE_TIMEOUT;
    loop {
        let n = tokio::time::timeout_at(deadline, stream.peek(&mut buf))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            return None;
        }
        if let Some(end) = memmem::find(&buf[..n], b"\r\n") {
            let line = std::str::from_utf8(&buf[..end]).ok()?;
            return line.split_ascii_whitespace().nth(1).map(str::to_owned);
        }
        if n == buf.len() {
            return None; // a request line this long is not for us
        }
        // Only part of the line has arrived: peek again shortly (peeking at unchanged data
        // would return at once).
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
