//! Bitget v2 public, spot and USDT-M futures (`docs/venues.md` "Bitget"): `op` requests with
//! `{instType, channel, instId}` args, one acknowledgement per arg, `books` snapshots (`pseq`
//! 0) then updates whose `pseq` names the `seq` last sent, `trade` batches, futures `ticker`
//! (mark, index, funding, open interest in the base coin), and the text `ping`/`pong`.
//!
//! Like the real v2 feed since 2026, book frames carry no checksum. A real symbol asked with the
//! wrong `instType` is acknowledged and then never sent, as Bitget does.

use super::{
    Action, BookFeed, BookMsg, Cadence, Derivs, Dialect, SeqScheme, Topic, inst, level_arrays,
    price_text,
};
use crate::market::{Millis, TakerSide, VenueId};
use crate::sim::catalog::{BookId, find};
use crate::sim::market::{WireFill, WireForced};
use crate::venue::bitget::parse::BOOK_DEPTH;
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt::Write;
use std::time::Duration;

#[derive(Debug)]
pub struct Bitget {
    venue: VenueId,
    conn_id: String,
}

impl Bitget {
    pub fn new(venue: VenueId, conn: u64) -> Self {
        Bitget {
            venue,
            conn_id: format!("sim{conn:016x}"),
        }
    }

    fn inst_type(&self) -> &'static str {
        if self.futures() {
            "USDT-FUTURES"
        } else {
            "SPOT"
        }
    }

    fn futures(&self) -> bool {
        self.venue == VenueId::BitgetUsdt
    }

    fn error(code: u32, msg: &str, op: &str, arg: Option<&Value>) -> String {
        let mut v = json!({"event": "error", "code": code, "msg": msg});
        if let Some(arg) = arg {
            v["arg"] = arg.clone();
            v["op"] = json!(op);
        }
        v.to_string()
    }

    /// What one arg asks for: a topic, nothing (a wrong `instType`: acknowledged, then silent),
    /// or Bitget's refusal.
    fn topic(&self, arg: &Value) -> Result<Option<(Topic, Option<usize>)>, String> {
        let (inst_type, channel, id) = (
            arg["instType"].as_str().unwrap_or_default(),
            arg["channel"].as_str().unwrap_or_default(),
            arg["instId"].as_str().unwrap_or_default(),
        );
        let missing =
            || format!("instType:{inst_type},channel:{channel},instId:{id} doesn't exist");
        let book = find(self.venue, id).ok_or_else(missing)?;
        if inst_type != self.inst_type() {
            return Ok(None);
        }
        Ok(Some(match channel {
            "books" => (Topic::Book(book), Some(BOOK_DEPTH)),
            "trade" => (Topic::Trades(book), None),
            "ticker" if self.futures() => (Topic::Ticker(book), None),
            _ => return Err(missing()),
        }))
    }

    fn push(&self, action: &str, channel: &str, book: BookId, data: &str, now: Millis) -> String {
        format!(
            r#"{{"action":"{action}","arg":{{"instType":"{}","channel":"{channel}","instId":"{}"}},"data":{data},"ts":{now}}}"#,
            self.inst_type(),
            inst(book).id
        )
    }
}

#[derive(Deserialize)]
struct Request {
    op: String,
    #[serde(default)]
    args: Vec<Value>,
}

impl Dialect for Bitget {
    fn venue(&self) -> VenueId {
        self.venue
    }

    fn book_feed(&self) -> BookFeed {
        BookFeed {
            scheme: SeqScheme::Linked,
            checksum: None,
            deletes_out_of_view: true,
        }
    }

