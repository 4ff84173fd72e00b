//! [`Engine`]: the synchronous core. Events in ([`Engine::on_event`]), one immutable frame out
//! per tick ([`Engine::tick`]). No tokio, no clock of its own: the task in
//! [`task`](super::task) drives it live and in replays, tests and benchmarks drive it directly.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::config::Config;
use crate::config::alerts::{AlertsConfig, MetricScope};
use crate::config::engine::EngineConfig;
use crate::feed::event::{BookKey, MarketEvent};
use crate::instrument::{Instrument, MarketKind, guess};
use crate::market::{Millis, Nanos, VenueId};

use super::alerts::{AlertEngine, Subject};
use super::book::view::BookTick;
use super::book::{BookEngine, Totals};
use super::frame::{Alert, BackfillView, DataMode, Frame, SymbolFrame};
use super::health::VenueState;
use super::minutes::SymbolMinute;
use super::outbox::AlertOutbox;
use super::quote_rate::QuoteRates;
use super::readings::{Reading, reading};
use super::symbol::SymbolState;
use super::warm::Seed;
use crate::backfill::BackfillEvent;
use crate::capture::replay::ReplayState;
use crate::history::HistorySink;

mod watch;

/// What the engine needs from the configuration, plus where its data comes from.
#[derive(Clone, Debug)]
pub struct EngineSettings {
    pub engine: EngineConfig,
    pub alerts: AlertsConfig,
    /// The watch list (`general.symbols`): `BTC`, or an explicit `venue:INSTRUMENT`.
    pub symbols: Vec<String>,
    pub mode: DataMode,
    /// The history writer and the samples to restore; `None` without history.
    pub history: Option<crate::history::WarmStart>,
}

impl EngineSettings {
    pub fn from_config(cfg: &Config, mode: DataMode) -> Self {
        EngineSettings {
            engine: cfg.engine.clone(),
            alerts: cfg.alerts.clone(),
            symbols: cfg.general.symbols.clone(),
            mode,
            history: None,
        }
    }
}

/// The feature engine.
#[derive(Debug)]
pub struct Engine {
    settings: EngineSettings,
    books: Vec<BookEngine>,
    index: HashMap<BookKey, usize>,
    /// The symbol each book belongs to.
    book_symbol: Vec<usize>,
    symbols: Vec<SymbolState>,
    /// Per symbol, its books in display order.
    symbol_books: Vec<Vec<usize>>,
    venues: BTreeMap<VenueId, VenueState>,
    alerts: AlertEngine,
    outbox: AlertOutbox,
    seq: u64,
    latest_event: Option<Nanos>,
    backfill: Option<BackfillView>,
    /// Past samples for books not seen yet ([`warm`](super::warm)).
    pending_seeds: HashMap<BookKey, Vec<Seed>>,
    /// The history writer, for its state in the Health view.
    history: Option<HistorySink>,
}

/// The receive time of an event (instrument metadata has none).
pub fn event_time(ev: &MarketEvent) -> Option<Nanos> {
    match ev {
        MarketEvent::Instrument(_) => None,
        MarketEvent::Book(u) => Some(u.local_ts),
        MarketEvent::BookStatus(s) => Some(s.local_ts),
        MarketEvent::Trade(t) => Some(t.local_ts),
        MarketEvent::Liquidation(l) => Some(l.local_ts),
        MarketEvent::Derivs(d) => Some(d.local_ts),
        MarketEvent::Venue(v) => Some(v.local_ts),
        MarketEvent::Backfill(_) | MarketEvent::Watch(_) => None,
    }
}

impl Engine {
    /// Where the data comes from, as the next frame will say.
    pub fn mode(&self) -> &DataMode {
        &self.settings.mode
    }

    /// Takes a paced replay's speed, pause and skipped gaps; `true` if the header must change. The clock is
    /// the engine's own (tick time), so it is left alone.
    pub fn follow_replay(&mut self, state: &ReplayState) -> bool {
        let DataMode::Replay {
            speed,
            paused,
            skipped_gaps,
            ..
        } = &mut self.settings.mode
        else {
            return false;
        };
        let now = (state.speed, state.paused, state.skipped_gaps);
        let changed = (*speed, *paused, *skipped_gaps) != now;
        (*speed, *paused, *skipped_gaps) = now;
        changed
    }

