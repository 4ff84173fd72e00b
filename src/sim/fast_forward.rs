//! The demo's past: the market model run through the feature engine in-process, in simulated
//! time, over the day before the demo starts, so `--demo` opens warm. The result is a history
//! file like any other, restored the same way, and everything it holds is SIMULATED.
//!
//! No sockets and no adapters: each model step becomes the events a venue task would publish
//! (base-unit sizes, exchange time = model time shifted to end at the start of the demo), and
//! what the engine exports for the warm start ([`Engine::take_warm`]: per-minute baseline
//! samples, minute flow sums, hourly print histograms) is written to the store.
//!
//! **Why it is sampled, and why that is honest.** The model's cost is its limit-order flow
//! (arrivals and cancels over thousands of levels, every simulated second), so a full day takes
//! minutes. The baselines do not need every second: each takes *one sample a minute* of the
//! book's state (spread, depth, slippage, spread volatility) and *the sum of each minute* of the
//! trade flow (signed volume, large prints, the print-size histogram). So the past is built as:
//!
//! - **the trade flow in full**: every taker order of every step of the day, drawn by the same
//!   Hawkes process, sides and size law as the live demo ([`Model::skip`]), priced at the market
//!   makers' touch; the quotes each step's price move picks off (most of a tape's count and
//!   notional), taken from the book as last sampled and carried along with the price; and the
//!   forced orders, published as liquidations. Minute CVD and volume, large prints against the
//!   engine's own P99, the print histogram, the pump's volume baseline and the liquidation
//!   rates are therefore the live demo's, not rescaled;
//! - **the book sampled**: in the last [`SAMPLE`] of each minute the full model (limit orders,
//!   cancels, walls, spoofs, forced orders) runs after the book is re-centred on the minute's
//!   fair price (so no stale quotes are swept as giant trades), and the engine takes its minute
//!   sample at the minute's end, in the one tick of the minute. The book's state is a fast
//!   mean-reverting process around the fair price, so a sample a minute apart is a draw from
//!   the same distribution the live minute sample is drawn from; spread volatility is measured
//!   over those samples (the spread held between them), an estimate of the same dispersion;
//! - **one 1-s row a sampled minute**, in its last second, holding the sample's book and the
//!   whole minute's flow, so the minute rollups (the Overview's sparklines, the History view)
//!   cover the day;
//! - **the last [`TAIL`] in full**: every step of the book model, the engine ticking each second
//!   and its 1-s rows written, so the short windows (CVD 1/5 min, liquidations, their EWMAs) are
//!   restored from those rows ([`crate::history::recent`]) exactly as after a real restart.
//!
//! Deterministic for a seed and an end time.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::engine::frame::DataMode;
use crate::engine::warm::Seed;
use crate::engine::{Engine, EngineSettings};
use crate::feed::event::{
    BookKey, BookStatus, BookUpdate, Derivs, DerivsTick, LevelChange, LiqSampling, Liquidation,
    MarketEvent, Trade, UpdateKind,
};
use crate::feed::health::{BookCounters, BookState};
use crate::history::recorder::SecondRows;
use crate::history::{BookRow, HistoryError, Store, WarmRow};
use crate::instrument::{Contract, Instrument, MarketKind};
use crate::market::{Millis, Nanos, Side, VenueId};
use crate::sim::catalog::{BookId, INSTRUMENTS, SimInstrument, USDC, USDT};
use crate::sim::model::Model;
use crate::sim::model::event::{BookStep, Fill, Forced};
use crate::sim::model::scenario::{ScenarioError, ScenarioSpec};

/// The model step: the live simulator's, so the past's flow has the live demo's statistics.
pub const STEP: Duration = Duration::from_millis(100);

/// How long the books run in full at the start of each sampled minute.
pub const SAMPLE: Duration = Duration::from_secs(1);

/// The stretch before the start simulated in full, with 1-s rows: the longest window restored
/// from seconds (the 5-min CVD). The liquidation rates start from its mean, so the 15-min slow
/// one reads its level without 15 minutes of seconds (`LiquidationTracker::prime`).
pub const TAIL: Duration = Duration::from_secs(5 * 60);

/// The span fast-forwarded by default: the longest baseline (24 h).
pub const SPAN: Duration = Duration::from_secs(24 * 3_600);

const MINUTE: Millis = 60_000;

/// The receive time of exchange time `ms` (the fast-forward has no network delay).
fn at(ms: Millis) -> Nanos {
    ms as Nanos * 1_000_000
}

/// The instrument event of simulated book `i`, sizes in base units (as [`step_events`] gives):
/// its size step is the model's lot in base units (a contract's lot times its contract value).
pub fn instrument_event(i: &SimInstrument, venue: VenueId, id: &str) -> MarketEvent {
    MarketEvent::Instrument(Arc::new(Instrument {
        venue,
        id: id.into(),
        base: i.symbol().name.into(),
        quote: i.quote.into(),
        kind: i.kind,
        contract: Contract::Base,
        tick: Some(i.tick_dec()),
        lot: i.base_lot_dec(),
        price_precision: None,
        qty_precision: None,
    }))
}

/// The events that put book `key` live with the model's current levels at `ms`.
pub fn live_events(
    key: &BookKey,
    ms: Millis,
    bids: &[(f64, f64)],
    asks: &[(f64, f64)],
) -> [MarketEvent; 2] {
    let changes = LevelChange::book(bids, asks);
    [
        MarketEvent::BookStatus(BookStatus {
            key: key.clone(),
            local_ts: at(ms),
            state: BookState::Live,
            counters: BookCounters::default(),
        }),
        MarketEvent::Book(BookUpdate {
            key: key.clone(),
            kind: UpdateKind::Snapshot,
            local_ts: at(ms),
            exch_ts: Some(ms),
            changes,
            known_to: [None, None],
        }),
    ]
}

