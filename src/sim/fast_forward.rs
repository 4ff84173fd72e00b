//! The demo's past: the market model run through the feature engine in-process, in simulated
//! time, over the hours before the demo starts, so `--demo` opens warm.
//!
//! No sockets and no adapters: each model step becomes the events a venue task would publish
//! (base-unit sizes, exchange time = model time shifted to end at the start of the demo), the
//! engine ticks once a simulated minute, and what it exports for the warm start
//! ([`Engine::take_warm`]: per-minute baseline samples, minute flow sums, hourly print
//! histograms) is all that is written to the history store. The live demo then restores it like
//! any other history file. The model steps coarsely ([`STEP`]): the baselines need one sample a
//! minute, not the book's 100 ms cadence.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::frame::DataMode;
use crate::engine::warm::Seed;
use crate::engine::{Engine, EngineSettings};
use crate::feed::event::{
    BookKey, BookStatus, BookUpdate, Derivs, DerivsTick, LevelChange, LiqSampling, Liquidation,
    MarketEvent, Trade, UpdateKind,
};
use crate::feed::health::{BookCounters, BookState};
use crate::history::{HistoryError, Store, WarmRow};
use crate::instrument::{Contract, Instrument};
use crate::market::{Millis, Nanos, Side, VenueId};
use crate::sim::catalog::{BookId, INSTRUMENTS, SimInstrument};
use crate::sim::model::Model;
use crate::sim::model::event::BookStep;

/// The model step of the fast-forward.
pub const STEP: Duration = Duration::from_secs(10);

/// The span fast-forwarded by default: the longest baseline (24 h).
pub const SPAN: Duration = Duration::from_secs(24 * 3_600);

const MINUTE: Millis = 60_000;

/// The receive time of exchange time `ms` (the fast-forward has no network delay).
fn at(ms: Millis) -> Nanos {
    ms as Nanos * 1_000_000
}

/// The instrument event of simulated book `i`, sizes in base units (as [`step_events`] gives).
pub fn instrument_event(i: &SimInstrument, venue: VenueId, id: &str) -> MarketEvent {
    MarketEvent::Instrument(Arc::new(Instrument {
        venue,
        id: id.into(),
        base: i.symbol().name.into(),
        quote: i.quote.into(),
        kind: i.kind,
        contract: Contract::Base,
        tick: Some(i.tick_dec()),
        lot: Some(i.lot_dec()),
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
    let side = |side, levels: &[(f64, f64)]| {
        levels
            .iter()
            .map(move |&(price, size)| LevelChange { side, price, size })
            .collect::<Vec<_>>()
    };
    let mut changes = side(Side::Bid, bids);
    changes.extend(side(Side::Ask, asks));
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
        out.push(MarketEvent::Trade(Trade {
            key: key.clone(),
            local_ts: at(ms),
            exch_ts: t0 + f.t_ms as Millis,
            price: f.price as f64 * tick,
            size: f.qty as f64 * lot,
            taker: Some(f.taker),
            id: Some(format!("{}-{}-{}", f.order, f.price, f.t_ms).into()),
        }));
    }
    for f in &step.forced {
        out.push(MarketEvent::Liquidation(Liquidation {
            key: key.clone(),
            local_ts: at(ms),
            exch_ts: t0 + f.t_ms as Millis,
            position: f.position,
            price: f.price as f64 * tick,
            size: f.qty as f64 * lot,
            sampling: LiqSampling::Complete,
        }));
    }
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
            },
        }));
    }
    out
}

/// The simulated books of `venues` that belong to a watched symbol (`BTC`, or an explicit
/// `venue:INSTRUMENT`).
pub fn watched_books(venues: &[VenueId], symbols: &[String]) -> Vec<BookId> {
    (0..INSTRUMENTS.len())
        .filter(|&b| {
            let i = &INSTRUMENTS[b];
            let name = i.symbol().name;
            venues.contains(&i.venue)
                && symbols.iter().any(|s| match s.split_once(':') {
                    Some((v, id)) => v == i.venue.as_str() && id.eq_ignore_ascii_case(i.id),
                    None => s.eq_ignore_ascii_case(name),
                })
        })
        .collect()
}

/// The warm samples of one fast-forward, per book with its symbol, oldest first.
pub type WarmSamples = Vec<(BookKey, Arc<str>, Vec<Seed>)>;

/// The model of some books fed straight into an engine, [`STEP`] by step, from exchange time
/// `t0` on.
pub struct Driver {
    model: Model,
    books: Vec<(BookId, BookKey)>,
    t0: Millis,
    now: Millis,
}

impl Driver {
    /// Puts `books` live in `engine` at `t0` (exchange ms) with the model's first levels.
    pub fn start(seed: u64, books: &[BookId], t0: Millis, engine: &mut Engine) -> Driver {
        let model = Model::new(seed, books, STEP);
        let books: Vec<(BookId, BookKey)> = books
            .iter()
            .map(|&b| (b, BookKey::new(INSTRUMENTS[b].venue, INSTRUMENTS[b].id)))
            .collect();
        for (n, (b, key)) in books.iter().enumerate() {
            let i = &INSTRUMENTS[*b];
            let side = |side| {
                model
                    .levels(n, side)
                    .map(|(p, q)| (p as f64 * i.tick_size(), q as f64 * i.base_per_lot()))
                    .collect::<Vec<_>>()
            };
            let (bids, asks) = (side(Side::Bid), side(Side::Ask));
            engine.on_event(instrument_event(i, key.venue, &key.instrument));
            for ev in live_events(key, t0, &bids, &asks) {
                engine.on_event(ev);
            }
        }
        Driver {
            model,
            books,
            t0,
            now: t0,
        }
    }

