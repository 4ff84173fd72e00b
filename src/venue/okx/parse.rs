//! OKX v5 public frames (`docs/venues.md` "OKX v5"): `{"arg":{channel,instId},"action","data":[…]}`
//! pushes, `{"event":…}` acks/errors/notices, and the text `pong`.

use super::sync::{OkxFields, SeqIds};
use crate::book::Level;
use crate::book::checksum::from_signed;
use crate::feed::event::{Derivs, LiqSampling};
use crate::feed::protocol::{BookFrame, Parsed, RawDerivs, RawLiquidation, RawTrade, RestParsed};
use crate::market::{LiquidatedPosition, Side, TakerSide};
use crate::venue::wire::{self, ChannelArg as Arg, Key};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// The `books` channel keeps 400 levels a side.
pub const BOOK_DEPTH: usize = 400;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TradeData<'a> {
    #[serde(borrow)]
    inst_id: Cow<'a, str>,
    #[serde(borrow)]
    trade_id: Cow<'a, str>,
    #[serde(borrow)]
    px: Cow<'a, str>,
    #[serde(borrow)]
    sz: Cow<'a, str>,
    #[serde(borrow)]
    side: Cow<'a, str>,
    #[serde(borrow)]
    ts: &'a RawValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LiquidationData<'a> {
    #[serde(borrow)]
    inst_id: Cow<'a, str>,
    #[serde(borrow)]
    details: Vec<LiquidationDetail<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LiquidationDetail<'a> {
    #[serde(borrow)]
    bk_px: Cow<'a, str>,
    #[serde(borrow)]
    sz: Cow<'a, str>,
    #[serde(borrow)]
    side: Cow<'a, str>,
    #[serde(borrow, default)]
    pos_side: Option<Cow<'a, str>>,
    #[serde(borrow)]
    ts: &'a RawValue,
}

/// Funding, mark price and open interest share one loose shape: every field optional.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DerivsData<'a> {
    #[serde(borrow)]
    inst_id: Cow<'a, str>,
    #[serde(default)]
    funding_rate: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    funding_time: Option<&'a RawValue>,
    #[serde(borrow, default)]
    next_funding_time: Option<&'a RawValue>,
    #[serde(default)]
    mark_px: Option<Cow<'a, str>>,
    /// Open interest in the base currency (`oi` is in contracts).
    #[serde(default)]
    oi_ccy: Option<Cow<'a, str>>,
    #[serde(default)]
    oi_usd: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ts: Option<&'a RawValue>,
}

/// The notice code announcing a close for a service upgrade.
pub const NOTICE_RECONNECT: &str = "64008";

/// Parse one OKX frame; book levels go to `levels`.
pub fn parse<'a>(
    text: &'a str,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, OkxFields>, String> {
    let start = levels.len();
    if let Some(parsed) = push(text, levels) {
        return parsed;
    }
    levels.truncate(start);
    parse_general(text, levels)
}

/// Any frame, read by locating each member first: every shape OKX may send, with an error
/// that names what is wrong. [`push`] reads the common cases faster.
pub(super) fn parse_general<'a>(
    text: &'a str,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, OkxFields>, String> {
    if text == "pong" {
        return Ok(Parsed::Control);
    }
    let members = wire::members(text).ok_or_else(|| wire::json_error(text))?;
    let field = |name: &str| members.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let arg: Option<Arg<'a>> = field("arg")
        .map(|raw| serde_json::from_str(raw).map_err(|e| format!("arg: {e}")))
        .transpose()?;
    if let Some(event) = field("event") {
        let event = wire::string(event)?;
        let text_of = |name| field(name).map(wire::string).transpose();
        return Ok(match event.as_ref() {
            "subscribe" | "unsubscribe" | "channel-conn-count" => Parsed::Control,
            // `64008`: "The connection will soon be closed for a service upgrade. Please
            // reconnect." (about 60 s ahead): a planned restart.
            "notice" if text_of("code")?.as_deref() == Some(NOTICE_RECONNECT) => {
                Parsed::Closing(format!(
                    "notice {NOTICE_RECONNECT}: {}",
                    text_of("msg")?.as_deref().unwrap_or("")
                ))
            }
            "error" | "notice" => Parsed::VenueError {
                instrument: arg.and_then(|a| a.inst_id),
                message: format!(
                    "{event} {}: {}",
                    text_of("code")?.as_deref().unwrap_or("?"),
                    text_of("msg")?.as_deref().unwrap_or("")
                ),
            },
            other => return Err(format!("unknown event {other:?}")),
        });
    }
    let arg = arg.ok_or("push without arg")?;
    let data = field("data").ok_or("push without data")?;
    match arg.channel.as_ref() {
        "books" => {
            let instrument = arg.inst_id.ok_or("books push without instId")?;
            let action = field("action").map(wire::string).transpose()?;
            book(instrument, action, data, levels).map(Parsed::Book)
        }
        "trades" => trades(data).map(Parsed::Trades),
        "liquidation-orders" => liquidations(data).map(Parsed::Liquidations),
        "funding-rate" | "mark-price" | "open-interest" => derivs(data).map(Parsed::Derivs),
        "tickers" | "bbo-tbt" | "books5" => Ok(Parsed::Ignored),
        other => Err(format!("unexpected channel {other:?}")),
    }
}

