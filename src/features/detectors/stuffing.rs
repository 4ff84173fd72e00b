//! §10.3 quote stuffing: level changes per second from the diff stream against their 1 h median
//! and MAD, gated on the update-to-trade ratio.
//!
//! `z = (m_t − med)/(1.4826·MAD)`, score `clip01((z − 5)/15)` when `m_t/max(k_t, 1) ≥ 50`, else 0.
//! A weak proxy (the caveat of §10.3): venues conflate updates, so the true message rate is
//! invisible.
//!
//! Counting is O(1) per book update. A second is judged once the next one has fully passed
//! (trades and diffs arrive on different streams), then joins the baseline. A resync or snapshot
//! pauses counting: the seconds around it are neither judged nor sampled, so neither a replay
//! burst nor the quiet of an outage reaches the baseline.

use crate::market::Millis;

use super::robust::{MAD_SCALE, SampleRing};
use crate::features::num::clip01;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StuffingConfig {
    /// Baseline length in seconds (1 h).
    pub baseline_s: usize,
    pub z_floor: f64,
    pub z_span: f64,
    /// `m_t / max(k_t, 1)` at or above which a burst can score.
    pub min_update_trade_ratio: f64,
}

impl Default for StuffingConfig {
    fn default() -> Self {
        StuffingConfig {
            baseline_s: 3600,
            z_floor: 5.0,
            z_span: 15.0,
            min_update_trade_ratio: 50.0,
        }
    }
}

/// The §10.3 score of one second.
pub fn stuffing_score(cfg: &StuffingConfig, m: f64, k: f64, median: f64, mad: f64) -> Option<f64> {
    // Counts are integers: a MAD below one count is the measurement's resolution, not a
    // zero-width distribution (it would make any extra update infinitely surprising).
    let z = (m - median) / (MAD_SCALE * mad.max(1.0));
    if !z.is_finite() {
        return None;
    }
    if m / k.max(1.0) < cfg.min_update_trade_ratio {
        return Some(0.0);
    }
    Some(clip01((z - cfg.z_floor) / cfg.z_span))
}

/// Per-second counts kept until judged: a few seconds, indexed by second modulo the length.
const PENDING: usize = 8;

#[derive(Clone, Debug)]
pub struct QuoteStuffing {
    cfg: StuffingConfig,
    /// `(second, level changes, trades)`.
    pending: [(i64, u32, u32); PENDING],
    /// The next second to judge; `None` while paused (no valid book).
    next: Option<i64>,
    baseline: SampleRing,
    last: Option<StuffingReading>,
}

/// The last judged second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StuffingReading {
    /// Start of the second judged.
    pub at: Millis,
    pub score: Option<f64>,
    pub changes: u32,
    pub trades: u32,
    pub median: f64,
    pub mad: f64,
}

impl QuoteStuffing {
    pub fn new(cfg: StuffingConfig) -> Self {
        QuoteStuffing {
            cfg,
            pending: [(i64::MIN, 0, 0); PENDING],
            next: None,
            baseline: SampleRing::new(cfg.baseline_s, 60),
            last: None,
        }
    }

    fn slot(&mut self, sec: i64) -> &mut (i64, u32, u32) {
        let s = &mut self.pending[sec.rem_euclid(PENDING as i64) as usize];
        if s.0 != sec {
            *s = (sec, 0, 0);
        }
        s
    }

    /// `n` level changes applied by one diff at `t` (O(1)).
    pub fn on_changes(&mut self, t: Millis, n: usize) {
        let sec = t.div_euclid(1000);
        if self.next.is_some_and(|next| sec >= next) {
            let s = self.slot(sec);
            s.1 = s.1.saturating_add(n.min(u32::MAX as usize) as u32);
        }
    }

    pub fn on_trade(&mut self, t: Millis) {
        let sec = t.div_euclid(1000);
        if self.next.is_some_and(|next| sec >= next) {
            let s = self.slot(sec);
            s.2 = s.2.saturating_add(1);
        }
    }

    /// The book stopped being valid: nothing is counted until [`restart`](Self::restart).
    pub fn pause(&mut self) {
        self.next = None;
    }

    /// A new baseline book (snapshot) at `t`: counting resumes with the next full second.
    pub fn restart(&mut self, t: Millis) {
        self.next = Some(t.div_euclid(1000) + 1);
    }

