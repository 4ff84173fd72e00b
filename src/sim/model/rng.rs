//! Seeded random streams and the few distributions the model draws from.
//!
//! Every process (a symbol's price, a book's order flow, a session's faults) has its own ChaCha
//! stream derived from the seed and a name, so adding a book or a venue never changes what
//! another one does: `--seed` reproduces each stream on its own.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A named, seeded random stream.
#[derive(Clone, Debug)]
pub struct Stream(ChaCha8Rng);

impl Stream {
    /// The stream called `name` under `seed`.
    pub fn new(seed: u64, name: &str) -> Self {
        // FNV-1a of the name picks the ChaCha stream; the seed picks the key.
        let id = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(id);
        Stream(rng)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// Uniform in `(0, 1]`: safe under a logarithm or a negative power.
    fn open_unit(&mut self) -> f64 {
        1.0 - self.unit()
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `[lo, hi)`.
    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in `0..n` (`n > 0`).
    pub fn index(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.open_unit(), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Exponential with mean `mean`.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -self.open_unit().ln() * mean
    }

    /// Log-normal with median `median` and log-sd `sigma`.
    pub fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    /// Pareto with scale `min` and tail index `alpha`: `P(X > x) = (min / x)^alpha`.
    pub fn pareto(&mut self, min: f64, alpha: f64) -> f64 {
        min * self.open_unit().powf(-1.0 / alpha)
    }

    /// `size` spread over a decade: times `10^U · ln 10 / 9` with U uniform in `[0, 1)`, a
    /// factor between 0.256 and 2.56 whose mean is 1. Whatever law `size` was drawn from, the
    /// product's first significant digit follows Benford's law exactly (its log10 modulo 1 is
    /// uniform: U is, and is independent of `size`), as real trade sizes', spread over decades,
    /// do (§10.6); and its mean is `size`'s, so volumes and depths keep their scale.
    pub fn decade_spread(&mut self, size: f64) -> f64 {
        size * 10f64.powf(self.unit()) * std::f64::consts::LN_10 / 9.0
    }

    /// Geometric on `0, 1, 2, …` with mean `mean`.
    pub fn geometric(&mut self, mean: f64) -> u64 {
        let p = 1.0 / (1.0 + mean);
        (self.open_unit().ln() / (1.0 - p).ln()).floor() as u64
    }

    /// Poisson with mean `lambda` (Knuth below 30, a rounded normal above).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda > 30.0 {
            return (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u64;
        }
        let limit = (-lambda).exp();
        let mut k = 0;
        let mut p = self.unit();
        while p > limit {
            k += 1;
            p *= self.unit();
        }
        k
    }
}

/// An Ornstein–Uhlenbeck step: `x` pulled toward `mean` with half-life `half_life_s`, with
/// stationary standard deviation `sd`, over `dt_s` seconds.
pub fn ou_step(x: f64, mean: f64, sd: f64, half_life_s: f64, dt_s: f64, noise: f64) -> f64 {
    let decay = (-std::f64::consts::LN_2 * dt_s / half_life_s).exp();
    mean + (x - mean) * decay + sd * (1.0 - decay * decay).sqrt() * noise
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_streams_are_reproducible_and_independent() {
        let draw = |seed, name| {
            let mut s = Stream::new(seed, name);
            (0..4).map(|_| s.unit()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7, "book:okx:BTC-USDT"), draw(7, "book:okx:BTC-USDT"));
        assert_ne!(draw(7, "book:okx:BTC-USDT"), draw(7, "book:okx:ETH-USDT"));
        assert_ne!(draw(7, "x"), draw(8, "x"));
    }

    #[test]
    fn distributions_have_their_means() {
        let mut s = Stream::new(1, "moments");
        let n = 20_000;
        let mean = |f: &mut dyn FnMut(&mut Stream) -> f64, s: &mut Stream| {
            (0..n).map(|_| f(s)).sum::<f64>() / f64::from(n)
        };
        assert!((mean(&mut |s| s.normal(), &mut s)).abs() < 0.03);
        assert!((mean(&mut |s| s.exponential(2.0), &mut s) - 2.0).abs() < 0.06);
        assert!((mean(&mut |s| s.poisson(4.0) as f64, &mut s) - 4.0).abs() < 0.06);
        assert!((mean(&mut |s| s.poisson(50.0) as f64, &mut s) - 50.0).abs() < 0.3);
        assert!((mean(&mut |s| s.geometric(1.5) as f64, &mut s) - 1.5).abs() < 0.06);
        assert!((mean(&mut |s| s.decade_spread(2.0), &mut s) - 2.0).abs() < 0.03);
        // P(X > 10·min) = 10^-alpha
        let tail = (0..n).filter(|_| s.pareto(1.0, 1.5) > 10.0).count() as f64 / f64::from(n);
        assert!((tail - 10f64.powf(-1.5)).abs() < 0.006, "{tail}");
    }
}
