//! [`BookSync`]: the integrity machinery every venue shares.
//!
//! A venue adapter parses a book message and asks its own sequence rule for a verdict; then it
//! hands both to the book's `BookSync`, which does the rest the same way for every venue: apply
//! the levels, truncate, check the checksum the venue published (if any), refuse a crossed book,
//! publish the changes in base units, and on any failure clear the book, count the reason and
//! tell the adapter to run the venue's resync procedure. Nothing is silently repaired.

use crate::book::{Book, Coverage, DepthModel, Level, TextForm};
use crate::feed::audit::Outcome;
use crate::feed::event::{BookKey, BookStatus, BookUpdate, LevelChange, MarketEvent, UpdateKind};
use crate::feed::health::{BookCounters, BookState};
use crate::instrument::Contract;
use crate::integrity::{ChecksumVerdict, ResyncReason, SeqVerdict};
use crate::market::{Millis, Nanos, Side};
use crate::num::Dec;

/// Which checksum construction a venue publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksumKind {
    /// No checksum: integrity is the sequence rule alone.
    None,
    /// Kraken: top 10 asks then bids, digits only, unsigned.
    Kraken,
    /// OKX and legacy Bitget: top 25 interleaved `price:size`, signed.
    Interleaved25,
    /// CoinEx: all bids then all asks, `price:size`, signed (unverified construction).
    Coinex,
}

/// One parsed book message, borrowed from the adapter's scratch buffers.
#[derive(Clone, Copy, Debug)]
pub struct BookMsg<'a> {
    /// `Some(limit)` for a snapshot (the most levels per side it could carry, `None` inside if
    /// it is the venue's full book); `None` for a delta.
    pub snapshot: Option<Option<usize>>,
    /// Levels in message order (order matters: one price may appear twice).
    pub levels: &'a [(Side, Level)],
    /// The checksum the venue sent, as a 32-bit pattern; `None` if absent (or OKX's `0`).
    pub checksum: Option<u32>,
    pub exch_ts: Option<Millis>,
}

/// What happened to one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Applied and proven (or no proof available); the book is live.
    Ok,
    /// Dropped without harm: stale, ignored, or arrived while waiting for a snapshot.
    Dropped,
    /// The book failed a rule and was cleared: run the venue's resync procedure.
    Resync(ResyncReason),
}

/// One book's integrity state, counters and scratch space.
#[derive(Debug)]
pub struct BookSync {
    key: BookKey,
    book: Book,
    state: BookState,
    counters: BookCounters,
    checksum: ChecksumKind,
    contract: Contract,
    /// Whether to publish [`BookUpdate`]s (headless replay reports need only the counters).
    emit: bool,
    scratch: Vec<u8>,
    changes: Vec<LevelChange>,
}

impl BookSync {
    pub fn new(
        key: BookKey,
        depth: DepthModel,
        checksum: ChecksumKind,
        contract: Contract,
    ) -> Self {
        let mut book = Book::new(depth);
        match checksum {
            ChecksumKind::None | ChecksumKind::Coinex => {}
            ChecksumKind::Kraken => book.cache_checksum_text(TextForm::Digits),
            ChecksumKind::Interleaved25 => book.cache_checksum_text(TextForm::Wire),
        }
        BookSync {
            key,
            book,
            state: BookState::Syncing,
            counters: BookCounters::default(),
            checksum,
            contract,
            emit: true,
            scratch: Vec::with_capacity(2048),
            changes: Vec::new(),
        }
    }

    /// Keep at most `n` levels per side (the worst beyond it are cut and counted).
    pub fn with_max_levels(mut self, n: usize) -> Self {
        self.book = self.book.with_max_levels(n);
        self
    }

    /// Stop publishing book updates (status changes are still published).
    pub fn without_updates(mut self) -> Self {
        self.emit = false;
        self
    }

    pub fn key(&self) -> &BookKey {
        &self.key
    }

    pub fn book(&self) -> &Book {
        &self.book
    }

    pub fn state(&self) -> &BookState {
        &self.state
    }

    pub fn counters(&self) -> &BookCounters {
        &self.counters
    }

    /// The book is audited: its counters show the audits from now on.
    pub fn enable_audit(&mut self) {
        self.counters.audit.get_or_insert_with(Default::default);
    }

    /// Count an audit's outcome (a mismatch is then resynced through [`BookSync::invalidate`]).
    pub fn record_audit(&mut self, outcome: &Outcome, now: Nanos) {
        let audit = self.counters.audit.get_or_insert_with(Default::default);
        match outcome {
            Outcome::Ok => audit.ok += 1,
            Outcome::Mismatch(_) => audit.mismatch += 1,
            Outcome::Passed => {
                audit.passed += 1;
                return;
            }
        }
        audit.last = Some(now);
    }

    pub fn contract(&self) -> Contract {
        self.contract
    }

    pub fn set_contract(&mut self, contract: Contract) {
        self.contract = contract;
    }

