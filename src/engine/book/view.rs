//! The tick of one book: every figure of its [`BookFrame`], computed from the mirror and the
//! calculators at one instant.
//!
//! The rules of §0.2 are applied here, once, so no renderer has to: a book that is not `Live`, or
//! is crossed, has no features; a stale book keeps its numbers with `stale = true`; a book whose
//! contract is unknown has no notional figures (its sizes are not base units, §0.4); every
//! rolling figure is `None` until its window is warm.

use std::mem::take;

use crate::config::engine::{EngineConfig, KaikoReference};
use crate::engine::analytics::DetectorReading;
use crate::engine::analytics::VenuePositioning;
use crate::engine::clock::to_millis;
use crate::engine::frame::{
    BookFeatures, BookFrame, CascadeView, Depth, DepthBands, FlowFeatures, KAIKO_REFERENCES,
    Ladder, LadderLevel, LiquidationFeatures, Progress, Warming,
};
use crate::engine::freshness::StaleRule;
use crate::features::bands::{
    BandDepth, DepthReference, HYDROMANCER_BPS, KAIKO_PCTS, LevelThreshold, band_depth,
    depth_imbalance_band, hydromancer_bands, kaiko_depths, large_level_shares, level_threshold,
    price_impact,
};
use crate::features::book_metrics::{
    book_pressure, depth_imbalance, l1_imbalance, spread, top_level_size_ratio_combined,
    weighted_mid,
};
use crate::features::cascade::{CascadeInputs, cascade_stress};
use crate::features::composites::{SlippageInput, directional_pressure};
use crate::features::flow::{FlowReadings, LargeTrades, SizeUnit};
use crate::features::positioning::{TakerSplit, taker_split};
use crate::features::slippage::{OrderSize, Slippage, SlippageRef, slippage};
use crate::features::zones::{CAPTURE_RANGE, DepthWindow};
use crate::features::{Book, Level};
use crate::feed::health::BookState;
use crate::instrument::MarketKind;
use crate::market::{Millis, Nanos, Side, TakerSide};

use super::baselines::LiquiditySample;
use super::detectors::LevelReadings;
use super::differencing::DiffReadings;
use super::{BookEngine, BookParams};

/// §1.9 and §1.13: large resting levels and large-order activity are looked for within 50 bps.
const LARGE_LEVEL_BAND: f64 = 0.005;
/// §3.8: depth on the side being hit, within 50 bps.
const CASCADE_DEPTH_BAND: f64 = 0.005;
const RESYNC_WINDOW: Nanos = 300_000_000_000;

/// One book's tick: its frame and what the cross-venue stage needs besides.
#[derive(Clone, Debug)]
pub struct BookTick {
    pub frame: BookFrame,
    /// Live, valid and not stale: the only books cross-venue figures use (§0.2).
    pub fresh: bool,
    /// Receive minus exchange time of the latest stamp, for cross-venue alignment (§0.2).
    pub lag_ms: Option<f64>,
    /// Resyncs over the last 5 minutes (since start, when younger).
    pub resyncs_5m: u64,
    /// How far this book's slow baselines have filled.
    pub warming: Warming,
    /// This book's exchange clock at the tick (§3.12 bins flow by exchange time).
    pub exch_now: Millis,
    /// OFI's running `[Σ e_n, Σ |e_n|]` (§3.12 differences it per 1-s bin).
    pub ofi_totals: [f64; 2],
    /// The valid book's levels near its mid, on the first tick of each local second only (§5
    /// observes once a second; copying them every tick would cost for nothing).
    pub depth: Option<DepthWindow>,
    /// §10's eight readings in `DetectorKind::ALL` order; scores only while the book is fresh.
    /// Dislocation (§10.8) is left `None` here: the symbol fills it from the other venues.
    pub detectors: Vec<DetectorReading>,
    /// A perpetual's polled positioning statistics and tape split; `None` for other books.
    pub positioning: Option<VenuePositioning>,
}

/// §0.2 book staleness from the configuration.
pub fn book_stale_rule(cfg: &EngineConfig) -> StaleRule {
    let floor_ms = cfg.stale.floor_s * 1000.0;
    StaleRule {
        floor_ms,
        factor: cfg.stale.median_factor,
        unknown_ms: floor_ms,
    }
}

