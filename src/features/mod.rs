//! Pure feature math: books, trades and liquidations in, market features out
//! (`shared/spec/features.md`).
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
//! - [`window`], [`time_weighted`], [`grid`]: the shared window primitives (§0.3, §0.6);

pub mod grid;
pub mod num;
pub mod time_weighted;
pub mod window;

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
