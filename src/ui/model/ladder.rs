//! The depth ladder's rows: one book's levels or several venues' levels, grouped into price
//! buckets, with cumulative size, large-level flags, recent traded volume and (for the
//! aggregate) which venue supplies most of each bucket.
//!
//! Every book's ladder is only the top of its book. A bucket past the point some included book
//! is known to reach is marked `partial`: its size is a lower bound, never presented as the
//! whole.

use crate::engine::analytics::{Zone, ZoneRole};
use crate::engine::frame::{BookFrame, LadderLevel};
use crate::ui::model::grouping::{ask_bucket, bid_bucket, step_decimals};
use crate::ui::model::zones::role_at;
use std::collections::BTreeMap;

/// One ladder row.
#[derive(Clone, Debug, PartialEq)]
pub struct LadderRow {
    pub price: f64,
    pub size: f64,
    /// Size from the best price out to this row.
    pub cum: f64,
    /// A level at or above its book's large-level threshold is in this bucket.
    pub large: bool,
    /// Some included book does not reach this whole bucket: `size` is a lower bound.
    pub partial: bool,
    /// Recent taker volume traded in this bucket (base units).
    pub traded_buy: f64,
    pub traded_sell: f64,
    /// The book supplying most of this bucket (index into the input books) and its share.
    pub top_source: Option<(usize, f64)>,
    /// The role of the strongest support or resistance zone (§5) in this bucket's prices, set
    /// by [`mark_zones`].
    pub zone: Option<ZoneRole>,
}

/// Both sides, best first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LadderModel {
    pub bids: Vec<LadderRow>,
    pub asks: Vec<LadderRow>,
    /// Decimals that print every bucket price exactly.
    pub decimals: u8,
    /// The largest row size shown (the bars' full scale).
    pub max_size: f64,
    /// Ungrouped best prices across the books.
    pub best_bid: Option<f64>,
    pub best_ask: Option<f64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Bid,
    Ask,
}

impl Side {
    fn bucket(self, price: f64, step: f64) -> i64 {
        match self {
            Side::Bid => bid_bucket(price, step),
            Side::Ask => ask_bucket(price, step),
        }
    }

    fn levels(self, book: &BookFrame) -> &[LadderLevel] {
        match self {
            Side::Bid => &book.ladder.bids,
            Side::Ask => &book.ladder.asks,
        }
    }
}

/// Accumulates one bucket.
#[derive(Default)]
struct Bucket {
    per_book: Vec<f64>,
    large: bool,
}

/// Builds the ladder for `books` (already filtered to the ones whose numbers may be shown),
/// grouped by `step`, `depth` rows per side.
pub fn build(books: &[&BookFrame], step: f64, depth: usize) -> LadderModel {
    if books.is_empty() || !(step.is_finite() && step > 0.0) {
        return LadderModel::default();
    }
    let bids = side(books, Side::Bid, step, depth);
    let asks = side(books, Side::Ask, step, depth);
    let max_size = bids.iter().chain(&asks).map(|r| r.size).fold(0.0, f64::max);
    let decimals = books
        .iter()
        .map(|b| b.ladder.price_decimals)
        .max()
        .unwrap_or(0)
        .max(step_decimals(step));
    let best = |side: Side| {
        let prices = books
            .iter()
            .filter_map(|b| side.levels(b).first().map(|l| l.price));
        match side {
            Side::Bid => prices.reduce(f64::max),
            Side::Ask => prices.reduce(f64::min),
        }
    };
    LadderModel {
        bids,
        asks,
        decimals,
        max_size,
        best_bid: best(Side::Bid),
        best_ask: best(Side::Ask),
    }
}

