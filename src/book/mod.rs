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

/// The most levels a book keeps per side unless told otherwise: well above any venue's
/// window (Binance snapshots reach 5,000 levels, Coinbase's full book tens of thousands), and a
/// bound on what one hostile or broken stream can make a book hold. Levels beyond it are the
/// worst ones; they are cut, counted, and the side is known only down to its last kept level.
pub const MAX_LEVELS: usize = 200_000;

/// Messages with at least this many levels for one side are applied as one sorted merge
/// ([`BookSide::set_all`]) rather than level by level: below it, the venues' own order (best
/// first, near the last change) makes each level's search and move short.
pub const BATCH_LEVELS: usize = 1024;

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
    /// Levels kept per side at most ([`MAX_LEVELS`] by default).
    max_levels: usize,
    /// Levels cut by `max_levels` so far.
    capped: u64,
    /// Levels a merge cut per side (bids, asks) in the message under way, for the coverage
    /// [`Book::end_message`] sets.
    merge_cut: [usize; 2],
}

impl Book {
    pub fn new(depth: DepthModel) -> Self {
        Book {
            bids: BookSide::new(Side::Bid),
            asks: BookSide::new(Side::Ask),
            depth,
            bid_coverage: Coverage::Complete,
            ask_coverage: Coverage::Complete,
            max_levels: MAX_LEVELS,
            capped: 0,
            merge_cut: [0; 2],
        }
    }

    /// Keep at most `n` levels per side (at least 1).
    pub fn with_max_levels(mut self, n: usize) -> Self {
        self.max_levels = n.max(1);
        self
    }

    /// How many levels the per-side bound has cut so far (never reset: a count for the
    /// health figures and reports).
    pub fn capped_levels(&self) -> u64 {
        self.capped
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
        self.merge_cut = [0; 2];
        let limit = match self.depth {
            DepthModel::Maintained(n) => Some(limit.map_or(n, |l| l.min(n))),
            DepthModel::SnapshotThenDiffs => limit,
        };
        let keep = self.kept_depth();
        let limit = limit.map_or(keep, |l| l.min(keep));
        for side in [Side::Bid, Side::Ask] {
            self.cut(side, keep, |_, _| {});
        }
        self.bid_coverage = coverage_of(&self.bids, Some(limit));
        self.ask_coverage = coverage_of(&self.asks, Some(limit));
    }

    /// The most levels a side keeps: the venue's window, or the book's bound.
    fn kept_depth(&self) -> usize {
        match self.depth {
            DepthModel::Maintained(n) => n.min(self.max_levels),
            DepthModel::SnapshotThenDiffs => self.max_levels,
        }
    }

    /// Apply a delta message's levels in message order (size 0 deletes); a side with
    /// [`BATCH_LEVELS`] or more of them is applied as one sorted merge, cut to the kept depth
    /// as it is merged (each level cut is reported to `removed`, as [`Book::end_message`]
    /// reports its own), so a huge message never makes the side hold more than it keeps. Call
    /// [`Book::end_message`] after.
    pub fn apply_all(&mut self, levels: &[(Side, Level)], mut removed: impl FnMut(Side, Level)) {
        let bids = levels.iter().filter(|(s, _)| *s == Side::Bid).count();
        let batched = |side: Side| match side {
            Side::Bid => bids >= BATCH_LEVELS,
            Side::Ask => levels.len() - bids >= BATCH_LEVELS,
        };
        for side in [Side::Bid, Side::Ask].into_iter().filter(|&s| batched(s)) {
            self.merge(side, levels, &mut removed);
        }
        for (side, level) in levels.iter().filter(|(s, _)| !batched(*s)) {
            self.side_mut(*side).set(level.price, level.size);
        }
    }

    /// Merge the levels of `levels` on `side` into it ([`BookSide::set_all`]), keeping the
    /// kept depth; the cut is counted and tightens the coverage at the end of the message.
    fn merge(&mut self, side: Side, levels: &[(Side, Level)], removed: impl FnMut(Side, Level)) {
        let keep = self.kept_depth();
        let mut removed = removed;
        let excess = self
            .side_mut(side)
            .set_all(levels, keep, |l| removed(side, l));
        self.count_cut(excess);
        self.merge_cut[side_index(side)] += excess;
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
        let keep = self.kept_depth();
        let maintained = matches!(self.depth, DepthModel::Maintained(_));
        for side in [Side::Bid, Side::Ask] {
            let merged = std::mem::take(&mut self.merge_cut[side_index(side)]);
            let excess = self.cut(side, keep, &mut removed) + merged;
            let coverage = coverage_of(self.side(side), Some(keep));
            if maintained {
                self.set_coverage(side, coverage);
            } else if excess > 0 {
                // Past a snapshot's last level nothing was known anyway; the cut can only
                // bring the known end closer to the touch.
                let tighter = tighter(side, self.coverage(side), coverage);
                self.set_coverage(side, tighter);
            }
        }
    }

    /// Cut `side` to its best `keep` levels, reporting each one dropped; returns how many.
    /// Levels beyond the venue's own window are its to forget; beyond the book's bound they
    /// are ours to forget, and counted.
    fn cut(&mut self, side: Side, keep: usize, mut removed: impl FnMut(Side, Level)) -> usize {
        let excess = self.side(side).len().saturating_sub(keep);
        if excess > 0 {
            self.side_mut(side).truncate(keep, |l| removed(side, l));
            self.count_cut(excess);
        }
        excess
    }

    /// Count levels cut to the kept depth that the venue did not cut itself (past the book's
    /// bound rather than the venue's own window).
    fn count_cut(&mut self, excess: usize) {
        if !matches!(self.depth, DepthModel::Maintained(n) if n <= self.max_levels) {
            self.capped += excess as u64;
        }
    }

    fn set_coverage(&mut self, side: Side, coverage: Coverage) {
        match side {
            Side::Bid => self.bid_coverage = coverage,
            Side::Ask => self.ask_coverage = coverage,
        }
    }

    /// Empty the book (a resync begins); it stays empty until the next snapshot.
    pub fn clear(&mut self) {
        self.bids.clear();
        self.asks.clear();
        self.merge_cut = [0; 2];
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

fn side_index(side: Side) -> usize {
    match side {
        Side::Bid => 0,
        Side::Ask => 1,
    }
}

/// The coverage of the two that knows less (its known end nearer the touch).
fn tighter(side: Side, a: Coverage, b: Coverage) -> Coverage {
    match (a, b) {
        (Coverage::Complete, other) | (other, Coverage::Complete) => other,
        (Coverage::KnownTo(x), Coverage::KnownTo(y)) => Coverage::KnownTo(match side {
            Side::Bid => x.max(y),
            Side::Ask => x.min(y),
        }),
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
