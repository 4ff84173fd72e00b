//! Running the UI: [`run_tui`] on the real terminal, over [`run_loop`], which is generic over the
//! backend and the event stream so tests drive it with a `TestBackend`, scripted keys and
//! paused time.
//!
//! The loop waits on keys, frame changes, the next draw slot, a once-a-second tick (ages on
//! screen move even when no data does), signals and the exit timer. Keys redraw at once; frames
//! only mark the screen dirty ([`Pacer`]).

use crate::cli::RunArgs;
use crate::config::watchlist::{self, Edit};
use crate::config::{Config, ConfigError};
use crate::control::{ReplayControl, WatchReply, WatchRequest};
use crate::engine::frame::Frame;
use crate::market::Nanos;
use crate::serve::attach::{LinkState, Remote};
use crate::ui::action::{Action, Command};
use crate::ui::app::{App, AppSettings, Effect};
use crate::ui::keymap::{Keymap, key_of};
use crate::ui::model::history::{self, HistoryAsk, Outcome};
use crate::ui::model::sparks;
use crate::ui::pacing::Pacer;
use crate::ui::report::{ExitReason, RunReport, Stats};
use crate::ui::term::{self, SyncBackend};
use crate::ui::theme::{ColorDepth, Theme, ThemeChoice};
use crossterm::event::{Event, KeyEventKind, MouseButton, MouseEventKind};
use futures_util::{FutureExt, Stream, StreamExt};
use ratatui::Terminal;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior, interval, sleep_until};
use tokio_util::sync::CancellationToken;

/// Everything the UI needs besides its frames, resolved from config and command line.
pub struct UiOptions {
    pub fps: u32,
    pub ascii: bool,
    pub mouse: bool,
    pub theme: Theme,
    pub keymap: Keymap,
    pub ladder_depth: usize,
    pub heatmap_column_ms: u64,
    pub exit_after: Option<Duration>,
    pub report_on_exit: Option<PathBuf>,
    /// Shown in the log pane's title.
    pub log_file: Option<PathBuf>,
    /// Where `:add`/`:rm` save the watch list.
    pub config_file: Option<PathBuf>,
    /// The history file the History view reads; `None`: history is off.
    pub history_file: Option<PathBuf>,
    /// Frames come from a remote `serve` (`--connect`): shown in the header with its link.
    pub remote: Option<Remote>,
    /// Where `:add`/`:rm` are applied to the running feeds; `None` (a replay): only saved.
    pub watch: Option<mpsc::Sender<WatchRequest>>,
}

/// The environment variables the UI honours.
#[derive(Clone, Debug, Default)]
pub struct UiEnv {
    /// `NO_COLOR` set to something non-empty.
    pub no_color: bool,
    pub colorterm: Option<String>,
    /// The user's config dir (themes there override built-ins).
    pub config_dir: Option<PathBuf>,
}

impl UiEnv {
    pub fn from_process() -> UiEnv {
        UiEnv {
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            colorterm: std::env::var("COLORTERM").ok(),
            config_dir: crate::config::config_dir(),
        }
    }
}

impl UiOptions {
    /// Command-line flags win over `[ui]`; `NO_COLOR` picks `mono` unless `--theme` is given.
    pub fn resolve(config: &Config, run: &RunArgs, env: &UiEnv) -> Result<UiOptions, ConfigError> {
        let ui = &config.ui;
        let fps = run.fps.unwrap_or(ui.fps);
        if !(1..=60).contains(&fps) {
            return Err(ConfigError::Invalid {
                file: "--fps".into(),
                message: format!("--fps must be 1 to 60, got {fps}"),
            });
        }
        let theme = Theme::choose(&ThemeChoice {
            cli: run.theme.as_deref(),
            no_color: env.no_color,
            config: &ui.theme,
            overrides: &config.theme_overrides,
            depth: ColorDepth::detect(ui.color, env.colorterm.as_deref()),
            config_dir: env.config_dir.as_deref(),
        })?;
        let keymap = Keymap::new(&config.keybindings).map_err(|e| ConfigError::Invalid {
            file: "[keybindings]".into(),
            message: e.to_string(),
        })?;
        Ok(UiOptions {
            fps,
            ascii: run.ascii || ui.ascii,
            mouse: ui.mouse,
            theme,
            keymap,
            ladder_depth: ui.ladder_depth,
            heatmap_column_ms: ui.heatmap_column_ms,
            exit_after: run.exit_after,
            report_on_exit: run.report_on_exit.clone(),
            log_file: None,
            config_file: None,
            history_file: None,
            remote: None,
            watch: None,
        })
    }
}