fn side(books: &[&BookFrame], side: Side, step: f64, depth: usize) -> Vec<LadderRow> {
    let mut buckets: BTreeMap<i64, Bucket> = BTreeMap::new();
    for (i, book) in books.iter().enumerate() {
        let threshold = book.ladder.large_threshold;
        for level in side.levels(book) {
            let bucket = buckets.entry(side.bucket(level.price, step)).or_default();
            if bucket.per_book.len() < books.len() {
                bucket.per_book.resize(books.len(), 0.0);
            }
            bucket.per_book[i] += level.size;
            bucket.large |= threshold.is_some_and(|t| level.size >= t);
        }
    }
    let traded = traded(books, side, step);
    // The bucket each book's ladder ends in: beyond it (and in it, once grouped) that book's
    // contribution is unknown.
    let reach: Vec<i64> = books
        .iter()
        .filter_map(|b| side.levels(b).last().map(|l| side.bucket(l.price, step)))
        .collect();
    let grouped = books
        .iter()
        .any(|b| step > crate::ui::model::select::tick(b) * (1.0 + 1e-9));
    let ordered: Box<dyn Iterator<Item = (&i64, &Bucket)>> = match side {
        Side::Bid => Box::new(buckets.iter().rev()),
        Side::Ask => Box::new(buckets.iter()),
    };
    let mut cum = 0.0;
    ordered
        .take(depth)
        .map(|(&index, bucket)| {
            let size: f64 = bucket.per_book.iter().sum();
            cum += size;
            let beyond = |r: &i64| match side {
                Side::Bid => index < *r || (grouped && index == *r),
                Side::Ask => index > *r || (grouped && index == *r),
            };
            let (buy, sell) = traded.get(&index).copied().unwrap_or_default();
            let top_source = (books.len() > 1 && size > 0.0)
                .then(|| {
                    bucket
                        .per_book
                        .iter()
                        .enumerate()
                        .max_by(|a, b| a.1.total_cmp(b.1))
                        .map(|(i, s)| (i, s / size))
                })
                .flatten();
            LadderRow {
                price: index as f64 * step,
                size,
                cum,
                large: bucket.large,
                partial: reach.iter().any(beyond),
                traded_buy: buy,
                traded_sell: sell,
                top_source,
                zone: None,
            }
        })
        .collect()
}

/// Marks the rows whose prices hold part of a zone. Prices sit on the `tick` grid, so a bid
/// row (bucket `[price, price + step)`) holds `price ..= price + step − tick` and an ask row
/// (`(price − step, price]`) holds `price − step + tick ..= price`.
pub fn mark_zones(model: &mut LadderModel, zones: &[Zone], step: f64, tick: f64) {
    if zones.is_empty() || !(step.is_finite() && step > 0.0 && tick.is_finite() && tick > 0.0) {
        return;
    }
    let span = (step - tick).max(0.0);
    for row in &mut model.bids {
        row.zone = role_at(zones, row.price, row.price + span);
    }
    for row in &mut model.asks {
        row.zone = role_at(zones, row.price - span, row.price);
    }
}

