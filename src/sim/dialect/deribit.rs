//! Deribit v2 JSON-RPC (`docs/venues.md` "Deribit"): `public/subscribe` / `public/unsubscribe`
//! with `channels`, answered `{"id","result":[channels]}`; `book.<name>.100ms` (a snapshot,
//! then changes naming the last `change_id` this subscriber was sent), `trades.<name>.100ms`
//! (`direction` is the taker's; liquidations are trades flagged `liquidation`),
//! `ticker.<name>.100ms`; `public/set_heartbeat` then `test_request`s, `public/test`. Numbers
//! are JSON numbers.
//!
//! Simulated markets: the inverse BTC and ETH perpetuals (amounts and open interest in USD) and
//! the USDC linear perpetuals (in the base coin). As the real venue, a name it does not list is
//! acknowledged and then nothing comes.

use super::{Action, Beat, BookFeed, BookMsg, Derivs, Dialect, SeqScheme, Topic, inst, price_text};
use crate::book::Level;
use crate::market::{LiquidatedPosition, Millis, TakerSide, VenueId};
use crate::sim::catalog::{BookId, find};
use crate::sim::market::{WireFill, WireForced};
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt::Write;
use std::time::Duration;

#[derive(Debug, Default)]
pub struct Deribit {
    /// The heartbeat interval a client asked for (`public/set_heartbeat`).
    heartbeat_s: Option<u64>,
}

#[derive(Deserialize)]
struct Request {
    #[serde(default)]
    id: Value,
    #[serde(default)]
    method: String,
    #[serde(default)]
    params: Value,
}

fn answer(id: &Value, result: Value, now: Millis) -> String {
    json!({"jsonrpc": "2.0", "id": id, "result": result, "usIn": now * 1000, "usOut": now * 1000})
        .to_string()
}

fn refusal(id: &Value, code: i64, message: &str) -> String {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}).to_string()
}

fn notification(channel: &str, data: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","method":"subscription","params":{{"channel":"{channel}","data":{data}}}}}"#
    )
}

/// The topics a channel names; an unlisted instrument is none (acknowledged, silent).
fn topics(channel: &str) -> Result<Vec<Topic>, String> {
    let mut parts = channel.split('.');
    let (Some(kind), Some(name), Some("100ms"), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("Invalid channel: {channel}"));
    };
    let Some(book) = find(VenueId::Deribit, name) else {
        return Ok(Vec::new());
    };
    match kind {
        "book" => Ok(vec![Topic::Book(book)]),
        // Liquidations are trades flagged `liquidation`, in the same channel.
        "trades" => Ok(vec![Topic::Trades(book), Topic::Liquidations(book)]),
        "ticker" => Ok(vec![Topic::Ticker(book)]),
        _ => Err(format!("Invalid channel: {channel}")),
    }
}

fn levels(out: &mut String, levels: &[Level], snapshot: bool) {
    out.push('[');
    for (i, l) in levels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let action = match (snapshot, l.size.is_zero()) {
            (true, _) => "new",
            (false, true) => "delete",
            (false, false) => "change",
        };
        let _ = write!(out, r#"["{action}",{},{}]"#, l.price, l.size);
    }
    out.push(']');
}

fn trade(
    book: BookId,
    id: u64,
    time: Millis,
    price: &str,
    amount: &str,
    taker: TakerSide,
) -> String {
    let direction = match taker {
        TakerSide::Buy => "buy",
        TakerSide::Sell => "sell",
    };
    format!(
        r#"{{"trade_seq":{id},"trade_id":"{id}","timestamp":{time},"tick_direction":0,"price":{price},"instrument_name":"{}","direction":"{direction}","amount":{amount}"#,
        inst(book).id
    )
}

impl Dialect for Deribit {
    fn venue(&self) -> VenueId {
        VenueId::Deribit
    }

    fn book_feed(&self) -> BookFeed {
        BookFeed {
            scheme: SeqScheme::Linked,
            checksum: None,
            deletes_out_of_view: true,
        }
    }