/// Why [`run_tui`] failed.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error("terminal: {0}")]
    Terminal(#[from] io::Error),
    #[error("cannot write the run report to {path}: {source}")]
    Report { path: String, source: io::Error },
}

/// Shows `frames` on the terminal until the user quits, `cancel` fires, SIGTERM/SIGHUP arrive or
/// `--exit-after` elapses; the terminal is restored on every path (panics included). Replay keys
/// are sent on `controls` when given. Writes `--report-on-exit` and returns the same report.
pub async fn run_tui(
    frames: watch::Receiver<Arc<Frame>>,
    options: UiOptions,
    controls: Option<mpsc::Sender<ReplayControl>>,
    cancel: CancellationToken,
) -> Result<RunReport, UiError> {
    let started = Instant::now();
    let first = frames.borrow().clone();
    let mut app = App::new(
        AppSettings {
            keymap: options.keymap,
            theme: options.theme,
            ascii: options.ascii,
            ladder_depth: options.ladder_depth,
            heatmap_column_ms: options.heatmap_column_ms,
            replay_controls: controls.is_some(),
            log_file: options.log_file,
            config_file: options.config_file,
            history_file: options.history_file,
        },
        first,
    );
    if let Some(remote) = &options.remote {
        app.set_remote(&remote.host, remote.state.borrow().clone());
    }
    let (mut terminal, bytes, guard) = term::enter(options.mouse)?;
    let io = LoopIo {
        fps: options.fps,
        exit_after: options.exit_after,
        measure_repaint: options.report_on_exit.is_some(),
        controls,
        watch: options.watch,
        cancel,
        shutdown: Box::pin(shutdown_signal()),
        clock: crate::market::now_nanos,
        link: options.remote.map(|r| r.state),
    };
    let events = crossterm::event::EventStream::new();
    let outcome = run_loop(&mut terminal, &mut app, events, frames, io).await;
    drop(terminal);
    drop(guard);
    let (exit, stats) = outcome?;
    let report = RunReport::new(
        exit,
        started.elapsed(),
        &stats,
        bytes.load(Ordering::Relaxed),
    );
    tracing::info!(?exit, frames_drawn = stats.frames_drawn, "ui stopped");
    if let Some(path) = &options.report_on_exit {
        write_report(path, &report)?;
    }
    Ok(report)
}

fn write_report(path: &Path, report: &RunReport) -> Result<(), UiError> {
    let json = serde_json::to_string_pretty(report).expect("a report always serialises");
    std::fs::write(path, json + "\n").map_err(|source| UiError::Report {
        path: path.display().to_string(),
        source,
    })
}

/// SIGTERM or SIGHUP (never on platforms without them).
async fn shutdown_signal() -> ExitReason {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) {
            return tokio::select! {
                _ = term.recv() => ExitReason::Sigterm,
                _ = hup.recv() => ExitReason::Sighup,
            };
        }
    }
    std::future::pending().await
}

