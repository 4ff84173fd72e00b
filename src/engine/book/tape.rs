//! The trade tape of one book: what the screen lists and what the alerts and composites need
//! beyond [`TradeFlow`](crate::features::flow::TradeFlow)'s windows.
//!
//! - the latest trades, for the trades pane;
//! - taker volume per price over a recent window, for the ladder's traded column;
//! - traded notional per minute over 24 h, the venue's weight in cross-venue composites (§4.5);
//! - completed taker prints (trades merged per side and millisecond, §3.3), for the large-trade
//!   alert.

use std::collections::{BTreeMap, VecDeque};

use crate::engine::frame::{PriceVolume, TradePrint};
use crate::features::Trade;
use crate::features::baseline::MinuteBuckets;
use crate::features::prints::{PrintMerger, TakerPrint};
use crate::market::Millis;

const DAY_MINUTES: usize = 1440;

#[derive(Clone, Copy, Debug, Default)]
struct AtPrice {
    price: f64,
    buy: f64,
    sell: f64,
    trades: u32,
}

/// The tape of one book.
#[derive(Clone, Debug)]
pub struct Tape {
    recent: VecDeque<TradePrint>,
    recent_cap: usize,
    window: Millis,
    /// Keyed by the price's bits: one wire price is one `f64` (see the mirror), and for positive
    /// prices the bits sort like the prices.
    at_price: BTreeMap<u64, AtPrice>,
    /// `(t, key, size)` in arrival order, for expiry; the size is negative for a taker sell
    /// (24 bytes a trade, where a buy and a sell column took 32).
    expiry: VecDeque<(Millis, u64, f64)>,
    volume: MinuteBuckets<1>,
    /// `(minute, notional)` of the closed minutes of the last 24 h, summed once a minute.
    closed_volume: Option<(i64, f64)>,
    merger: PrintMerger,
    prints: Vec<TakerPrint>,
}

impl Tape {
    pub fn new(recent_cap: usize, window: Millis) -> Self {
        Tape {
            recent: VecDeque::with_capacity(recent_cap),
            recent_cap,
            window,
            at_price: BTreeMap::new(),
            expiry: VecDeque::new(),
            volume: MinuteBuckets::new(DAY_MINUTES),
            closed_volume: None,
            merger: PrintMerger::default(),
            prints: Vec::new(),
        }
    }

    /// A new (de-duplicated) trade. `large_threshold` is the current large-print threshold in
    /// quote units, when known.
    pub fn on_trade(&mut self, trade: &Trade, large_threshold: Option<f64>) {
        let notional = trade.notional();
        if self.recent.len() == self.recent_cap {
            self.recent.pop_back();
        }
        self.recent.push_front(TradePrint {
            exch_ts: trade.t,
            price: trade.price,
            size: trade.size,
            notional,
            taker: trade.taker,
            large: large_threshold.is_some_and(|th| notional >= th),
        });
        self.count_volume(trade);
        let Some(side) = trade.taker else {
            return;
        };
        let signed = side.sign() * trade.size;
        let (buy, sell) = split(signed);
        let key = trade.price.to_bits();
        let e = self.at_price.entry(key).or_insert(AtPrice {
            price: trade.price,
            ..AtPrice::default()
        });
        e.buy += buy;
        e.sell += sell;
        e.trades += 1;
        self.expiry.push_back((trade.t, key, signed));
        let prints = &mut self.prints;
        self.merger
            .push(trade.t, side, trade.size, notional, |p| prints.push(p));
    }

    /// `trade`'s notional in its minute's traded volume (every trade, and alone a print of a
    /// stretch whose book was not followed, [`BookEngine::on_flow_only`](super::BookEngine)).
    pub fn count_volume(&mut self, trade: &Trade) {
        self.volume.add(trade.t, [trade.notional()]);
    }

    /// The traded notional of the minute holding `t`, if it is still kept.
    pub fn minute_volume(&self, t: Millis) -> Option<f64> {
        self.volume.bucket(t).map(|[v]| v)
    }

    /// The latest trades, newest first.
    pub fn recent(&self) -> Vec<TradePrint> {
        self.recent.iter().cloned().collect()
    }

