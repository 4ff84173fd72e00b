//! OKX v5 public (`docs/venues.md` "OKX v5"): `op` requests with `{channel, instId}` args, one
//! acknowledgement per arg, `books` snapshots then updates chained by `prevSeqId`/`seqId`,
//! `trades`, `liquidation-orders` per instrument type, `funding-rate`, `mark-price`,
//! `open-interest`, and the text `ping`/`pong`.
//!
//! The book checksum is `0`, as OKX has sent since 2026-06-23; with real checksums on, it is the
//! documented CRC over 25 interleaved levels of the exact strings sent (OKX drops trailing zeros,
//! so `"97000"`, not `"97000.0"`).

use super::{
    Action, BookFeed, BookMsg, Cadence, Derivs, Dialect, SeqScheme, Topic, inst, level_arrays,
    price_text,
};
use crate::book::checksum::to_signed;
use crate::feed::sync::ChecksumKind;
use crate::instrument::MarketKind;
use crate::market::{LiquidatedPosition, Millis, TakerSide, VenueId};
use crate::sim::catalog::{BookId, books_of, find};
use crate::sim::market::{WireFill, WireForced};
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt::Write;
use std::time::Duration;

/// The `books` channel's depth.
const BOOK_DEPTH: usize = 400;

#[derive(Debug)]
pub struct Okx {
    conn_id: String,
    real_checksums: bool,
}

impl Okx {
    pub fn new(conn: u64, real_checksums: bool) -> Self {
        Okx {
            conn_id: format!("{conn:08x}"),
            real_checksums,
        }
    }

    fn error(&self, id: &Value, code: &str, msg: &str) -> String {
        let mut v = json!({"event": "error", "code": code, "msg": msg, "connId": self.conn_id});
        if !id.is_null() {
            v["id"] = id.clone();
        }
        v.to_string()
    }

    /// The topics one arg names, or OKX's refusal.
    fn topics(&self, arg: &Value) -> Result<Vec<(Topic, Option<usize>)>, String> {
        let channel = arg["channel"].as_str().unwrap_or_default();
        if channel == "liquidation-orders" {
            let kind = match arg["instType"].as_str() {
                Some("SWAP") => MarketKind::Perpetual,
                Some("SPOT" | "FUTURES" | "OPTION" | "MARGIN") => return Ok(Vec::new()),
                other => return Err(format!("Illegal request: instType:{}", other.unwrap_or(""))),
            };
            return Ok(books_of(VenueId::Okx)
                .filter(|b| inst(*b).kind == kind)
                .map(|b| (Topic::Liquidations(b), None))
                .collect());
        }
        let id = arg["instId"].as_str().unwrap_or_default();
        let missing = || {
            format!(
                "Wrong URL or channel:{channel},instId:{id} doesn't exist. Please use the correct \
                 URL, channel and parameters referring to API document."
            )
        };
        let book = find(VenueId::Okx, id).ok_or_else(missing)?;
        let perp = inst(book).is_perpetual();
        let topic = match channel {
            "books" => (Topic::Book(book), Some(BOOK_DEPTH)),
            "trades" => (Topic::Trades(book), None),
            "funding-rate" if perp => (Topic::Funding(book), None),
            "mark-price" if perp => (Topic::Mark(book), None),
            "open-interest" if perp => (Topic::OpenInterest(book), None),
            _ => return Err(missing()),
        };
        Ok(vec![topic])
    }

    fn push(channel: &str, key: &str, id: &str, data: &str) -> String {
        format!(r#"{{"arg":{{"channel":"{channel}","{key}":"{id}"}},"data":{data}}}"#)
    }
}

#[derive(Deserialize)]
struct Request {
    #[serde(default)]
    id: Value,
    op: String,
    #[serde(default)]
    args: Vec<Value>,
}

impl Dialect for Okx {
    fn venue(&self) -> VenueId {
        VenueId::Okx
    }

