//! Price grouping for the ladder and the heatmap: by multiples of the tick, or by basis points of
//! mid rounded to a tick multiple (so bucket edges stay put while mid wanders).

/// Tick multiples `+`/`-` step through.
const TICK_STEPS: [f64; 10] = [1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0];
/// Basis-point widths `+`/`-` step through.
const BPS_STEPS: [f64; 8] = [0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Ticks,
    Bps,
}

/// The grouping the user picked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grouping {
    pub unit: Unit,
    index: usize,
}

impl Default for Grouping {
    fn default() -> Self {
        Grouping {
            unit: Unit::Ticks,
            index: 0,
        }
    }
}

impl Grouping {
    fn steps(self) -> &'static [f64] {
        match self.unit {
            Unit::Ticks => &TICK_STEPS,
            Unit::Bps => &BPS_STEPS,
        }
    }

    pub fn coarser(self) -> Grouping {
        Grouping {
            index: (self.index + 1).min(self.steps().len() - 1),
            ..self
        }
    }

    pub fn finer(self) -> Grouping {
        Grouping {
            index: self.index.saturating_sub(1),
            ..self
        }
    }

    /// Switch between ticks and bps, starting the other unit at its finest step.
    pub fn toggle_unit(self) -> Grouping {
        Grouping {
            unit: match self.unit {
                Unit::Ticks => Unit::Bps,
                Unit::Bps => Unit::Ticks,
            },
            index: 0,
        }
    }

    /// The bucket width in price units. Bps widths need a mid; without one the ladder falls back
    /// to single ticks rather than guessing.
    pub fn step(self, tick: f64, mid: Option<f64>) -> f64 {
        let n = self.steps()[self.index];
        match (self.unit, mid) {
            (Unit::Ticks, _) => tick * n,
            (Unit::Bps, Some(mid)) if mid > 0.0 => tick * nice_multiple(mid * n / 1e4 / tick),
            (Unit::Bps, _) => tick,
        }
    }

    /// `1 tick`, `10 ticks`, `5 bps`.
    pub fn label(self) -> String {
        let n = self.steps()[self.index];
        match self.unit {
            Unit::Ticks if n == 1.0 => "1 tick".into(),
            Unit::Ticks => format!("{n} ticks"),
            Unit::Bps => format!("{n} bps"),
        }
    }
}

/// The 1-2-5 multiple (at least 1) closest to `m` on a log scale.
fn nice_multiple(m: f64) -> f64 {
    if !(m.is_finite() && m > 1.0) {
        return 1.0;
    }
    let decade = 10f64.powf(m.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|k| k * decade)
        .min_by(|a, b| (a.ln() - m.ln()).abs().total_cmp(&(b.ln() - m.ln()).abs()))
        .unwrap_or(1.0)
}

/// A bid's bucket index: bids round down so a grouped bid never shows a better price than any
/// level in it.
pub fn bid_bucket(price: f64, step: f64) -> i64 {
    (price / step + 1e-9).floor() as i64
}

/// An ask's bucket index: asks round up.
pub fn ask_bucket(price: f64, step: f64) -> i64 {
    (price / step - 1e-9).ceil() as i64
}

/// Decimals needed to print multiples of `step` exactly (at most 8).
pub fn step_decimals(step: f64) -> u8 {
    (0..=8u8)
        .find(|d| {
            let scaled = step * 10f64.powi(i32::from(*d));
            (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
        })
        .unwrap_or(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_move_within_their_unit_and_stop_at_the_ends() {
        let g = Grouping::default();
        assert_eq!(g.finer(), g);
        assert_eq!(g.coarser().label(), "2 ticks");
        let mut coarse = g;
        for _ in 0..20 {
            coarse = coarse.coarser();
        }
        assert_eq!(coarse.label(), "1000 ticks");
        let bps = g.coarser().toggle_unit();
        assert_eq!(bps.label(), "0.5 bps");
        assert_eq!(bps.toggle_unit(), g);
    }

    #[test]
    fn bps_widths_are_nice_tick_multiples() {
        let g = Grouping::default()
            .toggle_unit()
            .coarser()
            .coarser()
            .coarser(); // 5 bps
        // 5 bps of 64000 is 32: the nearest 1-2-5 multiple of a 0.1 tick is 500 ticks = 50.0.
        assert_eq!(g.step(0.1, Some(64_000.0)), 50.0);
        assert_eq!(g.step(0.1, None), 0.1, "no mid: single ticks, not a guess");
        assert_eq!(nice_multiple(0.3), 1.0);
        assert_eq!(nice_multiple(17.0), 20.0);
    }

    #[test]
    fn bids_round_down_and_asks_round_up() {
        assert_eq!(bid_bucket(100.7, 0.5), 201);
        assert_eq!(ask_bucket(100.7, 0.5), 202);
        // Exact multiples stay where they are despite float error.
        assert_eq!(bid_bucket(0.3, 0.1), 3);
        assert_eq!(ask_bucket(0.3, 0.1), 3);
        assert_eq!(step_decimals(0.1), 1);
        assert_eq!(step_decimals(25.0), 0);
        assert_eq!(step_decimals(0.0005), 4);
    }
}