/// The loop's connections to the world.
pub struct LoopIo {
    pub fps: u32,
    pub exit_after: Option<Duration>,
    /// Also work out what repainting every cell would have cost (for the run report only: it
    /// serialises the whole screen once more per draw).
    pub measure_repaint: bool,
    pub controls: Option<mpsc::Sender<ReplayControl>>,
    /// Where `:add`/`:rm` go to the running feeds; `None`: they are only saved.
    pub watch: Option<mpsc::Sender<WatchRequest>>,
    pub cancel: CancellationToken,
    /// Resolves when the process is told to stop (signals).
    pub shutdown: Pin<Box<dyn Future<Output = ExitReason> + Send>>,
    /// Local wall-clock time, for the ages on screen.
    pub clock: fn() -> Nanos,
    /// The link to a remote `serve`, when attached (`--connect`).
    pub link: Option<watch::Receiver<LinkState>>,
}

/// Runs the app until it stops; returns why, and the counters for the report.
pub async fn run_loop<B, E>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut events: E,
    mut frames: watch::Receiver<Arc<Frame>>,
    mut io: LoopIo,
) -> io::Result<(ExitReason, Stats)>
where
    B: SyncBackend,
    E: Stream<Item = io::Result<Event>> + Unpin,
{
    let mut stats = Stats::default();
    let mut pacer = Pacer::new(io.fps);
    let mut pending: Option<(u64, Instant)> = None;
    let exit_at = io.exit_after.map(|d| Instant::now() + d);
    let mut tick = interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut frames_open = true;
    // History reads finish on blocking threads and come back here.
    let (history_tx, mut history_rx) = mpsc::channel(2);
    let (sparks_tx, mut sparks_rx) = mpsc::channel(1);
    // The feeds' answers to `:add`/`:rm`.
    let (watch_tx, mut watch_rx) = mpsc::channel(4);
    frames.mark_unchanged();
    pacer.mark_urgent();
    loop {
        let now = Instant::now();
        start_history_read(app, &history_tx, &sparks_tx, (io.clock)());
        if pacer.due(now) {
            draw(terminal, app, &mut stats, &mut pending, &io)?;
            pacer.drawn(now);
        }
        let deadline = pacer.deadline();
        let exit = tokio::select! {
            biased;
            () = io.cancel.cancelled() => Some(ExitReason::Cancelled),
            reason = &mut io.shutdown => Some(reason),
            () = sleep_until(exit_at.unwrap_or(now)), if exit_at.is_some() => Some(ExitReason::ExitAfter),
            event = events.next() => {
                let mut next = Some(event);
                let mut exit = None;
                // Clicks are placed on the screen as last drawn.
                let screen = terminal.size().map_or((0, 0), |s| (s.width, s.height));
                // Handle every event already queued, then draw once.
                while let Some(event) = next.take() {
                    match event {
                        None => exit = Some(ExitReason::InputClosed),
                        Some(event) => {
                            let handled = handle_event(event?, app, &mut pacer, &io, &watch_tx, screen);
                            exit = exit.or(handled);
                        }
                    }
                    if exit.is_none() {
                        next = events.next().now_or_never();
                    }
                }
                exit
            }
            changed = frames.changed(), if frames_open => {
                match changed {
                    Ok(()) => {
                        let frame = frames.borrow_and_update().clone();
                        stats.frames_received += 1;
                        // A frame that arrives while frozen is not shown until unfrozen; its wait
                        // is the user's choice, not latency.
                        pending = (!app.frozen()).then(|| (frame.seq, Instant::now()));
                        if let Ok(size) = terminal.size() {
                            app.fit_heatmap(size.width);
                        }
                        app.update(Action::Frame(frame));
                        app.frame_arrived((io.clock)());
                        for (how, text) in app.take_notifications() {
                            terminal.backend_mut().notify(how, &text)?;
                        }
                    }
                    Err(_) => {
                        frames_open = false;
                        app.update(Action::SourceEnded);
                    }
                }
                pacer.mark_dirty();
                None
            }
            state = link_changed(&mut io.link) => {
                app.set_link(state);
                pacer.mark_urgent();
                None
            }
            Some((ask, outcome)) = history_rx.recv() => {
                app.history_loaded(ask, outcome);
                pacer.mark_dirty();
                None
            }
            Some(stored) = sparks_rx.recv() => {
                app.sparks_loaded(stored);
                pacer.mark_dirty();
                None
            }
            Some(reply) = watch_rx.recv() => {
                watchlist_applied(app, reply);
                pacer.mark_urgent();
                None
            }
            () = sleep_until(deadline.unwrap_or(now)), if deadline.is_some() => None,
            _ = tick.tick() => {
                pacer.mark_dirty();
                None
            }
        };
        if let Some(reason) = exit {
            return Ok((reason, stats));
        }
    }
}

