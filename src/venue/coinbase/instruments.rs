//! Coinbase spot products: `GET /api/v3/brokerage/market/products` (public, no key).
//!
//! `{"products":[{"product_id":"BTC-USD","base_currency_id":"BTC","quote_currency_id":"USD",
//! "price_increment":"0.01","base_increment":"0.00000001","status":"online",
//! "trading_disabled":false,"is_disabled":false,"product_type":"SPOT","alias":"",
//! "alias_to":["BTC-USDC"],..}],"num_products":920}` (the 2026 recording's list).
//!
//! Listed: online `SPOT` products that trade. Left out:
//! - aliases (`"alias":"BTC-USD"` on `BTC-USDC`): "Subscribing to -USDC based products is only
//!   available on the user channel. Other channels will return the same data as the
//!   corresponding -USD based products";
//! - a USDT-quoted product whose base also trades against USD: Coinbase is watched as the
//!   dollar reference price, and the catalog would otherwise choose the thin USDT book for the
//!   base (its quote preference puts USDT first). `USDT-USD` itself is the rate book USD prices
//!   convert through (`docs/metrics.md` §0.4).

use crate::instrument::{Contract, Instrument, MarketKind, normalize_asset};
use crate::market::VenueId;
use crate::num::Dec;
use crate::venue::registry::InstrumentSource;
use serde::Deserialize;
use std::collections::HashSet;

pub const SOURCE: InstrumentSource = InstrumentSource { urls, parse };

/// The public products path (the one the recordings name).
pub const PRODUCTS_PATH: &str = "/api/v3/brokerage/market/products";

fn urls(rest: &str) -> Vec<String> {
    vec![format!("{rest}{PRODUCTS_PATH}")]
}

#[derive(Deserialize)]
struct Response {
    products: Vec<Product>,
}

#[derive(Deserialize)]
struct Product {
    product_id: String,
    base_currency_id: String,
    quote_currency_id: String,
    #[serde(default)]
    price_increment: Option<Dec>,
    #[serde(default)]
    base_increment: Option<Dec>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    trading_disabled: bool,
    #[serde(default)]
    is_disabled: bool,
    #[serde(default)]
    product_type: String,
    #[serde(default)]
    alias: String,
}

fn parse(_url: &str, body: &str) -> Result<Vec<Instrument>, String> {
    let resp: Response = serde_json::from_str(body).map_err(|e| format!("instruments: {e}"))?;
    let trading: Vec<Product> = resp
        .products
        .into_iter()
        .filter(|p| {
            p.product_type == "SPOT"
                && p.status == "online"
                && !p.trading_disabled
                && !p.is_disabled
                && p.alias.is_empty()
        })
        .collect();
    let dollar_bases: HashSet<String> = trading
        .iter()
        .filter(|p| p.quote_currency_id == "USD")
        .map(|p| normalize_asset(&p.base_currency_id))
        .collect();
    Ok(trading
        .into_iter()
        .map(|p| Instrument {
            venue: VenueId::Coinbase,
            base: normalize_asset(&p.base_currency_id),
            quote: normalize_asset(&p.quote_currency_id),
            id: p.product_id,
            kind: MarketKind::Spot,
            contract: Contract::Base,
            tick: p.price_increment,
            lot: p.base_increment,
            price_precision: None,
            qty_precision: None,
        })
        .filter(|i| !(i.quote == "USDT" && dollar_bases.contains(&i.base)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: &str, extra: &str) -> String {
        let (base, quote) = id.split_once('-').unwrap();
        format!(
            r#"{{"product_id":"{id}","base_currency_id":"{base}","quote_currency_id":"{quote}","price_increment":"0.01","base_increment":"0.00000001","status":"online","trading_disabled":false,"is_disabled":false,"product_type":"SPOT","alias":""{extra}}}"#
        )
    }

    #[test]
    fn trading_spot_products_are_listed_without_aliases_or_shadowed_usdt_books() {
        let products = [
            product("BTC-USD", r#","alias_to":["BTC-USDC"]"#),
            product("BTC-USDC", "").replace(r#""alias":"""#, r#""alias":"BTC-USD""#),
            product("BTC-USDT", ""),
            product("USDT-USD", ""),
            product("NEW-USDT", ""),
            product("ETH-EUR", ""),
            product("OLD-USD", "").replace("online", "delisted"),
            product("OFF-USD", "")
                .replace(r#""trading_disabled":false"#, r#""trading_disabled":true"#),
            product("FUT-USD", "").replace("SPOT", "FUTURE"),
        ];
        let body = format!(
            r#"{{"products":[{}],"num_products":9}}"#,
            products.join(",")
        );
        let list = parse("", &body).unwrap();
        let ids: Vec<&str> = list.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["BTC-USD", "USDT-USD", "NEW-USDT", "ETH-EUR"]);
        let btc = &list[0];
        assert_eq!((btc.base.as_str(), btc.quote.as_str()), ("BTC", "USD"));
        assert_eq!(btc.tick.unwrap().to_string(), "0.01");
        assert_eq!(btc.lot.unwrap().to_string(), "0.00000001");
        assert!(list[1].is_rate());
    }

    #[test]
    fn a_body_that_is_not_a_product_list_is_an_error() {
        assert!(parse("", "<html>").is_err());
        assert!(parse("", r#"{"error":"unauthorized"}"#).is_err());
        let bad = r#"{"products":[{"product_id":"X-USD","base_currency_id":"X","quote_currency_id":"USD","price_increment":"-1"}]}"#;
        assert!(parse("", bad).is_err());
    }
}
