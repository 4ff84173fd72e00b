//! Engine budgets (issue 6): the cost of one book update through `Engine::on_event` (mirror,
//! OFI, level OFI, the phantom/large-order trackers; target ≤ 1 µs) and of one tick per
//! (venue, instrument) (every feature, bands, flow, composites, alerts and the frame; target
//! ≤ 20 µs), on a 200-level perpetual book warmed with 24 h of minute baselines; and the cost of
//! writing one tick's JSON line.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use depthscope::config::Config;
use depthscope::engine::frame::DataMode;
use depthscope::engine::stream::{JsonLines, StreamOptions};
use depthscope::engine::{Engine, EngineSettings};
use depthscope::feed::event::{
    BookKey, BookStatus, BookUpdate, LevelChange, LiqSampling, Liquidation, MarketEvent, Trade,
    UpdateKind,
};
use depthscope::feed::health::{BookCounters, BookState};
use depthscope::instrument::{Contract, Instrument, MarketKind};
use depthscope::market::{LiquidatedPosition, Millis, Nanos, Side, TakerSide, VenueId};

const LEVELS: usize = 200;
const TICK: f64 = 0.5;
const MS: Nanos = 1_000_000;

/// Sizes of 0.2–2.6 BTC around 60,000: $12k–156k a level, so θ and large adds are realistic.
fn size(i: usize) -> f64 {
    0.2 * (1.0 + ((i * 7919) % 13) as f64)
}

struct Venue {
    key: BookKey,
    trade_id: u64,
}

impl Venue {
    fn new(i: usize) -> Self {
        Venue {
            key: BookKey::new(
                VenueId::ALL[i % VenueId::ALL.len()],
                &format!("BTC-PERP-{i}"),
            ),
            trade_id: 0,
        }
    }

    fn setup(&self) -> Vec<MarketEvent> {
        let instrument = Instrument {
            venue: self.key.venue,
            id: self.key.instrument.to_string(),
            base: "BTC".into(),
            quote: "USDT".into(),
            kind: MarketKind::Perpetual,
            contract: Contract::Base,
            tick: None,
            lot: None,
            price_precision: None,
            qty_precision: None,
        };
        let mut changes = Vec::with_capacity(2 * LEVELS);
        for i in 0..LEVELS {
            let bid = 60_000.0 - i as f64 * TICK;
            let ask = 60_000.5 + i as f64 * TICK;
            changes.push(LevelChange {
                side: Side::Bid,
                price: bid,
                size: size(i),
            });
            changes.push(LevelChange {
                side: Side::Ask,
                price: ask,
                size: size(i + 3),
            });
        }
        vec![
            MarketEvent::Instrument(Arc::new(instrument)),
            MarketEvent::BookStatus(BookStatus {
                key: self.key.clone(),
                local_ts: 0,
                state: BookState::Live,
                counters: BookCounters::default(),
            }),
            self.book(0, UpdateKind::Snapshot, changes),
        ]
    }

    fn book(&self, ms: Millis, kind: UpdateKind, changes: Vec<LevelChange>) -> MarketEvent {
        MarketEvent::Book(BookUpdate {
            key: self.key.clone(),
            kind,
            local_ts: ms as Nanos * MS,
            exch_ts: Some(ms),
            changes,
            known_to: [None, None],
        })
    }

    /// The `n`-th delta: one of the first 20 levels of a side changes size (touch included, so
    /// OFI sees flow), every third change a large add or its cancel.
    fn delta(&self, ms: Millis, n: usize) -> MarketEvent {
        let side = if n.is_multiple_of(2) {
            Side::Bid
        } else {
            Side::Ask
        };
        let i = (n * 7) % 20;
        let price = match side {
            Side::Bid => 60_000.0 - i as f64 * TICK,
            Side::Ask => 60_000.5 + i as f64 * TICK,
        };
        let size = if n.is_multiple_of(3) { 5.0 } else { size(n) };
        self.book(
            ms,
            UpdateKind::Delta,
            vec![LevelChange { side, price, size }],
        )
    }

    fn trade(&mut self, ms: Millis, n: usize) -> MarketEvent {
        self.trade_id += 1;
        let buy = !n.is_multiple_of(3);
        MarketEvent::Trade(Trade {
            key: self.key.clone(),
            local_ts: ms as Nanos * MS,
            exch_ts: ms,
            price: if buy { 60_000.5 } else { 60_000.0 },
            size: 0.01 * (1 + n % 50) as f64,
            taker: Some(if buy { TakerSide::Buy } else { TakerSide::Sell }),
            id: Some(self.trade_id.to_string().into()),
        })
    }

