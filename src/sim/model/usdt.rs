//! The USDT/USD rate: USDT-quoted books price the USD fair value in USDT, so a USD book (Kraken)
//! and the USDT books differ by this small, slowly moving basis, as they do on real venues
//! (USDT trades within a few bps of a dollar in calm markets). Kraken's `USDT/USD` book quotes
//! this rate, so a session can convert between the two as it would live.

use super::rng::{Stream, ou_step};

/// Mean premium of USDT over the dollar, as a fraction.
const MEAN: f64 = 1e-4;
/// Stationary spread of the premium around its mean.
const SD: f64 = 1.5e-4;
const HALF_LIFE_S: f64 = 1_800.0;

/// USD per USDT, an OU process in the premium.
#[derive(Debug)]
pub struct UsdtRate {
    rng: Stream,
    premium: f64,
}

impl UsdtRate {
    pub fn new(seed: u64) -> Self {
        UsdtRate {
            rng: Stream::new(seed, "usdt"),
            premium: MEAN,
        }
    }

    /// USD per USDT now.
    pub fn rate(&self) -> f64 {
        1.0 + self.premium
    }

    /// Advance by `dt_s` seconds; returns USD per USDT.
    pub fn step(&mut self, dt_s: f64) -> f64 {
        let noise = self.rng.normal();
        self.premium = ou_step(self.premium, MEAN, SD, HALF_LIFE_S, dt_s, noise);
        self.rate()
    }
}
