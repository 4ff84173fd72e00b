//! The demo's warm start: before `--demo` connects to the simulator, the newest hour or two of
//! the simulated market's past day is fast-forwarded ([`crate::sim::fast_forward`]) into a
//! history file, which the session then restores like any other: enough for every composite.
//! The older hours are built while the demo runs and reach the engine as a backfill does
//! ([`spawn_older`]). The file is a temporary one, deleted when the session ends, unless
//! `--history PATH` names one to keep.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::backfill::{BackfillEvent, BackfillProgress, BackfillState};
use crate::config::Config;
use crate::engine::EngineSettings;
use crate::engine::frame::DataMode;
use crate::feed::event::MarketEvent;
use crate::history::restore::load_seeds_before;
use crate::history::{HistoryError, HistorySink, Store, WarmRow};
use crate::market::{Millis, now_nanos};
use crate::sim::catalog::BookId;
use crate::sim::fast_forward::{
    SPAN, STEP, fast_forward, fast_forward_before, parts, recent_start, span_start, watched_books,
    write,
};
use crate::sim::model::Model;

use super::run::Plan;

/// The history file the demo runs on; a temporary one is deleted on drop.
#[derive(Debug)]
pub struct DemoHistory {
    pub path: PathBuf,
    temporary: bool,
    /// How long the fast-forward took (wall time).
    pub took: Duration,
}

impl Drop for DemoHistory {
    fn drop(&mut self) {
        if self.temporary {
            remove_history_files(&self.path);
        }
    }
}

/// The prefix of the demo's temporary history files in the temp dir.
const TEMP_PREFIX: &str = "depthscope-demo-";

/// Removes a history file with its SQLite companions and its lock file.
fn remove_history_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal", ".lock"] {
        let mut p = path.to_path_buf().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// Removes the temporary history files of earlier demos that did not end cleanly (killed, or
/// the machine stopped): a file whose lock nobody holds has no writer left. Each is tens of MB,
/// so they must not pile up in the temp dir. Returns how many were removed.
fn remove_orphans(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(".sqlite")) {
            continue;
        }
        let path = entry.path();
        let mut lock = path.clone().into_os_string();
        lock.push(".lock");
        // No lock file: the writer never started; a held lock: a demo still running.
        let free = std::fs::File::open(&lock).is_ok_and(|f| f.try_lock().is_ok());
        if free {
            remove_history_files(&path);
            removed += 1;
        }
    }
    removed
}

/// The model seed of the simulated past (not the live demo's, whose market starts afresh).
fn past_seed(seed: u64) -> u64 {
    seed ^ 0x9e37_79b9_7f4a_7c15
}

/// The model seed of the past's older hours, built after the newest with a model of their own.
fn older_seed(seed: u64) -> u64 {
    past_seed(seed).rotate_left(29) ^ 0x6a09_e667_f3bc_c909
}

/// The older hours of the demo's past, built while the demo runs ([`spawn_older`]).
#[derive(Debug)]
pub struct OlderPast {
    seed: u64,
    books: Vec<BookId>,
    settings: EngineSettings,
    /// `[start of the day, start of the newest stretch)`, exchange ms.
    span: (Millis, Millis),
    /// The symbols' prices where the newest stretch starts.
    end_prices: Vec<f64>,
    path: PathBuf,
}

