//! What a backfilled book becomes in the history store: the same baseline samples
//! ([`Seed`]s, stored as `warm` rows) the engine hands the recorder, and 1-min rows of what
//! the venues' history tells (traded OHLC as the mid's proxy, taker volume, trades, funding,
//! open interest). Both are marked [`Source::Backfilled`](crate::history::Source) by the store.
//!
//! - per candle: the minute's traded notional (the 24 h volume) and, where the venue splits
//!   taker volume, its signed CVD (`σ_1m` of `flow_momentum`);
//! - per hour of sampled prints: the weighted notional histogram behind the large-trade P99;
//! - the latest positioning statistics and open interest, as the polls the engine would have
//!   made at the fetch ([`polled`]), so the positioning and its §3.13 consensus have values at
//!   once; the 1-min rows keep the statistics' history (`long_short_ratio_*`,
//!   `taker_buy_sell_ratio`).
//!
//! Book-only features (depth bands, imbalance, OFI, spread, slippage) have no rows here: no
//! venue serves historical books.

use crate::engine::analytics;
use crate::engine::warm::{MinuteSeries, PRINT_HOUR_CODE, Seed};
use crate::features::baseline::notional_bins;
use crate::feed::event::{Positioning, PositioningStat};
use crate::history::WarmRow;
use crate::history::backfill::MinuteRow;
use crate::market::Millis;

use super::series::{BookHistory, RatioKind, TakerVolume};

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

/// The engine's kind of a fetched ratio (the same three populations).
fn engine_kind(kind: RatioKind) -> analytics::RatioKind {
    match kind {
        RatioKind::Accounts => analytics::RatioKind::Accounts,
        RatioKind::TopAccounts => analytics::RatioKind::TopAccounts,
        RatioKind::TopPositions => analytics::RatioKind::TopPositions,
    }
}

/// The 1-min column of a kind of ratio (`history::columns::long_short_column`).
fn ratio_column(kind: RatioKind) -> &'static str {
    match kind {
        RatioKind::Accounts => "long_short_ratio_accounts",
        RatioKind::TopAccounts => "long_short_ratio_top_accounts",
        RatioKind::TopPositions => "long_short_ratio_top_positions",
    }
}

const KINDS: [RatioKind; 3] = [
    RatioKind::Accounts,
    RatioKind::TopAccounts,
    RatioKind::TopPositions,
];

/// Taker buy / sell volume of a period; `None` for a period without sells or absurd input.
fn taker_ratio(v: &TakerVolume) -> Option<f64> {
    let r = v.buy / v.sell;
    (v.buy >= 0.0 && v.sell > 0.0 && r.is_finite() && r > 0.0).then_some(r)
}

/// The latest value of each positioning statistic and the latest open interest of a fetch, as
/// polls answered at the end of the span fetched (`h.to`, no later than the fetch itself):
/// the engine judges their staleness from then (§0.2), never from a later delivery.
pub fn polled(h: &BookHistory) -> Vec<Seed> {
    let mut out = Vec::new();
    let stat = |stat, value, at| Seed::Positioning {
        polled: h.to,
        stat: Positioning { stat, value, at },
    };
    for kind in KINDS {
        let latest = h.long_short.iter().rev().find(|r| r.kind == kind);
        if let Some(r) = latest.filter(|r| r.ratio.is_finite() && r.ratio > 0.0) {
            let kind = PositioningStat::LongShort(engine_kind(kind));
            out.push(stat(kind, r.ratio, r.t));
        }
    }
    if let Some((v, r)) = h
        .taker_volume
        .last()
        .and_then(|v| Some((v, taker_ratio(v)?)))
    {
        out.push(stat(PositioningStat::TakerBuySell, r, v.t));
    }
    if let Some(o) = h.open_interest.last() {
        out.push(Seed::OpenInterest {
            t: o.t,
            polled: h.to,
            base: o.base,
            usd: o.usd,
        });
    }
    out
}

/// How long an open-interest sample stands for the minutes after it (the venues sample every
/// 5 minutes); the positioning statistics' periods are 5 minutes too.
const OI_HOLD: Millis = 10 * 60_000;

