//! Deribit `book.{instrument}.{interval}` sequence rule (`change_id`/`prev_change_id`).

use crate::feed::protocol::{FromSnapshot, SnapshotRule};
use crate::integrity::SeqVerdict;
use crate::venue::seq::{ChainRule, LinkedIds};

/// Sequence rule for one Deribit `book.{instrument}.{100ms|agg2|raw}` book.
///
/// Deribit's procedure (`docs/venues.md` "Deribit"):
/// 1. First message `type:"snapshot"` (full depth; build a new rule with
///    [`ChainRule::from_snapshot`], which keeps its `change_id`).
/// 2. Then `type:"change"` messages: "`prev_change_id == last change_id`, else resync"
///    ([`SeqVerdict::Gap`] with `expected` = the last `change_id`, `got` = `prev_change_id`).
///
/// Resync consequence: "re-subscribing on the same socket does NOT give a new snapshot —
/// unsubscribe/subscribe or reconnect". After a gap the caller must send `public/unsubscribe`
/// before `public/subscribe` (or reconnect); a bare second `public/subscribe` keeps feeding
/// changes this rule can never link again, so the book would stay unsynced forever.
pub type BookRule = ChainRule<LinkedIds>;

/// The ids one Deribit book message carries. A snapshot names only its `change_id` (the 2020
/// frames have no `type` and no `prev_change_id` on it): `prev` is then the same id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangeIds {
    pub prev: u64,
    pub change: u64,
}

/// [`BookRule`] over [`ChangeIds`], for the driver.
#[derive(Clone, Copy, Debug)]
pub struct ChangeRule(BookRule);

impl SnapshotRule for ChangeRule {
    type Fields = ChangeIds;

    fn from_snapshot(ids: &ChangeIds) -> Self {
        ChangeRule(BookRule::from_snapshot(ids.change))
    }

    fn check(&mut self, ids: &ChangeIds) -> SeqVerdict {
        self.0.check(ids.prev, ids.change)
    }
}

/// The driver's sequencer for Deribit books.
pub type DeribitSequencer = FromSnapshot<ChangeRule>;

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::Value;

    use super::*;
    use crate::testutil::{CryptofeedLine, Tally, capture, cryptofeed_lines};

    // Ids below are the real BTC-24SEP21-8000-P messages from the 2021 capture.
    #[test]
    fn changes_chain_on_prev_change_id() {
        // {"type":"snapshot","change_id":33195894164,"instrument_name":"BTC-24SEP21-8000-P",..}
        let mut rule = BookRule::from_snapshot(33_195_894_164);
        // {"type":"change","prev_change_id":33195894164,"change_id":33195894355,..}
        assert_eq!(
            rule.check(33_195_894_164, 33_195_894_355),
            SeqVerdict::Apply
        );
        assert_eq!(
            rule.check(33_195_894_355, 33_195_894_358),
            SeqVerdict::Apply
        );
        assert_eq!(
            rule.check(33_195_894_355, 33_195_894_358),
            SeqVerdict::Gap {
                expected: 33_195_894_358,
                got: 33_195_894_355
            },
            "a duplicate names an old predecessor"
        );
        assert_eq!(
            rule.check(33_195_894_400, 33_195_894_410),
            SeqVerdict::Gap {
                expected: 33_195_894_358,
                got: 33_195_894_400
            }
        );
    }

    #[test]
    fn capture_books_chain_without_gaps() {
        let Some(text) = capture("deribit/cryptofeed_DERIBIT.ws.1.0.txt") else {
            return;
        };
        let mut rules = HashMap::new();
        let mut tally = Tally::default();
        for line in cryptofeed_lines(&text) {
            let CryptofeedLine::Received(raw) = line else {
                continue;
            };
            let msg: Value = serde_json::from_str(raw).unwrap();
            let params = &msg["params"];
            if !params["channel"]
                .as_str()
                .is_some_and(|c| c.starts_with("book."))
            {
                continue;
            }
            let data = &params["data"];
            let instrument = data["instrument_name"].as_str().unwrap().to_owned();
            let change_id = data["change_id"].as_u64().unwrap();
            match data["type"].as_str().unwrap() {
                "snapshot" => {
                    rules.insert(instrument, BookRule::from_snapshot(change_id));
                }
                "change" => {
                    let prev = data["prev_change_id"].as_u64().unwrap();
                    tally.add(rules.get_mut(&instrument).unwrap().check(prev, change_id));
                }
                other => panic!("unexpected book message type {other}"),
            }
        }
        assert_eq!(rules.len(), 10, "one snapshot per subscribed option");
        assert_eq!(
            tally,
            Tally {
                apply: 36,
                ..Tally::default()
            }
        );
    }
}
