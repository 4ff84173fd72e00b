//! §10.5 pump (and dump): the 15 min log return against R* = 5 % and the 15 min volume against
//! its trailing 12 h median, against VR* = 4:
//! `pump_score = clip01(min(R/R*, VR/VR*)/2)`, 0.5 exactly at both thresholds.
//!
//! State is one bar per exchange minute (volume and last mid), a ring of 17, and the 12 h
//! baseline of the 15 min volume sampled once a minute (720 values). A dump (a drawdown of at
//! least half the rise within 1 h of a pump reaching 0.5) is reported for the evidence.

use std::collections::VecDeque;

use crate::features::num::clip01;
use crate::market::Millis;

use super::FIRING_LEVEL;
use super::robust::SampleRing;

const MINUTE: Millis = 60_000;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PumpConfig {
    /// w, in minutes.
    pub window_min: usize,
    /// Baseline length, in minutes (12 h).
    pub baseline_min: usize,
    pub r_star: f64,
    pub vr_star: f64,
    /// A dump must come within this long of the pump.
    pub dump_within: Millis,
    /// ... and give back at least this share of the rise.
    pub dump_share: f64,
}

impl Default for PumpConfig {
    fn default() -> Self {
        PumpConfig {
            window_min: 15,
            baseline_min: 720,
            r_star: 0.05,
            vr_star: 4.0,
            dump_within: 3_600_000,
            dump_share: 0.5,
        }
    }
}

/// §10.5's score from `R = ln(P_t/P_{t−w})` and `VR = V_w / median`.
pub fn pump_score(cfg: &PumpConfig, r: f64, vr: f64) -> Option<f64> {
    // `f64::min` ignores a NaN operand: check both.
    let (a, b) = (r / cfg.r_star, vr / cfg.vr_star);
    (a.is_finite() && b.is_finite()).then(|| clip01(a.min(b) / 2.0))
}

#[derive(Clone, Copy, Debug)]
struct Bar {
    idx: i64,
    volume: f64,
    last_mid: Option<f64>,
}

/// A pump that reached the firing level, followed for its dump.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PumpEpisode {
    pub at: Millis,
    pub p_start: f64,
    pub peak: f64,
    /// When the price gave back `dump_share` of the rise, within `dump_within`.
    pub dumped_at: Option<Millis>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PumpReading {
    pub score: Option<f64>,
    /// `R`, `VR`, and the prices and volume behind them.
    pub r: Option<f64>,
    pub vr: Option<f64>,
    pub p_then: Option<f64>,
    pub p_now: Option<f64>,
    pub volume: f64,
    pub episode: Option<PumpEpisode>,
}

#[derive(Clone, Debug)]
pub struct Pump {
    cfg: PumpConfig,
    /// Closed bars, oldest first, then the open one last.
    bars: VecDeque<Bar>,
    baseline: SampleRing,
    episode: Option<PumpEpisode>,
}

impl Pump {
    pub fn new(cfg: PumpConfig) -> Self {
        Pump {
            cfg,
            bars: VecDeque::with_capacity(cfg.window_min + 3),
            baseline: SampleRing::new(cfg.baseline_min, 1),
            episode: None,
        }
    }

    pub fn on_trade(&mut self, t: Millis, notional: f64) {
        if !(notional.is_finite() && notional > 0.0) {
            return;
        }
        self.roll(t);
        if let Some(b) = self.bars.back_mut() {
            b.volume += notional;
        }
    }

    /// A past minute's traded notional, from the history (warm start, §0.2): the baseline of
    /// `V_w` fills as it did live. Minutes come oldest first and before the live stream; one
    /// not after the newest minute held is skipped (live data wins). No price is seeded: `R`
    /// waits for `w` minutes of live mids.
    pub fn seed_minute(&mut self, t: Millis, notional: f64) {
        if self
            .bars
            .back()
            .is_some_and(|b| b.idx >= t.div_euclid(MINUTE))
        {
            return;
        }
        self.on_trade(t, notional);
    }

