//! Binance endpoints and subscription messages (`docs/venues.md` "Binance").
//!
//! One `SUBSCRIBE` per socket names every stream it carries:
//! `{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms","btcusdt@trade"],"id":1}`, answered
//! `{"result":null,"id":1}`. Stream names use the lowercase symbol. Books are joined to REST
//! snapshots (`/api/v3/depth`, `/fapi/v1/depth`), fetched with `limit=1000`.

use crate::instrument::Instrument;
use serde::Serialize;

/// Levels per side asked of the REST depth snapshot. Spot allows 5000 (weight 250) and
/// USDⓈ-M 1000; 1000 costs weight 50 on spot and 20 on USDⓈ-M, and beyond it the book's
/// coverage says how far it is known.
pub const SNAPSHOT_LIMIT: usize = 1000;

/// `base` with `path` appended, without doubling the `/` when the base ends with one.
pub fn join(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

/// A live subscription request, fields in the documented order.
#[derive(Serialize)]
struct Request<'a> {
    method: &'a str,
    params: Vec<String>,
    id: u64,
}

/// The subscribe message for `streams` (`depth@100ms`, `trade`, …) of every instrument, or
/// `None` when there is nothing to subscribe.
pub fn subscribe(streams: &[&str], instruments: &[Instrument]) -> Option<String> {
    request("SUBSCRIBE", streams, instruments)
}

/// The `UNSUBSCRIBE` message for the same streams (a watch-list change at run time).
pub fn unsubscribe(streams: &[&str], instruments: &[Instrument]) -> Option<String> {
    request("UNSUBSCRIBE", streams, instruments)
}

fn request(method: &str, streams: &[&str], instruments: &[Instrument]) -> Option<String> {
    if instruments.is_empty() || streams.is_empty() {
        return None;
    }
    let params: Vec<String> = instruments
        .iter()
        .flat_map(|i| {
            let symbol = i.id.to_ascii_lowercase();
            streams.iter().map(move |s| format!("{symbol}@{s}"))
        })
        .collect();
    serde_json::to_string(&Request {
        method,
        params,
        id: 1,
    })
    .ok()
}

/// The REST depth snapshot for `symbol`: `{rest}{path}?symbol=BTCUSDT&limit=1000`.
pub fn depth_url(rest: &str, path: &str, symbol: &str) -> String {
    depth_url_of(rest, path, symbol, SNAPSHOT_LIMIT)
}

/// The depth snapshot an audit compares with the book: 100 levels, weight 5 on both markets
/// (against 50 for the 1000 levels a sync takes).
pub fn audit_url(rest: &str, path: &str, symbol: &str) -> String {
    depth_url_of(rest, path, symbol, AUDIT_LIMIT)
}

/// Levels in an audit's snapshot.
pub const AUDIT_LIMIT: usize = 100;

fn depth_url_of(rest: &str, path: &str, symbol: &str, limit: usize) -> String {
    format!("{}?symbol={symbol}&limit={limit}", join(rest, path))
}

/// A per-symbol REST query: `{rest}{path}?symbol=BTCUSDT` (USDⓈ-M open interest).
pub fn symbol_url(rest: &str, path: &str, symbol: &str) -> String {
    format!("{}?symbol={symbol}", join(rest, path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::guess;
    use crate::market::VenueId;

    #[test]
    fn one_subscribe_names_every_stream_of_every_symbol_in_lowercase() {
        let instruments = [
            guess(VenueId::Binance, "BTCUSDT"),
            guess(VenueId::Binance, "ETHUSDT"),
        ];
        let msg = subscribe(&["depth@100ms", "trade"], &instruments).unwrap();
        assert_eq!(
            msg,
            r#"{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms","btcusdt@trade","ethusdt@depth@100ms","ethusdt@trade"],"id":1}"#
        );
        assert_eq!(subscribe(&["trade"], &[]), None);
    }

    #[test]
    fn urls_join_the_base_once() {
        assert_eq!(
            depth_url("https://api.binance.com/", "/api/v3/depth", "BTCUSDT"),
            "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000"
        );
        assert_eq!(
            symbol_url("http://127.0.0.1:9000", "/fapi/v1/openInterest", "BTCUSDT"),
            "http://127.0.0.1:9000/fapi/v1/openInterest?symbol=BTCUSDT"
        );
        assert_eq!(
            join("ws://127.0.0.1:9000", "/public/ws"),
            "ws://127.0.0.1:9000/public/ws"
        );
    }
}
