//! Binance diff-depth sequence rules: spot (`U`/`u` continuity) and USDⓈ-M (`pu` chain).
//!
//! Both books start from a REST snapshot fetched while the diff stream is already buffered, so
//! the first events overlap the snapshot. The rules differ after that: spot ranges must touch
//! (`U <= local + 1`), USDⓈ-M events name their predecessor (`pu`).

use crate::feed::protocol::SnapshotRule;
use crate::integrity::SeqVerdict;
use crate::venue::seq::{Linked, UpdateIds};

/// The update ids one book message carries, for both markets.
///
/// A `depthUpdate` event carries `U` (first), `u` (final) and, on USDⓈ-M only, `pu` (the
/// previous event's `u`). A REST snapshot carries only `lastUpdateId`, stored as
/// `first == last == lastUpdateId` with no `prev` ([`DepthIds::snapshot`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepthIds {
    pub first: u64,
    pub last: u64,
    pub prev: Option<u64>,
}

impl DepthIds {
    /// The ids of a REST snapshot whose `lastUpdateId` is `last_update_id`.
    pub const fn snapshot(last_update_id: u64) -> Self {
        Self {
            first: last_update_id,
            last: last_update_id,
            prev: None,
        }
    }
}

/// Sequence rule for a spot `<symbol>@depth[@100ms]` book.
///
/// Binance's procedure (`[DOC]` binance/binance-spot-api-docs `web-socket-streams.md` @ a5e0bc3,
/// 2026-07-21, "How to manage a local order book correctly", as summarised in `docs/venues.md`):
/// 1. Open the stream and buffer its `depthUpdate` events; note `U` of the first one.
/// 2. GET `/api/v3/depth?symbol=BNBBTC&limit=5000`.
/// 3. "if snapshot `lastUpdateId < U(first buffered)` refetch" ([`SpotDepthRule::joinable`]
///    answers [`SnapshotTooOld`]).
/// 4. "drop events with `u <= lastUpdateId`" ([`SeqVerdict::Stale`]).
/// 5. "first applied event must have `U <= lastUpdateId+1 <= u`".
/// 6. "then each event: ignore if `u < local_id`; gap if `U > local_id + 1` -> restart; set
///    `local_id = u`".
///
/// `[REPLAY]` the real 2021 capture (4 symbols) syncs with 0 gaps under this rule (test below).
///
/// Steps 4-6 are one comparison with `local_id` starting at `lastUpdateId`: an event is stale
/// when `u <= local_id`, a gap when `U > local_id + 1`, applied otherwise. Step 6 as written
/// would re-apply an event with `u == local_id`; every level in it already holds the quantity it
/// carries (quantities are absolute), so dropping it instead leaves the same book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpotDepthRule {
    local: UpdateIds,
}

/// The REST snapshot predates the first buffered event, so events between them are missing:
/// fetch the snapshot again and keep buffering (step 3; no need to reconnect).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "snapshot lastUpdateId {last_update_id} is older than the first buffered event's U \
     {first_buffered_u}: fetch it again"
)]
pub struct SnapshotTooOld {
    pub last_update_id: u64,
    pub first_buffered_u: u64,
}

impl SpotDepthRule {
    /// Step 3: whether a REST snapshot's `lastUpdateId` can be joined to a stream whose first
    /// buffered event has `U == first_buffered_u`. Binance asks for a refetch whenever
    /// `lastUpdateId < U`, even at `U == lastUpdateId + 1` where the event would bridge: the rule
    /// follows the documented check.
    pub fn joinable(last_update_id: u64, first_buffered_u: u64) -> Result<(), SnapshotTooOld> {
        if last_update_id < first_buffered_u {
            return Err(SnapshotTooOld {
                last_update_id,
                first_buffered_u,
            });
        }
        Ok(())
    }

    /// Start from a REST snapshot's `lastUpdateId` (steps 4-6), once [`SpotDepthRule::joinable`]
    /// accepted it.
    pub const fn from_snapshot(last_update_id: u64) -> Self {
        Self {
            local: UpdateIds::new(last_update_id),
        }
    }

    /// Judge one event by its first (`U`) and final (`u`) update ids. `Gap` reports
    /// `expected = local_id + 1`, `got = U`; the caller discards the book and restarts.
    #[must_use]
    pub fn check(&mut self, first_update_id: u64, final_update_id: u64) -> SeqVerdict {
        self.local
            .advance_overlapping(first_update_id, final_update_id)
    }
}

