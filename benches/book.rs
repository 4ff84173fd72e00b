//! Book hot paths (issue 2 targets, median on the 2-core dev box): applying one level at depth
//! 25 (≤ 50 ns) and 500 (≤ 250 ns), the OKX 25-level and Kraken 10-level checksums including
//! building their strings (≤ 500 ns each; the measured loop also applies the one level change
//! that precedes each checksum on a live feed), and parsing one decimal. Issue 19: one delta
//! of 400,000 bids alternating far and near (each level lands mid-side), applied as a venue
//! message is (≤ 0.5 s for any frame of ≤ 16 MB; one by one it took 80 s).

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use depthscope::book::{Book, DepthModel, Level, TextForm, checksum};
use depthscope::market::Side;
use depthscope::num::Dec;
use std::hint::black_box;

/// A book of `depth` levels per side around 60000.0 with 0.1 ticks and 8-decimal sizes.
fn book(depth: usize) -> Book {
    let level = |tick: i64, i: i64| {
        Level::new(
            Dec::from_parts(tick, 1).unwrap(),
            Dec::from_parts(12_345_678 + i * 7_919, 8).unwrap(),
        )
    };
    let bids = (0..depth as i64).map(|i| level(600_000 - i, i));
    let asks = (0..depth as i64).map(|i| level(600_001 + i, i));
    let mut book = Book::new(DepthModel::SnapshotThenDiffs);
    book.load_snapshot(bids, asks, None);
    book
}

fn apply(c: &mut Criterion) {
    let mut group = c.benchmark_group("book_apply_one_level");
    for depth in [25usize, 500] {
        let mut b = book(depth);
        // Updates spread over the whole side: a size change, a delete and a re-insert, the mix
        // a diff stream carries. Cycling keeps the book at the same depth.
        let prices: Vec<Dec> = (0..depth as i64)
            .map(|i| Dec::from_parts(600_000 - (i * 7) % depth as i64, 1).unwrap())
            .collect();
        let sizes = [
            Dec::from_parts(55_000_000, 8).unwrap(),
            Dec::from_parts(0, 8).unwrap(),
            Dec::from_parts(12_000_000, 8).unwrap(),
        ];
        let mut i = 0usize;
        group.bench_with_input(BenchmarkId::from_parameter(depth), &depth, |bench, _| {
            bench.iter(|| {
                let p = prices[i % prices.len()];
                let q = sizes[(i / prices.len()) % 3];
                i += 1;
                black_box(b.apply(Side::Bid, black_box(p), black_box(q)))
            })
        });
    }
    group.finish();
}

/// Checksums as a live feed pays them: each message changes one level near the top, then the
/// checksum is computed (cached texts re-render only that level). `cold` renders all levels
/// (the first checksum after a snapshot).
fn checksums(c: &mut Criterion) {
    let mut scratch = Vec::with_capacity(4096);
    let touched = [
        Dec::from_parts(599_998, 1).unwrap(),
        Dec::from_parts(599_990, 1).unwrap(),
    ];
    let sizes = [
        Dec::from_parts(31_000_000, 8).unwrap(),
        Dec::from_parts(47_500_000, 8).unwrap(),
    ];
    for (name, form) in [
        ("checksum_okx_25_levels", TextForm::Wire),
        ("checksum_kraken_10_levels", TextForm::Digits),
    ] {
        let mut b = book(400);
        b.cache_checksum_text(form);
        let mut i = 0usize;
        c.bench_function(name, |bench| {
            bench.iter(|| {
                b.apply(Side::Bid, touched[i % 2], sizes[(i / 2) % 2]);
                i += 1;
                black_box(match form {
                    TextForm::Wire => b.interleaved_checksum(&mut scratch),
                    TextForm::Digits => b.kraken_checksum(&mut scratch),
                })
            })
        });
    }
    let b = book(400);
    c.bench_function("checksum_okx_25_levels_cold", |bench| {
        bench.iter(|| {
            black_box(checksum::interleaved_25(
                b.bids().iter(),
                b.asks().iter(),
                &mut scratch,
            ))
        })
    });
    c.bench_function("checksum_kraken_10_levels_cold", |bench| {
        bench.iter(|| {
            black_box(checksum::kraken(
                b.asks().iter(),
                b.bids().iter(),
                &mut scratch,
            ))
        })
    });
}

/// A snapshot, then one delta of 400k bids alternating low and high so that every level lands
/// in the middle of the side: [`Book::apply_all`] with the end of the message, as a feed applies
/// it.
fn large_message(c: &mut Criterion) {
    let n = 400_000i64;
    let levels: Vec<(Side, Level)> = (0..n)
        .map(|k| {
            if k % 2 == 0 {
                100_000 + k / 2
            } else {
                900_000 - k / 2
            }
        })
        .map(|tick| {
            (
                Side::Bid,
                Level::new(
                    Dec::from_parts(tick, 2).unwrap(),
                    Dec::from_parts(1, 0).unwrap(),
                ),
            )
        })
        .collect();
    let mut start = Book::new(DepthModel::SnapshotThenDiffs);
    let one = |tick| {
        [Level::new(
            Dec::from_parts(tick, 2).unwrap(),
            Dec::from_parts(1, 0).unwrap(),
        )]
    };
    start.load_snapshot(one(900_050), one(900_100), None);
    let mut group = c.benchmark_group("book_large_message");
    group.sample_size(10);
    group.bench_function("400k_bids_alternating", |bench| {
        bench.iter_batched(
            || start.clone(),
            |mut book| {
                book.apply_all(black_box(&levels), |_, _| {});
                book.end_message(|_, _| {});
                book
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn parse(c: &mut Criterion) {
    c.bench_function("decimal_parse", |bench| {
        bench.iter(|| black_box(Dec::parse(black_box("61234.56789012"))))
    });
    c.bench_function("decimal_parse_json_number", |bench| {
        bench.iter(|| black_box(Dec::parse_json(black_box("0.04857373"))))
    });
}

criterion_group!(benches, apply, checksums, large_message, parse);
criterion_main!(benches);
