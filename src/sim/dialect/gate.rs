//! Gate v4 spot and USDT futures (`docs/venues.md` "Gate (v4)"): `{"time","channel","event",
//! "payload"}` requests; `obu` books (`full` snapshot naming `u`, then deltas `U..=u` counting
//! this subscription's messages), trades (spot `side` is the taker's; futures `size` is signed
//! contracts, negative when the taker sold), `futures.tickers`, `*.ping` -> `*.pong`.
//!
//! As the real venue, an unknown pair is acknowledged like a known one, and then nothing comes.

use super::{
    Action, BookFeed, BookMsg, Derivs, Dialect, SeqScheme, Topic, inst, level_arrays, price_text,
};
use crate::market::{Millis, TakerSide, VenueId};
use crate::sim::catalog::{BookId, find};
use crate::sim::market::{WireFill, WireForced};
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt::Write;

/// `obu` levels Gate serves.
const DEPTHS: [usize; 2] = [50, 400];

#[derive(Debug)]
pub struct Gate {
    venue: VenueId,
    conn_id: String,
}

#[derive(Deserialize)]
struct Request {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    payload: Vec<Value>,
}

impl Gate {
    pub fn new(venue: VenueId, conn: u64) -> Self {
        Gate {
            venue,
            conn_id: format!("{conn:016x}"),
        }
    }

    fn prefix(&self) -> &'static str {
        if self.venue == VenueId::GateUsdt {
            "futures"
        } else {
            "spot"
        }
    }

    fn answer(&self, channel: &str, event: &str, payload: &[Value], now: Millis) -> String {
        json!({"time": now / 1000, "time_ms": now, "conn_id": self.conn_id, "channel": channel,
               "event": event, "payload": payload, "result": {"status": "success"}})
        .to_string()
    }

    fn refusal(&self, channel: &str, event: &str, code: i64, message: &str, now: Millis) -> String {
        json!({"time": now / 1000, "time_ms": now, "conn_id": self.conn_id, "channel": channel,
               "event": event, "error": {"code": code, "message": message},
               "result": {"status": "fail"}})
        .to_string()
    }

    /// The topic one payload item names; `Ok(None)` for a pair Gate would acknowledge but
    /// not serve.
    fn topic(&self, channel: &str, item: &str) -> Result<Option<(Topic, Option<usize>)>, String> {
        let kind = channel
            .strip_prefix(self.prefix())
            .and_then(|c| c.strip_prefix('.'))
            .ok_or_else(|| format!("unknown channel {channel}"))?;
        match kind {
            "obu" => {
                let (pair, depth) = crate::venue::gate::parse::obu_stream(item)
                    .ok_or_else(|| format!("invalid argument {item}"))?;
                if !DEPTHS.contains(&depth) {
                    return Err(format!("invalid argument {item}"));
                }
                Ok(find(self.venue, pair).map(|b| (Topic::Book(b), Some(depth))))
            }
            "trades" => Ok(find(self.venue, item).map(|b| (Topic::Trades(b), None))),
            "tickers" if self.venue == VenueId::GateUsdt => {
                Ok(find(self.venue, item).map(|b| (Topic::Ticker(b), None)))
            }
            _ => Err(format!("unknown channel {channel}")),
        }
    }

    fn update(&self, channel: &str, now: Millis, result: &str) -> String {
        format!(
            r#"{{"time":{},"time_ms":{now},"channel":"{}.{channel}","event":"update","result":{result}}}"#,
            now / 1000,
            self.prefix()
        )
    }
}

