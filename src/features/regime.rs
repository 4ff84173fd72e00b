//! §6 regime: a Gaussian-emission hidden Markov model with fixed, published parameters, run as
//! a forward filter once a minute over two scale-free inputs of the symbol's 1-min mids.
//!
//! States are indices in the order CALM, BULL, BEAR, BREAKOUT, CRASH (the engine's
//! `RegimeLabel::ALL`). BREAKOUT is the up-move counterpart of CRASH, not a symmetric
//! "break-down" (§12.10 names the asymmetry). The filter is computed in log space so a far-off
//! input (a 10σ minute) underflows no state to an exact 0 before normalisation.

use super::num::{finite, mean_std, ratio};

/// The number of states.
pub const STATES: usize = 5;

/// The emission means `(x1, x2)` per state (§6).
const MEANS: [[f64; 2]; STATES] = [
    [0.0, -0.5],
    [1.0, 0.0],
    [-1.0, 0.0],
    [2.5, 0.7],
    [-3.0, 1.0],
];
/// The emission standard deviations of `x1` and `x2` (§6), shared by every state.
const SD: [f64; 2] = [1.0, 0.4];
/// `A_ii`; the rest of the row is spread evenly over the other states (`A_ij = 0.025`).
const STAY: f64 = 0.9;
/// Hysteresis: a new label needs its probability above this ...
const SWITCH_P: f64 = 0.6;
/// ... for this many consecutive updates.
const SWITCH_UPDATES: u8 = 2;
/// A longer hole in the minutes resets the filter to uniform (§6 edge cases).
pub const MAX_GAP_MIN: i64 = 5;

pub const UNIFORM: [f64; STATES] = [1.0 / STATES as f64; STATES];

/// `ln N(x; μ_k, diag(SD²))` of state `k`.
fn log_likelihood(x: [f64; 2], k: usize) -> f64 {
    (0..2)
        .map(|i| {
            let z = (x[i] - MEANS[k][i]) / SD[i];
            -0.5 * z * z - (SD[i] * (2.0 * std::f64::consts::PI).sqrt()).ln()
        })
        .sum()
}

/// The predict step `π⁻ = Aᵀ π`.
pub fn predict(pi: [f64; STATES]) -> [f64; STATES] {
    let leave = (1.0 - STAY) / (STATES - 1) as f64;
    let total: f64 = pi.iter().sum();
    std::array::from_fn(|s| STAY * pi[s] + leave * (total - pi[s]))
}

/// The update step `π ∝ π⁻ ⊙ N(x; μ_k, Σ)`, in log space. `None` for a non-finite input.
pub fn update(prior: [f64; STATES], x: [f64; 2]) -> Option<[f64; STATES]> {
    if !x.iter().all(|v| v.is_finite()) {
        return None;
    }
    let log: [f64; STATES] = std::array::from_fn(|k| prior[k].ln() + log_likelihood(x, k));
    let max = log.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    finite(max)?;
    let weights: [f64; STATES] = std::array::from_fn(|k| (log[k] - max).exp());
    let z: f64 = weights.iter().sum();
    let pi = weights.map(|w| w / z);
    pi.iter().all(|p| p.is_finite()).then_some(pi)
}

/// `−Σ π ln π / ln 5` ∈ [0, 1]: 0 when one state is certain, 1 when uniform.
pub fn entropy(pi: [f64; STATES]) -> f64 {
    let h: f64 = pi.iter().filter(|p| **p > 0.0).map(|p| -p * p.ln()).sum();
    (h / (STATES as f64).ln()).clamp(0.0, 1.0)
}

/// How many of the trailing day's minutes the inputs need: §0.2's warm-up rule, half the
/// 24 h window (720 one-minute returns, 144 five-minute ones).
pub const WARM_MINUTES: usize = 720;

/// The 1-min returns of a 24 h window.
const DAY: usize = 1440;
/// Minutes in the `r_5m` step and the short volatility window.
const FIVE: usize = 5;
const FIFTEEN: usize = 15;

