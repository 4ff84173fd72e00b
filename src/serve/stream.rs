//! `GET /v1/stream`: Server-Sent Events, one `tick` event per engine tick with the symbols a
//! reader asked for, as `stream --json` writes them.
//!
//! Every tick is serialised once, by the hub, whatever the number of readers, and sent as one
//! encoded event per symbol selection that all readers of that selection share (a reference,
//! not a copy, per reader). Readers share a bounded broadcast buffer: one that falls more
//! than `stream_buffer` ticks behind is dropped with a final `dropped` event saying why (and
//! counted in `/v1/health`), so a slow reader never slows the engine or the other readers.
//! A reader that accepts gzip gets the same events compressed, each compressed once for every
//! such reader (see [`gzip`](super::gzip)).
//!
//! Event ids are `EPOCH:SEQ:MS` (the server's start in unix ms, the engine's tick number, the
//! tick's time in unix ms). A reader that reconnects with `Last-Event-ID` gets what it missed
//! before the live ticks: the ticks from the hub's recent ring when it still holds them;
//! otherwise (an older id, or one from an earlier run of the server) the 1-s rows of the history
//! store as `history` events (ids `EPOCH:h:MS`, see [`resume`](super::resume)), then the ring's
//! ticks. Whatever cannot be filled (no store, beyond its retention, seconds it never recorded)
//! is said by a `resume_gap` event, never skipped silently.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use serde::Deserialize;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;
use utoipa::IntoParams;

use crate::engine::StreamOptions;
use crate::engine::frame::Frame;
use crate::engine::stream::JsonLines;

use super::App;
use super::error::{ApiError, ErrorBody};
use super::gzip::{Deflated, GzipStream, accepts_gzip};
use super::params::Params;
use super::resume::{HistorySource, Pager};
use super::view::timestamp;

/// One engine tick, serialised once for every reader.
#[derive(Debug)]
pub struct Tick {
    pub seq: u64,
    /// The tick's time, unix ms.
    at_ms: i64,
    /// `timestamp` and `seq` as the event's first members.
    head: String,
    /// Each symbol's JSON, by symbol.
    symbols: Vec<(String, String)>,
    /// The alerts fired since the previous tick, as a JSON array.
    alerts: String,
    /// The tick's SSE frame for each symbol selection readers asked for, encoded once and
    /// shared: a frame is about 300 kB with the demo's 53 books, so 200 readers each building
    /// their own copied 60 MB a tick and held it in their buffers. Kept while the tick is the
    /// newest: [`Hub::publish`] retires it (`None`), and a reader still behind encodes its own
    /// copy then, so the resume ring holds one copy of each older tick.
    frames: Mutex<Option<Vec<SharedEvent>>>,
}

/// A symbol selection (sorted) and the tick's event encoded for it, plain and, once a reader
/// that accepts gzip asked, deflated (about a fifth of the bytes).
#[derive(Debug)]
struct SharedEvent {
    wanted: Vec<String>,
    plain: Bytes,
    deflated: Option<Deflated>,
}

/// How many symbol selections a tick keeps encoded; readers of others encode their own.
const SHARED_SELECTIONS: usize = 16;

impl Tick {
    fn of(frame: &Frame, epoch: u64, since_alert: u64, lines: &JsonLines) -> Tick {
        let symbols = frame
            .symbols
            .iter()
            .filter_map(|s| {
                let json = lines.symbol_json(s).ok()?;
                Some((s.symbol.clone(), json))
            })
            .collect();
        let mut fired: Vec<_> = frame
            .alerts
            .iter()
            .filter(|a| a.id > since_alert)
            .map(|a| &**a)
            .collect();
        fired.reverse();
        let at_ms = (frame.at / 1_000_000) as i64;
        Tick {
            seq: frame.seq,
            at_ms,
            head: format!(
                "\"id\":\"{}\",\"seq\":{},\"timestamp\":\"{}\",\"mode\":\"{}\"",
                tick_id(epoch, frame.seq, at_ms),
                frame.seq,
                timestamp(frame.at),
                frame.mode.word()
            ),
            symbols,
            alerts: serde_json::to_string(&fired).unwrap_or_else(|_| "[]".into()),
            frames: Mutex::new(Some(Vec::new())),
        }
    }