/// One book's model step ending at exchange time `to`, as its venue task would publish it; the
/// step's own times are model times, and `t0` (exchange ms) is model time 0.
pub fn step_events(
    i: &SimInstrument,
    key: &BookKey,
    t0: Millis,
    to: Millis,
    step: &BookStep,
) -> Vec<MarketEvent> {
    let (tick, lot) = (i.tick_size(), i.base_per_lot());
    let ms = to;
    let mut out = Vec::with_capacity(1 + step.fills.len() + step.forced.len() + 1);
    out.push(MarketEvent::Book(BookUpdate {
        key: key.clone(),
        kind: UpdateKind::Delta,
        local_ts: at(ms),
        exch_ts: Some(ms),
        changes: step
            .changes
            .iter()
            .map(|c| LevelChange {
                side: c.side,
                price: c.price as f64 * tick,
                size: c.qty as f64 * lot,
            })
            .collect(),
        known_to: [None, None],
    }));
    for f in &step.fills {
        out.push(trade_event(i, key, t0, ms, f));
    }
    out.extend(liquidation_events(i, key, t0, ms, &step.forced));
    if let Some(d) = step.derivs {
        out.push(MarketEvent::Derivs(DerivsTick {
            key: key.clone(),
            local_ts: at(ms),
            exch_ts: Some(ms),
            values: Derivs {
                mark_price: Some(d.mark),
                index_price: Some(d.index),
                funding_rate: Some(d.funding_rate),
                next_funding_ts: Some(ms - ms.rem_euclid(8 * 3_600_000) + 8 * 3_600_000),
                funding_interval_h: Some(8.0),
                open_interest: Some(d.open_interest),
                open_interest_usd: None,
                positioning: None,
            },
        }));
    }
    out
}

/// Forced orders as the liquidation events their venue would publish at exchange time `ms`: none
/// from a venue without a public liquidation stream (Bitget), past or live.
fn liquidation_events<'a>(
    i: &'a SimInstrument,
    key: &'a BookKey,
    t0: Millis,
    ms: Millis,
    forced: &'a [Forced],
) -> impl Iterator<Item = MarketEvent> + 'a {
    let published = i
        .venue
        .adapter_spec()
        .is_some_and(|a| a.liquidations.is_read());
    forced.iter().filter(move |_| published).map(move |f| {
        MarketEvent::Liquidation(Liquidation {
            key: key.clone(),
            local_ts: at(ms),
            exch_ts: t0 + f.t_ms as Millis,
            position: f.position,
            price: f.price as f64 * i.tick_size(),
            size: f.qty as f64 * i.base_per_lot(),
            sampling: LiqSampling::Complete,
        })
    })
}

/// One fill as the trade event its venue would publish at exchange time `ms`.
fn trade_event(i: &SimInstrument, key: &BookKey, t0: Millis, ms: Millis, f: &Fill) -> MarketEvent {
    MarketEvent::Trade(Trade {
        key: key.clone(),
        local_ts: at(ms),
        exch_ts: t0 + f.t_ms as Millis,
        price: f.price as f64 * i.tick_size(),
        size: f.qty as f64 * i.base_per_lot(),
        taker: Some(f.taker),
        id: Some(format!("{}-{}-{}", f.order, f.price, f.t_ms).into()),
    })
}

/// The simulated books of `venues` that belong to a watched symbol (`BTC`, or an explicit
/// `venue:INSTRUMENT`), with a venue's dollar rate books (`USDT/USD`, `USDC/USD`) where a USD
/// spot book is among them (the live session watches them beside it for the rates,
/// `instrument::catalog`).
pub fn watched_books(venues: &[VenueId], symbols: &[String]) -> Vec<BookId> {
    let mut books: Vec<BookId> = (0..INSTRUMENTS.len())
        .filter(|&b| {
            let i = &INSTRUMENTS[b];
            let name = i.symbol().name;
            venues.contains(&i.venue)
                && symbols.iter().any(|s| match s.split_once(':') {
                    Some((v, id)) => v == i.venue.as_str() && id.eq_ignore_ascii_case(i.id),
                    None => s.eq_ignore_ascii_case(name) && !(i.inverse && has_linear(i)),
                })
        })
        .collect();
    let usd_spot = |b: &BookId| {
        let i = &INSTRUMENTS[*b];
        i.kind == MarketKind::Spot && i.quote == "USD"
    };
    let rates: Vec<BookId> = (0..INSTRUMENTS.len())
        .filter(|&r| {
            let rate = &INSTRUMENTS[r];
            [USDT, USDC].contains(&rate.symbol)
                && usd_spot(&r)
                && !books.contains(&r)
                && books
                    .iter()
                    .any(|b| usd_spot(b) && INSTRUMENTS[*b].venue == rate.venue)
        })
        .collect();
    books.extend(rates);
    books.sort_unstable();
    books
}

/// The venue lists a linear market of `i`'s symbol and kind beside inverse `i`: a bare symbol
/// resolves to it, as the catalog prefers linear contracts.
fn has_linear(i: &SimInstrument) -> bool {
    INSTRUMENTS
        .iter()
        .any(|o| o.venue == i.venue && o.symbol == i.symbol && o.kind == i.kind && !o.inverse)
}

/// The warm samples of one fast-forward, per book with its symbol, oldest first.
pub type WarmSamples = Vec<(BookKey, Arc<str>, Vec<Seed>)>;

/// What a fast-forward leaves for the history file.
#[derive(Debug, Default)]
pub struct Past {
    /// The engine's baseline samples.
    pub warm: WarmSamples,
    /// The 1-s rows, oldest first (unix second, rows): one in the last second of each sampled
    /// minute (holding that minute's flow), then every second of the [`TAIL`].
    pub seconds: Vec<(i64, Vec<BookRow>)>,
}

impl Past {
    /// Moves this past `ms` later, in whole seconds. The demo builds its past to end when the
    /// build starts; its tail moved to end when the build is done, the short windows (which
    /// restore only from seconds just before the start, `history::recent`) come back too.
    /// The sampled hours, written while the tail is built, stay where they are: the baselines
    /// they fill span a day, and a gap of the build's seconds before the tail costs them
    /// nothing.
    pub fn shift(&mut self, ms: Millis) {
        let ms = ms - ms.rem_euclid(1_000);
        for (_, _, seeds) in &mut self.warm {
            for seed in seeds.iter_mut() {
                seed.shift(ms);
            }
        }
        for (t, _) in &mut self.seconds {
            *t += ms / 1_000;
        }
    }
}

/// One book's current levels in base units, `(bids, asks)` best first.
fn levels(model: &Model, n: usize, i: &SimInstrument) -> [Vec<(f64, f64)>; 2] {
    [Side::Bid, Side::Ask].map(|side| {
        model
            .levels(n, side)
            .map(|(p, q)| (p as f64 * i.tick_size(), q as f64 * i.base_per_lot()))
            .collect()
    })
}

/// The model of some books fed straight into an engine, step by step ([`STEP`]) or skipping
/// ([`Driver::skip`]), from exchange time `t0` on.
pub struct Driver {
    model: Model,
    books: Vec<(BookId, BookKey)>,
    t0: Millis,
    now: Millis,
}

impl Driver {
    /// Puts `books` live in `engine` at `t0` (exchange ms) with the model's first levels.
    pub fn start(seed: u64, books: &[BookId], t0: Millis, engine: &mut Engine) -> Driver {
        Driver::with_model(Model::new(seed, books, STEP), books, t0, engine)
    }

