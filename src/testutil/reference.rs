//! An independent reference order book, built from the exchanges' text alone, for tests to
//! check the crate's books against.
//!
//! It must stay independent of what it checks: no `Dec`, no `crate::book`, no adapter or sync
//! code. Prices are ordered by an integer read from their digits, sizes are kept as the strings
//! the venue sent, a zero size deletes a level, a snapshot replaces the book, and a subscribed
//! depth cuts each side back after every message (the worst levels go). Each venue's part is a
//! small extractor from a decoded frame to a [`Change`] or trades, written from the venue's
//! documentation; Binance adds its documented REST-snapshot procedure ([`Reference::binance`]).
//!
//! The venue tests feed it the same recordings as their drivers, and the replay conformance
//! tests feed it the source files of the captures they replay.

use super::{CryptofeedLine, cryptofeed_lines};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// One side's levels as `[price, size]` wire strings, best first (the replay report's shape).
pub(crate) type Levels = Vec<[String; 2]>;

/// How many levels a side the reports and the venue tests compare.
pub(crate) const TOP: usize = 25;

/// Decimal places of the price key: finer than any venue's tick.
const SCALE: usize = 18;

/// A price as an integer number of 1e-18, from its digits (no float, no `Dec`).
fn key(price: &str) -> i128 {
    let (int, frac) = price.split_once('.').unwrap_or((price, ""));
    let digits = !int.is_empty() && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit());
    assert!(
        digits && frac.len() <= SCALE,
        "reference: unexpected price {price:?}"
    );
    format!("{int}{frac:0<SCALE$}").parse().unwrap()
}

/// `0`, `0.0`, `0.00000000`: the venue removes the level.
fn is_zero(size: &str) -> bool {
    size.bytes().all(|b| b == b'0' || b == b'.')
}

/// A field the venue sends as text; anything else is not what the test expects.
fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("reference: expected text, got {value}"))
}

/// `[[price, size, …], …]` (or nothing) → `[price, size]` strings.
fn levels(value: &Value) -> Levels {
    let levels = value.as_array().into_iter().flatten();
    levels
        .map(|l| [text(&l[0]), text(&l[1])].map(str::to_owned))
        .collect()
}

/// One book message, as the venue documents it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Change {
    /// The venue's instrument id.
    pub book: String,
    /// The message replaces the book.
    pub snapshot: bool,
    pub bids: Levels,
    pub asks: Levels,
    /// Keep only this many levels a side afterwards (the subscribed depth).
    pub depth: Option<usize>,
    /// The message carries a checksum.
    pub checksum: bool,
}

/// A public trade: its book, price text and whether the taker bought.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Trade {
    pub book: String,
    pub price: String,
    pub taker_buys: bool,
}

/// One instrument's reference book and what happened to it.
#[derive(Clone, Debug, Default)]
pub(crate) struct RefBook {
    bids: BTreeMap<i128, [String; 2]>,
    asks: BTreeMap<i128, [String; 2]>,
    /// Messages applied, snapshots included.
    pub applied: u64,
    /// Applied messages that carried a checksum.
    pub checksummed: u64,
    /// Binance: events already contained in the REST snapshot (dropped).
    pub stale: u64,
    /// Binance: events that did not follow the previous one (the model's own gap).
    pub gaps: u64,
}

impl RefBook {
    fn apply(&mut self, change: &Change) {
        if change.snapshot {
            self.bids.clear();
            self.asks.clear();
        }
        for (levels, side) in [
            (&change.bids, &mut self.bids),
            (&change.asks, &mut self.asks),
        ] {
            for [price, size] in levels {
                if is_zero(size) {
                    side.remove(&key(price));
                } else {
                    side.insert(key(price), [price.clone(), size.clone()]);
                }
            }
        }
        if let Some(depth) = change.depth {
            while self.bids.len() > depth {
                self.bids.pop_first();
            }
            while self.asks.len() > depth {
                self.asks.pop_last();
            }
        }
        self.applied += 1;
        self.checksummed += u64::from(change.checksum);
    }

