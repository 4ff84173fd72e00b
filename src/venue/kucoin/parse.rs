//! KuCoin frames (`docs/venues.md` "KuCoin"), both dialects:
//!
//! - Pro/UTA (tokenless `x-push-*` sockets): `{"T":"obu.SPOT"|"obu.FUTURES","t":"snapshot"|
//!   "delta","d":{"s","a","b","O","C","M"(ns)}}` books; `{"T":"trade.SPOT"|"trade.FUTURES",
//!   "d":{"s","S"(the taker's side),"p","q","M"(ns),"ti"}}` trades (shape from cryptofeed's
//!   2026 UTA adapter, not from a recording); `{"T":"mark-price","d":{"s","mp","ip",
//!   "oi"(contracts),"ts"}}` and `{"T":"funding-fee","d":{"s","fr","nt","gl"(ms)}}`; control:
//!   `{"message":"welcome","pingInterval"}`, `{"id","result":true}`, `{"type":"pong"}`.
//! - Classic (token sockets): `{"type":"message","topic","subject","data"}` with subjects
//!   `trade.l2update` (spot deltas `sequenceStart..=sequenceEnd`, changes `[price,size,seq]`),
//!   `level2` (futures: one `"price,side,size"` change at `sequence`, or a `level2Depth50` whole
//!   book, not read), `trade.l3match`/`match` (`side` is the taker's), `mark.index.price` and
//!   `funding.rate`; control: `welcome`, `ack`, `pong`; refusals `{"type":"error","data"}`.
//!
//! The REST snapshot `/api/v3/market/orderbook/level2` carries `data.sequence` (a string).

use super::sync::BookIds;
use crate::book::Level;
use crate::feed::event::Derivs;
use crate::feed::protocol::{BookFrame, Parsed, RawDerivs, RawTrade, RestParsed};
use crate::market::{Side, TakerSide};
use crate::num::Dec;
use crate::venue::wire;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;

/// A frame's envelope, the members of both dialects (each frame has some of them).
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "T", borrow, default)]
    topic: Option<Cow<'a, str>>,
    #[serde(rename = "t", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow, default)]
    classic_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    subject: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
    /// Classic topic (`/contract/instrument:XBTUSDTM`); names the symbol some subjects omit.
    #[serde(rename = "topic", borrow, default)]
    topic_path: Option<&'a str>,
    #[serde(borrow, default)]
    d: Option<&'a RawValue>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Obu<'a> {
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(rename = "O")]
    first: u64,
    #[serde(rename = "C")]
    last: u64,
    #[serde(rename = "M", default)]
    match_ns: Option<i64>,
    #[serde(borrow, default)]
    b: Option<&'a RawValue>,
    #[serde(borrow, default)]
    a: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct UtaTrade<'a> {
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(rename = "S", borrow)]
    side: Cow<'a, str>,
    p: &'a RawValue,
    q: &'a RawValue,
    #[serde(rename = "M", default)]
    match_ns: Option<i64>,
    #[serde(borrow, default)]
    ti: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct L2Update<'a> {
    #[serde(borrow)]
    symbol: Cow<'a, str>,
    sequence_start: u64,
    sequence_end: u64,
    #[serde(borrow)]
    changes: Changes<'a>,
    #[serde(default)]
    time: Option<i64>,
}

#[derive(Deserialize)]
struct Changes<'a> {
    #[serde(borrow)]
    asks: &'a RawValue,
    #[serde(borrow)]
    bids: &'a RawValue,
}

#[derive(Deserialize)]
struct Match<'a> {
    #[serde(borrow)]
    symbol: Cow<'a, str>,
    #[serde(borrow)]
    side: Cow<'a, str>,
    size: &'a RawValue,
    price: &'a RawValue,
    /// Nanoseconds (spot, a string) or milliseconds (futures `ts` is ns too): read as ns.
    #[serde(default)]
    time: Option<&'a RawValue>,
    #[serde(default)]
    ts: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "tradeId")]
    trade_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct MarkPrice<'a> {
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(default)]
    mp: Option<&'a str>,
    #[serde(default)]
    ip: Option<&'a str>,
    #[serde(default)]
    oi: Option<&'a str>,
    #[serde(default)]
    ts: Option<i64>,
}

