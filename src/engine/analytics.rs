//! The per-symbol analytics view model (`features.md` §3.12, §5–§10 and positioning): what the
//! Analytics view (key `6`), `stream --json` (`analytics`), `serve` and the alert rules read.
//!
//! Everything here is a published value, already gated by §0.2: a read whose inputs are stale,
//! crossed or still warming is `None` (with its warm-up progress where one applies), never a
//! number computed over books that are no longer fresh. The state that produces these values
//! lives beside the feature math; this file only holds the shape every reader shares.

use serde::{Deserialize, Serialize};

use crate::feed::event::BookKey;
use crate::market::Millis;

use super::frame::Progress;

/// One symbol's analytics, published with every frame (`SymbolFrame::analytics`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Analytics {
    /// §5: support and resistance zones from the symbol's resting depth.
    pub zones: Zones,
    /// §6: the regime label and its distribution.
    pub regime: Regime,
    /// §7: drift of the monitored features against their trailing baseline.
    pub drift: Drift,
    /// §8: the consensus of the directional reads.
    pub consensus: ModelConsensus,
    /// §9: executable cross-venue edges net of taker fees.
    pub arbitrage: Arbitrage,
    /// §10: the eight detectors and the integrity score, one entry per book of the symbol.
    pub integrity: Vec<BookIntegrity>,
    /// §3.12: which venue's order flow leads (spot against perpetual, or the two largest venues).
    pub lead_lag: Option<LeadLag>,
    /// Venue-reported and tape-derived positioning of the symbol's perpetuals.
    pub positioning: Positioning,
}

/// The side of the book a zone's resting depth sits on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneSide {
    Bid,
    Ask,
}

/// What a zone does to price: set from where it sat when created, flipped by a breach (§5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneRole {
    Support,
    Resistance,
}

/// §5: zones on an absolute price grid (bucket width `grid`, in the symbol's quote currency).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Zones {
    /// The bucket width Δ, in quote currency; `None` before the first valid snapshot.
    pub grid: Option<f64>,
    /// The quote currency of the zone prices (the symbol's cross-venue currency).
    pub quote: Option<String>,
    /// Published zones (strength ≥ 0.1), lowest price first.
    pub zones: Vec<Zone>,
    /// Distance from the mid to the nearest support / resistance zone edge, in bps (positive).
    pub nearest_support_bps: Option<f64>,
    pub nearest_resistance_bps: Option<f64>,
    /// The books did not reach ±2 % of mid: the range was shrunk to this many percent.
    pub range_pct: Option<f64>,
    /// Observations are paused (no valid book); the zones are the last ones seen.
    pub paused: bool,
}

/// One support or resistance zone (§5 outputs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    pub lo: f64,
    pub hi: f64,
    pub side: ZoneSide,
    pub role: ZoneRole,
    /// Persistence-decayed strength 0..1 (T½ = 342 s).
    pub strength: f64,
    /// The zone's resting notional in the last snapshot, in quote currency; `None` when that
    /// snapshot's range did not reach the whole zone (unknown, not empty).
    pub notional: Option<f64>,
    pub age_s: f64,
    pub touches: u32,
    pub bounces: u32,
    pub breaches: u32,
    pub last_touch: Option<Millis>,
}

/// §6 labels. BREAKOUT is the up-move counterpart of CRASH (§12 names the asymmetry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RegimeLabel {
    Calm,
    Bull,
    Bear,
    Breakout,
    Crash,
}

impl RegimeLabel {
    /// The order of [`Regime::probabilities`].
    pub const ALL: [RegimeLabel; 5] = [
        RegimeLabel::Calm,
        RegimeLabel::Bull,
        RegimeLabel::Bear,
        RegimeLabel::Breakout,
        RegimeLabel::Crash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegimeLabel::Calm => "CALM",
            RegimeLabel::Bull => "BULL",
            RegimeLabel::Bear => "BEAR",
            RegimeLabel::Breakout => "BREAKOUT",
            RegimeLabel::Crash => "CRASH",
        }
    }
}