    /// Taker volume per price over `(now − window, now]` for prices in `[lo, hi]`, highest price
    /// first.
    pub fn traded_at_price(&mut self, now: Millis, lo: f64, hi: f64) -> Vec<PriceVolume> {
        let cutoff = now - self.window;
        while let Some(&(t, key, signed)) = self.expiry.front() {
            if t > cutoff {
                break;
            }
            self.expiry.pop_front();
            let (buy, sell) = split(signed);
            if let Some(e) = self.at_price.get_mut(&key) {
                e.trades -= 1;
                if e.trades == 0 {
                    self.at_price.remove(&key);
                } else {
                    e.buy -= buy;
                    e.sell -= sell;
                }
            }
        }
        if !(lo > 0.0 && lo <= hi && hi.is_finite()) {
            return Vec::new();
        }
        self.at_price
            .range(lo.to_bits()..=hi.to_bits())
            .rev()
            .map(|(_, e)| PriceVolume {
                price: e.price,
                buy: e.buy.max(0.0),
                sell: e.sell.max(0.0),
            })
            .collect()
    }

    /// Quote notional traded over the trailing 24 h (since the tape started, if later): the
    /// closed minutes, summed once a minute, plus the minute in progress.
    pub fn volume_24h(&mut self, now: Millis) -> f64 {
        let minute = now.div_euclid(60_000);
        let closed = match self.closed_volume {
            Some((m, sum)) if m == minute => sum,
            _ => {
                let sum = self.volume.closed(now, DAY_MINUTES - 1).map(|[v]| v).sum();
                self.closed_volume = Some((minute, sum));
                sum
            }
        };
        let open: f64 = self.volume.recent(now, 1).map(|[v]| v).sum();
        closed + open
    }

    /// Restores one minute's traded notional (quote units, a recorded or backfilled minute),
    /// so the 24 h volume (a venue's weight in cross-venue composites, §4.5) is whole at once.
    pub fn seed_volume_minute(&mut self, t: Millis, notional: f64) {
        self.closed_volume = None;
        self.volume.set_minute(t, [notional]);
    }

    /// Taker prints completed by `now` (exchange time past their millisecond), oldest first.
    pub fn take_prints(&mut self, now: Millis) -> std::vec::Drain<'_, TakerPrint> {
        let prints = &mut self.prints;
        self.merger.flush_through(now - 1, |p| prints.push(p));
        self.prints.drain(..)
    }
}

/// A signed taker size as `(buy, sell)`.
fn split(signed: f64) -> (f64, f64) {
    if signed >= 0.0 {
        (signed, 0.0)
    } else {
        (0.0, -signed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::TakerSide;

    fn trade(t: Millis, price: f64, size: f64, taker: Option<TakerSide>) -> Trade {
        Trade {
            t,
            price,
            size,
            taker,
            id: None,
        }
    }

    #[test]
    fn traded_volume_per_price_expires_with_the_window() {
        let mut tape = Tape::new(3, 1_000);
        tape.on_trade(&trade(0, 100.0, 1.0, Some(TakerSide::Buy)), None);
        tape.on_trade(&trade(500, 100.0, 2.0, Some(TakerSide::Sell)), None);
        tape.on_trade(&trade(600, 100.5, 1.0, Some(TakerSide::Buy)), None);
        tape.on_trade(&trade(700, 101.0, 1.0, None), Some(50.0));
        let v = tape.traded_at_price(900, 1.0, 1e9);
        assert_eq!(
            v,
            [
                PriceVolume {
                    price: 100.5,
                    buy: 1.0,
                    sell: 0.0
                },
                PriceVolume {
                    price: 100.0,
                    buy: 1.0,
                    sell: 2.0
                },
            ]
        );
        // Only the ladder's price range is asked for.
        assert_eq!(tape.traded_at_price(1_000, 100.2, 200.0).len(), 1);
        let v = tape.traded_at_price(1_000, 1.0, 1e9);
        assert_eq!(v[1].buy, 0.0);
        assert_eq!(v[1].sell, 2.0);
        assert!(tape.traded_at_price(2_000, 1.0, 1e9).is_empty());
        // Newest first, bounded; the unsided print is listed and flagged large by notional.
        let recent = tape.recent();
        assert_eq!(recent.len(), 3);
        assert_eq!(recent[0].taker, None);
        assert!(recent[0].large);
        assert!(!recent[1].large);
        assert_eq!(tape.volume_24h(900), 100.0 + 200.0 + 100.5 + 101.0);
    }

    #[test]
    fn prints_complete_once_time_passes_their_millisecond() {
        let mut tape = Tape::new(10, 60_000);
        tape.on_trade(&trade(5, 100.0, 1.0, Some(TakerSide::Buy)), None);
        tape.on_trade(&trade(5, 100.1, 2.0, Some(TakerSide::Buy)), None);
        assert_eq!(tape.take_prints(5).count(), 0);
        let p: Vec<_> = tape.take_prints(6).collect();
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].size, p[0].trades), (3.0, 2));
    }
}
