//! The real recordings replayed through the driver, each book checked against a model that
//! applies Binance's documented procedure on its own.

use crate::feed::adapter::Adapter;
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::event::MarketEvent;
use crate::feed::health::BookState;
use crate::feed::protocol::Protocol;
use crate::market::TakerSide;
use crate::testutil::{CryptofeedLine, capture, cryptofeed_lines, replay_cryptofeed_with_rest};
use crate::venue::binance::{BinanceSpot, BinanceUsdm};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

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
