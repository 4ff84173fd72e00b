//! The history store: an embedded SQLite file that keeps what the engine measured (1-s rows for
//! a day, 1-min rollups for 90 days, 1-h rollups without expiry) and the engine's baseline
//! samples, so a restart is warm at once ([`crate::engine::warm`]) and the past can be charted
//! and exported (`depthscope history`).
//!
//! - [`columns`]: what is kept, with units and rollup rules;
//! - [`store`]: the file, its schema and migrations, the single-writer lock;
//! - [`rollup`]: incremental 1-min and 1-h rows;
//! - [`writer`]: the writer thread behind a bounded channel, one transaction a second;
//! - [`recorder`]: turns the engine's frames into the rows the writer takes;
//! - [`restore`]: reads the baseline samples back into the engine;
//! - [`recent`]: reads the last minutes of 1-s rows back into the short windows;
//! - [`query`]: `history info | query | prune`.

pub mod backfill;
pub mod columns;
pub mod parquet;
pub mod query;
pub mod recent;
pub mod recorder;
pub mod restore;
pub mod rollup;
pub mod store;
pub mod writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::engine::warm::Seed;
use crate::feed::event::BookKey;

pub use recorder::Recorder;
pub use store::Store;
pub use writer::{HistoryHealth, HistorySink, spawn_writer};

/// How long each table is kept, seconds (`[history]` in the config).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Retention {
    pub seconds: i64,
    pub minutes: i64,
    /// `None`: 1-h rows never expire.
    pub hours: Option<i64>,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            seconds: 86_400,
            minutes: 90 * 86_400,
            hours: None,
        }
    }
}

/// What the engine task needs for history: where to send its seconds, and the samples to
/// restore before the first event.
#[derive(Clone, Debug)]
pub struct WarmStart {
    pub sink: HistorySink,
    seeds: Arc<Mutex<BTreeMap<BookKey, Vec<Seed>>>>,
}

impl WarmStart {
    pub fn new(sink: HistorySink, seeds: BTreeMap<BookKey, Vec<Seed>>) -> Self {
        WarmStart {
            sink,
            seeds: Arc::new(Mutex::new(seeds)),
        }
    }

    /// The samples to restore (once: later calls get none).
    pub fn take_seeds(&self) -> BTreeMap<BookKey, Vec<Seed>> {
        self.seeds
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default()
    }
}

/// Opens `path` for writing, reads back its baseline samples and starts the writer.
pub fn start(
    path: &Path,
    retention: Retention,
    slippage_usd: &[f64],
) -> Result<(WarmStart, std::thread::JoinHandle<()>), HistoryError> {
    let store = Store::open_write(path)?;
    let refs: Vec<String> = slippage_usd
        .iter()
        .take(columns::SLIPPAGE_REFS)
        .map(f64::to_string)
        .collect();
    store.set_meta("slippage_usd", &refs.join(","))?;
    let now_ms = (crate::market::now_nanos() / 1_000_000) as i64;
    let seeds = warm_seeds(&store, now_ms)?;
    let (sink, thread) = spawn_writer(store, retention)?;
    sink.set_restored(seeds.len() as u64);
    Ok((WarmStart::new(sink, seeds), thread))
}

/// Everything a start restores from `store` at `now` (unix ms): every book's baseline samples,
/// its symbol's 1-min rows and zones, its last long/short ratios ([`restore`]) and, after a short stop, its last seconds of flow
/// ([`recent`]).
pub fn warm_seeds(
    store: &Store,
    now_ms: i64,
) -> Result<BTreeMap<BookKey, Vec<Seed>>, HistoryError> {
    let mut seeds = restore::load_seeds(store, now_ms)?;
    for (key, minutes) in restore::load_symbol_minutes(store, now_ms)? {
        seeds.entry(key).or_default().extend(minutes);
    }
    for (key, zones) in restore::load_symbol_zones(store, now_ms)? {
        seeds.entry(key).or_default().extend(zones);
    }
    for (key, ratios) in restore::load_positioning(store, now_ms)? {
        seeds.entry(key).or_default().extend(ratios);
    }
    for (key, recent) in recent::load_recent(store, now_ms)? {
        seeds.entry(key).or_default().extend(recent);
    }
    Ok(seeds)
}

/// Baseline samples are kept a little longer than the longest baseline (24 h).
pub const WARM_KEEP: i64 = 25 * 3_600;

