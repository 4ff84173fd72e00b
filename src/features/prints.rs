//! Trade hygiene before any flow metric: drop replays, and rebuild taker orders (§3.1, §3.3).
//!
//! Reconnects replay recent trades, so trades are deduplicated by venue trade id. One taker order
//! sweeping several levels prints several trades; large-trade detection must see the order, so
//! trades sharing (taker side, exchange millisecond) are merged into one **taker print** before
//! thresholding. Binance spot `aggTrade` already merges per taker order; Binance futures
//! `aggTrade` can over-merge within 100 ms (§0.4), which this cannot undo.

use std::collections::HashSet;

use crate::market::{Millis, TakerSide};

use super::Trade;

/// Remembers trade ids for a trailing horizon and rejects repeats.
///
/// The ids are kept in two sets, one per `horizon`-long epoch of exchange time (the current one
/// and the one before), and the older set is dropped whole when a new epoch starts: an id is
/// remembered for at least `horizon` (and at most about twice that) with no queue of
/// `(time, id)` to expire it by. The queue took 16 bytes a trade beside the set's 9–18; at
/// 30 trades a second, 50 books held 1.6 MB of it a minute into the demo.
#[derive(Clone, Debug)]
pub struct TradeDedup {
    horizon: Millis,
    /// When the current epoch began, and the newest exchange time seen.
    epoch: Option<(Millis, Millis)>,
    current: HashSet<u64>,
    previous: HashSet<u64>,
}

impl TradeDedup {
    /// Replays up to `horizon` (exchange time, behind the newest trade seen) are caught; older
    /// ones may not be.
    pub fn new(horizon: Millis) -> Self {
        TradeDedup {
            horizon: horizon.max(1),
            epoch: None,
            current: HashSet::new(),
            previous: HashSet::new(),
        }
    }

    /// Whether the trade is new. Trades without an id cannot be checked and are accepted.
    pub fn is_new(&mut self, trade: &Trade) -> bool {
        let Some(id) = trade.id else {
            return true;
        };
        let (start, newest) = self.epoch.get_or_insert((trade.t, trade.t));
        *newest = (*newest).max(trade.t);
        let age = newest.saturating_sub(*start);
        if age >= self.horizon {
            // Ids of the epoch before the current one are all older than `horizon` now.
            self.previous = std::mem::take(&mut self.current);
            if age >= 2 * self.horizon {
                self.previous.clear();
            }
            *start = *newest;
        }
        !self.previous.contains(&id) && self.current.insert(id)
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

    /// Every replay within the horizon is caught whatever the epochs did meanwhile; past twice
    /// the horizon every id is forgotten.
    #[test]
    fn replays_within_the_horizon_are_caught_across_epochs() {
        let mut d = TradeDedup::new(1000);
        for t in (0..5000).step_by(7) {
            let id = t as u64;
            assert!(d.is_new(&trade(t, Some(id))), "{t} first seen");
            for back in [0, 1, 500, 993] {
                let old = t - back;
                if old >= 0 && old % 7 == 0 {
                    assert!(
                        !d.is_new(&trade(t, Some(old as u64))),
                        "{old} replayed at {t}"
                    );
                }
            }
        }
        let kept = d.current.len() + d.previous.len();
        assert!(kept <= 2 * 1000 / 7 + 2, "{kept} ids kept");
        assert!(d.is_new(&trade(10_000, Some(4998))));
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
