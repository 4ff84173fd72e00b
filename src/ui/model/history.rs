//! The History view's model: which table a range reads, the features it can chart, and the read
//! of the history store itself. [`load`] blocks (SQLite), so the run loop calls it on a
//! blocking thread and hands the answer back; the screen never waits on the file.

use crate::history::columns::{Rollup, columns, index_of};
use crate::history::query::{QuerySpec, query};
use crate::history::recorder::ALL_VENUES;
use crate::history::{HistoryError, Interval, Store};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How far back the chart reaches; `r` cycles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HistoryRange {
    Hour,
    #[default]
    Day,
    Week,
    Quarter,
}

impl HistoryRange {
    const ALL: [HistoryRange; 4] = [
        HistoryRange::Hour,
        HistoryRange::Day,
        HistoryRange::Week,
        HistoryRange::Quarter,
    ];

    pub fn next(self) -> HistoryRange {
        let i = Self::ALL.iter().position(|r| *r == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    pub fn seconds(self) -> i64 {
        match self {
            HistoryRange::Hour => 3_600,
            HistoryRange::Day => 86_400,
            HistoryRange::Week => 7 * 86_400,
            HistoryRange::Quarter => 90 * 86_400,
        }
    }

    /// The rows read: 1-s rows are kept for a day, 1-min rows for 90 days, and a range is read
    /// at the finest interval that covers it in a few thousand points at most.
    pub fn interval(self) -> Interval {
        match self {
            HistoryRange::Hour => Interval::Second,
            HistoryRange::Day => Interval::Minute,
            HistoryRange::Week | HistoryRange::Quarter => Interval::Hour,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            HistoryRange::Hour => "1 h",
            HistoryRange::Day => "24 h",
            HistoryRange::Week => "7 d",
            HistoryRange::Quarter => "90 d",
        }
    }

    /// Ticks under the x axis: (seconds before now, label), oldest first.
    pub fn ticks(self) -> Vec<(f64, String)> {
        let (step, unit, n) = match self {
            HistoryRange::Hour => (900, "m", 4),
            HistoryRange::Day => (6 * 3_600, "h", 4),
            HistoryRange::Week => (86_400, "d", 7),
            HistoryRange::Quarter => (15 * 86_400, "d", 6),
        };
        let per = match unit {
            "m" => 60,
            "h" => 3_600,
            _ => 86_400,
        };
        (0..=n)
            .rev()
            .map(|i| {
                let ago = i * step;
                let text = if ago == 0 {
                    "now".to_owned()
                } else {
                    format!("-{}{unit}", ago / per)
                };
                (-(ago as f64), text)
            })
            .collect()
    }
}

/// The features the view charts, in the order `n` steps through them. The analytics' values
/// (the last ten) are kept in the 1-min and 1-h rows only: the last hour of them is read from
/// the 1-min rows ([`HistoryAsk::interval`]).
pub const FIELDS: [&str; 26] = [
    "mid",
    "spread_bps",
    "cvd_1m",
    "imbalance_5",
    "ofi_10s",
    "taker_buy_base",
    "taker_sell_base",
    "trades",
    "depth_25bps_bid_usd",
    "depth_25bps_ask_usd",
    "liq_long_usd",
    "liq_short_usd",
    "funding_rate",
    "open_interest",
    "basis_bps",
    "valid",
    "regime",
    "regime_entropy",
    "drift_score",
    "integrity_score",
    "nearest_support_bps",
    "nearest_resistance_bps",
    "long_short_ratio_accounts",
    "long_short_ratio_top_positions",
    "taker_buy_sell_ratio",
    "large_taker_buy_share",
];

/// What the view asks the store for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HistoryAsk {
    pub symbol: String,
    /// A venue id, or [`ALL_VENUES`] for the symbol's cross-venue rows.
    pub venue: String,
    /// One book of the venue (its instrument as stored); `None`: every book of `venue`.
    pub instrument: Option<String>,
    pub range: HistoryRange,
    /// An index into [`FIELDS`].
    pub field: usize,
}

impl HistoryAsk {
    pub fn field_name(&self) -> &'static str {
        FIELDS[self.field % FIELDS.len()]
    }

    /// The rows read: the range's, or the 1-min rows for a field not kept every second.
    pub fn interval(&self) -> Interval {
        let interval = self.range.interval();
        let every_second = index_of(self.field_name()).is_some_and(|i| columns()[i].every_second);
        if interval == Interval::Second && !every_second {
            Interval::Minute
        } else {
            interval
        }
    }

    /// The stored column read: `mid` is `mid_close` in the 1-min and 1-h rows.
    pub fn column(&self) -> String {
        let name = self.field_name();
        let column = index_of(name).map(|i| &columns()[i]);
        match column {
            Some(c) if c.rollup == Rollup::Ohlc && self.interval() != Interval::Second => {
                format!("{name}_close")
            }
            _ => name.to_owned(),
        }
    }

