//! Gate v4 frames (`docs/venues.md` "Gate (v4)"). Every frame is an envelope
//! `{"time","time_ms","channel","event","result"[,"payload","error"]}`:
//!
//! - `spot.obu` / `futures.obu` (`event: update`): `result {"t","full"?,"s":"ob.BTC_USDT.50",
//!   "U"?,"u","b"?,"a"?}`. `full: true` replaces the book and names only `u`; a delta covers
//!   `U..=u` and may carry no levels at all (it still advances the id).
//! - `spot.order_book_update` / `futures.order_book_update` (legacy, read in replays of older
//!   recordings only): `result {"t","s","U","u","b","a"}`, spot levels `["p","s"]`, futures
//!   levels `{"p":"..","s":<number>}`; their REST snapshots (`with_id=true`) carry `id`.
//! - `spot.trades`: `result {"id","create_time_ms":"1619093543708.2642","side","currency_pair",
//!   "amount","price"}`; `side` is the taker's.
//! - `futures.trades`: `result [{"id","create_time_ms","contract","size","price"}]`; `size` is
//!   signed contracts, negative when the taker sold.
//! - `futures.tickers`: `result [{"contract","mark_price","index_price","funding_rate",
//!   "funding_next_apply"(s),"funding_interval"(s),"total_size"(contracts)}]`.
//! - `event: subscribe|unsubscribe` acknowledgements (`result.status`), `error {code,message}`
//!   refusals, `*.pong`: control.
//!
//! Numbers: Gate sends prices as strings but futures sizes as JSON numbers, and a JSON number may
//! be written with an exponent (`2.2e3`); every one is read to an exact decimal ([`dec`]).

use super::sync::BookIds;
use crate::book::Level;
use crate::feed::event::Derivs;
use crate::feed::protocol::{BookFrame, Parsed, RawDerivs, RawTrade, RestParsed};
use crate::market::{Side, TakerSide};
use crate::num::Dec;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;

/// Channels Gate pushes that depthscope does not read but recordings hold.
const UNREAD: [&str; 6] = [
    "spot.candlesticks",
    "futures.candlesticks",
    "spot.tickers",
    "spot.book_ticker",
    "futures.book_ticker",
    "futures.order_book",
];

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    channel: Cow<'a, str>,
    #[serde(borrow, default)]
    event: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    payload: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default)]
    error: Option<VenueError<'a>>,
}

#[derive(Deserialize)]
struct VenueError<'a> {
    #[serde(default)]
    code: Option<i64>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Obu<'a> {
    #[serde(default)]
    t: Option<i64>,
    #[serde(default)]
    full: bool,
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(rename = "U", default)]
    first: Option<u64>,
    u: u64,
    #[serde(borrow, default)]
    b: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    a: Option<Vec<&'a RawValue>>,
}

/// A legacy `*.order_book_update` push: `{"t","s":"BTC_USDT","U","u","b","a"}`; spot levels are
/// `["p","s"]`, futures levels `{"p":"..","s":<number>}`.
#[derive(Deserialize)]
struct Legacy<'a> {
    #[serde(default)]
    t: Option<i64>,
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(rename = "U")]
    first: u64,
    u: u64,
    #[serde(borrow, default)]
    b: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    a: Option<Vec<&'a RawValue>>,
}

/// A REST order book `?with_id=true`: `{"id","asks","bids",..}` (levels as in [`Legacy`]).
#[derive(Deserialize)]
struct RestBook<'a> {
    id: u64,
    #[serde(borrow, default)]
    bids: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    asks: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct LevelObject<'a> {
    #[serde(borrow)]
    p: &'a RawValue,
    #[serde(borrow)]
    s: &'a RawValue,
}

/// One level in either of Gate's shapes, `["p","s"]` or `{"p","s"}`, to exact decimals.
fn level(raw: &RawValue) -> Result<Level, String> {
    let (p, s) = if raw.get().trim_start().starts_with('{') {
        let o: LevelObject = serde_json::from_str(raw.get()).map_err(|e| format!("level: {e}"))?;
        (o.p, o.s)
    } else {
        serde_json::from_str::<(&RawValue, &RawValue)>(raw.get())
            .map_err(|e| format!("level: {e}"))?
    };
    Ok(Level::new(dec(p)?, dec(s)?))
}