    fn request(&mut self, text: &str, now: Millis) -> Vec<Action> {
        let Ok(req) = serde_json::from_str::<Request>(text) else {
            return vec![Action::Send(refusal(&Value::Null, -32700, "parse error"))];
        };
        let subscribe = match req.method.as_str() {
            "public/subscribe" => true,
            "public/unsubscribe" => false,
            "public/test" => {
                return vec![Action::Send(answer(
                    &req.id,
                    json!({"version": "1.2.26"}),
                    now,
                ))];
            }
            "public/set_heartbeat" => {
                let interval = req.params["interval"].as_u64().filter(|s| *s >= 10);
                let Some(interval) = interval else {
                    return vec![Action::Send(refusal(&req.id, -32602, "Invalid params"))];
                };
                self.heartbeat_s = Some(interval);
                return vec![Action::Send(answer(&req.id, json!("ok"), now))];
            }
            _ => return vec![Action::Send(refusal(&req.id, -32601, "Method not found"))],
        };
        let Some(channels) = req.params["channels"].as_array() else {
            return vec![Action::Send(refusal(&req.id, -32602, "Invalid params"))];
        };
        let mut actions = Vec::new();
        for channel in channels {
            match topics(channel.as_str().unwrap_or_default()) {
                Ok(found) => actions.extend(found.into_iter().map(|topic| {
                    if subscribe {
                        Action::Subscribe { topic, depth: None }
                    } else {
                        Action::Unsubscribe(topic)
                    }
                })),
                Err(message) => return vec![Action::Send(refusal(&req.id, 11050, &message))],
            }
        }
        actions.insert(0, Action::Send(answer(&req.id, json!(channels), now)));
        actions
    }

