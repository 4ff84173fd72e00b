//! Taker flow: market orders that arrive in clusters (a self-exciting Hawkes process) with
//! heavy-tailed sizes and the occasional very large print.

use super::rng::Stream;

/// A Hawkes process with exponential kernel: intensity `mu + Σ alpha·beta·e^{-beta(t - t_i)}`,
/// so each event raises the rate by `alpha·beta` and `alpha` is the branching ratio (the mean
/// number of orders one order triggers).
#[derive(Clone, Debug)]
pub struct Hawkes {
    alpha: f64,
    beta: f64,
    /// The excitation part of the intensity at `at`.
    excitation: f64,
    at: f64,
}

impl Hawkes {
    pub fn new(alpha: f64, beta: f64) -> Self {
        Hawkes {
            alpha,
            beta,
            excitation: 0.0,
            at: 0.0,
        }
    }

    fn excitation_at(&self, t: f64) -> f64 {
        self.excitation * (-self.beta * (t - self.at)).exp()
    }

    /// Event times in `(from, to]` seconds with baseline rate `mu`, by Ogata's thinning: the
    /// intensity only decays between events, so its value now bounds it until the next one.
    pub fn arrivals(&mut self, rng: &mut Stream, mu: f64, from: f64, to: f64, out: &mut Vec<f64>) {
        let mut t = from;
        loop {
            let bound = mu + self.excitation_at(t);
            if bound <= 0.0 {
                return;
            }
            t += rng.exponential(1.0 / bound);
            if t > to {
                return;
            }
            let excitation = self.excitation_at(t);
            if rng.unit() * bound <= mu + excitation {
                self.excitation = excitation + self.alpha * self.beta;
                self.at = t;
                out.push(t);
            }
        }
    }
}

/// The size of one taker order, in base units: mostly log-normal around `typical`, with a
/// Pareto tail and rare prints tens of times the usual, each spread over a decade
/// ([`Stream::decade_spread`]) so that sizes span decades and their first digits are Benford's,
/// as on a real tape (§10.6). Returns the size and whether it is one of the rare large prints.
pub fn taker_size(rng: &mut Stream, typical: f64) -> (f64, bool) {
    let u = rng.unit();
    let (size, large) = if u < 0.003 {
        (typical * rng.between(40.0, 150.0), true)
    } else if u < 0.06 {
        ((rng.pareto(typical * 2.0, 1.3)).min(typical * 200.0), false)
    } else {
        (rng.log_normal(typical, 1.0), false)
    };
    (rng.decade_spread(size), large)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hawkes_arrivals_cluster_and_keep_the_stationary_rate() {
        let mut rng = Stream::new(5, "hawkes");
        let mut h = Hawkes::new(0.6, 4.0);
        let mut times = Vec::new();
        let (mu, horizon) = (2.0, 4_000.0);
        let mut t = 0.0;
        while t < horizon {
            h.arrivals(&mut rng, mu, t, t + 0.1, &mut times);
            t += 0.1;
        }
        // Stationary rate mu / (1 - alpha) = 5 per second.
        let rate = times.len() as f64 / horizon;
        assert!((rate - 5.0).abs() < 0.5, "rate {rate}");
        // Clustering: counts per second are over-dispersed (a Poisson process has ratio 1).
        let mut counts = vec![0.0; horizon as usize];
        let last = counts.len() - 1;
        for t in &times {
            counts[(*t as usize).min(last)] += 1.0;
        }
        let mean = counts.iter().sum::<f64>() / counts.len() as f64;
        let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / counts.len() as f64;
        assert!(var / mean > 2.0, "dispersion {}", var / mean);
    }
}