    /// [`Driver::start`] with a model whose symbols start at `prices` ([`SYMBOLS`] order).
    fn starting_at(
        seed: u64,
        books: &[BookId],
        t0: Millis,
        prices: &[f64],
        engine: &mut Engine,
    ) -> Driver {
        let model = Model::starting_at(seed, books, STEP, prices);
        Driver::with_model(model, books, t0, engine)
    }

    /// [`Driver::start`] with `scenarios` injected (each on one of `books`).
    pub fn with_scenarios(
        seed: u64,
        books: &[BookId],
        scenarios: &[ScenarioSpec],
        t0: Millis,
        engine: &mut Engine,
    ) -> Result<Driver, ScenarioError> {
        let model = Model::new(seed, books, STEP).with_scenarios(seed, scenarios)?;
        Ok(Self::with_model(model, books, t0, engine))
    }

    fn with_model(model: Model, books: &[BookId], t0: Millis, engine: &mut Engine) -> Driver {
        let books: Vec<(BookId, BookKey)> = books
            .iter()
            .map(|&b| (b, BookKey::new(INSTRUMENTS[b].venue, INSTRUMENTS[b].id)))
            .collect();
        let driver = Driver {
            model,
            books,
            t0,
            now: t0,
        };
        for (b, key) in &driver.books {
            engine.on_event(instrument_event(
                &INSTRUMENTS[*b],
                key.venue,
                &key.instrument,
            ));
        }
        driver.publish_books(engine);
        driver.publish_positioning(engine);
        driver
    }

    /// Every book's levels as a snapshot at the current time.
    fn publish_books(&self, engine: &mut Engine) {
        for (n, (b, key)) in self.books.iter().enumerate() {
            let [bids, asks] = levels(&self.model, n, &INSTRUMENTS[*b]);
            for ev in live_events(key, self.now, &bids, &asks) {
                engine.on_event(ev);
            }
        }
    }

    /// The exchange time reached.
    pub fn now(&self) -> Millis {
        self.now
    }

    /// One model step into `engine`; returns the exchange time it ends at.
    pub fn step(&mut self, engine: &mut Engine) -> Millis {
        let step = self.model.step();
        let before = self.now;
        self.now = self.t0 + step.t_ms as Millis;
        for ((b, key), book) in self.books.iter().zip(&step.books) {
            for ev in step_events(&INSTRUMENTS[*b], key, self.t0, self.now, book) {
                engine.on_event(ev);
            }
        }
        // The venues' positioning statistics, as polled once a minute.
        if before.div_euclid(60_000) != self.now.div_euclid(60_000) {
            self.publish_positioning(engine);
        }
        self.now
    }

    fn publish_positioning(&self, engine: &mut Engine) {
        for (b, key) in &self.books {
            for ev in crate::sim::positioning::events(*b, key, self.now, at(self.now)) {
                engine.on_event(ev);
            }
        }
    }

    /// `steps` steps of trade flow only ([`Model::skip`]) into `engine`: the prints into its
    /// trade flow (the book they traded against is not followed: [`Engine::on_flow_only`]) and
    /// the liquidations as their venue publishes them, then the re-centred books as snapshots;
    /// returns the exchange time reached.
    pub fn skip(&mut self, engine: &mut Engine, steps: u64) -> Millis {
        let mut flow = vec![BookStep::default(); self.books.len()];
        self.now = self.t0 + self.model.skip(steps, &mut flow) as Millis;
        let mut trades = Vec::new();
        for ((b, key), flow) in self.books.iter().zip(&flow) {
            let i = &INSTRUMENTS[*b];
            trades.clear();
            trades.extend(flow.fills.iter().map(|f| crate::features::Trade {
                t: self.t0 + f.t_ms as Millis,
                price: f.price as f64 * i.tick_size(),
                size: f.qty as f64 * i.base_per_lot(),
                taker: Some(f.taker),
                id: None,
            }));
            engine.on_flow_only(key, &trades);
            for ev in liquidation_events(i, key, self.t0, self.now, &flow.forced) {
                engine.on_event(ev);
            }
        }
        self.publish_books(engine);
        self.now
    }
}

/// The start of the minute holding `t` (exchange ms).
fn minute_of(t: Millis) -> Millis {
    t - t.rem_euclid(MINUTE)
}

/// Model time 0 of a past of `span` ending at `end`: on a minute boundary, so the engine's
/// minutes are the model's.
pub fn span_start(end: Millis, span: Duration) -> Millis {
    minute_of(end - span.as_millis() as Millis)
}

/// How much of the past the demo builds before it opens: what every composite needs (the 60
/// one-minute samples of §4.2's liquidity baselines) with room. The rest of the day is built
/// while the demo runs ([`fast_forward_before`]).
pub const RECENT: Duration = Duration::from_secs(75 * 60);

const HOUR: Millis = 3_600_000;

/// Where the stretch the demo builds before it opens starts: on the hour at least [`RECENT`]
/// before `end`, so the stretches share no hour (each 1-h row and hourly print histogram is
/// one stretch's).
pub fn recent_start(end: Millis) -> Millis {
    let t = end - RECENT.as_millis() as Millis;
    t - t.rem_euclid(HOUR)
}

/// How many parts ([`PART`]) a sampled stretch `[t0, end)` of `books` hands over: one per
/// group and hour begun, the progress a caller can show.
pub fn parts(books: &[BookId], (t0, end): (Millis, Millis)) -> usize {
    Group::by_symbol(books).len() * ((end - t0).max(0) as usize).div_ceil(PART as usize)
}

/// How much of the sampled part one group of books keeps before handing it to the writer:
/// an hour of minutes, so memory holds an hour of the past, not the day.
const PART: Millis = 60 * MINUTE;

