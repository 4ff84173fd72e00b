//! §10.6 wash trading, part (a): a Benford first-significant-digit test on trade notionals over
//! the trailing 24 h, `MAD = (1/9)Σ_d |p̂_d − log10(1 + 1/d)|` and
//! `score_a = clip01((MAD − 0.006)/(0.015 − 0.006))` (Nigrini's first-digit bands).
//!
//! Part (b), trade-size clustering, needs an offline calibration against regulated venues that
//! does not exist yet: `wash_score = score_a` (as §10.6 says until (b) is calibrated). This is a
//! venue-quality measure over hours, not an alarm; it needs at least 2000 trades in the 24 h.
//!
//! A first-digit test needs amounts free to take any digit. Where the book's size step is
//! coarse against its trades (`binance-usdm:SOLUSDT` trades whole SOL, most taker orders a few of
//! them), a notional is one of a few multiples of the step's notional and its first digit is the
//! price's, not the flow's: whatever the flow, such a tape cannot conform. So when more than a
//! quarter of the trades are under 10 size steps, the score is `None` (not applicable), not a
//! firing.
//!
//! Digit counts are kept in 15 min buckets (96 of them), so a trade is O(1) and the state is
//! bounded whatever the trade rate.

use std::collections::VecDeque;

use crate::features::num::clip01;
use crate::market::Millis;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WashConfig {
    pub window: Millis,
    pub bucket: Millis,
    pub min_trades: u64,
    /// Nigrini's "close conformity" bound and the non-conformity bound.
    pub mad_close: f64,
    pub mad_nonconforming: f64,
    /// A trade under this many size steps is coarse ...
    pub coarse_steps: f64,
    /// ... and a sample with a larger share of coarse trades is not scored.
    pub max_coarse_share: f64,
}

impl Default for WashConfig {
    fn default() -> Self {
        WashConfig {
            window: 86_400_000,
            bucket: 900_000,
            min_trades: 2000,
            mad_close: 0.006,
            mad_nonconforming: 0.015,
            coarse_steps: 10.0,
            max_coarse_share: 0.25,
        }
    }
}

/// The first significant digit of a positive finite number, 1..=9.
pub fn first_digit(x: f64) -> Option<usize> {
    if !(x.is_finite() && x > 0.0) {
        return None;
    }
    // log10 can land a hair off at exact powers of ten: settle the exponent by comparison so
    // that `10^e ≤ x < 10^(e+1)` (exact while 10^e is, |e| ≤ 22: notionals live well inside).
    let mut e = x.log10().floor() as i32;
    if 10f64.powi(e) > x {
        e -= 1;
    } else if 10f64.powi(e + 1) <= x {
        e += 1;
    }
    // Subnormals are below any 10^e powi can form exactly: no digit is claimed for them.
    // `x < 10^(e+1)`, so a quotient rounded up to 10 is a 9.
    let d = (x / 10f64.powi(e)).floor().min(9.0);
    (1.0..10.0).contains(&d).then_some(d as usize)
}

/// Benford's first-digit probabilities `log10(1 + 1/d)`, d = 1..9.
fn benford(d: usize) -> f64 {
    (1.0 + 1.0 / d as f64).log10()
}

/// Nigrini's MAD of observed first-digit counts against Benford; `None` without counts.
pub fn benford_mad(counts: &[u64; 9]) -> Option<f64> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let sum: f64 = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| (c as f64 / n as f64 - benford(i + 1)).abs())
        .sum();
    Some(sum / 9.0)
}

