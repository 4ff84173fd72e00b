//! Binance spot and USDⓈ-M (`docs/venues.md` "Binance"): `SUBSCRIBE` requests on raw `/ws`
//! sockets, `depthUpdate` diffs with global `U`/`u` (and `pu` on USDⓈ-M) joined by clients to
//! REST snapshots, `trade`/`aggTrade`, `markPriceUpdate`, `forceOrder` at most once a second per
//! symbol, and server pings.
//!
//! USDⓈ-M serves depth only on `/public` and everything else only on `/market`, as since the
//! 2026 split: a stream asked of the wrong route is acknowledged and then sends nothing, which
//! is what Binance does.

use super::{
    Action, Beat, BookFeed, BookMsg, Cadence, Derivs, Dialect, SeqScheme, Topic, inst,
    level_arrays, price_text,
};
use crate::market::{LiquidatedPosition, Millis, TakerSide, VenueId};
use crate::sim::catalog::{BookId, find};
use crate::sim::market::{WireFill, WireForced};
use serde::Deserialize;
use serde_json::Value;
use std::fmt::Write;
use std::time::Duration;

/// Which socket a connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Spot,
    UsdmPublic,
    UsdmMarket,
}

impl Route {
    fn venue(self) -> VenueId {
        match self {
            Route::Spot => VenueId::Binance,
            Route::UsdmPublic | Route::UsdmMarket => VenueId::BinanceUsdm,
        }
    }
}

/// What a stream name asks for on this route: a topic, a known stream that is not simulated
/// (acknowledged, silent), or nothing Binance knows.
enum Stream {
    Topic(Topic, Option<usize>),
    Silent,
    Unknown,
}

#[derive(Debug)]
pub struct Binance {
    route: Route,
}

impl Binance {
    pub fn new(route: Route) -> Self {
        Binance { route }
    }

    fn stream(&self, name: &str) -> Stream {
        let Some((symbol, kind)) = name.split_once('@') else {
            return Stream::Unknown;
        };
        let venue = self.route.venue();
        let book = if symbol
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            find(venue, &symbol.to_ascii_uppercase())
        } else {
            None
        };
        let (public, market) = match self.route {
            Route::Spot => (true, true),
            Route::UsdmPublic => (true, false),
            Route::UsdmMarket => (false, true),
        };
        let spot = self.route == Route::Spot;
        let topic = match kind {
            "depth" | "depth@100ms" | "depth@250ms" | "depth@500ms" if public => {
                book.map(|b| (Topic::Book(b), None))
            }
            "trade" if spot => book.map(|b| (Topic::Trades(b), None)),
            "aggTrade" if market => book.map(|b| (Topic::Trades(b), None)),
            "markPrice" | "markPrice@1s" if market && !spot => book.map(|b| (Topic::Mark(b), None)),
            "forceOrder" if market && !spot => book.map(|b| (Topic::Liquidations(b), None)),
            "depth" | "depth@100ms" | "depth@250ms" | "depth@500ms" | "trade" | "aggTrade"
            | "markPrice" | "markPrice@1s" | "forceOrder" | "bookTicker" | "depth5" | "depth10"
            | "depth20" | "ticker" | "miniTicker" | "kline_1m" => return Stream::Silent,
            _ => return Stream::Unknown,
        };
        match topic {
            Some((t, depth)) => Stream::Topic(t, depth),
            // A well-formed name for a symbol that does not exist: acknowledged, silent.
            None => Stream::Silent,
        }
    }

    fn symbol(book: BookId) -> &'static str {
        inst(book).id
    }
}

#[derive(Deserialize)]
struct Request {
    method: String,
    #[serde(default)]
    params: Vec<Value>,
    #[serde(default)]
    id: Value,
}

fn error(code: i64, msg: &str, id: &Value) -> String {
    serde_json::json!({"error": {"code": code, "msg": msg}, "id": id}).to_string()
}

impl Dialect for Binance {
    fn venue(&self) -> VenueId {
        self.route.venue()
    }