/// Builds the day before `end` (exchange ms) for `books` through an engine with `settings`:
/// `span` of which the last [`TAIL`] in full and the rest sampled (see the module doc), its
/// prices ending at the catalog's, where the live demo begins. Deterministic for a seed and
/// `end`.
///
/// The sampled part is handed to `sampled` as it is built, an hour of one symbol's books at a
/// time and each book's hours in order (so a store's rollups close as they do live), and the
/// tail is returned: the caller moves it to end when the build is done ([`Past::shift`]) and
/// writes it last. Memory therefore holds an hour and the tail, not the whole day. An error
/// from `sampled` stops the build and is returned.
///
/// Each book's past is independent of the others' (its model draws from its own random stream,
/// and the symbols' fair prices from per-symbol streams every model reproduces alike), so the
/// symbols are built on threads of their own ([`Group`]), each with a model and an engine, and
/// a book's rows are the same whatever the grouping. A symbol's cross-venue row (venue `all`)
/// needs every book of the symbol in one engine, which a group by symbol gives.
pub fn fast_forward<E>(
    seed: u64,
    books: &[BookId],
    settings: EngineSettings,
    end: Millis,
    span: Duration,
    sampled: impl FnMut(Past) -> Result<(), E>,
) -> Result<Past, E> {
    let t0 = span_start(end, span);
    let steps = ((end - t0).max(0) as u64).div_ceil(STEP.as_millis() as u64);
    // The fair prices the day starts from, so that it ends at the catalog's where the live
    // demo begins ([`Model::catalog_start_prices`]): found once, for every group.
    let prices = Model::catalog_start_prices(seed, books, STEP, steps);
    let stretch = Stretch {
        seed,
        t0,
        end,
        prices,
        tail: true,
        background: None,
    };
    build(&stretch, books, settings, sampled)
}

/// Builds the sampled stretch `[t0, end)` (exchange ms, `end` a minute boundary) before a
/// later stretch of the past that starts at `end` from `end_prices`, with a model of its own
/// `seed` whose prices end there ([`Model::start_prices_reaching`]). No tail: the short windows
/// are the later stretch's. Its parts go to `sampled` as [`fast_forward`]'s do; its threads run
/// at a lower priority, as it is built while the live demo runs.
///
/// `stop` ends the build within a simulated minute of each group (the parts built so far stay
/// with `sampled`).
pub fn fast_forward_before<E>(
    seed: u64,
    books: &[BookId],
    settings: EngineSettings,
    (t0, end): (Millis, Millis),
    end_prices: &[f64],
    stop: &CancellationToken,
    sampled: impl FnMut(Past) -> Result<(), E>,
) -> Result<(), E> {
    let steps = ((end - t0).max(0) as u64).div_ceil(STEP.as_millis() as u64);
    let prices = Model::start_prices_reaching(seed, books, STEP, steps, end_prices);
    let stretch = Stretch {
        seed,
        t0,
        end,
        prices,
        tail: false,
        background: Some(stop.clone()),
    };
    build(&stretch, books, settings, sampled).map(|_| ())
}

/// One stretch of the past: one model from `t0` to `end` (exchange ms), its symbols starting at
/// `prices` ([`SYMBOLS`](crate::sim::catalog::SYMBOLS) order).
struct Stretch {
    seed: u64,
    t0: Millis,
    end: Millis,
    prices: Vec<f64>,
    /// Whether the last [`TAIL`] runs in full, with 1-s rows.
    tail: bool,
    /// Built behind the running demo: its threads yield to the rest of the process
    /// ([`background_priority`]) and the token ends the build early (the session ended).
    background: Option<CancellationToken>,
}

fn build<E>(
    stretch: &Stretch,
    books: &[BookId],
    settings: EngineSettings,
    mut sampled: impl FnMut(Past) -> Result<(), E>,
) -> Result<Past, E> {
    let groups = Group::by_symbol(books);
    let (tx, rx) = std::sync::mpsc::sync_channel::<Past>(groups.len());
    let (tails, written) = std::thread::scope(|scope| {
        let handles: Vec<_> = groups
            .iter()
            .map(|group| {
                let settings = settings.clone();
                let tx = tx.clone();
                scope.spawn(move || {
                    if stretch.background.is_some() {
                        background_priority();
                    }
                    fast_forward_books(stretch, group, settings, &tx)
                })
            })
            .collect();
        drop(tx);
        // On an error the receiver goes: the builders' next hand-over fails and they stop.
        let written = rx.into_iter().try_for_each(&mut sampled);
        let tails: Vec<Past> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect();
        (tails, written)
    });
    written?;
    let mut past = Past::default();
    for part in tails {
        past.warm.extend(part.warm);
        if past.seconds.is_empty() {
            past.seconds = part.seconds;
        } else {
            for ((_, rows), (_, more)) in past.seconds.iter_mut().zip(part.seconds) {
                rows.extend(more);
            }
        }
    }
    past.warm.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(past)
}

/// Lowers the calling thread's scheduling priority (nice 10), so a past built while the live
/// demo runs takes the cores the live market, the engine and the screen leave idle instead of
/// slowing them. Linux keeps a nice value per thread; elsewhere this does nothing.
fn background_priority() {
    #[cfg(target_os = "linux")]
    {
        /// `PRIO_PROCESS` of `<sys/resource.h>`: with `who` 0, the calling thread on Linux.
        const PRIO_PROCESS: i32 = 0;
        unsafe extern "C" {
            fn setpriority(which: i32, who: u32, prio: i32) -> i32;
        }
        // SAFETY: `setpriority` only changes the scheduling weight of the calling thread. A
        // refusal (-1) leaves it at its priority: the build is slower to yield, nothing else.
        let _ = unsafe { setpriority(PRIO_PROCESS, 0, 10) };
    }
}

/// The books one thread builds: one symbol's, plus the rate books (`USDT/USD`, `USDC/USD`) its
/// USD and USDC books convert through, which only the rate's own group records (a book written twice would count
/// twice in its rollups).
#[derive(Debug)]
struct Group {
    /// The symbol whose rows and samples this group keeps.
    symbol: &'static str,
    books: Vec<BookId>,
}

impl Group {
    fn by_symbol(books: &[BookId]) -> Vec<Group> {
        let is_rate = |b: &BookId| matches!(INSTRUMENTS[*b].symbol, USDT | USDC);
        let rates: Vec<BookId> = books.iter().copied().filter(is_rate).collect();
        let mut groups: Vec<Group> = Vec::new();
        for &b in books {
            let symbol = INSTRUMENTS[b].symbol().name;
            match groups.iter_mut().find(|g| g.symbol == symbol) {
                Some(g) => g.books.push(b),
                None => groups.push(Group {
                    symbol,
                    books: vec![b],
                }),
            }
        }
        for g in &mut groups {
            if !is_rate(&g.books[0]) {
                g.books.extend(&rates);
                g.books.sort_unstable();
            }
        }
        groups
    }
}

/// Adds what `engine` exports for the warm start at `ms` of `group`'s symbol to `warm`, the
/// samples of minutes before `before` only: a stretch's last tick opens the minute the next
/// stretch samples itself.
fn collect(
    group: &Group,
    warm: &mut BTreeMap<BookKey, (Arc<str>, Vec<Seed>)>,
    engine: &mut Engine,
    (ms, before): (Millis, Millis),
) {
    for (key, symbol, mut seeds) in engine.take_warm(at(ms)) {
        if &*symbol != group.symbol {
            continue;
        }
        seeds.retain(|s| s.t() < before);
        warm.entry(key)
            .or_insert_with(|| (symbol, Vec::new()))
            .1
            .extend(seeds);
    }
}