impl Dialect for Gate {
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
        let Ok(req) = serde_json::from_str::<Request>(text) else {
            return vec![Action::Send(self.refusal(
                "",
                "",
                1,
                "invalid request",
                now,
            ))];
        };
        if req.channel == format!("{}.ping", self.prefix()) {
            let pong = json!({"time": now / 1000, "time_ms": now, "conn_id": self.conn_id,
                              "channel": format!("{}.pong", self.prefix()), "event": "",
                              "result": null});
            return vec![Action::Send(pong.to_string())];
        }
        let event = req.event.as_str();
        if event != "subscribe" && event != "unsubscribe" {
            let message = format!("unknown event {event}");
            return vec![Action::Send(self.refusal(
                &req.channel,
                event,
                1,
                &message,
                now,
            ))];
        }
        let mut topics = Vec::new();
        for item in &req.payload {
            match self.topic(&req.channel, item.as_str().unwrap_or_default()) {
                Ok(t) => topics.extend(t),
                Err(msg) => {
                    return vec![Action::Send(self.refusal(
                        &req.channel,
                        event,
                        2,
                        &msg,
                        now,
                    ))];
                }
            }
        }
        let mut actions = vec![Action::Send(self.answer(
            &req.channel,
            event,
            &req.payload,
            now,
        ))];
        actions.extend(topics.into_iter().map(|(topic, depth)| {
            if event == "subscribe" {
                Action::Subscribe { topic, depth }
            } else {
                Action::Unsubscribe(topic)
            }
        }));
        actions
    }

    fn book(&self, msg: &BookMsg) -> String {
        let pair = inst(msg.book).id;
        let depth = msg.depth.unwrap_or(DEPTHS[0]);
        let mut r = String::with_capacity(96 + 30 * (msg.bids.len() + msg.asks.len()));
        let _ = write!(r, r#"{{"t":{},"#, msg.time);
        if msg.snapshot {
            let _ = write!(r, r#""full":true,"s":"ob.{pair}.{depth}","u":{}"#, msg.last);
        } else {
            let _ = write!(
                r,
                r#""s":"ob.{pair}.{depth}","U":{},"u":{}"#,
                msg.first, msg.last
            );
        }
        r.push_str(r#","b":"#);
        level_arrays(&mut r, &msg.bids, false);
        r.push_str(r#","a":"#);
        level_arrays(&mut r, &msg.asks, false);
        r.push('}');
        self.update("obu", msg.time, &r)
    }

    fn trades(&self, book: BookId, fills: &[WireFill], now: Millis) -> Vec<String> {
        let pair = inst(book).id;
        if self.venue == VenueId::GateUsdt {
            let items: Vec<String> = fills
                .iter()
                .map(|f| {
                    let sign = if f.taker == TakerSide::Sell { "-" } else { "" };
                    format!(
                        r#"{{"id":{},"create_time":{},"create_time_ms":{},"contract":"{pair}","size":{sign}{},"price":"{}"}}"#,
                        f.id,
                        f.time / 1000,
                        f.time,
                        f.qty,
                        f.price
                    )
                })
                .collect();
            return vec![self.update("trades", now, &format!("[{}]", items.join(",")))];
        }
        fills
            .iter()
            .map(|f| {
                let side = match f.taker {
                    TakerSide::Buy => "buy",
                    TakerSide::Sell => "sell",
                };
                let result = format!(
                    r#"{{"id":{},"create_time":{},"create_time_ms":"{}.000","side":"{side}","currency_pair":"{pair}","amount":"{}","price":"{}"}}"#,
                    f.id,
                    f.time / 1000,
                    f.time,
                    f.qty,
                    f.price
                );
                self.update("trades", now, &result)
            })
            .collect()
    }

    /// Never subscribed: `futures.public_liquidates` is not part of the dialect.
    fn liquidations(&self, _: BookId, _: &[WireForced], _: Millis) -> Vec<String> {
        Vec::new()
    }

    fn derivs(&mut self, topic: Topic, d: &Derivs, now: Millis, _first: bool) -> Option<String> {
        let Topic::Ticker(book) = topic else {
            return None;
        };
        let s = &d.state;
        let contracts = s.open_interest / inst(book).contract_value;
        let item = json!({
            "contract": inst(book).id,
            "last": price_text(book, s.mark),
            "mark_price": price_text(book, s.mark),
            "index_price": price_text(book, s.index),
            "funding_rate": format!("{:.6}", s.funding_rate),
            "funding_interval": 28_800,
            "funding_next_apply": d.next_funding / 1000,
            "total_size": format!("{contracts:.0}"),
            "t": now,
        });
        Some(self.update("tickers", now, &format!("[{item}]")))
    }

    fn venue_error(&self, now: Millis) -> String {
        self.refusal(
            &format!("{}.obu", self.prefix()),
            "update",
            4,
            "server busy",
            now,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::Level;
    use crate::num::Dec;

    #[test]
    fn unknown_pairs_are_acknowledged_and_never_served() {
        let mut gate = Gate::new(VenueId::GateUsdt, 1);
        let req = r#"{"time":1,"channel":"futures.obu","event":"subscribe","payload":["ob.NOPE_USDT.50"]}"#;
        let actions = gate.request(req, 1_000);
        assert_eq!(actions.len(), 1, "{actions:?}");
        let Action::Send(ack) = &actions[0] else {
            panic!("{actions:?}")
        };
        assert!(ack.contains("success"), "{ack}");
        let bad_depth = req.replace(".50", ".20");
        let Action::Send(err) = &gate.request(&bad_depth, 1_000)[0] else {
            panic!()
        };
        assert!(err.contains("\"error\""), "{err}");
    }

    #[test]
    fn books_read_back_through_the_adapters_parser() {
        let gate = Gate::new(VenueId::GateUsdt, 1);
        let book = find(VenueId::GateUsdt, "BTC_USDT").unwrap();
        let level = Level::new(Dec::parse("77222.9").unwrap(), Dec::parse("648").unwrap());
        let msg = BookMsg {
            book,
            depth: Some(50),
            snapshot: false,
            bids: vec![level],
            asks: vec![],
            first: 7,
            last: 7,
            prev: Some(6),
            checksum: None,
            time: 1_789_455_580_280,
            head: 99,
        };
        let frame = gate.book(&msg);
        let parser = crate::venue::gate::parse::Parser::default();
        let mut levels = Vec::new();
        let parsed = format!("{:?}", parser.parse(&frame, &mut levels).unwrap());
        assert!(parsed.contains("first: 7, last: 7"), "{parsed}");
        assert_eq!(levels.len(), 1);
    }
}
