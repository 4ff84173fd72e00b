//! [`Frame`]: everything the screen (and `stream --json`) shows, as one immutable value.
//!
//! The engine builds a frame every tick and publishes it as `Arc<Frame>` on a `watch`; the UI
//! renders the latest one with no locks held. Every number that can be undefined, stale or
//! invalid is an `Option` next to the state that explains it, so a renderer cannot show a made-up
//! or stale number as if it were fresh: a book that is not `Live` carries no features at all.

use crate::config::alerts::Notify;
use crate::engine::prices::PriceSeries;
use crate::engine::quote_rate::QuoteRate;
use crate::features::derivatives::{DerivativesConsensus, SpotPerp};
use crate::feed::event::{BookKey, LiqSampling};
use crate::feed::health::{BookCounters, BookState, ConnState, VenueCounters};
use crate::instrument::{Instrument, MarketKind};
use crate::market::{LiquidatedPosition, Millis, Nanos, TakerSide, VenueId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Where the data comes from. Shown in the header at all times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum DataMode {
    /// Real exchanges, now.
    Live,
    /// The embedded simulator (`--demo`): not a real market.
    Simulated { seed: u64 },
    /// A recorded capture; `clock` is the capture's time of the latest event.
    Replay {
        file: String,
        clock: Nanos,
        speed: Option<f64>,
        paused: bool,
        /// Gaps in capture time the replay skipped rather than waited through.
        skipped_gaps: u64,
    },
}

impl DataMode {
    /// The mode in one word, as `stream --json` tags it (`live`, `simulated`, `replay`).
    pub fn word(&self) -> &'static str {
        match self {
            DataMode::Live => "live",
            DataMode::Simulated { .. } => "simulated",
            DataMode::Replay { .. } => "replay",
        }
    }
}

/// One published frame.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Frame {
    /// Increments with every published frame.
    pub seq: u64,
    /// Local time the frame was built.
    pub at: Nanos,
    pub mode: DataMode,
    /// One entry per symbol the user watches (`BTC`, `ETH`, …), in watch-list order.
    pub symbols: Vec<SymbolFrame>,
    /// Connection health per venue, in display order.
    pub venues: Vec<VenueHealth>,
    /// The most recent alerts, newest first (bounded; the full stream is the alert channel).
    pub alerts: Vec<Arc<Alert>>,
    /// Alerts fired since the previous frame (for `stream --json`).
    pub new_alerts: usize,
    /// How alerts are getting through the alert channel.
    pub alert_delivery: AlertDelivery,
    /// The REST backfill's progress, once one has started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backfill: Option<BackfillView>,
    /// The history file's writer (Health view); `None` without history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<crate::history::HistoryHealth>,
}

/// A backfill as the header and the Health view show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackfillView {
    pub progress: crate::backfill::BackfillProgress,
    /// Books whose baselines were seeded from it.
    pub seeded_books: usize,
    /// Rows it wrote into the history file (where the file had none).
    pub stored_rows: u64,
}

impl Frame {
    /// When the next attempt is, if the session is offline: there are venues, none is
    /// connected or connecting, at least one is retrying, and no book is live.
    pub fn offline_until(&self) -> Option<Nanos> {
        let live_book = self
            .symbols
            .iter()
            .flat_map(|s| &s.books)
            .any(|b| b.state.is_live());
        let mut next: Option<Nanos> = None;
        for v in &self.venues {
            match &v.state {
                ConnState::Backoff { until, .. } => {
                    next = Some(next.map_or(*until, |n| n.min(*until)));
                }
                ConnState::Down(_) => {}
                _ => return None,
            }
        }
        next.filter(|_| !live_book)
    }
}

/// Alert channel health. Alerts are never dropped silently: one that finds the channel full
/// waits in the engine's backlog and is counted here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertDelivery {
    /// Alerts handed to the channel.
    pub delivered: u64,
    /// Alerts that found the channel full and had to wait in the backlog (overflow counter).
    pub deferred: u64,
    /// Alerts waiting in the backlog now.
    pub backlog: usize,
    /// Alerts dropped because even the backlog was full (oldest first). Only a reader that stops
    /// for a long time gets here; each one also appeared in `Frame::alerts`.
    pub dropped: u64,
    /// Nobody reads the channel any more; alerts are only in `Frame::alerts`.
    pub reader_gone: bool,
}

