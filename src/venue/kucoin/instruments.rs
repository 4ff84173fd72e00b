//! KuCoin instruments from the public REST API (no key), each answer wrapped in
//! `{"code":"200000","data":..}`:
//!
//! - spot `GET https://api.kucoin.com/api/v2/symbols`: `[{"symbol":"BTC-USDT",
//!   "baseCurrency":"BTC","quoteCurrency":"USDT","priceIncrement":"0.1",
//!   "baseIncrement":"0.00000001","enableTrading":true}]`. Kept: `enableTrading`.
//! - futures `GET https://api-futures.kucoin.com/api/v1/contracts/active`: `[{"symbol":
//!   "XBTUSDTM","baseCurrency":"XBT","quoteCurrency":"USDT","multiplier":0.001,"tickSize":0.1,
//!   "isInverse":false,"status":"Open"}]`. Sizes on the wire are contracts of `multiplier` base
//!   units ([`Contract::Linear`]); a linear contract without a positive multiplier is refused,
//!   never guessed. Kept: linear contracts with `status` `Open` (the inverse ones, `XBTUSDM`,
//!   are USD contracts and not read yet).

use super::{Family, Market};
use crate::instrument::{Contract, Instrument, MarketKind, normalize_asset};
use crate::num::Dec;
use crate::venue::registry::InstrumentSource;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Where market `M` lists its instruments.
pub const fn source<M: Market>() -> InstrumentSource {
    InstrumentSource {
        urls: match M::FAMILY {
            Family::Spot => spot_urls,
            Family::Futures => futures_urls,
        },
        parse: match M::FAMILY {
            Family::Spot => parse_spot,
            Family::Futures => parse_futures,
        },
    }
}

pub const SPOT_PATH: &str = "/api/v2/symbols";
pub const FUTURES_PATH: &str = "/api/v1/contracts/active";

fn spot_urls(rest: &str) -> Vec<String> {
    vec![format!("{rest}{SPOT_PATH}")]
}

