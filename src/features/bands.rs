//! Depth within price bands, and the metrics built on them (§0.1, §1.9, §1.10, §1.13, §2.1, §2.2).
//!
//! Band edges are **inclusive**, compared with a tolerance of `1e-9 · reference` so a level sitting
//! exactly on an edge counts (§0.1: Kaiko's 99.9 bid at the 0.1 % edge of B1). Bands are the
//! cross-venue-comparable view of depth (§0.4), so they must also be honest about truncated books:
//! a band that reaches past what the maintained book is known to cover is flagged `truncated` and
//! its depth is a lower bound; ratios of such bounds are `None`.

use crate::market::Side;

use super::num::{OlsFit, median, ols, ratio};
use super::{Book, BookSide, Level};

/// Relative tolerance for inclusive band edges (§0.1).
const EDGE_TOL: f64 = 1e-9;

/// A band figure together with whether the maintained book covers the whole band.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BandValue {
    /// The sum over the levels the book holds; a **lower bound** when `truncated`.
    pub value: f64,
    /// The band reaches beyond the side's `known_to` bound.
    pub truncated: bool,
}

impl BandValue {
    /// The value when it is exact, `None` when it is only a lower bound.
    pub fn exact(&self) -> Option<f64> {
        (!self.truncated).then_some(self.value)
    }
}

/// Depth in one band, in base units and in quote notional (`Σ p·q`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BandDepth {
    pub base: BandValue,
    pub quote: BandValue,
}

impl BandDepth {
    pub fn truncated(&self) -> bool {
        self.base.truncated
    }
}

/// A ratio of band depths; `None` when either band is truncated (a ratio of lower bounds means
/// nothing) or the denominator is zero.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandRatio {
    pub value: Option<f64>,
    pub truncated: bool,
}

/// What Kaiko-style bands are measured from (§2.1). Kaiko's API documentation says the best
/// price on each side; its research blog says the mid. Record the choice with the output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DepthReference {
    #[default]
    BestOnSide,
    Mid,
}

/// Kaiko's `x` grid in percent (§2.1), ascending.
pub const KAIKO_PCTS: [f64; 16] = [
    0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.5, 2.0, 4.0, 6.0, 8.0, 10.0,
];

/// Hydromancer's cumulative bands in bps from mid (§2.2), ascending.
pub const HYDROMANCER_BPS: [f64; 4] = [2.0, 5.0, 10.0, 25.0];

/// Hydromancer's outer band: `25 bps < d ≤ 500 bps` from mid.
pub const HYDROMANCER_OUTER_BPS: (f64, f64) = (25.0, 500.0);

/// The price `reference` moved away from the touch by the fraction `frac`.
fn edge_price(side: Side, reference: f64, frac: f64) -> f64 {
    match side {
        Side::Bid => reference * (1.0 - frac),
        Side::Ask => reference * (1.0 + frac),
    }
}

/// Whether price `p` lies on the touch side of `edge` (inclusive, with tolerance `tol`).
fn within(side: Side, p: f64, edge: f64, tol: f64) -> bool {
    match side {
        Side::Bid => p >= edge - tol,
        Side::Ask => p <= edge + tol,
    }
}

/// Whether a band ending at `edge` reaches past what `levels` is known to cover.
fn reaches_past_known(side: Side, book_side: &BookSide, edge: f64, tol: f64) -> bool {
    book_side
        .known_to
        .is_some_and(|known| !within(side, edge, known, tol))
}

/// Depth per band, **not** cumulative: each level within the widest of `fracs` (ascending) of
/// `reference` is added to the tightest band holding it, in one pass that stops at the first
/// level past the widest edge. Returns `(base, quote)` per band and the edge prices.
fn band_buckets<const K: usize>(
    side: Side,
    book_side: &BookSide,
    reference: f64,
    fracs: &[f64; K],
) -> ([(f64, f64); K], [f64; K]) {
    debug_assert!(fracs.windows(2).all(|w| w[0] <= w[1]), "bands must ascend");
    let tol = EDGE_TOL * reference;
    let edges = fracs.map(|f| edge_price(side, reference, f));
    let mut buckets = [(0.0, 0.0); K];
    let mut k = 0;
    for level in book_side.levels {
        while k < K && !within(side, level.price, edges[k], tol) {
            k += 1;
        }
        let Some(bucket) = buckets.get_mut(k) else {
            break;
        };
        bucket.0 += level.size;
        bucket.1 += level.notional();
    }
    (buckets, edges)
}