/// One symbol across venues.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SymbolFrame {
    pub symbol: String,
    /// One per (venue, instrument) serving this symbol, spot and derivatives.
    pub books: Vec<BookFrame>,
    /// Cross-venue reads over the live, fresh books only.
    pub composites: Composites,
    /// Recent history for sparklines and charts, oldest first, one sample per tick.
    pub history: Arc<SymbolHistory>,
    /// The mid over the last 5 min (1 s samples) and 24 h (1 min candles), for the price chart.
    /// Not in `stream --json` (a chart's history, not a tick's news).
    #[serde(skip)]
    pub prices: Arc<PriceSeries>,
    /// Zones, regime, drift, consensus, arbitrage, detectors, lead–lag, positioning.
    #[serde(default)]
    pub analytics: Arc<super::analytics::Analytics>,
}

/// One venue's book for one instrument, with its features.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BookFrame {
    pub key: BookKey,
    pub instrument: Arc<Instrument>,
    pub state: BookState,
    /// Live and neither crossed nor locked (§0.2): only then are book features computed.
    pub valid: bool,
    /// No book update for longer than `stale_after` (§0.2): numbers are kept but marked.
    pub stale: bool,
    /// `max(5 s, 20 × median inter-update interval)`, ms (§0.2).
    pub stale_after_ms: f64,
    /// Levels the engine's copy of the book holds per side.
    pub n_levels_bid: usize,
    pub n_levels_ask: usize,
    /// Local time since the last book update, ms.
    pub book_age_ms: Option<f64>,
    /// Exchange timestamp age of the last update (local now − exchange time), ms.
    pub exch_age_ms: Option<f64>,
    pub counters: BookCounters,
    /// Sizes are in base units (the contract is known); when false, notional features are absent.
    pub base_units: bool,
    pub ladder: Ladder,
    /// `None` unless the book is `Live`.
    pub features: Option<BookFeatures>,
    pub bands: Option<DepthBands>,
    pub flow: FlowFeatures,
    pub liquidations: LiquidationFeatures,
    pub derivs: DerivsView,
    /// Latest trades, newest first (bounded).
    pub recent_trades: Vec<TradePrint>,
    /// Taker volume per price over the recent window, for the ladder's trade column.
    pub traded_at_price: Vec<PriceVolume>,
}

/// The top of the book for display: prices and base-unit sizes, best first.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Ladder {
    pub bids: Vec<LadderLevel>,
    pub asks: Vec<LadderLevel>,
    /// Per side, the worst price the book is known to reach; `None` = complete.
    pub bid_known_to: Option<f64>,
    pub ask_known_to: Option<f64>,
    /// Decimal places to show prices with (from the tick size).
    pub price_decimals: u8,
    /// Levels whose size is at or above the large-level threshold are flagged.
    pub large_threshold: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LadderLevel {
    pub price: f64,
    pub size: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriceVolume {
    pub price: f64,
    pub buy: f64,
    pub sell: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TradePrint {
    pub exch_ts: Millis,
    pub price: f64,
    pub size: f64,
    pub notional: f64,
    pub taker: Option<TakerSide>,
    pub large: bool,
}

/// Per-venue book features (§1). Every field `None` when undefined or warming up.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BookFeatures {
    pub mid: Option<f64>,
    pub spread_bps: Option<f64>,
    pub spread_ticks: Option<f64>,
    /// Top-N depth imbalance for N = 1, 5, 10, 20.
    pub depth_imbalance: [Option<f64>; 4],
    /// Depth imbalance within 25 bps of mid (the cross-venue version).
    pub depth_imbalance_25bps: Option<f64>,
    pub book_pressure_10: Option<f64>,
    pub ln_book_pressure_10: Option<f64>,
    pub ofi_10s: Option<f64>,
    pub ofi_60s: Option<f64>,
    pub ofi_usd_60s: Option<f64>,
    pub ofi_norm_10s: Option<f64>,
    pub ofi_norm_60s: Option<f64>,
    pub ofi_depth_60s: Option<f64>,
    /// Level OFI, top 5, normalised by the average level size.
    pub level_ofi: [Option<f64>; 5],
    pub wmid_offset_bps: Option<f64>,
    pub wmid_5_offset_bps: Option<f64>,
    pub spread_volatility_bps: Option<f64>,
    pub top_level_size_ratio: Option<f64>,
    pub large_order_pressure: Option<f64>,
    pub large_order_direction: Option<f64>,
    /// Price impact λ, bps per $1M, at 10 and 25 bps bands.
    pub price_impact_10bps: Option<f64>,
    pub price_impact_25bps: Option<f64>,
    pub phantom_liquidity_score: Option<f64>,
    pub large_order_events_per_min: Option<f64>,
    pub large_order_notional_per_min: Option<f64>,
    pub large_level_share: Option<f64>,
    /// L1 set (Aperiodic): `(b − a)/(b + a)` now and its time-weighted interval average.
    pub l1_imbalance_ratio: Option<f64>,
    pub l1_imbalance_ratio_avg: Option<f64>,
    /// This venue's `directional_pressure` (§4.1), the input of the cross-venue composites.
    pub directional_pressure: Option<f64>,
    /// This venue's `liquidity_risk` (§4.2) and its components `u1..u4` (spread, depth,
    /// slippage, spread volatility percentiles against the trailing 24 h).
    pub liquidity_risk: Option<f64>,
    pub liquidity_risk_components: [Option<f64>; 4],
}

/// A depth figure that may be only a lower bound (the band reaches past the known book).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Depth {
    pub base: f64,
    pub quote: f64,
    /// The band extends beyond what the book is known to cover: `base`/`quote` are lower bounds.
    pub truncated: bool,
}