    /// Judges every second that ended at least a second before `now`, and returns the last one.
    pub fn reading(&mut self, now: Millis) -> Option<StuffingReading> {
        let Some(mut next) = self.next else {
            return self.last;
        };
        let until = now.div_euclid(1000) - 2;
        // A long silence with a live book: judge only the seconds still held, the rest were 0.
        if until - next >= self.cfg.baseline_s as i64 {
            next = until - self.cfg.baseline_s as i64 + 1;
        }
        while next <= until {
            let s = self.pending[next.rem_euclid(PENDING as i64) as usize];
            let (m, k) = if s.0 == next { (s.1, s.2) } else { (0, 0) };
            let min = self.cfg.baseline_s / 2;
            let stats = self.baseline.stats(min);
            self.last = Some(StuffingReading {
                at: next * 1000,
                score: stats
                    .and_then(|b| stuffing_score(&self.cfg, m as f64, k as f64, b.median, b.mad)),
                changes: m,
                trades: k,
                median: stats.map_or(0.0, |b| b.median),
                mad: stats.map_or(0.0, |b| b.mad),
            });
            self.baseline.push(m as f64);
            next += 1;
        }
        self.next = Some(next);
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::{assert_close, assert_some_close};

    #[test]
    fn spec_quote_stuffing() {
        let cfg = StuffingConfig::default();
        let z = (120.0 - 40.0) / (1.4826 * 5.0);
        assert_close(z, 10.79185215);
        assert_some_close(stuffing_score(&cfg, 120.0, 1.0, 40.0, 5.0), 0.3861234768);
        assert_some_close(stuffing_score(&cfg, 200.0, 1.0, 40.0, 5.0), 1.0);
        // 120 updates against 10 trades: ratio 12 < 50.
        assert_some_close(stuffing_score(&cfg, 120.0, 10.0, 40.0, 5.0), 0.0);
    }

    fn warm(seconds: i64, per_second: impl Fn(i64) -> usize) -> QuoteStuffing {
        let mut q = QuoteStuffing::new(StuffingConfig::default());
        q.restart(-1000);
        for s in 0..seconds {
            q.on_changes(s * 1000 + 500, per_second(s));
            q.reading(s * 1000 + 999);
        }
        q
    }

    #[test]
    fn none_until_half_an_hour_then_a_burst_scores() {
        let mut q = warm(1700, |s| 38 + (s % 5) as usize);
        assert_eq!(q.reading(1_700_000).unwrap().score, None);
        let mut q = warm(2000, |s| 38 + (s % 5) as usize);
        // Second 2000 has 400 changes in ten diffs and no trade.
        for i in 0..10 {
            q.on_changes(2_000_000 + i * 90, 40);
        }
        let r = q.reading(2_002_000).unwrap();
        assert_eq!((r.at, r.changes, r.trades), (2_000_000, 400, 0));
        assert_eq!(r.median, 40.0);
        assert_some_close(r.score, 1.0);
        // The same burst with 20 trades in it: ratio 20 < 50.
        let mut q = warm(2000, |s| 38 + (s % 5) as usize);
        q.on_changes(2_000_100, 400);
        for i in 0..20 {
            q.on_trade(2_000_200 + i);
        }
        assert_some_close(q.reading(2_002_000).unwrap().score, 0.0);
    }

    #[test]
    fn a_snapshot_replay_is_not_counted() {
        let mut q = warm(2000, |_| 40);
        // The book resyncs in second 2000; the snapshot lands at 2000.4 s and buffered diffs are
        // replayed at once.
        q.pause();
        q.on_changes(2_000_100, 5000);
        q.restart(2_000_400);
        q.on_changes(2_000_450, 5000);
        let r = q.reading(2_002_500).unwrap();
        assert_eq!(r.at, 1_997_000, "the paused seconds are not judged");
        assert_eq!(r.score, Some(0.0));
        q.on_changes(2_001_500, 40);
        assert_eq!(q.reading(2_003_500).unwrap().score, Some(0.0));
    }

    #[test]
    fn a_random_walk_market_does_not_fire() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut q = QuoteStuffing::new(StuffingConfig::default());
        q.restart(-1000);
        let (mut max, mut scored) = (0.0f64, 0usize);
        for s in 0..10_000i64 {
            // Poisson-like traffic around 40 changes and 2 trades a second.
            let n: usize = (0..80).filter(|_| rng.random_bool(0.5)).count();
            q.on_changes(s * 1000 + 10, n);
            for _ in 0..rng.random_range(0..4) {
                q.on_trade(s * 1000 + 20);
            }
            if let Some(score) = q.reading(s * 1000 + 999).and_then(|r| r.score) {
                scored += 1;
                max = max.max(score);
            }
        }
        assert!(scored > 1000, "the detector never left warm-up");
        assert!(max < 0.5, "max {max}");
    }
}
