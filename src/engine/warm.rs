//! Warm start: the door through which past samples enter the engine's baselines, and the
//! samples the engine hands out so they can come back after a restart.
//!
//! A [`Seed`] is one past sample of one book (venue, instrument): the minute sample of a
//! percentile or median baseline, a minute of trade flow, or trade-print notionals for the
//! large-trade P99. It is the only door: the history store restores them at start
//! ([`crate::history::restore`]), and a REST backfill writes its candles and aggregated trades
//! into the store as the same samples ([`crate::backfill::rows`]) and seeds the engine with
//! what the store then holds, through [`Engine::seed`](super::Engine::seed).
//!
//! Seeds of a book come oldest first; live data always wins (a seed for a minute or hour the
//! live stream has already measured is skipped), and seeds for a book the engine has not seen
//! yet wait until the book appears. Book-only baselines (spread, depth, slippage) can only come
//! from recorded seconds: no venue publishes their past.

use std::sync::Arc;

use crate::feed::event::{LiqSampling, Positioning};
use crate::market::Millis;

use super::minutes::SymbolMinute;
use super::reads::ZoneState;

/// A per-minute baseline series of one book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MinuteSeries {
    /// Spread, bps (the `liquidity_risk` baseline, §4.2).
    Spread,
    /// `$D(10 bps)` both sides, quote units (§4.2).
    Depth10,
    /// Reference slippage, bps (§4.2).
    Slippage,
    /// Spread volatility, bps (§4.2).
    SpreadVolatility,
    /// `$D(50 bps)` bid and ask, quote units (cascade thinning, §3.8).
    Depth50Bid,
    Depth50Ask,
    /// Signed taker volume of the minute, base units (`σ_1m` of flow momentum, §4.4).
    Cvd,
    /// Large taker buy and sell notional of the minute, quote units (whale conviction, §4.3).
    LargeBuy,
    LargeSell,
    /// Traded notional of the minute, quote units (the 24 h volume, a venue's weight, §4.5).
    Volume,
}

impl MinuteSeries {
    pub const ALL: [MinuteSeries; 10] = [
        MinuteSeries::Spread,
        MinuteSeries::Depth10,
        MinuteSeries::Slippage,
        MinuteSeries::SpreadVolatility,
        MinuteSeries::Depth50Bid,
        MinuteSeries::Depth50Ask,
        MinuteSeries::Cvd,
        MinuteSeries::LargeBuy,
        MinuteSeries::LargeSell,
        MinuteSeries::Volume,
    ];

    /// The stored code (never reuse one: files keep them).
    pub const fn code(self) -> i64 {
        match self {
            MinuteSeries::Spread => 1,
            MinuteSeries::Depth10 => 2,
            MinuteSeries::Slippage => 3,
            MinuteSeries::SpreadVolatility => 4,
            MinuteSeries::Depth50Bid => 5,
            MinuteSeries::Depth50Ask => 6,
            MinuteSeries::Cvd => 7,
            MinuteSeries::LargeBuy => 8,
            MinuteSeries::LargeSell => 9,
            MinuteSeries::Volume => 10,
        }
    }

