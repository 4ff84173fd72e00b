//! The market-context endpoints of the reference API (the README's "Serving the reads over HTTP"): the same paths,
//! JSON names and nesting, with depthscope's values (`docs/metrics.md`). Where a reference name
//! is a renamed metric (`smart_money_score` is `large_order_pressure`, `manip_risk` is
//! `phantom_liquidity_score`, §12) the value is the honest metric under the reference's name.
//! A value depthscope cannot compute at this moment is `null`, never 0. The endpoints over the
//! symbol's analytics (§5–§10, positioning) are in [`super::analytics`].

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::engine::analytics::RatioKind;
use crate::engine::analytics_reads::spot_futures_lead_lag;
use crate::engine::frame::{BookFrame, Frame, SymbolFrame};
use crate::instrument::MarketKind;

use super::App;
use super::error::{ApiError, ErrorBody};
use super::params::{NoParams, Params};
use super::view::{
    Freshness, derivatives, mean, median, per_exchange, ratio, sum, symbol, timestamp, usable,
};

/// One exchange's order-book features (reference names).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangeFeatures {
    /// Relative spread, bps.
    pub bid_ask_spread: Option<f64>,
    /// Top-10 depth imbalance, −1…1.
    pub depth_imbalance: Option<f64>,
    /// Order-flow imbalance over 10 s, base units.
    pub order_flow_imbalance: Option<f64>,
    /// Top-10 bid depth / ask depth.
    pub book_pressure: Option<f64>,
    /// Weighted mid minus mid, bps.
    pub weighted_mid_offset: Option<f64>,
    /// Top-10 bid depth share, 0…1.
    pub bid_depth_ratio: Option<f64>,
    pub top_level_size_ratio: Option<f64>,
    /// Standard deviation of the spread over 300 s, bps.
    pub spread_volatility: Option<f64>,
    /// `large_order_pressure`, 0…1 (0.5 neutral).
    pub smart_money_score: Option<f64>,
    /// bps per $1M within 10 bps of mid.
    pub price_impact_coefficient: Option<f64>,
    /// Level OFI of the top 5 levels, normalised.
    pub level_ofi: [Option<f64>; 5],
    /// `phantom_liquidity_score`, 0…1.
    pub manip_risk: Option<f64>,
    /// Large additions and cancel-driven removals per minute.
    pub large_order_activity: Option<f64>,
}

