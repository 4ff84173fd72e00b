//! OKX instruments: `GET /api/v5/public/instruments?instType=SPOT|SWAP|FUTURES`.
//!
//! Swaps and futures are sized in contracts: `ctVal × ctMult` of `ctValCcy` each. For a
//! linear contract that currency is the base asset; for an inverse one it is USD (a face value).

use crate::instrument::{Contract, Instrument, MarketKind, normalize_asset};
use crate::market::VenueId;
use crate::num::Dec;
use crate::venue::registry::InstrumentSource;
use serde::Deserialize;

pub const SOURCE: InstrumentSource = InstrumentSource { urls, parse };

fn urls(rest: &str) -> Vec<String> {
    ["SPOT", "SWAP", "FUTURES"]
        .iter()
        .map(|t| format!("{rest}/api/v5/public/instruments?instType={t}"))
        .collect()
}

#[derive(Deserialize)]
struct Response {
    code: String,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    data: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    inst_type: String,
    inst_id: String,
    #[serde(default)]
    base_ccy: String,
    #[serde(default)]
    quote_ccy: String,
    #[serde(default)]
    settle_ccy: String,
    #[serde(default)]
    uly: String,
    #[serde(default)]
    ct_val: String,
    #[serde(default)]
    ct_mult: String,
    #[serde(default)]
    ct_val_ccy: String,
    #[serde(default)]
    ct_type: String,
    tick_sz: Dec,
    lot_sz: Dec,
    #[serde(default)]
    state: String,
}

fn parse(_url: &str, body: &str) -> Result<Vec<Instrument>, String> {
    let resp: Response = serde_json::from_str(body).map_err(|e| format!("instruments: {e}"))?;
    if resp.code != "0" {
        return Err(format!("instruments: OKX error {} {}", resp.code, resp.msg));
    }
    resp.data
        .into_iter()
        .filter(|i| i.state == "live" || i.state.is_empty())
        .filter_map(|i| item(i).transpose())
        .collect()
}

fn item(i: Item) -> Result<Option<Instrument>, String> {
    let (kind, base, quote, contract) = match i.inst_type.as_str() {
        "SPOT" => (MarketKind::Spot, i.base_ccy, i.quote_ccy, Contract::Base),
        "SWAP" | "FUTURES" => {
            let kind = if i.inst_type == "SWAP" {
                MarketKind::Perpetual
            } else {
                MarketKind::Future
            };
            let size = contract_size(&i.ct_val, &i.ct_mult, &i.inst_id)?;
            let base = i.uly.split('-').next().unwrap_or_default().to_owned();
            match i.ct_type.as_str() {
                "linear" => (
                    kind,
                    base,
                    i.settle_ccy,
                    Contract::Linear { multiplier: size },
                ),
                "inverse" => (kind, base, i.ct_val_ccy, Contract::Inverse { face: size }),
                other => return Err(format!("{}: unknown ctType {other:?}", i.inst_id)),
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(Instrument {
        venue: VenueId::Okx,
        id: i.inst_id,
        base: normalize_asset(&base),
        quote: normalize_asset(&quote),
        kind,
        contract,
        tick: Some(i.tick_sz),
        lot: Some(i.lot_sz),
        price_precision: None,
        qty_precision: None,
    }))
}

fn contract_size(ct_val: &str, ct_mult: &str, id: &str) -> Result<f64, String> {
    let val = Dec::parse(ct_val).map_err(|e| format!("{id}: ctVal {e}"))?;
    let mult = if ct_mult.is_empty() {
        1.0
    } else {
        Dec::parse(ct_mult)
            .map_err(|e| format!("{id}: ctMult {e}"))?
            .to_f64()
    };
    let size = val.to_f64() * mult;
    if size > 0.0 {
        Ok(size)
    } else {
        Err(format!("{id}: contract size {size} is not positive"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spot_linear_and_inverse_contracts_are_read() {
        let body = r#"{"code":"0","msg":"","data":[
            {"instType":"SPOT","instId":"BTC-USDT","baseCcy":"BTC","quoteCcy":"USDT","tickSz":"0.1","lotSz":"0.00000001","state":"live"},
            {"instType":"SWAP","instId":"BTC-USDT-SWAP","uly":"BTC-USDT","settleCcy":"USDT","ctVal":"0.01","ctMult":"1","ctValCcy":"BTC","ctType":"linear","tickSz":"0.1","lotSz":"0.01","state":"live"},
            {"instType":"SWAP","instId":"BTC-USD-SWAP","uly":"BTC-USD","settleCcy":"BTC","ctVal":"100","ctMult":"1","ctValCcy":"USD","ctType":"inverse","tickSz":"0.1","lotSz":"1","state":"live"},
            {"instType":"SWAP","instId":"OLD-USDT-SWAP","uly":"OLD-USDT","ctVal":"1","ctType":"linear","tickSz":"0.1","lotSz":"1","state":"suspend"}
        ]}"#;
        let list = parse("", body).unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].contract, Contract::Base);
        assert_eq!(list[0].tick.unwrap().to_string(), "0.1");
        assert_eq!(list[1].contract, Contract::Linear { multiplier: 0.01 });
        assert_eq!(
            (list[1].base.as_str(), list[1].kind),
            ("BTC", MarketKind::Perpetual)
        );
        assert_eq!(list[2].contract, Contract::Inverse { face: 100.0 });
        assert_eq!(list[2].quote, "USD");
    }

    #[test]
    fn errors_and_bad_numbers_are_reported() {
        assert!(
            parse("", r#"{"code":"50011","msg":"Too Many Requests"}"#)
                .unwrap_err()
                .contains("Too Many Requests")
        );
        let bad = r#"{"code":"0","data":[{"instType":"SWAP","instId":"X-USDT-SWAP","uly":"X-USDT","ctVal":"0","ctType":"linear","tickSz":"0.1","lotSz":"1","state":"live"}]}"#;
        assert!(parse("", bad).unwrap_err().contains("not positive"));
        assert!(parse("", "<html>").is_err());
    }
}