    /// The best [`TOP`] levels a side: bids highest first, asks lowest first.
    pub(crate) fn top(&self) -> (Levels, Levels) {
        (
            self.bids.values().rev().take(TOP).cloned().collect(),
            self.asks.values().take(TOP).cloned().collect(),
        )
    }

    /// Every level a side, best first (as [`RefBook::top`]).
    pub(crate) fn all(&self) -> (Levels, Levels) {
        (
            self.bids.values().rev().cloned().collect(),
            self.asks.values().cloned().collect(),
        )
    }

    /// How many levels each side holds (bids, asks).
    pub(crate) fn depth(&self) -> (usize, usize) {
        (self.bids.len(), self.asks.len())
    }
}

/// Every book and trade of a recording, by the venue's documentation alone.
#[derive(Debug, Default)]
pub(crate) struct Reference {
    pub books: BTreeMap<String, RefBook>,
    pub trades: Vec<Trade>,
}

impl Reference {
    /// The book of `id`.
    ///
    /// # Panics
    /// When the recording never had it (the crate then has a book the venue never sent).
    pub(crate) fn book(&self, id: &str) -> &RefBook {
        self.books
            .get(id)
            .unwrap_or_else(|| panic!("the reference has no book {id}"))
    }

    /// Asserts that book `id`'s best levels, `[price, size]` wire strings best first, are the
    /// reference's top [`TOP`], and that both sides had levels to compare.
    pub(crate) fn assert_top(&self, id: &str, bids: &[[String; 2]], asks: &[[String; 2]]) {
        let (want_bids, want_asks) = self.book(id).top();
        assert!(
            !want_bids.is_empty() && !want_asks.is_empty(),
            "{id}: an empty side"
        );
        assert_eq!((bids, asks), (&want_bids[..], &want_asks[..]), "{id}");
    }

    /// Checksummed messages over all books.
    pub(crate) fn checksummed(&self) -> u64 {
        self.books.values().map(|b| b.checksummed).sum()
    }

    fn apply(&mut self, change: Change) {
        self.books
            .entry(change.book.clone())
            .or_default()
            .apply(&change);
    }

    fn trade(&mut self, book: &str, price: &Value, taker_buys: bool) {
        self.trades.push(Trade {
            book: book.into(),
            price: text(price).into(),
            taker_buys,
        });
    }

    /// Frames in order through a venue's extractor.
    fn from_frames(frames: impl Iterator<Item = Value>, venue: fn(&mut Self, &Value)) -> Self {
        let mut reference = Reference::default();
        frames.for_each(|frame| venue(&mut reference, &frame));
        reference
    }

    /// An OKX cryptofeed recording.
    pub(crate) fn okx(recording: &str) -> Self {
        Self::from_frames(received(recording), Self::okx_frame)
    }

    /// A Bitget cryptofeed recording (legacy v1).
    pub(crate) fn bitget(recording: &str) -> Self {
        Self::from_frames(received(recording), Self::bitget_frame)
    }

    /// A Kraken WS v1 cryptofeed recording.
    pub(crate) fn kraken_v1(recording: &str) -> Self {
        Self::from_frames(received(recording), Self::kraken_v1_frame)
    }

    /// Bybit v5 messages, one per line (the historical dump).
    pub(crate) fn bybit(ndjson: &str) -> Self {
        let frames = ndjson.lines().filter(|l| !l.trim().is_empty()).map(json);
        Self::from_frames(frames, Self::bybit_frame)
    }

