//! Bybit against real frames: the 2024-12-01 XRPUSDT `orderbook.500` historical dump (a 500×500
//! snapshot and 49 deltas) replayed through the driver, and hand-written frames for what the dump
//! lacks (restarts, gaps, refusals, malformed input).

use super::{BybitLinear, BybitSpot};
use crate::feed::adapter::{Adapter, Output};
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::event::MarketEvent;
use crate::feed::health::BookState;
use crate::instrument::guess;
use crate::integrity::ResyncReason;
use crate::market::{LiquidatedPosition, TakerSide, VenueId};
use crate::testutil::reference::Reference;
use crate::testutil::{capture, check_books, feed_frames, replay_frames, top25};

fn linear(cfg: DriverConfig, symbols: &[&str]) -> Driver<BybitLinear> {
    let instruments = symbols
        .iter()
        .map(|s| guess(VenueId::BybitLinear, s))
        .collect();
    Driver::new(BybitLinear::new(None, None), cfg, instruments, Vec::new())
}

#[test]
fn real_ob500_dump_replays_live_with_no_gaps_and_matches_an_independent_book() {
    let Some(text) = capture("bybit/nautilus_2024-12-01_XRPUSDT_ob500.ndjson") else {
        return;
    };
    let mut driver = linear(DriverConfig::replay(), &[]);
    let out = replay_frames(&mut driver, &text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);

    let reference = Reference::bybit(&text);
    assert_eq!(reference.book("XRPUSDT").applied, 50);

    let books = driver.books();
    assert_eq!(books.len(), 1);
    let sync = books[0];
    assert_eq!(&*sync.key().instrument, "XRPUSDT");
    let c = check_books(&books, &reference);
    assert_eq!(c.messages, 50, "the snapshot and 49 deltas");
    assert_eq!(
        (c.seq_gaps, c.stale, c.resyncs, c.crossed, c.while_syncing),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(c.checksum_absent, 50, "Bybit publishes no checksum");
    // The depth came from the topic: the book holds 500 a side, known only that far.
    assert_eq!(sync.book().bids().len(), 500);
    assert_eq!(sync.book().asks().len(), 500);
    assert_eq!(reference.book("XRPUSDT").depth(), (500, 500));
    assert_eq!(top25(sync).0.len(), 25);

    let updates = out
        .events
        .iter()
        .filter(|e| matches!(e, MarketEvent::Book(_)))
        .count();
    assert_eq!(updates, 50, "every message was applied and published");
}

fn live() -> Driver<BybitLinear> {
    let mut d = linear(DriverConfig::live(), &["BTCUSDT"]);
    let mut out = Output::default();
    d.on_open(0, 0, &mut out);
    assert_eq!(
        out.sends
            .iter()
            .map(|(_, s)| s.as_str())
            .collect::<Vec<_>>(),
        [
            r#"{"args":["orderbook.200.BTCUSDT","publicTrade.BTCUSDT","tickers.BTCUSDT","allLiquidation.BTCUSDT"],"op":"subscribe"}"#
        ]
    );
    d
}

const SNAP: &str = r#"{"topic":"orderbook.200.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":[["100","3"],["99","1"]],"a":[["101","2"]],"u":10,"seq":5},"cts":1}"#;
const DELTA_11: &str = r#"{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":2,"data":{"s":"BTCUSDT","b":[["100","4"]],"a":[],"u":11,"seq":6},"cts":2}"#;

fn best_bid(d: &Driver<BybitLinear>) -> Option<String> {
    d.books()[0].book().best_bid().map(|l| l.size.to_string())
}

#[test]
fn u_of_one_on_a_delta_resets_the_book_by_resubscribing() {
    let mut d = live();
    let out = feed_frames(&mut d, &[SNAP, DELTA_11]);
    assert!(out.sends.is_empty());
    assert_eq!(best_bid(&d).as_deref(), Some("4"));

    let out = feed_frames(
        &mut d,
        &[
            r#"{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":3,"data":{"s":"BTCUSDT","b":[["98","1"]],"a":[],"u":1,"seq":7},"cts":3}"#,
        ],
    );
    let sync = d.books()[0];
    assert_eq!(
        sync.state(),
        &BookState::Resyncing(ResyncReason::VenueReset)
    );
    assert!(
        sync.book().bids().is_empty(),
        "the restarted book is dropped"
    );
    let sends: Vec<&str> = out.sends.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        sends,
        [
            r#"{"args":["orderbook.200.BTCUSDT"],"op":"unsubscribe"}"#,
            r#"{"args":["orderbook.200.BTCUSDT"],"op":"subscribe"}"#
        ]
    );

    // The fresh snapshot (its `u` restarted too) brings the book back.
    feed_frames(
        &mut d,
        &[
            r#"{"topic":"orderbook.200.BTCUSDT","type":"snapshot","ts":4,"data":{"s":"BTCUSDT","b":[["97","1"]],"a":[["98","1"]],"u":1,"seq":8},"cts":4}"#,
            r#"{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":5,"data":{"s":"BTCUSDT","b":[["97","2"]],"a":[],"u":2,"seq":9},"cts":5}"#,
        ],
    );
    assert_eq!(d.books()[0].state(), &BookState::Live);
    assert_eq!(best_bid(&d).as_deref(), Some("2"));
}

