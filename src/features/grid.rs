//! Fixed-grid sampling of state variables (§0.3).
//!
//! Statistics over a state (spread, cumulative delta) must be time-weighted: a spread of 1 bp for
//! 8 s and then 5 bp for 2 s is eight samples of 1 and two of 5 on a 1 s grid (sample std
//! 1.686548 bp), not two events (2.828427 bp).
//!
//! The sample at grid time `g` is the value in force just before `g`, that is, set by the last
//! update at a time `< g`. It therefore stands for the grid interval ending at `g`, and it is final
//! as soon as time reaches `g`: an update stamped `g` or later cannot change it. Grid points where
//! the value is unknown (invalid book) are skipped, not zero-filled (§1.8).

use std::collections::VecDeque;

use crate::market::Millis;

use super::window::coverage;

/// Turns updates of a piecewise-constant value into grid samples (last value carried forward).
#[derive(Clone, Debug)]
pub struct GridSampler {
    step: Millis,
    /// Grid points older than this before the current time are skipped, not emitted, so a long
    /// silence costs O(horizon / step), not O(silence / step).
    horizon: Millis,
    current: Option<f64>,
    next: Option<Millis>,
}

impl GridSampler {
    pub fn new(step: Millis, horizon: Millis) -> Self {
        GridSampler {
            step: step.max(1),
            horizon,
            current: None,
            next: None,
        }
    }

    pub fn step(&self) -> Millis {
        self.step
    }

    /// The value becomes `value` at `t` (`None`: unknown). Grid points up to and including `t`
    /// are emitted first, with the value that held before `t`.
    pub fn update(&mut self, t: Millis, value: Option<f64>, emit: impl FnMut(Millis, f64)) {
        self.advance(t, emit);
        if self.next.is_none() {
            self.next = Some(self.first_after(t));
        }
        self.current = value.filter(|v| v.is_finite());
    }

    /// Emits the grid points up to and including `now`.
    pub fn advance(&mut self, now: Millis, mut emit: impl FnMut(Millis, f64)) {
        let Some(mut g) = self.next else {
            return;
        };
        g = g.max(self.first_after(now - self.horizon));
        while g <= now {
            if let Some(v) = self.current {
                emit(g, v);
            }
            g += self.step;
        }
        self.next = Some(g);
    }

    /// The value is unknown from now on, until the next update. Grid points already emitted stay.
    pub fn interrupt(&mut self) {
        self.current = None;
    }

    fn first_after(&self, t: Millis) -> Millis {
        (t.div_euclid(self.step) + 1) * self.step
    }
}

/// A [`GridSampler`] together with the samples of the trailing window `(now − W, now]`.
///
/// Updates are O(1) amortised; statistics are computed on demand over the at most `W / step`
/// samples (300 at the defaults), two-pass, so they carry no running-sum drift.
#[derive(Clone, Debug)]
pub struct GridSeries {
    sampler: GridSampler,
    window: Millis,
    samples: VecDeque<(Millis, f64)>,
}

impl GridSeries {
    pub fn new(step: Millis, window: Millis) -> Self {
        GridSeries {
            sampler: GridSampler::new(step, window),
            window,
            samples: VecDeque::new(),
        }
    }

    pub fn update(&mut self, t: Millis, value: Option<f64>) {
        let samples = &mut self.samples;
        self.sampler
            .update(t, value, |g, v| samples.push_back((g, v)));
        self.evict(t);
    }

    /// See [`GridSampler::interrupt`].
    pub fn interrupt(&mut self) {
        self.sampler.interrupt();
    }

    /// Samples up to `now`, then the window's samples oldest first.
    pub fn samples_at(&mut self, now: Millis) -> impl Iterator<Item = (Millis, f64)> + Clone + '_ {
        let samples = &mut self.samples;
        self.sampler.advance(now, |g, v| samples.push_back((g, v)));
        self.evict(now);
        self.samples.iter().copied()
    }

    /// Fraction of the window's grid points that hold a sample (call after
    /// [`samples_at`](Self::samples_at)).
    pub fn coverage(&self) -> f64 {
        coverage(
            self.samples.len() as Millis * self.sampler.step(),
            self.window,
        )
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    fn evict(&mut self, now: Millis) {
        let cutoff = now - self.window;
        while self.samples.front().is_some_and(|&(g, _)| g <= cutoff) {
            self.samples.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::secs;

    fn collect(series: &mut GridSeries, now: Millis) -> Vec<f64> {
        series.samples_at(now).map(|(_, v)| v).collect()
    }

    #[test]
    fn one_second_grid_weights_by_duration() {
        // §0.3: 1 bp for 8 s then 5 bp for 2 s.
        let mut s = GridSeries::new(secs(1), secs(10));
        s.update(secs(0), Some(1.0));
        s.update(secs(8), Some(5.0));
        let v = collect(&mut s, secs(10));
        assert_eq!(v, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 5.0, 5.0]);
        assert_eq!(s.coverage(), 1.0);
    }

    #[test]
    fn unknown_values_are_skipped_not_zero_filled() {
        let mut s = GridSeries::new(secs(1), secs(10));
        s.update(secs(0), Some(2.0));
        s.update(secs(3), None);
        s.update(secs(7), Some(4.0));
        let v = collect(&mut s, secs(10));
        assert_eq!(v, [2.0, 2.0, 2.0, 4.0, 4.0, 4.0]);
        assert!((s.coverage() - 0.6).abs() < 1e-12);
    }

    #[test]
    fn a_sample_is_final_once_time_reaches_it() {
        let mut s = GridSeries::new(secs(1), secs(10));
        s.update(500, Some(1.0));
        // g = 1000 is emitted at a query at 1000; an update stamped 1000 does not change it.
        assert_eq!(collect(&mut s, 1000), [1.0]);
        s.update(1000, Some(9.0));
        assert_eq!(collect(&mut s, 2000), [1.0, 9.0]);
    }

    #[test]
    fn long_silences_cost_only_the_window() {
        let mut s = GridSeries::new(1, 100);
        s.update(0, Some(1.0));
        // An hour of 1 ms grid points, but only the last 100 are kept (and generated).
        assert_eq!(collect(&mut s, 3_600_000).len(), 100);
    }
}
