//! Bybit v5 `orderbook.{depth}.{symbol}` sequence rule.

use crate::feed::protocol::{FromSnapshot, SnapshotRule};
use crate::integrity::SeqVerdict;
use crate::venue::seq::UpdateIds;

/// Sequence rule for one Bybit v5 `orderbook.{depth}.{symbol}` book.
///
/// Bybit's procedure (`docs/venues.md` "Bybit v5", `[PROBE, docs-derived]`, `[LIB]` ccxt `pro/bybit.py`):
/// 1. "replace the book on every `snapshot`" (build a new rule with [`OrderbookRule::from_snapshot`]).
/// 2. "**`u == 1` in a message means service restart -> reset the book**"
///    ([`SeqVerdict::Reset`]; a delta is not a book, so the caller rebuilds from a fresh
///    snapshot, and a `snapshot` message with `u == 1` is simply a snapshot).
/// 3. `seq` "is a cross-sequence usable to order messages across depths (not contiguous)": not
///    used here.
/// 4. "safe rule: if a delta's `u != last_u + 1` re-subscribe" ([`SeqVerdict::Gap`] with
///    `expected = last_u + 1`, `got = u`); a delta with `u <= last_u` is a duplicate
///    ([`SeqVerdict::Stale`]).
///
/// Consecutive `u` is only documented for `orderbook.full`; `docs/venues.md` checked it on the real
/// `orderbook.500` capture (49 deltas, `u` 20254869..20254918), which the test below replays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderbookRule {
    last_u: UpdateIds,
}

impl OrderbookRule {
    /// Start from a `"type":"snapshot"` message's `data.u`.
    pub const fn from_snapshot(u: u64) -> Self {
        Self {
            last_u: UpdateIds::new(u),
        }
    }

    /// Judge a `"type":"delta"` message by its `data.u`.
    #[must_use]
    pub fn check_delta(&mut self, u: u64) -> SeqVerdict {
        if u == 1 {
            self.last_u = UpdateIds::new(u);
            return SeqVerdict::Reset;
        }
        self.last_u.advance_exact(u, u)
    }
}

/// What one `orderbook` message carries for the rule and for audits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookIds {
    /// `data.u`: this depth's update id, which the rule follows.
    pub u: u64,
    /// `data.seq`: the cross sequence, which the REST snapshot (`GET /v5/market/orderbook`)
    /// names too (its `u` follows only the 200-level spot / 500-level contract stream).
    pub seq: Option<u64>,
}

impl SnapshotRule for OrderbookRule {
    type Fields = BookIds;

    fn from_snapshot(ids: &BookIds) -> Self {
        OrderbookRule::from_snapshot(ids.u)
    }

    fn check(&mut self, ids: &BookIds) -> SeqVerdict {
        self.check_delta(ids.u)
    }

    /// `seq` is not contiguous: a message covers everything after the previous one up to its
    /// own `seq` (`first` 0 stands for "right after the book's last").
    fn span(ids: &BookIds) -> Option<(u64, u64)> {
        ids.seq.map(|seq| (0, seq))
    }
}

/// The driver's sequencer for Bybit books.
pub type BybitSequencer = FromSnapshot<OrderbookRule>;

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::testutil::{Tally, capture};

    // Ids below are the first messages of the real XRPUSDT `orderbook.500` capture.
    #[test]
    fn deltas_step_by_one_from_the_snapshot() {
        // {"topic":"orderbook.500.XRPUSDT","type":"snapshot","data":{"u":20254869,"seq":130020238981,..}}
        let mut rule = OrderbookRule::from_snapshot(20_254_869);
        assert_eq!(rule.check_delta(20_254_870), SeqVerdict::Apply);
        assert_eq!(rule.check_delta(20_254_871), SeqVerdict::Apply);
        assert_eq!(rule.check_delta(20_254_871), SeqVerdict::Stale, "duplicate");
        assert_eq!(rule.check_delta(20_254_860), SeqVerdict::Stale, "older");
        assert_eq!(
            rule.check_delta(20_254_873),
            SeqVerdict::Gap {
                expected: 20_254_872,
                got: 20_254_873
            }
        );
    }

    #[test]
    fn u_of_one_is_a_service_restart_that_replaces_the_book() {
        let mut rule = OrderbookRule::from_snapshot(20_254_869);
        assert_eq!(rule.check_delta(1), SeqVerdict::Reset);
        assert_eq!(
            rule.check_delta(2),
            SeqVerdict::Apply,
            "counting restarts from 1"
        );
    }

    #[test]
    fn ob500_capture_has_no_gaps() {
        let Some(text) = capture("bybit/nautilus_2024-12-01_XRPUSDT_ob500.ndjson") else {
            return;
        };
        let mut rule = None;
        let mut tally = Tally::default();
        for line in text.lines() {
            let msg: Value = serde_json::from_str(line).unwrap();
            let u = msg["data"]["u"].as_u64().unwrap();
            match (msg["type"].as_str().unwrap(), &mut rule) {
                ("snapshot", _) => rule = Some(OrderbookRule::from_snapshot(u)),
                ("delta", Some(rule)) => tally.add(rule.check_delta(u)),
                other => panic!("unexpected message order: {other:?}"),
            }
        }
        assert!(rule.is_some());
        assert_eq!(
            tally,
            Tally {
                apply: 49,
                ..Tally::default()
            }
        );
    }
}
