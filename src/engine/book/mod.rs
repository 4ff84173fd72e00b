//! Per (venue, instrument) state: everything the engine keeps about one book, fed by that
//! book's events, and turned into a [`BookFrame`](crate::engine::frame::BookFrame) every tick.
//!
//! - [`mirror`]: the engine's copy of the book, every delta applied;
//! - [`differencing`]: OFI, level OFI, the level trackers, spread and L1 state series, fed on
//!   every update and reset at a resync (§0.2);
//! - [`tape`], [`liquidations`], [`derivs`]: trades, forced orders and derivatives state;
//! - [`baselines`]: the per-minute history `liquidity_risk` and cascade thinning rank against;
//! - [`view`]: the tick, computing every feature of the frame.
//!
//! Life cycle (§0.2): a book that leaves `Live` (resync, reconnect) loses its mirror and its
//! differencing baselines but keeps every rolling window; a snapshot always starts a new
//! baseline. A connection that went `Down` missed trades, so the trade and liquidation windows
//! restart and warm up again rather than show an outage as a quiet market.

pub mod baselines;
pub mod derivs;
pub mod differencing;
pub mod liquidations;
pub mod mirror;
pub mod tape;
pub mod view;

use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::backfill::BookHistory;
use crate::config::alerts::AlertMetric;
use crate::config::engine::EngineConfig;
use crate::engine::frame::AlertSide;
use crate::features::bands::LevelThreshold;
use crate::features::flow::{LargeTradeRule, TradeFlow, TradeFlowConfig};
use crate::features::{Level, LevelChange};
use crate::feed::event::{
    BookKey, BookStatus, BookUpdate, DerivsTick, Liquidation, Trade, UpdateKind,
};
use crate::feed::health::{BookCounters, BookState};
use crate::instrument::Instrument;
use crate::market::{Millis, Nanos};

use super::clock::{ExchClock, to_millis};
use super::freshness::UpdateIntervals;
use super::warm::{MinuteSeries, Seed};
use baselines::Baselines;
use derivs::DerivsState;
use differencing::Differencing;
use liquidations::Liquidations;
use mirror::Mirror;
use tape::Tape;

/// What the instrument and the configuration say about a book.
#[derive(Clone, Copy, Debug, PartialEq)]
struct BookParams {
    /// Price increment, when the venue said.
    tick: Option<f64>,
    /// Sizes are base units: the contract is known (§0.4). Otherwise notional features are
    /// absent.
    base_units: bool,
    large_trade_floor: f64,
    cascade_n0: f64,
}

impl BookParams {
    fn new(instrument: &Instrument, cfg: &EngineConfig) -> Self {
        BookParams {
            tick: instrument
                .tick
                .map(|t| t.to_f64())
                .filter(|t| t.is_finite() && *t > 0.0),
            base_units: instrument.contract.is_known(),
            large_trade_floor: cfg.large_trade_floor(&instrument.base),
            cascade_n0: cfg.cascade_n0(&instrument.base),
        }
    }
}

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
    baselines: Baselines,
    /// `(tick time, resync counter)` over the last 5 minutes.
    resyncs: VecDeque<(Nanos, u64)>,
    /// Exchange time since which this connection's streams have been observed.
    observed_since: Option<Millis>,
    /// The large-print threshold of the last tick (quote units), for flags on the tape.
    large_threshold: Option<f64>,
    /// θ per side (§0.5) and the exchange second it was derived in.
    theta: Option<(i64, [LevelThreshold; 2])>,
    changes: Vec<LevelChange>,
    bids: Vec<Level>,
    asks: Vec<Level>,
    /// REST history fetched at start, kept to seed the trade baselines again when an outage
    /// restarts them.
    history: Option<Arc<BookHistory>>,
    /// Running totals for the history's per-second flow columns.
    totals: Totals,
    /// What the history has been handed: the minute and hour last exported.
    exported: Option<(i64, i64)>,
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

/// What [`BookEngine::seed_history`] filled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SeedReport {
    /// Trades the large-trade P99 baseline counts from history.
    pub p99_trades: u64,
    /// Minutes of CVD behind `σ_1m` (`flow_momentum`).
    pub cvd_minutes: usize,
    /// Minutes of traded notional behind the 24 h volume.
    pub volume_minutes: usize,
}

