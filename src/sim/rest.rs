//! The REST endpoints the adapters and the instrument catalog call, in each venue's shapes:
//! every venue's instrument list (so the catalog loads offline), Binance depth snapshots with
//! `lastUpdateId` (recorded, so the fault ledger knows which snapshot a client joins), and
//! USDⓈ-M open interest; the public history endpoints a backfill reads are in
//! [`history`](crate::sim::history).
//!
//! Lists name only the books the simulator runs, so a monitor pointed at it resolves symbols to
//! markets that have data.

use crate::instrument::MarketKind;
use crate::market::{Side, VenueId};
use crate::sim::catalog::{BookId, INSTRUMENTS, SimInstrument, find};
use crate::sim::dialect::level_arrays;
use crate::sim::http::{Request, Response};
use crate::sim::market::Market;
use serde_json::{Value, json};

/// Binance spot `limit` values (up to 5000) and USDⓈ-M ones.
const SPOT_LIMIT_MAX: usize = 5_000;
const USDM_LIMITS: [usize; 7] = [5, 10, 20, 50, 100, 500, 1_000];

/// Answer one request.
pub fn answer(req: &Request, market: &Market) -> Response {
    let listed = |venue: VenueId| -> Vec<&'static SimInstrument> {
        let state = market.lock();
        crate::sim::catalog::books_of(venue)
            .filter(|b| state.books[*b].is_some())
            .map(|b| &INSTRUMENTS[b])
            .collect()
    };
    match req.path.as_str() {
        "/api/v3/exchangeInfo" => Response::ok(binance_info(&listed(VenueId::Binance))),
        "/fapi/v1/exchangeInfo" => Response::ok(binance_info(&listed(VenueId::BinanceUsdm))),
        "/api/v3/depth" => depth(req, market, VenueId::Binance),
        "/fapi/v1/depth" => depth(req, market, VenueId::BinanceUsdm),
        "/fapi/v1/openInterest" => open_interest(req, market),
        "/fapi/v1/fundingInfo" => Response::ok(binance_funding_info(&listed(VenueId::BinanceUsdm))),
        "/v5/market/instruments-info" => match req.param("category") {
            Some("spot") => Response::ok(bybit_info("spot", &listed(VenueId::BybitSpot))),
            Some("linear") => Response::ok(bybit_info("linear", &listed(VenueId::BybitLinear))),
            other => Response::ok(
                json!({"retCode": 10001, "retMsg": format!("params error: category {}", other.unwrap_or(""))})
                    .to_string(),
            ),
        },
        "/api/v5/public/instruments" => okx_info(req.param("instType"), &listed(VenueId::Okx)),
        "/v5/market/orderbook" => bybit_orderbook(req, market),
        "/api/v5/market/books" => okx_books(req, market),
        "/0/public/AssetPairs" => Response::ok(kraken_info(&listed(VenueId::Kraken))),
        crate::venue::coinbase::instruments::PRODUCTS_PATH => {
            Response::ok(coinbase_products(&listed(VenueId::Coinbase)))
        }
        "/info" => hyperliquid_info(&req.body, &listed(VenueId::Hyperliquid)),
        "/api/v2/spot/public/symbols" => Response::ok(bitget_info(&listed(VenueId::Bitget))),
        "/api/v2/mix/market/contracts" => match req.param("productType") {
            Some("USDT-FUTURES") => Response::ok(bitget_info(&listed(VenueId::BitgetUsdt))),
            _ => Response::ok(
                json!({"code": "40034", "msg": "Parameter productType does not exist", "data": null})
                    .to_string(),
            ),
        },
        crate::venue::gate::instruments::SPOT_PATH => {
            Response::ok(gate_pairs(&listed(VenueId::Gate)))
        }
        crate::venue::gate::instruments::USDT_PATH => {
            Response::ok(gate_contracts(&listed(VenueId::GateUsdt)))
        }
        crate::venue::deribit::instruments::PATH => Response::ok(deribit_instruments(
            req.param("currency"),
            &listed(VenueId::Deribit),
        )),
        crate::venue::kucoin::instruments::SPOT_PATH => {
            Response::ok(kucoin_symbols(&listed(VenueId::Kucoin)))
        }
        crate::venue::kucoin::instruments::FUTURES_PATH => {
            Response::ok(kucoin_contracts(&listed(VenueId::KucoinFutures)))
        }
        _ if let Some(history) = crate::sim::history::answer(req, market) => history,
        _ => Response::error(
            404,
            json!({"error": format!("no such endpoint: {}", req.path)}).to_string(),
        ),
    }
}