#[test]
fn a_skipped_u_is_a_gap_and_a_duplicate_is_stale() {
    let mut d = live();
    feed_frames(&mut d, &[SNAP, DELTA_11, DELTA_11]);
    assert_eq!(d.books()[0].counters().stale, 1);
    assert_eq!(d.books()[0].state(), &BookState::Live);
    let out = feed_frames(
        &mut d,
        &[
            r#"{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":3,"data":{"s":"BTCUSDT","b":[["98","1"]],"a":[],"u":13,"seq":8},"cts":3}"#,
        ],
    );
    let sync = d.books()[0];
    assert_eq!(sync.counters().seq_gaps, 1);
    assert_eq!(
        sync.state(),
        &BookState::Resyncing(ResyncReason::Gap {
            expected: 12,
            got: 13
        })
    );
    assert_eq!(out.sends.len(), 2);
}

#[test]
fn trades_liquidations_and_tickers_reach_the_driver_normalised() {
    let mut d = live();
    let out = feed_frames(
        &mut d,
        &[
            r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Sell","v":"0.5","p":"16578.50","L":"MinusTick","i":"t1","BT":false}]}"#,
            r#"{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":2,"data":[{"T":1739502302929,"s":"BTCUSDT","S":"Buy","v":"0.2","p":"60000"}]}"#,
            r#"{"topic":"tickers.BTCUSDT","type":"snapshot","ts":3,"data":{"symbol":"BTCUSDT","markPrice":"60001.5","openInterest":"12.5","fundingRate":"0.0001","fundingIntervalHour":"8"}}"#,
            r#"{"topic":"tickers.BTCUSDT","type":"delta","ts":4,"data":{"symbol":"BTCUSDT","markPrice":"60002.5"}}"#,
        ],
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let mut trades = 0;
    let mut liqs = 0;
    let mut ticks = Vec::new();
    for e in &out.events {
        match e {
            MarketEvent::Trade(t) => {
                trades += 1;
                assert_eq!(t.taker, Some(TakerSide::Sell));
                assert_eq!((t.price, t.size), (16578.5, 0.5));
            }
            MarketEvent::Liquidation(l) => {
                liqs += 1;
                assert_eq!(l.position, LiquidatedPosition::Long, "S=Buy closed a long");
                assert_eq!(l.size, 0.2);
            }
            MarketEvent::Derivs(t) => ticks.push(t.values.clone()),
            _ => {}
        }
    }
    assert_eq!((trades, liqs), (1, 1));
    assert_eq!(ticks.len(), 2);
    assert_eq!(ticks[1].mark_price, Some(60002.5));
    assert_eq!(ticks[1].open_interest, Some(12.5), "kept from the snapshot");
    assert_eq!(ticks[1].funding_interval_h, Some(8.0));
}

#[test]
fn malformed_frames_are_reported_and_skipped_never_panicking() {
    let mut d = live();
    feed_frames(&mut d, &[SNAP]);
    let bad = [
        r#"{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":2,"data":{"s":"BTCUSDT","b":[["10"#, // truncated
        r#"{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":2,"data":{"s":"BTCUSDT","b":[[1,2]],"a":[],"u":"x"}}"#, // wrong types
        r#"{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":2,"data":{"s":"BTCUSDT","b":[["100","99999999999999999999999"]],"a":[],"u":11}}"#, // huge number
        r#"{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":2,"data":{"s":"BTCUSDT","b":[["100","1"]],"a":[]}}"#, // missing u
        r#"{"topic":"orderbook.200.ETHUSDT","type":"snapshot","ts":2,"data":{"s":"ETHUSDT","b":[],"a":[],"u":1}}"#, // unknown instrument
        r#"{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":2,"data":{"s":"ETHUSDT","b":[],"a":[],"u":11}}"#, // data for another symbol
        r#"{"topic":"orderbook.200.BTCUSDT","type":"partial","ts":2,"data":{"s":"BTCUSDT","b":[],"a":[],"u":11}}"#, // unknown type
        r#"{"topic":"orderbook.x.BTCUSDT","type":"delta","ts":2,"data":{"s":"BTCUSDT","b":[],"a":[],"u":11}}"#, // bad depth
        r#"{"topic":"kline.1.BTCUSDT","type":"snapshot","ts":2,"data":[]}"#, // unexpected topic
        r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":2,"data":[{"T":1,"s":"BTCUSDT","S":"Maker","v":"1","p":"1","i":"x"}]}"#, // bad side
        r#"{"topic":"tickers.BTCUSDT","type":"delta","ts":2,"data":{"symbol":"BTCUSDT","markPrice":"NaN"}}"#,
        r#"{"hello":"world"}"#,
        "\u{0}\u{1}garbage",
    ];
    let out = feed_frames(&mut d, &bad);
    assert_eq!(out.problems.len(), bad.len(), "{:#?}", out.problems);
    assert!(out.problems[4].contains("unsubscribed instrument ETHUSDT"));
    assert!(out.problems[10].contains("NaN"));
    // Nothing malformed reached the book: it is still the snapshot, and still live.
    let sync = d.books()[0];
    assert_eq!(sync.state(), &BookState::Live);
    assert_eq!(best_bid(&d).as_deref(), Some("3"));
    assert_eq!(sync.book().bids().len(), 2);

    // A refused subscription names its instrument: that book resyncs (once).
    let out = feed_frames(
        &mut d,
        &[
            r#"{"success":false,"ret_msg":"Invalid symbol :[orderbook.200.BTCUSDT]","conn_id":"x","op":"subscribe"}"#,
        ],
    );
    assert!(out.problems[0].contains("Invalid symbol"));
    assert!(matches!(
        d.books()[0].state(),
        BookState::Resyncing(ResyncReason::VenueError(_))
    ));
    // No immediate resubscription (a refused symbol must not loop at network speed): the
    // snapshot watchdog retries once its timeout has passed.
    assert!(out.sends.is_empty());
    let mut retry = Output::default();
    d.on_tick(60_000_000_000, &mut retry);
    let resubscribe = retry.sends.iter().filter(|(_, m)| m.contains("subscribe"));
    assert_eq!(resubscribe.count(), 2, "unsubscribe and subscribe");
}

/// The docs' `GET /v5/market/orderbook` answer is read with its cross sequence `seq` (what an
/// audit compares at); a refusal names Bybit's code.
#[test]
fn the_rest_order_book_carries_its_cross_sequence() {
    use crate::feed::protocol::{Protocol, RestParsed};
    let bybit = BybitSpot::new(None, None);
    let url = bybit.audit_url("BTCUSDT").unwrap();
    assert_eq!(
        url,
        "https://api.bybit.com/v5/market/orderbook?category=spot&symbol=BTCUSDT&limit=50"
    );
    let body = r#"{"retCode":0,"retMsg":"OK","result":{"s":"BTCUSDT","a":[["65557.7","16.606555"]],"b":[["65485.47","47.081829"]],"ts":1716863719031,"u":230704,"seq":1432604333,"cts":1716863718905},"retExtInfo":{},"time":1716863719382}"#;
    let mut levels = Vec::new();
    let Ok(RestParsed::BookSnapshot {
        instrument, seq, ..
    }) = bybit.parse_rest(&url, body, &mut levels)
    else {
        panic!("a snapshot");
    };
    assert_eq!(instrument, "BTCUSDT");
    assert_eq!((seq.u, seq.seq), (230704, Some(1432604333)));
    assert_eq!(levels.len(), 2);
    let refused = r#"{"retCode":10001,"retMsg":"params error: symbol invalid","result":{}}"#;
    let err = bybit.parse_rest(&url, refused, &mut levels).unwrap_err();
    assert!(err.contains("10001"), "{err}");
}