    /// Deribit v2 JSON-RPC notifications, from a cryptofeed recording or one message per line:
    /// `params.channel` `book.*` with `data {"type"?,"instrument_name","change_id",
    /// "prev_change_id"?,"bids":[[action,price,amount]],"asks"}` (the first message, or one
    /// without `prev_change_id`, is the whole book; `delete` removes; numbers' JSON text is their
    /// wire form; a change whose `prev_change_id` is not the last `change_id` is the model's own
    /// gap and is not applied) and `trades.*` with `data [{"instrument_name","price",
    /// "direction"}]` (`direction` is the taker's).
    pub(crate) fn deribit(recording: &str) -> Self {
        let frames: Vec<Value> = if recording.contains(" <-> ") {
            received(recording).collect()
        } else {
            recording
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(json)
                .collect()
        };
        let mut last: HashMap<String, u64> = HashMap::new();
        let mut reference = Reference::default();
        for frame in frames {
            let (channel, data) = (&frame["params"]["channel"], &frame["params"]["data"]);
            let Some(channel) = channel.as_str() else {
                continue;
            };
            if channel.starts_with("trades.") {
                for t in data.as_array().unwrap() {
                    let book = text(&t["instrument_name"]).to_owned();
                    reference.trades.push(Trade {
                        book,
                        price: t["price"].to_string(),
                        taker_buys: t["direction"] == "buy",
                    });
                }
                continue;
            }
            if !channel.starts_with("book.") {
                continue;
            }
            let book = text(&data["instrument_name"]).to_owned();
            let change_id = data["change_id"].as_u64().unwrap();
            let prev = data["prev_change_id"].as_u64();
            let snapshot = data["type"] == "snapshot" || prev.is_none();
            if !snapshot && prev != last.get(&book).copied() {
                reference.books.entry(book).or_default().gaps += 1;
                continue;
            }
            last.insert(book.clone(), change_id);
            let side = |levels: &Value| -> Levels {
                let levels = levels.as_array().into_iter().flatten();
                levels
                    .map(|l| match text(&l[0]) {
                        "delete" => [l[1].to_string(), "0".to_owned()],
                        _ => [l[1].to_string(), l[2].to_string()],
                    })
                    .collect()
            };
            reference.apply(Change {
                book,
                snapshot,
                bids: side(&data["bids"]),
                asks: side(&data["asks"]),
                ..Change::default()
            });
        }
        reference
    }

    /// Coinbase Advanced Trade messages, one per line.
    pub(crate) fn coinbase(ndjson: &str) -> Self {
        let frames = ndjson.lines().filter(|l| !l.trim().is_empty()).map(json);
        Self::from_frames(frames, Self::coinbase_frame)
    }

    /// Coinbase Advanced Trade: `{"channel":"l2_data","events":[{"type":"snapshot"|"update",
    /// "product_id","updates":[{"side":"bid"|"offer","price_level","new_quantity"}]}]}` (sizes
    /// absolute, `"0"` removes) and `{"channel":"market_trades","events":[{"type":"update",
    /// "trades":[{"product_id","price","side"}]}]}` whose `side` is the maker's (a `SELL` maker
    /// means the taker bought); the `snapshot` trades before subscribing are not live trades.
    fn coinbase_frame(&mut self, frame: &Value) {
        let events = frame["events"].as_array().into_iter().flatten();
        match frame["channel"].as_str() {
            Some("l2_data") => {
                for e in events {
                    let side = |want: &str| -> Levels {
                        let updates = e["updates"].as_array().into_iter().flatten();
                        updates
                            .filter(|u| u["side"] == want)
                            .map(|u| [text(&u["price_level"]), text(&u["new_quantity"])])
                            .map(|l| l.map(str::to_owned))
                            .collect()
                    };
                    self.apply(Change {
                        book: text(&e["product_id"]).into(),
                        snapshot: e["type"] == "snapshot",
                        bids: side("bid"),
                        asks: side("offer"),
                        depth: None,
                        checksum: false,
                    });
                }
            }
            Some("market_trades") => {
                for e in events.filter(|e| e["type"] == "update") {
                    for t in e["trades"].as_array().into_iter().flatten() {
                        self.trade(text(&t["product_id"]), &t["price"], t["side"] == "SELL");
                    }
                }
            }
            _ => {}
        }
    }