/// Hyperliquid `POST /info`: `{"type":"meta"}` lists the perps, each coin's size decimals
/// being its lot's. Other request types are refused as Hyperliquid refuses an unknown one.
fn hyperliquid_info(body: &str, list: &[&SimInstrument]) -> Response {
    let kind = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_owned));
    if kind.as_deref() != Some("meta") {
        return Response::error(
            422,
            format!("Failed to deserialize the JSON body into the target type: {body}"),
        );
    }
    Response::ok(hyperliquid_meta(list))
}

fn hyperliquid_meta(list: &[&SimInstrument]) -> String {
    let universe: Vec<Value> = list
        .iter()
        .map(|i| json!({"name": i.id, "szDecimals": i.lot_dec().scale(), "maxLeverage": 40}))
        .collect();
    json!({"universe": universe, "marginTables": []}).to_string()
}

fn binance_error(status: u16, code: i64, msg: &str) -> Response {
    Response::error(status, json!({"code": code, "msg": msg}).to_string())
}

fn binance_book(req: &Request, venue: VenueId) -> Result<BookId, Response> {
    let symbol = req
        .param("symbol")
        .ok_or_else(|| binance_error(400, -1102, "Mandatory parameter 'symbol' was not sent."))?;
    find(venue, symbol).ok_or_else(|| binance_error(400, -1121, "Invalid symbol."))
}