pub fn wash_score_a(cfg: &WashConfig, mad: f64) -> f64 {
    clip01((mad - cfg.mad_close) / (cfg.mad_nonconforming - cfg.mad_close))
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WashReading {
    pub score: Option<f64>,
    pub mad: Option<f64>,
    pub trades: u64,
    /// Observed first-digit shares, d = 1..9.
    pub shares: Option<[f64; 9]>,
    /// Trades under [`WashConfig::coarse_steps`] size steps (where the step is known).
    pub coarse: u64,
}

#[derive(Clone, Debug)]
pub struct WashTrading {
    cfg: WashConfig,
    /// `(bucket index, digit counts, coarse trades)`, oldest first.
    buckets: VecDeque<(i64, [u64; 9], u64)>,
    totals: [u64; 9],
    coarse: u64,
}

impl WashTrading {
    pub fn new(cfg: WashConfig) -> Self {
        WashTrading {
            cfg,
            buckets: VecDeque::new(),
            totals: [0; 9],
            coarse: 0,
        }
    }

    /// A trade of `notional`, `steps` size steps large where the book's step is known.
    pub fn on_trade(&mut self, t: Millis, notional: f64, steps: Option<f64>) {
        let Some(d) = first_digit(notional) else {
            return;
        };
        let coarse = u64::from(steps.is_some_and(|n| n < self.cfg.coarse_steps));
        let idx = t.div_euclid(self.cfg.bucket.max(1));
        // A late trade counts in the newest bucket.
        if self.buckets.back().is_none_or(|(b, ..)| *b < idx) {
            self.buckets.push_back((idx, [0; 9], 0));
        }
        if let Some((_, counts, c)) = self.buckets.back_mut() {
            counts[d - 1] += 1;
            *c += coarse;
        }
        self.totals[d - 1] += 1;
        self.coarse += coarse;
        self.evict(t);
    }

    fn evict(&mut self, now: Millis) {
        let bucket = self.cfg.bucket.max(1);
        let oldest = (now - self.cfg.window).div_euclid(bucket);
        while let Some(&(idx, counts, coarse)) = self.buckets.front() {
            if idx > oldest {
                break;
            }
            self.buckets.pop_front();
            for (total, c) in self.totals.iter_mut().zip(counts) {
                *total -= c;
            }
            self.coarse -= coarse;
        }
    }

    pub fn reading(&mut self, now: Millis) -> WashReading {
        self.evict(now);
        let trades: u64 = self.totals.iter().sum();
        let enough = trades >= self.cfg.min_trades;
        let mad = benford_mad(&self.totals).filter(|_| enough);
        let applicable = self.coarse as f64 <= self.cfg.max_coarse_share * trades as f64;
        WashReading {
            score: mad
                .filter(|_| applicable)
                .map(|m| wash_score_a(&self.cfg, m)),
            mad,
            trades,
            shares: enough.then(|| self.totals.map(|c| c as f64 / trades as f64)),
            coarse: self.coarse,
        }
    }

    /// Trades were missed (outage): the sample restarts.
    pub fn clear(&mut self) {
        self.buckets.clear();
        self.totals = [0; 9];
        self.coarse = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::detectors::testkit::RandomWalk;
    use crate::features::testutil::{assert_close, assert_some_close};

    #[test]
    fn spec_wash_benford_mad() {
        let counts = [6, 3, 3, 2, 2, 1, 1, 1, 1];
        assert_some_close(benford_mad(&counts), 0.01182500306);
        let cfg = WashConfig::default();
        assert_close(wash_score_a(&cfg, 0.01182500306), 0.6472225624);
        assert_eq!(benford_mad(&[0; 9]), None);
    }

    #[test]
    fn first_digits_are_exact_at_powers_of_ten() {
        for (x, d) in [
            (1000.0, 1),
            (1e-3, 1),
            (999.999, 9),
            (0.2, 2),
            (7.0, 7),
            (1e12, 1),
            (1e-8, 1),
            (2.5e-7, 2),
        ] {
            assert_eq!(first_digit(x), Some(d), "{x}");
        }
        for x in [0.0, -5.0, f64::NAN, f64::INFINITY] {
            assert_eq!(first_digit(x), None);
        }
    }

    #[test]
    fn needs_2000_trades_and_flags_round_notional_flow() {
        let mut w = WashTrading::new(WashConfig::default());
        for i in 0..1999 {
            w.on_trade(i, 5000.0, None);
        }
        assert_eq!(w.reading(2000).score, None);
        w.on_trade(2000, 5000.0, None);
        // Every notional starts with 5: as far from Benford as a sample gets.
        assert_eq!(w.reading(2000).score, Some(1.0));
        // A day later the sample has left the window.
        assert_eq!(w.reading(86_400_000 + 900_000).trades, 0);
    }

    /// A tape of whole 1-step trades at 182 (notionals 182, 364, 546, …: digits 1, 3, 5, 7, 9)
    /// is far from Benford, but a quarter or more of it under 10 steps: not scored. The same
    /// notionals as 10-step and larger trades are scored, and fire.
    #[test]
    fn a_tape_of_a_few_size_steps_is_not_scored() {
        let mut coarse = WashTrading::new(WashConfig::default());
        let mut fine = WashTrading::new(WashConfig::default());
        for i in 0..4000 {
            let steps = (1 + i % 5) as f64;
            coarse.on_trade(i, 182.0 * steps, Some(steps));
            fine.on_trade(i, 182.0 * steps, Some(100.0 * steps));
        }
        let r = coarse.reading(4000);
        assert_eq!((r.score, r.coarse), (None, 4000));
        assert!(r.mad.unwrap() > 0.015, "{r:?}");
        assert_eq!(fine.reading(4000).score, Some(1.0));
        // Up to a quarter of coarse trades is still scored (1333 of 5333), not more.
        for i in 0..1333 {
            fine.on_trade(4000 + i, 182.0, Some(1.0));
        }
        assert_eq!(fine.reading(5333).coarse, 1333);
        assert!(fine.reading(5333).score.is_some());
        fine.on_trade(5333, 182.0, Some(1.0));
        assert_eq!(fine.reading(5333).score, None);
    }

    #[test]
    fn a_random_walk_market_does_not_fire() {
        let mut w = WashTrading::new(WashConfig::default());
        let mut walk = RandomWalk::new(3);
        for _ in 0..24 * 3600 {
            let s = walk.next_second();
            for (t, p, q, _) in s.trades {
                w.on_trade(t, p * q, None);
            }
        }
        let r = w.reading(24 * 3_600_000);
        assert!(r.trades > 100_000);
        assert!(r.score.unwrap() < 0.5, "{r:?}");
    }
}
