//! Bybit v5 public streams, spot and linear (`docs/venues.md` "Bybit v5"): `op` requests of at most
//! ten topics, `orderbook.{depth}.{symbol}` snapshots then deltas whose `u` steps by one,
//! `publicTrade` batches, `allLiquidation` every 500 ms (`S` is the liquidated position's side:
//! `Buy` = a long), and linear `tickers` as a snapshot then deltas of the fields that changed.

use super::{
    Action, BookFeed, BookMsg, Cadence, Derivs, Dialect, SeqScheme, Topic, inst, level_arrays,
    price_text,
};
use crate::market::{LiquidatedPosition, Millis, TakerSide, VenueId};
use crate::sim::catalog::{BookId, find};
use crate::sim::market::{WireFill, WireForced};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::fmt::Write;
use std::time::Duration;

/// Book depths Bybit serves on spot and linear.
const DEPTHS: [usize; 4] = [1, 50, 200, 1000];
/// "Spot: max 10 args per request."
const MAX_ARGS: usize = 10;

#[derive(Debug)]
pub struct Bybit {
    venue: VenueId,
    conn_id: String,
    /// The ticker fields last sent per book, so deltas carry only what changed.
    tickers: HashMap<BookId, Map<String, Value>>,
}

impl Bybit {
    pub fn new(venue: VenueId, conn: u64) -> Self {
        Bybit {
            venue,
            conn_id: format!("sim-{conn:08x}"),
            tickers: HashMap::new(),
        }
    }

    fn linear(&self) -> bool {
        self.venue == VenueId::BybitLinear
    }

    fn answer(&self, op: &str, req_id: &str, success: bool, ret_msg: &str) -> String {
        json!({"success": success, "ret_msg": ret_msg, "conn_id": self.conn_id, "req_id": req_id, "op": op})
            .to_string()
    }

    /// A topic string, or why Bybit refuses it.
    fn topic(&self, arg: &str) -> Result<(Topic, Option<usize>), String> {
        let refused = || format!("Invalid symbol :[{arg}]");
        let (channel, rest) = arg.split_once('.').ok_or_else(refused)?;
        let book_of = |symbol: &str| find(self.venue, symbol).ok_or_else(refused);
        match channel {
            "orderbook" => {
                let (depth, symbol) = rest.split_once('.').ok_or_else(refused)?;
                let depth: usize = depth.parse().map_err(|_| refused())?;
                if !DEPTHS.contains(&depth) {
                    return Err(format!("error:handler not found,topic:{arg}"));
                }
                Ok((Topic::Book(book_of(symbol)?), Some(depth)))
            }
            "publicTrade" => Ok((Topic::Trades(book_of(rest)?), None)),
            "tickers" if self.linear() => Ok((Topic::Ticker(book_of(rest)?), None)),
            "allLiquidation" if self.linear() => Ok((Topic::Liquidations(book_of(rest)?), None)),
            _ => Err(format!("error:handler not found,topic:{arg}")),
        }
    }

    fn envelope(topic: &str, kind: &str, now: Millis, data: &str) -> String {
        format!(r#"{{"topic":"{topic}","type":"{kind}","ts":{now},"data":{data}}}"#)
    }
}

#[derive(Deserialize)]
struct Request {
    #[serde(default)]
    req_id: Option<String>,
    op: String,
    #[serde(default)]
    args: Vec<Value>,
}

impl Dialect for Bybit {
    fn venue(&self) -> VenueId {
        self.venue
    }

    fn book_feed(&self) -> BookFeed {
        BookFeed {
            scheme: SeqScheme::Counter,
            checksum: None,
            deletes_out_of_view: true,
        }
    }

    fn request(&mut self, text: &str, now: Millis) -> Vec<Action> {
        let req: Request = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(_) => {
                return vec![Action::Send(self.answer(
                    "",
                    "",
                    false,
                    "error:request not supported",
                ))];
            }
        };
        let req_id = req.req_id.as_deref().unwrap_or("");
        match req.op.as_str() {
            "ping" if self.linear() => {
                let pong = json!({"req_id": req_id, "op": "pong", "args": [now.to_string()], "conn_id": self.conn_id});
                vec![Action::Send(pong.to_string())]
            }
            "ping" => vec![Action::Send(self.answer("ping", req_id, true, "pong"))],
            op @ ("subscribe" | "unsubscribe") => {
                if req.args.len() > MAX_ARGS && !self.linear() {
                    return vec![Action::Send(self.answer(
                        op,
                        req_id,
                        false,
                        "args size >10",
                    ))];
                }
                let mut topics = Vec::new();
                for arg in &req.args {
                    let arg = arg.as_str().unwrap_or_default();
                    match self.topic(arg) {
                        Ok(t) => topics.push(t),
                        Err(msg) => {
                            return vec![Action::Send(self.answer(op, req_id, false, &msg))];
                        }
                    }
                }
                let ok = if self.linear() { "" } else { op };
                let mut actions = vec![Action::Send(self.answer(op, req_id, true, ok))];
                actions.extend(topics.into_iter().map(|(topic, depth)| {
                    if op == "subscribe" {
                        Action::Subscribe { topic, depth }
                    } else {
                        Action::Unsubscribe(topic)
                    }
                }));
                actions
            }
            other => vec![Action::Send(self.answer(
                other,
                req_id,
                false,
                &format!("error:request not supported, op:{other}"),
            ))],
        }
    }