#[derive(Deserialize)]
struct FundingFee<'a> {
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(default)]
    fr: Option<&'a str>,
    #[serde(default)]
    nt: Option<i64>,
    #[serde(default)]
    gl: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClassicInstrument {
    #[serde(default)]
    mark_price: Option<f64>,
    #[serde(default)]
    index_price: Option<f64>,
    #[serde(default)]
    funding_rate: Option<f64>,
    #[serde(default)]
    timestamp: Option<i64>,
}

#[derive(Deserialize)]
struct FuturesChange<'a> {
    sequence: u64,
    #[serde(borrow)]
    change: Cow<'a, str>,
    #[serde(default)]
    timestamp: Option<i64>,
}

#[derive(Deserialize)]
struct RestBook<'a> {
    #[serde(borrow)]
    sequence: Cow<'a, str>,
    #[serde(borrow)]
    bids: &'a RawValue,
    #[serde(borrow)]
    asks: &'a RawValue,
}

#[derive(Deserialize)]
struct RestEnvelope<'a> {
    #[serde(borrow)]
    code: Cow<'a, str>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    msg: Option<Cow<'a, str>>,
}

/// Parses one market's frames. Futures open interest is in contracts of the listed multiplier
/// (base units per contract, `XBTUSDTM` 0.001 BTC); it is converted here, as books and trades
/// are converted by the engine from the instrument's contract.
#[derive(Debug, Default)]
pub struct Parser {
    /// Base units per contract (futures), from the instrument list.
    pub multipliers: HashMap<String, f64>,
}

impl Parser {
    pub fn parse<'a>(
        &self,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, BookIds>, String> {
        let env: Envelope<'a> = serde_json::from_str(text).map_err(|e| format!("bad JSON: {e}"))?;
        if let Some(topic) = env.topic.as_deref() {
            let d = env.d.ok_or_else(|| format!("{topic}: no d"))?;
            return match topic {
                "obu.SPOT" | "obu.FUTURES" => obu(env.kind.as_deref(), d, levels),
                "trade.SPOT" | "trade.FUTURES" => uta_trade(d),
                "mark-price" => self.mark_price(d),
                "funding-fee" => funding_fee(d),
                other => Err(format!("unexpected topic {other:?}")),
            };
        }
        if env.message.as_deref() == Some("welcome") || env.result.is_some() {
            return Ok(Parsed::Control);
        }
        match env.classic_type.as_deref() {
            Some("welcome" | "ack" | "pong") => Ok(Parsed::Control),
            Some("error") => Ok(Parsed::VenueError {
                instrument: None,
                message: env
                    .data
                    .map_or_else(|| "(no message)".to_owned(), |d| d.get().to_owned()),
            }),
            Some("message") => {
                let subject = env.subject.as_deref().unwrap_or("");
                let data = env.data.ok_or_else(|| format!("{subject}: no data"))?;
                classic(subject, env.topic_path, data, levels)
            }
            other => Err(format!("unexpected frame type {other:?}")),
        }
    }

    /// `mark-price`: mark, index and open interest (contracts × multiplier; unknown contract
    /// size leaves it out rather than guess).
    fn mark_price<'a>(&self, d: &'a RawValue) -> Result<Parsed<'a, BookIds>, String> {
        let m: MarkPrice<'a> =
            serde_json::from_str(d.get()).map_err(|e| format!("mark-price: {e}"))?;
        let contracts = wire::opt_f64("oi", m.oi)?;
        let multiplier = self.multipliers.get(m.s.as_ref()).copied();
        let values = Derivs {
            mark_price: wire::opt_f64("mp", m.mp)?,
            index_price: wire::opt_f64("ip", m.ip)?,
            open_interest: contracts.zip(multiplier).map(|(c, m)| c * m),
            ..Derivs::default()
        };
        Ok(Parsed::Derivs(vec![RawDerivs {
            instrument: m.s,
            ts: m.ts,
            values,
        }]))
    }
}

