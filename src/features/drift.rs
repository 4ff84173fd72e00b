//! §7 drift: how far a feature's last hour has moved from its trailing day, as PSI and KS over
//! the two windows, plus two cheap streaming change-point tests (Page–Hinkley, ADWIN) fed one
//! value a minute.
//!
//! PSI's usual reading (< 0.1 stable, 0.1–0.25 moderate, > 0.25 major) is a credit-scoring rule
//! of thumb that depends on sample size (Yurdakul & Naranjo 2020); KS's p-value is not computed
//! at all, since 1-min samples are autocorrelated and it would overstate significance.

use std::collections::VecDeque;

use super::num::{finite, ratio};

/// ε for empty bins (§7).
pub const PSI_EPSILON: f64 = 1e-4;
/// §7 minimum sample counts.
pub const MIN_BASELINE: usize = 200;
pub const MIN_CURRENT: usize = 30;
/// A PSI above this is "major" drift; `drift_score` scales by it.
pub const PSI_MAJOR: f64 = 0.25;
const BINS: usize = 10;

/// `Σ (c_i − b_i) ln(c_i / b_i)` over bin proportions, each side smoothed (every bin at least
/// ε, then renormalised). `None` for mismatched, empty, negative or non-finite proportions.
pub fn psi_from_proportions(b: &[f64], c: &[f64], eps: f64) -> Option<f64> {
    let valid = |p: &[f64]| !p.is_empty() && p.iter().all(|v| v.is_finite() && *v >= 0.0);
    if b.len() != c.len() || !valid(b) || !valid(c) {
        return None;
    }
    let smooth = |p: &[f64]| -> Option<Vec<f64>> {
        let p: Vec<f64> = p.iter().map(|v| v.max(eps)).collect();
        let s: f64 = p.iter().sum();
        p.iter().map(|v| ratio(*v, s)).collect()
    };
    let (b, c) = (smooth(b)?, smooth(c)?);
    finite(
        b.iter()
            .zip(&c)
            .map(|(b, c)| (c - b) * (c / b).ln())
            .sum::<f64>(),
    )
}

/// The bin edges of a sorted baseline: its decile cut points, duplicates dropped, and none at
/// or above the maximum. Bins are `(−∞, e_1], (e_1, e_2], …, (e_k, ∞)`. A baseline with many
/// ties therefore falls back to one bin per distinct value (§7's unique-value bins); a constant
/// baseline has no edge at all.
fn edges(sorted: &[f64]) -> Vec<f64> {
    let n = sorted.len();
    let max = sorted[n - 1];
    let mut out: Vec<f64> = Vec::with_capacity(BINS - 1);
    for i in 1..BINS {
        let q = sorted[(i * n).div_ceil(BINS) - 1];
        if q < max && out.last().is_none_or(|l| q > *l) {
            out.push(q);
        }
    }
    out
}

/// The proportions of `values` in the bins of `edges`.
fn proportions(values: &[f64], edges: &[f64]) -> Vec<f64> {
    let mut counts = vec![0usize; edges.len() + 1];
    for v in values {
        counts[edges.partition_point(|e| e < v)] += 1;
    }
    let n = values.len() as f64;
    counts.iter().map(|c| *c as f64 / n).collect()
}

/// PSI of `current` against the deciles of `baseline` (sorted ascending, finite). `None` below
/// §7's sample counts or when the baseline holds a single value.
pub fn psi(baseline: &[f64], current: &[f64]) -> Option<f64> {
    if baseline.len() < MIN_BASELINE || current.len() < MIN_CURRENT {
        return None;
    }
    let edges = edges(baseline);
    if edges.is_empty() {
        return None;
    }
    psi_from_proportions(
        &proportions(baseline, &edges),
        &proportions(current, &edges),
        PSI_EPSILON,
    )
}

/// Two-sample Kolmogorov–Smirnov `D = sup_x |F_a(x) − F_b(x)|` of two sorted samples; `None`
/// when either is empty.
pub fn ks(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    Some(d)
}