    fn book(&self, msg: &BookMsg) -> String {
        let symbol = inst(msg.book).id;
        let mut data = String::with_capacity(64 + 30 * (msg.bids.len() + msg.asks.len()));
        let _ = write!(data, r#"{{"s":"{symbol}","b":"#);
        level_arrays(&mut data, &msg.bids, false);
        data.push_str(r#","a":"#);
        level_arrays(&mut data, &msg.asks, false);
        // `seq` is a cross sequence, increasing but not contiguous: the book's global id.
        let _ = write!(data, r#","u":{},"seq":{}}}"#, msg.last, msg.head);
        let kind = if msg.snapshot { "snapshot" } else { "delta" };
        let topic = format!("orderbook.{}.{symbol}", msg.depth.unwrap_or(200));
        let mut out = Self::envelope(&topic, kind, msg.time, &data);
        out.pop();
        let _ = write!(out, r#","cts":{}}}"#, msg.time - 2);
        out
    }

    fn trades(&self, book: BookId, fills: &[WireFill], now: Millis) -> Vec<String> {
        let symbol = inst(book).id;
        let items: Vec<String> = fills
            .iter()
            .map(|f| {
                let side = match f.taker {
                    TakerSide::Buy => "Buy",
                    TakerSide::Sell => "Sell",
                };
                format!(
                    r#"{{"T":{},"s":"{symbol}","S":"{side}","v":"{}","p":"{}","L":"ZeroPlusTick","i":"{:08x}-sim-{}","BT":false,"seq":{}}}"#,
                    f.time, f.qty, f.price, f.id, f.id, f.id
                )
            })
            .collect();
        vec![Self::envelope(
            &format!("publicTrade.{symbol}"),
            "snapshot",
            now,
            &format!("[{}]", items.join(",")),
        )]
    }

    fn liquidations(&self, book: BookId, items: &[WireForced], now: Millis) -> Vec<String> {
        let symbol = inst(book).id;
        let items: Vec<String> = items
            .iter()
            .map(|l| {
                // The side of the position: "Buy" means a long was liquidated.
                let side = match l.position {
                    LiquidatedPosition::Long => "Buy",
                    LiquidatedPosition::Short => "Sell",
                };
                format!(
                    r#"{{"T":{},"s":"{symbol}","S":"{side}","v":"{}","p":"{}"}}"#,
                    l.time, l.qty, l.price
                )
            })
            .collect();
        vec![Self::envelope(
            &format!("allLiquidation.{symbol}"),
            "snapshot",
            now,
            &format!("[{}]", items.join(",")),
        )]
    }

    fn derivs(&mut self, topic: Topic, d: &Derivs, now: Millis, first: bool) -> Option<String> {
        let Topic::Ticker(book) = topic else {
            return None;
        };
        let s = &d.state;
        let fields: Map<String, Value> = [
            ("markPrice", price_text(book, s.mark)),
            ("indexPrice", price_text(book, s.index)),
            ("lastPrice", price_text(book, s.mark)),
            ("openInterest", format!("{:.3}", s.open_interest)),
            (
                "openInterestValue",
                format!("{:.2}", s.open_interest * s.mark),
            ),
            ("fundingRate", format!("{:.6}", s.funding_rate)),
            ("nextFundingTime", d.next_funding.to_string()),
            ("fundingIntervalHour", "8".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v)))
        .collect();
        let last = self.tickers.entry(book).or_default();
        let mut data = Map::new();
        data.insert("symbol".into(), Value::String(inst(book).id.to_owned()));
        for (k, v) in &fields {
            if first || last.get(k) != Some(v) {
                data.insert(k.clone(), v.clone());
            }
        }
        *last = fields;
        if !first && data.len() == 1 {
            return None;
        }
        let kind = if first { "snapshot" } else { "delta" };
        let mut out = Self::envelope(
            &format!("tickers.{}", inst(book).id),
            kind,
            now,
            &Value::Object(data).to_string(),
        );
        out.pop();
        let _ = write!(out, r#","cs":{}}}"#, now * 3);
        Some(out)
    }

    fn cadence(&self, topic: Topic) -> Cadence {
        match topic {
            // "pushed every 500 ms"
            Topic::Liquidations(_) => Cadence::Every(Duration::from_millis(500)),
            _ => Cadence::EveryStep,
        }
    }

    fn venue_error(&self, _now: Millis) -> String {
        self.answer(
            "ping",
            "",
            false,
            "Too many visits. Exceeded the API Rate Limit.",
        )
    }
}
