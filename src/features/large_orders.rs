//! `large_order_activity` (§1.13, `[proposed]`): large adds and large cancel-driven removals near
//! the mid, per minute.
//!
//! A removal counts only for its part not explained by trades (same rule as §10.1), and stays
//! provisional for the attribution grace period so a late trade can still explain it; readings
//! include provisional removals at their current size.

use std::collections::VecDeque;

use crate::market::{Millis, Side};

use super::bands::LevelThreshold;
use super::window::{ObservedSince, RollingSum};

#[derive(Clone, Copy, Debug)]
struct PendingRemoval {
    t: Millis,
    side: Side,
    key: i64,
    price: f64,
    cancelled: f64,
    threshold: LevelThreshold,
}

impl PendingRemoval {
    fn is_large(&self) -> bool {
        self.threshold.is_large(self.price, self.cancelled)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LargeOrderReading {
    /// Large adds plus large cancel-driven removals, per minute; `None` in warm-up.
    pub large_order_events_per_min: Option<f64>,
    /// Added plus cancelled notional of those events, per minute.
    pub large_order_notional_per_min: Option<f64>,
    pub adds: usize,
    pub removals: usize,
}

/// Counts of large level events; driven by
/// [`LevelActivityTracker`](super::level_activity::LevelActivityTracker).
#[derive(Clone, Debug)]
pub(crate) struct LargeOrderActivity {
    grace: Millis,
    /// `[count, notional]`.
    adds: RollingSum<2>,
    removals: RollingSum<2>,
    pending: VecDeque<PendingRemoval>,
    observed: ObservedSince,
}

impl LargeOrderActivity {
    pub fn new(window: Millis, grace: Millis) -> Self {
        LargeOrderActivity {
            grace,
            adds: RollingSum::new(window),
            removals: RollingSum::new(window),
            pending: VecDeque::new(),
            observed: ObservedSince::default(),
        }
    }

    pub fn observe(&mut self, t: Millis) {
        self.observed.observe(t);
    }

    pub fn on_large_add(&mut self, t: Millis, notional: f64) {
        self.adds.push(t, [1.0, notional]);
    }

    /// The cancelled part of a decrease; kept provisionally if it reaches θ.
    pub fn on_cancel(
        &mut self,
        t: Millis,
        side: Side,
        key: i64,
        price: f64,
        cancelled: f64,
        threshold: LevelThreshold,
    ) {
        let removal = PendingRemoval {
            t,
            side,
            key,
            price,
            cancelled,
            threshold,
        };
        if removal.is_large() {
            self.pending.push_back(removal);
        }
    }

    /// A late trade explained `amount` of a recent cancel at `(side, key)`.
    pub fn on_late_trade(&mut self, side: Side, key: i64, mut amount: f64) {
        for r in self
            .pending
            .iter_mut()
            .rev()
            .filter(|r| r.side == side && r.key == key)
        {
            let moved = amount.min(r.cancelled);
            r.cancelled -= moved;
            amount -= moved;
            if amount <= 0.0 {
                break;
            }
        }
    }

    /// Commits removals whose grace period has passed (those still large).
    pub fn commit_due(&mut self, now: Millis) {
        while let Some(r) = self.pending.front().copied() {
            if r.t + self.grace >= now {
                break;
            }
            self.pending.pop_front();
            if r.is_large() {
                self.removals.push(r.t, [1.0, r.price * r.cancelled]);
            }
        }
    }

    /// Resync: provisional removals are dropped (their trades may never arrive); counted events
    /// stay.
    pub fn reset(&mut self) {
        self.pending.clear();
    }

    pub fn reading(&mut self, now: Millis) -> LargeOrderReading {
        self.commit_due(now);
        let window = self.adds.window();
        let [add_n, add_usd] = self.adds.sums_at(now);
        let [rem_n, rem_usd] = self.removals.sums_at(now);
        let cutoff = now - window;
        let (pend_n, pend_usd) = self
            .pending
            .iter()
            .filter(|r| r.t > cutoff && r.is_large())
            .fold((0.0, 0.0), |(n, usd), r| {
                (n + 1.0, usd + r.price * r.cancelled)
            });
        let per_min = 60_000.0 / window.max(1) as f64;
        let warm = self.observed.warm(now, window);
        let removals = (rem_n + pend_n).round() as usize;
        LargeOrderReading {
            large_order_events_per_min: warm.then_some((add_n + rem_n + pend_n) * per_min),
            large_order_notional_per_min: warm.then_some((add_usd + rem_usd + pend_usd) * per_min),
            adds: add_n.round() as usize,
            removals,
        }
    }
}