fn band_value(value: f64, truncated: bool) -> Option<BandValue> {
    value.is_finite().then_some(BandValue { value, truncated })
}

/// Cumulative depth within each of `fracs` (ascending) of `reference`. `None` if a sum is not
/// finite (corrupt sizes).
fn cumulative_depths<const K: usize>(
    side: Side,
    book_side: &BookSide,
    reference: f64,
    fracs: &[f64; K],
) -> Option<[BandDepth; K]> {
    let (buckets, edges) = band_buckets(side, book_side, reference, fracs);
    let tol = EDGE_TOL * reference;
    let mut out = [BandDepth::default(); K];
    let (mut base, mut quote) = (0.0, 0.0);
    for i in 0..K {
        base += buckets[i].0;
        quote += buckets[i].1;
        let truncated = reaches_past_known(side, book_side, edges[i], tol);
        out[i] = BandDepth {
            base: band_value(base, truncated)?,
            quote: band_value(quote, truncated)?,
        };
    }
    Some(out)
}

/// Depth `D^x(δ)` within `δ` (a fraction: 25 bps = 0.0025) of the mid, inclusive (§0.1).
pub fn band_depth(book: &Book, side: Side, delta: f64) -> Option<BandDepth> {
    band_depths(book, side, &[delta]).map(|[d]| d)
}

/// [`band_depth`] for several ascending `deltas` in one pass.
pub fn band_depths<const K: usize>(
    book: &Book,
    side: Side,
    deltas: &[f64; K],
) -> Option<[BandDepth; K]> {
    let m = book.touch()?.mid();
    cumulative_depths(side, &book.side(side), m, deltas)
}

/// Depth with `lo < d ≤ hi` from the mid (fractions): Hydromancer's outer band. The inner edge
/// is exclusive with the same tolerance, so it partitions exactly with [`band_depth`]`(lo)`.
pub fn band_depth_between(book: &Book, side: Side, lo: f64, hi: f64) -> Option<BandDepth> {
    let m = book.touch()?.mid();
    let book_side = book.side(side);
    let (buckets, edges) = band_buckets(side, &book_side, m, &[lo, hi]);
    let truncated = reaches_past_known(side, &book_side, edges[1], EDGE_TOL * m);
    let (base, quote) = buckets[1];
    Some(BandDepth {
        base: band_value(base, truncated)?,
        quote: band_value(quote, truncated)?,
    })
}

/// Kaiko `bid_volume_x` / `ask_volume_x` over [`KAIKO_PCTS`] (§2.1): depth within `x %` of the
/// best price on that side (or of the mid). With `BestOnSide` this is one-sided: it needs only
/// its own side, but never a crossed book.
pub fn kaiko_depths(book: &Book, side: Side, reference: DepthReference) -> Option<[BandDepth; 16]> {
    let reference = match reference {
        DepthReference::BestOnSide if !book.is_crossed() => book.side(side).best()?.price,
        DepthReference::BestOnSide => return None,
        DepthReference::Mid => book.touch()?.mid(),
    };
    let fracs = KAIKO_PCTS.map(|x| x / 100.0);
    cumulative_depths(side, &book.side(side), reference, &fracs)
}

/// Hydromancer's `marketLiquidity` bands (§2.2), from the mid, in base and quote units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HydromancerBands {
    /// Cumulative bands at [`HYDROMANCER_BPS`]. A 0 in an inner band on a wide book is real.
    pub bid: [BandDepth; 4],
    pub ask: [BandDepth; 4],
    /// `25 < d ≤ 500 bps`; needs the book to reach 5 % from mid, else `truncated`.
    pub bid_25_to_500: BandDepth,
    pub ask_25_to_500: BandDepth,
}

pub fn hydromancer_bands(book: &Book) -> Option<HydromancerBands> {
    let fracs = HYDROMANCER_BPS.map(|b| b / 1e4);
    let (lo, hi) = (HYDROMANCER_OUTER_BPS.0 / 1e4, HYDROMANCER_OUTER_BPS.1 / 1e4);
    Some(HydromancerBands {
        bid: band_depths(book, Side::Bid, &fracs)?,
        ask: band_depths(book, Side::Ask, &fracs)?,
        bid_25_to_500: band_depth_between(book, Side::Bid, lo, hi)?,
        ask_25_to_500: band_depth_between(book, Side::Ask, lo, hi)?,
    })
}