    pub fn from_code(code: i64) -> Option<MinuteSeries> {
        MinuteSeries::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// The stored code of an hour of print notionals ([`Seed::PrintHour`]).
pub const PRINT_HOUR_CODE: i64 = 100;

/// The stored code of a book's liquidation-stream sampling ([`Seed::LiqStream`]).
pub const LIQ_STREAM_CODE: i64 = 101;

/// The stored code of a symbol's §5 zone state ([`Seed::SymbolZones`]): kept on the symbol's
/// cross-venue book (`all`), the latest only.
pub const ZONES_CODE: i64 = 102;

/// The stored value of each sampling (never reuse one: files keep them).
const LIQ_SAMPLINGS: [LiqSampling; 4] = [
    LiqSampling::Throttled1s,
    LiqSampling::Throttled500ms,
    LiqSampling::Complete,
    LiqSampling::Incomplete,
];

/// One past sample of one book.
#[derive(Clone, Debug, PartialEq)]
pub enum Seed {
    /// The sample (or, for flow series, the sum) of the minute holding `t` (exchange ms).
    Minute {
        series: MinuteSeries,
        t: Millis,
        value: f64,
    },
    /// The trade-notional histogram of the hour holding `t`, `(bin, count)` pairs as the
    /// engine hands them out.
    PrintHour { t: Millis, bins: Vec<(u16, u32)> },
    /// The flow of the second ending at `t`, from the history's 1-s rows: it refills the
    /// short windows (CVD 1/5 min, liquidations) after a short restart. Seconds come as one
    /// unbroken run ending just before the restart ([`crate::history::recent`]).
    Second { t: Millis, flow: SecondFlow },
    /// The book had a liquidation stream of this sampling in the minute holding `t`, so its
    /// restored liquidation seconds can be counted before the first live liquidation.
    LiqStream { t: Millis, sampling: LiqSampling },
    /// One closed minute of the book's **symbol** (the history's cross-venue 1-min row), for
    /// the symbol's regime and drift ([`super::minutes`]). Every book of the symbol carries the
    /// same rows; the symbol takes each minute once. `symbol` is the name the history keeps the
    /// rows under: the engine restores them into the watched symbol of that name at once, before
    /// any of its books appears, so its reads are warm from the first frame whichever venue
    /// answers first (a symbol it does not watch gets them through the book's own symbol).
    SymbolMinute {
        symbol: Arc<str>,
        t: Millis,
        row: SymbolMinute,
    },
    /// The symbol's §5 zones as kept at local time `t` (ms): slow state, restored so a restart
    /// shows the zones it had ([`super::reads::ZoneTracker::restore`]). Every book of the
    /// symbol carries it; the symbol takes the first.
    SymbolZones { t: Millis, state: Arc<ZoneState> },
    /// A positioning statistic a backfill fetched (its latest period), or the history's last
    /// recorded ratio, as if polled at `polled` (unix ms, never later than the value is known to
    /// have been polled): §0.2's staleness runs from then, so it goes stale 2 × the poll
    /// interval after it, like any poll. Taken only while the book has no polled value of its
    /// own.
    Positioning { polled: Millis, stat: Positioning },
    /// The latest open interest a backfill fetched (base units, or the venue's USD notional),
    /// polled at `polled` as [`Seed::Positioning`]: the weight of §3.13's consensus until the
    /// venue's own poll answers.
    OpenInterest {
        t: Millis,
        polled: Millis,
        base: Option<f64>,
        usd: Option<f64>,
    },
}

/// One second of a book's flow as the history keeps it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SecondFlow {
    /// Taker buy and sell volume, base units.
    pub taker_buy: f64,
    pub taker_sell: f64,
    /// The mid, quote units (the notional of the second's volume); `None` when the book was
    /// not valid.
    pub mid: Option<f64>,
    /// Liquidated long and short notional, quote units; `None` when the venue had sent no
    /// liquidation yet (its stream's sampling unknown).
    pub liq_long_usd: Option<f64>,
    pub liq_short_usd: Option<f64>,
}

impl Seed {
    pub fn t(&self) -> Millis {
        match self {
            Seed::Minute { t, .. }
            | Seed::PrintHour { t, .. }
            | Seed::Second { t, .. }
            | Seed::LiqStream { t, .. }
            | Seed::SymbolMinute { t, .. }
            | Seed::SymbolZones { t, .. }
            | Seed::OpenInterest { t, .. } => *t,
            Seed::Positioning { stat, .. } => stat.at,
        }
    }

    /// Moves the sample `ms` later (a simulated past built to end earlier is moved to end at
    /// the moment it is restored).
    pub fn shift(&mut self, ms: Millis) {
        match self {
            Seed::Minute { t, .. }
            | Seed::PrintHour { t, .. }
            | Seed::Second { t, .. }
            | Seed::LiqStream { t, .. }
            | Seed::SymbolMinute { t, .. }
            | Seed::SymbolZones { t, .. } => *t += ms,
            Seed::Positioning { polled, stat } => {
                *polled += ms;
                stat.at += ms;
            }
            Seed::OpenInterest { t, polled, .. } => {
                *t += ms;
                *polled += ms;
            }
        }
    }

