//! Binance frames, spot and USDⓈ-M alike (`docs/venues.md` "Binance"): events tagged by `"e"`,
//! optionally inside the combined-stream wrapper `{"stream":"<name>","data":<event>}`, subscribe
//! acks `{"result":null,"id":1}`, errors `{"code":..,"msg":..}`, and the REST bodies depthscope
//! fetches (depth snapshots, USDⓈ-M open interest).

use super::sync::DepthIds;
use crate::book::Level;
use crate::feed::event::{Derivs, LiqSampling};
use crate::feed::protocol::{BookFrame, Parsed, RawDerivs, RawLiquidation, RawTrade, RestParsed};
use crate::market::{LiquidatedPosition, Millis, Side, TakerSide};
use crate::num::Dec;
use crate::venue::wire;
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny};
use serde_json::value::RawValue;
use std::borrow::Cow;

/// What tells one frame from another.
#[derive(Deserialize)]
struct Head<'a> {
    /// The combined-stream wrapper's payload.
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    /// The wrapper of connection events in the WebSocket API's form:
    /// `{"event":{"e":"serverShutdown","E":..}}`.
    #[serde(borrow, default)]
    event: Option<&'a RawValue>,
    /// The event type of a payload.
    #[serde(borrow, default)]
    e: Option<Cow<'a, str>>,
    /// The best ask quantity: present on spot `bookTicker` payloads, the one event without `e`.
    #[serde(rename = "A", default)]
    best_ask_qty: Option<IgnoredAny>,
    /// Present (even as `null`) on answers to `SUBSCRIBE` and other requests.
    #[serde(default, deserialize_with = "present")]
    result: bool,
    #[serde(borrow, default)]
    code: Option<&'a RawValue>,
    #[serde(borrow, default)]
    msg: Option<Cow<'a, str>>,
    /// Some request errors nest the code and message: `{"error":{"code":..,"msg":..},"id":1}`.
    #[serde(borrow, default)]
    error: Option<ErrorBody<'a>>,
}

#[derive(Deserialize)]
struct ErrorBody<'a> {
    #[serde(borrow)]
    code: &'a RawValue,
    #[serde(borrow, default)]
    msg: Option<Cow<'a, str>>,
}

/// `true` whenever the field is there, whatever its value.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// `<symbol>@depth@100ms`: `{"e":"depthUpdate","E","s","U","u","pu"(USDⓈ-M),"b","a"}`.
#[derive(Deserialize)]
struct DepthUpdate<'a> {
    #[serde(rename = "E")]
    event_time: Millis,
    #[serde(rename = "s", borrow)]
    symbol: Cow<'a, str>,
    #[serde(rename = "U")]
    first: u64,
    #[serde(rename = "u")]
    last: u64,
    #[serde(rename = "pu", default)]
    prev: Option<u64>,
    #[serde(rename = "b", borrow)]
    bids: &'a RawValue,
    #[serde(rename = "a", borrow)]
    asks: &'a RawValue,
}

/// `@trade` (`t` id) and `@aggTrade` (`a` id): `{"s","p","q","T","m"}`.
#[derive(Deserialize)]
struct TradeEvent<'a> {
    #[serde(rename = "s", borrow)]
    symbol: Cow<'a, str>,
    #[serde(rename = "p")]
    price: Dec,
    #[serde(rename = "q")]
    size: Dec,
    #[serde(rename = "T")]
    time: Millis,
    /// "Is the buyer the market maker?"
    #[serde(rename = "m")]
    buyer_is_maker: bool,
    #[serde(rename = "t", borrow, default)]
    trade_id: Option<&'a RawValue>,
    #[serde(rename = "a", borrow, default)]
    agg_id: Option<&'a RawValue>,
}

/// `@forceOrder`: `{"e":"forceOrder","E","o":{"s","S","q","p","ap","T",..}}`.
#[derive(Deserialize)]
struct ForceOrder<'a> {
    #[serde(rename = "o", borrow)]
    order: LiquidationOrder<'a>,
}