    /// Bytes the tick holds besides its cached frames (what the resume ring counts).
    fn size(&self) -> usize {
        self.head.len()
            + self.alerts.len()
            + self
                .symbols
                .iter()
                .map(|(s, json)| s.len() + json.len())
                .sum::<usize>()
    }

    /// The tick's `tick` event for a reader of `wanted` (sorted), encoded once per selection.
    fn frame(&self, wanted: &[String], id: &str) -> Bytes {
        self.shared(wanted, id, |e| e.plain.clone(), Bytes::clone)
    }

    /// The same event deflated for a gzip stream, compressed once per selection.
    fn deflated(&self, wanted: &[String], id: &str) -> Deflated {
        self.shared(
            wanted,
            id,
            |e| {
                e.deflated
                    .get_or_insert_with(|| Deflated::of(&e.plain))
                    .clone()
            },
            |plain| Deflated::of(plain),
        )
    }

    /// What `take` reads from the selection's shared event, made once; `own` makes it from
    /// the plain event when the tick no longer shares (a retired tick, too many selections).
    fn shared<T>(
        &self,
        wanted: &[String],
        id: &str,
        take: impl FnOnce(&mut SharedEvent) -> T,
        own: impl FnOnce(&Bytes) -> T,
    ) -> T {
        let encode = || sse_frame(Some("tick"), Some(id), &self.json(wanted));
        let Ok(mut guard) = self.frames.lock() else {
            return own(&encode());
        };
        let Some(frames) = guard.as_mut() else {
            return own(&encode());
        };
        if let Some(event) = frames.iter_mut().find(|e| e.wanted == wanted) {
            return take(event);
        }
        let mut event = SharedEvent {
            wanted: wanted.to_vec(),
            plain: encode(),
            deflated: None,
        };
        let made = take(&mut event);
        if frames.len() < SHARED_SELECTIONS {
            frames.push(event);
        }
        made
    }

    /// The event's JSON with only the `wanted` symbols (all when empty).
    fn json(&self, wanted: &[String]) -> String {
        let mut out = String::with_capacity(256);
        out.push('{');
        out.push_str(&self.head);
        out.push_str(",\"symbols\":[");
        let mut first = true;
        for (symbol, json) in &self.symbols {
            if wanted.is_empty() || wanted.iter().any(|w| w.eq_ignore_ascii_case(symbol)) {
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(json);
            }
        }
        out.push_str("],\"alerts\":");
        out.push_str(&self.alerts);
        out.push('}');
        out
    }
}

/// Fan-out of ticks to SSE readers, with a ring of recent ticks for resume.
#[derive(Debug)]
pub struct Hub {
    epoch: u64,
    tx: broadcast::Sender<Arc<Tick>>,
    /// The recent ticks and the bytes they hold.
    ring: Mutex<(VecDeque<Arc<Tick>>, usize)>,
    ring_len: usize,
    ring_bytes: usize,
    readers: AtomicU64,
    dropped: AtomicU64,
    ticks: AtomicU64,
    /// Ends every reader's stream when the server stops (a graceful shutdown waits for open
    /// connections, and an SSE connection never closes by itself).
    closing: CancellationToken,
    /// The history store readers resume from when the ring no longer holds their ticks.
    history: Option<HistorySource>,
}

impl Hub {
    /// `buffer`: ticks a reader may fall behind before it is dropped; `ring`: ticks kept for
    /// readers that reconnect, and the bytes they may hold (the oldest go first).
    pub fn new(
        buffer: usize,
        (ring, ring_bytes): (usize, usize),
        history: Option<HistorySource>,
        closing: CancellationToken,
    ) -> Hub {
        Hub {
            epoch: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            tx: broadcast::channel(buffer.max(1)).0,
            ring: Mutex::new((VecDeque::new(), 0)),
            ring_len: ring,
            ring_bytes,
            readers: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            ticks: AtomicU64::new(0),
            closing,
            history,
        }
    }

