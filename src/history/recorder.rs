//! [`Recorder`]: turns the engine's frames into one [`SecondBatch`] per second for the writer.
//! It runs in the engine task after each tick and costs one row per book a second; it never
//! waits for the writer ([`HistorySink::offer`]).

use std::collections::HashMap;

use crate::engine::Engine;
use crate::engine::book::Totals;
use crate::engine::frame::{BookFrame, Frame, SymbolFrame};
use crate::feed::event::BookKey;

use super::columns::{
    SLIPPAGE_REFS, columns, index_of, long_short_column, regime_probability_column, width,
};
use super::writer::SecondBatch;
use super::{BookRow, HistorySink, WarmRow};
use crate::engine::analytics::{Analytics, RatioKind, RegimeLabel};

/// The venue name of a symbol's cross-venue row.
pub const ALL_VENUES: &str = "all";

/// Builds the per-second rows.
#[derive(Debug)]
pub struct Recorder {
    sink: HistorySink,
    last_second: Option<i64>,
    rows: SecondRows,
    /// Wait for the writer instead of dropping seconds (replays, tests).
    lossless: bool,
}

impl Recorder {
    pub fn new(sink: HistorySink) -> Self {
        Recorder {
            sink,
            last_second: None,
            rows: SecondRows::default(),
            lossless: false,
        }
    }

    /// A recorder that waits for the writer rather than drop a second (replays: the capture
    /// is read no faster than history is written).
    pub fn lossless(sink: HistorySink) -> Self {
        Recorder {
            lossless: true,
            ..Recorder::new(sink)
        }
    }

    /// After each tick: the first frame of each new second becomes that second's rows.
    pub fn on_frame(&mut self, engine: &mut Engine, frame: &Frame) {
        let second = (frame.at / 1_000_000_000) as i64;
        if self.last_second.is_some_and(|s| s >= second) || self.sink.failed() {
            return;
        }
        self.last_second = Some(second);
        let batch = self.batch(engine, frame, second);
        if self.lossless {
            self.sink.send_waiting(batch);
        } else {
            self.sink.offer(batch);
        }
    }

    fn batch(&mut self, engine: &mut Engine, frame: &Frame, second: i64) -> SecondBatch {
        let rows = self.rows.rows(engine, frame);
        let mut warm = WarmRow::from_samples(&engine.take_warm(frame.at));
        warm.extend(
            engine
                .take_zones(frame.at)
                .iter()
                .filter_map(|(symbol, seed)| WarmRow::of_symbol(symbol, seed)),
        );
        SecondBatch {
            t: second,
            rows,
            warm,
        }
    }
}

/// The rows of one second from a frame: each book's state and the flow since the previous
/// call, and each symbol's cross-venue row (the live recorder and the demo's fast-forward).
#[derive(Debug, Default)]
pub struct SecondRows {
    totals: HashMap<BookKey, Totals>,
}

impl SecondRows {
    pub fn rows(&mut self, engine: &Engine, frame: &Frame) -> Vec<BookRow> {
        let mut flows = HashMap::new();
        for (key, now) in engine.book_totals() {
            let before = self.totals.insert(key.clone(), now).unwrap_or(now);
            flows.insert(key.clone(), delta(before, now));
        }
        let mut rows = Vec::new();
        for s in &frame.symbols {
            for b in &s.books {
                let flow = flows.get(&b.key).copied().unwrap_or_default();
                rows.push(BookRow {
                    venue: b.key.venue.as_str().to_owned(),
                    instrument: b.key.instrument.to_string(),
                    symbol: s.symbol.clone(),
                    values: book_values(b, flow, &s.analytics),
                });
            }
            if !s.books.is_empty() {
                rows.push(BookRow {
                    venue: ALL_VENUES.to_owned(),
                    instrument: s.symbol.clone(),
                    symbol: s.symbol.clone(),
                    values: symbol_values(s),
                });
            }
        }
        rows
    }
}

fn delta(before: Totals, now: Totals) -> Totals {
    Totals {
        taker_buy: now.taker_buy - before.taker_buy,
        taker_sell: now.taker_sell - before.taker_sell,
        trades: now.trades.saturating_sub(before.trades),
        liq_long_usd: now.liq_long_usd - before.liq_long_usd,
        liq_short_usd: now.liq_short_usd - before.liq_short_usd,
    }
}

/// Values by column name.
struct Row(Vec<Option<f64>>);

impl Row {
    fn new() -> Self {
        Row(vec![None; width()])
    }

    fn set(&mut self, name: &str, v: Option<f64>) {
        if let Some(i) = index_of(name) {
            self.0[i] = v.filter(|v| v.is_finite());
        }
    }
}

