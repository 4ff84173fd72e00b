//! The REST join, gaps, crossed books and malformed input, through a live driver.

use super::{feed, live, rest};
use crate::feed::adapter::Adapter;
use crate::feed::driver::Driver;
use crate::feed::event::MarketEvent;
use crate::feed::health::BookState;
use crate::feed::protocol::Protocol;
use crate::venue::binance::{Spot, Usdm};

const SPOT_URL: &str = "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000";
const USDM_URL: &str = "https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000";

/// A spot `depthUpdate` for BTCUSDT with one bid and one ask.
fn spot(first: u64, last: u64, bid: &str, ask: &str) -> String {
    format!(
        r#"{{"e":"depthUpdate","E":1672515782136,"s":"BTCUSDT","U":{first},"u":{last},"b":[{bid}],"a":[{ask}]}}"#
    )
}

/// A USDⓈ-M `depthUpdate` for BTCUSDT, wrapped as a combined stream.
fn usdm(first: u64, last: u64, prev: u64, bid: &str) -> String {
    format!(
        r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":1672515782136,"T":1672515782130,"s":"BTCUSDT","U":{first},"u":{last},"pu":{prev},"b":[{bid}],"a":[]}}}}"#
    )
}

fn snapshot(last_update_id: u64) -> String {
    format!(
        r#"{{"lastUpdateId":{last_update_id},"bids":[["100.00","1.000"],["99.00","2.000"]],"asks":[["101.00","1.500"]]}}"#
    )
}

fn best_bid<P: Protocol>(d: &Driver<P>) -> Option<String> {
    d.books()[0]
        .book()
        .best_bid()
        .map(|l| format!("{}@{}", l.size, l.price))
}

fn state<P: Protocol>(d: &Driver<P>) -> BookState {
    d.books()[0].state().clone()
}

