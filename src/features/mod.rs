//! Pure feature math: books, trades and liquidations in, market features out
//! (`docs/metrics.md`; a `§` number anywhere in the code is a section of that page).
//!
//! Nothing here does IO, spawns tasks or draws: the engine feeds these functions and calculators
//! and publishes what they return. Two rules run through every file:
//!
//! - **No made-up numbers.** A value that is undefined (empty side, zero depth, warm-up, a band
//!   the maintained book does not reach) is `None` or carries an explicit flag; nothing returns
//!   NaN or ±inf (§0.2). A crossed or locked book yields `None` for every two-sided metric.
//! - **Exchange time.** Windows are half-open `(t − W, t]` in exchange event time
//!   ([`Millis`]), as §0.1 requires; calculators clamp a late event to the latest time they have
//!   seen so their ring buffers stay ordered.
//!
//! File map (spec sections in brackets):
//! - [`book_metrics`]: spread, depth imbalance, book pressure, weighted mid, bid depth ratio,
//!   top-level size ratio, the L1 set (§1.1–1.7, §2.4);
//! - [`bands`]: depth bands with known-depth truncation, Kaiko and Hydromancer bands, price impact,
//!   large-level shares (§0.1, §1.9–1.10, §1.13, §2.1–2.2);
//! - [`slippage`]: walking the book for a quote or base order (§2.3);
//! - [`window`], [`time_weighted`], [`grid`]: the shared window primitives (§0.3, §0.6);
//! - [`ofi`], [`level_ofi`]: order-flow imbalance at the touch and per level (§1.3, §1.11);
//! - [`spread_vol`]: grid-sampled spread volatility (§1.8);
//! - [`prints`], [`flow`], [`baseline`]: trade dedup and taker-print merging, CVD, taker ratios,
//!   large trades, per-minute baselines (§1.9, §3.1–3.3, §4);
//! - [`vpin`]: flow toxicity in volume buckets (§3.4, optional);
//! - [`liquidations`], [`cascade`], [`hawkes`]: liquidation rates, imbalance, cascade stress and
//!   the Hawkes excitation (§3.5–3.8);
//! - [`attribution`], [`phantom`], [`large_orders`], [`level_activity`]: the level-change
//!   trackers behind `phantom_liquidity_score` and `large_order_activity` (§10.1, §1.13);
//! - [`composites`], [`dislocation`]: composites, `agreement()` and cross-venue dislocation
//!   (§3.13, §4, §10.8);
//! - [`detectors`]: the other market-protection detectors and the integrity score (§10.2–10.7,
//!   §10.9);
//! - [`derivatives`]: funding and open-interest consensus across perpetuals (§3.13);
//! - [`lead_lag`]: which book's order flow leads (§3.12);
//! - [`zones`]: support and resistance zones from resting depth (§5);
//! - [`arbitrage`]: cross-venue edges net of taker fees (§9);
//! - [`regime`], [`drift`], [`consensus`]: the HMM regime filter, feature drift (PSI, KS,
//!   Page–Hinkley, ADWIN) and the multi-model consensus (§6–§8);
//! - [`alias`]: market-data names mapped to this spec's honest names (§12).

pub mod alias;
pub mod arbitrage;
pub mod attribution;
pub mod bands;
pub mod baseline;
pub mod book_metrics;
pub mod cascade;
pub mod composites;
pub mod consensus;
pub mod derivatives;
pub mod detectors;
pub mod dislocation;
pub mod drift;
pub mod flow;
pub mod grid;
pub mod hawkes;
pub mod large_orders;
pub mod lead_lag;
pub mod level_activity;
pub mod level_ofi;
pub mod liquidations;
pub mod num;
pub mod ofi;
pub mod phantom;
pub mod prints;
pub mod regime;
pub mod slippage;
pub mod spread_vol;
pub mod time_weighted;
pub mod vpin;
pub mod window;
pub mod zones;

#[cfg(test)]
pub(crate) mod testutil;

use crate::market::{LiquidatedPosition, Millis, Side, TakerSide};

/// One price level: `size` is in **base units** (contracts are converted at ingest, §0.4).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Level {
    pub price: f64,
    pub size: f64,
}

impl Level {
    pub const fn new(price: f64, size: f64) -> Self {
        Level { price, size }
    }