    fn book_feed(&self) -> BookFeed {
        BookFeed {
            scheme: SeqScheme::Linked,
            checksum: self.real_checksums.then_some(ChecksumKind::Interleaved25),
            deletes_out_of_view: true,
        }
    }

    fn request(&mut self, text: &str, _now: Millis) -> Vec<Action> {
        if text == "ping" {
            return vec![Action::Send("pong".into())];
        }
        let req: Request = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(_) => {
                return vec![Action::Send(self.error(
                    &Value::Null,
                    "60012",
                    &format!("Invalid request: {text}"),
                ))];
            }
        };
        let subscribe = match req.op.as_str() {
            "subscribe" => true,
            "unsubscribe" => false,
            _ => {
                return vec![Action::Send(self.error(
                    &req.id,
                    "60012",
                    &format!("Invalid request: {text}"),
                ))];
            }
        };
        let mut actions = Vec::new();
        for arg in &req.args {
            match self.topics(arg) {
                Ok(topics) => {
                    let mut ack = json!({"event": req.op, "arg": arg, "connId": self.conn_id});
                    if !req.id.is_null() {
                        ack["id"] = req.id.clone();
                    }
                    actions.push(Action::Send(ack.to_string()));
                    actions.extend(topics.into_iter().map(|(topic, depth)| {
                        if subscribe {
                            Action::Subscribe { topic, depth }
                        } else {
                            Action::Unsubscribe(topic)
                        }
                    }));
                }
                Err(msg) => actions.push(Action::Send(self.error(&req.id, "60018", &msg))),
            }
        }
        actions
    }

