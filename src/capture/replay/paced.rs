//! Replay at capture pace (`--speed N`), with pause and speed controls from the UI.

use super::{Event, LineError, Replayer, Report};
use crate::capture::reader::CaptureReader;
use crate::feed::event::MarketEvent;
use crate::instrument::Instrument;
use crate::market::Nanos;
use std::time::Duration;

/// Capture-time gaps longer than this are skipped by a paced replay unless told otherwise
/// (`--max-gap`): a recorder that slept, or one bad timestamp, must not stop the screen.
pub const DEFAULT_MAX_GAP: Duration = Duration::from_secs(60);

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
    /// Gaps in capture time longer than the limit, skipped so far.
    pub skipped_gaps: u64,
}

/// Replay `path` into `events` in capture time × `speed` (`None`: as fast as possible),
/// obeying `controls` (pause, faster, slower) and publishing progress on `state`. A jump in
/// capture time (ahead or back) longer than `max_gap` is skipped, counted and reported, rather
/// than waited for: one event stamped 31 years ahead used to stop the replay for good. Returns
/// the report when the capture ends or `cancel` fires. The file is read on a blocking thread so
/// a slow disk never stalls the runtime.
#[allow(clippy::too_many_arguments)]
pub async fn run_paced(
    path: std::path::PathBuf,
    speed: Option<f64>,
    max_gap: Duration,
    registry: Vec<Instrument>,
    events: tokio::sync::mpsc::Sender<MarketEvent>,
    mut controls: Option<tokio::sync::mpsc::Receiver<crate::control::ReplayControl>>,
    state: tokio::sync::watch::Sender<ReplayState>,
    cancel: tokio_util::sync::CancellationToken,
) -> std::io::Result<Report> {
    use crate::control::ReplayControl;
    use tokio::time::Instant;

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
    // The capture time of the event replayed last (the clock is the latest of all).
    let mut last_t: Option<Nanos> = None;
    let max_gap = u64::try_from(max_gap.as_nanos()).unwrap_or(u64::MAX);
    let started = std::time::Instant::now();
    let publish = |replayer: &Replayer, speed, paused, finished| {
        state.send_replace(ReplayState {
            file: path.display().to_string(),
            clock: replayer.clock(),
            speed,
            paused,
            finished,
            skipped_gaps: replayer.skipped_gaps(),
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
        if let Some(prev) = last_t
            && event.t.abs_diff(prev) > max_gap
        {
            replayer.skip_gap(line, prev, event.t);
            anchor = None;
        }
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
                    anchor = Some((Instant::now(), last_t.unwrap_or(event.t)));
                    publish(&replayer, speed, paused, false);
                }
            }
        }
        let mut closed = false;
        let mut pending = Vec::new();
        replayer.feed(line, &event, &mut |e| pending.push(e));
        last_t = Some(event.t);
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
        capture_with_times(path, [0, 1, 2, 3].map(|s| T0 + s * 1_000_000_000));
    }

    /// [`capture`] with the four book frames at the capture times `times`.
    fn capture_with_times(path: &std::path::Path, times: [Nanos; 4]) {
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
        for (frame, t) in frames.into_iter().zip(times) {
            event(
                t,
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
            skipped_gaps: 0,
        });
        let cancel = CancellationToken::new();
        let run = tokio::spawn(run_paced(
            file.to_path_buf(),
            Some(2.0),
            DEFAULT_MAX_GAP,
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
            skipped_gaps: 0,
        });
        let cancel = CancellationToken::new();
        let run = tokio::spawn(run_paced(
            file.to_path_buf(),
            Some(1.0),
            DEFAULT_MAX_GAP,
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

    /// One event stamped 31 years ahead of its neighbours: the replay skips the jump there and
    /// the one back, says so in its state and report, and keeps pace (it used to wait 31 years).
    #[tokio::test(start_paused = true)]
    async fn a_jump_in_capture_time_beyond_the_limit_is_skipped_not_waited_for() {
        const YEAR: Nanos = 365 * 86_400 * 1_000_000_000;
        let file = TempPath::new("paced-gap.ndjson");
        let s = 1_000_000_000;
        capture_with_times(&file, [T0, T0 + s, T0 + 31 * YEAR, T0 + 2 * s]);
        let (tx, mut events) = mpsc::channel(64);
        let (state, state_rx) = watch::channel(ReplayState {
            file: String::new(),
            clock: 0,
            speed: None,
            paused: false,
            finished: false,
            skipped_gaps: 0,
        });
        let start = Instant::now();
        let run = tokio::spawn(run_paced(
            file.to_path_buf(),
            Some(1.0),
            DEFAULT_MAX_GAP,
            Vec::new(),
            tx,
            None,
            state,
            CancellationToken::new(),
        ));
        for _ in 0..4 {
            next_book(&mut events).await;
        }
        // Paused time jumps ahead over any wait: the virtual time taken is what was waited.
        assert!(
            Instant::now() - start <= Duration::from_secs(3),
            "{:?}",
            Instant::now() - start
        );
        let report = run.await.unwrap().unwrap();
        assert_eq!(report.skipped_gaps, 2, "ahead, and back");
        assert!(
            report.notices[0].contains("31.0 years ahead"),
            "{:?}",
            report.notices
        );
        assert!(report.notices[1].contains("back"), "{:?}", report.notices);
        assert_eq!(state_rx.borrow().skipped_gaps, 2);
        assert!(report.books[0].valid);
    }
}
