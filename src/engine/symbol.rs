//! Per-symbol state: the cross-venue composites (§4, §10.8) over the books serving one symbol,
//! the §10 integrity of each of its books, and the per-tick history behind the sparklines.
//!
//! Only live, valid, fresh books count (§0.2): a stale or crossed venue is excluded, never
//! zero-filled, and the venues used are listed with the result. Venues are weighted by the taker
//! notional they traded over the trailing 24 h (§4.5's volume share); while no venue has traded
//! (start-up, or only books whose contract is unknown), they weigh equally.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::config::engine::EngineConfig;
use crate::features::composites::{VenueSignal, cross_exchange_agreement, weighted_mean};
use crate::features::derivatives::{
    DerivativesConsensus, LargeFlow, SideDepth, SpotPerp, VenueDerivs, consensus, spot_perp,
    whale_agreement,
};
use crate::features::detectors::integrity::integrity;
use crate::features::detectors::{FireLatch, point};
use crate::features::dislocation::{Dislocation, DislocationTracker, dislocation};
use crate::features::num::{median, sgn};
use crate::feed::event::BookKey;
use crate::instrument::MarketKind;
use crate::market::{Millis, Nanos, VenueId};

use super::analytics::{Analytics, BookIntegrity, DetectorKind};
use super::book::view::BookTick;
use super::clock::to_millis;
use super::frame::{BookFrame, Composites, Progress, SymbolFrame, SymbolHistory, Warming};
use super::minutes::{MinuteReads, SymbolMinute, monitored};
use super::models::model_consensus;
use super::prices::PriceHistory;
use super::quote_rate::QuoteRates;
use super::reads::{ReadInputs, SymbolReads};

/// §10.8: the score is the minimum over the last 2 s, so one bad tick does not fire it.
const DISLOCATION_HOLD: Millis = 2_000;

/// One tick's sample, in [`SymbolHistory`]'s column order.
type Sample = [Option<f64>; 7];

/// The per-tick history, one ring per column so each frame copies whole slices.
#[derive(Debug)]
struct History {
    len: usize,
    at: VecDeque<Nanos>,
    columns: [VecDeque<Option<f64>>; 7],
}

impl History {
    fn new(len: usize) -> Self {
        History {
            len,
            at: VecDeque::with_capacity(len),
            columns: std::array::from_fn(|_| VecDeque::with_capacity(len)),
        }
    }

    fn push(&mut self, at: Nanos, sample: Sample) {
        if self.at.len() == self.len {
            self.at.pop_front();
            for c in &mut self.columns {
                c.pop_front();
            }
        }
        self.at.push_back(at);
        for (c, v) in self.columns.iter_mut().zip(sample) {
            c.push_back(v);
        }
    }

    fn frame(&self) -> SymbolHistory {
        fn copy<T: Copy>(ring: &VecDeque<T>) -> Vec<T> {
            let (a, b) = ring.as_slices();
            let mut v = Vec::with_capacity(ring.len());
            v.extend_from_slice(a);
            v.extend_from_slice(b);
            v
        }
        let [dp, lr, fm, cs, cvd1, cvd5, mid] = &self.columns;
        SymbolHistory {
            at: copy(&self.at),
            directional_pressure: copy(dp),
            liquidity_risk: copy(lr),
            flow_momentum: copy(fm),
            cascade_stress: copy(cs),
            cvd_1m: copy(cvd1),
            cvd_5m: copy(cvd5),
            mid: copy(mid),
        }
    }
}

/// One watched symbol.
#[derive(Debug)]
pub struct SymbolState {
    name: Arc<str>,
    history: History,
    prices: PriceHistory,
    /// Per book: the §10.8 hold and the last time it fired.
    dislocation: HashMap<BookKey, (DislocationTracker, FireLatch)>,
    reads: SymbolReads,
    /// §6 regime and §7 drift over the symbol's 1-min rows.
    minutes: MinuteReads,
}

/// A fresh book's inputs to the composites.
struct Used<'a> {
    frame: &'a BookFrame,
    weight: f64,
    lag_ms: Option<f64>,
}

impl SymbolState {
    pub fn new(name: &str, history_len: usize) -> Self {
        SymbolState {
            name: name.into(),
            history: History::new(history_len.max(1)),
            prices: PriceHistory::default(),
            dislocation: HashMap::new(),
            reads: SymbolReads::default(),
            minutes: MinuteReads::default(),
        }
    }

    /// Restored 1-min rows of the symbol, oldest first (see [`MinuteReads::restore`]).
    pub fn seed_minutes(&mut self, rows: impl IntoIterator<Item = (Millis, SymbolMinute)>) {
        self.minutes.restore(rows);
    }