    /// `p · q` in quote currency.
    pub fn notional(&self) -> f64 {
        self.price * self.size
    }
}

/// One side of a book as the feature functions see it: levels best-first, plus how far the
/// maintained book is known to reach.
///
/// A depth-20 stream, or a top-N prefix of a full book, does not show what rests beyond its last
/// level. `known_to` is the worst price up to which `levels` holds **every** resting level
/// (`None`: `levels` is the whole side). A band reaching past it is reported as truncated (a lower
/// bound) instead of silently under-counting (§2.1, §2.2).
#[derive(Clone, Copy, Debug)]
pub struct BookSide<'a> {
    pub levels: &'a [Level],
    pub known_to: Option<f64>,
}

impl<'a> BookSide<'a> {
    /// `levels` is the whole side.
    pub const fn complete(levels: &'a [Level]) -> Self {
        BookSide {
            levels,
            known_to: None,
        }
    }

    /// `levels` holds every resting level up to `known_to`; nothing is known beyond it.
    pub const fn known_to(levels: &'a [Level], known_to: f64) -> Self {
        BookSide {
            levels,
            known_to: Some(known_to),
        }
    }

    /// A prefix of a fuller side: complete only up to its own last level. An empty prefix is
    /// taken as an empty side.
    pub fn prefix(levels: &'a [Level]) -> Self {
        BookSide {
            levels,
            known_to: levels.last().map(|l| l.price),
        }
    }

    pub fn best(&self) -> Option<Level> {
        self.levels.first().copied()
    }
}

/// Both sides of one venue's book.
#[derive(Clone, Copy, Debug)]
pub struct Book<'a> {
    pub bids: BookSide<'a>,
    pub asks: BookSide<'a>,
}

impl<'a> Book<'a> {
    pub const fn new(bids: BookSide<'a>, asks: BookSide<'a>) -> Self {
        Book { bids, asks }
    }

    /// A book whose slices are the whole sides.
    pub const fn complete(bids: &'a [Level], asks: &'a [Level]) -> Self {
        Book {
            bids: BookSide::complete(bids),
            asks: BookSide::complete(asks),
        }
    }

    pub fn side(&self, side: Side) -> BookSide<'a> {
        match side {
            Side::Bid => self.bids,
            Side::Ask => self.asks,
        }
    }

    /// The best levels when both sides are present and the book is neither crossed nor locked.
    pub fn touch(&self) -> Option<Touch> {
        Touch::new(self.bids.best()?, self.asks.best()?)
    }

    /// Best bid at or above best ask: a desync symptom on a single venue (§0.2).
    pub fn is_crossed(&self) -> bool {
        match (self.bids.best(), self.asks.best()) {
            (Some(b), Some(a)) => b.price >= a.price,
            _ => false,
        }
    }
}

/// The best bid and ask of a valid book: both present, finite, and `bid < ask`.
///
/// Every two-sided metric starts from a `Touch`, which is how a crossed or locked book turns into
/// `None` everywhere (§0.2) without each function re-checking.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Touch {
    pub bid: Level,
    pub ask: Level,
}

impl Touch {
    pub fn new(bid: Level, ask: Level) -> Option<Self> {
        // `bid + ask` finite keeps `mid()` finite by construction.
        let finite = [
            bid.price,
            bid.size,
            ask.price,
            ask.size,
            bid.price + ask.price,
        ]
        .iter()
        .all(|x| x.is_finite());
        (finite && bid.price > 0.0 && bid.price < ask.price).then_some(Touch { bid, ask })
    }

    /// `m = (p^b_1 + p^a_1) / 2`.
    pub fn mid(&self) -> f64 {
        num::debug_finite((self.bid.price + self.ask.price) / 2.0)
    }

    /// `s = p^a_1 − p^b_1`, always `> 0`.
    pub fn spread(&self) -> f64 {
        num::debug_finite(self.ask.price - self.bid.price)
    }

    pub fn best(&self, side: Side) -> Level {
        match side {
            Side::Bid => self.bid,
            Side::Ask => self.ask,
        }
    }
}

/// A trade as printed by the venue. `taker` is `None` when the venue did not say (such volume is
/// reported as `unsided_volume`, §3.1); `id` is the venue's trade id mapped to `u64` by the
/// adapter, used to drop replays after a reconnect.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trade {
    pub t: Millis,
    pub price: f64,
    pub size: f64,
    pub taker: Option<TakerSide>,
    pub id: Option<u64>,
}

