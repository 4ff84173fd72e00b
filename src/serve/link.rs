//! The client end of `/v1/stream`, for a terminal that attaches to a remote `serve`
//! (`--connect`): it follows the stream, says at once when the link is down (an error, the
//! server closing, or no event for [`SILENCE`] while ticks come every `engine.tick_ms`), and
//! reconnects with `Last-Event-ID` so the server resumes it (from its ring or its history store).
//!
//! The terminal follows `/v1/frames` through it (see [`attach`](super::attach)); a script may
//! follow `/v1/stream`.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout, timeout_at};
use tokio_util::sync::CancellationToken;

/// No event (ticks come every 250 ms by default) for this long: the link is down.
pub const SILENCE: Duration = Duration::from_secs(2);
/// The largest event accepted; a longer one is a broken or hostile server.
const MAX_EVENT_BYTES: usize = 4 << 20;
const RETRY_FIRST: Duration = Duration::from_millis(250);
const RETRY_MAX: Duration = Duration::from_secs(5);

/// One Server-Sent Event.
#[derive(Clone, Debug, PartialEq)]
pub struct SseEvent {
    pub event: String,
    pub id: Option<String>,
    /// The data as JSON, or as the text received (a JSON string) from a parser made
    /// [`raw`](SseParser::raw).
    pub data: Value,
}

/// What the link reports, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkEvent {
    /// Connected (again); events follow.
    Up,
    /// The link is down and will be retried; what is on screen is no longer live.
    Down { why: String },
    /// An event of the stream (`tick`, `history`, `resume_gap`, `dropped`).
    Event(SseEvent),
}

/// Splits a text/event-stream into events (comments and keep-alives skipped), bounded.
#[derive(Debug)]
pub struct SseParser {
    /// Bytes, not text: a chunk may end inside a character.
    buffer: Vec<u8>,
    max_event_bytes: usize,
    /// Leave each event's data as text, for a reader that decodes only some of the events.
    raw: bool,
}

impl Default for SseParser {
    fn default() -> Self {
        SseParser::with_limit(MAX_EVENT_BYTES)
    }
}

impl SseParser {
    /// A parser that refuses an event longer than `max_event_bytes`.
    pub fn with_limit(max_event_bytes: usize) -> SseParser {
        SseParser {
            buffer: Vec::new(),
            max_event_bytes,
            raw: false,
        }
    }

    /// This parser, leaving each event's data as the text received.
    pub fn raw(self) -> SseParser {
        SseParser { raw: true, ..self }
    }

    /// Adds received bytes; returns the complete events, or why the stream is unusable.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, String> {
        // Only the new bytes (and the one before them) can complete an event: a large event
        // arriving in many chunks is scanned once, not once per chunk.
        let from = self.buffer.len().saturating_sub(1);
        self.buffer.extend_from_slice(chunk);
        let mut out = Vec::new();
        let mut next = memchr::memmem::find(&self.buffer[from..], b"\n\n").map(|i| i + from);
        while let Some(end) = next {
            let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
            next = memchr::memmem::find(&self.buffer, b"\n\n");
            let block = std::str::from_utf8(&block).map_err(|_| "an event that is not UTF-8")?;
            let (mut event, mut id, mut data) = (String::from("message"), None, String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    v.trim().clone_into(&mut event);
                } else if let Some(v) = line.strip_prefix("id:") {
                    id = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            if data.is_empty() {
                continue;
            }
            let data = if self.raw {
                Value::String(data)
            } else {
                serde_json::from_str(&data)
                    .map_err(|e| format!("a {event} event that is not JSON: {e}"))?
            };
            out.push(SseEvent { event, id, data });
        }
        if self.buffer.len() > self.max_event_bytes {
            return Err(format!(
                "an event longer than {} bytes",
                self.max_event_bytes
            ));
        }
        Ok(out)
    }
}

/// Follows `{base}/v1/stream?symbols=…` until `cancel`, reporting to `tx`; reconnects with the
/// last id seen. Ends when `tx` is closed.
pub async fn follow(
    base: &str,
    symbols: &[String],
    tx: mpsc::Sender<LinkEvent>,
    cancel: CancellationToken,
) {
    let mut url = format!("{}/v1/stream", base.trim_end_matches('/'));
    if !symbols.is_empty() {
        url.push_str("?symbols=");
        url.push_str(&symbols.join(","));
    }
    let target = Target {
        url,
        key: None,
        max_event_bytes: MAX_EVENT_BYTES,
        raw_data: false,
    };
    follow_target(&target, tx, cancel).await;
}