/// Depth bands and slippage (§2).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DepthBands {
    /// Whether the Kaiko set is measured from the best price on each side or from mid.
    #[serde(deserialize_with = "kaiko_reference")]
    pub kaiko_reference: crate::words::Word,
    /// `(percent, bid, ask)` for 0.1 … 10 %.
    pub kaiko: Vec<(f64, Depth, Depth)>,
    /// `(bps, bid, ask)` for 2, 5, 10, 25 bps of mid, cumulative.
    pub bps: Vec<(f64, Depth, Depth)>,
    /// 25–500 bps of mid.
    pub outer_bid: Depth,
    pub outer_ask: Depth,
    /// `(quote notional, buy slippage bps, sell slippage bps)` vs mid; `None` = not enough depth.
    pub slippage: Vec<(f64, Option<f64>, Option<f64>)>,
}

/// The words [`DepthBands::kaiko_reference`] takes.
pub const KAIKO_REFERENCES: [&str; 2] = ["best_on_side", "mid"];

fn kaiko_reference<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    crate::words::known(d, &KAIKO_REFERENCES)
}

/// Trade flow (§3.1–3.3).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FlowFeatures {
    pub cvd_1m: Option<f64>,
    pub cvd_5m: Option<f64>,
    pub cvd_1m_usd: Option<f64>,
    pub cvd_slope_per_min: Option<f64>,
    pub cvd_slope_norm: Option<f64>,
    pub taker_buy_sell_ratio: Option<f64>,
    pub taker_buy_share: Option<f64>,
    pub large_trade_count_5m: Option<f64>,
    pub large_buy_share: Option<f64>,
    pub large_trade_share: Option<f64>,
    pub large_trade_threshold_usd: Option<f64>,
    /// `LB` and `LS` over the large-trade window, quote notional: what a cross-venue sum of
    /// large flow needs (shares cannot be summed).
    pub large_buy_notional_5m: Option<f64>,
    pub large_sell_notional_5m: Option<f64>,
    /// Taker buy and sell volume over 1 min, base units: what a cross-venue taker ratio needs.
    pub taker_buy_volume_1m: Option<f64>,
    pub taker_sell_volume_1m: Option<f64>,
    /// Volume with no taker side in the `cvd_1m` window (excluded from CVD); 0 while `cvd_1m`
    /// is warming up.
    pub unsided_volume: f64,
    /// §4.4 on this venue.
    pub flow_momentum: Option<f64>,
    /// §4.3 on this venue: `|NL|·P·S` and `sgn(NL)`.
    pub whale_conviction: Option<f64>,
    pub whale_direction: Option<f64>,
    /// Taker notional traded over the trailing 24 h (or since the stream was first seen): the
    /// venue's weight in cross-venue composites (§4.5).
    pub volume_24h_usd: Option<f64>,
}

/// Liquidations and cascade stress (§3.5–3.8).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LiquidationFeatures {
    /// How completely this venue reports liquidations; raw counts are never compared across
    /// different samplings. `None`: the venue has no liquidation stream.
    pub sampling: Option<LiqSampling>,
    pub count_1m: Option<f64>,
    pub notional_1m: Option<f64>,
    pub rate_per_min: Option<f64>,
    pub notional_rate_per_min: Option<f64>,
    pub long_notional_5m: Option<f64>,
    pub short_notional_5m: Option<f64>,
    pub long_short_imbalance: Option<f64>,
    pub cascade: Option<CascadeView>,
    /// Latest liquidations, newest first (bounded).
    pub recent: Vec<LiquidationPrint>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiquidationPrint {
    pub exch_ts: Millis,
    pub position: LiquidatedPosition,
    pub price: f64,
    pub size: f64,
    pub notional: f64,
}