/// §0.2 polled-value staleness from the configuration.
pub fn derivs_stale_rule(cfg: &EngineConfig) -> StaleRule {
    StaleRule {
        floor_ms: 0.0,
        factor: cfg.stale.derivs_factor,
        unknown_ms: cfg.stale.derivs_default_s * 1000.0,
    }
}

impl BookEngine {
    /// Everything about this book at local time `now`.
    pub fn tick(&mut self, now: Nanos, cfg: &EngineConfig) -> BookTick {
        let exch_now = self.exch.now(now);
        let live = self.state.is_live();
        let valid = live && !self.mirror.is_crossed();
        let rule = book_stale_rule(cfg);
        let stale = live && rule.is_stale(&self.updates, now);
        let p = self.params;

        let (mut bids, mut asks) = (take(&mut self.bids), take(&mut self.asks));
        let book = self.mirror.materialize(&mut bids, &mut asks);
        let local_second = to_millis(now).div_euclid(1000);
        let depth = if valid && self.depth_second != Some(local_second) {
            self.depth_second = Some(local_second);
            DepthWindow::capture(&book, CAPTURE_RANGE)
        } else {
            None
        };
        // θ (§0.5) follows the book, re-derived once a second (a median of level sizes moves
        // slowly); the trackers judge new adds by it.
        let second = exch_now.div_euclid(1000);
        let theta = match self.theta {
            Some((at, theta)) if at == second && valid => theta,
            _ => {
                let theta = [Side::Bid, Side::Ask]
                    .map(|side| level_threshold(book.side(side).levels, cfg.large_level_floor_usd));
                self.theta = valid.then_some((second, theta));
                theta
            }
        };
        self.diff.set_thresholds(theta[0], theta[1]);
        let diff = self.diff.readings(exch_now);

        // An outage means trades were missed: nothing trade-based is vouched for while down.
        let connected = self.state != BookState::Down;
        let flow_readings = self.flow.readings(exch_now);
        self.large_threshold = flow_readings
            .large
            .filter(|l| l.unit == SizeUnit::Quote)
            .map(|l| l.threshold);
        let large = flow_readings.large.filter(|_| p.base_units);
        let split = connected.then(|| taker_split_of(&flow_readings)).flatten();
        let volume_24h = p.base_units.then(|| self.tape.volume_24h(exch_now));
        let mut flow = if connected {
            flow_features(&flow_readings, large.as_ref(), p.base_units)
        } else {
            FlowFeatures::default()
        };
        flow.volume_24h_usd = volume_24h.filter(|_| connected);

        let mut features = None;
        let mut bands = None;
        if valid {
            let mut f = book_features(&book, &p, &diff, large.as_ref(), theta);
            let walks = slippage_walks(&book, &cfg.slippage_usd);
            let b = p
                .base_units
                .then(|| depth_bands(&book, cfg.kaiko_reference, &walks))
                .flatten();
            let dp = directional_pressure(
                f.ofi_norm_60s,
                f.depth_imbalance_25bps,
                large.map(|l| l.direction_or_neutral()),
                &cfg.directional_pressure,
            );
            f.directional_pressure = dp.value;
            if let Some(b) = &b {
                let depth = |side| band_depth(&book, side, CASCADE_DEPTH_BAND)?.quote.exact();
                let sample = LiquiditySample {
                    spread_bps: f.spread_bps,
                    depth_10bps: depth_10bps(b),
                    slippage: Some(reference_slippage(&walks)),
                    spread_volatility: f.spread_volatility_bps,
                    depth_50bps: [depth(Side::Bid), depth(Side::Ask)],
                };
                let risk = self.baselines.liquidity_risk(exch_now, &sample);
                f.liquidity_risk = risk.value;
                f.liquidity_risk_components = risk.components;
                if !stale {
                    self.baselines.record(exch_now, &sample);
                }
            }
            features = Some(f);
            bands = b;
        }

        let liquidations = if connected {
            self.liquidation_features(&book, valid, exch_now, cfg)
        } else {
            LiquidationFeatures {
                sampling: self.liquidations.as_ref().map(|l| l.sampling()),
                recent: self
                    .liquidations
                    .as_ref()
                    .map_or_else(Vec::new, |l| l.recent()),
                ..LiquidationFeatures::default()
            }
        };
        let mid = book.touch().map(|t| t.mid()).filter(|_| valid && !stale);
        let layering = self.diff.layering(exch_now);
        let level = LevelReadings {
            phantom: &diff.phantom,
            layering: &layering,
            stuffing: self.diff.stuffing(exch_now),
        };
        let detectors =
            self.detectors
                .tick(exch_now, mid, p.base_units, &self.instrument.quote, level);
        let ladder = self.ladder(&book, cfg.ladder_depth, theta, live);
        self.bids = bids;
        self.asks = asks;

        // The ladder's price range: its deepest bid to its deepest ask.
        let lo = ladder.bids.last().map_or(f64::NAN, |l| l.price);
        let hi = ladder.asks.last().map_or(f64::NAN, |l| l.price);
        let traded_at_price = self.tape.traded_at_price(exch_now, lo, hi);
        let now_ms = now as f64 / 1e6;
        let frame = BookFrame {
            key: self.key.clone(),
            instrument: self.instrument.clone(),
            state: self.state.clone(),
            valid,
            stale,
            stale_after_ms: rule.stale_after_ms(&self.updates),
            n_levels_bid: self.mirror.len(Side::Bid),
            n_levels_ask: self.mirror.len(Side::Ask),
            book_age_ms: self.updates.age_ms(now),
            exch_age_ms: self.last_book_exch.map(|t| now_ms - t as f64),
            counters: self.counters.clone(),
            base_units: p.base_units,
            ladder,
            features,
            bands,
            flow,
            liquidations,
            derivs: self.derivs.view(now, &derivs_stale_rule(cfg), p.base_units),
            recent_trades: self.tape.recent(),
            traded_at_price,
        };
        let warming = self.warming(exch_now);
        let positioning = (self.instrument.kind == MarketKind::Perpetual)
            .then(|| {
                let rule = derivs_stale_rule(cfg);
                self.positioning
                    .view(&self.key, now, exch_now, &rule, split)
            })
            .flatten();
        BookTick {
            positioning,
            warming,
            exch_now,
            ofi_totals: self.diff.ofi_totals(),
            depth,
            fresh: valid && !stale,
            lag_ms: self.exch.lag_ms(),
            resyncs_5m: self.resyncs_5m(now),
            detectors,
            frame,
        }
    }

