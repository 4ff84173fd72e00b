//! Trade hygiene before any flow metric: drop replays, and rebuild taker orders (§3.1, §3.3).
//!
//! Reconnects replay recent trades, so trades are deduplicated by venue trade id. One taker order
//! sweeping several levels prints several trades; large-trade detection must see the order, so
//! trades sharing (taker side, exchange millisecond) are merged into one **taker print** before
//! thresholding. Binance spot `aggTrade` already merges per taker order; Binance futures
//! `aggTrade` can over-merge within 100 ms (§0.4), which this cannot undo.

use std::collections::{HashSet, VecDeque};

use crate::market::{Millis, TakerSide};

use super::Trade;

/// Remembers trade ids for a trailing horizon and rejects repeats.
#[derive(Clone, Debug)]
pub struct TradeDedup {
    horizon: Millis,
    seen: HashSet<u64>,
    order: VecDeque<(Millis, u64)>,
}

impl TradeDedup {
    /// Replays older than `horizon` (exchange time, behind the newest id seen) are not caught.
    pub fn new(horizon: Millis) -> Self {
        TradeDedup {
            horizon,
            seen: HashSet::new(),
            order: VecDeque::new(),
        }
    }

    /// Whether the trade is new. Trades without an id cannot be checked and are accepted.
    pub fn is_new(&mut self, trade: &Trade) -> bool {
        let Some(id) = trade.id else {
            return true;
        };
        if !self.seen.insert(id) {
            return false;
        }
        let newest = self.order.back().map_or(trade.t, |&(t, _)| t.max(trade.t));
        self.order.push_back((newest, id));
        while let Some(&(t, old)) = self.order.front() {
            if t > newest - self.horizon {
                break;
            }
            self.order.pop_front();
            self.seen.remove(&old);
        }
        true
    }
}

/// One reconstructed taker order: every trade on one side within one exchange millisecond.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TakerPrint {
    pub t: Millis,
    pub side: TakerSide,
    /// Base units.
    pub size: f64,
    /// Quote notional `Σ p·q`.
    pub notional: f64,
    pub trades: u32,
}

/// Merges sided trades into [`TakerPrint`]s. A print is complete once exchange time has moved
/// past its millisecond, either by a later trade or by [`flush_through`](Self::flush_through):
/// until then another fill of the same order may still arrive.
#[derive(Clone, Debug, Default)]
pub struct PrintMerger {
    /// At most one open print per side, all in the same millisecond.
    open: [Option<TakerPrint>; 2],
}

impl PrintMerger {
    /// Adds a trade at `t` (clamped by the caller to be non-decreasing); completed prints go to
    /// `done`.
    pub fn push(
        &mut self,
        t: Millis,
        side: TakerSide,
        size: f64,
        notional: f64,
        done: impl FnMut(TakerPrint),
    ) {
        self.flush_through(t - 1, done);
        let slot = &mut self.open[side_index(side)];
        match slot {
            Some(p) => {
                p.size += size;
                p.notional += notional;
                p.trades += 1;
            }
            None => {
                *slot = Some(TakerPrint {
                    t,
                    side,
                    size,
                    notional,
                    trades: 1,
                });
            }
        }
    }

    /// Completes the prints stamped at or before `t`.
    pub fn flush_through(&mut self, t: Millis, mut done: impl FnMut(TakerPrint)) {
        for slot in &mut self.open {
            if let Some(p) = slot.filter(|p| p.t <= t) {
                done(p);
                *slot = None;
            }
        }
    }
}

fn side_index(side: TakerSide) -> usize {
    match side {
        TakerSide::Buy => 0,
        TakerSide::Sell => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade(t: Millis, id: Option<u64>) -> Trade {
        Trade {
            t,
            price: 100.0,
            size: 1.0,
            taker: Some(TakerSide::Buy),
            id,
        }
    }

    #[test]
    fn replays_are_dropped_by_id() {
        let mut d = TradeDedup::new(1000);
        assert!(d.is_new(&trade(0, Some(1))));
        assert!(d.is_new(&trade(10, Some(2))));
        assert!(!d.is_new(&trade(10, Some(1))));
        assert!(d.is_new(&trade(10, None)));
        assert!(d.is_new(&trade(10, None)));
        // Past the horizon the id is forgotten.
        assert!(d.is_new(&trade(2000, Some(3))));
        assert!(d.is_new(&trade(2000, Some(1))));
    }

    #[test]
    fn same_side_same_millisecond_fills_merge() {
        let mut m = PrintMerger::default();
        let mut done = Vec::new();
        m.push(5, TakerSide::Buy, 1.0, 100.0, |p| done.push(p));
        m.push(5, TakerSide::Sell, 0.5, 50.0, |p| done.push(p));
        m.push(5, TakerSide::Buy, 2.0, 201.0, |p| done.push(p));
        assert!(done.is_empty());
        m.push(6, TakerSide::Buy, 1.0, 100.0, |p| done.push(p));
        assert_eq!(done.len(), 2);
        let buy = done.iter().find(|p| p.side == TakerSide::Buy).unwrap();
        assert_eq!(
            (buy.t, buy.size, buy.notional, buy.trades),
            (5, 3.0, 301.0, 2)
        );
        m.flush_through(6, |p| done.push(p));
        assert_eq!(done.len(), 3);
        assert_eq!(done[2].t, 6);
    }
}
