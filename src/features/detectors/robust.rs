//! Bounded baselines for the detectors: the last `capacity` samples (one per closed bin), with
//! their median, MAD and standard deviation.
//!
//! The statistics are recomputed from the ring every `refresh` pushes rather than per sample
//! (§0.6: percentile baselines "sorted on demand once a minute"): a selection over ≤ 3600 values
//! costs tens of µs, paid once per refresh instead of per tick. The scratch buffer is allocated
//! once and reused.

use std::collections::VecDeque;

/// Consistency constant turning a MAD into a normal standard deviation (§10.3).
pub const MAD_SCALE: f64 = 1.4826;

/// Median, MAD and standard deviation of a baseline at its last refresh.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    pub median: f64,
    pub mad: f64,
    pub std: f64,
    pub n: usize,
}

#[derive(Clone, Debug)]
pub struct SampleRing {
    capacity: usize,
    refresh: usize,
    /// Grown as samples come (not allocated at `capacity` up front: an hour-long baseline of
    /// one sample a second would hold 29 kB per book from its first second).
    samples: VecDeque<f64>,
    since_refresh: usize,
    stats: Option<Stats>,
}

impl SampleRing {
    pub fn new(capacity: usize, refresh: usize) -> Self {
        let capacity = capacity.max(1);
        SampleRing {
            capacity,
            refresh: refresh.max(1),
            samples: VecDeque::new(),
            since_refresh: 0,
            stats: None,
        }
    }

    /// Adds a sample; non-finite ones are dropped (they would poison every statistic).
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        self.samples.push_back(x);
        self.since_refresh += 1;
        if self.stats.is_none() || self.since_refresh >= self.refresh {
            self.recompute();
        }
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    pub fn clear(&mut self) {
        self.samples.clear();
        self.stats = None;
        self.since_refresh = 0;
    }

    /// The statistics once at least `min_samples` are held (warm-up, §0.2).
    pub fn stats(&self, min_samples: usize) -> Option<Stats> {
        self.stats.filter(|s| s.n >= min_samples.max(1))
    }

    fn recompute(&mut self) {
        self.since_refresh = 0;
        let n = self.samples.len();
        if n == 0 {
            self.stats = None;
            return;
        }
        // The selection's copy lives for this refresh only (refreshes come once a minute or
        // every dozen samples): kept between them it would double every baseline's memory.
        let mut scratch: Vec<f64> = self.samples.iter().copied().collect();
        let median = select_median(&mut scratch);
        for x in scratch.iter_mut() {
            *x = (*x - median).abs();
        }
        let mad = select_median(&mut scratch);
        let mean = self.samples.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            self.samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        self.stats = Some(Stats {
            median,
            mad,
            std: var.sqrt(),
            n,
        });
    }
}

/// Median by selection (O(n)); `xs` is reordered. `xs` is non-empty and finite.
fn select_median(xs: &mut [f64]) -> f64 {
    let n = xs.len();
    let (_, hi, _) = xs.select_nth_unstable_by(n / 2, f64::total_cmp);
    let hi = *hi;
    if n % 2 == 1 {
        hi
    } else {
        let lo = xs[..n / 2]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        (lo + hi) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::assert_close;

    #[test]
    fn median_mad_and_std_over_the_last_samples() {
        let mut r = SampleRing::new(5, 1);
        for x in [100.0, 1.0, 2.0, 3.0, 4.0, 10.0] {
            r.push(x);
        }
        // 100 fell out: [1, 2, 3, 4, 10].
        let s = r.stats(5).unwrap();
        assert_eq!((s.median, s.mad, s.n), (3.0, 1.0, 5));
        assert_close(s.std, 12.5f64.sqrt());
        assert!(r.stats(6).is_none());
        r.push(f64::NAN);
        assert_eq!(r.len(), 5);
    }

    #[test]
    fn even_counts_average_the_middle_pair_and_refresh_is_periodic() {
        let mut r = SampleRing::new(10, 3);
        for x in [4.0, 1.0, 3.0, 2.0] {
            r.push(x);
        }
        // Refreshed at the first push and the fourth: [4, 1, 3, 2] → 2.5.
        assert_eq!(r.stats(1).unwrap().median, 2.5);
        r.push(100.0);
        assert_eq!(r.stats(1).unwrap().median, 2.5, "not refreshed yet");
    }
}
