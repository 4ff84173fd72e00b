//! `depthscope --connect URL`: the terminal draws a remote `serve`'s frames instead of running
//! its own feeds. [`attach`] follows `/v1/frames` over a [`link`](super::link), publishes each
//! frame on the same `watch` the local engine would, and the link's state beside it for the
//! header (`REMOTE host`, `LINK DOWN`).
//!
//! Never a frozen screen shown as live: when the link drops (an error, the server closing, or
//! [`SILENCE`](super::link::SILENCE) without an event) the state says so at once and the last frame is published again
//! with every book and derivatives value marked stale, so every pane greys its numbers. The
//! link reconnects with `Last-Event-ID`; the server's first frame makes the screen whole again.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::engine::frame::{DataMode, Frame};
use crate::market::{Nanos, now_nanos};

use super::frames::{FRAME_EVENT, decode};
use super::link::{LinkEvent, Target, follow_target};

/// How long [`attach`] waits for the first frame before giving up (the screen opens only with
/// something to show).
pub const FIRST_FRAME_WITHIN: Duration = Duration::from_secs(10);

/// The largest frame accepted. A demo frame is about 0.5 MB; a busy live market with many
/// books and long tapes is several; beyond this the server is broken or hostile.
const MAX_FRAME_BYTES: usize = 64 << 20;

/// Events the link may hand on ahead of the relay (at most this many frames in memory).
const LINK_QUEUE: usize = 64;

/// The link as the header shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkState {
    /// Frames arrive.
    Up,
    /// No frame since `since` (local time); reconnecting.
    Down { why: String, since: Nanos },
}

/// A remote source for the UI: who, and the link's state.
#[derive(Clone, Debug)]
pub struct Remote {
    /// `host:port` as the header shows it.
    pub host: String,
    pub state: watch::Receiver<LinkState>,
}

/// A started attachment: frames for the UI, the link for the header, and the task to join.
pub struct Attached {
    pub frames: watch::Receiver<Arc<Frame>>,
    pub remote: Remote,
    pub task: JoinHandle<()>,
}

/// Why attaching failed.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("{0} is not an http:// or https:// URL (e.g. http://127.0.0.1:8787)")]
    BadUrl(String),
    #[error("no frame from {url} within {} s: {why}", FIRST_FRAME_WITHIN.as_secs())]
    NoFrame { url: String, why: String },
}

/// The `host:port` of a base URL, or why it is not one.
pub fn host_of(base: &str) -> Result<String, AttachError> {
    let url = reqwest::Url::parse(base).map_err(|_| AttachError::BadUrl(base.to_owned()))?;
    match (url.scheme(), url.host_str()) {
        ("http" | "https", Some(host)) => Ok(match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }),
        _ => Err(AttachError::BadUrl(base.to_owned())),
    }
}

/// Connects to `base` (sending `key` as `X-API-Key`), waits for the first frame, and keeps
/// following until `cancel`.
pub async fn attach(
    base: &str,
    key: Option<String>,
    cancel: CancellationToken,
) -> Result<Attached, AttachError> {
    let host = host_of(base)?;
    let target = Target {
        url: format!("{}/v1/frames", base.trim_end_matches('/')),
        key,
        max_event_bytes: MAX_FRAME_BYTES,
        // Decoded here, and only the newest of those waiting.
        raw_data: true,
    };
    let url = target.url.clone();
    // Room for the frames that arrive while one is decoded, so the link keeps reading the
    // socket (and sees the server go away) rather than waiting behind a backlog there; only the
    // newest waiting frame is decoded. Full, it holds the link back: memory stays bounded.
    let (tx, mut events) = mpsc::channel(LINK_QUEUE);
    let link = tokio::spawn({
        let cancel = cancel.clone();
        async move { follow_target(&target, tx, cancel).await }
    });
    let mut why = String::from("the server sent nothing");
    let first = tokio::time::timeout(FIRST_FRAME_WITHIN, async {
        while let Some(event) = events.recv().await {
            match event {
                LinkEvent::Event(e) if e.event == FRAME_EVENT => match decode(&e.data) {
                    Ok(frame) => return Some(frame),
                    Err(e) => why = e,
                },
                LinkEvent::Down { why: w } => why = w,
                _ => {}
            }
        }
        None
    })
    .await;
    let Ok(Some(first)) = first else {
        cancel.cancel();
        let _ = link.await;
        return Err(AttachError::NoFrame { url, why });
    };
    let (frames_tx, frames) = watch::channel(Arc::new(arrived(first, now_nanos())));
    let (state_tx, state) = watch::channel(LinkState::Up);
    let task = tokio::spawn(async move {
        relay(events, &frames_tx, &state_tx, now_nanos).await;
        let _ = link.await;
    });
    Ok(Attached {
        frames,
        remote: Remote { host, state },
        task,
    })
}