/// §6: the forward filter's output, updated once a minute.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Regime {
    /// The label after hysteresis; `None` while warming or after a reset.
    pub label: Option<RegimeLabel>,
    /// Filtered probabilities in [`RegimeLabel::ALL`] order; `None` while warming.
    pub probabilities: Option<[f64; 5]>,
    /// `−Σπ ln π / ln 5`, 0 (certain) ..1 (uniform).
    pub entropy: Option<f64>,
    /// The inputs `x1 = r_5m/σ̂_5m` and `x2 = ln(σ̂_15m/σ̂_24h)` of the last update.
    pub inputs: Option<[f64; 2]>,
    /// When the current label was taken.
    pub since: Option<Millis>,
    /// The 24 h of 1-min mids the inputs need, while filling.
    pub warming: Option<Progress>,
}

/// Which streaming change-point test raised an alarm (§7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftTest {
    PageHinkleyUp,
    PageHinkleyDown,
    Adwin,
}

/// §7 over the monitored features.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// `mean_f min(1, PSI_f/0.25)`; `None` until a feature has its 200 baseline samples.
    pub score: Option<f64>,
    /// The largest PSI of any feature.
    pub max_psi: Option<f64>,
    pub features: Vec<FeatureDrift>,
    /// Change-point alarms of the last hour, newest first.
    pub alarms: Vec<DriftAlarm>,
    pub warming: Option<Progress>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureDrift {
    /// The metric's name as in `stream --json`.
    pub feature: String,
    pub psi: Option<f64>,
    pub ks: Option<f64>,
    pub baseline_n: usize,
    pub current_n: usize,
    /// PSI > 0.25.
    pub drifted: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftAlarm {
    pub feature: String,
    pub test: DriftTest,
    pub at: Millis,
}

/// §8: the directional reads taken as models, each with its confidence.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelConsensus {
    pub consensus: Option<f64>,
    pub agreement: Option<f64>,
    pub dispersion: Option<f64>,
    pub models: Vec<ModelVote>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelVote {
    pub model: String,
    /// −1..1
    pub signal: f64,
    /// 0..1
    pub confidence: f64,
}

/// §9: opportunities with `net_bps > 0` and notional ≥ the configured minimum, best first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Arbitrage {
    pub opportunities: Vec<ArbOpportunity>,
    /// Ordered venue pairs compared this tick (fresh, within 250 ms of each other).
    pub pairs_checked: usize,
    /// The currency edges are stated in.
    pub quote: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArbOpportunity {
    /// Buy at this book's ask.
    pub buy: BookKey,
    /// Sell at this book's bid.
    pub sell: BookKey,
    pub gross_bps: f64,
    /// First unit, net of both taker fees.
    pub net_bps: f64,
    /// Size executable while the marginal edge stays positive, in base units.
    pub size: f64,
    /// That size at the buy prices, in quote currency.
    pub notional: f64,
    /// Profit of walking that size, in quote currency, net of fees.
    pub pnl: f64,
    pub fee_buy_bps: f64,
    pub fee_sell_bps: f64,
}

/// §10's eight detectors, in the order of [`DetectorKind::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectorKind {
    /// §10.1 `phantom_liquidity_score` (spoofing footprint).
    PhantomLiquidity,
    Layering,
    QuoteStuffing,
    MomentumIgnition,
    Pump,
    WashTrading,
    StopHunt,
    Dislocation,
}

impl DetectorKind {
    pub const ALL: [DetectorKind; 8] = [
        DetectorKind::PhantomLiquidity,
        DetectorKind::Layering,
        DetectorKind::QuoteStuffing,
        DetectorKind::MomentumIgnition,
        DetectorKind::Pump,
        DetectorKind::WashTrading,
        DetectorKind::StopHunt,
        DetectorKind::Dislocation,
    ];

    /// The metric name in `stream --json` and alert rules.
    pub fn metric(self) -> &'static str {
        match self {
            DetectorKind::PhantomLiquidity => "phantom_liquidity_score",
            DetectorKind::Layering => "layering_score",
            DetectorKind::QuoteStuffing => "quote_stuffing_score",
            DetectorKind::MomentumIgnition => "momentum_ignition_score",
            DetectorKind::Pump => "pump_score",
            DetectorKind::WashTrading => "wash_score",
            DetectorKind::StopHunt => "stop_hunt_score",
            DetectorKind::Dislocation => "dislocation_score",
        }
    }

    /// §10.9 weight in the integrity product.
    pub fn weight(self) -> f64 {
        match self {
            DetectorKind::WashTrading | DetectorKind::QuoteStuffing => 0.3,
            DetectorKind::StopHunt => 0.4,
            _ => 0.5,
        }
    }
}

