//! The reference endpoints over the symbol's analytics (`docs/metrics.md` §3.12, §5–§10 and
//! positioning): support/resistance, regime, drift, consensus, arbitrage, market protection,
//! positioning and spot–futures. Same paths, names and nesting as the reference (`api.md`), with
//! depthscope's values read from [`Analytics`] as the engine published it for the tick.
//!
//! A read that is still warming answers 200 with `null` values and a `warming` object saying how
//! much of its window is filled, never 501 and never a number computed early. Where the reference
//! names a different scale or an ambiguous figure, the field's doc says which of ours it is (the
//! OpenAPI document carries these docs).
//!
//! Each answer is built by a pure function of the symbol's frame (tested without a server); the
//! handlers only look the symbol up.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use crate::engine::analytics::{
    Analytics, ArbOpportunity, BookIntegrity, DetectorKind, DriftTest, RatioKind, RegimeLabel,
    ZoneRole,
};
use crate::engine::analytics_reads::spot_futures_lead_lag;
use crate::engine::frame::{BookFrame, Frame, Progress, SymbolFrame};
use crate::features::alias::market_name;

use super::App;
use super::error::{ApiError, ErrorBody};
use super::params::{NoParams, Params};
use super::view::{Freshness, exchange_key, mean, per_exchange, symbol, timestamp};

fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// How much of a read's window is filled while it warms up.
#[derive(Debug, PartialEq, Serialize, ToSchema)]
pub struct WarmingProgress {
    /// Minutes of input the read has.
    pub have_minutes: f64,
    /// Minutes it needs before it publishes a value.
    pub need_minutes: f64,
}

impl WarmingProgress {
    fn of(p: &Option<Progress>) -> Option<Self> {
        p.map(|p| WarmingProgress {
            have_minutes: p.have_min,
            need_minutes: p.need_min,
        })
    }
}

// --- /v1/orderbook/support-resistance/{symbol} (§5) ---

