//! Gate v4 book sequence rules: `spot.obu`/`futures.obu` (preferred) and the legacy
//! `*.order_book_update` channel synced from a REST snapshot.

use crate::feed::protocol::{FromSnapshot, SnapshotRule};
use crate::integrity::SeqVerdict;
use crate::venue::seq::{BridgedIds, ChainRule, ExactIds};

/// Sequence rule for one `spot.obu` / `futures.obu` book (`ob.<PAIR>.<level>`).
///
/// Gate's procedure (`docs/venues.md` "Gate (v4)", `[PROBE]` `[LIB]` ccxt 4.5.90 `pro/gate.py`):
/// 1. "First push `result.full=true` (replace book, store `u`)" (build a new rule with
///    [`ChainRule::from_snapshot`]).
/// 2. "rule **apply only if `U == last_u + 1`**, else unsubscribe+resubscribe"
///    ([`SeqVerdict::Gap`] with `expected = last_u + 1`, `got = U`); a delta wholly at or below
///    `last_u` is a duplicate ([`SeqVerdict::Stale`]).
/// 3. "deltas with no `b`/`a` still advance the id": the caller must pass them here too.
pub type ObuRule = ChainRule<ExactIds>;

/// Sequence rule for one legacy `spot.order_book_update` / `futures.order_book_update` book.
///
/// Gate's procedure (`docs/venues.md` "Gate (v4)", legacy channel):
/// 1. The channel sends no snapshot: REST
///    `GET /api/v4/spot/order_book?currency_pair=..&limit=100&with_id=true` -> `id` (build a rule
///    with [`ChainRule::from_snapshot`]).
/// 2. "discard `u < id+1`" ([`SeqVerdict::Stale`]).
/// 3. "first `U <= id+1 <= u`".
/// 4. "then `U == prev u + 1`" ([`SeqVerdict::Gap`] with `expected = prev u + 1`, `got = U`).
///
/// The real 2021 spot and 2023 futures captures use this channel; both replay with 0 gaps.
pub type OrderBookUpdateRule = ChainRule<BridgedIds>;

/// The ids one Gate book message carries: `U..=u` of a delta; a snapshot (an `obu` `full` push,
/// or a REST snapshot's `id`) names one id, held in both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookIds {
    pub first: u64,
    pub last: u64,
    /// From the legacy `*.order_book_update` channel or its REST snapshot (recordings).
    pub legacy: bool,
}

/// A Gate book's rule, by the channel its snapshot came from: `obu` live, the legacy channel in
/// replays of older recordings.
#[derive(Clone, Copy, Debug)]
pub enum BookRule {
    Obu(ObuRule),
    Legacy(OrderBookUpdateRule),
}

impl SnapshotRule for BookRule {
    type Fields = BookIds;

    fn from_snapshot(ids: &BookIds) -> Self {
        if ids.legacy {
            BookRule::Legacy(ChainRule::from_snapshot(ids.last))
        } else {
            BookRule::Obu(ChainRule::from_snapshot(ids.last))
        }
    }

    fn check(&mut self, ids: &BookIds) -> SeqVerdict {
        match self {
            BookRule::Obu(rule) if !ids.legacy => rule.check(ids.first, ids.last),
            BookRule::Legacy(rule) if ids.legacy => rule.check(ids.first, ids.last),
            // The other channel's ids do not continue this book's.
            _ => SeqVerdict::Gap {
                expected: 0,
                got: ids.first,
            },
        }
    }

    /// A legacy REST snapshot joins a stream whose first buffered update starts at or before
    /// `id + 1` ("first `U <= id+1 <= u`"); otherwise updates were missed: fetch again.
    fn snapshot_usable(snapshot: &BookIds, first: &BookIds) -> bool {
        !snapshot.legacy || first.first <= snapshot.last.saturating_add(1)
    }

    fn span(ids: &BookIds) -> Option<(u64, u64)> {
        Some((ids.first, ids.last))
    }
}

/// The driver's sequencer for Gate books.
pub type GateSequencer = FromSnapshot<BookRule>;

#[cfg(test)]
mod tests {
    use crate::integrity::SeqVerdict;
    use std::collections::HashMap;

    use serde_json::Value;

    use super::*;
    use crate::testutil::{CryptofeedLine, Tally, capture, cryptofeed_lines};

