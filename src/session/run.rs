//! One session end to end: a [`Source`] (live venues, the embedded simulator, a capture) feeds
//! the engine, whose frames go to an [`Output`] (the terminal UI or `stream --json`). Live, demo
//! and replay differ only in where the events come from and in the mode the header shows.

use super::feeds::{EVENT_QUEUE, Feeds, Sink, start_feeds, venue_options};
use crate::backfill::start::backfill_when_resolved;
use crate::capture::Recorder;
use crate::capture::replay::{ReplayState, run_paced};
use crate::capture::tap::CaptureTap;
use crate::config::Config;
use crate::control::ReplayControl;
use crate::engine::frame::{Alert, DataMode};
use crate::engine::{Clock, Engine, EngineSettings, StreamOptions, alert_channel, run_engine};
use crate::feed::event::MarketEvent;
use crate::feed::runtime::Tap;
use crate::instrument::catalog::Catalog;
use crate::market::{VenueId, now_nanos};
use crate::sim::SimHandle;
use crate::ui::report::RunReport;
use crate::ui::run::{UiError, UiOptions, run_tui};
use crate::venue::registry::VenueOptions;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Where the events come from.
#[derive(Clone, Debug)]
pub enum Source {
    /// The real exchanges.
    Live,
    /// The embedded simulator on a loopback port (`--demo`).
    Demo {
        seed: u64,
        /// `--scenario`s injected into the simulated market.
        scenarios: Vec<crate::sim::model::scenario::ScenarioSpec>,
    },
    /// A capture file at `speed` × capture pace (`None`: as fast as possible), skipping gaps
    /// in capture time longer than `max_gap`.
    Replay {
        file: PathBuf,
        speed: Option<f64>,
        max_gap: Duration,
    },
}

/// Where the frames go.
pub enum Output {
    Tui(Box<UiOptions>),
    /// One JSON object per frame on stdout, until the source ends, `exit_after` or Ctrl-C.
    Json {
        options: StreamOptions,
        exit_after: Option<Duration>,
    },
    /// Nothing shown: the engine runs (and writes its history) until the source ends,
    /// `exit_after` or Ctrl-C. `replay FILE --history OUT` without a terminal.
    Quiet {
        exit_after: Option<Duration>,
    },
    /// The HTTP API on an already bound listener, until `exit_after` or Ctrl-C.
    Serve {
        listener: tokio::net::TcpListener,
        options: Box<crate::serve::ServeOptions>,
        exit_after: Option<Duration>,
    },
}

/// What the session runs on: the loaded config plus the command line's choices.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub venues: Vec<VenueId>,
    pub symbols: Vec<String>,
    pub venue_urls: Vec<(VenueId, String)>,
    pub venue_rests: Vec<(VenueId, String)>,
    /// Record the feeds' traffic to this capture file.
    pub record: Option<PathBuf>,
    /// Do not fetch REST history at start (see [`crate::backfill`]).
    pub skip_backfill: bool,
    /// Write history to this file (and warm the baselines from it); `None`: no history.
    pub history: Option<PathBuf>,
    pub retention: crate::history::Retention,
    /// `--demo` (unless `--cold-demo` or `--no-history`) builds the simulated past day into
    /// the history first (see [`demo_history`](super::demo_history)).
    pub warm_demo: bool,
}

