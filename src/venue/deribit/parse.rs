//! Deribit v2 JSON-RPC frames (`docs/venues.md` "Deribit"):
//!
//! - notifications `{"jsonrpc":"2.0","method":"subscription","params":{"channel","data"}}`:
//!   - `book.<instrument>.<interval>`: `{"type"?,"timestamp","instrument_name","change_id",
//!     "prev_change_id"?,"bids":[[action,price,amount]],"asks":..}`; the first message is the
//!     whole book (`type:"snapshot"`; the 2020 frames carry no `type` and no `prev_change_id`
//!     there), then `change`s. `delete` removes a level (its amount is 0).
//!   - `trades.<instrument>.<interval>`: `[{"trade_id","timestamp","instrument_name","price",
//!     "amount","direction","liquidation"?}]`; `direction` is the taker's; `liquidation` is
//!     `"M"` (the maker was liquidated), `"T"` (the taker) or `"MT"` (both).
//!   - `ticker.<instrument>.<interval>`: `{"timestamp","instrument_name","mark_price",
//!     "index_price","current_funding","funding_8h","open_interest"}`.
//! - `{"method":"heartbeat","params":{"type":"test_request"|"heartbeat"}}`: proof of life (the
//!   keepalive's periodic `public/test` answers the requests).
//! - responses `{"id","result"}` (control) and `{"id","error":{"code","message"}}` (refusals).
//!
//! Amounts: USD for inverse perpetuals and futures, the base coin for USDC linear perpetuals,
//! contracts of the base coin for options; the driver converts them by the instrument's
//! [`Contract`]. Open interest of an inverse perpetual is USD and converted here by the mark.
//!
//! Numbers are JSON floats, exponent forms included (`2.2e3`); every price and amount becomes
//! an exact decimal ([`num`]).

use super::sync::ChangeIds;
use crate::book::Level;
use crate::feed::event::{Derivs, LiqSampling};
use crate::feed::protocol::{BookFrame, Parsed, RawDerivs, RawLiquidation, RawTrade};
use crate::instrument::Contract;
use crate::market::{LiquidatedPosition, Side, TakerSide};
use crate::num::Dec;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    params: Option<Params<'a>>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<RpcError<'a>>,
}

#[derive(Deserialize)]
struct Params<'a> {
    #[serde(borrow, default)]
    channel: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct RpcError<'a> {
    #[serde(default)]
    code: Option<i64>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Book<'a> {
    #[serde(borrow, rename = "type", default)]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    timestamp: Option<i64>,
    #[serde(borrow)]
    instrument_name: Cow<'a, str>,
    change_id: u64,
    #[serde(default)]
    prev_change_id: Option<u64>,
    #[serde(borrow, default)]
    bids: Vec<(Cow<'a, str>, &'a RawValue, &'a RawValue)>,
    #[serde(borrow, default)]
    asks: Vec<(Cow<'a, str>, &'a RawValue, &'a RawValue)>,
}

#[derive(Deserialize)]
struct WireTrade<'a> {
    trade_id: &'a RawValue,
    timestamp: i64,
    #[serde(borrow)]
    instrument_name: Cow<'a, str>,
    price: &'a RawValue,
    amount: &'a RawValue,
    #[serde(borrow)]
    direction: Cow<'a, str>,
    #[serde(borrow, default)]
    liquidation: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Ticker<'a> {
    #[serde(default)]
    timestamp: Option<i64>,
    #[serde(borrow)]
    instrument_name: Cow<'a, str>,
    #[serde(default)]
    mark_price: Option<f64>,
    #[serde(default)]
    index_price: Option<f64>,
    #[serde(default)]
    funding_8h: Option<f64>,
    #[serde(default)]
    open_interest: Option<f64>,
}

/// An exact unsigned decimal from a JSON number (or string), exponent forms included:
/// `2.2e3` is 2200, `72300.0` keeps its text.
pub use crate::venue::wire::dec_scientific as num;

/// Parses Deribit frames; knows each instrument's [`Contract`] to put inverse open interest
/// into base units.
#[derive(Debug, Default)]
pub struct Parser {
    pub contracts: HashMap<String, Contract>,
}

impl Parser {
    pub fn parse<'a>(
        &self,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, ChangeIds>, String> {
        let env: Envelope<'a> = serde_json::from_str(text).map_err(|e| format!("bad JSON: {e}"))?;
        if let Some(error) = env.error {
            return Ok(Parsed::VenueError {
                instrument: None,
                message: format!(
                    "{} (code {})",
                    error.message.as_deref().unwrap_or("(no message)"),
                    error.code.map_or_else(|| "none".into(), |c| c.to_string())
                ),
            });
        }
        match env.method.as_deref() {
            None if env.result.is_some() => return Ok(Parsed::Control),
            Some("heartbeat") => return Ok(Parsed::Control),
            Some("subscription") => {}
            other => return Err(format!("unexpected message (method {other:?})")),
        }
        let params = env.params.ok_or("a subscription without params")?;
        let channel = params.channel.ok_or("a subscription without channel")?;
        let data = params.data.ok_or_else(|| format!("{channel}: no data"))?;
        match channel.split('.').next() {
            Some("book") => book(data, levels),
            Some("trades") => trades(data),
            Some("ticker") => self.ticker(data),
            _ => Err(format!("unexpected channel {channel:?}")),
        }
    }

