//! The stablecoin rates: USDT-quoted books price the USD fair value in USDT and USDC-quoted
//! books (Hyperliquid, Deribit's linear perpetuals) in USDC, so USD, USDT and USDC books differ
//! by small, slowly moving bases, as they do on real venues (both trade within a few bps of a
//! dollar in calm markets). Kraken's `USDT/USD` and `USDC/USD` books quote these rates, so a
//! session can convert between the three as it would live (`docs/metrics.md` §0.4).

use super::rng::{Stream, ou_step};

/// One stablecoin's dollar price: an OU process in its premium over the dollar.
#[derive(Debug)]
struct StableRate {
    rng: Stream,
    premium: f64,
    mean: f64,
    sd: f64,
}

/// Both rates' half-life: a basis that drifts over the better part of an hour.
const HALF_LIFE_S: f64 = 1_800.0;

impl StableRate {
    /// `name` seeds the stream; `mean` and `sd` are the premium's mean and stationary spread,
    /// as fractions.
    fn new(seed: u64, name: &str, mean: f64, sd: f64) -> Self {
        StableRate {
            rng: Stream::new(seed, name),
            premium: mean,
            mean,
            sd,
        }
    }

    fn rate(&self) -> f64 {
        1.0 + self.premium
    }

    /// Advance by `dt_s` seconds: `(before, now)` in USD.
    fn step(&mut self, dt_s: f64) -> (f64, f64) {
        let before = self.rate();
        let noise = self.rng.normal();
        self.premium = ou_step(self.premium, self.mean, self.sd, HALF_LIFE_S, dt_s, noise);
        (before, self.rate())
    }
}

/// USD per USDT and per USDC over one model step, each as `(before, now)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StableStep {
    pub usdt: (f64, f64),
    pub usdc: (f64, f64),
}

impl StableStep {
    /// The dollar value of one unit of `quote` now.
    pub fn quote_usd(&self, quote: &str) -> f64 {
        match quote {
            "USD" => 1.0,
            "USDC" => self.usdc.1,
            _ => self.usdt.1,
        }
    }
}

/// The two stablecoins' rates.
#[derive(Debug)]
pub struct Stables {
    usdt: StableRate,
    usdc: StableRate,
}

impl Stables {
    /// USDT a basis point over the dollar (1.5 bp spread), USDC a basis point under it (1 bp):
    /// USDC books sit about 2 bps from USDT ones, a gap conversion must remove.
    pub fn new(seed: u64) -> Self {
        Stables {
            usdt: StableRate::new(seed, "usdt", 1e-4, 1.5e-4),
            usdc: StableRate::new(seed, "usdc", -1e-4, 1e-4),
        }
    }

    /// Both rates now, without a step.
    pub fn current(&self) -> StableStep {
        let (usdt, usdc) = (self.usdt.rate(), self.usdc.rate());
        StableStep {
            usdt: (usdt, usdt),
            usdc: (usdc, usdc),
        }
    }

    /// Advance both by `dt_s` seconds.
    pub fn step(&mut self, dt_s: f64) -> StableStep {
        StableStep {
            usdt: self.usdt.step(dt_s),
            usdc: self.usdc.step(dt_s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usdc_basis_stays_within_a_few_bps_and_moves_slowly() {
        let mut s = Stables::new(7);
        let (mut lo, mut hi, mut biggest_step) = (f64::MAX, f64::MIN, 0.0_f64);
        // Six hours in 1-s steps.
        for _ in 0..21_600 {
            let step = s.step(1.0);
            let basis_bps = (step.usdc.1 / step.usdt.1 - 1.0) * 1e4;
            lo = lo.min(basis_bps);
            hi = hi.max(basis_bps);
            biggest_step = biggest_step.max((step.usdc.1 - step.usdc.0).abs() * 1e4);
            assert_eq!(step.quote_usd("USDC"), step.usdc.1);
            assert_eq!(step.quote_usd("USD"), 1.0);
        }
        // A few bps off USDT on average, never a depeg, and no jumps.
        assert!(lo > -15.0 && hi < 10.0, "{lo}..{hi} bps");
        assert!(hi - lo > 1.0, "the basis moves: {lo}..{hi}");
        assert!(biggest_step < 0.5, "{biggest_step} bps in a second");
    }
}