    /// Zones kept by a previous run at local time `kept` (ms); see [`SymbolReads::seed_zones`].
    pub fn seed_zones(&mut self, kept: Millis, state: Arc<super::reads::ZoneState>) {
        self.reads.seed_zones(kept, state);
    }

    /// The zones' state for the history.
    pub fn zone_state(&self) -> Option<super::reads::ZoneState> {
        self.reads.zone_state()
    }

    pub fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// The symbol's frame at `now` from its books' ticks (in display order); `rates` are the
    /// stablecoin rates in force (§0.4).
    pub fn tick(
        &mut self,
        now: Nanos,
        mut books: Vec<BookTick>,
        cfg: &EngineConfig,
        rates: &QuoteRates,
    ) -> SymbolFrame {
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
        composites.warming = warming(&fresh, &composites);
        let money = Money::of(&used, rates);
        let dislocations = self.dislocation(
            now,
            &books,
            &used,
            &money,
            cfg.alignment_ms as f64,
            &mut composites,
        );
        let mids: Vec<f64> = used.iter().filter_map(|u| money.mid(u.frame)).collect();
        let mid = median(&mids);
        // The chart follows spot where a fresh spot book exists: a perpetual's premium and a
        // book entering or leaving the set would otherwise move the line without the price
        // moving.
        let spot: Vec<f64> = used
            .iter()
            .filter(|u| u.frame.is_spot())
            .filter_map(|u| money.mid(u.frame))
            .collect();
        self.prices.on_tick(now, median(&spot).or(mid));
        composites.derivatives = derivatives(&used, self.prices.change_1h(now));
        composites.spot_perp = spot_perp_depth(&used, &money);
        composites.spot_perp.whale_agreement = large_flow_agreement(&used, &money);
        money.describe(&used, &mut composites);
        let mut analytics = Analytics::default();
        self.reads.fill(
            &ReadInputs {
                now,
                books: &books,
                quote: money.quote.as_deref(),
                rates,
                mid,
                cfg,
            },
            &mut analytics,
        );
        self.history.push(
            now,
            [
                composites.directional_pressure,
                composites.liquidity_risk,
                composites.flow_momentum,
                composites.cascade_stress,
                sum_base(&used, |f| f.flow.cvd_1m),
                sum_base(&used, |f| f.flow.cvd_5m),
                mid,
            ],
        );
        analytics.integrity = self.integrity(now, &mut books, &dislocations);
        composites.integrity_score = analytics
            .integrity
            .iter()
            .filter_map(|b| b.integrity_score)
            .reduce(f64::min);
        // §6–§8: regime and drift advance once a minute; the consensus reads this tick.
        self.minutes.on_tick(now, mid, monitored(&composites));
        analytics.regime = self.minutes.regime().clone();
        analytics.drift = self.minutes.drift().clone();
        analytics.consensus = model_consensus(&composites, &analytics.regime);
        analytics.positioning = super::positioning::positioning(&books);
        SymbolFrame {
            symbol: self.name.to_string(),
            books: books.into_iter().map(|b| b.frame).collect(),
            composites,
            history: Arc::new(self.history.frame()),
            prices: self.prices.series(),
            analytics: Arc::new(analytics),
        }
    }

    /// §10.9 for every book: its eight readings, dislocation (§10.8, held per book in
    /// `dislocations`, aligned with `books`) filled in here, the score and its top contributors.
    fn integrity(
        &mut self,
        now: Nanos,
        books: &mut [BookTick],
        dislocations: &[Option<(f64, Dislocation)>],
    ) -> Vec<BookIntegrity> {
        let t = to_millis(now);
        let slot = DetectorKind::ALL.len() - 1;
        books
            .iter_mut()
            .zip(dislocations)
            .map(|(b, held)| {
                let mut detectors = std::mem::take(&mut b.detectors);
                let key = b.frame.key.clone();
                let mid = b.frame.features.as_ref().and_then(|f| f.mid);
                if let (Some(r), Some((_, latch))) =
                    (detectors.get_mut(slot), self.dislocation.get_mut(&key))
                {
                    r.score = held.map(|(score, _)| score);
                    latch.update(t, r.score, || {
                        let Some((_, d)) = held else {
                            return (String::new(), vec![]);
                        };
                        let summary = format!(
                            "mid {:+.1} bps from the median of the other venues (T {:.1} bps)",
                            d.d_bps, d.threshold_bps
                        );
                        (
                            summary,
                            mid.map(|m| vec![point(t, m, 0.0)]).unwrap_or_default(),
                        )
                    });
                    r.last_fired = latch.last().cloned();
                }
                let (integrity_score, top_contributors) = integrity(&detectors);
                BookIntegrity {
                    key,
                    detectors,
                    integrity_score,
                    top_contributors,
                }
            })
            .collect()
    }

