//! Well-known market-data names mapped to this crate's honest names (§11, §12).
//!
//! Output formats may need the names traders know (`smart_money_score`, `manip_risk`, …), but the
//! engine computes and labels by the spec's names, which do not promise what public data cannot
//! show (no account ids, no intent). This table is the single place the two vocabularies meet.

/// One market-data name and the spec field it maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alias {
    /// The name used by commercial feeds and dashboards.
    pub market_name: &'static str,
    /// The field this crate computes.
    pub spec_name: &'static str,
    /// Where it is defined in `docs/metrics.md`.
    pub section: &'static str,
    /// What changed, when the mapping is not a plain synonym.
    pub note: &'static str,
}

const fn alias(
    market_name: &'static str,
    spec_name: &'static str,
    section: &'static str,
    note: &'static str,
) -> Alias {
    Alias {
        market_name,
        spec_name,
        section,
        note,
    }
}

/// The alias table. Market names are unique; several may map to one spec name.
pub const ALIASES: &[Alias] = &[
    alias(
        "bid_ask_spread",
        "spread_bps",
        "§1.1",
        "relative spread; spread_rel and spread_ticks also emitted",
    ),
    alias(
        "depth_imbalance",
        "depth_imbalance",
        "§1.2",
        "top-N; use depth_imbalance_band across venues",
    ),
    alias(
        "queue_imbalance",
        "depth_imbalance_1",
        "§1.2",
        "DI at N = 1",
    ),
    alias(
        "order_flow_imbalance",
        "ofi",
        "§1.3",
        "also ofi_usd, ofi_depth, ofi_norm",
    ),
    alias("ofi", "ofi", "§1.3", ""),
    alias(
        "book_pressure",
        "book_pressure",
        "§1.4",
        "a transform of depth_imbalance; prefer ln_book_pressure",
    ),
    alias(
        "bid_ask_ratio",
        "book_pressure",
        "§1.4",
        "Aperiodic's L1 field is l1 bid_ask_ratio (§2.4)",
    ),
    alias(
        "weighted_mid_offset",
        "weighted_mid_offset",
        "§1.5",
        "not the micro-price",
    ),
    alias(
        "micro_price",
        "weighted_mid_offset",
        "§1.5",
        "the fitted Stoikov micro-price is not computed",
    ),
    alias(
        "bid_depth_ratio",
        "bid_depth_ratio",
        "§1.6",
        "a transform of depth_imbalance",
    ),
    alias(
        "bid_percentage",
        "bid_depth_ratio",
        "§1.6",
        "Aperiodic name",
    ),
    alias("top_level_size_ratio", "top_level_size_ratio", "§1.7", ""),
    alias(
        "spread_volatility",
        "spread_volatility",
        "§1.8",
        "1 s grid, sample std",
    ),
    alias(
        "smart_money_score",
        "large_order_pressure",
        "§1.9",
        "trade size does not identify informed traders",
    ),
    alias(
        "price_impact_coefficient",
        "price_impact_coefficient",
        "§1.10",
        "book-implied λ, bps per 1M quote",
    ),
    alias(
        "kyle_lambda",
        "price_impact_coefficient",
        "§1.10",
        "book-implied, not the realised regression",
    ),
    alias(
        "level_ofi",
        "level_ofi",
        "§1.11",
        "index-based; shifts when levels appear or empty",
    ),
    alias("multi_level_ofi", "level_ofi", "§1.11", ""),
    alias(
        "manip_risk",
        "phantom_liquidity_score",
        "§10.1",
        "a footprint, not evidence of intent",
    ),
    alias(
        "spoofing_stress",
        "phantom_liquidity_score",
        "§10.1",
        "a footprint, not evidence of intent",
    ),
    alias(
        "spoofing_score",
        "phantom_liquidity_score",
        "§10.1",
        "a footprint, not evidence of intent",
    ),
    alias("large_order_activity", "large_order_activity", "§1.13", ""),
    alias(
        "market_depth",
        "kaiko_depth",
        "§2.1",
        "bid_volume_x/ask_volume_x from best by default",
    ),
    alias(
        "liquidity_bands",
        "hydromancer_depth",
        "§2.2",
        "2/5/10/25 bps and 25-500 bps from mid",
    ),
    alias(
        "price_slippage",
        "slippage_bps",
        "§2.3",
        "fraction and bps, never an unlabelled percentage",
    ),
    alias("l1_imbalance", "l1_imbalance_ratio", "§2.4", ""),
    alias("cvd", "cvd_1m", "§3.1", "also cvd_5m and anchored cvd"),
    alias("cumulative_volume_delta", "cvd_1m", "§3.1", ""),
    alias(
        "taker_ratio",
        "taker_buy_sell_ratio",
        "§3.2",
        "prefer taker_buy_share",
    ),
    alias(
        "buy_sell_ratio",
        "taker_buy_sell_ratio",
        "§3.2",
        "Binance buySellRatio",
    ),
    alias("large_trade_count", "large_trade_count_5m", "§3.3", ""),
    alias(
        "institutional_score",
        "large_trade_share",
        "§3.3",
        "no account ids; bots split orders",
    ),
    alias(
        "liquidation_rate",
        "liquidation_rate",
        "§3.5",
        "counts are lower bounds on throttled venues",
    ),
    alias(
        "long_short_liq_imbalance",
        "long_short_liq_imbalance",
        "§3.6",
        "",
    ),
    alias("cascade_risk", "cascade_stress", "§3.8", ""),
    alias("cascade_stress", "cascade_stress", "§3.8", ""),
    alias("directional_pressure", "directional_pressure", "§4.1", ""),
    alias(
        "liquidity_risk",
        "liquidity_risk",
        "§4.2",
        "relative to the venue-symbol's own 24 h",
    ),
    alias(
        "whale_conviction",
        "whale_conviction",
        "§4.3",
        "persistent large one-sided flow, not one entity",
    ),
    alias(
        "large_flow_persistence",
        "whale_conviction",
        "§4.3",
        "the suggested rename",
    ),
    alias("flow_momentum", "flow_momentum", "§4.4", ""),
    alias(
        "cross_exchange_agreement",
        "cross_exchange_agreement",
        "§4.5",
        "",
    ),
    alias("price_dislocation", "dislocation_score", "§10.8", ""),
];

