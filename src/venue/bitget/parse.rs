//! Bitget public frames (`docs/venues.md` "Bitget"): pushes
//! `{"action":"snapshot"|"update","arg":{"instType","channel","instId"},"data":[..],"ts"}`,
//! events `{"event":"subscribe"|"unsubscribe"|"error","arg":{..},"code","msg"}`, and the text
//! `pong`.
//!
//! The legacy v1 stream (the 2022 recordings: `instType` `sp`/`mc`) has the same envelope and
//! the same `books` entry less `seq`/`pseq`, so one parser reads both; only a trade's shape
//! (v1 `[ts, price, size, side]`, v2 `{"ts","price","size","side","tradeId"}`) and a few ticker
//! names (v1 `capitalRate`, `holding`, `nextSettleTime`) differ, and both are accepted.
//!
//! - Books: `data:[{"asks":[[px,sz]],"bids":..,"checksum"?,"ts","seq"?,"pseq"?}]`; sizes are
//!   absolute, `"0"` deletes. `seq` exceeds 2^53 on coin-M, so it is read as a `u64`, never
//!   through `f64`. A checksum of `0` or none is "absent" (v2 sends none since 2026).
//! - Trades: `side` is the **taker** side (`docs/metrics.md` §0.4). A subscription first gets a
//!   `snapshot` of recent trades, which is history (and repeated on every resubscription), so
//!   only `update` trades are published.
//! - Futures `ticker`: mark, index, funding rate, next funding time and open interest
//!   (`holdingAmount`, in the base coin), every push the full state.

use super::Product;
use super::sync::SeqIds;
use crate::book::Level;
use crate::book::checksum::from_signed;
use crate::feed::event::Derivs;
use crate::feed::protocol::{BookFrame, Parsed, RawDerivs, RawTrade};
use crate::market::{Side, TakerSide};
use crate::venue::wire::{self, ChannelArg as Arg};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashSet;

/// The levels a side of a `books` book keeps (v3 frames say `"maxdepth":"1000"`; the v2
/// documentation gives no number, and the recorded v1 books never came near it).
pub const BOOK_DEPTH: usize = 1000;

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    action: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    event: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    arg: Option<Arg<'a>>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    code: Option<&'a RawValue>,
    #[serde(borrow, default)]
    msg: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    op: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct BookData<'a> {
    #[serde(borrow)]
    asks: &'a RawValue,
    #[serde(borrow)]
    bids: &'a RawValue,
    /// A number, or a string as some of Bitget's integers are: read from the token either way.
    #[serde(borrow, default)]
    checksum: Option<&'a RawValue>,
    #[serde(borrow, default)]
    ts: Option<&'a RawValue>,
    #[serde(borrow, default)]
    seq: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pseq: Option<&'a RawValue>,
}

/// A v2 trade.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TradeData<'a> {
    #[serde(borrow)]
    ts: &'a RawValue,
    #[serde(borrow)]
    price: Cow<'a, str>,
    #[serde(borrow)]
    size: Cow<'a, str>,
    #[serde(borrow)]
    side: Cow<'a, str>,
    #[serde(borrow, default)]
    trade_id: Option<Cow<'a, str>>,
}

/// A legacy v1 trade: `[ts, price, size, side]`.
type LegacyTrade<'a> = (&'a RawValue, Cow<'a, str>, Cow<'a, str>, Cow<'a, str>);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TickerData<'a> {
    #[serde(borrow, default)]
    mark_price: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    index_price: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "capitalRate")]
    funding_rate: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "nextSettleTime")]
    next_funding_time: Option<&'a RawValue>,
    /// Base coin on USDT-M.
    #[serde(borrow, default, alias = "holding")]
    holding_amount: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "systemTime")]
    ts: Option<&'a RawValue>,
}

/// Parses one market's frames, remembering which subscriptions were refused.
#[derive(Debug)]
pub struct Parser {
    product: Product,
    /// Instruments whose refusal was already reported against their book: a repeated refusal
    /// (of the resubscription the first one caused) is only logged, so an unknown symbol does
    /// not resubscribe in a tight loop. A snapshot for it clears it.
    refused: HashSet<String>,
}

