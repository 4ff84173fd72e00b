//! Hyperliquid's perpetuals: `POST /info {"type":"meta"}` answers
//! `{"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":40,..},..],"marginTables":[..]}`.
//!
//! The universe is the only list of names Hyperliquid accepts: a subscription naming anything
//! else closes the whole socket, so only these coins are ever subscribed. Delisted coins
//! (`"isDelisted":true`, whose book is empty) are left out. Every perp is margined and quoted in
//! USDC and sized in its coin (`sz` "in units of the coin"), so the contract is
//! [`Contract::Base`]; a coin like `kPEPE` is its own unit (1,000 PEPE, priced per 1,000), kept
//! as base `KPEPE` so it is never compared with PEPE markets priced per coin.
//!
//! Hyperliquid has no fixed tick: a perp price has at most 5 significant figures and at most
//! `6 − szDecimals` decimals. The tick recorded is that finest step, `10^−(6−szDecimals)`; at
//! high prices the 5-figure rule makes the real step coarser. The lot is `10^−szDecimals`.

use crate::instrument::{Contract, Instrument, MarketKind, normalize_asset};
use crate::market::VenueId;
use crate::num::Dec;
use crate::venue::registry::InstrumentSource;
use serde::Deserialize;

/// The request, as a URL and its JSON body (see [`InstrumentSource`]).
pub const SOURCE: InstrumentSource = InstrumentSource { urls, parse };

/// Decimals a perp price may have, before the coin's size decimals take theirs.
const MAX_DECIMALS: u8 = 6;

/// What every Hyperliquid perp is quoted and margined in.
pub const QUOTE: &str = "USDC";

fn urls(rest: &str) -> Vec<String> {
    vec![format!(r#"{rest}/info {{"type":"meta"}}"#)]
}

#[derive(Deserialize)]
struct Meta {
    universe: Vec<Asset>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Asset {
    name: String,
    sz_decimals: u8,
    #[serde(default)]
    is_delisted: bool,
}

fn parse(_url: &str, body: &str) -> Result<Vec<Instrument>, String> {
    let meta: Meta = serde_json::from_str(body).map_err(|e| format!("meta: {e}"))?;
    meta.universe
        .into_iter()
        .filter(|a| !a.is_delisted)
        .map(asset)
        .collect()
}

fn asset(a: Asset) -> Result<Instrument, String> {
    if a.sz_decimals > MAX_DECIMALS {
        return Err(format!(
            "meta: {} has szDecimals {} (more than the {MAX_DECIMALS} decimals a price may have)",
            a.name, a.sz_decimals
        ));
    }
    let step =
        |places: u8| Dec::from_parts(1, places).ok_or_else(|| format!("meta: {} decimals", places));
    Ok(Instrument {
        venue: VenueId::Hyperliquid,
        base: normalize_asset(&a.name),
        quote: QUOTE.to_owned(),
        kind: MarketKind::Perpetual,
        contract: Contract::Base,
        tick: Some(step(MAX_DECIMALS - a.sz_decimals)?),
        lot: Some(step(a.sz_decimals)?),
        price_precision: None,
        qty_precision: None,
        id: a.name,
    })
}

/// What a coin seen in data (not in the list at hand) is: a USDC perp sized in the coin.
pub fn infer(coin: &str) -> Instrument {
    Instrument {
        venue: VenueId::Hyperliquid,
        id: coin.to_owned(),
        base: normalize_asset(coin),
        quote: QUOTE.to_owned(),
        kind: MarketKind::Perpetual,
        contract: Contract::Base,
        tick: None,
        lot: None,
        price_precision: None,
        qty_precision: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_universe_lists_usdc_perps_sized_in_coins_without_delisted_ones() {
        let body = r#"{"universe":[
            {"name":"BTC","szDecimals":5,"maxLeverage":40,"marginTableId":56},
            {"name":"kPEPE","szDecimals":0,"maxLeverage":10},
            {"name":"MATIC","szDecimals":1,"maxLeverage":20,"isDelisted":true}
        ],"marginTables":[[56,{"description":"","marginTiers":[]}]]}"#;
        let list = parse("", body).unwrap();
        let ids: Vec<&str> = list.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["BTC", "kPEPE"]);
        let btc = &list[0];
        assert_eq!((btc.base.as_str(), btc.quote.as_str()), ("BTC", "USDC"));
        assert_eq!(btc.kind, MarketKind::Perpetual);
        assert_eq!(btc.tick.unwrap().to_string(), "0.1");
        assert_eq!(btc.lot.unwrap().to_string(), "0.00001");
        // `sz` is in coins: 0.5 BTC on the wire is 0.5 BTC, whatever the price.
        assert_eq!(btc.contract.to_base(105_055.0, 0.5), 0.5);
        let pepe = &list[1];
        assert_eq!(pepe.base, "KPEPE", "its own unit, never compared with PEPE");
        assert_eq!(pepe.tick.unwrap().to_string(), "0.000001");
        assert_eq!(pepe.lot.unwrap().to_string(), "1");
        assert_eq!(pepe.contract.to_base(0.0044, 2_058_973.0), 2_058_973.0);
    }

    #[test]
    fn malformed_lists_are_refused() {
        assert!(parse("", "<html>").is_err());
        assert!(parse("", r#"{"universe":[{"name":"X"}]}"#).is_err());
        let absurd = r#"{"universe":[{"name":"X","szDecimals":9}]}"#;
        assert!(parse("", absurd).unwrap_err().contains("szDecimals"));
    }
}
