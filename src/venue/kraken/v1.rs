//! Kraken WebSocket v1 frames, for replaying old captures (`docs/venues.md` "Spot WS v1 (legacy)";
//! the real `book-1000`, `trade` and `ticker` recordings in `shared/captures/kraken`).
//!
//! - Books: `[channelID, {"as":[..],"bs":[..]}, "book-1000", "XBT/USD"]` snapshots (no
//!   checksum), updates `[channelID, {"a":[..]}, {"b":[..],"c":"checksum"}, "book-1000", "XBT/USD"]`
//!   or one dict; levels `[price, volume, timestamp(, "r")]` as strings, which are already the
//!   wire digits the checksum uses. "The checksum field (`c`) appears in the last bid or ask map
//!   structure in the message." Keys are applied in the order written. The depth is the channel
//!   name's (`book-1000` → 1000).
//! - Trades: `[channelID, [[price, volume, time, side, orderType, misc]], "trade", "XBT/USD"]`,
//!   `side` `b`/`s` being the taker's.
//! - Events: `{"event":"heartbeat"}`, `systemStatus`, `subscriptionStatus` (`status:"error"`
//!   with `errorMessage` is a refusal), `pong`, `error`.
//!
//! The instrument id is the v1 pair name (`XBT/USD`), as recorded.

use super::session::Session;
use crate::book::Level;
use crate::feed::protocol::{Parsed, RawTrade};
use crate::market::{Millis, Side, TakerSide};
use crate::num::Dec;
use crate::venue::wire;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// Whether a frame is v1: a channel array or an `{"event":..}` object. v2 frames never carry
/// `event`.
pub fn is_v1(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with('[') || (text.starts_with('{') && text.contains("\"event\""))
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(borrow, default)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pair: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "errorMessage")]
    error_message: Option<Cow<'a, str>>,
}

/// Parse one v1 frame; book levels go to `levels`.
pub fn parse<'a>(
    session: &mut Session,
    text: &'a str,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, ()>, String> {
    if !text.trim_start().starts_with('[') {
        let event: Event = serde_json::from_str(text).map_err(|e| format!("bad JSON: {e}"))?;
        return self::event(session, event);
    }
    let parts: Vec<&'a RawValue> =
        serde_json::from_str(text).map_err(|e| format!("bad JSON: {e}"))?;
    let [_, payloads @ .., channel, pair] = parts.as_slice() else {
        return Err(format!("channel message with {} elements", parts.len()));
    };
    if payloads.is_empty() {
        return Err("channel message without payload".into());
    }
    let channel: &str =
        serde_json::from_str(channel.get()).map_err(|e| format!("channel name: {e}"))?;
    let pair: Cow<'a, str> =
        serde_json::from_str(pair.get()).map_err(|e| format!("pair name: {e}"))?;
    if let Some(depth) = channel.strip_prefix("book-") {
        let depth = depth
            .parse()
            .ok()
            .filter(|d| super::DEPTHS.contains(d))
            .ok_or_else(|| format!("book channel {channel:?}: {}", super::DEPTHS_SERVED))?;
        session.learn_depth(&pair, depth);
        return book(session, pair, payloads, levels).map(Parsed::Book);
    }
    match channel {
        "trade" => trades(pair, payloads),
        "ticker" | "spread" => Ok(Parsed::Ignored),
        ohlc if ohlc.starts_with("ohlc-") => Ok(Parsed::Ignored),
        other => Err(format!("unexpected channel {other:?}")),
    }
}

fn event<'a>(session: &mut Session, e: Event<'_>) -> Result<Parsed<'a, ()>, String> {
    let status = e.status.as_deref().unwrap_or("");
    match (e.event.as_ref(), status) {
        ("heartbeat" | "pong", _)
        | ("systemStatus", "online")
        | ("subscriptionStatus", "subscribed" | "unsubscribed") => Ok(Parsed::Control),
        ("systemStatus", other) => Ok(Parsed::VenueError {
            instrument: None,
            message: format!("system status {other}"),
        }),
        ("subscriptionStatus" | "error", _) => Ok(session.refusal(
            e.event == "subscriptionStatus",
            e.pair.as_deref(),
            format!(
                "{} {} {status}: {}",
                e.event,
                e.pair.as_deref().unwrap_or(""),
                e.error_message.as_deref().unwrap_or("")
            ),
        )),
        (other, _) => Err(format!("unexpected event {other:?}")),
    }
}