/// An event stream to follow.
#[derive(Clone, Debug)]
pub struct Target {
    pub url: String,
    /// Sent as `X-API-Key` when given.
    pub key: Option<String>,
    /// A longer event ends the connection as broken.
    pub max_event_bytes: usize,
    /// Hand on each event's data as text (see [`SseParser::raw`]).
    pub raw_data: bool,
}

/// Follows `target` until `cancel`, reporting to `tx`; reconnects with the last id seen. Ends
/// when `tx` is closed.
pub async fn follow_target(
    target: &Target,
    tx: mpsc::Sender<LinkEvent>,
    cancel: CancellationToken,
) {
    let client = reqwest::Client::new();
    let mut last_id: Option<String> = None;
    let mut retry = RETRY_FIRST;
    loop {
        let why = tokio::select! {
            () = cancel.cancelled() => return,
            why = session(&client, target, &mut last_id, &tx, &mut retry) => why,
        };
        if tx.send(LinkEvent::Down { why }).await.is_err() {
            return;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(retry) => {}
        }
        retry = (retry * 2).min(RETRY_MAX);
    }
}

/// One connection: returns why it ended.
async fn session(
    client: &reqwest::Client,
    target: &Target,
    last_id: &mut Option<String>,
    tx: &mpsc::Sender<LinkEvent>,
    retry: &mut Duration,
) -> String {
    let url = &target.url;
    let mut request = client.get(url).header("accept", "text/event-stream");
    if let Some(key) = &target.key {
        request = request.header(super::access::KEY_HEADER, key);
    }
    if let Some(id) = last_id.as_deref() {
        request = request.header("last-event-id", id);
    }
    let mut response = match timeout(SILENCE, request.send()).await {
        Err(_) => return format!("no answer from {url} within {} s", SILENCE.as_secs()),
        Ok(Err(e)) => return format!("cannot reach {url}: {e}"),
        Ok(Ok(r)) if !r.status().is_success() => {
            return format!("{url} answered {}", r.status());
        }
        Ok(Ok(r)) => r,
    };
    if tx.send(LinkEvent::Up).await.is_err() {
        return String::new();
    }
    *retry = RETRY_FIRST;
    let mut parser = SseParser::with_limit(target.max_event_bytes);
    if target.raw_data {
        parser = parser.raw();
    }
    // Only bytes received count as life (a decoder may hand out empty chunks).
    let mut silent_at = Instant::now() + SILENCE;
    loop {
        let chunk = match timeout_at(silent_at, response.chunk()).await {
            Err(_) => return format!("no event for {} s", SILENCE.as_secs()),
            Ok(Err(e)) => return format!("the stream broke: {e}"),
            Ok(Ok(None)) => return "the server closed the stream".into(),
            Ok(Ok(Some(chunk))) => chunk,
        };
        if !chunk.is_empty() {
            silent_at = Instant::now() + SILENCE;
        }
        let events = match parser.push(&chunk) {
            Ok(events) => events,
            Err(why) => return why,
        };
        for event in events {
            if let Some(id) = &event.id {
                *last_id = Some(id.clone());
            }
            if tx.send(LinkEvent::Event(event)).await.is_err() {
                return String::new();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_across_chunks_and_keep_alives_skipped() {
        let mut p = SseParser::default();
        assert!(
            p.push(b":keep-alive\n\nevent: tick\nid: 1:2:3\nda")
                .unwrap()
                .is_empty()
        );
        let text = "ta: {\"seq\":2,\"unit\":\"µs\"}\n\n".as_bytes();
        // Split inside the two-byte `µ`.
        let at = text.iter().position(|&b| b > 0x7f).unwrap() + 1;
        assert!(p.push(&text[..at]).unwrap().is_empty());
        let events = p.push(&text[at..]).unwrap();
        assert_eq!(
            events,
            [SseEvent {
                event: "tick".into(),
                id: Some("1:2:3".into()),
                data: serde_json::json!({"seq": 2, "unit": "µs"}),
            }]
        );
        assert!(p.push(b"event: tick\ndata: nope\n\n").is_err());
        let mut p = SseParser::default();
        assert!(p.push(&vec![b'a'; MAX_EVENT_BYTES + 1]).is_err());
    }
}