/// Turns link events into frames and states until the link ends. Of the frames waiting, only
/// the newest is decoded (a screen wants the present: a slow terminal never falls behind). While
/// the link is down, the last frame is published again every second, stale, its ages grown by
/// the time without news.
pub async fn relay(
    mut events: mpsc::Receiver<LinkEvent>,
    frames: &watch::Sender<Arc<Frame>>,
    state: &watch::Sender<LinkState>,
    clock: fn() -> Nanos,
) {
    let mut last = (frames.borrow().clone(), clock());
    let mut ageing = tokio::time::interval(Duration::from_secs(1));
    ageing.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let down = matches!(*state.borrow(), LinkState::Down { .. });
        let mut batch = tokio::select! {
            event = events.recv() => match event {
                None => return,
                Some(event) => vec![event],
            },
            _ = ageing.tick(), if down => {
                frames.send_replace(Arc::new(marked_stale(&last.0, clock().saturating_sub(last.1))));
                continue;
            }
        };
        while let Ok(event) = events.try_recv() {
            batch.push(event);
        }
        let newest = batch.iter().rposition(is_frame);
        for (i, event) in batch.into_iter().enumerate() {
            let why = match event {
                LinkEvent::Event(e) if Some(i) == newest => match decode(&e.data) {
                    Ok(frame) => {
                        let now = clock();
                        last = (Arc::new(arrived(frame, now)), now);
                        frames.send_replace(last.0.clone());
                        state.send_if_modified(|s| replace(s, LinkState::Up));
                        continue;
                    }
                    Err(why) => why,
                },
                LinkEvent::Down { why } => why,
                LinkEvent::Up | LinkEvent::Event(_) => continue,
            };
            let now = clock();
            // The greyed frame first: whoever sees the link down sees it greyed too.
            if *state.borrow() == LinkState::Up {
                frames.send_replace(Arc::new(marked_stale(&last.0, now.saturating_sub(last.1))));
                ageing.reset();
            }
            state.send_if_modified(|s| {
                let since = match s {
                    LinkState::Down { since, .. } => *since,
                    LinkState::Up => now,
                };
                replace(s, LinkState::Down { why, since })
            });
        }
    }
}

fn is_frame(event: &LinkEvent) -> bool {
    matches!(event, LinkEvent::Event(e) if e.event == FRAME_EVENT)
}

fn replace(state: &mut LinkState, new: LinkState) -> bool {
    let changed = *state != new;
    *state = new;
    changed
}

/// The frame as this terminal received it: its time is the local arrival (the header's
/// freshness must not depend on the two machines' clocks agreeing), except for a replay, whose
/// time is the capture's clock.
fn arrived(mut frame: Frame, now: Nanos) -> Frame {
    if !matches!(frame.mode, DataMode::Replay { .. }) {
        frame.at = now;
    }
    frame
}

