//! KuCoin Pro/UTA spot and futures sockets (`docs/venues.md` "KuCoin"): a welcome on connect
//! (`pingInterval`), `{"id","action":"SUBSCRIBE","channel","tradeType","symbol"[,"depth"]}`
//! requests answered `{"id","result":true}`; `obu` books (snapshot, then deltas `O..=C`
//! counting this subscription's messages), `trade` (`S` is the taker's side; futures `q` in
//! contracts), futures `mark-price` (open interest in contracts) and `funding-fee`;
//! `{"type":"ping"}` -> `{"type":"pong"}`.
//!
//! As the real venue, an unknown symbol is acknowledged like a known one, and then nothing
//! comes.

use super::{
    Action, BookFeed, BookMsg, Cadence, Derivs, Dialect, SeqScheme, Topic, inst, level_arrays,
    price_text,
};
use crate::market::{Millis, TakerSide, VenueId};
use crate::sim::catalog::{BookId, find};
use crate::sim::market::{WireFill, WireForced};
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt::Write;
use std::time::Duration;

#[derive(Debug)]
pub struct Kucoin {
    venue: VenueId,
    session: String,
}

#[derive(Deserialize)]
struct Request {
    #[serde(default)]
    id: Value,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    channel: String,
    #[serde(rename = "tradeType", default)]
    trade_type: String,
    #[serde(default)]
    symbol: String,
    #[serde(default)]
    depth: Option<String>,
}

impl Kucoin {
    pub fn new(venue: VenueId, conn: u64) -> Self {
        Kucoin {
            venue,
            session: format!("sim-{conn:016x}"),
        }
    }

    fn futures(&self) -> bool {
        self.venue == VenueId::KucoinFutures
    }

    fn refusal(code: i64, message: &str) -> String {
        json!({"type": "error", "code": code, "data": message}).to_string()
    }

    /// The topic a request names; `Ok(None)` for a symbol KuCoin would acknowledge but not
    /// serve.
    fn topic(&self, req: &Request) -> Result<Option<Topic>, String> {
        let trade_type = if self.futures() { "FUTURES" } else { "SPOT" };
        if req.trade_type != trade_type {
            return Err(format!("tradeType {} on this socket", req.trade_type));
        }
        let book = find(self.venue, &req.symbol);
        match req.channel.as_str() {
            "obu" if req.depth.as_deref() == Some("increment@10ms") => Ok(book.map(Topic::Book)),
            "obu" => Err(format!("depth {:?} is not simulated", req.depth)),
            "trade" => Ok(book.map(Topic::Trades)),
            "mark-price" if self.futures() => Ok(book.map(Topic::Mark)),
            "funding-fee" if self.futures() => Ok(book.map(Topic::Funding)),
            other => Err(format!("unknown channel {other}")),
        }
    }
}

impl Dialect for Kucoin {
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

    fn greeting(&mut self) -> Vec<String> {
        vec![
            json!({"sessionId": self.session, "message": "welcome", "pingInterval": 18_000})
                .to_string(),
        ]
    }

    fn request(&mut self, text: &str, now: Millis) -> Vec<Action> {
        let Ok(req) = serde_json::from_str::<Request>(text) else {
            return vec![Action::Send(Self::refusal(400, "invalid request"))];
        };
        if req.kind == "ping" {
            let pong = json!({"type": "pong", "id": req.id, "ts": now.saturating_mul(1_000_000)});
            return vec![Action::Send(pong.to_string())];
        }
        let subscribe = match req.action.as_str() {
            "SUBSCRIBE" => true,
            "UNSUBSCRIBE" => false,
            other => return vec![Action::Send(Self::refusal(400, &format!("action {other}")))],
        };
        let topic = match self.topic(&req) {
            Ok(topic) => topic,
            Err(message) => return vec![Action::Send(Self::refusal(400, &message))],
        };
        let ack = json!({"id": req.id, "result": true}).to_string();
        let mut actions = vec![Action::Send(ack)];
        actions.extend(topic.map(|topic| {
            if subscribe {
                // `increment@10ms`: a view of the best 500 levels a side, diffed.
                let depth = matches!(topic, Topic::Book(_)).then_some(500);
                Action::Subscribe { topic, depth }
            } else {
                Action::Unsubscribe(topic)
            }
        }));
        actions
    }

