//! The store's door for backfilled history: rows fetched from the venues' public REST history
//! are written with `source` = [`Source::Backfilled`] only where the file has no row for that
//! minute (or hour, or baseline sample) yet. Recorded rows always win: a backfill never
//! overwrites one, and a recorded second that arrives later replaces a backfilled minute
//! (the writer's rollups never resume one).

use std::collections::BTreeMap;

use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::Serialize;

use crate::engine::warm::{MinuteSeries, PRINT_HOUR_CODE};

use super::columns::{Column, columns};
use super::{HistoryError, Interval, Source, Store, WarmRow};

/// One backfilled 1-min row: the columns a venue's history fills, by stored name
/// (`mid_open`, `taker_buy_base`, …); the others stay empty.
#[derive(Clone, Debug, PartialEq)]
pub struct MinuteRow {
    pub venue: String,
    pub instrument: String,
    pub symbol: String,
    /// Start of the minute, unix seconds.
    pub t: i64,
    pub values: Vec<(&'static str, f64)>,
}

/// What happened to one series' rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SeriesCount {
    pub written: u64,
    /// Left alone: the file holds a recorded row there.
    pub kept_recorded: u64,
    /// Left alone: an earlier backfill wrote it.
    pub kept_backfilled: u64,
}

impl SeriesCount {
    fn add(&mut self, other: SeriesCount) {
        self.written += other.written;
        self.kept_recorded += other.kept_recorded;
        self.kept_backfilled += other.kept_backfilled;
    }

    fn count(&mut self, written: bool, existing: Option<i64>) {
        match (written, existing) {
            (true, _) => self.written += 1,
            (false, Some(0)) => self.kept_recorded += 1,
            (false, _) => self.kept_backfilled += 1,
        }
    }
}

/// Rows written and kept, per series (`candle minutes`, `cvd minutes`, …).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Written(pub BTreeMap<&'static str, SeriesCount>);

impl Written {
    pub fn merge(&mut self, other: &Written) {
        for (series, count) in &other.0 {
            self.0.entry(series).or_default().add(*count);
        }
    }

    pub fn written(&self) -> u64 {
        self.0.values().map(|c| c.written).sum()
    }
}

/// What a stored baseline series is, for the summary.
pub fn series_label(code: i64) -> &'static str {
    match MinuteSeries::from_code(code) {
        Some(MinuteSeries::Cvd) => "cvd minutes",
        Some(MinuteSeries::Volume) => "volume minutes",
        Some(_) => "baseline minutes",
        None if code == PRINT_HOUR_CODE => "print hours",
        None => "other samples",
    }
}

/// The label of backfilled 1-min rows.
pub const MINUTES: &str = "candle minutes";

/// The label of 1-h rows folded from backfilled minutes.
pub const HOURS: &str = "candle hours";

/// The column a stored rollup name decodes with.
fn column_of(name: &str) -> Option<&'static Column> {
    columns()
        .iter()
        .find(|c| c.rollup_names().iter().any(|n| n == name))
}

impl Store {
    /// Writes backfilled 1-min rows and baseline samples in one transaction, each only where
    /// the file has none; returns what was written and what was kept.
    pub fn write_backfill(
        &mut self,
        minutes: &[MinuteRow],
        warm: &[WarmRow],
    ) -> Result<Written, HistoryError> {
        let result = self.conn().execute_batch("BEGIN").and_then(|()| {
            match self.write_backfill_rows(minutes, warm) {
                Ok(written) => self.conn().execute_batch("COMMIT").map(|()| written),
                Err(e) => {
                    // All or nothing: the summary's counts are what the file holds.
                    let _ = self.conn().execute_batch("ROLLBACK");
                    Err(e)
                }
            }
        });
        result.map_err(|e| self.sql(e))
    }

    fn write_backfill_rows(
        &mut self,
        minutes: &[MinuteRow],
        warm: &[WarmRow],
    ) -> rusqlite::Result<Written> {
        let backfilled = Source::Backfilled as i64;
        let mut out = Written::default();
        let mut hours = std::collections::BTreeSet::new();
        for row in minutes {
            let book = self.book_id(&row.venue, &row.instrument, &row.symbol, false)?;
            let mut names = vec!["book", "t", "seconds", "source"];
            let mut values = vec![
                Value::Integer(book),
                Value::Integer(row.t),
                Value::Integer(60),
                Value::Integer(backfilled),
            ];
            for (name, v) in &row.values {
                if let Some(col) = column_of(name).filter(|_| v.is_finite()) {
                    names.push(name);
                    values.push(col.encode(*v));
                }
            }
            let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
            let sql = format!(
                "INSERT OR IGNORE INTO min({}) VALUES ({})",
                quoted.join(", "),
                vec!["?"; names.len()].join(", ")
            );
            let inserted = self
                .conn()
                .prepare_cached(&sql)?
                .execute(params_from_iter(values))?
                == 1;
            let existing = self.source_of("min", "t = ?2", book, row.t, None, inserted)?;
            out.0.entry(MINUTES).or_default().count(inserted, existing);
            if inserted {
                hours.insert((book, Interval::Hour.start_of(row.t)));
            }
        }
        // The 1-h rows (kept without expiry) of the hours that got minutes, folded from the
        // minutes the file now holds there; a recorded hour stays as it is.
        for (book, hour) in hours {
            let written = self.rebuild_backfilled_hour(book, hour)?;
            // Not written: a recorded hour holds the place (source 0).
            out.0
                .entry(HOURS)
                .or_default()
                .count(written, (!written).then_some(0));
        }
        for w in warm {
            let book = self.book_id(&w.venue, &w.instrument, &w.symbol, false)?;
            let inserted = self
                .conn()
                .prepare_cached(
                    "INSERT OR IGNORE INTO warm(book, series, t, value, bins, source)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(rusqlite::params![
                    book, w.series, w.t, w.value, w.bins, backfilled
                ])?
                == 1;
            let existing = self.source_of(
                "warm",
                "t = ?2 AND series = ?3",
                book,
                w.t,
                Some(w.series),
                inserted,
            )?;
            out.0
                .entry(series_label(w.series))
                .or_default()
                .count(inserted, existing);
        }
        Ok(out)
    }

    /// The source of the row a backfill left alone (`None` when it was just written).
    fn source_of(
        &self,
        table: &str,
        filter: &str,
        book: i64,
        t: i64,
        series: Option<i64>,
        inserted: bool,
    ) -> rusqlite::Result<Option<i64>> {
        if inserted {
            return Ok(None);
        }
        let sql = format!("SELECT source FROM {table} WHERE book = ?1 AND {filter}");
        let mut stmt = self.conn().prepare_cached(&sql)?;
        match series {
            Some(s) => stmt.query_row(rusqlite::params![book, t, s], |r| r.get(0)),
            None => stmt.query_row(rusqlite::params![book, t], |r| r.get(0)),
        }
        .map(Some)
    }
}