    /// The mid at `t`; `None` (invalid or stale book) leaves the minute without one.
    pub fn on_mid(&mut self, t: Millis, mid: Option<f64>) {
        self.roll(t);
        let mid = mid.filter(|m| m.is_finite() && *m > 0.0);
        if let Some(b) = self.bars.back_mut() {
            b.last_mid = mid;
        }
        let (Some(m), Some(e)) = (mid, self.episode.as_mut()) else {
            return;
        };
        if e.dumped_at.is_none() && t - e.at <= self.cfg.dump_within {
            e.peak = e.peak.max(m);
            if m <= e.peak - self.cfg.dump_share * (e.peak - e.p_start) {
                e.dumped_at = Some(t);
            }
        }
    }

    fn roll(&mut self, t: Millis) {
        let idx = t.div_euclid(MINUTE);
        let Some(open) = self.bars.back().map(|b| b.idx) else {
            self.bars.push_back(Bar {
                idx,
                volume: 0.0,
                last_mid: None,
            });
            return;
        };
        // A silence longer than the baseline: only the last minutes matter.
        let mut next = open + 1;
        if idx - next > (self.cfg.baseline_min + self.cfg.window_min) as i64 {
            self.bars.clear();
            self.baseline.clear();
            next = idx;
        }
        while next <= idx {
            if let Some(v) = self.window_volume() {
                self.baseline.push(v);
            }
            // A minute without a mid carries no price: a quiet book still has its last one.
            let last_mid = self.bars.back().and_then(|b| b.last_mid);
            self.bars.push_back(Bar {
                idx: next,
                volume: 0.0,
                last_mid,
            });
            if self.bars.len() > self.cfg.window_min + 2 {
                self.bars.pop_front();
            }
            next += 1;
        }
    }

    /// `V_w`: volume of the last `w` closed minutes, once that many are held.
    fn window_volume(&self) -> Option<f64> {
        let w = self.cfg.window_min;
        let closed = self.bars.len().checked_sub(1)?;
        (closed >= w).then(|| {
            self.bars
                .iter()
                .rev()
                .skip(1)
                .take(w)
                .map(|b| b.volume)
                .sum()
        })
    }

