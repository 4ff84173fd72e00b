//! §10.2–§10.7 and §10.9: the market-protection detectors besides `phantom_liquidity_score`
//! (§10.1, [`phantom`](super::phantom)) and dislocation (§10.8, [`dislocation`](super::dislocation)).
//!
//! Public L2 and trade feeds carry no order or account ids, so none of these scores is an
//! accusation: each is a statistical footprint in [0, 1], `None` while its baseline fills, and
//! when it fires (score ≥ [`FIRING_LEVEL`]) it keeps an [`Evidence`] record of what produced it.
//!
//! - [`layering`]: several same-side adds within 1 s that flicker (§10.2), fed by the phantom
//!   tracker's episodes;
//! - [`stuffing`]: level changes per second against their 1 h median and MAD (§10.3);
//! - [`momentum`]: one-sided 5 s bursts and their retracement (§10.4);
//! - [`pump`]: 15 min return and volume ratio (§10.5);
//! - [`wash`]: Benford first-digit test on trade notionals (§10.6 (a));
//! - [`stop_hunt`]: spike beyond the 30 min range with a liquidation burst, and re-entry (§10.7);
//! - [`integrity`]: the weighted product of the scores (§10.9);
//! - [`robust`]: the bounded sample rings their baselines are taken from.
//!
//! Every state here is bounded (fixed-capacity rings) and fed in exchange time.

pub mod integrity;
pub mod layering;
pub mod momentum;
pub mod pump;
pub mod robust;
pub mod stop_hunt;
pub mod stuffing;
pub mod wash;

use crate::engine::analytics::{Evidence, EvidencePoint};
use crate::market::Millis;

/// A detector fires when its score reaches this level (§10: "when it fires").
pub const FIRING_LEVEL: f64 = 0.5;
/// Evidence points kept per firing.
pub const MAX_EVIDENCE_POINTS: usize = 16;

/// Remembers the last time a score rose to the firing level, and what produced it.
///
/// Only a rising edge records: a score that stays above the level for a minute is one firing,
/// not 240.
#[derive(Clone, Debug, Default)]
pub struct FireLatch {
    above: bool,
    last: Option<Evidence>,
}

impl FireLatch {
    /// The score at `at`; `evidence` is called only on a rising edge and gives the summary line
    /// and the points (truncated to [`MAX_EVIDENCE_POINTS`], newest kept).
    pub fn update(
        &mut self,
        at: Millis,
        score: Option<f64>,
        evidence: impl FnOnce() -> (String, Vec<EvidencePoint>),
    ) {
        let firing = score.is_some_and(|s| s >= FIRING_LEVEL);
        if firing && !self.above {
            let (summary, mut points) = evidence();
            if points.len() > MAX_EVIDENCE_POINTS {
                points.drain(..points.len() - MAX_EVIDENCE_POINTS);
            }
            self.last = Some(Evidence {
                at,
                score: score.unwrap_or(FIRING_LEVEL),
                summary,
                points,
            });
        }
        // A missing score (warm-up, stale book) ends the episode: the next firing is new.
        self.above = firing;
    }

    /// Amends the last firing's summary (a later confirmation, e.g. §10.5's dump).
    pub fn annotate(&mut self, note: &str) {
        if let Some(e) = self.last.as_mut()
            && !e.summary.ends_with(note)
        {
            e.summary.push_str("; ");
            e.summary.push_str(note);
        }
    }

    pub fn last(&self) -> Option<&Evidence> {
        self.last.as_ref()
    }
}

/// An evidence point.
pub fn point(at: Millis, price: f64, size: f64) -> EvidencePoint {
    EvidencePoint { at, price, size }
}

#[cfg(test)]
pub(crate) mod testkit;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latch_records_rising_edges_only() {
        let mut l = FireLatch::default();
        l.update(1, Some(0.4), || unreachable!());
        assert!(l.last().is_none());
        l.update(2, Some(0.6), || {
            ("first".into(), vec![point(2, 1.0, 1.0); 40])
        });
        let e = l.last().unwrap().clone();
        assert_eq!((e.at, e.summary.as_str(), e.points.len()), (2, "first", 16));
        l.update(3, Some(0.9), || unreachable!());
        assert_eq!(l.last().unwrap().at, 2);
        l.update(4, None, || unreachable!());
        l.update(5, Some(0.5), || ("second".into(), vec![]));
        assert_eq!(l.last().unwrap().at, 5);
        l.annotate("confirmed");
        l.annotate("confirmed");
        assert_eq!(l.last().unwrap().summary, "second; confirmed");
    }
}
