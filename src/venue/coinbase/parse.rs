//! Coinbase Advanced Trade frames (`docs/venues.md` "Coinbase Advanced Trade"). Every push is an
//! envelope `{"channel","timestamp","sequence_num","events":[..]}` (real frames carry no
//! `client_id`, which the docs show: it is not required):
//!
//! - `l2_data`: `events[{"type":"snapshot"|"update","product_id","updates":[{"side":"bid"|
//!   "offer","event_time","price_level","new_quantity"}]}]`; `new_quantity` is the level's size
//!   (not a delta), `"0"` removes it. Snapshots are the whole book (46,000 levels on BTC-USD).
//! - `market_trades`: `events[{"type","trades":[{"product_id","trade_id","price","size","time",
//!   "side"}]}]`. **`side` is the maker's** (`docs/metrics.md` §0.4), so the taker is the
//!   opposite. The `snapshot` event (the last trades before subscribing) is not published: after
//!   a reconnect it would count trades a second time.
//! - `ticker`, `heartbeats`, `subscriptions`: proof of life. The ticker's best bid and ask are not
//!   read: the book is the source.
//! - `{"type":"error","message"}`: the venue refused a request.
//!
//! Every envelope is first counted on its connection ([`ConnectionCount`]): a duplicate or older
//! one is dropped whatever its channel (a repeated trade would be counted twice), and a break in
//! the count reaches the books through their sequence fields.

use super::sync::{ConnectionCount, Envelope};
use crate::book::Level;
use crate::feed::protocol::{BookFrame, Parsed, RawTrade};
use crate::integrity::SeqVerdict;
use crate::market::{Side, TakerSide};
use crate::num::Dec;
use crate::venue::wire;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// Channels Coinbase pushes that depthscope does not subscribe but recordings hold.
const UNREAD: [&str; 3] = ["candles", "status", "ticker_batch"];

#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(borrow, default)]
    channel: Option<Cow<'a, str>>,
    #[serde(default)]
    sequence_num: Option<u64>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    events: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct BookEvent<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    product_id: Cow<'a, str>,
    #[serde(borrow)]
    updates: Vec<LevelUpdate<'a>>,
}

/// Prices and sizes are plain decimal strings: borrowed (an escape would be refused by serde,
/// and reported).
#[derive(Deserialize)]
struct LevelUpdate<'a> {
    side: &'a str,
    price_level: &'a str,
    new_quantity: &'a str,
}

#[derive(Deserialize)]
struct TradeEvent<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    trades: Vec<TradeItem<'a>>,
}

#[derive(Deserialize)]
struct TradeItem<'a> {
    #[serde(borrow)]
    product_id: Cow<'a, str>,
    #[serde(borrow, default)]
    trade_id: Option<Cow<'a, str>>,
    price: Dec,
    size: Dec,
    #[serde(borrow)]
    time: Cow<'a, str>,
    #[serde(borrow)]
    side: Cow<'a, str>,
}

/// Parse one frame received on the connection counted by `count`; book levels go to `levels`.
pub fn parse<'a>(
    text: &'a str,
    count: &mut ConnectionCount,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, Envelope>, String> {
    let frame: Frame<'a> = serde_json::from_str(text).map_err(|e| format!("bad JSON: {e}"))?;
    if frame.kind.as_deref() == Some("error") {
        let message = frame.message.unwrap_or(Cow::Borrowed("(no message)"));
        return Ok(Parsed::VenueError {
            instrument: None,
            message: message.into_owned(),
        });
    }
    let sequence_num = frame
        .sequence_num
        .ok_or("an envelope without sequence_num")?;
    let channel = frame
        .channel
        .as_deref()
        .ok_or("an envelope without channel")?;
    let envelope = count.check(sequence_num);
    if channel == "l2_data" {
        let book = book(&frame, envelope, levels);
        if book.is_err() {
            // Its number was counted, its change was not applied: the books cannot go on.
            count.force_break(sequence_num);
        }
        return book;
    }
    if envelope.verdict == SeqVerdict::Stale {
        return Ok(Parsed::Ignored);
    }
    match channel {
        "market_trades" => trades(events(&frame)?),
        "ticker" | "heartbeats" | "subscriptions" => Ok(Parsed::Control),
        unread if UNREAD.contains(&unread) => Ok(Parsed::Ignored),
        other => Err(format!("unexpected channel {other:?}")),
    }
}