    pub fn reading(&mut self, now: Millis) -> PumpReading {
        self.roll(now);
        let w = self.cfg.window_min;
        let volume = self.window_volume().unwrap_or(0.0);
        let p_now = self.bars.back().and_then(|b| b.last_mid);
        // The last mid of the minute before the window's first.
        let p_then = self
            .bars
            .len()
            .checked_sub(w + 2)
            .and_then(|i| self.bars[i].last_mid);
        let median = self
            .baseline
            .stats(self.cfg.baseline_min / 2)
            .map(|s| s.median)
            .filter(|m| *m > 0.0);
        let r = p_now
            .zip(p_then)
            .map(|(a, b)| (a / b).ln())
            .filter(|r| r.is_finite());
        let vr = median
            .filter(|_| self.window_volume().is_some())
            .map(|m| volume / m);
        let score = r.zip(vr).and_then(|(r, vr)| pump_score(&self.cfg, r, vr));
        if let (Some(s), Some(p0), Some(p1)) = (score, p_then, p_now) {
            let following = self
                .episode
                .is_some_and(|e| e.dumped_at.is_none() && now - e.at <= self.cfg.dump_within);
            if s >= FIRING_LEVEL && !following {
                self.episode = Some(PumpEpisode {
                    at: now,
                    p_start: p0,
                    peak: p1,
                    dumped_at: None,
                });
            }
        }
        PumpReading {
            score,
            r,
            vr,
            p_then,
            p_now,
            volume,
            episode: self.episode,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::detectors::testkit::RandomWalk;
    use crate::features::testutil::assert_some_close;

    #[test]
    fn spec_pump_score() {
        let cfg = PumpConfig::default();
        assert_some_close(pump_score(&cfg, 0.075, 6.0), 0.75);
        assert_some_close(pump_score(&cfg, 0.05, 4.0), 0.5);
        assert_some_close(pump_score(&cfg, -0.1, 10.0), 0.0);
        assert_eq!(pump_score(&cfg, f64::NAN, 1.0), None);
    }

    /// 12 h of 1k a minute at 100, then 15 min of 6k a minute rising to 100·e^0.075, then a
    /// fall back to where it started.
    #[test]
    fn a_pump_scores_and_its_dump_is_recorded() {
        let mut p = Pump::new(PumpConfig::default());
        let mut t = 0;
        for _ in 0..720 {
            p.on_mid(t, Some(100.0));
            p.on_trade(t + 1, 1000.0);
            t += MINUTE;
        }
        assert_eq!(p.reading(t - 1).score, Some(0.0));
        let top = 100.0 * 0.075f64.exp();
        for i in 1..=15 {
            p.on_mid(t, Some(100.0 * (0.075 * i as f64 / 15.0).exp()));
            p.on_trade(t + 1, 6000.0);
            t += MINUTE;
        }
        p.on_mid(t, Some(top));
        let r = p.reading(t);
        assert_some_close(r.r, 0.075);
        assert_some_close(r.vr, 6.0);
        assert_some_close(r.score, 0.75);
        assert_eq!(r.episode.unwrap().dumped_at, None);
        // Half the rise given back is 103.89: 105 is not a dump yet, 100 is.
        p.on_mid(t + 10 * MINUTE, Some(105.0));
        assert_eq!(p.reading(t + 10 * MINUTE).episode.unwrap().dumped_at, None);
        p.on_mid(t + 20 * MINUTE, Some(100.0));
        let e = p.reading(t + 20 * MINUTE).episode.unwrap();
        assert_eq!((e.at, e.dumped_at), (t, Some(t + 20 * MINUTE)));
    }

    /// 12 h of seeded minutes of 1k fill the baseline: after 16 live minutes of 4k a minute
    /// with a mid, the score is there (VR = 4), where a cold detector would wait 6 h; a seed
    /// for a minute the detector already holds is ignored.
    #[test]
    fn seeded_minutes_fill_the_baseline() {
        let mut p = Pump::new(PumpConfig::default());
        for m in 0..720 {
            p.seed_minute(m * MINUTE, 1000.0);
        }
        let start = 721 * MINUTE;
        for m in 0..=16 {
            let t = start + m * MINUTE;
            p.on_mid(t, Some(100.0));
            p.on_trade(t + 1, 4000.0);
        }
        p.seed_minute(start + 16 * MINUTE, 1e12);
        let r = p.reading(start + 16 * MINUTE + 2);
        assert_some_close(r.vr, 4.0);
        assert_some_close(r.score, 0.0);
        let mut cold = Pump::new(PumpConfig::default());
        for m in 0..=16 {
            let t = start + m * MINUTE;
            cold.on_mid(t, Some(100.0));
            cold.on_trade(t + 1, 4000.0);
        }
        assert_eq!(cold.reading(start + 16 * MINUTE + 2).vr, None);
    }

    #[test]
    fn none_until_six_hours_of_baseline() {
        let mut p = Pump::new(PumpConfig::default());
        for m in 0..300 {
            p.on_mid(m * MINUTE, Some(100.0));
            p.on_trade(m * MINUTE + 1, 1000.0);
        }
        assert_eq!(p.reading(300 * MINUTE).score, None);
    }

    #[test]
    fn a_random_walk_market_does_not_fire() {
        let mut p = Pump::new(PumpConfig::default());
        let mut walk = RandomWalk::new(5);
        let (mut max, mut scored) = (0.0f64, 0usize);
        for _ in 0..24 * 3600 {
            let s = walk.next_second();
            for (t, price, q, _) in s.trades {
                p.on_trade(t, price * q);
            }
            p.on_mid(s.t + 900, Some(s.mid));
            if s.t % 10_000 == 0
                && let Some(score) = p.reading(s.t + 950).score
            {
                scored += 1;
                max = max.max(score);
            }
        }
        assert!(scored > 1000, "the detector never left warm-up");
        assert!(max < 0.5, "max {max}");
    }
}
