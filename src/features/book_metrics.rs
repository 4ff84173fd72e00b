//! Snapshot metrics over the top levels of one book (§1.1–1.7, §2.4).
//!
//! Every function returns `None` for a crossed or locked book (§0.2) and for a missing side when
//! it needs both. Top-N metrics are **not comparable across venues** (tick sizes differ, §0.4);
//! use the band variants in [`bands`](super::bands) for anything aggregated across venues.

use crate::market::Side;

use super::num::{finite, ratio};
use super::{Book, Level};

/// `bid_ask_spread` (§1.1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// `s = p^a_1 − p^b_1` in quote units.
    pub abs: f64,
    /// `s / m`.
    pub rel: f64,
    /// `1e4 · s / m`.
    pub bps: f64,
    /// `s / tick`: on large-tick venues `bps` is quantised, so the tick count is reported too.
    pub ticks: Option<f64>,
}

/// Relative, bps and tick spread; `tick` is the venue's price increment if known.
pub fn spread(book: &Book, tick: Option<f64>) -> Option<Spread> {
    let touch = book.touch()?;
    let (s, m) = (touch.spread(), touch.mid());
    let rel = ratio(s, m)?;
    Some(Spread {
        abs: s,
        rel,
        bps: 1e4 * rel,
        ticks: tick.filter(|t| *t > 0.0).and_then(|t| ratio(s, t)),
    })
}

/// `Q_N`: the summed size and the number of levels that exist among the top `n`.
fn top_depth(levels: &[Level], n: usize) -> (f64, usize) {
    let top = &levels[..n.min(levels.len())];
    (top.iter().map(|l| l.size).sum(), top.len())
}

fn both_top_depths(book: &Book, n: usize) -> Option<(f64, f64)> {
    book.touch()?;
    Some((
        top_depth(book.bids.levels, n).0,
        top_depth(book.asks.levels, n).0,
    ))
}

/// `DI_N = (Q^b_N − Q^a_N) / (Q^b_N + Q^a_N)` ∈ [−1, 1] (§1.2); `DI_1` is the queue imbalance.
/// A side with fewer than `n` levels contributes the levels it has.
pub fn depth_imbalance(book: &Book, n: usize) -> Option<f64> {
    let (b, a) = both_top_depths(book, n)?;
    ratio(b - a, b + a)
}

/// `book_pressure` (§1.4): `Q^b_N / Q^a_N` and its log. Carries no information beyond `DI_N`
/// (`BP = (1 + DI)/(1 − DI)`, §12), so prefer `ln` for display.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BookPressure {
    pub ratio: f64,
    pub ln: f64,
}

pub fn book_pressure(book: &Book, n: usize) -> Option<BookPressure> {
    let (b, a) = both_top_depths(book, n)?;
    let r = ratio(b, a).filter(|r| *r > 0.0)?;
    Some(BookPressure {
        ratio: r,
        ln: finite(r.ln())?,
    })
}

/// `bid_depth_ratio` (§1.6): `Q^b_N / (Q^b_N + Q^a_N) = (1 + DI_N)/2` ∈ [0, 1].
pub fn bid_depth_ratio(book: &Book, n: usize) -> Option<f64> {
    let (b, a) = both_top_depths(book, n)?;
    ratio(b, b + a)
}

/// `weighted_mid_offset` (§1.5). Not the micro-price: within L1 it is `DI_1` times the half
/// spread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightedMid {
    pub wmid: f64,
    /// `wmid − m`, quote units.
    pub offset: f64,
    /// `1e4 · (wmid − m) / m`.
    pub offset_bps: f64,
    /// `(wmid − m) / (s/2)` ∈ [−1, 1] at N = 1 (where it equals `DI_1`).
    pub offset_half_spreads: f64,
}

/// Weighted mid over the top `n` levels: `(Q^a_N·VWAP^b_N + Q^b_N·VWAP^a_N) / (Q^b_N + Q^a_N)`.
///
/// Each side's price is weighted by the **opposite** side's depth, so a heavy bid pulls the mid
/// toward the ask (positive offset). Weighting each price by its own size flips the sign, the
/// common bug §1.5 warns about. At `n = 1` this is Stoikov's L1 weighted mid.
pub fn weighted_mid(book: &Book, n: usize) -> Option<WeightedMid> {
    let touch = book.touch()?;
    let vwap = |levels: &[Level]| {
        let top = &levels[..n.min(levels.len())];
        let q: f64 = top.iter().map(|l| l.size).sum();
        let pq: f64 = top.iter().map(Level::notional).sum();
        ratio(pq, q).map(|p| (p, q))
    };
    let (vwap_b, q_b) = vwap(book.bids.levels)?;
    let (vwap_a, q_a) = vwap(book.asks.levels)?;
    let wmid = ratio(q_a * vwap_b + q_b * vwap_a, q_b + q_a)?;
    let m = touch.mid();
    let offset = wmid - m;
    Some(WeightedMid {
        wmid,
        offset,
        offset_bps: ratio(1e4 * offset, m)?,
        offset_half_spreads: ratio(offset, touch.spread() / 2.0)?,
    })
}