impl Parser {
    pub fn new(product: Product) -> Self {
        Parser {
            product,
            refused: HashSet::new(),
        }
    }

    /// Parse one frame; book levels go to `levels`.
    pub fn parse<'a>(
        &mut self,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, Option<SeqIds>>, String> {
        if text == "pong" {
            return Ok(Parsed::Control);
        }
        let env: Envelope<'a> = serde_json::from_str(text).map_err(|e| format!("bad JSON: {e}"))?;
        if let Some(event) = env.event.clone() {
            return self.event(&event, env);
        }
        let arg = env.arg.ok_or("push without arg")?;
        let data = env.data.ok_or("push without data")?;
        let action = env.action.as_deref();
        let instrument = || arg.inst_id.clone().ok_or("push without instId");
        match arg.channel.as_ref() {
            "books" => {
                let frame = book(instrument()?, action, data, levels)?;
                if frame.snapshot.is_some() {
                    self.refused.remove(frame.instrument.as_ref());
                }
                Ok(Parsed::Book(frame))
            }
            "trade" if action == Some("snapshot") => Ok(Parsed::Ignored),
            "trade" => trades(instrument()?, data).map(Parsed::Trades),
            "ticker" if self.product.has_derivatives() => {
                ticker(instrument()?, data).map(Parsed::Derivs)
            }
            "ticker" | "candle1m" | "books1" | "books5" | "books15" => Ok(Parsed::Ignored),
            other => Err(format!("unexpected channel {other:?}")),
        }
    }

    /// An acknowledgement, or a refusal (which names the book to rebuild the first time).
    fn event<'a>(
        &mut self,
        event: &str,
        env: Envelope<'a>,
    ) -> Result<Parsed<'a, Option<SeqIds>>, String> {
        match event {
            "subscribe" | "unsubscribe" => Ok(Parsed::Control),
            "error" => {
                let op = env.op.as_deref().unwrap_or("");
                let code = env.code.map_or("?", |c| c.get().trim_matches('"'));
                let message = format!(
                    "{op}{}error {code}: {}",
                    if op.is_empty() { "" } else { " " },
                    env.msg.as_deref().unwrap_or_default()
                );
                // A failed unsubscribe (of something already gone) rebuilds nothing.
                let instrument = env
                    .arg
                    .and_then(|a| a.inst_id)
                    .filter(|_| op == "subscribe")
                    .filter(|id| self.refused.insert(id.to_string()));
                Ok(Parsed::VenueError {
                    instrument,
                    message,
                })
            }
            other => Err(format!("unknown event {other:?}")),
        }
    }
}

fn book<'a>(
    instrument: Cow<'a, str>,
    action: Option<&str>,
    data: &RawValue,
    levels: &mut Vec<(Side, Level)>,
) -> Result<BookFrame<'a, Option<SeqIds>>, String> {
    let items: Vec<BookData> =
        serde_json::from_str(data.get()).map_err(|e| format!("books data: {e}"))?;
    let [d] = items.as_slice() else {
        return Err(format!(
            "books push with {} entries, expected 1",
            items.len()
        ));
    };
    let snapshot = match action {
        Some("snapshot") => Some(Some(BOOK_DEPTH)),
        Some("update") => None,
        other => return Err(format!("books action {other:?}")),
    };
    wire::levels(d.asks, Side::Ask, levels)?;
    wire::levels(d.bids, Side::Bid, levels)?;
    let ids = match (d.seq.map(id).transpose()?, d.pseq.map(id).transpose()?) {
        (Some(seq), Some(pseq)) => Some(SeqIds { seq, pseq }),
        (None, None) => None,
        _ => return Err("books entry with only one of seq and pseq".into()),
    };
    let checksum = match d.checksum.map(wire::int).transpose()? {
        None | Some(0) => None,
        Some(c) => Some(from_signed(c).ok_or_else(|| format!("checksum {c} out of range"))?),
    };
    Ok(BookFrame {
        instrument,
        snapshot,
        seq: ids,
        checksum,
        exch_ts: d.ts.map(wire::int).transpose()?,
    })
}

