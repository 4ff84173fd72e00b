//! §10.9 `integrity_score` (0..100): `100 · Π_k (1 − w_k·s_k)` over the detectors that have a
//! score, with §10.9's weights ([`DetectorKind::weight`]). A single saturated weight-0.5
//! detector halves it. The product compounds fast; the weights are the spec's uncalibrated
//! defaults (§10.9 note).

use crate::engine::analytics::{DetectorKind, DetectorReading};
use crate::features::num::clip01;

/// The score and the detectors that took the most off it (largest `w·s` first, zeros left
/// out); `None` when no detector has a score.
pub fn integrity(readings: &[DetectorReading]) -> (Option<f64>, Vec<DetectorKind>) {
    let mut scored: Vec<(DetectorKind, f64)> = readings
        .iter()
        .filter_map(|r| {
            let s = clip01(r.score.filter(|s| s.is_finite())?);
            Some((r.kind, r.kind.weight() * s))
        })
        .collect();
    if scored.is_empty() {
        return (None, Vec::new());
    }
    let score = 100.0 * scored.iter().map(|(_, ws)| 1.0 - ws).product::<f64>();
    // Stable: equal contributions keep `DetectorKind::ALL` order.
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top = scored
        .into_iter()
        .filter(|(_, ws)| *ws > 0.0)
        .map(|(k, _)| k)
        .collect();
    (Some(score), top)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::assert_some_close;

    fn readings(scores: [Option<f64>; 8]) -> Vec<DetectorReading> {
        DetectorKind::ALL
            .iter()
            .zip(scores)
            .map(|(&kind, score)| DetectorReading {
                kind,
                score,
                last_fired: None,
            })
            .collect()
    }

    #[test]
    fn spec_integrity_score() {
        // §10.9 lists the scores in its weight order (spoofing, layering, wash, stuffing,
        // ignition, pump, stop-hunt, dislocation); `DetectorKind::ALL` puts stuffing, ignition and
        // pump before wash.
        let r = readings([0.3117, 0.0, 0.386, 0.6, 0.0, 0.2, 0.0, 0.5].map(Some));
        let (score, top) = integrity(&r);
        assert_some_close(score, 36.83471317);
        use DetectorKind as K;
        // w·s: ignition 0.3, dislocation 0.25, phantom 0.156, stuffing 0.116, wash 0.06.
        assert_eq!(
            top,
            [
                K::MomentumIgnition,
                K::Dislocation,
                K::PhantomLiquidity,
                K::QuoteStuffing,
                K::WashTrading
            ]
        );
        let (score, top) = integrity(&readings([Some(0.0); 8]));
        assert_some_close(score, 100.0);
        assert!(top.is_empty());
    }

    #[test]
    fn missing_scores_are_left_out_and_none_without_any() {
        let mut s = [None; 8];
        assert_eq!(integrity(&readings(s)), (None, vec![]));
        s[0] = Some(1.0);
        assert_some_close(integrity(&readings(s)).0, 50.0);
        // A corrupt score is not a number to multiply.
        s[1] = Some(f64::NAN);
        assert_some_close(integrity(&readings(s)).0, 50.0);
    }
}