    fn liquidation(&self, ms: Millis, n: usize) -> MarketEvent {
        MarketEvent::Liquidation(Liquidation {
            key: self.key.clone(),
            local_ts: ms as Nanos * MS,
            exch_ts: ms,
            position: if n.is_multiple_of(4) {
                LiquidatedPosition::Short
            } else {
                LiquidatedPosition::Long
            },
            price: 60_000.0,
            size: 0.5,
            sampling: LiqSampling::Throttled1s,
        })
    }
}

/// An engine with `books` venues, warmed over 24 h of exchange time (a tick a minute, so every
/// minute baseline is full) and then 5 minutes at full pace; returns it and the time reached.
fn warmed(books: usize) -> (Engine, Vec<Venue>, Millis) {
    let settings = EngineSettings::from_config(&Config::default(), DataMode::Live);
    let mut engine = Engine::new(settings);
    let mut venues: Vec<Venue> = (0..books).map(Venue::new).collect();
    for v in &venues {
        v.setup().into_iter().for_each(|ev| engine.on_event(ev));
    }
    let mut n = 0;
    let mut t: Millis = 0;
    let day = 86_400_000;
    while t < day + 300_000 {
        let step = if t < day { 60_000 } else { 250 };
        for v in &mut venues {
            for k in 0..10 {
                engine.on_event(v.delta(t + k, n + k as usize));
            }
            engine.on_event(v.trade(t + 10, n));
            if n.is_multiple_of(8) {
                engine.on_event(v.liquidation(t + 11, n));
            }
        }
        black_box(engine.tick(t as Nanos * MS + 20 * MS));
        n += 10;
        t += step;
    }
    (engine, venues, t)
}

fn per_update(c: &mut Criterion) {
    let (mut engine, venues, start) = warmed(1);
    let venue = &venues[0];
    let mut n = 0usize;
    c.bench_function("engine: one book update through on_event", |b| {
        b.iter_batched(
            || {
                n += 1;
                venue.delta(start + (n / 8) as Millis, n)
            },
            |ev| engine.on_event(black_box(ev)),
            BatchSize::SmallInput,
        )
    });
}

fn per_tick(c: &mut Criterion) {
    for books in [1, 8] {
        let (mut engine, mut venues, start) = warmed(books);
        let mut t = start;
        let mut n = 0usize;
        c.bench_function(&format!("engine: tick with {books} book(s)"), |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    // A tick's worth of market between ticks (not timed): a few updates and a
                    // trade per book.
                    t += 250;
                    n += 4;
                    for v in &mut venues {
                        for k in 0..4 {
                            engine.on_event(v.delta(t - 200 + k, n + k as usize));
                        }
                        engine.on_event(v.trade(t - 100, n));
                    }
                    let started = Instant::now();
                    black_box(engine.tick(t as Nanos * MS));
                    spent += started.elapsed();
                }
                spent
            })
        });
    }
}

/// The §5 zone state the history keeps, taken once a second (not every tick) for each symbol:
/// what the recorder adds to the ticks of that second.
fn zone_snapshot(c: &mut Criterion) {
    let (engine, _, t) = warmed(8);
    let now = t as Nanos * MS;
    assert!(
        !engine.take_zones(now).is_empty(),
        "the warmed symbol has zones to snapshot"
    );
    c.bench_function("engine: zone state for the history (8 books)", |b| {
        b.iter(|| black_box(engine.take_zones(now)))
    });
}

/// One `stream --json` line (what `serve` writes for its SSE stream every tick) of a tick with
/// 8 books: every feature, band, flow figure and the analytics, each number rounded for its key.
fn json_line(c: &mut Criterion) {
    let (mut engine, _, t) = warmed(8);
    let frame = engine.tick(t as Nanos * MS);
    let mut lines = JsonLines::new(StreamOptions::default());
    let mut out = Vec::with_capacity(1 << 20);
    c.bench_function("stream: one JSON line (8 books)", |b| {
        b.iter(|| {
            out.clear();
            lines.write(&mut out, black_box(&frame)).unwrap();
            black_box(out.len())
        })
    });
}

criterion_group!(benches, per_update, per_tick, zone_snapshot, json_line);
criterion_main!(benches);