    // Ids below are the real BTC_USDT `futures.obu` deltas quoted by the 2026-09-15 probe; the
    // second carries no `b`/`a` and still advances the id.
    #[test]
    fn obu_deltas_must_follow_on_exactly() {
        let mut rule = ObuRule::from_snapshot(125_033_675_974);
        // {"s":"ob.BTC_USDT.50","U":125033675975,"u":125033676003,"b":[..],"a":[..]}
        assert_eq!(
            rule.check(125_033_675_975, 125_033_676_003),
            SeqVerdict::Apply
        );
        // {"s":"ob.BTC_USDT.50","U":125033676004,"u":125033676011}
        assert_eq!(
            rule.check(125_033_676_004, 125_033_676_011),
            SeqVerdict::Apply
        );
        assert_eq!(
            rule.check(125_033_676_004, 125_033_676_011),
            SeqVerdict::Stale
        );
        assert_eq!(
            rule.check(125_033_676_010, 125_033_676_020),
            SeqVerdict::Gap {
                expected: 125_033_676_012,
                got: 125_033_676_010
            },
            "overlap is not allowed on obu"
        );
        assert_eq!(
            rule.check(125_033_676_013, 125_033_676_020),
            SeqVerdict::Gap {
                expected: 125_033_676_012,
                got: 125_033_676_013
            }
        );
    }

    // Ids below are the real HAI_ETH snapshot and first updates from the 2021 spot capture.
    #[test]
    fn legacy_updates_bridge_the_rest_id_then_follow_on() {
        let mut rule = OrderBookUpdateRule::from_snapshot(2_691_446);
        // {"channel":"spot.order_book_update","result":{"U":2691446,"u":2691446,..}}
        assert_eq!(rule.check(2_691_446, 2_691_446), SeqVerdict::Stale);
        assert_eq!(rule.check(2_691_447, 2_691_448), SeqVerdict::Apply);
        assert_eq!(rule.check(2_691_449, 2_691_452), SeqVerdict::Apply);
        assert_eq!(
            rule.check(2_691_454, 2_691_455),
            SeqVerdict::Gap {
                expected: 2_691_453,
                got: 2_691_454
            }
        );
    }

    #[test]
    fn legacy_first_update_may_straddle_the_rest_id() {
        // FAST_USDT's first update starts long before the snapshot id 1138115 and ends on it;
        // one ending past it would bridge.
        let mut rule = OrderBookUpdateRule::from_snapshot(1_138_115);
        assert_eq!(rule.check(1_130_669, 1_138_115), SeqVerdict::Stale);
        assert_eq!(rule.check(1_130_669, 1_138_117), SeqVerdict::Apply);
        assert_eq!(rule.check(1_138_118, 1_138_120), SeqVerdict::Apply);
    }

    /// Replay a cryptofeed Gate recording: REST `id` per pair, then `*.order_book_update`.
    fn replay_legacy(ws: &str, http: &str) -> Option<(usize, Tally)> {
        let (ws, http) = (capture(ws)?, capture(http)?);
        let mut rules = HashMap::new();
        for line in cryptofeed_lines(&http) {
            let CryptofeedLine::Rest { url, body } = line else {
                continue;
            };
            // `currency_pair=X` (spot) or `contract=X` (futures), first query parameter.
            let pair = url.split(['=', '&']).nth(1).unwrap();
            let body: Value = serde_json::from_str(body).unwrap();
            let rule = OrderBookUpdateRule::from_snapshot(body["id"].as_u64().unwrap());
            rules.insert(pair.to_owned(), rule);
        }
        let mut tally = Tally::default();
        for line in cryptofeed_lines(&ws) {
            let CryptofeedLine::Received(raw) = line else {
                continue;
            };
            let msg: Value = serde_json::from_str(raw).unwrap();
            let is_book = msg["channel"]
                .as_str()
                .is_some_and(|c| c.ends_with(".order_book_update"));
            if !is_book || msg["event"] != "update" {
                continue;
            }
            let result = &msg["result"];
            let rule = rules.get_mut(result["s"].as_str().unwrap()).unwrap();
            tally.add(rule.check(result["U"].as_u64().unwrap(), result["u"].as_u64().unwrap()));
        }
        Some((rules.len(), tally))
    }

    #[test]
    fn legacy_spot_capture_has_no_gaps() {
        let Some((pairs, tally)) = replay_legacy(
            "gateio/cryptofeed_GATEIO.ws.1.0_spot.txt",
            "gateio/cryptofeed_GATEIO.http.0.0_spot.txt",
        ) else {
            return;
        };
        assert_eq!(pairs, 10);
        assert_eq!(
            tally,
            Tally {
                apply: 159,
                stale: 13,
                ..Tally::default()
            }
        );
    }

    #[test]
    fn legacy_futures_capture_has_no_gaps() {
        let Some((contracts, tally)) = replay_legacy(
            "gateio/cryptofeed_GATEIO_FUTURES.ws.1.0.txt",
            "gateio/cryptofeed_GATEIO_FUTURES.http.0.0.txt",
        ) else {
            return;
        };
        assert_eq!(contracts, 10);
        assert_eq!(
            tally,
            Tally {
                apply: 316,
                stale: 36,
                ..Tally::default()
            }
        );
    }
}
