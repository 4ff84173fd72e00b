//! The L2 order book: exact levels, depth coverage, and the views features and checksums read.
//!
//! A [`Book`] holds what the venue told us, in the venue's units and wire form. It knows how far
//! its knowledge reaches ([`Coverage`]): after a 1000-level Binance snapshot, prices beyond the
//! 1000th level are *unknown*, not empty, and a depth band that reaches past them must say so.
//! It never repairs itself: a crossed book is reported ([`Book::crossing`]) so the caller can
//! resync, never "fixed" by deleting levels.

pub mod checksum;
mod devec;
mod side;
mod text;

pub use side::{BookSide, Level};
pub use text::TextForm;

use crate::market::Side;
use crate::num::Dec;

/// How the venue keeps the book's depth, which decides truncation and coverage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepthModel {
    /// The venue keeps the best `n` levels of each side current and sends no delete for levels
    /// that fall out of range (Kraken), or keeps `n` itself (Bybit, OKX). The book is cut to `n`
    /// after every message; a side holding fewer than `n` levels is complete.
    Maintained(usize),
    /// A snapshot of limited depth, then diffs for every price (Binance): beyond the snapshot's
    /// last level nothing is known, whatever the diffs later add there.
    SnapshotThenDiffs,
}

/// How far one side of the book is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// Every level of the side is in the book.
    Complete,
    /// Levels at or better than this price are known; beyond it the venue may hold levels we
    /// have not seen.
    KnownTo(Dec),
}

/// A single-venue book whose best bid is at or above its best ask: a desync symptom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crossing {
    /// Best bid equals best ask.
    Locked,
    /// Best bid above best ask.
    Crossed,
}

/// An L2 order book for one instrument on one venue.
#[derive(Clone, Debug)]
pub struct Book {
    bids: BookSide,
    asks: BookSide,
    depth: DepthModel,
    bid_coverage: Coverage,
    ask_coverage: Coverage,
}

impl Book {
    pub fn new(depth: DepthModel) -> Self {
        Book {
            bids: BookSide::new(Side::Bid),
            asks: BookSide::new(Side::Ask),
            depth,
            bid_coverage: Coverage::Complete,
            ask_coverage: Coverage::Complete,
        }
    }

    pub fn depth_model(&self) -> DepthModel {
        self.depth
    }

    pub fn side(&self, side: Side) -> &BookSide {
        match side {
            Side::Bid => &self.bids,
            Side::Ask => &self.asks,
        }
    }

    fn side_mut(&mut self, side: Side) -> &mut BookSide {
        match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        }
    }

    pub fn bids(&self) -> &BookSide {
        &self.bids
    }

    pub fn asks(&self) -> &BookSide {
        &self.asks
    }

    /// Replace the whole book with a snapshot. `limit` is the most levels per side the snapshot
    /// could carry (the REST `limit`, the subscribed depth); a side that came back full is known
    /// only down to its last level. `None` means the snapshot is the venue's full book.
    pub fn load_snapshot(
        &mut self,
        bids: impl IntoIterator<Item = Level>,
        asks: impl IntoIterator<Item = Level>,
        limit: Option<usize>,
    ) {
        self.bids.replace(bids);
        self.asks.replace(asks);
        if let DepthModel::Maintained(n) = self.depth {
            self.bids.truncate(n, |_| {});
            self.asks.truncate(n, |_| {});
        }
        let limit = match self.depth {
            DepthModel::Maintained(n) => Some(limit.map_or(n, |l| l.min(n))),
            DepthModel::SnapshotThenDiffs => limit,
        };
        self.bid_coverage = coverage_of(&self.bids, limit);
        self.ask_coverage = coverage_of(&self.asks, limit);
    }

    /// Apply one level from a delta (size 0 deletes). Returns the size the level had before.
    pub fn apply(&mut self, side: Side, price: Dec, size: Dec) -> Option<Dec> {
        self.side_mut(side).set(price, size)
    }

    /// Finish a delta message: a maintained book is cut back to its depth (each level dropped
    /// is reported, since the venue will not send a delete for it) and its coverage follows.
    /// The next message's search starts again from the touch.
    pub fn end_message(&mut self, mut removed: impl FnMut(Side, Level)) {
        self.bids.rewind();
        self.asks.rewind();
        if let DepthModel::Maintained(n) = self.depth {
            self.bids.truncate(n, |l| removed(Side::Bid, l));
            self.asks.truncate(n, |l| removed(Side::Ask, l));
            self.bid_coverage = coverage_of(&self.bids, Some(n));
            self.ask_coverage = coverage_of(&self.asks, Some(n));
        }
    }

    /// Empty the book (a resync begins); it stays empty until the next snapshot.
    pub fn clear(&mut self) {
        self.bids.clear();
        self.asks.clear();
        self.bid_coverage = Coverage::Complete;
        self.ask_coverage = Coverage::Complete;
    }

    pub fn coverage(&self, side: Side) -> Coverage {
        match side {
            Side::Bid => self.bid_coverage,
            Side::Ask => self.ask_coverage,
        }
    }

    /// Whether the book is known to hold every level at `price` or better on `side`.
    pub fn is_known(&self, side: Side, price: Dec) -> bool {
        match self.coverage(side) {
            Coverage::Complete => true,
            Coverage::KnownTo(bound) => match side {
                Side::Bid => price >= bound,
                Side::Ask => price <= bound,
            },
        }
    }

    pub fn best_bid(&self) -> Option<&Level> {
        self.bids.best()
    }

    pub fn best_ask(&self) -> Option<&Level> {
        self.asks.best()
    }

    /// `(best bid + best ask) / 2`, for features; `None` if a side is empty.
    pub fn mid(&self) -> Option<f64> {
        let (b, a) = (self.best_bid()?, self.best_ask()?);
        Some((b.price.to_f64() + a.price.to_f64()) / 2.0)
    }

    /// Best ask minus best bid, exactly; `None` if a side is empty.
    pub fn spread(&self) -> Option<Dec> {
        self.best_ask()?.price.checked_sub(self.best_bid()?.price)
    }

    /// Whether best bid ≥ best ask.
    pub fn crossing(&self) -> Option<Crossing> {
        let (b, a) = (self.best_bid()?, self.best_ask()?);
        match b.price.cmp(&a.price) {
            std::cmp::Ordering::Less => None,
            std::cmp::Ordering::Equal => Some(Crossing::Locked),
            std::cmp::Ordering::Greater => Some(Crossing::Crossed),
        }
    }

    /// The best `n` levels of a side, best first.
    pub fn top(&self, side: Side, n: usize) -> impl Iterator<Item = &Level> {
        self.side(side).iter().take(n)
    }

    /// The best `n` levels of a side with the running total size (in the venue's size unit).
    pub fn cumulative(&self, side: Side, n: usize) -> impl Iterator<Item = (&Level, f64)> {
        self.top(side, n).scan(0.0, |total, level| {
            *total += level.size.to_f64();
            Some((level, *total))
        })
    }
}

fn coverage_of(side: &BookSide, limit: Option<usize>) -> Coverage {
    match (limit, side.worst()) {
        (Some(limit), Some(worst)) if side.len() >= limit => Coverage::KnownTo(worst.price),
        _ => Coverage::Complete,
    }
}

#[cfg(test)]
mod tests;
