//! `[engine.arbitrage]`: the cross-venue edge of `docs/metrics.md` §9, and the taker fees it is
//! net of.
//!
//! Fees depend on the account's tier, so the built-in figures are each venue's **regular**
//! (lowest-volume, no token discount) taker rate from its public fee schedule; a trader on a
//! better tier sets their own per venue. A fee listed in the config replaces only that venue's
//! figure: listing one venue does not leave the others without a fee (a pair whose fee is not
//! known is not compared at all, never taken as free).

use serde::Deserialize;
use std::collections::BTreeMap;

use crate::instrument::MarketKind;
use crate::market::VenueId;

/// `[engine.arbitrage]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArbitrageConfig {
    /// §9: an opportunity is reported when its executable size is worth at least this much at
    /// the buy prices (quote units).
    pub min_notional_usd: f64,
    /// Taker fees in bps replacing the built-in regular-tier ones, per venue id, for spot books…
    pub spot_taker_fee_bps: BTreeMap<String, f64>,
    /// …and for perpetual books.
    pub perpetual_taker_fee_bps: BTreeMap<String, f64>,
}

impl Default for ArbitrageConfig {
    fn default() -> Self {
        ArbitrageConfig {
            min_notional_usd: 1_000.0,
            spot_taker_fee_bps: BTreeMap::new(),
            perpetual_taker_fee_bps: BTreeMap::new(),
        }
    }
}