/// `top_level_size_ratio` (§1.7): touch size over the mean size of the top `n_levels` levels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TopLevelSizeRatio {
    pub ratio: f64,
    /// Levels actually averaged (`min(N, levels present)`, summed over sides when combined).
    pub n_levels: usize,
}

/// Per side: `q^x_1 / ((1/n_x) Σ_{i≤n_x} q^x_i)`. One-sided, so it is computed even when the
/// other side is empty, but not on a crossed book.
pub fn top_level_size_ratio(book: &Book, side: Side, n: usize) -> Option<TopLevelSizeRatio> {
    if book.is_crossed() {
        return None;
    }
    let levels = book.side(side).levels;
    let touch = levels.first()?;
    let (q, n_levels) = top_depth(levels, n);
    Some(TopLevelSizeRatio {
        ratio: ratio(touch.size, q / n_levels as f64)?,
        n_levels,
    })
}

/// Combined: `((q^b_1 + q^a_1)/2) / ((Q^b_N + Q^a_N)/(n_b + n_a))`.
pub fn top_level_size_ratio_combined(book: &Book, n: usize) -> Option<TopLevelSizeRatio> {
    let touch = book.touch()?;
    let (qb, nb) = top_depth(book.bids.levels, n);
    let (qa, na) = top_depth(book.asks.levels, n);
    let n_levels = nb + na;
    Some(TopLevelSizeRatio {
        ratio: ratio(
            (touch.bid.size + touch.ask.size) / 2.0,
            (qb + qa) / n_levels as f64,
        )?,
        n_levels,
    })
}

/// The Aperiodic-style L1 set (§2.4), with `b = q^b_1` and `a = q^a_1`. Their `_avg` forms are
/// time-weighted ([`TimeWeightedMean`](super::time_weighted::TimeWeightedMean)).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct L1Imbalance {
    /// `b − a`, base units.
    pub imbalance: f64,
    /// `(b − a)/(b + a)`.
    pub imbalance_ratio: Option<f64>,
    /// `b / a`; `None` when `a = 0`.
    pub bid_ask_ratio: Option<f64>,
    /// `b / (b + a)`.
    pub bid_percentage: Option<f64>,
    /// `a / (b + a)`.
    pub ask_percentage: Option<f64>,
}