/// Band depth imbalance `DI(δ) = (D^b − D^a)/(D^b + D^a)` (§1.2), the cross-venue version.
pub fn depth_imbalance_band(book: &Book, delta: f64) -> Option<BandRatio> {
    let b = band_depth(book, Side::Bid, delta)?.base;
    let a = band_depth(book, Side::Ask, delta)?.base;
    let truncated = b.truncated || a.truncated;
    Some(BandRatio {
        value: (!truncated)
            .then(|| ratio(b.value - a.value, b.value + a.value))
            .flatten(),
        truncated,
    })
}

/// One side of `price_impact_coefficient`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SideImpact {
    /// `λ = δ_bps / $D(δ)`, scaled to bps per 1,000,000 quote units. `None` when the band is
    /// empty or truncated (a truncated band would overstate λ).
    pub lambda_bps_per_million: Option<f64>,
    /// `$D(δ) = 0` on a book known to cover the band: a liquidity alarm in itself (§1.10).
    pub band_empty: bool,
    pub truncated: bool,
}

/// `price_impact_coefficient` (§1.10): book-implied Kyle-style λ within band `δ`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PriceImpact {
    pub bid: SideImpact,
    pub ask: SideImpact,
    /// `(λ^ask + λ^bid)/2`, when both exist.
    pub mean_bps_per_million: Option<f64>,
}

pub fn price_impact(book: &Book, delta: f64) -> Option<PriceImpact> {
    let delta_bps = delta * 1e4;
    let side = |side| {
        band_depth(book, side, delta).map(|d| {
            let q = d.quote;
            SideImpact {
                lambda_bps_per_million: q.exact().and_then(|usd| ratio(delta_bps * 1e6, usd)),
                band_empty: !q.truncated && q.value == 0.0,
                truncated: q.truncated,
            }
        })
    };
    let (bid, ask) = (side(Side::Bid)?, side(Side::Ask)?);
    let mean = match (bid.lambda_bps_per_million, ask.lambda_bps_per_million) {
        (Some(b), Some(a)) => Some((a + b) / 2.0),
        _ => None,
    };
    Some(PriceImpact {
        bid,
        ask,
        mean_bps_per_million: mean,
    })
}

/// The **realised** Kyle λ that validates the book-implied one (§1.10): the OLS slope of mid
/// returns (bps) on signed taker notional, bucket by bucket (1-min buckets over a rolling hour in
/// production). The units of λ are bps per unit of `signed_notional`.
pub fn realised_kyle_lambda(signed_notional: &[f64], returns_bps: &[f64]) -> Option<OlsFit> {
    if signed_notional.len() != returns_bps.len() {
        return None;
    }
    ols(signed_notional
        .iter()
        .copied()
        .zip(returns_bps.iter().copied()))
}

/// The large-resting-level threshold θ (§0.5) for one side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LevelThreshold {
    /// A size in base units (the spec's hand-checkable tests state θ this way).
    Base(f64),
    /// A quote notional (the production default).
    Notional(f64),
}

impl LevelThreshold {
    /// Whether `size` base units at `price` reach θ (inclusive).
    pub fn is_large(&self, price: f64, size: f64) -> bool {
        match *self {
            LevelThreshold::Base(q) => size >= q,
            LevelThreshold::Notional(n) => price * size >= n,
        }
    }
}

/// §0.5 default θ for one side: `max(5 × median level notional of its top 20 levels, floor)`.
pub fn level_threshold(levels: &[Level], floor_notional: f64) -> LevelThreshold {
    let mut notionals = [0.0; 20];
    let top = &levels[..levels.len().min(20)];
    for (n, l) in notionals.iter_mut().zip(top) {
        *n = l.notional();
    }
    let med = median(&notionals[..top.len()]).unwrap_or(0.0);
    LevelThreshold::Notional((5.0 * med).max(floor_notional))
}