    /// Progress of each baseline still short of what its composite needs.
    fn warming(&mut self, now: Millis) -> Warming {
        let short = |have: f64, need: f64| {
            (have < need).then_some(Progress {
                have_min: have.floor(),
                need_min: need,
            })
        };
        let [(liquidity, need_liquidity), (depth, need_depth)] = self.baselines.warmup(now);
        let [(closed, need_closed), (whale, need_whale)] = self.flow.warmup(now);
        Warming {
            liquidity_risk: short(liquidity as f64, need_liquidity as f64),
            flow_momentum: short(closed, need_closed),
            whale_conviction: short(whale, need_whale),
            cascade_stress: short(depth as f64, need_depth as f64),
        }
    }

    fn liquidation_features(
        &mut self,
        book: &Book,
        valid: bool,
        now: Millis,
        cfg: &EngineConfig,
    ) -> LiquidationFeatures {
        let Some(liq) = self.liquidations.as_mut() else {
            return LiquidationFeatures::default();
        };
        let p = self.params;
        let notional = |x: Option<f64>| x.filter(|_| p.base_units);
        let r = liq.readings(now);
        let cf = liq.cascade_flow(now);
        let warm5 = cf.warm.then_some(cf);
        let cascade = warm5.filter(|_| p.base_units).map(|cf| {
            let depth_hit = cf
                .side_hit
                .filter(|_| valid)
                .and_then(|side| band_depth(book, side, CASCADE_DEPTH_BAND)?.quote.exact());
            let median = cf
                .side_hit
                .and_then(|side| self.baselines.depth_median(now, side));
            let s = cascade_stress(
                &CascadeInputs::from_flow(&cf, depth_hit, median, p.cascade_n0),
                &cfg.cascade_weights,
            );
            CascadeView {
                stress: s.stress,
                accel: s.accel,
                clus: s.clus,
                imb: s.imb,
                thin: s.thin,
                gate: s.gate,
                degraded: s.degraded,
            }
        });
        let lsi = warm5.and_then(|cf| cf.long_short_imbalance);
        // Long and short notional over 5 min from the window's total and its imbalance.
        let split =
            |sign: f64| warm5.map(|cf| cf.notional * (1.0 + sign * lsi.unwrap_or(0.0)) / 2.0);
        LiquidationFeatures {
            sampling: Some(liq.sampling()),
            count_1m: r.recent.map(|w| w.count as f64),
            notional_1m: notional(r.recent.map(|w| w.notional)),
            rate_per_min: r.rate_count_per_min,
            notional_rate_per_min: notional(r.rate_notional_per_min),
            long_notional_5m: notional(split(1.0)),
            short_notional_5m: notional(split(-1.0)),
            long_short_imbalance: lsi,
            cascade,
            recent: liq.recent(),
        }
    }