    fn request(&mut self, text: &str, _now: Millis) -> Vec<Action> {
        if text == "ping" {
            return vec![Action::Send("pong".into())];
        }
        let req: Request = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(_) => return vec![Action::Send(Self::error(30016, "Param error", "", None))],
        };
        let subscribe = match req.op.as_str() {
            "subscribe" => true,
            "unsubscribe" => false,
            _ => return vec![Action::Send(Self::error(30016, "Param error", "", None))],
        };
        let mut actions = Vec::new();
        for arg in &req.args {
            match self.topic(arg) {
                Ok(topic) => {
                    let ack = json!({"event": req.op, "arg": arg, "connId": self.conn_id});
                    actions.push(Action::Send(ack.to_string()));
                    actions.extend(topic.map(|(topic, depth)| {
                        if subscribe {
                            Action::Subscribe { topic, depth }
                        } else {
                            Action::Unsubscribe(topic)
                        }
                    }));
                }
                Err(msg) => {
                    actions.push(Action::Send(Self::error(30001, &msg, &req.op, Some(arg))))
                }
            }
        }
        actions
    }

    fn book(&self, msg: &BookMsg) -> String {
        let mut data = String::with_capacity(96 + 30 * (msg.bids.len() + msg.asks.len()));
        data.push_str(r#"[{"asks":"#);
        level_arrays(&mut data, &msg.asks, false);
        data.push_str(r#","bids":"#);
        level_arrays(&mut data, &msg.bids, false);
        let _ = write!(
            data,
            r#","ts":"{}","seq":{},"pseq":{}}}]"#,
            msg.time,
            msg.last,
            msg.prev.unwrap_or(0)
        );
        let action = if msg.snapshot { "snapshot" } else { "update" };
        self.push(action, "books", msg.book, &data, msg.time)
    }

    fn trades(&self, book: BookId, fills: &[WireFill], now: Millis) -> Vec<String> {
        let items: Vec<String> = fills
            .iter()
            .map(|f| {
                let side = match f.taker {
                    TakerSide::Buy => "buy",
                    TakerSide::Sell => "sell",
                };
                format!(
                    r#"{{"ts":"{}","price":"{}","size":"{}","side":"{side}","tradeId":"{}"}}"#,
                    f.time, f.price, f.qty, f.id
                )
            })
            .collect();
        vec![self.push(
            "update",
            "trade",
            book,
            &format!("[{}]", items.join(",")),
            now,
        )]
    }

    /// Bitget has no public liquidation channel.
    fn liquidations(&self, _: BookId, _: &[WireForced], _: Millis) -> Vec<String> {
        Vec::new()
    }

    fn derivs(&mut self, topic: Topic, d: &Derivs, now: Millis, _first: bool) -> Option<String> {
        let Topic::Ticker(book) = topic else {
            return None;
        };
        let s = &d.state;
        let mark = price_text(book, s.mark);
        let data = json!([{
            "instId": inst(book).id,
            "lastPr": mark,
            "markPrice": mark,
            "indexPrice": price_text(book, s.index),
            "fundingRate": format!("{:.6}", s.funding_rate),
            "nextFundingTime": d.next_funding.to_string(),
            "holdingAmount": format!("{:.4}", s.open_interest),
            "ts": now.to_string(),
        }]);
        Some(self.push("snapshot", "ticker", book, &data.to_string(), now))
    }

    fn cadence(&self, topic: Topic) -> Cadence {
        match topic {
            Topic::Ticker(_) => Cadence::Every(Duration::from_millis(300)),
            _ => Cadence::EveryStep,
        }
    }

    fn venue_error(&self, _now: Millis) -> String {
        Self::error(30006, "request too many", "", None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_arg_is_acknowledged_refused_or_silently_ignored() {
        let mut bitget = Bitget::new(VenueId::BitgetUsdt, 1);
        let actions = bitget.request(
            r#"{"op":"subscribe","args":[{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"},{"instType":"USDT-FUTURES","channel":"books","instId":"NOPEUSDT"},{"instType":"SPOT","channel":"books","instId":"ETHUSDT"},{"instType":"USDT-FUTURES","channel":"ticker","instId":"ETHUSDT"}]}"#,
            0,
        );
        let sends: Vec<&String> = actions
            .iter()
            .filter_map(|a| match a {
                Action::Send(s) => Some(s),
                _ => None,
            })
            .collect();
        assert_eq!(sends.len(), 4);
        assert!(sends[1].contains("30001"), "{}", sends[1]);
        assert!(
            sends[2].contains(r#""event":"subscribe""#),
            "wrong instType: acknowledged"
        );
        let subs = actions
            .iter()
            .filter(|a| matches!(a, Action::Subscribe { .. }))
            .count();
        assert_eq!(
            subs, 2,
            "the book and the ticker; nothing for the wrong instType"
        );
        assert_eq!(bitget.request("ping", 0), [Action::Send("pong".into())]);
        assert!(matches!(&bitget.request("{", 0)[..], [Action::Send(s)] if s.contains("30016")));
        let mut spot = Bitget::new(VenueId::Bitget, 1);
        assert!(matches!(
            &spot.request(r#"{"op":"subscribe","args":[{"instType":"SPOT","channel":"ticker","instId":"BTCUSDT"}]}"#, 0)[..],
            [Action::Send(s)] if s.contains("30001")
        ));
    }
}
