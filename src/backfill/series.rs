//! The per-book series a backfill yields: plain values in base and quote units, oldest first,
//! whatever venue they came from. They enter the history store, and through it the engine's
//! baselines, as [`rows`](super::rows).

use serde::Serialize;

use crate::feed::event::BookKey;
use crate::market::{Millis, TakerSide};

/// One 1-minute candle of traded prices (the mid's OHLC proxy: no venue serves historical mids).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Candle {
    /// Start of the minute, ms.
    pub t: Millis,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    /// Traded volume, base units.
    pub volume: f64,
    /// Traded notional, quote units, when the venue gives it.
    pub notional: Option<f64>,
    /// Taker-buy volume, base units (Binance klines); `None` where the venue does not split.
    pub taker_buy: Option<f64>,
    /// Number of trades (Binance klines).
    pub trades: Option<u64>,
}

impl Candle {
    /// Traded notional: the venue's figure, else volume × close.
    pub fn notional_or_estimate(&self) -> f64 {
        self.notional.unwrap_or(self.volume * self.close)
    }

    /// `Σ σ·q` of the minute (taker buys − taker sells, base units), when the venue splits.
    pub fn cvd(&self) -> Option<f64> {
        self.taker_buy.map(|b| 2.0 * b - self.volume)
    }
}

/// One historical taker print (an aggregated trade: one taker order at one price).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Print {
    pub t: Millis,
    pub price: f64,
    /// Base units.
    pub size: f64,
    pub taker: TakerSide,
    /// The venue's sequential aggregate-trade id, where it has one (Binance `a`): the gap
    /// between two hours' first ids is how many prints the earlier hour had.
    pub id: Option<u64>,
    /// How many trades of its hour this sampled print stands for (≥ 1): venues serve a sample
    /// of each hour, and the P99 baseline must weigh hours by their real activity.
    pub weight: u32,
}

impl Print {
    pub fn notional(&self) -> f64 {
        self.price * self.size
    }
}

/// Open interest at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct OpenInterest {
    pub t: Millis,
    /// Base units, when the venue gives them.
    pub base: Option<f64>,
    /// Quote (USD) notional, when the venue gives it.
    pub usd: Option<f64>,
}

/// A funding rate as settled (or, for the latest, as announced).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Funding {
    pub t: Millis,
    /// Per funding interval, as a fraction (0.0001 = 0.01 %).
    pub rate: f64,
}

/// Which population a long/short ratio counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RatioKind {
    /// All accounts (Binance `globalLongShortAccountRatio`, Bybit `account-ratio`, OKX
    /// `long-short-account-ratio`).
    Accounts,
    /// Top traders by account (Binance `topLongShortAccountRatio`).
    TopAccounts,
    /// Top traders by position (Binance `topLongShortPositionRatio`).
    TopPositions,
}

/// A long/short ratio at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LongShort {
    pub t: Millis,
    pub kind: RatioKind,
    /// Long share ∈ [0, 1], when the venue gives the shares.
    pub long_share: Option<f64>,
    /// Longs / shorts.
    pub ratio: f64,
}

/// Taker buy and sell volume over one period (the venues' taker statistics).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TakerVolume {
    /// Start of the period.
    pub t: Millis,
    pub buy: f64,
    pub sell: f64,
    /// `true`: quote (USD) units (OKX `rubik`); `false`: base units (Binance).
    pub quote_units: bool,
}

/// Everything fetched for one book, each series oldest first and free of duplicates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BookHistory {
    pub key: BookKey,
    /// The symbol the book is watched as (its base currency), as the store names it.
    pub symbol: String,
    /// The span asked for, ms: `[from, to)`.
    pub from: Millis,
    pub to: Millis,
    pub candles: Vec<Candle>,
    pub prints: Vec<Print>,
    pub open_interest: Vec<OpenInterest>,
    pub funding: Vec<Funding>,
    pub long_short: Vec<LongShort>,
    pub taker_volume: Vec<TakerVolume>,
}

