//! [`run_engine`]: the engine task. It owns the [`Engine`], applies venue events as they come,
//! and publishes one `Arc<Frame>` per tick on a `watch` (latest wins, nothing backs up); alerts go
//! out on their own bounded channel ([`outbox`](super::outbox)).
//!
//! Live, ticks follow a timer on the wall clock. In a replay ([`Clock::Capture`]) they follow the
//! capture's own time instead: a tick is taken each time an event crosses a tick boundary, so a
//! replay at `--max` produces the same frames, windows and alerts as one at 1×.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::clock::Clock;
use super::core::{Engine, EngineSettings, event_time};
use super::frame::{Alert, Frame};
use crate::capture::replay::ReplayState;
use crate::feed::event::MarketEvent;
use crate::history::Recorder;
use crate::market::Nanos;

/// The alert channel for [`run_engine`], sized from `[alerts] channel_capacity` (see
/// [`outbox`](super::outbox) for what happens when even that is full).
pub fn alert_channel(settings: &EngineSettings) -> (mpsc::Sender<Alert>, mpsc::Receiver<Alert>) {
    mpsc::channel(settings.alerts.channel_capacity.max(1))
}

/// Runs until `cancel` fires or every event sender is gone (then one last frame is published).
///
/// `replay` is a paced replay's progress: a pause or speed change shows in the header at once,
/// by republishing the latest frame with the new mode (a paused replay sends no events, so no
/// tick would carry it).
pub async fn run_engine(
    mut events: mpsc::Receiver<MarketEvent>,
    frames: watch::Sender<Arc<Frame>>,
    alerts: mpsc::Sender<Alert>,
    settings: EngineSettings,
    clock: Clock,
    mut replay: Option<watch::Receiver<ReplayState>>,
    cancel: CancellationToken,
) {
    let tick_ms = settings.engine.tick_ms.max(1);
    let tick_ns = tick_ms * 1_000_000;
    let mut settings = settings;
    let history = settings.history.take();
    let mut engine = Engine::new(settings).with_alert_sender(alerts);
    let mut recorder = history.map(|h| {
        for (key, seeds) in h.take_seeds() {
            engine.seed(&key, seeds);
        }
        engine.set_history(h.sink.clone());
        // A replay waits for the writer (no second of the capture is lost); live never does.
        if clock.is_capture() {
            Recorder::lossless(h.sink)
        } else {
            Recorder::new(h.sink)
        }
    });
    // Readers (the screen, `stream --json`, the SSE hub) get the frame first: the history's
    // rows for the second can wait the few ms their building takes, a reader should not.
    let mut publish = |engine: &mut Engine, frame: Arc<Frame>| {
        frames.send_replace(frame.clone());
        if let Some(r) = recorder.as_mut() {
            r.on_frame(engine, &frame);
        }
    };
    let mut timer = tokio::time::interval(Duration::from_millis(tick_ms));
    timer.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let timed = !clock.is_capture();
    // Capture time: the next boundary a tick is due at.
    let mut next_boundary: Option<Nanos> = None;
    // Events applied since the last frame.
    let mut dirty = false;
    loop {
        tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            _ = timer.tick(), if timed => {
                let now = clock.now(engine.latest_event_ts());
                let frame = engine.tick(now);
                publish(&mut engine, frame);
                dirty = false;
            }
            changed = replay_changed(&mut replay) => {
                let Some(state) = changed else {
                    replay = None;
                    continue;
                };
                if engine.follow_replay(&state) {
                    let latest = frames.borrow().clone();
                    frames.send_replace(Arc::new(Frame {
                        mode: engine.mode().clone(),
                        ..(*latest).clone()
                    }));
                }
            }
            event = events.recv() => {
                let Some(event) = event else { break };
                if !timed && let Some(t) = event_time(&event) {
                    let boundary = t - t % tick_ns;
                    match next_boundary {
                        Some(due) if t >= due => {
                            let frame = engine.tick(boundary);
                            publish(&mut engine, frame);
                            next_boundary = Some(boundary + tick_ns);
                        }
                        None => next_boundary = Some(boundary + tick_ns),
                        Some(_) => {}
                    }
                }
                engine.on_event(event);
                dirty = true;
            }
        }
    }
    if dirty {
        let now = clock.now(engine.latest_event_ts());
        let frame = engine.tick(now);
        publish(&mut engine, frame);
    }
}

