//! `spread_volatility` (§1.8): the sample std of `spread_bps` on a 1 s grid.
//!
//! Sampling on the grid (§0.3) keeps bursts of book updates from dominating; grid points where
//! the book is invalid are skipped. At a resync the samples already taken are kept (they are
//! computed values, §0.2) and sampling resumes with the first valid book.

use crate::market::Millis;

use super::grid::GridSeries;
use super::num::{mean_std, ratio};
use super::window::MIN_COVERAGE;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpreadVolConfig {
    pub window: Millis,
    pub grid: Millis,
    pub min_samples: usize,
}

impl Default for SpreadVolConfig {
    /// §1.8: W = 300 s on a 1 s grid, at least 30 samples.
    fn default() -> Self {
        SpreadVolConfig {
            window: 300_000,
            grid: 1_000,
            min_samples: 30,
        }
    }
}

/// The rolling spread-volatility calculator.
#[derive(Clone, Debug)]
pub struct SpreadVolatility {
    series: GridSeries,
    min_samples: usize,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpreadVolReading {
    /// Sample std (n − 1) of `spread_bps`; `None` in warm-up (< 50 % of the window's grid points
    /// or fewer than `min_samples`).
    pub std_bps: Option<f64>,
    /// `std / mean`.
    pub cv: Option<f64>,
    pub samples: usize,
    pub coverage: f64,
}

impl SpreadVolatility {
    pub fn new(cfg: SpreadVolConfig) -> Self {
        SpreadVolatility {
            series: GridSeries::new(cfg.grid, cfg.window),
            min_samples: cfg.min_samples.max(2),
        }
    }

    /// The book's `spread_bps` at `t` (`None` while the book is invalid).
    pub fn update(&mut self, t: Millis, spread_bps: Option<f64>) {
        self.series.update(t, spread_bps);
    }

    /// Resync: the spread is unknown until the next valid book. Samples already taken (up to the
    /// last update or reading) stay.
    pub fn reset(&mut self) {
        self.series.interrupt();
    }

    pub fn reading(&mut self, now: Millis) -> SpreadVolReading {
        let stats = mean_std(self.series.samples_at(now).map(|(_, v)| v), 1);
        let samples = self.series.len();
        let coverage = self.series.coverage();
        let warm = samples >= self.min_samples && coverage >= MIN_COVERAGE;
        let (std_bps, cv) = match stats {
            Some((mean, std)) if warm => (Some(std), ratio(std, mean)),
            _ => (None, None),
        };
        SpreadVolReading {
            std_bps,
            cv,
            samples,
            coverage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::{assert_close, assert_some_close, secs};

    fn calc(window_s: i64, min_samples: usize) -> SpreadVolatility {
        SpreadVolatility::new(SpreadVolConfig {
            window: secs(window_s),
            grid: secs(1),
            min_samples,
        })
    }

    #[test]
    fn grid_std_of_spec_spreads() {
        // §1.8: spreads [1,1,2,1,5] bps already on the grid → sample std 1.732050808.
        let mut v = calc(5, 5);
        for (i, s) in [1.0, 1.0, 2.0, 1.0, 5.0].into_iter().enumerate() {
            v.update(secs(i as i64), Some(s));
        }
        let r = v.reading(secs(5));
        assert_eq!(r.samples, 5);
        assert_some_close(r.std_bps, 1.732050808);
        assert_some_close(r.cv, 1.732050808 / 2.0);
    }

    #[test]
    fn time_weighting_beats_event_sampling() {
        // §0.3: 1 bp for 8 s then 5 bp for 2 s → 1.686548085 (the event std would be 2.828427).
        let mut v = calc(10, 2);
        v.update(secs(0), Some(1.0));
        v.update(secs(8), Some(5.0));
        let r = v.reading(secs(10));
        assert_some_close(r.std_bps, 1.686548085);
        assert!((r.std_bps.unwrap() - 2.828427125).abs() > 1.0);
    }

    #[test]
    fn warm_up_needs_half_the_window_and_min_samples() {
        let mut v = SpreadVolatility::new(SpreadVolConfig::default());
        v.update(0, Some(1.0));
        v.update(secs(100), Some(2.0));
        // 149 of 300 grid points: below 50 %.
        let r = v.reading(secs(149));
        assert_eq!(r.std_bps, None);
        assert_eq!(r.samples, 149);
        let r = v.reading(secs(150));
        assert!(r.std_bps.is_some());
        assert_close(r.coverage, 0.5);
    }

    #[test]
    fn resync_skips_grid_points_but_keeps_samples() {
        let mut v = calc(10, 2);
        v.update(secs(0), Some(1.0));
        assert_eq!(v.reading(secs(4)).samples, 4);
        v.reset();
        assert_eq!(v.reading(secs(8)).samples, 4);
        v.update(secs(8), Some(3.0));
        let r = v.reading(secs(10));
        // Four samples of 1 before the resync, two of 3 after it.
        assert_eq!(r.samples, 6);
        assert!(r.coverage < 0.61);
        assert!(r.std_bps.is_some());
    }
}
