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
    assert!(find("USDT-USD").unwrap().is_rate());
    assert!(find("BTC-USDC").is_none() && find("BTC-USDT").is_none());
}

/// The simulator's Coinbase frames for three books, a step at a time: each step one book
/// update and, every third step, a trade. Prices never cross (sizes change on fixed prices).
struct SimStream {
    dialect: crate::sim::dialect::coinbase::Coinbase,
    step: u64,
}

impl SimStream {
    const BOOKS: [&'static str; 3] = ["BTC-USD", "ETH-USD", "SOL-USD"];

    fn book_id(i: usize) -> crate::sim::catalog::BookId {
        crate::sim::catalog::find(VenueId::Coinbase, Self::BOOKS[i]).unwrap()
    }

    fn level(price: u64, size: u64) -> crate::book::Level {
        use crate::num::Dec;
        crate::book::Level::new(
            Dec::from_parts(price as i64, 0).unwrap(),
            Dec::from_parts(size as i64, 2).unwrap(),
        )
    }

    fn msg(
        book: usize,
        snapshot: bool,
        bids: Vec<crate::book::Level>,
    ) -> crate::sim::dialect::BookMsg {
        crate::sim::dialect::BookMsg {
            book: Self::book_id(book),
            depth: None,
            snapshot,
            bids,
            asks: (101..106).map(|p| Self::level(p, 1)).collect(),
            first: 0,
            last: 0,
            prev: None,
            checksum: None,
            time: 1_700_000_000_000,
            head: 0,
        }
    }

    /// A new connection: the dialect counts from 0, and each book's snapshot comes first.
    fn connect() -> (Self, Vec<String>) {
        use crate::sim::dialect::Dialect;
        let dialect = crate::sim::dialect::coinbase::Coinbase::new(1);
        let snapshots = (0..3)
            .map(|b| {
                dialect.book(&Self::msg(
                    b,
                    true,
                    (95..100).map(|p| Self::level(p, 1)).collect(),
                ))
            })
            .collect();
        (SimStream { dialect, step: 0 }, snapshots)
    }

    fn next(&mut self) -> Vec<String> {
        use crate::sim::dialect::Dialect;
        self.step += 1;
        let book = (self.step % 3) as usize;
        let size = 1 + self.step % 7;
        let mut frames = vec![self.dialect.book(&Self::msg(
            book,
            false,
            vec![Self::level(95 + self.step % 5, size)],
        ))];
        if self.step.is_multiple_of(3) {
            let fill = crate::sim::market::WireFill {
                time: 1_700_000_000_000,
                taker: TakerSide::Buy,
                price: Self::level(101, 1).price,
                qty: Self::level(1, 1).size,
                id: self.step,
            };
            frames.extend(
                self.dialect
                    .trades(Self::book_id(book), &[fill], 1_700_000_000_000),
            );
        }
        frames
    }
}

/// A fault storm on the simulator's own Coinbase frames, fed to the real driver: lost frames,
/// jumps in the count (several frames lost), duplicates, swapped frames, malformed frames and
/// disconnects, each one detected as Coinbase allows. A lost, skipped or late frame of any
/// channel fails a book at the next book message and the driver asks for a new connection; a
/// duplicate is dropped (stale on a book, never a second trade); a malformed frame is counted;
/// after each new connection every book is live again. No other resync happens.
#[test]
fn every_fault_in_a_storm_of_simulated_frames_is_detected() {
    let mut d = driver(DriverConfig::live(), &SimStream::BOOKS);
    let mut out = Output::default();
    let mut now = 0;
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut roll = |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let open = |d: &mut Driver<Coinbase>, out: &mut Output, now: &mut u64| {
        *now += 1_000_000;
        d.on_open(0, *now, out);
        let (stream, snapshots) = SimStream::connect();
        for f in &snapshots {
            *now += 1_000;
            d.on_frame(0, Frame::Text(f), *now, out);
        }
        stream
    };
    let mut stream = open(&mut d, &mut out, &mut now);
    let kinds = ["drop", "jump", "dup", "swap", "malformed", "disconnect"];
    let mut injected = [0u32; 6];
    let (mut breaks, mut stale, mut malformed, mut trades) = (0, 0, 0, 0);
    for _ in 0..3_000 {
        let mut frames = stream.next();
        let mut pending_break = false;
        if roll(25) == 0 {
            let kind = roll(6) as usize;
            injected[kind] += 1;
            match kinds[kind] {
                "drop" => {
                    frames.remove(0);
                    pending_break = true;
                }
                "jump" => {
                    frames = stream.next();
                    frames.extend(stream.next());
                    frames.drain(..2.min(frames.len() - 1));
                    pending_break = true;
                }
                "dup" => {
                    let copy = frames[0].clone();
                    frames.push(copy);
                    stale += 1;
                }
                "swap" => {
                    frames.extend(stream.next());
                    frames.swap(0, 1);
                    pending_break = true;
                }
                "malformed" => {
                    let cut = frames[0][..frames[0].len() / 2].to_owned();
                    frames.insert(0, cut);
                    malformed += 1;
                }
                _ => {
                    d.on_close(0, now, &mut out);
                    stream = open(&mut d, &mut out, &mut now);
                    continue;
                }
            }
        }
        for f in &frames {
            now += 1_000;
            d.on_frame(0, Frame::Text(f), now, &mut out);
        }
        if pending_break {
            // The count broke: the next book message (at the latest) fails its book, and the
            // books after it fail too before the socket closes, with one new connection asked.
            let next = [stream.next(), stream.next()].concat();
            for f in &next {
                now += 1_000;
                d.on_frame(0, Frame::Text(f), now, &mut out);
            }
            assert_eq!(out.reconnects.len(), 1, "{:?}", out.reconnects);
            breaks += 1;
            out.reconnects.clear();
            d.on_close(0, now, &mut out);
            stream = open(&mut d, &mut out, &mut now);
        }
        assert!(out.reconnects.is_empty(), "{:?}", out.reconnects);
        trades += out
            .events
            .iter()
            .filter(|e| matches!(e, MarketEvent::Trade(_)))
            .count();
        out.events.clear();
        assert!(
            states(&d).iter().all(|(_, s)| *s == BookState::Live),
            "{:?}",
            states(&d)
        );
    }
    assert!(
        injected.iter().all(|n| *n > 0),
        "every kind injected: {injected:?}"
    );
    let lost = injected[0] + injected[1] + injected[3];
    assert_eq!(breaks, lost, "every lost, skipped or late frame");
    let counters: Vec<_> = d.books().iter().map(|b| b.counters().clone()).collect();
    let sum =
        |f: fn(&crate::feed::health::BookCounters) -> u64| counters.iter().map(f).sum::<u64>();
    // Each break failed the books that had a message before the socket closed: one to three.
    let gaps = sum(|c| c.seq_gaps);
    assert!(
        (u64::from(lost)..=3 * u64::from(lost)).contains(&gaps),
        "{gaps} gaps, {lost} breaks"
    );
    assert_eq!(sum(|c| c.resyncs), gaps, "no resync but for the breaks");
    // Each duplicate, and the late one of each swapped pair, is a book update older than the
    // count: dropped as stale.
    assert_eq!(
        sum(|c| c.stale),
        stale + u64::from(injected[3]),
        "{injected:?}"
    );
    assert_eq!(out.problems.len(), malformed as usize, "{:?}", out.problems);
    assert_eq!(sum(|c| c.crossed), 0);
    assert!(trades > 0);
}