/// The fields of a `books` push besides its levels.
#[derive(Default)]
struct BookFields<'a> {
    instrument: Option<Cow<'a, str>>,
    action: Option<Cow<'a, str>>,
    ts: Option<i64>,
    checksum: Option<i64>,
    seq_id: Option<i64>,
    prev_seq_id: Option<i64>,
}

/// The hot path: a push as OKX writes it (`arg` first), read in one pass. `books` levels go
/// straight into `levels`; `trades` are read in place; the channels depthscope ignores (a
/// cryptofeed recording subscribes `tickers`) are only checked to be whole JSON. `None` for
/// any other frame or shape, which [`parse`] then reads the general way (and names what is
/// wrong, if anything). On the imported OKX replay, reading tickers and trades the general way
/// took 6 % of the time.
pub(super) fn push<'a>(
    text: &'a str,
    levels: &mut Vec<(Side, Level)>,
) -> Option<Result<Parsed<'a, OkxFields>, String>> {
    let mut s = wire::Scan::new(text);
    let (mut channel, mut instrument) = (None, None);
    s.literal(r#"{"arg":"#).then_some(())?;
    s.object_in_order(&ARG_KEYS, |s, key| {
        let slot = match key {
            "channel" => &mut channel,
            "instId" => &mut instrument,
            _ => return s.skip().map(drop),
        };
        once(slot, s.string()?)
    })?;
    match channel? {
        "books" => book_push(s, instrument, levels).map(|f| f.map(Parsed::Book)),
        "trades" => trades_push(s).map(|t| t.map(Parsed::Trades)),
        "tickers" | "bbo-tbt" | "books5" => ignored_push(s).map(|()| Ok(Parsed::Ignored)),
        _ => None,
    }
}

/// The members of a push's `arg`, in the order OKX writes them.
const ARG_KEYS: [Key; 2] = wire::keys(["channel", "instId"]);

/// The members of a `books` push's data entry, in the order OKX writes them.
const BOOK_KEYS: [Key; 6] = wire::keys(["asks", "bids", "ts", "checksum", "prevSeqId", "seqId"]);

/// The members of a trade, in the order OKX writes them.
const TRADE_KEYS: [Key; 8] = wire::keys([
    "instId", "tradeId", "px", "sz", "side", "ts", "count", "seqId",
]);