fn push_levels(
    bids: Option<&Vec<&RawValue>>,
    asks: Option<&Vec<&RawValue>>,
    levels: &mut Vec<(Side, Level)>,
) -> Result<(), String> {
    for (side, list) in [(Side::Bid, bids), (Side::Ask, asks)] {
        for raw in list.into_iter().flatten() {
            levels.push((side, level(raw)?));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct SpotTrade<'a> {
    id: &'a RawValue,
    create_time_ms: &'a RawValue,
    #[serde(borrow)]
    side: Cow<'a, str>,
    #[serde(borrow)]
    currency_pair: Cow<'a, str>,
    amount: &'a RawValue,
    price: &'a RawValue,
}

#[derive(Deserialize)]
struct FuturesTrade<'a> {
    id: &'a RawValue,
    create_time_ms: &'a RawValue,
    #[serde(borrow)]
    contract: Cow<'a, str>,
    size: &'a RawValue,
    price: &'a RawValue,
}

#[derive(Deserialize)]
struct Ticker<'a> {
    #[serde(borrow)]
    contract: Cow<'a, str>,
    #[serde(default)]
    mark_price: Option<&'a RawValue>,
    #[serde(default)]
    index_price: Option<&'a RawValue>,
    #[serde(default)]
    funding_rate: Option<&'a RawValue>,
    #[serde(default)]
    funding_next_apply: Option<i64>,
    #[serde(default)]
    funding_interval: Option<i64>,
    #[serde(default)]
    total_size: Option<&'a RawValue>,
}

/// An exact decimal from a raw JSON token: a string or a number, exponent forms included
/// (`2.2e3` is 2200). Negative values are refused (prices and sizes).
pub use crate::venue::wire::dec_scientific as dec;

/// A signed decimal (a futures trade's `size`): its magnitude and whether it was negative.
fn signed_dec(raw: &RawValue) -> Result<(Dec, bool), String> {
    let text = raw.get().trim_ascii();
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    let (negative, magnitude) = match inner.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, inner),
    };
    let value = Dec::parse_scientific(magnitude).map_err(|e| e.to_string())?;
    Ok((value, negative))
}

/// A value for features only (rates, marks), from a string or a number; `None` when empty.
fn opt_f64(field: &str, raw: Option<&RawValue>) -> Result<Option<f64>, String> {
    let Some(raw) = raw else { return Ok(None) };
    let text = raw.get().trim_ascii().trim_matches('"');
    crate::venue::wire::opt_f64(field, Some(text))
}

/// Milliseconds from an integer or Gate's fractional string (`"1619093543708.2642"`).
fn millis(raw: &RawValue) -> Result<i64, String> {
    let text = raw.get().trim_ascii().trim_matches('"');
    let whole = text.split_once('.').map_or(text, |(w, _)| w);
    whole
        .parse()
        .map_err(|_| format!("expected milliseconds, got {text:?}"))
}

fn id_text(raw: &RawValue) -> Cow<'_, str> {
    Cow::Borrowed(raw.get().trim_matches('"'))
}

/// The pair or contract an `obu` stream names (`ob.BTC_USDT.50` → `BTC_USDT`) and its depth.
pub fn obu_stream(s: &str) -> Option<(&str, usize)> {
    let rest = s.strip_prefix("ob.")?;
    let (pair, depth) = rest.rsplit_once('.')?;
    Some((pair, depth.parse().ok()?))
}

/// Parses one market's frames. Futures contracts convert to base units with their
/// `quanto_multiplier` for open interest (books and trades are converted by the engine from
/// the instrument's contract).
#[derive(Debug, Default)]
pub struct Parser {
    /// `quanto_multiplier` per contract (futures), from the instrument list.
    pub multipliers: HashMap<String, f64>,
}