/// Why a session could not start or ended badly.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("cannot start the simulator on loopback: {0}")]
    Simulator(std::io::Error),
    #[error("cannot record to {path}: {source}")]
    Record {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot replay {path}: {source}")]
    Replay {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Ui(#[from] UiError),
    #[error("cannot write the JSON stream: {0}")]
    Stream(std::io::Error),
    #[error(transparent)]
    Serve(#[from] crate::serve::ServeError),
}

/// How the session went, for the exit message.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The UI's run report (`None` for `stream --json`).
    pub ui: Option<RunReport>,
    /// What to tell the user after the terminal is restored (recording stats, failures).
    pub notes: Vec<String>,
}

/// A started source: the events, and what must be stopped or finished at the end.
struct Started {
    events: mpsc::Receiver<MarketEvent>,
    mode: DataMode,
    tasks: Vec<JoinHandle<()>>,
    sim: Option<SimHandle>,
    recorder: Option<Recorder>,
    controls: Option<mpsc::Sender<ReplayControl>>,
    replay: Option<watch::Receiver<ReplayState>>,
    /// `:add`/`:rm` requests for the running feeds (live and demo).
    watch: Option<mpsc::Sender<crate::control::WatchRequest>>,
    /// Hands the start-time backfill the history writer once the file is open (or `None`),
    /// so what it fetches goes into the store and reaches the engine through it.
    backfill_history: Option<tokio::sync::oneshot::Sender<Option<crate::history::HistorySink>>>,
    /// The engine's event queue, for what the session itself feeds it (the demo's older past).
    inject: Option<mpsc::Sender<MarketEvent>>,
}

/// Runs the session until the user quits, the source ends (JSON) or `cancel` fires.
pub async fn run_session(
    config: &Config,
    plan: &Plan,
    source: Source,
    output: Output,
    cancel: CancellationToken,
) -> Result<Outcome, SessionError> {
    // Start notes (missing venues, unreachable instrument lists, unknown symbols) go to the log
    // pane; `stream --json` has no pane, so they go to stderr as well.
    let echo_notes = matches!(
        output,
        Output::Json { .. } | Output::Quiet { .. } | Output::Serve { .. }
    );
    let mut outcome = Outcome::default();
    // The demo's past is built before the simulator starts, so its live market does not queue
    // up behind the fast-forward.
    let demo_history = match &source {
        Source::Demo { seed, .. } if plan.warm_demo => {
            // Seen before the screen opens, while the past is built.
            eprintln!(
                "depthscope --demo: building the newest hours of a SIMULATED past day for the \
                 warm start, the rest while it runs (--cold-demo skips it)…"
            );
            match super::demo_history::prepare(config, plan, *seed).await {
                Ok((h, older)) => {
                    tracing::info!(
                        "fast-forwarded the simulated past's newest hours in {:.1} s",
                        h.took.as_secs_f64()
                    );
                    Some((h, older))
                }
                Err(e) => {
                    tracing::warn!("the demo starts cold: {e}");
                    outcome.notes.push(format!("the demo started cold: {e}"));
                    None
                }
            }
        }
        _ => None,
    };
    let (demo_history, older_past) = demo_history.unzip();
    let mut started = start_source(config, plan, &source, echo_notes, &cancel).await?;
    let mut settings = EngineSettings::from_config(config, started.mode.clone());
    if !plan.symbols.is_empty() || !matches!(source, Source::Replay { .. }) {
        settings.symbols = plan.symbols.clone();
    }
    let clock = match source {
        Source::Replay { .. } => Clock::Capture,
        _ => Clock::Wall,
    };
    let first_at = match source {
        Source::Replay { .. } => 0,
        _ => now_nanos(),
    };
    let (frames_tx, frames) = watch::channel(Engine::new(settings.clone()).tick(first_at));
    let mut history_writer = None;
    let history_path = demo_history
        .as_ref()
        .map(|h| h.path.clone())
        .or_else(|| plan.history.clone());
    if let Some(path) = &history_path {
        match crate::history::start(path, plan.retention, &config.engine.slippage_usd) {
            Ok((warm, writer)) => {
                settings.history = Some(warm);
                history_writer = Some(writer);
            }
            Err(e) => {
                // The monitor runs on without history; the reason is in the log pane, on
                // stderr for `stream --json`, and repeated at exit.
                tracing::warn!("running without history: {e}");
                if echo_notes {
                    eprintln!("depthscope: running without history: {e}");
                }
                outcome.notes.push(format!("ran without history: {e}"));
            }
        }
    }
    if let Some(tx) = started.backfill_history.take() {
        let _ = tx.send(settings.history.as_ref().map(|h| h.sink.clone()));
    }
    // The demo's older hours are built while it runs, into the file it restored from.
    let inject = started.inject.take();
    let older_past = match (older_past, settings.history.as_ref(), inject) {
        (Some(older), Some(history), Some(events)) => Some(super::demo_history::spawn_older(
            older,
            history.sink.clone(),
            events,
            cancel.clone(),
        )),
        _ => None,
    };
    let (alerts_tx, alerts) = alert_channel(&settings);
    let engine = tokio::spawn(run_engine(
        started.events,
        frames_tx,
        alerts_tx,
        settings,
        clock,
        started.replay,
        cancel.clone(),
    ));
    let alert_log = tokio::spawn(log_alerts(alerts));

    let result = match output {
        Output::Tui(mut options) => {
            // The History view and the sparklines read the file this session writes: the
            // demo's temporary one too, whose path only exists once its past is built.
            options.history_file = history_path.clone().filter(|_| history_writer.is_some());
            options.watch = started.watch.take();
            run_tui(frames, *options, started.controls, cancel.clone())
                .await
                .map(|report| outcome.ui = Some(report))
                .map_err(SessionError::from)
        }
        Output::Json {
            options,
            exit_after,
        } => stream_to_stdout(frames, options, exit_after, cancel.clone()).await,
        Output::Quiet { exit_after } => {
            let timer = stop_on_signal_or(exit_after, cancel.clone());
            let options = StreamOptions::default();
            let result =
                crate::engine::stream_json(frames, std::io::sink(), options, cancel.clone())
                    .await
                    .map_err(SessionError::Stream);
            cancel.cancel();
            let _ = timer.await;
            result
        }
        Output::Serve {
            listener,
            options,
            exit_after,
        } => {
            let stopper = stop_on_signal_or(exit_after, cancel.clone());
            // Readers resume from the store only while it is being written.
            let history = history_path.filter(|_| history_writer.is_some());
            let served = crate::serve::serve(listener, frames, *options, history, cancel.clone())
                .await
                .map_err(SessionError::Serve);
            cancel.cancel();
            let _ = stopper.await;
            served
        }
    };

    // Stop everything, then finish what must be finished (the recording's last events).
    cancel.cancel();
    for task in started.tasks {
        let _ = task.await;
    }
    if let Some(older) = older_past {
        let _ = older.await;
    }
    let _ = engine.await;
    let _ = alert_log.await;
    // The engine's sink is gone: the writer commits what is queued and ends.
    if let Some(writer) = history_writer {
        let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    }
    if let Some(recorder) = started.recorder {
        outcome.notes.push(match recorder.finish().await {
            Ok(stats) => format!(
                "recorded {} events ({} bytes, {} dropped) to {}",
                stats.events,
                stats.bytes,
                stats.dropped,
                plan.record.as_deref().unwrap_or(Path::new("?")).display()
            ),
            Err(e) => format!("the recording is incomplete: {e}"),
        });
    }
    if let Some(sim) = started.sim {
        sim.shutdown().await;
    }
    // A temporary demo history is deleted now that its writer has finished.
    drop(demo_history);
    result.map(|()| outcome)
}

async fn start_source(
    config: &Config,
    plan: &Plan,
    source: &Source,
    echo_notes: bool,
    cancel: &CancellationToken,
) -> Result<Started, SessionError> {
    let venues = |options, cache, record_note, mode| Venues {
        config: config.clone(),
        plan: plan.clone(),
        options,
        cache,
        record_note,
        mode,
        echo_notes,
    };
    match source {
        Source::Live => {
            let options = venue_options(config, &plan.venue_urls, &plan.venue_rests);
            let cache = crate::config::cache_dir();
            let note = "depthscope live";
            start_venues(venues(options, cache, note, DataMode::Live), cancel)
        }
        Source::Demo { seed, scenarios } => {
            let cfg = crate::sim::SimConfig {
                scenarios: scenarios.clone(),
                ..crate::sim::SimConfig::new(*seed)
            };
            let (sim, options) = crate::sim::start_demo(cfg)
                .await
                .map_err(SessionError::Simulator)?;
            // The simulator's instruments never go into the real instrument cache.
            let mode = DataMode::Simulated { seed: *seed };
            // The log pane (and stderr, without a terminal) names what is being injected.
            for spec in scenarios {
                let note = format!("scenario {spec} (SIMULATED): {}", spec.kind.cadence());
                if echo_notes {
                    eprintln!("depthscope: {note}");
                }
                tracing::info!("{note}");
            }
            let note = "depthscope --demo (SIMULATED market, not real data)";
            let mut started = start_venues(venues(options, None, note, mode), cancel)?;
            started.sim = Some(sim);
            Ok(started)
        }
        Source::Replay {
            file,
            speed,
            max_gap,
        } => start_replay(file, *speed, *max_gap, cancel),
    }
}

/// What starting the venue feeds needs, owned: they start in the background so the screen
/// opens at once, even while instrument lists take their time (or time out) offline.
struct Venues {
    config: Config,
    plan: Plan,
    options: BTreeMap<VenueId, VenueOptions>,
    /// Where instrument lists are cached (`None` for the simulator's).
    cache: Option<PathBuf>,
    record_note: &'static str,
    mode: DataMode,
    echo_notes: bool,
}

fn start_venues(v: Venues, cancel: &CancellationToken) -> Result<Started, SessionError> {
    let recorder = match &v.plan.record {
        Some(path) => Some(
            Recorder::create(path, v.record_note, Recorder::DEFAULT_QUEUE).map_err(|source| {
                SessionError::Record {
                    path: path.clone(),
                    source,
                }
            })?,
        ),
        None => None,
    };
    let tap = recorder
        .as_ref()
        .map(|r| Arc::new(CaptureTap::new(r.handle())) as Arc<dyn Tap>);
    let (tx, events) = mpsc::channel(EVENT_QUEUE);
    let inject = tx.clone();
    let (history_tx, history_rx) = tokio::sync::oneshot::channel();
    let cancel = cancel.clone();
    let mode = v.mode.clone();
    let registry = super::watch::WatchRegistry::default();
    let (watch, requests) = mpsc::channel(4);
    let watcher = super::watch::Watcher::new(
        v.plan.symbols.clone(),
        v.plan.venues.clone(),
        registry.clone(),
        tx.clone(),
    );
    let serving = tokio::spawn(watcher.serve(requests, cancel.clone()));
    // Joining this task joins every feed task it started.
    let starter = tokio::spawn(async move {
        let (resolved_tx, resolved) = tokio::sync::mpsc::unbounded_channel();
        let backfill = (!v.plan.skip_backfill).then(|| {
            // Nothing is warm at start yet: every book the venues serve history for is asked,
            // once its venue's instrument list has arrived.
            tokio::spawn(backfill_when_resolved(
                v.plan.venues.len(),
                resolved,
                v.options.clone(),
                tap.clone(),
                history_rx,
                tx.clone(),
                cancel.clone(),
            ))
        });
        let sink = Sink {
            events: tx,
            tap,
            echo_notes: v.echo_notes,
            resolved: backfill.is_some().then_some(resolved_tx),
            watch: Some(registry),
        };
        let Feeds { mut tasks, notes } = start_feeds(
            &v.config,
            &v.plan.venues,
            &v.plan.symbols,
            &v.options,
            v.cache.as_deref(),
            sink,
            &cancel,
        )
        .await;
        tasks.extend(backfill);
        for note in notes {
            if v.echo_notes {
                eprintln!("depthscope: {note}");
            }
            tracing::warn!("{note}");
        }
        for task in tasks {
            let _ = task.await;
        }
    });
    Ok(Started {
        events,
        mode,
        tasks: vec![starter, serving],
        sim: None,
        recorder,
        controls: None,
        replay: None,
        watch: Some(watch),
        backfill_history: Some(history_tx),
        inject: Some(inject),
    })
}

fn start_replay(
    file: &Path,
    speed: Option<f64>,
    max_gap: Duration,
    cancel: &CancellationToken,
) -> Result<Started, SessionError> {
    // Open it once here, so a missing or unreadable file is an error before the screen opens.
    crate::capture::reader::CaptureReader::open(file).map_err(|source| SessionError::Replay {
        path: file.to_path_buf(),
        source,
    })?;
    let registry: Vec<_> = crate::config::cache_dir()
        .map(|dir| Catalog::from_cache(&dir).all().cloned().collect())
        .unwrap_or_default();
    let (events_tx, events) = mpsc::channel(4096);
    let (controls, controls_rx) = mpsc::channel(16);
    let name = file.display().to_string();
    let (state_tx, state) = watch::channel(ReplayState {
        file: name.clone(),
        clock: 0,
        speed,
        paused: false,
        finished: false,
        skipped_gaps: 0,
    });
    let path = file.to_path_buf();
    let stop = cancel.clone();
    let task = tokio::spawn(async move {
        match run_paced(
            path,
            speed,
            max_gap,
            registry,
            events_tx,
            Some(controls_rx),
            state_tx,
            stop,
        )
        .await
        {
            Ok(report) => {
                for notice in &report.notices {
                    tracing::warn!("replay: {notice}");
                }
                tracing::info!(
                    "replay finished: {} events, {} trades, {} liquidations, {} errors, {} gaps in capture time skipped ({:.0} s)",
                    report.events,
                    report.trades,
                    report.liquidations,
                    report.errors_total,
                    report.skipped_gaps,
                    report.skipped_s
                )
            }
            Err(e) => tracing::error!("replay stopped: {e}"),
        }
    });
    Ok(Started {
        events,
        mode: DataMode::Replay {
            file: name,
            clock: 0,
            speed,
            paused: false,
            skipped_gaps: 0,
        },
        tasks: vec![task],
        sim: None,
        recorder: None,
        controls: Some(controls),
        replay: Some(state),
        watch: None,
        backfill_history: None,
        inject: None,
    })
}

/// Every alert also goes to the log (pane and file), so none is lost once off the screen.
async fn log_alerts(mut alerts: mpsc::Receiver<Alert>) {
    while let Some(alert) = alerts.recv().await {
        tracing::warn!(target: "alert", "{:?} {}: {}", alert.severity, alert.metric, alert.message);
    }
}

/// Cancels `cancel` after `exit_after`, on Ctrl-C, or when something else cancels it.
fn stop_on_signal_or(exit_after: Option<Duration>, cancel: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let after = async {
            match exit_after {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = after => {}
            _ = tokio::signal::ctrl_c() => {}
            () = cancel.cancelled() => {}
        }
        cancel.cancel();
    })
}

async fn stream_to_stdout(
    frames: watch::Receiver<Arc<crate::engine::frame::Frame>>,
    options: StreamOptions,
    exit_after: Option<Duration>,
    cancel: CancellationToken,
) -> Result<(), SessionError> {
    let timer = stop_on_signal_or(exit_after, cancel.clone());
    let stdout = std::io::LineWriter::new(std::io::stdout());
    let result = crate::engine::stream_json(frames, stdout, options, cancel.clone()).await;
    cancel.cancel();
    let _ = timer.await;
    match result {
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(SessionError::Stream),
    }
}
