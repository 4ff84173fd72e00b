//! Hyperliquid against real frames: the 2025-01-26 BTC recording (46 `l2Book` pushes, the first
//! delivered twice, and 9 `trades` frames with 64 trades) replayed through the driver, the
//! trimmed 2026 live-probe frames (acks, books including a delisted coin's empty one, `bbo`,
//! `activeAssetCtx`, trades, errors), and the 2023 REST `l2Book` answer, whose shape is the
//! stream's. Every expectation is read from the frames themselves with a plain JSON parser.

use super::Hyperliquid;
use super::instruments::infer;
use crate::feed::adapter::{Adapter, Frame, Output};
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::event::MarketEvent;
use crate::feed::health::BookState;
use crate::market::{Nanos, Side, TakerSide};
use crate::testutil::{capture, top25, trades};
use serde_json::Value;

fn driver(cfg: DriverConfig, coins: &[&str]) -> Driver<Hyperliquid> {
    let instruments = coins.iter().map(|c| infer(c)).collect();
    Driver::new(Hyperliquid::new(None), cfg, instruments, Vec::new())
}

/// Feed `frames` (local time, text) on connection 0, after opening it.
fn feed<'a>(
    driver: &mut Driver<Hyperliquid>,
    frames: impl IntoIterator<Item = (Nanos, &'a str)>,
    mut each: impl FnMut(&Driver<Hyperliquid>, &str, &Output),
) -> Output {
    let mut all = Output::default();
    let mut out = Output::default();
    driver.on_open(0, 0, &mut out);
    out.clear();
    for (ts, text) in frames {
        driver.on_frame(0, Frame::Text(text), ts, &mut out);
        each(driver, text, &out);
        all.events.append(&mut out.events);
        all.problems.append(&mut out.problems);
        all.sends.append(&mut out.sends);
        out.clear();
    }
    all
}

/// A side of an `l2Book` payload as `[px, sz]` wire strings, best first.
fn side(levels: &Value) -> Vec<[String; 2]> {
    levels
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            [
                l["px"].as_str().unwrap().to_owned(),
                l["sz"].as_str().unwrap().to_owned(),
            ]
        })
        .collect()
}

/// `<ns> <frame>` lines, as hftbacktest's collector writes them.
fn timed(text: &str) -> Vec<(Nanos, &str)> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (ns, frame) = l.split_once(' ').expect("<ns> <frame>");
            (ns.parse().expect("a receive time in ns"), frame)
        })
        .collect()
}

#[test]
fn real_recording_replays_every_push_as_the_whole_book_and_drops_the_repeat() {
    let Some(text) = capture("hyperliquid/hftbacktest_2025-01-26_BTC_l2Book_trades.txt") else {
        return;
    };
    let lines = timed(&text);
    let (mut pushes, mut compared, mut trade_frames) = (0, 0, 0);
    let mut last_time = i64::MIN;
    let mut d = driver(DriverConfig::replay(), &["BTC"]);
    let out = feed(&mut d, lines.iter().copied(), |d, text, _| {
        let v: Value = serde_json::from_str(text).unwrap();
        match v["channel"].as_str().unwrap() {
            "l2Book" => {
                pushes += 1;
                let data = &v["data"];
                let time = data["time"].as_i64().unwrap();
                let sync = d.books()[0];
                assert_eq!(sync.state(), &BookState::Live);
                if time > last_time {
                    // The book is exactly this push: every level, both sides.
                    let (bids, asks) = top25(sync);
                    assert_eq!(bids, side(&data["levels"][0]), "push {pushes}");
                    assert_eq!(asks, side(&data["levels"][1]), "push {pushes}");
                    compared += 1;
                    last_time = time;
                }
            }
            "trades" => trade_frames += 1,
            other => panic!("{other}"),
        }
    });
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!((pushes, compared, trade_frames), (46, 45, 9));

    assert_eq!(d.books().len(), 1, "one book, BTC");
    let c = d.books()[0].counters();
    assert_eq!(c.messages, 46);
    assert_eq!(c.stale, 1, "the push delivered twice");
    assert_eq!(
        (c.seq_gaps, c.resyncs, c.crossed, c.checksum_fail),
        (0, 0, 0, 0)
    );
    assert_eq!(c.checksum_absent, 46, "Hyperliquid publishes no checksum");
    assert_eq!(d.books()[0].book().bids().len(), 20);

    // Trades: every one delivered (no acknowledgement was recorded, so no batch is skipped),
    // with the taker side the frame's `side` names.
    let want: Vec<(String, TakerSide)> = lines
        .iter()
        .filter_map(|(_, t)| serde_json::from_str::<Value>(t).ok())
        .filter(|v| v["channel"] == "trades")
        .flat_map(|v| v["data"].as_array().unwrap().clone())
        .map(|t| {
            let taker = match t["side"].as_str().unwrap() {
                "B" => TakerSide::Buy,
                _ => TakerSide::Sell,
            };
            (t["tid"].to_string(), taker)
        })
        .collect();
    let got: Vec<(String, TakerSide)> = trades(&out.events)
        .iter()
        .map(|t| (t.id.as_deref().unwrap().to_owned(), t.taker.unwrap()))
        .collect();
    assert_eq!(got.len(), 64);
    assert_eq!(got, want);
    let sells = got.iter().filter(|(_, s)| *s == TakerSide::Sell).count();
    assert!(sells > 0 && sells < 64, "both sides occur: {sells} sells");
}