    /// An engine whose alerts are only shown in frames (tests, benchmarks).
    pub fn new(settings: EngineSettings) -> Self {
        let symbols: Vec<SymbolState> = settings
            .symbols
            .iter()
            .map(|s| SymbolState::new(&watch_name(s), settings.engine.history_len))
            .collect();
        Engine {
            alerts: AlertEngine::new(&settings.alerts),
            outbox: AlertOutbox::none(),
            symbol_books: vec![Vec::new(); symbols.len()],
            symbols,
            settings,
            books: Vec::new(),
            index: HashMap::new(),
            book_symbol: Vec::new(),
            venues: BTreeMap::new(),
            seq: 0,
            latest_event: None,
            backfill: None,
            pending_seeds: HashMap::new(),
            history: None,
        }
    }

    /// Shows the history writer's state in every frame.
    pub fn set_history(&mut self, sink: HistorySink) {
        self.history = Some(sink);
    }

    /// Feeds past samples of book `key` into its baselines (oldest first, before its live
    /// data); a book not seen yet gets them when it appears. See [`warm`](super::warm).
    pub fn seed(&mut self, key: &BookKey, seeds: impl IntoIterator<Item = Seed>) {
        let seeds: Vec<Seed> = seeds.into_iter().collect();
        match self.index.get(key) {
            Some(&i) => self.apply_seeds(i, seeds),
            None => {
                // The symbol's minutes need no book: restored now, its regime and drift do not
                // wait (cold) for whichever of its venues answers last.
                let waiting = self.seed_symbol_minutes(seeds, None);
                self.pending_seeds
                    .entry(key.clone())
                    .or_default()
                    .extend(waiting);
            }
        }
    }

    /// Book `i`'s seeds to the book, the symbol minutes among them to their symbol and its
    /// zones to the book's symbol.
    fn apply_seeds(&mut self, i: usize, seeds: Vec<Seed>) {
        let seeds = self.seed_symbol_minutes(seeds, Some(self.book_symbol[i]));
        self.books[i].seed(&seeds);
        let symbol = &mut self.symbols[self.book_symbol[i]];
        for seed in &seeds {
            if let Seed::SymbolZones { t, state } = seed {
                symbol.seed_zones(*t, state.clone());
            }
        }
    }

    /// Restores the symbol minutes among `seeds` into the watched symbol each names, else into
    /// `book_symbol` (the symbol of the book that carried them); returns the other seeds, and
    /// the minutes that found no symbol (kept until their book appears).
    fn seed_symbol_minutes(&mut self, seeds: Vec<Seed>, book_symbol: Option<usize>) -> Vec<Seed> {
        let mut rest = Vec::new();
        let mut minutes: Vec<(usize, Vec<(Millis, SymbolMinute)>)> = Vec::new();
        for seed in seeds {
            let Seed::SymbolMinute { symbol, t, row } = &seed else {
                rest.push(seed);
                continue;
            };
            let named = self
                .symbols
                .iter()
                .position(|s| s.name().eq_ignore_ascii_case(symbol));
            match named.or(book_symbol) {
                Some(k) => match minutes.iter_mut().find(|(s, _)| *s == k) {
                    Some((_, rows)) => rows.push((*t, *row)),
                    None => minutes.push((k, vec![(*t, *row)])),
                },
                None => rest.push(seed),
            }
        }
        for (k, rows) in minutes {
            self.symbols[k].seed_minutes(rows);
        }
        rest
    }

    /// Each symbol's §5 zone state at `now`, for the history (the latest is all it keeps).
    pub fn take_zones(&self, now: Nanos) -> Vec<(Arc<str>, Seed)> {
        let t = super::clock::to_millis(now);
        self.symbols
            .iter()
            .filter_map(|s| {
                let state = Arc::new(s.zone_state()?);
                Some((s.name().clone(), Seed::SymbolZones { t, state }))
            })
            .collect()
    }

    /// The samples each book took since the last call, with its symbol, for the history.
    pub fn take_warm(&mut self, now: Nanos) -> Vec<(BookKey, Arc<str>, Vec<Seed>)> {
        let mut out = Vec::new();
        for (i, book) in self.books.iter_mut().enumerate() {
            let mut seeds = Vec::new();
            book.take_warm(now, &mut seeds);
            if !seeds.is_empty() {
                let symbol = self.symbols[self.book_symbol[i]].name().clone();
                out.push((book.key().clone(), symbol, seeds));
            }
        }
        out
    }

    /// Each book's running flow totals (the history's per-second columns).
    pub fn book_totals(&self) -> impl Iterator<Item = (&BookKey, Totals)> {
        self.books.iter().map(|b| (b.key(), b.totals()))
    }

    /// Also deliver every alert on `tx` (see [`outbox`](super::outbox) for why nothing is lost).
    pub fn with_alert_sender(mut self, tx: mpsc::Sender<Alert>) -> Self {
        self.outbox = AlertOutbox::new(tx, self.settings.alerts.backlog_limit);
        self
    }

