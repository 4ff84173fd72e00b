//! Bybit instruments: `GET /v5/market/instruments-info?category=spot|linear`.
//!
//! Tick is `priceFilter.tickSize`; the size step is `lotSizeFilter.basePrecision` on spot and
//! `lotSizeFilter.qtyStep` on linear. Only instruments with `status:"Trading"` are kept, and on
//! linear only `contractType:"LinearPerpetual"` (dated futures are not streamed). Linear sizes
//! are in the base coin, like spot, so every contract is [`Contract::Base`].

use super::{Category, Market};
use crate::instrument::{Contract, Instrument, MarketKind, normalize_asset};
use crate::num::Dec;
use crate::venue::registry::InstrumentSource;
use serde::Deserialize;

/// Where market `M` lists its instruments.
pub const fn source<M: Market>() -> InstrumentSource {
    InstrumentSource {
        urls: match M::CATEGORY {
            Category::Spot => spot_urls,
            Category::Linear => linear_urls,
        },
        parse,
    }
}

/// Spot "does not support pagination": one answer holds every pair.
fn spot_urls(rest: &str) -> Vec<String> {
    vec![format!("{rest}/v5/market/instruments-info?category=spot")]
}

/// Linear pages at most 1000 instruments (the `limit` maximum); [`parse`] refuses an answer
/// that says more pages follow, rather than silently dropping instruments.
fn linear_urls(rest: &str) -> Vec<String> {
    vec![format!(
        "{rest}/v5/market/instruments-info?category=linear&limit=1000"
    )]
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    ret_code: i64,
    #[serde(default)]
    ret_msg: String,
    result: Option<ResultList>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResultList {
    category: String,
    #[serde(default)]
    list: Vec<Item>,
    #[serde(default)]
    next_page_cursor: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    symbol: String,
    base_coin: String,
    quote_coin: String,
    status: String,
    #[serde(default)]
    contract_type: String,
    price_filter: PriceFilter,
    lot_size_filter: LotSizeFilter,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PriceFilter {
    tick_size: Dec,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LotSizeFilter {
    #[serde(default)]
    base_precision: Option<Dec>,
    #[serde(default)]
    qty_step: Option<Dec>,
}

fn parse(_url: &str, body: &str) -> Result<Vec<Instrument>, String> {
    let resp: Response = serde_json::from_str(body).map_err(|e| format!("instruments: {e}"))?;
    if resp.ret_code != 0 {
        return Err(format!(
            "instruments: Bybit error {} {}",
            resp.ret_code, resp.ret_msg
        ));
    }
    let result = resp.result.ok_or("instruments: answer without result")?;
    let category = match result.category.as_str() {
        "spot" => Category::Spot,
        "linear" => Category::Linear,
        other => return Err(format!("instruments: unexpected category {other:?}")),
    };
    if !result.next_page_cursor.is_empty() {
        return Err(format!(
            "instruments: Bybit {} has more than one page (cursor {:?}); refusing a partial list",
            category.name(),
            result.next_page_cursor
        ));
    }
    Ok(result
        .list
        .into_iter()
        .filter(|i| i.status == "Trading")
        .filter(|i| category == Category::Spot || i.contract_type == "LinearPerpetual")
        .map(|i| item(category, i))
        .collect())
}

fn item(category: Category, i: Item) -> Instrument {
    let (kind, lot) = match category {
        Category::Spot => (MarketKind::Spot, i.lot_size_filter.base_precision),
        Category::Linear => (MarketKind::Perpetual, i.lot_size_filter.qty_step),
    };
    Instrument {
        venue: category.venue(),
        id: i.symbol,
        base: normalize_asset(&i.base_coin),
        quote: normalize_asset(&i.quote_coin),
        kind,
        contract: Contract::Base,
        tick: Some(i.price_filter.tick_size),
        lot,
        price_precision: None,
        qty_precision: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::VenueId;

    #[test]
    fn spot_and_linear_perpetuals_are_read_with_tick_and_lot() {
        let spot = r#"{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[
            {"symbol":"BTCUSDT","baseCoin":"BTC","quoteCoin":"USDT","innovation":"0","status":"Trading","marginTrading":"both","lotSizeFilter":{"basePrecision":"0.000001","quotePrecision":"0.00000001","minOrderQty":"0.000048"},"priceFilter":{"tickSize":"0.01"}},
            {"symbol":"OLDUSDT","baseCoin":"OLD","quoteCoin":"USDT","status":"Closed","lotSizeFilter":{"basePrecision":"1"},"priceFilter":{"tickSize":"0.1"}}
        ]},"retExtInfo":{},"time":1}"#;
        let list = parse("", spot).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].venue, VenueId::BybitSpot);
        assert_eq!(list[0].kind, MarketKind::Spot);
        assert_eq!(list[0].tick.unwrap().to_string(), "0.01");
        assert_eq!(list[0].lot.unwrap().to_string(), "0.000001");

        let linear = r#"{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[
            {"symbol":"BTCUSDT","contractType":"LinearPerpetual","status":"Trading","baseCoin":"BTC","quoteCoin":"USDT","priceScale":"2","priceFilter":{"minPrice":"0.10","maxPrice":"199999.80","tickSize":"0.10"},"lotSizeFilter":{"maxOrderQty":"100.000","minOrderQty":"0.001","qtyStep":"0.001"},"settleCoin":"USDT"},
            {"symbol":"BTC-27DEC24","contractType":"LinearFutures","status":"Trading","baseCoin":"BTC","quoteCoin":"USDC","priceFilter":{"tickSize":"0.50"},"lotSizeFilter":{"qtyStep":"0.001"}}
        ],"nextPageCursor":""},"retExtInfo":{},"time":1}"#;
        let list = parse("", linear).unwrap();
        assert_eq!(list.len(), 1, "dated futures are not streamed");
        assert_eq!(list[0].venue, VenueId::BybitLinear);
        assert_eq!(list[0].kind, MarketKind::Perpetual);
        assert_eq!(list[0].contract, Contract::Base);
        assert_eq!(list[0].tick.unwrap().to_string(), "0.10");
        assert_eq!(list[0].lot.unwrap().to_string(), "0.001");
    }

    #[test]
    fn errors_partial_pages_and_bad_numbers_are_reported() {
        assert!(
            parse("", r#"{"retCode":10001,"retMsg":"params error"}"#)
                .unwrap_err()
                .contains("params error")
        );
        let paged =
            r#"{"retCode":0,"result":{"category":"linear","list":[],"nextPageCursor":"abc"}}"#;
        assert!(parse("", paged).unwrap_err().contains("partial"));
        let bad = r#"{"retCode":0,"result":{"category":"spot","list":[{"symbol":"X","baseCoin":"X","quoteCoin":"USDT","status":"Trading","lotSizeFilter":{},"priceFilter":{"tickSize":"1e-3"}}]}}"#;
        assert!(parse("", bad).unwrap_err().contains("exponent"));
        assert!(parse("", "<html>").is_err());
    }
}
