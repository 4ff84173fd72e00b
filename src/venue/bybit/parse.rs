//! Bybit v5 public frames (`docs/venues.md` "Bybit v5"): `{"topic","type","ts","data"}` pushes and
//! `{"success","ret_msg","op",..}` answers to requests.
//!
//! - Books: `{"topic":"orderbook.200.BTCUSDT","type":"snapshot"|"delta","ts",
//!   "data":{"s","b":[[px,sz]],"a":[..],"u","seq"},"cts"}`; sizes absolute, `"0"` deletes.
//! - Trades: `publicTrade.{symbol}`, `data[]` of `{"T","s","S","v","p","i",..}`; `S` is the
//!   **taker** side (`docs/metrics.md` §0.4).
//! - Liquidations: `allLiquidation.{symbol}`, `data[]` of `{"T","s","S","v","p"}`, pushed every
//!   500 ms; **`S:"Buy"` means a LONG position was liquidated** (`docs/metrics.md` §3.6: the side of
//!   the position, the opposite of Binance's order side).
//! - Linear `tickers.{symbol}`: a snapshot, then deltas in which "omitted fields [are]
//!   unchanged"; merged here so every published tick carries the full known state.
//! - Answers: pongs are `{"success":true,"ret_msg":"pong","op":"ping"}` on spot and
//!   `{"op":"pong","args":[..]}` on linear; acks `{"success":true,"ret_msg":"","op":"subscribe"}`;
//!   failures `{"success":false,"ret_msg":"Invalid symbol :[tickers.NOPEUSDT]",..}`.

use super::Category;
use super::sync::BookIds;
use crate::book::Level;
use crate::feed::event::{Derivs, LiqSampling};
use crate::feed::protocol::{BookFrame, Parsed, RawDerivs, RawLiquidation, RawTrade, RestParsed};
use crate::market::{LiquidatedPosition, Side, TakerSide};
use crate::num::Dec;
use crate::venue::wire;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// The topic prefixes depthscope subscribes, as they appear in failure messages.
const CHANNELS: [&str; 4] = ["orderbook.", "publicTrade.", "tickers.", "allLiquidation."];

#[derive(Deserialize)]
struct Envelope<'a> {
    /// Borrowed: a topic is plain ASCII, never escaped.
    #[serde(borrow, default)]
    topic: Option<&'a str>,
    #[serde(borrow, default, rename = "type")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ts: Option<&'a RawValue>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(default)]
    success: Option<bool>,
    #[serde(borrow, default)]
    ret_msg: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    op: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct BookData<'a> {
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(borrow)]
    b: &'a RawValue,
    #[serde(borrow)]
    a: &'a RawValue,
    u: u64,
    #[serde(default)]
    seq: Option<u64>,
}

#[derive(Deserialize)]
struct TradeData<'a> {
    #[serde(borrow, rename = "T")]
    time: &'a RawValue,
    #[serde(borrow, rename = "s")]
    symbol: Cow<'a, str>,
    #[serde(borrow, rename = "S")]
    side: Cow<'a, str>,
    #[serde(rename = "v")]
    size: Dec,
    #[serde(rename = "p")]
    price: Dec,
    #[serde(borrow, default, rename = "i")]
    id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TickerData<'a> {
    #[serde(borrow)]
    symbol: Cow<'a, str>,
    #[serde(borrow, default)]
    mark_price: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    index_price: Option<Cow<'a, str>>,
    /// Base units on linear contracts.
    #[serde(borrow, default)]
    open_interest: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    open_interest_value: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    funding_rate: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    next_funding_time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    funding_interval_hour: Option<Cow<'a, str>>,
}

/// Parses one category's frames, keeping what spans frames: each book's depth as its topic
/// names it, the merged `tickers` state, and which subscriptions were refused.
#[derive(Debug)]
pub struct Parser {
    category: Category,
    depths: HashMap<String, usize>,
    tickers: HashMap<String, Derivs>,
    /// Symbols whose refusal was already reported against their book: a repeated refusal (of
    /// the resubscription that the first one triggered) is only logged, so an invalid symbol
    /// does not resubscribe in a tight loop. A snapshot for the symbol clears it.
    refused: HashSet<String>,
}

