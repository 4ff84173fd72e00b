//! What the simulator injected, and what a correct client must therefore have seen.
//!
//! Each book fault is injected only while its book is in sync on the client, one at a time per
//! book, so its consequence is exact: the message that reveals it (the one after a lost update,
//! the one whose ids jump, the one whose checksum is wrong) is recorded as a [`Reveal`] when it
//! is sent, with what the client will report (the gap's offending id, the checksum carried).
//! Connection faults are recorded with the client counter they move. A test compares this with
//! the adapters' counters and resync reasons: every injected fault must be detected, on the
//! message it hits, and nothing else.

use super::spec::FaultKind;
use crate::market::VenueId;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// What a client's integrity check must report for one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reveal {
    /// A sequence gap; `got` is the id the client reports (the message's `U`, `pu`,
    /// `prevSeqId` or `u`, by venue).
    Gap { got: u64 },
    /// A checksum mismatch; `carried` is the checksum the message carried (as a bit pattern).
    Checksum { carried: u32 },
    /// A duplicate the client must drop as already applied, keeping the book.
    Stale,
}

/// One revealing message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Revealed {
    pub venue: VenueId,
    pub instrument: &'static str,
    pub reveal: Reveal,
}

/// The simulator's fault accounting.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FaultReport {
    /// Faults injected, per venue and kind.
    pub injected: BTreeMap<VenueId, BTreeMap<FaultKind, u64>>,
    /// Book faults injected, per venue, instrument and kind.
    pub injected_by_book: BTreeMap<VenueId, BTreeMap<&'static str, BTreeMap<FaultKind, u64>>>,
    /// Every message sent that reveals a fault, in order.
    pub revealed: Vec<Revealed>,
    /// Book faults no client could see, because they changed nothing: a duplicate or a lost
    /// update that Kraken's absolute sizes made good before the checksum could differ.
    pub harmless: BTreeMap<VenueId, BTreeMap<FaultKind, u64>>,
    /// Deltas a REST-synced client (Binance) must drop as already in its snapshot while it joins
    /// one: not faults, but they move the same `stale` counter as duplicates.
    pub join_stale: BTreeMap<VenueId, u64>,
    /// Book faults injected whose revealing message has not been sent yet, per venue and
    /// instrument (so a test that waits for none can say which book still owes one).
    pub pending: BTreeMap<VenueId, BTreeMap<&'static str, u64>>,
    /// Faults lost with their connection before anything revealed them (the client closed).
    pub superseded: u64,
    /// Connections dropped because they fell too far behind the market (never injected; a
    /// test expects none).
    pub overruns: u64,
}

/// What a correct client of one venue must count, derived from a [`FaultReport`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expected {
    pub gaps: u64,
    pub checksum_failures: u64,
    /// Stale drops: duplicates plus REST-join discards.
    pub stale: u64,
    /// Frames the client must count as malformed or venue errors.
    pub bad_frames: u64,
    /// Connections the client sees end (disconnects, stalls and planned closes).
    pub disconnects: u64,
}

impl FaultReport {
    pub fn injected(&self, venue: VenueId, kind: FaultKind) -> u64 {
        self.injected
            .get(&venue)
            .and_then(|k| k.get(&kind))
            .copied()
            .unwrap_or(0)
    }

    /// The revealing messages of `venue`.
    pub fn revealed_on(&self, venue: VenueId) -> impl Iterator<Item = &Revealed> {
        self.revealed.iter().filter(move |r| r.venue == venue)
    }

    /// Settle `n` of the book's pending faults; an emptied entry is removed so the map lists
    /// only books that still owe a reveal.
    fn settle(&mut self, venue: VenueId, instrument: &'static str, n: u64) {
        let Some(books) = self.pending.get_mut(&venue) else {
            return;
        };
        if let Some(left) = books.get_mut(instrument) {
            *left = left.saturating_sub(n);
            if *left == 0 {
                books.remove(instrument);
            }
        }
        if books.is_empty() {
            self.pending.remove(&venue);
        }
    }

    pub fn expected(&self, venue: VenueId) -> Expected {
        let count = |f: fn(&Reveal) -> bool| {
            self.revealed_on(venue).filter(|r| f(&r.reveal)).count() as u64
        };
        Expected {
            gaps: count(|r| matches!(r, Reveal::Gap { .. })),
            checksum_failures: count(|r| matches!(r, Reveal::Checksum { .. })),
            stale: count(|r| matches!(r, Reveal::Stale))
                + self.join_stale.get(&venue).copied().unwrap_or(0),
            bad_frames: self.injected(venue, FaultKind::Error)
                + self.injected(venue, FaultKind::Malformed),
            // A planned close ends its connection too: the client closes it after switching
            // over, or the venue at the end of the grace.
            disconnects: self.injected(venue, FaultKind::Disconnect)
                + self.injected(venue, FaultKind::Stall)
                + self.injected(venue, FaultKind::Shutdown),
        }
    }
}

/// The shared, locked [`FaultReport`].
#[derive(Debug, Default)]
pub struct Ledger(Mutex<FaultReport>);

impl Ledger {
    fn with<R>(&self, f: impl FnOnce(&mut FaultReport) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn report(&self) -> FaultReport {
        self.with(|r| r.clone())
    }

    /// A connection fault was injected.
    pub fn injected(&self, venue: VenueId, kind: FaultKind) {
        self.with(|r| {
            *r.injected
                .entry(venue)
                .or_default()
                .entry(kind)
                .or_default() += 1
        });
    }

    /// A book fault was injected; `pending` if a later message will reveal it.
    pub fn injected_book(
        &self,
        venue: VenueId,
        instrument: &'static str,
        kind: FaultKind,
        pending: bool,
    ) {
        self.with(|r| {
            *r.injected
                .entry(venue)
                .or_default()
                .entry(kind)
                .or_default() += 1;
            *r.injected_by_book
                .entry(venue)
                .or_default()
                .entry(instrument)
                .or_default()
                .entry(kind)
                .or_default() += 1;
            if pending {
                *r.pending
                    .entry(venue)
                    .or_default()
                    .entry(instrument)
                    .or_default() += 1;
            }
        });
    }

    /// A message revealing a fault was sent; `resolves` if it settles a pending fault.
    pub fn revealed(
        &self,
        venue: VenueId,
        instrument: &'static str,
        reveal: Reveal,
        resolves: bool,
    ) {
        self.with(|r| {
            r.revealed.push(Revealed {
                venue,
                instrument,
                reveal,
            });
            if resolves {
                r.settle(venue, instrument, 1);
            }
        });
    }

    /// A fault turned out to change nothing a client could see.
    pub fn harmless(
        &self,
        venue: VenueId,
        instrument: &'static str,
        kind: FaultKind,
        resolves: bool,
    ) {
        self.with(|r| {
            *r.harmless
                .entry(venue)
                .or_default()
                .entry(kind)
                .or_default() += 1;
            if resolves {
                r.settle(venue, instrument, 1);
            }
        });
    }

    pub fn join_stale(&self, venue: VenueId, n: u64) {
        if n > 0 {
            self.with(|r| *r.join_stale.entry(venue).or_default() += n);
        }
    }

    /// A book's stream ended (its connection closed, or it was unsubscribed) with `n` faults
    /// still unrevealed.
    pub fn superseded(&self, venue: VenueId, instrument: &'static str, n: u64) {
        if n > 0 {
            self.with(|r| {
                r.superseded += n;
                r.settle(venue, instrument, n);
            });
        }
    }

    pub fn overrun(&self) {
        self.with(|r| r.overruns += 1);
    }
}