/// A sequence id, exactly: `seq` exceeds 2^53 on coin-M (and may exceed `i64`).
fn id(raw: &RawValue) -> Result<u64, String> {
    let text = raw.get().trim_matches('"');
    text.parse()
        .map_err(|_| format!("expected a sequence id, got {text:.40}"))
}

/// A trade's `side`: the taker's.
fn taker(side: &str) -> Result<TakerSide, String> {
    match side {
        "buy" => Ok(TakerSide::Buy),
        "sell" => Ok(TakerSide::Sell),
        other => Err(format!("trade side {other:?}")),
    }
}

fn trades<'a>(instrument: Cow<'a, str>, data: &'a RawValue) -> Result<Vec<RawTrade<'a>>, String> {
    let items: Vec<&RawValue> =
        serde_json::from_str(data.get()).map_err(|e| format!("trade data: {e}"))?;
    items
        .into_iter()
        .map(|item| {
            let (ts, price, size, side, id) = if item.get().starts_with('[') {
                let (ts, price, size, side): LegacyTrade =
                    serde_json::from_str(item.get()).map_err(|e| format!("trade: {e}"))?;
                (ts, price, size, side, None)
            } else {
                let t: TradeData =
                    serde_json::from_str(item.get()).map_err(|e| format!("trade: {e}"))?;
                (t.ts, t.price, t.size, t.side, t.trade_id)
            };
            Ok(RawTrade {
                instrument: instrument.clone(),
                price: wire::field_dec("price", &price)?,
                size: wire::field_dec("size", &size)?,
                taker: Some(taker(&side)?),
                ts: wire::int(ts)?,
                id,
            })
        })
        .collect()
}

