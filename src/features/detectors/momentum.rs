//! §10.4 momentum ignition: a 5 s burst of one-sided taker flow that moves the mid, then how much
//! of the move is given back over H = 60 s.
//!
//! A burst: `|B − S|/(B + S) ≥ 0.8`, notional ≥ 5 × the median 5 s notional, and a mid move in
//! the burst's direction ≥ 3 × the baseline 5 s return std (baselines over the last hour of 5 s
//! bins, taken before the bin joins them). After H, `r = (P_peak − P_{t+H})/(P_peak − P_0)`
//! (mirrored for a down burst), with the peak the extreme mid from the burst's start to t + H.
//! The score is `clip01(r)` for H after the evaluation, and 0 when there was no burst.
//!
//! Mids are sampled by the caller (the engine's tick); a gap in them (invalid or stale book)
//! voids the bin it falls in and any burst awaiting its retracement, so a resync's jump in the
//! mid is never a move.

use crate::features::num::clip01;
use crate::market::{Millis, TakerSide};

use super::robust::SampleRing;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MomentumConfig {
    pub bin: Millis,
    /// Bins in the baselines (1 h of 5 s).
    pub baseline_bins: usize,
    pub min_one_sidedness: f64,
    pub notional_mult: f64,
    pub move_mult: f64,
    /// Retracement horizon H.
    pub horizon: Millis,
}

impl Default for MomentumConfig {
    fn default() -> Self {
        MomentumConfig {
            bin: 5_000,
            baseline_bins: 720,
            min_one_sidedness: 0.8,
            notional_mult: 5.0,
            move_mult: 3.0,
            horizon: 60_000,
        }
    }
}

/// §10.4's retracement `(P_peak − P_H)/(P_peak − P_0)`, clipped to [0, 1]; `None` without a move.
/// Mirrored for a down burst by passing prices negated.
pub fn retracement(p0: f64, peak: f64, p_h: f64) -> Option<f64> {
    let r = (peak - p_h) / (peak - p0);
    (r.is_finite() && peak != p0).then(|| clip01(r))
}

#[derive(Clone, Copy, Debug)]
struct Bin {
    idx: i64,
    buy: f64,
    sell: f64,
    /// Mid at the bin's start; `None` if the bin saw a gap.
    p0: Option<f64>,
    hi: f64,
    lo: f64,
}

/// A burst waiting for its retracement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Burst {
    pub start: Millis,
    /// +1 up (taker buys), −1 down.
    pub dir: f64,
    pub notional: f64,
    pub median_notional: f64,
    pub p0: f64,
    pub p_end: f64,
    pub peak: f64,
}

/// A burst whose retracement was measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ignition {
    pub burst: Burst,
    pub at: Millis,
    pub p_h: f64,
    pub score: f64,
}

#[derive(Clone, Debug)]
pub struct MomentumIgnition {
    cfg: MomentumConfig,
    bin: Option<Bin>,
    last_mid: Option<f64>,
    notional: SampleRing,
    returns: SampleRing,
    pending: Option<Burst>,
    last: Option<Ignition>,
}

impl MomentumIgnition {
    pub fn new(cfg: MomentumConfig) -> Self {
        let refresh = 12;
        MomentumIgnition {
            cfg,
            bin: None,
            last_mid: None,
            notional: SampleRing::new(cfg.baseline_bins, refresh),
            returns: SampleRing::new(cfg.baseline_bins, refresh),
            pending: None,
            last: None,
        }
    }

    /// A de-duplicated taker trade's notional. A trade older than the open bin counts in it.
    pub fn on_trade(&mut self, t: Millis, notional: f64, taker: TakerSide) {
        if !(notional.is_finite() && notional > 0.0) {
            return;
        }
        self.roll(t);
        if let Some(b) = self.bin.as_mut() {
            match taker {
                TakerSide::Buy => b.buy += notional,
                TakerSide::Sell => b.sell += notional,
            }
        }
    }

