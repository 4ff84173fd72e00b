//! `GET /v1/stream`: Server-Sent Events, one `tick` event per engine tick with the symbols a
//! reader asked for, as `stream --json` writes them.
//!
//! Every tick is serialised once, by the hub, whatever the number of readers; a reader only
//! picks the symbols it asked for. Readers share a bounded broadcast buffer: one that falls more
//! than `stream_buffer` ticks behind is dropped with a final `dropped` event saying why (and
//! counted in `/v1/health`), so a slow reader never slows the engine or the other readers.
//!
//! Event ids are `EPOCH:SEQ` (the server's start in unix ms, the engine's tick number). A reader
//! that reconnects with `Last-Event-ID` first gets the ticks it missed from the hub's recent
//! ring, then live ones; when the ring no longer holds them, or the id is from another run of the
//! server, a `resume_gap` event says so before the live ticks.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;
use utoipa::IntoParams;

use crate::engine::StreamOptions;
use crate::engine::frame::Frame;
use crate::engine::stream::JsonLines;

use super::App;
use super::error::{ApiError, ErrorBody};
use super::params::Params;
use super::view::timestamp;

/// One engine tick, serialised once for every reader.
#[derive(Debug)]
pub struct Tick {
    pub seq: u64,
    /// `timestamp` and `seq` as the event's first members.
    head: String,
    /// Each symbol's JSON, by symbol.
    symbols: Vec<(String, String)>,
    /// The alerts fired since the previous tick, as a JSON array.
    alerts: String,
}

impl Tick {
    fn of(frame: &Frame, epoch: u64, since_alert: u64, lines: &JsonLines) -> Tick {
        let symbols = frame
            .symbols
            .iter()
            .filter_map(|s| {
                let value = lines.symbol_value(s).ok()?;
                Some((s.symbol.clone(), value.to_string()))
            })
            .collect();
        let mut fired: Vec<_> = frame
            .alerts
            .iter()
            .filter(|a| a.id > since_alert)
            .map(|a| &**a)
            .collect();
        fired.reverse();
        Tick {
            seq: frame.seq,
            head: format!(
                "\"id\":\"{epoch}:{}\",\"seq\":{},\"timestamp\":\"{}\",\"mode\":\"{}\"",
                frame.seq,
                frame.seq,
                timestamp(frame.at),
                frame.mode.word()
            ),
            symbols,
            alerts: serde_json::to_string(&fired).unwrap_or_else(|_| "[]".into()),
        }
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
    ring: Mutex<VecDeque<Arc<Tick>>>,
    ring_len: usize,
    readers: AtomicU64,
    dropped: AtomicU64,
    ticks: AtomicU64,
    /// Ends every reader's stream when the server stops (a graceful shutdown waits for open
    /// connections, and an SSE connection never closes by itself).
    closing: CancellationToken,
}

impl Hub {
    /// `buffer`: ticks a reader may fall behind before it is dropped; `ring`: ticks kept for
    /// readers that reconnect.
    pub fn new(buffer: usize, ring: usize, closing: CancellationToken) -> Hub {
        Hub {
            epoch: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            tx: broadcast::channel(buffer.max(1)).0,
            ring: Mutex::new(VecDeque::with_capacity(ring)),
            ring_len: ring,
            readers: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            ticks: AtomicU64::new(0),
            closing,
        }
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
        if let Ok(mut ring) = self.ring.lock() {
            if ring.len() == self.ring_len {
                ring.pop_front();
            }
            ring.push_back(tick.clone());
        }
        self.ticks.fetch_add(1, Ordering::Relaxed);
        // No reader: nothing to do (not an error).
        let _ = self.tx.send(tick);
    }

