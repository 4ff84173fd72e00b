//! The two shapes every venue's sequence rule is built from.
//!
//! Venues number their book messages in one of two ways:
//! - **ranges of update ids** (`U..=u` on Binance spot and Gate, `O..=C` on KuCoin `obu`,
//!   `sequenceStart..=sequenceEnd` on KuCoin `level2`; a single id on Bybit `u` and Coinbase
//!   `sequence_num`): the book has applied every id up to some number, and the next message must
//!   start right after it ([`UpdateIds`], and [`Bridged`] for a REST snapshot the first message
//!   straddles);
//! - **links**: each message names its predecessor (`pu` on Binance USDⓈ-M, `prevSeqId` on OKX,
//!   `pseq` on Bitget, `prev_change_id` on Deribit), and ids need not be consecutive ([`Linked`]).
//!
//! The venue files (`venue/<id>/sync.rs`) keep only what is their own (the snapshot handshake,
//! restarts, heartbeats); the arithmetic, and what a [`SeqVerdict::Gap`] reports, live here so
//! they mean the same on every venue.
//!
//! `Stale` is only answered where a message's ids are all inside what the book already holds
//! ([`UpdateIds`]); [`Linked`] venues document no such case and answer `Gap` to anything that
//! does not name the book's last id. A venue that silently restarted a range counter at a
//! smaller number would show up as a run of `Stale` answers; the restarts venues do announce
//! (Bybit `u == 1`, OKX `seqId < prevSeqId`) are answered `Reset` by their own rules.

use crate::integrity::SeqVerdict;
use std::marker::PhantomData;

/// The last update id a book has applied, for venues whose messages cover contiguous id ranges.
///
/// A `Gap` reports `expected` = the id right after the book's, `got` = the message's first id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateIds {
    through: u64,
}

impl UpdateIds {
    /// A book that holds every update up to and including `through` (a snapshot's id).
    pub const fn new(through: u64) -> Self {
        Self { through }
    }

    /// The message must start exactly after the book (`first == through + 1`).
    #[must_use]
    pub fn advance_exact(&mut self, first: u64, last: u64) -> SeqVerdict {
        self.advance(first, last, false)
    }

    /// The message may start inside the book's range as long as it reaches past it
    /// (`first <= through + 1 <= last`). Venues whose levels carry absolute quantities allow
    /// this: each level holds its quantity as of `last`, so the already-applied part of the
    /// range only sets levels to what the book already has.
    #[must_use]
    pub fn advance_overlapping(&mut self, first: u64, last: u64) -> SeqVerdict {
        self.advance(first, last, true)
    }

    fn advance(&mut self, first: u64, last: u64, overlap: bool) -> SeqVerdict {
        if first > last {
            // An inverted range cannot be placed anywhere; resync rather than guess.
            return SeqVerdict::Gap {
                expected: self.through.saturating_add(1),
                got: first,
            };
        }
        if last <= self.through {
            return SeqVerdict::Stale;
        }
        // `last > through`, so `through < u64::MAX` and the addition cannot overflow.
        let next = self.through + 1;
        let fits = if overlap {
            first <= next
        } else {
            first == next
        };
        if !fits {
            return SeqVerdict::Gap {
                expected: next,
                got: first,
            };
        }
        self.through = last;
        SeqVerdict::Apply
    }
}

/// Update ids synced from a REST snapshot: the first applied message may straddle the snapshot's
/// id (it was fetched while the stream ran), every later one must follow on exactly.
///
/// Gate's legacy `order_book_update` and KuCoin's classic `level2` both document this shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bridged {
    ids: UpdateIds,
    bridged: bool,
}

impl Bridged {
    /// A book built from a REST snapshot whose id is `snapshot_id`.
    pub const fn from_snapshot(snapshot_id: u64) -> Self {
        Self {
            ids: UpdateIds::new(snapshot_id),
            bridged: false,
        }
    }

    /// Judge a message covering ids `first..=last`: before the first applied message, those
    /// wholly at or below the snapshot are `Stale` and the first applied one must satisfy
    /// `first <= snapshot_id + 1 <= last`; afterwards `first` must be the previous `last + 1`.
    #[must_use]
    pub fn check(&mut self, first: u64, last: u64) -> SeqVerdict {
        if self.bridged {
            return self.ids.advance_exact(first, last);
        }
        let verdict = self.ids.advance_overlapping(first, last);
        self.bridged = verdict == SeqVerdict::Apply;
        verdict
    }
}

