//! The Overview's 24 h sparklines: mid and CVD per book, one cell per slice of the day.
//!
//! Two sources are joined minute by minute: the history store's 1-min rows of the last 24 h
//! (read by [`load`] on a blocking thread, as the History view reads; a frame never waits on
//! SQLite), and the minutes that close while the program runs (sampled from frames). A minute
//! the store holds wins; live minutes fill the rest, so a run without history (`--no-history`)
//! fills its sparklines from the live market alone.
//!
//! CVD is cumulative: each minute adds its net taker flow in the quote currency (stored rows:
//! `(taker_buy_base − taker_sell_base) · mid_close`; live minutes: `cvd_1m_usd` as the minute
//! closes), and a cell shows the running total at its end.

use crate::engine::frame::Frame;
use crate::history::query::{QuerySpec, query};
use crate::history::recorder::ALL_VENUES;
use crate::history::{HistoryError, Interval, Store};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The span a sparkline covers, in minutes (24 h).
pub const SPAN_MIN: i64 = 1_440;

/// The store is read again this often (seconds) while the Overview is shown: live minutes fill
/// the time between reads.
pub const RELOAD_S: i64 = 300;

/// A line needs this many cells with data: fewer would draw a line that is not a history.
pub const MIN_CELLS: usize = 2;

/// One closed minute of one book.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Minute {
    /// Mid at the minute's close, quote currency.
    pub mid: Option<f64>,
    /// Net taker flow in the minute, quote currency (buy positive).
    pub flow: Option<f64>,
}

/// Minutes by venue, then instrument, then minute start (unix seconds, a multiple of 60).
pub type BookMinutes = HashMap<String, HashMap<String, BTreeMap<i64, Minute>>>;

/// What a read of the store found.
#[derive(Clone, Debug, PartialEq)]
pub enum Stored {
    /// History is off or its file is missing: live minutes only.
    None,
    Rows(BookMinutes),
    /// The file could not be read; the words say why.
    Failed(String),
}

/// One row's two sparklines, one value per cell (oldest first); `None` cells are gaps.
#[derive(Clone, Debug, PartialEq)]
pub struct Spark {
    pub mid: Vec<Option<f64>>,
    pub cvd: Vec<Option<f64>>,
}

/// What a row shows in a sparkline column.
#[derive(Clone, Debug, PartialEq)]
pub enum SparkCell {
    Line(Vec<Option<f64>>),
    /// No line: a short word says why (`history off`, `loading`, `warming`).
    Word(&'static str),
}

/// The sparklines' state in the app.
#[derive(Clone, Debug, Default)]
pub struct SparkStore {
    stored: BookMinutes,
    /// Why the last read failed (logged), while it keeps failing.
    failed: Option<String>,
    live: BookMinutes,
    /// Per venue and instrument, the minute being observed.
    open: HashMap<String, HashMap<String, OpenMinute>>,
    /// The symbols the last read asked for, and when (unix seconds).
    asked: Option<(Vec<String>, i64)>,
    in_flight: bool,
    /// A read has come back (or history is off): words other than `loading` apply.
    answered: bool,
}

/// The minute being observed: (minute start, last mid, last `cvd_1m_usd`).
type OpenMinute = (i64, Option<f64>, Option<f64>);

fn minute_of(unix_s: i64) -> i64 {
    unix_s.div_euclid(60) * 60
}

impl SparkStore {
    /// Samples every proven book of `frame`: a minute closes when a frame of the next one
    /// arrives, keeping the last mid and 1-min CVD seen in it.
    pub fn ingest(&mut self, frame: &Frame) {
        let minute = minute_of((frame.at / 1_000_000_000) as i64);
        for symbol in &frame.symbols {
            for book in &symbol.books {
                let features = book.features.as_ref().filter(|_| book.state.is_live());
                let mid = features.and_then(|f| f.mid).filter(|m| m.is_finite());
                let cvd = features.and(book.flow.cvd_1m_usd).filter(|c| c.is_finite());
                let venue = book.key.venue.as_str();
                let open = self
                    .open
                    .entry(venue.to_owned())
                    .or_default()
                    .entry(book.key.instrument.to_string())
                    .or_insert((minute, None, None));
                if open.0 != minute {
                    let (start, mid, flow) = *open;
                    if (mid, flow) != (None, None) && start < minute {
                        let minutes = self
                            .live
                            .entry(venue.to_owned())
                            .or_default()
                            .entry(book.key.instrument.to_string())
                            .or_default();
                        minutes.insert(start, Minute { mid, flow });
                        // Keep a day: older minutes are off every sparkline.
                        while minutes
                            .first_key_value()
                            .is_some_and(|(t, _)| *t < minute - SPAN_MIN * 60)
                        {
                            minutes.pop_first();
                        }
                    }
                    *open = (minute, None, None);
                }
                open.1 = mid.or(open.1);
                open.2 = cvd.or(open.2);
            }
        }
    }

