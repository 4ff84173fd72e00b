//! Per-symbol state: the cross-venue composites (§4, §10.8) over the books serving one symbol,
//! and the per-tick history behind the sparklines.
//!
//! Only live, valid, fresh books count (§0.2): a stale or crossed venue is excluded, never
//! zero-filled, and the venues used are listed with the result. Venues are weighted by the taker
//! notional they traded over the trailing 24 h (§4.5's volume share); while no venue has traded
//! (start-up, or only books whose contract is unknown), they weigh equally.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::config::engine::EngineConfig;
use crate::features::composites::{VenueSignal, cross_exchange_agreement, weighted_mean};
use crate::features::dislocation::{DislocationTracker, dislocation};
use crate::features::num::{median, sgn};
use crate::feed::event::BookKey;
use crate::instrument::MarketKind;
use crate::market::{Millis, Nanos, VenueId};

use super::book::view::BookTick;
use super::clock::to_millis;
use super::frame::{BookFrame, Composites, SymbolFrame, SymbolHistory};

/// §10.8: the score is the minimum over the last 2 s, so one bad tick does not fire it.
const DISLOCATION_HOLD: Millis = 2_000;

#[derive(Clone, Copy, Debug, Default)]
struct Sample {
    at: Nanos,
    directional_pressure: Option<f64>,
    liquidity_risk: Option<f64>,
    flow_momentum: Option<f64>,
    cascade_stress: Option<f64>,
    cvd_1m: Option<f64>,
    cvd_5m: Option<f64>,
    mid: Option<f64>,
}

/// One watched symbol.
#[derive(Debug)]
pub struct SymbolState {
    name: String,
    history: VecDeque<Sample>,
    history_len: usize,
    dislocation: HashMap<BookKey, DislocationTracker>,
}

/// A fresh book's inputs to the composites.
struct Used<'a> {
    frame: &'a BookFrame,
    weight: f64,
    lag_ms: Option<f64>,
}

impl SymbolState {
    pub fn new(name: String, history_len: usize) -> Self {
        SymbolState {
            name,
            history: VecDeque::with_capacity(history_len),
            history_len,
            dislocation: HashMap::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The symbol's frame at `now` from its books' ticks (in display order).
    pub fn tick(&mut self, now: Nanos, books: Vec<BookTick>, cfg: &EngineConfig) -> SymbolFrame {
        let fresh: Vec<&BookTick> = books.iter().filter(|b| b.fresh).collect();
        let volume = |b: &BookTick| b.frame.flow.volume_24h_usd.filter(|v| *v > 0.0);
        let equal = fresh.iter().all(|b| volume(b).is_none());
        let used: Vec<Used> = fresh
            .iter()
            .map(|b| Used {
                frame: &b.frame,
                weight: if equal { 1.0 } else { volume(b).unwrap_or(0.0) },
                lag_ms: b.lag_ms,
            })
            .collect();
        let mut composites = composites(&used);
        self.dislocation(now, &books, &used, cfg.alignment_ms as f64, &mut composites);
        let sample = Sample {
            at: now,
            directional_pressure: composites.directional_pressure,
            liquidity_risk: composites.liquidity_risk,
            flow_momentum: composites.flow_momentum,
            cascade_stress: composites.cascade_stress,
            cvd_1m: sum_base(&used, |f| f.flow.cvd_1m),
            cvd_5m: sum_base(&used, |f| f.flow.cvd_5m),
            mid: median(
                &used
                    .iter()
                    .filter_map(|u| u.frame.features.as_ref()?.mid)
                    .collect::<Vec<_>>(),
            ),
        };
        if self.history.len() == self.history_len {
            self.history.pop_front();
        }
        self.history.push_back(sample);
        SymbolFrame {
            symbol: self.name.clone(),
            books: books.into_iter().map(|b| b.frame).collect(),
            composites,
            history: Arc::new(self.history()),
        }
    }

    fn history(&self) -> SymbolHistory {
        let col = |f: fn(&Sample) -> Option<f64>| self.history.iter().map(f).collect();
        SymbolHistory {
            at: self.history.iter().map(|s| s.at).collect(),
            directional_pressure: col(|s| s.directional_pressure),
            liquidity_risk: col(|s| s.liquidity_risk),
            flow_momentum: col(|s| s.flow_momentum),
            cascade_stress: col(|s| s.cascade_stress),
            cvd_1m: col(|s| s.cvd_1m),
            cvd_5m: col(|s| s.cvd_5m),
            mid: col(|s| s.mid),
        }
    }

    /// §10.8 for every fresh book against the other fresh, aligned books that quote the same
    /// currency in the same kind of market. Without a stablecoin rate (§0.4) a USDT book is not
    /// compared with a USD one, and a perpetual's premium is basis (§3.9), not dislocation.
    fn dislocation(
        &mut self,
        now: Nanos,
        books: &[BookTick],
        used: &[Used],
        alignment_ms: f64,
        out: &mut Composites,
    ) {
        let t = to_millis(now);
        let group = |f: &BookFrame| {
            (
                f.instrument.quote.clone(),
                f.instrument.kind == MarketKind::Spot,
            )
        };
        let mut worst: Option<(f64, f64, &BookKey)> = None;
        for b in books {
            let key = &b.frame.key;
            let tracker = self
                .dislocation
                .entry(key.clone())
                .or_insert_with(|| DislocationTracker::new(DISLOCATION_HOLD));
            let me = used.iter().find(|u| u.frame.key == *key);
            let instant = me.and_then(|me| {
                let f = me.frame.features.as_ref()?;
                let (mid, spread) = (f.mid?, f.spread_bps?);
                let others: Vec<f64> = used
                    .iter()
                    .filter(|o| o.frame.key != *key && group(o.frame) == group(me.frame))
                    .filter(|o| aligned(me.lag_ms, o.lag_ms, alignment_ms))
                    .filter_map(|o| o.frame.features.as_ref()?.mid)
                    .collect();
                dislocation(mid, spread / 2.0, &others)
            });
            tracker.update(t, instant.map(|d| d.score));
            let (Some(d), Some(score)) = (instant, tracker.score(t)) else {
                continue;
            };
            if worst.is_none_or(|(s, bps, _)| (score, d.d_bps.abs()) > (s, bps.abs())) {
                worst = Some((score, d.d_bps, key));
            }
        }
        if let Some((score, bps, key)) = worst {
            out.dislocation_score = Some(score);
            out.dislocation_bps = Some(bps);
            out.dislocated = Some(key.clone());
        }
    }
}

/// Two feeds are comparable when their receive lags differ by at most the alignment limit
/// (§0.2): books are incremental, so a quiet book is current as of its feed's lag.
fn aligned(a: Option<f64>, b: Option<f64>, limit_ms: f64) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= limit_ms,
        _ => false,
    }
}