/// The id of the last message applied, for venues whose messages name their predecessor.
///
/// A `Gap` reports `expected` = the id the book holds, `got` = the predecessor the message named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Linked {
    last: u64,
}

impl Linked {
    /// A book whose last applied message (or snapshot) had id `last`.
    pub const fn new(last: u64) -> Self {
        Self { last }
    }

    /// The id the book holds.
    pub const fn last(&self) -> u64 {
        self.last
    }

    /// Apply when the message's predecessor `prev` is the book's last id; the book then holds `id`.
    #[must_use]
    pub fn link(&mut self, prev: u64, id: u64) -> SeqVerdict {
        if prev != self.last {
            return SeqVerdict::Gap {
                expected: self.last,
                got: prev,
            };
        }
        self.last = id;
        SeqVerdict::Apply
    }
}

/// How a venue's book messages continue from the one before: the parameter of [`ChainRule`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Continuation {
    /// Id ranges that must start exactly after the book ([`UpdateIds::advance_exact`]).
    Exact,
    /// Id ranges that may start inside the book if they reach past it
    /// ([`UpdateIds::advance_overlapping`]).
    Overlapping,
    /// Id ranges from a REST snapshot the first message may straddle ([`Bridged`]).
    Bridged,
    /// Each message names its predecessor ([`Linked`]).
    Linked,
}

/// The parameter of a [`ChainRule`]: which [`Continuation`] a venue's book messages follow.
pub trait Chain {
    const CONTINUATION: Continuation;
}

/// [`Continuation::Exact`] as a [`ChainRule`] parameter (Gate `obu`).
#[derive(Debug)]
pub enum ExactIds {}
/// [`Continuation::Overlapping`] as a [`ChainRule`] parameter (KuCoin `obu`).
#[derive(Debug)]
pub enum OverlappingIds {}
/// [`Continuation::Bridged`] as a [`ChainRule`] parameter (Gate legacy, KuCoin `level2`).
#[derive(Debug)]
pub enum BridgedIds {}
/// [`Continuation::Linked`] as a [`ChainRule`] parameter (Bitget `pseq`, Deribit
/// `prev_change_id`).
#[derive(Debug)]
pub enum LinkedIds {}

impl Chain for ExactIds {
    const CONTINUATION: Continuation = Continuation::Exact;
}
impl Chain for OverlappingIds {
    const CONTINUATION: Continuation = Continuation::Overlapping;
}
impl Chain for BridgedIds {
    const CONTINUATION: Continuation = Continuation::Bridged;
}
impl Chain for LinkedIds {
    const CONTINUATION: Continuation = Continuation::Linked;
}

/// A book's sequence rule for venues whose whole procedure is "start from the snapshot's id,
/// then each message must continue the chain" (Gate, KuCoin, Bitget, Deribit): one rule, the
/// venue's [`Chain`] saying how messages continue. `check(from, to)` takes a message's first and
/// last ids for range continuations, its predecessor and own id for [`Continuation::Linked`].
#[derive(Debug, PartialEq, Eq)]
pub struct ChainRule<C> {
    snapshot: u64,
    state: ChainState,
    venue: PhantomData<C>,
}

// Derives would require the marker type to be `Clone` and `Copy` too.
impl<C> Clone for ChainRule<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for ChainRule<C> {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChainState {
    Ids(UpdateIds),
    Bridged(Bridged),
    Linked(Linked),
}

impl<C: Chain> ChainRule<C> {
    /// Start from the id of the snapshot (pushed or fetched) the book was built from.
    pub const fn from_snapshot(id: u64) -> Self {
        let state = match C::CONTINUATION {
            Continuation::Exact | Continuation::Overlapping => ChainState::Ids(UpdateIds::new(id)),
            Continuation::Bridged => ChainState::Bridged(Bridged::from_snapshot(id)),
            Continuation::Linked => ChainState::Linked(Linked::new(id)),
        };
        Self {
            snapshot: id,
            state,
            venue: PhantomData,
        }
    }

