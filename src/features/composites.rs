//! Composites (§4, all `[proposed]`) and the `agreement()` function of §3.13.
//!
//! Composites take only bounded, sign-oriented inputs. Weights are configuration. A composite is
//! `None` when a **required** input is `None`; optional inputs drop out and the remaining weights
//! are renormalised, and `inputs_used` records what went in, so a reader can tell a full reading
//! from a degraded one.

use smallvec::SmallVec;

use super::num::{clip01, finite, mid_rank, mid_rank_sorted, ratio, sgn};

/// `agreement(x, w) = |Σ w_e x_e| / Σ w_e |x_e|` ∈ [0, 1]: 1 when every venue (or model) points
/// the same way (§3.13; reused by §4.5 and §8). `None` when every `x` is 0, the slices differ in
/// length, or a weight is negative or non-finite.
pub fn agreement(x: &[f64], w: &[f64]) -> Option<f64> {
    let pairs = checked_pairs(x, w)?;
    let num = pairs.iter().map(|(x, w)| w * x).sum::<f64>().abs();
    let den = pairs.iter().map(|(x, w)| w * x.abs()).sum::<f64>();
    ratio(num, den)
}

/// `Σ w x / Σ w`.
pub fn weighted_mean(x: &[f64], w: &[f64]) -> Option<f64> {
    let pairs = checked_pairs(x, w)?;
    let num = pairs.iter().map(|(x, w)| w * x).sum::<f64>();
    let den = pairs.iter().map(|(_, w)| w).sum::<f64>();
    ratio(num, den)
}

/// The weighted (population) standard deviation `sqrt(Σ w (x − x̄)² / Σ w)`: `oi_divergence` of
/// §3.13 and the model dispersion of §8.
pub fn weighted_std(x: &[f64], w: &[f64]) -> Option<f64> {
    let mean = weighted_mean(x, w)?;
    let pairs = checked_pairs(x, w)?;
    let num = pairs
        .iter()
        .map(|(x, w)| w * (x - mean) * (x - mean))
        .sum::<f64>();
    let var = ratio(num, pairs.iter().map(|(_, w)| w).sum())?;
    Some(var.max(0.0).sqrt())
}

/// The weight share of entries whose sign matches the weighted mean's; `None` when the mean is 0.
pub fn sign_agreement(x: &[f64], w: &[f64]) -> Option<f64> {
    let direction = sgn(weighted_mean(x, w)?);
    if direction == 0.0 {
        return None;
    }
    let pairs = checked_pairs(x, w)?;
    let agree = pairs
        .iter()
        .filter(|(x, _)| sgn(*x) == direction)
        .map(|(_, w)| w)
        .sum::<f64>();
    ratio(agree, pairs.iter().map(|(_, w)| w).sum())
}

fn checked_pairs(x: &[f64], w: &[f64]) -> Option<SmallVec<[(f64, f64); 16]>> {
    let valid = x.len() == w.len()
        && x.iter().all(|v| v.is_finite())
        && w.iter().all(|v| v.is_finite() && *v >= 0.0);
    valid.then(|| x.iter().copied().zip(w.iter().copied()).collect())
}

/// One input of a weighted composite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Input {
    pub name: &'static str,
    pub value: Option<f64>,
    pub weight: f64,
    pub required: bool,
}

/// A composite's value and the inputs that produced it.
#[derive(Clone, Debug, PartialEq)]
pub struct Composite {
    pub value: Option<f64>,
    pub inputs_used: SmallVec<[&'static str; 4]>,
}

/// `Σ w_i x_i / Σ w_i` over the inputs present; `None` if a required input is missing or no
/// weight remains.
pub fn weighted_composite(inputs: &[Input]) -> Composite {
    let present = || {
        inputs
            .iter()
            .filter_map(|i| Some((i, i.value.and_then(finite)?)))
            .filter(|(i, _)| i.weight > 0.0)
    };
    let inputs_used = present().map(|(i, _)| i.name).collect();
    let missing_required = inputs
        .iter()
        .any(|i| i.required && i.value.and_then(finite).is_none());
    let value = if missing_required {
        None
    } else {
        let num: f64 = present().map(|(i, v)| i.weight * v).sum();
        let den: f64 = present().map(|(i, _)| i.weight).sum();
        ratio(num, den)
    };
    Composite { value, inputs_used }
}

/// Weights of `directional_pressure` (§4.1), `[engine.directional_pressure]` in the config.
#[derive(Clone, Copy, Debug, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectionalPressureWeights {
    pub ofi_norm: f64,
    pub depth_imbalance: f64,
    pub large_direction: f64,
}

