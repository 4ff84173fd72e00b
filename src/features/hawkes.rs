//! Liquidation Hawkes intensity (§3.7, optional): `λ(t) = μ + Σ_{t_i<t} η·β·e^{−β(t − t_i)}`.
//!
//! The excitation ratio `λ/μ` is the cascade indicator: η near 1 is a near-critical, reflexive
//! market (Filimonov & Sornette). μ, η and β are fitted offline per symbol by maximum likelihood
//! on at least a week of liquidations and refitted weekly; this computes the online recursion
//! `S ← S·e^{−βΔt} + 1`, `λ = μ + ηβS`.

use crate::market::Millis;

use super::num::ratio;
use super::window::DecayedSum;

/// Offline-fitted parameters, rates per second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HawkesParams {
    /// Baseline intensity μ > 0.
    pub mu: f64,
    /// Branching ratio η ∈ [0, 1): expected child liquidations per liquidation.
    pub eta: f64,
    /// Decay β > 0 (default 1/30 s⁻¹).
    pub beta: f64,
}

#[derive(Clone, Copy, Debug)]
pub struct HawkesIntensity {
    params: HawkesParams,
    excitation: DecayedSum,
}

impl HawkesIntensity {
    /// `None` unless `μ > 0`, `0 ≤ η < 1` (a stationary process) and `β > 0`. The decay is kept
    /// to millisecond resolution (`1/β` rounded to whole ms).
    pub fn new(params: HawkesParams) -> Option<Self> {
        let HawkesParams { mu, eta, beta } = params;
        let valid = mu.is_finite()
            && mu > 0.0
            && (0.0..1.0).contains(&eta)
            && beta.is_finite()
            && beta > 0.0;
        valid.then(|| HawkesIntensity {
            params,
            excitation: DecayedSum::new((1000.0 / beta).round() as Millis),
        })
    }

    pub fn on_event(&mut self, t: Millis) {
        self.excitation.add(t, 1.0);
    }

    /// `λ(now)` per second. An event stamped exactly `now` is already included.
    pub fn intensity(&self, now: Millis) -> f64 {
        let HawkesParams { mu, eta, beta } = self.params;
        mu + eta * beta * self.excitation.value_at(now)
    }

    /// `λ/μ`.
    pub fn excitation_ratio(&self, now: Millis) -> Option<f64> {
        ratio(self.intensity(now), self.params.mu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::{assert_close, assert_some_close};

    #[test]
    fn spec_intensity_by_recursion() {
        // μ = 0.1/s, η = 0.5, β = 0.1/s, events at 0, 5, 6 s: λ(10) = 0.1822365073.
        let params = HawkesParams {
            mu: 0.1,
            eta: 0.5,
            beta: 0.1,
        };
        let mut h = HawkesIntensity::new(params).unwrap();
        assert_eq!(h.intensity(0), 0.1);
        for t in [0, 5_000, 6_000] {
            h.on_event(t);
        }
        assert_close(h.intensity(10_000), 0.1822365073);
        assert_some_close(h.excitation_ratio(10_000), 1.822365073);
        // The direct sum agrees.
        let direct: f64 = 0.1
            + 0.5
                * 0.1
                * [0.0f64, 5.0, 6.0]
                    .iter()
                    .map(|t| (-0.1 * (10.0 - t)).exp())
                    .sum::<f64>();
        assert_close(h.intensity(10_000), direct);
    }

    #[test]
    fn explosive_or_degenerate_parameters_are_refused() {
        let ok = HawkesParams {
            mu: 0.1,
            eta: 0.5,
            beta: 1.0 / 30.0,
        };
        assert!(HawkesIntensity::new(ok).is_some());
        assert!(HawkesIntensity::new(HawkesParams { eta: 1.0, ..ok }).is_none());
        assert!(HawkesIntensity::new(HawkesParams { mu: 0.0, ..ok }).is_none());
        assert!(HawkesIntensity::new(HawkesParams { beta: 0.0, ..ok }).is_none());
    }
}