    /// The unit of a value: flows are sums over one row's interval.
    pub fn unit(&self) -> String {
        let Some(c) = index_of(self.field_name()).map(|i| &columns()[i]) else {
            return String::new();
        };
        if c.rollup == Rollup::Sum {
            let per = match self.interval() {
                Interval::Second => "s",
                Interval::Minute => "min",
                Interval::Hour => "h",
            };
            format!("{} per {per}", c.unit)
        } else {
            c.unit.to_owned()
        }
    }

    pub fn aggregated(&self) -> bool {
        self.venue == ALL_VENUES
    }
}

/// One line on the chart: a book (`venue instrument`) or the cross-venue row.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub label: String,
    /// (seconds before `to`, value), oldest first; seconds without a value are left out.
    pub points: Vec<(f64, f64)>,
}

/// What a read of the store found.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The file does not exist (yet).
    NoFile(PathBuf),
    /// The read worked and found nothing to draw; the words say what was asked.
    Empty(String),
    /// The file could not be read; the error says why.
    Failed(String),
    Rows {
        series: Vec<Series>,
        /// The end of the range, unix seconds (`now` when asked).
        to: i64,
    },
}

/// Reads `ask` from the file at `path` for the range ending at unix second `now`. Blocking.
pub fn load(path: &Path, ask: &HistoryAsk, now: i64) -> Outcome {
    let store = match Store::open_read(path) {
        Ok(store) => store,
        Err(HistoryError::Missing(p)) => return Outcome::NoFile(p),
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let interval = ask.interval();
    let spec = QuerySpec {
        symbol: ask.symbol.clone(),
        venue: Some(ask.venue.clone()),
        from: now - ask.range.seconds(),
        to: now + 1,
        every: interval,
        fields: vec![ask.column()],
    };
    let where_ = if ask.aggregated() {
        "across venues".to_owned()
    } else {
        format!("on {}", ask.venue)
    };
    let empty = || {
        Outcome::Empty(format!(
            "no {} rows in this range: {} {where_}, last {}",
            interval_name(interval),
            ask.symbol,
            ask.range.label()
        ))
    };
    let table = match query(&store, &spec) {
        Ok(table) => table,
        // An empty result is a usage message from `history query`; here it is just empty.
        Err(HistoryError::Usage(_)) => return empty(),
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let mut by_book: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for (t, venue, instrument, values) in &table.rows {
        if ask.instrument.as_ref().is_some_and(|i| i != instrument) {
            continue;
        }
        let label = if venue == ALL_VENUES {
            "all venues".to_owned()
        } else {
            format!("{venue} {instrument}")
        };
        let points = by_book.entry(label).or_default();
        if let Some(v) = values.first().copied().flatten().filter(|v| v.is_finite()) {
            points.push(((t - now) as f64, v));
        }
    }
    let series: Vec<Series> = by_book
        .into_iter()
        .filter(|(_, points)| !points.is_empty())
        .map(|(label, points)| Series { label, points })
        .collect();
    if series.is_empty() {
        return Outcome::Empty(format!(
            "{} was not measured in this range: {} {where_}, last {}",
            ask.field_name(),
            ask.symbol,
            ask.range.label()
        ));
    }
    Outcome::Rows { series, to: now }
}

fn interval_name(interval: Interval) -> &'static str {
    match interval {
        Interval::Second => "1-s",
        Interval::Minute => "1-min",
        Interval::Hour => "1-h",
    }
}

/// The view's state in the app: what is asked, what is shown, and when to ask again.
#[derive(Clone, Debug, Default)]
pub struct HistoryPane {
    pub range: HistoryRange,
    pub field: usize,
    /// The last answer, with what it answered.
    pub shown: Option<(HistoryAsk, Outcome)>,
    /// A read under way.
    in_flight: Option<HistoryAsk>,
    /// Unix second the last read was started.
    asked_at: i64,
}

/// A shown chart is read again this often while the view is open (the store gains a row a
/// second; more often would only load the file).
pub const REFRESH_S: i64 = 5;

impl HistoryPane {
    pub fn next_field(&mut self, by: isize) {
        let n = FIELDS.len() as isize;
        self.field = (self.field as isize + by).rem_euclid(n) as usize;
    }

    /// Whether `ask` should be read now (unix second `now`): nothing is under way, and either
    /// nothing for this ask is shown or the shown answer is [`REFRESH_S`] old. Marks it asked.
    pub fn start(&mut self, ask: &HistoryAsk, now: i64) -> bool {
        if self.in_flight.is_some() {
            return false;
        }
        let same = self.shown.as_ref().is_some_and(|(a, _)| a == ask);
        if same && now - self.asked_at < REFRESH_S {
            return false;
        }
        self.in_flight = Some(ask.clone());
        self.asked_at = now;
        true
    }

    pub fn finish(&mut self, ask: HistoryAsk, outcome: Outcome) {
        if self.in_flight.as_ref() == Some(&ask) {
            self.in_flight = None;
        }
        self.shown = Some((ask, outcome));
    }

    /// The answer for `ask`, if one is shown (an answer for another ask is not).
    pub fn outcome(&self, ask: &HistoryAsk) -> Option<&Outcome> {
        self.shown
            .as_ref()
            .filter(|(a, _)| a == ask)
            .map(|(_, o)| o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_the_finest_table_that_keeps_them() {
        let cases = [
            (HistoryRange::Hour, Interval::Second, "sec", 3_600),
            (HistoryRange::Day, Interval::Minute, "min", 86_400),
            (HistoryRange::Week, Interval::Hour, "hour", 604_800),
            (HistoryRange::Quarter, Interval::Hour, "hour", 7_776_000),
        ];
        for (range, interval, table, seconds) in cases {
            assert_eq!(range.interval(), interval, "{range:?}");
            assert_eq!(range.interval().table(), table);
            assert_eq!(range.seconds(), seconds);
            // A few thousand points at most on the chart.
            assert!(range.seconds() / interval.seconds() <= 3_600, "{range:?}");
        }
        let mut r = HistoryRange::default();
        let seen: Vec<_> = (0..4)
            .map(|_| {
                r = r.next();
                r
            })
            .collect();
        assert_eq!(
            seen,
            [
                HistoryRange::Week,
                HistoryRange::Quarter,
                HistoryRange::Hour,
                HistoryRange::Day
            ]
        );
    }

    #[test]
    fn every_field_is_kept_in_every_table_with_its_unit() {
        for field in 0..FIELDS.len() {
            for range in HistoryRange::ALL {
                let ask = HistoryAsk {
                    symbol: "BTC".into(),
                    venue: ALL_VENUES.into(),
                    instrument: None,
                    range,
                    field,
                };
                let c = index_of(ask.field_name()).expect("a kept column");
                // The interval read has the column.
                let kept = columns()[c].every_second || ask.interval() != Interval::Second;
                assert!(kept, "{} {range:?}", ask.field_name());
                assert!(!ask.unit().is_empty());
            }
        }
        let mut ask = HistoryAsk {
            symbol: "BTC".into(),
            venue: "okx".into(),
            instrument: None,
            range: HistoryRange::Hour,
            field: 0,
        };
        assert_eq!(ask.column(), "mid");
        ask.range = HistoryRange::Day;
        assert_eq!(ask.column(), "mid_close");
        ask.field = FIELDS.iter().position(|f| *f == "trades").unwrap();
        assert_eq!(ask.unit(), "count per min");
    }

    #[test]
    fn the_last_hour_of_an_analytics_field_is_read_from_the_minute_rows() {
        let field = |name: &str| FIELDS.iter().position(|f| *f == name).unwrap();
        let mut ask = HistoryAsk {
            symbol: "BTC".into(),
            venue: ALL_VENUES.into(),
            instrument: None,
            range: HistoryRange::Hour,
            field: field("regime"),
        };
        assert_eq!(ask.interval(), Interval::Minute);
        assert_eq!(ask.column(), "regime");
        ask.field = field("integrity_score");
        assert_eq!(ask.unit(), "score 0..100");
        ask.range = HistoryRange::Week;
        assert_eq!(ask.interval(), Interval::Hour);
        // Fields kept every second still read the 1-s rows for the last hour.
        ask.field = field("spread_bps");
        ask.range = HistoryRange::Hour;
        assert_eq!(ask.interval(), Interval::Second);
    }

    #[test]
    fn a_shown_answer_is_read_again_only_after_the_refresh_interval() {
        let ask = HistoryAsk {
            symbol: "BTC".into(),
            venue: ALL_VENUES.into(),
            instrument: None,
            range: HistoryRange::Day,
            field: 0,
        };
        let mut pane = HistoryPane::default();
        assert!(pane.start(&ask, 100));
        assert!(!pane.start(&ask, 100), "one read at a time");
        pane.finish(ask.clone(), Outcome::Empty("x".into()));
        assert!(!pane.start(&ask, 100 + REFRESH_S - 1));
        assert!(pane.start(&ask, 100 + REFRESH_S));
        pane.finish(ask.clone(), Outcome::Empty("x".into()));
        let other = HistoryAsk {
            field: 1,
            ..ask.clone()
        };
        assert!(pane.outcome(&other).is_none());
        assert!(
            pane.start(&other, 100 + REFRESH_S),
            "a new ask reads at once"
        );
    }
}