    /// OKX v5: `{"arg":{"channel":"books","instId"},"action":"snapshot"|"update",
    /// "data":[{"bids":[[px,sz,_,n]],"asks":…,"checksum"}]}` (a checksum of `0` is none) and
    /// `{"arg":{"channel":"trades"},"data":[{"instId","px","side":"buy"|"sell"}]}`.
    fn okx_frame(&mut self, frame: &Value) {
        match frame["arg"]["channel"].as_str() {
            Some("books") if frame.get("action").is_some() => {
                let data = &frame["data"][0];
                self.apply(Change {
                    book: text(&frame["arg"]["instId"]).into(),
                    snapshot: frame["action"] == "snapshot",
                    bids: levels(&data["bids"]),
                    asks: levels(&data["asks"]),
                    depth: None,
                    checksum: data["checksum"].as_i64().is_some_and(|c| c != 0),
                })
            }
            Some("trades") => {
                for t in frame["data"].as_array().into_iter().flatten() {
                    self.trade(text(&t["instId"]), &t["px"], t["side"] == "buy");
                }
            }
            _ => {}
        }
    }

    /// Bitget: `books` as OKX's (same envelope, entry and checksum field) and
    /// `{"action":"update","arg":{"channel":"trade","instId"},"data":[[ts, price, size,
    /// "buy"|"sell"]]}` (the `snapshot` of recent trades a subscription starts with is history).
    fn bitget_frame(&mut self, frame: &Value) {
        match frame["arg"]["channel"].as_str() {
            Some("books") => self.okx_frame(frame),
            Some("trade") if frame["action"] == "update" => {
                for t in frame["data"].as_array().into_iter().flatten() {
                    self.trade(text(&frame["arg"]["instId"]), &t[1], t[3] == "buy");
                }
            }
            _ => {}
        }
    }

    /// Kraken WS v1: `[id, {"as"|"bs" (snapshot) or "a"|"b": [[price, volume, time, …]],
    /// "c"?}, {second payload}?, "book-<depth>", pair]` and
    /// `[id, [[price, volume, time, "b"|"s", …]], "trade", pair]`.
    fn kraken_v1_frame(&mut self, frame: &Value) {
        let Some([_, payloads @ .., name, pair]) = frame.as_array().map(Vec::as_slice) else {
            return; // events (heartbeat, status) are objects
        };
        let (name, pair) = (text(name), text(pair));
        if name == "trade" {
            for t in payloads[0].as_array().unwrap() {
                self.trade(pair, &t[0], t[3] == "b");
            }
            return;
        }
        let Some(depth) = name.strip_prefix("book-") else {
            return;
        };
        let has = |field: &str| payloads.iter().any(|p| p.get(field).is_some());
        let side = |fields: [&str; 2]| {
            let found = payloads.iter().flat_map(|p| fields.map(|f| p.get(f)));
            found.flatten().flat_map(levels).collect()
        };
        self.apply(Change {
            book: pair.into(),
            snapshot: has("as"),
            bids: side(["bs", "b"]),
            asks: side(["as", "a"]),
            depth: Some(depth.parse().unwrap()),
            checksum: has("c"),
        });
    }

    /// Bybit v5: `{"topic":"orderbook.<depth>.<symbol>","type":"snapshot"|"delta",
    /// "data":{"s","b":[[price,size]],"a":…}}` and
    /// `{"topic":"publicTrade.<symbol>","data":[{"s","p","S":"Buy"|"Sell"}]}`.
    fn bybit_frame(&mut self, frame: &Value) {
        let topic = frame["topic"].as_str().unwrap_or_default();
        let data = &frame["data"];
        if let Some(depth) = topic.strip_prefix("orderbook.") {
            self.apply(Change {
                book: text(&data["s"]).into(),
                snapshot: frame["type"] == "snapshot",
                bids: levels(&data["b"]),
                asks: levels(&data["a"]),
                depth: Some(depth.split('.').next().unwrap().parse().unwrap()),
                checksum: false,
            });
        } else if topic.starts_with("publicTrade.") {
            for t in data.as_array().unwrap() {
                self.trade(text(&t["s"]), &t["p"], t["S"] == "Buy");
            }
        }
    }