/// `drift_score = mean_f min(1, PSI_f / 0.25)` over the features that have a PSI.
pub fn drift_score(psis: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let (n, sum) = psis.into_iter().flatten().fold((0usize, 0.0), |(n, s), p| {
        (n + 1, s + (p / PSI_MAJOR).min(1.0))
    });
    ratio(sum, n as f64)
}

/// Which way a Page–Hinkley alarm went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shift {
    Up,
    Down,
}

/// Page–Hinkley parameters (river's `PageHinkley` defaults, §7).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhParams {
    pub delta: f64,
    pub lambda: f64,
    pub alpha: f64,
    pub min_n: u64,
}

impl Default for PhParams {
    fn default() -> Self {
        PhParams {
            delta: 0.005,
            lambda: 50.0,
            alpha: 1.0 - 1e-4,
            min_n: 30,
        }
    }
}

/// Page–Hinkley for increases and its mirror for decreases over one running mean:
/// `PH_t = max(0, α·PH_{t−1} + (x_t − x̄_t − δ))` (and `x̄_t − x_t` for the mirror). Both reset
/// after an alarm, as river's does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageHinkley {
    params: PhParams,
    n: u64,
    mean: f64,
    up: f64,
    down: f64,
}

impl PageHinkley {
    pub fn new(params: PhParams) -> Self {
        PageHinkley {
            params,
            ..PageHinkley::default()
        }
    }

    /// Feeds `x`; the alarm, if this value raised one. Non-finite values are ignored.
    pub fn update(&mut self, x: f64) -> Option<Shift> {
        if !x.is_finite() {
            return None;
        }
        let p = self.params;
        self.n += 1;
        self.mean += (x - self.mean) / self.n as f64;
        self.up = (p.alpha * self.up + (x - self.mean - p.delta)).max(0.0);
        self.down = (p.alpha * self.down + (self.mean - x - p.delta)).max(0.0);
        if self.n < p.min_n {
            return None;
        }
        let shift = if self.up > p.lambda {
            Shift::Up
        } else if self.down > p.lambda {
            Shift::Down
        } else {
            return None;
        };
        *self = PageHinkley::new(p);
        Some(shift)
    }

    /// The increase statistic `PH_t`.
    pub fn statistic_up(&self) -> f64 {
        self.up
    }
}

/// ADWIN (Bifet & Gavaldà 2007) with an exact split search over a bounded window: every
/// `clock` items it looks for a split into an older part W0 and a newer W1 (each at least
/// `min_sub` long) with `|μ̂0 − μ̂1| > sqrt(2·m'·σ²_W·δ') + (2/3)·δ'·m'`, where
/// `δ' = ln(2·ln(n)/δ)` and `m' = 1/(n0 − min_sub + 1) + 1/(n1 − min_sub + 1)`, and drops W0 at
/// the first such split (oldest first). One check is O(window) with running prefix sums.
#[derive(Clone, Debug, PartialEq)]
pub struct Adwin {
    delta: f64,
    min_sub: usize,
    clock: u64,
    max_len: usize,
    seen: u64,
    window: VecDeque<f64>,
}

impl Adwin {
    /// §7's defaults: δ = 0.002, sub-windows of at least 5, a check every 32 items (river's
    /// clock); `max_len` bounds memory (older values fall out of the window).
    pub fn new(max_len: usize) -> Self {
        Adwin::with(0.002, 5, 32, max_len)
    }

    pub fn with(delta: f64, min_sub: usize, clock: u64, max_len: usize) -> Self {
        Adwin {
            delta,
            min_sub: min_sub.max(1),
            clock: clock.max(1),
            max_len: max_len.max(2 * min_sub.max(1)),
            seen: 0,
            window: VecDeque::with_capacity(max_len.min(4096)),
        }
    }

    /// Feeds `x`; `true` if the window was cut (a change). Non-finite values are ignored.
    pub fn update(&mut self, x: f64) -> bool {
        if !x.is_finite() {
            return false;
        }
        if self.window.len() == self.max_len {
            self.window.pop_front();
        }
        self.window.push_back(x);
        self.seen += 1;
        if !self.seen.is_multiple_of(self.clock) {
            return false;
        }
        match self.cut() {
            Some(s) => {
                self.window.drain(..s);
                true
            }
            None => false,
        }
    }