fn futures_urls(rest: &str) -> Vec<String> {
    vec![format!("{rest}{FUTURES_PATH}")]
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Symbol {
    symbol: String,
    base_currency: String,
    quote_currency: String,
    #[serde(default)]
    price_increment: Option<Dec>,
    #[serde(default)]
    base_increment: Option<Dec>,
    #[serde(default)]
    enable_trading: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FuturesContract {
    symbol: String,
    base_currency: String,
    quote_currency: String,
    multiplier: f64,
    #[serde(default)]
    tick_size: Option<f64>,
    #[serde(default)]
    is_inverse: bool,
    #[serde(default)]
    status: String,
}

#[derive(Deserialize)]
struct Envelope<T> {
    code: String,
    #[serde(default)]
    msg: Option<String>,
    data: Option<T>,
}

/// The `data` of a `200000` answer; any other code is the venue's refusal.
fn data<T: DeserializeOwned>(what: &str, body: &str) -> Result<T, String> {
    let env: Envelope<T> = serde_json::from_str(body).map_err(|e| format!("{what}: {e}"))?;
    if env.code != "200000" {
        return Err(format!(
            "{what}: refused (code {}): {}",
            env.code,
            env.msg.unwrap_or_default()
        ));
    }
    env.data.ok_or_else(|| format!("{what}: no data"))
}

fn parse_spot(_url: &str, body: &str) -> Result<Vec<Instrument>, String> {
    let symbols: Vec<Symbol> = data("spot symbols", body)?;
    Ok(symbols
        .into_iter()
        .filter(|s| s.enable_trading)
        .map(|s| Instrument {
            venue: Family::Spot.venue(),
            base: normalize_asset(&s.base_currency),
            quote: normalize_asset(&s.quote_currency),
            id: s.symbol,
            kind: MarketKind::Spot,
            contract: Contract::Base,
            tick: s.price_increment,
            lot: s.base_increment,
            price_precision: None,
            qty_precision: None,
        })
        .collect())
}

fn parse_futures(_url: &str, body: &str) -> Result<Vec<Instrument>, String> {
    let contracts: Vec<FuturesContract> = data("futures contracts", body)?;
    let mut out = Vec::with_capacity(contracts.len());
    for c in contracts {
        if c.is_inverse || c.status != "Open" {
            continue;
        }
        if !(c.multiplier > 0.0 && c.multiplier.is_finite()) {
            return Err(format!(
                "{}: multiplier {} is not a contract size",
                c.symbol, c.multiplier
            ));
        }
        out.push(Instrument {
            venue: Family::Futures.venue(),
            base: normalize_asset(&c.base_currency),
            quote: normalize_asset(&c.quote_currency),
            kind: MarketKind::Perpetual,
            contract: Contract::Linear {
                multiplier: c.multiplier,
            },
            tick: c
                .tick_size
                .and_then(|t| Dec::parse_scientific(&t.to_string()).ok()),
            lot: None,
            price_precision: None,
            qty_precision: None,
            id: c.symbol,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trading_spot_symbols_with_their_steps() {
        let body = r#"{"code":"200000","data":[
            {"symbol":"BTC-USDT","baseCurrency":"BTC","quoteCurrency":"USDT","priceIncrement":"0.1","baseIncrement":"0.00000001","enableTrading":true},
            {"symbol":"OLD-USDT","baseCurrency":"OLD","quoteCurrency":"USDT","priceIncrement":"0.0001","baseIncrement":"0.01","enableTrading":false}
        ]}"#;
        let list = parse_spot("", body).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].id, "BTC-USDT");
        assert_eq!(list[0].tick.unwrap().to_string(), "0.1");
        assert_eq!(list[0].lot.unwrap().to_string(), "0.00000001");
        assert!(parse_spot("", r#"{"code":"400100","msg":"busy"}"#).is_err());
        assert!(parse_spot("", "<html>").is_err());
    }

    /// A KuCoin contract is `multiplier` base units: 648 XBTUSDTM contracts at 0.001 are
    /// 0.648 BTC (`XBT` is read as BTC); inverse and closed contracts are left out.
    #[test]
    fn futures_contracts_convert_to_base_units_by_their_multiplier() {
        let body = r#"{"code":"200000","data":[
            {"symbol":"XBTUSDTM","baseCurrency":"XBT","quoteCurrency":"USDT","multiplier":0.001,"tickSize":0.1,"isInverse":false,"status":"Open"},
            {"symbol":"XBTUSDM","baseCurrency":"XBT","quoteCurrency":"USD","multiplier":-1,"tickSize":0.1,"isInverse":true,"status":"Open"},
            {"symbol":"GONEUSDTM","baseCurrency":"GONE","quoteCurrency":"USDT","multiplier":1,"tickSize":0.1,"isInverse":false,"status":"Closed"},
            {"symbol":"DOGEUSDTM","baseCurrency":"DOGE","quoteCurrency":"USDT","multiplier":100,"tickSize":0.00001,"isInverse":false,"status":"Open"}
        ]}"#;
        let list = parse_futures("", body).unwrap();
        let ids: Vec<&str> = list.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["XBTUSDTM", "DOGEUSDTM"]);
        let xbt = &list[0];
        assert_eq!((xbt.base.as_str(), xbt.quote.as_str()), ("BTC", "USDT"));
        assert_eq!(xbt.contract, Contract::Linear { multiplier: 0.001 });
        assert!((xbt.contract.to_base(86_000.0, 648.0) - 0.648).abs() < 1e-12);
        assert_eq!(list[1].contract.to_base(0.1, 3.0), 300.0);
        assert_eq!(list[1].tick.unwrap().to_string(), "0.00001");

        let zero = r#"{"code":"200000","data":[{"symbol":"X","baseCurrency":"X","quoteCurrency":"USDT","multiplier":0,"status":"Open"}]}"#;
        assert!(parse_futures("", zero).unwrap_err().contains("multiplier"));
    }
}