#[derive(Debug, Serialize, ToSchema)]
pub struct ZoneView {
    /// `support` or `resistance`: the zone's role, set by where it formed and flipped by a breach.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The zone's edges, in the symbol's cross-venue quote currency.
    pub price_low: f64,
    pub price_high: f64,
    /// The persistence-decayed strength S, 0…1 (half-life 342 s, §5.3). depthscope keeps one
    /// strength, so `decayed_strength` is the same S.
    pub strength: f64,
    pub decayed_strength: f64,
    pub touch_count: u32,
    pub bounce_count: u32,
    pub breach_count: u32,
    pub age_seconds: f64,
    /// The zone's resting notional in the last snapshot, quote currency; null when the books'
    /// range did not reach the whole zone.
    pub notional: Option<f64>,
    /// `bid` or `ask`: the side its resting depth is on.
    pub side: &'static str,
    pub last_touch: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupportResistanceResponse {
    pub symbol: String,
    /// Published zones (strength ≥ 0.1), lowest price first; empty while none has persisted.
    pub zones: Vec<ZoneView>,
    /// Distance from the mid down to the nearest support zone's edge, bps.
    pub nearest_support_bps: Option<f64>,
    /// Distance from the mid up to the nearest resistance zone's edge, bps.
    pub nearest_resistance_bps: Option<f64>,
    /// The absolute bucket width zones are built on, quote currency; `null` before a valid book.
    pub grid: Option<f64>,
    pub quote: Option<String>,
    /// The books did not reach ±2 % of mid: the range was shrunk to this many percent.
    pub range_pct: Option<f64>,
    /// No valid book right now: the zones are the last ones seen, not updated.
    pub paused: bool,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

fn millis(ms: i64) -> Option<String> {
    u64::try_from(ms)
        .ok()
        .and_then(|ms| ms.checked_mul(1_000_000))
        .map(timestamp)
}

pub fn support_resistance_of(frame: &Frame, s: &SymbolFrame) -> SupportResistanceResponse {
    let z = &s.analytics.zones;
    SupportResistanceResponse {
        symbol: s.symbol.clone(),
        zones: z
            .zones
            .iter()
            .map(|z| ZoneView {
                kind: match z.role {
                    ZoneRole::Support => "support",
                    ZoneRole::Resistance => "resistance",
                },
                price_low: z.lo,
                price_high: z.hi,
                strength: z.strength,
                decayed_strength: z.strength,
                touch_count: z.touches,
                bounce_count: z.bounces,
                breach_count: z.breaches,
                age_seconds: z.age_s,
                notional: z.notional,
                side: match z.side {
                    crate::engine::analytics::ZoneSide::Bid => "bid",
                    crate::engine::analytics::ZoneSide::Ask => "ask",
                },
                last_touch: z.last_touch.and_then(millis),
            })
            .collect(),
        nearest_support_bps: finite(z.nearest_support_bps),
        nearest_resistance_bps: finite(z.nearest_resistance_bps),
        grid: finite(z.grid),
        quote: z.quote.clone(),
        range_pct: finite(z.range_pct),
        paused: z.paused,
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }
}

// --- /v1/regime/{symbol} (§6) ---

#[derive(Debug, Serialize, ToSchema)]
pub struct RegimeResponse {
    pub symbol: String,
    /// CALM, BULL, BEAR, BREAKOUT or CRASH (BREAKOUT is the up-move counterpart of CRASH);
    /// `null` while warming or after a data gap reset the filter.
    pub regime: Option<&'static str>,
    /// The filtered probability of the published label, 0…1.
    pub confidence: Option<f64>,
    /// All five states' filtered probabilities.
    pub distribution: Option<BTreeMap<String, f64>>,
    /// `false`: the model's parameters are fixed and published (§6), not fitted to this asset.
    pub fitted: bool,
    /// `all`: the filter reads the symbol's cross-venue mid (median over fresh venues), not one
    /// exchange.
    pub exchange_source: &'static str,
    /// `−Σπ ln π / ln 5`: 0 certain … 1 uniform.
    pub entropy: Option<f64>,
    /// When the current label was taken.
    pub since: Option<String>,
    /// The 24 h of 1-min mids the inputs need, while filling.
    pub warming: Option<WarmingProgress>,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

pub fn regime_of(frame: &Frame, s: &SymbolFrame) -> RegimeResponse {
    let a = &s.analytics;
    let r = &a.regime;
    let probabilities = r.probabilities.filter(|p| p.iter().all(|x| x.is_finite()));
    RegimeResponse {
        symbol: s.symbol.clone(),
        regime: r.label.map(RegimeLabel::as_str),
        confidence: r.label.and_then(|l| probabilities.map(|p| p[l.code()])),
        distribution: probabilities.map(|p| {
            RegimeLabel::ALL
                .iter()
                .map(|l| l.as_str().to_owned())
                .zip(p)
                .collect()
        }),
        fitted: false,
        exchange_source: "all",
        entropy: finite(r.entropy),
        since: r.since.and_then(millis),
        warming: WarmingProgress::of(&r.warming),
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }
}

// --- /v1/drift/{symbol} (§7) ---

#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureDriftView {
    pub feature: String,
    pub psi: Option<f64>,
    /// Kolmogorov–Smirnov distance (indicative: samples are autocorrelated).
    pub ks: Option<f64>,
    pub baseline_samples: usize,
    pub current_samples: usize,
    /// PSI > 0.25.
    pub drifted: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DriftAlarmView {
    pub feature: String,
    /// `page_hinkley_up`, `page_hinkley_down` or `adwin`.
    pub test: &'static str,
    pub at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DriftResponse {
    pub symbol: String,
    /// From the largest PSI of any feature (§7's reading): `ok` below 0.1, `warning` to 0.25,
    /// `alert` above; `null` while warming.
    pub overall_status: Option<&'static str>,
    /// `mean_f min(1, PSI_f / 0.25)`, 0…1.
    pub drift_score: Option<f64>,
    /// How many features have PSI > 0.25.
    pub drifted_features: usize,
    /// `global`: one score over the symbol's monitored features.
    pub scope: &'static str,
    pub max_psi: Option<f64>,
    pub features: Vec<FeatureDriftView>,
    /// Page–Hinkley and ADWIN change points of the last hour, newest first.
    pub alarms: Vec<DriftAlarmView>,
    pub warming: Option<WarmingProgress>,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

/// §7's practitioner reading of a PSI.
fn drift_status(max_psi: f64) -> &'static str {
    if max_psi > 0.25 {
        "alert"
    } else if max_psi >= 0.1 {
        "warning"
    } else {
        "ok"
    }
}

pub fn drift_of(frame: &Frame, s: &SymbolFrame) -> DriftResponse {
    let d = &s.analytics.drift;
    let score = finite(d.score);
    let max_psi = finite(d.max_psi);
    DriftResponse {
        symbol: s.symbol.clone(),
        overall_status: score.and(max_psi).map(drift_status),
        drift_score: score,
        drifted_features: d.features.iter().filter(|f| f.drifted).count(),
        scope: "global",
        max_psi,
        features: d
            .features
            .iter()
            .map(|f| FeatureDriftView {
                feature: f.feature.clone(),
                psi: finite(f.psi),
                ks: finite(f.ks),
                baseline_samples: f.baseline_n,
                current_samples: f.current_n,
                drifted: f.drifted,
            })
            .collect(),
        alarms: d
            .alarms
            .iter()
            .map(|a| DriftAlarmView {
                feature: a.feature.clone(),
                test: match a.test {
                    DriftTest::PageHinkleyUp => "page_hinkley_up",
                    DriftTest::PageHinkleyDown => "page_hinkley_down",
                    DriftTest::Adwin => "adwin",
                },
                at: millis(a.at),
            })
            .collect(),
        warming: WarmingProgress::of(&d.warming),
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }
}

// --- /v1/consensus/{symbol} (§8) ---

/// A consensus within this distance of 0 (on −1…1) is `neutral`.
const NEUTRAL_BAND: f64 = 0.1;

/// What the consensus is and is not (§8's caveat, §12.11).
pub const CONSENSUS_DISCLAIMER: &str = "A confidence-weighted average of depthscope's own \
    directional reads (features.md §8). Several share their order-flow and depth inputs, so their \
    agreement overstates independent confirmation. A statistical description of the book and \
    tape, not a forecast and not advice.";

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelVoteView {
    pub model: String,
    /// −1…1.
    pub signal: f64,
    /// 0…1.
    pub confidence: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsensusResponse {
    pub symbol: String,
    /// The consensus on 0…1 (0.5 neutral): `(c + 1) / 2` of §8's `c = Σ c_k s_k / Σ c_k`.
    pub directional_consensus: Option<f64>,
    /// `bullish` above +0.1 on −1…1, `bearish` below −0.1, else `neutral`.
    pub statistical_bias: Option<&'static str>,
    /// Reads pointing the consensus's way, of the reads with a confidence (`"2/3"`).
    pub model_agreement: Option<String>,
    /// From §8's agreement (0…1): `low` below 0.5, `medium` below 0.8, `high` from 0.8.
    pub confidence_band: Option<&'static str>,
    pub disclaimer: &'static str,
    /// §8's consensus, −1…1.
    pub consensus: Option<f64>,
    /// §8's `agreement(s, c)`, 0…1.
    pub agreement: Option<f64>,
    /// The confidence-weighted standard deviation of the reads.
    pub dispersion: Option<f64>,
    pub models: Vec<ModelVoteView>,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

pub fn consensus_of(frame: &Frame, s: &SymbolFrame) -> ConsensusResponse {
    let c = &s.analytics.consensus;
    let consensus = finite(c.consensus).map(|x| x.clamp(-1.0, 1.0));
    let agreement = finite(c.agreement);
    let voting: Vec<_> = c
        .models
        .iter()
        .filter(|m| m.confidence > 0.0 && m.signal.is_finite())
        .collect();
    ConsensusResponse {
        symbol: s.symbol.clone(),
        directional_consensus: consensus.map(|x| (x + 1.0) / 2.0),
        statistical_bias: consensus.map(|x| {
            if x > NEUTRAL_BAND {
                "bullish"
            } else if x < -NEUTRAL_BAND {
                "bearish"
            } else {
                "neutral"
            }
        }),
        model_agreement: consensus.filter(|_| !voting.is_empty()).map(|x| {
            let with = voting
                .iter()
                .filter(|m| m.signal.signum() == x.signum() && m.signal != 0.0)
                .count();
            format!("{with}/{}", voting.len())
        }),
        confidence_band: agreement.map(|a| {
            if a < 0.5 {
                "low"
            } else if a < 0.8 {
                "medium"
            } else {
                "high"
            }
        }),
        disclaimer: CONSENSUS_DISCLAIMER,
        consensus,
        agreement,
        dispersion: finite(c.dispersion),
        models: c
            .models
            .iter()
            .map(|m| ModelVoteView {
                model: m.model.clone(),
                signal: m.signal,
                confidence: m.confidence,
            })
            .collect(),
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }
}

// --- /v1/arbitrage, /v1/arbitrage/{symbol} (§9) ---

#[derive(Debug, Serialize, ToSchema)]
pub struct ArbitrageView {
    pub symbol: String,
    /// Buy at this exchange's best ask (its key in the per-exchange maps).
    pub buy_exchange: String,
    /// Sell at this exchange's best bid.
    pub sell_exchange: String,
    pub buy_instrument: String,
    pub sell_instrument: String,
    /// The buy book's best ask and the sell book's best bid now, each in its own quote currency.
    pub buy_price: Option<f64>,
    pub sell_price: Option<f64>,
    pub gross_bps: f64,
    /// First unit, net of both taker fees.
    pub net_bps: f64,
    /// Base units executable while the marginal edge stays positive.
    pub size_available: f64,
    /// That size at the buy prices, in `quote`.
    pub notional: f64,
    /// Profit of walking that size net of fees, in `quote`.
    pub pnl: f64,
    pub fee_buy_bps: f64,
    pub fee_sell_bps: f64,
    /// The currency edges and notionals are stated in.
    pub quote: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArbitrageResponse {
    pub count: usize,
    /// Edges with `net_bps > 0` and at least the configured notional, best first. Withdrawal and
    /// transfer costs are not included: most spot–spot edges need inventory on both venues.
    pub opportunities: Vec<ArbitrageView>,
    /// Ordered venue pairs compared this tick (fresh books within 250 ms of each other).
    pub pairs_checked: usize,
    pub data_freshness: BTreeMap<String, BTreeMap<String, Freshness>>,
    pub timestamp: String,
}

fn arbitrage_views(s: &SymbolFrame) -> impl Iterator<Item = ArbitrageView> + '_ {
    let book = |key: &crate::feed::event::BookKey| s.books.iter().find(|b| b.key == *key);
    let a: &Analytics = &s.analytics;
    a.arbitrage
        .opportunities
        .iter()
        .filter(|o| o.net_bps.is_finite())
        .map(move |o: &ArbOpportunity| {
            let (buy, sell) = (book(&o.buy), book(&o.sell));
            let name = |b: Option<&BookFrame>, key: &crate::feed::event::BookKey| {
                b.map_or_else(|| key.venue.to_string(), |b| exchange_key(s, b))
            };
            ArbitrageView {
                symbol: s.symbol.clone(),
                buy_exchange: name(buy, &o.buy),
                sell_exchange: name(sell, &o.sell),
                buy_instrument: o.buy.instrument.to_string(),
                sell_instrument: o.sell.instrument.to_string(),
                buy_price: buy.and_then(|b| b.ladder.asks.first()).map(|l| l.price),
                sell_price: sell.and_then(|b| b.ladder.bids.first()).map(|l| l.price),
                gross_bps: o.gross_bps,
                net_bps: o.net_bps,
                size_available: o.size,
                notional: o.notional,
                pnl: o.pnl,
                fee_buy_bps: o.fee_buy_bps,
                fee_sell_bps: o.fee_sell_bps,
                quote: a.arbitrage.quote.clone(),
            }
        })
}

/// The opportunities of `symbols`, best net edge first.
pub fn arbitrage_of<'a>(
    frame: &Frame,
    symbols: impl IntoIterator<Item = &'a SymbolFrame>,
) -> ArbitrageResponse {
    let mut opportunities = Vec::new();
    let mut pairs_checked = 0;
    let mut data_freshness = BTreeMap::new();
    for s in symbols {
        opportunities.extend(arbitrage_views(s));
        pairs_checked += s.analytics.arbitrage.pairs_checked;
        data_freshness.insert(s.symbol.clone(), per_exchange(s, Freshness::of));
    }
    opportunities.sort_by(|a, b| b.net_bps.total_cmp(&a.net_bps));
    ArbitrageResponse {
        count: opportunities.len(),
        opportunities,
        pairs_checked,
        data_freshness,
        timestamp: timestamp(frame.at),
    }
}

// --- /v1/market-protection/{symbol} (§10) ---

/// §10's scope statement: what the detectors can and cannot show.
pub const PROTECTION_SCOPE: &str = "Statistical footprints in public order-book and trade data, \
    which carry no order or account ids: intent cannot be established from them. A score is not \
    an accusation of manipulation.";

/// A detector's name in the API: the reference's where §12 renamed it (`manip_risk` for
/// `phantom_liquidity_score`), else the metric name.
fn detector_name(k: DetectorKind) -> String {
    market_name(k.metric()).unwrap_or(k.metric()).to_owned()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangeProtection {
    /// §10.9 on this book, 0…1 (the spec's 0…100 divided by 100).
    pub integrity_score: Option<f64>,
    /// The eight detector scores, 0…1, by name; `null` while a baseline fills.
    pub detectors: BTreeMap<String, Option<f64>>,
    /// Detectors that took the most off the score, largest first.
    pub top_contributors: Vec<String>,
}

impl ExchangeProtection {
    fn of(i: &BookIntegrity) -> Self {
        ExchangeProtection {
            integrity_score: finite(i.integrity_score).map(|x| x / 100.0),
            detectors: DetectorKind::ALL
                .iter()
                .map(|k| (detector_name(*k), i.detector(*k)))
                .collect(),
            top_contributors: i
                .top_contributors
                .iter()
                .map(|k| detector_name(*k))
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProtectionResponse {
    pub symbol: String,
    /// The least intact book's §10.9 integrity, 0…1 (`features.md` computes 0…100: divided by
    /// 100); `null` when no book has a detector score yet.
    pub integrity_score: Option<f64>,
    /// Each detector's highest score over the symbol's books, 0…1, by name.
    pub detectors: BTreeMap<String, Option<f64>>,
    /// The same per book.
    pub exchanges: BTreeMap<String, ExchangeProtection>,
    pub scope: &'static str,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

pub fn protection_of(frame: &Frame, s: &SymbolFrame) -> ProtectionResponse {
    let a: &Analytics = &s.analytics;
    let exchanges: BTreeMap<String, ExchangeProtection> = s
        .books
        .iter()
        .filter_map(|b| {
            Some((
                exchange_key(s, b),
                ExchangeProtection::of(a.integrity_of(b)?),
            ))
        })
        .collect();
    let detectors = DetectorKind::ALL
        .iter()
        .map(|k| {
            let worst = a
                .integrity
                .iter()
                .filter_map(|i| i.detector(*k))
                .reduce(f64::max);
            (detector_name(*k), worst)
        })
        .collect();
    ProtectionResponse {
        symbol: s.symbol.clone(),
        integrity_score: exchanges
            .values()
            .filter_map(|e| e.integrity_score)
            .reduce(f64::min),
        detectors,
        exchanges,
        scope: PROTECTION_SCOPE,
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }
}

// --- /v1/flow/positioning/{symbol} ---

/// Long share `ℓ = LSR / (1 + LSR)` (§3.13) of a long/short ratio.
fn long_share(ratio: f64) -> Option<f64> {
    (ratio.is_finite() && ratio >= 0.0).then(|| ratio / (1.0 + ratio))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PositioningValues {
    /// Long share 0…1 of the top traders by position size (`ℓ = LSR/(1+LSR)` of the venues'
    /// consensus ratio, §3.13); `null` where no venue publishes it fresh.
    pub top_trader_long_ratio: Option<f64>,
    /// Venue-reported taker buy volume / sell volume, mean over the fresh venues.
    pub taker_buy_ratio: Option<f64>,
    /// Smaller-size taker flow from the tape, `2 · buy share − 1` on −1…1 (mean over venues).
    /// Trade size, not who traded: no account ids are public.
    pub retail_sentiment: Option<f64>,
    /// Larger-size minus smaller-size taker buy share, −1…1 (§0.5 thresholds): positive when
    /// large prints buy more than small ones. Trade size, not who traded.
    pub institutional_bias: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatioView {
    /// `accounts`, `top_accounts` or `top_positions`: never mixed in one consensus.
    pub kind: &'static str,
    /// Longs / shorts.
    pub long_short_ratio: f64,
    pub at: Option<String>,
    /// Older than twice the venue's poll interval.
    pub stale: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangePositioning {
    pub ratios: Vec<RatioView>,
    pub taker_buy_sell_ratio: Option<f64>,
    pub large_taker_buy_share: Option<f64>,
    pub small_taker_buy_share: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatioConsensusView {
    pub kind: &'static str,
    /// The venues' volume-weighted consensus of `ln(ratio)`, as a ratio.
    pub long_short_ratio: f64,
    /// §3.13 agreement, 0…1.
    pub agreement: Option<f64>,
    pub venues: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PositioningResponse {
    pub symbol: String,
    pub positioning: PositioningValues,
    pub exchanges: BTreeMap<String, ExchangePositioning>,
    pub consensus: Vec<RatioConsensusView>,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

pub fn positioning_of(frame: &Frame, s: &SymbolFrame) -> PositioningResponse {
    let p = &s.analytics.positioning;
    let venues = || p.venues.iter();
    let small = mean(venues().map(|v| finite(v.small_taker_buy_share)));
    let large = mean(venues().map(|v| finite(v.large_taker_buy_share)));
    let book = |key: &crate::feed::event::BookKey| s.books.iter().find(|b| b.key == *key);
    PositioningResponse {
        symbol: s.symbol.clone(),
        positioning: PositioningValues {
            top_trader_long_ratio: p
                .consensus_ratio(RatioKind::TopPositions)
                .and_then(long_share),
            taker_buy_ratio: mean(venues().map(|v| finite(v.taker_buy_sell_ratio))),
            retail_sentiment: small.map(|x| 2.0 * x - 1.0),
            institutional_bias: large.zip(small).map(|(l, s)| l - s),
        },
        exchanges: venues()
            .map(|v| {
                let name =
                    book(&v.key).map_or_else(|| v.key.venue.to_string(), |b| exchange_key(s, b));
                let view = ExchangePositioning {
                    ratios: v
                        .ratios
                        .iter()
                        .filter(|r| r.ratio.is_finite())
                        .map(|r| RatioView {
                            kind: r.kind.as_str(),
                            long_short_ratio: r.ratio,
                            at: millis(r.at),
                            stale: r.stale,
                        })
                        .collect(),
                    taker_buy_sell_ratio: finite(v.taker_buy_sell_ratio),
                    large_taker_buy_share: finite(v.large_taker_buy_share),
                    small_taker_buy_share: finite(v.small_taker_buy_share),
                };
                (name, view)
            })
            .collect(),
        consensus: p
            .consensus
            .iter()
            .filter(|c| c.long_short_ratio.is_finite())
            .map(|c| RatioConsensusView {
                kind: c.kind.as_str(),
                long_short_ratio: c.long_short_ratio,
                agreement: finite(c.agreement),
                venues: c.venues,
            })
            .collect(),
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }
}

// --- /v1/flow/spot-futures/{symbol} (§3.9, §3.11, §3.12) ---

#[derive(Debug, Serialize, ToSchema)]
pub struct SpotFuturesResponse {
    pub symbol: String,
    /// Median perpetual mid over median spot mid − 1, percent (USDT books), as `/v1/basis`.
    pub basis_spread: Option<f64>,
    /// §3.11 `DI_perp − DI_spot` within 50 bps, −2…2: positive when the perpetuals' book leans
    /// more to the bid than spot's.
    pub depth_divergence: Option<f64>,
    /// §3.12 lead–lag in seconds between spot and perpetual order flow: positive when spot moves
    /// first; `null` while fewer than 60 one-second bins have flow or the pair is not spot
    /// against a perpetual.
    pub ofi_lead_lag: Option<i32>,
    /// `(LLR − 1)/(LLR + 1)`, −1…1, positive when spot leads (as `/v1/basis` `lead_lag_score`).
    pub lead_lag_score: Option<f64>,
    /// Do the large takers of spot and perpetuals lean the same way: §3.13's agreement of the
    /// two markets' `(LB − LS)/(LB + LS)` over 5 min, 0…1 (`docs/metrics.md`); `null` while a
    /// market's large-trade window warms or one market printed no large trade.
    pub whale_agreement: Option<f64>,
    /// Perpetual depth / spot depth within 50 bps, both sides, notional.
    pub liquidity_ratio: Option<f64>,
    pub data_freshness: BTreeMap<String, Freshness>,
    pub timestamp: String,
}

pub fn spot_futures_of(
    frame: &Frame,
    s: &SymbolFrame,
    basis_spread: Option<f64>,
) -> SpotFuturesResponse {
    let spot_perp = &s.composites.spot_perp;
    let lead_lag = spot_futures_lead_lag(s);
    SpotFuturesResponse {
        symbol: s.symbol.clone(),
        basis_spread,
        depth_divergence: finite(spot_perp.depth_divergence),
        ofi_lead_lag: lead_lag.map(|(_, lag)| lag),
        lead_lag_score: lead_lag.and_then(|(score, _)| finite(score)),
        whale_agreement: finite(spot_perp.whale_agreement),
        liquidity_ratio: finite(spot_perp.perp_liquidity_share)
            .filter(|x| *x < 1.0)
            .map(|x| x / (1.0 - x)),
        data_freshness: per_exchange(s, Freshness::of),
        timestamp: timestamp(frame.at),
    }
}

// --- handlers ---

const SYMBOL: &str = "Base asset, e.g. BTC";

/// Support and resistance zones from the resting depth (§5).
#[utoipa::path(get, path = "/v1/orderbook/support-resistance/{symbol}", tag = "orderbook",
    params(("symbol" = String, Path, description = SYMBOL)),
    responses((status = 200, body = SupportResistanceResponse), (status = 404, body = ErrorBody)))]
pub async fn support_resistance(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<SupportResistanceResponse>, ApiError> {
    let frame = app.frame();
    Ok(Json(support_resistance_of(&frame, symbol(&frame, &name)?)))
}

/// The regime label and its distribution (§6).
#[utoipa::path(get, path = "/v1/regime/{symbol}", tag = "analytics",
    params(("symbol" = String, Path, description = SYMBOL)),
    responses((status = 200, body = RegimeResponse), (status = 404, body = ErrorBody)))]
pub async fn regime(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<RegimeResponse>, ApiError> {
    let frame = app.frame();
    Ok(Json(regime_of(&frame, symbol(&frame, &name)?)))
}

/// Drift of the monitored features against their trailing baseline (§7).
#[utoipa::path(get, path = "/v1/drift/{symbol}", tag = "analytics",
    params(("symbol" = String, Path, description = SYMBOL)),
    responses((status = 200, body = DriftResponse), (status = 404, body = ErrorBody)))]
pub async fn drift(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<DriftResponse>, ApiError> {
    let frame = app.frame();
    Ok(Json(drift_of(&frame, symbol(&frame, &name)?)))
}

/// The consensus of the directional reads (§8).
#[utoipa::path(get, path = "/v1/consensus/{symbol}", tag = "analytics",
    params(("symbol" = String, Path, description = SYMBOL)),
    responses((status = 200, body = ConsensusResponse), (status = 404, body = ErrorBody)))]
pub async fn consensus(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<ConsensusResponse>, ApiError> {
    let frame = app.frame();
    Ok(Json(consensus_of(&frame, symbol(&frame, &name)?)))
}

/// Cross-venue arbitrage over every watched symbol, net of taker fees (§9).
#[utoipa::path(get, path = "/v1/arbitrage", tag = "analytics",
    responses((status = 200, body = ArbitrageResponse)))]
pub async fn arbitrage(
    State(app): State<App>,
    _: Params<NoParams>,
) -> Result<Json<ArbitrageResponse>, ApiError> {
    let frame = app.frame();
    Ok(Json(arbitrage_of(&frame, &frame.symbols)))
}

/// Cross-venue arbitrage of one symbol, net of taker fees (§9).
#[utoipa::path(get, path = "/v1/arbitrage/{symbol}", tag = "analytics",
    params(("symbol" = String, Path, description = SYMBOL)),
    responses((status = 200, body = ArbitrageResponse), (status = 404, body = ErrorBody)))]
pub async fn arbitrage_symbol(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<ArbitrageResponse>, ApiError> {
    let frame = app.frame();
    let s = symbol(&frame, &name)?;
    Ok(Json(arbitrage_of(&frame, [s])))
}

/// The eight manipulation-footprint detectors and the integrity score (§10).
#[utoipa::path(get, path = "/v1/market-protection/{symbol}", tag = "analytics",
    params(("symbol" = String, Path, description = SYMBOL)),
    responses((status = 200, body = ProtectionResponse), (status = 404, body = ErrorBody)))]
pub async fn market_protection(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<ProtectionResponse>, ApiError> {
    let frame = app.frame();
    Ok(Json(protection_of(&frame, symbol(&frame, &name)?)))
}

/// Venue-reported long/short ratios and taker positioning of the symbol's perpetuals.
#[utoipa::path(get, path = "/v1/flow/positioning/{symbol}", tag = "flow",
    params(("symbol" = String, Path, description = SYMBOL)),
    responses((status = 200, body = PositioningResponse), (status = 404, body = ErrorBody)))]
pub async fn positioning(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<PositioningResponse>, ApiError> {
    let frame = app.frame();
    Ok(Json(positioning_of(&frame, symbol(&frame, &name)?)))
}

/// Spot against perpetuals: basis, depth divergence and order-flow lead–lag.
#[utoipa::path(get, path = "/v1/flow/spot-futures/{symbol}", tag = "flow",
    params(("symbol" = String, Path, description = SYMBOL)),
    responses((status = 200, body = SpotFuturesResponse), (status = 404, body = ErrorBody)))]
pub async fn spot_futures(
    State(app): State<App>,
    Path(name): Path<String>,
    _: Params<NoParams>,
) -> Result<Json<SpotFuturesResponse>, ApiError> {
    let frame = app.frame();
    let s = symbol(&frame, &name)?;
    Ok(Json(spot_futures_of(
        &frame,
        s,
        super::market::basis_spread(s),
    )))
}

#[cfg(test)]
mod tests;