    /// Whether the store should be read now (unix second `now`) for `symbols`: nothing is
    /// under way, and the symbols changed or the last read is [`RELOAD_S`] old. Marks it asked.
    pub fn start(&mut self, symbols: &[String], now: i64) -> bool {
        if self.in_flight {
            return false;
        }
        let fresh = self
            .asked
            .as_ref()
            .is_some_and(|(s, at)| s == symbols && now - at < RELOAD_S);
        if fresh {
            return false;
        }
        self.asked = Some((symbols.to_vec(), now));
        self.in_flight = true;
        true
    }

    pub fn finish(&mut self, stored: Stored) {
        self.in_flight = false;
        self.answered = true;
        match stored {
            Stored::None => {
                self.stored.clear();
                self.failed = None;
            }
            Stored::Rows(rows) => {
                self.stored = rows;
                self.failed = None;
            }
            Stored::Failed(why) => {
                // The cell says `read failed`; the log says why (once per new reason).
                if self.failed.as_ref() != Some(&why) {
                    tracing::warn!(error = %why, "overview sparklines: history file not read");
                }
                self.failed = Some(why);
            }
        }
    }

    /// History is off: no read will come; say so rather than `loading`.
    pub fn history_off(&mut self) {
        self.answered = true;
    }

    /// The two sparklines of one book over the day ending at unix second `now`, `cells` wide;
    /// `None` when fewer than [`MIN_CELLS`] cells hold a mid.
    pub fn spark(&self, venue: &str, instrument: &str, now: i64, cells: usize) -> Option<Spark> {
        if cells == 0 {
            return None;
        }
        let end = minute_of(now);
        let start = end - SPAN_MIN * 60;
        let stored = book(&self.stored, venue, instrument);
        let live = book(&self.live, venue, instrument);
        let cell = |t: i64| ((t - start) / 60 * cells as i64 / SPAN_MIN) as usize;
        // Per cell: the latest mid (with its minute) and the flow summed over its minutes.
        let mut mids: Vec<Option<(i64, f64)>> = vec![None; cells];
        let mut flows: Vec<Option<f64>> = vec![None; cells];
        let mut add = |t: i64, m: &Minute| {
            let c = cell(t).min(cells - 1);
            if let Some(mid) = m.mid
                && mids[c].is_none_or(|(at, _)| at < t)
            {
                mids[c] = Some((t, mid));
            }
            if let Some(flow) = m.flow {
                *flows[c].get_or_insert(0.0) += flow;
            }
        };
        for (t, m) in stored.into_iter().flat_map(|s| s.range(start..end)) {
            add(*t, m);
        }
        for (t, m) in live.into_iter().flat_map(|l| l.range(start..end)) {
            if !stored.is_some_and(|s| s.contains_key(t)) {
                add(*t, m);
            }
        }
        let mid: Vec<Option<f64>> = mids.into_iter().map(|m| m.map(|(_, v)| v)).collect();
        if mid.iter().flatten().count() < MIN_CELLS {
            return None;
        }
        let mut total = 0.0;
        let cvd = flows
            .into_iter()
            .map(|f| {
                f.map(|f| {
                    total += f;
                    total
                })
            })
            .collect();
        Some(Spark { mid, cvd })
    }

    /// What a row shows: the lines, or the word that says why there are none.
    pub fn cells(
        &self,
        venue: &str,
        instrument: &str,
        now: i64,
        cells: usize,
        history_on: bool,
    ) -> (SparkCell, SparkCell) {
        if let Some(spark) = self.spark(venue, instrument, now, cells) {
            let cvd = if spark.cvd.iter().flatten().count() >= MIN_CELLS {
                SparkCell::Line(spark.cvd)
            } else {
                SparkCell::Word("no trades")
            };
            return (SparkCell::Line(spark.mid), cvd);
        }
        let word = if !history_on {
            "history off"
        } else if !self.answered {
            "loading"
        } else if self.failed.is_some() {
            "read failed"
        } else {
            "warming"
        };
        (SparkCell::Word(word), SparkCell::Word(word))
    }
}

fn book<'a>(
    minutes: &'a BookMinutes,
    venue: &str,
    instrument: &str,
) -> Option<&'a BTreeMap<i64, Minute>> {
    minutes.get(venue).and_then(|v| v.get(instrument))
}