/// The link's next state; never resolves without a link (or once it has ended).
async fn link_changed(link: &mut Option<watch::Receiver<LinkState>>) -> LinkState {
    let Some(rx) = link else {
        return std::future::pending().await;
    };
    match rx.changed().await {
        Ok(()) => rx.borrow_and_update().clone(),
        Err(_) => std::future::pending().await,
    }
}

/// Starts the History view's and the Overview sparklines' reads of the store if due, on
/// blocking threads (SQLite may wait on the writer; the screen must not).
fn start_history_read(
    app: &mut App,
    tx: &mpsc::Sender<(HistoryAsk, Outcome)>,
    sparks_tx: &mpsc::Sender<sparks::Stored>,
    wall: Nanos,
) {
    // A replay's history is on the capture's clock.
    let now = (app.data_now(wall) / 1_000_000_000) as i64;
    if let Some((path, ask)) = app.history_due(now) {
        let tx = tx.clone();
        tokio::task::spawn_blocking(move || {
            let outcome = history::load(&path, &ask, now);
            // The loop is gone when the send fails: nothing to tell.
            let _ = tx.blocking_send((ask, outcome));
        });
    }
    if let Some((path, symbols)) = app.sparks_due(now) {
        let tx = sparks_tx.clone();
        tokio::task::spawn_blocking(move || {
            let _ = tx.blocking_send(sparks::load(&path, &symbols, now));
        });
    }
}

/// Applies one terminal event; `Some` when it ends the run.
fn handle_event(
    event: Event,
    app: &mut App,
    pacer: &mut Pacer,
    io: &LoopIo,
    watch_replies: &mpsc::Sender<WatchReply>,
    (width, height): (u16, u16),
) -> Option<ExitReason> {
    let action = match event {
        // Release events (Windows, kitty protocol) would act twice.
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            key_of(&key).and_then(|k| app.action_for_key(k))
        }
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollUp => Some(Action::Command(Command::Up)),
            MouseEventKind::ScrollDown => Some(Action::Command(Command::Down)),
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click {
                x: m.column,
                y: m.row,
                width,
                height,
            }),
            _ => None,
        },
        // Redrawn at the next slot, which also coalesces a burst of resizes.
        Event::Resize(..) => {
            pacer.mark_dirty();
            None
        }
        _ => None,
    }?;
    pacer.mark_urgent();
    match app.update(action) {
        Effect::Quit => Some(ExitReason::Quit),
        Effect::Replay(control) => {
            let sent = io
                .controls
                .as_ref()
                .is_some_and(|c| c.try_send(control).is_ok());
            if !sent {
                tracing::warn!(?control, "replay control not delivered");
                app.replay_control_lost();
            }
            None
        }
        Effect::Watchlist(edit) => {
            match &io.watch {
                Some(feeds) => {
                    let request = WatchRequest {
                        edit: edit.clone(),
                        reply: watch_replies.clone(),
                    };
                    match feeds.try_send(request) {
                        Ok(()) => app.watchlist_asked(&edit),
                        Err(_) => app.watchlist_busy(),
                    }
                }
                // A replay shows what its capture holds: the change is only saved.
                None => save_watchlist(app, &edit, None),
            }
            None
        }
        Effect::None => None,
    }
}

/// The feeds answered a watch-list change: saved in the config file only if it was applied.
pub fn watchlist_applied(app: &mut App, reply: WatchReply) {
    match reply.outcome {
        Ok(applied) => save_watchlist(app, &reply.edit, Some(applied)),
        Err(why) => app.watchlist_refused(&why),
    }
}

