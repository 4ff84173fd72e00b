//! Coinbase Advanced Trade (`docs/venues.md` "Coinbase Advanced Trade"): one channel per
//! request, `l2_data` whole-book snapshots then absolute updates, `market_trades` reporting the
//! **maker's** side, and every envelope numbered by one count per connection (`sequence_num`).
//!
//! The number is given when a frame is rendered, and every frame is sent in the order it was
//! rendered, so the count on the wire is contiguous. That is also why two things real Coinbase
//! sends are left out: subscription acknowledgements (rendered when the request is read, a slow
//! one would reach the client after frames numbered later) and heartbeats (the session's beats
//! are fixed frames, and each Coinbase envelope carries the next number). Books move every step,
//! so the client's silence watchdog is fed without them. The simulator's book faults work on
//! each subscription's own numbers, which Coinbase does not have: the sequence faults are not
//! injected here (see [`crate::sim::faults::FaultKind::unsupported`]).

use super::{Action, BookFeed, BookMsg, Derivs, Dialect, SeqScheme, Topic, inst, quoted, rfc3339};
use crate::book::Level;
use crate::market::{Millis, TakerSide, VenueId};
use crate::sim::catalog::{BookId, find};
use crate::sim::market::{WireFill, WireForced};
use serde::Deserialize;
use std::cell::Cell;
use std::fmt::Write;

#[derive(Debug)]
pub struct Coinbase {
    /// The next envelope's `sequence_num` on this connection.
    next: Cell<u64>,
}

impl Coinbase {
    /// A connection's dialect; every connection counts from 0, as the real recording does.
    pub fn new(_conn: u64) -> Self {
        Coinbase { next: Cell::new(0) }
    }

    /// `{"channel","timestamp","sequence_num","events":[event]}` with the connection's next
    /// number.
    fn envelope(&self, channel: &str, now: Millis, event: &str) -> String {
        let n = self.next.get();
        self.next.set(n + 1);
        format!(
            r#"{{"channel":"{channel}","timestamp":"{}","sequence_num":{n},"events":[{event}]}}"#,
            rfc3339(now)
        )
    }

    fn error(message: &str) -> String {
        format!(r#"{{"type":"error","message":{}}}"#, quoted(message))
    }
}

#[derive(Deserialize)]
struct Request {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    product_ids: Vec<String>,
    channel: String,
}

impl Dialect for Coinbase {
    fn venue(&self) -> VenueId {
        VenueId::Coinbase
    }

    /// Whole-book snapshots then every change: the full diff stream, ids unused on the wire.
    fn book_feed(&self) -> BookFeed {
        BookFeed {
            scheme: SeqScheme::Counter,
            checksum: None,
            deletes_out_of_view: true,
        }
    }

    fn request(&mut self, text: &str, _now: Millis) -> Vec<Action> {
        let req: Request = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(_) => return vec![Action::Send(Self::error("malformed request"))],
        };
        let subscribe = match req.kind.as_str() {
            "subscribe" => true,
            "unsubscribe" => false,
            other => return vec![Action::Send(Self::error(&format!("unknown type {other}")))],
        };
        let topic: fn(BookId) -> Option<Topic> = match req.channel.as_str() {
            "level2" => |b| Some(Topic::Book(b)),
            "market_trades" => |b| Some(Topic::Trades(b)),
            // Accepted; the simulator publishes neither (see the module docs).
            "ticker" | "heartbeats" => |_| None,
            other => {
                return vec![Action::Send(Self::error(&format!(
                    "unknown channel {other}"
                )))];
            }
        };
        let mut books = Vec::new();
        for id in &req.product_ids {
            match find(VenueId::Coinbase, id) {
                Some(b) => books.push(b),
                None => {
                    return vec![Action::Send(Self::error(&format!(
                        "failure to subscribe: invalid product_id {id}"
                    )))];
                }
            }
        }
        books
            .into_iter()
            .filter_map(topic)
            .map(|topic| {
                if subscribe {
                    Action::Subscribe { topic, depth: None }
                } else {
                    Action::Unsubscribe(topic)
                }
            })
            .collect()
    }