    /// One model step into `engine`; returns the exchange time it ends at.
    pub fn step(&mut self, engine: &mut Engine) -> Millis {
        let step = self.model.step();
        self.now = self.t0 + step.t_ms as Millis;
        for ((b, key), book) in self.books.iter().zip(&step.books) {
            for ev in step_events(&INSTRUMENTS[*b], key, self.t0, self.now, book) {
                engine.on_event(ev);
            }
        }
        self.now
    }
}

/// Runs the model of `books` for `span` of simulated time ending at `end` (exchange ms)
/// through an engine with `settings`, ticking once a simulated minute, and returns what the
/// engine exported for the warm start. Deterministic for a seed and `end`.
pub fn fast_forward(
    seed: u64,
    books: &[BookId],
    settings: EngineSettings,
    end: Millis,
    span: Duration,
) -> WarmSamples {
    let mut engine = Engine::new(EngineSettings {
        history: None,
        mode: DataMode::Simulated { seed },
        ..settings
    });
    // Model time 0 on a minute boundary, so the engine's minutes are the model's.
    let t0 = end - span.as_millis() as Millis;
    let t0 = t0 - t0.rem_euclid(MINUTE);
    let mut driver = Driver::start(seed, books, t0, &mut engine);
    let mut samples: BTreeMap<BookKey, (Arc<str>, Vec<Seed>)> = BTreeMap::new();
    loop {
        let ms = driver.step(&mut engine);
        if ms.rem_euclid(MINUTE) == 0 {
            engine.tick(at(ms));
            for (key, symbol, seeds) in engine.take_warm(at(ms)) {
                samples
                    .entry(key)
                    .or_insert_with(|| (symbol, Vec::new()))
                    .1
                    .extend(seeds);
            }
        }
        if ms >= end {
            break;
        }
    }
    samples
        .into_iter()
        .map(|(key, (symbol, seeds))| (key, symbol, seeds))
        .collect()
}

/// Writes `samples` into the history file at `path` (created if missing), one transaction.
pub fn write(path: &Path, samples: &WarmSamples) -> Result<usize, HistoryError> {
    let mut store = Store::open_write(path)?;
    let rows = WarmRow::from_samples(samples);
    let t = rows.iter().map(|r| r.t / 1000).max().unwrap_or(0);
    store.write_second(t, &[], &rows)?;
    Ok(rows.len())
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

    /// A day fast-forwarded in 8 640 model steps, written to a store and restored into a new
    /// engine, leaves its baselines warm: a few live seconds later the composites that wait for
    /// a baseline have a value, where an engine without the store still shows them warming.
    #[test]
    #[ignore = "8 min in a debug build (the model at 10 s steps): cargo test --release -- --ignored"]
    fn a_fast_forwarded_day_restores_a_warm_engine() {
        let books = watched_books(IMPLEMENTED, &["BTC".to_string()]);
        assert!(books.len() >= 3, "{books:?}");
        let end: Millis = 1_800_000_000_000;
        let samples = fast_forward(3, &books, settings(), end, SPAN);
        assert_eq!(samples.len(), books.len());
        let path = TempPath::new("fast-forward.sqlite");
        let rows = write(&path, &samples).expect("written");
        assert!(rows > books.len() * 1_000, "{rows} rows");

        let store = Store::open_read(&path).expect("readable");
        let seeds = load_seeds(&store, end).expect("loaded");
        let run = |seeded: bool| {
            let mut engine = Engine::new(settings());
            if seeded {
                for (key, seeds) in &seeds {
                    engine.seed(key, seeds.clone());
                }
            }
            let mut driver = Driver::start(4, &books, end, &mut engine);
            let mut last = None;
            for _ in 0..5 {
                let ms = driver.step(&mut engine);
                last = Some(engine.tick(at(ms)));
            }
            last.expect("ticked").symbols[0].composites.clone()
        };
        let warm = run(true);
        let cold = run(false);
        for name in ["liquidity_risk", "whale_conviction"] {
            assert!(
                filled(&warm).contains(&(name, true)),
                "{name} not warm: {warm:?}"
            );
            assert!(filled(&cold).contains(&(name, false)), "{name}: {cold:?}");
        }
        eprintln!("warm: {:?}", filled(&warm));
    }

    /// Ten fast-forwarded minutes end at `end`, hold a sample a minute of each book's
    /// baselines, and come back from the store as they were written.
    #[test]
    fn fast_forwarded_minutes_round_trip_through_the_store() {
        let books = watched_books(IMPLEMENTED, &["binance:BTCUSDT".to_string()]);
        assert_eq!(books.len(), 1);
        let end: Millis = 1_800_000_000_000;
        let samples = fast_forward(3, &books, settings(), end, Duration::from_secs(600));
        let (key, _, seeds) = &samples[0];
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
        assert!(spread.len() >= 9, "{spread:?}");
        assert!(spread.iter().all(|t| (end - 660_000..=end).contains(t)));
        let path = TempPath::new("fast-forward-minutes.sqlite");
        write(&path, &samples).expect("written");
        let store = Store::open_read(&path).expect("readable");
        let loaded = load_seeds(&store, end).expect("loaded");
        // A minute's flow sums are exported again while the minute is open; the store keeps
        // the last of each (series, minute).
        let stored: std::collections::BTreeSet<(i64, Millis)> =
            seeds.iter().map(|s| (s.stored().0, s.t())).collect();
        assert_eq!(loaded[key].len(), stored.len());
        assert!(
            loaded[key]
                .iter()
                .all(|s| stored.contains(&(s.stored().0, s.t())))
        );
    }
}