    /// The mid at `t` (`None`: the book is not valid and fresh).
    pub fn on_mid(&mut self, t: Millis, mid: Option<f64>) {
        self.roll(t);
        let mid = mid.filter(|m| m.is_finite() && *m > 0.0);
        let Some(m) = mid else {
            if let Some(b) = self.bin.as_mut() {
                b.p0 = None;
            }
            self.pending = None;
            self.last_mid = None;
            return;
        };
        if let Some(b) = self.bin.as_mut() {
            b.hi = b.hi.max(m);
            b.lo = b.lo.min(m);
        }
        self.last_mid = Some(m);
        if let Some(mut burst) = self.pending {
            let end = burst.start + self.cfg.bin;
            if burst.dir > 0.0 {
                burst.peak = burst.peak.max(m);
            } else {
                burst.peak = burst.peak.min(m);
            }
            self.pending = Some(burst);
            if t >= end + self.cfg.horizon {
                self.pending = None;
                let (s, p, x) = (burst.dir, burst.peak, m);
                if let Some(score) = retracement(s * burst.p0, s * p, s * x) {
                    self.last = Some(Ignition {
                        burst,
                        at: t,
                        p_h: m,
                        score,
                    });
                }
            }
        }
    }

    /// Closes the open bin if `t` is past it and opens `t`'s.
    fn roll(&mut self, t: Millis) {
        let idx = t.div_euclid(self.cfg.bin);
        match self.bin {
            Some(b) if idx <= b.idx => return,
            Some(b) => self.close(b),
            None => {}
        }
        let p = self.last_mid;
        self.bin = Some(Bin {
            idx,
            buy: 0.0,
            sell: 0.0,
            // A bin opened after skipped ones starts from a mid of an earlier bin: not its own.
            p0: p.filter(|_| self.bin.is_some_and(|b| b.idx + 1 == idx)),
            hi: p.unwrap_or(f64::NEG_INFINITY),
            lo: p.unwrap_or(f64::INFINITY),
        });
    }

    fn close(&mut self, b: Bin) {
        let n = b.buy + b.sell;
        let min = self.cfg.baseline_bins / 2;
        let (nb, rb) = (self.notional.stats(min), self.returns.stats(min));
        let r = match (b.p0, self.last_mid) {
            (Some(p0), Some(p1)) => Some((p1 / p0).ln()).filter(|r| r.is_finite()),
            _ => None,
        };
        if let (Some(nb), Some(rb), Some(r), Some(p0), Some(p1), None) =
            (nb, rb, r, b.p0, self.last_mid, self.pending)
        {
            let dir = if b.buy >= b.sell { 1.0 } else { -1.0 };
            let one_sided = n > 0.0 && (b.buy - b.sell).abs() / n >= self.cfg.min_one_sidedness;
            let heavy = n >= self.cfg.notional_mult * nb.median;
            let moved = dir * r > 0.0 && dir * r >= self.cfg.move_mult * rb.std;
            if one_sided && heavy && moved {
                self.pending = Some(Burst {
                    start: b.idx * self.cfg.bin,
                    dir,
                    notional: n,
                    median_notional: nb.median,
                    p0,
                    p_end: p1,
                    peak: if dir > 0.0 {
                        b.hi.max(p1)
                    } else {
                        b.lo.min(p1)
                    },
                });
            }
        }
        self.notional.push(n);
        if let Some(r) = r {
            self.returns.push(r);
        }
    }

