//! A symbol's latent fair price: a random walk with stochastic volatility, a perpetual basis
//! and funding rate that move, and liquidation cascades (a fast move every venue's book
//! follows, with forced orders on the perpetuals).
//!
//! Cascades are a renewal process with bounded gaps rather than a Poisson one: any hour of
//! simulated market has a few, which is what a demo and a realism test both need.

use super::event::Episode;
use super::rng::{Stream, ou_step};
use crate::sim::catalog::Symbol;

const SECONDS_PER_YEAR: f64 = 365.0 * 86_400.0;

/// The perpetuals' calm premium over the fair price and its spread: about half a bp, as on the
/// liquid venues, where arbitrage keeps perpetual and spot quotes overlapping most of the time.
const BASIS_MEAN: f64 = 5e-5;
const BASIS_SD: f64 = 5e-5;

/// The first cascade comes after this many seconds (uniform), later ones this long after the
/// previous one ends.
const FIRST_CASCADE_S: (f64, f64) = (60.0, 300.0);
const CASCADE_GAP_S: (f64, f64) = (300.0, 1_080.0);

/// Cascades are mostly down (long liquidations dominate), last 8–25 s and move the fair price by
/// 0.6–2 %.
const DOWN_SHARE: f64 = 0.7;
const CASCADE_S: (f64, f64) = (8.0, 25.0);
const CASCADE_SIZE: (f64, f64) = (0.006, 0.02);

/// Between cascades the fair price drifts back up at the rate that cancels their mean move, so
/// a simulated day has no trend: without it, a day's ~120 cascades walked the price down by
/// about two thirds (an hour's demo showed only its −3 %).
const RECOVERY_PER_S: f64 = (2.0 * DOWN_SHARE - 1.0) * (CASCADE_SIZE.0 + CASCADE_SIZE.1)
    / 2.0
    / ((CASCADE_GAP_S.0 + CASCADE_GAP_S.1) / 2.0 + (CASCADE_S.0 + CASCADE_S.1) / 2.0);

/// A cascade in progress.
#[derive(Clone, Copy, Debug)]
struct Cascade {
    direction: f64,
    start_ms: u64,
    end_ms: u64,
    /// Total log-move of the fair price.
    size: f64,
}

impl Cascade {
    /// Where in the cascade `t_ms` is, as a fraction of its duration.
    fn phase(&self, t_ms: u64) -> f64 {
        (t_ms.saturating_sub(self.start_ms)) as f64 / (self.end_ms - self.start_ms) as f64
    }
}

/// What books need from their symbol for one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SymbolTick {
    pub fair: f64,
    /// Log-return of the fair price over the step.
    pub ret: f64,
    /// 0 in calm markets, up to 1 at the height of a cascade.
    pub stress: f64,
    /// `-1` (longs being liquidated), `+1`, or 0 outside cascades.
    pub direction: f64,
    /// Perpetual premium over the fair price, as a fraction.
    pub basis: f64,
    pub funding_rate: f64,
}

impl SymbolTick {
    /// A stablecoin's step: its price is the USDT/USD rate, which moved from `before` to
    /// `now`; no cascades, no perpetual.
    pub fn pegged(before: f64, now: f64) -> Self {
        SymbolTick {
            fair: now,
            ret: (now / before).ln(),
            stress: 0.0,
            direction: 0.0,
            basis: 0.0,
            funding_rate: 0.0,
        }
    }
}

/// One symbol's shared state.
#[derive(Debug)]
pub struct SymbolModel {
    pub index: usize,
    spec: Symbol,
    rng: Stream,
    log_fair: f64,
    /// Log of the volatility multiplier (an OU around 0).
    log_vol: f64,
    basis: f64,
    /// Slow average of the basis: the funding premium.
    premium: f64,
    cascade: Option<Cascade>,
    next_cascade_ms: u64,
}

impl SymbolModel {
    pub fn new(seed: u64, index: usize, spec: Symbol) -> Self {
        let mut rng = Stream::new(seed, &format!("symbol:{}", spec.name));
        let next_cascade_ms = (rng.between(FIRST_CASCADE_S.0, FIRST_CASCADE_S.1) * 1e3) as u64;
        SymbolModel {
            index,
            spec,
            rng,
            log_fair: spec.price.ln(),
            log_vol: 0.0,
            basis: BASIS_MEAN,
            premium: BASIS_MEAN,
            cascade: None,
            next_cascade_ms,
        }
    }

    /// The fair price now.
    pub fn fair(&self) -> f64 {
        self.log_fair.exp()
    }

    /// The tick of a symbol no book trades: not stepped, so it stands still.
    pub fn still(&self) -> SymbolTick {
        SymbolTick {
            fair: self.fair(),
            ret: 0.0,
            stress: 0.0,
            direction: 0.0,
            basis: self.basis,
            funding_rate: funding_rate(self.premium),
        }
    }

