//! §10 on one book: the detectors fed by trades, liquidations and the sampled mid (§10.4–10.7),
//! and the readings of all eight published with the book's tick (dislocation, §10.8, is filled
//! in by the symbol, which sees the other venues).
//!
//! The level-change detectors (phantom §10.1, layering §10.2, quote stuffing §10.3) run in
//! [`differencing`](super::differencing), on every update, and share its life cycle: a resync or
//! a snapshot reload is never a burst of adds, cancels or updates. The ones here read the mid
//! once per tick from a valid, fresh book only: a gap (resync, stale feed) voids whatever spike
//! or burst was being followed, so a snapshot that moves the mid is never a move. A connection
//! that went down missed trades: their windows restart ([`Detectors::restart`]); the last
//! firings are kept.

use crate::amount::money;
use crate::engine::analytics::{DetectorKind, DetectorReading, EvidencePoint};
use crate::features::Trade;
use crate::features::detectors::layering::LayeringReading;
use crate::features::detectors::momentum::{Ignition, MomentumConfig, MomentumIgnition};
use crate::features::detectors::pump::{Pump, PumpConfig, PumpReading};
use crate::features::detectors::stop_hunt::{Hunt, StopHunt, StopHuntConfig};
use crate::features::detectors::stuffing::StuffingReading;
use crate::features::detectors::wash::{WashConfig, WashReading, WashTrading};
use crate::features::detectors::{FireLatch, point};
use crate::features::phantom::PhantomReading;
use crate::market::{LiquidatedPosition, Millis, Side};

/// The trade-, liquidation- and mid-fed detectors of one book.
#[derive(Clone, Debug)]
struct Streams {
    momentum: MomentumIgnition,
    pump: Pump,
    wash: WashTrading,
    stop_hunt: StopHunt,
}

impl Streams {
    fn new() -> Self {
        Streams {
            momentum: MomentumIgnition::new(MomentumConfig::default()),
            pump: Pump::new(PumpConfig::default()),
            wash: WashTrading::new(WashConfig::default()),
            stop_hunt: StopHunt::new(StopHuntConfig::default()),
        }
    }
}

/// What the level-change detectors read this tick (from [`Differencing`](super::differencing)).
pub struct LevelReadings<'a> {
    pub phantom: &'a PhantomReading,
    pub layering: &'a LayeringReading,
    pub stuffing: Option<StuffingReading>,
}

#[derive(Clone, Debug)]
pub struct Detectors {
    streams: Streams,
    /// One per kind, in [`DetectorKind::ALL`] order (the dislocation latch lives with its
    /// tracker in the symbol and stays unused here).
    latches: [FireLatch; 8],
}

impl Default for Detectors {
    fn default() -> Self {
        Detectors {
            streams: Streams::new(),
            latches: Default::default(),
        }
    }
}

fn slot(kind: DetectorKind) -> usize {
    DetectorKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or_default()
}

impl Detectors {
    /// A de-duplicated trade; `size_step` is the book's size step in base units, where known.
    pub fn on_trade(&mut self, trade: &Trade, size_step: Option<f64>) {
        let notional = trade.notional();
        if !(notional.is_finite() && notional > 0.0) {
            return;
        }
        let s = &mut self.streams;
        if let Some(taker) = trade.taker {
            s.momentum.on_trade(trade.t, notional, taker);
        }
        s.pump.on_trade(trade.t, notional);
        s.wash
            .on_trade(trade.t, notional, size_step.map(|l| trade.size / l));
    }

    /// A print of a stretch whose book was not followed (the demo's sampled past): only the
    /// pump's volume takes it. The other trade-fed reads need the mid beside it (ignition) or
    /// every print as the venue sent it (wash: the sampled past's pick-offs repeat one
    /// snapshot's levels).
    pub fn on_flow_only(&mut self, trade: &Trade) {
        self.streams.pump.on_trade(trade.t, trade.notional());
    }

    /// A past minute's traded notional (the warm start): §10.5's 12 h baseline of the 15 min
    /// volume fills from the history instead of from 6 h of live trades.
    pub fn seed_volume_minute(&mut self, t: Millis, notional: f64) {
        self.streams.pump.seed_minute(t, notional);
    }

    pub fn on_liquidation(&mut self, t: Millis, position: LiquidatedPosition, notional: f64) {
        let short = position == LiquidatedPosition::Short;
        self.streams.stop_hunt.on_liquidation(t, short, notional);
    }

    /// Trades were missed or changed units: every window restarts; the last firings stay.
    pub fn restart(&mut self) {
        self.streams = Streams::new();
    }