    /// Handle one book message with the verdict of the venue's sequence rule.
    pub fn on_message(
        &mut self,
        msg: BookMsg<'_>,
        verdict: SeqVerdict,
        now: Nanos,
        events: &mut Vec<MarketEvent>,
    ) -> Applied {
        self.counters.messages += 1;
        let snapshot = msg.snapshot;
        if !verdict.applies() || (snapshot.is_none() && !self.state.is_live()) {
            // Not applied, so its checksum (if any) is never verified: it still counts in
            // exactly one checksum figure, as `docs/capture-format.md` sums them to the messages.
            self.counters.checksum_absent += 1;
            return match verdict {
                SeqVerdict::Stale => {
                    self.counters.stale += 1;
                    Applied::Dropped
                }
                SeqVerdict::Ignore => Applied::Dropped,
                SeqVerdict::Gap { expected, got } => {
                    self.counters.seq_gaps += 1;
                    self.fail(ResyncReason::Gap { expected, got }, now, events)
                }
                SeqVerdict::Reset => self.fail(ResyncReason::VenueReset, now, events),
                SeqVerdict::Apply | SeqVerdict::Restarted => {
                    self.counters.while_syncing += 1;
                    Applied::Dropped
                }
            };
        }

        if snapshot.is_none() && verdict == SeqVerdict::Restarted {
            self.counters.seq_restarts += 1;
            tracing::info!(book = %self.key, "venue restarted its sequence; the chain goes on");
        }
        self.changes.clear();
        let kind = match snapshot {
            Some(limit) => {
                let (bids, asks) = split_sides(msg.levels);
                self.book.load_snapshot(bids, asks, limit);
                if self.emit {
                    self.record_all_levels();
                }
                UpdateKind::Snapshot
            }
            None => {
                // The changes only matter to the published update: a headless replay, which
                // publishes none, skips their conversions.
                let (contract, changes, emit) = (self.contract, &mut self.changes, self.emit);
                if emit {
                    changes.extend(
                        msg.levels
                            .iter()
                            .map(|(side, l)| change(contract, *side, l.price, l.size)),
                    );
                }
                // Levels cut to the book's depth, by the merge of a large message or at its
                // end, are published as removed after the message's own.
                let mut removed = |side, level: Level| {
                    if emit {
                        changes.push(change(contract, side, level.price, Dec::ZERO))
                    }
                };
                self.book.apply_all(msg.levels, &mut removed);
                self.book.end_message(removed);
                UpdateKind::Delta
            }
        };

        self.count_capped();
        if let Some(reason) = self.verify(msg.checksum) {
            return self.fail(reason, now, events);
        }
        if self.book.crossing().is_some() {
            self.counters.crossed += 1;
            return self.fail(ResyncReason::Crossed, now, events);
        }
        if !self.state.is_live() {
            self.state = BookState::Live;
            events.push(self.status(now));
        }
        if self.emit {
            events.push(MarketEvent::Book(BookUpdate {
                key: self.key.clone(),
                kind,
                local_ts: now,
                exch_ts: msg.exch_ts,
                changes: std::mem::take(&mut self.changes),
                known_to: [self.known_to(Side::Bid), self.known_to(Side::Ask)],
            }));
        }
        Applied::Ok
    }

    /// Bring the count of levels cut by the book's per-side bound up to date; the first cut
    /// is logged (a venue sending more levels than any venue keeps is broken or hostile).
    fn count_capped(&mut self) {
        let capped = self.book.capped_levels();
        if capped > 0 && self.counters.capped_levels == 0 {
            tracing::warn!(
                "{}: more levels than a book keeps per side; the worst ones are dropped and counted",
                self.key
            );
        }
        self.counters.capped_levels = capped;
    }

    /// Mark the book invalid for a reason found outside a message (watchdog, venue error,
    /// malformed frame, reconnect). Returns the same [`Applied::Resync`] the adapter acts on.
    pub fn invalidate(
        &mut self,
        reason: ResyncReason,
        now: Nanos,
        events: &mut Vec<MarketEvent>,
    ) -> Applied {
        self.fail(reason, now, events)
    }

    /// The connection carrying this book went down.
    pub fn connection_lost(&mut self, now: Nanos, events: &mut Vec<MarketEvent>) {
        self.book.clear();
        if self.state != BookState::Down {
            self.state = BookState::Down;
            events.push(self.status(now));
        }
    }

    /// A fresh subscription was sent: wait for its snapshot.
    pub fn restart(&mut self, now: Nanos, events: &mut Vec<MarketEvent>) {
        self.book.clear();
        if !matches!(self.state, BookState::Syncing | BookState::Resyncing(_)) {
            self.state = BookState::Syncing;
            events.push(self.status(now));
        }
    }

    /// Publish the whole book as a snapshot update and the state: the book takes over from
    /// another connection's copy (a planned restart), which consumers see as a new baseline.
    pub fn republish(&mut self, now: Nanos, events: &mut Vec<MarketEvent>) {
        events.push(self.status(now));
        if !self.emit || !self.state.is_live() {
            return;
        }
        self.changes.clear();
        self.record_all_levels();
        events.push(MarketEvent::Book(BookUpdate {
            key: self.key.clone(),
            kind: UpdateKind::Snapshot,
            local_ts: now,
            exch_ts: None,
            changes: std::mem::take(&mut self.changes),
            known_to: [self.known_to(Side::Bid), self.known_to(Side::Ask)],
        }));
    }

