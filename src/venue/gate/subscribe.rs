//! Gate v4 requests: `{"time":<unix s>,"channel":"spot.obu","event":"subscribe",
//! "payload":["ob.BTC_USDT.50"]}`. Gate checks `time` against its clock (60 s), so each request
//! carries the current second.
//!
//! Per instrument: the `obu` book, trades, and on futures `futures.tickers` (mark, index,
//! funding, open interest). `futures.public_liquidates` is not subscribed: its payload is not
//! verified on real data (`docs/venues.md`).

use super::Family;
use crate::instrument::Instrument;
use serde_json::json;
use std::time::{SystemTime, UNIX_EPOCH};

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn request(channel: &str, event: &str, payload: &[String]) -> String {
    json!({"time": now_s(), "channel": channel, "event": event, "payload": payload}).to_string()
}

/// An `obu` stream name: `ob.<pair>.<level>`.
pub fn obu_stream(pair: &str, depth: usize) -> String {
    format!("ob.{pair}.{depth}")
}

/// Every channel for `instruments`, subscribed (`event` `subscribe`) or removed
/// (`unsubscribe`); `depth_of` names each book's level.
pub fn requests(
    family: Family,
    event: &str,
    instruments: &[Instrument],
    depth_of: impl Fn(&str) -> usize,
) -> Vec<String> {
    if instruments.is_empty() {
        return Vec::new();
    }
    let prefix = family.prefix();
    let ids: Vec<String> = instruments.iter().map(|i| i.id.clone()).collect();
    let books: Vec<String> = ids.iter().map(|id| obu_stream(id, depth_of(id))).collect();
    let mut out = vec![
        request(&format!("{prefix}.obu"), event, &books),
        request(&format!("{prefix}.trades"), event, &ids),
    ];
    if family == Family::Usdt {
        out.push(request("futures.tickers", event, &ids));
    }
    out
}

/// Gate's resync for one `obu` book: "unsubscribe+resubscribe", which pushes a new `full`
/// snapshot.
pub fn resubscribe_book(family: Family, pair: &str, depth: usize) -> Vec<String> {
    let channel = format!("{}.obu", family.prefix());
    let book = [obu_stream(pair, depth)];
    vec![
        request(&channel, "unsubscribe", &book),
        request(&channel, "subscribe", &book),
    ]
}

/// `{"time":..,"channel":"spot.ping"}`: Gate answers `spot.pong`.
pub fn ping(family: Family) -> String {
    json!({"time": now_s(), "channel": format!("{}.ping", family.prefix())}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::guess;
    use crate::market::VenueId;
    use serde_json::Value;

    fn parsed(frames: &[String]) -> Vec<(String, String, Value)> {
        frames
            .iter()
            .map(|f| {
                let v: Value = serde_json::from_str(f).unwrap();
                assert!(v["time"].as_u64().unwrap() > 1_700_000_000, "{f}");
                (
                    v["channel"].as_str().unwrap().to_owned(),
                    v["event"].as_str().unwrap_or("").to_owned(),
                    v["payload"].clone(),
                )
            })
            .collect()
    }

    #[test]
    fn futures_subscribe_books_trades_and_tickers_spot_books_and_trades() {
        let btc = guess(VenueId::GateUsdt, "BTC_USDT");
        let got = parsed(&requests(
            Family::Usdt,
            "subscribe",
            std::slice::from_ref(&btc),
            |_| 50,
        ));
        assert_eq!(
            got,
            [
                (
                    "futures.obu".into(),
                    "subscribe".into(),
                    json!(["ob.BTC_USDT.50"])
                ),
                (
                    "futures.trades".into(),
                    "subscribe".into(),
                    json!(["BTC_USDT"])
                ),
                (
                    "futures.tickers".into(),
                    "subscribe".into(),
                    json!(["BTC_USDT"])
                ),
            ]
        );
        let spot = parsed(&requests(Family::Spot, "unsubscribe", &[btc], |_| 400));
        assert_eq!(spot.len(), 2);
        assert_eq!(spot[0].0, "spot.obu");
        assert_eq!(spot[0].2, json!(["ob.BTC_USDT.400"]));
        assert!(requests(Family::Spot, "subscribe", &[], |_| 50).is_empty());

        let resync = parsed(&resubscribe_book(Family::Usdt, "ETH_USDT", 50));
        assert_eq!(resync[0].1, "unsubscribe");
        assert_eq!(resync[1].1, "subscribe");
        assert_eq!(resync[1].2, json!(["ob.ETH_USDT.50"]));
        let ping: Value = serde_json::from_str(&ping(Family::Spot)).unwrap();
        assert_eq!(ping["channel"], "spot.ping");
    }
}