fn events<'a>(frame: &Frame<'a>) -> Result<&'a RawValue, String> {
    frame
        .events
        .ok_or_else(|| "an envelope without events".into())
}

/// An `l2_data` envelope: one book event (every real one holds exactly one). A duplicate
/// snapshot is dropped here: the driver applies snapshots without asking the rule.
fn book<'a>(
    frame: &Frame<'a>,
    envelope: Envelope,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, Envelope>, String> {
    let mut items: Vec<BookEvent<'a>> =
        serde_json::from_str(events(frame)?.get()).map_err(|e| format!("l2_data events: {e}"))?;
    let event = match items.len() {
        1 => items.remove(0),
        n => {
            return Err(format!(
                "l2_data with {n} events (one book per envelope expected)"
            ));
        }
    };
    let snapshot = match event.kind.as_ref() {
        "snapshot" => true,
        "update" => false,
        other => return Err(format!("l2_data event type {other:?}")),
    };
    if snapshot && envelope.verdict == SeqVerdict::Stale {
        return Ok(Parsed::Ignored);
    }
    levels.reserve(event.updates.len());
    for u in &event.updates {
        let side = match u.side {
            "bid" => Side::Bid,
            "offer" | "ask" => Side::Ask,
            other => return Err(format!("level side {other:?}")),
        };
        let price = wire::field_dec("price_level", u.price_level)?;
        let size = wire::field_dec("new_quantity", u.new_quantity)?;
        levels.push((side, Level::new(price, size)));
    }
    let exch_ts = match frame.timestamp.as_deref() {
        Some(ts) => Some(wire::rfc3339_millis(ts)?),
        None => None,
    };
    Ok(Parsed::Book(BookFrame {
        instrument: event.product_id,
        // The whole book: no limit on its levels.
        snapshot: snapshot.then_some(None),
        seq: envelope,
        checksum: None,
        exch_ts,
    }))
}

