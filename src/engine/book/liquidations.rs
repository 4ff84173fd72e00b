//! Liquidations of one instrument: the §3.5–3.8 tracker, the latest prints for display, and the
//! prints not yet seen by the alert rules.
//!
//! The state exists once the venue has sent a liquidation, which is also when its sampling
//! (§3.5: throttled, complete, incomplete) becomes known; raw counts are only ever shown with it.

use std::collections::VecDeque;

use crate::engine::frame::LiquidationPrint;
use crate::features::liquidations::{
    CascadeFlow, LiquidationConfig, LiquidationReadings, LiquidationSampling, LiquidationTracker,
};
use crate::feed::event::{LiqSampling, Liquidation};
use crate::market::{LiquidatedPosition, Millis};

fn sampling(s: LiqSampling) -> LiquidationSampling {
    match s {
        LiqSampling::Throttled1s => LiquidationSampling::Throttled1s,
        LiqSampling::Throttled500ms => LiquidationSampling::Throttled500ms,
        LiqSampling::Complete => LiquidationSampling::Complete,
        LiqSampling::Incomplete => LiquidationSampling::Incomplete,
    }
}

#[derive(Clone, Debug)]
pub struct Liquidations {
    sampling: LiqSampling,
    tracker: LiquidationTracker,
    recent: VecDeque<LiquidationPrint>,
    recent_cap: usize,
    /// Notionals (and the positions closed) not yet seen by the alert rules.
    pending: Vec<(f64, LiquidatedPosition)>,
}

impl Liquidations {
    /// `since`: exchange time from which the stream has been observed, so a quiet stream reads
    /// zero rather than warming up until the next liquidation.
    pub fn new(s: LiqSampling, recent_cap: usize, since: Millis) -> Self {
        let mut tracker = LiquidationTracker::new(LiquidationConfig::default(), sampling(s));
        tracker.observe_since(since);
        Liquidations {
            sampling: s,
            tracker,
            recent: VecDeque::with_capacity(recent_cap),
            recent_cap,
            pending: Vec::new(),
        }
    }

    pub fn sampling(&self) -> LiqSampling {
        self.sampling
    }

    /// One liquidation, sizes in base units. Its sampling is the stream's from now on (a
    /// tracker restored from the history may have been created with an older label).
    pub fn on_liquidation(&mut self, l: &Liquidation) {
        if l.sampling != self.sampling {
            self.sampling = l.sampling;
            self.tracker.set_sampling(sampling(l.sampling));
        }
        let notional = l.price * l.size;
        if !(notional.is_finite() && notional >= 0.0) {
            return;
        }
        self.tracker.on_liquidation(&crate::features::Liquidation {
            t: l.exch_ts,
            position: l.position,
            notional,
        });
        if self.recent.len() == self.recent_cap {
            self.recent.pop_back();
        }
        self.recent.push_front(LiquidationPrint {
            exch_ts: l.exch_ts,
            position: l.position,
            price: l.price,
            size: l.size,
            notional,
        });
        self.pending.push((notional, l.position));
    }

    /// Starts the rates at the restored run's mean rates (see
    /// [`LiquidationTracker::prime`](crate::features::liquidations::LiquidationTracker::prime)).
    pub fn prime(&mut self, t: Millis, count_per_s: f64, notional_per_s: f64) {
        self.tracker.prime(t, count_per_s, notional_per_s);
    }

    /// One second of liquidations restored from the history (before live data): the long and
    /// short notional, each counted as one liquidation at the second (the history keeps
    /// notionals, not counts, so restored counts are lower bounds, like a throttled stream's).
    pub fn seed_second(&mut self, t: Millis, long: f64, short: f64) {
        for (position, notional) in [
            (crate::market::LiquidatedPosition::Long, long),
            (crate::market::LiquidatedPosition::Short, short),
        ] {
            if notional > 0.0 {
                self.tracker.on_liquidation(&crate::features::Liquidation {
                    t,
                    position,
                    notional,
                });
            }
        }
    }

    pub fn readings(&mut self, now: Millis) -> LiquidationReadings {
        self.tracker.readings(now)
    }

    pub fn cascade_flow(&mut self, now: Millis) -> CascadeFlow {
        self.tracker.cascade_flow(now)
    }

    /// The latest liquidations, newest first.
    pub fn recent(&self) -> Vec<LiquidationPrint> {
        self.recent.iter().cloned().collect()
    }

    pub fn take_pending(&mut self) -> std::vec::Drain<'_, (f64, LiquidatedPosition)> {
        self.pending.drain(..)
    }
}