    fn book(&self, msg: &BookMsg) -> String {
        let name = inst(msg.book).id;
        let mut d = String::with_capacity(128 + 40 * (msg.bids.len() + msg.asks.len()));
        let kind = if msg.snapshot { "snapshot" } else { "change" };
        let _ = write!(
            d,
            r#"{{"type":"{kind}","timestamp":{},"instrument_name":"{name}","change_id":{}"#,
            msg.time, msg.last
        );
        if let Some(prev) = msg.prev {
            let _ = write!(d, r#","prev_change_id":{prev}"#);
        }
        d.push_str(r#","bids":"#);
        levels(&mut d, &msg.bids, msg.snapshot);
        d.push_str(r#","asks":"#);
        levels(&mut d, &msg.asks, msg.snapshot);
        d.push('}');
        notification(&format!("book.{name}.100ms"), &d)
    }

    fn trades(&self, book: BookId, fills: &[WireFill], _: Millis) -> Vec<String> {
        if fills.is_empty() {
            return Vec::new();
        }
        let items: Vec<String> = fills
            .iter()
            .map(|f| {
                let (price, qty) = (f.price.to_string(), f.qty.to_string());
                trade(book, f.id, f.time, &price, &qty, f.taker) + "}"
            })
            .collect();
        let channel = format!("trades.{}.100ms", inst(book).id);
        vec![notification(&channel, &format!("[{}]", items.join(",")))]
    }

    /// A liquidation is the liquidated taker's trade (`"liquidation":"T"`): a long is sold.
    fn liquidations(&self, book: BookId, items: &[WireForced], _: Millis) -> Vec<String> {
        if items.is_empty() {
            return Vec::new();
        }
        let trades: Vec<String> = items
            .iter()
            .map(|l| {
                let taker = match l.position {
                    LiquidatedPosition::Long => TakerSide::Sell,
                    LiquidatedPosition::Short => TakerSide::Buy,
                };
                let (price, qty) = (l.price.to_string(), l.qty.to_string());
                trade(book, l.time.unsigned_abs(), l.time, &price, &qty, taker)
                    + r#","liquidation":"T"}"#
            })
            .collect();
        let channel = format!("trades.{}.100ms", inst(book).id);
        vec![notification(&channel, &format!("[{}]", trades.join(",")))]
    }

    fn derivs(&mut self, topic: Topic, d: &Derivs, now: Millis, _first: bool) -> Option<String> {
        let Topic::Ticker(book) = topic else {
            return None;
        };
        let s = &d.state;
        // An inverse perpetual counts open interest in USD, as its amounts.
        let open_interest = if inst(book).inverse {
            s.open_interest * s.mark
        } else {
            s.open_interest
        };
        let data = format!(
            r#"{{"timestamp":{now},"instrument_name":"{}","state":"open","mark_price":{},"index_price":{},"current_funding":{:.8},"funding_8h":{:.8},"open_interest":{:.4}}}"#,
            inst(book).id,
            price_text(book, s.mark),
            price_text(book, s.index),
            s.funding_rate,
            s.funding_rate,
            open_interest
        );
        Some(notification(
            &format!("ticker.{}.100ms", inst(book).id),
            &data,
        ))
    }

    /// Once the client asked for one, a `test_request` every interval.
    fn heartbeat(&self) -> Option<(Duration, Beat)> {
        let interval = self.heartbeat_s?;
        let beat =
            json!({"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": "test_request"}});
        Some((Duration::from_secs(interval), Beat::Text(beat.to_string())))
    }

    fn venue_error(&self, _: Millis) -> String {
        refusal(&json!(0), 10028, "too_many_requests")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::Dec;

    #[test]
    fn unknown_names_are_acknowledged_and_never_served_bad_channels_refused() {
        let mut d = Deribit::default();
        let req = r#"{"jsonrpc":"2.0","id":1,"method":"public/subscribe","params":{"channels":["book.NOPE-PERPETUAL.100ms"]}}"#;
        let actions = d.request(req, 1_000);
        assert_eq!(actions.len(), 1, "{actions:?}");
        let bad = req.replace(".100ms", ".raw");
        let Action::Send(err) = &d.request(&bad, 1_000)[0] else {
            panic!()
        };
        assert!(err.contains("\"error\""), "{err}");
        assert!(d.heartbeat().is_none());
        d.request(
            r#"{"jsonrpc":"2.0","id":2,"method":"public/set_heartbeat","params":{"interval":30}}"#,
            1_000,
        );
        assert_eq!(d.heartbeat().unwrap().0, Duration::from_secs(30));
    }

    #[test]
    fn books_and_liquidations_read_back_through_the_adapters_parser() {
        let d = Deribit::default();
        let book = find(VenueId::Deribit, "BTC_USDC-PERPETUAL").unwrap();
        let level = |p: &str, s: &str| Level::new(Dec::parse(p).unwrap(), Dec::parse(s).unwrap());
        let msg = BookMsg {
            book,
            depth: None,
            snapshot: false,
            bids: vec![level("77222", "0.5"), level("77221", "0")],
            asks: vec![],
            first: 7,
            last: 7,
            prev: Some(6),
            checksum: None,
            time: 1_789_455_580_280,
            head: 99,
        };
        let parser = crate::venue::deribit::parse::Parser::default();
        let mut levels = Vec::new();
        let parsed = format!("{:?}", parser.parse(&d.book(&msg), &mut levels).unwrap());
        assert!(parsed.contains("prev: 6, change: 7"), "{parsed}");
        assert_eq!(levels.len(), 2);
        assert!(levels[1].1.size.is_zero());
        let forced = WireForced {
            time: 1,
            position: LiquidatedPosition::Long,
            price: Dec::parse("77000").unwrap(),
            qty: Dec::parse("0.1").unwrap(),
        };
        let frame = &d.liquidations(book, &[forced], 1)[0];
        let parsed = format!("{:?}", parser.parse(frame, &mut levels).unwrap());
        assert!(
            parsed.contains("TradesAndLiquidations") && parsed.contains("Long"),
            "{parsed}"
        );
    }
}