impl ArbitrageConfig {
    /// The taker fee of `venue`'s `kind` books as a fraction: the configured one, else the
    /// venue's regular tier; `None` for a market kind or venue without one.
    pub fn taker_fee(&self, venue: VenueId, kind: MarketKind) -> Option<f64> {
        let configured = match kind {
            MarketKind::Spot => &self.spot_taker_fee_bps,
            MarketKind::Perpetual => &self.perpetual_taker_fee_bps,
            MarketKind::Future | MarketKind::Option => return None,
        };
        configured
            .iter()
            .find(|(v, _)| v.eq_ignore_ascii_case(venue.as_str()))
            .map(|(_, bps)| *bps)
            .or_else(|| regular_taker_fee_bps(venue, kind))
            .map(|bps| bps / 1e4)
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(self.min_notional_usd.is_finite() && self.min_notional_usd >= 0.0) {
            return Err(format!(
                "engine.arbitrage.min_notional_usd must be a number ≥ 0, got {}",
                self.min_notional_usd
            ));
        }
        for (table, fees) in [
            ("spot_taker_fee_bps", &self.spot_taker_fee_bps),
            ("perpetual_taker_fee_bps", &self.perpetual_taker_fee_bps),
        ] {
            for (venue, bps) in fees {
                if !VenueId::ALL
                    .iter()
                    .any(|v| v.as_str().eq_ignore_ascii_case(venue))
                {
                    let known: Vec<&str> = VenueId::ALL.iter().map(|v| v.as_str()).collect();
                    return Err(format!(
                        "engine.arbitrage.{table}: unknown venue {venue:?} (venues: {})",
                        known.join(", ")
                    ));
                }
                // A rebate (negative taker fee) exists on no venue's regular tier; 1000 bps
                // (10 %) is a typo, not a fee.
                if !(bps.is_finite() && (0.0..1000.0).contains(bps)) {
                    return Err(format!(
                        "engine.arbitrage.{table}.{venue} must be between 0 and 1000 bps, got {bps}"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Each venue's regular-tier taker fee in bps, from its public fee schedule:
///
/// - Binance spot: VIP 0, 0.1000 % (<https://www.binance.com/en/fee/schedule>); USDⓈ-M futures:
///   VIP 0, 0.0500 % (<https://www.binance.com/en/fee/futureFee>).
/// - Bybit: non-VIP spot 0.1 %, perpetuals 0.055 %
///   (<https://www.bybit.com/en/help-center/article/Trading-Fee-Structure>).
/// - OKX: regular users (Lv1) spot 0.10 %, perpetual swaps 0.05 % (<https://www.okx.com/fees>).
/// - Kraken Pro spot: 0.40 % taker at the lowest 30-day volume (<https://www.kraken.com/features/fee-schedule>).
/// - Bitget: spot 0.1 %, USDT-M futures 0.06 % (<https://www.bitget.com/fee>).
/// - Coinbase Advanced: Intro 1 tier (under $1K of 30-day volume) 1.20 % taker
///   (<https://help.coinbase.com/en/coinbase/trading-and-funding/advanced-trade/advanced-trade-fees>).
/// - Hyperliquid perpetuals: base tier 0.045 %
///   (<https://hyperliquid.gitbook.io/hyperliquid-docs/trading/fees>).
/// - Gate: VIP 0 spot 0.1 %, USDT-margined futures 0.05 % (<https://www.gate.com/fee>).
/// - KuCoin: LV 0 spot (class A) 0.1 %, futures 0.06 % (<https://www.kucoin.com/vip/privilege>).
/// - Deribit: BTC and ETH perpetuals 0.05 % (<https://www.deribit.com/kb/fees>).
pub fn regular_taker_fee_bps(venue: VenueId, kind: MarketKind) -> Option<f64> {
    use MarketKind::{Perpetual, Spot};
    let bps = match (venue, kind) {
        (VenueId::Binance, Spot) => 10.0,
        (VenueId::BinanceUsdm, Perpetual) => 5.0,
        (VenueId::BybitSpot, Spot) => 10.0,
        (VenueId::BybitLinear, Perpetual) => 5.5,
        (VenueId::Okx, Spot) => 10.0,
        (VenueId::Okx, Perpetual) => 5.0,
        (VenueId::Kraken, Spot) => 40.0,
        (VenueId::Bitget, Spot) => 10.0,
        (VenueId::BitgetUsdt, Perpetual) => 6.0,
        (VenueId::Coinbase, Spot) => 120.0,
        (VenueId::Hyperliquid, Perpetual) => 4.5,
        (VenueId::Gate, Spot) => 10.0,
        (VenueId::GateUsdt, Perpetual) => 5.0,
        (VenueId::Kucoin, Spot) => 10.0,
        (VenueId::KucoinFutures, Perpetual) => 6.0,
        (VenueId::Deribit, Perpetual) => 5.0,
        _ => return None,
    };
    Some(bps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_implemented_venue_has_a_regular_fee_for_what_it_lists() {
        for &venue in crate::venue::registry::IMPLEMENTED {
            let spot = regular_taker_fee_bps(venue, MarketKind::Spot);
            let perp = regular_taker_fee_bps(venue, MarketKind::Perpetual);
            assert!(spot.is_some() || perp.is_some(), "{venue:?} has no fee");
        }
    }

    #[test]
    fn a_configured_fee_replaces_only_its_venue() {
        let mut cfg = ArbitrageConfig::default();
        cfg.spot_taker_fee_bps.insert("binance".into(), 7.5);
        assert_eq!(
            cfg.taker_fee(VenueId::Binance, MarketKind::Spot),
            Some(0.00075)
        );
        assert_eq!(cfg.taker_fee(VenueId::Okx, MarketKind::Spot), Some(0.001));
        assert_eq!(
            cfg.taker_fee(VenueId::Okx, MarketKind::Perpetual),
            Some(0.0005)
        );
        assert_eq!(cfg.taker_fee(VenueId::Okx, MarketKind::Future), None);
        assert_eq!(cfg.taker_fee(VenueId::Binance, MarketKind::Perpetual), None);
        assert!(cfg.validate().is_ok());
    }

    #[test]
    fn unknown_venues_and_absurd_fees_are_refused() {
        let mut cfg = ArbitrageConfig::default();
        cfg.perpetual_taker_fee_bps.insert("binanse".into(), 5.0);
        assert!(cfg.validate().unwrap_err().contains("unknown venue"));
        let mut cfg = ArbitrageConfig::default();
        cfg.spot_taker_fee_bps.insert("okx".into(), f64::NAN);
        assert!(cfg.validate().is_err());
        let cfg = ArbitrageConfig {
            min_notional_usd: -1.0,
            ..ArbitrageConfig::default()
        };
        assert!(cfg.validate().is_err());
    }
}
