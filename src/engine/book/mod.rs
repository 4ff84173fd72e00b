//! Per (venue, instrument) state: everything the engine keeps about one book, fed by that
//! book's events, and turned into a [`BookFrame`](crate::engine::frame::BookFrame) every tick.
//!
//! - [`mirror`]: the engine's copy of the book, every delta applied;
//! - [`differencing`]: OFI, level OFI, the level trackers, spread and L1 state series, fed on
//!   every update and reset at a resync (§0.2);
//! - [`tape`], [`liquidations`], [`derivs`]: trades, forced orders and derivatives state;
//! - [`positioning`]: the venue's polled long/short and taker statistics;
//! - [`baselines`]: the per-minute history `liquidity_risk` and cascade thinning rank against;
//! - [`detectors`]: §10's market-protection detectors fed by trades, liquidations and the mid,
//!   and the eight readings of the book;
//! - [`view`]: the tick, computing every feature of the frame.
//!
//! Life cycle (§0.2): a book that leaves `Live` (resync, reconnect) loses its mirror and its
//! differencing baselines but keeps every rolling window; a snapshot always starts a new
//! baseline. A connection that went `Down` missed trades, so the trade and liquidation windows
//! restart and warm up again rather than show an outage as a quiet market.

pub mod baselines;
pub mod derivs;
pub mod detectors;
pub mod differencing;
pub mod liquidations;
pub mod mirror;
pub mod positioning;
pub mod tape;
pub mod view;

use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::config::alerts::AlertMetric;
use crate::config::engine::EngineConfig;
use crate::engine::frame::AlertSide;
use crate::features::bands::LevelThreshold;
use crate::features::flow::{LargeTradeRule, TradeFlow, TradeFlowConfig};
use crate::features::{Level, LevelChange};
use crate::feed::event::{
    BookKey, BookStatus, BookUpdate, DerivsTick, LiqSampling, Liquidation, Trade, UpdateKind,
};
use crate::feed::health::{BookCounters, BookState};
use crate::instrument::{Contract, Instrument};
use crate::market::{Millis, Nanos};

use super::clock::{ExchClock, from_millis, to_millis};

/// The shortest restored run of seconds whose mean starts the liquidation rates (five time
/// constants of the fast rate).
const PRIME_AFTER: Millis = 5 * 60_000;
use super::freshness::UpdateIntervals;
use super::warm::{MinuteSeries, SecondFlow, Seed};
use baselines::Baselines;
use derivs::DerivsState;
use detectors::Detectors;
use differencing::Differencing;
use liquidations::Liquidations;
use mirror::Mirror;
use positioning::PositioningState;
use tape::Tape;

/// What the instrument and the configuration say about a book.
#[derive(Clone, Copy, Debug, PartialEq)]
struct BookParams {
    /// Price increment, when the venue said.
    tick: Option<f64>,
    /// Size step in base units, when the venue said and the contract is linear.
    size_step: Option<f64>,
    /// Sizes are base units: the contract is known (§0.4). Otherwise notional features are
    /// absent.
    base_units: bool,
    large_trade_floor: f64,
    cascade_n0: f64,
    /// Liquidation prints kept for display.
    recent_prints: usize,
}

impl BookParams {
    fn new(instrument: &Instrument, cfg: &EngineConfig) -> Self {
        BookParams {
            tick: instrument
                .tick
                .map(|t| t.to_f64())
                .filter(|t| t.is_finite() && *t > 0.0),
            size_step: match instrument.contract {
                Contract::Base => instrument.lot.map(|l| l.to_f64()),
                Contract::Linear { multiplier } => instrument.lot.map(|l| l.to_f64() * multiplier),
                // An inverse contract's step is in the quote currency.
                Contract::Inverse { .. } | Contract::Unknown => None,
            }
            .filter(|l| l.is_finite() && *l > 0.0),
            base_units: instrument.contract.is_known(),
            large_trade_floor: cfg.large_trade_floor(&instrument.base),
            cascade_n0: cfg.cascade_n0(&instrument.base),
            recent_prints: cfg.recent_prints,
        }
    }
}