/// `frame`, received `since` ago, with every book and derivatives value marked stale and its
/// ages grown by `since`: what the server sent last, no longer live. The cross-venue reads
/// (composites and analytics) are dropped: the engine computes them over fresh books only, and
/// none is fresh any more, so a local engine would show none either (they come back with the
/// next frame).
pub fn marked_stale(frame: &Frame, since: Nanos) -> Frame {
    let since_ms = since as f64 / 1e6;
    let grown = |age: &mut Option<f64>| *age = age.map(|a| a + since_ms);
    let mut frame = frame.clone();
    for symbol in &mut frame.symbols {
        symbol.composites = Default::default();
        symbol.analytics = Default::default();
    }
    for book in frame.symbols.iter_mut().flat_map(|s| &mut s.books) {
        book.stale = true;
        book.derivs.stale = true;
        grown(&mut book.book_age_ms);
        grown(&mut book.exch_age_ms);
    }
    for venue in &mut frame.venues {
        grown(&mut venue.last_message_age_ms);
    }
    frame
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::frames::Encoded;
    use crate::serve::link::SseEvent;
    use crate::ui::tests::fixtures;

    #[test]
    fn a_dropped_link_drops_the_analytics_too() {
        let mut frame = fixtures::frame();
        let btc = &mut frame.symbols[0];
        btc.analytics = std::sync::Arc::new(crate::engine::analytics_reads::fixture::filled(btc));
        assert!(frame.symbols[0].analytics.regime.label.is_some());
        let greyed = marked_stale(&frame, 1_000_000_000);
        assert!(
            greyed
                .symbols
                .iter()
                .all(|s| *s.analytics == Default::default())
        );
    }

    fn frame_event(frame: &Frame) -> LinkEvent {
        LinkEvent::Event(SseEvent {
            event: FRAME_EVENT.into(),
            id: Some(format!("1:{}:0", frame.seq)),
            data: serde_json::from_str(Encoded::of(frame).json()).unwrap(),
        })
    }

    fn books(frame: &Frame) -> impl Iterator<Item = &crate::engine::frame::BookFrame> {
        frame.symbols.iter().flat_map(|s| &s.books)
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_link_greys_the_last_frame_ages_it_and_a_new_frame_brings_it_back() {
        static NOW: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        NOW.store(fixtures::NOW, std::sync::atomic::Ordering::Relaxed);
        let clock = || NOW.load(std::sync::atomic::Ordering::Relaxed);
        let mut first = fixtures::frame();
        for book in first.symbols.iter_mut().flat_map(|s| &mut s.books) {
            (book.stale, book.derivs.stale) = (false, false);
            book.book_age_ms = Some(50.0);
        }
        let (frames_tx, mut frames) = watch::channel(Arc::new(first.clone()));
        let (state_tx, mut state) = watch::channel(LinkState::Up);
        let (tx, rx) = mpsc::channel(8);
        let relay = tokio::spawn(async move { relay(rx, &frames_tx, &state_tx, clock).await });

        tx.send(LinkEvent::Down {
            why: "the server closed the stream".into(),
        })
        .await
        .unwrap();
        state.changed().await.unwrap();
        assert_eq!(
            *state.borrow_and_update(),
            LinkState::Down {
                why: "the server closed the stream".into(),
                since: fixtures::NOW,
            }
        );
        frames.changed().await.unwrap();
        let greyed = frames.borrow_and_update().clone();
        assert!(books(&greyed).all(|b| b.stale && b.derivs.stale));
        assert!(
            first
                .symbols
                .iter()
                .any(|s| s.composites.directional_pressure.is_some()),
            "the fixture has cross-venue reads to drop"
        );
        assert!(
            greyed
                .symbols
                .iter()
                .all(|s| s.composites == Default::default())
        );

        // A second later, the same frame, its ages grown by that second.
        NOW.fetch_add(1_000_000_000, std::sync::atomic::Ordering::Relaxed);
        frames.changed().await.unwrap();
        let aged = frames.borrow_and_update().clone();
        for (old, new) in books(&first).zip(books(&aged)) {
            let grown = new.book_age_ms.unwrap() - old.book_age_ms.unwrap();
            assert!((grown - 1000.0).abs() < 1e-6, "{grown}");
        }

        // A frame that cannot be read keeps it down, with the reason.
        tx.send(LinkEvent::Event(SseEvent {
            event: FRAME_EVENT.into(),
            id: None,
            data: serde_json::json!({"v": 99}),
        }))
        .await
        .unwrap();
        state.changed().await.unwrap();
        assert!(
            matches!(&*state.borrow_and_update(), LinkState::Down { why, since }
                if why.contains("version 99") && *since == fixtures::NOW),
            "the outage keeps its start"
        );

        // A frame: up again, shown as the server built it (its time is the arrival's).
        let mut next = first.clone();
        next.seq += 1;
        tx.send(frame_event(&next)).await.unwrap();
        state.changed().await.unwrap();
        assert_eq!(*state.borrow_and_update(), LinkState::Up);
        let shown = frames.borrow_and_update().clone();
        assert_eq!(shown.seq, next.seq);
        assert_eq!(shown.at, clock());
        assert!(books(&shown).all(|b| !b.stale));
        drop(tx);
        relay.await.unwrap();
    }
}