impl Parser {
    pub fn parse<'a>(
        &self,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, BookIds>, String> {
        let env: Envelope<'a> = serde_json::from_str(text).map_err(|e| format!("bad JSON: {e}"))?;
        if let Some(error) = env.error {
            return Ok(refusal(error, env.payload));
        }
        let channel = env.channel.as_ref();
        if channel.ends_with(".pong") {
            return Ok(Parsed::Control);
        }
        match env.event.as_deref() {
            Some("subscribe" | "unsubscribe") => return Ok(Parsed::Control),
            Some("update" | "all") => {}
            other => return Err(format!("{channel}: unexpected event {other:?}")),
        }
        if UNREAD.contains(&channel) {
            return Ok(Parsed::Ignored);
        }
        let result = env.result.ok_or_else(|| format!("{channel}: no result"))?;
        match channel {
            "spot.obu" | "futures.obu" => book(result, levels),
            "spot.trades" => spot_trade(result),
            "futures.trades" => futures_trades(result),
            "futures.tickers" => self.tickers(result),
            "spot.order_book_update" | "futures.order_book_update" => legacy_book(result, levels),
            other => Err(format!("unexpected channel {other:?}")),
        }
    }

    /// `futures.tickers`: mark, index, funding and open interest (contracts × multiplier).
    fn tickers<'a>(&self, result: &'a RawValue) -> Result<Parsed<'a, BookIds>, String> {
        let items: Vec<Ticker<'a>> = serde_json::from_str(result.get())
            .map_err(|e| format!("futures.tickers result: {e}"))?;
        let mut out = Vec::with_capacity(items.len());
        for t in items {
            let contracts = opt_f64("total_size", t.total_size)?;
            let multiplier = self.multipliers.get(t.contract.as_ref()).copied();
            let open_interest = contracts.zip(multiplier).map(|(c, m)| c * m);
            let values = Derivs {
                mark_price: opt_f64("mark_price", t.mark_price)?,
                index_price: opt_f64("index_price", t.index_price)?,
                funding_rate: opt_f64("funding_rate", t.funding_rate)?,
                next_funding_ts: t.funding_next_apply.map(|s| s.saturating_mul(1000)),
                funding_interval_h: t
                    .funding_interval
                    .filter(|s| *s > 0)
                    .map(|s| s as f64 / 3600.0),
                open_interest,
                open_interest_usd: None,
                positioning: None,
            };
            out.push(RawDerivs {
                instrument: t.contract,
                ts: None,
                values,
            });
        }
        Ok(Parsed::Derivs(out))
    }
}

/// A refused request names its instrument when its payload does (`ob.BTC_USDT.50`, `BTC_USDT`).
fn refusal<'a>(error: VenueError<'a>, payload: Option<Vec<Cow<'a, str>>>) -> Parsed<'a, BookIds> {
    let message = format!(
        "{} (code {})",
        error.message.as_deref().unwrap_or("(no message)"),
        error
            .code
            .map_or_else(|| "none".to_owned(), |c| c.to_string())
    );
    let instrument =
        payload
            .and_then(|p| p.into_iter().next())
            .map(|first| match obu_stream(&first) {
                Some((pair, _)) => Cow::Owned(pair.to_owned()),
                None => first,
            });
    Parsed::VenueError {
        instrument,
        message,
    }
}

fn book<'a>(
    result: &'a RawValue,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, BookIds>, String> {
    let obu: Obu<'a> =
        serde_json::from_str(result.get()).map_err(|e| format!("obu result: {e}"))?;
    let (instrument, depth) = stream_of(&obu.s)?;
    let first = match (obu.full, obu.first) {
        (true, _) => obu.u,
        (false, Some(first)) => first,
        (false, None) => return Err("an obu delta without U".into()),
    };
    let ids = BookIds {
        first,
        last: obu.u,
        legacy: false,
    };
    push_levels(obu.b.as_ref(), obu.a.as_ref(), levels)?;
    Ok(Parsed::Book(BookFrame {
        instrument,
        snapshot: obu.full.then_some(Some(depth)),
        seq: ids,
        checksum: None,
        exch_ts: obu.t,
    }))
}