impl Trade {
    pub fn notional(&self) -> f64 {
        self.price * self.size
    }
}

/// A forced order, normalised at ingest to the position it closed (§3.6) and its quote
/// notional.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Liquidation {
    pub t: Millis,
    pub position: LiquidatedPosition,
    pub notional: f64,
}

/// One price level changing size, as the book applies a diff. Sizes in base units; a new level
/// has `old_size = 0`, a removed one `new_size = 0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LevelChange {
    pub t: Millis,
    pub side: Side,
    pub price: f64,
    pub old_size: f64,
    pub new_size: f64,
}

/// The book side a taker consumed: a taker buy lifts asks, a taker sell hits bids.
pub const fn side_hit(taker: TakerSide) -> Side {
    match taker {
        TakerSide::Buy => Side::Ask,
        TakerSide::Sell => Side::Bid,
    }
}

#[cfg(test)]
mod tests {
    use super::bands::{
        DepthReference, LevelThreshold, depth_imbalance_band, hydromancer_bands, kaiko_depths,
        large_level_shares, price_impact,
    };
    use super::book_metrics::{
        bid_depth_ratio, book_pressure, depth_imbalance, l1_imbalance, spread,
        top_level_size_ratio, top_level_size_ratio_combined, weighted_mid,
    };
    use super::slippage::{OrderSize, SlippageRef, slippage};
    use super::testutil::{assert_all_finite, b1_asks, b1_bids};
    use super::*;

    /// Every snapshot function over one book, as the engine would call them per tick.
    fn all_snapshot_metrics(book: &Book) -> String {
        let theta = LevelThreshold::Base(1.0);
        format!(
            "{:?}",
            (
                (
                    spread(book, Some(0.1)),
                    depth_imbalance(book, 10),
                    book_pressure(book, 10),
                    bid_depth_ratio(book, 10),
                    weighted_mid(book, 1),
                    weighted_mid(book, 10),
                    top_level_size_ratio(book, Side::Bid, 10),
                    top_level_size_ratio(book, Side::Ask, 10),
                    top_level_size_ratio_combined(book, 10),
                    l1_imbalance(book),
                ),
                (
                    kaiko_depths(book, Side::Bid, DepthReference::BestOnSide),
                    kaiko_depths(book, Side::Ask, DepthReference::Mid),
                    hydromancer_bands(book),
                    depth_imbalance_band(book, 0.0025),
                    price_impact(book, 0.001),
                    large_level_shares(book, 0.005, theta, theta),
                    slippage(
                        book,
                        TakerSide::Buy,
                        OrderSize::Quote(1e6),
                        SlippageRef::Mid
                    ),
                    slippage(
                        book,
                        TakerSide::Sell,
                        OrderSize::Base(1.0),
                        SlippageRef::Best
                    ),
                ),
            )
        )
    }

    #[test]
    fn no_snapshot_metric_emits_nan_or_inf_on_edge_books() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let zero = [Level::new(100.0, 0.0)];
        let zero_ask = [Level::new(100.1, 0.0)];
        let crossed = [Level::new(100.5, 1.0)];
        let huge = [Level::new(100.0, 1e308), Level::new(99.0, 1e308)];
        let huge_bid = [Level::new(1e308, 1.0)];
        let huge_ask = [Level::new(1.7e308, 1.0)];
        let tiny_ask = [Level::new(100.1, 1e-300)];
        let books = [
            Book::complete(&bids, &asks),
            Book::complete(&[], &[]),
            Book::complete(&bids, &[]),
            Book::complete(&[], &asks),
            Book::complete(&zero, &zero_ask),
            Book::complete(&crossed, &asks),
            Book::complete(&huge, &tiny_ask),
            Book::complete(&huge_bid, &huge_ask),
            Book::new(BookSide::prefix(&bids[..1]), BookSide::prefix(&[])),
            Book::new(
                BookSide::known_to(&bids, f64::NAN),
                BookSide::complete(&asks),
            ),
        ];
        for book in &books {
            let s = all_snapshot_metrics(book);
            assert_all_finite(&s);
        }
    }
}
