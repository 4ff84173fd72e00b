//! Kraken WebSocket v2 frames (`docs/venues.md` "Spot WS v2"):
//!
//! - `{"channel":"book","type":"snapshot"|"update","data":[{"symbol","bids":[{"price":num,"qty":num}],"asks":[..],"checksum":u32,"timestamp"}]}`:
//!   "qty 0 deletes", "apply entries in message order (same price may appear twice)";
//! - `{"channel":"trade","type":"update","data":[{"symbol","side","price","qty","ord_type","trade_id","timestamp"}]}`,
//!   `side` being the taker's;
//! - `{"channel":"heartbeat"}` (1 Hz) and `{"channel":"status",..,"data":[{"system":"online",..}]}`;
//! - answers: `{"method":"subscribe"|"unsubscribe"|"pong","success":true,..}`, refusals
//!   `{"error":"Currency pair not supported","method":"subscribe","success":false,"symbol":"BTC/USX",..}`.
//!
//! Prices and quantities are JSON numbers "published … containing full precision", and the
//! checksum is over their digits at the pair's `price_precision`/`qty_precision` (the docs'
//! `0.001` is checksummed as `0.00100000`). Every number is read from its token text (never an
//! `f64`) and rendered at the pair's precision with [`crate::num::Dec::with_scale`]; a number
//! with more digits than that is reported, since rounding it would checksum a book Kraken does
//! not have.

use super::session::Session;
use crate::book::Level;
use crate::feed::protocol::{Parsed, RawTrade};
use crate::market::{Side, TakerSide};
use crate::num::Dec;
use crate::venue::wire;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    channel: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(default)]
    success: Option<bool>,
    #[serde(borrow, default)]
    error: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    symbol: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct BookData<'a> {
    #[serde(borrow)]
    symbol: Cow<'a, str>,
    #[serde(borrow)]
    bids: &'a RawValue,
    #[serde(borrow)]
    asks: &'a RawValue,
    #[serde(default)]
    checksum: Option<u32>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct TradeData<'a> {
    #[serde(borrow)]
    symbol: Cow<'a, str>,
    #[serde(borrow)]
    side: Cow<'a, str>,
    #[serde(borrow)]
    price: &'a RawValue,
    #[serde(borrow)]
    qty: &'a RawValue,
    #[serde(borrow, default)]
    trade_id: Option<&'a RawValue>,
    #[serde(borrow)]
    timestamp: Cow<'a, str>,
}

#[derive(Deserialize)]
struct StatusData<'a> {
    #[serde(borrow)]
    system: Cow<'a, str>,
}

/// Parse one v2 frame; book levels go to `levels`.
pub fn parse<'a>(
    session: &mut Session,
    text: &'a str,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, ()>, String> {
    let env: Envelope<'a> = serde_json::from_str(text).map_err(|e| format!("bad JSON: {e}"))?;
    if let Some(method) = env.method.as_deref() {
        return match (method, env.success) {
            ("subscribe" | "unsubscribe" | "pong", Some(true)) | ("pong", None) => {
                Ok(Parsed::Control)
            }
            (_, Some(false)) => Ok(session.refusal(
                method == "subscribe",
                env.symbol.as_deref(),
                format!(
                    "{method} {} failed: {}",
                    env.symbol.as_deref().unwrap_or(""),
                    env.error.as_deref().unwrap_or("")
                ),
            )),
            _ => Err(format!("unexpected answer to {method:?}")),
        };
    }
    if env.success == Some(false) {
        return Ok(session.refusal(
            false,
            None,
            format!("error: {}", env.error.as_deref().unwrap_or("")),
        ));
    }
    let channel = env.channel.ok_or("frame without channel or method")?;
    let kind = env.kind.as_deref();
    match channel.as_ref() {
        "heartbeat" => Ok(Parsed::Control),
        "status" => status(env.data.ok_or("status without data")?),
        "book" => {
            let data = env.data.ok_or("book without data")?;
            let snapshot = match kind {
                Some("snapshot") => true,
                Some("update") => false,
                other => return Err(format!("book type {other:?}")),
            };
            book(session, snapshot, data, levels).map(Parsed::Book)
        }
        // The trade snapshot is history from before we subscribed (not requested).
        "trade" if kind == Some("snapshot") => Ok(Parsed::Ignored),
        "trade" => trades(env.data.ok_or("trade without data")?).map(Parsed::Trades),
        "ticker" | "ohlc" | "instrument" => Ok(Parsed::Ignored),
        other => Err(format!("unexpected channel {other:?}")),
    }
}