/// The snapshot size from which [`BookEngine::on_book`] merges a snapshot into the mirror
/// rather than inserting its levels one by one.
const SNAPSHOT_MERGE_LEVELS: usize = 64;

/// One venue book and everything derived from it.
#[derive(Debug)]
pub struct BookEngine {
    key: BookKey,
    instrument: Arc<Instrument>,
    params: BookParams,
    state: BookState,
    counters: BookCounters,
    mirror: Mirror,
    /// Local receive times of book updates (staleness, §0.2).
    updates: UpdateIntervals,
    /// Exchange time of the latest book update.
    last_book_exch: Option<Millis>,
    exch: ExchClock,
    diff: Differencing,
    flow: TradeFlow,
    tape: Tape,
    liquidations: Option<Liquidations>,
    derivs: DerivsState,
    positioning: PositioningState,
    baselines: Baselines,
    /// §10.4–10.7 and the last firing of every detector.
    detectors: Detectors,
    /// `(tick time, resync counter)` over the last 5 minutes.
    resyncs: VecDeque<(Nanos, u64)>,
    /// Exchange time since which this connection's streams have been observed.
    observed_since: Option<Millis>,
    /// The large-print threshold of the last tick (quote units), for flags on the tape.
    large_threshold: Option<f64>,
    /// θ per side (§0.5) and the exchange second it was derived in.
    theta: Option<(i64, [LevelThreshold; 2])>,
    /// The local second the depth near mid was last handed to the symbol in (§5 observes once
    /// a second).
    depth_second: Option<i64>,
    changes: Vec<LevelChange>,
    bids: Vec<Level>,
    asks: Vec<Level>,
    /// Running totals for the history's per-second flow columns.
    totals: Totals,
    /// What the history has been handed: the minute and hour last exported.
    exported: Option<(i64, i64)>,
    /// The liquidation-stream sampling the history knew this book by.
    restored_sampling: Option<LiqSampling>,
    /// Liquidated `(second, long, short)` notionals restored from the history, waiting for a
    /// live liquidation to say the stream's sampling (see [`BookEngine::seed`]).
    restored_liquidations: Vec<(Millis, f64, f64)>,
}

/// Running totals since the book was created: the history differences them per second.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Totals {
    pub taker_buy: f64,
    pub taker_sell: f64,
    pub trades: u64,
    pub liq_long_usd: f64,
    pub liq_short_usd: f64,
}

