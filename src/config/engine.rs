//! `[engine]`: how the feature engine samples, when it calls a book stale, and the per-asset
//! scales of `docs/metrics.md` §0.5 and §3.8.

pub use crate::config::arbitrage::ArbitrageConfig;
pub use crate::features::cascade::CascadeWeights;
pub use crate::features::composites::DirectionalPressureWeights;
use serde::Deserialize;
use std::collections::BTreeMap;

/// `[engine]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// One frame is built and published every `tick_ms` milliseconds.
    pub tick_ms: u64,
    /// Levels per side in the ladder the UI shows.
    pub ladder_depth: usize,
    /// Per-tick samples kept per symbol for sparklines.
    pub history_len: usize,
    /// Latest trades and liquidations kept per book for display.
    pub recent_prints: usize,
    /// Window of the ladder's traded-volume column, seconds.
    pub traded_window_s: f64,
    /// What Kaiko-style depth is measured from (§2.1): the best price on each side (Kaiko's API
    /// documentation) or the mid (Kaiko's research blog).
    pub kaiko_reference: KaikoReference,
    /// Quote notionals the slippage walk is reported for (§2.3); the middle one is the `Q_ref` of
    /// `liquidity_risk` (§4.2).
    pub slippage_usd: Vec<f64>,
    /// Cross-venue pairs whose feeds lag each other by more than this are not compared (§0.2).
    pub alignment_ms: u64,
    /// Floor of the large-trade threshold (§0.5) for assets not listed below, quote units.
    pub large_trade_floor_usd: f64,
    pub large_trade_floor_usd_by_asset: BTreeMap<String, f64>,
    /// Floor of the large resting level threshold θ (§0.5), quote units.
    pub large_level_floor_usd: f64,
    /// `N0`, the cascade-stress gate's scale (§3.8) for assets not listed below, quote units.
    pub cascade_n0_usd: f64,
    pub cascade_n0_usd_by_asset: BTreeMap<String, f64>,
    pub stale: StaleConfig,
    pub directional_pressure: DirectionalPressureWeights,
    pub cascade_weights: CascadeWeights,
    pub arbitrage: ArbitrageConfig,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            tick_ms: 250,
            // The deepest ladder the UI offers (`d` cycles up to it), so `50 levels` shows 50.
            ladder_depth: crate::config::ui::LADDER_DEPTHS
                [crate::config::ui::LADDER_DEPTHS.len() - 1],
            history_len: 480,
            recent_prints: 50,
            traded_window_s: 60.0,
            kaiko_reference: KaikoReference::BestOnSide,
            slippage_usd: vec![10_000.0, 100_000.0, 1_000_000.0],
            alignment_ms: 500,
            large_trade_floor_usd: 20_000.0,
            large_trade_floor_usd_by_asset: assets(&[("BTC", 100_000.0), ("ETH", 50_000.0)]),
            large_level_floor_usd: 50_000.0,
            cascade_n0_usd: 50_000.0,
            cascade_n0_usd_by_asset: assets(&[("BTC", 250_000.0), ("ETH", 100_000.0)]),
            stale: StaleConfig::default(),
            directional_pressure: DirectionalPressureWeights::default(),
            cascade_weights: CascadeWeights::default(),
            arbitrage: ArbitrageConfig::default(),
        }
    }
}

fn assets(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(a, v)| ((*a).to_owned(), *v)).collect()
}

/// Kaiko depth reference (§2.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KaikoReference {
    #[default]
    BestOnSide,
    Mid,
}

/// `[engine.stale]`: §0.2 staleness.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaleConfig {
    /// `stale_after = max(floor_s, median_factor × median inter-update interval)`.
    pub floor_s: f64,
    pub median_factor: f64,
    /// Polled derivatives values (open interest, funding) are stale after this many times their
    /// measured update interval…
    pub derivs_factor: f64,
    /// …or after this long while the interval is not known yet (fewer than two updates), seconds.
    pub derivs_default_s: f64,
}

impl Default for StaleConfig {
    fn default() -> Self {
        StaleConfig {
            floor_s: 5.0,
            median_factor: 20.0,
            derivs_factor: 2.0,
            derivs_default_s: 120.0,
        }
    }
}

impl EngineConfig {
    /// The large-trade floor for `asset` (as traders type it: `BTC`).
    pub fn large_trade_floor(&self, asset: &str) -> f64 {
        per_asset(
            &self.large_trade_floor_usd_by_asset,
            asset,
            self.large_trade_floor_usd,
        )
    }

    /// The cascade gate scale `N0` for `asset`.
    pub fn cascade_n0(&self, asset: &str) -> f64 {
        per_asset(&self.cascade_n0_usd_by_asset, asset, self.cascade_n0_usd)
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(10..=60_000).contains(&self.tick_ms) {
            return Err(format!(
                "engine.tick_ms must be between 10 and 60000, got {}",
                self.tick_ms
            ));
        }
        if self.ladder_depth == 0 || self.history_len == 0 {
            return Err("engine.ladder_depth and engine.history_len must be at least 1".into());
        }
        let positive = [
            ("traded_window_s", self.traded_window_s),
            ("large_trade_floor_usd", self.large_trade_floor_usd),
            ("large_level_floor_usd", self.large_level_floor_usd),
            ("cascade_n0_usd", self.cascade_n0_usd),
            ("stale.floor_s", self.stale.floor_s),
            ("stale.median_factor", self.stale.median_factor),
            ("stale.derivs_factor", self.stale.derivs_factor),
            ("stale.derivs_default_s", self.stale.derivs_default_s),
        ];
        let by_asset = self
            .large_trade_floor_usd_by_asset
            .iter()
            .map(|(a, v)| (format!("large_trade_floor_usd_by_asset.{a}"), *v))
            .chain(
                self.cascade_n0_usd_by_asset
                    .iter()
                    .map(|(a, v)| (format!("cascade_n0_usd_by_asset.{a}"), *v)),
            );
        let slippage = self
            .slippage_usd
            .iter()
            .map(|v| ("slippage_usd".to_owned(), *v));
        for (name, value) in positive
            .iter()
            .map(|(n, v)| ((*n).to_owned(), *v))
            .chain(by_asset)
            .chain(slippage)
        {
            if !(value.is_finite() && value > 0.0) {
                return Err(format!(
                    "engine.{name} must be a positive number, got {value}"
                ));
            }
        }
        self.arbitrage.validate()?;
        if self.slippage_usd.is_empty() {
            return Err("engine.slippage_usd needs at least one notional, e.g. [100000]".into());
        }
        let weights = [
            self.directional_pressure.ofi_norm,
            self.directional_pressure.depth_imbalance,
            self.directional_pressure.large_direction,
            self.cascade_weights.accel,
            self.cascade_weights.clus,
            self.cascade_weights.imb,
            self.cascade_weights.thin,
        ];
        if weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(
                "engine.directional_pressure and engine.cascade_weights take weights ≥ 0".into(),
            );
        }
        Ok(())
    }
}

/// Asset keys are matched case-insensitively (`btc` and `BTC` are one asset).
fn per_asset(map: &BTreeMap<String, f64>, asset: &str, default: f64) -> f64 {
    map.iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(asset))
        .map_or(default, |(_, v)| *v)
}