/// `GET /api/v3/depth` and `/fapi/v1/depth`: the book's best `limit` levels and the id of the
/// last change they include.
fn depth(req: &Request, market: &Market, venue: VenueId) -> Response {
    let book = match binance_book(req, venue) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let usdm = venue == VenueId::BinanceUsdm;
    let limit = match req.param("limit").map(str::parse::<usize>) {
        None => {
            if usdm {
                500
            } else {
                100
            }
        }
        Some(Ok(l)) if usdm && USDM_LIMITS.contains(&l) => l,
        Some(Ok(l)) if !usdm && (1..=SPOT_LIMIT_MAX).contains(&l) => l,
        _ => {
            return binance_error(
                400,
                -1100,
                "Illegal characters found in parameter 'limit'; legal range is '5, 10, 20, 50, 100, 500, 1000'.",
            );
        }
    };
    let mut state = market.lock();
    let Some(vb) = state.books[book].as_mut() else {
        return binance_error(400, -1121, "Invalid symbol.");
    };
    vb.served.push(vb.last_id);
    let mut body = String::with_capacity(64 + 40 * 2 * limit);
    body.push_str(&format!(r#"{{"lastUpdateId":{}"#, vb.last_id));
    if usdm {
        let now = market.clock.now();
        body.push_str(&format!(r#","E":{now},"T":{}"#, now - 1));
    }
    for (key, side) in [("bids", Side::Bid), ("asks", Side::Ask)] {
        let levels: Vec<_> = vb.book.top(side, limit).copied().collect();
        body.push_str(&format!(r#","{key}":"#));
        level_arrays(&mut body, &levels, false);
    }
    body.push('}');
    Response::ok(body)
}

/// Bybit `GET /v5/market/orderbook?category=..&symbol=..&limit=..`: the best `limit` levels
/// (spot 1 to 200, contracts 1 to 500) with the cross sequence `seq` of the last change they
/// include, as the stream's `seq`.
fn bybit_orderbook(req: &Request, market: &Market) -> Response {
    let refuse = |msg: &str| {
        Response::ok(json!({"retCode": 10001, "retMsg": msg, "result": {}}).to_string())
    };
    let (venue, max, default) = match req.param("category") {
        Some("spot") => (VenueId::BybitSpot, 200, 1),
        Some("linear") => (VenueId::BybitLinear, 500, 25),
        _ => return refuse("params error: category"),
    };
    let Some(book) = req.param("symbol").and_then(|s| find(venue, s)) else {
        return refuse("params error: symbol invalid");
    };
    let limit = match req.param("limit").map(str::parse::<usize>) {
        None => default,
        Some(Ok(n)) if (1..=max).contains(&n) => n,
        _ => return refuse("params error: limit"),
    };
    let state = market.lock();
    let Some(vb) = state.books[book].as_ref() else {
        return refuse("params error: symbol invalid");
    };
    let now = market.clock.now();
    let mut body = format!(
        r#"{{"retCode":0,"retMsg":"OK","result":{{"s":"{}","b":"#,
        INSTRUMENTS[book].id
    );
    let bids: Vec<_> = vb.book.top(Side::Bid, limit).copied().collect();
    level_arrays(&mut body, &bids, false);
    body.push_str(r#","a":"#);
    let asks: Vec<_> = vb.book.top(Side::Ask, limit).copied().collect();
    level_arrays(&mut body, &asks, false);
    body.push_str(&format!(
        r#","ts":{now},"u":{},"seq":{},"cts":{}}},"retExtInfo":{{}},"time":{now}}}"#,
        vb.last_id,
        vb.last_id,
        now - 1
    ));
    Response::ok(body)
}

/// OKX `GET /api/v5/market/books?instId=..&sz=..`: the best `sz` levels (default 1, at most
/// 400) and the `seqId` of the last change they include, numbered as the `books` channel
/// numbers its updates.
fn okx_books(req: &Request, market: &Market) -> Response {
    let refuse = |code: &str, msg: &str| {
        Response::ok(json!({"code": code, "msg": msg, "data": []}).to_string())
    };
    let Some(book) = req.param("instId").and_then(|id| find(VenueId::Okx, id)) else {
        return refuse("51001", "Instrument ID does not exist");
    };
    let sz = match req.param("sz").map(str::parse::<usize>) {
        None => 1,
        Some(Ok(n)) if (1..=400).contains(&n) => n,
        _ => return refuse("51000", "Parameter sz error"),
    };
    let state = market.lock();
    let Some(vb) = state.books[book].as_ref() else {
        return refuse("51001", "Instrument ID does not exist");
    };
    let mut body = String::with_capacity(96 + 48 * 2 * sz);
    body.push_str(r#"{"code":"0","msg":"","data":[{"asks":"#);
    let asks: Vec<_> = vb.book.top(Side::Ask, sz).copied().collect();
    level_arrays(&mut body, &asks, true);
    body.push_str(r#","bids":"#);
    let bids: Vec<_> = vb.book.top(Side::Bid, sz).copied().collect();
    level_arrays(&mut body, &bids, true);
    body.push_str(&format!(
        r#","ts":"{}","seqId":{}}}]}}"#,
        market.clock.now(),
        vb.last_id
    ));
    Response::ok(body)
}

fn open_interest(req: &Request, market: &Market) -> Response {
    let book = match binance_book(req, VenueId::BinanceUsdm) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let state = market.lock();
    // Before the model's first step the start's open interest stands; a book with neither is
    // a retryable error, never 0 (which the screen would show as `$0` until the next poll).
    let Some(oi) = state.books[book].as_ref().and_then(|b| {
        b.derivs
            .map(|d| d.open_interest)
            .or(b.open_interest_at_start)
    }) else {
        return binance_error(503, -1008, "open interest not available yet; retry");
    };
    Response::ok(
        json!({"openInterest": format!("{oi:.3}"), "symbol": INSTRUMENTS[book].id, "time": market.clock.now()})
            .to_string(),
    )
}

fn base(i: &SimInstrument) -> &'static str {
    i.symbol().name
}

/// `GET /fapi/v1/fundingInfo`. Binance lists only the symbols whose funding cap, floor or
/// interval it adjusted; the simulator lists every perpetual it serves, at the 8 h its funding
/// times keep, so the demo shows the funding APR the venue's list makes possible.
fn binance_funding_info(list: &[&SimInstrument]) -> String {
    let entries: Vec<Value> = list
        .iter()
        .map(|i| {
            json!({
                "symbol": i.id,
                "adjustedFundingRateCap": "0.02000000",
                "adjustedFundingRateFloor": "-0.02000000",
                "fundingIntervalHours": 8,
                "disclaimer": false,
            })
        })
        .collect();
    Value::Array(entries).to_string()
}

fn binance_info(list: &[&SimInstrument]) -> String {
    let symbols: Vec<Value> = list
        .iter()
        .map(|i| {
            let mut s = json!({
                "symbol": i.id,
                "status": "TRADING",
                "baseAsset": base(i),
                "quoteAsset": i.quote,
                "filters": [
                    {"filterType": "PRICE_FILTER", "minPrice": i.tick, "maxPrice": "1000000", "tickSize": i.tick},
                    {"filterType": "LOT_SIZE", "minQty": i.lot, "maxQty": "9000", "stepSize": i.lot},
                ],
            });
            if i.kind == MarketKind::Perpetual {
                s["contractType"] = json!("PERPETUAL");
                s["pair"] = json!(i.id);
                s["marginAsset"] = json!("USDT");
            }
            s
        })
        .collect();
    json!({"timezone": "UTC", "serverTime": 0, "rateLimits": [], "symbols": symbols}).to_string()
}

fn bybit_info(category: &str, list: &[&SimInstrument]) -> String {
    let items: Vec<Value> = list
        .iter()
        .map(|i| {
            let mut item = json!({
                "symbol": i.id,
                "baseCoin": base(i),
                "quoteCoin": i.quote,
                "status": "Trading",
                "priceFilter": {"tickSize": i.tick},
            });
            if category == "spot" {
                item["lotSizeFilter"] = json!({"basePrecision": i.lot, "minOrderQty": i.lot});
            } else {
                item["contractType"] = json!("LinearPerpetual");
                item["settleCoin"] = json!("USDT");
                item["lotSizeFilter"] = json!({"qtyStep": i.lot, "minOrderQty": i.lot});
            }
            item
        })
        .collect();
    json!({"retCode": 0, "retMsg": "OK", "result": {"category": category, "list": items, "nextPageCursor": ""}, "retExtInfo": {}, "time": 0})
        .to_string()
}

fn okx_info(inst_type: Option<&str>, list: &[&SimInstrument]) -> Response {
    let kind = match inst_type {
        Some("SPOT") => Some(MarketKind::Spot),
        Some("SWAP") => Some(MarketKind::Perpetual),
        Some("FUTURES" | "OPTION" | "MARGIN") => None,
        other => {
            return Response::ok(
                json!({"code": "51000", "msg": format!("Parameter instType error: {}", other.unwrap_or("")), "data": []})
                    .to_string(),
            );
        }
    };
    let data: Vec<Value> = list
        .iter()
        .filter(|i| Some(i.kind) == kind)
        .map(|i| {
            if i.kind == MarketKind::Spot {
                json!({"instType": "SPOT", "instId": i.id, "baseCcy": base(i), "quoteCcy": i.quote,
                       "tickSz": i.tick, "lotSz": i.lot, "minSz": i.lot, "state": "live"})
            } else {
                json!({"instType": "SWAP", "instId": i.id, "uly": format!("{}-USDT", base(i)),
                       "instFamily": format!("{}-USDT", base(i)), "settleCcy": "USDT",
                       "ctVal": format!("{}", i.contract_value), "ctMult": "1", "ctValCcy": base(i),
                       "ctType": "linear", "tickSz": i.tick, "lotSz": i.lot, "minSz": i.lot, "state": "live"})
            }
        })
        .collect();
    Response::ok(json!({"code": "0", "msg": "", "data": data}).to_string())
}

/// Bitget v2 `symbols` (spot: decimals of price and quantity) and `contracts` (futures: price
/// step as `priceEndStep` at `pricePlace` decimals, size step `sizeMultiplier`).
fn bitget_info(list: &[&SimInstrument]) -> String {
    let data: Vec<Value> = list
        .iter()
        .map(|i| {
            let (tick, lot) = (i.tick_dec(), i.lot_dec());
            if i.kind == MarketKind::Spot {
                json!({"symbol": i.id, "baseCoin": base(i), "quoteCoin": i.quote,
                       "pricePrecision": tick.scale().to_string(),
                       "quantityPrecision": lot.scale().to_string(), "status": "online"})
            } else {
                json!({"symbol": i.id, "baseCoin": base(i), "quoteCoin": i.quote,
                       "pricePlace": tick.scale().to_string(),
                       "priceEndStep": tick.mantissa().to_string(),
                       "volumePlace": lot.scale().to_string(), "sizeMultiplier": i.lot,
                       "symbolType": "perpetual", "symbolStatus": "normal"})
            }
        })
        .collect();
    json!({"code": "00000", "msg": "success", "requestTime": 0, "data": data}).to_string()
}

fn kraken_info(list: &[&SimInstrument]) -> String {
    let pairs: serde_json::Map<String, Value> = list
        .iter()
        .map(|i| {
            // Kraken's legacy asset codes: BTC is XBT, and the old majors carry X/Z prefixes.
            let (code, key) = match base(i) {
                "BTC" => ("XBT", "XXBTZUSD".to_owned()),
                "ETH" => ("ETH", "XETHZUSD".to_owned()),
                other => (other, format!("{other}USD")),
            };
            let tick = i.tick_dec();
            let pair = json!({
                "altname": format!("{code}USD"),
                "wsname": format!("{code}/USD"),
                "base": code,
                "quote": "ZUSD",
                "pair_decimals": tick.scale(),
                "lot_decimals": i.lot_dec().scale(),
                "tick_size": i.tick,
                "ordermin": "0.0001",
                "status": "online",
            });
            (key, pair)
        })
        .collect();
    json!({"error": [], "result": pairs}).to_string()
}

fn coinbase_products(list: &[&SimInstrument]) -> String {
    let products: Vec<Value> = list
        .iter()
        .map(|i| {
            json!({
                "product_id": i.id, "base_currency_id": base(i), "quote_currency_id": i.quote,
                "price_increment": i.tick, "quote_increment": i.tick, "base_increment": i.lot,
                "base_min_size": i.lot, "status": "online", "trading_disabled": false,
                "is_disabled": false, "product_type": "SPOT", "alias": "", "alias_to": [],
            })
        })
        .collect();
    json!({"num_products": products.len(), "products": products}).to_string()
}

/// Gate `GET /api/v4/spot/currency_pairs`: steps as decimal places.
fn gate_pairs(list: &[&SimInstrument]) -> String {
    let pairs: Vec<Value> = list
        .iter()
        .map(|i| {
            json!({"id": i.id, "base": base(i), "quote": i.quote, "fee": "0.2",
                   "precision": i.tick_dec().scale(), "amount_precision": i.lot_dec().scale(),
                   "trade_status": "tradable"})
        })
        .collect();
    Value::Array(pairs).to_string()
}

/// Gate `GET /api/v4/futures/usdt/contracts`: `quanto_multiplier` base units a contract.
fn gate_contracts(list: &[&SimInstrument]) -> String {
    let contracts: Vec<Value> = list
        .iter()
        .map(|i| {
            json!({"name": i.id, "type": "direct", "quanto_multiplier": i.contract_value.to_string(),
                   "order_price_round": i.tick, "order_size_min": 1, "in_delisting": false,
                   "status": "trading"})
        })
        .collect();
    Value::Array(contracts).to_string()
}

/// Deribit `GET /api/v2/public/get_instruments?currency=<C>&kind=future`: the USDC linear
/// perpetuals under `USDC`, the inverse ones (`reversed`, USD amounts, settled in the coin)
/// under their coin.
fn deribit_instruments(currency: Option<&str>, list: &[&SimInstrument]) -> String {
    let settled = |i: &SimInstrument| if i.inverse { base(i) } else { i.quote };
    let listed: Vec<Value> = list
        .iter()
        .filter(|i| currency == Some(settled(i)))
        .map(|i| {
            let number = |text: &str| text.parse::<f64>().map_or(Value::Null, Value::from);
            let kind = if i.inverse { "reversed" } else { "linear" };
            json!({"instrument_name": i.id, "kind": "future", "settlement_period": "perpetual",
                   "instrument_type": kind, "base_currency": base(i),
                   "counter_currency": i.quote, "quote_currency": i.quote,
                   "settlement_currency": settled(i), "tick_size": number(i.tick),
                   "min_trade_amount": number(i.lot), "contract_size": number(i.lot),
                   "is_active": true})
        })
        .collect();
    json!({"jsonrpc": "2.0", "result": listed, "usIn": 0, "usOut": 0, "usDiff": 0}).to_string()
}

/// KuCoin `GET /api/v2/symbols`: steps as decimal strings, in the `200000` envelope.
fn kucoin_symbols(list: &[&SimInstrument]) -> String {
    let symbols: Vec<Value> = list
        .iter()
        .map(|i| {
            json!({"symbol": i.id, "name": i.id, "baseCurrency": base(i), "quoteCurrency": i.quote,
                   "priceIncrement": i.tick, "baseIncrement": i.lot, "enableTrading": true})
        })
        .collect();
    json!({"code": "200000", "data": symbols}).to_string()
}

/// KuCoin `GET /api/v1/contracts/active`: `multiplier` base units a contract (Bitcoin is `XBT`).
fn kucoin_contracts(list: &[&SimInstrument]) -> String {
    let contracts: Vec<Value> = list
        .iter()
        .map(|i| {
            let base = match base(i) {
                "BTC" => "XBT",
                other => other,
            };
            json!({"symbol": i.id, "baseCurrency": base, "quoteCurrency": i.quote,
                   "multiplier": i.contract_value, "tickSize": i.tick_dec().to_f64(),
                   "lotSize": 1, "isInverse": false, "status": "Open"})
        })
        .collect();
    json!({"code": "200000", "data": contracts}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::catalog::books_of;
    use crate::venue::registry::{IMPLEMENTED, instrument_source};

    /// Open interest asked before the model's first step is the start's, never 0.
    #[tokio::test(start_paused = true)]
    async fn open_interest_before_the_first_step_is_never_zero() {
        let cancel = tokio_util::sync::CancellationToken::new();
        let books: Vec<usize> = books_of(VenueId::BinanceUsdm).collect();
        let market = crate::sim::market::start(
            7,
            &books,
            std::time::Duration::from_millis(100),
            cancel.clone(),
        );
        let id = INSTRUMENTS[books[0]].id;
        let req = Request::get(&format!("/fapi/v1/openInterest?symbol={id}")).unwrap();
        let first = open_interest(&req, &market);
        assert_eq!(first.status, 200, "{}", first.body);
        let body: serde_json::Value = serde_json::from_str(&first.body).unwrap();
        let oi: f64 = body["openInterest"].as_str().unwrap().parse().unwrap();
        assert!(oi > 0.0, "{}", first.body);
        cancel.cancel();
    }

    /// `GET /fapi/v1/fundingInfo` lists every simulated USDⓈ-M perpetual at the 8 h its
    /// funding times keep, in Binance's shape.
    #[test]
    fn binance_funding_info_lists_every_perpetual_at_8h() {
        let list: Vec<&SimInstrument> = books_of(VenueId::BinanceUsdm)
            .map(|b| &INSTRUMENTS[b])
            .collect();
        let body: serde_json::Value = serde_json::from_str(&binance_funding_info(&list)).unwrap();
        let entries = body.as_array().unwrap();
        assert_eq!(entries.len(), list.len());
        for (entry, i) in entries.iter().zip(&list) {
            assert_eq!(entry["symbol"], i.id);
            assert_eq!(entry["fundingIntervalHours"], 8);
        }
    }

    /// Hyperliquid's `POST /info` answers `meta` with the simulated coins and refuses other
    /// request types, as Hyperliquid answers a body it cannot read.
    #[test]
    fn hyperliquid_info_answers_meta_only() {
        let list: Vec<&SimInstrument> = books_of(VenueId::Hyperliquid)
            .map(|b| &INSTRUMENTS[b])
            .collect();
        let meta = hyperliquid_info(r#"{"type":"meta"}"#, &list);
        assert_eq!(meta.status, 200);
        let v: serde_json::Value = serde_json::from_str(&meta.body).unwrap();
        let names: Vec<&str> = v["universe"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["BTC", "ETH", "SOL"]);
        assert_eq!(v["universe"][0]["szDecimals"], 5);
        for body in [r#"{"type":"l2Book","coin":"BTC"}"#, "", "{"] {
            assert_eq!(hyperliquid_info(body, &list).status, 422, "{body}");
        }
    }

    /// Every list parses with the adapters' own instrument parsers into exactly the simulated
    /// instruments, with their ticks, lots and contract values.
    #[test]
    fn every_venue_list_reads_back_through_the_catalog_parsers() {
        let all: Vec<&SimInstrument> = INSTRUMENTS.iter().collect();
        for &venue in IMPLEMENTED {
            let list: Vec<&SimInstrument> =
                all.iter().copied().filter(|i| i.venue == venue).collect();
            let source = instrument_source(venue).unwrap();
            let mut parsed = Vec::new();
            for url in (source.urls)("http://sim") {
                let (url, _body) = crate::venue::spec::rest_request(&url);
                let req = Request::get(&url["http://sim".len()..]).unwrap();
                let body = match req.path.as_str() {
                    "/api/v3/exchangeInfo" | "/fapi/v1/exchangeInfo" => binance_info(&list),
                    "/v5/market/instruments-info" => {
                        bybit_info(req.param("category").unwrap(), &list)
                    }
                    "/api/v5/public/instruments" => okx_info(req.param("instType"), &list).body,
                    "/0/public/AssetPairs" => kraken_info(&list),
                    crate::venue::coinbase::instruments::PRODUCTS_PATH => coinbase_products(&list),
                    "/info" => hyperliquid_meta(&list),
                    "/api/v2/spot/public/symbols" | "/api/v2/mix/market/contracts" => {
                        bitget_info(&list)
                    }
                    crate::venue::gate::instruments::SPOT_PATH => gate_pairs(&list),
                    crate::venue::gate::instruments::USDT_PATH => gate_contracts(&list),
                    crate::venue::deribit::instruments::PATH => {
                        deribit_instruments(req.param("currency"), &list)
                    }
                    crate::venue::kucoin::instruments::SPOT_PATH => kucoin_symbols(&list),
                    crate::venue::kucoin::instruments::FUTURES_PATH => kucoin_contracts(&list),
                    other => panic!("{other}"),
                };
                parsed.extend((source.parse)(url, &body).unwrap());
            }
            let ids: Vec<&str> = parsed.iter().map(|i| i.id.as_str()).collect();
            let want: Vec<&str> = books_of(venue).map(|b| INSTRUMENTS[b].id).collect();
            assert_eq!(ids.len(), want.len(), "{venue}: {ids:?}");
            for inst in &parsed {
                let sim = &INSTRUMENTS[find(venue, &inst.id).unwrap()];
                assert_eq!(inst.tick.unwrap(), sim.tick_dec(), "{venue} {}", inst.id);
                assert_eq!(inst.base, sim.symbol().name);
                if sim.inverse {
                    let face = crate::instrument::Contract::Inverse { face: 1.0 };
                    assert_eq!(inst.contract, face, "{venue} {}", inst.id);
                    continue;
                }
                let per_lot = inst.contract.to_base(1.0, sim.lot_dec().to_f64());
                assert!(
                    (per_lot - sim.base_per_lot()).abs() < 1e-12,
                    "{venue} {}",
                    inst.id
                );
            }
        }
    }
}
