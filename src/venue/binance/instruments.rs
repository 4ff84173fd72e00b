//! Binance instruments: `GET /api/v3/exchangeInfo` (spot) and `GET /fapi/v1/exchangeInfo`
//! (USDⓈ-M, perpetuals only).
//!
//! Each symbol gives its assets, `status` (only `TRADING` is kept) and `filters`: the tick is
//! `PRICE_FILTER.tickSize`, the lot `LOT_SIZE.stepSize`. Spot and USDⓈ-M linear contracts are
//! both sized in the base asset ([`Contract::Base`]).

use super::Market;
use crate::instrument::{Contract, Instrument, normalize_asset};
use crate::num::Dec;
use crate::venue::registry::InstrumentSource;
use serde::Deserialize;

/// Where market `M` lists its instruments.
pub const fn source<M: Market>() -> InstrumentSource {
    InstrumentSource {
        urls: urls::<M>,
        parse: parse::<M>,
    }
}

fn urls<M: Market>(rest: &str) -> Vec<String> {
    vec![super::subscribe::join(rest, M::EXCHANGE_INFO_PATH)]
}

/// The list, or an error body `{"code":-1003,"msg":"Too many requests..."}`.
#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    symbols: Vec<Symbol>,
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    msg: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Symbol {
    symbol: String,
    status: String,
    base_asset: String,
    quote_asset: String,
    #[serde(default)]
    contract_type: Option<String>,
    #[serde(default)]
    filters: Vec<Filter>,
}

/// Filters are tagged by `filterType`; only the two read here are typed, the rest ignored.
#[derive(Deserialize)]
#[serde(tag = "filterType")]
enum Filter {
    #[serde(rename = "PRICE_FILTER", rename_all = "camelCase")]
    Price { tick_size: Dec },
    #[serde(rename = "LOT_SIZE", rename_all = "camelCase")]
    Lot { step_size: Dec },
    #[serde(other)]
    Other,
}

fn parse<M: Market>(_url: &str, body: &str) -> Result<Vec<Instrument>, String> {
    let resp: Response = serde_json::from_str(body).map_err(|e| format!("exchangeInfo: {e}"))?;
    if let Some(code) = resp.code {
        return Err(format!("exchangeInfo: Binance error {code} {}", resp.msg));
    }
    Ok(resp
        .symbols
        .into_iter()
        .filter(|s| s.status == "TRADING")
        .filter(|s| M::CONTRACT_TYPE.is_none_or(|t| s.contract_type.as_deref() == Some(t)))
        .map(instrument::<M>)
        .collect())
}