/// Recent traded volume per bucket of this side's rounding. Each price belongs to one side
/// only (at or above the mid: the asks; below: the bids): once grouped, the best bid and ask
/// buckets can cover the same prices, and a trade counted on both would be counted twice.
fn traded(books: &[&BookFrame], side: Side, step: f64) -> BTreeMap<i64, (f64, f64)> {
    let best = |s: Side| {
        books
            .iter()
            .filter_map(move |b| s.levels(b).first().map(|l| l.price))
    };
    let mid = match (
        best(Side::Bid).reduce(f64::max),
        best(Side::Ask).reduce(f64::min),
    ) {
        (Some(bid), Some(ask)) => (bid + ask) / 2.0,
        (Some(bid), None) => bid,
        (None, Some(ask)) => ask,
        (None, None) => return BTreeMap::new(),
    };
    let on_side = |price: f64| match side {
        Side::Bid => price < mid,
        Side::Ask => price >= mid,
    };
    let mut out: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
    for pv in books
        .iter()
        .flat_map(|b| &b.traded_at_price)
        .filter(|pv| on_side(pv.price))
    {
        let e = out.entry(side.bucket(pv.price, step)).or_default();
        e.0 += pv.buy;
        e.1 += pv.sell;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::frame::PriceVolume;
    use crate::ui::tests::fixtures;

    #[test]
    fn one_book_ungrouped_is_its_own_levels_with_cumulative_sizes() {
        let book = fixtures::book_with_levels(
            &[(100.0, 1.0), (99.9, 2.0), (99.8, 10.0)],
            &[(100.1, 1.5), (100.2, 0.5)],
            0.1,
        );
        let m = build(&[&book], 0.1, 10);
        let bids: Vec<(f64, f64, f64)> = m.bids.iter().map(|r| (r.price, r.size, r.cum)).collect();
        assert_eq!(bids.len(), 3);
        assert!((bids[2].0 - 99.8).abs() < 1e-9 && bids[2].2 == 13.0);
        assert!(
            m.bids.iter().all(|r| !r.partial),
            "ungrouped levels are exact"
        );
        assert!(m.bids[2].large, "10.0 is over the fixture's threshold of 5");
        assert_eq!((m.best_bid, m.best_ask), (Some(100.0), Some(100.1)));
        assert_eq!(m.max_size, 10.0);
        assert_eq!(m.asks[0].top_source, None, "one book: no attribution");
    }

    #[test]
    fn grouping_rounds_bids_down_asks_up_and_marks_the_last_bucket_partial() {
        let book = fixtures::book_with_levels(
            &[(100.0, 1.0), (99.9, 2.0), (99.4, 3.0)],
            &[(100.1, 1.5), (100.6, 0.5)],
            0.1,
        );
        let m = build(&[&book], 0.5, 10);
        let bids: Vec<(f64, f64, bool)> = m
            .bids
            .iter()
            .map(|r| (r.price, r.size, r.partial))
            .collect();
        assert_eq!(
            bids,
            vec![(100.0, 1.0, false), (99.5, 2.0, false), (99.0, 3.0, true)]
        );
        let asks: Vec<(f64, f64, bool)> = m
            .asks
            .iter()
            .map(|r| (r.price, r.size, r.partial))
            .collect();
        assert_eq!(asks, vec![(100.5, 1.5, false), (101.0, 0.5, true)]);
    }

    #[test]
    fn the_aggregate_attributes_buckets_and_marks_where_a_venue_runs_out() {
        let a = fixtures::book_with_levels(
            &[(100.0, 3.0), (99.9, 1.0), (99.8, 1.0)],
            &[(100.1, 1.0)],
            0.1,
        );
        let b = fixtures::book_with_levels(&[(100.0, 1.0)], &[(100.1, 1.0)], 0.1);
        let m = build(&[&a, &b], 0.1, 10);
        assert_eq!(m.bids[0].size, 4.0);
        assert_eq!(m.bids[0].top_source, Some((0, 0.75)));
        assert!(!m.bids[0].partial);
        assert!(
            m.bids[1].partial && m.bids[2].partial,
            "book b is unknown below 100.0"
        );
    }

    #[test]
    fn each_trade_is_counted_in_one_row_however_coarse_the_grouping() {
        let mut book = fixtures::book_with_levels(
            &[(3452.00, 1.0), (3451.99, 1.0)],
            &[(3452.01, 1.0), (3452.02, 1.0)],
            0.01,
        );
        book.traded_at_price = vec![
            PriceVolume {
                price: 3452.00,
                buy: 0.0,
                sell: 7.0,
            },
            PriceVolume {
                price: 3452.01,
                buy: 5.0,
                sell: 0.0,
            },
        ];
        for step in [0.01, 5.0, 10.0] {
            let m = build(&[&book], step, 10);
            let total: f64 = m
                .bids
                .iter()
                .chain(&m.asks)
                .map(|r| r.traded_buy + r.traded_sell)
                .sum();
            assert_eq!(total, 12.0, "step {step}");
        }
        let m = build(&[&book], 5.0, 10);
        assert_eq!((m.bids[0].traded_sell, m.bids[0].traded_buy), (7.0, 0.0));
        assert_eq!((m.asks[0].traded_buy, m.asks[0].traded_sell), (5.0, 0.0));
    }

    #[test]
    fn depth_limits_rows_and_nothing_breaks_on_empty_input() {
        let book = fixtures::book_with_levels(&[(100.0, 1.0), (99.9, 1.0), (99.8, 1.0)], &[], 0.1);
        assert_eq!(build(&[&book], 0.1, 2).bids.len(), 2);
        assert_eq!(build(&[], 0.1, 10), LadderModel::default());
        assert_eq!(build(&[&book], 0.0, 10), LadderModel::default());
        assert!(build(&[&book], 0.1, 10).asks.is_empty());
    }
}