/// One 1-min row per closed candle.
pub fn minute_rows(h: &BookHistory, symbol: &str) -> Vec<MinuteRow> {
    let mut funding = h.funding.iter().peekable();
    let mut oi = h.open_interest.iter().peekable();
    let mut ratios = h.long_short.iter().peekable();
    let mut takers = h.taker_volume.iter().peekable();
    let (mut rate, mut interest) = (None, None);
    let mut lsr: [Option<(Millis, f64)>; 3] = [None; 3];
    let mut taker = None;
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
            while let Some(r) = ratios.next_if(|r| r.t < end) {
                let i = KINDS.iter().position(|k| *k == r.kind).unwrap_or_default();
                lsr[i] = (r.ratio.is_finite() && r.ratio > 0.0).then_some((r.t, r.ratio));
            }
            for (kind, held) in KINDS.iter().zip(lsr) {
                if let Some((_, r)) = held.filter(|(t, _)| end - t <= OI_HOLD) {
                    values.push((ratio_column(*kind), r));
                }
            }
            while let Some(v) = takers.next_if(|v| v.t < end) {
                taker = taker_ratio(v).map(|r| (v.t, r));
            }
            if let Some((_, r)) = taker.filter(|(t, _)| end - t <= OI_HOLD) {
                values.push(("taker_buy_sell_ratio", r));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backfill::series::{Candle, LongShort};
    use crate::feed::event::BookKey;
    use crate::history::columns::long_short_column;
    use crate::market::VenueId;

    fn history() -> BookHistory {
        let key = BookKey::new(VenueId::BinanceUsdm, "BTCUSDT");
        let mut h = BookHistory::new(key, "BTC", 0, 30 * 60_000);
        h.candles = (0..30)
            .map(|m| Candle {
                t: m * 60_000,
                open: 100.0,
                high: 100.0,
                low: 100.0,
                close: 100.0,
                volume: 1.0,
                notional: None,
                taker_buy: None,
                trades: None,
            })
            .collect();
        let ratio = |t: Millis, kind, ratio| LongShort {
            t,
            kind,
            long_share: None,
            ratio,
        };
        h.long_short = vec![
            ratio(0, RatioKind::Accounts, 1.5),
            ratio(0, RatioKind::TopPositions, 0.8),
            ratio(300_000, RatioKind::Accounts, 1.6),
            ratio(600_000, RatioKind::Accounts, f64::NAN),
        ];
        h.taker_volume = vec![TakerVolume {
            t: 300_000,
            buy: 30.0,
            sell: 20.0,
            quote_units: false,
        }];
        h
    }

    #[test]
    fn ratio_columns_are_the_history_columns() {
        for kind in KINDS {
            assert_eq!(ratio_column(kind), long_short_column(engine_kind(kind)));
        }
    }

    #[test]
    fn minute_rows_hold_each_statistic_for_two_periods_and_drop_absurd_ones() {
        let rows = minute_rows(&history(), "BTC");
        let get = |m: usize, name: &str| {
            rows[m]
                .values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
        };
        assert_eq!(get(0, "long_short_ratio_accounts"), Some(1.5));
        assert_eq!(get(5, "long_short_ratio_accounts"), Some(1.6));
        assert_eq!(get(5, "taker_buy_sell_ratio"), Some(1.5));
        // A NaN period is no value, not the older one carried on.
        assert_eq!(get(10, "long_short_ratio_accounts"), None);
        // The top-position ratio of minute 0 stands 10 minutes, then is gone.
        assert_eq!(get(9, "long_short_ratio_top_positions"), Some(0.8));
        assert_eq!(get(10, "long_short_ratio_top_positions"), None);
        assert_eq!(get(0, "long_short_ratio_top_accounts"), None);
    }

    #[test]
    fn the_latest_finite_statistics_are_polled_at_the_span_end() {
        let seeds = polled(&history());
        let stats: Vec<(PositioningStat, f64, Millis, Millis)> = seeds
            .iter()
            .filter_map(|s| match s {
                Seed::Positioning { polled, stat } => {
                    Some((stat.stat, stat.value, stat.at, *polled))
                }
                _ => None,
            })
            .collect();
        let to = 30 * 60_000;
        assert_eq!(
            stats,
            [
                // The newest accounts period is NaN: as in the live parsers, no older period
                // stands in for it as the current value.
                (
                    PositioningStat::LongShort(analytics::RatioKind::TopPositions),
                    0.8,
                    0,
                    to
                ),
                (PositioningStat::TakerBuySell, 1.5, 300_000, to),
            ]
        );
    }
}