impl Default for DirectionalPressureWeights {
    fn default() -> Self {
        DirectionalPressureWeights {
            ofi_norm: 0.4,
            depth_imbalance: 0.3,
            large_direction: 0.3,
        }
    }
}

/// `directional_pressure` ∈ [−1, 1] (§4.1): `0.4·ofi_norm_60s + 0.3·DI(25 bps) + 0.3·large_dir_5m`.
///
/// The band imbalance needs a valid book and is required; OFI (no touch flow) and the large-trade
/// direction (trade window warming up) are optional. Pass `large_dir = Some(0.0)` when the window
/// is warm but held no large prints
/// ([`LargeTrades::direction_or_neutral`](super::flow::LargeTrades::direction_or_neutral)).
pub fn directional_pressure(
    ofi_norm_60s: Option<f64>,
    depth_imbalance_25bps: Option<f64>,
    large_direction_5m: Option<f64>,
    weights: &DirectionalPressureWeights,
) -> Composite {
    weighted_composite(&[
        Input {
            name: "ofi_norm_60s",
            value: ofi_norm_60s,
            weight: weights.ofi_norm,
            required: false,
        },
        Input {
            name: "depth_imbalance_25bps",
            value: depth_imbalance_25bps,
            weight: weights.depth_imbalance,
            required: true,
        },
        Input {
            name: "large_direction_5m",
            value: large_direction_5m,
            weight: weights.large_direction,
            required: false,
        },
    ])
}

/// The slippage input of `liquidity_risk`: the spec maps insufficient depth to the worst
/// percentile, but a truncated book's slippage is unknown and drops out instead.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SlippageInput {
    Bps(f64),
    /// The displayed book cannot fill `Q_ref`: `u3 = 1`.
    InsufficientDepth,
    /// Not known (truncated book, no valid book).
    Unknown,
}

/// Trailing 24 h of 1-min samples for the same venue-symbol (§4.2).
#[derive(Clone, Copy, Debug)]
pub struct LiquidityBaselines<'a> {
    pub spread_bps: &'a [f64],
    pub depth_10bps: &'a [f64],
    pub slippage_bps: &'a [f64],
    pub spread_volatility: &'a [f64],
}

/// `liquidity_risk` ∈ [0, 1] (§4.2) with its four mid-rank components `u1..u4`.
#[derive(Clone, Debug, PartialEq)]
pub struct LiquidityRisk {
    pub value: Option<f64>,
    pub components: [Option<f64>; 4],
    pub inputs_used: SmallVec<[&'static str; 4]>,
}

/// The mean of `F(spread)`, `1 − F(depth)`, `F(slippage)` and `F(spread_vol)` against their
/// baselines. Relative by design: an illiquid coin at its usual illiquidity scores ≈ 0.5, so emit
/// the absolute levels alongside. Spread and depth are required; a baseline with fewer than
/// `min_samples` (60) samples makes its component `None`.
pub fn liquidity_risk(
    spread_bps: Option<f64>,
    depth_10bps: Option<f64>,
    slippage: SlippageInput,
    spread_volatility: Option<f64>,
    baselines: &LiquidityBaselines,
    min_samples: usize,
) -> LiquidityRisk {
    let current = [spread_bps, depth_10bps, spread_volatility];
    liquidity_risk_ranked(current, slippage, baselines, min_samples, mid_rank)
}

/// [`liquidity_risk`] against baselines each **sorted ascending**: every percentile is a binary
/// search, for callers that rank against the same 24 h of samples every tick.
pub fn liquidity_risk_sorted(
    spread_bps: Option<f64>,
    depth_10bps: Option<f64>,
    slippage: SlippageInput,
    spread_volatility: Option<f64>,
    baselines: &LiquidityBaselines,
    min_samples: usize,
) -> LiquidityRisk {
    let current = [spread_bps, depth_10bps, spread_volatility];
    liquidity_risk_ranked(current, slippage, baselines, min_samples, mid_rank_sorted)
}

/// `current`: spread, depth and spread volatility now; `mid_rank` ranks against one baseline.
fn liquidity_risk_ranked(
    [spread_bps, depth_10bps, spread_volatility]: [Option<f64>; 3],
    slippage: SlippageInput,
    baselines: &LiquidityBaselines,
    min_samples: usize,
    mid_rank: fn(&[f64], f64) -> Option<f64>,
) -> LiquidityRisk {
    let rank = |base: &[f64], x: Option<f64>| {
        (base.len() >= min_samples.max(1))
            .then(|| mid_rank(base, x?))
            .flatten()
    };
    let u3 = match slippage {
        SlippageInput::Bps(x) => rank(baselines.slippage_bps, Some(x)),
        SlippageInput::InsufficientDepth => Some(1.0),
        SlippageInput::Unknown => None,
    };
    let components = [
        rank(baselines.spread_bps, spread_bps),
        rank(baselines.depth_10bps, depth_10bps).map(|f| 1.0 - f),
        u3,
        rank(baselines.spread_volatility, spread_volatility),
    ];
    let names = ["spread", "depth_10bps", "slippage", "spread_volatility"];
    let inputs: [Input; 4] = std::array::from_fn(|i| Input {
        name: names[i],
        value: components[i],
        weight: 1.0,
        required: i < 2,
    });
    let c = weighted_composite(&inputs);
    LiquidityRisk {
        value: c.value,
        components,
        inputs_used: c.inputs_used,
    }
}

/// `whale_conviction` (§4.3; optional rename `large_flow_persistence`, §12): large flow that is
/// one-sided, persistent across minutes, and big enough. Says nothing about who traded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WhaleConviction {
    /// `|NL| · P · S` ∈ [0, 1]; 0 with no active bucket.
    pub conviction: f64,
    /// `sgn(NL)`; `None` without large flow or when it nets to zero.
    pub direction: Option<f64>,
    /// `NL = (ΣLB − ΣLS)/(ΣLB + ΣLS)`.
    pub net: Option<f64>,
    /// `P`: share of active buckets leaning the way of `NL`.
    pub persistence: Option<f64>,
    /// `S = min(1, (ΣLB + ΣLS)/(10 × threshold))`.
    pub size_factor: f64,
}