    /// §10.8 for every fresh book against the other fresh, aligned books of the same kind of
    /// market whose mids can be put in its currency: a USD or USDC book is compared with USDT
    /// books through the stablecoin rates, and not at all without them (§0.4); a perpetual's premium is
    /// basis (§3.9), not dislocation.
    fn dislocation(
        &mut self,
        now: Nanos,
        books: &[BookTick],
        used: &[Used],
        money: &Money,
        alignment_ms: f64,
        out: &mut Composites,
    ) -> Vec<Option<(f64, Dislocation)>> {
        let t = to_millis(now);
        let spot = |f: &BookFrame| f.instrument.kind == MarketKind::Spot;
        let mut worst: Option<(f64, f64, &BookKey)> = None;
        let mut held = Vec::with_capacity(books.len());
        for b in books {
            let key = &b.frame.key;
            if !self.dislocation.contains_key(key) {
                let tracker = DislocationTracker::new(DISLOCATION_HOLD);
                self.dislocation
                    .insert(key.clone(), (tracker, FireLatch::default()));
            }
            let Some((tracker, _)) = self.dislocation.get_mut(key) else {
                held.push(None);
                continue;
            };
            let me = used.iter().find(|u| u.frame.key == *key);
            let instant = me.and_then(|me| {
                let f = me.frame.features.as_ref()?;
                let (mid, spread) = (f.mid?, f.spread_bps?);
                let quote = &me.frame.instrument.quote;
                let others: Vec<f64> = used
                    .iter()
                    .filter(|o| o.frame.key != *key && spot(o.frame) == spot(me.frame))
                    .filter(|o| aligned(me.lag_ms, o.lag_ms, alignment_ms))
                    .filter_map(|o| money.mid_in(o.frame, quote))
                    .collect();
                dislocation(mid, spread / 2.0, &others)
            });
            tracker.update(t, instant.map(|d| d.score));
            let score = instant.zip(tracker.score(t));
            held.push(score.map(|(d, s)| (s, d)));
            let Some((d, score)) = score else {
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
        held
    }
}

/// The currency a symbol's cross-venue prices are expressed in, and how books quoted in another
/// one get there (§0.4): through the stablecoin rates in force, else not at all.
struct Money<'r> {
    /// The quote most of the fresh books use (ties: the first book's); `None` without books.
    quote: Option<String>,
    rates: &'r QuoteRates,
}

impl<'r> Money<'r> {
    fn of(used: &[Used], rates: &'r QuoteRates) -> Self {
        let quotes: Vec<&str> = used
            .iter()
            .map(|u| u.frame.instrument.quote.as_str())
            .collect();
        let count = |q: &str| quotes.iter().filter(|x| **x == q).count();
        // `max_by_key` keeps the last of equals: reversed, the first book's quote wins ties.
        let quote = quotes
            .iter()
            .rev()
            .max_by_key(|q| count(q))
            .map(|q| q.to_string());
        Money { quote, rates }
    }

    /// A book's mid in the symbol's currency, `None` if it cannot be converted.
    fn mid(&self, f: &BookFrame) -> Option<f64> {
        self.mid_in(f, self.quote.as_deref()?)
    }

    /// A book's mid in `quote`, `None` if it cannot be converted.
    fn mid_in(&self, f: &BookFrame, quote: &str) -> Option<f64> {
        let mid = f.features.as_ref()?.mid?;
        self.rates.convert(mid, &f.instrument.quote, quote)
    }

