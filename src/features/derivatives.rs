//! Spot against derivatives for one symbol: the depth divergence of §3.11 (does the perpetuals'
//! book lean to one side more than spot's?) and the derivatives consensus of §3.13 (do the
//! perpetuals agree on funding and on where open interest is going?).
//!
//! In §3.13
//! Each venue is weighted by its open interest in USD. Funding rates are first put on one 8 h
//! footing (venues settle every 1, 4 or 8 h), then squashed by `tanh(f / f_ref)` so one venue's
//! extreme rate cannot outvote the others' direction. The long/short account-ratio consensus of
//! §3.13 reads the venues' polled positioning statistics: it is in [`super::positioning`].

use serde::{Deserialize, Serialize};

use super::composites::{agreement, weighted_mean, weighted_std};
use super::num::{ratio, sgn};

/// `f_ref` of §3.13: 0.01 % per 8 h.
const FUNDING_REF_8H: f64 = 1e-4;

/// One perpetual's fresh derivatives values, as the consensus reads them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct VenueDerivs {
    /// The venue's current funding rate per its own interval.
    pub funding_rate: Option<f64>,
    /// Hours between settlements; without it the rate cannot be put on an 8 h footing.
    pub funding_interval_h: Option<f64>,
    /// Open interest in USD (the weight); a venue without it does not count.
    pub open_interest_usd: Option<f64>,
    /// Relative change of open interest over the last hour (0.02 = +2 %).
    pub open_interest_change_1h: Option<f64>,
}

/// §3.13 for one symbol. Every figure needs at least two venues that have its inputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DerivativesConsensus {
    /// `agreement(tanh(f_e,8h / f_ref), OI_e)` ∈ [0, 1]: 1 when every venue's funding points the
    /// same way.
    pub funding_agreement: Option<f64>,
    /// The OI-weighted mean funding rate, converted to an 8 h interval.
    pub funding_mean_8h: Option<f64>,
    /// The OI-weighted mean 1 h change of open interest (0.007 = +0.7 %).
    pub oi_change_1h: Option<f64>,
    /// `oi_divergence`: the OI-weighted standard deviation of the venues' 1 h OI changes.
    pub oi_divergence: Option<f64>,
    /// `oi_price_divergence`: price and open interest moved opposite ways over the hour (price up
    /// with OI down is short covering; price down with OI up is new shorts).
    pub oi_price_divergence: Option<bool>,
    /// How many venues had a weight (fresh open interest in USD).
    pub venues: usize,
}

/// Notional depth within δ of the touch on each side, summed over one kind of market.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SideDepth {
    pub bid: f64,
    pub ask: f64,
}

/// §3.11 for one symbol, and whether the large takers of both markets lean the same way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpotPerp {
    /// `DI_perp(δ) − DI_spot(δ)` ∈ [−2, 2] on notional depth: positive when the perpetuals'
    /// book leans more to the bid than spot's.
    pub depth_divergence: Option<f64>,
    /// `$D_perp / ($D_perp + $D_spot)`, both sides within δ.
    pub perp_liquidity_share: Option<f64>,
    /// [`whale_agreement`] ∈ [0, 1]; `None` while a market's large-trade window warms, or when
    /// one market printed no large trade in it.
    #[serde(default)]
    pub whale_agreement: Option<f64>,
}

/// Large taker notional over the large-trade window (§3.3, 5 min), summed over the fresh books
/// of one kind of market, each trade large by its own book's §0.5 threshold.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LargeFlow {
    pub buy: f64,
    pub sell: f64,
}

impl LargeFlow {
    /// `(LB − LS)/(LB + LS)` ∈ [−1, 1], §4.1's `large_dir`; `None` without a large print (or on
    /// absurd input).
    pub fn lean(self) -> Option<f64> {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if !(ok(self.buy) && ok(self.sell)) {
            return None;
        }
        ratio(self.buy - self.sell, self.buy + self.sell)
    }
}

/// `whale_agreement` (`docs/metrics.md`; the API's `/v1/flow/spot-futures` field, which
/// `features.md` does not define): §3.13's `agreement(x, w)` over the two markets' large-flow
/// leans `x = (lean_spot, lean_perp)`, each market one equal vote. 1 when the large takers of
/// spot and perpetuals push the same way, 0 when they push opposite ways equally hard, between
/// when one leans harder than the other disagrees. A market whose large flow is exactly
/// balanced casts no vote (as a zero signal in §4.5); both balanced → `None`.
pub fn whale_agreement(spot: LargeFlow, perp: LargeFlow) -> Option<f64> {
    agreement(&[spot.lean()?, perp.lean()?], &[1.0, 1.0])
}

