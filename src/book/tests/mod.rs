mod vectors;

use super::*;
use crate::book::checksum;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn d(s: &str) -> Dec {
    Dec::parse(s).unwrap()
}

fn lv(p: &str, q: &str) -> Level {
    Level::new(d(p), d(q))
}

fn book_b1() -> Book {
    let mut book = Book::new(DepthModel::SnapshotThenDiffs);
    book.load_snapshot(
        [
            lv("100.0", "3"),
            lv("99.9", "5"),
            lv("99.8", "2"),
            lv("99.7", "6"),
            lv("99.6", "4"),
        ],
        [
            lv("100.1", "1"),
            lv("100.2", "4"),
            lv("100.3", "3"),
            lv("100.4", "2"),
            lv("100.5", "5"),
        ],
        None,
    );
    book
}

#[test]
fn best_levels_mid_spread_and_cumulative_depth() {
    let book = book_b1();
    assert_eq!(book.best_bid().unwrap().price, d("100.0"));
    assert_eq!(book.best_ask().unwrap().price, d("100.1"));
    assert!((book.mid().unwrap() - 100.05).abs() < 1e-12);
    assert_eq!(book.spread().unwrap().to_string(), "0.1");
    let cum: Vec<f64> = book.cumulative(Side::Bid, 3).map(|(_, c)| c).collect();
    assert_eq!(cum, [3.0, 8.0, 10.0]);
    let top: Vec<String> = book
        .top(Side::Ask, 2)
        .map(|l| l.price.to_string())
        .collect();
    assert_eq!(top, ["100.1", "100.2"]);
    assert_eq!(book.crossing(), None);
}

#[test]
fn empty_sides_have_no_mid_spread_or_crossing() {
    let mut book = Book::new(DepthModel::SnapshotThenDiffs);
    assert_eq!(book.mid(), None);
    assert_eq!(book.spread(), None);
    book.apply(Side::Bid, d("1"), d("1"));
    assert_eq!(book.mid(), None);
    assert_eq!(book.crossing(), None);
}

#[test]
fn crossed_and_locked_books_are_reported_not_repaired() {
    let mut book = book_b1();
    book.apply(Side::Bid, d("100.1"), d("1"));
    assert_eq!(book.crossing(), Some(Crossing::Locked));
    book.apply(Side::Bid, d("100.3"), d("1"));
    assert_eq!(book.crossing(), Some(Crossing::Crossed));
    // nothing was deleted to "fix" it
    assert_eq!(book.asks().len(), 5);
    assert_eq!(book.bids().len(), 7);
}

#[test]
fn snapshot_coverage_marks_levels_beyond_a_full_snapshot_unknown() {
    let mut book = Book::new(DepthModel::SnapshotThenDiffs);
    book.load_snapshot(
        [lv("100", "1"), lv("99", "1"), lv("98", "1")],
        [lv("101", "1")],
        Some(3),
    );
    // bids came back full (3 of 3): known only down to 98
    assert_eq!(book.coverage(Side::Bid), Coverage::KnownTo(d("98")));
    assert!(book.is_known(Side::Bid, d("98")));
    assert!(!book.is_known(Side::Bid, d("97.9")));
    // asks came back short: the whole side is known
    assert_eq!(book.coverage(Side::Ask), Coverage::Complete);
    assert!(book.is_known(Side::Ask, d("1000")));
    // a diff adding a level beyond the bound does not extend what is known
    book.apply(Side::Bid, d("90"), d("5"));
    assert_eq!(book.coverage(Side::Bid), Coverage::KnownTo(d("98")));
}

#[test]
fn maintained_books_truncate_and_report_what_fell_out() {
    let mut book = Book::new(DepthModel::Maintained(3));
    book.load_snapshot(
        [lv("100", "1"), lv("99", "1"), lv("98", "1"), lv("97", "1")],
        [lv("101", "1"), lv("102", "1")],
        Some(100),
    );
    assert_eq!(book.bids().len(), 3);
    assert_eq!(book.coverage(Side::Bid), Coverage::KnownTo(d("98")));
    assert_eq!(book.coverage(Side::Ask), Coverage::Complete);

    book.apply(Side::Bid, d("100.5"), d("2"));
    let mut removed = Vec::new();
    book.end_message(|side, level| removed.push((side, level.price.to_string())));
    assert_eq!(removed, [(Side::Bid, "98".to_string())]);
    assert_eq!(book.coverage(Side::Bid), Coverage::KnownTo(d("99")));

    // deleting below depth leaves a side that is complete until the venue refills it
    book.apply(Side::Bid, d("99"), d("0"));
    book.end_message(|_, _| {});
    assert_eq!(book.coverage(Side::Bid), Coverage::Complete);
}

