//! Bitget v2 instruments: `GET /api/v2/spot/public/symbols` (spot) and
//! `GET /api/v2/mix/market/contracts?productType=USDT-FUTURES` (USDT-M futures).
//!
//! Spot ticks and lots are powers of ten (`pricePrecision`, `quantityPrecision` decimals). A
//! contract's tick is `priceEndStep` at `pricePlace` decimals and its size step
//! `sizeMultiplier`. USDT-M sizes — in books, trades and `holdingAmount` — are in the base
//! coin (a BTCUSDT order of size `0.001` is 0.001 BTC; `sizeMultiplier` is the order step, not
//! a contract face value), so every contract is [`Contract::Base`]. Only instruments trading
//! now are kept (spot `status:"online"`, futures `symbolStatus:"normal"`), and of futures only
//! `symbolType:"perpetual"` (dated contracts are not streamed).

use super::{Market, Product};
use crate::instrument::{Contract, Instrument, MarketKind, normalize_asset};
use crate::num::Dec;
use crate::venue::registry::InstrumentSource;
use serde::Deserialize;

/// Where market `M` lists its instruments.
pub const fn source<M: Market>() -> InstrumentSource {
    InstrumentSource {
        urls: match M::PRODUCT {
            Product::Spot => spot_urls,
            Product::UsdtFutures => futures_urls,
        },
        parse: parse::<M>,
    }
}

fn spot_urls(rest: &str) -> Vec<String> {
    vec![format!("{rest}/api/v2/spot/public/symbols")]
}

fn futures_urls(rest: &str) -> Vec<String> {
    vec![format!(
        "{rest}/api/v2/mix/market/contracts?productType=USDT-FUTURES"
    )]
}

/// `{"code":"00000","msg":"success","requestTime":..,"data":[..]}`.
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
    symbol: String,
    base_coin: String,
    quote_coin: String,
    /// Spot.
    #[serde(default)]
    status: String,
    #[serde(default)]
    price_precision: Option<String>,
    #[serde(default)]
    quantity_precision: Option<String>,
    /// Futures.
    #[serde(default)]
    symbol_status: String,
    #[serde(default)]
    symbol_type: String,
    #[serde(default)]
    price_place: Option<String>,
    #[serde(default)]
    price_end_step: Option<String>,
    #[serde(default)]
    size_multiplier: Option<Dec>,
}

fn parse<M: Market>(_url: &str, body: &str) -> Result<Vec<Instrument>, String> {
    let resp: Response = serde_json::from_str(body).map_err(|e| format!("instruments: {e}"))?;
    if resp.code != "00000" {
        return Err(format!(
            "instruments: Bitget error {} {}",
            resp.code, resp.msg
        ));
    }
    let mut out = Vec::new();
    for item in resp.data {
        let trading = match M::PRODUCT {
            Product::Spot => item.status == "online",
            Product::UsdtFutures => {
                item.symbol_status == "normal" && item.symbol_type == "perpetual"
            }
        };
        if trading {
            out.push(instrument::<M>(item)?);
        }
    }
    Ok(out)
}

fn instrument<M: Market>(i: Item) -> Result<Instrument, String> {
    let places = |field: &str, text: Option<&str>| -> Result<u8, String> {
        let text = text.ok_or_else(|| format!("instruments: {} without {field}", i.symbol))?;
        text.parse::<u8>()
            .ok()
            .filter(|p| *p <= 18)
            .ok_or_else(|| format!("instruments: {} {field} {text:?}", i.symbol))
    };
    let (kind, tick, lot) = match M::PRODUCT {
        Product::Spot => (
            MarketKind::Spot,
            step(1, places("pricePrecision", i.price_precision.as_deref())?),
            step(
                1,
                places("quantityPrecision", i.quantity_precision.as_deref())?,
            ),
        ),
        Product::UsdtFutures => {
            let end = i.price_end_step.as_deref().unwrap_or("1");
            let end: i64 = end
                .parse()
                .ok()
                .filter(|e| *e > 0)
                .ok_or_else(|| format!("instruments: {} priceEndStep {end:?}", i.symbol))?;
            (
                MarketKind::Perpetual,
                step(end, places("pricePlace", i.price_place.as_deref())?),
                i.size_multiplier,
            )
        }
    };
    Ok(Instrument {
        venue: M::PRODUCT.venue(),
        base: normalize_asset(&i.base_coin),
        quote: normalize_asset(&i.quote_coin),
        id: i.symbol,
        kind,
        contract: Contract::Base,
        tick,
        lot,
        price_precision: None,
        qty_precision: None,
    })
}