/// From one-minute buckets of large taker `(LB_k, LS_k)` (same unit as `threshold`).
pub fn whale_conviction(buckets: &[(f64, f64)], threshold: f64) -> WhaleConviction {
    let (lb, ls) = buckets
        .iter()
        .fold((0.0, 0.0), |(b, s), (lb, ls)| (b + lb, s + ls));
    let net = ratio(lb - ls, lb + ls);
    let direction = net.map(sgn).filter(|d| *d != 0.0);
    let active = buckets.iter().filter(|(b, s)| b + s > 0.0);
    let n_active = active.clone().count();
    let persistence = direction.and_then(|d| {
        let leaning = active.filter(|(b, s)| sgn(b - s) == d).count();
        ratio(leaning as f64, n_active as f64)
    });
    let size_factor = ratio(lb + ls, 10.0 * threshold).map_or(0.0, |s| s.min(1.0));
    let conviction = match (net, persistence) {
        (Some(nl), Some(p)) => clip01(nl.abs() * p * size_factor),
        _ => 0.0,
    };
    WhaleConviction {
        conviction,
        direction,
        net,
        persistence,
        size_factor,
    }
}

/// `flow_momentum` ∈ [−1, 1] (§4.4): `tanh((cvd_1m − cvd_5m/5) / σ_1m)`, whether the last
/// minute's net taker flow runs ahead of the 5-minute pace. `σ_1m` is the std of 1-min CVD over
/// the trailing hour (`None` below 30 samples or when 0).
pub fn flow_momentum(cvd_1m: f64, cvd_5m: f64, sigma_1m: Option<f64>) -> Option<f64> {
    let sigma = sigma_1m.filter(|s| *s > 0.0)?;
    finite(((cvd_1m - cvd_5m / 5.0) / sigma).tanh())
}

/// One venue's signal for `cross_exchange_agreement`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VenueSignal {
    /// Signed signal in [−1, 1] (default `directional_pressure`); `None` if the venue has none.
    pub x: Option<f64>,
    /// The venue's 24 h volume share (or OI share for §3.13).
    pub weight: f64,
    /// Fresh, valid and aligned (§0.2); stale or crossed venues are excluded, not zero-filled.
    pub fresh: bool,
}

/// `cross_exchange_agreement` (§4.5).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CrossVenueAgreement {
    pub agreement: f64,
    pub weighted_mean: f64,
    pub sign_agreement: Option<f64>,
    pub venues: usize,
}

