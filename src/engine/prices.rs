//! The price history behind the symbol chart: a bounded series of the symbol's mid, kept at two
//! resolutions so every chart range has enough points and memory stays fixed.
//!
//! - one sample a second over the last 5 minutes (300 points): the 5 min range;
//! - one candle (open, high, low, close) a minute over the last 24 hours (1440 candles): the 1 h
//!   and 24 h ranges.
//!
//! A second or minute with no fresh mid (all books down or stale) has no point: the chart shows a
//! gap, never a made-up price. The series is shared with frames as an `Arc` and only copied when a
//! new second starts, so a tick between seconds costs nothing.

use std::collections::VecDeque;
use std::sync::Arc;

use serde::Serialize;

use crate::market::Nanos;

const SECOND: Nanos = 1_000_000_000;
const MINUTE: Nanos = 60 * SECOND;
/// Seconds kept: the 5 min chart range.
pub const SECOND_SAMPLES: usize = 300;
/// Minutes kept: the 24 h chart range.
pub const MINUTE_CANDLES: usize = 1440;

/// One minute of mids.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Candle {
    /// Local time the minute starts.
    pub start: Nanos,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
}

/// The symbol's mid over time, oldest first at both resolutions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct PriceSeries {
    /// `(local time of the second's start, mid)`, at most [`SECOND_SAMPLES`].
    pub seconds: VecDeque<(Nanos, f64)>,
    /// At most [`MINUTE_CANDLES`]; the last one may still be forming.
    pub minutes: VecDeque<Candle>,
}

impl PriceSeries {
    /// Adds the mid sampled at `at`, the first of a new second.
    fn push(&mut self, at: Nanos, second: Nanos, mid: f64) {
        if self.seconds.len() == SECOND_SAMPLES {
            self.seconds.pop_front();
        }
        self.seconds.push_back((second, mid));
        let minute = at - at % MINUTE;
        match self.minutes.back_mut() {
            Some(c) if c.start == minute => {
                c.high = c.high.max(mid);
                c.low = c.low.min(mid);
                c.close = mid;
            }
            Some(c) if c.start > minute => {}
            _ => {
                if self.minutes.len() == MINUTE_CANDLES {
                    self.minutes.pop_front();
                }
                self.minutes.push_back(Candle {
                    start: minute,
                    open: mid,
                    high: mid,
                    low: mid,
                    close: mid,
                });
            }
        }
    }
}

/// The engine's side of one symbol's series.
#[derive(Debug, Default)]
pub struct PriceHistory {
    series: Arc<PriceSeries>,
}

impl PriceHistory {
    /// Samples the symbol's mid at tick time `now`; `None` (no fresh book) leaves a gap.
    pub fn on_tick(&mut self, now: Nanos, mid: Option<f64>) {
        let Some(mid) = mid.filter(|m| m.is_finite() && *m > 0.0) else {
            return;
        };
        let second = now - now % SECOND;
        if self
            .series
            .seconds
            .back()
            .is_some_and(|(s, _)| *s >= second)
        {
            return;
        }
        Arc::make_mut(&mut self.series).push(now, second, mid);
    }

    /// The series as a frame shares it.
    pub fn series(&self) -> Arc<PriceSeries> {
        self.series.clone()
    }

    /// The relative change of the mid over the last hour (0.01 = +1 %): the latest sample
    /// against the close of the minute an hour before the current one. `None` without that
    /// minute (a gap or less than an hour of samples: a shorter span is not a 1 h change).
    pub fn change_1h(&self, now: Nanos) -> Option<f64> {
        let (_, latest) = *self.series.seconds.back()?;
        let then = (now - now % MINUTE).checked_sub(60 * MINUTE)?;
        let candle = self.series.minutes.iter().rev().find(|c| c.start <= then)?;
        (candle.start == then && candle.close > 0.0)
            .then(|| latest / candle.close - 1.0)
            .filter(|c| c.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hour_change_needs_the_minute_an_hour_ago() {
        let mut h = PriceHistory::default();
        h.on_tick(0, Some(100.0));
        h.on_tick(30 * SECOND, Some(99.0));
        h.on_tick(59 * MINUTE, Some(100.5));
        assert_eq!(h.change_1h(59 * MINUTE), None, "less than an hour");
        h.on_tick(60 * MINUTE + SECOND, Some(101.0));
        let c = h.change_1h(60 * MINUTE + SECOND).unwrap();
        assert!((c - (101.0 / 99.0 - 1.0)).abs() < 1e-12, "{c}");
        // Two hours on, the minute an hour before has no candle (a gap): no change.
        h.on_tick(122 * MINUTE, Some(102.0));
        assert_eq!(h.change_1h(122 * MINUTE), None);
    }

    #[test]
    fn one_sample_a_second_and_a_candle_a_minute() {
        let mut h = PriceHistory::default();
        h.on_tick(0, Some(100.0));
        h.on_tick(SECOND / 2, Some(999.0));
        h.on_tick(SECOND, Some(101.0));
        h.on_tick(2 * SECOND, None);
        h.on_tick(3 * SECOND, Some(99.0));
        h.on_tick(MINUTE + 1, Some(98.0));
        let s = h.series();
        let mids: Vec<f64> = s.seconds.iter().map(|(_, m)| *m).collect();
        assert_eq!(mids, [100.0, 101.0, 99.0, 98.0], "the gap has no point");
        assert_eq!(s.minutes.len(), 2);
        assert_eq!(
            s.minutes[0],
            Candle {
                start: 0,
                open: 100.0,
                high: 101.0,
                low: 99.0,
                close: 99.0
            }
        );
        assert_eq!(s.minutes[1].start, MINUTE);
    }

    #[test]
    fn memory_is_bounded_at_both_resolutions() {
        let mut h = PriceHistory::default();
        // Two days of one tick a second.
        for i in 0..(2 * 86_400) {
            h.on_tick(i * SECOND, Some(100.0 + (i % 7) as f64));
        }
        let s = h.series();
        assert_eq!(s.seconds.len(), SECOND_SAMPLES);
        assert_eq!(s.minutes.len(), MINUTE_CANDLES);
        assert_eq!(s.seconds.back().unwrap().0, (2 * 86_400 - 1) * SECOND);
        assert_eq!(s.minutes.back().unwrap().start, (2 * 1440 - 1) * MINUTE);
        let c = s.minutes.back().unwrap();
        assert_eq!((c.low, c.high), (100.0, 106.0));
    }

    #[test]
    fn a_tick_within_the_second_shares_the_series_without_copying() {
        let mut h = PriceHistory::default();
        h.on_tick(0, Some(1.0));
        let held = h.series();
        h.on_tick(SECOND / 3, Some(2.0));
        assert!(Arc::ptr_eq(&held, &h.series()));
        h.on_tick(SECOND, Some(2.0));
        assert_eq!(held.seconds.len(), 1, "a frame's copy never changes");
        assert_eq!(h.series().seconds.len(), 2);
    }

    #[test]
    fn absurd_mids_are_not_points() {
        let mut h = PriceHistory::default();
        h.on_tick(0, Some(f64::NAN));
        h.on_tick(SECOND, Some(-1.0));
        h.on_tick(2 * SECOND, Some(f64::INFINITY));
        assert!(h.series().seconds.is_empty());
    }
}
