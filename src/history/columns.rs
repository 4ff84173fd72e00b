//! The columns the history keeps, one table of names, units and rules shared by the schema,
//! the rows the engine hands over, the rollups and `history query`.
//!
//! Values are stored as scaled integers where a fixed precision is enough (SQLite stores a small
//! integer in 1–4 bytes instead of 8 for a REAL), which keeps a book's day of 1-s rows within
//! the size target; prices and open interest stay REAL.

use std::sync::LazyLock;

use crate::engine::analytics::{RatioKind, RegimeLabel};
use crate::features::bands::{HYDROMANCER_BPS, KAIKO_PCTS};

/// How a column rolls up from 1-s samples into 1-min and 1-h rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rollup {
    /// Open, high, low and close (`mid` only): four stored columns.
    Ohlc,
    /// The time-weighted mean of a state variable (§0.3): every second weighs the same.
    Mean,
    /// The sum of a flow variable over the interval.
    Sum,
    /// The last value seen (funding, mark, open interest).
    Last,
}

/// One kept feature.
#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub unit: &'static str,
    /// Stored as `round(value · scale)` (an integer); `0` stores the REAL as is.
    pub scale: f64,
    pub rollup: Rollup,
    /// Kept in the 1-s rows too (otherwise only in the 1-min and 1-h rollups).
    pub every_second: bool,
    /// The schema version whose migration adds the column ([`super::store`]).
    pub added_in: i64,
}

impl Column {
    fn new(name: impl Into<String>, unit: &'static str, scale: f64, rollup: Rollup) -> Self {
        Column {
            name: name.into(),
            unit,
            scale,
            rollup,
            every_second: true,
            added_in: 1,
        }
    }

    fn minutes_only(mut self) -> Self {
        self.every_second = false;
        self
    }

    fn since(mut self, version: i64) -> Self {
        self.added_in = version;
        self
    }

    /// The stored column names: `mid` is four in the rollups.
    pub fn rollup_names(&self) -> Vec<String> {
        match self.rollup {
            Rollup::Ohlc => ["open", "high", "low", "close"]
                .iter()
                .map(|s| format!("{}_{s}", self.name))
                .collect(),
            _ => vec![self.name.clone()],
        }
    }

    /// The value as stored.
    pub fn encode(&self, v: f64) -> rusqlite::types::Value {
        if self.scale == 0.0 {
            rusqlite::types::Value::Real(v)
        } else {
            rusqlite::types::Value::Integer((v * self.scale).round() as i64)
        }
    }

    /// The decimals a scaled column is stored to (its scale is a power of ten), `None` for a
    /// REAL or any other scale.
    pub fn decimals(&self) -> Option<u32> {
        (0..=12).find(|&d| self.scale == 10f64.powi(d as i32))
    }

    /// The stored value back in its unit.
    pub fn decode(&self, v: rusqlite::types::ValueRef<'_>) -> Option<f64> {
        use rusqlite::types::ValueRef;
        let x = match v {
            ValueRef::Integer(i) => i as f64,
            ValueRef::Real(r) => r,
            _ => return None,
        };
        Some(if self.scale == 0.0 { x } else { x / self.scale })
    }
}

/// Slippage is kept for this many of the configured reference notionals (`engine.slippage_usd`,
/// in order); `history info` lists the notionals the file was written with.
pub const SLIPPAGE_REFS: usize = 3;

/// Every kept column, in storage order.
pub fn columns() -> &'static [Column] {
    static COLUMNS: LazyLock<Vec<Column>> = LazyLock::new(build);
    &COLUMNS
}

/// The index of the column `name` (as in [`columns`]).
pub fn index_of(name: &str) -> Option<usize> {
    columns().iter().position(|c| c.name == name)
}

/// How many values a row holds.
pub fn width() -> usize {
    columns().len()
}

