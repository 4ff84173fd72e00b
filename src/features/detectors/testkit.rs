//! A plain market for the "does not fire" tests: a Gaussian random walk of the mid sampled every
//! second, with a few taker trades a second of log-normal size and either side, and now and then
//! a liquidation of either kind. Seeded, so a failure reproduces.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::market::{Millis, TakerSide};

/// What happened in one second.
pub struct Second {
    pub t: Millis,
    pub mid: f64,
    /// `(t, price, size, taker)`.
    pub trades: Vec<(Millis, f64, f64, TakerSide)>,
    /// `(t, short position liquidated, notional)`.
    pub liquidations: Vec<(Millis, bool, f64)>,
}

pub struct RandomWalk {
    rng: ChaCha8Rng,
    t: Millis,
    mid: f64,
    /// Per-second log-return standard deviation.
    sigma: f64,
}

impl RandomWalk {
    pub fn new(seed: u64) -> Self {
        RandomWalk {
            rng: ChaCha8Rng::seed_from_u64(seed),
            t: 0,
            mid: 100.0,
            sigma: 2e-4,
        }
    }

    fn normal(&mut self) -> f64 {
        // Box–Muller.
        let u1: f64 = self.rng.random_range(f64::EPSILON..1.0);
        let u2: f64 = self.rng.random_range(0.0..1.0);
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    pub fn next_second(&mut self) -> Second {
        self.t += 1000;
        self.mid *= (self.sigma * self.normal()).exp();
        let n = self.rng.random_range(0..6);
        let mut trades = Vec::with_capacity(n);
        for i in 0..n {
            let size = (0.5 + 1.5 * self.normal()).exp() * 0.1;
            let taker = if self.rng.random_bool(0.5) {
                TakerSide::Buy
            } else {
                TakerSide::Sell
            };
            trades.push((self.t + 100 * i as Millis, self.mid, size, taker));
        }
        let mut liquidations = Vec::new();
        if self.rng.random_bool(0.02) {
            let short = self.rng.random_bool(0.5);
            let notional = (8.0 + self.normal()).exp();
            liquidations.push((self.t + 500, short, notional));
        }
        Second {
            t: self.t,
            mid: self.mid,
            trades,
            liquidations,
        }
    }
}
