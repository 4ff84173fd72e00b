//! OKX v5 `books` sequence rule (`seqId`/`prevSeqId`).
//!
//! Since 2026-06-23 the `checksum` field is always `0` ("Changes of 2026" #1), so on a current
//! feed this rule is the book's only integrity check.

use crate::feed::protocol::{FromSnapshot, SnapshotRule};
use crate::integrity::SeqVerdict;
use crate::venue::seq::Linked;

/// The `prevSeqId` and `seqId` of one `books` / `books-l2-tbt` / `books50-l2-tbt` message.
///
/// `seqId` is never negative; `prevSeqId` is `-1` on snapshots, hence the two types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeqIds {
    pub prev_seq_id: i64,
    pub seq_id: u64,
}

/// Sequence rule for one OKX book.
///
/// OKX's procedure (`docs/venues.md` "OKX v5", `[LIB]` ccxt `pro/okx.py` handle_order_book_message;
/// `[PROBE]`):
/// 1. "snapshot has `prevSeqId = -1`" (build a new rule with [`BooksRule::from_snapshot`],
///    which keeps its `seqId`).
/// 2. "each update requires `prevSeqId == last seqId`, else resubscribe" ([`SeqVerdict::Gap`]
///    with `expected` = the last `seqId`, `got` = the update's `prevSeqId`).
/// 3. "an update with `seqId == prevSeqId` and empty arrays is a heartbeat (~60 s idle)"
///    ([`SeqVerdict::Ignore`], only once step 2 holds: a heartbeat must belong to this book too).
/// 4. Sequence reset: "during maintenance `seqId` may drop below `prevSeqId` and subsequent
///    messages follow the regular rule" (the books page's example chain is 15 → 3 → 5). Once
///    step 2 holds, such a message continues the book ([`SeqVerdict::Restarted`]: applied, and
///    counted as a restart, not a gap).
///
/// Messages recorded before OKX added the ids (the real 2022 capture has none) cannot be judged:
/// when the snapshot and its updates all lack them the rule answers `Apply` and integrity rests
/// on the checksum those feeds carried. A feed that has ids on one side only is inconsistent and
/// answered `Gap`, with an absent or negative id reported as `0`.
///
/// A REST snapshot (`GET /api/v5/market/books`, for a channel that pushes none) was taken
/// while the stream ran, so the update that continues it need not name its `seqId`: "the first
/// update with `prevSeqId <= snapshot seqId < seqId` continues it" ([`BooksRule::from_rest`]);
/// updates it already covers (`seqId <= snapshot seqId`) are `Stale`, and from the bridge on
/// the chain is exact again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BooksRule {
    /// `None`: the snapshot carried no `seqId`.
    last_seq_id: Option<Linked>,
    /// Built from a REST snapshot and not yet bridged to the stream.
    bridging: bool,
}

impl BooksRule {
    /// Start from a `"action":"snapshot"` message's `seqId` (`None` if it had none).
    pub const fn from_snapshot(seq_id: Option<u64>) -> Self {
        let last_seq_id = match seq_id {
            Some(id) => Some(Linked::new(id)),
            None => None,
        };
        Self {
            last_seq_id,
            bridging: false,
        }
    }

    /// Start from a REST snapshot's `seqId`.
    pub const fn from_rest(seq_id: u64) -> Self {
        Self {
            last_seq_id: Some(Linked::new(seq_id)),
            bridging: true,
        }
    }

    /// Judge a `"action":"update"` message by its ids (`None` if it had none) and whether it
    /// carried any `bids`/`asks` level.
    #[must_use]
    pub fn check(&mut self, ids: Option<SeqIds>, has_levels: bool) -> SeqVerdict {
        if self.bridging {
            return self.bridge(ids);
        }
        let (chain, ids) = match (&mut self.last_seq_id, ids) {
            (None, None) => return SeqVerdict::Apply,
            (None, Some(ids)) => {
                return SeqVerdict::Gap {
                    expected: 0,
                    got: ids.prev_seq_id.try_into().unwrap_or(0),
                };
            }
            (Some(chain), None) => {
                return SeqVerdict::Gap {
                    expected: chain.last(),
                    got: 0,
                };
            }
            (Some(chain), Some(ids)) => (chain, ids),
        };
        let Ok(prev_seq_id) = u64::try_from(ids.prev_seq_id) else {
            return SeqVerdict::Gap {
                expected: chain.last(),
                got: 0,
            };
        };
        let linked = chain.link(prev_seq_id, ids.seq_id);
        if linked != SeqVerdict::Apply {
            return linked;
        }
        if ids.seq_id < prev_seq_id {
            SeqVerdict::Restarted
        } else if ids.seq_id == prev_seq_id && !has_levels {
            SeqVerdict::Ignore
        } else {
            SeqVerdict::Apply
        }
    }

