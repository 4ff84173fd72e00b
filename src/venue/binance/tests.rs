//! Binance against real frames: the cryptofeed spot (2021) and USDⓈ-M (2021) recordings with
//! their REST snapshots, and hand-written frames in the docs' shapes for what they lack (the
//! REST join's failure paths, gaps, liquidations, mark price, open interest, errors).

use super::{BinanceSpot, BinanceUsdm, Market, Spot, Usdm};
use crate::feed::adapter::{Adapter, Frame, Output};
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::event::{LiqSampling, MarketEvent};
use crate::feed::health::BookState;
use crate::feed::protocol::Protocol;
use crate::instrument::guess;
use crate::market::{LiquidatedPosition, TakerSide};
use crate::testutil::{CryptofeedLine, capture, cryptofeed_lines, replay_cryptofeed_with_rest};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Real captures against an independent model.

/// Wire strings of a side, `(price, size)`, best first.
type Levels = Vec<(String, String)>;
/// One side of the model: exact price key → original strings.
type ModelSide = BTreeMap<u128, (String, String)>;

/// An exact ordering key for a decimal string: the value in units of 1e-12.
fn key(price: &str) -> u128 {
    let (int, frac) = price.split_once('.').unwrap_or((price, ""));
    assert!(frac.len() <= 12, "{price}");
    format!("{int}{frac:0<12}").parse().unwrap()
}

fn is_zero(size: &str) -> bool {
    size.bytes().all(|b| b == b'0' || b == b'.')
}

/// One symbol's book kept the way Binance documents, from its REST snapshot and the events
/// recorded for it, whatever the order the REST call and the events arrived in.
#[derive(Default)]
struct ModelBook {
    bids: ModelSide,
    asks: ModelSide,
    /// The last applied `u` (or the snapshot's `lastUpdateId` before the first).
    local: u64,
    bridged: bool,
    stale: u64,
    gaps: u64,
}

impl ModelBook {
    fn from_snapshot(body: &Value) -> Self {
        let mut book = ModelBook {
            local: body["lastUpdateId"].as_u64().unwrap(),
            ..ModelBook::default()
        };
        book.set(&body["bids"], &body["asks"]);
        book
    }

    fn set(&mut self, bids: &Value, asks: &Value) {
        for (levels, side) in [(bids, &mut self.bids), (asks, &mut self.asks)] {
            for level in levels.as_array().unwrap() {
                let (p, q) = (level[0].as_str().unwrap(), level[1].as_str().unwrap());
                if is_zero(q) {
                    side.remove(&key(p));
                } else {
                    side.insert(key(p), (p.to_owned(), q.to_owned()));
                }
            }
        }
    }

    /// Spot: "drop events with `u <= lastUpdateId`; … ignore if `u < local_id`; gap if
    /// `U > local_id + 1`; set `local_id = u`".
    fn spot_event(&mut self, e: &Value) {
        let (first, last) = (e["U"].as_u64().unwrap(), e["u"].as_u64().unwrap());
        if last <= self.local {
            self.stale += 1;
        } else if first > self.local + 1 {
            self.gaps += 1;
        } else {
            self.set(&e["b"], &e["a"]);
            self.local = last;
        }
    }

    /// USDⓈ-M: "drop events with `u < lastUpdateId`; first processed event must satisfy
    /// `U <= lastUpdateId AND u >= lastUpdateId`; afterwards every event's `pu` must equal
    /// previous `u`".
    fn usdm_event(&mut self, e: &Value) {
        let (first, last, prev) = (
            e["U"].as_u64().unwrap(),
            e["u"].as_u64().unwrap(),
            e["pu"].as_u64().unwrap(),
        );
        let ok = if self.bridged {
            prev == self.local
        } else if last < self.local {
            self.stale += 1;
            return;
        } else {
            first <= self.local
        };
        if ok {
            self.set(&e["b"], &e["a"]);
            self.local = last;
            self.bridged = true;
        } else {
            self.gaps += 1;
        }
    }

