//! The live runtime: sockets, REST calls, timers and reconnects around a sans-IO [`Adapter`].
//!
//! One venue task owns the adapter (and so its books: no locks). Each connection gets a small
//! task that dials with backoff, forwards frames to the venue task and writes what it is told
//! to; REST calls run as their own tasks. Everything the venue task receives or sends can be
//! teed to a [`Tap`] (the capture recorder), off the hot path.

use crate::feed::adapter::{Adapter, ConnId, ConnSpec, Frame, Link, Output, Resubscribe};
use crate::feed::backoff::{Backoff, BackoffConfig};
use crate::feed::event::MarketEvent;
use crate::market::{Nanos, VenueId, now_nanos};
use futures_util::{SinkExt, StreamExt};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_util::sync::CancellationToken;

/// Runtime settings shared by every venue task.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    pub backoff: BackoffConfig,
    /// Largest frame or message accepted (a venue sending more is misbehaving).
    pub max_frame_bytes: usize,
    /// How often the adapter's timers run.
    pub tick: Duration,
    pub connect_timeout: Duration,
    pub rest_timeout: Duration,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            backoff: BackoffConfig::default(),
            max_frame_bytes: 16 << 20,
            tick: Duration::from_millis(500),
            connect_timeout: Duration::from_secs(15),
            rest_timeout: Duration::from_secs(15),
        }
    }
}

/// Something that happened on the wire, for the capture recorder.
#[derive(Clone, Debug, PartialEq)]
pub enum TapEvent {
    Open {
        url: String,
    },
    Sent {
        text: String,
    },
    RecvText {
        text: String,
    },
    RecvBinary {
        bytes: Vec<u8>,
    },
    Close {
        reason: String,
    },
    Rest {
        url: String,
        status: u16,
        body: String,
    },
}

/// Receives every wire event of every venue (the recorder). Must not block.
pub trait Tap: Send + Sync {
    fn record(&self, t: Nanos, venue: VenueId, conn: Option<ConnId>, event: TapEvent);
}

/// Wall-clock nanoseconds that advance with tokio's clock, so paused-time tests move the
/// adapters' watchdogs and keepalives too.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    wall0: Nanos,
    mono0: Instant,
}

impl Clock {
    pub fn start() -> Self {
        Clock {
            wall0: now_nanos(),
            mono0: Instant::now(),
        }
    }

    pub fn now(&self) -> Nanos {
        self.wall0 + self.mono0.elapsed().as_nanos() as Nanos
    }
}

enum Inbound {
    Open(ConnId),
    Text(ConnId, tokio_tungstenite::tungstenite::Utf8Bytes),
    Binary(ConnId, bytes::Bytes),
    Closed(ConnId, String),
    Link(ConnId, Link),
    Rest {
        url: String,
        status: u16,
        body: String,
    },
}

enum Command {
    Send(String),
    Reconnect(String),
    /// The adapter saw this connection deliver live books (see [`Output::synced`]).
    Synced,
    /// Do not redial when this connection ends (see [`Output::finals`]).
    Final,
}

/// A run-time change for a venue task ([`run_venue_controlled`]).
#[derive(Debug)]
pub struct Control {
    pub change: Resubscribe,
    /// Answered once the adapter applied the change and the events it published (a removed
    /// book's last) are queued for the engine: what is sent to the engine after the answer
    /// comes after them.
    pub done: oneshot::Sender<()>,
}

/// Run one venue until `cancel` fires. Events go to `events` (bounded: a slow engine slows the
/// venue rather than losing book updates, which would corrupt its mirror).
pub async fn run_venue(
    adapter: Box<dyn Adapter>,
    cfg: RuntimeConfig,
    transport: Arc<dyn Transport>,
    events: mpsc::Sender<MarketEvent>,
    tap: Option<Arc<dyn Tap>>,
    cancel: CancellationToken,
) {
    run_venue_controlled(adapter, cfg, transport, events, tap, cancel, None).await;
}