#[test]
fn clear_empties_both_sides() {
    let mut book = book_b1();
    book.clear();
    assert!(book.bids().is_empty() && book.asks().is_empty());
}

/// One step of a random book history.
#[derive(Clone, Debug)]
enum Op {
    Snapshot(Vec<(u32, u32)>, Vec<(u32, u32)>),
    Delta(Vec<(bool, u32, u32)>),
}

/// Prices as ticks of 0.5 in a narrow range so updates collide with existing levels; sizes in
/// 0..5 with a decimal so zeros (deletes) happen often. Bids sit below asks by construction.
fn op() -> impl Strategy<Value = Op> {
    let level = (0u32..40, 0u32..5);
    prop_oneof![
        1 => (proptest::collection::vec(level.clone(), 0..30), proptest::collection::vec(level.clone(), 0..30))
            .prop_map(|(b, a)| Op::Snapshot(b, a)),
        8 => proptest::collection::vec((any::<bool>(), 0u32..40, 0u32..5), 1..8).prop_map(Op::Delta),
    ]
}

fn price(is_bid: bool, tick: u32) -> Dec {
    // bids 1000.0 .. 1019.5, asks 1020.0 .. 1039.5
    let base = if is_bid { 2000 } else { 2040 };
    let tenths = i64::from(base + tick);
    // Whole prices come without the `.0`, as OKX writes them: sides mix scales.
    if tenths % 10 == 0 {
        Dec::from_parts(tenths / 10, 0).unwrap()
    } else {
        Dec::from_parts(tenths, 1).unwrap()
    }
}

fn size(v: u32) -> Dec {
    Dec::from_parts(i64::from(v) * 25, 2).unwrap()
}

/// An independent model: two BTreeMaps of (price → size), sizes as wire strings.
#[derive(Default)]
struct Model {
    bids: BTreeMap<Dec, Dec>,
    asks: BTreeMap<Dec, Dec>,
}

impl Model {
    fn set(&mut self, is_bid: bool, p: Dec, q: Dec) {
        let map = if is_bid {
            &mut self.bids
        } else {
            &mut self.asks
        };
        if q.is_zero() {
            map.remove(&p);
        } else {
            map.insert(p, q);
        }
    }
    fn levels(&self) -> (Vec<Level>, Vec<Level>) {
        let bids = self
            .bids
            .iter()
            .rev()
            .map(|(p, q)| Level::new(*p, *q))
            .collect();
        let asks = self.asks.iter().map(|(p, q)| Level::new(*p, *q)).collect();
        (bids, asks)
    }
    fn truncate(&mut self, n: usize) {
        while self.bids.len() > n {
            self.bids.pop_first();
        }
        while self.asks.len() > n {
            self.asks.pop_last();
        }
    }
}

/// Apply `ops` to a book (with cached checksum texts in `form`, checksummed after every
/// message so the cache is exercised mid-history) and to the model.
fn run(ops: &[Op], depth: DepthModel, form: Option<TextForm>) -> (Book, Model) {
    run_with(ops, depth, form, false)
}

/// [`run`], applying each delta's levels of a side as one merge ([`BookSide::set_all`], as
/// messages of [`BATCH_LEVELS`] or more are) when `batched`.
fn run_with(ops: &[Op], depth: DepthModel, form: Option<TextForm>, batched: bool) -> (Book, Model) {
    let mut book = Book::new(depth);
    if let Some(form) = form {
        book.cache_checksum_text(form);
    }
    let mut scratch = Vec::new();
    let mut model = Model::default();
    for op in ops {
        match op {
            Op::Snapshot(b, a) => {
                let bids: Vec<Level> = b
                    .iter()
                    .map(|&(t, q)| Level::new(price(true, t), size(q)))
                    .collect();
                let asks: Vec<Level> = a
                    .iter()
                    .map(|&(t, q)| Level::new(price(false, t), size(q)))
                    .collect();
                book.load_snapshot(bids.clone(), asks.clone(), None);
                model = Model::default();
                for l in bids {
                    model.set(true, l.price, l.size);
                }
                for l in asks {
                    model.set(false, l.price, l.size);
                }
            }
            Op::Delta(changes) => {
                for &(is_bid, t, q) in changes {
                    let side = if is_bid { Side::Bid } else { Side::Ask };
                    if !batched {
                        book.apply(side, price(is_bid, t), size(q));
                    }
                    model.set(is_bid, price(is_bid, t), size(q));
                }
                if batched {
                    let levels: Vec<(Side, Level)> = changes
                        .iter()
                        .map(|&(is_bid, t, q)| {
                            let side = if is_bid { Side::Bid } else { Side::Ask };
                            (side, Level::new(price(is_bid, t), size(q)))
                        })
                        .collect();
                    for side in [Side::Bid, Side::Ask] {
                        book.merge(side, &levels, |_, _| {});
                    }
                }
                book.end_message(|_, _| {});
            }
        }
        if let DepthModel::Maintained(n) = depth {
            model.truncate(n);
        }
        match form {
            Some(TextForm::Wire) => {
                book.interleaved_checksum(&mut scratch);
            }
            Some(TextForm::Digits) => {
                book.kraken_checksum(&mut scratch);
            }
            None => {}
        }
    }
    (book, model)
}