    /// The first updates after a REST snapshot (see the type's docs).
    fn bridge(&mut self, ids: Option<SeqIds>) -> SeqVerdict {
        let snapshot = self.last_seq_id.map_or(0, |chain| chain.last());
        let Some(ids) = ids else {
            return SeqVerdict::Gap {
                expected: snapshot,
                got: 0,
            };
        };
        let prev = u64::try_from(ids.prev_seq_id).unwrap_or(0);
        if ids.prev_seq_id < 0 || ids.seq_id < prev || prev > snapshot {
            // A snapshot sentinel, a sequence reset while joining (which would make every
            // later update look covered), or updates missed between snapshot and stream.
            return SeqVerdict::Gap {
                expected: snapshot,
                got: prev,
            };
        }
        if ids.seq_id <= snapshot {
            return SeqVerdict::Stale;
        }
        self.last_seq_id = Some(Linked::new(ids.seq_id));
        self.bridging = false;
        SeqVerdict::Apply
    }
}

/// What one `books` message carries for the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OkxFields {
    /// `None` on feeds recorded before OKX added the ids.
    pub ids: Option<SeqIds>,
    pub has_levels: bool,
    /// A REST snapshot (`GET /api/v5/market/books`), which the stream bridges to.
    pub from_rest: bool,
}

impl SnapshotRule for BooksRule {
    type Fields = OkxFields;

    fn from_snapshot(fields: &OkxFields) -> Self {
        let seq_id = fields.ids.map(|ids| ids.seq_id);
        match seq_id {
            Some(id) if fields.from_rest => BooksRule::from_rest(id),
            _ => BooksRule::from_snapshot(seq_id),
        }
    }

    fn check(&mut self, fields: &OkxFields) -> SeqVerdict {
        BooksRule::check(self, fields.ids, fields.has_levels)
    }

    /// An update covers the ids after its `prevSeqId` up to its `seqId`; a snapshot, its
    /// `seqId`. A sequence reset has no place in that order.
    fn span(fields: &OkxFields) -> Option<(u64, u64)> {
        let ids = fields.ids?;
        match u64::try_from(ids.prev_seq_id) {
            Err(_) => Some((ids.seq_id, ids.seq_id)),
            Ok(prev) if ids.seq_id >= prev => Some(((prev + 1).min(ids.seq_id), ids.seq_id)),
            Ok(_) => None,
        }
    }

    /// A REST snapshot older than the first buffered update cannot be joined to it: fetch again.
    fn snapshot_usable(snapshot: &OkxFields, first: &OkxFields) -> bool {
        match (snapshot.ids, first.ids) {
            (Some(s), Some(f)) => f.prev_seq_id <= i64::try_from(s.seq_id).unwrap_or(i64::MAX),
            _ => true,
        }
    }
}