/// `market_trades`: the live `update` trades, taker side the opposite of the maker's `side`.
fn trades(events: &RawValue) -> Result<Parsed<'_, Envelope>, String> {
    let events: Vec<TradeEvent> =
        serde_json::from_str(events.get()).map_err(|e| format!("market_trades events: {e}"))?;
    let mut out = Vec::new();
    for event in events.into_iter().filter(|e| e.kind == "update") {
        for t in event.trades {
            let taker = match t.side.as_ref() {
                "BUY" => TakerSide::Sell,
                "SELL" => TakerSide::Buy,
                other => return Err(format!("trade side {other:?}")),
            };
            out.push(RawTrade {
                instrument: t.product_id,
                price: t.price,
                size: t.size,
                taker: Some(taker),
                ts: wire::rfc3339_millis(&t.time)?,
                id: t.trade_id,
            });
        }
    }
    Ok(if out.is_empty() {
        Parsed::Control
    } else {
        Parsed::Trades(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(count: &mut ConnectionCount, text: &str) -> (Result<String, String>, usize) {
        let mut levels = Vec::new();
        let parsed = parse(text, count, &mut levels).map(|p| format!("{p:?}"));
        (parsed, levels.len())
    }

    /// Coinbase reports the maker's side: a `BUY` print was a resting buyer hit by a seller.
    #[test]
    fn trades_take_the_side_opposite_the_makers() {
        let mut count = ConnectionCount::default();
        let frame = r#"{"channel":"market_trades","timestamp":"2026-08-09T21:06:12.278527332Z","sequence_num":1008,"events":[{"type":"update","trades":[{"product_id":"ETH-USD","trade_id":"833140810","price":"1919.38","size":"0.02066532","time":"2026-08-09T21:06:12.197444Z","side":"SELL"},{"product_id":"ETH-USD","trade_id":"833140811","price":"1919.37","size":"0.1","time":"2026-08-09T21:06:12.198Z","side":"BUY"}]}]}"#;
        let mut levels = Vec::new();
        let Ok(Parsed::Trades(trades)) = parse(frame, &mut count, &mut levels) else {
            panic!("not trades");
        };
        let takers: Vec<_> = trades.iter().map(|t| t.taker).collect();
        assert_eq!(takers, [Some(TakerSide::Buy), Some(TakerSide::Sell)]);
        assert_eq!(trades[0].price.to_string(), "1919.38");
        assert_eq!(trades[0].ts, 1_786_309_572_197);
        assert_eq!(trades[0].id.as_deref(), Some("833140810"));

        let snapshot = frame
            .replace(r#""type":"update""#, r#""type":"snapshot""#)
            .replace("1008", "1009");
        assert_eq!(run(&mut count, &snapshot).0.unwrap(), "Control");
        let odd = frame
            .replace("1008", "1010")
            .replace("\"SELL\"", "\"HOLD\"");
        assert!(run(&mut count, &odd).0.unwrap_err().contains("HOLD"));
    }

    #[test]
    fn book_events_are_whole_snapshots_or_absolute_updates() {
        let mut count = ConnectionCount::default();
        let snap = r#"{"channel":"l2_data","timestamp":"2026-08-09T21:05:48.483587501Z","sequence_num":13,"events":[{"type":"snapshot","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"2026-08-09T21:05:48.170326Z","price_level":"65083.66","new_quantity":"0.20371215"},{"side":"offer","event_time":"2026-08-09T21:05:48.170326Z","price_level":"65083.67","new_quantity":"0.24290402"}]}]}"#;
        let mut levels = Vec::new();
        let Ok(Parsed::Book(book)) = parse(snap, &mut count, &mut levels) else {
            panic!("not a book");
        };
        assert_eq!(book.instrument, "BTC-USD");
        assert_eq!(book.snapshot, Some(None), "the whole book");
        assert_eq!(book.seq.verdict, SeqVerdict::Apply);
        assert_eq!(book.exch_ts, Some(1_786_309_548_483));
        assert_eq!(
            levels,
            [
                (
                    Side::Bid,
                    Level::new(
                        Dec::parse("65083.66").unwrap(),
                        Dec::parse("0.20371215").unwrap()
                    )
                ),
                (
                    Side::Ask,
                    Level::new(
                        Dec::parse("65083.67").unwrap(),
                        Dec::parse("0.24290402").unwrap()
                    )
                ),
            ]
        );
        // The same snapshot again: a duplicate, dropped before it could replace the book.
        assert_eq!(run(&mut count, snap).0.unwrap(), "Ignored");
        let update = snap.replace("snapshot", "update").replace("13", "14");
        let (parsed, n) = run(&mut count, &update);
        assert!(parsed.unwrap().contains("snapshot: None"));
        assert_eq!(n, 2);
    }

    /// An update whose number was counted but whose levels cannot be read breaks the count:
    /// the books must not go on as if it had been applied.
    #[test]
    fn an_unreadable_book_update_breaks_the_connection() {
        let mut count = ConnectionCount::default();
        let bad = r#"{"channel":"l2_data","sequence_num":5,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","price_level":"1e3","new_quantity":"1"}]}]}"#;
        assert!(run(&mut count, bad).0.is_err());
        let next = count.check(6);
        assert_eq!((next.verdict, next.breaks), (SeqVerdict::Apply, 1));
        let two = r#"{"channel":"l2_data","sequence_num":7,"events":[{"type":"update","product_id":"A-USD","updates":[]},{"type":"update","product_id":"B-USD","updates":[]}]}"#;
        assert!(run(&mut count, two).0.unwrap_err().contains("2 events"));
        assert_eq!(count.check(8).breaks, 2);
    }

    #[test]
    fn control_frames_duplicates_and_errors() {
        let mut count = ConnectionCount::default();
        let heartbeat = r#"{"channel":"heartbeats","timestamp":"2026-08-09T21:05:48.856364007Z","sequence_num":35,"events":[{"current_time":"2026-08-09 21:05:48.854840045 +0000 UTC m=+41691.260485341","heartbeat_counter":41691}]}"#;
        assert_eq!(run(&mut count, heartbeat).0.unwrap(), "Control");
        assert_eq!(
            run(&mut count, heartbeat).0.unwrap(),
            "Ignored",
            "a duplicate"
        );
        let candles = r#"{"channel":"candles","sequence_num":36,"events":[]}"#;
        assert_eq!(run(&mut count, candles).0.unwrap(), "Ignored");
        let odd = r#"{"channel":"level3","sequence_num":37,"events":[]}"#;
        assert!(run(&mut count, odd).0.unwrap_err().contains("level3"));
        let error = r#"{"type":"error","message":"failed to subscribe: invalid product_id"}"#;
        assert!(
            run(&mut count, error)
                .0
                .unwrap()
                .contains("invalid product_id")
        );
        assert!(
            run(&mut count, r#"{"channel":"ticker"}"#)
                .0
                .unwrap_err()
                .contains("sequence_num")
        );
        assert!(
            run(&mut count, "{not json")
                .0
                .unwrap_err()
                .starts_with("bad JSON")
        );
    }
}