proptest! {
    #[test]
    fn book_equals_a_btreemap_model_with_identical_checksums(ops in proptest::collection::vec(op(), 1..60)) {
        let (mut book, model) = run(&ops, DepthModel::SnapshotThenDiffs, None);
        let (bids, asks) = model.levels();
        let got_bids: Vec<Level> = book.bids().iter().copied().collect();
        let got_asks: Vec<Level> = book.asks().iter().copied().collect();
        prop_assert_eq!(&got_bids, &bids);
        prop_assert_eq!(&got_asks, &asks);
        let mut s = Vec::new();
        let interleaved = checksum::interleaved_25(&bids, &asks, &mut s);
        let kraken = checksum::kraken(&asks, &bids, &mut s);
        let coinex = checksum::coinex(&bids, &asks, &mut s);
        prop_assert_eq!(book.interleaved_checksum(&mut s), interleaved);
        prop_assert_eq!(book.kraken_checksum(&mut s), kraken);
        prop_assert_eq!(book.coinex_checksum(&mut s), coinex);
        // The same history with cached level texts (checked after every message inside `run`,
        // so stale cache entries would show) gives the same checksums.
        let (mut wire, _) = run(&ops, DepthModel::SnapshotThenDiffs, Some(TextForm::Wire));
        prop_assert_eq!(wire.interleaved_checksum(&mut s), interleaved);
        prop_assert_eq!(wire.coinex_checksum(&mut s), coinex);
        let (mut digits, _) = run(&ops, DepthModel::SnapshotThenDiffs, Some(TextForm::Digits));
        prop_assert_eq!(digits.kraken_checksum(&mut s), kraken);
    }

    /// A side's levels applied as one sorted merge leave the book, and every checksum over
    /// its kept texts, as applying them one by one does.
    #[test]
    fn batched_deltas_equal_the_model_with_identical_checksums(ops in proptest::collection::vec(op(), 1..60)) {
        let (bids, asks) = run(&ops, DepthModel::SnapshotThenDiffs, None).1.levels();
        for form in [None, Some(TextForm::Wire), Some(TextForm::Digits)] {
            let (mut book, _) = run_with(&ops, DepthModel::SnapshotThenDiffs, form, true);
            prop_assert_eq!(book.bids().iter().copied().collect::<Vec<_>>(), bids.clone());
            prop_assert_eq!(book.asks().iter().copied().collect::<Vec<_>>(), asks.clone());
            let mut s = Vec::new();
            match form {
                Some(TextForm::Wire) => prop_assert_eq!(book.interleaved_checksum(&mut s), checksum::interleaved_25(&bids, &asks, &mut s)),
                Some(TextForm::Digits) => prop_assert_eq!(book.kraken_checksum(&mut s), checksum::kraken(&asks, &bids, &mut s)),
                None => {}
            }
        }
    }

    #[test]
    fn truncation_keeps_exactly_the_best_n(ops in proptest::collection::vec(op(), 1..60), n in 1usize..12) {
        let (book, model) = run(&ops, DepthModel::Maintained(n), Some(TextForm::Wire));
        let (bids, asks) = model.levels();
        prop_assert!(book.bids().len() <= n && book.asks().len() <= n);
        prop_assert_eq!(book.bids().iter().copied().collect::<Vec<_>>(), bids);
        prop_assert_eq!(book.asks().iter().copied().collect::<Vec<_>>(), asks);
    }

    #[test]
    fn one_corrupted_size_changes_every_checksum(ops in proptest::collection::vec(op(), 1..40), pick in any::<prop::sample::Index>()) {
        let (mut book, _) = run(&ops, DepthModel::SnapshotThenDiffs, Some(TextForm::Wire));
        // corrupt one of the top 10 levels of either side (the span all three checksums cover)
        let mut levels: Vec<(Side, Level)> = book.top(Side::Bid, 10).map(|l| (Side::Bid, *l))
            .chain(book.top(Side::Ask, 10).map(|l| (Side::Ask, *l))).collect();
        prop_assume!(!levels.is_empty());
        let i = pick.index(levels.len());
        let (side, level) = &mut levels[i];
        let mut corrupted = book.clone();
        let bumped = level.size.checked_add(Dec::from_parts(1, 8).unwrap()).unwrap();
        corrupted.apply(*side, level.price, bumped);
        let mut s = Vec::new();
        prop_assert_ne!(book.kraken_checksum(&mut s), corrupted.kraken_checksum(&mut s));
        prop_assert_ne!(book.interleaved_checksum(&mut s), corrupted.interleaved_checksum(&mut s));
        prop_assert_ne!(book.coinex_checksum(&mut s), corrupted.coinex_checksum(&mut s));
    }
}