/// `count` units of the `places`-th decimal (`step(5, 1)` = `0.5`).
fn step(count: i64, places: u8) -> Option<Dec> {
    Dec::from_parts(count, places)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::VenueId;
    use crate::venue::bitget::{Spot, UsdtFutures};

    #[test]
    fn spot_precisions_become_ticks_and_lots() {
        let body = r#"{"code":"00000","msg":"success","requestTime":1,"data":[
            {"symbol":"BTCUSDT","baseCoin":"BTC","quoteCoin":"USDT","minTradeAmount":"0","pricePrecision":"2","quantityPrecision":"6","quotePrecision":"8","status":"online"},
            {"symbol":"OLDUSDT","baseCoin":"OLD","quoteCoin":"USDT","pricePrecision":"4","quantityPrecision":"2","status":"offline"}
        ]}"#;
        let list = parse::<Spot>("", body).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].venue, VenueId::Bitget);
        assert_eq!(list[0].kind, MarketKind::Spot);
        assert_eq!(list[0].tick.unwrap().to_string(), "0.01");
        assert_eq!(list[0].lot.unwrap().to_string(), "0.000001");
    }

    /// Contract size: a USDT-M contract is sized in the base coin, so `sizeMultiplier` is the
    /// size step and a book or trade size of `0.002` means 0.002 BTC.
    #[test]
    fn usdt_futures_are_base_sized_perpetuals_with_stepped_ticks() {
        let body = r#"{"code":"00000","msg":"success","requestTime":1,"data":[
            {"symbol":"BTCUSDT","baseCoin":"BTC","quoteCoin":"USDT","pricePlace":"1","priceEndStep":"1","volumePlace":"3","sizeMultiplier":"0.001","symbolType":"perpetual","symbolStatus":"normal"},
            {"symbol":"ETHUSDT","baseCoin":"ETH","quoteCoin":"USDT","pricePlace":"2","priceEndStep":"5","volumePlace":"2","sizeMultiplier":"0.01","symbolType":"perpetual","symbolStatus":"normal"},
            {"symbol":"BTCUSDT0627","baseCoin":"BTC","quoteCoin":"USDT","pricePlace":"1","priceEndStep":"1","sizeMultiplier":"0.001","symbolType":"delivery","symbolStatus":"normal"},
            {"symbol":"GONEUSDT","baseCoin":"GONE","quoteCoin":"USDT","pricePlace":"4","priceEndStep":"1","sizeMultiplier":"1","symbolType":"perpetual","symbolStatus":"off"}
        ]}"#;
        let list = parse::<UsdtFutures>("", body).unwrap();
        assert_eq!(list.len(), 2, "dated and delisted contracts are dropped");
        let btc = &list[0];
        assert_eq!(btc.venue, VenueId::BitgetUsdt);
        assert_eq!(
            (btc.kind, btc.contract),
            (MarketKind::Perpetual, Contract::Base)
        );
        assert_eq!(btc.tick.unwrap().to_string(), "0.1");
        assert_eq!(btc.lot.unwrap().to_string(), "0.001");
        assert_eq!(btc.contract.to_base(97_000.0, 0.002), 0.002);
        assert_eq!(list[1].tick.unwrap().to_string(), "0.05");
    }

    #[test]
    fn errors_and_bad_fields_are_reported() {
        let err = parse::<Spot>("", r#"{"code":"40034","msg":"Parameter does not exist"}"#);
        assert!(err.unwrap_err().contains("40034"));
        let bad = r#"{"code":"00000","data":[{"symbol":"X","baseCoin":"X","quoteCoin":"USDT","pricePrecision":"-1","quantityPrecision":"2","status":"online"}]}"#;
        assert!(
            parse::<Spot>("", bad)
                .unwrap_err()
                .contains("pricePrecision")
        );
        let bad = r#"{"code":"00000","data":[{"symbol":"X","baseCoin":"X","quoteCoin":"USDT","pricePlace":"2","priceEndStep":"0","sizeMultiplier":"1","symbolType":"perpetual","symbolStatus":"normal"}]}"#;
        assert!(
            parse::<UsdtFutures>("", bad)
                .unwrap_err()
                .contains("priceEndStep")
        );
        assert!(parse::<Spot>("", "<html>").is_err());
    }
}