fn build() -> Vec<Column> {
    use Rollup::*;
    let mut c = vec![
        Column::new("mid", "quote", 0.0, Ohlc),
        Column::new("spread_bps", "bps", 100.0, Mean),
    ];
    for n in [1, 5, 10, 20] {
        c.push(Column::new(
            format!("imbalance_{n}"),
            "ratio -1..1",
            1e4,
            Mean,
        ));
    }
    c.push(Column::new("ofi_10s", "base", 1e4, Mean));
    for bps in HYDROMANCER_BPS {
        for side in ["bid", "ask"] {
            c.push(Column::new(
                format!("depth_{bps}bps_{side}_base"),
                "base",
                1e4,
                Mean,
            ));
            c.push(Column::new(
                format!("depth_{bps}bps_{side}_usd"),
                "quote",
                1.0,
                Mean,
            ));
        }
    }
    for side in ["bid", "ask"] {
        c.push(Column::new(
            format!("depth_25_500bps_{side}_base"),
            "base",
            1e4,
            Mean,
        ));
        c.push(Column::new(
            format!("depth_25_500bps_{side}_usd"),
            "quote",
            1.0,
            Mean,
        ));
    }
    c.extend([
        Column::new("cvd_1m", "base", 1e4, Mean),
        Column::new("taker_buy_base", "base", 1e4, Sum),
        Column::new("taker_sell_base", "base", 1e4, Sum),
        Column::new("trades", "count", 1.0, Sum),
        Column::new("liq_long_usd", "quote", 1.0, Sum),
        Column::new("liq_short_usd", "quote", 1.0, Sum),
        Column::new("funding_rate", "fraction per interval", 1e8, Last),
        Column::new("mark", "quote", 0.0, Last),
        Column::new("open_interest", "base", 0.0, Last),
        Column::new("basis_bps", "bps", 100.0, Mean),
        Column::new("valid", "share of seconds 0..1", 1e4, Mean),
    ]);
    for pct in KAIKO_PCTS {
        for side in ["bid", "ask"] {
            let pct = pct.to_string().replace('.', "p");
            c.push(
                Column::new(format!("kaiko_{pct}pct_{side}_usd"), "quote", 1.0, Mean)
                    .minutes_only(),
            );
        }
    }
    for i in 1..=SLIPPAGE_REFS {
        for side in ["buy", "sell"] {
            c.push(
                Column::new(format!("slippage_{i}_{side}_bps"), "bps", 100.0, Mean).minutes_only(),
            );
        }
    }
    c.extend([
        Column::new("l1_imbalance_ratio", "ratio", 1e4, Mean).minutes_only(),
        Column::new("l1_imbalance_ratio_avg", "ratio", 1e4, Mean).minutes_only(),
        Column::new("wmid_offset_bps", "bps", 100.0, Mean).minutes_only(),
        Column::new("directional_pressure", "score -1..1", 1e4, Mean).minutes_only(),
        Column::new("liquidity_risk", "score 0..1", 1e4, Mean).minutes_only(),
        Column::new("whale_conviction", "score 0..1", 1e4, Mean).minutes_only(),
        Column::new("flow_momentum", "z-score", 1e4, Mean).minutes_only(),
        Column::new("cross_exchange_agreement", "score 0..1", 1e4, Mean).minutes_only(),
        Column::new("cascade_stress", "score 0..1", 1e4, Mean).minutes_only(),
        Column::new("dislocation_score", "score 0..1", 1e4, Mean).minutes_only(),
    ]);
    c.extend(
        analytics_columns()
            .into_iter()
            .map(|c| c.minutes_only().since(3)),
    );
    c
}

/// The analytics' 1-min values (schema 3). The regime label is stored as its index in
/// [`RegimeLabel::ALL`] and rolls up as the last label of the interval; the other figures are
/// time-weighted means. Per book: the integrity score and the venue's positioning; in a
/// symbol's cross-venue row: the regime, drift, nearest zones, the least intact book's integrity
/// and the venues' consensus ratios (under the same ratio names).
fn analytics_columns() -> Vec<Column> {
    use Rollup::*;
    let mut c = vec![Column::new(
        "regime",
        "label 0 CALM, 1 BULL, 2 BEAR, 3 BREAKOUT, 4 CRASH",
        1.0,
        Last,
    )];
    for label in RegimeLabel::ALL {
        c.push(Column::new(
            regime_probability_column(label),
            "probability 0..1",
            1e6,
            Mean,
        ));
    }
    c.extend([
        Column::new("regime_entropy", "0 certain..1 uniform", 1e4, Mean),
        Column::new("drift_score", "score 0..1", 1e4, Mean),
        Column::new("integrity_score", "score 0..100", 100.0, Mean),
        Column::new("nearest_support_bps", "bps", 100.0, Mean),
        Column::new("nearest_resistance_bps", "bps", 100.0, Mean),
    ]);
    for kind in RatioKind::ALL {
        c.push(Column::new(
            long_short_column(kind),
            "longs/shorts",
            1e4,
            Mean,
        ));
    }
    c.extend([
        Column::new("taker_buy_sell_ratio", "buy/sell volume", 1e4, Mean),
        Column::new("large_taker_buy_share", "share 0..1", 1e4, Mean),
        Column::new("small_taker_buy_share", "share 0..1", 1e4, Mean),
    ]);
    c
}

/// The column of one regime probability (`regime_p_bull`).
pub fn regime_probability_column(label: RegimeLabel) -> String {
    format!("regime_p_{}", label.as_str().to_ascii_lowercase())
}

/// The column of one kind of long/short ratio (`long_short_ratio_accounts`).
pub fn long_short_column(kind: RatioKind) -> String {
    format!("long_short_ratio_{}", kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_sql_safe() {
        let mut names: Vec<String> = columns().iter().flat_map(|c| c.rollup_names()).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
        for name in names {
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{name}"
            );
        }
    }

    #[test]
    fn scaled_values_round_trip_at_their_precision() {
        let c = &columns()[index_of("spread_bps").unwrap()];
        let stored = c.encode(1.23456);
        let back = c.decode(rusqlite::types::ValueRef::from(&stored)).unwrap();
        assert_eq!(back, 1.23);
        let mid = &columns()[index_of("mid").unwrap()];
        let stored = mid.encode(67_123.45);
        assert_eq!(mid.decode((&stored).into()), Some(67_123.45));
    }
}
