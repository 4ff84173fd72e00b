//! Kraken against real frames: the 2021 v1 `book-1000` recording (10 pairs, 10 snapshots and
//! 4,269 checksummed updates) and `trade` recording replayed through the driver, and the docs'
//! v2 checksum example sent as a v2 frame with JSON numbers, plus hand-written frames for
//! resyncs, precision problems and malformed input.

use super::Kraken;
use crate::feed::adapter::{Adapter, Frame, Output};
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::health::BookState;
use crate::instrument::{Instrument, guess};
use crate::integrity::ResyncReason;
use crate::market::{TakerSide, VenueId};
use crate::testutil::reference::Reference;
use crate::testutil::{capture, check_books, replay_cryptofeed, trades};

fn replay_driver() -> Driver<Kraken> {
    Driver::new(
        Kraken::new(None, None, []),
        DriverConfig::replay(),
        Vec::new(),
        Vec::new(),
    )
}

#[test]
fn real_v1_book1000_replays_with_every_checksum_matching_an_independent_book() {
    let Some(text) = capture("kraken/cryptofeed_KRAKEN.ws.50.0_book1000_v1.txt") else {
        return;
    };
    let mut driver = replay_driver();
    let out = replay_cryptofeed(&mut driver, &text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);

    let reference = Reference::kraken_v1(&text);
    assert_eq!(reference.checksummed(), 4269);

    let books = driver.books();
    assert_eq!(books.len(), 10);
    let total = check_books(&books, &reference);
    assert_eq!(total.resyncs + total.crossed + total.while_syncing, 0);
    assert_eq!((total.checksum_ok, total.checksum_fail), (4269, 0));
    assert_eq!(total.checksum_absent, 10, "v1 snapshots carry no checksum");
    assert_eq!(total.messages, 4279);
    // The replayed ids are the v1 pair names.
    let ids: Vec<&str> = driver
        .books()
        .iter()
        .map(|s| &*s.key().instrument)
        .collect();
    assert!(ids.contains(&"XBT/CHF"), "{ids:?}");
}