    fn book(&self, msg: &BookMsg) -> String {
        let symbol = inst(msg.book).id;
        let trade_type = if self.futures() { "FUTURES" } else { "SPOT" };
        let kind = if msg.snapshot { "snapshot" } else { "delta" };
        let first = if msg.snapshot { msg.last } else { msg.first };
        let ns = msg.time.saturating_mul(1_000_000);
        let mut r = String::with_capacity(160 + 30 * (msg.bids.len() + msg.asks.len()));
        let _ = write!(
            r,
            r#"{{"T":"obu.{trade_type}","dp":"increment@10ms","t":"{kind}","P":{ns},"d":{{"a":"#
        );
        level_arrays(&mut r, &msg.asks, false);
        r.push_str(r#","b":"#);
        level_arrays(&mut r, &msg.bids, false);
        let _ = write!(
            r,
            r#","C":{},"s":"{symbol}","M":{ns},"O":{first}}}}}"#,
            msg.last
        );
        r
    }

    fn trades(&self, book: BookId, fills: &[WireFill], _now: Millis) -> Vec<String> {
        let symbol = inst(book).id;
        let trade_type = if self.futures() { "FUTURES" } else { "SPOT" };
        fills
            .iter()
            .map(|f| {
                let side = match f.taker {
                    TakerSide::Buy => "buy",
                    TakerSide::Sell => "sell",
                };
                let ns = f.time.saturating_mul(1_000_000);
                format!(
                    r#"{{"T":"trade.{trade_type}","P":{ns},"d":{{"E":{id},"M":{ns},"S":"{side}","p":"{}","q":"{}","s":"{symbol}","ti":"{id}"}}}}"#,
                    f.price,
                    f.qty,
                    id = f.id
                )
            })
            .collect()
    }

    fn liquidations(&self, _: BookId, _: &[WireForced], _: Millis) -> Vec<String> {
        Vec::new()
    }

    fn derivs(&mut self, topic: Topic, d: &Derivs, now: Millis, _first: bool) -> Option<String> {
        let s = &d.state;
        let ns = now.saturating_mul(1_000_000);
        let frame = match topic {
            Topic::Mark(book) => {
                let contracts = s.open_interest / inst(book).contract_value;
                json!({"T": "mark-price", "P": ns, "d": {"s": inst(book).id,
                    "mp": price_text(book, s.mark), "ip": price_text(book, s.index),
                    "oi": format!("{contracts:.0}"), "ts": now}})
            }
            Topic::Funding(book) => json!({"T": "funding-fee", "P": ns, "d": {
                "s": inst(book).id, "fr": format!("{:.6}", s.funding_rate),
                "nt": d.next_funding, "gl": 28_800_000}}),
            _ => return None,
        };
        Some(frame.to_string())
    }

    fn cadence(&self, topic: Topic) -> Cadence {
        match topic {
            Topic::Mark(_) => Cadence::Every(Duration::from_secs(1)),
            Topic::Funding(_) => Cadence::Every(Duration::from_secs(30)),
            _ => Cadence::EveryStep,
        }
    }

    fn venue_error(&self, _now: Millis) -> String {
        Self::refusal(500, "server busy")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::Level;
    use crate::num::Dec;

    #[test]
    fn unknown_symbols_are_acknowledged_and_never_served() {
        let mut kucoin = Kucoin::new(VenueId::KucoinFutures, 1);
        let req = r#"{"id":"1","action":"SUBSCRIBE","channel":"obu","tradeType":"FUTURES","symbol":"NOPEUSDTM","depth":"increment@10ms"}"#;
        let actions = kucoin.request(req, 1_000);
        assert_eq!(
            actions,
            [Action::Send(r#"{"id":"1","result":true}"#.to_owned())]
        );
        let spot = req.replace("\"FUTURES\"", "\"SPOT\"");
        let Action::Send(err) = &kucoin.request(&spot, 1_000)[0] else {
            panic!()
        };
        assert!(err.contains(r#""type":"error""#), "{err}");
    }

    #[test]
    fn books_read_back_through_the_adapters_parser() {
        let kucoin = Kucoin::new(VenueId::KucoinFutures, 1);
        let book = find(VenueId::KucoinFutures, "XBTUSDTM").unwrap();
        let level = Level::new(Dec::parse("86000.1").unwrap(), Dec::parse("648").unwrap());
        let msg = BookMsg {
            book,
            depth: None,
            snapshot: false,
            bids: vec![level],
            asks: vec![],
            first: 7,
            last: 8,
            prev: Some(6),
            checksum: None,
            time: 1_789_455_580_280,
            head: 99,
        };
        let frame = kucoin.book(&msg);
        let parser = crate::venue::kucoin::parse::Parser::default();
        let mut levels = Vec::new();
        let parsed = format!("{:?}", parser.parse(&frame, &mut levels).unwrap());
        assert!(parsed.contains("first: 7, last: 8"), "{parsed}");
        assert!(parsed.contains("exch_ts: Some(1789455580280)"), "{parsed}");
        assert_eq!(levels.len(), 1);
    }
}