/// `None` with fewer than two usable venues, or when every signal is 0.
pub fn cross_exchange_agreement(venues: &[VenueSignal]) -> Option<CrossVenueAgreement> {
    let usable: SmallVec<[(f64, f64); 16]> = venues
        .iter()
        .filter(|v| v.fresh && v.weight.is_finite() && v.weight > 0.0)
        .filter_map(|v| Some((v.x.and_then(finite)?, v.weight)))
        .collect();
    if usable.len() < 2 {
        return None;
    }
    let (x, w): (SmallVec<[f64; 16]>, SmallVec<[f64; 16]>) = usable.into_iter().unzip();
    Some(CrossVenueAgreement {
        agreement: agreement(&x, &w)?,
        weighted_mean: weighted_mean(&x, &w)?,
        sign_agreement: sign_agreement(&x, &w),
        venues: x.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::{assert_all_finite, assert_close, assert_some_close};

    #[test]
    fn agreement_spec_values() {
        // §3.13 funding: tanh(f / 1e-4) for f = [1e-4, 5e-5, −2e-5] (8 h), OI weights [5, 3, 2].
        let x = [1e-4f64, 5e-5, -2e-5].map(|f| (f / 1e-4).tanh());
        assert_close(x[0], 0.7615941560);
        assert_some_close(agreement(&x, &[5.0, 3.0, 2.0]), 0.858741996);
        assert_some_close(
            weighted_mean(&[1e-4, 5e-5, -2e-5], &[5.0, 3.0, 2.0]),
            6.1e-5,
        );
        // §3.13 long/short: ℓ = LSR/(1 + LSR), signal 2ℓ − 1.
        let ls = [1.5f64, 1.2, 0.8].map(|r| 2.0 * r / (1.0 + r) - 1.0);
        assert_some_close(weighted_mean(&ls, &[5.0, 3.0, 2.0]), 0.1050505051);
        assert_some_close(agreement(&ls, &[5.0, 3.0, 2.0]), 0.7027027027);
        // §3.13 OI: 1 h changes [+2 %, +1 %, −3 %] → mean 0.7 %, divergence 1.9 %.
        let d_oi = [0.02, 0.01, -0.03];
        assert_some_close(weighted_mean(&d_oi, &[5.0, 3.0, 2.0]), 0.007);
        assert_some_close(weighted_std(&d_oi, &[5.0, 3.0, 2.0]), 0.019);
        // §8 models.
        assert_some_close(
            weighted_mean(&[0.8, 0.2, -0.4], &[0.9, 0.5, 0.3]),
            0.4117647059,
        );
        assert_some_close(agreement(&[0.8, 0.2, -0.4], &[0.9, 0.5, 0.3]), 0.7446808511);
    }

    #[test]
    fn agreement_refuses_degenerate_input() {
        assert_eq!(agreement(&[0.0, 0.0], &[1.0, 1.0]), None);
        assert_eq!(agreement(&[1.0], &[1.0, 2.0]), None);
        assert_eq!(agreement(&[1.0, 2.0], &[1.0, -2.0]), None);
        assert_eq!(agreement(&[f64::NAN, 2.0], &[1.0, 1.0]), None);
        assert_eq!(weighted_mean(&[1.0], &[0.0]), None);
    }

    #[test]
    fn directional_pressure_spec_value() {
        let dp = directional_pressure(
            Some(0.1666666667),
            Some(0.1428571429),
            Some(0.5384615385),
            &DirectionalPressureWeights::default(),
        );
        assert_some_close(dp.value, 0.2710622711);
        assert_eq!(dp.inputs_used.len(), 3);
    }

    #[test]
    fn optional_inputs_drop_out_and_weights_renormalise() {
        let w = DirectionalPressureWeights::default();
        let dp = directional_pressure(None, Some(0.1428571429), Some(0.5384615385), &w);
        assert_some_close(dp.value, (0.3 * 0.1428571429 + 0.3 * 0.5384615385) / 0.6);
        assert_eq!(
            dp.inputs_used.as_slice(),
            ["depth_imbalance_25bps", "large_direction_5m"]
        );
        // The required band imbalance missing: no value, but the record still says what was there.
        let dp = directional_pressure(Some(0.2), None, Some(0.1), &w);
        assert_eq!(dp.value, None);
        assert_eq!(dp.inputs_used.len(), 2);
    }

    fn liq_baselines() -> [Vec<f64>; 4] {
        [
            vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0],
            vec![5.0, 6.0, 7.0, 8.0, 8.0, 9.0, 10.0, 11.0, 12.0, 14.0],
            vec![2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 4.0, 5.0, 6.0, 8.0],
            vec![0.2, 0.3, 0.3, 0.4, 0.5, 0.5, 0.6, 0.8, 1.0, 1.5],
        ]
    }

    #[test]
    fn liquidity_risk_spec_value() {
        let [s, d, sl, sv] = liq_baselines();
        let b = LiquidityBaselines {
            spread_bps: &s,
            depth_10bps: &d,
            slippage_bps: &sl,
            spread_volatility: &sv,
        };
        // The spec's example baselines hold 10 samples; production requires 60.
        let r = liquidity_risk(
            Some(4.0),
            Some(6.0),
            SlippageInput::Bps(6.0),
            Some(0.8),
            &b,
            10,
        );
        let c = r.components.map(|c| c.unwrap());
        for (got, want) in c.iter().zip([0.85, 0.85, 0.85, 0.75]) {
            assert_close(*got, want);
        }
        assert_some_close(r.value, 0.825);
        // The spec's baselines are sorted, so the binary-search ranking must agree exactly.
        let sorted = liquidity_risk_sorted(
            Some(4.0),
            Some(6.0),
            SlippageInput::Bps(6.0),
            Some(0.8),
            &b,
            10,
        );
        assert_eq!(sorted, r);
        // Insufficient depth is the worst percentile; an unknown slippage drops out.
        let r = liquidity_risk(
            Some(4.0),
            Some(6.0),
            SlippageInput::InsufficientDepth,
            Some(0.8),
            &b,
            10,
        );
        assert_eq!(r.components[2], Some(1.0));
        let r = liquidity_risk(
            Some(4.0),
            Some(6.0),
            SlippageInput::Unknown,
            Some(0.8),
            &b,
            10,
        );
        assert_some_close(r.value, (0.85 + 0.85 + 0.75) / 3.0);
        assert_eq!(r.inputs_used.len(), 3);
        // Too short a baseline: None.
        let r = liquidity_risk(
            Some(4.0),
            Some(6.0),
            SlippageInput::Bps(6.0),
            Some(0.8),
            &b,
            60,
        );
        assert_eq!(r.value, None);
        assert_all_finite(&r);
    }

    #[test]
    fn whale_conviction_spec_value() {
        let buckets = [
            (300.0, 0.0),
            (0.0, 0.0),
            (200.0, 50.0),
            (0.0, 0.0),
            (400.0, 0.0),
            (0.0, 100.0),
            (250.0, 0.0),
            (0.0, 0.0),
            (0.0, 0.0),
            (150.0, 0.0),
            (0.0, 0.0),
            (0.0, 0.0),
            (300.0, 0.0),
            (0.0, 0.0),
            (100.0, 0.0),
        ];
        let w = whale_conviction(&buckets, 250.0);
        assert_some_close(w.net, 0.8378378378);
        assert_some_close(w.persistence, 0.875);
        assert_close(w.size_factor, 0.74);
        assert_close(w.conviction, 0.5425);
        assert_eq!(w.direction, Some(1.0));
        let none = whale_conviction(&[(0.0, 0.0); 15], 250.0);
        assert_eq!(none.conviction, 0.0);
        assert_eq!(none.direction, None);
        assert_all_finite(&whale_conviction(&[], 0.0));
    }

    #[test]
    fn flow_momentum_spec_value() {
        assert_some_close(flow_momentum(3.5, 5.0, Some(2.0)), 0.84828364);
        assert_eq!(flow_momentum(3.5, 5.0, Some(0.0)), None);
        assert_eq!(flow_momentum(3.5, 5.0, None), None);
    }

    #[test]
    fn cross_exchange_agreement_spec_value() {
        let v = |x: f64, weight: f64| VenueSignal {
            x: Some(x),
            weight,
            fresh: true,
        };
        let a = cross_exchange_agreement(&[v(0.6, 0.5), v(0.4, 0.3), v(-0.2, 0.2)]).unwrap();
        assert_close(a.agreement, 0.8260869565);
        assert_close(a.weighted_mean, 0.38);
        assert_some_close(a.sign_agreement, 0.8);
        assert_eq!(a.venues, 3);
        // Stale venues are excluded, not zero-filled; one venue left is not a consensus.
        let stale = VenueSignal {
            fresh: false,
            ..v(-0.9, 0.5)
        };
        assert_eq!(cross_exchange_agreement(&[stale, v(0.4, 0.3)]), None);
        assert_eq!(cross_exchange_agreement(&[v(0.0, 0.5), v(0.0, 0.5)]), None);
    }
}
