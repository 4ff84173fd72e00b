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
/// `(time, id)` to expire it by.
#[derive(Clone, Debug)]
pub struct TradeDedup {
    horizon: Millis,
    /// When the current epoch began, and the newest exchange time seen.
    epoch: Option<(Millis, Millis)>,
    current: IdSet,
    previous: IdSet,
}

impl TradeDedup {
    /// Replays up to `horizon` (exchange time, behind the newest trade seen) are caught; older
    /// ones may not be.
    pub fn new(horizon: Millis) -> Self {
        TradeDedup {
            horizon: horizon.max(1),
            epoch: None,
            current: IdSet::default(),
            previous: IdSet::default(),
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
                self.previous = IdSet::default();
            }
            *start = *newest;
        }
        !self.previous.contains(id) && self.current.insert(id)
    }

    /// Ids remembered (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

/// A set of trade ids, compact for the ids most venues give: consecutive per instrument
/// (Binance, OKX, Kraken, Coinbase, Deribit, the simulator), kept as runs `first..=last` of
/// 16 bytes each instead of a hash entry per trade (a five-minute horizon held 700,000 ids,
/// 17.7 MB, in the demo's 53 books). Ids that do not extend a run (gapped or unordered ids,
/// hashed string ids, late arrivals) go to a hash set, as all of them did before.
#[derive(Clone, Debug, Default)]
struct IdSet {
    /// Disjoint runs, ascending; every run but the newest has at least two ids.
    runs: Vec<(u64, u64)>,
    stray: HashSet<u64>,
}

impl IdSet {
    fn contains(&self, id: u64) -> bool {
        let after = self.runs.partition_point(|&(first, _)| first <= id);
        let in_run = after > 0 && id <= self.runs[after - 1].1;
        in_run || self.stray.contains(&id)
    }

    /// Adds `id`; false when it was already there.
    fn insert(&mut self, id: u64) -> bool {
        if self.contains(id) {
            return false;
        }
        match self.runs.last_mut() {
            Some((_, last)) if last.checked_add(1) == Some(id) => *last = id,
            Some(&mut (first, last)) if id > last => {
                // The newest run ends: a single id is no run, and goes to the set.
                if first == last {
                    self.runs.pop();
                    self.stray.insert(last);
                }
                self.runs.push((id, id));
            }
            None => self.runs.push((id, id)),
            Some(_) => {
                self.stray.insert(id);
            }
        }
        true
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.runs
            .iter()
            .map(|(f, l)| (l - f + 1) as usize)
            .sum::<usize>()
            + self.stray.len()
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
        let kept = d.len();
        assert!(kept <= 2 * 1000 / 7 + 2, "{kept} ids kept");
        assert!(d.is_new(&trade(10_000, Some(4998))));
    }

    /// The id set answers as a hash set of every id would, whatever the order: runs, gaps,
    /// repeats, late and extreme ids.
    #[test]
    fn the_id_set_is_a_set() {
        use proptest::prelude::*;
        let ids = proptest::collection::vec(
            prop_oneof![
                4 => Just(None), // the next consecutive id
                1 => (0u64..400).prop_map(Some),
                1 => Just(Some(u64::MAX)),
                1 => Just(Some(0)),
            ],
            0..300,
        );
        proptest!(|(ops in ids)| {
            let (mut set, mut plain) = (IdSet::default(), HashSet::new());
            let mut next = 100u64;
            for op in ops {
                let id = op.unwrap_or_else(|| { next += 1; next });
                prop_assert_eq!(set.insert(id), plain.insert(id), "insert {}", id);
                prop_assert_eq!(set.len(), plain.len());
            }
            for id in (0..=600).chain([u64::MAX, u64::MAX - 1]) {
                prop_assert_eq!(set.contains(id), plain.contains(&id), "contains {}", id);
            }
        });
    }

    /// Consecutive ids take one run, not an entry each.
    #[test]
    fn consecutive_ids_take_one_run() {
        let mut set = IdSet::default();
        for id in 1_000..101_000 {
            assert!(set.insert(id));
        }
        assert!(!set.insert(50_000));
        assert_eq!(
            (set.runs.len(), set.stray.len(), set.len()),
            (1, 0, 100_000)
        );
        // A gap starts a new run; an id on its own goes to the set once the next one comes.
        for id in [101_005, 101_010, 101_011] {
            assert!(set.insert(id));
        }
        assert_eq!(set.runs, [(1_000, 100_999), (101_010, 101_011)]);
        assert!(set.stray.contains(&101_005));
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