/// Cascade stress with its four factors visible (§3.8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CascadeView {
    pub stress: f64,
    pub accel: f64,
    pub clus: f64,
    pub imb: f64,
    pub thin: f64,
    pub gate: f64,
    /// A factor's input was missing (no depth baseline yet): it counted as zero.
    pub degraded: bool,
}

/// Derivatives state for a perpetual or future.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DerivsView {
    pub mark_price: Option<f64>,
    pub index_price: Option<f64>,
    pub funding_rate: Option<f64>,
    pub funding_apr: Option<f64>,
    pub funding_interval_h: Option<f64>,
    pub next_funding_ts: Option<Millis>,
    pub open_interest: Option<f64>,
    pub open_interest_usd: Option<f64>,
    /// Relative change of open interest over the last hour (0.02 = +2 %); `None` until an hour
    /// has been observed.
    pub open_interest_change_1h: Option<f64>,
    /// §3.9: `(mark − index)/index` in bps, where the venue publishes both.
    pub premium_bps: Option<f64>,
    /// Polled values older than twice their poll interval are stale (§0.2).
    pub stale: bool,
}

/// Cross-venue composites for one symbol (§4), each with the inputs it used.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Composites {
    pub directional_pressure: Option<f64>,
    pub liquidity_risk: Option<f64>,
    pub whale_conviction: Option<f64>,
    pub whale_direction: Option<f64>,
    pub flow_momentum: Option<f64>,
    pub cross_exchange_agreement: Option<f64>,
    pub cascade_stress: Option<f64>,
    /// Venues that were live and fresh, so counted.
    pub venues_used: Vec<VenueId>,
    /// Max cross-venue mid dislocation in bps among fresh, time-aligned books.
    pub dislocation_bps: Option<f64>,
    /// The largest §10.8 score (held 2 s), and the book it belongs to.
    pub dislocation_score: Option<f64>,
    pub dislocated: Option<BookKey>,
    /// The lowest §10.9 integrity score of the symbol's books (each book's is in
    /// `analytics.integrity`); `None` when no book has one.
    pub integrity_score: Option<f64>,
    /// The currency the symbol's cross-venue prices (its reference mid, dislocation) are in:
    /// the quote most of its fresh books use.
    pub quote: Option<String>,
    /// The USDT/USD rate books in the other of the two currencies were converted through
    /// (§0.4); absent when nothing was converted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote_rate: Option<QuoteRate>,
    /// Quote currencies of fresh books left out of the cross-venue prices for lack of a rate
    /// (never taken as equal to the symbol's currency).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quotes_apart: Vec<String>,
    /// For each composite still without a value because a baseline is filling: how far it
    /// has filled (the best fresh venue's). Absent once warm.
    pub warming: Warming,
    /// Funding and open-interest consensus across the symbol's fresh perpetuals (§3.13).
    #[serde(default)]
    pub derivatives: DerivativesConsensus,
    /// Spot against perpetual depth within 50 bps of the touch (§3.11).
    #[serde(default)]
    pub spot_perp: SpotPerp,
}

/// Baseline fill of the composites that wait for one (shown as `23/60m` instead of `—`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Warming {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liquidity_risk: Option<Progress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_momentum: Option<Progress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whale_conviction: Option<Progress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cascade_stress: Option<Progress>,
}

/// A baseline's fill: minutes held of the minutes needed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub have_min: f64,
    pub need_min: f64,
}

impl Progress {
    /// The better filled of two.
    pub fn best(a: Option<Progress>, b: Option<Progress>) -> Option<Progress> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if a.have_min / a.need_min >= b.have_min / b.need_min {
                a
            } else {
                b
            }),
            (a, b) => a.or(b),
        }
    }
}

/// Recent per-tick history for one symbol, for sparklines and the CVD chart.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SymbolHistory {
    pub at: Vec<Nanos>,
    pub directional_pressure: Vec<Option<f64>>,
    pub liquidity_risk: Vec<Option<f64>>,
    pub flow_momentum: Vec<Option<f64>>,
    pub cascade_stress: Vec<Option<f64>>,
    pub cvd_1m: Vec<Option<f64>>,
    pub cvd_5m: Vec<Option<f64>>,
    pub mid: Vec<Option<f64>>,
}

