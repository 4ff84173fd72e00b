//! Cross-venue price dislocation (§10.8, `[proposed]`): one venue's mid against the median of the
//! others. It flags local manipulation or a broken feed, which matters for any index built from
//! the venues.
//!
//! The caller passes only fresh, time-aligned venues with quotes converted to one currency
//! (§0.2, §0.4): a 10 bp stablecoin premium would otherwise read as dislocation.

use std::collections::VecDeque;

use crate::market::Millis;

use super::num::{clip01, median, ratio};

/// Other venues needed for a meaningful median.
pub const MIN_OTHER_VENUES: usize = 3;
/// The score floor `T ≥ 10 bps`.
const MIN_THRESHOLD_BPS: f64 = 10.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dislocation {
    /// `d_e = (m_e − median_others)/median_others`, bps.
    pub d_bps: f64,
    /// `T = max(3 · half_spread_e_bps, 10 bps)`.
    pub threshold_bps: f64,
    /// `clip01((|d_e| − T)/T)` for this instant (before the 2 s minimum).
    pub score: f64,
}

/// The instantaneous dislocation of a venue with mid `mid` and half-spread `half_spread_bps`;
/// `None` with fewer than three other venues.
pub fn dislocation(mid: f64, half_spread_bps: f64, other_mids: &[f64]) -> Option<Dislocation> {
    if other_mids.len() < MIN_OTHER_VENUES || !mid.is_finite() {
        return None;
    }
    let reference = median(other_mids).filter(|m| *m > 0.0)?;
    let d_bps = ratio(mid - reference, reference)? * 1e4;
    let threshold_bps = (3.0 * half_spread_bps).max(MIN_THRESHOLD_BPS);
    Some(Dislocation {
        d_bps,
        threshold_bps,
        score: clip01(ratio(d_bps.abs() - threshold_bps, threshold_bps)?),
    })
}

/// The published score: the minimum over the trailing hold period (2 s) of the instantaneous
/// score, so one bad tick does not fire it. `None` until a valid score has been held for the
/// whole period.
#[derive(Clone, Debug)]
pub struct DislocationTracker {
    hold: Millis,
    /// Scores in force, oldest first; each holds until the next.
    scores: VecDeque<(Millis, f64)>,
}

impl DislocationTracker {
    pub fn new(hold: Millis) -> Self {
        DislocationTracker {
            hold,
            scores: VecDeque::new(),
        }
    }

    /// The instantaneous score at `t`; `None` (too few venues, invalid book) restarts the hold.
    pub fn update(&mut self, t: Millis, score: Option<f64>) {
        match score.filter(|s| s.is_finite()) {
            Some(s) => self.scores.push_back((t, s)),
            None => self.scores.clear(),
        }
    }

    pub fn score(&mut self, now: Millis) -> Option<f64> {
        let start = now - self.hold;
        // Keep the last score that was already in force at the start of the period.
        while self.scores.len() >= 2 && self.scores[1].0 <= start {
            self.scores.pop_front();
        }
        let &(first, _) = self.scores.front()?;
        if first > start {
            return None;
        }
        self.scores.iter().map(|(_, s)| *s).reduce(f64::min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::assert_close;

    const OTHERS: [f64; 3] = [100.00, 100.02, 99.99];

    #[test]
    fn spec_dislocation_scores() {
        let d = dislocation(100.15, 1.0, &OTHERS).unwrap();
        assert_close(d.d_bps, 15.0);
        assert_eq!(d.threshold_bps, 10.0);
        assert_close(d.score, 0.5);
        assert_eq!(dislocation(100.30, 1.0, &OTHERS).unwrap().score, 1.0);
        // A wide venue earns a wider threshold.
        assert_eq!(dislocation(100.15, 6.0, &OTHERS).unwrap().score, 0.0);
        assert_eq!(dislocation(100.15, 1.0, &OTHERS[..2]), None);
    }

    #[test]
    fn one_bad_tick_does_not_fire() {
        let mut tr = DislocationTracker::new(2000);
        tr.update(0, Some(0.0));
        tr.update(1000, Some(0.0));
        assert_eq!(tr.score(1500), None);
        assert_eq!(tr.score(2000), Some(0.0));
        tr.update(2500, Some(1.0));
        assert_eq!(tr.score(3000), Some(0.0));
        tr.update(3000, Some(0.5));
        // (2.5 s .. 4.5 s]: 1.0 then 0.5.
        assert_eq!(tr.score(4500), Some(0.5));
        assert_eq!(tr.score(6000), Some(0.5));
        tr.update(6100, None);
        assert_eq!(tr.score(6200), None);
    }
}
