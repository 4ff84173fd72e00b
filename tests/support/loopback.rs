//! A venue on in-memory pipes: a [`Transport`] whose every dial hands the far end of a pipe to
//! the test, which plays the venue's WebSocket server. Under paused time nothing waits on the
//! network, so whole connect, drop and reconnect sequences run deterministically.

use depthscope::feed::runtime::{Connecting, Io, Transport};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::DuplexStream;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// Each dial creates an in-memory pipe and hands its far end to the test's server.
pub struct Pipes {
    server: mpsc::UnboundedSender<DuplexStream>,
    dials: AtomicUsize,
}

/// Where the test's server picks up each dialled pipe ([`accept`]).
pub type Incoming = mpsc::UnboundedReceiver<DuplexStream>;

impl Pipes {
    pub fn new() -> (Arc<Pipes>, Incoming) {
        let (server, incoming) = mpsc::unbounded_channel();
        let dials = AtomicUsize::new(0);
        (Arc::new(Pipes { server, dials }), incoming)
    }

    /// How many times the client has dialled.
    pub fn dials(&self) -> usize {
        self.dials.load(Ordering::SeqCst)
    }
}

impl Transport for Pipes {
    fn connect<'a>(&'a self, _host: &'a str, _port: u16) -> Connecting<'a> {
        Box::pin(async move {
            self.dials.fetch_add(1, Ordering::SeqCst);
            let (client, server) = tokio::io::duplex(1 << 20);
            self.server
                .send(server)
                .map_err(|_| std::io::Error::other("test server gone"))?;
            Ok(Box::new(client) as Box<dyn Io>)
        })
    }
}

/// The server's end of one connection.
pub type Server = WebSocketStream<DuplexStream>;

/// The next connection the client dials, after the WebSocket handshake.
pub async fn accept(incoming: &mut Incoming) -> Server {
    let pipe = incoming.recv().await.expect("the client dials");
    tokio_tungstenite::accept_async(pipe)
        .await
        .expect("handshake")
}

/// The next text frame the client sends, skipping keepalive pings.
pub async fn client_says(ws: &mut Server) -> String {
    loop {
        match ws.next().await.expect("client frame").expect("valid frame") {
            Message::Text(t) if t.as_str() != "ping" => return t.as_str().to_owned(),
            _ => {}
        }
    }
}

/// Sends a text frame to the client.
pub async fn send(ws: &mut Server, text: &str) {
    ws.send(Message::Text(text.into())).await.expect("send");
}
