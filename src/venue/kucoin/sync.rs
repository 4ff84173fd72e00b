//! KuCoin book sequence rules: Pro/UTA `obu` (`O`/`C`) and classic `level2` synced from a REST
//! snapshot (`sequenceStart`/`sequenceEnd`).

use crate::feed::protocol::{FromSnapshot, SnapshotRule};
use crate::integrity::SeqVerdict;
use crate::venue::seq::{BridgedIds, ChainRule, OverlappingIds};

/// Sequence rule for one Pro/UTA `obu` book with `depth: "increment@10ms"`.
///
/// KuCoin's procedure (`docs/venues.md` "KuCoin", `[LIB]` ccxt 4.5.90 `pro/kucoin.py`; `[PROBE]`):
/// 1. First message `"t":"snapshot"` (up to 500 per side): "store `C`" (build a new rule with
///    [`ChainRule::from_snapshot`]).
/// 2. Deltas: "apply when `O <= last+1 && C > last` (observed always `O == last+1`), set
///    last = `C`". A delta with `C <= last` is [`SeqVerdict::Stale`]; one with `O > last + 1` is
///    a [`SeqVerdict::Gap`] with `expected = last + 1`, `got = O`.
///
/// Depths `50` and `5` push full snapshots every 100 ms and need no rule.
pub type ObuRule = ChainRule<OverlappingIds>;

/// Sequence rule for one classic `/market/level2:<symbol>` book.
///
/// KuCoin's procedure (`docs/venues.md` "KuCoin", classic):
/// 1. Buffer the `level2` deltas and fetch REST `/api/v3/market/orderbook/level2` -> `sequence`
///    (build a rule with [`ChainRule::from_snapshot`]).
/// 2. "apply changes with seq > snapshot seq": a delta whose `sequenceEnd` is at or below the
///    snapshot is [`SeqVerdict::Stale`]; inside the first applied delta, which may straddle the
///    snapshot, skip each change `[price, size, sequence]` for which
///    [`ChainRule::is_after_snapshot`] is false.
/// 3. "chain `sequenceStart == prev sequenceEnd + 1`" ([`SeqVerdict::Gap`] with
///    `expected = prev sequenceEnd + 1`, `got = sequenceStart`).
///
/// The real 2021 capture uses this channel and replays with 0 gaps.
pub type Level2Rule = ChainRule<BridgedIds>;

/// The ids one KuCoin book message carries: `O..=C` of an `obu` push, `sequenceStart..=
/// sequenceEnd` of a classic delta (one `sequence` on futures); a snapshot (an `obu` snapshot or
/// a REST `sequence`) names one id, held in both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookIds {
    pub first: u64,
    pub last: u64,
    /// From the classic `level2` channel or its REST snapshot (recordings).
    pub classic: bool,
}

/// A KuCoin book's rule, by the channel its snapshot came from: `obu` live, classic `level2` in
/// replays of older recordings.
#[derive(Clone, Copy, Debug)]
pub enum BookRule {
    Obu(ObuRule),
    Level2(Level2Rule),
}

impl SnapshotRule for BookRule {
    type Fields = BookIds;

    fn from_snapshot(ids: &BookIds) -> Self {
        if ids.classic {
            BookRule::Level2(ChainRule::from_snapshot(ids.last))
        } else {
            BookRule::Obu(ChainRule::from_snapshot(ids.last))
        }
    }

    /// A classic delta straddling the snapshot is applied whole: its changes are in sequence
    /// order and cover every change between its start and the snapshot, so each price ends at
    /// its latest change, as [`ChainRule::is_after_snapshot`] filtering would leave it.
    fn check(&mut self, ids: &BookIds) -> SeqVerdict {
        match self {
            BookRule::Obu(rule) if !ids.classic => rule.check(ids.first, ids.last),
            BookRule::Level2(rule) if ids.classic => rule.check(ids.first, ids.last),
            // The other channel's ids do not continue this book's.
            _ => SeqVerdict::Gap {
                expected: 0,
                got: ids.first,
            },
        }
    }

    /// A REST snapshot joins a stream whose first buffered delta starts at or before
    /// `sequence + 1`; otherwise deltas were missed: fetch again.
    fn snapshot_usable(snapshot: &BookIds, first: &BookIds) -> bool {
        !snapshot.classic || first.first <= snapshot.last.saturating_add(1)
    }

    fn span(ids: &BookIds) -> Option<(u64, u64)> {
        Some((ids.first, ids.last))
    }
}

/// The driver's sequencer for KuCoin books.
pub type KucoinSequencer = FromSnapshot<BookRule>;

#[cfg(test)]
mod tests {
    use crate::integrity::SeqVerdict;
    use std::collections::HashMap;

    use serde_json::Value;

    use super::*;
    use crate::testutil::{CryptofeedLine, Tally, capture, cryptofeed_lines};