#[test]
fn taker_side_b_bought_and_a_sold() {
    assert_eq!(super::parse::taker("B"), Ok(TakerSide::Buy));
    assert_eq!(super::parse::taker("A"), Ok(TakerSide::Sell));
    assert!(super::parse::taker("S").is_err());
}

#[test]
fn trimmed_2026_frames_parse_with_their_books_contexts_trades_and_errors() {
    let Some(text) = capture("hyperliquid/nemanull_2026-09-24_frames_trimmed.ndjson") else {
        return;
    };
    let coins = ["BTC", "kPEPE", "xyz:SP500", "MATIC"];
    let mut d = driver(DriverConfig::live(), &coins);
    let lines: Vec<(Nanos, &str)> = text.lines().map(|l| (1, l)).collect();
    let out = feed(&mut d, lines.iter().copied(), |_, _, _| {});
    for v in text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
    {
        if v["channel"] != "l2Book" {
            continue;
        }
        let coin = v["data"]["coin"].as_str().unwrap();
        let sync = d
            .books()
            .into_iter()
            .find(|b| &*b.key().instrument == coin)
            .unwrap();
        assert_eq!(sync.state(), &BookState::Live, "{coin}");
        let (bids, asks) = top25(sync);
        assert_eq!(bids, side(&v["data"]["levels"][0]), "{coin}");
        assert_eq!(asks, side(&v["data"]["levels"][1]), "{coin}");
    }
    let matic = d
        .books()
        .into_iter()
        .find(|b| &*b.key().instrument == "MATIC")
        .unwrap();
    assert!(matic.book().bids().is_empty() && matic.book().asks().is_empty());

    let ctx = out
        .events
        .iter()
        .find_map(|e| match e {
            MarketEvent::Derivs(t) => Some(t),
            _ => None,
        })
        .expect("activeAssetCtx");
    assert_eq!(&*ctx.key.instrument, "BTC");
    let v = &ctx.values;
    assert_eq!(v.mark_price, Some(84148.0));
    assert_eq!(v.index_price, Some(84198.0), "the oracle price");
    assert_eq!(v.funding_rate, Some(0.0000018952));
    assert_eq!(v.funding_interval_h, Some(1.0));
    // The books before it were stamped 1790232237073 (19:23:57 UTC): the next whole hour.
    assert_eq!(v.next_funding_ts, Some(1_790_233_200_000));
    assert_eq!(v.open_interest, Some(36585.31848), "in coins");

    let t = trades(&out.events);
    assert_eq!(t.len(), 1);
    assert_eq!(
        (t[0].taker, t[0].price, t[0].size),
        (Some(TakerSide::Sell), 84143.0, 0.00036)
    );
    // The two `error` frames are reported, nothing else is.
    assert_eq!(out.problems.len(), 2, "{:?}", out.problems);
    assert!(
        out.problems
            .iter()
            .all(|p| p.contains("Already subscribed") || p.contains("Error parsing"))
    );
}