/// The repro of issue 19 item 9 in small: one delta of many bids alternating far and near
/// (each insert lands mid-side) goes through [`Book::apply_all`] as a merge, and the result is
/// the book the levels make one by one.
#[test]
fn a_large_alternating_delta_is_merged_into_the_same_book() {
    let n = 3 * BATCH_LEVELS as i64;
    let bid = |i: i64| {
        Level::new(
            Dec::from_parts(i, 1).unwrap(),
            Dec::from_parts(i % 7 + 1, 0).unwrap(),
        )
    };
    let alternating: Vec<(Side, Level)> = (0..n)
        .map(|k| if k % 2 == 0 { k / 2 } else { n - k / 2 })
        .map(|i| (Side::Bid, bid(10 + i)))
        // a repeated price: the last one wins; a delete of a level the message added
        .chain([
            (Side::Bid, bid(10)),
            (Side::Bid, Level::new(bid(11).price, Dec::ZERO)),
        ])
        .chain([(Side::Ask, Level::new(d("100000"), d("1")))])
        .collect();
    let mut merged = Book::new(DepthModel::SnapshotThenDiffs);
    merged.load_snapshot([lv("0.5", "1")], [lv("99999", "2")], None);
    let mut one_by_one = merged.clone();
    merged.apply_all(&alternating, |_, _| {});
    merged.end_message(|_, _| {});
    for (side, l) in &alternating {
        one_by_one.apply(*side, l.price, l.size);
    }
    one_by_one.end_message(|_, _| {});
    assert_eq!(
        merged.bids().len(),
        n as usize,
        "n + the snapshot's level - the deleted one"
    );
    assert!(merged.bids().iter().eq(one_by_one.bids().iter()));
    assert!(merged.asks().iter().eq(one_by_one.asks().iter()));
}

/// Past the per-side bound the worst levels are cut, counted and published as removed, and the
/// side is known only down to its last kept level; the checksum over the top still holds.
#[test]
fn the_levels_a_book_keeps_per_side_are_bounded_and_counted() {
    let mut book = Book::new(DepthModel::SnapshotThenDiffs).with_max_levels(100);
    book.cache_checksum_text(TextForm::Wire);
    let bid = |i: i64| {
        (
            Side::Bid,
            Level::new(Dec::from_parts(10_000 - i, 1).unwrap(), d("1")),
        )
    };
    let levels: Vec<(Side, Level)> = (0..5000).map(bid).collect();
    book.load_snapshot(levels[..150].iter().map(|l| l.1), [lv("1001", "1")], None);
    assert_eq!((book.bids().len(), book.capped_levels()), (100, 50));
    let last_kept = book.bids().worst().unwrap().price;
    assert_eq!(book.coverage(Side::Bid), Coverage::KnownTo(last_kept));
    assert_eq!(book.coverage(Side::Ask), Coverage::Complete);

    let mut removed = Vec::new();
    book.apply_all(&levels, |side, l| removed.push((side, l)));
    book.end_message(|side, l| removed.push((side, l)));
    assert_eq!(book.bids().len(), 100);
    assert_eq!(book.capped_levels(), 50 + 4900);
    assert_eq!(
        removed.len(),
        4900,
        "each cut level is published as removed"
    );
    assert_eq!(book.coverage(Side::Bid), Coverage::KnownTo(last_kept));
    let mut s = Vec::new();
    let bids: Vec<Level> = book.bids().iter().copied().collect();
    let asks: Vec<Level> = book.asks().iter().copied().collect();
    assert_eq!(
        book.interleaved_checksum(&mut s),
        checksum::interleaved_25(&bids, &asks, &mut s)
    );
    // A venue's own window is not the book's bound: nothing counted.
    let mut kraken = Book::new(DepthModel::Maintained(10));
    kraken.load_snapshot(levels.iter().map(|l| l.1), [], None);
    kraken.apply_all(&levels, |_, _| {});
    kraken.end_message(|_, _| {});
    assert_eq!((kraken.bids().len(), kraken.capped_levels()), (10, 0));
}