    /// The readings at exchange time `now`: `mid` is the book's mid when it is valid and fresh,
    /// `base_units` whether sizes (so notionals and θ) mean anything (§0.4). Scores are `None`
    /// unless the book is fresh; the dislocation entry is left for the symbol.
    pub fn tick(
        &mut self,
        now: Millis,
        mid: Option<f64>,
        base_units: bool,
        quote: &str,
        level: LevelReadings,
    ) -> Vec<DetectorReading> {
        let s = &mut self.streams;
        s.momentum.on_mid(now, mid);
        s.pump.on_mid(now, mid);
        s.stop_hunt.on_mid(now, mid);
        let fresh = mid.is_some();
        let (momentum, ignition) = s.momentum.reading(now);
        let pump = s.pump.reading(now);
        let wash = s.wash.reading(now);
        let (stop_hunt, hunt) = s.stop_hunt.reading(now);
        let phantom = level.phantom.phantom_liquidity_score.filter(|_| base_units);
        let layering = level.layering.score.filter(|_| base_units);
        let stuffing = level.stuffing.and_then(|r| r.score);
        let scores = [
            phantom,
            layering,
            stuffing,
            momentum,
            pump.score,
            wash.score.filter(|_| base_units),
            stop_hunt,
            None,
        ]
        .map(|s| s.filter(|_| fresh));
        let l = &mut self.latches;
        let at = now;
        l[slot(DetectorKind::PhantomLiquidity)].update(at, scores[0], || {
            (phantom_summary(level.phantom, quote), Vec::new())
        });
        l[slot(DetectorKind::Layering)].update(at, scores[1], || layering_evidence(level.layering));
        l[slot(DetectorKind::QuoteStuffing)]
            .update(at, scores[2], || stuffing_evidence(level.stuffing, mid));
        l[slot(DetectorKind::MomentumIgnition)]
            .update(at, scores[3], || ignition_evidence(ignition, quote));
        let pump_latch = &mut l[slot(DetectorKind::Pump)];
        pump_latch.update(at, scores[4], || pump_evidence(&pump, now));
        // §10.5's dump confirmation, on the firing it follows (not on a later one).
        let fired_at = pump_latch.last().map(|e| e.at);
        if let Some(dumped) = pump.episode.and_then(|e| e.dumped_at)
            && fired_at.is_some_and(|f| dumped >= f)
        {
            pump_latch.annotate(&format!("dump: half the rise given back by {dumped}"));
        }
        l[slot(DetectorKind::WashTrading)].update(at, scores[5], || (wash_summary(&wash), vec![]));
        l[slot(DetectorKind::StopHunt)].update(at, scores[6], || hunt_evidence(hunt, quote));
        DetectorKind::ALL
            .iter()
            .zip(scores)
            .zip(&self.latches)
            .map(|((&kind, score), latch)| DetectorReading {
                kind,
                score,
                last_fired: latch.last().cloned(),
            })
            .collect()
    }
}

/// A price with six significant digits, trailing zeros dropped.
fn price(x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        return format!("{x}");
    }
    let digits = x.abs().log10().floor() as i32 + 1;
    let decimals = (6 - digits).clamp(0, 12) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Bid => "bid",
        Side::Ask => "ask",
    }
}

fn phantom_summary(r: &PhantomReading, quote: &str) -> String {
    let lifetime = r.median_flicker_lifetime_ms.map_or(String::new(), |ms| {
        format!(", median flicker life {ms:.0} ms")
    });
    format!(
        "{} large adds resolved in 60 s; flickered notional bid {}, ask {}{lifetime}",
        r.episodes,
        money(r.flicker_notional_bid, quote),
        money(r.flicker_notional_ask, quote)
    )
}

fn layering_evidence(r: &LayeringReading) -> (String, Vec<EvidencePoint>) {
    let Some(c) = &r.last_cluster else {
        return ("layered flicker notional in 60 s".into(), vec![]);
    };
    let flickered = c.adds.iter().filter(|a| a.flicker).count();
    let (lo, hi) = c
        .adds
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), a| {
            (lo.min(a.price), hi.max(a.price))
        });
    let summary = format!(
        "{} {}..{}: {} adds within 1 s, {} cancelled within 3 s",
        side_name(c.side),
        price(lo),
        price(hi),
        c.adds.len(),
        flickered
    );
    let points = c
        .adds
        .iter()
        .map(|a| point(a.t_add, a.price, a.added))
        .collect();
    (summary, points)
}

