//! Hyperliquid's integrity rule: there is none to chain. Every `l2Book` push is the whole book
//! (20 levels a side, 5 with `fast`), with no sequence number and no checksum, so the book is
//! replaced each time ("snapshot" integrity in the Health view). What a push does carry is
//! `time`, the exchange time of the block it was taken at: a push whose `time` is not later than
//! the book's is a copy or an older state (a duplicated or reordered frame) and is dropped as
//! stale, so the book never steps back in time. A lost push costs nothing but freshness: the next
//! one replaces the book whole, and staleness is judged from `time`.
//!
//! Pushes that keep arriving not later than the book mean the book's own time is wrong (an
//! absurd `time` once accepted would otherwise freeze the book while it looks live): after
//! [`MAX_STALE_IN_A_ROW`] of them the book is rebuilt from a fresh subscription, as after a
//! venue reset.

use crate::feed::protocol::Sequencer;
use crate::integrity::SeqVerdict;
use crate::market::Millis;

/// Stale pushes in a row after which the book's time, not the pushes, is taken to be wrong.
/// A duplicated or reordered frame makes one; the venue never sends a book's past again.
pub const MAX_STALE_IN_A_ROW: u32 = 3;

/// The `time` of the last snapshot a live book took, and the stale pushes since.
#[derive(Clone, Copy, Debug, Default)]
pub struct SnapshotTimes {
    last: Option<Millis>,
    stale: u32,
}

impl Sequencer for SnapshotTimes {
    /// The push's `time`.
    type Fields = Millis;

    fn on_snapshot(&mut self, time: &Millis) {
        self.last = Some(*time);
        self.stale = 0;
    }

    fn check_snapshot(&mut self, time: &Millis) -> SeqVerdict {
        match self.last {
            Some(last) if *time <= last => {
                self.stale += 1;
                if self.stale >= MAX_STALE_IN_A_ROW {
                    SeqVerdict::Reset
                } else {
                    SeqVerdict::Stale
                }
            }
            _ => {
                self.on_snapshot(time);
                SeqVerdict::Apply
            }
        }
    }

    /// Hyperliquid sends no deltas; a book message is always a snapshot.
    fn check(&mut self, _: &Millis) -> SeqVerdict {
        SeqVerdict::Apply
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_later_snapshots_replace_a_live_book() {
        let mut rule = SnapshotTimes::default();
        rule.on_snapshot(&1_000);
        assert_eq!(rule.check_snapshot(&1_500), SeqVerdict::Apply);
        assert_eq!(rule.check_snapshot(&1_500), SeqVerdict::Stale, "a copy");
        assert_eq!(rule.check_snapshot(&1_200), SeqVerdict::Stale, "older");
        assert_eq!(rule.check_snapshot(&2_000), SeqVerdict::Apply);
        // A resync starts again from whatever the new subscription sends first.
        rule.on_snapshot(&1_900);
        assert_eq!(rule.check_snapshot(&1_950), SeqVerdict::Apply);
    }

    #[test]
    fn a_book_whose_time_nothing_reaches_is_rebuilt() {
        let mut rule = SnapshotTimes::default();
        rule.on_snapshot(&i64::MAX);
        assert_eq!(rule.check_snapshot(&2_000), SeqVerdict::Stale);
        assert_eq!(rule.check_snapshot(&2_500), SeqVerdict::Stale);
        assert_eq!(rule.check_snapshot(&3_000), SeqVerdict::Reset);
        // One stale push between good ones never adds up.
        rule.on_snapshot(&1_000);
        for t in [2_000, 2_000, 3_000, 3_000, 4_000, 3_500, 5_000] {
            assert_ne!(rule.check_snapshot(&t), SeqVerdict::Reset, "{t}");
        }
    }
}