#[derive(Deserialize)]
struct LiquidationOrder<'a> {
    #[serde(rename = "s", borrow)]
    symbol: Cow<'a, str>,
    #[serde(rename = "S", borrow)]
    side: Cow<'a, str>,
    #[serde(rename = "q")]
    quantity: Dec,
    #[serde(rename = "p")]
    price: Dec,
    #[serde(rename = "ap", default)]
    average_price: Option<Dec>,
    #[serde(rename = "T")]
    time: Millis,
}

/// `@markPrice@1s`: `{"e":"markPriceUpdate","E","s","p","i","P","r","T"}`.
#[derive(Deserialize)]
struct MarkPrice<'a> {
    #[serde(rename = "E")]
    event_time: Millis,
    #[serde(rename = "s", borrow)]
    symbol: Cow<'a, str>,
    #[serde(rename = "p", borrow, default)]
    mark: Option<Cow<'a, str>>,
    #[serde(rename = "i", borrow, default)]
    index: Option<Cow<'a, str>>,
    #[serde(rename = "r", borrow, default)]
    funding_rate: Option<Cow<'a, str>>,
    #[serde(rename = "T", default)]
    next_funding: Option<Millis>,
}

/// `GET /api/v3/depth`, `GET /fapi/v1/depth`: `{"lastUpdateId","bids","asks"}` (USDⓈ-M adds
/// `E`/`T`). The symbol is only in the request URL.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DepthSnapshot<'a> {
    last_update_id: u64,
    #[serde(borrow)]
    bids: &'a RawValue,
    #[serde(borrow)]
    asks: &'a RawValue,
}

/// `GET /fapi/v1/openInterest`: `{"openInterest":"10659.509","symbol":"BTCUSDT","time":..}`,
/// in base units.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenInterest {
    open_interest: Dec,
    symbol: String,
    time: Millis,
}

/// One entry of `GET /fapi/v1/fundingInfo`:
/// `[{"symbol","adjustedFundingRateCap","adjustedFundingRateFloor","fundingIntervalHours",
/// "disclaimer"}]`. Binance lists only the symbols whose cap, floor or interval it adjusted; the
/// others keep no interval here, since §3.10 never assumes 8 h.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FundingInfo {
    symbol: String,
    funding_interval_hours: Option<f64>,
}

/// A REST error body: `{"code":-1121,"msg":"Invalid symbol."}`.
#[derive(Deserialize)]
struct RestError<'a> {
    #[serde(borrow)]
    code: &'a RawValue,
    #[serde(borrow, default)]
    msg: Cow<'a, str>,
}

fn json<'a, T: Deserialize<'a>>(text: &'a str, what: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("{what}: {e}"))
}

/// Parse one WebSocket frame; book levels go to `levels`. `chained`: depth events must carry
/// `pu` (USDⓈ-M), without which the sequence rule cannot judge them.
pub fn parse<'a>(
    text: &'a str,
    chained: bool,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, DepthIds>, String> {
    let head: Head<'a> = json(text, "bad JSON")?;
    if let Some(data) = head.data.or(head.event) {
        let inner: Head<'a> = json(data.get(), "wrapped event")?;
        return event(&inner, data.get(), chained, levels);
    }
    if let Some(error) = head.error {
        return Ok(venue_error(error.code, error.msg.as_deref()));
    }
    if let Some(code) = head.code {
        return Ok(venue_error(code, head.msg.as_deref()));
    }
    if head.result {
        return Ok(Parsed::Control);
    }
    event(&head, text, chained, levels)
}

fn venue_error<'a>(code: &RawValue, msg: Option<&str>) -> Parsed<'a, DepthIds> {
    Parsed::VenueError {
        instrument: None,
        message: format!("code {}: {}", code.get(), msg.unwrap_or("")),
    }
}