/// Sequence rule for a USDⓈ-M `<symbol>@depth[@100ms|@500ms]` book.
///
/// Binance's procedure (`[DOC]` developers.binance.com derivatives/usds-margined-futures, "How to
/// manage a local order book correctly", as summarised in `docs/venues.md`):
/// 1. GET `/fapi/v1/depth?symbol=BTCUSDT&limit=1000` while buffering the stream.
/// 2. "drop events with `u < lastUpdateId`" ([`SeqVerdict::Stale`]).
/// 3. "first processed event must satisfy `U <= lastUpdateId AND u >= lastUpdateId`".
/// 4. "afterwards every event's `pu` must equal previous `u`, else re-sync".
///
/// `[REPLAY]` the real 2021 capture (4 symbols) syncs with 0 gaps under this rule (test below).
///
/// A first event that starts after the snapshot is a `Gap` with `expected = lastUpdateId` (the id
/// it had to cover) and `got = U`; a broken chain reports `expected = previous u`, `got = pu`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsdmDepthRule {
    last_update_id: u64,
    /// `None` until the first event bridges the snapshot; then the `pu` chain.
    chain: Option<Linked>,
}

impl UsdmDepthRule {
    /// Start from a REST snapshot's `lastUpdateId`.
    pub const fn from_snapshot(last_update_id: u64) -> Self {
        Self {
            last_update_id,
            chain: None,
        }
    }

    /// The id the book holds: the last applied event's `u`, or the snapshot's `lastUpdateId`.
    const fn last_applied(&self) -> u64 {
        match &self.chain {
            Some(chain) => chain.last(),
            None => self.last_update_id,
        }
    }

    /// Judge one event by its `U`, `u` and `pu` (the previous event's `u`).
    #[must_use]
    pub fn check(
        &mut self,
        first_update_id: u64,
        final_update_id: u64,
        prev_final_update_id: u64,
    ) -> SeqVerdict {
        if let Some(chain) = &mut self.chain {
            return chain.link(prev_final_update_id, final_update_id);
        }
        if final_update_id < self.last_update_id {
            return SeqVerdict::Stale;
        }
        if first_update_id > self.last_update_id {
            return SeqVerdict::Gap {
                expected: self.last_update_id,
                got: first_update_id,
            };
        }
        self.chain = Some(Linked::new(final_update_id));
        SeqVerdict::Apply
    }
}

impl SnapshotRule for SpotDepthRule {
    type Fields = DepthIds;

    fn span(ids: &DepthIds) -> Option<(u64, u64)> {
        Some((ids.first, ids.last))
    }

    fn from_snapshot(snapshot: &DepthIds) -> Self {
        SpotDepthRule::from_snapshot(snapshot.last)
    }

    fn check(&mut self, event: &DepthIds) -> SeqVerdict {
        SpotDepthRule::check(self, event.first, event.last)
    }

    /// Step 3, asked by the driver before it joins the snapshot to its buffer.
    fn snapshot_usable(snapshot: &DepthIds, first: &DepthIds) -> bool {
        SpotDepthRule::joinable(snapshot.last, first.first).is_ok()
    }

    /// Step 5 bridges with `U <= lastUpdateId + 1`: the event after the snapshot joins it.
    const JOINS_LATER_EVENTS: bool = true;
}

impl SnapshotRule for UsdmDepthRule {
    type Fields = DepthIds;

    fn span(ids: &DepthIds) -> Option<(u64, u64)> {
        Some((ids.first, ids.last))
    }

    fn from_snapshot(snapshot: &DepthIds) -> Self {
        UsdmDepthRule::from_snapshot(snapshot.last)
    }

    /// An event without `pu` cannot prove the chain: the parser rejects such USDⓈ-M events, and
    /// should one reach the rule anyway it is a gap (`got = 0`), never applied on trust.
    fn check(&mut self, event: &DepthIds) -> SeqVerdict {
        match event.prev {
            Some(prev) => UsdmDepthRule::check(self, event.first, event.last, prev),
            None => SeqVerdict::Gap {
                expected: self.last_applied(),
                got: 0,
            },
        }
    }