    /// The server's start, unix ms: the first part of every event id.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub fn readers(&self) -> u64 {
        self.readers.load(Ordering::Relaxed)
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::Relaxed)
    }

    fn publish(&self, tick: Arc<Tick>) {
        if let Ok(mut guard) = self.ring.lock() {
            let (ring, bytes) = &mut *guard;
            if let Some(previous) = ring.back()
                && let Ok(mut frames) = previous.frames.lock()
            {
                *frames = None;
            }
            *bytes += tick.size();
            ring.push_back(tick.clone());
            while ring.len() > self.ring_len.max(1) || (*bytes > self.ring_bytes && ring.len() > 1)
            {
                if let Some(old) = ring.pop_front() {
                    *bytes -= old.size();
                }
            }
        }
        self.ticks.fetch_add(1, Ordering::Relaxed);
        // No reader: nothing to do (not an error).
        let _ = self.tx.send(tick);
    }

    /// Ticks after `seq` still in the ring, and whether the ring reaches back to `seq + 1`.
    fn since(&self, seq: u64) -> (VecDeque<Arc<Tick>>, bool) {
        let ring = self.ring.lock().map(|r| r.0.clone()).unwrap_or_default();
        let complete = ring.front().is_none_or(|t| t.seq <= seq + 1);
        (ring.into_iter().filter(|t| t.seq > seq).collect(), complete)
    }

    /// Ticks later than `at_ms` still in the ring, and the time of the oldest tick it holds.
    fn after_time(&self, at_ms: i64) -> (VecDeque<Arc<Tick>>, Option<i64>) {
        let ring = self.ring.lock().map(|r| r.0.clone()).unwrap_or_default();
        let front = ring.front().map(|t| t.at_ms);
        (
            ring.into_iter().filter(|t| t.at_ms > at_ms).collect(),
            front,
        )
    }
}