impl Parser {
    pub fn new(category: Category) -> Self {
        Parser {
            category,
            depths: HashMap::new(),
            tickers: HashMap::new(),
            refused: HashSet::new(),
        }
    }

    /// The depth `symbol`'s book topic named, once a book message for it was seen.
    pub fn depth_of(&self, symbol: &str) -> Option<usize> {
        self.depths.get(symbol).copied()
    }

    /// Parse one frame; book levels go to `levels`.
    pub fn parse<'a>(
        &mut self,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, BookIds>, String> {
        let env: Envelope<'a> = serde_json::from_str(text).map_err(|e| format!("bad JSON: {e}"))?;
        let Some(topic) = env.topic else {
            return self.answer(&env);
        };
        let kind = env.kind.as_deref();
        let ts = env.ts.map(wire::int).transpose()?;
        let data = env.data.ok_or("push without data")?;
        let (channel, rest) = topic.split_once('.').ok_or("topic without symbol")?;
        match channel {
            "orderbook" => {
                let (depth, symbol) = rest.split_once('.').ok_or("book topic without depth")?;
                let depth: usize = depth
                    .parse()
                    .map_err(|_| format!("book topic depth {depth:?}"))?;
                let frame = book(symbol, depth, kind, ts, data, levels)?;
                self.depths.insert(symbol.to_owned(), depth);
                if frame.snapshot.is_some() {
                    self.refused.remove(symbol);
                }
                Ok(Parsed::Book(frame))
            }
            "publicTrade" => trades(data).map(Parsed::Trades),
            "allLiquidation" => liquidations(data).map(Parsed::Liquidations),
            "tickers" if self.category.has_derivatives() => self.ticker(kind, ts, data),
            "tickers" => Ok(Parsed::Ignored),
            other => Err(format!("unexpected topic {other:?}")),
        }
    }

    /// A frame without a topic: a pong, an acknowledgement or a refusal.
    fn answer<'a>(&mut self, env: &Envelope<'a>) -> Result<Parsed<'a, BookIds>, String> {
        let op = env.op.as_deref().unwrap_or("");
        match env.success {
            Some(true) => Ok(Parsed::Control),
            None if op == "pong" => Ok(Parsed::Control),
            Some(false) => {
                let ret_msg = env.ret_msg.as_deref().unwrap_or("");
                // Only a refused subscription names a book to rebuild; a failed unsubscribe
                // (of a topic the venue already dropped) changes nothing.
                let instrument = refused_symbol(ret_msg)
                    .filter(|_| op == "subscribe")
                    .filter(|s| self.refused.insert((*s).to_owned()))
                    .map(|s| Cow::Owned(s.to_owned()));
                Ok(Parsed::VenueError {
                    instrument,
                    message: format!("{op} failed: {ret_msg}"),
                })
            }
            None => Err("frame without topic, op or success".into()),
        }
    }

    fn ticker<'a>(
        &mut self,
        kind: Option<&str>,
        ts: Option<i64>,
        data: &'a RawValue,
    ) -> Result<Parsed<'a, BookIds>, String> {
        let t: TickerData<'a> =
            serde_json::from_str(data.get()).map_err(|e| format!("tickers data: {e}"))?;
        let update = Derivs {
            mark_price: wire::opt_f64("markPrice", t.mark_price.as_deref())?,
            index_price: wire::opt_f64("indexPrice", t.index_price.as_deref())?,
            funding_rate: wire::opt_f64("fundingRate", t.funding_rate.as_deref())?,
            next_funding_ts: match t.next_funding_time.as_deref() {
                None | Some("") => None,
                Some(text) => Some(
                    text.parse()
                        .map_err(|_| format!("nextFundingTime {text:?}"))?,
                ),
            },
            funding_interval_h: wire::opt_f64(
                "fundingIntervalHour",
                t.funding_interval_hour.as_deref(),
            )?,
            open_interest: wire::opt_f64("openInterest", t.open_interest.as_deref())?,
            open_interest_usd: wire::opt_f64(
                "openInterestValue",
                t.open_interest_value.as_deref(),
            )?,
            positioning: None,
        };
        let state = self.tickers.entry(t.symbol.to_string()).or_default();
        match kind {
            Some("snapshot") => *state = update,
            Some("delta") => merge(state, update),
            other => return Err(format!("tickers type {other:?}")),
        }
        Ok(Parsed::Derivs(vec![RawDerivs {
            instrument: t.symbol,
            ts,
            values: state.clone(),
        }]))
    }
}