/// §3.11 from the summed spot and perpetual depth; `None` where a market has no depth at all.
pub fn spot_perp(perp: SideDepth, spot: SideDepth) -> SpotPerp {
    let imbalance = |d: SideDepth| ratio(d.bid - d.ask, d.bid + d.ask);
    let total = |d: SideDepth| d.bid + d.ask;
    let valid =
        |d: SideDepth| d.bid.is_finite() && d.ask.is_finite() && d.bid >= 0.0 && d.ask >= 0.0;
    if !valid(perp) || !valid(spot) {
        return SpotPerp::default();
    }
    SpotPerp {
        depth_divergence: imbalance(perp).zip(imbalance(spot)).map(|(p, s)| p - s),
        perp_liquidity_share: (total(perp) > 0.0 && total(spot) > 0.0)
            .then(|| ratio(total(perp), total(perp) + total(spot)))
            .flatten(),
        whale_agreement: None,
    }
}

/// The §3.13 figures from the symbol's fresh perpetuals and its mid's 1 h change.
pub fn consensus(venues: &[VenueDerivs], price_change_1h: Option<f64>) -> DerivativesConsensus {
    let weighted: Vec<(&VenueDerivs, f64)> = venues
        .iter()
        .filter_map(|v| {
            Some((
                v,
                v.open_interest_usd.filter(|w| w.is_finite() && *w > 0.0)?,
            ))
        })
        .collect();
    let pick = |f: &dyn Fn(&VenueDerivs) -> Option<f64>| -> Option<(Vec<f64>, Vec<f64>)> {
        let (x, w): (Vec<f64>, Vec<f64>) = weighted
            .iter()
            .filter_map(|(v, w)| Some((f(v).filter(|x| x.is_finite())?, *w)))
            .unzip();
        (x.len() >= 2).then_some((x, w))
    };
    let funding_8h = pick(&|v| {
        let h = v.funding_interval_h.filter(|h| *h > 0.0)?;
        Some(v.funding_rate? * 8.0 / h)
    });
    let oi = pick(&|v| v.open_interest_change_1h);
    let oi_change_1h = oi.as_ref().and_then(|(x, w)| weighted_mean(x, w));
    let oi_price_divergence = match (oi_change_1h, price_change_1h) {
        (Some(oi), Some(p)) if sgn(oi) != 0.0 && sgn(p) != 0.0 => Some(sgn(oi) != sgn(p)),
        _ => None,
    };
    DerivativesConsensus {
        funding_agreement: funding_8h.as_ref().and_then(|(f, w)| {
            let squashed: Vec<f64> = f.iter().map(|f| (f / FUNDING_REF_8H).tanh()).collect();
            agreement(&squashed, w)
        }),
        funding_mean_8h: funding_8h.as_ref().and_then(|(f, w)| weighted_mean(f, w)),
        oi_change_1h,
        oi_divergence: oi.as_ref().and_then(|(x, w)| weighted_std(x, w)),
        oi_price_divergence,
        venues: weighted.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn venue(f: f64, h: f64, oi_bn: f64, change: f64) -> VenueDerivs {
        VenueDerivs {
            funding_rate: Some(f),
            funding_interval_h: Some(h),
            open_interest_usd: Some(oi_bn * 1e9),
            open_interest_change_1h: Some(change),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// The **Test** line of §3.11.
    #[test]
    fn depth_divergence_spec_value() {
        let d = spot_perp(
            SideDepth { bid: 8e6, ask: 4e6 },
            SideDepth { bid: 3e6, ask: 3e6 },
        );
        assert!(close(d.depth_divergence.unwrap(), 0.3333333333), "{d:?}");
        assert!(
            close(d.perp_liquidity_share.unwrap(), 0.6666666667),
            "{d:?}"
        );
        // One market with nothing within δ: no divergence and no share, never a confident 0.
        let empty = spot_perp(SideDepth { bid: 8e6, ask: 4e6 }, SideDepth::default());
        assert_eq!(empty, SpotPerp::default());
        let absurd = spot_perp(
            SideDepth {
                bid: f64::NAN,
                ask: 1.0,
            },
            SideDepth { bid: 1.0, ask: 1.0 },
        );
        assert_eq!(absurd, SpotPerp::default());
    }

    /// The worked values of `whale_agreement` in `docs/metrics.md`.
    #[test]
    fn whale_agreement_worked_values() {
        let flow = |buy: f64, sell: f64| LargeFlow {
            buy: buy * 1e6,
            sell: sell * 1e6,
        };
        // Both lean to the buy side: agree fully, however hard each leans.
        assert!(close(
            whale_agreement(flow(3.0, 1.0), flow(6.0, 4.0)).unwrap(),
            1.0
        ));
        // Opposite and equally hard: 0.
        assert!(close(
            whale_agreement(flow(3.0, 1.0), flow(2.0, 6.0)).unwrap(),
            0.0
        ));
        // Spot +0.6, perpetuals −0.2: |0.4| / 0.8 = 0.5.
        let partial = whale_agreement(flow(8.0, 2.0), flow(2.0, 3.0)).unwrap();
        assert!(close(partial, 0.5), "{partial}");
        // One market balanced: the other decides; both balanced: nothing to agree on.
        assert!(close(
            whale_agreement(flow(1.0, 1.0), flow(0.0, 2.0)).unwrap(),
            1.0
        ));
        assert_eq!(whale_agreement(flow(1.0, 1.0), flow(2.0, 2.0)), None);
        // A market without a large print, or absurd input: missing, never 0 or 1.
        assert_eq!(whale_agreement(flow(0.0, 0.0), flow(2.0, 1.0)), None);
        assert_eq!(whale_agreement(flow(f64::NAN, 1.0), flow(2.0, 1.0)), None);
        assert_eq!(whale_agreement(flow(-1.0, 1.0), flow(2.0, 1.0)), None);
    }

    /// The **Test** line of §3.13 (funding and OI; the long/short part is not computed).
    #[test]
    fn spec_values() {
        let c = consensus(
            &[
                venue(1e-4, 8.0, 5.0, 0.02),
                venue(5e-5, 8.0, 3.0, 0.01),
                venue(-2e-5, 8.0, 2.0, -0.03),
            ],
            None,
        );
        assert!(close(c.funding_agreement.unwrap(), 0.858741996), "{c:?}");
        assert!(close(c.funding_mean_8h.unwrap(), 6.1e-5), "{c:?}");
        assert!(close(c.oi_change_1h.unwrap(), 0.007), "{c:?}");
        assert!(close(c.oi_divergence.unwrap(), 0.019), "{c:?}");
        assert_eq!((c.oi_price_divergence, c.venues), (None, 3));
    }

    /// A venue settling every 4 h pays twice per 8 h: never compared at face value (§3.10).
    #[test]
    fn funding_is_put_on_an_8h_footing_first() {
        let c = consensus(
            &[venue(5e-5, 4.0, 1.0, 0.0), venue(1e-4, 8.0, 1.0, 0.0)],
            None,
        );
        assert!(close(c.funding_mean_8h.unwrap(), 1e-4), "{c:?}");
        assert!(close(c.funding_agreement.unwrap(), 1.0), "{c:?}");
        // Without an interval the rate is left out, so one venue remains: no consensus.
        let mut unknown = venue(5e-5, 4.0, 1.0, 0.0);
        unknown.funding_interval_h = None;
        let c = consensus(&[unknown, venue(1e-4, 8.0, 1.0, 0.0)], None);
        assert_eq!((c.funding_agreement, c.funding_mean_8h), (None, None));
    }

    #[test]
    fn fewer_than_two_weighted_venues_give_nothing() {
        let mut no_oi = venue(1e-4, 8.0, 1.0, 0.01);
        no_oi.open_interest_usd = None;
        let c = consensus(&[no_oi, venue(1e-4, 8.0, 1.0, 0.01)], Some(0.01));
        assert_eq!(
            c,
            DerivativesConsensus {
                venues: 1,
                ..DerivativesConsensus::default()
            }
        );
    }

    #[test]
    fn price_and_open_interest_moving_apart_is_flagged() {
        let venues = [venue(1e-4, 8.0, 1.0, -0.02), venue(1e-4, 8.0, 1.0, -0.01)];
        // Price up, OI down: short covering.
        assert_eq!(
            consensus(&venues, Some(0.01)).oi_price_divergence,
            Some(true)
        );
        assert_eq!(
            consensus(&venues, Some(-0.01)).oi_price_divergence,
            Some(false)
        );
        assert_eq!(consensus(&venues, Some(0.0)).oi_price_divergence, None);
        assert_eq!(consensus(&venues, None).oi_price_divergence, None);
    }
}