    pub fn len(&self) -> usize {
        self.window.len()
    }

    pub fn is_empty(&self) -> bool {
        self.window.is_empty()
    }

    /// The size of W0 at the first split that passes the test.
    fn cut(&self) -> Option<usize> {
        let n = self.window.len();
        if n < 2 * self.min_sub {
            return None;
        }
        let nf = n as f64;
        let total: f64 = self.window.iter().sum();
        let mean = total / nf;
        let var = self
            .window
            .iter()
            .map(|v| (v - mean) * (v - mean))
            .sum::<f64>()
            / nf;
        let dp = (2.0 * nf.ln() / self.delta).ln();
        let floor = (self.min_sub - 1) as f64;
        let mut head = 0.0;
        for (i, v) in self.window.iter().enumerate() {
            head += v;
            let n0 = i + 1;
            let n1 = n - n0;
            if n0 < self.min_sub {
                continue;
            }
            if n1 < self.min_sub {
                break;
            }
            let m = 1.0 / (n0 as f64 - floor) + 1.0 / (n1 as f64 - floor);
            let bound = (2.0 * m * var * dp).sqrt() + 2.0 / 3.0 * dp * m;
            let gap = head / n0 as f64 - (total - head) / n1 as f64;
            if gap.abs() > bound {
                return Some(n0);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §7 Test: PSI on given decile proportions, its score, and the ε-smoothed empty bin.
    #[test]
    fn psi_of_the_spec_proportions() {
        let b = [0.1; 10];
        let c = [0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.15, 0.15];
        let p = psi_from_proportions(&b, &c, PSI_EPSILON).unwrap();
        assert!((p - 0.1098612289).abs() < 1e-9, "{p}");
        let score = drift_score([Some(p)]).unwrap();
        assert!((score - 0.4394449155).abs() < 1e-9, "{score}");
        let c2 = [0.0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2];
        let p2 = psi_from_proportions(&b, &c2, PSI_EPSILON).unwrap();
        assert!((p2 - 0.7593856779).abs() < 1e-9, "{p2}");
        assert_eq!(psi_from_proportions(&b, &c2[..9], PSI_EPSILON), None);
        assert_eq!(psi_from_proportions(&b, &[f64::NAN; 10], PSI_EPSILON), None);
    }

    /// The same figure from raw samples: a baseline spread evenly over ten deciles and a
    /// current hour laid out in the spec's proportions.
    #[test]
    fn psi_from_samples_uses_the_baseline_deciles() {
        let baseline: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        // 5 %, 5 %, 10 % × 6, 15 %, 15 % of 200 values, one value per decile's middle.
        let counts = [10, 10, 20, 20, 20, 20, 20, 20, 30, 30];
        let current: Vec<f64> = counts
            .iter()
            .enumerate()
            .flat_map(|(d, n)| std::iter::repeat_n(d as f64 * 100.0 + 50.0, *n))
            .collect();
        let p = psi(&baseline, &current).unwrap();
        assert!((p - 0.1098612289).abs() < 1e-9, "{p}");
        assert!(
            psi(&baseline, &baseline).unwrap() < 1e-12,
            "no drift against itself"
        );
        assert_eq!(psi(&baseline[..199], &current), None, "under 200 baseline");
        assert_eq!(psi(&baseline, &current[..29]), None, "under 30 current");
    }

    #[test]
    fn a_degenerate_baseline_uses_unique_value_bins() {
        let constant = vec![1.0; 300];
        assert_eq!(psi(&constant, &[1.0; 40]), None, "one value: no bins");
        // 90 % zeros and 10 % ones: the deciles collapse onto 0, so the bins are {0} and {1}.
        let mut two: Vec<f64> = vec![0.0; 270];
        two.extend([1.0; 30]);
        assert_eq!(edges(&two), vec![0.0]);
        let current: Vec<f64> = std::iter::repeat_n(0.0, 20).chain([1.0; 20]).collect();
        let expected = psi_from_proportions(&[0.9, 0.1], &[0.5, 0.5], PSI_EPSILON).unwrap();
        let p = psi(&two, &current).unwrap();
        assert!((p - expected).abs() < 1e-12 && p > 0.25, "{p}");
    }

    /// §7 Test: KS D.
    #[test]
    fn ks_of_the_spec_samples() {
        let d = ks(&[1.0, 2.0, 3.0, 4.0, 5.0], &[3.0, 4.0, 5.0, 6.0, 7.0]).unwrap();
        assert!((d - 0.4).abs() < 1e-12, "{d}");
        assert_eq!(ks(&[1.0, 2.0], &[1.0, 2.0]), Some(0.0));
        assert_eq!(ks(&[1.0], &[5.0]), Some(1.0));
        assert_eq!(ks(&[], &[1.0]), None);
    }

    fn step_stream() -> Vec<f64> {
        std::iter::repeat_n(0.0, 50)
            .chain(std::iter::repeat_n(1.0, 50))
            .collect()
    }

    /// §7 Test: Page–Hinkley with δ = 0.005, λ = 5, α = 1, n_min = 30 alarms at index 55 with
    /// PH = 5.583200823.
    #[test]
    fn page_hinkley_alarms_at_index_55() {
        let params = PhParams {
            delta: 0.005,
            lambda: 5.0,
            alpha: 1.0,
            min_n: 30,
        };
        let mut ph = PageHinkley::new(params);
        let mut at = None;
        for (i, x) in step_stream().into_iter().enumerate() {
            let before = ph.clone();
            if let Some(shift) = ph.update(x) {
                // The statistic that fired, recomputed on the state before the reset.
                let mut probe = before;
                probe.params.lambda = f64::INFINITY;
                probe.update(x);
                assert!((probe.statistic_up() - 5.583200823).abs() < 1e-8);
                at = Some((i, shift));
                break;
            }
        }
        assert_eq!(at, Some((55, Shift::Up)));
    }

    #[test]
    fn page_hinkley_mirror_catches_a_drop_and_resets() {
        let params = PhParams {
            lambda: 5.0,
            alpha: 1.0,
            ..PhParams::default()
        };
        let mut ph = PageHinkley::new(params);
        let down: Vec<Option<Shift>> = step_stream()
            .into_iter()
            .map(|x| ph.update(1.0 - x))
            .collect();
        assert_eq!(down[55], Some(Shift::Down));
        assert!(down[..55].iter().all(Option::is_none));
        assert!(
            down[56..].iter().all(Option::is_none),
            "reset: n < n_min again"
        );
        let mut quiet = PageHinkley::new(PhParams::default());
        assert!((0..500).all(|_| quiet.update(0.3).is_none()));
        assert_eq!(quiet.update(f64::NAN), None);
    }

    /// §7 Test: ADWIN raises no alarm before 50, one by 99, none on 200 constant values.
    #[test]
    fn adwin_on_the_spec_streams() {
        let mut every = Adwin::with(0.002, 5, 1, 1500);
        let first = step_stream().into_iter().position(|x| every.update(x));
        assert_eq!(first, Some(70), "exact split checked every item");
        let mut adwin = Adwin::new(1500);
        let first = step_stream().into_iter().position(|x| adwin.update(x));
        assert_eq!(first, Some(95), "checked every 32 items");
        assert!(
            adwin.len() < 96,
            "the old part was dropped: {}",
            adwin.len()
        );
        let mut constant = Adwin::new(1500);
        assert!((0..200).all(|_| !constant.update(0.0)));
    }

    #[test]
    fn adwin_memory_is_bounded() {
        let mut a = Adwin::new(100);
        for i in 0..10_000 {
            a.update((i % 3) as f64);
        }
        assert!(a.len() <= 100);
    }

    #[test]
    fn drift_score_clips_and_skips_missing() {
        assert_eq!(drift_score([Some(1.0), None, Some(0.125)]), Some(0.75));
        assert_eq!(drift_score([None, None]), None);
    }
}