impl ExchangeFeatures {
    fn of(book: &BookFrame) -> Self {
        let f = book.features.as_ref();
        let get = |pick: fn(&crate::engine::frame::BookFeatures) -> Option<f64>| f.and_then(pick);
        ExchangeFeatures {
            bid_ask_spread: get(|f| f.spread_bps),
            depth_imbalance: get(|f| f.depth_imbalance[2]),
            order_flow_imbalance: get(|f| f.ofi_10s),
            book_pressure: get(|f| f.book_pressure_10),
            weighted_mid_offset: get(|f| f.wmid_offset_bps),
            bid_depth_ratio: get(|f| f.depth_imbalance[2].map(|di| (1.0 + di) / 2.0)),
            top_level_size_ratio: get(|f| f.top_level_size_ratio),
            spread_volatility: get(|f| f.spread_volatility_bps),
            smart_money_score: get(|f| f.large_order_pressure),
            price_impact_coefficient: get(|f| f.price_impact_10bps),
            level_ofi: f.map_or([None; 5], |f| f.level_ofi),
            manip_risk: get(|f| f.phantom_liquidity_score),
            large_order_activity: get(|f| f.large_order_events_per_min),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeaturesResponse {
    pub symbol: String,
    pub features: BTreeMap<String, ExchangeFeatures>,
    pub data_freshness: BTreeMap<String, Freshness>,
    /// Always `local`.
    pub tier: &'static str,
    pub timestamp: String,
}

/// Per-exchange order-book features of one symbol.
#[utoipa::path(get, path = "/v1/orderbook/features/{symbol}", tag = "orderbook",
    params(("symbol" = String, Path, description = "Base asset, e.g. BTC")),
    responses((status = 200, body = FeaturesResponse), (status = 404, body = ErrorBody)))]
pub async fn features(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<FeaturesResponse>, ApiError> {
    let frame = app.frame();
    let s = symbol(&frame, &name)?;
    Ok(Json(FeaturesResponse {
        symbol: s.symbol.clone(),
        features: per_exchange(s, ExchangeFeatures::of),
        data_freshness: per_exchange(s, Freshness::of),
        tier: "local",
        timestamp: timestamp(frame.at),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompositeValues {
    pub directional_pressure: Option<f64>,
    pub liquidity_risk: Option<f64>,
    pub whale_conviction: Option<f64>,
    pub flow_momentum: Option<f64>,
    pub cross_exchange_agreement: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompositeResponse {
    pub symbol: String,
    pub composites: CompositeValues,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

/// Cross-venue composite reads of one symbol.
#[utoipa::path(get, path = "/v1/orderbook/composite/{symbol}", tag = "orderbook",
    params(("symbol" = String, Path, description = "Base asset, e.g. BTC")),
    responses((status = 200, body = CompositeResponse), (status = 404, body = ErrorBody)))]
pub async fn composite(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<CompositeResponse>, ApiError> {
    let frame = app.frame();
    let s = symbol(&frame, &name)?;
    let c = &s.composites;
    Ok(Json(CompositeResponse {
        symbol: s.symbol.clone(),
        composites: CompositeValues {
            directional_pressure: c.directional_pressure,
            liquidity_risk: c.liquidity_risk,
            whale_conviction: c.whale_conviction,
            flow_momentum: c.flow_momentum,
            cross_exchange_agreement: c.cross_exchange_agreement,
        },
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LiquidationsResponse {
    pub symbol: String,
    /// Liquidations per minute summed over venues (exponentially smoothed, τ = 60 s). Binance
    /// sends at most one per symbol per second, so this is a lower bound.
    pub rate_per_minute: Option<f64>,
    /// (long − short) / total liquidated notional over 5 min, −1…1.
    pub long_short_imbalance: Option<f64>,
    /// `cascade_stress`, 0…1: a stress read, not a probability.
    pub cascade_risk: Option<f64>,
    /// Not kept yet (5-minute totals are): always `null`.
    pub total_volume_usd_1h: Option<f64>,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

fn liquidation_books(s: &SymbolFrame) -> impl Iterator<Item = &BookFrame> {
    usable(s).filter(|b| b.liquidations.sampling.is_some())
}

fn long_short_imbalance(s: &SymbolFrame) -> Option<f64> {
    let long = sum(liquidation_books(s).map(|b| b.liquidations.long_notional_5m));
    let short = sum(liquidation_books(s).map(|b| b.liquidations.short_notional_5m));
    match (long, short) {
        (Some(l), Some(sh)) if l + sh > 0.0 => Some((l - sh) / (l + sh)),
        _ => None,
    }
}

/// Liquidation flow of one symbol.
#[utoipa::path(get, path = "/v1/flow/liquidations/{symbol}", tag = "flow",
    params(("symbol" = String, Path, description = "Base asset, e.g. BTC")),
    responses((status = 200, body = LiquidationsResponse), (status = 404, body = ErrorBody)))]
pub async fn liquidations(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<LiquidationsResponse>, ApiError> {
    let frame = app.frame();
    let s = symbol(&frame, &name)?;
    Ok(Json(LiquidationsResponse {
        symbol: s.symbol.clone(),
        rate_per_minute: sum(liquidation_books(s).map(|b| b.liquidations.rate_per_min)),
        long_short_imbalance: long_short_imbalance(s),
        cascade_risk: s.composites.cascade_stress,
        total_volume_usd_1h: None,
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LargeTradesResponse {
    pub symbol: String,
    /// Large taker prints over 5 min, all venues.
    pub count_5m: Option<f64>,
    /// Large taker buy notional / sell notional over 5 min.
    pub buy_sell_ratio: Option<f64>,
    /// `large_trade_share`: share of taker notional printed in large trades, 0…1.
    pub institutional_score: Option<f64>,
    /// Large taker notional over 5 min, quote units (USD-like quotes only are summed as USD).
    pub total_volume_usd_5m: Option<f64>,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

/// Large-trade flow of one symbol.
#[utoipa::path(get, path = "/v1/flow/large-trades/{symbol}", tag = "flow",
    params(("symbol" = String, Path, description = "Base asset, e.g. BTC")),
    responses((status = 200, body = LargeTradesResponse), (status = 404, body = ErrorBody)))]
pub async fn large_trades(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<LargeTradesResponse>, ApiError> {
    let frame = app.frame();
    let s = symbol(&frame, &name)?;
    let usd = || usable(s).filter(|b| is_usd_like(&b.instrument.quote));
    let buy = sum(usd().map(|b| b.flow.large_buy_notional_5m));
    let sell = sum(usd().map(|b| b.flow.large_sell_notional_5m));
    Ok(Json(LargeTradesResponse {
        symbol: s.symbol.clone(),
        count_5m: sum(usable(s).map(|b| b.flow.large_trade_count_5m)),
        buy_sell_ratio: ratio(buy, sell),
        institutional_score: mean(usable(s).map(|b| b.flow.large_trade_share)),
        total_volume_usd_5m: sum([buy, sell]),
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }))
}

/// Quotes whose notional reads as US dollars within a few bps (stable coins and USD).
pub fn is_usd_like(quote: &str) -> bool {
    matches!(quote, "USD" | "USDT" | "USDC" | "FDUSD" | "USDE")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CvdResponse {
    pub symbol: String,
    /// Taker buy − sell volume over 1 min, base units, all venues.
    pub cvd_1m: Option<f64>,
    /// The same over 5 min.
    pub cvd_5m: Option<f64>,
    /// Slope of the running delta over 5 min, base units per minute, all venues.
    pub cvd_slope: Option<f64>,
    /// Taker buy volume / sell volume over 1 min.
    pub taker_ratio: Option<f64>,
    /// Venue-reported long/short positioning: not polled yet, always `null`.
    pub crowd_positioning: Option<f64>,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

/// Cumulative volume delta of one symbol.
#[utoipa::path(get, path = "/v1/flow/cvd/{symbol}", tag = "flow",
    params(("symbol" = String, Path, description = "Base asset, e.g. BTC")),
    responses((status = 200, body = CvdResponse), (status = 404, body = ErrorBody)))]
pub async fn cvd(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<CvdResponse>, ApiError> {
    let frame = app.frame();
    let s = symbol(&frame, &name)?;
    Ok(Json(CvdResponse {
        symbol: s.symbol.clone(),
        cvd_1m: sum(usable(s).map(|b| b.flow.cvd_1m)),
        cvd_5m: sum(usable(s).map(|b| b.flow.cvd_5m)),
        cvd_slope: sum(usable(s).map(|b| b.flow.cvd_slope_per_min)),
        taker_ratio: ratio(
            sum(usable(s).map(|b| b.flow.taker_buy_volume_1m)),
            sum(usable(s).map(|b| b.flow.taker_sell_volume_1m)),
        ),
        crowd_positioning: None,
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangeDerivatives {
    /// The venue's current (predicted) funding rate per its own interval.
    pub funding_rate: Option<f64>,
    pub open_interest_usd: Option<f64>,
    /// The venue's long/short ratio of all accounts (longs / shorts), while fresh; `null` where
    /// the venue does not publish it.
    pub long_short_ratio: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DerivativesConsensus {
    /// `docs/metrics.md` §3.13: agreement of the venues' funding (8 h-equivalent, squashed by
    /// `tanh(f / 0.01 %)`), weighted by open interest, 0..1; `null` with fewer than two venues.
    pub funding_agreement: Option<f64>,
    /// OI-weighted standard deviation of the venues' 1 h open-interest change (0.019 = 1.9 %).
    pub oi_divergence: Option<f64>,
    /// §3.13 `long_short_consensus` of the all-accounts ratios, −1..1, weighted by open
    /// interest; `null` with fewer than two fresh venues.
    pub ls_consensus: Option<f64>,
    /// Their agreement, 0…1.
    pub ls_agreement: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DerivativesResponse {
    pub symbol: String,
    pub exchanges: BTreeMap<String, ExchangeDerivatives>,
    pub consensus: DerivativesConsensus,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DerivativesParams {
    /// The symbol (default: the first watched symbol).
    pub symbol: Option<String>,
}

/// Funding and open interest per venue.
#[utoipa::path(get, path = "/v1/flow/derivatives", tag = "flow", params(DerivativesParams),
    responses((status = 200, body = DerivativesResponse), (status = 404, body = ErrorBody)))]
pub async fn derivatives_flow(
    State(app): State<App>,
    Params(p): Params<DerivativesParams>,
) -> Result<Json<DerivativesResponse>, ApiError> {
    let frame = app.frame();
    let s = match &p.symbol {
        Some(name) => symbol(&frame, name)?,
        None => frame
            .symbols
            .first()
            .ok_or_else(|| ApiError::not_found("no symbols are watched"))?,
    };
    Ok(Json(derivatives_of(&frame, s)))
}

/// `/v1/flow/derivatives` of one symbol.
pub fn derivatives_of(frame: &Frame, s: &SymbolFrame) -> DerivativesResponse {
    let perps = s.books.iter().filter(|b| is_derivative(b.instrument.kind));
    let accounts = s
        .analytics
        .positioning
        .consensus
        .iter()
        .find(|c| c.kind == RatioKind::Accounts && c.long_short_consensus.is_finite());
    DerivativesResponse {
        symbol: s.symbol.clone(),
        exchanges: perps
            .map(|b| {
                (
                    super::view::exchange_key(s, b),
                    ExchangeDerivatives {
                        funding_rate: b.derivs.funding_rate,
                        open_interest_usd: b.derivs.open_interest_usd,
                        long_short_ratio: s
                            .analytics
                            .positioning
                            .venue_ratio(b, RatioKind::Accounts),
                    },
                )
            })
            .collect(),
        consensus: DerivativesConsensus {
            funding_agreement: s.composites.derivatives.funding_agreement,
            oi_divergence: s.composites.derivatives.oi_divergence,
            ls_consensus: accounts.map(|c| c.long_short_consensus),
            ls_agreement: accounts.and_then(|c| c.agreement),
        },
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }
}

fn is_derivative(kind: MarketKind) -> bool {
    matches!(kind, MarketKind::Perpetual | MarketKind::Future)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SymbolCoverage {
    pub orderbook: bool,
    pub liquidations: bool,
    pub spot_futures: bool,
    pub cvd: bool,
    pub positioning: bool,
    pub derivatives: bool,
    pub large_trades: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SymbolsResponse {
    pub symbols: BTreeMap<String, SymbolCoverage>,
    pub total: usize,
    pub timestamp: String,
}

/// The symbols this server watches and what it computes for each.
#[utoipa::path(get, path = "/v1/symbols", tag = "meta",
    responses((status = 200, body = SymbolsResponse)))]
pub async fn symbols(
    State(app): State<App>,
    _: Params<NoParams>,
) -> Result<Json<SymbolsResponse>, ApiError> {
    let frame = app.frame();
    Ok(Json(symbols_of(&frame)))
}

fn symbols_of(frame: &Frame) -> SymbolsResponse {
    let symbols: BTreeMap<String, SymbolCoverage> = frame
        .symbols
        .iter()
        .map(|s| {
            let any = !s.books.is_empty();
            (
                s.symbol.clone(),
                SymbolCoverage {
                    orderbook: any,
                    liquidations: s.books.iter().any(|b| b.liquidations.sampling.is_some()),
                    spot_futures: s
                        .books
                        .iter()
                        .any(|b| b.instrument.kind == MarketKind::Spot)
                        && s.books.iter().any(|b| is_derivative(b.instrument.kind)),
                    cvd: any,
                    positioning: !s.analytics.positioning.venues.is_empty(),
                    derivatives: s.books.iter().any(|b| is_derivative(b.instrument.kind)),
                    large_trades: any,
                },
            )
        })
        .collect();
    SymbolsResponse {
        total: symbols.len(),
        symbols,
        timestamp: timestamp(frame.at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CascadeRiskResponse {
    pub symbol: String,
    /// `cascade_stress`, 0…1: a stress read, not a probability.
    pub cascade_probability: Option<f64>,
    /// Liquidated notional per minute, USD-like quotes, all venues.
    pub liquidation_rate: Option<f64>,
    pub long_short_imbalance: Option<f64>,
    /// Thinning of the depth on the side being hit against its 1 h median, 0…1.
    pub depth_thinning: Option<f64>,
    pub timestamp: String,
}

/// Liquidation cascade stress of one symbol.
#[utoipa::path(get, path = "/v1/cascade-risk/{symbol}", tag = "flow",
    params(("symbol" = String, Path, description = "Base asset, e.g. BTC")),
    responses((status = 200, body = CascadeRiskResponse), (status = 404, body = ErrorBody)))]
pub async fn cascade_risk(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<CascadeRiskResponse>, ApiError> {
    let frame = app.frame();
    let s = symbol(&frame, &name)?;
    let books = || liquidation_books(s).filter(|b| is_usd_like(&b.instrument.quote));
    Ok(Json(CascadeRiskResponse {
        symbol: s.symbol.clone(),
        cascade_probability: s.composites.cascade_stress,
        liquidation_rate: sum(books().map(|b| b.liquidations.notional_rate_per_min)),
        long_short_imbalance: long_short_imbalance(s),
        depth_thinning: median(
            liquidation_books(s).map(|b| b.liquidations.cascade.as_ref().map(|c| c.thin)),
        ),
        timestamp: timestamp(frame.at),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepthProfileResponse {
    pub symbol: String,
    /// Base units within 10 bps of each venue's mid, both sides, all venues.
    pub total_depth_10bp: Option<f64>,
    /// Base units within 0.5 % of each venue's best price, both sides, all venues.
    pub total_depth_50bp: Option<f64>,
    pub bid_depth_10bp: Option<f64>,
    pub bid_depth_50bp: Option<f64>,
    pub ask_depth_10bp: Option<f64>,
    pub ask_depth_50bp: Option<f64>,
    /// bps per $1M within 10 bps, median over venues.
    pub price_impact_coefficient: Option<f64>,
    /// `large_order_pressure`, median over venues.
    pub smart_money_score: Option<f64>,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

/// Band depth summed over `books`: `(bid, ask)` at the band `pick` chooses.
fn band_depth(
    books: &[&BookFrame],
    pick: impl Fn(&crate::engine::frame::DepthBands) -> Option<(f64, f64)>,
) -> (Option<f64>, Option<f64>) {
    let values: Vec<(f64, f64)> = books
        .iter()
        .filter_map(|b| b.bands.as_ref().and_then(&pick))
        .collect();
    if values.is_empty() {
        return (None, None);
    }
    (
        Some(values.iter().map(|v| v.0).sum()),
        Some(values.iter().map(|v| v.1).sum()),
    )
}

/// Depth around the touch of one symbol, all venues.
#[utoipa::path(get, path = "/v1/depth-profile/{symbol}", tag = "orderbook",
    params(("symbol" = String, Path, description = "Base asset, e.g. BTC")),
    responses((status = 200, body = DepthProfileResponse), (status = 404, body = ErrorBody)))]
pub async fn depth_profile(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<DepthProfileResponse>, ApiError> {
    let frame = app.frame();
    let s = symbol(&frame, &name)?;
    let books: Vec<&BookFrame> = usable(s).collect();
    let near = |bps: f64, pct: bool| {
        move |d: &crate::engine::frame::DepthBands| {
            let rows = if pct { &d.kaiko } else { &d.bps };
            rows.iter()
                .find(|(x, _, _)| (*x - bps).abs() < 1e-9)
                .map(|(_, b, a)| (b.base, a.base))
        }
    };
    let (bid10, ask10) = band_depth(&books, near(10.0, false));
    let (bid50, ask50) = band_depth(&books, near(0.5, true));
    let features = |pick: fn(&crate::engine::frame::BookFeatures) -> Option<f64>| {
        median(books.iter().map(|b| b.features.as_ref().and_then(pick)))
    };
    Ok(Json(DepthProfileResponse {
        symbol: s.symbol.clone(),
        total_depth_10bp: sum([bid10, ask10]),
        total_depth_50bp: sum([bid50, ask50]),
        bid_depth_10bp: bid10,
        bid_depth_50bp: bid50,
        ask_depth_10bp: ask10,
        ask_depth_50bp: ask50,
        price_impact_coefficient: features(|f| f.price_impact_10bps),
        smart_money_score: features(|f| f.large_order_pressure),
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BasisResponse {
    pub symbol: String,
    /// Median perpetual mid over median spot mid − 1, in percent, USDT-quoted books only (a
    /// USD book against a USDT one would read the stable-coin premium as basis).
    pub basis_spread: Option<f64>,
    /// A perpetual has no expiry, so its premium is not annualised: `null`. The funding carry is
    /// in `stream --json` as `funding_apr`.
    pub annualized_basis: Option<f64>,
    /// §3.12 spot/perpetual OFI lead–lag as `(LLR − 1)/(LLR + 1)`, −1…1: positive when spot
    /// leads; `null` until 60 one-second bins have flow.
    pub lead_lag_score: Option<f64>,
    /// Mean current funding rate over the perpetuals, per their own intervals.
    pub funding_rate: Option<f64>,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

/// Median perpetual mid over median spot mid − 1, percent, over fresh USDT-quoted books.
pub fn basis_spread(s: &SymbolFrame) -> Option<f64> {
    let mid = |b: &BookFrame| b.features.as_ref().and_then(|f| f.mid);
    let usdt = |b: &&BookFrame| b.instrument.quote == "USDT";
    let spot = median(
        usable(s)
            .filter(usdt)
            .filter(|b| b.instrument.kind == MarketKind::Spot)
            .map(mid),
    );
    let perp = median(
        derivatives(s)
            .filter(usdt)
            .filter(|b| b.instrument.kind == MarketKind::Perpetual)
            .map(mid),
    );
    ratio(perp, spot).map(|r| (r - 1.0) * 100.0)
}

/// Spot–perpetual basis of one symbol.
#[utoipa::path(get, path = "/v1/basis/{symbol}", tag = "flow",
    params(("symbol" = String, Path, description = "Base asset, e.g. BTC")),
    responses((status = 200, body = BasisResponse), (status = 404, body = ErrorBody)))]
pub async fn basis(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<BasisResponse>, ApiError> {
    let frame = app.frame();
    let s = symbol(&frame, &name)?;
    Ok(Json(BasisResponse {
        symbol: s.symbol.clone(),
        basis_spread: basis_spread(s),
        annualized_basis: None,
        lead_lag_score: spot_futures_lead_lag(s).and_then(|(score, _)| score),
        funding_rate: mean(derivatives(s).map(|b| b.derivs.funding_rate)),
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Tier {
    pub name: &'static str,
    pub requests_per_minute: u32,
    pub burst_per_second: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TiersResponse {
    pub tiers: Vec<Tier>,
}

/// One local tier and its limits (the reference's pricing does not apply).
#[utoipa::path(get, path = "/v1/tiers", tag = "meta",
    responses((status = 200, body = TiersResponse)))]
pub async fn tiers(
    State(app): State<App>,
    _: Params<NoParams>,
) -> Result<Json<TiersResponse>, ApiError> {
    let limits = app.limits();
    Ok(Json(TiersResponse {
        tiers: vec![Tier {
            name: "local",
            requests_per_minute: limits.per_minute,
            burst_per_second: limits.burst_per_second,
        }],
    }))
}

/// Reference endpoints whose reads depthscope does not serve yet (history until the store
/// answers over HTTP): each answers 501 with what it is.
pub const NOT_COMPUTED: &[(&str, &str)] = &[
    ("/v1/historical/features/{symbol}", "historical features"),
    (
        "/v1/historical/composites/{symbol}",
        "historical composites",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_like_quotes() {
        assert!(is_usd_like("USDT") && is_usd_like("USD"));
        assert!(!is_usd_like("EUR") && !is_usd_like("BTC"));
    }
}