    /// Advance to `t_ms` by `dt_s` seconds; a cascade that starts is reported in `episodes`.
    pub fn step(&mut self, t_ms: u64, dt_s: f64, episodes: &mut Vec<Episode>) -> SymbolTick {
        if self.cascade.is_none() && t_ms >= self.next_cascade_ms {
            let cascade = self.start_cascade(t_ms);
            episodes.push(Episode::Cascade {
                symbol: self.index,
                direction: cascade.direction as i8,
                start_ms: cascade.start_ms,
                end_ms: cascade.end_ms,
                size: cascade.size.abs(),
            });
            self.cascade = Some(cascade);
        }
        let (stress, direction, drift) = match self.cascade {
            Some(c) if t_ms < c.end_ms => {
                // Front-loaded: the move is fastest at the start, then exhausts itself.
                let profile = 2.0 * (1.0 - c.phase(t_ms));
                let duration_s = (c.end_ms - c.start_ms) as f64 / 1e3;
                (
                    (profile / 2.0).clamp(0.0, 1.0),
                    c.direction,
                    c.size * profile * dt_s / duration_s,
                )
            }
            Some(c) => {
                self.cascade = None;
                self.next_cascade_ms =
                    c.end_ms + (self.rng.between(CASCADE_GAP_S.0, CASCADE_GAP_S.1) * 1e3) as u64;
                (0.0, 0.0, 0.0)
            }
            None => (0.0, 0.0, 0.0),
        };
        let noise = self.rng.normal();
        self.log_vol = ou_step(self.log_vol, 0.0, 0.35, 600.0, dt_s, noise);
        let sigma = self.spec.vol_annual / SECONDS_PER_YEAR.sqrt() * self.log_vol.exp();
        let ret = drift
            + RECOVERY_PER_S * dt_s
            + sigma * (1.0 + 2.0 * stress) * dt_s.sqrt() * self.rng.normal();
        self.log_fair += ret;
        // Perpetuals trade at a small premium that a cascade pushes the way of the move.
        let noise = self.rng.normal();
        let pull = BASIS_MEAN + direction * 8e-4 * stress;
        self.basis = ou_step(self.basis, pull, BASIS_SD, 300.0, dt_s, noise);
        self.premium += (self.basis - self.premium) * (dt_s / 1_800.0).min(1.0);
        SymbolTick {
            fair: self.log_fair.exp(),
            ret,
            stress,
            direction,
            basis: self.basis,
            funding_rate: funding_rate(self.premium),
        }
    }

    fn start_cascade(&mut self, t_ms: u64) -> Cascade {
        let direction = if self.rng.chance(DOWN_SHARE) {
            -1.0
        } else {
            1.0
        };
        let duration_ms = (self.rng.between(CASCADE_S.0, CASCADE_S.1) * 1e3) as u64;
        Cascade {
            direction,
            start_ms: t_ms,
            end_ms: t_ms + duration_ms,
            size: direction * self.rng.between(CASCADE_SIZE.0, CASCADE_SIZE.1),
        }
    }
}

/// The usual perpetual formula: the premium plus the interest-rate difference (0.01 % per 8 h)
/// clamped to ±0.05 %, the whole clamped to ±0.75 %.
fn funding_rate(premium: f64) -> f64 {
    (premium + (1e-4 - premium).clamp(-5e-4, 5e-4)).clamp(-7.5e-3, 7.5e-3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::catalog::SYMBOLS;

    #[test]
    fn a_calm_premium_pays_the_classic_funding_rate() {
        assert!((funding_rate(2e-4) - 1e-4).abs() < 1e-12);
        assert!((funding_rate(3e-3) - 2.5e-3).abs() < 1e-12);
        assert_eq!(funding_rate(1.0), 7.5e-3);
    }

    #[test]
    fn cascades_come_within_bounded_gaps_and_move_the_price() {
        let mut m = SymbolModel::new(3, 0, SYMBOLS[0]);
        let mut episodes = Vec::new();
        let mut moved = Vec::new();
        let mut t = 0;
        let mut before = m.spec.price;
        while t < 3_600_000 {
            t += 100;
            let n = episodes.len();
            let tick = m.step(t, 0.1, &mut episodes);
            if episodes.len() > n {
                before = tick.fair;
            }
            if let (Some(c), true) = (m.cascade, tick.stress > 0.0)
                && t + 100 >= c.end_ms
            {
                moved.push((tick.fair / before).ln() * c.direction);
            }
        }
        assert!(episodes.len() >= 3, "{episodes:?}");
        // Each cascade moved the price its way by about its planned size.
        assert!(moved.iter().all(|m| *m > 0.002), "{moved:?}");
    }
}
