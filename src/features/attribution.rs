//! Was a size decrease at a price executed or cancelled? (§10.1 attribution rule, also §1.13)
//!
//! Public market-by-price data shows a level shrinking but not why. The rule: the decrease is
//! `executed` up to the taker volume that traded at that price against that side since the level
//! last changed, and `cancelled` for the rest. Trades and book diffs arrive on different streams
//! with different delays (a 100 ms depth batch may land before or after its trades), so matching
//! is symmetric within a `grace` period: a trade arriving after the decrease it explains moves
//! that amount from cancelled to executed. Without this, every execution whose trade message is
//! late would read as a cancel, inflating spoof footprints.

use std::collections::HashMap;

use crate::market::{Millis, Side};

/// A level's price on the venue's tick grid: book and trade prices may be parsed through
/// different paths, so equality is decided on integer ticks, not floats.
pub fn price_key(price: f64, tick: f64) -> i64 {
    (price / tick).round() as i64
}

/// How a size decrease splits.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DecreaseSplit {
    pub executed: f64,
    pub cancelled: f64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    /// Taker volume at this price not yet matched to a decrease.
    traded: f64,
    traded_at: Millis,
    /// The cancelled part of the last decrease, still open to late trades.
    unexplained: f64,
    decreased_at: Millis,
}

/// Per-(side, price) matching of trades to size decreases.
#[derive(Clone, Debug)]
pub(crate) struct TradeAttribution {
    grace: Millis,
    entries: HashMap<(Side, i64), Entry>,
    ops_since_sweep: usize,
}

impl TradeAttribution {
    pub fn new(grace: Millis) -> Self {
        TradeAttribution {
            grace,
            entries: HashMap::new(),
            ops_since_sweep: 0,
        }
    }

    /// The level at `(side, key)` went from `old` to `new` at `t`. Returns how a decrease splits
    /// (zero for an increase). Any change consumes the trades seen at that price.
    pub fn on_change(
        &mut self,
        side: Side,
        key: i64,
        t: Millis,
        old: f64,
        new: f64,
    ) -> DecreaseSplit {
        self.sweep(t);
        let entry = self.entries.entry((side, key)).or_default();
        let traded = if t - entry.traded_at <= self.grace {
            entry.traded
        } else {
            0.0
        };
        entry.traded = 0.0;
        let split = if new < old {
            let decrease = old - new;
            let executed = decrease.min(traded);
            DecreaseSplit {
                executed,
                cancelled: decrease - executed,
            }
        } else {
            DecreaseSplit::default()
        };
        entry.unexplained = split.cancelled;
        entry.decreased_at = t;
        if entry.unexplained == 0.0 {
            self.entries.remove(&(side, key));
        }
        split
    }

    /// A taker trade of `size` against `side` at `key`. Returns the part that explains an earlier
    /// decrease's cancel (a late trade); the rest waits for the next change at that price.
    pub fn on_trade(&mut self, side: Side, key: i64, t: Millis, size: f64) -> f64 {
        self.sweep(t);
        let entry = self.entries.entry((side, key)).or_default();
        let late = if entry.unexplained > 0.0 && t - entry.decreased_at <= self.grace {
            size.min(entry.unexplained)
        } else {
            0.0
        };
        entry.unexplained -= late;
        let fresh = entry.traded_at >= t - self.grace;
        entry.traded = if fresh { entry.traded } else { 0.0 } + (size - late);
        entry.traded_at = t;
        late
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Drops entries older than the grace period, every so often (amortised O(1)).
    fn sweep(&mut self, now: Millis) {
        self.ops_since_sweep += 1;
        if self.ops_since_sweep < 1024.max(self.entries.len()) {
            return;
        }
        self.ops_since_sweep = 0;
        let horizon = now - self.grace;
        self.entries
            .retain(|_, e| e.traded_at >= horizon || e.decreased_at >= horizon);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trades_before_the_decrease_explain_it() {
        let mut a = TradeAttribution::new(1000);
        assert_eq!(a.on_trade(Side::Bid, 999, 100, 8.0), 0.0);
        let s = a.on_change(Side::Bid, 999, 150, 15.0, 7.0);
        assert_eq!(
            s,
            DecreaseSplit {
                executed: 8.0,
                cancelled: 0.0
            }
        );
        // The trades were consumed: the next decrease is a cancel.
        let s = a.on_change(Side::Bid, 999, 200, 7.0, 2.0);
        assert_eq!(
            s,
            DecreaseSplit {
                executed: 0.0,
                cancelled: 5.0
            }
        );
    }

    #[test]
    fn late_trades_reclassify_within_grace() {
        let mut a = TradeAttribution::new(1000);
        let s = a.on_change(Side::Ask, 1004, 100, 12.0, 2.0);
        assert_eq!(s.cancelled, 10.0);
        assert_eq!(a.on_trade(Side::Ask, 1004, 300, 6.0), 6.0);
        assert_eq!(a.on_trade(Side::Ask, 1004, 400, 6.0), 4.0);
        // Past the grace period a trade no longer explains it.
        let s = a.on_change(Side::Ask, 1004, 500, 2.0, 0.0);
        assert_eq!(
            s,
            DecreaseSplit {
                executed: 2.0,
                cancelled: 0.0
            }
        );
        a.on_change(Side::Ask, 1004, 600, 0.0, 10.0);
        a.on_change(Side::Ask, 1004, 700, 10.0, 0.0);
        assert_eq!(a.on_trade(Side::Ask, 1004, 5000, 3.0), 0.0);
    }

    #[test]
    fn stale_trades_do_not_explain_a_later_cancel() {
        let mut a = TradeAttribution::new(1000);
        a.on_trade(Side::Bid, 5, 0, 10.0);
        let s = a.on_change(Side::Bid, 5, 5000, 10.0, 0.0);
        assert_eq!(
            s,
            DecreaseSplit {
                executed: 0.0,
                cancelled: 10.0
            }
        );
        // Other sides and prices are separate.
        a.on_trade(Side::Ask, 5, 6000, 10.0);
        let s = a.on_change(Side::Bid, 6, 6000, 10.0, 0.0);
        assert_eq!(s.executed, 0.0);
        assert_eq!(price_key(99.9, 0.1), 999);
        assert_eq!(price_key(0.1 * 999.0, 0.1), 999);
    }
}