/// `system` other than `online` (`maintenance`, `cancel_only`, `post_only`, `limit_only`) is
/// reported: the books may go quiet or stale for a reason the venue stated.
fn status<'a>(data: &RawValue) -> Result<Parsed<'a, ()>, String> {
    let items: Vec<StatusData> =
        serde_json::from_str(data.get()).map_err(|e| format!("status data: {e}"))?;
    match items.iter().find(|s| s.system != "online") {
        None => Ok(Parsed::Control),
        Some(s) => Ok(Parsed::VenueError {
            instrument: None,
            message: format!("system status {}", s.system),
        }),
    }
}

fn book<'a>(
    session: &mut Session,
    snapshot: bool,
    data: &'a RawValue,
    levels: &mut Vec<(Side, Level)>,
) -> Result<crate::feed::protocol::BookFrame<'a, ()>, String> {
    let items: Vec<BookData<'a>> =
        serde_json::from_str(data.get()).map_err(|e| format!("book data: {e}"))?;
    // One pair per message in every frame observed; several would need several book frames.
    let [item] = <[BookData; 1]>::try_from(items)
        .map_err(|items| format!("book message with {} entries, expected 1", items.len()))?;
    let symbol = item.symbol;
    let precision = session.precision(&symbol).ok_or_else(|| {
        format!(
            "{symbol}: price/qty precision unknown (not in the AssetPairs instrument list), \
             so its checksum cannot be verified"
        )
    })?;
    wire::level_objects(item.bids, Side::Bid, ("price", "qty"), levels)?;
    wire::level_objects(item.asks, Side::Ask, ("price", "qty"), levels)?;
    for (_, level) in levels.iter_mut() {
        level.price = at_precision(level.price, precision.price, "price", &symbol)?;
        level.size = at_precision(level.size, precision.qty, "qty", &symbol)?;
    }
    let exch_ts = item
        .timestamp
        .as_deref()
        .map(wire::rfc3339_millis)
        .transpose()?;
    Ok(session.book(symbol, snapshot, item.checksum, exch_ts))
}

/// `value` written with exactly `places` decimals, as Kraken checksums it.
fn at_precision(value: Dec, places: u8, field: &str, symbol: &str) -> Result<Dec, String> {
    value.with_scale(places).map_err(|e| {
        format!("{symbol}: {field} has more digits than the pair's {field}_precision {places}: {e}")
    })
}

fn trades(data: &RawValue) -> Result<Vec<RawTrade<'_>>, String> {
    let items: Vec<TradeData> =
        serde_json::from_str(data.get()).map_err(|e| format!("trade data: {e}"))?;
    items
        .into_iter()
        .map(|t| {
            Ok(RawTrade {
                taker: Some(match t.side.as_ref() {
                    "buy" => TakerSide::Buy,
                    "sell" => TakerSide::Sell,
                    other => return Err(format!("trade side {other:?}")),
                }),
                price: wire::dec(t.price)?,
                size: wire::dec(t.qty)?,
                ts: wire::rfc3339_millis(&t.timestamp)?,
                id: t
                    .trade_id
                    .map(|id| Cow::Borrowed(id.get().trim_matches('"'))),
                instrument: t.symbol,
            })
        })
        .collect()
}
