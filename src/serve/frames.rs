//! `GET /v1/frames`: the terminal's whole frame, one `frame` event per engine tick, for a
//! terminal attached with `depthscope --connect`. The public `/v1/stream` keeps the API's
//! shape; this endpoint carries everything the screen draws (ladders, tapes, health, alerts,
//! the per-tick history and the price chart's series), versioned by `v`.
//!
//! Each event is a whole frame, so a reader is whole again at its first event: a reconnecting
//! terminal needs no replay (the per-tick history, the chart's series and the recent alerts ride
//! in the frame). A reader that falls behind skips to the latest frame rather than queueing:
//! a screen wants the present, not a backlog. Frames are encoded once per tick for every
//! reader, and not at all while no terminal is attached; a reader that accepts gzip gets the
//! stream compressed (about 4× smaller), flushed after every event.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::engine::frame::Frame;
use crate::engine::prices::PriceSeries;

use super::App;
use super::error::ErrorBody;
use super::params::{NoParams, Params};

/// The frame encoding's version: a reader refuses a frame of another version with a clear
/// message instead of misreading it.
pub const FRAME_VERSION: u32 = 1;

/// The SSE event kind of a frame.
pub const FRAME_EVENT: &str = "frame";

/// A frame on the wire: `Frame` leaves the chart's price series out of its own serialisation
/// (`stream --json` does not carry them), so they travel beside it, one per symbol in order.
#[derive(Serialize)]
struct Outgoing<'a> {
    v: u32,
    frame: &'a Frame,
    prices: Vec<&'a PriceSeries>,
}

#[derive(Deserialize)]
struct Incoming {
    frame: Frame,
    prices: Vec<PriceSeries>,
}

/// One tick's frame, encoded once.
#[derive(Debug)]
pub struct Encoded {
    pub seq: u64,
    /// The tick's time, unix ms (for the event id).
    at_ms: i64,
    json: String,
}

impl Encoded {
    pub fn of(frame: &Frame) -> Encoded {
        let wire = Outgoing {
            v: FRAME_VERSION,
            frame,
            prices: frame.symbols.iter().map(|s| &*s.prices).collect(),
        };
        Encoded {
            seq: frame.seq,
            at_ms: (frame.at / 1_000_000) as i64,
            // A frame holds only numbers, strings and options: it always serialises.
            json: serde_json::to_string(&wire).unwrap_or_default(),
        }
    }

    pub fn json(&self) -> &str {
        &self.json
    }
}

/// Reads a `frame` event's data (its text as a JSON string, or the parsed JSON) back into the
/// frame the server's engine built.
pub fn decode(data: &serde_json::Value) -> Result<Frame, String> {
    match data {
        serde_json::Value::String(text) => decode_text(text),
        other => decode_text(&other.to_string()),
    }
}

fn decode_text(text: &str) -> Result<Frame, String> {
    #[derive(Deserialize)]
    struct Version {
        v: Option<u64>,
    }
    let version = serde_json::from_str::<Version>(text)
        .map_err(|e| format!("a frame that is not a JSON object: {e}"))?;
    match version.v {
        Some(v) if v == u64::from(FRAME_VERSION) => {}
        Some(v) => {
            return Err(format!(
                "the server sends frames of version {v}; this depthscope reads version \
                 {FRAME_VERSION}: run the same version on both ends"
            ));
        }
        None => return Err("a frame without a version: not a depthscope server?".into()),
    }
    let Incoming { mut frame, prices } =
        serde_json::from_str(text).map_err(|e| format!("a frame that cannot be read: {e}"))?;
    if prices.len() != frame.symbols.len() {
        return Err(format!(
            "a frame with {} symbols and {} price series",
            frame.symbols.len(),
            prices.len()
        ));
    }
    for (symbol, series) in frame.symbols.iter_mut().zip(prices) {
        symbol.prices = Arc::new(series);
    }
    Ok(frame)
}

/// Encodes every frame the engine publishes, while at least one terminal is attached.
pub async fn run_encoder(
    mut frames: watch::Receiver<Arc<Frame>>,
    encoded: watch::Sender<Arc<Encoded>>,
    cancel: CancellationToken,
) {
    loop {
        tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            changed = frames.changed() => {
                if changed.is_err() {
                    return;
                }
                let frame = frames.borrow_and_update().clone();
                if encoded.receiver_count() > 0 {
                    encoded.send_replace(Arc::new(Encoded::of(&frame)));
                }
            }
        }
    }
}