    fn ladder(&self, book: &Book, depth: usize, theta: [LevelThreshold; 2], live: bool) -> Ladder {
        if !live {
            return Ladder::default();
        }
        let rows = |levels: &[Level]| -> Vec<LadderLevel> {
            levels
                .iter()
                .take(depth)
                .map(|l| LadderLevel {
                    price: l.price,
                    size: l.size,
                })
                .collect()
        };
        let (bids, asks) = (rows(book.bids.levels), rows(book.asks.levels));
        let large_threshold = match (self.params.base_units, book.touch()) {
            (true, Some(t)) => {
                let worst = theta
                    .iter()
                    .map(|th| match *th {
                        LevelThreshold::Notional(n) => n / t.mid(),
                        LevelThreshold::Base(q) => q,
                    })
                    .fold(0.0, f64::max);
                worst.is_finite().then_some(worst)
            }
            _ => None,
        };
        let price_decimals = self.instrument.tick.map_or_else(
            || decimals_of(bids.iter().chain(&asks).map(|l| l.price)),
            |t| decimals_of(std::iter::once(t.to_f64())),
        );
        Ladder {
            bids,
            asks,
            bid_known_to: book.bids.known_to,
            ask_known_to: book.asks.known_to,
            price_decimals,
            large_threshold,
        }
    }

    fn resyncs_5m(&mut self, now: Nanos) -> u64 {
        let cutoff = now.saturating_sub(RESYNC_WINDOW);
        // Keep one sample at or before the cutoff as the window's baseline.
        while self.resyncs.len() >= 2 && self.resyncs[1].0 <= cutoff {
            self.resyncs.pop_front();
        }
        self.resyncs.push_back((now, self.counters.resyncs));
        let base = match self.resyncs.front() {
            Some(&(t, n)) if t <= cutoff => n,
            _ => 0,
        };
        self.counters.resyncs.saturating_sub(base)
    }
}