fn obu<'a>(
    kind: Option<&str>,
    d: &'a RawValue,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, BookIds>, String> {
    let snapshot = match kind {
        Some("snapshot") => true,
        Some("delta") => false,
        other => return Err(format!("obu: unexpected t {other:?}")),
    };
    let book: Obu<'a> = serde_json::from_str(d.get()).map_err(|e| format!("obu: {e}"))?;
    push_levels(book.b, book.a, levels)?;
    Ok(Parsed::Book(BookFrame {
        instrument: book.s,
        snapshot: snapshot.then_some(None),
        seq: BookIds {
            first: book.first,
            last: book.last,
            classic: false,
        },
        checksum: None,
        exch_ts: book.match_ns.map(|ns| ns / 1_000_000),
    }))
}

fn funding_fee(d: &RawValue) -> Result<Parsed<'_, BookIds>, String> {
    let f: FundingFee = serde_json::from_str(d.get()).map_err(|e| format!("funding-fee: {e}"))?;
    let values = Derivs {
        funding_rate: wire::opt_f64("fr", f.fr)?,
        next_funding_ts: f.nt,
        funding_interval_h: f.gl.filter(|ms| *ms > 0).map(|ms| ms as f64 / 3_600_000.0),
        ..Derivs::default()
    };
    Ok(Parsed::Derivs(vec![RawDerivs {
        instrument: f.s,
        ts: None,
        values,
    }]))
}

fn push_levels(
    bids: Option<&RawValue>,
    asks: Option<&RawValue>,
    levels: &mut Vec<(Side, Level)>,
) -> Result<(), String> {
    for (side, raw) in [(Side::Bid, bids), (Side::Ask, asks)] {
        if let Some(raw) = raw {
            wire::levels(raw, side, levels)?;
        }
    }
    Ok(())
}

/// The symbol after the topic's colon (`/contract/instrument:XBTUSDTM`).
fn topic_symbol(topic: Option<&str>) -> Result<&str, String> {
    topic
        .and_then(|t| t.rsplit_once(':'))
        .map(|(_, s)| s)
        .ok_or_else(|| format!("no symbol in topic {topic:?}"))
}

fn classic<'a>(
    subject: &str,
    topic: Option<&'a str>,
    data: &'a RawValue,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, BookIds>, String> {
    match subject {
        "trade.l2update" => {
            let u: L2Update<'a> =
                serde_json::from_str(data.get()).map_err(|e| format!("{subject}: {e}"))?;
            push_levels(Some(u.changes.bids), Some(u.changes.asks), levels)?;
            Ok(Parsed::Book(BookFrame {
                instrument: u.symbol,
                snapshot: None,
                seq: BookIds {
                    first: u.sequence_start,
                    last: u.sequence_end,
                    classic: true,
                },
                checksum: None,
                exch_ts: u.time,
            }))
        }
        "level2" if topic.is_some_and(|t| t.contains("/level2Depth")) => Ok(Parsed::Ignored),
        "level2" => futures_change(topic_symbol(topic)?, data, levels),
        "trade.l3match" | "match" => trade(data),
        "mark.index.price" | "funding.rate" => {
            let i: ClassicInstrument =
                serde_json::from_str(data.get()).map_err(|e| format!("{subject}: {e}"))?;
            Ok(Parsed::Derivs(vec![RawDerivs {
                instrument: Cow::Borrowed(topic_symbol(topic)?),
                ts: i.timestamp,
                values: Derivs {
                    mark_price: i.mark_price,
                    index_price: i.index_price,
                    funding_rate: i.funding_rate,
                    ..Derivs::default()
                },
            }]))
        }
        "trade.ticker" | "trade.candles.add" | "trade.candles.update" | "tickerV2" => {
            Ok(Parsed::Ignored)
        }
        other => Err(format!("unexpected subject {other:?}")),
    }
}