    /// Mark, index, funding over 8 h, open interest in base units.
    fn ticker<'a>(&self, data: &'a RawValue) -> Result<Parsed<'a, ChangeIds>, String> {
        let t: Ticker<'a> =
            serde_json::from_str(data.get()).map_err(|e| format!("ticker data: {e}"))?;
        let contract = self.contracts.get(t.instrument_name.as_ref()).copied();
        let (open_interest, open_interest_usd) = match (contract, t.open_interest) {
            (Some(Contract::Inverse { face }), Some(usd)) => (
                t.mark_price
                    .filter(|m| *m > 0.0)
                    .map(|m| Contract::Inverse { face }.to_base(m, usd)),
                Some(usd * face),
            ),
            (Some(Contract::Base), oi) => (oi, None),
            (Some(Contract::Linear { multiplier }), oi) => (oi.map(|c| c * multiplier), None),
            // Of unknown unit: not shown as base units.
            _ => (None, None),
        };
        let values = Derivs {
            mark_price: t.mark_price,
            index_price: t.index_price,
            funding_rate: t.funding_8h,
            next_funding_ts: None,
            funding_interval_h: t.funding_8h.map(|_| 8.0),
            open_interest,
            open_interest_usd,
            positioning: None,
        };
        Ok(Parsed::Derivs(vec![RawDerivs {
            instrument: t.instrument_name,
            ts: t.timestamp,
            values,
        }]))
    }
}

fn book<'a>(
    data: &'a RawValue,
    levels: &mut Vec<(Side, Level)>,
) -> Result<Parsed<'a, ChangeIds>, String> {
    let b: Book<'a> = serde_json::from_str(data.get()).map_err(|e| format!("book data: {e}"))?;
    let snapshot = match (b.kind.as_deref(), b.prev_change_id) {
        (Some("snapshot"), _) | (None, None) => true,
        (Some("change") | None, Some(_)) => false,
        (Some(other), _) => return Err(format!("book message type {other:?}")),
    };
    for (side, list) in [(Side::Bid, &b.bids), (Side::Ask, &b.asks)] {
        for (action, price, amount) in list {
            let size = match action.as_ref() {
                "new" | "change" => num(amount)?,
                "delete" => Dec::ZERO,
                other => return Err(format!("book level action {other:?}")),
            };
            levels.push((side, Level::new(num(price)?, size)));
        }
    }
    Ok(Parsed::Book(BookFrame {
        instrument: b.instrument_name,
        snapshot: snapshot.then_some(None),
        seq: ChangeIds {
            prev: b.prev_change_id.unwrap_or(b.change_id),
            change: b.change_id,
        },
        checksum: None,
        exch_ts: b.timestamp,
    }))
}

/// Trades with the taker's side; those flagged `liquidation` are liquidations too.
fn trades(data: &RawValue) -> Result<Parsed<'_, ChangeIds>, String> {
    let items: Vec<WireTrade> =
        serde_json::from_str(data.get()).map_err(|e| format!("trades data: {e}"))?;
    let mut out = Vec::with_capacity(items.len());
    let mut liquidations = Vec::new();
    for t in items {
        let taker = match t.direction.as_ref() {
            "buy" => TakerSide::Buy,
            "sell" => TakerSide::Sell,
            other => return Err(format!("trade direction {other:?}")),
        };
        let (price, size) = (num(t.price)?, num(t.amount)?);
        if let Some(flag) = t.liquidation.as_deref() {
            for position in liquidated(flag, taker)? {
                liquidations.push(RawLiquidation {
                    instrument: t.instrument_name.clone(),
                    position,
                    price,
                    size,
                    ts: t.timestamp,
                    sampling: LiqSampling::Complete,
                });
            }
        }
        out.push(RawTrade {
            instrument: t.instrument_name,
            price,
            size,
            taker: Some(taker),
            ts: t.timestamp,
            id: Some(Cow::Borrowed(t.trade_id.get().trim_matches('"'))),
        });
    }
    Ok(match (out.is_empty(), liquidations.is_empty()) {
        (true, _) => Parsed::Control,
        (false, true) => Parsed::Trades(out),
        (false, false) => Parsed::TradesAndLiquidations(out, liquidations),
    })
}

/// The positions a trade's `liquidation` flag closed. A liquidated taker who sold was long; a
/// liquidated maker stood on the other side of the taker (a buying taker met a long being sold
/// off).
pub fn liquidated(flag: &str, taker: TakerSide) -> Result<Vec<LiquidatedPosition>, String> {
    let (taker_pos, maker_pos) = match taker {
        TakerSide::Sell => (LiquidatedPosition::Long, LiquidatedPosition::Short),
        TakerSide::Buy => (LiquidatedPosition::Short, LiquidatedPosition::Long),
    };
    match flag {
        "T" => Ok(vec![taker_pos]),
        "M" => Ok(vec![maker_pos]),
        "MT" | "TM" => Ok(vec![maker_pos, taker_pos]),
        other => Err(format!("trade liquidation flag {other:?}")),
    }
}