/// The rest of a `books` push after its `arg`: `action`, then `data` with one entry.
fn book_push<'a>(
    mut s: wire::Scan<'a>,
    instrument: Option<&'a str>,
    levels: &mut Vec<(Side, Level)>,
) -> Option<Result<BookFrame<'a, OkxFields>, String>> {
    let mut f = BookFields {
        instrument: instrument.map(Cow::Borrowed),
        ..BookFields::default()
    };
    s.literal(r#","action":"#).then_some(())?;
    f.action = Some(Cow::Borrowed(s.string()?));
    s.literal(r#","data":["#).then_some(())?;
    let (mut asks, mut bids) = (false, false);
    s.object_in_order(&BOOK_KEYS, |s, key| {
        let (seen, side) = match key {
            "asks" => (&mut asks, Side::Ask),
            "bids" => (&mut bids, Side::Bid),
            _ => {
                let slot = match key {
                    "ts" => &mut f.ts,
                    "checksum" => &mut f.checksum,
                    "seqId" => &mut f.seq_id,
                    "prevSeqId" => &mut f.prev_seq_id,
                    _ => return s.skip().map(drop),
                };
                return once(slot, s.int()?);
            }
        };
        (!*seen).then_some(())?;
        *seen = true;
        s.levels(side, levels)
    })?;
    s.expect(b']')?;
    s.expect(b'}')?;
    s.end()?;
    (asks && bids).then_some(())?;
    Some(frame(f, levels))
}

/// The rest of a `trades` push after its `arg`: `data`, an array of trades, and nothing else.
fn trades_push(mut s: wire::Scan<'_>) -> Option<Result<Vec<RawTrade<'_>>, String>> {
    s.literal(r#","data":"#).then_some(())?;
    let mut trades = Vec::new();
    s.array(|s| {
        let (mut instrument, mut id, mut price, mut size, mut side, mut ts) =
            (None, None, None, None, None, None);
        s.object_in_order(&TRADE_KEYS, |s, key| match key {
            "instId" => once(&mut instrument, s.string()?),
            "tradeId" => once(&mut id, s.string()?),
            "px" => once(&mut price, s.decimal()?),
            "sz" => once(&mut size, s.decimal()?),
            "side" => once(&mut side, s.string()?),
            "ts" => once(&mut ts, s.int()?),
            _ => s.skip().map(drop),
        })?;
        trades.push(RawTrade {
            instrument: Cow::Borrowed(instrument?),
            price: price?,
            size: size?,
            taker: Some(taker(side?)?),
            ts: ts?,
            id: Some(Cow::Borrowed(id?)),
        });
        Some(())
    })?;
    s.expect(b'}')?;
    s.end()?;
    Some(Ok(trades))
}

/// The rest of a push on a channel depthscope ignores: whole JSON with a `data` member and no
/// `event` (an event names an error, which the general path reports).
fn ignored_push(mut s: wire::Scan<'_>) -> Option<()> {
    let mut data = false;
    while s.eat(b',') {
        match s.key()? {
            "event" => return None,
            "data" => data = true,
            _ => {}
        }
        s.skip()?;
    }
    s.expect(b'}')?;
    s.end()?;
    data.then_some(())
}

/// A trade's `side`: the taker's.
fn taker(side: &str) -> Option<TakerSide> {
    match side {
        "buy" => Some(TakerSide::Buy),
        "sell" => Some(TakerSide::Sell),
        _ => None,
    }
}

/// Fill `slot`, which must be empty: a repeated key is left to the general path.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then_some(())?;
    *slot = Some(value);
    Some(())
}

fn book<'a>(
    instrument: Cow<'a, str>,
    action: Option<Cow<'a, str>>,
    data: &str,
    levels: &mut Vec<(Side, Level)>,
) -> Result<BookFrame<'a, OkxFields>, String> {
    let items =
        wire::elements(data).ok_or_else(|| format!("books data: {}", wire::json_error(data)))?;
    let [item] = items.as_slice() else {
        return Err(format!(
            "books push with {} entries, expected 1",
            items.len()
        ));
    };
    let members =
        wire::members(item).ok_or_else(|| format!("books data: {}", wire::json_error(item)))?;
    let field = |name: &str| members.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let int = |name: &str| field(name).map(wire::int_text).transpose();
    wire::levels_text(
        field("asks").ok_or("books data without asks")?,
        Side::Ask,
        levels,
    )?;
    wire::levels_text(
        field("bids").ok_or("books data without bids")?,
        Side::Bid,
        levels,
    )?;
    let fields = BookFields {
        instrument: Some(instrument),
        action,
        ts: Some(wire::int_text(field("ts").ok_or("books data without ts")?)?),
        checksum: int("checksum")?,
        seq_id: int("seqId")?,
        prev_seq_id: int("prevSeqId")?,
    };
    frame(fields, levels)
}

/// A `books` push from its fields, however they were read.
fn frame<'a>(
    f: BookFields<'a>,
    levels: &[(Side, Level)],
) -> Result<BookFrame<'a, OkxFields>, String> {
    let instrument = f.instrument.ok_or("books push without instId")?;
    let snapshot = match f.action.as_deref() {
        Some("snapshot") => Some(Some(BOOK_DEPTH)),
        Some("update") => None,
        other => return Err(format!("books action {other:?}")),
    };
    let ids = match (f.prev_seq_id, f.seq_id) {
        (Some(prev), Some(seq)) => Some(SeqIds {
            prev_seq_id: prev,
            seq_id: u64::try_from(seq).map_err(|_| format!("negative seqId {seq}"))?,
        }),
        _ => None,
    };
    // Since 2026-06-23 the field is always 0: "absent", never a mismatch.
    let checksum = match f.checksum {
        None | Some(0) => None,
        Some(c) => Some(from_signed(c).ok_or_else(|| format!("checksum {c} out of range"))?),
    };
    Ok(BookFrame {
        instrument,
        snapshot,
        seq: OkxFields {
            ids,
            has_levels: !levels.is_empty(),
            from_rest: false,
        },
        checksum,
        exch_ts: Some(f.ts.ok_or("books data without ts")?),
    })
}