#[test]
fn the_rest_l2book_answer_has_the_stream_shape() {
    let Some(body) = capture("hyperliquid/hlsdk_2023-07-17_rest_l2Book_DYDX.json") else {
        return;
    };
    let v: Value = serde_json::from_str(&body).unwrap();
    let frame = format!(r#"{{"channel":"l2Book","data":{}}}"#, body.trim());
    let mut levels = Vec::new();
    let parsed = super::parse::Parser::default()
        .parse(&frame, &mut levels)
        .unwrap();
    let crate::feed::protocol::Parsed::Book(book) = parsed else {
        panic!("a book")
    };
    assert_eq!(book.instrument, "DYDX");
    assert_eq!(book.seq, v["time"].as_i64().unwrap());
    assert_eq!(book.snapshot, Some(Some(super::DEPTH)));
    let wire = |s: Side| -> Vec<[String; 2]> {
        levels
            .iter()
            .filter(|(side, _)| *side == s)
            .map(|(_, l)| [l.price.to_string(), l.size.to_string()])
            .collect()
    };
    assert_eq!(wire(Side::Bid), side(&v["levels"][0]));
    assert_eq!(wire(Side::Ask), side(&v["levels"][1]));
    assert_eq!(wire(Side::Bid).len(), 20);
}

const BOOK_1: &str = r#"{"channel":"l2Book","data":{"coin":"BTC","time":1000,"levels":[[{"px":"100.0","sz":"1.5","n":2}],[{"px":"101.0","sz":"2","n":1}]]}}"#;
const BOOK_2: &str = r#"{"channel":"l2Book","data":{"coin":"BTC","time":2000,"levels":[[{"px":"100.5","sz":"1","n":1}],[{"px":"101.0","sz":"3","n":1}]]}}"#;

fn best_bid(d: &Driver<Hyperliquid>) -> Option<String> {
    d.books()[0].book().best_bid().map(|l| l.price.to_string())
}

#[test]
fn an_older_push_never_replaces_a_newer_book() {
    let mut d = driver(DriverConfig::live(), &["BTC"]);
    let out = feed(
        &mut d,
        [(1, BOOK_1), (2, BOOK_2), (3, BOOK_1), (4, BOOK_2)],
        |_, _, _| {},
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(best_bid(&d).as_deref(), Some("100.5"));
    let c = d.books()[0].counters();
    assert_eq!((c.messages, c.stale, c.resyncs), (4, 2, 0));
    assert!(
        out.sends.is_empty(),
        "no resync: nothing is wrong with the book"
    );
}

#[test]
fn malformed_frames_are_reported_and_the_book_stays() {
    let mut d = driver(DriverConfig::live(), &["BTC"]);
    let bad = [
        "{not json",
        r#"{"channel":"l2Book","data":{"coin":"BTC","time":3000,"levels":[[]]}}"#,
        r#"{"channel":"l2Book","data":{"coin":"BTC","time":3000,"levels":[[{"px":"99","sz":"0","n":0}],[]]}}"#,
        r#"{"channel":"l2Book","data":{"coin":"BTC","time":3000,"levels":[[{"px":"1e999","sz":"1","n":1}],[]]}}"#,
        r#"{"channel":"trades","data":[{"coin":"BTC","side":"S","px":"1","sz":"1","time":1,"tid":1}]}"#,
        r#"{"channel":"activeAssetCtx","data":{"coin":"BTC","ctx":{"markPx":"abc"}}}"#,
        r#"{"channel":"mystery","data":{}}"#,
    ];
    let greeting = super::parse::GREETING;
    let frames = [(1, greeting), (1, BOOK_1)]
        .into_iter()
        .chain(bad.iter().map(|b| (2, *b)));
    let out = feed(&mut d, frames, |_, _, _| {});
    // The plain-text greeting a socket opens with is not a problem; each bad frame is.
    assert_eq!(out.problems.len(), bad.len(), "{:?}", out.problems);
    assert_eq!(best_bid(&d).as_deref(), Some("100.0"));
    assert_eq!(d.books()[0].state(), &BookState::Live);
}

#[test]
fn the_batch_after_a_trades_subscription_is_history() {
    let mut d = driver(DriverConfig::live(), &["BTC"]);
    let ack = r#"{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}}"#;
    let batch = r#"{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"100","sz":"1","time":10,"tid":7}]}"#;
    let live = r#"{"channel":"trades","data":[{"coin":"BTC","side":"A","px":"100","sz":"2","time":11,"tid":8}]}"#;
    let out = feed(
        &mut d,
        [(1, ack), (2, batch), (3, live), (4, live)],
        |_, _, _| {},
    );
    let t = trades(&out.events);
    assert_eq!(t.len(), 1, "the batch is history and the repeat is dropped");
    assert_eq!((t[0].taker, t[0].size), (Some(TakerSide::Sell), 2.0));
}

/// The Health view says "snapshot" for this venue only: the others prove their books by a
/// sequence or a checksum.
#[test]
fn integrity_is_snapshot_here_only() {
    use crate::venue::registry::IMPLEMENTED;
    let snapshot: Vec<_> = IMPLEMENTED
        .iter()
        .filter(|v| v.adapter_spec().unwrap().snapshots_only())
        .collect();
    assert_eq!(snapshot, [&crate::market::VenueId::Hyperliquid]);
}

/// A push stamped absurdly far ahead would make every later push look old: the book would stay
/// "live" and never change. After three pushes in a row that cannot replace it, the book is
/// rebuilt from a fresh subscription instead.
#[test]
fn a_book_stuck_ahead_of_every_push_is_rebuilt() {
    let mut d = driver(DriverConfig::live(), &["BTC"]);
    let future = BOOK_1.replace("\"time\":1000", "\"time\":9000000000000000000");
    let out = feed(
        &mut d,
        [(1, future.as_str()), (2, BOOK_2), (3, BOOK_2), (4, BOOK_2)],
        |_, _, _| {},
    );
    let sync = d.books()[0];
    assert_eq!(
        sync.state(),
        &BookState::Resyncing(crate::integrity::ResyncReason::VenueReset)
    );
    let sends: Vec<&str> = out.sends.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(sends, super::subscribe::resubscribe_book("BTC"));
    // The fresh subscription's first push is taken whatever its time (same connection).
    d.on_frame(0, Frame::Text(BOOK_1), 5, &mut Output::default());
    assert_eq!(d.books()[0].state(), &BookState::Live);
    assert_eq!(best_bid(&d).as_deref(), Some("100.0"));
}