fn instrument<M: Market>(s: Symbol) -> Instrument {
    let (mut tick, mut lot) = (None, None);
    for filter in s.filters {
        match filter {
            Filter::Price { tick_size } => tick = Some(tick_size),
            Filter::Lot { step_size } => lot = Some(step_size),
            Filter::Other => {}
        }
    }
    Instrument {
        venue: M::VENUE,
        id: s.symbol,
        base: normalize_asset(&s.base_asset),
        quote: normalize_asset(&s.quote_asset),
        kind: M::KIND,
        contract: Contract::Base,
        tick,
        lot,
        price_precision: None,
        qty_precision: None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Spot, Usdm};
    use super::*;
    use crate::instrument::MarketKind;
    use crate::market::VenueId;

    // Shapes from the docs' exchangeInfo examples, trimmed to the fields read plus a few others.
    const SPOT: &str = r#"{"timezone":"UTC","serverTime":1565246363776,"rateLimits":[],"exchangeFilters":[],"symbols":[
        {"symbol":"ETHBTC","status":"TRADING","baseAsset":"ETH","baseAssetPrecision":8,"quoteAsset":"BTC","quotePrecision":8,"orderTypes":["LIMIT","MARKET"],"icebergAllowed":true,
         "filters":[{"filterType":"PRICE_FILTER","minPrice":"0.00000100","maxPrice":"100000.00000000","tickSize":"0.00000100"},
                    {"filterType":"LOT_SIZE","minQty":"0.00100000","maxQty":"100000.00000000","stepSize":"0.00100000"},
                    {"filterType":"NOTIONAL","minNotional":"0.00010000","applyMinToMarket":true}],"permissions":["SPOT"]},
        {"symbol":"OLDBTC","status":"BREAK","baseAsset":"OLD","quoteAsset":"BTC","filters":[]}
    ]}"#;

    const USDM: &str = r#"{"timezone":"UTC","serverTime":1565246363776,"assets":[],"symbols":[
        {"symbol":"BTCUSDT","pair":"BTCUSDT","contractType":"PERPETUAL","deliveryDate":4133404800000,"status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","marginAsset":"USDT","pricePrecision":2,"quantityPrecision":3,
         "filters":[{"filterType":"PRICE_FILTER","maxPrice":"4529764","minPrice":"556.80","tickSize":"0.10"},
                    {"filterType":"LOT_SIZE","maxQty":"1000","minQty":"0.001","stepSize":"0.001"},
                    {"filterType":"MARKET_LOT_SIZE","maxQty":"120","minQty":"0.001","stepSize":"0.001"}]},
        {"symbol":"BTCUSDT_261225","pair":"BTCUSDT","contractType":"CURRENT_QUARTER","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","filters":[]},
        {"symbol":"XBTUSDT","pair":"XBTUSDT","contractType":"PERPETUAL","status":"SETTLING","baseAsset":"XBT","quoteAsset":"USDT","filters":[]}
    ]}"#;

    #[test]
    fn spot_symbols_keep_tick_and_lot_and_only_trading_ones() {
        let list = parse::<Spot>("", SPOT).unwrap();
        assert_eq!(list.len(), 1);
        let eth = &list[0];
        assert_eq!((eth.venue, eth.id.as_str()), (VenueId::Binance, "ETHBTC"));
        assert_eq!((eth.base.as_str(), eth.quote.as_str()), ("ETH", "BTC"));
        assert_eq!((eth.kind, eth.contract), (MarketKind::Spot, Contract::Base));
        assert_eq!(eth.tick.unwrap().to_string(), "0.00000100");
        assert_eq!(eth.lot.unwrap().to_string(), "0.00100000");
    }

    #[test]
    fn usdm_keeps_trading_perpetuals_in_base_units() {
        let list = parse::<Usdm>("", USDM).unwrap();
        assert_eq!(list.len(), 1, "no quarterly, no settling symbol");
        let btc = &list[0];
        assert_eq!(
            (btc.venue, btc.id.as_str()),
            (VenueId::BinanceUsdm, "BTCUSDT")
        );
        assert_eq!(
            (btc.kind, btc.contract),
            (MarketKind::Perpetual, Contract::Base)
        );
        assert_eq!(btc.tick.unwrap().to_string(), "0.10");
        assert_eq!(
            btc.lot.unwrap().to_string(),
            "0.001",
            "LOT_SIZE, not MARKET_LOT_SIZE"
        );
    }

    #[test]
    fn sources_fetch_each_markets_exchange_info() {
        let spot = source::<Spot>();
        assert_eq!(
            (spot.urls)(Spot::DEFAULT_REST),
            ["https://api.binance.com/api/v3/exchangeInfo"]
        );
        let usdm = source::<Usdm>();
        assert_eq!(
            (usdm.urls)("http://127.0.0.1:9000/"),
            ["http://127.0.0.1:9000/fapi/v1/exchangeInfo"]
        );
    }

    #[test]
    fn errors_and_bad_filters_are_reported() {
        let err = parse::<Spot>("", r#"{"code":-1003,"msg":"Too many requests."}"#).unwrap_err();
        assert!(err.contains("-1003") && err.contains("Too many"), "{err}");
        let bad = r#"{"symbols":[{"symbol":"X","status":"TRADING","baseAsset":"X","quoteAsset":"Y","filters":[{"filterType":"PRICE_FILTER","tickSize":"-1"}]}]}"#;
        assert!(parse::<Spot>("", bad).is_err());
        assert!(parse::<Usdm>("", "<html>").is_err());
    }
}