/// Where a stored rollup or baseline sample came from (the `source` column, schema 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// Measured by this program from the live stream (or a replay).
    Recorded = 0,
    /// Fetched from a venue's public REST history (`depthscope history backfill`, or at start).
    Backfilled = 1,
}

/// A row interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interval {
    Second,
    Minute,
    Hour,
}

impl Interval {
    pub fn seconds(self) -> i64 {
        match self {
            Interval::Second => 1,
            Interval::Minute => 60,
            Interval::Hour => 3_600,
        }
    }

    /// The start of the interval holding unix second `t`.
    pub fn start_of(self, t: i64) -> i64 {
        t - t.rem_euclid(self.seconds())
    }

    pub fn table(self) -> &'static str {
        match self {
            Interval::Second => "sec",
            Interval::Minute => "min",
            Interval::Hour => "hour",
        }
    }

    pub fn parse(s: &str) -> Option<Interval> {
        match s {
            "1s" => Some(Interval::Second),
            "1m" => Some(Interval::Minute),
            "1h" => Some(Interval::Hour),
            _ => None,
        }
    }
}

/// One book's (or, with venue `all`, one symbol's) values for one second, in the order of
/// [`columns::columns`].
#[derive(Clone, Debug, PartialEq)]
pub struct BookRow {
    pub venue: String,
    pub instrument: String,
    pub symbol: String,
    pub values: Vec<Option<f64>>,
}

/// One engine baseline sample as stored (see [`crate::engine::warm::Seed`]).
#[derive(Clone, Debug, PartialEq)]
pub struct WarmRow {
    pub venue: String,
    pub instrument: String,
    pub symbol: String,
    pub series: i64,
    /// Exchange time, ms.
    pub t: i64,
    pub value: Option<f64>,
    pub bins: Option<Vec<u8>>,
}

impl WarmRow {
    /// The rows `Engine::take_warm` samples are stored as.
    pub fn from_samples(samples: &[(BookKey, Arc<str>, Vec<Seed>)]) -> Vec<WarmRow> {
        samples
            .iter()
            .flat_map(|(key, symbol, seeds)| {
                seeds.iter().filter_map(|s| WarmRow::of(key, symbol, s))
            })
            .collect()
    }

    /// One seed of `symbol` itself (its zones), stored on the symbol's cross-venue book.
    pub fn of_symbol(symbol: &str, seed: &Seed) -> Option<WarmRow> {
        let (series, value, bins) = seed.stored()?;
        Some(WarmRow {
            venue: recorder::ALL_VENUES.to_owned(),
            instrument: symbol.to_owned(),
            symbol: symbol.to_owned(),
            series,
            t: seed.t(),
            value,
            bins,
        })
    }

    /// One seed of book `key` (of `symbol`) as stored; `None` for a seed kept elsewhere (a
    /// [`Seed::Second`] is the 1-s rows themselves).
    pub fn of(key: &BookKey, symbol: &str, seed: &Seed) -> Option<WarmRow> {
        let (series, value, bins) = seed.stored()?;
        Some(WarmRow {
            venue: key.venue.as_str().to_owned(),
            instrument: key.instrument.to_string(),
            symbol: symbol.to_owned(),
            series,
            t: seed.t(),
            value,
            bins,
        })
    }
}

/// What can go wrong with the history file, each with the file it is about.
#[derive(Clone, Debug, thiserror::Error, PartialEq)]
pub enum HistoryError {
    #[error(
        "history file {0} is in use by another depthscope (it holds {0}.lock); run with \
         --no-history or --history OTHER.sqlite, or use `depthscope history` to read it"
    )]
    Locked(PathBuf),
    #[error("no history file at {0}")]
    Missing(PathBuf),
    #[error("history file {0} has schema version {1}, newer than this depthscope understands")]
    Newer(PathBuf, i64),
    #[error(
        "history file {0} has schema version {1}: open it once with this depthscope (not \
         read-only) to migrate it"
    )]
    Old(PathBuf, i64),
    #[error("history file {0}: {1}")]
    Io(PathBuf, String),
    #[error("history file {0}: {1}")]
    Sql(PathBuf, String),
    #[error("{0}")]
    Usage(String),
}

impl HistoryError {
    fn sql(path: &Path, e: rusqlite::Error) -> Self {
        HistoryError::Sql(path.to_owned(), e.to_string())
    }
}

/// The default file: `history.sqlite` in the user's data directory
/// (`~/.local/share/depthscope/` on Linux).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "depthscope")
        .map(|d| d.data_dir().join("history.sqlite"))
}

#[cfg(test)]
mod tests;