    fn top25(&self) -> (Levels, Levels) {
        (
            self.bids.values().rev().take(25).cloned().collect(),
            self.asks.values().take(25).cloned().collect(),
        )
    }
}

/// Everything the model needs from a recording, counted without the adapter.
#[derive(Default)]
struct Model {
    books: HashMap<String, ModelBook>,
    depth_events: u64,
    /// `(m, price)` of every `trade`/`aggTrade`, in order.
    trades: Vec<(bool, String)>,
}

impl Model {
    fn build(ws: &str, http: &str, usdm: bool) -> Model {
        let mut model = Model::default();
        for line in cryptofeed_lines(http) {
            if let CryptofeedLine::Rest { url, body } = line {
                let symbol = url.split("symbol=").nth(1).unwrap().split('&').next();
                let body: Value = serde_json::from_str(body).unwrap();
                let book = ModelBook::from_snapshot(&body);
                model.books.insert(symbol.unwrap().to_owned(), book);
            }
        }
        for line in cryptofeed_lines(ws) {
            let CryptofeedLine::Received(raw) = line else {
                continue;
            };
            let frame: Value = serde_json::from_str(raw).unwrap();
            let e = &frame["data"];
            match e["e"].as_str() {
                Some("depthUpdate") => {
                    model.depth_events += 1;
                    let book = model.books.get_mut(e["s"].as_str().unwrap()).unwrap();
                    if usdm {
                        book.usdm_event(e);
                    } else {
                        book.spot_event(e);
                    }
                }
                Some("trade" | "aggTrade") => model.trades.push((
                    e["m"].as_bool().unwrap(),
                    e["p"].as_str().unwrap().to_owned(),
                )),
                _ => {}
            }
        }
        model
    }
}

fn wire<'a>(levels: impl Iterator<Item = &'a crate::book::Level>) -> Levels {
    levels
        .take(25)
        .map(|l| (l.price.to_string(), l.size.to_string()))
        .collect()
}

/// What a replay report would show for one venue.
#[derive(Debug, Default, PartialEq, Eq)]
struct Totals {
    books: usize,
    messages: u64,
    stale: u64,
    gaps: u64,
    resyncs: u64,
    crossed: u64,
    checksum_absent: u64,
    trades: usize,
}

