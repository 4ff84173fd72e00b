//! Bitget `books` sequence rule (`seq`/`pseq`).
//!
//! Bitget v2 frames carry no checksum any more ("Changes of 2026" #2), so this rule is the
//! book's only integrity check.

use crate::feed::protocol::{FromSnapshot, SnapshotRule};
use crate::integrity::SeqVerdict;
use crate::venue::seq::{ChainRule, LinkedIds};

/// Sequence rule for one Bitget v2 (or UTA v3) `books` book.
///
/// Bitget's procedure (`docs/venues.md` "Bitget", `[PROBE]` bitget profile 2026-09-15):
/// 1. "snapshot `pseq` 0" (build a new rule with [`ChainRule::from_snapshot`], which keeps its
///    `seq`).
/// 2. "each update `pseq == previous seq`, else reconnect/resubscribe" ([`SeqVerdict::Gap`] with
///    `expected` = the previous `seq`, `got` = the update's `pseq`).
/// 3. "`seq` can exceed 2^53 on coin-M -> parse as u64, not f64".
pub type BooksRule = ChainRule<LinkedIds>;

/// The `seq` and `pseq` of one `books` message (`pseq` is `0` on a snapshot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeqIds {
    pub seq: u64,
    pub pseq: u64,
}

/// [`BooksRule`] over feeds with and without ids.
///
/// The legacy v1 stream (the 2022 recordings) numbered nothing: when a snapshot and its updates
/// all lack ids every update is applied and integrity rests on the checksum those frames carried
/// (every one of them did). A book whose frames carry ids on one side only is inconsistent and
/// answered `Gap` (an absent id reported as `0`), as OKX's rule does.
#[derive(Clone, Copy, Debug)]
pub struct BitgetRule(Option<BooksRule>);

impl SnapshotRule for BitgetRule {
    /// `None` on frames without `seq`/`pseq`.
    type Fields = Option<SeqIds>;

    fn from_snapshot(ids: &Option<SeqIds>) -> Self {
        BitgetRule(ids.map(|ids| BooksRule::from_snapshot(ids.seq)))
    }

    fn check(&mut self, ids: &Option<SeqIds>) -> SeqVerdict {
        match (&mut self.0, ids) {
            (None, None) => SeqVerdict::Apply,
            (Some(rule), Some(ids)) => rule.check(ids.pseq, ids.seq),
            (None, Some(ids)) => SeqVerdict::Gap {
                expected: 0,
                got: ids.pseq,
            },
            (Some(_), None) => SeqVerdict::Gap {
                expected: 0,
                got: 0,
            },
        }
    }
}

/// The driver's sequencer for Bitget books.
pub type BitgetSequencer = FromSnapshot<BitgetRule>;

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::testutil::{Tally, capture};

    // Ids below are the real MAVUSDT v2 frames quoted by the 2026-09-15 probe.
    #[test]
    fn updates_chain_on_pseq() {
        // {"action":"snapshot",..,"data":[{..,"seq":427583461144,"pseq":0}]}
        let mut rule = BooksRule::from_snapshot(427_583_461_144);
        assert_eq!(
            rule.check(427_583_461_144, 427_583_480_559),
            SeqVerdict::Apply
        );
        assert_eq!(
            rule.check(427_583_480_559, 427_583_480_664),
            SeqVerdict::Apply
        );
        assert_eq!(
            rule.check(427_583_480_559, 427_583_480_664),
            SeqVerdict::Gap {
                expected: 427_583_480_664,
                got: 427_583_480_559
            },
            "a duplicate names an old predecessor"
        );
    }

    #[test]
    fn ids_beyond_two_to_the_53_stay_exact() {
        let big = (1_u64 << 53) + 1;
        let mut rule = BooksRule::from_snapshot(big);
        assert_eq!(
            rule.check(big - 1, big + 2),
            SeqVerdict::Gap {
                expected: big,
                got: big - 1
            },
            "an f64 would have rounded these together"
        );
        assert_eq!(rule.check(big, big + 2), SeqVerdict::Apply);
    }

    #[test]
    fn legacy_frames_without_ids_apply_and_mixed_ones_are_gaps() {
        let mut legacy = BitgetRule::from_snapshot(&None);
        assert_eq!(legacy.check(&None), SeqVerdict::Apply);
        let ids = Some(SeqIds { seq: 12, pseq: 10 });
        assert_eq!(
            legacy.check(&ids),
            SeqVerdict::Gap {
                expected: 0,
                got: 10
            }
        );
        let mut v2 = BitgetRule::from_snapshot(&Some(SeqIds { seq: 10, pseq: 0 }));
        assert_eq!(
            v2.check(&None),
            SeqVerdict::Gap {
                expected: 0,
                got: 0
            }
        );
        assert_eq!(v2.check(&ids), SeqVerdict::Apply);
        assert_eq!(
            v2.check(&ids),
            SeqVerdict::Gap {
                expected: 12,
                got: 10
            }
        );
    }

    #[test]
    fn probe_frames_chain() {
        let Some(text) = capture("bitget/nemanull_2026-09-15_v2_v3_books_frames_trimmed.ndjson")
        else {
            return;
        };
        let mut rule = None;
        let mut tally = Tally::default();
        for line in text.lines() {
            let msg: Value = serde_json::from_str(line).unwrap();
            // v2 frames only: the v3 frame in the file came over another socket.
            if msg["arg"]["channel"] != "books" || msg.get("data").is_none() {
                continue;
            }
            let data = &msg["data"][0];
            let (seq, pseq) = (
                data["seq"].as_u64().unwrap(),
                data["pseq"].as_u64().unwrap(),
            );
            match (msg["action"].as_str().unwrap(), &mut rule) {
                ("snapshot", _) => rule = Some(BooksRule::from_snapshot(seq)),
                ("update", Some(rule)) => tally.add(rule.check(pseq, seq)),
                other => panic!("unexpected message order: {other:?}"),
            }
        }
        assert_eq!(
            tally,
            Tally {
                apply: 2,
                ..Tally::default()
            }
        );
    }
}