    /// Says in `out` which currency the symbol's prices are in, the rates books were
    /// converted through, and the currencies left apart.
    fn describe(&self, used: &[Used], out: &mut Composites) {
        let Some(quote) = &self.quote else { return };
        for u in used {
            let q = &u.frame.instrument.quote;
            match self.rates.route(q, quote) {
                Some(route) => {
                    for rate in route.via.into_iter().flatten() {
                        if !out.quote_rates.contains(rate) {
                            out.quote_rates.push(rate.clone());
                        }
                    }
                }
                None if !out.quotes_apart.contains(q) => out.quotes_apart.push(q.clone()),
                None => {}
            }
        }
        out.quote = Some(quote.clone());
    }
}

/// The best-filled fresh venue's progress for each composite still without a value.
fn warming(fresh: &[&BookTick], c: &Composites) -> Warming {
    let best = |pick: fn(&Warming) -> Option<Progress>| {
        fresh
            .iter()
            .map(|b| pick(&b.warming))
            .fold(None, Progress::best)
    };
    Warming {
        liquidity_risk: c
            .liquidity_risk
            .is_none()
            .then(|| best(|w| w.liquidity_risk))
            .flatten(),
        flow_momentum: c
            .flow_momentum
            .is_none()
            .then(|| best(|w| w.flow_momentum))
            .flatten(),
        whale_conviction: c
            .whale_conviction
            .is_none()
            .then(|| best(|w| w.whale_conviction))
            .flatten(),
        cascade_stress: c
            .cascade_stress
            .is_none()
            .then(|| best(|w| w.cascade_stress))
            .flatten(),
    }
}

/// Two feeds are comparable when their receive lags differ by at most the alignment limit
/// (§0.2): books are incremental, so a quiet book is current as of its feed's lag.
pub(super) fn aligned(a: Option<f64>, b: Option<f64>, limit_ms: f64) -> bool {
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

/// §3.13 over the fresh books whose derivatives values are fresh too (open interest and
/// funding are polled on some venues, so a live book can carry stale ones).
fn derivatives(used: &[Used], price_change_1h: Option<f64>) -> DerivativesConsensus {
    let venues: Vec<VenueDerivs> = used
        .iter()
        .map(|u| &u.frame.derivs)
        .filter(|d| !d.stale)
        .map(|d| VenueDerivs {
            funding_rate: d.funding_rate,
            funding_interval_h: d.funding_interval_h,
            open_interest_usd: d.open_interest_usd,
            open_interest_change_1h: d.open_interest_change_1h,
        })
        .collect();
    consensus(&venues, price_change_1h)
}

/// δ of §3.11: the 0.5 % row of the Kaiko depth set (50 bps from the touch).
const DIVERGENCE_BAND_PCT: f64 = 0.5;

/// §3.11 over the fresh books with base units: each side's notional within δ, in the symbol's
/// currency, summed per kind of market. A book whose band reaches past what it is known to hold
/// (a truncated snapshot), or whose currency cannot be converted, is left out rather than
/// counted short.
fn spot_perp_depth(used: &[Used], money: &Money) -> SpotPerp {
    let mut perp = SideDepth::default();
    let mut spot = SideDepth::default();
    let (mut perps, mut spots) = (0, 0);
    for u in used.iter().filter(|u| u.frame.base_units) {
        let f = u.frame;
        let Some((_, bid, ask)) = f.bands.as_ref().and_then(|b| {
            b.kaiko
                .iter()
                .find(|(pct, _, _)| (pct - DIVERGENCE_BAND_PCT).abs() < 1e-9)
        }) else {
            continue;
        };
        if bid.truncated || ask.truncated {
            continue;
        }
        let Some(quote) = money.quote.as_deref() else {
            continue;
        };
        let convert = |x: f64| money.rates.convert(x, &f.instrument.quote, quote);
        let (Some(bid), Some(ask)) = (convert(bid.quote), convert(ask.quote)) else {
            continue;
        };
        let (sum, count) = match f.instrument.kind {
            MarketKind::Spot => (&mut spot, &mut spots),
            MarketKind::Perpetual => (&mut perp, &mut perps),
            _ => continue,
        };
        sum.bid += bid;
        sum.ask += ask;
        *count += 1;
    }
    if perps == 0 || spots == 0 {
        return SpotPerp::default();
    }
    spot_perp(perp, spot)
}

/// `whale_agreement` over the fresh books: each market's large taker notional of the 5-min
/// window, in the symbol's currency. `None` while no book of a market has its large-trade
/// window (warming, or no fresh book of that kind); a book whose currency cannot be converted
/// is left out.
fn large_flow_agreement(used: &[Used], money: &Money) -> Option<f64> {
    let quote = money.quote.as_deref()?;
    let mut flows = [None::<LargeFlow>; 2];
    for u in used.iter().filter(|u| u.frame.base_units) {
        let f = u.frame;
        let slot = match f.instrument.kind {
            MarketKind::Spot => 0,
            MarketKind::Perpetual => 1,
            _ => continue,
        };
        let convert = |x: Option<f64>| money.rates.convert(x?, &f.instrument.quote, quote);
        let (Some(buy), Some(sell)) = (
            convert(f.flow.large_buy_notional_5m),
            convert(f.flow.large_sell_notional_5m),
        ) else {
            continue;
        };
        let sum = flows[slot].get_or_insert_default();
        sum.buy += buy;
        sum.sell += sell;
    }
    let [Some(spot), Some(perp)] = flows else {
        return None;
    };
    whale_agreement(spot, perp)
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
        integrity_score: None,
        quote: None,
        quote_rates: Vec::new(),
        quotes_apart: Vec::new(),
        warming: Warming::default(),
        derivatives: DerivativesConsensus::default(),
        spot_perp: SpotPerp::default(),
    }
}