fn ticker<'a>(instrument: Cow<'a, str>, data: &'a RawValue) -> Result<Vec<RawDerivs<'a>>, String> {
    let items: Vec<TickerData> =
        serde_json::from_str(data.get()).map_err(|e| format!("ticker data: {e}"))?;
    items
        .into_iter()
        .map(|t| {
            let values = Derivs {
                mark_price: wire::opt_f64("markPrice", t.mark_price.as_deref())?,
                index_price: wire::opt_f64("indexPrice", t.index_price.as_deref())?,
                funding_rate: wire::opt_f64("fundingRate", t.funding_rate.as_deref())?,
                next_funding_ts: t.next_funding_time.map(wire::int).transpose()?,
                funding_interval_h: None,
                open_interest: wire::opt_f64("holdingAmount", t.holding_amount.as_deref())?,
                open_interest_usd: None,
                positioning: None,
            };
            Ok(RawDerivs {
                instrument: instrument.clone(),
                ts: t.ts.map(wire::int).transpose()?,
                values,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(p: &mut Parser, text: &'static str) -> Parsed<'static, Option<SeqIds>> {
        p.parse(text, &mut Vec::new()).unwrap()
    }

    /// Taker side: `side` is the aggressor's, in v2 objects and v1 arrays alike.
    #[test]
    fn trade_side_is_the_taker_side_in_both_shapes() {
        let mut p = Parser::new(Product::UsdtFutures);
        let Parsed::Trades(t) = parse(
            &mut p,
            r#"{"action":"update","arg":{"instType":"USDT-FUTURES","channel":"trade","instId":"BTCUSDT"},"data":[{"ts":"1695716760565","price":"27000.5","size":"0.001","side":"buy","tradeId":"1111111111"},{"ts":"1695716760566","price":"27000.0","size":"0.25","side":"sell","tradeId":"1111111112"}],"ts":1695716761589}"#,
        ) else {
            panic!("not trades")
        };
        assert_eq!(t[0].taker, Some(TakerSide::Buy));
        assert_eq!(t[1].taker, Some(TakerSide::Sell));
        assert_eq!(t[0].price.to_string(), "27000.5");
        assert_eq!(t[1].size.to_string(), "0.25");
        assert_eq!(t[0].ts, 1695716760565);
        assert_eq!(t[0].id.as_deref(), Some("1111111111"));
        // The real v1 frame from the 2022 spot recording.
        let Parsed::Trades(t) = parse(
            &mut p,
            r#"{"action":"update","arg":{"instType":"sp","channel":"trade","instId":"HOTUSDT"},"data":[["1649290077777","0.005613","890.8","buy"]]}"#,
        ) else {
            panic!("not trades")
        };
        assert_eq!(
            (t[0].taker, t[0].ts, t[0].size.to_string()),
            (Some(TakerSide::Buy), 1649290077777, "890.8".into())
        );
        assert!(matches!(
            parse(
                &mut p,
                r#"{"action":"snapshot","arg":{"instType":"sp","channel":"trade","instId":"HOTUSDT"},"data":[["1649290076333","0.005613","1","sell"]]}"#
            ),
            Parsed::Ignored
        ));
        let bad = r#"{"action":"update","arg":{"instType":"SPOT","channel":"trade","instId":"X"},"data":[{"ts":"1","price":"1","size":"1","side":"hold"}]}"#;
        assert!(p.parse(bad, &mut Vec::new()).unwrap_err().contains("hold"));
    }

    #[test]
    fn books_read_seq_beyond_two_to_the_53_and_treat_zero_checksums_as_absent() {
        let mut p = Parser::new(Product::Spot);
        let mut levels = Vec::new();
        let Parsed::Book(f) = p
            .parse(
                r#"{"action":"update","arg":{"instType":"SPOT","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[["27000.5","0"]],"bids":[["27000.0","1.5"]],"checksum":0,"ts":"1695716760565","seq":9007199254740993,"pseq":9007199254740992}],"ts":1695716760566}"#,
                &mut levels,
            )
            .unwrap()
        else {
            panic!("not a book")
        };
        assert_eq!(
            f.seq,
            Some(SeqIds {
                seq: 9_007_199_254_740_993,
                pseq: 9_007_199_254_740_992
            })
        );
        assert_eq!(
            (f.snapshot, f.checksum, f.exch_ts),
            (None, None, Some(1695716760565))
        );
        assert_eq!(levels.len(), 2);
        let Parsed::Book(f) = parse(
            &mut p,
            r#"{"action":"snapshot","arg":{"instType":"sp","channel":"books","instId":"X"},"data":[{"asks":[],"bids":[],"checksum":-1816604544,"ts":"1"}]}"#,
        ) else {
            panic!("not a book")
        };
        assert_eq!(f.checksum, Some((-1_816_604_544_i32) as u32));
        assert_eq!((f.seq, f.snapshot), (None, Some(Some(BOOK_DEPTH))));
        let Parsed::Book(f) = parse(
            &mut p,
            r#"{"action":"update","arg":{"instType":"SPOT","channel":"books","instId":"X"},"data":[{"asks":[],"bids":[],"checksum":"-5","seq":"18446744073709551615","pseq":"7"}]}"#,
        ) else {
            panic!("not a book")
        };
        assert_eq!(
            f.seq,
            Some(SeqIds {
                seq: u64::MAX,
                pseq: 7
            })
        );
        assert_eq!(f.checksum, Some((-5_i32) as u32));
        for bad in [
            r#"{"action":"update","arg":{"instType":"SPOT","channel":"books","instId":"X"},"data":[{"asks":[],"bids":[],"seq":-5,"pseq":1}]}"#,
            r#"{"action":"update","arg":{"instType":"SPOT","channel":"books","instId":"X"},"data":[{"asks":[],"bids":[],"seq":5}]}"#,
            r#"{"action":"update","arg":{"instType":"SPOT","channel":"books","instId":"X"},"data":[]}"#,
            r#"{"action":"partial","arg":{"instType":"SPOT","channel":"books","instId":"X"},"data":[{"asks":[],"bids":[]}]}"#,
            r#"{"action":"update","arg":{"instType":"SPOT","channel":"books","instId":"X"},"data":[{"asks":[["1e400","1"]],"bids":[]}]}"#,
            r#"{"action":"update","arg":{"instType":"SPOT","channel":"books"},"data":[{"asks":[],"bids":[]}]}"#,
        ] {
            assert!(p.parse(bad, &mut Vec::new()).is_err(), "{bad}");
        }
    }

    #[test]
    fn futures_tickers_carry_mark_index_funding_and_open_interest_spot_ones_nothing() {
        let mut p = Parser::new(Product::UsdtFutures);
        let Parsed::Derivs(d) = parse(
            &mut p,
            r#"{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"ticker","instId":"BTCUSDT"},"data":[{"instId":"BTCUSDT","lastPr":"27000.5","bidPr":"27000","askPr":"27000.5","markPrice":"27000.0","indexPrice":"25702.4","fundingRate":"0.000068","nextFundingTime":"1695722400000","holdingAmount":"7452.6","ts":"1695716760565"}],"ts":1695716760565}"#,
        ) else {
            panic!("not derivs")
        };
        assert_eq!(
            d[0].values,
            Derivs {
                mark_price: Some(27000.0),
                index_price: Some(25702.4),
                funding_rate: Some(0.000068),
                next_funding_ts: Some(1695722400000),
                funding_interval_h: None,
                open_interest: Some(7452.6),
                open_interest_usd: None,
                positioning: None,
            }
        );
        assert_eq!(d[0].ts, Some(1695716760565));
        // The real v1 mix frame: capitalRate, nextSettleTime, holding.
        let Parsed::Derivs(d) = parse(
            &mut p,
            r#"{"action":"snapshot","arg":{"instType":"mc","channel":"ticker","instId":"DASHUSDT"},"data":[{"instId":"DASHUSDT","last":"113.370","capitalRate":"-0.000100","nextSettleTime":1649314800000,"systemTime":1649290077309,"markPrice":"113.381","indexPrice":"113.427","holding":"21957.17"}]}"#,
        ) else {
            panic!("not derivs")
        };
        let v = &d[0].values;
        assert_eq!(
            (v.funding_rate, v.next_funding_ts, v.open_interest),
            (Some(-0.0001), Some(1649314800000), Some(21957.17))
        );
        let mut spot = Parser::new(Product::Spot);
        assert!(matches!(
            parse(
                &mut spot,
                r#"{"action":"snapshot","arg":{"instType":"SPOT","channel":"ticker","instId":"BTCUSDT"},"data":[{"lastPr":"1"}]}"#
            ),
            Parsed::Ignored
        ));
    }

    /// The probe's real acknowledgement and error frames.
    #[test]
    fn acks_and_pongs_are_control_and_a_refusal_names_its_instrument_once() {
        let mut p = Parser::new(Product::UsdtFutures);
        for ok in [
            "pong",
            r#"{"event":"subscribe","arg":{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"}}"#,
        ] {
            assert!(matches!(parse(&mut p, ok), Parsed::Control), "{ok}");
        }
        let refusal = r#"{"event":"error","arg":{"instType":"USDT-FUTURES","channel":"books","instId":"NOPEUSDT"},"code":30001,"msg":"instType:USDT-FUTURES,channel:books,instId:NOPEUSDT,precision:null doesn't exist","op":"subscribe"}"#;
        let Parsed::VenueError {
            instrument,
            message,
        } = parse(&mut p, refusal)
        else {
            panic!("not an error")
        };
        assert_eq!(instrument.as_deref(), Some("NOPEUSDT"));
        assert!(message.contains("30001"), "{message}");
        let Parsed::VenueError { instrument, .. } = parse(&mut p, refusal) else {
            panic!("not an error")
        };
        assert_eq!(
            instrument, None,
            "the resubscription's refusal is only logged"
        );
        let Parsed::VenueError { instrument, .. } = parse(
            &mut p,
            r#"{"event":"error","code":30016,"msg":"Param error"}"#,
        ) else {
            panic!("not an error")
        };
        assert_eq!(instrument, None);
        for bad in [
            "{",
            r#"{"event":"what"}"#,
            r#"{"arg":{"channel":"books","instId":"X"}}"#,
        ] {
            assert!(p.parse(bad, &mut Vec::new()).is_err(), "{bad}");
        }
    }
}
