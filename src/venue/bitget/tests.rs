//! Bitget against real frames: the 2022 legacy v1 spot and mix recordings (every book message
//! checksummed), the trimmed 2026 v2 frames, and hand-written v2 frames for what no recording
//! has (gaps, sharding).

use super::{Bitget, CONN_CHANNELS, Spot, UsdtFutures, subscribe};
use crate::feed::adapter::{Adapter, Frame, Output};
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::event::MarketEvent;
use crate::feed::health::BookState;
use crate::feed::protocol::Protocol;
use crate::instrument::{Instrument, guess};
use crate::market::{TakerSide, VenueId};
use crate::testutil::reference::Reference;
use crate::testutil::{capture, check_books, replay_cryptofeed, replay_frames, top25, trades};
use serde_json::Value;

fn replay<M: super::Market>() -> Driver<Bitget<M>> {
    Driver::new(
        Bitget::<M>::new(None),
        DriverConfig::replay(),
        Vec::new(),
        Vec::new(),
    )
}

/// Replays a legacy recording through market `M`'s adapter: every book live, equal to the
/// reference model, and every message's checksum verified by the book's own construction.
/// Returns the replay's events and the books' summed counters.
fn replay_legacy<M: super::Market>(
    file: &str,
    books: usize,
) -> Option<(Vec<MarketEvent>, crate::feed::health::BookCounters)> {
    let text = capture(file)?;
    let mut driver = replay::<M>();
    let out = replay_cryptofeed(&mut driver, &text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let reference = Reference::bitget(&text);
    let synced = driver.books();
    assert_eq!(synced.len(), books);
    let total = check_books(&synced, &reference);
    assert_eq!(total.checksum_ok, reference.checksummed());
    assert_eq!(
        (total.checksum_fail, total.checksum_absent),
        (0, 0),
        "every legacy message carries a checksum, and each one matches"
    );
    assert_eq!(total.seq_gaps + total.resyncs + total.crossed, 0);
    assert!(synced.iter().all(|sync| top25(sync).0.len() == 25));
    let trades = trades(&out.events);
    assert_eq!(trades.len(), reference.trades.len());
    for (got, want) in trades.iter().zip(&reference.trades) {
        assert_eq!(got.taker == Some(TakerSide::Buy), want.taker_buys);
    }
    assert_eq!(driver.counters().malformed, 0);
    Some((out.events, total))
}

#[test]
fn legacy_spot_recording_verifies_all_443_checksums() {
    let Some((events, total)) =
        replay_legacy::<Spot>("bitget/cryptofeed_BITGET.ws.1.0_spot_v1.txt", 8)
    else {
        return;
    };
    assert_eq!(total.checksum_ok, 443);
    // 30 live trades; the 8 snapshots of recent trades are history.
    assert_eq!(trades(&events).len(), 30);
    assert!(!events.iter().any(|e| matches!(e, MarketEvent::Derivs(_))));
}

#[test]
fn legacy_mix_recording_verifies_all_194_checksums_and_reads_tickers() {
    let Some((events, total)) =
        replay_legacy::<UsdtFutures>("bitget/cryptofeed_BITGET.ws.2.0_mix_v1.txt", 2)
    else {
        return;
    };
    assert_eq!(total.checksum_ok, 194);
    assert_eq!(trades(&events).len(), 25);
    let derivs: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Derivs(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(derivs.len(), 217);
    // {"instId":"DASHUSDT",..,"capitalRate":"-0.000100","nextSettleTime":1649314800000,
    //  "markPrice":"113.381","indexPrice":"113.427","holding":"21957.17",..}
    let first = &derivs[0].values;
    assert_eq!(first.mark_price, Some(113.381));
    assert_eq!(first.index_price, Some(113.427));
    assert_eq!(first.funding_rate, Some(-0.0001));
    assert_eq!(first.open_interest, Some(21957.17));
}

/// The checksum is what proves these books: a level changed in one recorded frame is caught on
/// that very frame (and the book resyncs), so the 637 matches above are not vacuous.
#[test]
fn a_tampered_legacy_frame_fails_its_checksum() {
    let Some(text) = capture("bitget/cryptofeed_BITGET.ws.2.0_mix_v1.txt") else {
        return;
    };
    let line = text
        .lines()
        .filter(|l| l.contains(r#""action":"update","arg":{"instType":"mc","channel":"books""#))
        .nth(10)
        .unwrap();
    let (_, frame) = line.split_once(": ").unwrap();
    let mut msg: Value = serde_json::from_str(frame).unwrap();
    let bid = &mut msg["data"][0]["bids"][0][1];
    let size = bid.as_str().unwrap().to_owned();
    *bid = Value::from(format!("{size}1"));
    let tampered = text.replace(frame, &msg.to_string());
    let mut driver = replay::<UsdtFutures>();
    replay_cryptofeed(&mut driver, &tampered);
    let fails: u64 = driver
        .books()
        .iter()
        .map(|b| b.counters().checksum_fail)
        .sum();
    assert_eq!(fails, 1);
}

/// The real 2026 v2 frames: snapshot (`pseq` 0) and two chained updates apply; the v3 frame
/// (`topic`/`symbol`, another socket's protocol) is refused as malformed, and the error frames
/// are venue errors.
#[test]
fn trimmed_2026_v2_frames_parse_and_chain() {
    let Some(text) = capture("bitget/nemanull_2026-09-15_v2_v3_books_frames_trimmed.ndjson") else {
        return;
    };
    let mut driver = replay::<UsdtFutures>();
    let out = replay_frames(&mut driver, &text);
    let books = driver.books();
    assert_eq!(books.len(), 1);
    let mav = books[0];
    assert_eq!(mav.key().instrument.as_ref(), "MAVUSDT");
    assert_eq!(mav.state(), &BookState::Live);
    let c = mav.counters();
    assert_eq!((c.messages, c.seq_gaps, c.resyncs), (3, 0, 0));
    assert_eq!(c.checksum_absent, 3, "2026 v2 frames carry no checksum");
    let levels = |side: Vec<[String; 2]>| side.into_iter().map(|[p, s]| p + " " + &s).collect();
    let (bids, asks) = top25(mav);
    let (bids, asks): (Vec<String>, Vec<String>) = (levels(bids), levels(asks));
    assert_eq!(
        bids,
        [
            "0.01038 4311.15",
            "0.01037 175152.28",
            "0.01036 463711.3",
            "0.01035 175053.47",
            "0.00519 30828.52"
        ]
    );
    assert_eq!(
        asks,
        ["0.01039 4499.23", "0.0104 116536.86", "0.01042 382403.68"]
    );
    let count = |what: &str| out.problems.iter().filter(|p| p.contains(what)).count();
    assert_eq!(
        (count("missing field `channel`"), count("error 300")),
        (1, 3)
    );
    assert_eq!(driver.counters().malformed, 4, "{:?}", out.problems);
}

fn usdt(id: &str) -> Instrument {
    guess(VenueId::BitgetUsdt, id)
}

fn feed<A: Adapter>(driver: &mut A, conn: usize, frames: &[&str]) -> Output {
    let mut all = Output::default();
    for (i, f) in frames.iter().enumerate() {
        let mut out = Output::default();
        driver.on_frame(conn, Frame::Text(f), i as u64 * 1_000_000, &mut out);
        all.events.append(&mut out.events);
        all.sends.append(&mut out.sends);
        all.problems.append(&mut out.problems);
    }
    all
}

const SNAP: &str = r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[["97000.1","2"]],"bids":[["97000.0","3"]],"ts":"1","seq":18446744073709551000,"pseq":0}],"ts":1}"#;

#[test]
fn a_pseq_gap_resubscribes_the_book_and_a_new_snapshot_brings_it_back() {
    let mut d = Driver::new(
        Bitget::<UsdtFutures>::new(None),
        DriverConfig::live(),
        vec![usdt("BTCUSDT")],
        Vec::new(),
    );
    let mut opened = Output::default();
    d.on_open(0, 0, &mut opened);
    assert_eq!(opened.sends.len(), 1);
    assert!(opened.sends[0].1.contains(r#""channel":"ticker""#));
    let out = feed(
        &mut d,
        0,
        &[
            SNAP,
            r#"{"action":"update","arg":{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[],"bids":[["97000.0","4"]],"ts":"2","seq":18446744073709551007,"pseq":18446744073709551000}],"ts":2}"#,
        ],
    );
    assert!(out.sends.is_empty());
    assert_eq!(d.books()[0].state(), &BookState::Live);
    let out = feed(
        &mut d,
        0,
        &[
            r#"{"action":"update","arg":{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[],"bids":[["96999.9","1"]],"ts":"3","seq":18446744073709551020,"pseq":18446744073709551010}],"ts":3}"#,
        ],
    );
    let sync = d.books()[0];
    assert!(matches!(sync.state(), BookState::Resyncing(_)));
    assert_eq!(sync.counters().seq_gaps, 1);
    assert!(sync.book().bids().is_empty(), "an invalid book is cleared");
    let sent: Vec<&str> = out.sends.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(sent, subscribe::resubscribe_book("USDT-FUTURES", "BTCUSDT"));
    feed(&mut d, 0, &[SNAP]);
    assert_eq!(d.books()[0].state(), &BookState::Live);
}

/// 400 perpetuals are 1,200 channels: more than one connection may carry (1000), so they are
/// planned over three, each subscribing only its own instruments, and an instrument added
/// later lands on one of them.
#[test]
fn many_instruments_are_sharded_under_the_per_connection_limit() {
    let many: Vec<Instrument> = (0..400).map(|i| usdt(&format!("C{i}USDT"))).collect();
    let bitget = Bitget::<UsdtFutures>::new(None);
    let conns = bitget.connections(&many);
    assert_eq!(conns.len(), 3);
    let mut subscribed = std::collections::BTreeSet::new();
    for conn in 0..conns.len() {
        let mut channels = 0;
        for msg in bitget.subscribe(conn, &many) {
            let v: Value = serde_json::from_str(&msg).unwrap();
            assert!(v["args"].to_string().len() <= subscribe::MAX_ARGS_BYTES);
            for arg in v["args"].as_array().unwrap() {
                let id = arg["instId"].as_str().unwrap().to_owned();
                assert_eq!(bitget.book_spec(&id).conn, conn);
                subscribed.insert(id);
                channels += 1;
            }
        }
        assert!(channels <= CONN_CHANNELS, "{channels}");
        assert!(channels > 0);
    }
    assert_eq!(subscribed.len(), 400);
    assert_eq!(
        bitget.connections(&many[..1]).len(),
        3,
        "the plan is fixed once made"
    );
    let late = usdt("LATEUSDT");
    let conn = bitget.book_spec(&late.id).conn;
    assert!(conn < 3);
    assert_eq!(
        bitget
            .subscribe_more(conn, std::slice::from_ref(&late), &many)
            .len(),
        1
    );
    let other = (conn + 1) % 3;
    assert!(bitget.subscribe_more(other, &[late], &many).is_empty());
    let spot = Bitget::<Spot>::new(None);
    assert_eq!(spot.connections(&many[..3]).len(), 1);
}