    fn book(&self, msg: &BookMsg) -> String {
        let mut out = String::with_capacity(128 + 40 * (msg.bids.len() + msg.asks.len()));
        let action = if msg.snapshot { "snapshot" } else { "update" };
        let _ = write!(
            out,
            r#"{{"arg":{{"channel":"books","instId":"{}"}},"action":"{action}","data":[{{"asks":"#,
            inst(msg.book).id
        );
        level_arrays(&mut out, &msg.asks, true);
        out.push_str(r#","bids":"#);
        level_arrays(&mut out, &msg.bids, true);
        let prev = msg.prev.map_or(-1, |p| p as i64);
        let _ = write!(
            out,
            r#","ts":"{}","checksum":{},"prevSeqId":{prev},"seqId":{}}}]}}"#,
            msg.time,
            msg.checksum.map_or(0, to_signed),
            msg.last
        );
        out
    }

    fn trades(&self, book: BookId, fills: &[WireFill], _now: Millis) -> Vec<String> {
        let id = inst(book).id;
        fills
            .iter()
            .map(|f| {
                let side = match f.taker {
                    TakerSide::Buy => "buy",
                    TakerSide::Sell => "sell",
                };
                let data = format!(
                    r#"[{{"instId":"{id}","tradeId":"{}","px":"{}","sz":"{}","side":"{side}","ts":"{}","count":"1","source":"0","seqId":{}}}]"#,
                    f.id, f.price, f.qty, f.time, f.id
                );
                Self::push("trades", "instId", id, &data)
            })
            .collect()
    }

    fn liquidations(&self, book: BookId, items: &[WireForced], _now: Millis) -> Vec<String> {
        let id = inst(book).id;
        let family = id.trim_end_matches("-SWAP");
        let details: Vec<String> = items
            .iter()
            .map(|l| {
                let (pos, side) = match l.position {
                    LiquidatedPosition::Long => ("long", "sell"),
                    LiquidatedPosition::Short => ("short", "buy"),
                };
                format!(
                    r#"{{"bkLoss":"0","bkPx":"{}","ccy":"","posSide":"{pos}","side":"{side}","sz":"{}","ts":"{}"}}"#,
                    l.price, l.qty, l.time
                )
            })
            .collect();
        let data = format!(
            r#"[{{"details":[{}],"instFamily":"{family}","instId":"{id}","instType":"SWAP","uly":"{family}"}}]"#,
            details.join(",")
        );
        vec![Self::push("liquidation-orders", "instType", "SWAP", &data)]
    }

    fn derivs(&mut self, topic: Topic, d: &Derivs, now: Millis, _first: bool) -> Option<String> {
        let s = &d.state;
        let (channel, book, data) = match topic {
            Topic::Mark(b) => (
                "mark-price",
                b,
                format!(
                    r#"{{"instType":"SWAP","instId":"{}","markPx":"{}","ts":"{now}"}}"#,
                    inst(b).id,
                    price_text(b, s.mark)
                ),
            ),
            Topic::Funding(b) => (
                "funding-rate",
                b,
                format!(
                    r#"{{"fundingRate":"{:.10}","fundingTime":"{}","instId":"{}","instType":"SWAP","method":"current_period","maxFundingRate":"0.0075","minFundingRate":"-0.0075","nextFundingRate":"","nextFundingTime":"{}","premium":"{:.10}","settFundingRate":"{:.10}","settState":"settled","ts":"{now}"}}"#,
                    s.funding_rate,
                    d.next_funding,
                    inst(b).id,
                    d.next_funding + 8 * 3_600_000,
                    s.mark / s.index - 1.0,
                    s.funding_rate
                ),
            ),
            Topic::OpenInterest(b) => {
                let contracts = s.open_interest / inst(b).contract_value;
                (
                    "open-interest",
                    b,
                    format!(
                        r#"{{"instId":"{}","instType":"SWAP","oi":"{contracts:.2}","oiCcy":"{:.4}","oiUsd":"{:.2}","ts":"{now}"}}"#,
                        inst(b).id,
                        s.open_interest,
                        s.open_interest * s.mark
                    ),
                )
            }
            _ => return None,
        };
        Some(Self::push(
            channel,
            "instId",
            inst(book).id,
            &format!("[{data}]"),
        ))
    }

    fn cadence(&self, topic: Topic) -> Cadence {
        match topic {
            Topic::Mark(_) => Cadence::Every(Duration::from_millis(200)),
            // "pushed every 30 to 90 seconds"
            Topic::Funding(_) => Cadence::Every(Duration::from_secs(30)),
            Topic::OpenInterest(_) => Cadence::Every(Duration::from_secs(3)),
            _ => Cadence::EveryStep,
        }
    }

    fn venue_error(&self, _now: Millis) -> String {
        self.error(&Value::Null, "50011", "Too Many Requests")
    }

    /// The notice OKX sends about 60 s before a service upgrade closes the connection.
    fn shutdown_notice(&self, _now: Millis) -> Option<String> {
        Some(
            json!({
                "event": "notice",
                "code": "64008",
                "msg": "The connection will soon be closed for a service upgrade. Please reconnect.",
                "connId": self.conn_id,
            })
            .to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_arg_is_acknowledged_or_refused_on_its_own() {
        let mut okx = Okx::new(1, false);
        let actions = okx.request(
            r#"{"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},{"channel":"funding-rate","instId":"BTC-USDT"},{"channel":"liquidation-orders","instType":"SWAP"}]}"#,
            0,
        );
        let sends: Vec<&String> = actions
            .iter()
            .filter_map(|a| match a {
                Action::Send(s) => Some(s),
                _ => None,
            })
            .collect();
        assert_eq!(sends.len(), 3);
        assert!(sends[0].contains(r#""event":"subscribe""#));
        assert!(sends[1].contains("60018"), "funding on spot: {}", sends[1]);
        let subs = actions
            .iter()
            .filter(|a| matches!(a, Action::Subscribe { .. }))
            .count();
        assert_eq!(subs, 1 + 3, "the book and every swap's liquidations");
        assert_eq!(okx.request("ping", 0), [Action::Send("pong".into())]);
        assert!(matches!(&okx.request("{", 0)[..], [Action::Send(s)] if s.contains("60012")));
    }
}