/// One detector's reading on one book.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectorReading {
    pub kind: DetectorKind,
    /// 0..1; `None` while its baseline fills or its inputs are missing.
    pub score: Option<f64>,
    /// The last time the score rose above the firing level (0.5), and what produced it.
    pub last_fired: Option<Evidence>,
}

/// What produced a detector's score: never an accusation, the footprint only (§10 scope).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub at: Millis,
    pub score: f64,
    /// One line a trader can read (`bid 99.80 +10 cancelled after 1.5 s`).
    pub summary: String,
    /// The timestamps, prices and sizes behind it (bounded).
    pub points: Vec<EvidencePoint>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidencePoint {
    pub at: Millis,
    pub price: f64,
    pub size: f64,
}

/// §10 on one book: the eight readings and the integrity score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BookIntegrity {
    pub key: BookKey,
    pub detectors: Vec<DetectorReading>,
    /// `100 · Π(1 − w_k s_k)` over the detectors with a score; `None` if none has one.
    pub integrity_score: Option<f64>,
    /// Detectors that took the most off the score, largest first.
    pub top_contributors: Vec<DetectorKind>,
}

/// §3.12 between two books of the symbol.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeadLag {
    /// Venue A (positive lag: A leads B).
    pub a: BookKey,
    pub b: BookKey,
    /// `argmax_τ |ρ(τ)|` in seconds.
    pub lag_s: i32,
    /// ρ at that lag.
    pub rho: f64,
    /// `Σρ(τ)² / Σρ(−τ)²` over τ = 1..K; `None` when the denominator is zero.
    pub llr: Option<f64>,
    /// Non-empty 1-s bins used.
    pub bins: usize,
}

/// Which population a venue's long/short ratio counts: never mixed in one consensus (§3.13).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatioKind {
    /// All accounts (Binance `globalLongShortAccountRatio`, Bybit `account-ratio`, OKX rubik).
    Accounts,
    /// Top traders by account count (Binance `topLongShortAccountRatio`).
    TopAccounts,
    /// Top traders by position size (Binance `topLongShortPositionRatio`).
    TopPositions,
}

/// One venue-reported long/short ratio.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LongShortRatio {
    pub kind: RatioKind,
    /// longs / shorts.
    pub ratio: f64,
    /// The venue's period end for this value.
    pub at: Millis,
    /// Older than twice the poll interval (§0.2).
    pub stale: bool,
}

/// Positioning of one perpetual book.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VenuePositioning {
    pub key: BookKey,
    pub ratios: Vec<LongShortRatio>,
    /// Venue-reported taker buy volume / sell volume (Binance `takerlongshortRatio`, OKX
    /// taker volume), where published.
    pub taker_buy_sell_ratio: Option<f64>,
    /// From the tape (§0.5 thresholds): the taker buy share of trades at or above the
    /// large-trade threshold, and of those below it.
    pub large_taker_buy_share: Option<f64>,
    pub small_taker_buy_share: Option<f64>,
}

/// Positioning across the symbol's perpetuals.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Positioning {
    pub venues: Vec<VenuePositioning>,
    /// Per ratio kind published by at least two venues with fresh values and fresh open
    /// interest: the §3.13 consensus and its agreement, venues weighted by open interest in USD.
    pub consensus: Vec<RatioConsensus>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RatioConsensus {
    pub kind: RatioKind,
    /// The consensus lean mapped back to a ratio, `(1 + c)/(1 − c)`.
    pub long_short_ratio: f64,
    /// §3.13 `long_short_consensus = Σ w_e (2ℓ_e − 1)` with `ℓ = LSR/(1 + LSR)`, over
    /// normalised weights: −1 (all short) .. 1 (all long).
    pub long_short_consensus: f64,
    pub agreement: Option<f64>,
    pub venues: usize,
}