    // Ids below are the real ETHUSDTM/XBTUSDTM `obu` frames quoted by the 2026-09-22 probe.
    #[test]
    fn obu_deltas_continue_from_c() {
        // {"T":"obu.FUTURES","t":"snapshot","d":{"s":"ETHUSDTM","O":1736604716203,"C":1736604716203,..}}
        let mut rule = ObuRule::from_snapshot(1_736_604_716_203);
        assert_eq!(
            rule.check(1_736_604_716_204, 1_736_604_716_204),
            SeqVerdict::Apply
        );
        assert_eq!(
            rule.check(1_736_604_716_205, 1_736_604_716_206),
            SeqVerdict::Apply
        );
        assert_eq!(
            rule.check(1_736_604_716_205, 1_736_604_716_206),
            SeqVerdict::Stale
        );
        assert_eq!(
            rule.check(1_736_604_716_206, 1_736_604_716_208),
            SeqVerdict::Apply,
            "O <= last + 1 with C > last is applied"
        );
        // {"t":"delta","d":{"s":"XBTUSDTM","O":1747821262584,"C":1747821262585,..}} on this
        // book would skip ~11 billion ids.
        assert_eq!(
            rule.check(1_747_821_262_584, 1_747_821_262_585),
            SeqVerdict::Gap {
                expected: 1_736_604_716_209,
                got: 1_747_821_262_584
            }
        );
    }

    // Ids below are the real BCHSV-USDT snapshot and deltas from the 2021 capture.
    #[test]
    fn level2_deltas_bridge_the_rest_sequence_then_chain() {
        let mut rule = Level2Rule::from_snapshot(1_613_277_183_892);
        // {"data":{"sequenceStart":1613277183874,"sequenceEnd":1613277183874,..}}
        assert_eq!(
            rule.check(1_613_277_183_874, 1_613_277_183_874),
            SeqVerdict::Stale
        );
        assert_eq!(
            rule.check(1_613_277_183_893, 1_613_277_183_893),
            SeqVerdict::Apply
        );
        assert_eq!(
            rule.check(1_613_277_183_894, 1_613_277_183_895),
            SeqVerdict::Apply
        );
        assert_eq!(
            rule.check(1_613_277_183_897, 1_613_277_183_897),
            SeqVerdict::Gap {
                expected: 1_613_277_183_896,
                got: 1_613_277_183_897
            }
        );
    }

    #[test]
    fn level2_straddling_delta_applies_only_its_newer_changes() {
        let mut rule = Level2Rule::from_snapshot(100);
        assert_eq!(rule.check(99, 101), SeqVerdict::Apply);
        assert!(!rule.is_after_snapshot(99));
        assert!(!rule.is_after_snapshot(100));
        assert!(rule.is_after_snapshot(101));
        assert_eq!(
            rule.check(101, 102),
            SeqVerdict::Gap {
                expected: 102,
                got: 101
            },
            "after the bridge, deltas must chain exactly"
        );
    }

    #[test]
    fn level2_capture_has_no_gaps() {
        let (Some(ws), Some(http)) = (
            capture("kucoin/cryptofeed_KUCOIN.ws.1.0.txt"),
            capture("kucoin/cryptofeed_KUCOIN.http.0.0.txt"),
        ) else {
            return;
        };
        let mut rules = HashMap::new();
        for line in cryptofeed_lines(&http) {
            let CryptofeedLine::Rest { url, body } = line else {
                continue;
            };
            let symbol = url.split("symbol=").nth(1).unwrap();
            let body: Value = serde_json::from_str(body).unwrap();
            let sequence = body["data"]["sequence"].as_str().unwrap().parse().unwrap();
            rules.insert(symbol.to_owned(), Level2Rule::from_snapshot(sequence));
        }
        let mut tally = Tally::default();
        let (mut new_changes, mut old_changes) = (0, 0);
        for line in cryptofeed_lines(&ws) {
            let CryptofeedLine::Received(raw) = line else {
                continue;
            };
            let msg: Value = serde_json::from_str(raw).unwrap();
            if msg["subject"] != "trade.l2update" {
                continue;
            }
            let data = &msg["data"];
            let rule = rules.get_mut(data["symbol"].as_str().unwrap()).unwrap();
            let verdict = rule.check(
                data["sequenceStart"].as_u64().unwrap(),
                data["sequenceEnd"].as_u64().unwrap(),
            );
            tally.add(verdict);
            if verdict != SeqVerdict::Apply {
                continue;
            }
            for side in ["asks", "bids"] {
                for change in data["changes"][side].as_array().unwrap() {
                    let sequence = change[2].as_str().unwrap().parse().unwrap();
                    if rule.is_after_snapshot(sequence) {
                        new_changes += 1;
                    } else {
                        old_changes += 1;
                    }
                }
            }
        }
        assert_eq!(rules.len(), 9);
        assert_eq!(
            tally,
            Tally {
                apply: 3805,
                stale: 48,
                ..Tally::default()
            }
        );
        assert_eq!(
            (new_changes, old_changes),
            (3805, 0),
            "one change per delta"
        );
    }
}