/// Builds the newest stretch of the day before now ([`RECENT`] and more, to the hour) into
/// `plan.history` (or a temporary file) and returns it, with the older hours still to build.
/// The demo opens on the newest stretch: every composite is warm from it; the day's baselines
/// (the regime's 720 minutes, drift, the large-print P99) fill when the older hours land.
pub async fn prepare(
    config: &Config,
    plan: &Plan,
    seed: u64,
) -> Result<(DemoHistory, OlderPast), HistoryError> {
    let (path, temporary) = match &plan.history {
        Some(path) => (path.clone(), false),
        None => {
            let dir = std::env::temp_dir();
            let removed = remove_orphans(&dir);
            if removed > 0 {
                tracing::info!("removed {removed} history files of earlier demos that were killed");
            }
            let name = format!("{TEMP_PREFIX}{}-{}.sqlite", std::process::id(), now_nanos());
            (dir.join(name), true)
        }
    };
    let mut history = DemoHistory {
        path,
        temporary,
        took: Duration::ZERO,
    };
    let settings = EngineSettings {
        symbols: plan.symbols.clone(),
        ..EngineSettings::from_config(config, DataMode::Simulated { seed })
    };
    let books = watched_books(&plan.venues, &plan.symbols);
    let end = (now_nanos() / 1_000_000) as Millis;
    let recent = recent_start(end);
    let older = OlderPast {
        seed: older_seed(seed),
        books: books.clone(),
        settings: settings.clone(),
        span: (span_start(end, SPAN), recent),
        end_prices: Model::catalog_start_prices(
            past_seed(seed),
            &books,
            STEP,
            ((end - recent) as u64).div_ceil(STEP.as_millis() as u64),
        ),
        path: history.path.clone(),
    };
    let path = history.path.clone();
    let started = Instant::now();
    let span = Duration::from_millis((end - recent) as u64);
    tokio::task::spawn_blocking(move || {
        // The sampled hours are written while the rest is built; the tail (the short windows'
        // seconds) last, moved to end now.
        let mut store = Store::open_write(&path)?;
        let mut written = 0;
        let mut tail = fast_forward(past_seed(seed), &books, settings, end, span, |part| {
            written += write(&mut store, &part)?;
            Ok::<_, HistoryError>(())
        })?;
        let built = started.elapsed();
        tail.shift((now_nanos() / 1_000_000) as Millis - end);
        written += write(&mut store, &tail)?;
        // The builders' windows and parts are gone: their pages go back before the demo opens.
        crate::allocator::release_free();
        tracing::debug!(
            "the demo's newest {:.0} min: {written} rows, built and written in {:.2} s, tail \
             written in {:.2} s",
            span.as_secs_f64() / 60.0,
            built.as_secs_f64(),
            (started.elapsed() - built).as_secs_f64()
        );
        Ok::<_, HistoryError>(written)
    })
    .await
    .map_err(|e| {
        HistoryError::Io(
            history.path.clone(),
            format!("the demo's fast-forward failed: {e}"),
        )
    })??;
    history.took = started.elapsed();
    Ok((history, older))
}

/// Builds the older hours of the demo's past in the background (its threads at a lower
/// priority than the live demo's), writes them through the session's history writer, then
/// seeds the engine with the day's baselines they complete, as a backfill would: the header
/// shows `building past N%` meanwhile. Ends early, keeping what was written, when `cancel`
/// fires or the engine has gone.
pub fn spawn_older(
    older: OlderPast,
    sink: HistorySink,
    events: mpsc::Sender<MarketEvent>,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        match older.build(&sink, &events, &cancel) {
            Ok(books) => tracing::info!(
                "built the demo's older {:.0} h in {:.1} s; {books} books seeded",
                older.hours(),
                started.elapsed().as_secs_f64()
            ),
            Err(e) if cancel.is_cancelled() => {
                tracing::info!("the demo ended before its older past was built ({e})");
            }
            Err(e) => {
                tracing::warn!("the demo's older past is incomplete: {e}");
                let _ = events.try_send(older.progress(0, BackfillState::Cancelled));
            }
        }
        // Building the older hours freed about twice what the running demo holds.
        crate::allocator::release_free();
    })
}

impl OlderPast {
    fn hours(&self) -> f64 {
        (self.span.1 - self.span.0) as f64 / 3_600_000.0
    }

    fn parts(&self) -> usize {
        parts(&self.books, self.span)
    }

    fn progress(&self, done: usize, state: BackfillState) -> MarketEvent {
        let p = BackfillProgress::simulated_past(self.hours(), done, self.parts(), state);
        MarketEvent::Backfill(BackfillEvent::Progress(p))
    }