/// `Σ w x / Σ w` of a per-venue figure over the venues that have it.
fn venue_mean(used: &[Used], f: impl Fn(&BookFrame) -> Option<f64>) -> Option<f64> {
    let (x, w): (Vec<f64>, Vec<f64>) = used
        .iter()
        .filter_map(|u| Some((f(u.frame)?, u.weight)))
        .unzip();
    weighted_mean(&x, &w)
}

/// A base-unit quantity summed over the venues that measure it in base units.
fn sum_base(used: &[Used], f: impl Fn(&BookFrame) -> Option<f64>) -> Option<f64> {
    used.iter()
        .filter(|u| u.frame.base_units)
        .filter_map(|u| f(u.frame))
        .reduce(|a, b| a + b)
}

fn composites(used: &[Used]) -> Composites {
    let dp = |f: &BookFrame| f.features.as_ref()?.directional_pressure;
    let signals: Vec<VenueSignal> = used
        .iter()
        .map(|u| VenueSignal {
            x: dp(u.frame),
            weight: u.weight,
            fresh: true,
        })
        .collect();
    // Whale conviction per venue is |NL|·P·S with a direction; the symbol's is the weighted mean
    // of the signed figures, so venues leaning opposite ways cancel.
    let signed = venue_mean(used, |f| {
        Some(f.flow.whale_conviction? * f.flow.whale_direction.unwrap_or(0.0))
    });
    let mut venues_used: Vec<VenueId> = used.iter().map(|u| u.frame.key.venue).collect();
    venues_used.dedup();
    Composites {
        directional_pressure: venue_mean(used, dp),
        liquidity_risk: venue_mean(used, |f| f.features.as_ref()?.liquidity_risk),
        whale_conviction: signed.map(f64::abs),
        whale_direction: signed.map(sgn).filter(|s| *s != 0.0),
        flow_momentum: venue_mean(used, |f| f.flow.flow_momentum),
        cross_exchange_agreement: cross_exchange_agreement(&signals).map(|a| a.agreement),
        // The most stressed venue: liquidation streams are sampled differently, so they are not
        // pooled (§12.8).
        cascade_stress: used
            .iter()
            .filter_map(|u| u.frame.liquidations.cascade.map(|c| c.stress))
            .reduce(f64::max),
        venues_used,
        dislocation_bps: None,
        dislocation_score: None,
        dislocated: None,
    }
}