    /// Keep counting from where the copy this book replaces left off.
    pub fn carry_counters(&mut self, earlier: &BookCounters) {
        self.counters.absorb(earlier);
    }

    /// The current state and counters as an event (also published periodically).
    pub fn status(&self, now: Nanos) -> MarketEvent {
        MarketEvent::BookStatus(BookStatus {
            key: self.key.clone(),
            local_ts: now,
            state: self.state.clone(),
            counters: self.counters.clone(),
        })
    }

    fn verify(&mut self, expected: Option<u32>) -> Option<ResyncReason> {
        let computed = match (self.checksum, expected) {
            (ChecksumKind::None, _) | (_, None) => {
                self.counters.checksum_absent += 1;
                return None;
            }
            (ChecksumKind::Kraken, Some(_)) => self.book.kraken_checksum(&mut self.scratch),
            (ChecksumKind::Interleaved25, Some(_)) => {
                self.book.interleaved_checksum(&mut self.scratch)
            }
            (ChecksumKind::Coinex, Some(_)) => self.book.coinex_checksum(&mut self.scratch),
        };
        match ChecksumVerdict::compare(expected, computed) {
            ChecksumVerdict::Match => {
                self.counters.checksum_ok += 1;
                None
            }
            ChecksumVerdict::Mismatch { expected, computed } => {
                self.counters.checksum_fail += 1;
                Some(ResyncReason::ChecksumMismatch { expected, computed })
            }
            ChecksumVerdict::Absent => {
                self.counters.checksum_absent += 1;
                None
            }
        }
    }

    fn fail(&mut self, reason: ResyncReason, now: Nanos, events: &mut Vec<MarketEvent>) -> Applied {
        self.book.clear();
        self.counters.resyncs += 1;
        self.state = BookState::Resyncing(reason.clone());
        events.push(self.status(now));
        Applied::Resync(reason)
    }

    fn record_all_levels(&mut self) {
        for side in [Side::Bid, Side::Ask] {
            for level in self.book.side(side).iter() {
                self.changes
                    .push(change(self.contract, side, level.price, level.size));
            }
        }
    }

    fn known_to(&self, side: Side) -> Option<f64> {
        match self.book.coverage(side) {
            Coverage::Complete => None,
            Coverage::KnownTo(price) => Some(price.to_f64()),
        }
    }
}

fn change(contract: Contract, side: Side, price: Dec, size: Dec) -> LevelChange {
    let price = price.to_f64();
    LevelChange {
        side,
        price,
        size: contract.to_base(price, size.to_f64()),
    }
}

fn split_sides(
    levels: &[(Side, Level)],
) -> (
    impl Iterator<Item = Level> + '_,
    impl Iterator<Item = Level> + '_,
) {
    let of = move |want: Side| {
        levels
            .iter()
            .filter(move |(side, _)| *side == want)
            .map(|(_, level)| *level)
    };
    (of(Side::Bid), of(Side::Ask))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::VenueId;
    use crate::num::Dec;

    /// `docs/capture-format.md` sums the checksum figures to the messages: a message that is not
    /// applied (stale, ignored, a gap, arriving while syncing) still counts once, as absent.
    #[test]
    fn every_message_lands_in_exactly_one_checksum_figure() {
        let key = BookKey::new(VenueId::Binance, "BTCUSDT");
        let contract = Contract::Base;
        let mut sync = BookSync::new(
            key,
            DepthModel::SnapshotThenDiffs,
            ChecksumKind::None,
            contract,
        );
        let level = |p: &str| Level {
            price: Dec::parse(p).unwrap(),
            size: Dec::parse("1").unwrap(),
        };
        let levels = [(Side::Bid, level("100")), (Side::Ask, level("101"))];
        let msg = |snapshot| BookMsg {
            snapshot,
            levels: &levels,
            checksum: None,
            exch_ts: None,
        };
        let gap = SeqVerdict::Gap {
            expected: 2,
            got: 3,
        };
        let mut events = Vec::new();
        for (snapshot, verdict) in [
            (None, SeqVerdict::Apply), // while syncing
            (Some(None), SeqVerdict::Apply),
            (None, SeqVerdict::Apply),
            (None, SeqVerdict::Stale),
            (None, SeqVerdict::Ignore),
            (None, gap),
            (None, SeqVerdict::Apply), // while resyncing
            (Some(None), SeqVerdict::Apply),
            (None, SeqVerdict::Reset),
        ] {
            sync.on_message(msg(snapshot), verdict, 0, &mut events);
        }
        let c = sync.counters();
        assert_eq!(c.messages, 9);
        assert_eq!(
            (c.stale, c.seq_gaps, c.while_syncing, c.resyncs),
            (1, 1, 2, 2)
        );
        assert_eq!(
            c.checksum_ok + c.checksum_fail + c.checksum_absent,
            c.messages
        );
    }
}