    /// The receive time of the latest event seen: the replay clock.
    pub fn latest_event_ts(&self) -> Option<Nanos> {
        self.latest_event
    }

    pub fn on_event(&mut self, ev: MarketEvent) {
        if let Some(t) = event_time(&ev) {
            self.latest_event = Some(self.latest_event.map_or(t, |l| l.max(t)));
        }
        match ev {
            MarketEvent::Instrument(inst) => {
                let key = BookKey::new(inst.venue, &inst.id);
                match self.index.get(&key) {
                    Some(&i) => {
                        // A book first seen through a guess may belong to another symbol.
                        let symbol = self.symbol_of(&key, &inst);
                        self.books[i].set_instrument(inst, &self.settings.engine);
                        self.place(i, symbol);
                    }
                    None => {
                        self.add_book(key, inst);
                    }
                }
            }
            MarketEvent::Book(u) => {
                let i = self.book(&u.key);
                self.books[i].on_book(&u);
            }
            MarketEvent::BookStatus(s) => {
                let i = self.book(&s.key);
                self.books[i].on_status(&s, &self.settings.engine);
            }
            MarketEvent::Trade(t) => {
                let i = self.book(&t.key);
                self.books[i].on_trade(&t);
            }
            MarketEvent::Liquidation(l) => {
                let i = self.book(&l.key);
                self.books[i].on_liquidation(&l, &self.settings.engine);
            }
            MarketEvent::Derivs(d) => {
                let i = self.book(&d.key);
                self.books[i].on_derivs(&d);
            }
            MarketEvent::Venue(v) => match self.venues.get_mut(&v.venue) {
                Some(state) => state.update(v),
                None => {
                    self.venues.insert(v.venue, VenueState::new(v));
                }
            },
            MarketEvent::Backfill(BackfillEvent::Progress(progress)) => {
                let view = self.backfill.get_or_insert_with(|| BackfillView {
                    progress: progress.clone(),
                    seeded_books: 0,
                    stored_rows: 0,
                });
                view.progress = progress;
            }
            MarketEvent::Backfill(BackfillEvent::Seeds {
                key,
                seeds,
                stored_rows,
            }) => {
                let any = !seeds.is_empty();
                self.seed(&key, seeds);
                if let Some(b) = self.backfill.as_mut() {
                    b.seeded_books += usize::from(any);
                    b.stored_rows += stored_rows;
                }
            }
            MarketEvent::Watch(change) => self.watch_change(change),
        }
    }

    /// The prints of a stretch whose book was not followed, for book `key` (see
    /// [`BookEngine::on_flow_only`]); a book not seen yet is created as for any event.
    pub fn on_flow_only(&mut self, key: &BookKey, trades: &[crate::features::Trade]) {
        let Some(last) = trades.iter().map(|t| t.t).max() else {
            return;
        };
        let t = last as Nanos * 1_000_000;
        self.latest_event = Some(self.latest_event.map_or(t, |l| l.max(t)));
        let i = self.book(key);
        for trade in trades {
            self.books[i].on_flow_only(trade);
        }
    }

    /// The book for `key`, created on first sight from a guess at its instrument (a replay of a
    /// capture with no instrument data): the guess never invents a contract size.
    fn book(&mut self, key: &BookKey) -> usize {
        match self.index.get(key) {
            Some(&i) => i,
            None => self.add_book(key.clone(), Arc::new(guess(key.venue, &key.instrument))),
        }
    }

    fn add_book(&mut self, key: BookKey, instrument: Arc<Instrument>) -> usize {
        let symbol = self.symbol_of(&key, &instrument);
        let i = self.books.len();
        self.books.push(BookEngine::new(
            key.clone(),
            instrument,
            &self.settings.engine,
        ));
        self.book_symbol.push(symbol);
        if let Some(seeds) = self.pending_seeds.remove(&key) {
            self.apply_seeds(i, seeds);
        }
        self.index.insert(key, i);
        self.symbol_books[symbol].push(i);
        self.place(i, symbol);
        i
    }

    /// Puts book `i` under `symbol`, its books in display order: venue, spot before
    /// derivatives, instrument id.
    fn place(&mut self, i: usize, symbol: usize) {
        let old = std::mem::replace(&mut self.book_symbol[i], symbol);
        if old != symbol {
            self.symbol_books[old].retain(|&j| j != i);
            self.symbol_books[symbol].push(i);
        }
        self.sort_books(symbol);
    }