impl BookEngine {
    pub fn new(key: BookKey, instrument: Arc<Instrument>, cfg: &EngineConfig) -> Self {
        let params = BookParams::new(&instrument, cfg);
        BookEngine {
            key,
            diff: Differencing::new(params.tick),
            flow: new_flow(&params),
            tape: new_tape(cfg),
            instrument,
            params,
            state: BookState::Syncing,
            counters: BookCounters::default(),
            mirror: Mirror::default(),
            updates: UpdateIntervals::default(),
            last_book_exch: None,
            exch: ExchClock::default(),
            liquidations: None,
            derivs: DerivsState::default(),
            positioning: PositioningState::default(),
            baselines: Baselines::default(),
            detectors: Detectors::default(),
            resyncs: VecDeque::new(),
            observed_since: None,
            large_threshold: None,
            theta: None,
            depth_second: None,
            changes: Vec::new(),
            bids: Vec::new(),
            asks: Vec::new(),
            totals: Totals::default(),
            exported: None,
            restored_sampling: None,
            restored_liquidations: Vec::new(),
        }
    }

    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// Applies past samples, oldest first: see [`crate::engine::warm`]. Live data wins: a
    /// flow minute or print hour the live trades have reached is skipped (the store re-sends
    /// what it holds after a backfill, while the stream runs).
    pub fn seed(&mut self, seeds: &[Seed]) {
        const MINUTE: Millis = 60_000;
        const HOUR: Millis = 3_600_000;
        let live = self.flow.live_since();
        let past =
            |t: Millis, unit: Millis| live.is_none_or(|l| t.div_euclid(unit) < l.div_euclid(unit));
        // Per minute: (signed CVD, large buy, large sell) as far as given.
        let mut minutes: std::collections::BTreeMap<i64, [Option<f64>; 3]> = Default::default();
        let mut seconds = Vec::new();
        for seed in seeds {
            match seed {
                Seed::Minute { series, t, value } => {
                    let slot = match series {
                        MinuteSeries::Cvd => 0,
                        MinuteSeries::LargeBuy => 1,
                        MinuteSeries::LargeSell => 2,
                        MinuteSeries::Volume => {
                            if past(*t, MINUTE) {
                                self.tape.seed_volume_minute(*t, *value);
                                self.detectors.seed_volume_minute(*t, *value);
                            }
                            continue;
                        }
                        _ => {
                            self.baselines.seed(*series, *t, *value);
                            continue;
                        }
                    };
                    minutes.entry(t.div_euclid(MINUTE)).or_default()[slot] = Some(*value);
                }
                Seed::PrintHour { t, bins } if past(*t, HOUR) => {
                    self.flow.seed_print_hour(*t, bins);
                }
                Seed::PrintHour { .. } => {}
                Seed::Second { t, flow } => seconds.push((*t, *flow)),
                Seed::LiqStream { sampling, .. } => self.restored_sampling = Some(*sampling),
                // The symbol's rows and zones: the engine hands them to the symbol.
                Seed::SymbolMinute { .. } | Seed::SymbolZones { .. } => {}
                Seed::Positioning { polled, stat } => {
                    self.positioning.seed(stat, from_millis(*polled));
                }
                Seed::OpenInterest {
                    polled, base, usd, ..
                } => self
                    .derivs
                    .seed_open_interest(*base, *usd, from_millis(*polled)),
            }
        }
        for (minute, values) in minutes {
            let t = minute * MINUTE;
            if !past(t, MINUTE) {
                continue;
            }
            match values {
                [Some(cvd), Some(buy), Some(sell)] => self.flow.seed_minute(t, [cvd, buy, sell]),
                // A backfilled candle: its taker split, without the large prints.
                [Some(cvd), ..] => self.flow.seed_cvd_minute(t, cvd),
                _ => {}
            }
        }
        self.seed_seconds(&seconds);
    }

    /// Refills the short windows from the seconds just before a restart (oldest first, one
    /// unbroken run): the CVD windows, and the liquidation windows and rates where the venue
    /// had a liquidation stream. A venue whose stream's sampling is known only from a live
    /// liquidation keeps the restored seconds until the first one arrives.
    fn seed_seconds(&mut self, seconds: &[(Millis, SecondFlow)]) {
        if seconds.is_empty() || !self.params.base_units {
            return;
        }
        self.flow.seed_seconds(
            seconds
                .iter()
                .map(|(t, f)| (*t, f.taker_buy, f.taker_sell, f.mid)),
        );
        self.restored_liquidations = seconds
            .iter()
            .filter(|(_, f)| f.liq_long_usd.is_some() || f.liq_short_usd.is_some())
            .map(|(t, f)| {
                let notional = |v: Option<f64>| v.filter(|v| v.is_finite() && *v > 0.0);
                (
                    *t,
                    notional(f.liq_long_usd).unwrap_or(0.0),
                    notional(f.liq_short_usd).unwrap_or(0.0),
                )
            })
            .collect();
        if let Some(sampling) = self.restored_sampling {
            self.restore_liquidations(sampling);
        }
    }