/// Replay `ws` + `http` through `protocol`'s driver and check every book against the model.
fn replay_against_model<P: Protocol>(protocol: P, ws: &str, http: &str, usdm: bool) -> Totals {
    let mut driver = Driver::new(protocol, DriverConfig::replay(), Vec::new(), Vec::new());
    let out = replay_cryptofeed_with_rest(&mut driver, ws, Some(http));
    assert!(out.problems.is_empty(), "{:#?}", out.problems);
    let model = Model::build(ws, http, usdm);

    let mut totals = Totals::default();
    for sync in driver.books() {
        let id = sync.key().instrument.to_string();
        let c = sync.counters();
        assert_eq!(sync.state(), &BookState::Live, "{id}");
        let expected = &model.books[&id];
        assert_eq!(expected.gaps, 0, "{id}: the model itself found a gap");
        let (bids, asks) = expected.top25();
        assert_eq!(wire(sync.book().bids().iter()), bids, "{id} bids");
        assert_eq!(wire(sync.book().asks().iter()), asks, "{id} asks");
        assert_eq!(bids.len(), 25, "{id}: a full top 25 was compared");
        assert_eq!(c.stale, expected.stale, "{id} stale");
        totals.books += 1;
        totals.messages += c.messages;
        totals.stale += c.stale;
        totals.gaps += c.seq_gaps;
        totals.resyncs += c.resyncs;
        totals.crossed += c.crossed;
        totals.checksum_absent += c.checksum_absent;
    }
    assert_eq!(totals.books, model.books.len());
    assert_eq!(
        totals.messages,
        model.books.len() as u64 + model.depth_events,
        "one snapshot per book and every depth event"
    );

    let trades: Vec<_> = out
        .events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Trade(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(trades.len(), model.trades.len());
    for (trade, (m, price)) in trades.iter().zip(&model.trades) {
        let taker = if *m { TakerSide::Sell } else { TakerSide::Buy };
        assert_eq!(trade.taker, Some(taker));
        assert_eq!(trade.price, price.parse::<f64>().unwrap());
    }
    totals.trades = trades.len();
    totals
}

#[test]
fn real_spot_capture_replays_with_rest_snapshots_and_matches_the_model() {
    let (Some(ws), Some(http)) = (
        capture("binance/cryptofeed_BINANCE.ws.1.0.txt"),
        capture("binance/cryptofeed_BINANCE.http.0.0.txt"),
    ) else {
        return;
    };
    let totals = replay_against_model(BinanceSpot::new(None, None), &ws, &http, false);
    // 4 books (NKNUSDT, BLZETH, LRCBTC, RUNEEUR): 4 snapshots + 177 depth events, of which 5
    // were already in their snapshot; the 2 recorded aggTrades.
    assert_eq!(
        totals,
        Totals {
            books: 4,
            messages: 181,
            stale: 5,
            checksum_absent: 176,
            trades: 2,
            ..Totals::default()
        }
    );
}

#[test]
fn real_usdm_capture_replays_with_rest_snapshots_and_matches_the_model() {
    let (Some(ws), Some(http)) = (
        capture("binance/cryptofeed_BINANCE_FUTURES.ws.1.0.txt"),
        capture("binance/cryptofeed_BINANCE_FUTURES.http.0.0.txt"),
    ) else {
        return;
    };
    let totals = replay_against_model(BinanceUsdm::new(None, None), &ws, &http, true);
    // 4 books (SUSHI, AKRO, KEEP, CTK-USDT): 4 snapshots + 764 depth events, 12 stale; 91
    // aggTrades.
    assert_eq!(
        totals,
        Totals {
            books: 4,
            messages: 768,
            stale: 12,
            checksum_absent: 756,
            trades: 91,
            ..Totals::default()
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Hand-written frames (the docs' shapes) through a live driver.

/// Everything the driver produced over several calls.
#[derive(Default)]
struct Seen {
    events: Vec<MarketEvent>,
    rest: Vec<String>,
    problems: Vec<String>,
}

impl Seen {
    fn take(&mut self, out: &mut Output) {
        self.events.append(&mut out.events);
        self.rest.extend(out.rest.drain(..).map(|r| r.url));
        self.problems.append(&mut out.problems);
        out.clear();
    }
}

fn live<M: Market>(symbol: &str) -> Driver<super::Binance<M>> {
    let instrument = guess(M::VENUE, symbol);
    let mut d = Driver::new(
        super::Binance::<M>::new(None, None),
        DriverConfig::live(),
        vec![instrument],
        Vec::new(),
    );
    for conn in 0..M::SOCKETS.len() {
        d.on_open(conn, 0, &mut Output::default());
    }
    d
}

fn feed<P: Protocol>(d: &mut Driver<P>, frames: &[&str]) -> Seen {
    let mut seen = Seen::default();
    let mut out = Output::default();
    for (i, f) in frames.iter().enumerate() {
        d.on_frame(0, Frame::Text(f), i as u64 * 1_000_000, &mut out);
        seen.take(&mut out);
    }
    seen
}

fn rest<P: Protocol>(d: &mut Driver<P>, url: &str, status: u16, body: &str) -> Seen {
    let mut seen = Seen::default();
    let mut out = Output::default();
    d.on_rest(url, status, body, 0, &mut out);
    seen.take(&mut out);
    seen
}

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
    assert!(gap.rest.is_empty());
    let next = feed(&mut d, &[&spot(107, 108, "", "")]);
    assert_eq!(next.rest, [SPOT_URL], "resync = a new REST snapshot");
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

// ---------------------------------------------------------------------------------------------
// Trades, liquidations, derivatives.

#[test]
fn buyer_is_maker_means_the_taker_sold() {
    assert_eq!(super::parse::taker_side(true), TakerSide::Sell);
    assert_eq!(super::parse::taker_side(false), TakerSide::Buy);
    let mut d = live::<Spot>("BTCUSDT");
    let seen = feed(
        &mut d,
        &[
            r#"{"e":"trade","E":1672515782136,"s":"BTCUSDT","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}"#,
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1672515782137,"s":"BTCUSDT","t":12346,"p":"0.002","q":"5","T":1672515782137,"m":false,"M":true}}"#,
        ],
    );
    let trades: Vec<_> = seen
        .events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Trade(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(trades.len(), 2);
    assert_eq!(trades[0].taker, Some(TakerSide::Sell));
    assert_eq!(trades[0].id.as_deref(), Some("12345"));
    assert_eq!((trades[0].price, trades[0].size), (0.001, 100.0));
    assert_eq!(trades[0].exch_ts, 1672515782136);
    assert_eq!(trades[1].taker, Some(TakerSide::Buy));
}

fn usdm_market(frames: &[&str]) -> Vec<MarketEvent> {
    let mut d = live::<Usdm>("BTCUSDT");
    let mut seen = Seen::default();
    let mut out = Output::default();
    for f in frames {
        d.on_frame(1, Frame::Text(f), 0, &mut out);
        seen.take(&mut out);
    }
    assert!(seen.problems.is_empty(), "{:?}", seen.problems);
    seen.events
}

#[test]
fn force_order_sell_means_a_long_was_liquidated() {
    let events = usdm_market(&[
        r#"{"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.014","p":"9910","ap":"9910.5","X":"FILLED","l":"0.014","z":"0.014","T":1568014460893}}"#,
        r#"{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":1568014460894,"o":{"s":"BTCUSDT","S":"BUY","o":"LIMIT","f":"IOC","q":"2","p":"9950","ap":"0","X":"NEW","l":"0","z":"0","T":1568014460894}}}"#,
    ]);
    let liqs: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Liquidation(l) => Some(l),
            _ => None,
        })
        .collect();
    assert_eq!(liqs.len(), 2);
    assert_eq!(liqs[0].position, LiquidatedPosition::Long);
    assert_eq!(
        (liqs[0].price, liqs[0].size),
        (9910.5, 0.014),
        "average price"
    );
    assert_eq!(liqs[0].sampling, LiqSampling::Throttled1s);
    assert_eq!(liqs[0].exch_ts, 1568014460893);
    assert_eq!(liqs[1].position, LiquidatedPosition::Short);
    assert_eq!(liqs[1].price, 9950.0, "no fill yet: the order price");
}

#[test]
fn mark_price_carries_mark_index_and_funding_but_no_interval() {
    let events = usdm_market(&[
        r#"{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","ap":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"-0.00038167","T":1562306400000}}"#,
    ]);
    let ticks: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Derivs(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(ticks.len(), 1);
    let (tick, v) = (ticks[0], &ticks[0].values);
    assert_eq!(v.mark_price, Some(11794.15));
    assert_eq!(v.index_price, Some(11784.62659091));
    assert_eq!(v.funding_rate, Some(-0.00038167));
    assert_eq!(v.next_funding_ts, Some(1562306400000));
    assert_eq!(v.funding_interval_h, None, "never assumed");
    assert_eq!(v.open_interest, None);
    assert_eq!(tick.exch_ts, Some(1562305380000));
}

#[test]
fn open_interest_is_polled_every_10s_and_read_in_base_units() {
    let d = live::<Usdm>("BTCUSDT");
    let url = "https://fapi.binance.com/fapi/v1/openInterest?symbol=BTCUSDT";
    let polls = d.protocol().polls(&[guess(Usdm::VENUE, "BTCUSDT")]);
    assert_eq!(polls, Some((Duration::from_secs(10), vec![url.to_owned()])));
    assert_eq!(
        live::<Spot>("BTCUSDT").protocol().polls(&[]),
        None,
        "spot has no open interest"
    );

    let mut d = d;
    let seen = rest(
        &mut d,
        url,
        200,
        r#"{"openInterest":"10659.509","symbol":"BTCUSDT","time":1589437530011}"#,
    );
    let ticks: Vec<_> = seen
        .events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Derivs(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(ticks.len(), 1);
    assert_eq!(ticks[0].values.open_interest, Some(10659.509));
    assert_eq!(ticks[0].exch_ts, Some(1589437530011));
    assert_eq!(&*ticks[0].key.instrument, "BTCUSDT");
}

#[test]
fn acks_tickers_and_klines_are_not_problems() {
    let mut d = live::<Spot>("BTCUSDT");
    let seen = feed(
        &mut d,
        &[
            r#"{"result":null,"id":1}"#,
            r#"{"stream":"btcusdt@bookTicker","data":{"u":400900217,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}}"#,
            r#"{"u":400900217,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}"#,
            r#"{"e":"kline","E":1672515782136,"s":"BTCUSDT","k":{"t":1672515780000,"i":"1m"}}"#,
            r#"{"e":"serverShutdown","E":1672515782136}"#,
        ],
    );
    assert!(seen.problems.is_empty(), "{:?}", seen.problems);
    assert!(seen.events.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Connections and URL overrides.

#[test]
fn spot_uses_one_socket_and_usdm_splits_public_and_market() {
    let btc = [guess(Spot::VENUE, "BTCUSDT")];
    let spot = BinanceSpot::new(None, None);
    let conns = spot.connections(&btc);
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0].url, "wss://stream.binance.com:9443/ws");
    assert_eq!(
        spot.subscribe(0, &btc),
        [r#"{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms","btcusdt@trade"],"id":1}"#]
    );
    assert_eq!(conns[0].max_lifetime, Some(Duration::from_secs(86_340)));
    assert_eq!(conns[0].min_reconnect, Duration::from_secs(1));

    let usdm = BinanceUsdm::new(None, None);
    let conns = usdm.connections(&btc);
    let urls: Vec<&str> = conns.iter().map(|c| c.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "wss://fstream.binance.com/public/ws",
            "wss://fstream.binance.com/market/ws"
        ]
    );
    assert!(usdm.subscribe(0, &btc)[0].contains(r#"["btcusdt@depth@100ms"]"#));
    assert!(
        usdm.subscribe(1, &btc)[0]
            .contains(r#"["btcusdt@aggTrade","btcusdt@markPrice@1s","btcusdt@forceOrder"]"#)
    );
    assert!(usdm.subscribe(2, &btc).is_empty());
    assert!(
        conns
            .iter()
            .all(|c| c.min_reconnect == Duration::from_secs(2))
    );
    let spec = usdm.book_spec("BTCUSDT");
    assert_eq!(spec.conn, 0, "books live on the public socket");
}

#[test]
fn overrides_replace_the_bases_and_keep_the_paths() {
    let usdm = BinanceUsdm::new(
        Some("ws://127.0.0.1:9000/".into()),
        Some("http://127.0.0.1:9001".into()),
    );
    let urls: Vec<String> = usdm.connections(&[]).into_iter().map(|c| c.url).collect();
    assert_eq!(
        urls,
        [
            "ws://127.0.0.1:9000/public/ws",
            "ws://127.0.0.1:9000/market/ws"
        ]
    );
    assert_eq!(
        usdm.book_spec("BTCUSDT").snapshot,
        crate::feed::protocol::SnapshotSource::Rest {
            url: "http://127.0.0.1:9001/fapi/v1/depth?symbol=BTCUSDT&limit=1000".into()
        }
    );
    let polls = usdm.polls(&[guess(Usdm::VENUE, "BTCUSDT")]).unwrap().1;
    assert_eq!(
        polls,
        ["http://127.0.0.1:9001/fapi/v1/openInterest?symbol=BTCUSDT"]
    );

    let spot = BinanceSpot::new(Some("ws://127.0.0.1:9000".into()), None);
    assert_eq!(spot.connections(&[])[0].url, "ws://127.0.0.1:9000/ws");
}