impl SeedReport {
    pub fn any(&self) -> bool {
        self.p99_trades > 0 || self.cvd_minutes > 0 || self.volume_minutes > 0
    }
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
            baselines: Baselines::default(),
            resyncs: VecDeque::new(),
            observed_since: None,
            large_threshold: None,
            theta: None,
            changes: Vec::new(),
            bids: Vec::new(),
            asks: Vec::new(),
            history: None,
            totals: Totals::default(),
            exported: None,
        }
    }

    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// Applies past samples (oldest first, before live data): see [`crate::engine::warm`].
    pub fn seed(&mut self, seeds: &[Seed]) {
        let mut minutes: std::collections::BTreeMap<i64, [f64; 3]> = Default::default();
        for seed in seeds {
            match seed {
                Seed::Minute { series, t, value } => {
                    let slot = match series {
                        MinuteSeries::Cvd => 0,
                        MinuteSeries::LargeBuy => 1,
                        MinuteSeries::LargeSell => 2,
                        _ => {
                            self.baselines.seed(*series, *t, *value);
                            continue;
                        }
                    };
                    minutes.entry(t.div_euclid(60_000)).or_default()[slot] = *value;
                }
                Seed::PrintHour { t, bins } => self.flow.seed_print_hour(*t, bins),
                Seed::Print { t, notional } => self.flow.seed_print(*t, *notional),
            }
        }
        for (minute, values) in minutes {
            self.flow.seed_minute(minute * 60_000, values);
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
        if u.changes.len() >= crate::book::BATCH_LEVELS {
            // A large message is merged; the changes keep their order and previous sizes.
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
        if !self.flow.on_trade(&trade) {
            return;
        }
        self.totals.trades += 1;
        match tr.taker {
            Some(crate::market::TakerSide::Buy) => self.totals.taker_buy += tr.size,
            Some(crate::market::TakerSide::Sell) => self.totals.taker_sell += tr.size,
            None => {}
        }
        self.diff.on_trade(&trade);
        let threshold = self.large_threshold.filter(|_| self.params.base_units);
        self.tape.on_trade(&trade, threshold);
    }

    pub fn on_liquidation(&mut self, l: &Liquidation, cfg: &EngineConfig) {
        self.exch.observe(l.exch_ts, l.local_ts);
        let notional = l.price * l.size;
        if notional.is_finite() && notional > 0.0 {
            match l.position {
                crate::market::LiquidatedPosition::Long => self.totals.liq_long_usd += notional,
                crate::market::LiquidatedPosition::Short => self.totals.liq_short_usd += notional,
            }
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

    /// Seeds the baselines that trade history can fill, for the time before the live stream:
    /// the large-trade P99 from sampled prints, `σ_1m` of `flow_momentum` from per-minute CVD
    /// (where the venue splits taker volume), and the 24 h traded notional from candles. Live
    /// data always wins: only time before the first live trade is taken. Book-only baselines
    /// (`liquidity_risk`, cascade thinning) cannot be seeded from trades. Nothing is seeded
    /// while sizes are not known to be base units.
    pub fn seed_history(&mut self, history: Arc<BookHistory>) -> SeedReport {
        self.history = Some(history);
        self.apply_history()
    }

    fn apply_history(&mut self) -> SeedReport {
        let Some(h) = self.history.as_ref().filter(|_| self.params.base_units) else {
            return SeedReport::default();
        };
        let prints = h.prints.iter().map(|p| (p.t, p.notional(), p.weight));
        let cvd = h.candles.iter().filter_map(|c| Some((c.t, c.cvd()?)));
        let flow = self.flow.seed(prints, cvd);
        let volume_minutes = self
            .tape
            .seed_volume(h.candles.iter().map(|c| (c.t, c.notional_or_estimate())));
        SeedReport {
            p99_trades: flow.prints,
            cvd_minutes: flow.cvd_minutes,
            volume_minutes,
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
        self.liquidations = None;
        self.observed_since = None;
        self.large_threshold = None;
        self.apply_history();
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

/// A venue trade id as the `u64` the de-duplication keys on.
fn trade_id(id: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}