/// A delta's fields over the known state: "omitted fields unchanged".
fn merge(state: &mut Derivs, update: Derivs) {
    let Derivs {
        mark_price,
        index_price,
        funding_rate,
        next_funding_ts,
        funding_interval_h,
        open_interest,
        open_interest_usd,
        // Polled from REST (`positioning`), never in a ticker.
        positioning: _,
    } = update;
    state.mark_price = mark_price.or(state.mark_price);
    state.index_price = index_price.or(state.index_price);
    state.funding_rate = funding_rate.or(state.funding_rate);
    state.next_funding_ts = next_funding_ts.or(state.next_funding_ts);
    state.funding_interval_h = funding_interval_h.or(state.funding_interval_h);
    state.open_interest = open_interest.or(state.open_interest);
    state.open_interest_usd = open_interest_usd.or(state.open_interest_usd);
}

/// The symbol of the first subscribed topic a failure message names
/// (`Invalid symbol :[tickers.NOPEUSDT]` → `NOPEUSDT`).
fn refused_symbol(ret_msg: &str) -> Option<&str> {
    CHANNELS.iter().find_map(|prefix| {
        let start = ret_msg.find(prefix)? + prefix.len();
        let rest = &ret_msg[start..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
            .unwrap_or(rest.len());
        let symbol = rest[..end].rsplit('.').next()?;
        (!symbol.is_empty()).then_some(symbol)
    })
}

fn book<'a>(
    symbol: &'a str,
    depth: usize,
    kind: Option<&str>,
    ts: Option<i64>,
    data: &RawValue,
    levels: &mut Vec<(Side, Level)>,
) -> Result<BookFrame<'a, BookIds>, String> {
    let d: BookData =
        serde_json::from_str(data.get()).map_err(|e| format!("orderbook data: {e}"))?;
    if d.s != symbol {
        return Err(format!("orderbook data for {} on topic {symbol}", d.s));
    }
    let snapshot = match kind {
        Some("snapshot") => Some(Some(depth)),
        Some("delta") => None,
        other => return Err(format!("orderbook type {other:?}")),
    };
    wire::levels(d.b, Side::Bid, levels)?;
    wire::levels(d.a, Side::Ask, levels)?;
    Ok(BookFrame {
        instrument: Cow::Borrowed(symbol),
        snapshot,
        seq: BookIds { u: d.u, seq: d.seq },
        checksum: None,
        exch_ts: ts,
    })
}

fn trades(data: &RawValue) -> Result<Vec<RawTrade<'_>>, String> {
    let items: Vec<TradeData> =
        serde_json::from_str(data.get()).map_err(|e| format!("publicTrade data: {e}"))?;
    items
        .into_iter()
        .map(|t| {
            Ok(RawTrade {
                taker: Some(match t.side.as_ref() {
                    "Buy" => TakerSide::Buy,
                    "Sell" => TakerSide::Sell,
                    other => return Err(format!("trade side {other:?}")),
                }),
                ts: wire::int(t.time)?,
                instrument: t.symbol,
                price: t.price,
                size: t.size,
                id: t.id,
            })
        })
        .collect()
}

/// `allLiquidation`: `S` is the side of the liquidated position (`Buy` = a long was closed).
fn liquidations(data: &RawValue) -> Result<Vec<RawLiquidation<'_>>, String> {
    let items: Vec<TradeData> =
        serde_json::from_str(data.get()).map_err(|e| format!("allLiquidation data: {e}"))?;
    items
        .into_iter()
        .map(|l| {
            Ok(RawLiquidation {
                position: match l.side.as_ref() {
                    "Buy" => LiquidatedPosition::Long,
                    "Sell" => LiquidatedPosition::Short,
                    other => return Err(format!("liquidation side {other:?}")),
                },
                ts: wire::int(l.time)?,
                instrument: l.symbol,
                price: l.price,
                size: l.size,
                sampling: LiqSampling::Throttled500ms,
            })
        })
        .collect()
}