/// The §1 snapshot metrics plus the differencing readings, for a valid book. Figures in quote
/// units (or judged against a quote threshold) need base units.
fn book_features(
    book: &Book,
    p: &BookParams,
    diff: &DiffReadings,
    large: Option<&LargeTrades>,
    theta: [LevelThreshold; 2],
) -> BookFeatures {
    let notional = |x: Option<f64>| x.filter(|_| p.base_units);
    let sp = spread(book, p.tick);
    let bp = book_pressure(book, 10);
    let impact = |delta| price_impact(book, delta).and_then(|i| i.mean_bps_per_million);
    let (ofi, lo) = (&diff.ofi, &diff.large_orders);
    BookFeatures {
        mid: book.touch().map(|t| t.mid()),
        spread_bps: sp.map(|s| s.bps),
        spread_ticks: sp.and_then(|s| s.ticks),
        depth_imbalance: [1, 5, 10, 20].map(|n| depth_imbalance(book, n)),
        depth_imbalance_25bps: depth_imbalance_band(book, 0.0025).and_then(|r| r.value),
        book_pressure_10: bp.map(|b| b.ratio),
        ln_book_pressure_10: bp.map(|b| b.ln),
        ofi_10s: ofi.short.ofi,
        ofi_60s: ofi.long.ofi,
        ofi_usd_60s: notional(ofi.long.ofi_usd),
        ofi_norm_10s: ofi.short.ofi_norm,
        ofi_norm_60s: ofi.long.ofi_norm,
        ofi_depth_60s: ofi.long.ofi_depth,
        level_ofi: diff.level_ofi.normalized,
        wmid_offset_bps: weighted_mid(book, 1).map(|w| w.offset_bps),
        wmid_5_offset_bps: weighted_mid(book, 5).map(|w| w.offset_bps),
        spread_volatility_bps: diff.spread_vol.std_bps,
        top_level_size_ratio: top_level_size_ratio_combined(book, 10).map(|r| r.ratio),
        large_order_pressure: large.map(|l| l.large_order_pressure),
        large_order_direction: large.and_then(|l| l.large_direction),
        price_impact_10bps: notional(impact(0.0010)),
        price_impact_25bps: notional(impact(0.0025)),
        phantom_liquidity_score: notional(diff.phantom.phantom_liquidity_score),
        large_order_events_per_min: notional(lo.large_order_events_per_min),
        large_order_notional_per_min: notional(lo.large_order_notional_per_min),
        large_level_share: notional(
            large_level_shares(book, LARGE_LEVEL_BAND, theta[0], theta[1])
                .and_then(|s| s.large_level_share),
        ),
        l1_imbalance_ratio: l1_imbalance(book).and_then(|l| l.imbalance_ratio),
        l1_imbalance_ratio_avg: diff.l1_imbalance_ratio_avg,
        directional_pressure: None,
        liquidity_risk: None,
        liquidity_risk_components: [None; 4],
    }
}

/// The large against smaller taker split over the large-trade window (§0.5 threshold), from
/// the long window's volumes in the large prints' unit; `None` unless both windows are warm and
/// are the same window.
fn taker_split_of(r: &FlowReadings) -> Option<TakerSplit> {
    let (w, l) = (r.long?, r.large?);
    if w.window != l.window {
        return None;
    }
    let (buy, sell) = match l.unit {
        SizeUnit::Quote => (w.buy_notional, w.sell_notional),
        SizeUnit::Base => (w.buy_volume, w.sell_volume),
    };
    taker_split(buy, sell, l.large_buy, l.large_sell)
}

/// Trade flow (§3.1–3.3, §4.3, §4.4). Large-trade figures come only with base units (their
/// threshold is a notional).
fn flow_features(r: &FlowReadings, large: Option<&LargeTrades>, base_units: bool) -> FlowFeatures {
    let notional = |x: Option<f64>| x.filter(|_| base_units);
    let whale = r.whale.filter(|_| base_units);
    FlowFeatures {
        cvd_1m: r.short.map(|w| w.cvd),
        cvd_5m: r.long.map(|w| w.cvd),
        cvd_1m_usd: notional(r.short.map(|w| w.cvd_notional)),
        cvd_slope_per_min: r.cvd_slope_per_min,
        cvd_slope_norm: r.cvd_slope_normalized,
        taker_buy_sell_ratio: r.short.and_then(|w| w.taker_buy_sell_ratio),
        taker_buy_share: r.short.and_then(|w| w.taker_buy_share),
        large_trade_count_5m: large.map(|l| l.count as f64),
        large_buy_share: large.and_then(|l| l.large_buy_share),
        large_trade_share: large.and_then(|l| l.large_trade_share),
        large_trade_threshold_usd: large.map(|l| l.threshold),
        large_buy_notional_5m: large.map(|l| l.large_buy),
        large_sell_notional_5m: large.map(|l| l.large_sell),
        taker_buy_volume_1m: r.short.map(|w| w.buy_volume),
        taker_sell_volume_1m: r.short.map(|w| w.sell_volume),
        unsided_volume: r.short.map_or(0.0, |w| w.unsided_volume),
        flow_momentum: r.flow_momentum,
        whale_conviction: whale.map(|w| w.conviction),
        whale_direction: whale.and_then(|w| w.direction),
        volume_24h_usd: None,
    }
}