    /// Ticks after `seq` still in the ring, and whether the ring reaches back to `seq + 1`.
    fn since(&self, seq: u64) -> (VecDeque<Arc<Tick>>, bool) {
        let ring = self.ring.lock().map(|r| r.clone()).unwrap_or_default();
        let complete = ring.front().is_none_or(|t| t.seq <= seq + 1);
        (ring.into_iter().filter(|t| t.seq > seq).collect(), complete)
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
    After(u64),
    /// An id from another run of the server, or not ours.
    Foreign(String),
}

fn resume_point(headers: &HeaderMap, epoch: u64) -> Result<Resume, ApiError> {
    let Some(value) = headers.get("last-event-id") else {
        return Ok(Resume::Fresh);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::bad_request("Last-Event-ID is not text"))?;
    let parsed = text
        .split_once(':')
        .and_then(|(e, s)| Some((e.parse::<u64>().ok()?, s.parse::<u64>().ok()?)));
    Ok(match parsed {
        Some((e, seq)) if e == epoch => Resume::After(seq),
        _ => Resume::Foreign(text.chars().take(64).collect()),
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
    rx: broadcast::Receiver<Arc<Tick>>,
    backlog: VecDeque<Arc<Tick>>,
    notice: Option<Event>,
    wanted: Vec<String>,
    last_sent: Option<u64>,
    done: bool,
    _guard: ReaderGuard,
}

impl Reader {
    fn event(&mut self, tick: &Tick) -> Event {
        self.last_sent = Some(tick.seq);
        Event::default()
            .event("tick")
            .id(format!("{}:{}", self.hub.epoch, tick.seq))
            .data(tick.json(&self.wanted))
    }

    async fn next(&mut self) -> Option<Event> {
        if self.done {
            return None;
        }
        if let Some(notice) = self.notice.take() {
            return Some(notice);
        }
        if let Some(tick) = self.backlog.pop_front() {
            return Some(self.event(&tick));
        }
        loop {
            let received = tokio::select! {
                biased;
                () = self.hub.closing.cancelled() => return None,
                received = self.rx.recv() => received,
            };
            match received {
                Ok(tick) if self.last_sent.is_some_and(|s| tick.seq <= s) => continue,
                Ok(tick) => return Some(self.event(&tick)),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    self.done = true;
                    self.hub.dropped.fetch_add(1, Ordering::Relaxed);
                    let resume = self
                        .last_sent
                        .map(|s| format!("{}:{s}", self.hub.epoch))
                        .unwrap_or_default();
                    return Some(
                        Event::default().event("dropped").data(
                            serde_json::json!({
                                "detail": format!(
                                    "this reader fell {n} ticks behind the engine and was dropped; \
                                     reconnect with Last-Event-ID to resume"
                                ),
                                "last_event_id": resume,
                            })
                            .to_string(),
                        ),
                    );
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// Engine ticks as Server-Sent Events (`tick` events; `dropped` and `resume_gap` notices).
#[utoipa::path(get, path = "/v1/stream", tag = "stream", params(StreamParams),
    responses((status = 200, description = "text/event-stream of `tick` events", content_type = "text/event-stream"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn stream(
    State(app): State<App>,
    headers: HeaderMap,
    Params(p): Params<StreamParams>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let wanted: Vec<String> = p
        .symbols
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .collect();
    {
        let frame = app.frame();
        if let Some(unknown) = wanted.iter().find(|w| {
            !frame
                .symbols
                .iter()
                .any(|s| s.symbol.eq_ignore_ascii_case(w))
        }) {
            return Err(ApiError::unknown_symbol(unknown));
        }
    }
    let hub = app.hub();
    // Subscribe before reading the ring, so no tick falls between the two.
    let rx = hub.tx.subscribe();
    hub.readers.fetch_add(1, Ordering::Relaxed);
    let guard = ReaderGuard(hub.clone());
    let (backlog, notice) = match resume_point(&headers, hub.epoch)? {
        Resume::Fresh => (VecDeque::new(), None),
        Resume::After(seq) => {
            let (backlog, complete) = hub.since(seq);
            let notice = (!complete).then(|| gap_notice("the ticks after it are no longer kept"));
            (backlog, notice)
        }
        Resume::Foreign(id) => (
            VecDeque::new(),
            Some(gap_notice(&format!(
                "'{id}' is not an id of this server's run (it restarted?)"
            ))),
        ),
    };
    let reader = Reader {
        hub,
        rx,
        backlog,
        notice,
        wanted,
        last_sent: None,
        done: false,
        _guard: guard,
    };
    let events =
        futures_util::stream::unfold(
            reader,
            |mut r| async move { r.next().await.map(|e| (Ok(e), r)) },
        );
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn gap_notice(why: &str) -> Event {
    Event::default().event("resume_gap").data(
        serde_json::json!({
            "detail": format!("cannot resume from Last-Event-ID: {why}; live ticks follow"),
        })
        .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn resume_points() {
        let mut headers = HeaderMap::new();
        assert_eq!(resume_point(&headers, 7).unwrap(), Resume::Fresh);
        headers.insert("last-event-id", HeaderValue::from_static("7:42"));
        assert_eq!(resume_point(&headers, 7).unwrap(), Resume::After(42));
        assert!(matches!(
            resume_point(&headers, 8).unwrap(),
            Resume::Foreign(_)
        ));
        headers.insert("last-event-id", HeaderValue::from_static("garbage"));
        assert!(matches!(
            resume_point(&headers, 7).unwrap(),
            Resume::Foreign(_)
        ));
    }

    fn tick(seq: u64) -> Arc<Tick> {
        Arc::new(Tick {
            seq,
            head: format!("\"seq\":{seq}"),
            symbols: vec![
                ("BTC".into(), "{\"symbol\":\"BTC\"}".into()),
                ("ETH".into(), "{\"symbol\":\"ETH\"}".into()),
            ],
            alerts: "[]".into(),
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
        let hub = Hub::new(4, 3, CancellationToken::new());
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

    fn reader(hub: &Arc<Hub>) -> Reader {
        hub.readers.fetch_add(1, Ordering::Relaxed);
        Reader {
            hub: hub.clone(),
            rx: hub.tx.subscribe(),
            backlog: VecDeque::new(),
            notice: None,
            wanted: Vec::new(),
            last_sent: None,
            done: false,
            _guard: ReaderGuard(hub.clone()),
        }
    }

    #[tokio::test]
    async fn a_slow_reader_is_dropped_with_a_reason_while_a_fast_one_keeps_every_tick() {
        let hub = Arc::new(Hub::new(2, 10, CancellationToken::new()));
        let mut fast = reader(&hub);
        let mut slow = reader(&hub);
        assert_eq!(hub.readers(), 2);
        let mut seen = Vec::new();
        for seq in 1..=6 {
            hub.publish(tick(seq));
            let event = fast.next().await.unwrap();
            seen.push(format!("{event:?}"));
        }
        assert_eq!(seen.len(), 6);
        assert!(seen[5].contains(":6"), "{}", seen[5]);
        let dropped = format!("{:?}", slow.next().await.unwrap());
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
}
