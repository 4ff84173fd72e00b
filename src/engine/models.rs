//! §8: the symbol's directional reads taken as models, each with a confidence, and their
//! consensus ([`crate::features::consensus`]).
//!
//! The models and why each confidence is what it is:
//! - `directional_pressure` (§4.1, book and flow now): confidence is the venues'
//!   `cross_exchange_agreement` (§4.5), how consistently the fresh venues see it; with a single
//!   venue (no agreement to measure) it is [`UNCORROBORATED`].
//! - `flow_momentum` (§4.4, the last minute's taker flow against the 5-min pace): it carries no
//!   measure of its own reliability, so [`UNCORROBORATED`].
//! - `whale` (§4.3): the signal is the large-print direction and the confidence is
//!   `whale_conviction` itself (`|NL|·P·S`: one-sided, persistent and large enough).
//! - `regime` (§6, the price path over minutes): the signal is the probability mass on the up
//!   states minus the down states (`BULL + BREAKOUT − BEAR − CRASH`), the confidence
//!   `1 − regime_entropy`, so a uniform distribution weighs nothing.
//! - `depth_divergence` (§3.11, perpetual against spot depth within 50 bps): halved onto −1..1;
//!   a `[proposed]` lean of resting orders, not of trades, so [`WEAK`].
//!
//! Lead-lag (§3.12) says which venue moves first, not which way, so it is no model here.
//!
//! Caveat (§8, §12.11): these models are not independent. Directional pressure contains OFI,
//! depth imbalance and the large-trade direction, which whale conviction also counts; flow
//! momentum and OFI both read taker flow; depth divergence and depth imbalance both read
//! resting depth. Only the regime reads something else (the price path over minutes). A high
//! agreement among the book-and-flow models is partly shared input, not independent
//! confirmation, and `dispersion` understates the real uncertainty.

use crate::features::consensus::consensus;

use super::analytics::{ModelConsensus, ModelVote, Regime};
use super::frame::Composites;

/// The confidence of a read with no reliability measure of its own.
const UNCORROBORATED: f64 = 0.5;
/// The confidence of a weak, proposed read.
const WEAK: f64 = 0.25;

/// The models present this tick and their consensus; models whose read is `None` are left out.
pub fn model_consensus(c: &Composites, regime: &Regime) -> ModelConsensus {
    let mut models = Vec::with_capacity(5);
    let mut vote = |model: &str, signal: Option<f64>, confidence: Option<f64>| {
        if let (Some(signal), Some(confidence)) = (signal, confidence)
            && signal.is_finite()
            && confidence.is_finite()
        {
            models.push(ModelVote {
                model: model.to_owned(),
                signal: signal.clamp(-1.0, 1.0),
                confidence: confidence.clamp(0.0, 1.0),
            });
        }
    };
    vote(
        "directional_pressure",
        c.directional_pressure,
        Some(c.cross_exchange_agreement.unwrap_or(UNCORROBORATED)),
    );
    vote("flow_momentum", c.flow_momentum, Some(UNCORROBORATED));
    vote("whale", c.whale_direction, c.whale_conviction);
    let [_, bull, bear, breakout, crash] = regime.probabilities.unwrap_or_default();
    vote(
        "regime",
        regime.probabilities.map(|_| bull + breakout - bear - crash),
        regime.entropy.map(|h| 1.0 - h),
    );
    vote(
        "depth_divergence",
        c.spot_perp.depth_divergence.map(|d| d / 2.0),
        Some(WEAK),
    );
    let pairs: Vec<(f64, f64)> = models.iter().map(|m| (m.signal, m.confidence)).collect();
    let read = consensus(&pairs);
    ModelConsensus {
        consensus: read.map(|r| r.consensus),
        agreement: read.and_then(|r| r.agreement),
        dispersion: read.map(|r| r.dispersion),
        models,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn composites() -> Composites {
        Composites {
            directional_pressure: Some(0.8),
            cross_exchange_agreement: Some(0.9),
            flow_momentum: Some(-0.4),
            ..Composites::default()
        }
    }

    #[test]
    fn the_present_models_and_their_consensus() {
        let regime = Regime {
            probabilities: Some([0.1, 0.5, 0.1, 0.2, 0.1]),
            entropy: Some(0.7),
            ..Regime::default()
        };
        let m = model_consensus(&composites(), &regime);
        let names: Vec<&str> = m.models.iter().map(|v| v.model.as_str()).collect();
        assert_eq!(names, ["directional_pressure", "flow_momentum", "regime"]);
        let regime_vote = &m.models[2];
        assert!((regime_vote.signal - 0.5).abs() < 1e-12);
        assert!((regime_vote.confidence - 0.3).abs() < 1e-12);
        // Σcs/Σc by hand: (0.9·0.8 + 0.5·(−0.4) + 0.3·0.5) / 1.7.
        let expected = (0.72 - 0.2 + 0.15) / 1.7;
        assert!((m.consensus.unwrap() - expected).abs() < 1e-12, "{m:?}");
        assert!(m.agreement.is_some() && m.dispersion.is_some());
    }

    #[test]
    fn whale_and_divergence_join_when_present_and_nothing_gives_none() {
        let mut c = composites();
        c.whale_direction = Some(-1.0);
        c.whale_conviction = Some(0.6);
        c.spot_perp.depth_divergence = Some(-3.0);
        let m = model_consensus(&c, &Regime::default());
        let whale = m.models.iter().find(|v| v.model == "whale").unwrap();
        assert_eq!((whale.signal, whale.confidence), (-1.0, 0.6));
        let div = m
            .models
            .iter()
            .find(|v| v.model == "depth_divergence")
            .unwrap();
        assert_eq!((div.signal, div.confidence), (-1.0, WEAK));
        let empty = model_consensus(&Composites::default(), &Regime::default());
        assert!(empty.models.is_empty());
        assert_eq!((empty.consensus, empty.agreement), (None, None));
    }
}