    /// Creates the liquidation tracker from the restored seconds (if any), observed since the
    /// first of them.
    fn restore_liquidations(&mut self, sampling: LiqSampling) {
        let restored = std::mem::take(&mut self.restored_liquidations);
        let Some(&(since, _, _)) = restored.first() else {
            return;
        };
        let cap = self.params.recent_prints;
        let liq = self
            .liquidations
            .get_or_insert_with(|| Liquidations::new(sampling, cap, since));
        // A run of at least PRIME_AFTER starts the rates at its mean (see `prime`); a shorter
        // one is too few seconds to say the level and starts them at zero, as live.
        let last = restored.last().map_or(since, |r| r.0);
        let span_s = (last - since) as f64 / 1_000.0 + 1.0;
        if span_s * 1_000.0 >= PRIME_AFTER as f64 {
            let count: f64 = restored
                .iter()
                .map(|(_, l, s)| f64::from(u8::from(*l > 0.0) + u8::from(*s > 0.0)))
                .sum();
            let notional: f64 = restored.iter().map(|(_, l, s)| l + s).sum();
            liq.prime(since, count / span_s, notional / span_s);
        }
        for (t, long, short) in restored {
            liq.seed_second(t, long, short);
        }
    }

    /// Hands the samples taken since the last call to `out` (for the history): new baseline
    /// samples, the flow sums of the previous and current minute, and once a minute the
    /// trade-notional histogram of the hour.
    pub fn take_warm(&mut self, now: Nanos, out: &mut Vec<Seed>) {
        self.baselines.record_new();
        for (series, t, value) in self.baselines.take_new() {
            out.push(Seed::Minute { series, t, value });
        }
        let exch_now = self.exch.now(now);
        let (minute, hour) = (exch_now.div_euclid(60_000), exch_now.div_euclid(3_600_000));
        for m in [minute - 1, minute] {
            let t = m * 60_000;
            if let Some(value) = self.tape.minute_volume(t) {
                out.push(Seed::Minute {
                    series: MinuteSeries::Volume,
                    t,
                    value,
                });
            }
            if let Some(values) = self.flow.minute_state(t) {
                for (series, value) in [
                    MinuteSeries::Cvd,
                    MinuteSeries::LargeBuy,
                    MinuteSeries::LargeSell,
                ]
                .into_iter()
                .zip(values)
                {
                    out.push(Seed::Minute { series, t, value });
                }
            }
        }
        let last = self.exported.replace((minute, hour));
        if last.is_none_or(|(m, _)| m != minute) {
            if let Some(liq) = &self.liquidations {
                out.push(Seed::LiqStream {
                    t: minute * 60_000,
                    sampling: liq.sampling(),
                });
            }
            let mut hours = vec![hour];
            if let Some((_, h)) = last.filter(|(_, h)| *h != hour) {
                hours.insert(0, h);
            }
            for h in hours {
                let bins = self.flow.print_hour(h * 3_600_000);
                if !bins.is_empty() {
                    out.push(Seed::PrintHour {
                        t: h * 3_600_000,
                        bins,
                    });
                }
            }
        }
    }

    pub fn key(&self) -> &BookKey {
        &self.key
    }

    pub fn instrument(&self) -> &Arc<Instrument> {
        &self.instrument
    }

    /// New metadata for the instrument. A change of units (contract learned or changed) restarts
    /// everything measured in them.
    pub fn set_instrument(&mut self, instrument: Arc<Instrument>, cfg: &EngineConfig) {
        let params = BookParams::new(&instrument, cfg);
        let units_changed = instrument.contract != self.instrument.contract;
        self.instrument = instrument;
        if params == self.params && !units_changed {
            return;
        }
        self.params = params;
        if units_changed {
            self.restart_streams(cfg);
            self.baselines = Baselines::default();
        }
    }