/// The next replay progress, or `None` once the replay task has gone (never, without a replay).
async fn replay_changed(replay: &mut Option<watch::Receiver<ReplayState>>) -> Option<ReplayState> {
    match replay {
        Some(rx) => match rx.changed().await {
            Ok(()) => Some(rx.borrow_and_update().clone()),
            Err(_) => None,
        },
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::engine::frame::DataMode;
    use crate::feed::event::{BookKey, BookStatus};
    use crate::feed::health::{BookCounters, BookState};
    use crate::market::VenueId;

    fn settings() -> EngineSettings {
        EngineSettings::from_config(&Config::default(), DataMode::Live)
    }

    fn status(t: Nanos) -> MarketEvent {
        MarketEvent::BookStatus(BookStatus {
            key: BookKey::new(VenueId::Okx, "BTC-USDT"),
            local_ts: t,
            state: BookState::Syncing,
            counters: BookCounters::default(),
        })
    }

    #[tokio::test]
    async fn capture_clock_ticks_on_event_time_whatever_the_pace() {
        let (tx, rx) = mpsc::channel(64);
        let (frames_tx, mut frames) = watch::channel(Engine::new(settings()).tick(0));
        let (alerts_tx, _alerts) = alert_channel(&settings());
        let task = tokio::spawn(run_engine(
            rx,
            frames_tx,
            alerts_tx,
            settings(),
            Clock::Capture,
            None,
            CancellationToken::new(),
        ));
        // 0.1 s … 1.0 s of capture time, sent at once: ticks at 0.25, 0.5, 0.75 and 1.0 s, each
        // taken when the first event at or past its boundary arrives (before applying it), then
        // a last frame with everything applied.
        for i in 1..=10u64 {
            tx.send(status(i * 100_000_000)).await.unwrap();
        }
        drop(tx);
        task.await.unwrap();
        let last = frames.borrow_and_update().clone();
        assert_eq!(last.at, 1_000_000_000);
        assert_eq!(last.seq, 5);
    }

    #[tokio::test(start_paused = true)]
    async fn a_timer_drives_live_ticks_and_cancel_stops_the_task() {
        let (_tx, rx) = mpsc::channel::<MarketEvent>(8);
        let (clock, _handle) = Clock::manual(5);
        let (frames_tx, mut frames) = watch::channel(Engine::new(settings()).tick(0));
        let (alerts_tx, _alerts) = mpsc::channel(8);
        let cancel = CancellationToken::new();
        let task = tokio::spawn(run_engine(
            rx,
            frames_tx,
            alerts_tx,
            settings(),
            clock,
            None,
            cancel.clone(),
        ));
        frames.changed().await.unwrap();
        frames.changed().await.unwrap();
        let f = frames.borrow_and_update().clone();
        assert_eq!((f.seq, f.at), (2, 5));
        cancel.cancel();
        task.await.unwrap();
    }

    /// A pause arrives while no events flow: the header learns it from a republished frame.
    #[tokio::test]
    async fn replay_pause_and_speed_are_republished_at_once() {
        let (tx, rx) = mpsc::channel::<MarketEvent>(8);
        let mode = DataMode::Replay {
            file: "x.ndjson".into(),
            clock: 0,
            speed: Some(1.0),
            paused: false,
            skipped_gaps: 0,
        };
        let settings = EngineSettings::from_config(&Config::default(), mode);
        let (frames_tx, mut frames) = watch::channel(Engine::new(settings.clone()).tick(0));
        let state = |speed, paused| ReplayState {
            file: "x.ndjson".into(),
            clock: 7,
            speed,
            paused,
            finished: false,
            skipped_gaps: 0,
        };
        let (state_tx, state_rx) = watch::channel(state(Some(1.0), false));
        let (alerts_tx, _alerts) = alert_channel(&settings);
        let task = tokio::spawn(run_engine(
            rx,
            frames_tx,
            alerts_tx,
            settings,
            Clock::Capture,
            Some(state_rx),
            CancellationToken::new(),
        ));
        state_tx.send_replace(state(Some(4.0), true));
        frames.changed().await.unwrap();
        let f = frames.borrow_and_update().clone();
        assert_eq!(
            f.mode,
            DataMode::Replay {
                file: "x.ndjson".into(),
                clock: 0,
                speed: Some(4.0),
                paused: true,
                skipped_gaps: 0,
            }
        );
        assert_eq!(f.seq, 1, "the same frame, restamped");
        drop(state_tx);
        drop(tx);
        task.await.unwrap();
    }
}
