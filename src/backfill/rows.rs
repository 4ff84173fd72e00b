//! What a backfilled book becomes in the history store: the same baseline samples
//! ([`Seed`]s, stored as `warm` rows) the engine hands the recorder, and 1-min rows of what
//! the venues' history tells (traded OHLC as the mid's proxy, taker volume, trades, funding,
//! open interest). Both are marked [`Source::Backfilled`](crate::history::Source) by the store.
//!
//! - per candle: the minute's traded notional (the 24 h volume) and, where the venue splits
//!   taker volume, its signed CVD (`σ_1m` of `flow_momentum`);
//! - per hour of sampled prints: the weighted notional histogram behind the large-trade P99.
//!
//! Book-only features (depth bands, imbalance, OFI, spread, slippage) have no rows here: no
//! venue serves historical books.

use crate::engine::warm::{MinuteSeries, PRINT_HOUR_CODE, Seed};
use crate::features::baseline::notional_bins;
use crate::history::WarmRow;
use crate::history::backfill::MinuteRow;
use crate::market::Millis;

use super::series::BookHistory;

const HOUR: Millis = 3_600_000;

/// The stored series a backfill fills (see [`Seed::stored`]): what the engine is re-seeded
/// with from the store afterwards.
pub const SERIES: [i64; 3] = [
    MinuteSeries::Cvd.code(),
    MinuteSeries::Volume.code(),
    PRINT_HOUR_CODE,
];

/// The baseline samples of one book's history, oldest first.
pub fn seeds(h: &BookHistory) -> Vec<Seed> {
    let mut out = Vec::new();
    for c in &h.candles {
        out.push(Seed::Minute {
            series: MinuteSeries::Volume,
            t: c.t,
            value: c.notional_or_estimate(),
        });
        if let Some(cvd) = c.cvd() {
            out.push(Seed::Minute {
                series: MinuteSeries::Cvd,
                t: c.t,
                value: cvd,
            });
        }
    }
    let mut hour_start = 0;
    while hour_start < h.prints.len() {
        let hour = h.prints[hour_start].t.div_euclid(HOUR);
        let end = hour_start
            + h.prints[hour_start..]
                .iter()
                .take_while(|p| p.t.div_euclid(HOUR) == hour)
                .count();
        let bins = notional_bins(
            h.prints[hour_start..end]
                .iter()
                .map(|p| (p.notional(), p.weight)),
        );
        if !bins.is_empty() {
            out.push(Seed::PrintHour {
                t: hour * HOUR,
                bins,
            });
        }
        hour_start = end;
    }
    out.sort_by_key(Seed::t);
    out
}

/// The stored rows of [`seeds`], for book `h.key` of `symbol`.
pub fn warm_rows(h: &BookHistory, symbol: &str) -> Vec<WarmRow> {
    seeds(h)
        .iter()
        .filter_map(|s| WarmRow::of(&h.key, symbol, s))
        .collect()
}

/// How long an open-interest sample stands for the minutes after it (the venues sample every
/// 5 minutes).
const OI_HOLD: Millis = 10 * 60_000;

/// One 1-min row per closed candle.
pub fn minute_rows(h: &BookHistory, symbol: &str) -> Vec<MinuteRow> {
    let mut funding = h.funding.iter().peekable();
    let mut oi = h.open_interest.iter().peekable();
    let (mut rate, mut interest) = (None, None);
    h.candles
        .iter()
        .map(|c| {
            let end = c.t + 60_000;
            while let Some(f) = funding.next_if(|f| f.t < end) {
                rate = Some(f.rate);
            }
            while let Some(o) = oi.next_if(|o| o.t < end) {
                // Stored in base units: a venue that gives USD only is read at the close.
                let base = o
                    .base
                    .or_else(|| o.usd.filter(|_| c.close > 0.0).map(|u| u / c.close));
                interest = base.map(|b| (o.t, b));
            }
            let mut values = vec![
                ("mid_open", c.open),
                ("mid_high", c.high),
                ("mid_low", c.low),
                ("mid_close", c.close),
            ];
            if let Some(buy) = c.taker_buy {
                values.push(("taker_buy_base", buy));
                values.push(("taker_sell_base", (c.volume - buy).max(0.0)));
            }
            if let Some(n) = c.trades {
                values.push(("trades", n as f64));
            }
            if let Some(r) = rate {
                values.push(("funding_rate", r));
            }
            if let Some((_, b)) = interest.filter(|(t, _)| end - t <= OI_HOLD) {
                values.push(("open_interest", b));
            }
            MinuteRow {
                venue: h.key.venue.as_str().to_owned(),
                instrument: h.key.instrument.to_string(),
                symbol: symbol.to_owned(),
                t: c.t.div_euclid(1000),
                values,
            }
        })
        .collect()
}
