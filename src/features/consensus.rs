//! §8 multi-model consensus: directional reads taken as models `s_k ∈ [−1, 1]` with confidences
//! `c_k ∈ [0, 1]`, combined as a confidence-weighted mean, its `agreement()` (§3.13) and its
//! confidence-weighted dispersion.
//!
//! Caveat (§8, §12.11): the result is only as independent as its models. Reads built from the
//! same order-flow and depth inputs agree because they share data, not because the market
//! confirms them; a high agreement over such models is false confidence.

use super::composites::{agreement, weighted_mean, weighted_std};

/// The combined read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Consensus {
    /// `Σ c_k s_k / Σ c_k`.
    pub consensus: f64,
    /// `agreement(s, c)`; `None` when every signal is 0.
    pub agreement: Option<f64>,
    /// The c-weighted (population) standard deviation of the signals.
    pub dispersion: f64,
}

/// §8 over `(signal, confidence)` pairs. Signals are clamped to [−1, 1] and confidences to
/// [0, 1]; a non-finite pair is left out. `None` when `Σ c = 0` (no model, or none confident).
pub fn consensus(models: &[(f64, f64)]) -> Option<Consensus> {
    let (s, c): (Vec<f64>, Vec<f64>) = models
        .iter()
        .filter(|(s, c)| s.is_finite() && c.is_finite())
        .map(|(s, c)| (s.clamp(-1.0, 1.0), c.clamp(0.0, 1.0)))
        .unzip();
    Some(Consensus {
        consensus: weighted_mean(&s, &c)?,
        agreement: agreement(&s, &c),
        dispersion: weighted_std(&s, &c)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §8 Test.
    #[test]
    fn the_spec_models() {
        let c = consensus(&[(0.8, 0.9), (0.2, 0.5), (-0.4, 0.3)]).unwrap();
        assert!((c.consensus - 0.4117647059).abs() < 1e-9, "{c:?}");
        assert!((c.agreement.unwrap() - 0.7446808511).abs() < 1e-9, "{c:?}");
        // Σc(s − s̄)² / Σc by hand.
        let mean = 0.4117647059;
        let var = (0.9 * (0.8f64 - mean).powi(2)
            + 0.5 * (0.2f64 - mean).powi(2)
            + 0.3 * (-0.4f64 - mean).powi(2))
            / 1.7;
        assert!((c.dispersion - var.sqrt()).abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn no_confidence_no_consensus() {
        assert_eq!(consensus(&[]), None);
        assert_eq!(consensus(&[(0.5, 0.0), (-0.2, 0.0)]), None);
        assert_eq!(consensus(&[(f64::NAN, 1.0)]), None);
    }

    #[test]
    fn out_of_range_inputs_are_clamped_and_zero_signals_have_no_agreement() {
        let c = consensus(&[(3.0, 7.0), (f64::INFINITY, 1.0)]).unwrap();
        assert_eq!((c.consensus, c.dispersion), (1.0, 0.0));
        let flat = consensus(&[(0.0, 0.5), (0.0, 0.5)]).unwrap();
        assert_eq!((flat.consensus, flat.agreement), (0.0, None));
    }
}