    fn book(&self, msg: &BookMsg) -> String {
        let id = inst(msg.book).id;
        let at = rfc3339(msg.time);
        let mut event = String::with_capacity(96 + 110 * (msg.bids.len() + msg.asks.len()));
        let kind = if msg.snapshot { "snapshot" } else { "update" };
        let _ = write!(
            event,
            r#"{{"type":"{kind}","product_id":"{id}","updates":["#
        );
        let sides = [("bid", &msg.bids), ("offer", &msg.asks)];
        let levels = sides
            .iter()
            .flat_map(|(side, levels)| levels.iter().map(move |l: &Level| (side, l)));
        for (i, (side, l)) in levels.enumerate() {
            if i > 0 {
                event.push(',');
            }
            let _ = write!(
                event,
                r#"{{"side":"{side}","event_time":"{at}","price_level":"{}","new_quantity":"{}"}}"#,
                l.price, l.size
            );
        }
        event.push_str("]}");
        self.envelope("l2_data", msg.time, &event)
    }

    /// One envelope per step; `side` is the maker's, the opposite of the taker's.
    fn trades(&self, book: BookId, fills: &[WireFill], now: Millis) -> Vec<String> {
        let id = inst(book).id;
        let items: Vec<String> = fills
            .iter()
            .map(|f| {
                let maker = match f.taker {
                    TakerSide::Buy => "SELL",
                    TakerSide::Sell => "BUY",
                };
                format!(
                    r#"{{"product_id":"{id}","trade_id":"{}","price":"{}","size":"{}","time":"{}","side":"{maker}"}}"#,
                    f.id,
                    f.price,
                    f.qty,
                    rfc3339(f.time)
                )
            })
            .collect();
        let event = format!(r#"{{"type":"update","trades":[{}]}}"#, items.join(","));
        vec![self.envelope("market_trades", now, &event)]
    }

    /// Spot: no liquidations.
    fn liquidations(&self, _: BookId, _: &[WireForced], _: Millis) -> Vec<String> {
        Vec::new()
    }

    /// Spot: no derivatives values.
    fn derivs(&mut self, _: Topic, _: &Derivs, _: Millis, _: bool) -> Option<String> {
        None
    }

    fn venue_error(&self, _now: Millis) -> String {
        Self::error("rate limit exceeded")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::Dec;

    fn level(p: &str, s: &str) -> Level {
        Level::new(Dec::parse(p).unwrap(), Dec::parse(s).unwrap())
    }

    /// What the dialect writes reads back through the adapter's parser, numbered one by one
    /// across channels, with the taker on the other side of the maker's.
    #[test]
    fn frames_read_back_through_the_adapter_counted_across_channels() {
        use crate::feed::protocol::Parsed;
        use crate::integrity::SeqVerdict;
        use crate::venue::coinbase::{parse, sync::ConnectionCount};
        let mut d = Coinbase::new(1);
        let btc = find(VenueId::Coinbase, "BTC-USD").unwrap();
        let actions = d.request(
            r#"{"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"}"#,
            0,
        );
        assert_eq!(
            actions,
            [Action::Subscribe {
                topic: Topic::Book(btc),
                depth: None
            }]
        );
        assert!(
            d.request(r#"{"type":"subscribe","channel":"heartbeats"}"#, 0)
                .is_empty()
        );
        let refused = d.request(
            r#"{"type":"subscribe","product_ids":["NOPE-USD"],"channel":"level2"}"#,
            0,
        );
        assert!(matches!(&refused[..], [Action::Send(e)] if e.contains("NOPE-USD")));

        let msg = BookMsg {
            book: btc,
            depth: None,
            snapshot: true,
            bids: vec![level("97250.01", "0.5")],
            asks: vec![level("97250.02", "0.25")],
            first: 1,
            last: 1,
            prev: None,
            checksum: None,
            time: 1_700_000_000_123,
            head: 1,
        };
        let fill = WireFill {
            id: 7,
            price: Dec::parse("97250.02").unwrap(),
            qty: Dec::parse("0.01").unwrap(),
            taker: TakerSide::Buy,
            time: 1_700_000_000_124,
        };
        let frames = [
            d.book(&msg),
            d.trades(btc, &[fill], 1_700_000_000_125).remove(0),
        ];
        let mut count = ConnectionCount::default();
        let mut levels = Vec::new();
        let Ok(Parsed::Book(book)) = parse::parse(&frames[0], &mut count, &mut levels) else {
            panic!("{}", frames[0]);
        };
        assert_eq!(
            (book.snapshot, book.seq.verdict),
            (Some(None), SeqVerdict::Apply)
        );
        assert_eq!(levels.len(), 2);
        let Ok(Parsed::Trades(trades)) = parse::parse(&frames[1], &mut count, &mut levels) else {
            panic!("{}", frames[1]);
        };
        assert_eq!(trades[0].taker, Some(TakerSide::Buy));
        assert!(frames[1].contains(r#""side":"SELL""#), "the maker sold");
        assert_eq!(count.check(2).verdict, SeqVerdict::Apply, "0, 1, then 2");
    }
}
