//! Deribit perpetuals from `GET /api/v2/public/get_instruments?currency=<C>&kind=future` (no
//! key): `{"result":[{"instrument_name":"BTC-PERPETUAL","settlement_period":"perpetual",
//! "instrument_type":"reversed"|"linear","base_currency","counter_currency","tick_size",
//! "min_trade_amount","is_active"}]}`. Kept: active perpetuals. Inverse (`reversed`) ones are
//! quoted in USD amounts ([`Contract::Inverse`] with a face of 1 USD: base = amount / price);
//! USDC linear ones in the base coin ([`Contract::Base`]).

use crate::instrument::{Contract, Instrument, MarketKind, normalize_asset};
use crate::market::VenueId;
use crate::venue::registry::InstrumentSource;
use serde::Deserialize;
use serde_json::value::RawValue;

/// Where Deribit lists its perpetuals: BTC and ETH inverse, USDC linear.
pub const SOURCE: InstrumentSource = InstrumentSource { urls, parse };

const CURRENCIES: [&str; 3] = ["BTC", "ETH", "USDC"];

pub const PATH: &str = "/api/v2/public/get_instruments";

fn urls(rest: &str) -> Vec<String> {
    CURRENCIES
        .iter()
        .map(|c| format!("{rest}{PATH}?currency={c}&kind=future"))
        .collect()
}

#[derive(Deserialize)]
struct Response {
    result: Vec<Listed>,
}

#[derive(Deserialize)]
struct Listed {
    instrument_name: String,
    #[serde(default)]
    settlement_period: String,
    #[serde(default)]
    instrument_type: String,
    base_currency: String,
    counter_currency: String,
    #[serde(default)]
    tick_size: Option<Box<RawValue>>,
    #[serde(default)]
    min_trade_amount: Option<Box<RawValue>>,
    #[serde(default)]
    is_active: bool,
}

/// A step (tick, minimum amount) as an exact decimal from Deribit's JSON number.
fn step(raw: Option<&RawValue>) -> Result<Option<crate::num::Dec>, String> {
    raw.map(super::parse::num).transpose()
}

fn parse(_url: &str, body: &str) -> Result<Vec<Instrument>, String> {
    let listed: Response =
        serde_json::from_str(body).map_err(|e| format!("get_instruments: {e}"))?;
    let mut out = Vec::new();
    for i in listed.result {
        if !i.is_active || i.settlement_period != "perpetual" {
            continue;
        }
        let contract = match i.instrument_type.as_str() {
            "reversed" => Contract::Inverse { face: 1.0 },
            "linear" => Contract::Base,
            other => {
                return Err(format!(
                    "{}: instrument_type {other:?} is neither reversed nor linear",
                    i.instrument_name
                ));
            }
        };
        out.push(Instrument {
            venue: VenueId::Deribit,
            base: normalize_asset(&i.base_currency),
            quote: normalize_asset(&i.counter_currency),
            kind: MarketKind::Perpetual,
            contract,
            tick: step(i.tick_size.as_deref())?,
            lot: step(i.min_trade_amount.as_deref())?,
            price_precision: None,
            qty_precision: None,
            id: i.instrument_name,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BTC-PERPETUAL amounts are USD: 72,300 USD at 9,415.5 is 7.6788… BTC. A USDC linear
    /// perpetual's amounts are already base units.
    #[test]
    fn inverse_perpetuals_convert_usd_amounts_to_base_units_by_price() {
        let body = r#"{"jsonrpc":"2.0","result":[
            {"instrument_name":"BTC-PERPETUAL","settlement_period":"perpetual","instrument_type":"reversed","base_currency":"BTC","counter_currency":"USD","tick_size":0.5,"min_trade_amount":10.0,"is_active":true,"contract_size":10.0},
            {"instrument_name":"BTC-27MAR26","settlement_period":"month","instrument_type":"reversed","base_currency":"BTC","counter_currency":"USD","tick_size":2.5,"is_active":true},
            {"instrument_name":"ETH_USDC-PERPETUAL","settlement_period":"perpetual","instrument_type":"linear","base_currency":"ETH","counter_currency":"USDC","tick_size":0.1,"min_trade_amount":0.001,"is_active":true},
            {"instrument_name":"OLD_USDC-PERPETUAL","settlement_period":"perpetual","instrument_type":"linear","base_currency":"OLD","counter_currency":"USDC","is_active":false}
        ]}"#;
        let list = parse("", body).unwrap();
        let ids: Vec<&str> = list.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["BTC-PERPETUAL", "ETH_USDC-PERPETUAL"]);
        let btc = &list[0];
        assert_eq!((btc.base.as_str(), btc.quote.as_str()), ("BTC", "USD"));
        assert_eq!(btc.tick.unwrap().to_string(), "0.5");
        let base = btc.contract.to_base(9_415.5, 72_300.0);
        assert!((base - 72_300.0 / 9_415.5).abs() < 1e-12, "{base}");
        assert_eq!(list[1].contract, Contract::Base);
        assert_eq!(list[1].contract.to_base(2_000.0, 1.5), 1.5);
        let odd = r#"{"result":[{"instrument_name":"X-PERPETUAL","settlement_period":"perpetual","instrument_type":"quanto","base_currency":"X","counter_currency":"USD","is_active":true}]}"#;
        assert!(parse("", odd).unwrap_err().contains("quanto"));
        assert!(parse("", "<html>").is_err());
        assert_eq!(urls("https://www.deribit.com").len(), 3);
    }
}