/// One event payload, by its `e`.
fn event<'a>(
    head: &Head<'a>,
    payload: &'a str,
    chained: bool,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, DepthIds>, String> {
    let Some(kind) = head.e.as_deref() else {
        return if head.best_ask_qty.is_some() {
            Ok(Parsed::Ignored) // spot bookTicker
        } else {
            Err("frame without an event type".into())
        };
    };
    match kind {
        "depthUpdate" => depth(json(payload, "depthUpdate")?, chained, levels).map(Parsed::Book),
        "trade" | "aggTrade" => Ok(Parsed::Trades(vec![trade(json(payload, kind)?)])),
        "forceOrder" => {
            liquidation(json(payload, "forceOrder")?).map(|l| Parsed::Liquidations(vec![l]))
        }
        "markPriceUpdate" => {
            mark_price(json(payload, "markPriceUpdate")?).map(|d| Parsed::Derivs(vec![d]))
        }
        // "A `serverShutdown` event will be sent when the server is about to shutdown, resulting
        // in disconnection. Please establish a new connection as soon as possible."
        "serverShutdown" => Ok(Parsed::Closing("serverShutdown".into())),
        "bookTicker" | "kline" | "24hrTicker" | "24hrMiniTicker" => Ok(Parsed::Ignored),
        other => Err(format!("unexpected event {other:?}")),
    }
}

fn depth<'a>(
    d: DepthUpdate<'a>,
    chained: bool,
    levels: &mut Vec<(Side, Level)>,
) -> Result<BookFrame<'a, DepthIds>, String> {
    if chained && d.prev.is_none() {
        return Err(format!("{} depthUpdate without pu", d.symbol));
    }
    wire::levels(d.bids, Side::Bid, levels)?;
    wire::levels(d.asks, Side::Ask, levels)?;
    Ok(BookFrame {
        instrument: d.symbol,
        snapshot: None,
        seq: DepthIds {
            first: d.first,
            last: d.last,
            prev: d.prev,
        },
        checksum: None,
        exch_ts: Some(d.event_time),
    })
}

/// `docs/metrics.md` §0.4: `m = true` means the buyer was the maker, so the taker **sold**.
pub const fn taker_side(buyer_is_maker: bool) -> TakerSide {
    if buyer_is_maker {
        TakerSide::Sell
    } else {
        TakerSide::Buy
    }
}