/// The spec field for a market-data name.
pub fn spec_name(market_name: &str) -> Option<&'static str> {
    ALIASES
        .iter()
        .find(|a| a.market_name == market_name)
        .map(|a| a.spec_name)
}

/// The market-data name an output writes for spec field `spec_name`: the first alias the table
/// lists for it, unless that one is the spec name itself (then the honest name is the market
/// name too, and `None`).
pub fn market_name(spec_name: &str) -> Option<&'static str> {
    ALIASES
        .iter()
        .find(|a| a.spec_name == spec_name)
        .map(|a| a.market_name)
        .filter(|m| *m != spec_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn misleading_names_map_to_honest_ones() {
        assert_eq!(spec_name("smart_money_score"), Some("large_order_pressure"));
        assert_eq!(spec_name("institutional_score"), Some("large_trade_share"));
        assert_eq!(spec_name("manip_risk"), Some("phantom_liquidity_score"));
        assert_eq!(spec_name("order_flow_imbalance"), Some("ofi"));
        assert_eq!(spec_name("bid_ask_spread"), Some("spread_bps"));
        assert_eq!(spec_name("depth_imbalance"), Some("depth_imbalance"));
        assert_eq!(spec_name("no_such_metric"), None);
        assert_eq!(market_name("phantom_liquidity_score"), Some("manip_risk"));
        assert_eq!(market_name("dislocation_score"), Some("price_dislocation"));
        // Listed first as itself.
        assert_eq!(market_name("whale_conviction"), None);
        assert_eq!(market_name("layering_score"), None);
    }

    #[test]
    fn market_names_are_unique_and_lowercase() {
        let mut seen = HashSet::new();
        for a in ALIASES {
            assert!(seen.insert(a.market_name), "duplicate {}", a.market_name);
            assert!(
                a.market_name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
            assert!(a.section.starts_with('§'));
        }
    }
}
