//! Coinbase Advanced Trade requests (`docs/venues.md` "Coinbase Advanced Trade"): one channel per
//! message, `{"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"}`, and
//! `{"type":"subscribe","channel":"heartbeats"}` without products.
//!
//! Unauthenticated clients may send 8 messages a second per IP: a connection opens with four
//! (heartbeats, then each product channel for every product at once), and a watch-list change
//! sends three.

use crate::instrument::Instrument;
use serde_json::json;

/// The product channels read: books, trades, and the ticker (each match: proof of life).
pub const PRODUCT_CHANNELS: [&str; 3] = ["level2", "market_trades", "ticker"];

/// "Most channels close within 60-90 seconds if no updates are sent. Subscribe to heartbeats
/// to keep all subscriptions open": one heartbeat a second.
pub const HEARTBEATS: &str = "heartbeats";

fn request(kind: &str, channel: &str, products: &[&str]) -> String {
    json!({"type": kind, "product_ids": products, "channel": channel}).to_string()
}

fn per_channel(kind: &str, instruments: &[Instrument]) -> Vec<String> {
    if instruments.is_empty() {
        return Vec::new();
    }
    let products: Vec<&str> = instruments.iter().map(|i| i.id.as_str()).collect();
    PRODUCT_CHANNELS
        .iter()
        .map(|channel| request(kind, channel, &products))
        .collect()
}

/// What a new connection sends: heartbeats, then every product channel.
pub fn subscribe_all(instruments: &[Instrument]) -> Vec<String> {
    let heartbeats = json!({"type": "subscribe", "channel": HEARTBEATS}).to_string();
    std::iter::once(heartbeats)
        .chain(subscribe(instruments))
        .collect()
}

/// The product channels of `instruments`, added to an open connection.
pub fn subscribe(instruments: &[Instrument]) -> Vec<String> {
    per_channel("subscribe", instruments)
}

/// The product channels of `instruments`, removed from an open connection.
pub fn unsubscribe(instruments: &[Instrument]) -> Vec<String> {
    per_channel("unsubscribe", instruments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::guess;
    use crate::market::VenueId;

    #[test]
    fn a_connection_subscribes_heartbeats_then_each_channel_once_for_every_product() {
        let products = [
            guess(VenueId::Coinbase, "BTC-USD"),
            guess(VenueId::Coinbase, "USDT-USD"),
        ];
        assert_eq!(
            subscribe_all(&products),
            [
                r#"{"channel":"heartbeats","type":"subscribe"}"#,
                r#"{"channel":"level2","product_ids":["BTC-USD","USDT-USD"],"type":"subscribe"}"#,
                r#"{"channel":"market_trades","product_ids":["BTC-USD","USDT-USD"],"type":"subscribe"}"#,
                r#"{"channel":"ticker","product_ids":["BTC-USD","USDT-USD"],"type":"subscribe"}"#,
            ]
        );
        assert_eq!(
            unsubscribe(&products[..1]),
            [
                r#"{"channel":"level2","product_ids":["BTC-USD"],"type":"unsubscribe"}"#,
                r#"{"channel":"market_trades","product_ids":["BTC-USD"],"type":"unsubscribe"}"#,
                r#"{"channel":"ticker","product_ids":["BTC-USD"],"type":"unsubscribe"}"#,
            ]
        );
        assert!(subscribe(&[]).is_empty() && unsubscribe(&[]).is_empty());
        assert_eq!(subscribe_all(&[]).len(), 1, "heartbeats alone");
    }
}
