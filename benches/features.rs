//! Feature-math budgets (`docs/metrics.md` §0.6): the per-update cost of the differencing trackers
//! that must see every book change (target ≤ 1 µs), and the per-tick snapshot metrics over a
//! 200-level book (target ≤ 20 µs).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use depthscope::features::bands::{
    DepthReference, LevelThreshold, depth_imbalance_band, hydromancer_bands, kaiko_depths,
    large_level_shares, level_threshold, price_impact,
};
use depthscope::features::book_metrics::{
    bid_depth_ratio, book_pressure, depth_imbalance, l1_imbalance, spread, top_level_size_ratio,
    top_level_size_ratio_combined, weighted_mid,
};
use depthscope::features::level_activity::{LevelActivityConfig, LevelActivityTracker};
use depthscope::features::level_ofi::LevelOfi;
use depthscope::features::ofi::{Ofi, OfiConfig};
use depthscope::features::slippage::{OrderSize, SlippageRef, slippage};
use depthscope::features::{Book, Level, LevelChange};
use depthscope::market::{Side, TakerSide};

const LEVELS: usize = 200;
const TICK: f64 = 0.01;

/// A 200-level book around 100 (1 bp ticks, so it spans 2 %) with a 1-tick spread and uneven
/// sizes of 20–260 units ($2k–26k a level): a $1M order fills in about 70 levels.
fn book() -> (Vec<Level>, Vec<Level>) {
    let size = |i: usize| 20.0 * (1.0 + ((i * 7919) % 13) as f64);
    let bids = (0..LEVELS)
        .map(|i| Level::new(100.0 - i as f64 * TICK, size(i)))
        .collect();
    let asks = (0..LEVELS)
        .map(|i| Level::new(100.01 + i as f64 * TICK, size(i + 3)))
        .collect();
    (bids, asks)
}

fn per_update(c: &mut Criterion) {
    let (mut bids, asks) = book();
    let mut ofi = Ofi::new(OfiConfig::default());
    let mut level_ofi = LevelOfi::new(10_000);
    let theta = LevelThreshold::Base(250.0);
    let mut activity = LevelActivityTracker::new(LevelActivityConfig::new(TICK), theta, theta);
    let mut t = 0i64;
    c.bench_function(
        "update: ofi + level_ofi + phantom/large-order (one level change)",
        |b| {
            b.iter(|| {
                t += 1;
                // Toggle one of the first 20 bid levels by ±300 units (θ = 250): every other
                // change is a large add and the next one at that level its cancel, so episodes
                // open and resolve continuously (a worst case: real books see a few large adds a
                // second).
                let i = (t as usize * 7) % 20;
                let old = bids[i].size;
                let new = if old > 300.0 {
                    old - 300.0
                } else {
                    old + 300.0
                };
                bids[i].size = new;
                let change = LevelChange {
                    t,
                    side: Side::Bid,
                    price: bids[i].price,
                    old_size: old,
                    new_size: new,
                };
                let book = Book::complete(&bids, &asks);
                let touch = book.touch();
                black_box(ofi.on_book(t, touch));
                black_box(level_ofi.on_book(t, &book));
                if let Some(touch) = touch {
                    activity.on_level_change(&change, &touch);
                }
            })
        },
    );
}

fn per_tick(c: &mut Criterion) {
    let (bids, asks) = book();
    let book = Book::complete(&bids, &asks);
    c.bench_function("tick: snapshot metrics over a 200-level book", |b| {
        b.iter(|| {
            let book = black_box(&book);
            black_box(spread(book, Some(TICK)));
            for n in [1, 5, 10, 20] {
                black_box(depth_imbalance(book, n));
            }
            black_box(book_pressure(book, 10));
            black_box(bid_depth_ratio(book, 10));
            black_box(weighted_mid(book, 1));
            black_box(weighted_mid(book, 10));
            black_box(top_level_size_ratio(book, Side::Bid, 10));
            black_box(top_level_size_ratio(book, Side::Ask, 10));
            black_box(top_level_size_ratio_combined(book, 10));
            black_box(l1_imbalance(book));
            black_box(kaiko_depths(book, Side::Bid, DepthReference::BestOnSide));
            black_box(kaiko_depths(book, Side::Ask, DepthReference::BestOnSide));
            black_box(hydromancer_bands(book));
            black_box(depth_imbalance_band(book, 0.0025));
            black_box(price_impact(book, 0.0010));
            black_box(price_impact(book, 0.0025));
            for q in [10e3, 100e3, 1e6] {
                black_box(slippage(
                    book,
                    TakerSide::Buy,
                    OrderSize::Quote(q),
                    SlippageRef::Mid,
                ));
                black_box(slippage(
                    book,
                    TakerSide::Sell,
                    OrderSize::Quote(q),
                    SlippageRef::Mid,
                ));
            }
            let theta_b = level_threshold(book.bids.levels, 50.0);
            let theta_a = level_threshold(book.asks.levels, 50.0);
            black_box(large_level_shares(book, 0.005, theta_b, theta_a));
        })
    });
}

/// Where a tick's time goes: the full-book walks.
fn tick_parts(c: &mut Criterion) {
    let (bids, asks) = book();
    let book = Book::complete(&bids, &asks);
    let book = &book;
    c.bench_function("tick part: kaiko bands, both sides", |b| {
        b.iter(|| {
            black_box(kaiko_depths(
                black_box(book),
                Side::Bid,
                DepthReference::BestOnSide,
            ));
            black_box(kaiko_depths(
                black_box(book),
                Side::Ask,
                DepthReference::BestOnSide,
            ));
        })
    });
    c.bench_function("tick part: hydromancer bands", |b| {
        b.iter(|| black_box(hydromancer_bands(black_box(book))))
    });
    c.bench_function("tick part: slippage, 3 sizes x 2 sides", |b| {
        b.iter(|| {
            for q in [10e3, 100e3, 1e6] {
                for side in [TakerSide::Buy, TakerSide::Sell] {
                    black_box(slippage(
                        black_box(book),
                        side,
                        OrderSize::Quote(q),
                        SlippageRef::Mid,
                    ));
                }
            }
        })
    });
}

criterion_group!(benches, per_update, per_tick, tick_parts);
criterion_main!(benches);