/// The warm samples collected so far, per book, taken out.
fn take_samples(warm: &mut BTreeMap<BookKey, (Arc<str>, Vec<Seed>)>) -> WarmSamples {
    std::mem::take(warm)
        .into_iter()
        .map(|(key, (symbol, seeds))| (key, symbol, seeds))
        .collect()
}

/// The 1-s rows a group keeps: its symbol's books and cross-venue row.
fn group_rows(
    group: &Group,
    rows: &mut SecondRows,
    engine: &Engine,
    frame: &crate::engine::frame::Frame,
) -> Vec<BookRow> {
    let mut rows = rows.rows(engine, frame);
    rows.retain(|r| r.symbol == group.symbol);
    rows
}

/// A stretch of the past for one group, in one engine: the sampled hours go to `out` as
/// they are built; the tail is returned (or what was built when the receiver went away).
fn fast_forward_books(
    stretch: &Stretch,
    group: &Group,
    settings: EngineSettings,
    out: &std::sync::mpsc::SyncSender<Past>,
) -> Past {
    let Stretch { seed, t0, end, .. } = *stretch;
    let mut engine = Engine::new(EngineSettings {
        history: None,
        mode: DataMode::Simulated { seed },
        ..settings
    });
    let (full_from, kept_before) = if stretch.tail {
        (
            minute_of(end - TAIL.as_millis() as Millis).max(t0),
            Millis::MAX,
        )
    } else {
        (end, end)
    };
    let prices = &stretch.prices;
    let books = &group.books;
    let mut driver = Driver::starting_at(seed, books, t0, prices, &mut engine);
    let mut warm: BTreeMap<BookKey, (Arc<str>, Vec<Seed>)> = BTreeMap::new();
    let steps = |d: Duration| (d.as_millis() / STEP.as_millis()) as u64;
    let mut rows = SecondRows::default();
    let mut seconds = Vec::new();
    let started = std::time::Instant::now();
    let mut part_ends = t0 + PART;
    while driver.now() < full_from {
        if stretch
            .background
            .as_ref()
            .is_some_and(|s| s.is_cancelled())
        {
            return Past::default();
        }
        // The minute's prints up to its last [`SAMPLE`], the books re-centred, then the full
        // model for the sample; one tick at the minute's end takes the minute's baseline sample
        // and its row: the sample's mid and book, and the whole minute's flow (the rows hold
        // what changed since the previous row), so the minute rollups behind the sparklines and
        // the History view cover the whole day.
        let mut skipped = steps(Duration::from_millis(MINUTE as u64) - SAMPLE);
        if driver.now() == t0 {
            // A fresh book's starting depth is denser near the touch than the model's steady
            // state, and the skipped steps' pick-offs take from the book as last placed: a
            // first minute skipped from it traded about twenty minutes' volume. Its first
            // second runs in full.
            for _ in 0..steps(SAMPLE) {
                driver.step(&mut engine);
            }
            skipped -= steps(SAMPLE);
        }
        driver.skip(&mut engine, skipped);
        let mut ms = driver.now();
        for _ in 0..steps(SAMPLE) {
            ms = driver.step(&mut engine);
        }
        let frame = engine.tick(at(ms));
        collect(group, &mut warm, &mut engine, (ms, kept_before));
        seconds.push((
            ms / 1_000 - 1,
            group_rows(group, &mut rows, &engine, &frame),
        ));
        if ms >= part_ends {
            part_ends += PART;
            let part = Past {
                warm: take_samples(&mut warm),
                seconds: std::mem::take(&mut seconds),
            };
            if out.send(part).is_err() {
                return Past::default();
            }
        }
    }
    let sampled = started.elapsed();
    if !seconds.is_empty() || !warm.is_empty() {
        let part = Past {
            warm: take_samples(&mut warm),
            seconds: std::mem::take(&mut seconds),
        };
        if out.send(part).is_err() {
            return Past::default();
        }
    }
    while driver.now() < end {
        let ms = driver.step(&mut engine);
        if ms.rem_euclid(1_000) == 0 {
            let frame = engine.tick(at(ms));
            seconds.push((ms / 1_000, group_rows(group, &mut rows, &engine, &frame)));
            collect(group, &mut warm, &mut engine, (ms, kept_before));
        }
    }
    tracing::debug!(
        "fast-forward of {} books: sampled part {:.2} s, tail {:.2} s",
        books.len(),
        sampled.as_secs_f64(),
        (started.elapsed() - sampled).as_secs_f64()
    );
    Past {
        warm: take_samples(&mut warm),
        seconds,
    }
}