/// Resting-size shares within a band of the mid (§1.13 `large_level_share`, §1.9
/// `large_resting_bid_share`). Reported apart from trade-based pressure because resting size can
/// be spoofed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LargeLevelShares {
    /// Notional of large levels over all notional in the band, both sides.
    pub large_level_share: Option<f64>,
    /// `$L^b / ($L^b + $L^a)`.
    pub large_resting_bid_share: Option<f64>,
    pub truncated: bool,
}

pub fn large_level_shares(
    book: &Book,
    delta: f64,
    bid_threshold: LevelThreshold,
    ask_threshold: LevelThreshold,
) -> Option<LargeLevelShares> {
    let m = book.touch()?.mid();
    let tol = EDGE_TOL * m;
    let side_sums = |side: Side, theta: LevelThreshold| {
        let book_side = book.side(side);
        let edge = edge_price(side, m, delta);
        let (mut large, mut all) = (0.0, 0.0);
        for l in book_side
            .levels
            .iter()
            .take_while(|l| within(side, l.price, edge, tol))
        {
            all += l.notional();
            if theta.is_large(l.price, l.size) {
                large += l.notional();
            }
        }
        (large, all, reaches_past_known(side, &book_side, edge, tol))
    };
    let (lb, all_b, trunc_b) = side_sums(Side::Bid, bid_threshold);
    let (la, all_a, trunc_a) = side_sums(Side::Ask, ask_threshold);
    let truncated = trunc_b || trunc_a;
    let exact = |x: Option<f64>| if truncated { None } else { x };
    Some(LargeLevelShares {
        large_level_share: exact(ratio(lb + la, all_b + all_a)),
        large_resting_bid_share: exact(ratio(lb, lb + la)),
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::{
        assert_all_finite, assert_close, assert_some_close, b1_asks, b1_bids,
    };

    fn pct_index(x: f64) -> usize {
        KAIKO_PCTS.iter().position(|p| *p == x).unwrap()
    }

    #[test]
    fn kaiko_grid_is_the_documented_one() {
        assert_eq!(KAIKO_PCTS[0], 0.1);
        assert_eq!(KAIKO_PCTS[9], 1.0);
        assert_eq!(KAIKO_PCTS[15], 10.0);
    }

    #[test]
    fn b1_kaiko_bands_are_inclusive_from_best() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let book = Book::complete(&bids, &asks);
        let b = kaiko_depths(&book, Side::Bid, DepthReference::BestOnSide).unwrap();
        let a = kaiko_depths(&book, Side::Ask, DepthReference::BestOnSide).unwrap();
        // 99.9 sits exactly on the 0.1 % edge: inclusive gives 8, a strict `>` would give 3.
        assert_eq!(b[pct_index(0.1)].base.exact(), Some(8.0));
        assert_eq!(b[pct_index(0.2)].base.exact(), Some(10.0));
        assert_eq!(a[pct_index(0.1)].base.exact(), Some(5.0));
        assert_eq!(a[pct_index(0.3)].base.exact(), Some(10.0));
        assert_close(a[pct_index(0.1)].quote.value, 100.1 + 400.8);
    }

    #[test]
    fn kaiko_from_mid_is_the_configurable_alternative() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let book = Book::complete(&bids, &asks);
        let b = kaiko_depths(&book, Side::Bid, DepthReference::Mid).unwrap();
        // Within 0.1 % of 100.05 (≥ 99.94995): only the 100.0 bid.
        assert_eq!(b[pct_index(0.1)].base.value, 3.0);
    }

    #[test]
    fn kaiko_best_on_side_is_one_sided() {
        let bids = b1_bids();
        let book = Book::complete(&bids, &[]);
        let b = kaiko_depths(&book, Side::Bid, DepthReference::BestOnSide).unwrap();
        assert_eq!(b[pct_index(0.2)].base.value, 10.0);
        assert_eq!(
            kaiko_depths(&book, Side::Ask, DepthReference::BestOnSide),
            None
        );
        assert_eq!(kaiko_depths(&book, Side::Bid, DepthReference::Mid), None);
    }

    #[test]
    fn b1_hydromancer_bands() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let h = hydromancer_bands(&Book::complete(&bids, &asks)).unwrap();
        let base = |b: &[BandDepth; 4]| b.map(|d| d.base.exact().unwrap());
        // The 100.0 bid is 4.9975 bps from mid and 99.8 is 24.9875 bps: inclusive edges matter.
        assert_eq!(base(&h.bid), [0.0, 3.0, 3.0, 10.0]);
        assert_eq!(base(&h.ask), [0.0, 1.0, 1.0, 8.0]);
        assert_eq!(h.bid_25_to_500.base.exact(), Some(10.0));
        assert_eq!(h.ask_25_to_500.base.exact(), Some(7.0));
        assert_close(h.ask_25_to_500.quote.value, 100.4 * 2.0 + 100.5 * 5.0);
    }

    #[test]
    fn outer_band_partitions_exactly_with_the_inner_one() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let book = Book::complete(&bids, &asks);
        for side in [Side::Bid, Side::Ask] {
            let inner = band_depth(&book, side, 0.0025).unwrap().base.value;
            let outer = band_depth_between(&book, side, 0.0025, 0.05)
                .unwrap()
                .base
                .value;
            let total: f64 = book.side(side).levels.iter().map(|l| l.size).sum();
            assert_eq!(inner + outer, total);
        }
    }

    #[test]
    fn truncated_bands_are_lower_bounds_never_silent_zeros() {
        let (bids, asks) = (b1_bids(), b1_asks());
        // A depth-3 view: known down to 99.8 and up to 100.3.
        let book = Book::new(BookSide::prefix(&bids[..3]), BookSide::prefix(&asks[..3]));
        let h = hydromancer_bands(&book).unwrap();
        // 10 bps from 100.05 is 99.94995, inside the known range: exact.
        assert_eq!(h.bid[2].base.exact(), Some(3.0));
        // 25 bps is 99.799875, just past the known 99.8: a level at 99.7999 could be missing.
        assert!(h.bid[3].truncated());
        assert_eq!(h.bid[3].base.value, 10.0);
        // 25 bps up is 100.300125, beyond the known 100.3: a lower bound.
        assert!(h.ask[3].truncated());
        assert_eq!(h.ask[3].base.exact(), None);
        assert_eq!(h.ask[3].base.value, 8.0);
        // The outer band needs 500 bps: truncated on both sides, and 0 known on the bid side.
        assert!(h.bid_25_to_500.truncated());
        assert_eq!(h.bid_25_to_500.base.value, 0.0);
        assert_eq!(h.bid_25_to_500.base.exact(), None);
        // The inner bands stay exact.
        assert_eq!(h.ask[0].base.exact(), Some(0.0));
        let di = depth_imbalance_band(&book, 0.0025).unwrap();
        assert!(di.truncated);
        assert_eq!(di.value, None);
        let k = kaiko_depths(&book, Side::Bid, DepthReference::BestOnSide).unwrap();
        // 0.2 % below the best bid is exactly the known 99.8: covered, so exact.
        assert_eq!(k[pct_index(0.2)].base.exact(), Some(10.0));
        assert!(k[pct_index(0.3)].truncated());
    }

    #[test]
    fn known_bound_beyond_band_is_exact_even_with_few_levels() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let book = Book::new(
            BookSide::known_to(&bids, 90.0),
            BookSide::known_to(&asks, 110.0),
        );
        let h = hydromancer_bands(&book).unwrap();
        assert_eq!(h.bid_25_to_500.base.exact(), Some(10.0));
        assert_eq!(h.ask_25_to_500.base.exact(), Some(7.0));
    }

    #[test]
    fn b1_price_impact() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let book = Book::complete(&bids, &asks);
        let per_100_quote = |x: Option<f64>| x.map(|v| v * 100.0 / 1e6);
        let i10 = price_impact(&book, 0.0010).unwrap();
        assert_some_close(per_100_quote(i10.bid.lambda_bps_per_million), 3.333333333);
        assert_some_close(per_100_quote(i10.ask.lambda_bps_per_million), 9.99000999);
        assert_some_close(per_100_quote(i10.mean_bps_per_million), 6.661671662);
        let i25 = price_impact(&book, 0.0025).unwrap();
        assert_some_close(per_100_quote(i25.bid.lambda_bps_per_million), 2.502252027);
        assert_some_close(per_100_quote(i25.ask.lambda_bps_per_million), 3.117984535);
        assert_some_close(per_100_quote(i25.mean_bps_per_million), 2.810118281);
        assert_close(
            band_depth(&book, Side::Bid, 0.0025).unwrap().quote.value,
            999.1,
        );
        assert_close(
            band_depth(&book, Side::Ask, 0.0025).unwrap().quote.value,
            801.8,
        );
    }

    #[test]
    fn realised_kyle_lambda_spec_values() {
        // §1.10: x = [1,−2,3,0,−1] ($k), r = [0.5,−1.1,1.4,0.1,−0.4] bps.
        let fit = realised_kyle_lambda(&[1.0, -2.0, 3.0, 0.0, -1.0], &[0.5, -1.1, 1.4, 0.1, -0.4])
            .unwrap();
        assert_close(fit.slope, 0.4864864865);
        assert_close(fit.intercept, 0.002702702703);
        assert_some_close(fit.r2, 0.9894640403);
        assert_eq!(realised_kyle_lambda(&[1.0], &[1.0, 2.0]), None);
    }

    #[test]
    fn empty_band_is_flagged_not_infinite() {
        // Spread wider than 2δ: nothing within 2 bps of mid.
        let (bids, asks) = (b1_bids(), b1_asks());
        let book = Book::complete(&bids, &asks);
        let i = price_impact(&book, 0.0002).unwrap();
        assert!(i.bid.band_empty && i.ask.band_empty);
        assert_eq!(i.bid.lambda_bps_per_million, None);
        assert_eq!(i.mean_bps_per_million, None);
        assert_all_finite(&i);
        // A truncated band is not "empty": it is unknown.
        let book = Book::new(BookSide::prefix(&bids[..1]), BookSide::prefix(&asks[..1]));
        let i = price_impact(&book, 0.0025).unwrap();
        assert!(i.bid.truncated && !i.bid.band_empty);
        assert_eq!(i.bid.lambda_bps_per_million, None);
    }

    #[test]
    fn b1_large_level_shares() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let book = Book::complete(&bids, &asks);
        let theta = LevelThreshold::Base(5.0);
        let s = large_level_shares(&book, 0.005, theta, theta).unwrap();
        assert_some_close(s.large_level_share, 0.457095521);
        assert_some_close(s.large_resting_bid_share, 0.6859767529);
        // Notional θ: 5 units at ~100 is ~500 quote.
        let theta = LevelThreshold::Notional(498.0);
        let s = large_level_shares(&book, 0.005, theta, theta).unwrap();
        assert_some_close(s.large_level_share, 0.457095521);
        let truncated = Book::new(BookSide::prefix(&bids[..2]), BookSide::complete(&asks));
        let s = large_level_shares(&truncated, 0.005, theta, theta).unwrap();
        assert!(s.truncated);
        assert_eq!(s.large_level_share, None);
    }

    #[test]
    fn level_threshold_uses_the_median_notional_or_the_floor() {
        let bids = b1_bids();
        // Median notional of 300, 499.5, 199.6, 598.2, 398.4 is 398.4.
        assert_eq!(
            level_threshold(&bids, 50.0),
            LevelThreshold::Notional(5.0 * 398.4)
        );
        assert_eq!(
            level_threshold(&bids, 50_000.0),
            LevelThreshold::Notional(50_000.0)
        );
        assert_eq!(
            level_threshold(&[], 50_000.0),
            LevelThreshold::Notional(50_000.0)
        );
    }

    #[test]
    fn crossed_or_empty_books_give_none() {
        let bids = [Level::new(100.2, 3.0)];
        let asks = [Level::new(100.1, 1.0)];
        let crossed = Book::complete(&bids, &asks);
        assert_eq!(band_depth(&crossed, Side::Bid, 0.0025), None);
        assert_eq!(hydromancer_bands(&crossed), None);
        assert_eq!(
            kaiko_depths(&crossed, Side::Bid, DepthReference::BestOnSide),
            None
        );
        assert_eq!(price_impact(&crossed, 0.001), None);
        assert_eq!(depth_imbalance_band(&crossed, 0.0025), None);
        let theta = LevelThreshold::Base(1.0);
        assert_eq!(large_level_shares(&crossed, 0.005, theta, theta), None);
        let empty = Book::complete(&[], &[]);
        assert_eq!(hydromancer_bands(&empty), None);
    }
}