    /// A Binance cryptofeed recording `ws` and its REST snapshots `rest`, by the documented
    /// procedure: each symbol starts from its `/depth` snapshot (whenever it was fetched),
    /// events it already contains are stale, and the rest must follow on without a gap
    /// (`rule`). Trades are `trade` and `aggTrade` events (`"m"`: the buyer was the maker).
    pub(crate) fn binance(ws: &str, rest: &str, rule: DepthRule) -> Self {
        let mut reference = Reference::default();
        let mut sequences = HashMap::new();
        for line in cryptofeed_lines(rest) {
            let CryptofeedLine::Rest { url, body } = line else {
                continue;
            };
            let symbol = url.split("symbol=").nth(1).unwrap().split('&').next();
            let body = json(body);
            let book = symbol.unwrap().to_owned();
            sequences.insert(book.clone(), Sequence::new(&body));
            reference.apply(Change {
                book,
                snapshot: true,
                bids: levels(&body["bids"]),
                asks: levels(&body["asks"]),
                ..Change::default()
            });
        }
        for frame in received(ws) {
            let e = &frame["data"];
            match e["e"].as_str() {
                Some("depthUpdate") => {
                    let symbol = text(&e["s"]);
                    let book = reference.books.get_mut(symbol).unwrap();
                    let sequence = sequences.get_mut(symbol).unwrap();
                    match sequence.next(rule, e) {
                        Verdict::Stale => book.stale += 1,
                        Verdict::Gap => book.gaps += 1,
                        Verdict::Apply => book.apply(&Change {
                            bids: levels(&e["b"]),
                            asks: levels(&e["a"]),
                            ..Change::default()
                        }),
                    }
                }
                Some("trade" | "aggTrade") => {
                    reference.trade(text(&e["s"]), &e["p"], !e["m"].as_bool().unwrap());
                }
                _ => {}
            }
        }
        reference
    }
}

impl Reference {
    /// A Gate cryptofeed recording of the legacy `*.order_book_update` channel `ws` and its REST
    /// snapshots `rest` (`with_id=true`), by the documented procedure: "discard `u < id+1`",
    /// the first applied update has `U <= id+1 <= u`, then each `U == prev u + 1`. Spot levels
    /// are `["p","s"]`, futures levels `{"p":"..","s":<number>}` (the number's JSON text is its
    /// wire form). Trades are `spot.trades` (`side` is the taker's).
    pub(crate) fn gate(ws: &str, rest: &str) -> Self {
        let gate_levels = |value: &Value| -> Levels {
            let levels = value.as_array().into_iter().flatten();
            levels
                .map(|l| match l {
                    Value::Object(o) => [text(&o["p"]).to_owned(), o["s"].to_string()],
                    _ => [text(&l[0]), text(&l[1])].map(str::to_owned),
                })
                .collect()
        };
        let mut reference = Reference::default();
        // Per book: the last applied id, and whether an update was applied on the snapshot.
        let mut ids: HashMap<String, (u64, bool)> = HashMap::new();
        for line in cryptofeed_lines(rest) {
            let CryptofeedLine::Rest { url, body } = line else {
                continue;
            };
            let query = url.split_once('?').unwrap().1;
            let book = query.split(['=', '&']).nth(1).unwrap().to_owned();
            let body = json(body);
            ids.insert(book.clone(), (body["id"].as_u64().unwrap(), false));
            reference.apply(Change {
                book,
                snapshot: true,
                bids: gate_levels(&body["bids"]),
                asks: gate_levels(&body["asks"]),
                ..Change::default()
            });
        }
        for frame in received(ws) {
            let r = &frame["result"];
            if frame["event"] != "update" {
                continue;
            }
            match frame["channel"].as_str() {
                Some("spot.order_book_update" | "futures.order_book_update") => {
                    let pair = text(&r["s"]);
                    let (first, last) = (r["U"].as_u64().unwrap(), r["u"].as_u64().unwrap());
                    let book = reference.books.get_mut(pair).unwrap();
                    let (local, bridged) = ids.get_mut(pair).unwrap();
                    if last <= *local {
                        book.stale += 1;
                        continue;
                    }
                    let follows = if *bridged {
                        first == *local + 1
                    } else {
                        first <= *local + 1
                    };
                    if !follows {
                        book.gaps += 1;
                        continue;
                    }
                    (*local, *bridged) = (last, true);
                    book.apply(&Change {
                        bids: gate_levels(&r["b"]),
                        asks: gate_levels(&r["a"]),
                        ..Change::default()
                    });
                }
                Some("spot.trades") => {
                    reference.trade(text(&r["currency_pair"]), &r["price"], r["side"] == "buy");
                }
                _ => {}
            }
        }
        reference
    }
}