fn book<'a>(
    session: &mut Session,
    pair: Cow<'a, str>,
    payloads: &[&'a RawValue],
    levels: &mut Vec<(Side, Level)>,
) -> Result<crate::feed::protocol::BookFrame<'a, ()>, String> {
    let (mut snapshot, mut update) = (false, false);
    let mut checksum = None;
    for payload in payloads {
        for (key, value) in wire::entries(payload)? {
            let (side, is_snapshot) = match key.as_ref() {
                "as" => (Side::Ask, true),
                "bs" => (Side::Bid, true),
                "a" => (Side::Ask, false),
                "b" => (Side::Bid, false),
                "c" => {
                    let text: &str =
                        serde_json::from_str(value.get()).map_err(|e| format!("checksum: {e}"))?;
                    checksum = Some(
                        text.parse::<u32>()
                            .map_err(|_| format!("checksum {text:?} is not a u32"))?,
                    );
                    continue;
                }
                other => return Err(format!("unexpected book key {other:?}")),
            };
            snapshot |= is_snapshot;
            update |= !is_snapshot;
            wire::levels(value, side, levels)?;
        }
    }
    if snapshot == update {
        return Err("book message is neither a snapshot (as/bs) nor an update (a/b)".into());
    }
    Ok(session.book(pair, snapshot, checksum, None))
}

fn trades<'a>(pair: Cow<'a, str>, payloads: &[&'a RawValue]) -> Result<Parsed<'a, ()>, String> {
    let [payload] = payloads else {
        return Err(format!("trade message with {} payloads", payloads.len()));
    };
    let items: Vec<Vec<&RawValue>> =
        serde_json::from_str(payload.get()).map_err(|e| format!("trade data: {e}"))?;
    items
        .into_iter()
        .map(|t| {
            let [price, volume, time, side, ..] = t.as_slice() else {
                return Err(format!("trade with {} fields", t.len()));
            };
            let side: &str =
                serde_json::from_str(side.get()).map_err(|e| format!("trade side: {e}"))?;
            let time: &str =
                serde_json::from_str(time.get()).map_err(|e| format!("trade time: {e}"))?;
            Ok(RawTrade {
                instrument: pair.clone(),
                price: wire::dec(price)?,
                size: wire::dec(volume)?,
                taker: Some(match side {
                    "b" => TakerSide::Buy,
                    "s" => TakerSide::Sell,
                    other => return Err(format!("trade side {other:?}")),
                }),
                ts: seconds_to_millis(time)?,
                id: None,
            })
        })
        .collect::<Result<_, String>>()
        .map(Parsed::Trades)
}

/// `"1618678142.557535"` (seconds with microseconds) → milliseconds, exactly (truncated).
fn seconds_to_millis(text: &str) -> Result<Millis, String> {
    let secs = Dec::parse(text).map_err(|e| format!("time: {e}"))?;
    let scale = u32::from(secs.scale());
    let millis = if scale >= 3 {
        i128::from(secs.mantissa()) / 10i128.pow(scale - 3)
    } else {
        i128::from(secs.mantissa()) * 10i128.pow(3 - scale)
    };
    Millis::try_from(millis).map_err(|_| format!("time {text:?} out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_told_apart_by_shape() {
        assert!(is_v1(r#"[1664,{"a":[]},"book-1000","WAVES/EUR"]"#));
        assert!(is_v1(r#"{"event":"heartbeat"}"#));
        assert!(!is_v1(r#"{"channel":"heartbeat"}"#));
        assert!(!is_v1(r#"{"method":"pong","req_id":4}"#));
    }

    #[test]
    fn trade_times_become_milliseconds_exactly() {
        assert_eq!(seconds_to_millis("1618678142.557535"), Ok(1618678142557));
        assert_eq!(seconds_to_millis("1618678142.5"), Ok(1618678142500));
        assert_eq!(seconds_to_millis("1618678142"), Ok(1618678142000));
        assert!(seconds_to_millis("-1").is_err());
        assert!(seconds_to_millis("x").is_err());
    }
}