impl BookHistory {
    pub fn new(key: BookKey, symbol: &str, from: Millis, to: Millis) -> Self {
        BookHistory {
            key,
            symbol: symbol.to_owned(),
            from,
            to,
            candles: Vec::new(),
            prints: Vec::new(),
            open_interest: Vec::new(),
            funding: Vec::new(),
            long_short: Vec::new(),
            taker_volume: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.candles.is_empty()
            && self.prints.is_empty()
            && self.open_interest.is_empty()
            && self.funding.is_empty()
            && self.long_short.is_empty()
            && self.taker_volume.is_empty()
    }

    /// Sorts every series by time, drops duplicates (pages overlap at their edges), keeps only
    /// `[from, to)` and, for candles, only closed minutes: the open one is still changing, and
    /// the live stream counts it.
    pub fn finish(&mut self) {
        let (from, to) = (self.from, self.to);
        let span = |t: Millis| t >= from && t < to;
        self.candles.retain(|c| span(c.t) && c.t + 60_000 <= to);
        self.candles.sort_by_key(|c| c.t);
        self.candles.dedup_by_key(|c| c.t);
        self.prints.retain(|p| span(p.t));
        self.prints.sort_by_key(|p| p.t);
        self.open_interest.retain(|o| span(o.t));
        self.open_interest.sort_by_key(|o| o.t);
        self.open_interest.dedup_by_key(|o| o.t);
        // Funding settles every few hours: the last one before the span still applies in it.
        self.funding.retain(|f| f.t < to);
        self.funding.sort_by_key(|f| f.t);
        self.funding.dedup_by_key(|f| f.t);
        let before = self.funding.partition_point(|f| f.t < from);
        self.funding.drain(..before.saturating_sub(1));
        self.long_short.retain(|r| span(r.t));
        self.long_short.sort_by_key(|r| (r.t, r.kind as u8));
        self.long_short.dedup_by_key(|r| (r.t, r.kind));
        self.taker_volume.retain(|v| span(v.t));
        self.taker_volume.sort_by_key(|v| v.t);
        self.taker_volume.dedup_by_key(|v| v.t);
    }

    /// Weighs sampled prints by their hour's real activity where the venue's ids tell it: an
    /// hour whose first print has id `a` and the next hour's first print id `b` had `b − a`
    /// prints, so each of its `s` samples stands for `(b − a) / s`. Hours without that (the
    /// last one, venues without sequential ids) keep weight 1.
    pub fn weigh_prints(&mut self) {
        const HOUR: Millis = 3_600_000;
        // Per hour: (first id, samples).
        let mut hours: std::collections::BTreeMap<i64, (Option<u64>, u64)> =
            std::collections::BTreeMap::new();
        for p in &self.prints {
            let e = hours.entry(p.t.div_euclid(HOUR)).or_insert((None, 0));
            e.0 = match (e.0, p.id) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            e.1 += 1;
        }
        let firsts: Vec<(i64, Option<u64>, u64)> =
            hours.iter().map(|(h, (id, s))| (*h, *id, *s)).collect();
        let mut weights = std::collections::HashMap::new();
        for pair in firsts.windows(2) {
            let ((h, Some(a), s), (next, Some(b), _)) = (pair[0], pair[1]) else {
                continue;
            };
            if next == h + 1 && b > a {
                let w = ((b - a) / s.max(1)).max(1);
                weights.insert(h, u32::try_from(w).unwrap_or(u32::MAX));
            }
        }
        for p in &mut self.prints {
            p.weight = weights.get(&p.t.div_euclid(HOUR)).copied().unwrap_or(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::VenueId;

    #[test]
    fn finishing_keeps_the_span_closed_minutes_and_the_funding_in_force() {
        let mut h = BookHistory::new(BookKey::new(VenueId::Binance, "X"), "X", 60_000, 240_000);
        let candle = |t| Candle {
            t,
            open: 1.0,
            high: 1.0,
            low: 1.0,
            close: 1.0,
            volume: 1.0,
            notional: None,
            taker_buy: None,
            trades: None,
        };
        // Before the span, a duplicate page edge, the minute still open at `to`.
        h.candles = [0, 120_000, 60_000, 120_000, 180_000, 200_000]
            .into_iter()
            .map(candle)
            .collect();
        h.funding = [0, -28_800_000, 100_000, 300_000]
            .into_iter()
            .map(|t| Funding { t, rate: 0.0001 })
            .collect();
        h.finish();
        let minutes: Vec<Millis> = h.candles.iter().map(|c| c.t).collect();
        assert_eq!(minutes, [60_000, 120_000, 180_000]);
        let funding: Vec<Millis> = h.funding.iter().map(|f| f.t).collect();
        assert_eq!(funding, [0, 100_000]);
    }
}