impl Reference {
    /// A KuCoin classic spot cryptofeed recording `ws` and its REST snapshots `rest`, by the
    /// documented procedure: "apply changes with seq > snapshot seq" (each change
    /// `[price, size, sequence]` on its own), then "chain `sequenceStart == prev sequenceEnd +
    /// 1`". Trades are `trade.l3match` (`side` is the taker's).
    pub(crate) fn kucoin(ws: &str, rest: &str) -> Self {
        let mut reference = Reference::default();
        // Per book: the snapshot's sequence and the last applied `sequenceEnd` (if any).
        let mut ids: HashMap<String, (u64, Option<u64>)> = HashMap::new();
        for line in cryptofeed_lines(rest) {
            let CryptofeedLine::Rest { url, body } = line else {
                continue;
            };
            let book = url.split_once("symbol=").unwrap().1.to_owned();
            let data = &json(body)["data"];
            ids.insert(
                book.clone(),
                (text(&data["sequence"]).parse().unwrap(), None),
            );
            reference.apply(Change {
                book,
                snapshot: true,
                bids: levels(&data["bids"]),
                asks: levels(&data["asks"]),
                ..Change::default()
            });
        }
        for frame in received(ws) {
            let d = &frame["data"];
            match frame["subject"].as_str() {
                Some("trade.l2update") => {
                    let symbol = text(&d["symbol"]);
                    let Some((snapshot, last)) = ids.get_mut(symbol) else {
                        continue;
                    };
                    let (start, end) = (
                        d["sequenceStart"].as_u64().unwrap(),
                        d["sequenceEnd"].as_u64().unwrap(),
                    );
                    let book = reference.books.get_mut(symbol).unwrap();
                    if end <= last.unwrap_or(*snapshot) {
                        book.stale += 1;
                        continue;
                    }
                    let follows = match *last {
                        Some(l) => start == l + 1,
                        None => start <= *snapshot + 1,
                    };
                    if !follows {
                        book.gaps += 1;
                        continue;
                    }
                    let newer = |side: &str| -> Levels {
                        let changes = d["changes"][side].as_array().into_iter().flatten();
                        changes
                            .filter(|c| text(&c[2]).parse::<u64>().unwrap() > *snapshot)
                            .map(|c| [text(&c[0]), text(&c[1])].map(str::to_owned))
                            .collect()
                    };
                    let change = Change {
                        bids: newer("bids"),
                        asks: newer("asks"),
                        ..Change::default()
                    };
                    *last = Some(end);
                    book.apply(&change);
                }
                Some("trade.l3match") => {
                    reference.trade(text(&d["symbol"]), &d["price"], d["side"] == "buy");
                }
                _ => {}
            }
        }
        reference
    }
}

/// Which of Binance's documented diff-depth procedures a market follows.
#[derive(Clone, Copy, Debug)]
pub(crate) enum DepthRule {
    /// Spot: "drop events with `u <= lastUpdateId`; … ignore if `u < local_id`; gap if
    /// `U > local_id + 1`; set `local_id = u`".
    Spot,
    /// USDⓈ-M: "drop events with `u < lastUpdateId`; first processed event must satisfy
    /// `U <= lastUpdateId AND u >= lastUpdateId`; afterwards every event's `pu` must equal
    /// previous `u`".
    Usdm,
}

enum Verdict {
    Apply,
    Stale,
    Gap,
}

/// Where a Binance book's update ids stand.
struct Sequence {
    /// The last applied `u` (the snapshot's `lastUpdateId` before the first).
    local: u64,
    /// An event has been applied on top of the snapshot.
    bridged: bool,
}

impl Sequence {
    fn new(snapshot: &Value) -> Self {
        Sequence {
            local: snapshot["lastUpdateId"].as_u64().unwrap(),
            bridged: false,
        }
    }