/// Reads the last 24 h of 1-min rows of `symbols` (every venue's books) from the file at
/// `path`, up to unix second `now`. Blocking.
pub fn load(path: &Path, symbols: &[String], now: i64) -> Stored {
    let store = match Store::open_read(path) {
        Ok(store) => store,
        Err(HistoryError::Missing(_)) => return Stored::None,
        Err(e) => return Stored::Failed(e.to_string()),
    };
    let mut out = BookMinutes::new();
    for symbol in symbols {
        let spec = QuerySpec {
            symbol: symbol.clone(),
            venue: None,
            from: minute_of(now) - SPAN_MIN * 60,
            to: now + 1,
            every: Interval::Minute,
            fields: vec![
                "mid_close".into(),
                "taker_buy_base".into(),
                "taker_sell_base".into(),
            ],
        };
        let table = match query(&store, &spec) {
            Ok(table) => table,
            // No rows for this symbol: its rows fill from the live market.
            Err(HistoryError::Usage(_)) => continue,
            Err(e) => return Stored::Failed(e.to_string()),
        };
        for (t, venue, instrument, values) in table.rows {
            if venue == ALL_VENUES {
                continue;
            }
            let finite = |i: usize| values.get(i).copied().flatten().filter(|v| v.is_finite());
            let mid = finite(0);
            let flow = match (finite(1), finite(2), mid) {
                (Some(buy), Some(sell), Some(mid)) => Some((buy - sell) * mid),
                _ => None,
            };
            out.entry(venue)
                .or_default()
                .entry(instrument)
                .or_default()
                .insert(minute_of(t), Minute { mid, flow });
        }
    }
    Stored::Rows(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(pairs: &[(i64, f64, f64)]) -> BookMinutes {
        let mut m = BookMinutes::new();
        let book = m
            .entry("okx".into())
            .or_default()
            .entry("BTC-USDT".into())
            .or_default();
        for &(t, mid, flow) in pairs {
            book.insert(
                t,
                Minute {
                    mid: Some(mid),
                    flow: Some(flow),
                },
            );
        }
        m
    }

    const NOW: i64 = 1_700_000_000 - 1_700_000_000 % 60;

    #[test]
    fn cells_hold_the_last_mid_and_the_running_cvd() {
        let mut s = SparkStore::default();
        // Two minutes in the first hour, one in the last; 24 cells of one hour each.
        let day = NOW - SPAN_MIN * 60;
        s.finish(Stored::Rows(minutes(&[
            (day, 100.0, 5.0),
            (day + 60, 101.0, -2.0),
            (NOW - 60, 110.0, 10.0),
        ])));
        let spark = s.spark("okx", "BTC-USDT", NOW, 24).unwrap();
        assert_eq!(spark.mid.len(), 24);
        assert_eq!(spark.mid[0], Some(101.0));
        assert_eq!(spark.mid[23], Some(110.0));
        assert!(
            spark.mid[1..23].iter().all(Option::is_none),
            "gaps stay gaps"
        );
        assert_eq!(spark.cvd[0], Some(3.0));
        assert_eq!(spark.cvd[23], Some(13.0));
        // Another book has nothing: no line, a word.
        assert_eq!(s.spark("okx", "ETH-USDT", NOW, 24), None);
        assert_eq!(
            s.cells("okx", "ETH-USDT", NOW, 24, true),
            (SparkCell::Word("warming"), SparkCell::Word("warming"))
        );
    }

    #[test]
    fn one_cell_of_data_is_not_a_line() {
        let mut s = SparkStore::default();
        s.finish(Stored::Rows(minutes(&[
            (NOW - 120, 1.0, 1.0),
            (NOW - 60, 2.0, 1.0),
        ])));
        assert_eq!(s.spark("okx", "BTC-USDT", NOW, 24), None);
        assert!(s.spark("okx", "BTC-USDT", NOW, 1_440).is_some());
        let off = SparkStore::default();
        assert_eq!(
            off.cells("okx", "BTC-USDT", NOW, 24, false).0,
            SparkCell::Word("history off")
        );
        assert_eq!(
            off.cells("okx", "BTC-USDT", NOW, 24, true).0,
            SparkCell::Word("loading")
        );
    }

    #[test]
    fn stored_minutes_win_and_live_minutes_fill_the_rest() {
        let mut s = SparkStore {
            live: minutes(&[(NOW - 180, 1.0, 100.0), (NOW - 120, 2.0, 1.0)]),
            ..SparkStore::default()
        };
        s.finish(Stored::Rows(minutes(&[(NOW - 180, 50.0, 7.0)])));
        let spark = s.spark("okx", "BTC-USDT", NOW, SPAN_MIN as usize).unwrap();
        let n = spark.mid.len();
        assert_eq!(spark.mid[n - 3], Some(50.0), "the store's minute");
        assert_eq!(spark.mid[n - 2], Some(2.0), "a live minute");
        assert_eq!(spark.cvd[n - 2], Some(8.0), "7 stored, then 1 live");
        // A failed reread keeps what was read and says why.
        s.finish(Stored::Failed("locked".into()));
        assert_eq!(s.failed.as_deref(), Some("locked"));
        assert_eq!(
            s.cells("okx", "ETH-USDT", NOW, 24, true).0,
            SparkCell::Word("read failed")
        );
        assert!(s.spark("okx", "BTC-USDT", NOW, SPAN_MIN as usize).is_some());
    }

    #[test]
    fn reads_are_one_at_a_time_and_repeat_after_the_reload_interval() {
        let mut s = SparkStore::default();
        let syms = vec!["BTC".to_owned()];
        assert!(s.start(&syms, 100));
        assert!(!s.start(&syms, 100), "one read at a time");
        s.finish(Stored::None);
        assert!(!s.start(&syms, 100 + RELOAD_S - 1));
        assert!(s.start(&syms, 100 + RELOAD_S));
        s.finish(Stored::None);
        assert!(s.start(&["BTC".to_owned(), "SOL".to_owned()], 100 + RELOAD_S));
    }
}