/// The terminal's whole frame per engine tick (`depthscope --connect`), as `frame` events;
/// gzip-compressed (flushed after every event) when the reader accepts it.
#[utoipa::path(get, path = "/v1/frames", tag = "stream",
    responses((status = 200, description = FRAMES_DESCRIPTION, content_type = "text/event-stream"),
              (status = 400, body = ErrorBody)))]
pub async fn frames(State(app): State<App>, headers: HeaderMap, _: Params<NoParams>) -> Response {
    let gzip = super::gzip::accepts_gzip(&headers);
    let events = events(&app);
    let mut response = if gzip {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        // `None` ends the stream: the gzip trailer goes out, so the reader sees a clean end.
        let ending = events
            .map(Some)
            .chain(futures_util::stream::once(async { None }));
        let compressed = ending.map(move |text| {
            // Writing to a Vec cannot fail; the flush makes every event decodable at once.
            let _ = match text {
                Some(text) => encoder
                    .write_all(text.as_bytes())
                    .and_then(|()| encoder.flush()),
                None => encoder.try_finish(),
            };
            Ok::<_, Infallible>(Bytes::from(std::mem::take(encoder.get_mut())))
        });
        let mut response = Body::from_stream(compressed).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        Body::from_stream(events.map(Ok::<_, Infallible>)).into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The frames as event-stream text: the frame of now, then each newer one, with a keep-alive
/// comment after [`KEEP_ALIVE`] without a frame (a stalled engine is not a dropped link), until
/// the server stops.
fn events(app: &App) -> impl Stream<Item = String> + Send + 'static {
    let mut rx = app.encoded();
    let epoch = app.hub().epoch();
    let closing = app.closing();
    // The first event is the frame of now, whatever the encoder last did.
    let first = Arc::new(Encoded::of(&app.frame()));
    rx.mark_unchanged();
    futures_util::stream::unfold((Some(first), rx, 0u64), move |(next, mut rx, last)| {
        let closing = closing.clone();
        async move {
            let encoded = match next {
                Some(encoded) => encoded,
                None => loop {
                    tokio::select! {
                        biased;
                        () = closing.cancelled() => return None,
                        changed = rx.changed() => changed.ok()?,
                        () = tokio::time::sleep(KEEP_ALIVE) => {
                            return Some((":\n\n".to_owned(), (None, rx, last)));
                        }
                    }
                    let encoded = rx.borrow_and_update().clone();
                    if encoded.seq > last {
                        break encoded;
                    }
                },
            };
            let id = super::stream::tick_id(epoch, encoded.seq, encoded.at_ms);
            let text = format!(
                "event: {FRAME_EVENT}\nid: {id}\ndata: {}\n\n",
                encoded.json()
            );
            Some((text, (None, rx, encoded.seq)))
        }
    })
}

/// A comment this often while no frame comes.
const KEEP_ALIVE: Duration = Duration::from_secs(1);

const FRAMES_DESCRIPTION: &str = "text/event-stream of `frame` events (id `EPOCH:SEQ:MS`, as \
    `/v1/stream`), one per engine tick: `{\"v\": 1, \"frame\": …, \"prices\": […]}`, everything \
    the depthscope terminal draws, for `depthscope --connect`. Each event is a whole frame: a \
    reader that falls behind gets the latest one, and one that reconnects is whole again at its \
    first event. Not part of the market-context API; its shape follows depthscope's version.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::tests::fixtures;

    #[test]
    fn a_frame_reads_back_as_it_was_sent_price_series_included() {
        let mut frame = fixtures::frame();
        let mut series = PriceSeries::default();
        series.seconds.push_back((fixtures::NOW, 100.5));
        frame.symbols[0].prices = Arc::new(series);
        let sent = Encoded::of(&frame);
        let back = decode(&serde_json::Value::String(sent.json().to_owned())).unwrap();
        assert_eq!(Encoded::of(&back).json(), sent.json());
        assert_eq!(back.symbols[0].prices.seconds[0], (fixtures::NOW, 100.5));
    }

    #[test]
    fn another_version_or_a_broken_frame_is_refused_with_a_reason() {
        let err = decode(&serde_json::json!({"v": 99, "frame": {}})).unwrap_err();
        assert!(err.contains("version 99"), "{err}");
        let err = decode(&serde_json::json!({"frame": {}})).unwrap_err();
        assert!(err.contains("without a version"), "{err}");
        let err =
            decode(&serde_json::json!({"v": FRAME_VERSION, "frame": {"seq": 1}})).unwrap_err();
        assert!(err.contains("cannot be read"), "{err}");
        let err = decode(&serde_json::Value::String("\"text\"".into())).unwrap_err();
        assert!(err.contains("not a JSON object"), "{err}");
    }
}