pub fn l1_imbalance(book: &Book) -> Option<L1Imbalance> {
    let touch = book.touch()?;
    let (b, a) = (touch.bid.size, touch.ask.size);
    Some(L1Imbalance {
        imbalance: finite(b - a)?,
        imbalance_ratio: ratio(b - a, b + a),
        bid_ask_ratio: ratio(b, a),
        bid_percentage: ratio(b, b + a),
        ask_percentage: ratio(a, b + a),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::{
        assert_all_finite, assert_close, assert_some_close, b1_asks, b1_bids,
    };

    #[test]
    fn b1_spread() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let s = spread(&Book::complete(&bids, &asks), Some(0.1)).unwrap();
        assert_close(s.rel, 0.0009995002499);
        assert_close(s.bps, 9.995002499);
        assert_some_close(s.ticks, 1.0);
        assert_close(Book::complete(&bids, &asks).touch().unwrap().mid(), 100.05);
    }

    #[test]
    fn b1_depth_imbalance_pressure_and_bid_ratio() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let book = Book::complete(&bids, &asks);
        assert_some_close(depth_imbalance(&book, 1), 0.5);
        assert_some_close(depth_imbalance(&book, 5), 0.1428571429);
        // Fewer levels than N: the levels that exist are used.
        assert_some_close(depth_imbalance(&book, 20), 0.1428571429);
        let bp = book_pressure(&book, 5).unwrap();
        assert_close(bp.ratio, 1.333333333);
        assert_close(bp.ln, 0.2876820725);
        // BP = (1 + DI)/(1 − DI).
        let di = depth_imbalance(&book, 5).unwrap();
        assert_close(bp.ratio, (1.0 + di) / (1.0 - di));
        assert_some_close(bid_depth_ratio(&book, 5), 0.5714285714);
    }

    #[test]
    fn b1_weighted_mid_weights_by_the_opposite_side() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let w = weighted_mid(&Book::complete(&bids, &asks), 1).unwrap();
        assert_close(w.wmid, 100.075);
        assert_close(w.offset, 0.025);
        assert_close(w.offset_bps, 2.498750625);
        assert_close(w.offset_half_spreads, 0.5);
        // Heavy bid (3 vs 1) pulls toward the ask: the sign a self-weighted mid gets wrong
        // (−2.498750625).
        assert!(w.offset_bps > 0.0);
        assert_close(
            w.offset_half_spreads,
            depth_imbalance(&Book::complete(&bids, &asks), 1).unwrap(),
        );
    }

    #[test]
    fn b1_weighted_mid_five_levels() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let w = weighted_mid(&Book::complete(&bids, &asks), 5).unwrap();
        assert_close(w.wmid, 100.1021429);
        assert_close(w.offset_bps, 5.211679874);
    }

    #[test]
    fn b1_top_level_size_ratio() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let book = Book::complete(&bids, &asks);
        let bid = top_level_size_ratio(&book, Side::Bid, 5).unwrap();
        assert_close(bid.ratio, 0.75);
        assert_eq!(bid.n_levels, 5);
        assert_close(
            top_level_size_ratio(&book, Side::Ask, 5).unwrap().ratio,
            0.3333333333,
        );
        let both = top_level_size_ratio_combined(&book, 5).unwrap();
        assert_close(both.ratio, 0.5714285714);
        assert_eq!(both.n_levels, 10);
    }

    #[test]
    fn l1_set() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let l1 = l1_imbalance(&Book::complete(&bids, &asks)).unwrap();
        assert_close(l1.imbalance, 2.0);
        assert_some_close(l1.imbalance_ratio, 0.5);
        assert_some_close(l1.bid_ask_ratio, 3.0);
        assert_some_close(l1.bid_percentage, 0.75);
        assert_some_close(l1.ask_percentage, 0.25);
    }

    #[test]
    fn zero_sizes_give_none_not_nan() {
        let bids = [Level::new(100.0, 0.0)];
        let asks = [Level::new(101.0, 0.0)];
        let book = Book::complete(&bids, &asks);
        assert_eq!(depth_imbalance(&book, 5), None);
        assert_eq!(book_pressure(&book, 5), None);
        assert_eq!(bid_depth_ratio(&book, 5), None);
        assert_eq!(weighted_mid(&book, 1), None);
        assert_eq!(top_level_size_ratio(&book, Side::Bid, 5), None);
        assert_eq!(top_level_size_ratio_combined(&book, 5), None);
        let l1 = l1_imbalance(&book).unwrap();
        assert_eq!(l1.imbalance, 0.0);
        assert_eq!(l1.imbalance_ratio, None);
        assert_eq!(l1.bid_ask_ratio, None);
        // Bids but an empty ask queue: the ratio refuses +inf.
        let asks = [Level::new(101.0, 0.0)];
        let bids = [Level::new(100.0, 2.0)];
        let book = Book::complete(&bids, &asks);
        assert_eq!(book_pressure(&book, 5), None);
        assert_eq!(l1_imbalance(&book).unwrap().bid_ask_ratio, None);
        assert_all_finite(&(spread(&book, Some(0.0)), weighted_mid(&book, 5)));
    }

    #[test]
    fn empty_side_disables_two_sided_metrics_only() {
        let bids = b1_bids();
        let book = Book::complete(&bids, &[]);
        assert_eq!(spread(&book, None), None);
        assert_eq!(depth_imbalance(&book, 5), None);
        assert_eq!(weighted_mid(&book, 5), None);
        assert_eq!(l1_imbalance(&book), None);
        assert_eq!(top_level_size_ratio_combined(&book, 5), None);
        // One-sided: still computed.
        assert_some_close(
            top_level_size_ratio(&book, Side::Bid, 5).map(|t| t.ratio),
            0.75,
        );
        assert_eq!(top_level_size_ratio(&book, Side::Ask, 5), None);
        let empty = Book::complete(&[], &[]);
        assert_eq!(depth_imbalance(&empty, 5), None);
    }

    #[test]
    fn crossed_or_locked_book_is_none_everywhere() {
        let bids = [Level::new(100.2, 3.0), Level::new(100.0, 1.0)];
        let asks = [Level::new(100.1, 1.0), Level::new(100.3, 2.0)];
        let locked_asks = [Level::new(100.2, 1.0)];
        for asks in [&asks[..], &locked_asks[..]] {
            let book = Book::complete(&bids, asks);
            assert!(book.is_crossed());
            assert_eq!(spread(&book, Some(0.1)), None);
            assert_eq!(depth_imbalance(&book, 5), None);
            assert_eq!(book_pressure(&book, 5), None);
            assert_eq!(bid_depth_ratio(&book, 5), None);
            assert_eq!(weighted_mid(&book, 5), None);
            assert_eq!(top_level_size_ratio(&book, Side::Bid, 5), None);
            assert_eq!(top_level_size_ratio_combined(&book, 5), None);
            assert_eq!(l1_imbalance(&book), None);
        }
    }
}