    fn next(&mut self, rule: DepthRule, e: &Value) -> Verdict {
        let id = |field: &str| e[field].as_u64().unwrap();
        let (first, last) = (id("U"), id("u"));
        let follows = match rule {
            DepthRule::Spot if last <= self.local => return Verdict::Stale,
            DepthRule::Spot => first <= self.local + 1,
            DepthRule::Usdm if self.bridged => id("pu") == self.local,
            DepthRule::Usdm if last < self.local => return Verdict::Stale,
            DepthRule::Usdm => first <= self.local,
        };
        if !follows {
            return Verdict::Gap;
        }
        self.local = last;
        self.bridged = true;
        Verdict::Apply
    }
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("reference: not JSON ({e}): {text:.120}"))
}

/// The received frames of a cryptofeed recording that are JSON (`pong` and the like are not).
fn received(recording: &str) -> impl Iterator<Item = Value> + '_ {
    cryptofeed_lines(recording).filter_map(|line| match line {
        CryptofeedLine::Received(frame) => serde_json::from_str(frame).ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(snapshot: bool, bids: &[[&str; 2]], asks: &[[&str; 2]]) -> Change {
        let owned = |l: &[[&str; 2]]| l.iter().map(|l| l.map(str::to_owned)).collect();
        Change {
            book: "X".into(),
            snapshot,
            bids: owned(bids),
            asks: owned(asks),
            depth: Some(2),
            checksum: true,
        }
    }

    #[test]
    fn prices_order_by_value_and_keep_their_text() {
        assert!(key("9.99") < key("10") && key("10") == key("10.000"));
        assert!(key("0.00000001") < key("0.0000001"));
        let mut reference = Reference::default();
        reference.apply(change(
            true,
            &[["9.5", "1"], ["10.00", "2"], ["9.75", "3"]],
            &[["11", "1"], ["10.5", "2"]],
        ));
        // Depth 2 drops the worst bid (9.5); `10.00` keeps its trailing zeros.
        let (bids, asks) = reference.book("X").top();
        assert_eq!(
            bids,
            [["10.00", "2"], ["9.75", "3"]].map(|l| l.map(String::from))
        );
        assert_eq!(
            asks,
            [["10.5", "2"], ["11", "1"]].map(|l| l.map(String::from))
        );

        // A zero size deletes at any spelling; a snapshot replaces everything.
        reference.apply(change(false, &[["10", "0.000"]], &[]));
        assert_eq!(reference.book("X").depth(), (1, 2));
        reference.apply(change(true, &[], &[["12", "1"]]));
        assert_eq!(reference.book("X").depth(), (0, 1));
        assert_eq!(reference.book("X").applied, 3);
        assert_eq!(reference.checksummed(), 3);
    }

    #[test]
    #[should_panic(expected = "unexpected price")]
    fn a_price_that_is_not_plain_digits_fails_the_test() {
        key("1e-5");
    }

    #[test]
    fn binance_events_follow_the_snapshot_or_are_stale_or_gaps() {
        let snapshot = serde_json::json!({"lastUpdateId": 10});
        // (U, u, pu) of four events after the snapshot: already in it, bridging it, following
        // on, and one that skips an id.
        let cases = [
            (
                DepthRule::Spot,
                [(5, 10, 0), (9, 12, 0), (13, 14, 0), (16, 17, 0)],
            ),
            (
                DepthRule::Usdm,
                [(5, 9, 4), (9, 12, 8), (13, 14, 12), (16, 17, 15)],
            ),
        ];
        for (rule, events) in cases {
            let mut sequence = Sequence::new(&snapshot);
            let verdicts: Vec<_> = events
                .map(|(first, last, prev)| serde_json::json!({"U": first, "u": last, "pu": prev}))
                .iter()
                .map(|e| match sequence.next(rule, e) {
                    Verdict::Apply => "apply",
                    Verdict::Stale => "stale",
                    Verdict::Gap => "gap",
                })
                .collect();
            assert_eq!(verdicts, ["stale", "apply", "apply", "gap"], "{rule:?}");
        }
    }
}
