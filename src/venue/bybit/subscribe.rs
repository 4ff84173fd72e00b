//! Bybit v5 requests (`docs/venues.md` "Bybit v5"):
//! `{"req_id":"x","op":"subscribe","args":["orderbook.50.BTCUSDT","publicTrade.BTCUSDT"]}`.
//!
//! Every instrument gets its book and trades; linear adds `tickers` (mark, index, funding, open
//! interest) and `allLiquidation`. "Spot: max 10 args per request", so requests carry at most
//! ten topics on both categories (one rule is simpler than two, and linear loses nothing).

use super::Category;
use crate::instrument::Instrument;
use serde_json::json;

/// The most topics one subscribe request may carry (the spot limit).
pub const MAX_ARGS: usize = 10;

/// The book topic of `symbol` at `depth`.
pub fn book_topic(depth: usize, symbol: &str) -> String {
    format!("orderbook.{depth}.{symbol}")
}

/// Every topic subscribed for one instrument.
fn topics(category: Category, depth: usize, symbol: &str) -> Vec<String> {
    let mut topics = vec![book_topic(depth, symbol), format!("publicTrade.{symbol}")];
    if category.has_derivatives() {
        topics.push(format!("tickers.{symbol}"));
        topics.push(format!("allLiquidation.{symbol}"));
    }
    topics
}

fn request(op: &str, args: &[String]) -> String {
    json!({"op": op, "args": args}).to_string()
}

/// The subscribe requests for every instrument on the connection, ten topics each.
pub fn subscribe_all(category: Category, depth: usize, instruments: &[Instrument]) -> Vec<String> {
    let all: Vec<String> = instruments
        .iter()
        .flat_map(|i| topics(category, depth, &i.id))
        .collect();
    all.chunks(MAX_ARGS)
        .map(|chunk| request("subscribe", chunk))
        .collect()
}

/// The unsubscribe requests for every topic of `books` (depth, symbol), ten topics each.
pub fn unsubscribe<'a>(
    category: Category,
    books: impl IntoIterator<Item = (usize, &'a str)>,
) -> Vec<String> {
    let all: Vec<String> = books
        .into_iter()
        .flat_map(|(depth, symbol)| topics(category, depth, symbol))
        .collect();
    all.chunks(MAX_ARGS)
        .map(|chunk| request("unsubscribe", chunk))
        .collect()
}

/// Unsubscribe then subscribe one book topic: Bybit answers a subscription with a snapshot,
/// which replaces the book ("replace the book on every snapshot").
pub fn resubscribe_book(depth: usize, symbol: &str) -> Vec<String> {
    let topic = [book_topic(depth, symbol)];
    vec![request("unsubscribe", &topic), request("subscribe", &topic)]
}

/// The application keepalive.
pub fn ping() -> String {
    json!({"req_id": "ping", "op": "ping"}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::guess;
    use crate::market::VenueId;
    use serde_json::Value;

    fn args(msg: &str) -> Vec<String> {
        let v: Value = serde_json::from_str(msg).unwrap();
        assert_eq!(v["op"], "subscribe");
        v["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn linear_adds_tickers_and_liquidations_spot_does_not() {
        let btc = guess(VenueId::BybitLinear, "BTCUSDT");
        let linear = subscribe_all(Category::Linear, 200, std::slice::from_ref(&btc));
        assert_eq!(
            args(&linear[0]),
            [
                "orderbook.200.BTCUSDT",
                "publicTrade.BTCUSDT",
                "tickers.BTCUSDT",
                "allLiquidation.BTCUSDT"
            ]
        );
        let spot = subscribe_all(Category::Spot, 50, &[btc]);
        assert_eq!(
            args(&spot[0]),
            ["orderbook.50.BTCUSDT", "publicTrade.BTCUSDT"]
        );
    }

    #[test]
    fn requests_never_carry_more_than_ten_topics() {
        let many: Vec<_> = (0..7)
            .map(|i| guess(VenueId::BybitSpot, &format!("C{i}USDT")))
            .collect();
        let msgs = subscribe_all(Category::Spot, 200, &many);
        let counts: Vec<usize> = msgs.iter().map(|m| args(m).len()).collect();
        assert_eq!(counts, [10, 4]);
        assert!(subscribe_all(Category::Spot, 200, &[]).is_empty());
    }

    #[test]
    fn resync_unsubscribes_then_subscribes_the_book_topic() {
        let msgs = resubscribe_book(200, "BTCUSDT");
        assert_eq!(
            msgs,
            [
                r#"{"args":["orderbook.200.BTCUSDT"],"op":"unsubscribe"}"#,
                r#"{"args":["orderbook.200.BTCUSDT"],"op":"subscribe"}"#
            ]
        );
        assert_eq!(ping(), r#"{"op":"ping","req_id":"ping"}"#);
    }
}
