//! Kraken v2 requests (`docs/venues.md` "Kraken"):
//! `{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":100,"snapshot":true},"req_id":1}`.
//!
//! Books are subscribed with their snapshot; trades without (`"snapshot":false`): the trade
//! snapshot is the last trades before we connected, which after a reconnect would be counted a
//! second time. The `req_id` says which request an answer belongs to, in logs.

use super::session::Session;
use crate::instrument::Instrument;
use serde::Deserialize;
use serde_json::json;

const REQ_BOOK: u64 = 1;
const REQ_TRADE: u64 = 2;
const REQ_RESYNC: u64 = 3;
const REQ_PING: u64 = 4;
const REQ_UNSUBSCRIBE: u64 = 5;

fn book(method: &str, depth: usize, symbols: &[&str], req_id: u64) -> String {
    let mut params = json!({"channel": "book", "symbol": symbols, "depth": depth});
    if method == "subscribe" {
        params["snapshot"] = json!(true);
    }
    json!({"method": method, "params": params, "req_id": req_id}).to_string()
}

/// The book and trade subscriptions for every pair on the connection.
pub fn subscribe_all(depth: usize, instruments: &[Instrument]) -> Vec<String> {
    if instruments.is_empty() {
        return Vec::new();
    }
    let symbols: Vec<&str> = instruments.iter().map(|i| i.id.as_str()).collect();
    vec![
        book("subscribe", depth, &symbols, REQ_BOOK),
        json!({
            "method": "subscribe",
            "params": {"channel": "trade", "symbol": symbols, "snapshot": false},
            "req_id": REQ_TRADE,
        })
        .to_string(),
    ]
}

/// The book (at each one's depth: Kraken keys a book subscription by it) and trade
/// unsubscriptions of `books` (depth, pair), for a watch-list change at run time.
pub fn unsubscribe<'a>(books: impl IntoIterator<Item = (usize, &'a str)>) -> Vec<String> {
    let books: Vec<(usize, &str)> = books.into_iter().collect();
    if books.is_empty() {
        return Vec::new();
    }
    let symbols: Vec<&str> = books.iter().map(|(_, s)| *s).collect();
    let mut msgs: Vec<String> = books
        .iter()
        .map(|(depth, symbol)| book("unsubscribe", *depth, &[symbol], REQ_UNSUBSCRIBE))
        .collect();
    msgs.push(
        json!({
            "method": "unsubscribe",
            "params": {"channel": "trade", "symbol": symbols},
            "req_id": REQ_UNSUBSCRIBE,
        })
        .to_string(),
    );
    msgs
}

/// "On mismatch unsubscribe/resubscribe": the new subscription starts with a fresh snapshot.
/// The unsubscribe names the depth too, since Kraken keys a book subscription by it.
pub fn resubscribe_book(depth: usize, symbol: &str) -> Vec<String> {
    vec![
        book("unsubscribe", depth, &[symbol], REQ_RESYNC),
        book("subscribe", depth, &[symbol], REQ_RESYNC),
    ]
}

/// The application ping; Kraken answers `{"method":"pong","req_id":4,..}`.
pub fn ping() -> String {
    json!({"method": "ping", "req_id": REQ_PING}).to_string()
}

#[derive(Deserialize)]
struct Sent {
    method: String,
    params: Params,
}

#[derive(Deserialize)]
struct Params {
    channel: String,
    #[serde(default)]
    symbol: Vec<String>,
    depth: Option<usize>,
}

/// Learn each book's depth from a v2 subscription the client sent (replays: book messages do
/// not say their depth). Anything else is not a book subscription and teaches nothing.
pub fn learn_depths(sent: &str, session: &mut Session) {
    let Ok(sent) = serde_json::from_str::<Sent>(sent) else {
        return;
    };
    if sent.method == "subscribe" && sent.params.channel == "book" {
        // Kraken's own default when `depth` is omitted; a depth it does not serve was refused
        // by the venue and brings no book.
        let depth = sent.params.depth.unwrap_or(10);
        if !super::DEPTHS.contains(&depth) {
            return;
        }
        for symbol in &sent.params.symbol {
            session.learn_depth(symbol, depth);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::guess;
    use crate::market::VenueId;

    #[test]
    fn books_with_snapshot_and_trades_without() {
        let pairs = [
            guess(VenueId::Kraken, "BTC/USD"),
            guess(VenueId::Kraken, "ETH/EUR"),
        ];
        assert_eq!(
            subscribe_all(100, &pairs),
            [
                r#"{"method":"subscribe","params":{"channel":"book","depth":100,"snapshot":true,"symbol":["BTC/USD","ETH/EUR"]},"req_id":1}"#,
                r#"{"method":"subscribe","params":{"channel":"trade","snapshot":false,"symbol":["BTC/USD","ETH/EUR"]},"req_id":2}"#,
            ]
        );
        assert!(subscribe_all(100, &[]).is_empty());
    }

    #[test]
    fn resync_unsubscribes_then_subscribes_one_book_at_its_depth() {
        assert_eq!(
            resubscribe_book(25, "BTC/USD"),
            [
                r#"{"method":"unsubscribe","params":{"channel":"book","depth":25,"symbol":["BTC/USD"]},"req_id":3}"#,
                r#"{"method":"subscribe","params":{"channel":"book","depth":25,"snapshot":true,"symbol":["BTC/USD"]},"req_id":3}"#,
            ]
        );
        assert_eq!(ping(), r#"{"method":"ping","req_id":4}"#);
    }

    #[test]
    fn replayed_subscriptions_teach_book_depths() {
        let mut session = Session::new(100, []);
        learn_depths(
            &subscribe_all(25, &[guess(VenueId::Kraken, "BTC/USD")])[0],
            &mut session,
        );
        learn_depths(
            r#"{"method":"subscribe","params":{"channel":"book","symbol":["ETH/USD"]}}"#,
            &mut session,
        );
        learn_depths(
            r#"{"method":"subscribe","params":{"channel":"trade","symbol":["SOL/USD"],"depth":500}}"#,
            &mut session,
        );
        learn_depths("not json", &mut session);
        assert_eq!(session.depth_of("BTC/USD"), 25);
        assert_eq!(session.depth_of("ETH/USD"), 10, "Kraken's default");
        assert_eq!(
            session.depth_of("SOL/USD"),
            100,
            "a trade subscription says nothing"
        );
    }
}
