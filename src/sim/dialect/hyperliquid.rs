//! Hyperliquid (`docs/venues.md` "Hyperliquid"): one `subscribe` per frame answered by a
//! `subscriptionResponse`, `l2Book` pushes that are each the whole book (20 levels a side,
//! `{"px","sz","n"}`, stamped with `time`), `trades` whose `side` is the taker's (`B`/`A`) and
//! which start with a batch of trades from before the subscription, `activeAssetCtx` about
//! every second (hourly funding, mark, oracle price, open interest in coins), and
//! `{"method":"ping"}` answered `{"channel":"pong"}`.
//!
//! Hyperliquid closes the socket on an unknown coin; the simulator answers with an `error`
//! frame instead (a dialect can only send), which the adapter counts: it subscribes only coins
//! of the `meta` universe, so neither should happen.

use super::{Action, BookFeed, BookMsg, Derivs, Dialect, SeqScheme, Topic, inst, price_text};
use crate::book::Level;
use crate::market::{Millis, TakerSide, VenueId};
use crate::sim::catalog::{BookId, find};
use crate::sim::market::{WireFill, WireForced};
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt::Write;
use std::time::Duration;

/// Levels a side in each `l2Book` push.
const DEPTH: usize = 20;

/// How often `activeAssetCtx` is pushed.
const CTX_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Hyperliquid {
    /// Numbers the trade hashes of this connection apart from another's.
    conn: u64,
}

impl Hyperliquid {
    pub fn new(conn: u64) -> Self {
        Hyperliquid { conn }
    }

    fn error(text: &str) -> String {
        json!({"channel": "error", "data": text}).to_string()
    }

    fn trade(
        &self,
        coin: &str,
        side: TakerSide,
        px: &str,
        sz: &str,
        time: Millis,
        tid: u64,
    ) -> String {
        let side = match side {
            TakerSide::Buy => "B",
            TakerSide::Sell => "A",
        };
        format!(
            r#"{{"coin":"{coin}","side":"{side}","px":"{px}","sz":"{sz}","time":{time},"hash":"0x{:016x}{tid:016x}","tid":{tid},"users":["0x1","0x2"]}}"#,
            self.conn
        )
    }
}

#[derive(Deserialize)]
struct Request {
    method: String,
    #[serde(default)]
    subscription: Option<Value>,
}

fn levels(out: &mut String, levels: &[Level]) {
    out.push('[');
    for (i, l) in levels.iter().take(DEPTH).enumerate() {
        if i > 0 {
            out.push(',');
        }
        let orders = 1 + l.size.mantissa().unsigned_abs() % 9;
        let _ = write!(
            out,
            r#"{{"px":"{}","sz":"{}","n":{orders}}}"#,
            l.price, l.size
        );
    }
    out.push(']');
}

impl Dialect for Hyperliquid {
    fn venue(&self) -> VenueId {
        VenueId::Hyperliquid
    }

    fn book_feed(&self) -> BookFeed {
        BookFeed {
            scheme: SeqScheme::Snapshots,
            checksum: None,
            deletes_out_of_view: true,
        }
    }

    fn greeting(&mut self) -> Vec<String> {
        vec![crate::venue::hyperliquid::parse::GREETING.to_owned()]
    }

    fn request(&mut self, text: &str, now: Millis) -> Vec<Action> {
        let parse_error = || {
            vec![Action::Send(Self::error(&format!(
                "Error parsing JSON into valid websocket request: {text}"
            )))]
        };
        let Ok(req) = serde_json::from_str::<Request>(text) else {
            return parse_error();
        };
        let method = req.method.as_str();
        if method == "ping" {
            return vec![Action::Send(json!({"channel": "pong"}).to_string())];
        }
        let (Some(sub), "subscribe" | "unsubscribe") = (req.subscription, method) else {
            return parse_error();
        };
        let kind = sub["type"].as_str().unwrap_or_default();
        let coin = sub["coin"].as_str().unwrap_or_default();
        let Some(book) = find(VenueId::Hyperliquid, coin) else {
            return vec![Action::Send(Self::error(&format!("Unknown coin: {sub}")))];
        };
        let topic = match kind {
            "l2Book" => Topic::Book(book),
            "trades" => Topic::Trades(book),
            "activeAssetCtx" => Topic::Ticker(book),
            _ => return parse_error(),
        };
        let ack = json!({"channel": "subscriptionResponse", "data": {"method": method, "subscription": sub}});
        let mut actions = vec![Action::Send(ack.to_string())];
        if method == "unsubscribe" {
            actions.push(Action::Unsubscribe(topic));
            return actions;
        }
        actions.push(Action::Subscribe {
            topic,
            depth: (kind == "l2Book").then_some(DEPTH),
        });
        if kind == "trades" {
            // The batch of recent trades a subscription starts with: history to the client.
            let i = inst(book);
            let px = price_text(book, i.symbol().price);
            let trade = self.trade(
                coin,
                TakerSide::Buy,
                &px,
                &i.size(1).to_string(),
                now - 1_000,
                0,
            );
            actions.push(Action::Send(format!(
                r#"{{"channel":"trades","data":[{trade}]}}"#
            )));
        }
        actions
    }

    fn book(&self, msg: &BookMsg) -> String {
        let coin = inst(msg.book).id;
        let mut out = String::with_capacity(96 + 40 * (msg.bids.len() + msg.asks.len()));
        let _ = write!(
            out,
            r#"{{"channel":"l2Book","data":{{"coin":"{coin}","time":{},"levels":["#,
            msg.time
        );
        levels(&mut out, &msg.bids);
        out.push(',');
        levels(&mut out, &msg.asks);
        out.push_str("]}}");
        out
    }

    fn trades(&self, book: BookId, fills: &[WireFill], _now: Millis) -> Vec<String> {
        let coin = inst(book).id;
        let items: Vec<String> = fills
            .iter()
            .map(|f| {
                let (px, sz) = (f.price.to_string(), f.qty.to_string());
                self.trade(coin, f.taker, &px, &sz, f.time, f.id + 1)
            })
            .collect();
        vec![format!(
            r#"{{"channel":"trades","data":[{}]}}"#,
            items.join(",")
        )]
    }

    /// Hyperliquid publishes no liquidations.
    fn liquidations(&self, _: BookId, _: &[WireForced], _: Millis) -> Vec<String> {
        Vec::new()
    }

    fn derivs(&mut self, topic: Topic, d: &Derivs, _now: Millis, _first: bool) -> Option<String> {
        let Topic::Ticker(book) = topic else {
            return None;
        };
        let s = &d.state;
        let ctx = json!({
            // The model's rate is per 8 h; Hyperliquid's is per hour.
            "funding": format!("{:.10}", s.funding_rate / 8.0),
            "openInterest": format!("{:.5}", s.open_interest),
            "markPx": price_text(book, s.mark),
            "oraclePx": price_text(book, s.index),
            "midPx": price_text(book, s.mark),
            "premium": format!("{:.10}", (s.mark - s.index) / s.index),
        });
        Some(
            json!({"channel": "activeAssetCtx", "data": {"coin": inst(book).id, "ctx": ctx}})
                .to_string(),
        )
    }

    fn cadence(&self, topic: Topic) -> super::Cadence {
        match topic {
            Topic::Ticker(_) => super::Cadence::Every(CTX_EVERY),
            _ => super::Cadence::EveryStep,
        }
    }

    fn venue_error(&self, _now: Millis) -> String {
        Self::error("Too many messages sent: rate limited")
    }
}
