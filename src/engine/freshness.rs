//! Staleness (§0.2): a stream is stale when it has been silent for much longer than it usually
//! is. "Usually" is measured, not assumed: the median of its recent inter-update intervals.
//!
//! Books use `stale_after = max(5 s, 20 × median interval)`; polled derivatives values (open
//! interest, funding) are stale after 2 × their interval, which is the same rule with another
//! factor, since the measured interval of a polled value is its poll interval.

use crate::market::Nanos;
use std::collections::VecDeque;

/// Intervals kept for the median: enough to ride out a burst, few enough to follow a venue that
/// changes pace.
const INTERVALS: usize = 63;

/// Receive times of one stream's updates.
#[derive(Clone, Debug, Default)]
pub struct UpdateIntervals {
    last: Option<Nanos>,
    intervals: VecDeque<Nanos>,
}

impl UpdateIntervals {
    pub fn on_update(&mut self, at: Nanos) {
        if let Some(last) = self.last {
            if at < last {
                return;
            }
            if self.intervals.len() == INTERVALS {
                self.intervals.pop_front();
            }
            self.intervals.push_back(at - last);
        }
        self.last = Some(at);
    }

    /// Milliseconds since the latest update.
    pub fn age_ms(&self, now: Nanos) -> Option<f64> {
        self.last.map(|t| now.saturating_sub(t) as f64 / 1e6)
    }

    /// Median inter-update interval, ms; `None` before two updates.
    pub fn median_ms(&self) -> Option<f64> {
        let mut buf = [0; INTERVALS];
        let n = self.intervals.len();
        if n == 0 {
            return None;
        }
        for (b, i) in buf.iter_mut().zip(&self.intervals) {
            *b = *i;
        }
        let v = &mut buf[..n];
        let mid = n / 2;
        let (lower, upper, _) = v.select_nth_unstable(mid);
        let upper = *upper as f64;
        let median = if n % 2 == 1 {
            upper
        } else {
            let below = lower.iter().copied().max().unwrap_or_default() as f64;
            (below + upper) / 2.0
        };
        Some(median / 1e6)
    }
}

/// When a stream counts as stale.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StaleRule {
    /// Never stale sooner than this, ms.
    pub floor_ms: f64,
    /// `factor × median interval`.
    pub factor: f64,
    /// The limit while no interval is known yet, ms.
    pub unknown_ms: f64,
}

impl StaleRule {
    /// The silence after which `stream` is stale, ms.
    pub fn stale_after_ms(&self, stream: &UpdateIntervals) -> f64 {
        stream
            .median_ms()
            .map_or(self.unknown_ms, |m| (self.factor * m).max(self.floor_ms))
    }

    /// Whether `stream` is stale at `now`; a stream that never updated is not stale (it is not
    /// there yet, which its state says).
    pub fn is_stale(&self, stream: &UpdateIntervals, now: Nanos) -> bool {
        stream
            .age_ms(now)
            .is_some_and(|age| age > self.stale_after_ms(stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Nanos = 1_000_000;

    fn book_rule() -> StaleRule {
        StaleRule {
            floor_ms: 5_000.0,
            factor: 20.0,
            unknown_ms: 5_000.0,
        }
    }

    #[test]
    fn median_of_intervals() {
        let mut s = UpdateIntervals::default();
        assert_eq!(s.median_ms(), None);
        for t in [0, 100, 200, 1_200, 1_300] {
            s.on_update(t * MS);
        }
        // Intervals 100, 100, 1000, 100.
        assert_eq!(s.median_ms(), Some(100.0));
        s.on_update(2_300 * MS);
        // 100, 100, 100, 1000, 1000 → 100.
        assert_eq!(s.median_ms(), Some(100.0));
        s.on_update(3_300 * MS);
        // Six intervals: 100, 100, 100, 1000, 1000, 1000 → 550.
        assert_eq!(s.median_ms(), Some(550.0));
    }

    #[test]
    fn stale_after_is_the_floor_or_twenty_median_intervals() {
        let rule = book_rule();
        let mut fast = UpdateIntervals::default();
        for t in 0..10 {
            fast.on_update(t * 100 * MS);
        }
        // 20 × 100 ms = 2 s < 5 s floor.
        assert_eq!(rule.stale_after_ms(&fast), 5_000.0);
        assert!(!rule.is_stale(&fast, 5_900 * MS));
        assert!(rule.is_stale(&fast, 5_901 * MS));
        let mut slow = UpdateIntervals::default();
        for t in 0..5 {
            slow.on_update(t * 1_000 * MS);
        }
        assert_eq!(rule.stale_after_ms(&slow), 20_000.0);
        assert!(!rule.is_stale(&slow, 23_000 * MS));
        assert!(rule.is_stale(&slow, 24_001 * MS));
        assert!(!rule.is_stale(&UpdateIntervals::default(), 1 << 60));
    }

    #[test]
    fn polled_values_are_stale_after_twice_their_interval() {
        let rule = StaleRule {
            floor_ms: 0.0,
            factor: 2.0,
            unknown_ms: 120_000.0,
        };
        let mut oi = UpdateIntervals::default();
        oi.on_update(0);
        assert_eq!(rule.stale_after_ms(&oi), 120_000.0);
        oi.on_update(30_000 * MS);
        assert!(!rule.is_stale(&oi, 90_000 * MS));
        assert!(rule.is_stale(&oi, 90_001 * MS));
    }
}
