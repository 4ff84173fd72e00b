//! Deribit JSON-RPC requests: `public/subscribe` / `public/unsubscribe` with a `channels` list,
//! `public/set_heartbeat` and `public/test`.
//!
//! Per instrument: `book.<name>.100ms`, `trades.<name>.100ms` and `ticker.<name>.100ms`. The
//! `raw` interval is not used: Deribit serves it to authorised connections only, and depthscope
//! reads public data without keys; `100ms` is the public book with the same
//! `change_id`/`prev_change_id` chain.

use crate::instrument::Instrument;
use serde_json::json;

/// The notification interval of every channel (public without auth).
pub const INTERVAL: &str = "100ms";

/// The heartbeat interval asked of Deribit (seconds; its minimum is 10).
pub const HEARTBEAT_S: u64 = 30;

fn request(id: u64, method: &str, params: serde_json::Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
}

/// A book's channel name.
pub fn book_channel(instrument: &str) -> String {
    format!("book.{instrument}.{INTERVAL}")
}

/// Every channel of `instruments` in one `method` (`public/subscribe` or `public/unsubscribe`).
pub fn channels(method: &str, instruments: &[Instrument]) -> Vec<String> {
    if instruments.is_empty() {
        return Vec::new();
    }
    let names: Vec<String> = instruments
        .iter()
        .flat_map(|i| {
            ["book", "trades", "ticker"].map(|kind| format!("{kind}.{}.{INTERVAL}", i.id))
        })
        .collect();
    vec![request(1, method, json!({ "channels": names }))]
}

/// What opens a connection: the heartbeat (so a dead socket is noticed by both ends), then the
/// subscriptions.
pub fn open(instruments: &[Instrument]) -> Vec<String> {
    let mut out = vec![heartbeat()];
    out.extend(channels("public/subscribe", instruments));
    out
}

/// `public/set_heartbeat`: Deribit then sends `test_request`s and closes the socket when no
/// `public/test` follows.
pub fn heartbeat() -> String {
    request(
        2,
        "public/set_heartbeat",
        json!({ "interval": HEARTBEAT_S }),
    )
}

/// `public/test`, sent every few seconds: it answers every `test_request` in time.
pub fn test() -> String {
    request(3, "public/test", json!({}))
}

/// A book's resync: a second `public/subscribe` on the same socket sends no new snapshot, so
/// the book is unsubscribed first; the subscription then starts with a snapshot.
pub fn resubscribe_book(instrument: &str) -> Vec<String> {
    let channels = json!({ "channels": [book_channel(instrument)] });
    vec![
        request(4, "public/unsubscribe", channels.clone()),
        request(5, "public/subscribe", channels),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::guess;
    use crate::market::VenueId;
    use serde_json::Value;

    #[test]
    fn subscriptions_name_public_100ms_channels_and_resync_unsubscribes_first() {
        let btc = guess(VenueId::Deribit, "BTC-PERPETUAL");
        let sent = open(std::slice::from_ref(&btc));
        let v: Vec<Value> = sent
            .iter()
            .map(|s| serde_json::from_str(s).unwrap())
            .collect();
        assert_eq!(v[0]["method"], "public/set_heartbeat");
        assert_eq!(v[0]["params"]["interval"], 30);
        assert_eq!(v[1]["method"], "public/subscribe");
        assert_eq!(
            v[1]["params"]["channels"],
            json!([
                "book.BTC-PERPETUAL.100ms",
                "trades.BTC-PERPETUAL.100ms",
                "ticker.BTC-PERPETUAL.100ms"
            ])
        );
        assert!(channels("public/unsubscribe", &[]).is_empty());
        let resync: Vec<Value> = resubscribe_book("ETH-PERPETUAL")
            .iter()
            .map(|s| serde_json::from_str(s).unwrap())
            .collect();
        assert_eq!(resync[0]["method"], "public/unsubscribe");
        assert_eq!(resync[1]["method"], "public/subscribe");
        assert_eq!(
            resync[1]["params"]["channels"],
            json!(["book.ETH-PERPETUAL.100ms"])
        );
        let test: Value = serde_json::from_str(&test()).unwrap();
        assert_eq!(test["method"], "public/test");
    }
}