/// Saves a watch-list change in the app's config file and tells the app how it went, with what
/// the running feeds did (`None`: nothing runs that could take it).
pub fn save_watchlist(app: &mut App, edit: &Edit, applied: Option<crate::control::WatchApplied>) {
    let result = match app.config_file() {
        Some(path) => watchlist::save(path, edit),
        None => Err("no config file".into()),
    };
    if let Err(e) = &result {
        tracing::warn!(error = %e, "watch list not saved");
    }
    app.watchlist_saved(edit, applied.as_ref(), result);
}

fn draw<B: SyncBackend>(
    terminal: &mut Terminal<B>,
    app: &App,
    stats: &mut Stats,
    pending: &mut Option<(u64, Instant)>,
    io: &LoopIo,
) -> io::Result<()> {
    let now = (io.clock)();
    let started = std::time::Instant::now();
    terminal.backend_mut().begin_frame()?;
    let completed = terminal
        .draw(|f| crate::ui::render(app, now, f.area(), f.buffer_mut()))
        .map_err(|e| io::Error::other(e.to_string()))?;
    let rendered = started.elapsed();
    // The yardstick's own cost is not drawing time.
    if io.measure_repaint {
        stats.full_repaint_bytes += term::full_repaint_bytes(completed.buffer);
    }
    let ending = std::time::Instant::now();
    terminal.backend_mut().end_frame()?;
    stats.draw_time.record(rendered + ending.elapsed());
    stats.frames_drawn += 1;
    if let Some((seq, at)) = *pending
        && app.shown().seq == seq
    {
        stats.ingest_to_draw.record(at.elapsed());
        *pending = None;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn resolve(args: &[&str], config: &str, env: UiEnv) -> Result<UiOptions, ConfigError> {
        let cli = crate::cli::Cli::try_parse_from(
            std::iter::once("depthscope").chain(args.iter().copied()),
        )
        .unwrap();
        UiOptions::resolve(&Config::parse(config, "test.toml").unwrap(), &cli.run, &env)
    }

    #[test]
    fn flags_win_over_the_config_and_no_color_picks_mono() {
        let o = resolve(&[], "", UiEnv::default()).unwrap();
        assert_eq!(
            (o.fps, o.ascii, o.mouse, o.theme.name.as_str()),
            (10, false, false, "default")
        );
        let o = resolve(
            &["--fps", "4", "--ascii", "--exit-after", "2s"],
            "[ui]\nfps = 20\n",
            UiEnv::default(),
        )
        .unwrap();
        assert_eq!(
            (o.fps, o.ascii, o.exit_after),
            (4, true, Some(Duration::from_secs(2)))
        );
        let no_color = UiEnv {
            no_color: true,
            ..UiEnv::default()
        };
        assert_eq!(
            resolve(&[], "[ui]\ntheme = \"dark\"\n", no_color.clone())
                .unwrap()
                .theme
                .name,
            "mono"
        );
        assert_eq!(
            resolve(&["--theme", "light"], "", no_color)
                .unwrap()
                .theme
                .name,
            "light"
        );
        let err = resolve(&["--fps", "0"], "", UiEnv::default())
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "config --fps: --fps must be 1 to 60, got 0"
        );
        let err = resolve(&["--theme", "neon"], "", UiEnv::default())
            .err()
            .unwrap();
        assert!(err.to_string().contains("unknown theme \"neon\""), "{err}");
    }

    #[test]
    fn rgb_themes_follow_colorterm() {
        let env = |c: Option<&str>| UiEnv {
            colorterm: c.map(str::to_owned),
            ..UiEnv::default()
        };
        let dark = |e| resolve(&["--theme", "dark"], "", e).unwrap().theme.bid.fg;
        assert!(matches!(
            dark(env(Some("truecolor"))),
            Some(ratatui::style::Color::Rgb(..))
        ));
        assert!(matches!(
            dark(env(None)),
            Some(ratatui::style::Color::Indexed(_))
        ));
    }
}