fn stuffing_evidence(r: Option<StuffingReading>, mid: Option<f64>) -> (String, Vec<EvidencePoint>) {
    let Some(r) = r else {
        return (String::new(), vec![]);
    };
    let summary = format!(
        "{} level changes in 1 s (1 h median {}, MAD {}), {} trades",
        r.changes, r.median, r.mad, r.trades
    );
    // The point's size is the count of level changes in that second.
    let points = mid.map_or_else(Vec::new, |m| vec![point(r.at, m, r.changes as f64)]);
    (summary, points)
}

fn ignition_evidence(i: Option<Ignition>, quote: &str) -> (String, Vec<EvidencePoint>) {
    let Some(i) = i else {
        return (String::new(), vec![]);
    };
    let b = i.burst;
    let (dir, taker) = if b.dir > 0.0 {
        ("up", "buys")
    } else {
        ("down", "sells")
    };
    let multiple = if b.median_notional > 0.0 {
        format!("{:.1}× the median", b.notional / b.median_notional)
    } else {
        "median 0".into()
    };
    let summary = format!(
        "{dir} burst: taker {taker} {} in 5 s ({multiple}), mid {} → {}, {} after 60 s",
        money(b.notional, quote),
        price(b.p0),
        price(b.peak),
        price(i.p_h)
    );
    let points = vec![
        point(b.start, b.p0, b.notional),
        point(b.start + 5_000, b.p_end, 0.0),
        point(i.at, i.p_h, 0.0),
    ];
    (summary, points)
}

fn pump_evidence(r: &PumpReading, now: Millis) -> (String, Vec<EvidencePoint>) {
    let (Some(ret), Some(vr), Some(p0), Some(p1)) = (r.r, r.vr, r.p_then, r.p_now) else {
        return (String::new(), vec![]);
    };
    let summary = format!(
        "{:+.2} % in 15 min on {vr:.1}× the 12 h median 15 min volume",
        100.0 * ret.exp_m1()
    );
    let points = vec![point(now - 15 * 60_000, p0, 0.0), point(now, p1, r.volume)];
    (summary, points)
}

fn wash_summary(r: &WashReading) -> String {
    let shares = r.shares.map_or(String::new(), |s| {
        let pct: Vec<String> = s.iter().map(|x| format!("{:.1}", 100.0 * x)).collect();
        format!("; first-digit shares % 1..9: {}", pct.join(" "))
    });
    format!(
        "Benford MAD {:.4} over {} trades in 24 h (close ≤ 0.006, non-conforming > 0.015){shares}",
        r.mad.unwrap_or(0.0),
        r.trades
    )
}

fn hunt_evidence(h: Option<Hunt>, quote: &str) -> (String, Vec<EvidencePoint>) {
    let Some(h) = h else {
        return (String::new(), vec![]);
    };
    let (dir, edge, squeezed) = if h.dir > 0.0 {
        ("up", "high", "shorts")
    } else {
        ("down", "low", "longs")
    };
    let summary = format!(
        "{dir}-spike to {} past the 30 min {edge} {} (ATR {}), {squeezed} liquidated {} \
         (baseline {}), {} after 2 min",
        price(h.extreme),
        price(h.edge),
        price(h.atr),
        money(h.liquidated, quote),
        money(h.liq_baseline, quote),
        price(h.p_after)
    );
    let points = vec![
        point(h.start, h.edge, h.liquidated),
        point(h.at, h.p_after, 0.0),
    ];
    (summary, points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_amounts_read_as_on_screen() {
        let r = PhantomReading {
            phantom_liquidity_score: Some(0.4),
            phantom_ratio: Some(0.4),
            episodes: 3,
            flicker_notional_bid: 2_096_684.0,
            flicker_notional_ask: 45_550.0,
            median_flicker_lifetime_ms: Some(420.0),
            opposite_taker_volume: 0.0,
            open_episodes: 0,
        };
        let usdt = phantom_summary(&r, "USDT");
        assert!(usdt.contains("bid $2.10M, ask $45.5k"), "{usdt}");
        let eur = phantom_summary(&r, "EUR");
        assert!(eur.contains("bid 2.10M EUR, ask 45.5k EUR"), "{eur}");
    }

    #[test]
    fn prices_keep_six_significant_digits() {
        assert_eq!(price(100.25000000001), "100.25");
        assert_eq!(price(64_123.456), "64123.5");
        assert_eq!(price(0.000012345678), "0.0000123457");
        assert_eq!(price(1_234_567.0), "1234567");
    }
}
