//! The run loop under paused time with a `TestBackend` and scripted input: frames only mark
//! the screen dirty and are drawn at most `fps` times a second, keys draw at once, and the loop
//! stops for quit, cancellation, `--exit-after` and signals.

use super::{fixtures, settings, text};
use crate::config::watchlist::Edit;
use crate::control::{ReplayControl, WatchApplied, WatchReply, WatchRequest};
use crate::engine::frame::{DataMode, Frame};
use crate::market::VenueId;
use crate::ui::app::App;
use crate::ui::report::{ExitReason, Stats};
use crate::ui::run::{LoopIo, run_loop};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::sleep;
use tokio_util::sync::CancellationToken;

const MS: Duration = Duration::from_millis(1);

struct Harness {
    frames: watch::Sender<Arc<Frame>>,
    keys: mpsc::UnboundedSender<io::Result<Event>>,
    cancel: CancellationToken,
}

fn frame(seq: u64) -> Arc<Frame> {
    Arc::new(fixtures::frame_at(
        seq,
        fixtures::NOW + seq * 10_000_000,
        DataMode::Live,
    ))
}

fn key(c: char) -> io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

/// Runs the loop on `first` while `script` drives it; returns the outcome and the harness.
async fn run<F>(
    first: Frame,
    exit_after: Option<Duration>,
    controls: Option<mpsc::Sender<ReplayControl>>,
    script: impl FnOnce(Harness) -> F,
) -> (io::Result<(ExitReason, Stats)>, Terminal<TestBackend>)
where
    F: std::future::Future<Output = Harness>,
{
    run_watched(first, exit_after, controls, None, script).await
}