    /// One applied book message: mirror it, then feed the differencing calculators (§0.6: every
    /// update, never throttled).
    pub fn on_book(&mut self, u: &BookUpdate) {
        let t = u.exch_ts.unwrap_or_else(|| to_millis(u.local_ts));
        self.exch.observe(t, u.local_ts);
        self.updates.on_update(u.local_ts);
        self.last_book_exch = Some(t);
        self.changes.clear();
        if u.kind == UpdateKind::Snapshot {
            self.mirror.clear();
        }
        let push = |changes: &mut Vec<LevelChange>, c: &crate::feed::event::LevelChange, old| {
            changes.push(LevelChange {
                t,
                side: c.side,
                price: c.price,
                old_size: old,
                new_size: mirror::resting_size(c.size),
            })
        };
        // A large message, or a snapshot of more than a few levels (into the cleared mirror,
        // best first: one by one, each level would move every level already in), is merged;
        // the changes keep their order and previous sizes.
        let merged = u.changes.len() >= crate::book::BATCH_LEVELS
            || (u.kind == UpdateKind::Snapshot && u.changes.len() >= SNAPSHOT_MERGE_LEVELS);
        if merged {
            let all: Vec<_> = u
                .changes
                .iter()
                .map(|c| (c.side, c.price, c.size))
                .collect();
            let old = self.mirror.apply_all(&all);
            for (c, old) in u.changes.iter().zip(old) {
                push(&mut self.changes, c, old);
            }
        } else {
            for c in &u.changes {
                let old = self.mirror.apply(c.side, c.price, c.size);
                push(&mut self.changes, c, old);
            }
        }
        self.mirror.set_known_to(u.known_to);
        self.diff
            .on_update(t, u.kind, &self.mirror, &self.changes, self.params.tick);
    }

    pub fn on_trade(&mut self, tr: &Trade) {
        self.exch.observe(tr.exch_ts, tr.local_ts);
        let trade = crate::features::Trade {
            t: tr.exch_ts,
            price: tr.price,
            size: tr.size,
            taker: tr.taker,
            id: tr.id.as_deref().map(trade_id),
        };
        // TradeFlow drops replayed ids and corrupt prints; only what it accepted goes on.
        if !self.count_flow(&trade) {
            return;
        }
        self.diff.on_trade(&trade);
        self.detectors.on_trade(&trade, self.params.size_step);
        let threshold = self.large_threshold.filter(|_| self.params.base_units);
        self.tape.on_trade(&trade, threshold);
    }

    /// A print of a stretch whose book the engine did not follow (the demo's sampled past,
    /// `sim::fast_forward`): the trade flow takes it as it would live (CVD, volumes, prints,
    /// their histogram and threshold) and so do the minute's traded notional and the pump's
    /// volume (§10.5), while the
    /// tape's prints and the level-activity tracker, which match prints against the book's
    /// levels, do not, as the book they traded against is not the one the engine holds.
    pub fn on_flow_only(&mut self, trade: &crate::features::Trade) {
        if self.count_flow(trade) {
            self.tape.count_volume(trade);
            self.detectors.on_flow_only(trade);
        }
    }

    /// The trade flow and the totals take `trade`; false if the flow refused it (a replayed id,
    /// a corrupt print).
    fn count_flow(&mut self, trade: &crate::features::Trade) -> bool {
        if !self.flow.on_trade(trade) {
            return false;
        }
        self.totals.trades += 1;
        match trade.taker {
            Some(crate::market::TakerSide::Buy) => self.totals.taker_buy += trade.size,
            Some(crate::market::TakerSide::Sell) => self.totals.taker_sell += trade.size,
            None => {}
        }
        true
    }

    pub fn on_liquidation(&mut self, l: &Liquidation, cfg: &EngineConfig) {
        self.exch.observe(l.exch_ts, l.local_ts);
        let notional = l.price * l.size;
        self.detectors
            .on_liquidation(l.exch_ts, l.position, notional);
        if notional.is_finite() && notional > 0.0 {
            match l.position {
                crate::market::LiquidatedPosition::Long => self.totals.liq_long_usd += notional,
                crate::market::LiquidatedPosition::Short => self.totals.liq_short_usd += notional,
            }
        }
        if self.liquidations.is_none() {
            self.restore_liquidations(l.sampling);
        }
        let since = self.observed_since.unwrap_or(l.exch_ts).min(l.exch_ts);
        self.liquidations
            .get_or_insert_with(|| Liquidations::new(l.sampling, cfg.recent_prints, since))
            .on_liquidation(l);
    }