    /// Step 3 can only hold if some buffered event starts at or before `lastUpdateId`; a snapshot
    /// older than the first buffered `U` can never be bridged (every later event starts after
    /// it), so it is refetched while the buffer is kept, as on spot.
    fn snapshot_usable(snapshot: &DepthIds, first: &DepthIds) -> bool {
        snapshot.last >= first.first
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::Value;

    use super::*;
    use crate::testutil::{CryptofeedLine, Tally, capture, cryptofeed_lines};

    const fn gap(expected: u64, got: u64) -> SeqVerdict {
        SeqVerdict::Gap { expected, got }
    }

    // Ids below are the real NKNUSDT spot events and snapshot from the 2021 capture.
    #[test]
    fn spot_drops_covered_events_bridges_the_snapshot_then_follows_on() {
        let mut rule = SpotDepthRule::from_snapshot(499_869_752);
        // {"e":"depthUpdate","U":499869750,"u":499869752,...}: all inside the snapshot.
        assert_eq!(rule.check(499_869_750, 499_869_752), SeqVerdict::Stale);
        assert_eq!(rule.check(499_869_753, 499_869_754), SeqVerdict::Apply);
        assert_eq!(rule.check(499_869_755, 499_869_757), SeqVerdict::Apply);
        assert_eq!(
            rule.check(499_869_755, 499_869_757),
            SeqVerdict::Stale,
            "duplicate"
        );
        assert_eq!(
            rule.check(499_869_760, 499_869_760),
            gap(499_869_758, 499_869_760)
        );
    }

    #[test]
    fn spot_first_event_may_straddle_the_snapshot_id() {
        // LRCBTC: lastUpdateId 259345543, events U..u 259345540..259345543 then 259345544..545.
        let mut rule = SpotDepthRule::from_snapshot(259_345_543);
        assert_eq!(rule.check(259_345_540, 259_345_543), SeqVerdict::Stale);
        let mut straddling = rule;
        assert_eq!(
            straddling.check(259_345_542, 259_345_545),
            SeqVerdict::Apply
        );
        assert_eq!(rule.check(259_345_544, 259_345_545), SeqVerdict::Apply);
    }

    #[test]
    fn spot_first_event_after_the_snapshot_is_a_gap() {
        let mut rule = SpotDepthRule::from_snapshot(100);
        assert_eq!(rule.check(102, 105), gap(101, 102));
    }

    #[test]
    fn spot_snapshot_older_than_the_buffer_must_be_refetched() {
        assert_eq!(
            SpotDepthRule::joinable(99, 100),
            Err(SnapshotTooOld {
                last_update_id: 99,
                first_buffered_u: 100
            })
        );
        assert!(SpotDepthRule::joinable(100, 100).is_ok());
    }

    // Ids below are the real AKROUSDT events and snapshot from the 2021 USDⓈ-M capture.
    #[test]
    fn usdm_bridges_on_u_then_follows_the_pu_chain() {
        let mut rule = UsdmDepthRule::from_snapshot(600_859_605_486);
        // {"U":600859599831,"u":600859599831,"pu":600859598737}: before the snapshot.
        assert_eq!(
            rule.check(600_859_599_831, 600_859_599_831, 600_859_598_737),
            SeqVerdict::Stale
        );
        // u == lastUpdateId is kept: U <= lastUpdateId <= u.
        assert_eq!(
            rule.check(600_859_603_597, 600_859_605_486, 600_859_599_831),
            SeqVerdict::Apply
        );
        assert_eq!(
            rule.check(600_859_609_657, 600_859_609_902, 600_859_605_486),
            SeqVerdict::Apply
        );
        assert_eq!(
            rule.check(600_859_609_903, 600_859_610_000, 600_859_609_800),
            gap(600_859_609_902, 600_859_609_800)
        );
    }

    #[test]
    fn usdm_duplicate_after_sync_breaks_the_chain() {
        // The documented rule has no "ignore" step once synced: a replayed event fails `pu`.
        let mut rule = UsdmDepthRule::from_snapshot(50);
        assert_eq!(rule.check(40, 60, 30), SeqVerdict::Apply);
        assert_eq!(rule.check(61, 70, 60), SeqVerdict::Apply);
        assert_eq!(rule.check(61, 70, 60), gap(70, 60));
    }

    #[test]
    fn usdm_first_event_starting_after_the_snapshot_is_a_gap() {
        let mut rule = UsdmDepthRule::from_snapshot(50);
        assert_eq!(rule.check(51, 60, 45), gap(50, 51));
    }

    #[test]
    fn usdm_event_without_pu_is_a_gap_never_applied() {
        let mut rule = <UsdmDepthRule as SnapshotRule>::from_snapshot(&DepthIds::snapshot(50));
        let no_pu = DepthIds {
            first: 40,
            last: 60,
            prev: None,
        };
        assert_eq!(SnapshotRule::check(&mut rule, &no_pu), gap(50, 0));
        let bridging = DepthIds {
            prev: Some(30),
            ..no_pu
        };
        assert_eq!(SnapshotRule::check(&mut rule, &bridging), SeqVerdict::Apply);
        let next = DepthIds {
            first: 61,
            last: 70,
            prev: None,
        };
        assert_eq!(SnapshotRule::check(&mut rule, &next), gap(60, 0));
    }

    #[test]
    fn snapshots_older_than_the_first_buffered_event_are_not_usable() {
        let first = DepthIds {
            first: 100,
            last: 102,
            prev: Some(95),
        };
        for (snapshot, usable) in [(99, false), (100, true), (101, true)] {
            let snapshot = DepthIds::snapshot(snapshot);
            assert_eq!(SpotDepthRule::snapshot_usable(&snapshot, &first), usable);
            assert_eq!(UsdmDepthRule::snapshot_usable(&snapshot, &first), usable);
        }
    }

    /// A cryptofeed Binance recording: REST `lastUpdateId` per symbol and the depth events.
    struct DepthCapture {
        snapshots: HashMap<String, u64>,
        /// (`s`, `U`, `u`, `pu`) in arrival order.
        events: Vec<(String, u64, u64, Option<u64>)>,
    }

    fn depth_capture(ws: &str, http: &str) -> Option<DepthCapture> {
        let (ws, http) = (capture(ws)?, capture(http)?);
        let mut snapshots = HashMap::new();
        for line in cryptofeed_lines(&http) {
            let CryptofeedLine::Rest { url, body } = line else {
                continue;
            };
            let symbol = url
                .split("symbol=")
                .nth(1)
                .unwrap()
                .split('&')
                .next()
                .unwrap();
            let body: Value = serde_json::from_str(body).unwrap();
            snapshots.insert(symbol.to_owned(), body["lastUpdateId"].as_u64().unwrap());
        }
        let mut events = Vec::new();
        for line in cryptofeed_lines(&ws) {
            let CryptofeedLine::Received(raw) = line else {
                continue;
            };
            let msg: Value = serde_json::from_str(raw).unwrap();
            let data = &msg["data"];
            if data["e"] != "depthUpdate" {
                continue;
            }
            events.push((
                data["s"].as_str().unwrap().to_owned(),
                data["U"].as_u64().unwrap(),
                data["u"].as_u64().unwrap(),
                data["pu"].as_u64(),
            ));
        }
        Some(DepthCapture { snapshots, events })
    }

    #[test]
    fn spot_capture_syncs_without_gaps() {
        let Some(cap) = depth_capture(
            "binance/cryptofeed_BINANCE.ws.1.0.txt",
            "binance/cryptofeed_BINANCE.http.0.0.txt",
        ) else {
            return;
        };
        let mut rules: HashMap<&str, SpotDepthRule> = HashMap::new();
        let mut tally = Tally::default();
        for (symbol, first, last, _) in &cap.events {
            // The stream was opened before the REST calls: each symbol's first event is the
            // first one buffered.
            let rule = rules.entry(symbol).or_insert_with(|| {
                SpotDepthRule::joinable(cap.snapshots[symbol], *first).unwrap();
                SpotDepthRule::from_snapshot(cap.snapshots[symbol])
            });
            tally.add(rule.check(*first, *last));
        }
        assert_eq!(rules.len(), 4, "NKNUSDT, BLZETH, LRCBTC, RUNEEUR");
        assert_eq!(
            tally,
            Tally {
                apply: 172,
                stale: 5,
                ..Tally::default()
            }
        );
    }

    #[test]
    fn usdm_capture_syncs_without_gaps() {
        let Some(cap) = depth_capture(
            "binance/cryptofeed_BINANCE_FUTURES.ws.1.0.txt",
            "binance/cryptofeed_BINANCE_FUTURES.http.0.0.txt",
        ) else {
            return;
        };
        let mut rules: HashMap<&str, UsdmDepthRule> = HashMap::new();
        let mut tally = Tally::default();
        for (symbol, first, last, prev) in &cap.events {
            let rule = rules
                .entry(symbol)
                .or_insert_with(|| UsdmDepthRule::from_snapshot(cap.snapshots[symbol]));
            tally.add(rule.check(*first, *last, prev.expect("USDⓈ-M events carry pu")));
        }
        assert_eq!(rules.len(), 4, "SUSHIUSDT, AKROUSDT, KEEPUSDT, CTKUSDT");
        assert_eq!(
            tally,
            Tally {
                apply: 752,
                stale: 12,
                ..Tally::default()
            }
        );
    }
}