/// [`run_venue`], also taking run-time changes of its instruments on `control`.
pub async fn run_venue_controlled(
    mut adapter: Box<dyn Adapter>,
    cfg: RuntimeConfig,
    transport: Arc<dyn Transport>,
    events: mpsc::Sender<MarketEvent>,
    tap: Option<Arc<dyn Tap>>,
    cancel: CancellationToken,
    mut control: Option<mpsc::Receiver<Control>>,
) {
    let venue = adapter.venue();
    let clock = Clock::start();
    let (in_tx, mut in_rx) = mpsc::channel::<Inbound>(4096);
    let http = match reqwest::Client::builder()
        .timeout(cfg.rest_timeout)
        .user_agent(concat!("depthscope/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(%venue, "cannot build the HTTP client: {e}");
            return;
        }
    };
    // Connection tasks by id, with their URLs for the recorder: the adapter's connections,
    // then any it opens later (a standby for a planned restart).
    let mut commands: HashMap<ConnId, (mpsc::Sender<Command>, String)> = HashMap::new();
    let spawn = |id: ConnId, spec: ConnSpec| {
        let (cmd_tx, cmd_rx) = mpsc::channel(256);
        let url = spec.url.clone();
        tokio::spawn(connection(
            id,
            spec,
            cfg.clone(),
            transport.clone(),
            cmd_rx,
            in_tx.clone(),
            cancel.clone(),
        ));
        (cmd_tx, url)
    };
    for (id, spec) in adapter.connections().into_iter().enumerate() {
        commands.insert(id, spawn(id, spec));
    }
    // Connections told not to redial: closing one removes it.
    let mut finals: HashSet<ConnId> = HashSet::new();
    let mut out = Output::default();
    let mut tick = tokio::time::interval(cfg.tick);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let now;
        let mut done = None;
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tick.tick() => {
                now = clock.now();
                adapter.on_tick(now, &mut out);
            }
            ctl = next_control(&mut control) => {
                now = clock.now();
                match ctl {
                    Some(ctl) => {
                        adapter.resubscribe(ctl.change, now, &mut out);
                        done = Some(ctl.done);
                    }
                    None => control = None,
                }
            }
            Some(inbound) = in_rx.recv() => {
                now = clock.now();
                let record = |event| if let Some(tap) = &tap { tap.record(now, venue, None, event) };
                match inbound {
                    Inbound::Open(conn) => {
                        if let Some(tap) = &tap {
                            let url = commands.get(&conn).map(|(_, url)| url.clone()).unwrap_or_default();
                            tap.record(now, venue, Some(conn), TapEvent::Open { url });
                        }
                        adapter.on_open(conn, now, &mut out);
                    }
                    Inbound::Text(conn, text) => {
                        if let Some(tap) = &tap {
                            tap.record(now, venue, Some(conn), TapEvent::RecvText { text: text.as_str().to_owned() });
                        }
                        adapter.on_frame(conn, Frame::Text(text.as_str()), now, &mut out);
                    }
                    Inbound::Binary(conn, bytes) => {
                        if let Some(tap) = &tap {
                            tap.record(now, venue, Some(conn), TapEvent::RecvBinary { bytes: bytes.to_vec() });
                        }
                        adapter.on_frame(conn, Frame::Binary(&bytes), now, &mut out);
                    }
                    Inbound::Closed(conn, reason) => {
                        if let Some(tap) = &tap {
                            tap.record(now, venue, Some(conn), TapEvent::Close { reason: reason.clone() });
                        }
                        tracing::warn!(%venue, conn, %reason, "connection closed");
                        adapter.on_close(conn, now, &mut out);
                    }
                    Inbound::Link(conn, link) => adapter.on_link(conn, link, now, &mut out),
                    Inbound::Rest { url, status, body } => {
                        record(TapEvent::Rest { url: url.clone(), status, body: body.clone() });
                        adapter.on_rest(&url, status, &body, now, &mut out);
                    }
                }
            }
        }
        for (conn, text) in out.sends.drain(..) {
            if let Some(tap) = &tap {
                tap.record(
                    now,
                    venue,
                    Some(conn),
                    TapEvent::Sent { text: text.clone() },
                );
            }
            if let Some((tx, _)) = commands.get(&conn) {
                // A full command queue means the socket is stuck; the watchdog will reconnect it.
                let _ = tx.try_send(Command::Send(text));
            }
        }
        for (id, spec) in out.opens.drain(..) {
            commands.entry(id).or_insert_with(|| spawn(id, spec));
        }
        for conn in out.finals.drain(..) {
            if let Some((tx, _)) = commands.get(&conn) {
                let _ = tx.try_send(Command::Final);
                finals.insert(conn);
            }
        }
        for conn in out.synced.drain(..) {
            if let Some((tx, _)) = commands.get(&conn) {
                let _ = tx.try_send(Command::Synced);
            }
        }
        for (conn, reason) in out.reconnects.drain(..) {
            if let Some((tx, _)) = commands.get(&conn) {
                let _ = tx.try_send(Command::Reconnect(reason));
            }
            if finals.remove(&conn) {
                commands.remove(&conn);
            }
        }
        for req in out.rest.drain(..) {
            tokio::spawn(fetch(http.clone(), req.url, in_tx.clone()));
        }
        for problem in out.problems.drain(..) {
            tracing::warn!(%venue, "{problem}");
        }
        for event in out.events.drain(..) {
            if events.send(event).await.is_err() {
                return; // nobody is listening any more
            }
        }
        if let Some(done) = done {
            let _ = done.send(());
        }
    }
}

