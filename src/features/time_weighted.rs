//! Time-weighted averages of a state variable over a trailing window (§0.3, §0.6).
//!
//! A state (touch depth, L1 imbalance, a depth band) holds from one update to the next, so its
//! interval average must weight each value by how long it held; an event average over-weights
//! bursts of updates (§2.4: 0.2 time-weighted against 0.25 event-weighted). Periods when the
//! state is unknown (invalid book, resync) carry no weight at all, and the covered time is
//! reported so callers can apply the §0.2 warm-up rule.

use crate::market::Millis;

use super::num::ratio;
use super::window::RollingSum;

const INTEGRAL: usize = 0;
const DURATION: usize = 1;
const VALUE: usize = 2;

/// Time-weighted mean over `(now − W, now]` of a piecewise-constant value.
#[derive(Clone, Debug)]
pub struct TimeWeightedMean {
    /// Closed segments keyed by their end time: `[value·duration, duration, value]`.
    closed: RollingSum<3>,
    /// The segment still running: `(start, value)`.
    open: Option<(Millis, f64)>,
    last_seen: Option<Millis>,
}

/// A time-weighted mean and how much of the window it covers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeAverage {
    /// `None` when no time in the window had a known value.
    pub mean: Option<f64>,
    /// Milliseconds of the window with a known value.
    pub covered: Millis,
}

impl TimeWeightedMean {
    pub fn new(window: Millis) -> Self {
        TimeWeightedMean {
            closed: RollingSum::new(window),
            open: None,
            last_seen: None,
        }
    }

    pub fn window(&self) -> Millis {
        self.closed.window()
    }

    /// The state became `value` at `t`; `None` means unknown from `t` on (invalid book).
    pub fn update(&mut self, t: Millis, value: Option<f64>) {
        let t = self.clamp(t);
        let value = value.filter(|v| v.is_finite());
        if value.is_some() && value == self.open.map(|(_, v)| v) {
            // Same state: the running segment simply continues (keeps the buffer small when most
            // book updates leave the tracked value unchanged).
            return;
        }
        self.close_open(t);
        self.open = value.map(|v| (t, v));
    }

    /// The state is unknown from the last time seen on (a resync): the last value keeps the
    /// weight it had earned up to then and no more.
    pub fn interrupt(&mut self) {
        if let Some(t) = self.last_seen {
            self.close_open(t);
        }
        self.open = None;
    }

    /// The mean over `(now − W, now]`.
    pub fn average(&mut self, now: Millis) -> TimeAverage {
        let now = self.clamp(now);
        let cutoff = now - self.window();
        let sums = self.closed.sums_at(now);
        let (mut integral, mut duration) = (sums[INTEGRAL], sums[DURATION]);
        if let Some((end, seg)) = self.closed.front() {
            let start = end - seg[DURATION] as Millis;
            if start < cutoff {
                let cut = (cutoff - start) as f64;
                integral -= seg[VALUE] * cut;
                duration -= cut;
            }
        }
        if let Some((start, value)) = self.open {
            let held = (now - start.max(cutoff)).max(0) as f64;
            integral += value * held;
            duration += held;
        }
        let duration = duration.max(0.0);
        TimeAverage {
            mean: ratio(integral, duration),
            covered: duration.round() as Millis,
        }
    }

    fn clamp(&mut self, t: Millis) -> Millis {
        let t = self.last_seen.map_or(t, |last| t.max(last));
        self.last_seen = Some(t);
        t
    }

    fn close_open(&mut self, t: Millis) {
        if let Some((start, value)) = self.open.take()
            && t > start
        {
            let d = (t - start) as f64;
            self.closed.push(t, [value * d, d, value]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::{assert_some_close, secs};

    #[test]
    fn aperiodic_imbalance_ratio_avg_is_time_weighted() {
        // §2.4: (3,1) → ratio 0.5 for 4 s, then (1,1) → 0 for 6 s: 0.2, not the event mean 0.25.
        let mut avg = TimeWeightedMean::new(secs(10));
        avg.update(secs(0), Some(0.5));
        avg.update(secs(4), Some(0.0));
        let a = avg.average(secs(10));
        assert_some_close(a.mean, 0.2);
        assert_eq!(a.covered, secs(10));
    }

    #[test]
    fn window_clips_the_oldest_segment() {
        let mut avg = TimeWeightedMean::new(secs(10));
        avg.update(secs(0), Some(1.0));
        avg.update(secs(10), Some(3.0));
        // (5, 15]: 1.0 for 5 s and 3.0 for 5 s.
        assert_some_close(avg.average(secs(15)).mean, 2.0);
        // (20, 30]: only the open segment.
        assert_some_close(avg.average(secs(30)).mean, 3.0);
    }

    #[test]
    fn unknown_periods_carry_no_weight() {
        let mut avg = TimeWeightedMean::new(secs(10));
        avg.update(secs(0), Some(1.0));
        avg.update(secs(2), None);
        avg.update(secs(8), Some(4.0));
        let a = avg.average(secs(10));
        // 1.0 for 2 s, 4.0 for 2 s; 6 s unknown.
        assert_some_close(a.mean, 2.5);
        assert_eq!(a.covered, secs(4));
    }

    #[test]
    fn interrupt_stops_the_running_value_at_the_last_time_seen() {
        let mut avg = TimeWeightedMean::new(secs(10));
        avg.update(secs(0), Some(2.0));
        assert_eq!(avg.average(secs(3)).covered, secs(3));
        avg.interrupt();
        let a = avg.average(secs(9));
        assert_some_close(a.mean, 2.0);
        assert_eq!(a.covered, secs(3));
    }

    #[test]
    fn nothing_known_is_none() {
        let mut avg = TimeWeightedMean::new(secs(10));
        assert_eq!(avg.average(secs(5)).mean, None);
        avg.update(secs(5), Some(f64::NAN));
        assert_eq!(avg.average(secs(6)).mean, None);
    }
}
