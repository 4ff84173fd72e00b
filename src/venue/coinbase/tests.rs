//! Coinbase against real frames: the 2026-08-09 Advanced Trade recording (one connection,
//! BTC-USD and ETH-USD, 775 `l2_data` frames) replayed through the driver and compared with an
//! independent reference book, and hand-written frames for what the recording lacks (a break in
//! the connection's count, duplicates, a new connection).

use super::Coinbase;
use crate::feed::adapter::{Adapter, Frame, Output};
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::event::MarketEvent;
use crate::feed::health::BookState;
use crate::instrument::guess;
use crate::market::{Side, TakerSide, VenueId};
use crate::testutil::reference::Reference;
use crate::testutil::{capture_path, check_books, jsonl_frames, replay_frames, trades};

const RECORDING: &str = "coinbase/cryptofeed_v3_COINBASE_2026-08-09_advanced_trade.jsonl.gz";

fn driver(cfg: DriverConfig, products: &[&str]) -> Driver<Coinbase> {
    let instruments = products
        .iter()
        .map(|p| guess(VenueId::Coinbase, p))
        .collect();
    Driver::new(Coinbase::new(None), cfg, instruments, Vec::new())
}

/// Every envelope of the recording's one connection through the driver: the count chains
/// across all channels (0 gaps), both books go live on their snapshots and stay live through
/// all 773 updates, and each whole book (not only its top) equals the reference's.
#[test]
fn real_recording_replays_without_gaps_and_both_whole_books_match_the_reference() {
    let Some(path) = capture_path(RECORDING) else {
        return;
    };
    let frames = jsonl_frames(&path);
    assert_eq!(frames.len(), 1, "one connection");
    let text = &frames["COINBASE.ws.2"];
    assert_eq!(text.lines().count(), 1030);

    let mut driver = driver(DriverConfig::replay(), &[]);
    let out = replay_frames(&mut driver, text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);

    let reference = Reference::coinbase(text);
    let books = driver.books();
    assert_eq!(books.len(), 2);
    let c = check_books(&books, &reference);
    assert_eq!(c.messages, 775, "2 snapshots and 773 updates");
    assert_eq!(
        (c.seq_gaps, c.stale, c.resyncs, c.crossed, c.while_syncing),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(c.capped_levels, 0, "the whole book fits the book's bound");
    for sync in &books {
        let id = &*sync.key().instrument;
        assert_eq!(sync.state(), &BookState::Live, "{id}");
        let book = sync.book();
        let (bids, asks) = reference.book(id).depth();
        assert_eq!((book.bids().len(), book.asks().len()), (bids, asks), "{id}");
        // Every level, not only the top 25 `check_books` compares.
        let mine: Vec<[String; 2]> = book
            .top(Side::Bid, usize::MAX)
            .chain(book.top(Side::Ask, usize::MAX))
            .map(|l| [l.price.to_string(), l.size.to_string()])
            .collect();
        let (ref_bids, ref_asks) = reference.book(id).all();
        assert!(mine == [ref_bids, ref_asks].concat(), "{id}: levels differ");
    }
    let btc = books
        .iter()
        .find(|b| &*b.key().instrument == "BTC-USD")
        .unwrap()
        .book();
    assert_eq!((btc.bids().len(), btc.asks().len()), (18_769, 27_238));
    let best = |l: Option<&crate::book::Level>| l.unwrap().price.to_string();
    assert_eq!(
        (best(btc.best_bid()), best(btc.best_ask())),
        ("65083.66".to_owned(), "65083.67".to_owned())
    );

    // Live trades only (the two 100-trade snapshots are history), the taker opposite the maker.
    let published = trades(&out.events);
    assert_eq!(published.len(), 79);
    assert_eq!(published.len(), reference.trades.len());
    for (t, r) in published.iter().zip(&reference.trades) {
        assert_eq!(
            (&*t.key.instrument, t.price.to_string()),
            (&*r.book, r.price.clone())
        );
        let taker = if r.taker_buys {
            TakerSide::Buy
        } else {
            TakerSide::Sell
        };
        assert_eq!(t.taker, Some(taker));
    }
}

fn l2(seq: u64, kind: &str, product: &str, bid: &str) -> String {
    format!(
        r#"{{"channel":"l2_data","timestamp":"2026-08-09T21:05:48.483587501Z","sequence_num":{seq},"events":[{{"type":"{kind}","product_id":"{product}","updates":[{{"side":"bid","event_time":"2026-08-09T21:05:48.170326Z","price_level":"{bid}","new_quantity":"1"}},{{"side":"offer","event_time":"2026-08-09T21:05:48.170326Z","price_level":"99999","new_quantity":"1"}}]}}]}}"#
    )
}

fn heartbeat(seq: u64) -> String {
    format!(
        r#"{{"channel":"heartbeats","timestamp":"2026-08-09T21:05:48.856364007Z","sequence_num":{seq},"events":[{{"current_time":"x","heartbeat_counter":{seq}}}]}}"#
    )
}

fn feed(d: &mut Driver<Coinbase>, frames: &[String], out: &mut Output) {
    for (i, f) in frames.iter().enumerate() {
        d.on_frame(0, Frame::Text(f), 1_000 + i as u64, out);
    }
}

fn states(d: &Driver<Coinbase>) -> Vec<(String, BookState)> {
    d.books()
        .iter()
        .map(|b| (b.key().instrument.to_string(), b.state().clone()))
        .collect()
}

/// A heartbeat lost between two envelopes of another channel fails both books, though neither
/// lost an update of its own; the books are rebuilt by reconnecting, and the new connection's
/// count starts over (from 0, as Coinbase's does) with fresh snapshots.
#[test]
fn a_break_in_the_count_rebuilds_every_book_through_a_new_connection() {
    let mut d = driver(DriverConfig::live(), &["BTC-USD", "ETH-USD"]);
    let mut out = Output::default();
    d.on_open(0, 0, &mut out);
    assert_eq!(
        out.sends.len(),
        4,
        "heartbeats, level2, market_trades, ticker"
    );
    out.clear();
    feed(
        &mut d,
        &[
            l2(0, "snapshot", "BTC-USD", "100"),
            l2(1, "snapshot", "ETH-USD", "10"),
            heartbeat(2),
            l2(3, "update", "BTC-USD", "101"),
        ],
        &mut out,
    );
    assert!(states(&d).iter().all(|(_, s)| *s == BookState::Live));
    assert!(out.reconnects.is_empty());
    // 4 (a heartbeat) is lost: ETH's next update is the first to see it.
    feed(&mut d, &[l2(5, "update", "ETH-USD", "11")], &mut out);
    assert_eq!(out.reconnects.len(), 1, "{:?}", out.reconnects);
    assert!(
        out.reconnects[0].1.contains("ETH-USD"),
        "{:?}",
        out.reconnects
    );
    let eth = d
        .books()
        .into_iter()
        .find(|b| &*b.key().instrument == "ETH-USD")
        .unwrap();
    assert_eq!(eth.counters().seq_gaps, 1);

    out.clear();
    d.on_close(0, 2_000, &mut out);
    d.on_open(0, 3_000, &mut out);
    feed(
        &mut d,
        &[
            l2(0, "snapshot", "BTC-USD", "102"),
            l2(1, "snapshot", "ETH-USD", "12"),
            l2(2, "update", "ETH-USD", "13"),
        ],
        &mut out,
    );
    assert!(
        states(&d).iter().all(|(_, s)| *s == BookState::Live),
        "{:?}",
        states(&d)
    );
    assert!(out.reconnects.is_empty(), "{:?}", out.reconnects);
}

/// A repeated envelope is dropped whatever its channel: a repeated update is counted stale and
/// leaves the book live, a repeated snapshot never replaces the book, a repeated trade is not
/// published twice.
#[test]
fn duplicates_are_dropped_on_every_channel() {
    let mut d = driver(DriverConfig::live(), &["BTC-USD"]);
    let mut out = Output::default();
    d.on_open(0, 0, &mut out);
    let trade = r#"{"channel":"market_trades","timestamp":"2026-08-09T21:06:12.278527332Z","sequence_num":3,"events":[{"type":"update","trades":[{"product_id":"BTC-USD","trade_id":"1","price":"100","size":"0.5","time":"2026-08-09T21:06:12.197444Z","side":"BUY"}]}]}"#;
    feed(
        &mut d,
        &[
            l2(0, "snapshot", "BTC-USD", "100"),
            l2(1, "update", "BTC-USD", "101"),
            l2(1, "update", "BTC-USD", "101"),
            l2(0, "snapshot", "BTC-USD", "100"),
            l2(2, "update", "BTC-USD", "102"),
            trade.to_owned(),
            trade.to_owned(),
        ],
        &mut out,
    );
    let books = d.books();
    assert_eq!(books[0].state(), &BookState::Live);
    assert_eq!(books[0].counters().stale, 1);
    assert_eq!(books[0].counters().seq_gaps, 0);
    let bids: Vec<String> = books[0]
        .book()
        .top(Side::Bid, 9)
        .map(|l| l.price.to_string())
        .collect();
    assert_eq!(
        bids,
        ["102", "101", "100"],
        "the repeated snapshot did not apply"
    );
    let trades: Vec<_> = out
        .events
        .iter()
        .filter(|e| matches!(e, MarketEvent::Trade(_)))
        .collect();
    assert_eq!(trades.len(), 1);
    assert!(out.reconnects.is_empty());
}

/// A refused request is a venue error; a frame that is not JSON is counted and changes nothing.
#[test]
fn errors_and_malformed_frames_are_counted_and_the_books_stay_live() {
    let mut d = driver(DriverConfig::live(), &["BTC-USD"]);
    let mut out = Output::default();
    d.on_open(0, 0, &mut out);
    feed(
        &mut d,
        &[
            l2(0, "snapshot", "BTC-USD", "100"),
            r#"{"type":"error","message":"rate limit exceeded"}"#.to_owned(),
            r#"{"channel":"l2_data","sequence_num":1,"ev"#.to_owned(),
            l2(1, "update", "BTC-USD", "101"),
        ],
        &mut out,
    );
    assert_eq!(out.problems.len(), 2, "{:?}", out.problems);
    assert!(out.problems[0].contains("rate limit"));
    assert_eq!(d.books()[0].state(), &BookState::Live);
    assert!(out.reconnects.is_empty());
}

/// The product list recorded with the session, read as a replay reads it (recognised by its
/// path): 495 of its 920 products are listed; the USDC aliases of USD books, the USDT books of
/// bases that trade against USD, delisted and disabled products are not.
#[test]
fn the_recorded_product_list_reads_through_the_instrument_source() {
    use crate::instrument::catalog::parse_recorded;
    use std::io::BufRead;
    let Some(path) = capture_path(RECORDING) else {
        return;
    };
    let file = std::fs::File::open(path).unwrap();
    let http = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file))
        .lines()
        .map(Result::unwrap)
        .map(|l| serde_json::from_str::<serde_json::Value>(&l).unwrap())
        .find(|l| l["t"] == "http")
        .unwrap();
    let (url, body) = (
        http["url"].as_str().unwrap(),
        http["data"].as_str().unwrap(),
    );
    let all: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(all["products"].as_array().unwrap().len(), 920);
    let list = parse_recorded(VenueId::Coinbase, url, body)
        .unwrap()
        .unwrap();
    assert_eq!(list.len(), 495);
    let find = |id: &str| list.iter().find(|i| i.id == id);
    let btc = find("BTC-USD").unwrap();
    assert_eq!(
        (btc.tick.unwrap().to_string(), btc.lot.unwrap().to_string()),
        ("0.01".to_owned(), "0.00000001".to_owned())
    );
    assert!(find("USDT-USD").unwrap().is_usdt_rate());
    assert!(find("BTC-USDC").is_none() && find("BTC-USDT").is_none());
}