#[test]
fn real_v1_trades_parse_with_taker_sides() {
    let Some(text) = capture("kraken/cryptofeed_KRAKEN.ws.48.0_trade_v1.txt") else {
        return;
    };
    let mut driver = replay_driver();
    let out = replay_cryptofeed(&mut driver, &text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let side = |buys| {
        if buys {
            TakerSide::Buy
        } else {
            TakerSide::Sell
        }
    };
    let expected: Vec<_> = Reference::kraken_v1(&text)
        .trades
        .into_iter()
        .map(|t| (t.book, t.price.parse::<f64>().unwrap(), side(t.taker_buys)))
        .collect();
    let trades = trades(&out.events);
    let seen: Vec<_> = trades
        .iter()
        .map(|t| (t.key.instrument.to_string(), t.price, t.taker.unwrap()))
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(seen.len(), 10);
    // [993,[["354.11000000","0.89594024","1618678142.557535","s","l",""]],"trade","XMR/USD"]
    assert_eq!(seen[0], ("XMR/USD".into(), 354.11, TakerSide::Sell));
    assert_eq!(seen[1].2, TakerSide::Buy);
    let first = trades[0];
    assert_eq!(first.exch_ts, 1618678142557);
    assert_eq!(first.size, 0.89594024);
}

/// The docs' v2 example (`kraken_v2_docs_btcusd` in `checksum_vectors.json`, BTC/USD at
/// `price_precision` 1 and `qty_precision` 8, checksum 3310070434) as Kraken sends it: JSON
/// numbers, trailing zeros not guaranteed (`0.1`, `0.001`).
const DOCS_SNAPSHOT: &str = r#"{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0.1},{"price":45283.4,"qty":1.54582015},{"price":45282.1,"qty":0.1},{"price":45281.0,"qty":0.1},{"price":45280.3,"qty":1.54592586},{"price":45279.0,"qty":0.0799},{"price":45277.6,"qty":0.03310103},{"price":45277.5,"qty":0.3},{"price":45277.3,"qty":1.54602737},{"price":45276.6,"qty":0.15445238}],"asks":[{"price":45285.2,"qty":0.001},{"price":45286.4,"qty":1.54571953},{"price":45286.6,"qty":1.54571109},{"price":45289.6,"qty":1.54560911},{"price":45290.2,"qty":0.1589066},{"price":45291.8,"qty":1.54553491},{"price":45294.7,"qty":0.04454749},{"price":45296.1,"qty":0.3538},{"price":45297.5,"qty":0.09945542},{"price":45299.5,"qty":0.18772827}],"checksum":3310070434,"timestamp":"2023-10-06T17:35:55.440295Z"}]}"#;

/// The docs' checksum strings for that book.
const DOCS_ASKS: &str = "45285210000045286415457195345286615457110945289615456091145290215890660452918154553491452947445474945296135380000452975994554245299518772827";
const DOCS_BIDS: &str = "452835100000004528341545820154528211000000045281010000000452803154592586452790799000045277633101034527753000000045277315460273745276615445238";

fn btc_usd() -> Instrument {
    Instrument {
        price_precision: Some(1),
        qty_precision: Some(8),
        ..guess(VenueId::Kraken, "BTC/USD")
    }
}

/// A live v2 driver for BTC/USD at depth 10 (the docs' book has 10 levels a side).
fn live() -> Driver<Kraken> {
    let inst = btc_usd();
    let protocol = Kraken::new(None, Some(10), [&inst]);
    let mut d = Driver::new(protocol, DriverConfig::live(), vec![inst], Vec::new());
    let mut out = Output::default();
    d.on_open(0, 0, &mut out);
    assert_eq!(out.sends.len(), 2, "book and trade subscriptions");
    assert!(out.sends[0].1.contains(r#""depth":10"#));
    d
}

fn feed(driver: &mut Driver<Kraken>, frames: &[&str]) -> Output {
    let mut all = Output::default();
    for (i, f) in frames.iter().enumerate() {
        let mut out = Output::default();
        driver.on_frame(0, Frame::Text(f), i as u64 * 1_000_000, &mut out);
        all.events.append(&mut out.events);
        all.sends.append(&mut out.sends);
        all.problems.append(&mut out.problems);
    }
    all
}

fn update(bids: &str, asks: &str, checksum: u32) -> String {
    format!(
        r#"{{"channel":"book","type":"update","data":[{{"symbol":"BTC/USD","bids":[{bids}],"asks":[{asks}],"checksum":{checksum},"timestamp":"2023-10-06T17:35:56.000000Z"}}]}}"#
    )
}

#[test]
fn v2_docs_snapshot_with_json_numbers_passes_the_checksum_through_the_driver() {
    let mut d = live();
    let out = feed(
        &mut d,
        &[
            r#"{"channel":"status","type":"update","data":[{"version":"2.0.10","system":"online","api_version":"v2","connection_id":15113583034416118705}]}"#,
            r#"{"method":"subscribe","result":{"channel":"book","depth":10,"snapshot":true,"symbol":"BTC/USD"},"success":true,"time_in":"2023-10-06T17:35:55.1Z","time_out":"2023-10-06T17:35:55.2Z"}"#,
            DOCS_SNAPSHOT,
            r#"{"channel":"heartbeat"}"#,
        ],
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let sync = d.books()[0];
    assert_eq!(sync.state(), &BookState::Live);
    assert_eq!(
        (sync.counters().checksum_ok, sync.counters().checksum_fail),
        (1, 0)
    );
    // Rendered at the pair's precision, exactly as the docs' strings.
    let best_ask = sync.book().best_ask().unwrap();
    assert_eq!(
        (best_ask.price.to_string(), best_ask.size.to_string()),
        ("45285.2".into(), "0.00100000".into())
    );

    // A level added beyond the depth is cut off; deleting the best bid then leaves nine bids.
    // Untruncated, 45270.0 would become the tenth and the venue's checksum would not match.
    let nine_bids = crc32fast::hash(format!("{DOCS_ASKS}{}", &DOCS_BIDS[14..]).as_bytes());
    let out = feed(
        &mut d,
        &[
            &update(r#"{"price":45270.0,"qty":1.0}"#, "", 3310070434),
            &update(r#"{"price":45283.5,"qty":0.0}"#, "", nine_bids),
        ],
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let sync = d.books()[0];
    assert_eq!(sync.state(), &BookState::Live);
    assert_eq!(sync.counters().checksum_ok, 3);
    assert_eq!(sync.book().bids().len(), 9);
}

#[test]
fn a_wrong_checksum_resyncs_by_unsubscribing_and_subscribing() {
    let mut d = live();
    feed(&mut d, &[DOCS_SNAPSHOT]);
    let out = feed(
        &mut d,
        &[&update(r#"{"price":45283.5,"qty":0.2}"#, "", 3310070434)],
    );
    let sync = d.books()[0];
    assert_eq!(sync.counters().checksum_fail, 1);
    assert!(matches!(
        sync.state(),
        BookState::Resyncing(ResyncReason::ChecksumMismatch {
            expected: 3310070434,
            ..
        })
    ));
    assert!(sync.book().bids().is_empty(), "a failed book is cleared");
    let sends: Vec<&str> = out.sends.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        sends,
        [
            r#"{"method":"unsubscribe","params":{"channel":"book","depth":10,"symbol":["BTC/USD"]},"req_id":3}"#,
            r#"{"method":"subscribe","params":{"channel":"book","depth":10,"snapshot":true,"symbol":["BTC/USD"]},"req_id":3}"#,
        ]
    );
    // Updates before the new snapshot are dropped; the snapshot brings the book back.
    feed(
        &mut d,
        &[
            &update(r#"{"price":45283.5,"qty":0.3}"#, "", 1),
            DOCS_SNAPSHOT,
        ],
    );
    assert_eq!(d.books()[0].state(), &BookState::Live);
    assert_eq!(d.books()[0].counters().while_syncing, 1);
}

#[test]
fn numbers_finer_than_the_pair_precision_are_reported_not_checksummed() {
    let mut d = live();
    feed(&mut d, &[DOCS_SNAPSHOT]);
    let out = feed(
        &mut d,
        &[
            &update(r#"{"price":45283.55,"qty":0.1}"#, "", 3310070434),
            &update("", r#"{"price":45285.2,"qty":0.000000001}"#, 3310070434),
        ],
    );
    assert_eq!(out.problems.len(), 2, "{:?}", out.problems);
    assert!(
        out.problems[0].contains("price has more digits than the pair's price_precision 1"),
        "{}",
        out.problems[0]
    );
    assert!(
        out.problems[1].contains("qty_precision 8"),
        "{}",
        out.problems[1]
    );
    let sync = d.books()[0];
    assert_eq!(sync.counters().checksum_fail, 0, "never a false mismatch");
    assert_eq!(sync.state(), &BookState::Live);
    assert_eq!(sync.book().bids().len(), 10, "nothing was applied");

    // A pair whose precision is unknown is reported too, and never checksummed.
    let mut unknown = Driver::new(
        Kraken::new(None, Some(10), []),
        DriverConfig::replay(),
        Vec::new(),
        Vec::new(),
    );
    let out = feed(&mut unknown, &[DOCS_SNAPSHOT]);
    assert!(
        out.problems[0].contains("precision unknown"),
        "{:?}",
        out.problems
    );
    assert!(unknown.books().is_empty());
}

#[test]
fn v2_trades_carry_the_taker_side_and_the_trade_snapshot_is_history() {
    let mut d = live();
    let out = feed(
        &mut d,
        &[
            r#"{"channel":"trade","type":"snapshot","data":[{"symbol":"BTC/USD","side":"buy","price":1.0,"qty":1.0,"ord_type":"market","trade_id":1,"timestamp":"2023-09-25T07:49:37.708706Z"}]}"#,
            r#"{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"sell","price":26452.5,"qty":0.00050000,"ord_type":"market","trade_id":74522613,"timestamp":"2023-09-25T07:49:37.708706Z"},{"symbol":"BTC/USD","side":"buy","price":26452.6,"qty":0.1,"ord_type":"limit","trade_id":74522614,"timestamp":"2023-09-25T07:49:37.708706Z"}]}"#,
            r#"{"method":"pong","req_id":4,"time_in":"2023-09-25T07:49:37.7Z","time_out":"2023-09-25T07:49:37.7Z"}"#,
        ],
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let trades = trades(&out.events);
    assert_eq!(trades.len(), 2);
    assert_eq!(trades[0].taker, Some(TakerSide::Sell));
    assert_eq!(trades[1].taker, Some(TakerSide::Buy));
    assert_eq!((trades[0].price, trades[0].size), (26452.5, 0.0005));
    assert_eq!(trades[0].exch_ts, 1_695_628_177_708);
    assert_eq!(trades[0].id.as_deref(), Some("74522613"));
}

#[test]
fn malformed_frames_are_reported_and_skipped_never_panicking() {
    let mut d = live();
    feed(&mut d, &[DOCS_SNAPSHOT]);
    let bad = [
        r#"{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":4528"#, // truncated
        r#"{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":"abc","qty":1}],"asks":[],"checksum":1}]}"#, // wrong type
        r#"{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],"asks":[],"checksum":"1"}]}"#, // checksum as text
        r#"{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":1e400,"qty":1}],"asks":[],"checksum":1}]}"#, // huge number
        r#"{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":99999999999999999999999.0,"qty":1}],"asks":[],"checksum":1}]}"#, // too many digits
        r#"{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],"asks":[],"checksum":99999999999}]}"#, // checksum beyond u32
        r#"{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","asks":[],"checksum":1}]}"#, // missing bids
        r#"{"channel":"book","type":"update","data":[]}"#, // no entry
        r#"{"channel":"book","type":"snapshot","data":[{"symbol":"ETH/USD","bids":[],"asks":[],"checksum":0}]}"#, // unknown instrument
        r#"{"channel":"book","type":"refresh","data":[{"symbol":"BTC/USD","bids":[],"asks":[],"checksum":1}]}"#, // unknown type
        r#"{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"maker","price":1,"qty":1,"timestamp":"2023-09-25T07:49:37Z"}]}"#, // bad side
        r#"{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":1,"qty":1,"timestamp":"yesterday"}]}"#, // bad time
        r#"{"channel":"weird"}"#,
        r#"{"hello":1}"#,
        r#"[1,{"a":[["1"]]},"book-10","XBT/USD"]"#, // v1: level without volume
        r#"[1,{"x":[]},"book-10","XBT/USD"]"#,      // v1: unknown key
        r#"[1,{"a":[],"c":"-5"},"book-10","XBT/USD"]"#, // v1: bad checksum
        r#"[1,"book-10"]"#,                         // v1: too short
        r#"{"event":"mystery"}"#,
        "\u{0}\u{1}garbage",
    ];
    let out = feed(&mut d, &bad);
    assert_eq!(out.problems.len(), bad.len(), "{:#?}", out.problems);
    assert!(out.problems[8].contains("ETH/USD"), "{}", out.problems[8]);
    // Nothing malformed reached the book: it is still the docs' book, and live.
    let sync = d.books()[0];
    assert_eq!(sync.state(), &BookState::Live);
    assert_eq!(sync.counters().checksum_fail, 0);
    assert_eq!(sync.book().bids().len(), 10);
    assert_eq!(
        sync.book().best_bid().unwrap().size.to_string(),
        "0.10000000"
    );

    // Venue errors: a system status is logged; a refused subscription names its pair, whose
    // book resyncs once; the refusal of that resubscription is only logged.
    let refusal = r#"{"error":"Currency pair not supported BTC/USD","method":"subscribe","req_id":1,"success":false,"symbol":"BTC/USD","time_in":"2023-10-06T17:35:55.1Z","time_out":"2023-10-06T17:35:55.2Z"}"#;
    let out = feed(
        &mut d,
        &[
            r#"{"channel":"status","type":"update","data":[{"system":"maintenance","api_version":"v2"}]}"#,
            r#"{"event":"systemStatus","status":"maintenance","version":"1.8.3"}"#,
            refusal,
        ],
    );
    assert_eq!(out.problems.len(), 3, "{:?}", out.problems);
    assert!(out.problems[0].contains("maintenance"));
    assert!(out.problems[2].contains("Currency pair not supported"));
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
    let out = feed(&mut d, &[refusal]);
    assert_eq!(out.problems.len(), 1);
    assert!(out.sends.is_empty(), "no tight resubscription loop");
}

/// A v1 channel names its depth (`book-0`, `book-7`); only the depths Kraken serves make a
/// book. `book-0` made an empty book whose empty checksums (CRC32 of "" = 0) all matched.
#[test]
fn v1_book_depths_kraken_does_not_serve_are_refused() {
    for depth in ["0", "7", "99999999999999999999", "-10"] {
        let mut d = replay_driver();
        let channel = format!("book-{depth}");
        let frames = [
            format!(r#"[1,{{"as":[],"bs":[]}},"{channel}","XBT/USD"]"#),
            format!(r#"[1,{{"a":[]}},{{"b":[],"c":"0"}},"{channel}","XBT/USD"]"#),
            format!(r#"[1,{{"a":[]}},{{"b":[],"c":"0"}},"{channel}","XBT/USD"]"#),
        ];
        let out = feed(&mut d, &frames.each_ref().map(String::as_str));
        assert_eq!(out.problems.len(), 3, "{depth}: {:?}", out.problems);
        assert!(
            out.problems[0].contains("10, 25, 100, 500 and 1000"),
            "{:?}",
            out.problems
        );
        let ok: u64 = d.books().iter().map(|b| b.counters().checksum_ok).sum();
        assert_eq!(
            ok, 0,
            "{depth}: no checksum of an unserved depth counts as verified"
        );
        assert!(
            d.books().iter().all(|b| b.state() != &BookState::Live),
            "{depth}"
        );
    }
    // A served depth still makes a book.
    let mut d = replay_driver();
    let out = feed(
        &mut d,
        &[r#"[1,{"as":[["2","1","1.0"]],"bs":[["1","1","1.0"]]},"book-25","XBT/USD"]"#],
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(d.books()[0].state(), &BookState::Live);
}

/// A replay creates books for the instruments it finds, up to a bound: a capture naming
/// millions of instruments used to make millions of books (1.1 GB from 12.8 MB).
#[test]
fn discovery_creates_books_up_to_the_bound_then_reports_errors() {
    let config = DriverConfig {
        max_books: 3,
        ..DriverConfig::replay()
    };
    let mut d = Driver::new(Kraken::new(None, None, []), config, Vec::new(), Vec::new());
    let frames: Vec<String> = (0..5)
        .map(|i| {
            format!(r#"[1,{{"as":[["2","1","1.0"]],"bs":[["1","1","1.0"]]}},"book-10","P{i}/USD"]"#)
        })
        .collect();
    let out = feed(
        &mut d,
        &frames.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(d.books().len(), 3);
    assert_eq!(out.problems.len(), 2, "{:?}", out.problems);
    assert!(out.problems[0].contains("P3/USD") && out.problems[0].contains("beyond the 3 books"));
}