/// [`run`] with `:add`/`:rm` going to `watch`.
async fn run_watched<F>(
    first: Frame,
    exit_after: Option<Duration>,
    controls: Option<mpsc::Sender<ReplayControl>>,
    watch: Option<mpsc::Sender<WatchRequest>>,
    script: impl FnOnce(Harness) -> F,
) -> (io::Result<(ExitReason, Stats)>, Terminal<TestBackend>)
where
    F: std::future::Future<Output = Harness>,
{
    let (frames_tx, frames_rx) = watch::channel(Arc::new(first));
    let (keys_tx, mut keys_rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let mut app = App::new(
        settings("default", false, controls.is_some()),
        frames_rx.borrow().clone(),
    );
    let io = LoopIo {
        fps: 10,
        exit_after,
        measure_repaint: true,
        controls,
        watch,
        cancel: cancel.clone(),
        shutdown: Box::pin(std::future::pending()),
        clock: || fixtures::NOW,
        link: None,
    };
    let events = futures_util::stream::poll_fn(move |cx| keys_rx.poll_recv(cx));
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let harness = Harness {
        frames: frames_tx,
        keys: keys_tx,
        cancel,
    };
    let (result, harness) = tokio::join!(
        run_loop(&mut terminal, &mut app, events, frames_rx, io),
        script(harness)
    );
    drop(harness);
    (result, terminal)
}

fn screen(terminal: &Terminal<TestBackend>) -> String {
    text(terminal.backend().buffer())
}

#[tokio::test(start_paused = true)]
async fn a_flood_of_frames_is_drawn_at_most_fps_times_a_second() {
    let (result, _) = run(fixtures::frame(), None, None, |h| async move {
        // One second of frames at 200 per second.
        for seq in 2..202 {
            h.frames.send(frame(seq)).unwrap();
            sleep(5 * MS).await;
        }
        h.cancel.cancel();
        h
    })
    .await;
    let (reason, stats) = result.unwrap();
    assert_eq!(reason, ExitReason::Cancelled);
    assert_eq!(stats.frames_received, 200);
    // The first draw, then one per 100 ms slot.
    assert!(
        (10..=12).contains(&stats.frames_drawn),
        "{} draws",
        stats.frames_drawn
    );
    assert!(stats.ingest_to_draw.count() >= 9);
    assert!(
        stats.ingest_to_draw.percentile_ms(99.0).unwrap() <= 101.0,
        "a frame waits at most one slot"
    );
    // Every draw was measured against a full repaint of the 100×30 screen (3,000 cells).
    assert!(
        stats.full_repaint_bytes >= stats.frames_drawn * 3_000,
        "{}",
        stats.full_repaint_bytes
    );
}

#[tokio::test(start_paused = true)]
async fn keys_redraw_at_once_but_frames_wait_for_their_slot() {
    let (result, terminal) = run(fixtures::frame(), None, None, |h| async move {
        sleep(150 * MS).await;
        h.keys.send(key('2')).unwrap();
        sleep(MS).await;
        h.frames.send(frame(77)).unwrap();
        sleep(MS).await;
        h.cancel.cancel();
        h
    })
    .await;
    result.unwrap();
    let screen = screen(&terminal);
    assert!(
        screen.contains("Ladder"),
        "the key was drawn 1 ms after it came:\n{screen}"
    );
    assert!(
        screen.contains("#1") && !screen.contains("#77"),
        "the frame waits for the next slot:\n{screen}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_loop_stops_on_quit_and_after_exit_after() {
    let (result, _) = run(fixtures::frame(), None, None, |h| async move {
        h.keys.send(key('q')).unwrap();
        h
    })
    .await;
    assert_eq!(result.unwrap().0, ExitReason::Quit);
    let started = tokio::time::Instant::now();
    let (result, _) = run(
        fixtures::frame(),
        Some(Duration::from_secs(2)),
        None,
        |h| async move { h },
    )
    .await;
    assert_eq!(result.unwrap().0, ExitReason::ExitAfter);
    assert_eq!(started.elapsed().as_secs(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_source_that_ends_is_labelled_and_the_ui_keeps_running() {
    let (result, terminal) = run(
        fixtures::frame(),
        Some(Duration::from_secs(1)),
        None,
        |h| async move {
            // The engine goes away; keys and cancellation stay connected.
            let Harness {
                frames,
                keys,
                cancel,
            } = h;
            drop(frames);
            Harness {
                frames: watch::channel(frame(0)).0,
                keys,
                cancel,
            }
        },
    )
    .await;
    assert_eq!(result.unwrap().0, ExitReason::ExitAfter);
    assert!(screen(&terminal).contains("FEED ENDED"));
}

#[tokio::test(start_paused = true)]
async fn replay_keys_reach_the_replay_driver() {
    let (tx, mut rx) = mpsc::channel(4);
    let (result, _) = run(fixtures::replay_frame(), None, Some(tx), |h| async move {
        h.keys.send(key(' ')).unwrap();
        h.keys.send(key('>')).unwrap();
        sleep(MS).await;
        h.cancel.cancel();
        h
    })
    .await;
    result.unwrap();
    assert_eq!(rx.recv().await, Some(ReplayControl::TogglePause));
    assert_eq!(rx.recv().await, Some(ReplayControl::Faster));
}

#[tokio::test(start_paused = true)]
async fn the_screen_follows_the_clock_without_new_frames() {
    // No frames and no keys: the once-a-second tick still redraws (ages move).
    let (result, _) = run(
        fixtures::frame(),
        Some(Duration::from_millis(3_500)),
        None,
        |h| async move { h },
    )
    .await;
    let (_, stats) = result.unwrap();
    assert!(
        (4..=6).contains(&stats.frames_drawn),
        "{}",
        stats.frames_drawn
    );
}

/// In a paused replay the driver publishes nothing new, so a key's effect must not wait for a
/// frame: the speed asked for, the view and the sort order are on screen 1 ms after the key.
#[tokio::test(start_paused = true)]
async fn every_key_shows_in_the_same_loop_turn_even_in_a_paused_replay() {
    let (tx, _rx) = mpsc::channel(8);
    let (result, terminal) = run(fixtures::replay_frame(), None, Some(tx), |h| async move {
        sleep(150 * MS).await;
        h.keys.send(key('>')).unwrap();
        sleep(MS).await;
        h.keys.send(key('>')).unwrap();
        sleep(MS).await;
        h.keys.send(key('S')).unwrap();
        sleep(MS).await;
        h.cancel.cancel();
        h
    })
    .await;
    result.unwrap();
    let shown = screen(&terminal);
    assert!(
        shown.contains("x40 PAUSED"),
        "two doublings of x10:\n{shown}"
    );
    assert!(
        shown.contains("watchlist order, reversed"),
        "S shows at once:\n{shown}"
    );
    let (tx, _rx) = mpsc::channel(8);
    let (result, terminal) = run(fixtures::replay_frame(), None, Some(tx), |h| async move {
        sleep(150 * MS).await;
        h.keys.send(key(' ')).unwrap();
        h.keys.send(key('3')).unwrap();
        sleep(MS).await;
        h.cancel.cancel();
        h
    })
    .await;
    result.unwrap();
    let shown = screen(&terminal);
    assert!(
        shown.contains("x10") && !shown.contains("PAUSED"),
        "space resumes at once:\n{shown}"
    );
    assert!(shown.contains("Heatmap │"), "3 shows at once:\n{shown}");
}

/// The screen after `line` is typed on the command line, with the running feeds (the
/// session's side) answering as `answer` says; and the changes they were asked for.
async fn command_with_feeds(
    line: &str,
    answer: fn(&Edit) -> Result<WatchApplied, String>,
) -> (String, Vec<Edit>) {
    let (watch_tx, mut requests) = mpsc::channel::<WatchRequest>(4);
    let feeds = tokio::spawn(async move {
        let mut asked = Vec::new();
        while let Some(request) = requests.recv().await {
            asked.push(request.edit.clone());
            let outcome = answer(&request.edit);
            let reply = WatchReply {
                edit: request.edit,
                outcome,
            };
            let _ = request.reply.send(reply).await;
        }
        asked
    });
    let line = line.to_owned();
    let (result, terminal) = run_watched(
        fixtures::frame(),
        None,
        None,
        Some(watch_tx),
        |h| async move {
            h.keys.send(key(':')).unwrap();
            for c in line.chars() {
                h.keys.send(key(c)).unwrap();
            }
            let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
            h.keys.send(Ok(Event::Key(enter))).unwrap();
            sleep(50 * MS).await;
            h.cancel.cancel();
            h
        },
    )
    .await;
    result.unwrap();
    (screen(&terminal), feeds.await.unwrap())
}

/// `:add` goes to the running feeds and the command line says what they did, never "from the
/// next start"; a symbol no venue lists is refused with the feeds' reason.
#[tokio::test(start_paused = true)]
async fn add_is_applied_by_the_running_feeds_and_the_screen_says_what_they_did() {
    let (screen, asked) = command_with_feeds("add sol", |_| {
        Ok(WatchApplied {
            changed: vec![(VenueId::Binance, 1), (VenueId::Okx, 2)],
            not_listed: vec![VenueId::Kraken],
            not_running: Vec::new(),
        })
    })
    .await;
    assert_eq!(asked, [Edit::Add("SOL".into())]);
    assert!(
        screen.contains("SOL added on 2 venues (3 books), not listed on kraken"),
        "{screen}"
    );
    assert!(!screen.contains("next start"), "{screen}");

    let (screen, asked) = command_with_feeds("add doge", |edit| {
        Err(format!(
            "{edit:?} is not listed on any watched venue (2 checked); nothing changed"
        ))
    })
    .await;
    assert_eq!(asked, [Edit::Add("DOGE".into())]);
    assert!(
        screen.contains("not listed on any watched venue"),
        "{screen}"
    );
    assert!(!screen.contains("next start"), "{screen}");
}