    /// Builds and writes the older hours, then sends every book the samples they hold (older
    /// than the newest stretch: nothing the engine has is sent twice). Returns the books seeded.
    fn build(
        &self,
        sink: &HistorySink,
        events: &mpsc::Sender<MarketEvent>,
        cancel: &CancellationToken,
    ) -> Result<usize, String> {
        let gone = |_| "the engine has stopped".to_owned();
        events
            .blocking_send(self.progress(0, BackfillState::Running))
            .map_err(gone)?;
        let mut done = 0;
        fast_forward_before(
            self.seed,
            &self.books,
            self.settings.clone(),
            self.span,
            &self.end_prices,
            cancel,
            |part| {
                if cancel.is_cancelled() {
                    return Err("the session ended".to_owned());
                }
                sink.write_past_blocking(part.seconds, WarmRow::from_samples(&part.warm))?;
                done += 1;
                events
                    .blocking_send(self.progress(done, BackfillState::Running))
                    .map_err(gone)
            },
        )?;
        if cancel.is_cancelled() {
            return Err("the session ended".to_owned());
        }
        let store = Store::open_read(&self.path).map_err(|e| e.to_string())?;
        let now = (now_nanos() / 1_000_000) as Millis;
        let seeds = load_seeds_before(&store, now, self.span.1).map_err(|e| e.to_string())?;
        let seeded = seeds.len();
        for (key, seeds) in seeds {
            let event = BackfillEvent::Seeds {
                key,
                seeds,
                stored_rows: 0,
            };
            events
                .blocking_send(MarketEvent::Backfill(event))
                .map_err(gone)?;
        }
        events
            .blocking_send(self.progress(self.parts(), BackfillState::Done))
            .map_err(gone)?;
        Ok(seeded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::write(path, b"x").expect("write");
    }

    #[test]
    fn only_files_without_a_live_writer_are_removed() {
        let dir = std::env::temp_dir().join(format!("depthscope-orphans-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("tempdir");
        let orphan = dir.join(format!("{TEMP_PREFIX}1-1.sqlite"));
        let running = dir.join(format!("{TEMP_PREFIX}2-2.sqlite"));
        let other = dir.join("history.sqlite");
        for p in [&orphan, &running, &other] {
            touch(p);
            let mut lock = p.clone().into_os_string();
            lock.push(".lock");
            touch(Path::new(&lock));
        }
        let mut wal = orphan.clone().into_os_string();
        wal.push("-wal");
        touch(Path::new(&wal));
        let mut held = running.clone().into_os_string();
        held.push(".lock");
        let holder = std::fs::File::open(&held).expect("open lock");
        holder.try_lock().expect("lock");

        assert_eq!(remove_orphans(&dir), 1);
        assert!(!orphan.exists() && !Path::new(&wal).exists());
        assert!(running.exists(), "a demo still running keeps its file");
        assert!(other.exists(), "a user's history file is never touched");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .expect("read_dir")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 4, "{left:?}");
        drop(holder);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The older hours reach the engine as a backfill: progress from 0 to every part, then
    /// each book's samples, all older than the newest stretch, then done; and they are in the
    /// file.
    #[test]
    fn the_older_past_is_written_and_seeds_the_engine() {
        let dir = std::env::temp_dir().join(format!("depthscope-older-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("tempdir");
        let path = dir.join("h.sqlite");
        let books = watched_books(
            &[crate::market::VenueId::Binance],
            &["binance:BTCUSDT".to_string()],
        );
        let mut cfg = Config::default();
        cfg.general.symbols = vec!["BTC".into()];
        let end: Millis = 1_800_000_000_000;
        let newest = recent_start(end);
        let older = OlderPast {
            seed: older_seed(1),
            books: books.clone(),
            settings: EngineSettings::from_config(&cfg, DataMode::Simulated { seed: 1 }),
            span: (newest - 3_600_000, newest),
            end_prices: Model::catalog_start_prices(past_seed(1), &books, STEP, 1),
            path: path.clone(),
        };
        let store = Store::open_write(&path).expect("writable");
        let (sink, writer) =
            crate::history::spawn_writer(store, Default::default()).expect("writer");
        let (tx, mut rx) = mpsc::channel(1024);
        let seeded = older
            .build(&sink, &tx, &CancellationToken::new())
            .expect("built");
        assert_eq!(seeded, 1);
        drop((sink, tx));
        writer.join().expect("writer");
        let mut progress = Vec::new();
        let mut seeds = Vec::new();
        while let Ok(event) = rx.try_recv() {
            match event {
                MarketEvent::Backfill(BackfillEvent::Progress(p)) => {
                    progress.push((p.state, p.pages_done, p.pages_total));
                }
                MarketEvent::Backfill(BackfillEvent::Seeds { seeds: s, .. }) => seeds.extend(s),
                other => panic!("unexpected {other:?}"),
            }
        }
        let parts = older.parts();
        assert_eq!(parts, 1);
        assert_eq!(
            progress,
            [
                (BackfillState::Running, 0, parts),
                (BackfillState::Running, 1, parts),
                (BackfillState::Done, parts, parts),
            ]
        );
        assert!(seeds.len() > 60, "{} seeds", seeds.len());
        assert!(
            seeds
                .iter()
                .all(|s| (older.span.0..newest).contains(&s.t()))
        );
        let store = Store::open_read(&path).expect("readable");
        let spec = crate::history::query::QuerySpec {
            symbol: "BTC".into(),
            venue: Some("binance".into()),
            from: older.span.0 / 1_000,
            to: newest / 1_000,
            every: crate::history::Interval::Minute,
            fields: vec!["mid_close".into()],
        };
        let minutes = crate::history::query::query(&store, &spec)
            .expect("queried")
            .rows
            .len();
        assert!(minutes >= 59, "{minutes} minute rows");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