    /// `symbol`'s books in display order.
    fn sort_books(&mut self, symbol: usize) {
        let books = &self.books;
        let order = |j: &usize| {
            let b = &books[*j];
            (
                VenueId::ALL.iter().position(|v| *v == b.key().venue),
                b.instrument().kind != MarketKind::Spot,
                b.instrument().id.clone(),
            )
        };
        self.symbol_books[symbol].sort_by_key(order);
    }

    /// The watch-list entry a book belongs to: an explicit `venue:INSTRUMENT` entry, else its
    /// base asset's entry; a book no entry names (a replay's other instruments) gets a symbol of
    /// its own after the watch list.
    fn symbol_of(&mut self, key: &BookKey, instrument: &Instrument) -> usize {
        let explicit = self.settings.symbols.iter().position(|s| {
            s.split_once(':').is_some_and(|(v, id)| {
                v.eq_ignore_ascii_case(key.venue.as_str())
                    && id.eq_ignore_ascii_case(&key.instrument)
            })
        });
        let by_base = || {
            self.symbols
                .iter()
                .position(|s| s.name().eq_ignore_ascii_case(&instrument.base))
        };
        explicit.or_else(by_base).unwrap_or_else(|| {
            self.symbols.push(SymbolState::new(
                &instrument.base,
                self.settings.engine.history_len,
            ));
            self.symbol_books.push(Vec::new());
            self.symbols.len() - 1
        })
    }

    /// Builds the frame for local time `now`, evaluates the alert rules and delivers what fired.
    pub fn tick(&mut self, now: Nanos) -> Arc<Frame> {
        let cfg = &self.settings.engine;
        let mut ticks: Vec<Option<BookTick>> = self
            .books
            .iter_mut()
            .map(|b| Some(b.tick(now, cfg)))
            .collect();
        self.book_alerts(now, &ticks);
        let rates = QuoteRates::from_ticks(ticks.iter().flatten());
        let cfg = &self.settings.engine;
        let mut symbols = Vec::with_capacity(self.symbols.len());
        for (s, state) in self.symbols.iter_mut().enumerate() {
            let books: Vec<BookTick> = self.symbol_books[s]
                .iter()
                .filter_map(|&i| ticks[i].take())
                .collect();
            symbols.push(state.tick(now, books, cfg, &rates));
        }
        self.symbol_alerts(now, &symbols);
        let fired = self.alerts.take_fired();
        let new_alerts = fired.len();
        self.outbox.deliver(fired);
        if let DataMode::Replay { clock, .. } = &mut self.settings.mode {
            *clock = now;
        }
        self.seq += 1;
        Arc::new(Frame {
            seq: self.seq,
            at: now,
            mode: self.settings.mode.clone(),
            symbols,
            venues: self.venues.values().map(|v| v.health(now)).collect(),
            alerts: self.alerts.recent(),
            new_alerts,
            alert_delivery: self.outbox.stats(),
            backfill: self.backfill.clone(),
            history: self.history.as_ref().map(HistorySink::health),
        })
    }

    fn book_alerts(&mut self, now: Nanos, ticks: &[Option<BookTick>]) {
        for (i, tick) in ticks.iter().enumerate() {
            let Some(tick) = tick else { continue };
            let subject = Subject::Book {
                key: tick.frame.key.clone(),
                symbol: self.symbols[self.book_symbol[i]].name().clone(),
            };
            self.alerts
                .evaluate(now, MetricScope::Book, &subject, |m| match reading(m) {
                    Reading::Book(read) => read(tick),
                    Reading::Symbol(_) | Reading::Analytics(_) | Reading::Event => None,
                });
            // Event metrics are notionals: judged only with base units, drained either way.
            let base_units = tick.frame.base_units;
            let alerts = &mut self.alerts;
            self.books[i].take_events(now, |metric, notional, side| {
                if base_units {
                    alerts.on_event(now, metric, &subject, notional, side);
                }
            });
        }
    }

    fn symbol_alerts(&mut self, now: Nanos, symbols: &[SymbolFrame]) {
        // Frames are built in the order of `self.symbols`.
        for (state, s) in self.symbols.iter().zip(symbols) {
            let subject = Subject::Symbol(state.name().clone());
            let (c, a) = (&s.composites, &*s.analytics);
            self.alerts
                .evaluate(now, MetricScope::Symbol, &subject, |m| match reading(m) {
                    Reading::Symbol(read) => read(c),
                    Reading::Analytics(read) => read(a),
                    Reading::Book(_) | Reading::Event => None,
                });
        }
    }
}

/// The watch-list entry as the symbol is shown: assets upper-case, explicit entries as written.
fn watch_name(entry: &str) -> String {
    if entry.contains(':') {
        entry.to_owned()
    } else {
        entry.to_ascii_uppercase()
    }
}