/// A classic futures `level2` change `"price,side,size"` at one `sequence`.
fn futures_change<'a>(
    symbol: &'a str,
    data: &'a RawValue,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, BookIds>, String> {
    let c: FuturesChange = serde_json::from_str(data.get()).map_err(|e| format!("level2: {e}"))?;
    let mut parts = c.change.split(',');
    let (Some(price), Some(side), Some(size), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("level2: bad change {:?}", c.change));
    };
    let side = match side {
        "buy" => Side::Bid,
        "sell" => Side::Ask,
        other => return Err(format!("level2: bad side {other:?}")),
    };
    levels.push((
        side,
        Level::new(
            wire::field_dec("price", price)?,
            wire::field_dec("size", size)?,
        ),
    ));
    Ok(Parsed::Book(BookFrame {
        instrument: Cow::Borrowed(symbol),
        snapshot: None,
        seq: BookIds {
            first: c.sequence,
            last: c.sequence,
            classic: true,
        },
        checksum: None,
        exch_ts: c.timestamp,
    }))
}

/// KuCoin's trade side is the taker's ("the trade side of the taker order"), `buy` or `sell`
/// in either case.
fn taker(side: &str) -> Result<TakerSide, String> {
    if side.eq_ignore_ascii_case("buy") {
        Ok(TakerSide::Buy)
    } else if side.eq_ignore_ascii_case("sell") {
        Ok(TakerSide::Sell)
    } else {
        Err(format!("bad trade side {side:?}"))
    }
}

/// A UTA `trade` push.
fn uta_trade(d: &RawValue) -> Result<Parsed<'_, BookIds>, String> {
    let t: UtaTrade = serde_json::from_str(d.get()).map_err(|e| format!("trade: {e}"))?;
    Ok(Parsed::Trades(vec![RawTrade {
        taker: Some(taker(&t.side)?),
        instrument: t.s,
        price: dec(t.p)?,
        size: dec(t.q)?,
        ts: t.match_ns.map_or(0, |ns| ns / 1_000_000),
        id: t.ti,
    }]))
}

/// A classic match.
fn trade(data: &RawValue) -> Result<Parsed<'_, BookIds>, String> {
    let m: Match = serde_json::from_str(data.get()).map_err(|e| format!("match: {e}"))?;
    let taker = taker(&m.side)?;
    let ns = m.time.or(m.ts).map(wire::int).transpose()?;
    Ok(Parsed::Trades(vec![RawTrade {
        instrument: m.symbol,
        price: dec(m.price)?,
        size: dec(m.size)?,
        taker: Some(taker),
        ts: ns.map_or(0, |ns| ns / 1_000_000),
        id: m.trade_id,
    }]))
}

fn dec(raw: &RawValue) -> Result<Dec, String> {
    wire::dec(raw)
}

/// `GET /api/v3/market/orderbook/level2?symbol=..` (or the futures `level2/snapshot`): the
/// whole book at `data.sequence`.
pub fn rest_book(
    url: &str,
    body: &str,
    levels: &mut Vec<(Side, Level)>,
) -> Result<RestParsed<BookIds>, String> {
    let env: RestEnvelope = serde_json::from_str(body).map_err(|e| format!("bad JSON: {e}"))?;
    if env.code != "200000" {
        return Err(format!(
            "REST refused (code {}): {}",
            env.code,
            env.msg.as_deref().unwrap_or("(no message)")
        ));
    }
    let data = env.data.ok_or("REST book: no data")?;
    let book: RestBook = serde_json::from_str(data.get()).map_err(|e| format!("REST book: {e}"))?;
    let sequence: u64 = book
        .sequence
        .parse()
        .map_err(|_| format!("REST book: bad sequence {:?}", book.sequence))?;
    push_levels(Some(book.bids), Some(book.asks), levels)?;
    let symbol = url
        .split_once("symbol=")
        .map(|(_, s)| s.split('&').next().unwrap_or(s))
        .ok_or_else(|| format!("REST book: no symbol in {url}"))?;
    Ok(RestParsed::BookSnapshot {
        instrument: symbol.to_owned(),
        seq: BookIds {
            first: sequence,
            last: sequence,
            classic: true,
        },
        limit: None,
    })
}
