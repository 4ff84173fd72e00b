//! Kraken spot WebSocket v2 (`docs/venues.md` "Kraken"): a status greeting, `subscribe` requests
//! answered per symbol, `book` snapshots and updates with prices and sizes as JSON numbers and a
//! CRC over the top ten levels at the pair's precision, `trade` updates, a heartbeat every
//! second, and `ping`/`pong`.
//!
//! Numbers go out in their shortest form (`0.1`, `97000`), as Kraken prints them; the checksum
//! is over the same values padded to the pair's precision, which is how the books keep them
//! ([`crate::sim::catalog`]).

use super::{Action, Beat, BookFeed, BookMsg, Derivs, Dialect, SeqScheme, Topic, inst, rfc3339};
use crate::book::Level;
use crate::feed::sync::ChecksumKind;
use crate::market::{Millis, TakerSide, VenueId};
use crate::sim::catalog::{BookId, find, trimmed};
use crate::sim::market::{WireFill, WireForced};
use serde_json::{Value, json};
use std::fmt::Write;
use std::time::Duration;

/// Book depths Kraken serves.
const DEPTHS: [usize; 5] = [10, 25, 100, 500, 1000];

#[derive(Debug)]
pub struct Kraken {
    conn: u64,
}

impl Kraken {
    pub fn new(conn: u64) -> Self {
        Kraken { conn }
    }

    fn answer(method: &str, req_id: &Value, now: Millis, body: Value) -> String {
        let mut v = json!({"method": method, "time_in": rfc3339(now), "time_out": rfc3339(now)});
        if let (Value::Object(map), Value::Object(extra)) = (&mut v, body) {
            map.extend(extra);
        }
        if !req_id.is_null() {
            v["req_id"] = req_id.clone();
        }
        v.to_string()
    }

    fn status(&self, system: &str) -> String {
        format!(
            r#"{{"channel":"status","type":"update","data":[{{"api_version":"v2","connection_id":{},"system":"{system}","version":"2.0.10"}}]}}"#,
            9_000_000_000_000_000 + self.conn
        )
    }
}

fn levels(out: &mut String, levels: &[Level]) {
    out.push('[');
    for (i, l) in levels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"price":{},"qty":{}}}"#,
            trimmed(l.price),
            trimmed(l.size)
        );
    }
    out.push(']');
}

impl Dialect for Kraken {
    fn venue(&self) -> VenueId {
        VenueId::Kraken
    }

    fn book_feed(&self) -> BookFeed {
        BookFeed {
            scheme: SeqScheme::None,
            checksum: Some(ChecksumKind::Kraken),
            deletes_out_of_view: false,
        }
    }

    fn greeting(&mut self) -> Vec<String> {
        vec![self.status("online")]
    }

    fn request(&mut self, text: &str, now: Millis) -> Vec<Action> {
        let Ok(req) = serde_json::from_str::<Value>(text) else {
            return vec![Action::Send(Self::answer(
                "",
                &Value::Null,
                now,
                json!({"success": false, "error": "Malformed request"}),
            ))];
        };
        let req_id = req.get("req_id").cloned().unwrap_or(Value::Null);
        let method = req["method"].as_str().unwrap_or_default();
        let params = &req["params"];
        match method {
            "ping" => vec![Action::Send(Self::answer("pong", &req_id, now, json!({})))],
            "subscribe" | "unsubscribe" => {
                let fail = |symbol: &str, error: &str| {
                    Action::Send(Self::answer(
                        method,
                        &req_id,
                        now,
                        json!({"success": false, "error": error, "symbol": symbol}),
                    ))
                };
                let channel = params["channel"].as_str().unwrap_or_default();
                let depth = params["depth"].as_u64().map_or(10, |d| d as usize);
                if channel == "book" && !DEPTHS.contains(&depth) {
                    return vec![fail("", "Subscription depth not supported")];
                }
                if !matches!(channel, "book" | "trade") {
                    return vec![fail("", &format!("Channel {channel} not supported"))];
                }
                let snapshot = params["snapshot"].as_bool().unwrap_or(true);
                let Some(symbols) = params["symbol"].as_array() else {
                    return vec![fail("", "Must specify a symbol")];
                };
                let mut actions = Vec::new();
                for symbol in symbols {
                    let symbol = symbol.as_str().unwrap_or_default();
                    let Some(book) = find(VenueId::Kraken, symbol) else {
                        actions.push(fail(
                            symbol,
                            &format!("Currency pair not supported {symbol}"),
                        ));
                        continue;
                    };
                    let mut result = json!({"channel": channel, "symbol": symbol});
                    if channel == "book" {
                        result["depth"] = json!(depth);
                    }
                    if method == "subscribe" {
                        result["snapshot"] = json!(snapshot);
                    }
                    actions.push(Action::Send(Self::answer(
                        method,
                        &req_id,
                        now,
                        json!({"success": true, "result": result}),
                    )));
                    let topic = if channel == "book" {
                        Topic::Book(book)
                    } else {
                        Topic::Trades(book)
                    };
                    actions.push(if method == "subscribe" {
                        Action::Subscribe {
                            topic,
                            depth: Some(depth),
                        }
                    } else {
                        Action::Unsubscribe(topic)
                    });
                    if channel == "trade" && method == "subscribe" && snapshot {
                        // Kraken replays recent trades; the simulator has none before now.
                        actions.push(Action::Send(
                            r#"{"channel":"trade","type":"snapshot","data":[]}"#.to_owned(),
                        ));
                    }
                }
                actions
            }
            other => vec![Action::Send(Self::answer(
                other,
                &req_id,
                now,
                json!({"success": false, "error": format!("Method {other} not supported")}),
            ))],
        }
    }