/// One book's second. A book that is not valid and fresh keeps only its flow and derivatives
/// columns (`valid` = 0): a stale book's state is not a sample of the market (§0.2). Its
/// integrity and positioning come from its symbol's analytics `a` (gated where they are built;
/// a stale venue ratio is left out).
pub fn book_values(b: &BookFrame, flow: Totals, a: &Analytics) -> Vec<Option<f64>> {
    let mut r = Row::new();
    r.set(
        "integrity_score",
        a.integrity_of(b).and_then(|i| i.integrity_score),
    );
    if let Some(p) = a.positioning.venues.iter().find(|v| v.key == b.key) {
        for kind in RatioKind::ALL {
            r.set(&long_short_column(kind), a.positioning.venue_ratio(b, kind));
        }
        r.set("taker_buy_sell_ratio", p.taker_buy_sell_ratio);
        r.set("large_taker_buy_share", p.large_taker_buy_share);
        r.set("small_taker_buy_share", p.small_taker_buy_share);
    }
    let fresh = b.valid && !b.stale;
    r.set("valid", Some(if fresh { 1.0 } else { 0.0 }));
    if let Some(f) = b.features.as_ref().filter(|_| fresh) {
        r.set("mid", f.mid);
        r.set("spread_bps", f.spread_bps);
        for (n, v) in [1, 5, 10, 20].iter().zip(f.depth_imbalance) {
            r.set(&format!("imbalance_{n}"), v);
        }
        r.set("ofi_10s", f.ofi_10s);
        r.set("l1_imbalance_ratio", f.l1_imbalance_ratio);
        r.set("l1_imbalance_ratio_avg", f.l1_imbalance_ratio_avg);
        r.set("wmid_offset_bps", f.wmid_offset_bps);
        r.set("directional_pressure", f.directional_pressure);
        r.set("liquidity_risk", f.liquidity_risk);
    }
    if let Some(bands) = b.bands.as_ref().filter(|_| fresh) {
        let exact = |d: &crate::engine::frame::Depth, usd: bool| {
            (!d.truncated).then_some(if usd { d.quote } else { d.base })
        };
        for (bps, bid, ask) in &bands.bps {
            for (side, d) in [("bid", bid), ("ask", ask)] {
                r.set(&format!("depth_{bps}bps_{side}_base"), exact(d, false));
                r.set(&format!("depth_{bps}bps_{side}_usd"), exact(d, true));
            }
        }
        for (side, d) in [("bid", &bands.outer_bid), ("ask", &bands.outer_ask)] {
            r.set(&format!("depth_25_500bps_{side}_base"), exact(d, false));
            r.set(&format!("depth_25_500bps_{side}_usd"), exact(d, true));
        }
        for (pct, bid, ask) in &bands.kaiko {
            let pct = pct.to_string().replace('.', "p");
            r.set(&format!("kaiko_{pct}pct_bid_usd"), exact(bid, true));
            r.set(&format!("kaiko_{pct}pct_ask_usd"), exact(ask, true));
        }
        for (i, (_, buy, sell)) in bands.slippage.iter().take(SLIPPAGE_REFS).enumerate() {
            r.set(&format!("slippage_{}_buy_bps", i + 1), *buy);
            r.set(&format!("slippage_{}_sell_bps", i + 1), *sell);
        }
    }
    r.set("cvd_1m", b.flow.cvd_1m);
    r.set("flow_momentum", b.flow.flow_momentum);
    r.set("whale_conviction", b.flow.whale_conviction);
    r.set("cascade_stress", b.liquidations.cascade.map(|c| c.stress));
    r.set("taker_buy_base", Some(flow.taker_buy));
    r.set("taker_sell_base", Some(flow.taker_sell));
    r.set("trades", Some(flow.trades as f64));
    if b.liquidations.sampling.is_some() {
        r.set("liq_long_usd", Some(flow.liq_long_usd));
        r.set("liq_short_usd", Some(flow.liq_short_usd));
    }
    let d = &b.derivs;
    if !d.stale {
        r.set("funding_rate", d.funding_rate);
        r.set("mark", d.mark_price);
        r.set("open_interest", d.open_interest);
        if let (Some(mark), Some(index)) = (d.mark_price, d.index_price) {
            r.set(
                "basis_bps",
                (index > 0.0).then(|| (mark - index) / index * 1e4),
            );
        }
    }
    debug_assert_eq!(r.0.len(), columns().len());
    r.0
}

/// A symbol's cross-venue second: the composites, the median mid, the summed CVD and the
/// symbol's analytics.
pub fn symbol_values(s: &SymbolFrame) -> Vec<Option<f64>> {
    let mut r = Row::new();
    let c = &s.composites;
    r.set("directional_pressure", c.directional_pressure);
    r.set("liquidity_risk", c.liquidity_risk);
    r.set("whale_conviction", c.whale_conviction);
    r.set("flow_momentum", c.flow_momentum);
    r.set("cross_exchange_agreement", c.cross_exchange_agreement);
    r.set("cascade_stress", c.cascade_stress);
    r.set("dislocation_score", c.dislocation_score);
    r.set("mid", s.history.mid.last().copied().flatten());
    r.set("cvd_1m", s.history.cvd_1m.last().copied().flatten());
    r.set(
        "valid",
        Some(if c.venues_used.is_empty() { 0.0 } else { 1.0 }),
    );
    let a = &s.analytics;
    r.set("regime", a.regime.label.map(|l| l.code() as f64));
    for label in RegimeLabel::ALL {
        r.set(
            &regime_probability_column(label),
            a.regime_probability(label),
        );
    }
    r.set("regime_entropy", a.regime.entropy);
    r.set("drift_score", a.drift.score);
    r.set("nearest_support_bps", a.zones.nearest_support_bps);
    r.set("nearest_resistance_bps", a.zones.nearest_resistance_bps);
    // The least intact book: one manipulated venue is not averaged away.
    r.set(
        "integrity_score",
        a.integrity
            .iter()
            .filter_map(|i| i.integrity_score.filter(|x| x.is_finite()))
            .reduce(f64::min),
    );
    for kind in RatioKind::ALL {
        r.set(
            &long_short_column(kind),
            a.positioning.consensus_ratio(kind),
        );
    }
    r.0
}
