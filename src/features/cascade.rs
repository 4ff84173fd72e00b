//! `cascade_stress` ∈ [0, 1] (§3.8, `[proposed]`): four named drivers of a liquidation cascade,
//! each mapped to [0, 1], blended and gated by flow size. All four factors and the gate are
//! exposed so the number can be explained.

use super::liquidations::CascadeFlow;
use super::num::{clip01, debug_finite, ratio};

/// The §3.8 blend, `[engine.cascade_weights]` in the config.
#[derive(Clone, Copy, Debug, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CascadeWeights {
    pub accel: f64,
    pub clus: f64,
    pub imb: f64,
    pub thin: f64,
}

impl Default for CascadeWeights {
    fn default() -> Self {
        CascadeWeights {
            accel: 0.35,
            clus: 0.20,
            imb: 0.15,
            thin: 0.30,
        }
    }
}

/// Everything `cascade_stress` reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CascadeInputs {
    /// EWMA liquidation-notional rates, τ = 60 s and 900 s (any common unit).
    pub r_fast: f64,
    pub r_slow: f64,
    /// Burstiness `B` of inter-liquidation times over 5 min; `None` with fewer than 5 events.
    pub burstiness: Option<f64>,
    /// `LSI_5m`.
    pub long_short_imbalance: Option<f64>,
    /// `$D_hit(50 bps)`: notional within 50 bps on the side being hit (bids if longs are
    /// liquidated).
    pub depth_hit: Option<f64>,
    /// `median_1h($D_hit(50 bps))`.
    pub depth_hit_median: Option<f64>,
    /// Liquidation notional over 5 min.
    pub notional_5m: f64,
    /// The gate's scale `N0` (per asset, e.g. $250k for BTC).
    pub n0: f64,
}

impl CascadeInputs {
    /// Inputs from a [`CascadeFlow`] plus the book-side figures the caller measures on
    /// `flow.side_hit`.
    pub fn from_flow(
        flow: &CascadeFlow,
        depth_hit: Option<f64>,
        depth_hit_median: Option<f64>,
        n0: f64,
    ) -> Self {
        CascadeInputs {
            r_fast: flow.r_fast,
            r_slow: flow.r_slow,
            burstiness: flow.burstiness,
            long_short_imbalance: flow.long_short_imbalance,
            depth_hit,
            depth_hit_median,
            notional_5m: flow.notional,
            n0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CascadeStress {
    /// `clip01(log2(r_fast / r_slow) / 3)`: 8× the baseline rate saturates.
    pub accel: f64,
    /// `clip01(B)`: 0 is Poisson-like, toward 1 bursty.
    pub clus: f64,
    /// `|LSI_5m|`: one-sided flushes feed cascades.
    pub imb: f64,
    /// `clip01(1 − $D_hit / median_1h($D_hit))`.
    pub thin: f64,
    pub raw: f64,
    /// `min(1, liq_notional_5m / N0)`: no stress from tiny flows.
    pub gate: f64,
    /// `raw · gate`.
    pub stress: f64,
    /// The depth baseline (or current depth) was missing, so `thin` is 0 by default.
    pub degraded: bool,
}

/// `accel = clip01(log2(r_fast/r_slow)/3)`; `r_slow = 0` with `r_fast > 0` → 1, both 0 → 0.
pub fn accel(r_fast: f64, r_slow: f64) -> f64 {
    if r_fast <= 0.0 || !r_fast.is_finite() {
        return 0.0;
    }
    match ratio(r_fast, r_slow).filter(|r| *r > 0.0) {
        Some(r) => clip01(r.log2() / 3.0),
        None => 1.0,
    }
}

pub fn cascade_stress(inputs: &CascadeInputs, w: &CascadeWeights) -> CascadeStress {
    let accel = accel(inputs.r_fast, inputs.r_slow);
    let clus = inputs.burstiness.map_or(0.0, clip01);
    let imb = inputs.long_short_imbalance.map_or(0.0, |l| clip01(l.abs()));
    let thin_ratio = match (inputs.depth_hit, inputs.depth_hit_median) {
        (Some(d), Some(m)) => ratio(d, m),
        _ => None,
    };
    let thin = thin_ratio.map_or(0.0, |r| clip01(1.0 - r));
    // Every factor is clipped to [0, 1], so only non-finite weights could break this.
    let raw = debug_finite(w.accel * accel + w.clus * clus + w.imb * imb + w.thin * thin);
    let gate = ratio(inputs.notional_5m, inputs.n0).map_or(0.0, |g| g.clamp(0.0, 1.0));
    CascadeStress {
        accel,
        clus,
        imb,
        thin,
        raw,
        gate,
        stress: raw * gate,
        degraded: thin_ratio.is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::{assert_all_finite, assert_close};

    fn spec_inputs() -> CascadeInputs {
        CascadeInputs {
            r_fast: 0.2,
            r_slow: 0.025,
            burstiness: Some(0.1184034605),
            long_short_imbalance: Some(0.8),
            depth_hit: Some(4e6),
            depth_hit_median: Some(10e6),
            notional_5m: 1e6,
            n0: 250e3,
        }
    }

    #[test]
    fn spec_cascade_stress() {
        let s = cascade_stress(&spec_inputs(), &CascadeWeights::default());
        assert_eq!(s.accel, 1.0);
        assert_close(s.clus, 0.1184034605);
        assert_close(s.imb, 0.8);
        assert_close(s.thin, 0.6);
        assert_close(s.raw, 0.6736806921);
        assert_eq!(s.gate, 1.0);
        assert_close(s.stress, 0.6736806921);
        assert!(!s.degraded);
    }

    #[test]
    fn accel_edge_cases() {
        assert_eq!(accel(0.1, 0.0), 1.0);
        assert_eq!(accel(0.0, 0.0), 0.0);
        assert_eq!(accel(0.0, 0.1), 0.0);
        // Twice the baseline: log2(2)/3.
        assert_close(accel(0.2, 0.1), 1.0 / 3.0);
        // Slower than the baseline: 0, not negative.
        assert_eq!(accel(0.05, 0.1), 0.0);
    }

    #[test]
    fn missing_depth_baseline_degrades_thin_and_gate_scales_small_flows() {
        let s = cascade_stress(
            &CascadeInputs {
                depth_hit_median: None,
                notional_5m: 125e3,
                burstiness: None,
                ..spec_inputs()
            },
            &CascadeWeights::default(),
        );
        assert_eq!(s.thin, 0.0);
        assert!(s.degraded);
        assert_eq!(s.clus, 0.0);
        assert_close(s.gate, 0.5);
        assert_close(s.stress, (0.35 + 0.15 * 0.8) * 0.5);
        let zero = cascade_stress(
            &CascadeInputs {
                r_fast: 0.0,
                r_slow: 0.0,
                burstiness: None,
                long_short_imbalance: None,
                depth_hit: None,
                depth_hit_median: Some(0.0),
                notional_5m: 0.0,
                n0: 0.0,
            },
            &CascadeWeights::default(),
        );
        assert_eq!(zero.stress, 0.0);
        assert_all_finite(&zero);
    }
}