    fn book(&self, msg: &BookMsg) -> String {
        let mut out = String::with_capacity(128 + 40 * (msg.bids.len() + msg.asks.len()));
        let kind = if msg.snapshot { "snapshot" } else { "update" };
        let _ = write!(
            out,
            r#"{{"channel":"book","type":"{kind}","data":[{{"symbol":"{}","bids":"#,
            inst(msg.book).id
        );
        levels(&mut out, &msg.bids);
        out.push_str(r#","asks":"#);
        levels(&mut out, &msg.asks);
        let _ = write!(out, r#","checksum":{}"#, msg.checksum.unwrap_or(0));
        if !msg.snapshot {
            let _ = write!(out, r#","timestamp":"{}""#, rfc3339(msg.time));
        }
        out.push_str("}]}");
        out
    }

    fn trades(&self, book: BookId, fills: &[WireFill], _now: Millis) -> Vec<String> {
        let symbol = inst(book).id;
        let items: Vec<String> = fills
            .iter()
            .map(|f| {
                let side = match f.taker {
                    TakerSide::Buy => "buy",
                    TakerSide::Sell => "sell",
                };
                format!(
                    r#"{{"symbol":"{symbol}","side":"{side}","price":{},"qty":{},"ord_type":"market","trade_id":{},"timestamp":"{}"}}"#,
                    trimmed(f.price),
                    trimmed(f.qty),
                    f.id,
                    rfc3339(f.time)
                )
            })
            .collect();
        vec![format!(
            r#"{{"channel":"trade","type":"update","data":[{}]}}"#,
            items.join(",")
        )]
    }

    fn liquidations(&self, _book: BookId, _items: &[WireForced], _now: Millis) -> Vec<String> {
        Vec::new() // spot: no liquidations
    }

    fn derivs(&mut self, _topic: Topic, _d: &Derivs, _now: Millis, _first: bool) -> Option<String> {
        None
    }

    /// "Heartbeat channel arrives automatically ~1/s."
    fn heartbeat(&self) -> Option<(Duration, Beat)> {
        Some((
            Duration::from_secs(1),
            Beat::Text(r#"{"channel":"heartbeat"}"#.into()),
        ))
    }

    /// A system status change: the book may go quiet for a reason the venue states.
    fn venue_error(&self, _now: Millis) -> String {
        self.status("maintenance")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::Dec;

    #[test]
    fn subscriptions_are_answered_per_symbol_and_bad_ones_refused() {
        let mut k = Kraken::new(1);
        let actions = k.request(
            r#"{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD","BTC/USX"],"depth":25,"snapshot":true},"req_id":3}"#,
            0,
        );
        assert_eq!(actions.len(), 3);
        assert!(
            matches!(&actions[0], Action::Send(s) if s.contains(r#""success":true"#) && s.contains(r#""req_id":3"#))
        );
        assert!(matches!(
            actions[1],
            Action::Subscribe {
                depth: Some(25),
                ..
            }
        ));
        assert!(
            matches!(&actions[2], Action::Send(s) if s.contains("Currency pair not supported"))
        );
        let bad = k.request(
            r#"{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":7}}"#,
            0,
        );
        assert!(matches!(&bad[..], [Action::Send(s)] if s.contains("depth not supported")));
        assert!(matches!(&k.request("][", 0)[..], [Action::Send(s)] if s.contains("Malformed")));
    }

    #[test]
    fn numbers_go_out_shortest() {
        let mut out = String::new();
        let l = Level::new(
            Dec::parse("97000.0").unwrap(),
            Dec::parse("0.10000000").unwrap(),
        );
        levels(&mut out, &[l]);
        assert_eq!(out, r#"[{"price":97000,"qty":0.1}]"#);
    }
}
