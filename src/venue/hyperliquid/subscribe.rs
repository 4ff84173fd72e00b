//! Hyperliquid requests (`docs/venues.md` "Hyperliquid"): one subscription per frame,
//! `{"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}}`, and `unsubscribe`
//! with the same subscription. Per coin: `l2Book`, `trades` and `activeAssetCtx`.
//!
//! An unknown coin makes Hyperliquid close the whole socket (1006, no error frame), which would
//! take every other book down with it: only coins of the `meta` universe are ever named
//! ([`super::instruments`]; the driver subscribes configured instruments only).

use crate::instrument::Instrument;
use serde_json::json;

/// The channels read per coin.
const CHANNELS: [&str; 3] = ["l2Book", "trades", "activeAssetCtx"];

fn request(method: &str, kind: &str, coin: &str) -> String {
    json!({"method": method, "subscription": {"type": kind, "coin": coin}}).to_string()
}

/// Every channel of every coin.
pub fn subscribe_all(instruments: &[Instrument]) -> Vec<String> {
    all("subscribe", instruments)
}

/// Every channel of `instruments`, for a watch-list change at run time.
pub fn unsubscribe(instruments: &[Instrument]) -> Vec<String> {
    all("unsubscribe", instruments)
}

fn all(method: &str, instruments: &[Instrument]) -> Vec<String> {
    instruments
        .iter()
        .flat_map(|i| CHANNELS.iter().map(|kind| request(method, kind, &i.id)))
        .collect()
}

/// A resync: the book's subscription again, which answers with the current book. (Hyperliquid
/// refuses a second identical subscription: "Already subscribed".)
pub fn resubscribe_book(coin: &str) -> Vec<String> {
    vec![
        request("unsubscribe", "l2Book", coin),
        request("subscribe", "l2Book", coin),
    ]
}

/// The application ping; Hyperliquid answers `{"channel":"pong"}`.
pub fn ping() -> String {
    json!({"method": "ping"}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::guess;
    use crate::market::VenueId;

    #[test]
    fn three_channels_per_coin_one_frame_each() {
        let coins = [guess(VenueId::Hyperliquid, "BTC")];
        assert_eq!(
            subscribe_all(&coins),
            [
                r#"{"method":"subscribe","subscription":{"coin":"BTC","type":"l2Book"}}"#,
                r#"{"method":"subscribe","subscription":{"coin":"BTC","type":"trades"}}"#,
                r#"{"method":"subscribe","subscription":{"coin":"BTC","type":"activeAssetCtx"}}"#,
            ]
        );
        assert_eq!(unsubscribe(&coins).len(), 3);
        assert_eq!(
            resubscribe_book("kPEPE"),
            [
                r#"{"method":"unsubscribe","subscription":{"coin":"kPEPE","type":"l2Book"}}"#,
                r#"{"method":"subscribe","subscription":{"coin":"kPEPE","type":"l2Book"}}"#,
            ]
        );
        assert_eq!(ping(), r#"{"method":"ping"}"#);
    }
}