    fn book_feed(&self) -> BookFeed {
        BookFeed {
            scheme: match self.route {
                Route::Spot => SeqScheme::Range,
                _ => SeqScheme::RangeLinked,
            },
            checksum: None,
            deletes_out_of_view: true,
        }
    }

    fn request(&mut self, text: &str, _now: Millis) -> Vec<Action> {
        let req: Request = match serde_json::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                return vec![Action::Send(error(
                    3,
                    &format!("Invalid JSON: {e}"),
                    &Value::Null,
                ))];
            }
        };
        let id = &req.id;
        let subscribe = match req.method.as_str() {
            "SUBSCRIBE" => true,
            "UNSUBSCRIBE" => false,
            "LIST_SUBSCRIPTIONS" => {
                return vec![Action::Send(
                    serde_json::json!({"result": [], "id": id}).to_string(),
                )];
            }
            "SET_PROPERTY" | "GET_PROPERTY" => {
                return vec![Action::Send(
                    serde_json::json!({"result": null, "id": id}).to_string(),
                )];
            }
            other => {
                return vec![Action::Send(error(
                    2,
                    &format!(
                        "Invalid request: unknown variant `{other}`, expected one of `SUBSCRIBE`, \
                         `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`"
                    ),
                    id,
                ))];
            }
        };
        let mut actions = Vec::new();
        for param in &req.params {
            let Some(name) = param.as_str() else {
                return vec![Action::Send(error(
                    1,
                    "Invalid value type: expected String",
                    id,
                ))];
            };
            match self.stream(name) {
                Stream::Topic(topic, depth) if subscribe => {
                    actions.push(Action::Subscribe { topic, depth });
                }
                Stream::Topic(topic, _) => actions.push(Action::Unsubscribe(topic)),
                Stream::Silent => {}
                Stream::Unknown => {
                    return vec![Action::Send(error(
                        2,
                        &format!("Invalid request: invalid stream name {name:?}"),
                        id,
                    ))];
                }
            }
        }
        // The answer precedes the streams it starts.
        actions.insert(
            0,
            Action::Send(serde_json::json!({"result": null, "id": id}).to_string()),
        );
        actions
    }

    fn book(&self, msg: &BookMsg) -> String {
        let mut out = String::with_capacity(64 + 40 * (msg.bids.len() + msg.asks.len()));
        let _ = write!(out, r#"{{"e":"depthUpdate","E":{},"#, msg.time);
        if self.route != Route::Spot {
            let _ = write!(out, r#""T":{},"#, msg.time - 1);
        }
        let _ = write!(
            out,
            r#""s":"{}","U":{},"u":{},"#,
            Self::symbol(msg.book),
            msg.first,
            msg.last
        );
        if self.route != Route::Spot {
            let _ = write!(out, r#""pu":{},"#, msg.prev.unwrap_or(0));
        }
        out.push_str(r#""b":"#);
        level_arrays(&mut out, &msg.bids, false);
        out.push_str(r#","a":"#);
        level_arrays(&mut out, &msg.asks, false);
        out.push('}');
        out
    }

    fn trades(&self, book: BookId, fills: &[WireFill], now: Millis) -> Vec<String> {
        let symbol = Self::symbol(book);
        fills
            .iter()
            .map(|f| {
                // "m": is the buyer the maker, i.e. did the taker sell.
                let m = f.taker == TakerSide::Sell;
                if self.route == Route::Spot {
                    format!(
                        r#"{{"e":"trade","E":{now},"s":"{symbol}","t":{},"p":"{}","q":"{}","T":{},"m":{m},"M":true}}"#,
                        f.id, f.price, f.qty, f.time
                    )
                } else {
                    format!(
                        r#"{{"e":"aggTrade","E":{now},"s":"{symbol}","a":{},"p":"{}","q":"{}","f":{},"l":{},"T":{},"m":{m}}}"#,
                        f.id, f.price, f.qty, f.id, f.id, f.time
                    )
                }
            })
            .collect()
    }

    /// `forceOrder` is a snapshot stream: the session hands over only the latest liquidation of
    /// each second ([`Cadence::Latest`]).
    fn liquidations(&self, book: BookId, items: &[WireForced], now: Millis) -> Vec<String> {
        let symbol = Self::symbol(book);
        items
            .iter()
            .map(|l| {
                let side = match l.position {
                    LiquidatedPosition::Long => "SELL",
                    LiquidatedPosition::Short => "BUY",
                };
                format!(
                    r#"{{"e":"forceOrder","E":{now},"o":{{"s":"{symbol}","S":"{side}","o":"LIMIT","f":"IOC","q":"{q}","p":"{p}","ap":"{p}","X":"FILLED","l":"{q}","z":"{q}","T":{t}}}}}"#,
                    q = l.qty,
                    p = l.price,
                    t = l.time
                )
            })
            .collect()
    }

    fn derivs(&mut self, topic: Topic, d: &Derivs, now: Millis, _first: bool) -> Option<String> {
        let Topic::Mark(book) = topic else {
            return None;
        };
        let s = &d.state;
        Some(format!(
            r#"{{"e":"markPriceUpdate","E":{now},"s":"{}","p":"{}","ap":"{}","i":"{}","P":"{}","r":"{:.8}","T":{}}}"#,
            Self::symbol(book),
            price_text(book, s.mark),
            price_text(book, s.mark),
            price_text(book, s.index),
            price_text(book, s.mark),
            s.funding_rate,
            d.next_funding
        ))
    }

    fn cadence(&self, topic: Topic) -> Cadence {
        match topic {
            Topic::Mark(_) => Cadence::Every(Duration::from_secs(1)),
            Topic::Liquidations(_) => Cadence::Latest(Duration::from_secs(1)),
            _ => Cadence::EveryStep,
        }
    }

    /// "The server sends a ping frame every 20 s" (spot), every 3 min (USDⓈ-M).
    fn heartbeat(&self) -> Option<(Duration, Beat)> {
        let every = match self.route {
            Route::Spot => Duration::from_secs(20),
            _ => Duration::from_secs(180),
        };
        Some((every, Beat::Ping))
    }

    fn venue_error(&self, _now: Millis) -> String {
        error(
            -1003,
            "Too many requests; current limit is 5 requests per second.",
            &Value::Null,
        )
    }

    /// `web-socket-streams.md`: "A serverShutdown event will be sent when the server is about
    /// to shutdown, resulting in disconnection."
    fn shutdown_notice(&self, now: Millis) -> Option<String> {
        Some(format!(r#"{{"e":"serverShutdown","E":{now}}}"#))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscribe(route: Route, text: &str) -> Vec<Action> {
        Binance::new(route).request(text, 0)
    }

    #[test]
    fn streams_are_served_on_their_route_only() {
        let book = find(VenueId::BinanceUsdm, "BTCUSDT").unwrap();
        let req =
            r#"{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms","btcusdt@aggTrade"],"id":1}"#;
        assert_eq!(
            subscribe(Route::UsdmPublic, req),
            [
                Action::Send(r#"{"id":1,"result":null}"#.into()),
                Action::Subscribe {
                    topic: Topic::Book(book),
                    depth: None
                },
            ]
        );
        assert_eq!(
            subscribe(Route::UsdmMarket, req)[1],
            Action::Subscribe {
                topic: Topic::Trades(book),
                depth: None
            }
        );
    }

    #[test]
    fn bad_requests_get_binance_errors() {
        let one = |text| match &subscribe(Route::Spot, text)[..] {
            [Action::Send(s)] => s.clone(),
            other => panic!("{other:?}"),
        };
        assert!(one("{nope").contains(r#""code":3"#));
        assert!(one(r#"{"method":"FLY","id":7}"#).contains(r#""code":2"#));
        assert!(
            one(r#"{"method":"SUBSCRIBE","params":["btcusdt"],"id":7}"#).contains("invalid stream")
        );
        assert!(one(r#"{"method":"SUBSCRIBE","params":[1],"id":7}"#).contains(r#""code":1"#));
        // Unknown symbols are acknowledged and stay silent, as on Binance.
        assert_eq!(
            subscribe(
                Route::Spot,
                r#"{"method":"SUBSCRIBE","params":["xyzusdt@trade"],"id":2}"#
            )
            .len(),
            1
        );
    }
}
