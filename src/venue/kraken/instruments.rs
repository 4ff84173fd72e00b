//! Kraken spot pairs: `GET /0/public/AssetPairs`.
//!
//! `{"error":[],"result":{"XXBTZUSD":{"altname":"XBTUSD","wsname":"XBT/USD","base":"XXBT",
//! "quote":"ZUSD","pair_decimals":1,"lot_decimals":8,"tick_size":"0.1","status":"online",..}}}`.
//!
//! The instrument id is the **v2 symbol** the adapter subscribes (`BTC/USD`). `wsname` is the
//! v1 name (`XBT/USD`); v2 renamed Kraken's legacy asset codes `XBT` → `BTC` and `XDG` → `DOGE`
//! and kept the rest, so the v2 symbol is `wsname` with those two codes renamed. A pair with no
//! `wsname` (dark pools, `….d`) has no WebSocket book and is skipped.
//!
//! `pair_decimals` and `lot_decimals` are the v2 `price_precision` and `qty_precision` the book
//! checksum renders numbers at (see [`super::session`]).

use crate::instrument::{Contract, Instrument, MarketKind, normalize_asset};
use crate::market::VenueId;
use crate::num::{Dec, MAX_SCALE};
use crate::venue::registry::InstrumentSource;
use serde::Deserialize;
use std::collections::BTreeMap;

pub const SOURCE: InstrumentSource = InstrumentSource { urls, parse };

fn urls(rest: &str) -> Vec<String> {
    vec![format!("{rest}/0/public/AssetPairs")]
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    error: Vec<String>,
    #[serde(default)]
    result: BTreeMap<String, Pair>,
}

#[derive(Deserialize)]
struct Pair {
    #[serde(default)]
    wsname: Option<String>,
    pair_decimals: u8,
    lot_decimals: u8,
    #[serde(default)]
    tick_size: Option<Dec>,
    #[serde(default)]
    status: Option<String>,
}

/// A v1 asset code as v2 writes it.
fn v2_asset(code: &str) -> &str {
    match code {
        "XBT" => "BTC",
        "XDG" => "DOGE",
        other => other,
    }
}

fn parse(_url: &str, body: &str) -> Result<Vec<Instrument>, String> {
    let resp: Response = serde_json::from_str(body).map_err(|e| format!("instruments: {e}"))?;
    if !resp.error.is_empty() {
        return Err(format!(
            "instruments: Kraken error {}",
            resp.error.join("; ")
        ));
    }
    resp.result
        .into_iter()
        .filter(|(_, p)| p.status.as_deref() != Some("delisted"))
        .filter_map(|(key, p)| p.wsname.clone().map(|ws| pair(&key, &ws, p)))
        .collect()
}

fn pair(key: &str, wsname: &str, p: Pair) -> Result<Instrument, String> {
    let (base, quote) = wsname
        .split_once('/')
        .ok_or_else(|| format!("{key}: wsname {wsname:?} is not BASE/QUOTE"))?;
    let (base, quote) = (v2_asset(base), v2_asset(quote));
    let step = |places: u8, what: &str| {
        (places <= MAX_SCALE)
            .then(|| Dec::from_parts(1, places))
            .flatten()
            .ok_or_else(|| format!("{key}: {what} {places} out of range"))
    };
    let price_step = step(p.pair_decimals, "pair_decimals")?;
    let lot = step(p.lot_decimals, "lot_decimals")?;
    Ok(Instrument {
        venue: VenueId::Kraken,
        id: format!("{base}/{quote}"),
        base: normalize_asset(base),
        quote: normalize_asset(quote),
        kind: MarketKind::Spot,
        contract: Contract::Base,
        tick: Some(p.tick_size.unwrap_or(price_step)),
        lot: Some(lot),
        price_precision: Some(p.pair_decimals),
        qty_precision: Some(p.lot_decimals),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_get_their_v2_symbol_and_checksum_precision() {
        let body = r#"{"error":[],"result":{
            "XXBTZUSD":{"altname":"XBTUSD","wsname":"XBT/USD","aclass_base":"currency","base":"XXBT","aclass_quote":"currency","quote":"ZUSD","lot":"unit","cost_decimals":5,"pair_decimals":1,"lot_decimals":8,"lot_multiplier":1,"ordermin":"0.0001","costmin":"0.5","tick_size":"0.1","status":"online"},
            "XDGUSD":{"altname":"XDGUSD","wsname":"XDG/USD","base":"XXDG","quote":"ZUSD","pair_decimals":7,"lot_decimals":8,"status":"online"},
            "MINAGBP":{"altname":"MINAGBP","wsname":"MINA/GBP","base":"MINA","quote":"ZGBP","pair_decimals":4,"lot_decimals":8,"tick_size":"0.0001","status":"online"},
            "XXBTZUSD.d":{"altname":"XBTUSD.d","base":"XXBT","quote":"ZUSD","pair_decimals":1,"lot_decimals":8},
            "OLDUSD":{"altname":"OLDUSD","wsname":"OLD/USD","pair_decimals":2,"lot_decimals":8,"status":"delisted"}
        }}"#;
        let list = parse("", body).unwrap();
        let ids: Vec<&str> = list.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["MINA/GBP", "DOGE/USD", "BTC/USD"]);
        let btc = &list[2];
        assert_eq!((btc.base.as_str(), btc.quote.as_str()), ("BTC", "USD"));
        assert_eq!((btc.price_precision, btc.qty_precision), (Some(1), Some(8)));
        assert_eq!(btc.tick.unwrap().to_string(), "0.1");
        assert_eq!(btc.lot.unwrap().to_string(), "0.00000001");
        assert_eq!(
            list[1].tick.unwrap().to_string(),
            "0.0000001",
            "from pair_decimals"
        );
    }

    #[test]
    fn errors_and_bad_fields_are_reported() {
        assert!(
            parse("", r#"{"error":["EGeneral:Too many requests"]}"#)
                .unwrap_err()
                .contains("Too many requests")
        );
        let bad =
            r#"{"error":[],"result":{"X":{"wsname":"X/USD","pair_decimals":40,"lot_decimals":8}}}"#;
        assert!(parse("", bad).unwrap_err().contains("out of range"));
        let bad =
            r#"{"error":[],"result":{"X":{"wsname":"XUSD","pair_decimals":1,"lot_decimals":8}}}"#;
        assert!(parse("", bad).unwrap_err().contains("BASE/QUOTE"));
        assert!(parse("", "<html>").is_err());
    }
}