/// `(quote notional, buy walk, sell walk)` for each configured size (§2.3), from the mid.
type Walks = Vec<(f64, Option<Slippage>, Option<Slippage>)>;

fn slippage_walks(book: &Book, sizes: &[f64]) -> Walks {
    let walk = |taker, q| slippage(book, taker, OrderSize::Quote(q), SlippageRef::Mid);
    sizes
        .iter()
        .map(|&q| (q, walk(TakerSide::Buy, q), walk(TakerSide::Sell, q)))
        .collect()
}

/// `liquidity_risk`'s slippage input at `Q_ref` (the middle configured size): the mean of the
/// buy and sell costs. Not enough displayed depth ranks as the worst (§4.2); a walk that ran past
/// a truncated book is unknown.
fn reference_slippage(walks: &Walks) -> SlippageInput {
    let Some((_, buy, sell)) = walks.get(walks.len() / 2) else {
        return SlippageInput::Unknown;
    };
    match (buy, sell) {
        (Some(b), Some(s)) => match (b.bps, s.bps) {
            (Some(b), Some(s)) => SlippageInput::Bps((b + s) / 2.0),
            _ if b.truncated || s.truncated => SlippageInput::Unknown,
            _ => SlippageInput::InsufficientDepth,
        },
        _ => SlippageInput::Unknown,
    }
}

fn depth(d: &BandDepth) -> Depth {
    Depth {
        base: d.base.value,
        quote: d.quote.value,
        truncated: d.truncated(),
    }
}

/// `$D(10 bps)` both sides, when both are exact.
pub(crate) fn depth_10bps(b: &DepthBands) -> Option<f64> {
    let (_, bid, ask) = b.bps.iter().find(|(bps, _, _)| *bps == 10.0)?;
    (!bid.truncated && !ask.truncated).then_some(bid.quote + ask.quote)
}

/// Depth bands and slippage (§2).
fn depth_bands(book: &Book, reference: KaikoReference, walks: &Walks) -> Option<DepthBands> {
    let h = hydromancer_bands(book)?;
    let (kaiko_reference, reference) = match reference {
        KaikoReference::BestOnSide => (KAIKO_REFERENCES[0], DepthReference::BestOnSide),
        KaikoReference::Mid => (KAIKO_REFERENCES[1], DepthReference::Mid),
    };
    let kaiko = match (
        kaiko_depths(book, Side::Bid, reference),
        kaiko_depths(book, Side::Ask, reference),
    ) {
        (Some(b), Some(a)) => KAIKO_PCTS
            .iter()
            .zip(b.iter().zip(&a))
            .map(|(pct, (b, a))| (*pct, depth(b), depth(a)))
            .collect(),
        _ => Vec::new(),
    };
    Some(DepthBands {
        kaiko_reference,
        kaiko,
        bps: HYDROMANCER_BPS
            .iter()
            .zip(h.bid.iter().zip(&h.ask))
            .map(|(bps, (b, a))| (*bps, depth(b), depth(a)))
            .collect(),
        outer_bid: depth(&h.bid_25_to_500),
        outer_ask: depth(&h.ask_25_to_500),
        slippage: walks
            .iter()
            .map(|(q, b, s)| (*q, b.and_then(|w| w.bps), s.and_then(|w| w.bps)))
            .collect(),
    })
}

/// The fewest decimals (up to 10) that show every price exactly.
fn decimals_of(prices: impl Iterator<Item = f64> + Clone) -> u8 {
    (0..=10u8)
        .find(|&d| {
            let scale = 10f64.powi(i32::from(d));
            prices.clone().all(|p| {
                let scaled = p * scale;
                (scaled - scaled.round()).abs() <= 1e-6 * scaled.abs().max(1.0)
            })
        })
        .unwrap_or(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_from_tick_or_prices() {
        assert_eq!(decimals_of([0.1].into_iter()), 1);
        assert_eq!(decimals_of([0.01].into_iter()), 2);
        assert_eq!(decimals_of([100.0, 99.5, 99.25].into_iter()), 2);
        assert_eq!(decimals_of([65000.0].into_iter()), 0);
        assert_eq!(decimals_of(std::iter::empty()), 0);
    }
}