/// A legacy `*.order_book_update` delta (replays of recordings; never subscribed live).
fn legacy_book<'a>(
    result: &'a RawValue,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, BookIds>, String> {
    let update: Legacy<'a> =
        serde_json::from_str(result.get()).map_err(|e| format!("order_book_update result: {e}"))?;
    push_levels(update.b.as_ref(), update.a.as_ref(), levels)?;
    Ok(Parsed::Book(BookFrame {
        instrument: update.s,
        snapshot: None,
        seq: BookIds {
            first: update.first,
            last: update.u,
            legacy: true,
        },
        checksum: None,
        exch_ts: update.t,
    }))
}

/// A REST order book with its `id` (`GET /api/v4/spot/order_book?currency_pair=X&..&with_id=true`
/// or `/futures/usdt/order_book?contract=X&..`): the legacy channel's starting point.
pub fn rest_book(
    url: &str,
    body: &str,
    levels: &mut Vec<(Side, Level)>,
) -> Result<RestParsed<BookIds>, String> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
    };
    let instrument = param("currency_pair")
        .or_else(|| param("contract"))
        .ok_or_else(|| format!("order book URL names no pair: {url}"))?;
    let book: RestBook = serde_json::from_str(body).map_err(|e| format!("order book: {e}"))?;
    push_levels(Some(&book.bids), Some(&book.asks), levels)?;
    Ok(RestParsed::BookSnapshot {
        instrument: instrument.to_owned(),
        seq: BookIds {
            first: book.id,
            last: book.id,
            legacy: true,
        },
        limit: param("limit").and_then(|l| l.parse().ok()),
    })
}

/// An `obu` stream's pair, borrowed from the frame unless JSON escapes made a copy.
fn stream_of<'a>(s: &Cow<'a, str>) -> Result<(Cow<'a, str>, usize), String> {
    let bad = || format!("obu stream {s:?} is not ob.<pair>.<level>");
    match s {
        Cow::Borrowed(s) => obu_stream(s)
            .map(|(pair, depth)| (Cow::Borrowed(pair), depth))
            .ok_or_else(bad),
        Cow::Owned(s) => obu_stream(s)
            .map(|(pair, depth)| (Cow::Owned(pair.to_owned()), depth))
            .ok_or_else(bad),
    }
}

/// `spot.trades`: one trade per frame; `side` is the taker's.
fn spot_trade(result: &RawValue) -> Result<Parsed<'_, BookIds>, String> {
    let t: SpotTrade =
        serde_json::from_str(result.get()).map_err(|e| format!("spot.trades result: {e}"))?;
    let taker = match t.side.as_ref() {
        "buy" => TakerSide::Buy,
        "sell" => TakerSide::Sell,
        other => return Err(format!("trade side {other:?}")),
    };
    Ok(Parsed::Trades(vec![RawTrade {
        instrument: t.currency_pair,
        price: dec(t.price)?,
        size: dec(t.amount)?,
        taker: Some(taker),
        ts: millis(t.create_time_ms)?,
        id: Some(id_text(t.id)),
    }]))
}

/// `futures.trades`: a signed `size` in contracts, negative when the taker sold.
fn futures_trades(result: &RawValue) -> Result<Parsed<'_, BookIds>, String> {
    let items: Vec<FuturesTrade> =
        serde_json::from_str(result.get()).map_err(|e| format!("futures.trades result: {e}"))?;
    let mut out = Vec::with_capacity(items.len());
    for t in items {
        let (size, sold) = signed_dec(t.size)?;
        out.push(RawTrade {
            instrument: t.contract,
            price: dec(t.price)?,
            size,
            taker: Some(if sold {
                TakerSide::Sell
            } else {
                TakerSide::Buy
            }),
            ts: millis(t.create_time_ms)?,
            id: Some(id_text(t.id)),
        });
    }
    Ok(if out.is_empty() {
        Parsed::Control
    } else {
        Parsed::Trades(out)
    })
}
