//! Positioning of a symbol's perpetuals: the long/short consensus of §3.13 across venues, and the
//! split of taker flow between large prints and the rest (§0.5 threshold, §3.2–3.3).
//!
//! A venue's long/short ratio `LSR = longs / shorts` is first turned into its bounded, signed
//! lean `2ℓ − 1` with `ℓ = LSR/(1 + LSR)` (the long share), so that a venue reporting 4.0
//! cannot outvote three reporting 0.8 the way a raw ratio would. Venues define the ratio
//! differently (all accounts, top accounts, top positions): the caller groups by definition and
//! never mixes two in one consensus (§3.13).

use super::composites::agreement;
use super::num::{finite, ratio};

/// §3.13 over one ratio definition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LongShortConsensus {
    /// `long_short_consensus = Σ w_e (2ℓ_e − 1) / Σ w_e` ∈ (−1, 1).
    pub consensus: f64,
    /// `agreement(2ℓ − 1, w)` ∈ [0, 1]; `None` when every venue is exactly balanced.
    pub agreement: Option<f64>,
    /// The consensus lean mapped back to a ratio: `(1 + c)/(1 − c)`.
    pub ratio: f64,
}

/// The signed lean `2ℓ − 1 = (LSR − 1)/(LSR + 1)` of one ratio; `None` unless `LSR` is a
/// finite positive number (a negative or zero count of shorts is not a ratio).
pub fn lean(lsr: f64) -> Option<f64> {
    (lsr.is_finite() && lsr > 0.0)
        .then(|| ratio(lsr - 1.0, lsr + 1.0))
        .flatten()
}

/// §3.13 from each venue's ratio and weight (its open interest in USD). `None` with fewer than
/// two venues, or when a ratio or weight is not a finite positive number: one bad venue voids
/// the read rather than silently shifting it.
pub fn long_short_consensus(lsr: &[f64], w: &[f64]) -> Option<LongShortConsensus> {
    if lsr.len() < 2 || lsr.len() != w.len() || w.iter().any(|w| !(w.is_finite() && *w > 0.0)) {
        return None;
    }
    let x: Vec<f64> = lsr.iter().map(|r| lean(*r)).collect::<Option<_>>()?;
    let total: f64 = w.iter().sum();
    let consensus = ratio(x.iter().zip(w).map(|(x, w)| x * w).sum(), total)?;
    Some(LongShortConsensus {
        consensus,
        agreement: agreement(&x, w),
        ratio: finite((1.0 + consensus) / (1.0 - consensus))?,
    })
}

/// Taker buy shares of large prints and of the rest, over one window, in quote notional.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TakerSplit {
    /// `LB / (LB + LS)`; `None` without large prints.
    pub large_buy_share: Option<f64>,
    /// `(V_buy − LB) / ((V_buy − LB) + (V_sell − LS))`; `None` without smaller prints.
    pub small_buy_share: Option<f64>,
}

/// Splits a window's taker notional (`buy`, `sell`) into the large prints within it
/// (`large_buy`, `large_sell`, same window and unit) and the rest. The large figures are counted
/// on merged taker prints, which close a millisecond later than the window's raw trades: a
/// remainder below zero by less than that lag is zero; a larger one means the inputs do not
/// describe the same window, and nothing is returned.
pub fn taker_split(buy: f64, sell: f64, large_buy: f64, large_sell: f64) -> Option<TakerSplit> {
    let all = [buy, sell, large_buy, large_sell];
    if all.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
        return None;
    }
    // Tolerance: one part in a million of the window's volume.
    let slack = 1e-6 * (buy + sell);
    let rest = |total: f64, large: f64| {
        let r = total - large;
        (r >= -slack).then_some(r.max(0.0))
    };
    let (small_buy, small_sell) = (rest(buy, large_buy)?, rest(sell, large_sell)?);
    Some(TakerSplit {
        large_buy_share: ratio(large_buy, large_buy + large_sell),
        small_buy_share: ratio(small_buy, small_buy + small_sell),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn spec_long_short_consensus() {
        // §3.13 Test: LSR [1.5, 1.2, 0.8] with OI [5, 3, 2] $bn → signed
        // [0.2, 0.0909090909, −0.1111111111], consensus 0.1050505051, agreement 0.7027027027.
        let lsr = [1.5, 1.2, 0.8];
        for (r, x) in lsr.iter().zip([0.2, 0.0909090909, -0.1111111111]) {
            assert!((lean(*r).unwrap() - x).abs() < 1e-9);
        }
        let c = long_short_consensus(&lsr, &[5e9, 3e9, 2e9]).unwrap();
        assert!(close(c.consensus, 0.1050505051), "{c:?}");
        assert!(close(c.agreement.unwrap(), 0.7027027027), "{c:?}");
        // Mapped back: (1 + c)/(1 − c).
        assert!(close(c.ratio, 1.1050505051 / 0.8949494949), "{c:?}");
    }

    #[test]
    fn consensus_needs_two_venues_and_sane_inputs() {
        assert_eq!(long_short_consensus(&[1.5], &[1.0]), None);
        assert_eq!(long_short_consensus(&[1.5, -0.2], &[1.0, 1.0]), None);
        assert_eq!(long_short_consensus(&[1.5, f64::NAN], &[1.0, 1.0]), None);
        assert_eq!(long_short_consensus(&[1.5, 1.2], &[1.0, 0.0]), None);
        assert_eq!(long_short_consensus(&[1.5, 1.2], &[1.0]), None);
        // Every venue balanced: a consensus of 0 (ratio 1), no direction to agree on.
        let c = long_short_consensus(&[1.0, 1.0], &[1.0, 2.0]).unwrap();
        assert_eq!((c.consensus, c.agreement, c.ratio), (0.0, None, 1.0));
        // One huge ratio is bounded by its lean.
        let c = long_short_consensus(&[1e12, 0.5], &[1.0, 1.0]).unwrap();
        assert!(c.consensus < 1.0 && c.ratio.is_finite(), "{c:?}");
    }

    #[test]
    fn taker_split_separates_large_prints() {
        // §3.3's window: V_buy 5.5, V_sell 2.0 with LB 5.0, LS 1.5 (a 1-unit threshold).
        let s = taker_split(5.5, 2.0, 5.0, 1.5).unwrap();
        assert!(close(s.large_buy_share.unwrap(), 0.7692307692));
        assert!(close(s.small_buy_share.unwrap(), 0.5));
        // No large prints; only large prints.
        let s = taker_split(3.0, 1.0, 0.0, 0.0).unwrap();
        assert_eq!((s.large_buy_share, s.small_buy_share), (None, Some(0.75)));
        let s = taker_split(3.0, 1.0, 3.0, 1.0).unwrap();
        assert_eq!((s.large_buy_share, s.small_buy_share), (Some(0.75), None));
        // Large prints exceeding the window: not the same window.
        assert_eq!(taker_split(3.0, 1.0, 4.0, 0.0), None);
        assert_eq!(taker_split(f64::NAN, 1.0, 0.0, 0.0), None);
        assert_eq!(taker_split(3.0, -1.0, 0.0, 0.0), None);
    }
}