    /// `(series code, value, bins)` as the history stores it; `None` for a [`Seed::Second`]
    /// or a [`Seed::SymbolMinute`], which are read from the 1-s and 1-min rows, and for the
    /// polled values of a backfill, which the 1-min rows keep.
    pub fn stored(&self) -> Option<(i64, Option<f64>, Option<Vec<u8>>)> {
        match self {
            Seed::Minute { series, value, .. } => Some((series.code(), Some(*value), None)),
            Seed::PrintHour { bins, .. } => {
                let mut out = Vec::with_capacity(bins.len() * 6);
                for (bin, n) in bins {
                    out.extend_from_slice(&bin.to_le_bytes());
                    out.extend_from_slice(&n.to_le_bytes());
                }
                Some((PRINT_HOUR_CODE, None, Some(out)))
            }
            Seed::LiqStream { sampling, .. } => {
                let code = LIQ_SAMPLINGS.iter().position(|s| s == sampling)?;
                Some((LIQ_STREAM_CODE, Some(code as f64), None))
            }
            Seed::SymbolZones { state, .. } => Some((ZONES_CODE, None, Some(state.encode()?))),
            Seed::Second { .. }
            | Seed::SymbolMinute { .. }
            | Seed::Positioning { .. }
            | Seed::OpenInterest { .. } => None,
        }
    }

    /// The seed a stored row holds; `None` for an unknown code or a damaged blob.
    pub fn from_stored(
        code: i64,
        t: Millis,
        value: Option<f64>,
        bins: Option<&[u8]>,
    ) -> Option<Seed> {
        if code == PRINT_HOUR_CODE {
            let bins = bins?;
            if bins.len() % 6 != 0 {
                return None;
            }
            let bins = bins
                .chunks_exact(6)
                .map(|c| {
                    (
                        u16::from_le_bytes([c[0], c[1]]),
                        u32::from_le_bytes([c[2], c[3], c[4], c[5]]),
                    )
                })
                .collect();
            return Some(Seed::PrintHour { t, bins });
        }
        if code == ZONES_CODE {
            let state = ZoneState::decode(bins?)?;
            return Some(Seed::SymbolZones {
                t,
                state: std::sync::Arc::new(state),
            });
        }
        if code == LIQ_STREAM_CODE {
            let sampling = *LIQ_SAMPLINGS.get(value? as usize)?;
            return Some(Seed::LiqStream { t, sampling });
        }
        Some(Seed::Minute {
            series: MinuteSeries::from_code(code)?,
            t,
            value: value.filter(|v| v.is_finite())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_round_trip_through_their_stored_form() {
        for seed in [
            Seed::Minute {
                series: MinuteSeries::Depth50Ask,
                t: 60_000,
                value: 1.5,
            },
            Seed::PrintHour {
                t: 3_600_000,
                bins: vec![(3, 7), (1395, 70_000)],
            },
            Seed::LiqStream {
                t: 120_000,
                sampling: LiqSampling::Throttled500ms,
            },
        ] {
            let (code, value, bins) = seed.stored().unwrap();
            assert_eq!(
                Seed::from_stored(code, seed.t(), value, bins.as_deref()),
                Some(seed)
            );
        }
        assert_eq!(Seed::from_stored(100, 0, None, Some(&[1, 2, 3])), None);
        assert_eq!(Seed::from_stored(55, 0, Some(1.0), None), None);
        // A damaged zone state, or one with an absurd grid, is skipped, not restored.
        assert_eq!(Seed::from_stored(ZONES_CODE, 0, None, Some(b"{")), None);
        let absurd = br#"{"grid":{"delta":-1.0,"m0":1.0},"buckets":[],"zones":[],"quote":null,"shrunk_to":null}"#;
        assert_eq!(Seed::from_stored(ZONES_CODE, 0, None, Some(absurd)), None);
        let empty = br#"{"grid":{"delta":20.0,"m0":50000.0},"buckets":[],"zones":[],"quote":null,"shrunk_to":null}"#;
        let seed = Seed::from_stored(ZONES_CODE, 7, None, Some(empty)).unwrap();
        let (code, value, bins) = seed.stored().unwrap();
        assert_eq!(
            Seed::from_stored(code, 7, value, bins.as_deref()),
            Some(seed)
        );
    }
}