    /// The score at `now`: the last measured ignition's for H after it, 0 otherwise; `None` while
    /// the baselines hold less than half an hour.
    pub fn reading(&mut self, now: Millis) -> (Option<f64>, Option<Ignition>) {
        self.roll(now);
        let min = self.cfg.baseline_bins / 2;
        if self.notional.stats(min).is_none() || self.returns.stats(min).is_none() {
            return (None, self.last);
        }
        let score = self
            .last
            .filter(|i| now - i.at < self.cfg.horizon)
            .map_or(0.0, |i| i.score);
        (Some(score), self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::detectors::testkit::RandomWalk;
    use crate::features::testutil::assert_some_close;

    #[test]
    fn spec_momentum_ignition_retracement() {
        assert_some_close(retracement(100.0, 100.5, 100.2), 0.6);
        // Mirrored: a down burst from 100 to 99.5 back to 99.8.
        assert_some_close(retracement(-100.0, -99.5, -99.8), 0.6);
        assert_eq!(retracement(100.0, 100.0, 99.0), None);
        assert_some_close(retracement(100.0, 100.5, 99.0), 1.0);
    }

    /// Quiet two-sided flow (10k a bin) with the mid wobbling between 100.00 and 100.01.
    fn quiet(m: &mut MomentumIgnition, seconds: i64) {
        for s in 0..seconds {
            let t = s * 1000;
            let mid = 100.0 + if s % 2 == 0 { 0.01 } else { 0.0 };
            m.on_mid(t, Some(mid));
            m.on_trade(t + 100, 1000.0, TakerSide::Buy);
            m.on_trade(t + 200, 1000.0, TakerSide::Sell);
        }
    }

    #[test]
    fn a_burst_that_gives_back_its_move_scores_its_retracement() {
        let mut m = MomentumIgnition::new(MomentumConfig::default());
        quiet(&mut m, 3600);
        assert_eq!(m.reading(3_600_000).0, Some(0.0));
        // 3600–3605 s: taker buys of 100k (10× the 10k median), mid 100 → 100.5.
        for i in 0..5 {
            let t = 3_600_000 + i * 1000;
            m.on_mid(t, Some(100.0 + 0.1 * i as f64));
            m.on_trade(t + 100, 20_000.0, TakerSide::Buy);
        }
        m.on_mid(3_604_900, Some(100.5));
        // Back to 100.2 over the next minute.
        for s in 1..=61 {
            m.on_mid(
                3_605_000 + s * 1000,
                Some(if s < 30 { 100.4 } else { 100.2 }),
            );
        }
        let (score, ignition) = m.reading(3_666_500);
        assert_some_close(score, 0.6);
        let i = ignition.unwrap();
        assert_eq!((i.burst.dir, i.burst.p0, i.burst.peak), (1.0, 100.0, 100.5));
        // The score holds for H, then reads 0.
        assert_eq!(m.reading(3_800_000).0, Some(0.0));
    }

    #[test]
    fn none_while_warming_and_a_gap_voids_a_burst() {
        let mut m = MomentumIgnition::new(MomentumConfig::default());
        quiet(&mut m, 1000);
        assert_eq!(m.reading(1_000_000).0, None);
        let mut m = MomentumIgnition::new(MomentumConfig::default());
        quiet(&mut m, 3600);
        for i in 0..5 {
            let t = 3_600_000 + i * 1000;
            m.on_mid(t, Some(100.0 + 0.1 * i as f64));
            m.on_trade(t + 100, 20_000.0, TakerSide::Buy);
        }
        m.on_mid(3_604_900, Some(100.5));
        // The book resyncs during the retracement.
        m.on_mid(3_620_000, None);
        for s in 21..=61 {
            m.on_mid(3_605_000 + s * 1000, Some(100.2));
        }
        let (score, ignition) = m.reading(3_666_500);
        assert_eq!((score, ignition), (Some(0.0), None));
    }

    #[test]
    fn a_random_walk_market_does_not_fire() {
        let mut m = MomentumIgnition::new(MomentumConfig::default());
        let mut walk = RandomWalk::new(11);
        let (mut max, mut scored) = (0.0f64, 0usize);
        for _ in 0..6 * 3600 {
            let s = walk.next_second();
            for (t, p, q, side) in s.trades {
                m.on_trade(t, p * q, side);
            }
            m.on_mid(s.t + 900, Some(s.mid));
            if let Some(score) = m.reading(s.t + 950).0 {
                scored += 1;
                max = max.max(score);
            }
        }
        assert!(scored > 1000, "the detector never left warm-up");
        assert!(max < 0.5, "max {max}");
    }
}