/// A venue's connection health.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VenueHealth {
    pub venue: VenueId,
    pub state: ConnState,
    pub counters: VenueCounters,
    /// Messages per second over the last few seconds.
    pub msg_rate: Option<f64>,
    /// Local time since the last message, ms.
    pub last_message_age_ms: Option<f64>,
}

/// How serious an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warn,
    Crit,
}

/// One fired alert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Increments with every alert the engine fires (readers skipping frames can tell what they
    /// have not seen yet).
    pub id: u64,
    pub at: Nanos,
    pub rule: String,
    pub severity: Severity,
    pub venue: Option<VenueId>,
    /// The venue's instrument id, for per-book metrics.
    pub instrument: Option<Arc<str>>,
    pub symbol: Option<String>,
    /// The metric's name (`docs/metrics.md` names, as in `stream --json`).
    pub metric: String,
    /// The metric's value when the rule fired (for a z-score rule: the value, not the z).
    pub value: f64,
    /// The level the rule compares against (a threshold, or a z for z-score rules).
    pub threshold: f64,
    /// The z-score, for z-score rules.
    pub zscore: Option<f64>,
    /// Which way the alert points, where its metric has a side: the taker side of a large
    /// trade, the positions a liquidation closed, the sign of a directional read (OFI, depth
    /// imbalance, directional pressure, flow momentum). Absent for metrics without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<AlertSide>,
    pub notify: Notify,
    pub message: String,
}

/// The side an alert points to (`side` in `stream --json`: `buy`, `sell`, `longs_liquidated`,
/// `shorts_liquidated`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertSide {
    /// A taker buy, or a directional read pointing up (buy pressure, more bids).
    Buy,
    /// A taker sell, or a directional read pointing down.
    Sell,
    /// Long positions were liquidated (forced sells).
    LongsLiquidated,
    /// Short positions were liquidated (forced buys).
    ShortsLiquidated,
}

impl AlertSide {
    pub fn of_taker(side: TakerSide) -> AlertSide {
        match side {
            TakerSide::Buy => AlertSide::Buy,
            TakerSide::Sell => AlertSide::Sell,
        }
    }

    pub fn of_liquidation(position: LiquidatedPosition) -> AlertSide {
        match position {
            LiquidatedPosition::Long => AlertSide::LongsLiquidated,
            LiquidatedPosition::Short => AlertSide::ShortsLiquidated,
        }
    }

    /// The direction of a signed value; none for zero.
    pub fn of_sign(value: f64) -> Option<AlertSide> {
        if value > 0.0 {
            Some(AlertSide::Buy)
        } else if value < 0.0 {
            Some(AlertSide::Sell)
        } else {
            None
        }
    }

    /// The words an alert line uses.
    pub fn word(self) -> &'static str {
        match self {
            AlertSide::Buy => "buy",
            AlertSide::Sell => "sell",
            AlertSide::LongsLiquidated => "longs liquidated",
            AlertSide::ShortsLiquidated => "shorts liquidated",
        }
    }
}

impl BookFrame {
    pub fn is_spot(&self) -> bool {
        self.instrument.kind == MarketKind::Spot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrity::ResyncReason;

    #[test]
    fn states_serialise_with_their_reasons() {
        let v = serde_json::to_value(BookState::Resyncing(ResyncReason::VenueError(
            "60018".into(),
        )))
        .unwrap();
        assert_eq!(v["state"], "resyncing");
        assert_eq!(v["reason"]["kind"], "venue_error");
        assert_eq!(v["reason"]["detail"], "60018");
        let v = serde_json::to_value(ConnState::Down("bad url".into())).unwrap();
        assert_eq!(
            (v["state"].as_str(), v["detail"].as_str()),
            (Some("down"), Some("bad url"))
        );
        let v = serde_json::to_value(BookState::Live).unwrap();
        assert_eq!(v["state"], "live");
        let v = serde_json::to_value(DataMode::Simulated { seed: 7 }).unwrap();
        assert_eq!(
            (v["mode"].as_str(), v["seed"].as_u64()),
            (Some("simulated"), Some(7))
        );
    }

    #[test]
    fn absent_numbers_serialise_as_null_never_nan() {
        let f = BookFeatures::default();
        let text = serde_json::to_string(&f).unwrap();
        assert!(text.contains("\"spread_bps\":null"));
        assert!(!text.contains("NaN"));
    }
}