fn trade(t: TradeEvent<'_>) -> RawTrade<'_> {
    RawTrade {
        id: t.trade_id.or(t.agg_id).map(|raw| Cow::Borrowed(raw.get())),
        instrument: t.symbol,
        price: t.price,
        size: t.size,
        taker: Some(taker_side(t.buyer_is_maker)),
        ts: t.time,
    }
}

/// `docs/metrics.md` §3.6: `o.S` is the side of the liquidation **order**, so `SELL` closed a long.
pub fn liquidated_position(order_side: &str) -> Result<LiquidatedPosition, String> {
    match order_side {
        "SELL" => Ok(LiquidatedPosition::Long),
        "BUY" => Ok(LiquidatedPosition::Short),
        other => Err(format!("forceOrder side {other:?}")),
    }
}

/// `forceOrder` is a snapshot stream: "at most the latest one liquidation per symbol per
/// 1000 ms", hence [`LiqSampling::Throttled1s`]. The size is the order's quantity `q`; the price
/// its average fill `ap`, or the order price `p` while nothing has filled (`ap` `"0"`).
fn liquidation(f: ForceOrder<'_>) -> Result<RawLiquidation<'_>, String> {
    let o = f.order;
    let price = match o.average_price {
        Some(ap) if !ap.is_zero() => ap,
        _ => o.price,
    };
    Ok(RawLiquidation {
        position: liquidated_position(&o.side)?,
        instrument: o.symbol,
        price,
        size: o.quantity,
        ts: o.time,
        sampling: LiqSampling::Throttled1s,
    })
}

/// Mark price `p`, index `i`, funding rate `r` and next funding time `T`. The funding interval
/// is not in the stream (it varies by symbol): left `None`, never assumed to be 8 h.
fn mark_price(m: MarkPrice<'_>) -> Result<RawDerivs<'_>, String> {
    Ok(RawDerivs {
        ts: Some(m.event_time),
        values: Derivs {
            mark_price: wire::opt_f64("p", m.mark.as_deref())?,
            index_price: wire::opt_f64("i", m.index.as_deref())?,
            funding_rate: wire::opt_f64("r", m.funding_rate.as_deref())?,
            // A `T` of 0 schedules no funding: it is not a time.
            next_funding_ts: m.next_funding.filter(|t| *t > 0),
            ..Derivs::default()
        },
        instrument: m.symbol,
    })
}

/// The value of `key` in `url`'s query string.
fn query<'u>(url: &'u str, key: &str) -> Option<&'u str> {
    let (_, query) = url.split_once('?')?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
}

/// Parse a REST body fetched from `url`, routed by the URL's path.
pub fn rest(
    url: &str,
    body: &str,
    levels: &mut Vec<(Side, Level)>,
) -> Result<RestParsed<DepthIds>, String> {
    // An error is an object (a struct also reads from an array: a list is never an error).
    if body.trim_start().starts_with('{')
        && let Ok(error) = serde_json::from_str::<RestError>(body)
    {
        return Err(format!("error code {}: {}", error.code.get(), error.msg));
    }
    let path = url.split('?').next().unwrap_or(url);
    if path.ends_with("/depth") {
        let symbol = query(url, "symbol").ok_or("depth URL without symbol")?;
        let limit = query(url, "limit").and_then(|l| l.parse().ok());
        snapshot(symbol, limit, json(body, "depth snapshot")?, levels)
    } else if path.ends_with("/openInterest") {
        open_interest(json(body, "openInterest")?)
    } else if path.ends_with("/fundingInfo") {
        funding_info(json(body, "fundingInfo")?)
    } else {
        Ok(RestParsed::Ignored)
    }
}

fn snapshot(
    symbol: &str,
    limit: Option<usize>,
    s: DepthSnapshot<'_>,
    levels: &mut Vec<(Side, Level)>,
) -> Result<RestParsed<DepthIds>, String> {
    wire::levels(s.bids, Side::Bid, levels)?;
    wire::levels(s.asks, Side::Ask, levels)?;
    Ok(RestParsed::BookSnapshot {
        instrument: symbol.to_owned(),
        seq: DepthIds::snapshot(s.last_update_id),
        limit: Some(limit.unwrap_or_else(|| longer_side(levels))),
    })
}

/// The snapshot limit of a request without `limit` (a recorded one; depthscope always asks
/// 1000): the venue's default is at least the longer side, so that side's length is a safe
/// bound (it may call a complete side partial, never a partial side complete).
fn longer_side(levels: &[(Side, Level)]) -> usize {
    let bids = levels.iter().filter(|(s, _)| *s == Side::Bid).count();
    bids.max(levels.len() - bids)
}

fn funding_info(list: Vec<FundingInfo>) -> Result<RestParsed<DepthIds>, String> {
    Ok(RestParsed::DerivsList(
        list.into_iter()
            .filter_map(|f| {
                let hours = f
                    .funding_interval_hours
                    .filter(|h| h.is_finite() && *h > 0.0)?;
                Some(RawDerivs {
                    instrument: Cow::Owned(f.symbol),
                    ts: None,
                    values: Derivs {
                        funding_interval_h: Some(hours),
                        ..Derivs::default()
                    },
                })
            })
            .collect(),
    ))
}

fn open_interest(oi: OpenInterest) -> Result<RestParsed<DepthIds>, String> {
    Ok(RestParsed::Derivs(vec![RawDerivs {
        instrument: Cow::Owned(oi.symbol),
        ts: Some(oi.time),
        values: Derivs {
            open_interest: Some(oi.open_interest.to_f64()),
            ..Derivs::default()
        },
    }]))
}