    /// Judge a message by its two ids (see [`ChainRule`] for which two).
    #[must_use]
    pub fn check(&mut self, from: u64, to: u64) -> SeqVerdict {
        match &mut self.state {
            ChainState::Ids(ids) if C::CONTINUATION == Continuation::Overlapping => {
                ids.advance_overlapping(from, to)
            }
            ChainState::Ids(ids) => ids.advance_exact(from, to),
            ChainState::Bridged(ids) => ids.check(from, to),
            ChainState::Linked(chain) => chain.link(from, to),
        }
    }

    /// Whether an id is newer than the snapshot the rule started from (KuCoin `level2` changes
    /// inside a delta that straddles the snapshot).
    pub const fn is_after_snapshot(&self, id: u64) -> bool {
        id > self.snapshot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn gap(expected: u64, got: u64) -> SeqVerdict {
        SeqVerdict::Gap { expected, got }
    }

    #[test]
    fn exact_ids_apply_in_order_and_reject_overlap_and_skips() {
        let mut ids = UpdateIds::new(10);
        assert_eq!(ids.advance_exact(11, 11), SeqVerdict::Apply);
        assert_eq!(ids.advance_exact(12, 15), SeqVerdict::Apply);
        assert_eq!(
            ids.advance_exact(13, 15),
            SeqVerdict::Stale,
            "inside the book"
        );
        assert_eq!(
            ids.advance_exact(15, 17),
            gap(16, 15),
            "overlap is not allowed"
        );
        assert_eq!(ids.advance_exact(18, 18), gap(16, 18), "16..=17 missing");
        assert_eq!(ids.advance_exact(16, 16), SeqVerdict::Apply);
    }

    #[test]
    fn overlapping_ids_accept_a_message_that_straddles_the_book() {
        let mut ids = UpdateIds::new(10);
        assert_eq!(ids.advance_overlapping(5, 10), SeqVerdict::Stale);
        assert_eq!(ids.advance_overlapping(8, 12), SeqVerdict::Apply);
        assert_eq!(ids.advance_overlapping(13, 13), SeqVerdict::Apply);
        assert_eq!(ids.advance_overlapping(15, 16), gap(14, 15));
    }

    #[test]
    fn an_inverted_range_is_a_gap_not_a_stale_message() {
        let mut ids = UpdateIds::new(10);
        assert_eq!(ids.advance_overlapping(11, 9), gap(11, 11));
        assert_eq!(
            ids.advance_exact(11, 11),
            SeqVerdict::Apply,
            "state unchanged"
        );
    }

    #[test]
    fn ids_at_the_top_of_u64_neither_overflow_nor_wrap() {
        let mut ids = UpdateIds::new(u64::MAX - 1);
        assert_eq!(ids.advance_exact(u64::MAX, u64::MAX), SeqVerdict::Apply);
        assert_eq!(ids.advance_exact(u64::MAX, u64::MAX), SeqVerdict::Stale);
        assert_eq!(ids.advance_exact(u64::MAX, 3), gap(u64::MAX, u64::MAX));
    }

    #[test]
    fn bridged_allows_the_straddle_once_then_requires_exact_steps() {
        let mut ids = Bridged::from_snapshot(100);
        assert_eq!(
            ids.check(90, 100),
            SeqVerdict::Stale,
            "covered by the snapshot"
        );
        assert_eq!(ids.check(99, 103), SeqVerdict::Apply, "straddles 101");
        assert_eq!(
            ids.check(103, 105),
            gap(104, 103),
            "no overlap after the bridge"
        );
        assert_eq!(ids.check(104, 105), SeqVerdict::Apply);
    }

    #[test]
    fn bridged_rejects_a_first_message_that_starts_after_the_snapshot() {
        let mut ids = Bridged::from_snapshot(100);
        assert_eq!(ids.check(102, 104), gap(101, 102));
    }

    #[test]
    fn linked_follows_the_named_predecessor_whatever_the_step() {
        let mut chain = Linked::new(1_000);
        assert_eq!(chain.link(1_000, 1_093), SeqVerdict::Apply);
        assert_eq!(chain.link(1_093, 1_100), SeqVerdict::Apply);
        assert_eq!(
            chain.link(1_093, 1_100),
            gap(1_100, 1_093),
            "a replay names an old id"
        );
        assert_eq!(chain.link(1_200, 1_300), gap(1_100, 1_200));
        assert_eq!(
            chain.link(1_100, 1_101),
            SeqVerdict::Apply,
            "gap left state alone"
        );
    }
}
