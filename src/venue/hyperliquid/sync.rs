//! Hyperliquid's integrity rule: there is none to chain. Every `l2Book` push is the whole book
//! (20 levels a side, 5 with `fast`), with no sequence number and no checksum, so the book is
//! replaced each time ("snapshot" integrity in the Health view). What a push does carry is
//! `time`, the exchange time of the block it was taken at: a push whose `time` is not later than
//! the book's is a copy or an older state (a duplicated or reordered frame) and is dropped as
//! stale, so the book never steps back in time. A lost push costs nothing but freshness: the next
//! one replaces the book whole, and staleness is judged from `time`.

use crate::feed::protocol::Sequencer;
use crate::integrity::SeqVerdict;
use crate::market::Millis;

/// The `time` of the last snapshot a live book took.
#[derive(Clone, Copy, Debug, Default)]
pub struct SnapshotTimes {
    last: Option<Millis>,
}

impl Sequencer for SnapshotTimes {
    /// The push's `time`.
    type Fields = Millis;

    fn on_snapshot(&mut self, time: &Millis) {
        self.last = Some(*time);
    }

    fn check_snapshot(&mut self, time: &Millis) -> SeqVerdict {
        match self.last {
            Some(last) if *time <= last => SeqVerdict::Stale,
            _ => {
                self.last = Some(*time);
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
}