/// `GET /v5/market/orderbook`'s answer:
/// `{"retCode":0,"retMsg":"OK","result":{"s","b","a","ts","u","seq","cts"}}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestAnswer<'a> {
    ret_code: i64,
    #[serde(borrow, default)]
    ret_msg: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
}

/// A REST order book snapshot (audits compare it with the book at its `seq`).
pub fn rest_orderbook(
    body: &str,
    levels: &mut Vec<(Side, Level)>,
) -> Result<RestParsed<BookIds>, String> {
    let answer: RestAnswer =
        serde_json::from_str(body).map_err(|e| format!("orderbook answer: {e}"))?;
    if answer.ret_code != 0 {
        return Err(format!(
            "orderbook answer retCode {}: {}",
            answer.ret_code,
            answer.ret_msg.as_deref().unwrap_or("")
        ));
    }
    let result = answer.result.ok_or("orderbook answer without result")?;
    let d: BookData =
        serde_json::from_str(result.get()).map_err(|e| format!("orderbook result: {e}"))?;
    wire::levels(d.b, Side::Bid, levels)?;
    wire::levels(d.a, Side::Ask, levels)?;
    Ok(RestParsed::BookSnapshot {
        instrument: d.s.into_owned(),
        seq: BookIds { u: d.u, seq: d.seq },
        limit: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(p: &mut Parser, text: &'static str) -> Parsed<'static, BookIds> {
        p.parse(text, &mut Vec::new()).unwrap()
    }

    #[test]
    fn trade_side_s_is_the_taker_side() {
        let mut p = Parser::new(Category::Linear);
        let Parsed::Trades(t) = parse(
            &mut p,
            r#"{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false},{"T":1672304486866,"s":"BTCUSDT","S":"Sell","v":"0.002","p":"16578.00","i":"x"}]}"#,
        ) else {
            panic!("not trades")
        };
        assert_eq!(t[0].taker, Some(TakerSide::Buy));
        assert_eq!(t[1].taker, Some(TakerSide::Sell));
        assert_eq!(t[0].price.to_string(), "16578.50");
        assert_eq!(t[0].ts, 1672304486865);
        assert_eq!(
            t[0].id.as_deref(),
            Some("20f43950-d8dd-5b31-9112-a178eb6023af")
        );
    }

    #[test]
    fn all_liquidation_buy_means_a_long_was_liquidated() {
        let mut p = Parser::new(Category::Linear);
        let Parsed::Liquidations(l) = parse(
            &mut p,
            r#"{"topic":"allLiquidation.ROSEUSDT","type":"snapshot","ts":1739502303204,"data":[{"T":1739502302929,"s":"ROSEUSDT","S":"Buy","v":"20000","p":"0.04499"},{"T":1739502302930,"s":"ROSEUSDT","S":"Sell","v":"1","p":"0.04510"}]}"#,
        ) else {
            panic!("not liquidations")
        };
        assert_eq!(l[0].position, LiquidatedPosition::Long, "S=Buy → long");
        assert_eq!(l[1].position, LiquidatedPosition::Short, "S=Sell → short");
        assert_eq!(l[0].sampling, LiqSampling::Throttled500ms);
        assert_eq!(l[0].size.to_string(), "20000");
        assert_eq!(l[0].ts, 1739502302929);
    }

    fn derivs(p: &mut Parser, text: &'static str) -> Derivs {
        match parse(p, text) {
            Parsed::Derivs(mut d) => d.remove(0).values,
            other => panic!("not derivs: {other:?}"),
        }
    }

    #[test]
    fn ticker_deltas_keep_omitted_fields_and_snapshots_replace() {
        let mut p = Parser::new(Category::Linear);
        let snap = derivs(
            &mut p,
            r#"{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","tickDirection":"PlusTick","lastPrice":"17216.00","markPrice":"17217.33","indexPrice":"17227.36","openInterest":"68744.761","openInterestValue":"1183601235.91","nextFundingTime":"1673280000000","fundingRate":"-0.000212","fundingIntervalHour":"8","bid1Price":"17215.50"},"cs":24987956059,"ts":1673272861686}"#,
        );
        assert_eq!(
            snap,
            Derivs {
                mark_price: Some(17217.33),
                index_price: Some(17227.36),
                funding_rate: Some(-0.000212),
                next_funding_ts: Some(1673280000000),
                funding_interval_h: Some(8.0),
                open_interest: Some(68744.761),
                open_interest_usd: Some(1183601235.91),
                positioning: None,
            }
        );
        let delta = derivs(
            &mut p,
            r#"{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","markPrice":"17220.00","openInterest":"68750"},"cs":24987956060,"ts":1673272861786}"#,
        );
        assert_eq!(
            delta,
            Derivs {
                mark_price: Some(17220.0),
                open_interest: Some(68750.0),
                ..snap.clone()
            }
        );
        // Another symbol has its own state.
        let eth = derivs(
            &mut p,
            r#"{"topic":"tickers.ETHUSDT","type":"delta","data":{"symbol":"ETHUSDT","fundingRate":"0.0001"},"ts":1}"#,
        );
        assert_eq!(eth.mark_price, None);
        // A new snapshot replaces everything.
        let again = derivs(
            &mut p,
            r#"{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","markPrice":"1.5"},"ts":2}"#,
        );
        assert_eq!(
            again,
            Derivs {
                mark_price: Some(1.5),
                ..Derivs::default()
            }
        );
        // Spot tickers carry no derivatives values.
        let mut spot = Parser::new(Category::Spot);
        assert!(matches!(
            parse(
                &mut spot,
                r#"{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","lastPrice":"1"},"ts":2}"#
            ),
            Parsed::Ignored
        ));
    }

    #[test]
    fn pongs_and_acks_are_control_and_refusals_name_their_instrument_once() {
        let mut p = Parser::new(Category::Linear);
        for ok in [
            r#"{"success":true,"ret_msg":"pong","conn_id":"x","req_id":"ping","op":"ping"}"#,
            r#"{"req_id":"ping","op":"pong","args":["1675418560633"],"conn_id":"x"}"#,
            r#"{"success":true,"ret_msg":"","conn_id":"x","req_id":"","op":"subscribe"}"#,
        ] {
            assert!(matches!(parse(&mut p, ok), Parsed::Control), "{ok}");
        }
        let refusal = r#"{"success":false,"ret_msg":"Invalid symbol :[orderbook.200.NOPEUSDT]","conn_id":"x","op":"subscribe"}"#;
        let Parsed::VenueError {
            instrument,
            message,
        } = parse(&mut p, refusal)
        else {
            panic!("not an error")
        };
        assert_eq!(instrument.as_deref(), Some("NOPEUSDT"));
        assert!(message.contains("Invalid symbol"));
        let Parsed::VenueError { instrument, .. } = parse(&mut p, refusal) else {
            panic!("not an error")
        };
        assert_eq!(
            instrument, None,
            "the resubscription's refusal is only logged"
        );
        let Parsed::VenueError { instrument, .. } = parse(
            &mut p,
            r#"{"success":false,"ret_msg":"args size >10","conn_id":"x","op":"subscribe"}"#,
        ) else {
            panic!("not an error")
        };
        assert_eq!(instrument, None);
        let Parsed::VenueError { instrument, .. } = parse(
            &mut p,
            r#"{"success":false,"ret_msg":"error:handler not found,topic:orderbook.200.ETHUSDT","op":"unsubscribe"}"#,
        ) else {
            panic!("not an error")
        };
        assert_eq!(instrument, None, "a failed unsubscribe rebuilds nothing");
        assert_eq!(
            refused_symbol("error:handler not found,topic:tickers.ETHUSDT"),
            Some("ETHUSDT")
        );
    }
}
