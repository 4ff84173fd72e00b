//! OKX v5 subscription messages (`docs/venues.md` "OKX v5"): one `op` per message, many `args`.
//!
//! Books use the `books` channel (400 levels, snapshot then updates, 100 ms). Derivatives add
//! `funding-rate` (swaps), `mark-price` and `open-interest`; liquidations come from one
//! `liquidation-orders` subscription per instrument type, filtered by `instId` when parsed.

use crate::instrument::{Instrument, MarketKind};
use serde_json::json;

/// The channels subscribed for one instrument.
fn channels(instrument: &Instrument) -> Vec<&'static str> {
    let mut channels = vec!["books", "trades"];
    match instrument.kind {
        MarketKind::Perpetual => channels.extend(["funding-rate", "mark-price", "open-interest"]),
        MarketKind::Future => channels.extend(["mark-price", "open-interest"]),
        MarketKind::Spot | MarketKind::Option => {}
    }
    channels
}

/// The OKX `instType` of an instrument, for `liquidation-orders`.
fn inst_type(instrument: &Instrument) -> Option<&'static str> {
    match instrument.kind {
        MarketKind::Perpetual => Some("SWAP"),
        MarketKind::Future => Some("FUTURES"),
        MarketKind::Spot | MarketKind::Option => None,
    }
}

/// The subscribe message for every instrument on the connection.
pub fn subscribe_all(instruments: &[Instrument]) -> String {
    change("subscribe", instruments, &[])
}

/// `op` (`subscribe`, `unsubscribe`) for `instruments`' channels, beside `kept` (subscribed and
/// staying): the `liquidation-orders` subscription of an instrument type is shared, so it is
/// named only for types no kept instrument has.
pub fn change(op: &str, instruments: &[Instrument], kept: &[Instrument]) -> String {
    let mut args: Vec<serde_json::Value> = instruments
        .iter()
        .flat_map(|i| {
            channels(i)
                .into_iter()
                .map(|c| json!({"channel": c, "instId": i.id}))
        })
        .collect();
    let shared: Vec<&str> = kept.iter().filter_map(inst_type).collect();
    let mut types: Vec<&str> = instruments
        .iter()
        .filter_map(inst_type)
        .filter(|t| !shared.contains(t))
        .collect();
    types.sort_unstable();
    types.dedup();
    args.extend(
        types
            .into_iter()
            .map(|t| json!({"channel": "liquidation-orders", "instType": t})),
    );
    json!({"op": op, "args": args}).to_string()
}

/// Unsubscribe then subscribe one book: OKX sends a fresh snapshot on the new subscription.
pub fn resubscribe_book(instrument: &Instrument) -> Vec<String> {
    ["unsubscribe", "subscribe"]
        .into_iter()
        .map(|op| {
            json!({"op": op, "args": [{"channel": "books", "instId": instrument.id}]}).to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::guess;
    use crate::market::VenueId;

    #[test]
    fn spot_gets_books_and_trades_swaps_add_derivatives_and_liquidations() {
        let spot = guess(VenueId::Okx, "BTC-USDT");
        let swap = guess(VenueId::Okx, "BTC-USDT-SWAP");
        let msg: serde_json::Value = serde_json::from_str(&subscribe_all(&[spot, swap])).unwrap();
        assert_eq!(msg["op"], "subscribe");
        let args: Vec<String> = msg["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                format!(
                    "{}/{}",
                    a["channel"].as_str().unwrap(),
                    a["instId"].as_str().or(a["instType"].as_str()).unwrap()
                )
            })
            .collect();
        assert_eq!(
            args,
            [
                "books/BTC-USDT",
                "trades/BTC-USDT",
                "books/BTC-USDT-SWAP",
                "trades/BTC-USDT-SWAP",
                "funding-rate/BTC-USDT-SWAP",
                "mark-price/BTC-USDT-SWAP",
                "open-interest/BTC-USDT-SWAP",
                "liquidation-orders/SWAP",
            ]
        );
    }

    #[test]
    fn resubscribing_a_book_unsubscribes_first() {
        let msgs = resubscribe_book(&guess(VenueId::Okx, "BTC-USDT"));
        assert_eq!(msgs.len(), 2);
        assert!(msgs[0].contains(r#""op":"unsubscribe""#));
        assert!(msgs[1].contains(r#""op":"subscribe""#) && msgs[1].contains("BTC-USDT"));
    }
}