/// Turns every frame the engine publishes into a [`Tick`] for the readers, until `cancel`.
pub async fn run_hub(
    hub: Arc<Hub>,
    mut frames: watch::Receiver<Arc<Frame>>,
    opts: StreamOptions,
    cancel: CancellationToken,
) {
    let lines = JsonLines::new(opts);
    let mut last_alert = frames.borrow().alerts.first().map_or(0, |a| a.id);
    loop {
        tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            changed = frames.changed() => {
                if changed.is_err() {
                    return;
                }
                let frame = frames.borrow_and_update().clone();
                let tick = Tick::of(&frame, hub.epoch, last_alert, &lines);
                last_alert = frame.alerts.first().map_or(last_alert, |a| a.id.max(last_alert));
                hub.publish(Arc::new(tick));
            }
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Symbols to include, comma separated (default: all).
    pub symbols: Option<String>,
}

/// Where a reconnecting reader left off.
#[derive(Debug, PartialEq, Eq)]
enum Resume {
    Fresh,
    /// A tick of this run (`seq`) or a `history` event (`None`), at `at_ms` when the id says.
    Ours {
        seq: Option<u64>,
        at_ms: Option<i64>,
    },
    /// An id from another run of the server: only its time can be resumed from.
    Foreign {
        id: String,
        at_ms: Option<i64>,
    },
}

/// A tick's event id.
pub(super) fn tick_id(epoch: u64, seq: u64, at_ms: i64) -> String {
    format!("{epoch}:{seq}:{at_ms}")
}

/// A `history` event's id: the second's start, in the tick ids' scheme with `h` for the seq.
fn history_id(epoch: u64, t: i64) -> String {
    format!("{epoch}:h:{}", t * 1000)
}

fn resume_point(headers: &HeaderMap, epoch: u64) -> Result<Resume, ApiError> {
    let Some(value) = headers.get("last-event-id") else {
        return Ok(Resume::Fresh);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::bad_request("Last-Event-ID is not text"))?;
    let mut parts = text.split(':');
    let e = parts.next().and_then(|e| e.parse::<u64>().ok());
    let seq = parts.next();
    let at_ms = parts.next().and_then(|t| t.parse::<i64>().ok());
    let seq_number = seq.and_then(|s| s.parse::<u64>().ok());
    let well_formed =
        parts.next().is_none() && (seq_number.is_some() || (seq == Some("h") && at_ms.is_some()));
    Ok(match e {
        Some(e) if e == epoch && well_formed => Resume::Ours {
            seq: seq_number,
            at_ms,
        },
        _ => Resume::Foreign {
            id: text.chars().take(64).collect(),
            at_ms: at_ms.filter(|_| well_formed),
        },
    })
}

/// Decrements the reader count when a stream ends, however it ends.
struct ReaderGuard(Arc<Hub>);

impl Drop for ReaderGuard {
    fn drop(&mut self) {
        self.0.readers.fetch_sub(1, Ordering::Relaxed);
    }
}

struct Reader {
    hub: Arc<Hub>,
    /// Live ticks; `None` while the reader replays the store (it subscribes again after, so a
    /// long replay never counts as falling behind).
    rx: Option<broadcast::Receiver<Arc<Tick>>>,
    backlog: VecDeque<Arc<Tick>>,
    /// Notices and `history` events, sent before the backlog.
    queued: VecDeque<Bytes>,
    /// The store replay still to read, page by page.
    pager: Option<Pager>,
    wanted: Vec<String>,
    /// The data mode `history` events are marked with.
    mode: &'static str,
    last_sent: Option<u64>,
    last_id: String,
    done: bool,
    /// The reader's gzip stream when it accepts gzip (see [`gzip`](super::gzip)).
    gzip: Option<GzipStream>,
    _guard: ReaderGuard,
}

/// What a reader sends next: a tick, whose bytes readers share, or text of its own.
enum Outgoing {
    Tick(Arc<Tick>),
    Text(Bytes),
}

impl Reader {
    fn new(hub: Arc<Hub>, wanted: Vec<String>, mode: &'static str, gzip: bool) -> Reader {
        // Subscribe before reading the ring, so no tick falls between the two.
        let rx = hub.tx.subscribe();
        hub.readers.fetch_add(1, Ordering::Relaxed);
        Reader {
            _guard: ReaderGuard(hub.clone()),
            hub,
            rx: Some(rx),
            backlog: VecDeque::new(),
            queued: VecDeque::new(),
            pager: None,
            wanted,
            mode,
            last_sent: None,
            last_id: String::new(),
            done: false,
            gzip: gzip.then(GzipStream::default),
        }
    }

    /// Sets up what a reader resuming from `resume` gets before the live ticks.
    fn resume(&mut self, resume: Resume) {
        match resume {
            Resume::Fresh => {}
            Resume::Ours { seq, at_ms } => {
                if let Some(seq) = seq {
                    let (backlog, complete) = self.hub.since(seq);
                    if complete {
                        self.backlog = backlog;
                        return;
                    }
                }
                match at_ms {
                    Some(at_ms) => self.catch_up(at_ms),
                    None => self.gap("the ticks after it are no longer kept"),
                }
            }
            Resume::Foreign { id, at_ms } => match at_ms {
                Some(at_ms) => self.catch_up(at_ms),
                None => self.gap(&format!(
                    "'{id}' is not an id of this server's run and carries no time"
                )),
            },
        }
    }

    /// Everything after `at_ms`: from the ring when it reaches back that far, otherwise the
    /// store's seconds up to the ring's oldest tick first (this is called again once they are
    /// sent, since the ring moves on meanwhile).
    fn catch_up(&mut self, at_ms: i64) {
        self.rx = Some(self.hub.tx.subscribe());
        let (backlog, front) = self.hub.after_time(at_ms);
        let after = at_ms.div_euclid(1000);
        let end = front.map_or_else(now_unix_s, |ms| ms.div_euclid(1000));
        if end > after + 1 {
            if let Some(source) = &self.hub.history {
                self.rx = None;
                self.pager = Some(Pager::new(source.clone(), &self.wanted, after, end));
                return;
            }
            self.gap(&format!(
                "the ticks between {} and {} are no longer kept and this server keeps no \
                 history store",
                timestamp(ms_to_nanos(at_ms)),
                timestamp(ms_to_nanos(end * 1000))
            ));
        }
        self.backlog = backlog;
    }

    fn gap(&mut self, why: &str) {
        self.queued.push_back(gap_notice(why));
    }

    fn event(&mut self, tick: Arc<Tick>) -> Outgoing {
        self.last_sent = Some(tick.seq);
        self.last_id = tick_id(self.hub.epoch, tick.seq, tick.at_ms);
        Outgoing::Tick(tick)
    }

    /// Reads the next page of the store replay into `queued` (on a blocking thread).
    async fn read_page(&mut self, mut pager: Pager) {
        let read = tokio::task::spawn_blocking(move || {
            let page = pager.next_page();
            (pager, page)
        });
        let (pager, page) = match read.await {
            Ok(done) => done,
            Err(e) => {
                self.gap(&format!("reading the history store failed: {e}"));
                self.catch_up(now_unix_s() * 1000);
                return;
            }
        };
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                // What the store could not give is a gap; the ring's ticks still follow.
                self.gap(&format!("the history store cannot be read: {e}"));
                self.catch_up(pager.end() * 1000 - 1);
                return;
            }
        };
        if let Some((from, to)) = page.gap {
            self.gap(&format!(
                "the history store holds no 1-s rows from {} to {}",
                timestamp(ms_to_nanos(from * 1000)),
                timestamp(ms_to_nanos(to * 1000))
            ));
        }
        for second in &page.seconds {
            let id = history_id(self.hub.epoch, second.t);
            let data = pager.json(second, &id, self.mode);
            self.queued
                .push_back(sse_frame(Some("history"), Some(&id), &data));
        }
        if page.done {
            self.catch_up(pager.cursor() * 1000 + 999);
        } else {
            self.pager = Some(pager);
        }
    }

    /// The next event's bytes, or a keep-alive comment after [`KEEP_ALIVE`] without one (a
    /// paused replay sends no ticks; proxies close idle connections), encoded for the reader;
    /// a gzip stream's trailer at the end.
    async fn next(&mut self) -> Option<Bytes> {
        let out = match tokio::time::timeout(KEEP_ALIVE, self.next_event()).await {
            Ok(Some(out)) => out,
            Ok(None) => {
                self.done = true;
                return self.gzip.take().map(GzipStream::finish);
            }
            Err(_) => Outgoing::Text(Bytes::from_static(b":keep-alive\n\n")),
        };
        Some(match (&mut self.gzip, out) {
            (None, Outgoing::Tick(tick)) => tick.frame(&self.wanted, &self.last_id),
            (None, Outgoing::Text(text)) => text,
            (Some(gzip), Outgoing::Tick(tick)) => {
                gzip.push(&tick.deflated(&self.wanted, &self.last_id))
            }
            (Some(gzip), Outgoing::Text(text)) => gzip.push(&Deflated::of(&text)),
        })
    }

    async fn next_event(&mut self) -> Option<Outgoing> {
        loop {
            if self.done {
                return None;
            }
            if let Some(event) = self.queued.pop_front() {
                return Some(Outgoing::Text(event));
            }
            if let Some(pager) = self.pager.take() {
                let closing = self.hub.closing.clone();
                tokio::select! {
                    biased;
                    () = closing.cancelled() => return None,
                    () = self.read_page(pager) => continue,
                }
            }
            if let Some(tick) = self.backlog.pop_front() {
                return Some(self.event(tick));
            }
            let rx = self.rx.as_mut()?;
            let received = tokio::select! {
                biased;
                () = self.hub.closing.cancelled() => return None,
                received = rx.recv() => received,
            };
            match received {
                Ok(tick) if self.last_sent.is_some_and(|s| tick.seq <= s) => continue,
                Ok(tick) => return Some(self.event(tick)),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    self.done = true;
                    self.hub.dropped.fetch_add(1, Ordering::Relaxed);
                    let notice = serde_json::json!({
                        "detail": format!(
                            "this reader fell {n} ticks behind the engine and was dropped; \
                             reconnect with Last-Event-ID to resume"
                        ),
                        "last_event_id": self.last_id,
                    });
                    return Some(Outgoing::Text(sse_frame(
                        Some("dropped"),
                        None,
                        &notice.to_string(),
                    )));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

fn now_unix_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn ms_to_nanos(ms: i64) -> crate::market::Nanos {
    ms.max(0) as u64 * 1_000_000
}

/// Engine ticks as Server-Sent Events: `tick` events, then `dropped` and `resume_gap` notices,
/// and on resume `history` events from the store.
#[utoipa::path(get, path = "/v1/stream", tag = "stream", params(StreamParams),
    responses((status = 200, description = STREAM_DESCRIPTION, content_type = "text/event-stream"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn stream(
    State(app): State<App>,
    headers: HeaderMap,
    Params(p): Params<StreamParams>,
) -> Result<Response, ApiError> {
    let mut wanted: Vec<String> = p
        .symbols
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .collect();
    // One order for one selection, so readers of the same symbols share their frames.
    wanted.sort();
    wanted.dedup();
    let mode = {
        let frame = app.frame();
        if let Some(unknown) = wanted.iter().find(|w| {
            !frame
                .symbols
                .iter()
                .any(|s| s.symbol.eq_ignore_ascii_case(w))
        }) {
            return Err(ApiError::unknown_symbol(unknown));
        }
        frame.mode.word()
    };
    let hub = app.hub();
    let resume = resume_point(&headers, hub.epoch)?;
    let gzip = accepts_gzip(&headers);
    let mut reader = Reader::new(hub, wanted, mode, gzip);
    reader.resume(resume);
    let events = futures_util::stream::unfold(reader, |mut r| async move {
        r.next().await.map(|e| (Ok::<_, Infallible>(e), r))
    });
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::VARY, "accept-encoding"),
        ],
        Body::from_stream(events),
    )
        .into_response();
    if gzip {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    Ok(response)
}

/// How long a reader's stream may stay silent before a keep-alive comment.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// One Server-Sent Event as sent: `event:` and `id:` lines when given, `data` as one `data:`
/// line per line of it, and the blank line that ends the event.
fn sse_frame(event: Option<&str>, id: Option<&str>, data: &str) -> Bytes {
    let mut out = BytesMut::with_capacity(data.len() + 64);
    if let Some(event) = event {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(event.as_bytes());
        out.extend_from_slice(b"\n");
    }
    if let Some(id) = id {
        out.extend_from_slice(b"id: ");
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(b"\n");
    }
    for line in data.split('\n') {
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(line.trim_end_matches('\r').as_bytes());
        out.extend_from_slice(b"\n");
    }
    out.extend_from_slice(b"\n");
    out.freeze()
}

/// What `/v1/stream` sends, for the OpenAPI document.
const STREAM_DESCRIPTION: &str = "text/event-stream. `tick` events (id `EPOCH:SEQ:MS`: the \
    server's start, the engine's tick number, the tick's unix ms): the frame's symbols as \
    `stream --json` writes them. A reader that reconnects with `Last-Event-ID` first gets what \
    it missed: the ticks still held in memory, or, when they are older, `history` events (id \
    `EPOCH:h:MS`, `replayed: true`, one per second: every book's 1-s row from the history \
    store, fields and units as `depthscope history query`), then the held ticks. `resume_gap` \
    says what cannot be filled (no store, beyond its retention, seconds never recorded); \
    `dropped` ends the stream of a reader that fell too far behind. gzip-compressed \
    (`Content-Encoding: gzip`) when the request accepts it, each event decodable as it arrives.";

fn gap_notice(why: &str) -> Bytes {
    let notice = serde_json::json!({
        "detail": format!("cannot resume from Last-Event-ID: {why}; live ticks follow"),
    });
    sse_frame(Some("resume_gap"), None, &notice.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_points() {
        let mut headers = HeaderMap::new();
        assert_eq!(resume_point(&headers, 7).unwrap(), Resume::Fresh);
        headers.insert("last-event-id", HeaderValue::from_static("7:42"));
        assert_eq!(
            resume_point(&headers, 7).unwrap(),
            Resume::Ours {
                seq: Some(42),
                at_ms: None
            }
        );
        headers.insert("last-event-id", HeaderValue::from_static("7:42:1500"));
        assert_eq!(
            resume_point(&headers, 7).unwrap(),
            Resume::Ours {
                seq: Some(42),
                at_ms: Some(1500)
            }
        );
        assert_eq!(
            resume_point(&headers, 8).unwrap(),
            Resume::Foreign {
                id: "7:42:1500".into(),
                at_ms: Some(1500)
            },
            "another run's id still says when"
        );
        headers.insert("last-event-id", HeaderValue::from_static("7:h:3000"));
        assert_eq!(
            resume_point(&headers, 7).unwrap(),
            Resume::Ours {
                seq: None,
                at_ms: Some(3000)
            }
        );
        for garbage in ["garbage", "7:h", "7:x:5", "7:1:2:3"] {
            headers.insert("last-event-id", HeaderValue::from_static(garbage));
            assert!(
                matches!(
                    resume_point(&headers, 7).unwrap(),
                    Resume::Foreign { at_ms: None, .. }
                ),
                "{garbage}"
            );
        }
    }

    fn tick(seq: u64) -> Arc<Tick> {
        Arc::new(Tick {
            seq,
            at_ms: seq as i64 * 1000,
            head: format!("\"seq\":{seq}"),
            symbols: vec![
                ("BTC".into(), "{\"symbol\":\"BTC\"}".into()),
                ("ETH".into(), "{\"symbol\":\"ETH\"}".into()),
            ],
            alerts: "[]".into(),
            frames: Mutex::new(Some(Vec::new())),
        })
    }

    #[test]
    fn ticks_filter_symbols_and_stay_json() {
        let t = tick(3);
        let all: serde_json::Value = serde_json::from_str(&t.json(&[])).unwrap();
        assert_eq!(all["symbols"].as_array().unwrap().len(), 2);
        let eth: serde_json::Value = serde_json::from_str(&t.json(&["eth".into()])).unwrap();
        assert_eq!(eth["symbols"][0]["symbol"], "ETH");
        assert_eq!(eth["symbols"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn the_ring_keeps_the_last_ticks_and_says_when_it_cannot_resume() {
        let hub = Hub::new(4, (3, 1 << 20), None, CancellationToken::new());
        for seq in 1..=5 {
            hub.publish(tick(seq));
        }
        let (backlog, complete) = hub.since(3);
        assert!(complete);
        assert_eq!(backlog.iter().map(|t| t.seq).collect::<Vec<_>>(), [4, 5]);
        let (backlog, complete) = hub.since(1);
        assert!(!complete, "tick 2 is gone from a ring of 3 (3, 4, 5)");
        assert_eq!(backlog.len(), 3);
    }

    /// The ring holds at most its bytes (the oldest go first, the newest always stays), and
    /// only the newest tick keeps its encoded frames.
    #[tokio::test]
    async fn the_ring_keeps_to_its_bytes_and_one_encoded_tick() {
        let size = tick(1).size();
        let hub = Arc::new(Hub::new(4, (100, 3 * size), None, CancellationToken::new()));
        let mut r = reader(&hub);
        for seq in 1..=5 {
            hub.publish(tick(seq));
            r.next().await.unwrap();
        }
        let (backlog, complete) = hub.since(0);
        assert!(!complete);
        assert_eq!(backlog.iter().map(|t| t.seq).collect::<Vec<_>>(), [3, 4, 5]);
        let cached = |t: &Tick| t.frames.lock().unwrap().as_ref().map(Vec::len);
        assert_eq!(
            backlog.iter().map(|t| cached(t)).collect::<Vec<_>>(),
            [None, None, Some(1)]
        );
        // A reader still behind gets an older tick encoded for it, not kept beside the tick.
        let old = &backlog[0];
        let again = old.frame(&[], "x");
        assert!(again.starts_with(b"event: tick\nid: x\n"));
        assert_eq!(cached(old), None);
        let tiny = Hub::new(4, (100, 1), None, CancellationToken::new());
        tiny.publish(tick(1));
        tiny.publish(tick(2));
        assert_eq!(
            tiny.since(0).0.len(),
            1,
            "the newest stays whatever its size"
        );
    }

    fn reader(hub: &Arc<Hub>) -> Reader {
        Reader::new(hub.clone(), Vec::new(), "simulated", false)
    }

    #[tokio::test]
    async fn a_slow_reader_is_dropped_with_a_reason_while_a_fast_one_keeps_every_tick() {
        let hub = Arc::new(Hub::new(2, (10, 1 << 20), None, CancellationToken::new()));
        let mut fast = reader(&hub);
        let mut slow = reader(&hub);
        assert_eq!(hub.readers(), 2);
        let mut seen = Vec::new();
        for seq in 1..=6 {
            hub.publish(tick(seq));
            let event = fast.next().await.unwrap();
            seen.push(String::from_utf8_lossy(&event).into_owned());
        }
        assert_eq!(seen.len(), 6);
        assert!(seen[5].contains(":6"), "{}", seen[5]);
        let dropped = String::from_utf8_lossy(&slow.next().await.unwrap()).into_owned();
        assert!(
            dropped.contains("dropped") && dropped.contains("behind"),
            "{dropped}"
        );
        assert!(
            slow.next().await.is_none(),
            "a dropped reader's stream ends"
        );
        assert_eq!(hub.dropped(), 1);
        drop(slow);
        assert_eq!(hub.readers(), 1);
    }

    /// Readers of one symbol selection send the same encoded event (one buffer, not a copy
    /// each); another selection gets its own, and each is a well-formed SSE event.
    #[tokio::test]
    async fn readers_of_one_selection_share_each_ticks_bytes() {
        let hub = Arc::new(Hub::new(4, (10, 1 << 20), None, CancellationToken::new()));
        let mut a = reader(&hub);
        let mut b = reader(&hub);
        let mut eth = Reader::new(hub.clone(), vec!["ETH".into()], "simulated", false);
        hub.publish(tick(1));
        let (a, b, eth) = (
            a.next().await.unwrap(),
            b.next().await.unwrap(),
            eth.next().await.unwrap(),
        );
        assert_eq!(a.as_ptr(), b.as_ptr(), "one buffer for both");
        assert_ne!(a.as_ptr(), eth.as_ptr());
        let text = std::str::from_utf8(&a).unwrap();
        let id = tick_id(hub.epoch(), 1, 1000);
        assert!(
            text.starts_with(&format!("event: tick\nid: {id}\ndata: {{")),
            "{text}"
        );
        assert!(
            text.ends_with("}\n\n") && text.matches('\n').count() == 4,
            "{text}"
        );
        let data: serde_json::Value =
            serde_json::from_str(text.lines().nth(2).unwrap().trim_start_matches("data: "))
                .unwrap();
        assert_eq!(data["symbols"].as_array().unwrap().len(), 2);
        let eth = std::str::from_utf8(&eth).unwrap();
        assert!(eth.contains("\"ETH\"") && !eth.contains("\"BTC\""), "{eth}");
    }

    /// Readers that accept gzip share each tick's compressed bytes, and each one's stream
    /// decodes to exactly what a plain reader got, ending with a valid trailer.
    #[tokio::test]
    async fn gzip_readers_share_compressed_ticks_and_decode_to_the_plain_stream() {
        let hub = Arc::new(Hub::new(4, (10, 1 << 20), None, CancellationToken::new()));
        let mut plain = reader(&hub);
        let mut g1 = Reader::new(hub.clone(), Vec::new(), "simulated", true);
        let mut g2 = Reader::new(hub.clone(), Vec::new(), "simulated", true);
        let (mut plain_wire, mut wire1) = (Vec::new(), Vec::new());
        for seq in 1..=3 {
            hub.publish(tick(seq));
            plain_wire.extend_from_slice(&plain.next().await.unwrap());
            let (a, b) = (g1.next().await.unwrap(), g2.next().await.unwrap());
            if seq > 1 {
                assert_eq!(a.as_ptr(), b.as_ptr(), "one compressed buffer for both");
            }
            wire1.extend_from_slice(&a);
        }
        hub.closing.cancel();
        wire1.extend_from_slice(&g1.next().await.expect("the trailer"));
        assert!(
            g1.next().await.is_none(),
            "the stream ends after its trailer"
        );
        let mut decoded = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&wire1[..]), &mut decoded)
            .unwrap();
        assert_eq!(decoded, plain_wire);
        assert!(decoded.starts_with(b"event: tick\n"));
    }

    /// Data with line breaks becomes one `data:` line per line, as the SSE format requires.
    #[test]
    fn multi_line_data_is_split_into_data_lines() {
        let frame = sse_frame(Some("history"), None, "a\nb\r\nc");
        assert_eq!(&frame[..], b"event: history\ndata: a\ndata: b\ndata: c\n\n");
    }
}