/// The next run-time change; pending for ever without a control channel (or once it closed).
async fn next_control(control: &mut Option<mpsc::Receiver<Control>>) -> Option<Control> {
    match control {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn fetch(http: reqwest::Client, url: String, to_venue: mpsc::Sender<Inbound>) {
    let (status, body) = match http.get(&url).send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            match resp.text().await {
                Ok(body) => (status, body),
                Err(e) => (599, format!("reading the body failed: {e}")),
            }
        }
        Err(e) => (599, format!("request failed: {e}")),
    };
    let _ = to_venue.send(Inbound::Rest { url, status, body }).await;
}

/// One connection's life: dial, pump frames both ways, and on any end wait out a backoff and
/// dial again, until cancelled.
async fn connection(
    id: ConnId,
    spec: ConnSpec,
    cfg: RuntimeConfig,
    transport: Arc<dyn Transport>,
    mut commands: mpsc::Receiver<Command>,
    to_venue: mpsc::Sender<Inbound>,
    cancel: CancellationToken,
) {
    let mut backoff =
        Backoff::new(cfg.backoff, spec.min_reconnect).with_burst(spec.reconnect_burst);
    let ws_cfg = WebSocketConfig::default()
        .max_frame_size(Some(cfg.max_frame_bytes))
        .max_message_size(Some(cfg.max_frame_bytes));
    let clock = Clock::start();
    loop {
        let _ = to_venue.send(Inbound::Link(id, Link::Connecting)).await;
        let dial = dial(transport.as_ref(), &spec.url, ws_cfg);
        let reason = tokio::select! {
            _ = cancel.cancelled() => return,
            result = tokio::time::timeout(cfg.connect_timeout, dial) => match result {
                Err(_) => "connect timed out".to_owned(),
                Ok(Err(e)) => e,
                Ok(Ok(ws)) => {
                    let opened = Instant::now();
                    let _ = to_venue.send(Inbound::Open(id)).await;
                    let ended = pump(id, ws, &spec, &mut commands, &to_venue, &cancel).await;
                    backoff.connection_ended(opened.elapsed(), ended.synced);
                    let _ = to_venue.send(Inbound::Closed(id, ended.reason.clone())).await;
                    if ended.last {
                        return; // replaced by another connection
                    }
                    ended.reason
                }
            }
        };
        // No one to deliver to (the venue task ended): dialling again would only hold a socket.
        if cancel.is_cancelled() || to_venue.is_closed() {
            return;
        }
        let delay = backoff.next_delay(rand::random::<f64>());
        let until = clock.now() + delay.as_nanos() as Nanos;
        tracing::info!(conn = spec.name, url = %spec.url, ?delay, %reason, "reconnecting after backoff");
        let _ = to_venue
            .send(Inbound::Link(id, Link::Backoff { until, reason }))
            .await;
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

/// A byte stream a WebSocket can run over: TCP live, an in-memory pipe in tests.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A boxed future, as [`Transport::connect`] returns.
pub type Connecting<'a> = Pin<Box<dyn Future<Output = std::io::Result<Box<dyn Io>>> + Send + 'a>>;

/// How connections reach a host. Live it is TCP; tests substitute in-memory pipes so whole
/// reconnect sequences run deterministically under paused time.
pub trait Transport: Send + Sync + 'static {
    fn connect<'a>(&'a self, host: &'a str, port: u16) -> Connecting<'a>;
}

/// Plain TCP with Nagle off (TLS, where the URL asks for it, is layered on top).
pub struct Tcp;

impl Transport for Tcp {
    fn connect<'a>(&'a self, host: &'a str, port: u16) -> Connecting<'a> {
        Box::pin(async move {
            let stream = tokio::net::TcpStream::connect((host, port)).await?;
            stream.set_nodelay(true)?;
            Ok(Box::new(stream) as Box<dyn Io>)
        })
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<Box<dyn Io>>>;

/// Open `url` over `transport`: TCP (or a test pipe), TLS for `wss://` (rustls, webpki roots),
/// then the WebSocket handshake.
async fn dial(transport: &dyn Transport, url: &str, cfg: WebSocketConfig) -> Result<Ws, String> {
    let request = url
        .into_client_request()
        .map_err(|e| format!("bad URL {url}: {e}"))?;
    let uri = request.uri();
    let host = uri
        .host()
        .ok_or_else(|| format!("no host in {url}"))?
        .to_owned();
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("wss") {
            443
        } else {
            80
        });
    let io = transport
        .connect(&host, port)
        .await
        .map_err(|e| format!("connect to {host}:{port} failed: {e}"))?;
    tokio_tungstenite::client_async_tls_with_config(request, io, Some(cfg), None)
        .await
        .map(|(ws, _)| ws)
        .map_err(|e| format!("handshake with {url} failed: {e}"))
}

/// How a connection ended.
#[derive(Default)]
struct Ended {
    reason: String,
    /// The adapter saw it deliver live books first.
    synced: bool,
    /// It is not to be redialled.
    last: bool,
}

/// Move frames until the socket ends.
async fn pump(
    id: ConnId,
    ws: Ws,
    spec: &ConnSpec,
    commands: &mut mpsc::Receiver<Command>,
    to_venue: &mpsc::Sender<Inbound>,
    cancel: &CancellationToken,
) -> Ended {
    let mut ended = Ended::default();
    let reason = pump_frames(id, ws, spec, commands, to_venue, cancel, &mut ended).await;
    Ended { reason, ..ended }
}

async fn pump_frames(
    id: ConnId,
    ws: Ws,
    spec: &ConnSpec,
    commands: &mut mpsc::Receiver<Command>,
    to_venue: &mpsc::Sender<Inbound>,
    cancel: &CancellationToken,
    ended: &mut Ended,
) -> String {
    let (mut sink, mut stream) = ws.split();
    let lifetime = async {
        match spec.max_lifetime {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(lifetime);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => {
                let _ = sink.send(Message::Close(None)).await;
                return "shutdown".into();
            }
            _ = &mut lifetime => {
                let _ = sink.send(Message::Close(None)).await;
                return "connection lifetime reached (rotation)".into();
            }
            cmd = commands.recv() => match cmd {
                Some(Command::Send(text)) => {
                    if let Err(e) = sink.send(Message::Text(text.into())).await {
                        return format!("send failed: {e}");
                    }
                }
                Some(Command::Reconnect(reason)) => {
                    let _ = sink.send(Message::Close(None)).await;
                    return reason;
                }
                Some(Command::Synced) => ended.synced = true,
                Some(Command::Final) => ended.last = true,
                None => return "venue task ended".into(),
            },
            frame = stream.next() => match frame {
                None => return "closed by peer".into(),
                Some(Err(e)) => return format!("socket error: {e}"),
                Some(Ok(Message::Text(text))) => {
                    if to_venue.send(Inbound::Text(id, text)).await.is_err() {
                        return "venue task ended".into();
                    }
                }
                Some(Ok(Message::Binary(bytes))) => {
                    if to_venue.send(Inbound::Binary(id, bytes)).await.is_err() {
                        return "venue task ended".into();
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    return match frame {
                        Some(f) => format!("closed by venue: {} {}", f.code, f.reason),
                        None => "closed by venue".into(),
                    };
                }
                // tungstenite answers pings itself; pongs and raw frames need nothing.
                Some(Ok(_)) => {}
            }
        }
    }
}