/// The driver's sequencer for OKX books.
pub type OkxSequencer = FromSnapshot<BooksRule>;

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::testutil::{CryptofeedLine, Tally, capture, cryptofeed_lines};

    const fn ids(prev_seq_id: i64, seq_id: u64) -> Option<SeqIds> {
        Some(SeqIds {
            prev_seq_id,
            seq_id,
        })
    }

    // Message shapes: {"action":"snapshot","data":[{"prevSeqId":-1,"seqId":10,..}]}, then
    // {"action":"update","data":[{"prevSeqId":10,"seqId":15,"asks":[..],"bids":[..],..}]}.
    #[test]
    fn updates_chain_on_prev_seq_id() {
        let mut rule = BooksRule::from_snapshot(Some(10));
        assert_eq!(rule.check(ids(10, 15), true), SeqVerdict::Apply);
        assert_eq!(rule.check(ids(15, 27), true), SeqVerdict::Apply);
        assert_eq!(
            rule.check(ids(15, 27), true),
            SeqVerdict::Gap {
                expected: 27,
                got: 15
            },
            "a duplicate names an old predecessor"
        );
        assert_eq!(
            rule.check(ids(30, 41), true),
            SeqVerdict::Gap {
                expected: 27,
                got: 30
            }
        );
    }

    #[test]
    fn an_empty_update_repeating_the_id_is_a_heartbeat_only_if_it_belongs() {
        let mut rule = BooksRule::from_snapshot(Some(15));
        // {"asks":[],"bids":[],"prevSeqId":15,"seqId":15}
        assert_eq!(rule.check(ids(15, 15), false), SeqVerdict::Ignore);
        assert_eq!(rule.check(ids(15, 18), true), SeqVerdict::Apply);
        assert_eq!(
            rule.check(ids(15, 15), false),
            SeqVerdict::Gap {
                expected: 18,
                got: 15
            },
            "a heartbeat for an older id means updates were lost"
        );
    }

    #[test]
    fn a_smaller_seq_id_after_the_last_one_is_a_maintenance_reset_the_chain_follows() {
        let mut rule = BooksRule::from_snapshot(Some(15));
        // {"prevSeqId":15,"seqId":3}: OKX restarted its sequence.
        assert_eq!(rule.check(ids(15, 3), true), SeqVerdict::Restarted);
        assert_eq!(
            rule.check(ids(3, 5), true),
            SeqVerdict::Apply,
            "new sequence"
        );
        assert_eq!(
            rule.check(ids(9, 2), true),
            SeqVerdict::Gap {
                expected: 5,
                got: 9
            },
            "a reset that does not link is a gap first"
        );
    }

    /// `prevSeqId <= snapshot seqId < seqId` bridges a REST snapshot; covered updates before it
    /// are stale, and after it the chain is exact.
    #[test]
    fn a_rest_snapshot_is_bridged_by_the_update_that_straddles_it() {
        let mut rule = BooksRule::from_rest(20);
        assert_eq!(rule.check(ids(12, 15), true), SeqVerdict::Stale);
        assert_eq!(rule.check(ids(15, 20), true), SeqVerdict::Stale);
        assert_eq!(rule.check(ids(20, 20), false), SeqVerdict::Stale);
        assert_eq!(rule.check(ids(18, 24), true), SeqVerdict::Apply);
        assert_eq!(rule.check(ids(24, 30), true), SeqVerdict::Apply);
        assert_eq!(
            rule.check(ids(29, 31), true),
            SeqVerdict::Gap {
                expected: 30,
                got: 29
            },
            "bridged: the chain is exact again"
        );

        let mut late = BooksRule::from_rest(20);
        assert_eq!(
            late.check(ids(22, 25), true),
            SeqVerdict::Gap {
                expected: 20,
                got: 22
            },
            "the update after the snapshot was missed"
        );
        let mut reset = BooksRule::from_rest(20);
        assert!(matches!(
            reset.check(ids(18, 3), true),
            SeqVerdict::Gap { .. }
        ));
    }

    #[test]
    fn a_snapshot_sentinel_on_an_update_is_a_gap() {
        let mut rule = BooksRule::from_snapshot(Some(0));
        assert_eq!(
            rule.check(ids(-1, 7), true),
            SeqVerdict::Gap {
                expected: 0,
                got: 0
            }
        );
    }

    #[test]
    fn ids_present_on_one_side_only_are_a_gap() {
        let mut with_ids = BooksRule::from_snapshot(Some(10));
        assert_eq!(
            with_ids.check(None, true),
            SeqVerdict::Gap {
                expected: 10,
                got: 0
            }
        );
        let mut without_ids = BooksRule::from_snapshot(None);
        assert_eq!(
            without_ids.check(ids(10, 15), true),
            SeqVerdict::Gap {
                expected: 0,
                got: 10
            }
        );
    }

    #[test]
    fn capture_from_2022_has_no_ids_so_every_update_is_left_to_the_checksum() {
        let Some(text) = capture("okx/cryptofeed_OKX.ws.1.0.txt") else {
            return;
        };
        let mut snapshots = 0;
        let mut tally = Tally::default();
        let mut rules = std::collections::HashMap::new();
        for line in cryptofeed_lines(&text) {
            let CryptofeedLine::Received(raw) = line else {
                continue;
            };
            let msg: Value = serde_json::from_str(raw).unwrap();
            if msg["arg"]["channel"] != "books" || msg.get("action").is_none() {
                continue;
            }
            let inst_id = msg["arg"]["instId"].as_str().unwrap().to_owned();
            for data in msg["data"].as_array().unwrap() {
                let seq_id = data.get("seqId").map(|v| v.as_u64().unwrap());
                let prev_seq_id = data.get("prevSeqId").map(|v| v.as_i64().unwrap());
                let message_ids = seq_id.zip(prev_seq_id).map(|(seq_id, prev_seq_id)| SeqIds {
                    prev_seq_id,
                    seq_id,
                });
                if msg["action"] == "snapshot" {
                    snapshots += 1;
                    rules.insert(inst_id.clone(), BooksRule::from_snapshot(seq_id));
                } else {
                    let has_levels = data["asks"].as_array().is_some_and(|l| !l.is_empty())
                        || data["bids"].as_array().is_some_and(|l| !l.is_empty());
                    tally.add(
                        rules
                            .get_mut(&inst_id)
                            .unwrap()
                            .check(message_ids, has_levels),
                    );
                }
            }
        }
        assert_eq!(snapshots, 3);
        assert_eq!(
            tally,
            Tally {
                apply: 287,
                ..Tally::default()
            }
        );
    }
}