#[test]
fn spot_rest_snapshot_after_deltas_joins_the_buffer() {
    let mut d = live::<Spot>("BTCUSDT");
    let first = feed(&mut d, &[&spot(100, 102, r#"["100.00","5.000"]"#, "")]);
    assert_eq!(
        first.rest,
        [SPOT_URL],
        "the first buffered delta asks for the snapshot"
    );
    let more = feed(&mut d, &[&spot(103, 104, r#"["100.50","1.000"]"#, "")]);
    assert!(more.rest.is_empty(), "one request at a time");
    assert_eq!(state(&d), BookState::Syncing);

    // lastUpdateId 101: the first event straddles it (U 100 <= 102 <= u 102).
    let joined = rest(&mut d, SPOT_URL, 200, &snapshot(101));
    assert!(joined.problems.is_empty(), "{:?}", joined.problems);
    assert_eq!(state(&d), BookState::Live);
    assert_eq!(best_bid(&d).as_deref(), Some("1.000@100.50"));
    assert_eq!(
        d.books()[0].book().bids().get("100.00".parse().unwrap()),
        Some("5.000".parse().unwrap())
    );
    feed(&mut d, &[&spot(105, 105, "", r#"["101.00","0"]"#)]);
    assert_eq!(state(&d), BookState::Live);
    assert!(d.books()[0].book().asks().is_empty(), "qty 0 deletes");
}

#[test]
fn rest_snapshot_before_any_delta_drops_covered_events_and_bridges() {
    let mut d = live::<Spot>("BTCUSDT");
    rest(&mut d, SPOT_URL, 200, &snapshot(101));
    assert_eq!(state(&d), BookState::Live);
    feed(
        &mut d,
        &[
            &spot(99, 101, r#"["100.00","9.000"]"#, ""), // inside the snapshot: dropped
            &spot(101, 103, r#"["100.00","4.000"]"#, ""), // straddles 102
        ],
    );
    assert_eq!(state(&d), BookState::Live);
    assert_eq!(d.books()[0].counters().stale, 1);
    assert_eq!(best_bid(&d).as_deref(), Some("4.000@100.00"));

    let mut d = live::<Usdm>("BTCUSDT");
    rest(&mut d, USDM_URL, 200, &snapshot(500));
    feed(
        &mut d,
        &[
            &usdm(480, 499, 470, r#"["100.00","9.000"]"#), // u < lastUpdateId: dropped
            &usdm(495, 510, 499, r#"["100.00","3.000"]"#), // U <= 500 <= u
            &usdm(511, 520, 510, r#"["100.00","2.000"]"#),
        ],
    );
    assert_eq!(state(&d), BookState::Live);
    assert_eq!(best_bid(&d).as_deref(), Some("2.000@100.00"));
}

#[test]
fn a_snapshot_older_than_the_first_buffered_event_is_fetched_again() {
    let mut d = live::<Spot>("BTCUSDT");
    feed(&mut d, &[&spot(100, 102, r#"["100.00","5.000"]"#, "")]);
    // lastUpdateId 99 < U 100: refetch, keeping the buffer.
    let old = rest(&mut d, SPOT_URL, 200, &snapshot(99));
    assert!(old.problems.is_empty());
    assert_eq!(state(&d), BookState::Syncing);
    let next = feed(&mut d, &[&spot(103, 103, r#"["99.50","1.000"]"#, "")]);
    assert_eq!(next.rest, [SPOT_URL], "a new snapshot is requested");
    rest(&mut d, SPOT_URL, 200, &snapshot(102));
    assert_eq!(state(&d), BookState::Live);
    assert_eq!(
        d.books()[0].counters().stale,
        1,
        "100..102 is in the new snapshot"
    );

    let mut d = live::<Usdm>("BTCUSDT");
    feed(&mut d, &[&usdm(600, 610, 590, r#"["100.00","5.000"]"#)]);
    rest(&mut d, USDM_URL, 200, &snapshot(599));
    assert_eq!(state(&d), BookState::Syncing);
    let next = feed(&mut d, &[&usdm(611, 615, 610, "")]);
    assert_eq!(next.rest, [USDM_URL]);
    rest(&mut d, USDM_URL, 200, &snapshot(605));
    assert_eq!(state(&d), BookState::Live);
}

#[test]
fn a_spot_gap_clears_the_book_and_refetches_the_snapshot() {
    let mut d = live::<Spot>("BTCUSDT");
    feed(&mut d, &[&spot(100, 102, "", "")]);
    rest(&mut d, SPOT_URL, 200, &snapshot(101));
    assert_eq!(state(&d), BookState::Live);
    // U 105 > local 102 + 1.
    let gap = feed(&mut d, &[&spot(105, 106, r#"["100.00","7.000"]"#, "")]);
    assert!(matches!(state(&d), BookState::Resyncing(_)));
    assert_eq!(d.books()[0].counters().seq_gaps, 1);
    assert!(
        d.books()[0].book().bids().is_empty(),
        "an invalid book is never shown"
    );
    // The stream is flowing, and spot bridges with `U <= lastUpdateId + 1`: the new REST
    // snapshot is asked at once (one round trip), not after the next event.
    assert_eq!(gap.rest, [SPOT_URL], "resync = a new REST snapshot");
    let next = feed(&mut d, &[&spot(107, 108, "", "")]);
    assert!(
        next.rest.is_empty(),
        "one request in flight; the event is buffered"
    );
    rest(&mut d, SPOT_URL, 200, &snapshot(107));
    assert_eq!(state(&d), BookState::Live);
}

#[test]
fn a_broken_pu_chain_resyncs_a_usdm_book() {
    let mut d = live::<Usdm>("BTCUSDT");
    feed(&mut d, &[&usdm(600, 610, 590, "")]);
    rest(&mut d, USDM_URL, 200, &snapshot(605));
    feed(&mut d, &[&usdm(611, 620, 610, "")]);
    assert_eq!(state(&d), BookState::Live);
    // pu 625 is not the previous u 620.
    feed(&mut d, &[&usdm(630, 640, 625, "")]);
    assert!(matches!(state(&d), BookState::Resyncing(_)));
    assert_eq!(d.books()[0].counters().seq_gaps, 1);
    let next = feed(&mut d, &[&usdm(641, 650, 640, "")]);
    assert_eq!(next.rest, [USDM_URL]);
}

#[test]
fn a_crossed_book_is_never_live() {
    // A crossed REST snapshot.
    let mut d = live::<Spot>("BTCUSDT");
    feed(&mut d, &[&spot(100, 102, "", "")]);
    let body = r#"{"lastUpdateId":101,"bids":[["102.00","1.000"]],"asks":[["101.00","1.000"]]}"#;
    rest(&mut d, SPOT_URL, 200, body);
    assert!(matches!(state(&d), BookState::Resyncing(_)));
    assert_eq!(d.books()[0].counters().crossed, 1);

    // A delta that crosses a live book.
    let mut d = live::<Usdm>("BTCUSDT");
    feed(&mut d, &[&usdm(600, 610, 590, "")]);
    rest(&mut d, USDM_URL, 200, &snapshot(605));
    assert_eq!(state(&d), BookState::Live);
    feed(&mut d, &[&usdm(611, 612, 610, r#"["101.50","1.000"]"#)]);
    assert!(matches!(state(&d), BookState::Resyncing(_)));
    assert_eq!(d.books()[0].counters().crossed, 1);
    assert!(d.books()[0].book().bids().is_empty());
}

#[test]
fn malformed_frames_are_reported_and_skipped_never_panicking() {
    let mut d = live::<Usdm>("BTCUSDT");
    feed(&mut d, &[&usdm(600, 610, 590, "")]);
    rest(&mut d, USDM_URL, 200, &snapshot(605));
    let bad = [
        r#"{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":611,"u":6"#, // truncated
        r#"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":"611","u":612,"pu":610,"b":[],"a":[]}"#, // wrong type
        r#"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":611,"u":612,"pu":610,"b":"x","a":[]}"#, // levels not an array
        r#"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":611,"u":99999999999999999999999,"pu":610,"b":[],"a":[]}"#, // huge id
        r#"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":611,"u":612,"pu":610,"b":[["1e400","1"]],"a":[]}"#, // huge price
        r#"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":611,"u":612,"pu":610,"b":[["99999999999999999999.5","1"]],"a":[]}"#, // too many digits
        r#"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":611,"pu":610,"b":[],"a":[]}"#, // missing u
        r#"{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":611,"u":612,"b":[["100.00","1"]],"a":[]}"#, // missing pu
        r#"{"e":"depthUpdate","E":1,"s":"ETHUSDT","U":1,"u":2,"pu":0,"b":[],"a":[]}"#, // unknown instrument
        r#"{"code":-1121,"msg":"Invalid symbol."}"#,
        r#"{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"NaN","q":"1","T":1,"m":true}"#,
        r#"{"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"HOLD","q":"1","p":"1","ap":"1","T":1}}"#,
        r#"{"e":"somethingNew","E":1}"#,
        r#"{"stream":"x","data":[1,2]}"#,
        r#"[]"#,
        "\u{0}\u{1}garbage",
    ];
    let seen = feed(&mut d, &bad);
    assert_eq!(seen.problems.len(), bad.len(), "{:#?}", seen.problems);
    assert!(
        seen.problems[7].contains("without pu"),
        "{}",
        seen.problems[7]
    );
    assert!(seen.problems[8].contains("unsubscribed instrument ETHUSDT"));
    assert!(seen.problems[9].contains("-1121") && seen.problems[9].contains("Invalid symbol"));
    assert!(seen.problems[10].contains("NaN"));
    assert!(seen.problems[11].contains("HOLD"));
    // Nothing was applied: the book is still the snapshot, still live.
    assert_eq!(state(&d), BookState::Live);
    assert_eq!(best_bid(&d).as_deref(), Some("1.000@100.00"));
    assert!(
        seen.events
            .iter()
            .all(|e| !matches!(e, MarketEvent::Trade(_) | MarketEvent::Liquidation(_)))
    );

    // A skipped delta is caught by the chain: the next event names a `u` the book never saw.
    feed(&mut d, &[&usdm(613, 614, 612, "")]);
    assert!(matches!(state(&d), BookState::Resyncing(_)));
}

#[test]
fn failed_or_malformed_rest_answers_are_reported_and_refetched() {
    let mut d = live::<Spot>("BTCUSDT");
    let first = feed(&mut d, &[&spot(100, 102, "", "")]);
    assert_eq!(first.rest, [SPOT_URL]);
    for (status, body, needle) in [
        (
            200,
            r#"{"lastUpdateId":101,"bids":[["100.00","1.0"]"#,
            "EOF",
        ),
        (
            200,
            r#"{"code":-1121,"msg":"Invalid symbol."}"#,
            "Invalid symbol",
        ),
        (
            200,
            r#"{"lastUpdateId":-1,"bids":[],"asks":[]}"#,
            "depth snapshot",
        ),
        (400, r#"{"code":-1121,"msg":"Invalid symbol."}"#, "400"),
        (429, "", "429"),
    ] {
        let seen = rest(&mut d, SPOT_URL, status, body);
        assert_eq!(seen.problems.len(), 1, "{body}");
        assert!(seen.problems[0].contains(needle), "{}", seen.problems[0]);
        assert_eq!(state(&d), BookState::Syncing);
        // The request is over: the next buffered delta asks again.
        let next = feed(&mut d, &[&spot(103, 103, "", "")]);
        assert_eq!(next.rest, [SPOT_URL], "after {status} {body}");
    }
}