/// `x1 = r_5m / σ̂_5m` and `x2 = ln(σ̂_15m / σ̂_24h)` at the last minute of `closes`.
///
/// `closes` is one entry per minute, oldest first, ending at the minute being filtered (`None`:
/// no mid that minute); only the last 24 h (+ 1 minute for the first return) are read. Returns
/// are log returns between consecutive minutes that both have a close; `σ̂` is the sample std.
/// `None` while fewer than half of a window's returns exist (§0.2), when the current 5-min
/// return is missing, or when a volatility is zero (a frozen price has no scale-free input).
pub fn inputs(closes: &[Option<f64>]) -> Option<[f64; 2]> {
    let closes = &closes[closes.len().saturating_sub(DAY + 1)..];
    let ret = |a: Option<f64>, b: Option<f64>| -> Option<f64> {
        let (a, b) = (a.filter(|v| *v > 0.0)?, b.filter(|v| *v > 0.0)?);
        finite((b / a).ln())
    };
    let one_min = |from: usize| closes.windows(2).skip(from).filter_map(|w| ret(w[0], w[1]));
    let n = closes.len();
    let day: Vec<f64> = one_min(0).collect();
    if day.len() < WARM_MINUTES {
        return None;
    }
    let short: Vec<f64> = one_min(n.saturating_sub(FIFTEEN + 1)).collect();
    if short.len() * 2 < FIFTEEN {
        return None;
    }
    // Non-overlapping 5-min returns, aligned so the newest ends at the current minute.
    let five: Vec<f64> = (FIVE..n)
        .rev()
        .step_by(FIVE)
        .filter_map(|end| ret(closes[end - FIVE], closes[end]))
        .collect();
    let r_5m = ret(closes[n.checked_sub(FIVE + 1)?], closes[n - 1])?;
    if five.len() * 2 < DAY / FIVE {
        return None;
    }
    let (_, s5) = mean_std(five.iter().copied(), 1)?;
    let (_, s15) = mean_std(short.iter().copied(), 1)?;
    let (_, s24) = mean_std(day.iter().copied(), 1)?;
    let x1 = ratio(r_5m, s5)?;
    let x2 = finite(ratio(s15, s24)?.ln())?;
    Some([x1, x2])
}

/// The forward filter with its hysteresis, stepped once a minute.
#[derive(Clone, Debug, PartialEq)]
pub struct RegimeFilter {
    pi: [f64; STATES],
    /// The published state after hysteresis.
    label: Option<usize>,
    /// When `label` was taken (the caller's minute time).
    since: Option<i64>,
    /// A candidate above [`SWITCH_P`] and for how many consecutive updates.
    streak: Option<(usize, u8)>,
    /// The minute of the last step, to detect gaps.
    last: Option<i64>,
    /// The inputs of the last step.
    inputs: Option<[f64; 2]>,
}

impl Default for RegimeFilter {
    fn default() -> Self {
        RegimeFilter {
            pi: UNIFORM,
            label: None,
            since: None,
            streak: None,
            last: None,
            inputs: None,
        }
    }
}

impl RegimeFilter {
    /// One minute's step at minute `t` (ms, minute-aligned) with that minute's inputs.
    ///
    /// A gap of more than [`MAX_GAP_MIN`] since the previous step, or missing inputs, resets the
    /// filter to a uniform π with no label (§6 edge cases); otherwise it predicts, updates and
    /// applies the hysteresis: the label changes only to a state whose probability is above
    /// 0.6 for two consecutive updates.
    pub fn step(&mut self, t: i64, x: Option<[f64; 2]>) {
        let gap = self
            .last
            .is_some_and(|last| t - last > MAX_GAP_MIN * 60_000);
        self.last = Some(t);
        let updated = x.and_then(|x| update(predict(if gap { UNIFORM } else { self.pi }), x));
        let Some(pi) = updated else {
            *self = RegimeFilter {
                last: Some(t),
                ..RegimeFilter::default()
            };
            return;
        };
        if gap {
            self.label = None;
            self.since = None;
            self.streak = None;
        }
        self.pi = pi;
        self.inputs = x;
        let best = (0..STATES).fold(0, |b, k| if pi[k] > pi[b] { k } else { b });
        if self.label == Some(best) || pi[best] <= SWITCH_P {
            self.streak = None;
            return;
        }
        let count = match self.streak {
            Some((k, n)) if k == best => n + 1,
            _ => 1,
        };
        if count >= SWITCH_UPDATES {
            self.label = Some(best);
            self.since = Some(t);
            self.streak = None;
        } else {
            self.streak = Some((best, count));
        }
    }