    pub fn on_derivs(&mut self, d: &DerivsTick) {
        if let Some(t) = d.exch_ts {
            self.exch.observe(t, d.local_ts);
        }
        self.derivs.on_tick(&d.values, d.local_ts);
        if let Some(p) = &d.values.positioning {
            self.positioning.on_polled(p, d.local_ts);
        }
    }

    pub fn on_status(&mut self, s: &BookStatus, cfg: &EngineConfig) {
        self.counters = s.counters.clone();
        if s.state == self.state {
            return;
        }
        match &s.state {
            BookState::Live => {
                let now = self.exch.now(s.local_ts);
                self.observed_since.get_or_insert(now);
                self.flow.observe_since(now);
            }
            BookState::Down => {
                self.leave_live(s.local_ts);
                self.restart_streams(cfg);
            }
            BookState::Syncing | BookState::Resyncing(_) => self.leave_live(s.local_ts),
        }
        self.state = s.state.clone();
    }

    /// The events the alert rules judge one by one, since the last call: the notional of each
    /// taker print completed by `now` (§3.3) with its taker side, and of each liquidation with
    /// the positions it closed.
    pub fn take_events(&mut self, now: Nanos, mut event: impl FnMut(AlertMetric, f64, AlertSide)) {
        let exch_now = self.exch.now(now);
        for p in self.tape.take_prints(exch_now) {
            event(
                AlertMetric::LargeTradeUsd,
                p.notional,
                AlertSide::of_taker(p.side),
            );
        }
        if let Some(liq) = self.liquidations.as_mut() {
            for (notional, position) in liq.take_pending() {
                event(
                    AlertMetric::LiquidationUsd,
                    notional,
                    AlertSide::of_liquidation(position),
                );
            }
        }
    }

    /// The book is no longer proven: drop the copy and every differencing baseline (§0.2).
    fn leave_live(&mut self, at: Nanos) {
        self.mirror.clear();
        self.diff.invalidate(self.exch.now(at));
    }

    /// Trades and liquidations were missed (outage) or are in new units: their windows start
    /// over and warm up again.
    fn restart_streams(&mut self, cfg: &EngineConfig) {
        self.flow = new_flow(&self.params);
        self.tape = new_tape(cfg);
        self.detectors.restart();
        self.liquidations = None;
        self.observed_since = None;
        self.large_threshold = None;
    }
}

fn new_flow(params: &BookParams) -> TradeFlow {
    TradeFlow::new(TradeFlowConfig {
        large_rule: LargeTradeRule::Baseline {
            floor: params.large_trade_floor,
        },
        ..TradeFlowConfig::default()
    })
}

fn new_tape(cfg: &EngineConfig) -> Tape {
    Tape::new(cfg.recent_prints, (cfg.traded_window_s * 1000.0) as Millis)
}

/// A venue trade id as the `u64` the de-duplication keys on: a decimal id as its number, so
/// the consecutive ids most venues give (Binance, OKX, Kraken, Coinbase, …) are kept as runs
/// (`features::prints`); any other id hashed. A venue gives one form of id per instrument, so a
/// number and a hash do not meet in one book.
fn trade_id(id: &str) -> u64 {
    if let Ok(n) = id.parse::<u64>()
        && !id.starts_with('+')
    {
        return n;
    }
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::trade_id;

    #[test]
    fn decimal_trade_ids_keep_their_numbers_so_consecutive_ids_stay_consecutive() {
        let ids: Vec<u64> = (1_000..1_005).map(|n| trade_id(&n.to_string())).collect();
        assert_eq!(ids, vec![1_000, 1_001, 1_002, 1_003, 1_004]);
        assert_eq!(trade_id("18446744073709551615"), u64::MAX);
        // Anything else is hashed: prefixed ids, a written sign.
        assert_ne!(trade_id("+5"), 5);
        assert_ne!(trade_id("ETH-1234"), trade_id("ETH-1235"));
    }
}