/// Writes `past` into `store`: its baseline samples and its 1-s rows with their 1-min and 1-h
/// rollups, in one transaction. Returns the rows written.
pub fn write(store: &mut Store, past: &Past) -> Result<usize, HistoryError> {
    let warm = WarmRow::from_samples(&past.warm);
    store.write_seconds(&past.seconds, &warm)?;
    Ok(warm.len()
        + past
            .seconds
            .iter()
            .map(|(_, rows)| rows.len())
            .sum::<usize>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::engine::frame::Composites;
    use crate::history::restore::load_seeds;
    use crate::testutil::TempPath;
    use crate::venue::registry::IMPLEMENTED;

    fn settings() -> EngineSettings {
        let mut cfg = Config::default();
        cfg.general.symbols = vec!["BTC".into()];
        EngineSettings::from_config(&cfg, DataMode::Simulated { seed: 3 })
    }

    fn filled(c: &Composites) -> Vec<(&'static str, bool)> {
        vec![
            ("directional_pressure", c.directional_pressure.is_some()),
            ("liquidity_risk", c.liquidity_risk.is_some()),
            ("whale_conviction", c.whale_conviction.is_some()),
            ("flow_momentum", c.flow_momentum.is_some()),
            (
                "cross_exchange_agreement",
                c.cross_exchange_agreement.is_some(),
            ),
            ("cascade_stress", c.cascade_stress.is_some()),
        ]
    }

    /// The composites of `engine` after one live second of the model (seed 4) from `start`.
    fn first_live_second(engine: &mut Engine, books: &[BookId], start: Millis) -> Composites {
        let mut driver = Driver::start(4, books, start, engine);
        let mut last = None;
        for _ in 0..10 {
            let ms = driver.step(engine);
            last = Some(engine.tick(at(ms)));
        }
        last.expect("ticked").symbols[0].composites.clone()
    }

    /// The venue of the first of `books`.
    fn books_venue(books: &[BookId]) -> String {
        INSTRUMENTS[books[0]].venue.as_str().to_owned()
    }

    /// A fast-forwarded past (a day in the demo; three hours here, past the 1-h baselines),
    /// written to a store and restored into a new engine as a session starting 5 s later
    /// restores it, leaves every composite a number on the first live second, where an engine
    /// without the store still shows the baselines and short windows warming.
    #[test]
    fn a_fast_forwarded_day_restores_a_warm_engine() {
        let books = watched_books(IMPLEMENTED, &["BTC".to_string()]);
        assert!(books.len() >= 3, "{books:?}");
        let end: Millis = 1_800_000_000_000;
        let path = TempPath::new("fast-forward.sqlite");
        let mut store = Store::open_write(&path).expect("writable");
        let started = std::time::Instant::now();
        let (mut rows, mut parts, mut sampled_seconds) = (0, 0, 0);
        let tail = fast_forward(
            3,
            &books,
            settings(),
            end,
            Duration::from_secs(3 * 3_600),
            |part| {
                parts += 1;
                sampled_seconds += part.seconds.len();
                rows += write(&mut store, &part)?;
                Ok::<_, HistoryError>(())
            },
        )
        .expect("built");
        let took = started.elapsed();
        assert_eq!(tail.warm.len(), books.len());
        // A row in the last second of each sampled minute, handed over an hour at a time by
        // each symbol's group (BTC, and the USDT/USD and USDC/USD rate books'), then every second
        // of the tail.
        let sampled_minutes = (3 * 3_600 - TAIL.as_secs()) / 60;
        let groups = Group::by_symbol(&books).len();
        assert_eq!(groups, 3);
        assert_eq!(sampled_seconds as u64, sampled_minutes * groups as u64);
        assert_eq!(parts, 3 * groups, "an hour a part: 2 whole, then the rest");
        assert_eq!(tail.seconds.len() as u64, TAIL.as_secs());
        rows += write(&mut store, &tail).expect("written");
        drop(store);
        assert!(rows > books.len() * 1_000, "{rows} rows");
        // The minute rollups (the sparklines' and the History view's) cover the whole span.
        let spec = crate::history::query::QuerySpec {
            symbol: "BTC".into(),
            venue: Some(books_venue(&books)),
            from: end / 1_000 - 3 * 3_600,
            to: end / 1_000 + 1,
            every: crate::history::Interval::Minute,
            fields: vec!["mid_close".into()],
        };
        let store = Store::open_read(&path).expect("readable");
        let minutes = crate::history::query::query(&store, &spec)
            .expect("queried")
            .rows;
        assert!(minutes.len() >= 3 * 60 - 1, "{} minutes", minutes.len());
        assert!(minutes.iter().all(|(.., v)| v[0].is_some_and(|m| m > 0.0)));
        // So do the symbol's cross-venue rows (the History view's `all venues` line), once
        // each: the rate book built beside BTC for its conversion is recorded by its own group.
        let all = crate::history::query::QuerySpec {
            venue: Some(crate::history::recorder::ALL_VENUES.into()),
            fields: vec!["directional_pressure".into()],
            ..spec.clone()
        };
        let across = crate::history::query::query(&store, &all)
            .expect("queried")
            .rows;
        assert!(across.len() >= 3 * 60 - 1, "{} minutes", across.len());
        assert!(across.iter().filter(|(.., v)| v[0].is_some()).count() > 3 * 60 - 30);
        let rate = crate::history::query::QuerySpec {
            symbol: "USDT".into(),
            venue: Some("kraken".into()),
            fields: vec!["mid".into()],
            every: crate::history::Interval::Second,
            ..spec.clone()
        };
        let rate_seconds = crate::history::query::query(&store, &rate)
            .expect("queried")
            .rows;
        let mut times: Vec<i64> = rate_seconds.iter().map(|r| r.0).collect();
        times.dedup();
        assert_eq!(times.len(), rate_seconds.len(), "one row a second");

        let store = Store::open_read(&path).expect("readable");
        let restart = end + 5_000;
        let seeds = crate::history::warm_seeds(&store, restart).expect("loaded");
        let mut warm_engine = Engine::new(settings());
        for (key, seeds) in &seeds {
            warm_engine.seed(key, seeds.clone());
        }
        let warm = first_live_second(&mut warm_engine, &books, restart);
        let cold = first_live_second(&mut Engine::new(settings()), &books, restart);
        eprintln!("fast-forward {took:?}; warm: {:?}", filled(&warm));
        for (name, is) in filled(&warm) {
            assert!(is, "{name} not warm: {warm:?}");
        }
        for name in [
            "liquidity_risk",
            "whale_conviction",
            "flow_momentum",
            "cascade_stress",
        ] {
            assert!(filled(&cold).contains(&(name, false)), "{name}: {cold:?}");
        }
    }

    /// The demo's past built newest first: the stretch it opens on (from [`recent_start`]),
    /// then the older hours with a model of their own ending at its start prices, written
    /// into the same file after it. The older hours seeded into an engine restored from the
    /// newest stretch give it what restoring the whole file at once gives: the same composites
    /// on the first live second and the regime's hour more of 1-min mids. The prices join.
    #[test]
    fn older_hours_seeded_later_complete_the_newest_stretch() {
        let books = watched_books(IMPLEMENTED, &["BTC".to_string()]);
        let end: Millis = 1_800_000_000_000;
        let recent = recent_start(end);
        assert_eq!(recent, end - 2 * 3_600_000, "75 min back, to the hour");
        let t0 = recent - 3_600_000;
        let path = TempPath::new("newest-first.sqlite");
        let mut store = Store::open_write(&path).expect("writable");
        let span = Duration::from_millis((end - recent) as u64);
        let tail = fast_forward(3, &books, settings(), end, span, |part| {
            write(&mut store, &part).map(|_| ())
        })
        .expect("built");
        write(&mut store, &tail).expect("written");
        let restart = end + 5_000;
        let newest = crate::history::warm_seeds(&store, restart).expect("loaded");

        let steps = ((end - recent) as u64).div_ceil(STEP.as_millis() as u64);
        let end_prices = Model::catalog_start_prices(3, &books, STEP, steps);
        let (mut parts_seen, stop) = (0, CancellationToken::new());
        fast_forward_before(
            4,
            &books,
            settings(),
            (t0, recent),
            &end_prices,
            &stop,
            |part| {
                parts_seen += 1;
                assert!(part.seconds.iter().all(|(t, _)| *t * 1_000 < recent));
                write(&mut store, &part).map(|_| ())
            },
        )
        .expect("built");
        assert_eq!(parts_seen, parts(&books, (t0, recent)));
        // Each stretch's first minute trades like its others (it once traded twenty of them).
        for (key, seeds) in &newest {
            let volume: Vec<(Millis, f64)> = seeds
                .iter()
                .filter_map(|s| match s {
                    Seed::Minute {
                        series: crate::engine::warm::MinuteSeries::Volume,
                        t,
                        value,
                    } => Some((*t, *value)),
                    _ => None,
                })
                .collect();
            let first = volume
                .iter()
                .find(|(t, _)| *t == recent)
                .expect("first minute");
            let busiest = volume
                .iter()
                .filter(|(t, _)| *t != recent)
                .map(|(_, v)| *v)
                .fold(0.0, f64::max);
            assert!(
                first.1 <= busiest,
                "{key:?}: {first:?}, others at most {busiest}"
            );
        }
        let older =
            crate::history::restore::load_seeds_before(&store, restart, recent).expect("loaded");
        assert_eq!(older.len(), books.len(), "every book gets its older hour");
        for seeds in older.values() {
            assert!(seeds.iter().all(|s| s.t() < recent && s.t() >= t0));
        }

        let mut later = Engine::new(settings());
        for (key, seeds) in &newest {
            later.seed(key, seeds.clone());
        }
        for (key, seeds) in &older {
            later.seed(key, seeds.clone());
        }
        let mut at_once = Engine::new(settings());
        for (key, seeds) in &crate::history::warm_seeds(&store, restart).expect("loaded") {
            at_once.seed(key, seeds.clone());
        }
        let mut newest_only = Engine::new(settings());
        for (key, seeds) in &newest {
            newest_only.seed(key, seeds.clone());
        }
        let regime_minutes = |engine: &mut Engine| {
            let mut driver = Driver::start(4, &books, restart, engine);
            let mut frame = None;
            for _ in 0..10 {
                let ms = driver.step(engine);
                frame = Some(engine.tick(at(ms)));
            }
            let symbol = frame.expect("ticked").symbols[0].clone();
            let have = symbol.analytics.regime.warming.map(|w| w.have_min);
            (format!("{:?}", symbol.composites), have)
        };
        let (later_composites, later_minutes) = regime_minutes(&mut later);
        let (at_once_composites, at_once_minutes) = regime_minutes(&mut at_once);
        let (_, newest_minutes) = regime_minutes(&mut newest_only);
        assert_eq!(later_composites, at_once_composites);
        assert_eq!(later_minutes, at_once_minutes);
        let (later_minutes, newest_minutes) = (
            later_minutes.expect("under 12 h: warming"),
            newest_minutes.expect("warming"),
        );
        assert!(
            later_minutes >= newest_minutes + 55.0,
            "{newest_minutes} min restored, {later_minutes} with the older hour"
        );

        // The older stretch's last sampled minute and the newest's first price alike.
        let spec = crate::history::query::QuerySpec {
            symbol: "BTC".into(),
            venue: Some(books_venue(&books)),
            from: recent / 1_000 - 120,
            to: recent / 1_000 + 120,
            every: crate::history::Interval::Minute,
            fields: vec!["mid_close".into()],
        };
        drop(store);
        let store = Store::open_read(&path).expect("readable");
        let mids: Vec<(i64, f64)> = crate::history::query::query(&store, &spec)
            .expect("queried")
            .rows
            .into_iter()
            .filter_map(|(t, .., v)| Some((t, v[0]?)))
            .collect();
        let before = mids
            .iter()
            .rfind(|(t, _)| *t * 1_000 < recent)
            .expect("older");
        let after = mids
            .iter()
            .find(|(t, _)| *t * 1_000 >= recent)
            .expect("newest");
        assert!(
            (after.1 / before.1 - 1.0).abs() < 0.002,
            "{before:?} then {after:?}"
        );
    }

    /// Ten fast-forwarded minutes end at `end`, hold a sample a minute of each book's
    /// baselines, and come back from the store as they were written.
    /// A past moved later keeps its shape: every sample and every second moves by the same
    /// whole seconds (a part of a second is dropped, so 1-s rows stay on their seconds).
    #[test]
    fn a_shifted_past_moves_every_sample_by_whole_seconds() {
        let key = BookKey::new(VenueId::Okx, "BTC-USDT");
        let mut past = Past {
            warm: vec![(
                key,
                Arc::from("BTC"),
                vec![
                    Seed::Minute {
                        series: crate::engine::warm::MinuteSeries::Spread,
                        t: 60_000,
                        value: 1.5,
                    },
                    Seed::PrintHour {
                        t: 3_600_000,
                        bins: vec![(3, 7)],
                    },
                ],
            )],
            seconds: vec![(100, Vec::new()), (101, Vec::new())],
        };
        past.shift(45_678);
        let times: Vec<Millis> = past.warm[0].2.iter().map(Seed::t).collect();
        assert_eq!(times, [105_000, 3_645_000]);
        let seconds: Vec<i64> = past.seconds.iter().map(|(t, _)| *t).collect();
        assert_eq!(seconds, [145, 146]);
    }

    #[test]
    fn a_usd_spot_book_brings_its_venues_rate_books_into_the_past() {
        let ids = |symbols: &[&str]| -> Vec<String> {
            let symbols: Vec<String> = symbols.iter().map(|s| (*s).to_owned()).collect();
            watched_books(IMPLEMENTED, &symbols)
                .into_iter()
                .map(|b| format!("{}:{}", INSTRUMENTS[b].venue, INSTRUMENTS[b].id))
                .collect()
        };
        let btc = ids(&["BTC"]);
        assert!(btc.contains(&"kraken:USDT/USD".to_owned()), "{btc:?}");
        assert_eq!(btc.iter().filter(|b| b.ends_with("USDT/USD")).count(), 1);
        // Kraken's USDC/USD comes with it: the rate Hyperliquid's and Deribit's USDC books
        // convert through.
        assert!(btc.contains(&"kraken:USDC/USD".to_owned()), "{btc:?}");
        assert!(btc.contains(&"coinbase:USDT-USD".to_owned()), "{btc:?}");
        // An explicit rate book is a USD spot book too: it brings its venue's other rate.
        let usdc = ids(&["kraken:USDC/USD"]);
        assert_eq!(usdc, ["kraken:USDT/USD", "kraken:USDC/USD"]);
        // A bare symbol takes Deribit's linear perpetual; the inverse one is named.
        assert!(
            btc.contains(&"deribit:BTC_USDC-PERPETUAL".to_owned()),
            "{btc:?}"
        );
        assert!(
            !btc.contains(&"deribit:BTC-PERPETUAL".to_owned()),
            "{btc:?}"
        );
        assert_eq!(ids(&["deribit:BTC-PERPETUAL"]), ["deribit:BTC-PERPETUAL"]);
        // No USD spot book watched: no rate book.
        let binance = ids(&["binance:BTCUSDT"]);
        assert_eq!(binance, ["binance:BTCUSDT"]);
    }

    #[test]
    fn fast_forwarded_minutes_round_trip_through_the_store() {
        let books = watched_books(IMPLEMENTED, &["binance:BTCUSDT".to_string()]);
        assert_eq!(books.len(), 1);
        let end: Millis = 1_800_000_000_000;
        let path = TempPath::new("fast-forward-minutes.sqlite");
        let mut store = Store::open_write(&path).expect("writable");
        // A span of the tail is all tail: nothing is sampled.
        let past = fast_forward(3, &books, settings(), end, TAIL, |_| {
            Err("a sampled part of a span shorter than the tail")
        })
        .expect("built");
        let (key, _, seeds) = &past.warm[0];
        let spread: Vec<Millis> = seeds
            .iter()
            .filter_map(|s| match s {
                Seed::Minute {
                    series: crate::engine::warm::MinuteSeries::Spread,
                    t,
                    ..
                } => Some(*t),
                _ => None,
            })
            .collect();
        let minutes = TAIL.as_secs() as usize / 60;
        assert!(spread.len() >= minutes - 1, "{spread:?}");
        let tail_ms = TAIL.as_millis() as Millis;
        assert!(
            spread
                .iter()
                .all(|t| (end - tail_ms - 60_000..=end).contains(t))
        );
        write(&mut store, &past).expect("written");
        drop(store);
        let store = Store::open_read(&path).expect("readable");
        let loaded = load_seeds(&store, end).expect("loaded");
        // A minute's flow sums are exported again while the minute is open; the store keeps
        // the last of each (series, minute).
        let stored: std::collections::BTreeSet<(i64, Millis)> = seeds
            .iter()
            .filter_map(|s| Some((s.stored()?.0, s.t())))
            .collect();
        assert_eq!(loaded[key].len(), stored.len());
        assert!(
            loaded[key]
                .iter()
                .all(|s| stored.contains(&(s.stored().unwrap().0, s.t())))
        );
    }

    /// The demo's past gives §7 drift the live market's reads to compare with. The same four
    /// hours of one seed's market for two books (Binance's BTC spot, OKX's swap; the price path
    /// is the seed's either way), once as the past samples them (each minute's value the book
    /// sample after its skipped seconds' flow) and once stepped in full as live (each minute the
    /// mean of its seconds, as live rows are): `cascade_stress`, `whale_conviction` and
    /// `cross_exchange_agreement` differ by less than PSI 0.25, §7's "major" shift (the level at
    /// which a feature is listed as drifted and `serve` says `alert`). The past used to take no
    /// liquidations and trade a twentieth of the live volume in its skipped seconds: PSI 7.04,
    /// 1.94 and 0.70. Now: `cascade_stress` 0.13, `whale_conviction` 2.54 (see the ignore
    /// note), `cross_exchange_agreement` 0.70, `directional_pressure` 2.93 (its 60-s OFI holds
    /// one sampled second) and `flow_momentum` 0.14 (one instant of a 1-min window against the
    /// mean of a minute of them).
    #[test]
    #[ignore = "open: live pick-offs are limited by the quotes arrivals put back, skipped ones \
                take the sampled book whole on every move, so the past's large flow follows \
                the price's variation: whale_conviction median 0.19 against 0.08, PSI 2.5; \
                stepping the live rules matches but costs 3.3x (docs/history.md)"]
    fn the_pasts_flow_reads_are_distributed_like_the_live_ones() {
        use crate::engine::minutes::{MONITORED, monitored};
        use crate::features::drift::{PSI_MAJOR, psi};
        let books: Vec<BookId> = watched_books(&[VenueId::Binance, VenueId::Okx], &["BTC".into()])
            .into_iter()
            .filter(|&b| ["BTCUSDT", "BTC-USDT-SWAP"].contains(&INSTRUMENTS[b].id))
            .collect();
        assert_eq!(books.len(), 2);
        let (minutes, t0) = (240, 1_800_000_000_000);
        let steps = |d: Duration| (d.as_millis() / STEP.as_millis()) as u64;
        let mut engine = Engine::new(settings());
        let mut driver = Driver::start(3, &books, t0, &mut engine);
        let mut past = Vec::new();
        for _ in 0..minutes {
            for _ in 0..steps(SAMPLE) {
                driver.step(&mut engine);
            }
            let rest = Duration::from_millis(MINUTE as u64) - SAMPLE;
            let ms = driver.skip(&mut engine, steps(rest));
            past.push(monitored(&engine.tick(at(ms)).symbols[0].composites));
        }
        let mut engine = Engine::new(settings());
        let mut driver = Driver::start(3, &books, t0, &mut engine);
        let mut live = Vec::new();
        for _ in 0..minutes {
            let mut seconds = Vec::new();
            for _ in 0..60 {
                let mut ms = 0;
                for _ in 0..steps(Duration::from_secs(1)) {
                    ms = driver.step(&mut engine);
                }
                seconds.push(monitored(&engine.tick(at(ms)).symbols[0].composites));
            }
            live.push(std::array::from_fn::<_, 6, _>(|i| {
                let v: Vec<f64> = seconds.iter().filter_map(|s| s[i]).collect();
                crate::features::num::ratio(v.iter().sum(), v.len() as f64)
            }));
        }
        let values = |rows: &[[Option<f64>; 6]], i: usize| {
            let mut v: Vec<f64> = rows.iter().filter_map(|r| r[i]).collect();
            v.sort_by(f64::total_cmp);
            v
        };
        let psis: Vec<(&str, Option<f64>)> = (0..MONITORED.len())
            .map(|i| (MONITORED[i], psi(&values(&past, i), &values(&live, i))))
            .collect();
        eprintln!("PSI of the past's minutes against live ones: {psis:?}");
        for name in [
            "cascade_stress",
            "whale_conviction",
            "cross_exchange_agreement",
        ] {
            let (_, psi) = psis.iter().find(|(n, _)| *n == name).expect("monitored");
            let psi = psi.expect("enough minutes");
            assert!(psi < PSI_MAJOR, "{name}: PSI {psi}");
        }
    }
}