    /// The filtered probabilities; uniform after a reset.
    pub fn probabilities(&self) -> [f64; STATES] {
        self.pi
    }

    pub fn label(&self) -> Option<usize> {
        self.label
    }

    pub fn since(&self) -> Option<i64> {
        self.since
    }

    /// The inputs of the last step, `None` after a reset.
    pub fn inputs(&self) -> Option<[f64; 2]> {
        self.inputs
    }

    /// The minute of the last step.
    pub fn last(&self) -> Option<i64> {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn assert_pi(pi: [f64; STATES], expected: [f64; STATES]) {
        for (k, (a, e)) in pi.iter().zip(expected).enumerate() {
            assert!((a - e).abs() < 1e-6, "state {k}: {a} vs {e} ({pi:?})");
        }
    }

    /// §6 Tests: the posterior, the predicted prior, the second step and the uniform contrast.
    #[test]
    fn the_spec_filter_steps() {
        let p1 = update(UNIFORM, [1.2, 0.1]).unwrap();
        assert_pi(p1, [0.118485, 0.712324, 0.064621, 0.104562, 0.000009]);
        assert!((entropy(p1) - 0.5639062475).abs() < 1e-9, "{}", entropy(p1));
        let prior = predict(p1);
        assert_pi(prior, [0.128674, 0.648283, 0.081543, 0.116492, 0.025008]);
        let p2 = update(prior, [2.6, 0.8]).unwrap();
        assert_pi(p2, [0.000163, 0.178346, 0.000124, 0.821367, 0.0]);
        let uniform = update(UNIFORM, [2.6, 0.8]).unwrap();
        assert!((uniform[3] - 0.962082).abs() < 1e-6, "{uniform:?}");
        assert!(
            uniform[3] - p2[3] > 0.1,
            "the sticky matrix slows the switch"
        );
    }

    #[test]
    fn the_filter_struct_reproduces_the_spec_steps() {
        let mut f = RegimeFilter::default();
        f.step(0, Some([1.2, 0.1]));
        assert_pi(
            f.probabilities(),
            [0.118485, 0.712324, 0.064621, 0.104562, 0.000009],
        );
        f.step(MIN, Some([2.6, 0.8]));
        assert_pi(
            f.probabilities(),
            [0.000163, 0.178346, 0.000124, 0.821367, 0.0],
        );
        assert_eq!(f.inputs(), Some([2.6, 0.8]));
    }

    #[test]
    fn entropy_spans_zero_to_one() {
        assert!((entropy(UNIFORM) - 1.0).abs() < 1e-12);
        assert_eq!(entropy([1.0, 0.0, 0.0, 0.0, 0.0]), 0.0);
    }

    #[test]
    fn a_label_needs_two_consecutive_updates_above_0_6() {
        let mut f = RegimeFilter::default();
        f.step(0, Some([1.2, 0.1]));
        assert_eq!(f.label(), None, "BULL 0.71 once is not enough");
        f.step(MIN, Some([1.0, 0.0]));
        assert_eq!(f.label(), Some(1), "{:?}", f.probabilities());
        assert_eq!(f.since(), Some(MIN));
        // BREAKOUT-like minutes: the label switches at the second consecutive update with
        // BREAKOUT above 0.6, not at the first.
        let mut above = Vec::new();
        for m in 2..10 {
            f.step(m * MIN, Some([2.6, 0.8]));
            above.push(f.probabilities()[3] > 0.6);
            if f.label() == Some(3) {
                break;
            }
            assert_eq!(f.label(), Some(1));
        }
        let n = above.len();
        assert!(n >= 2 && above[n - 1] && above[n - 2], "{above:?}");
        assert!(!above[..n - 2].contains(&true), "{above:?}");
        assert_eq!(f.since(), Some((n as i64 + 1) * MIN));
    }

    #[test]
    fn an_interrupted_streak_starts_again() {
        let mut f = RegimeFilter::default();
        f.step(0, Some([1.2, 0.1]));
        f.step(MIN, Some([0.0, -0.5]));
        assert!(f.probabilities()[1] <= 0.6, "{:?}", f.probabilities());
        f.step(2 * MIN, Some([1.2, 0.1]));
        assert_eq!(f.label(), None, "the BULL streak was broken");
    }

    #[test]
    fn a_gap_or_missing_inputs_reset_to_uniform() {
        let mut f = RegimeFilter::default();
        f.step(0, Some([1.0, 0.0]));
        f.step(MIN, Some([1.0, 0.0]));
        assert_eq!(f.label(), Some(1));
        // Six minutes later: the prior is uniform again and the label is dropped.
        f.step(7 * MIN, Some([1.2, 0.1]));
        assert_eq!(f.label(), None);
        assert_pi(
            f.probabilities(),
            [0.118485, 0.712324, 0.064621, 0.104562, 0.000009],
        );
        f.step(8 * MIN, None);
        assert_eq!(f.probabilities(), UNIFORM);
        assert_eq!((f.label(), f.inputs()), (None, None));
        // Exactly five minutes is not a gap.
        let mut g = RegimeFilter::default();
        g.step(0, Some([1.0, 0.0]));
        g.step(5 * MIN, Some([1.0, 0.0]));
        assert_eq!(g.label(), Some(1));
    }

    #[test]
    fn absurd_inputs_never_produce_nan() {
        for x in [
            [1e300, -1e300],
            [f64::NAN, 0.0],
            [f64::INFINITY, 1.0],
            [40.0, 40.0],
        ] {
            let mut f = RegimeFilter::default();
            f.step(0, Some(x));
            let pi = f.probabilities();
            assert!(pi.iter().all(|p| p.is_finite()), "{x:?}: {pi:?}");
            assert!((pi.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }

    /// A day of closes whose 1-min log returns alternate ±a, with the last five minutes each
    /// returning `+b`: every figure of the inputs can be written down by hand.
    fn closes(a: f64, b: f64) -> Vec<Option<f64>> {
        let mut c = vec![Some(100.0)];
        for i in 0..1440 {
            let r = if i >= 1435 {
                b
            } else if i % 2 == 0 {
                a
            } else {
                -a
            };
            let last = c.last().unwrap().unwrap();
            c.push(Some(last * r.exp()));
        }
        c
    }

    #[test]
    fn inputs_from_a_day_of_closes() {
        let (a, b) = (0.001, 0.002);
        let c = closes(a, b);
        let [x1, x2] = inputs(&c).unwrap();
        // 5-min returns (aligned to the end): the last is 5b, the others ±a alternately.
        let five: Vec<f64> = (5..c.len())
            .rev()
            .step_by(5)
            .map(|e| (c[e].unwrap() / c[e - 5].unwrap()).ln())
            .collect();
        assert!((five[0] - 5.0 * b).abs() < 1e-12);
        let (_, s5) = mean_std(five.iter().copied(), 1).unwrap();
        assert!((x1 - 5.0 * b / s5).abs() < 1e-9, "{x1}");
        // The last 15 returns: ten alternating ±a, then five b.
        let short: Vec<f64> = (1426..1441)
            .map(|i| (c[i].unwrap() / c[i - 1].unwrap()).ln())
            .collect();
        let day: Vec<f64> = (1..1441)
            .map(|i| (c[i].unwrap() / c[i - 1].unwrap()).ln())
            .collect();
        let s15 = mean_std(short.into_iter(), 1).unwrap().1;
        let s24 = mean_std(day.into_iter(), 1).unwrap().1;
        assert!((x2 - (s15 / s24).ln()).abs() < 1e-9, "{x2}");
        assert!(x1 > 1.0 && x2 > 0.0, "a fast up-move: {x1}, {x2}");
    }

    #[test]
    fn inputs_need_half_a_day_and_a_moving_price() {
        let c = closes(0.001, 0.002);
        assert!(inputs(&c[c.len() - 700..]).is_none(), "under 720 returns");
        assert!(inputs(&c[c.len() - 722..]).is_some());
        let mut holed = c.clone();
        holed[c.len() - 6] = None;
        assert!(
            inputs(&holed).is_none(),
            "no 5-min return at the current minute"
        );
        let flat = vec![Some(100.0); 1441];
        assert!(inputs(&flat).is_none(), "zero volatility has no scale");
        let mut absurd = c.clone();
        absurd[10] = Some(f64::NAN);
        absurd[11] = Some(-5.0);
        assert!(inputs(&absurd).unwrap().iter().all(|x| x.is_finite()));
    }
}
