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
use super::link::{LinkEvent, follow_url};

/// How long [`attach`] waits for the first frame before giving up (the screen opens only with
/// something to show).
pub const FIRST_FRAME_WITHIN: Duration = Duration::from_secs(10);

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
    let url = format!("{}/v1/frames", base.trim_end_matches('/'));
    let (tx, mut events) = mpsc::channel(16);
    let link = tokio::spawn({
        let (url, cancel) = (url.clone(), cancel.clone());
        async move { follow_url(&url, key.as_deref(), tx, cancel).await }
    });
    let mut why = String::from("the server sent nothing");
    let first = tokio::time::timeout(FIRST_FRAME_WITHIN, async {
        while let Some(event) = events.recv().await {
            match event {
                LinkEvent::Event(e) if e.event == FRAME_EVENT => match decode(e.data) {
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

/// Turns link events into frames and states until the link ends.
pub async fn relay(
    mut events: mpsc::Receiver<LinkEvent>,
    frames: &watch::Sender<Arc<Frame>>,
    state: &watch::Sender<LinkState>,
    clock: fn() -> Nanos,
) {
    while let Some(event) = events.recv().await {
        match event {
            LinkEvent::Up => {}
            LinkEvent::Event(e) if e.event == FRAME_EVENT => match decode(e.data) {
                Ok(frame) => {
                    frames.send_replace(Arc::new(arrived(frame, clock())));
                    state.send_if_modified(|s| replace(s, LinkState::Up));
                }
                Err(why) => down(frames, state, why, clock()),
            },
            LinkEvent::Event(_) => {}
            LinkEvent::Down { why } => down(frames, state, why, clock()),
        }
    }
}

fn replace(state: &mut LinkState, new: LinkState) -> bool {
    let changed = *state != new;
    *state = new;
    changed
}

/// Marks the link down (keeping the first `since` of an outage) and greys what is on screen.
fn down(frames: &watch::Sender<Arc<Frame>>, state: &watch::Sender<LinkState>, why: String, now: Nanos) {
    let was_up = *state.borrow() == LinkState::Up;
    state.send_if_modified(|s| {
        let since = match s {
            LinkState::Down { since, .. } => *since,
            LinkState::Up => now,
        };
        replace(s, LinkState::Down { why, since })
    });
    if was_up {
        let stale = marked_stale(&frames.borrow());
        frames.send_replace(Arc::new(stale));
    }
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

/// `frame` with every book and derivatives value marked stale: what the server sent last, no
/// longer live.
pub fn marked_stale(frame: &Frame) -> Frame {
    let mut frame = frame.clone();
    for book in frame.symbols.iter_mut().flat_map(|s| &mut s.books) {
        book.stale = true;
        book.derivs.stale = true;
    }
    frame
}