/// `GET /api/v5/market/books?instId=..&sz=..`:
/// `{"code":"0","msg":"","data":[{"asks":[..],"bids":[..],"ts":"..","seqId":..}]}`. The
/// instrument is the one the URL asked for (the answer does not name it).
pub fn rest_book(
    url: &str,
    body: &str,
    levels: &mut Vec<(Side, Level)>,
) -> Result<RestParsed<OkxFields>, String> {
    let instrument = url
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("instId="))
        .ok_or("books request without instId")?;
    let members = wire::members(body).ok_or_else(|| wire::json_error(body))?;
    let field = |name: &str| members.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let code = field("code").map(wire::string).transpose()?;
    if code.as_deref() != Some("0") {
        let msg = field("msg").map(wire::string).transpose()?;
        return Err(format!(
            "books answer code {}: {}",
            code.as_deref().unwrap_or("?"),
            msg.as_deref().unwrap_or("")
        ));
    }
    let data = field("data").ok_or("books answer without data")?;
    let items =
        wire::elements(data).ok_or_else(|| format!("books data: {}", wire::json_error(data)))?;
    let [item] = items.as_slice() else {
        return Err(format!(
            "books answer with {} entries, expected 1",
            items.len()
        ));
    };
    let members =
        wire::members(item).ok_or_else(|| format!("books data: {}", wire::json_error(item)))?;
    let field = |name: &str| members.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    for (name, side) in [("asks", Side::Ask), ("bids", Side::Bid)] {
        let raw = field(name).ok_or_else(|| format!("books answer without {name}"))?;
        wire::levels_text(raw, side, levels)?;
    }
    let seq_id = wire::int_text(field("seqId").ok_or("books answer without seqId")?)?;
    let seq_id = u64::try_from(seq_id).map_err(|_| format!("negative seqId {seq_id}"))?;
    Ok(RestParsed::BookSnapshot {
        instrument: instrument.to_owned(),
        seq: OkxFields {
            ids: Some(SeqIds {
                prev_seq_id: -1,
                seq_id,
            }),
            has_levels: !levels.is_empty(),
            from_rest: true,
        },
        limit: Some(BOOK_DEPTH),
    })
}

fn trades(data: &str) -> Result<Vec<RawTrade<'_>>, String> {
    let items: Vec<TradeData> =
        serde_json::from_str(data).map_err(|e| format!("trades data: {e}"))?;
    items
        .into_iter()
        .map(|t| {
            Ok(RawTrade {
                taker: Some(taker(&t.side).ok_or_else(|| format!("trade side {:?}", t.side))?),
                ts: wire::int(t.ts)?,
                price: wire::field_dec("px", &t.px)?,
                size: wire::field_dec("sz", &t.sz)?,
                instrument: t.inst_id,
                id: Some(t.trade_id),
            })
        })
        .collect()
}

/// `liquidation-orders`: `posSide` names the position when the account is in long/short mode;
/// in net mode (`posSide` `net` or absent) the liquidation order's `side` tells: a forced
/// `sell` closes a long.
fn liquidations(data: &str) -> Result<Vec<RawLiquidation<'_>>, String> {
    let items: Vec<LiquidationData> =
        serde_json::from_str(data).map_err(|e| format!("liquidation data: {e}"))?;
    let mut out = Vec::new();
    for item in items {
        for d in item.details {
            let position = match (d.pos_side.as_deref(), d.side.as_ref()) {
                (Some("long"), _) => LiquidatedPosition::Long,
                (Some("short"), _) => LiquidatedPosition::Short,
                (_, "sell") => LiquidatedPosition::Long,
                (_, "buy") => LiquidatedPosition::Short,
                (pos, side) => return Err(format!("liquidation posSide {pos:?} side {side:?}")),
            };
            out.push(RawLiquidation {
                instrument: item.inst_id.clone(),
                position,
                price: wire::field_dec("bkPx", &d.bk_px)?,
                size: wire::field_dec("sz", &d.sz)?,
                ts: wire::int(d.ts)?,
                sampling: LiqSampling::Incomplete,
            });
        }
    }
    Ok(out)
}

fn derivs(data: &str) -> Result<Vec<RawDerivs<'_>>, String> {
    let items: Vec<DerivsData> =
        serde_json::from_str(data).map_err(|e| format!("derivatives data: {e}"))?;
    items
        .into_iter()
        .map(|d| {
            let funding_time = d.funding_time.map(wire::int).transpose()?;
            let next_funding_time = d.next_funding_time.map(wire::int).transpose()?;
            let values = Derivs {
                mark_price: wire::opt_f64("markPx", d.mark_px.as_deref())?,
                funding_rate: wire::opt_f64("fundingRate", d.funding_rate.as_deref())?,
                next_funding_ts: funding_time,
                // OKX intervals vary by instrument: the gap between the next two settlements.
                funding_interval_h: match (funding_time, next_funding_time) {
                    (Some(a), Some(b)) if b > a => Some((b - a) as f64 / 3_600_000.0),
                    _ => None,
                },
                open_interest: wire::opt_f64("oiCcy", d.oi_ccy.as_deref())?,
                open_interest_usd: wire::opt_f64("oiUsd", d.oi_usd.as_deref())?,
                positioning: None,
                index_price: None,
            };
            Ok(RawDerivs {
                ts: d.ts.map(wire::int).transpose()?,
                instrument: d.inst_id,
                values,
            })
        })
        .collect()
}
