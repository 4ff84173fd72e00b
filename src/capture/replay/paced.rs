//! Replay at capture pace (`--speed N`), with pause and speed controls from the UI.

use super::{Event, LineError, Replayer, Report};
use crate::capture::reader::CaptureReader;
use crate::feed::event::MarketEvent;
use crate::instrument::Instrument;
use crate::market::Nanos;

/// A paced replay's progress, for the header: REPLAY, its clock, speed and pause.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayState {
    pub file: String,
    /// Capture time of the latest event replayed.
    pub clock: Nanos,
    /// `None`: as fast as possible.
    pub speed: Option<f64>,
    pub paused: bool,
    pub finished: bool,
}

/// Replay `path` into `events` in capture time × `speed` (`None`: as fast as possible),
/// obeying `controls` (pause, faster, slower) and publishing progress on `state`. Returns the
/// report when the capture ends or `cancel` fires. The file is read on a blocking thread so a
/// slow disk never stalls the runtime.
pub async fn run_paced(
    path: std::path::PathBuf,
    speed: Option<f64>,
    registry: Vec<Instrument>,
    events: tokio::sync::mpsc::Sender<MarketEvent>,
    mut controls: Option<tokio::sync::mpsc::Receiver<crate::control::ReplayControl>>,
    state: tokio::sync::watch::Sender<ReplayState>,
    cancel: tokio_util::sync::CancellationToken,
) -> std::io::Result<Report> {
    use crate::control::ReplayControl;
    use tokio::time::{Duration, Instant};

    let mut reader = CaptureReader::open(&path)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<(u64, Event<'static>), LineError>>(1024);
    let stop = cancel.clone();
    let read = tokio::task::spawn_blocking(move || {
        while let Some((line, item)) = reader.next_numbered() {
            let item = item.map(|e| (line, e.into_owned()));
            if stop.is_cancelled() || tx.blocking_send(item).is_err() {
                break;
            }
        }
    });
    let mut replayer = Replayer::new(registry, true);
    let mut speed = speed;
    let mut paused = false;
    // Pacing anchor: capture time `anchor_t` is played at wall instant `anchor`.
    let mut anchor: Option<(Instant, Nanos)> = None;
    let started = std::time::Instant::now();
    let publish = |replayer: &Replayer, speed, paused, finished| {
        state.send_replace(ReplayState {
            file: path.display().to_string(),
            clock: replayer.clock(),
            speed,
            paused,
            finished,
        });
    };
    publish(&replayer, speed, paused, false);
    'events: loop {
        let item = tokio::select! {
            _ = cancel.cancelled() => break,
            item = rx.recv() => item,
        };
        let Some(item) = item else { break };
        let (line, event) = match item {
            Ok(ok) => ok,
            Err(e) => {
                replayer.line_error(e);
                continue;
            }
        };
        // Wait for the event's moment, handling controls meanwhile.
        loop {
            let due = match (speed, anchor) {
                (Some(s), Some((at, t0))) if !paused => {
                    let ahead = event.t.saturating_sub(t0) as f64 / s;
                    Some(at + Duration::from_nanos(ahead as u64))
                }
                (Some(_), None) if !paused => {
                    anchor = Some((Instant::now(), event.t));
                    None
                }
                (None, _) if !paused => None,
                _ => Some(Instant::now() + Duration::from_secs(3600)),
            };
            let Some(due) = due.filter(|d| *d > Instant::now()) else {
                break;
            };
            let control = async {
                match controls.as_mut() {
                    Some(c) => c.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = cancel.cancelled() => break 'events,
                _ = tokio::time::sleep_until(due) => break,
                control = control => {
                    match control {
                        Some(ReplayControl::TogglePause) => paused = !paused,
                        Some(ReplayControl::Faster) => speed = speed.map(|s| (s * 2.0).min(1024.0)),
                        Some(ReplayControl::Slower) => speed = speed.map(|s| (s / 2.0).max(1.0 / 64.0)),
                        None => controls = None,
                    }
                    // Re-anchor at the current position so pauses and speed changes take
                    // effect from now, not retroactively.
                    anchor = Some((Instant::now(), replayer.clock()));
                    publish(&replayer, speed, paused, false);
                }
            }
        }
        let mut closed = false;
        let mut pending = Vec::new();
        replayer.feed(line, &event, &mut |e| pending.push(e));
        for e in pending {
            if events.send(e).await.is_err() {
                closed = true;
            }
        }
        if closed {
            break;
        }
        publish(&replayer, speed, paused, false);
    }
    publish(&replayer, speed, paused, true);
    read.abort();
    Ok(replayer.report(started.elapsed().as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::format::{EventKind, Header, Payload};
    use crate::capture::writer::CaptureWriter;
    use crate::control::ReplayControl;
    use crate::market::VenueId;
    use crate::testutil::TempPath;
    use std::borrow::Cow;
    use tokio::sync::{mpsc, watch};
    use tokio::time::{Duration, Instant};
    use tokio_util::sync::CancellationToken;

    const T0: Nanos = 1_700_000_000_000_000_000;

    fn book(action: &str, prev: i64, seq: i64, bid: &str) -> String {
        format!(
            r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"{action}","data":[{{"asks":[["101","2","0","1"]],"bids":[["100","{bid}","0","1"]],"ts":"1700000000000","checksum":0,"prevSeqId":{prev},"seqId":{seq}}}]}}"#
        )
    }

    /// An OKX capture: open, snapshot at T0, then updates 1 s apart.
    fn capture(path: &std::path::Path) {
        let mut w = CaptureWriter::create(path, &Header::now("paced test")).unwrap();
        let mut event = |t, kind| {
            w.write(&crate::capture::Event {
                t,
                venue: VenueId::Okx,
                kind,
            })
            .unwrap()
        };
        event(
            T0,
            EventKind::Open {
                conn: 1,
                url: Cow::Borrowed("wss://ws.okx.com:8443/ws/v5/public"),
            },
        );
        let frames = [
            book("snapshot", -1, 10, "1"),
            book("update", 10, 11, "2"),
            book("update", 11, 12, "3"),
            book("update", 12, 13, "4"),
        ];
        for (i, frame) in frames.into_iter().enumerate() {
            event(
                T0 + i as u64 * 1_000_000_000,
                EventKind::Recv {
                    conn: 1,
                    payload: Payload::Text(Cow::Owned(frame)),
                },
            );
        }
        w.finish().unwrap();
    }

    /// The next book update, skipping status and instrument events.
    async fn next_book(events: &mut mpsc::Receiver<MarketEvent>) -> Instant {
        loop {
            if let MarketEvent::Book(_) = events.recv().await.expect("replay running") {
                return Instant::now();
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn events_keep_capture_time_and_pause_stops_the_clock() {
        let file = TempPath::new("paced.ndjson");
        capture(&file);
        let (tx, mut events) = mpsc::channel(64);
        let (control, controls) = mpsc::channel(4);
        let (state, state_rx) = watch::channel(ReplayState {
            file: String::new(),
            clock: 0,
            speed: None,
            paused: false,
            finished: false,
        });
        let cancel = CancellationToken::new();
        let run = tokio::spawn(run_paced(
            file.to_path_buf(),
            Some(2.0),
            Vec::new(),
            tx,
            Some(controls),
            state,
            cancel.clone(),
        ));

        let first = next_book(&mut events).await;
        let second = next_book(&mut events).await;
        // 1 s of capture time at speed 2 is half a second.
        assert_eq!(second - first, Duration::from_millis(500));

        control.send(ReplayControl::TogglePause).await.unwrap();
        let silent = tokio::time::timeout(Duration::from_secs(30), next_book(&mut events)).await;
        assert!(silent.is_err(), "nothing replays while paused");
        assert!(state_rx.borrow().paused);

        let resumed = Instant::now();
        control.send(ReplayControl::TogglePause).await.unwrap();
        let third = next_book(&mut events).await;
        assert_eq!(
            third - resumed,
            Duration::from_millis(500),
            "the pause did not eat capture time"
        );

        let report = run.await.unwrap().unwrap();
        assert_eq!(report.events, 5);
        assert!(report.books[0].valid);
        assert!(state_rx.borrow().finished);
        assert_eq!(state_rx.borrow().clock, T0 + 3_000_000_000);
    }

    #[tokio::test(start_paused = true)]
    async fn cancel_stops_a_replay_early() {
        let file = TempPath::new("paced.ndjson");
        capture(&file);
        let (tx, mut events) = mpsc::channel(64);
        let (state, _state_rx) = watch::channel(ReplayState {
            file: String::new(),
            clock: 0,
            speed: None,
            paused: false,
            finished: false,
        });
        let cancel = CancellationToken::new();
        let run = tokio::spawn(run_paced(
            file.to_path_buf(),
            Some(1.0),
            Vec::new(),
            tx,
            None,
            state,
            cancel.clone(),
        ));
        next_book(&mut events).await;
        cancel.cancel();
        let report = run.await.unwrap().unwrap();
        assert!(
            report.events < 5,
            "stopped before the end: {}",
            report.events
        );
    }
}
