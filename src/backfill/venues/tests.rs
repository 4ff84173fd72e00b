//! Every history parser on the response bodies the venues' documentation shows (copied from
//! the pages cited on each test), plus what the plans ask for.

use super::*;
use crate::backfill::plan::{Endpoint, HOUR, MINUTE, Request};
use crate::backfill::series::{BookHistory, RatioKind};
use crate::feed::event::BookKey;
use crate::instrument::{Contract, Instrument, MarketKind};
use crate::market::{TakerSide, VenueId};

fn inst(venue: VenueId, id: &str, kind: MarketKind, contract: Contract) -> Instrument {
    Instrument {
        venue,
        id: id.into(),
        base: "BTC".into(),
        quote: "USDT".into(),
        kind,
        contract,
        tick: None,
        lot: None,
        price_precision: None,
        qty_precision: None,
    }
}

fn read(inst: &Instrument, endpoint: Endpoint, body: &str) -> Result<BookHistory, String> {
    let source = source(inst.venue).unwrap();
    let req = Request {
        key: BookKey::new(inst.venue, &inst.id),
        endpoint,
        url: String::new(),
        weight: 1,
    };
    let mut h = BookHistory::new(req.key.clone(), "BTC", 0, i64::MAX);
    (source.parse)(&req, inst, body, &mut h)?;
    Ok(h)
}

/// developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints
/// ("Kline/Candlestick data", "Compressed/Aggregate trades list").
#[test]
fn binance_spot_klines_and_agg_trades_from_the_docs() {
    let spot = inst(VenueId::Binance, "BNBBTC", MarketKind::Spot, Contract::Base);
    let klines = r#"[[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100","148976.11427815",1499644799999,"2434.19055334",308,"1756.87402397","28.46694368","0"]]"#;
    let h = read(&spot, Endpoint::Candles, klines).unwrap();
    let c = h.candles[0];
    assert_eq!(c.t, 1_499_040_000_000);
    assert_eq!(
        (c.open, c.high, c.low, c.close),
        (0.0163479, 0.8, 0.015758, 0.015771)
    );
    assert_eq!(c.volume, 148_976.114_278_15);
    assert_eq!(c.notional, Some(2_434.190_553_34));
    assert_eq!(c.trades, Some(308));
    assert_eq!(c.taker_buy, Some(1_756.874_023_97));
    assert!((c.cvd().unwrap() - (2.0 * 1_756.874_023_97 - 148_976.114_278_15)).abs() < 1e-6);
    let trades = r#"[{"a":26129,"p":"0.01633102","q":"4.70443515","f":27781,"l":27781,"T":1498793709153,"m":true,"M":true}]"#;
    let h = read(&spot, Endpoint::Trades, trades).unwrap();
    let p = h.prints[0];
    assert_eq!(
        (p.t, p.price, p.size, p.id),
        (1_498_793_709_153, 0.01633102, 4.70443515, Some(26_129))
    );
    // The buyer was the maker: the taker sold.
    assert_eq!(p.taker, TakerSide::Sell);
}

/// developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/
/// ("Open Interest Statistics", "Long/Short Ratio", "Top Trader Long/Short Ratio (Positions)",
/// "Taker Buy/Sell Volume", "Get Funding Rate History").
#[test]
fn binance_usdm_statistics_from_the_docs() {
    let usdm = inst(
        VenueId::BinanceUsdm,
        "BTCUSDT",
        MarketKind::Perpetual,
        Contract::Base,
    );
    let oi = r#"[{"symbol":"BTCUSDT","sumOpenInterest":"20403.63700000","sumOpenInterestValue":"150570784.07809979","CMCCirculatingSupply":"165880.538","timestamp":"1583127900000"}]"#;
    let h = read(&usdm, Endpoint::OpenInterest, oi).unwrap();
    assert_eq!(h.open_interest[0].t, 1_583_127_900_000);
    assert_eq!(h.open_interest[0].base, Some(20_403.637));
    assert_eq!(h.open_interest[0].usd, "150570784.07809979".parse().ok());
    let ratio = r#"[{"symbol":"BTCUSDT","longShortRatio":"0.1960","longAccount":"0.6622","shortAccount":"0.3378","timestamp":"1583139600000"}]"#;
    let h = read(&usdm, Endpoint::LongShort(RatioKind::Accounts), ratio).unwrap();
    let r = h.long_short[0];
    assert_eq!(
        (r.t, r.kind, r.ratio, r.long_share),
        (1_583_139_600_000, RatioKind::Accounts, 0.196, Some(0.6622))
    );
    let position = r#"[{"symbol":"BTCUSDT","longShortRatio":"1.4342","longAccount":"0.5891","shortAccount":"0.4108","timestamp":"1583139600000"}]"#;
    let h = read(
        &usdm,
        Endpoint::LongShort(RatioKind::TopPositions),
        position,
    )
    .unwrap();
    assert_eq!(h.long_short[0].kind, RatioKind::TopPositions);
    assert_eq!(h.long_short[0].ratio, 1.4342);
    let taker = r#"[{"buySellRatio":"1.5586","buyVol":"387.3300","sellVol":"248.5030","timestamp":"1585614900000"}]"#;
    let h = read(&usdm, Endpoint::TakerVolume, taker).unwrap();
    let v = h.taker_volume[0];
    assert_eq!(
        (v.t, v.buy, v.sell, v.quote_units),
        (1_585_614_900_000, 387.33, 248.503, false)
    );
    let funding = r#"[{"symbol":"BTCUSDT","fundingRate":"-0.03750000","fundingTime":1570608000000,"markPrice":"34287.54619963"},{"symbol":"BTCUSDT","fundingRate":"0.00010000","fundingTime":1570636800000,"markPrice":"34287.54619963"}]"#;
    let h = read(&usdm, Endpoint::Funding, funding).unwrap();
    assert_eq!(h.funding.len(), 2);
    assert_eq!(
        (h.funding[0].t, h.funding[0].rate),
        (1_570_608_000_000, -0.0375)
    );
    // An error body is an error, never an empty history.
    let err = read(
        &usdm,
        Endpoint::Candles,
        r#"{"code":-1121,"msg":"Invalid symbol."}"#,
    )
    .unwrap_err();
    assert!(err.contains("-1121"), "{err}");
    // A changed row shape is an error too.
    assert!(read(&usdm, Endpoint::Funding, r#"[{"symbol":"BTCUSDT"}]"#).is_err());
}

/// bybit-exchange.github.io/docs/v5/market/ (kline, recent-trade, open-interest,
/// history-fund-rate, long-short-ratio).
#[test]
fn bybit_v5_history_from_the_docs() {
    let linear = inst(
        VenueId::BybitLinear,
        "BTCUSDT",
        MarketKind::Perpetual,
        Contract::Base,
    );
    let kline = r#"{"retCode":0,"retMsg":"OK","result":{"symbol":"BTCUSD","category":"inverse","list":[["1670608800000","17071","17073","17027","17055.5","268611","15.74462667"],["1670605200000","17071.5","17071.5","17061","17071","4177","0.24469757"],["1670601600000","17086.5","17088","16978","17071.5","6356","0.37288112"]]},"retExtInfo":{},"time":1672025956592}"#;
    let mut h = read(&linear, Endpoint::Candles, kline).unwrap();
    assert_eq!(h.candles.len(), 3);
    h.finish();
    // Newest first on the wire, oldest first once finished.
    assert_eq!(h.candles[0].t, 1_670_601_600_000);
    assert_eq!(h.candles[2].close, 17_055.5);
    assert_eq!(h.candles[2].notional, Some(15.744_626_67));
    assert_eq!(h.candles[0].taker_buy, None);
    let trades = r#"{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"execId":"2100000000007764263","symbol":"BTCUSDT","price":"16618.49","size":"0.00012","side":"Buy","time":"1672052955758","isBlockTrade":false}]},"retExtInfo":{},"time":1672053054358}"#;
    let h = read(&linear, Endpoint::Trades, trades).unwrap();
    let p = h.prints[0];
    assert_eq!(
        (p.t, p.price, p.size, p.taker),
        (1_672_052_955_758, 16_618.49, 0.00012, TakerSide::Buy)
    );
    let oi = r#"{"retCode":0,"retMsg":"OK","result":{"symbol":"BTCUSD","category":"inverse","list":[{"openInterest":"461134384.00000000","timestamp":"1669571400000"},{"openInterest":"461134292.00000000","timestamp":"1669571100000"}],"nextPageCursor":""},"retExtInfo":{},"time":1672053548579}"#;
    let h = read(&linear, Endpoint::OpenInterest, oi).unwrap();
    assert_eq!(h.open_interest[1].t, 1_669_571_100_000);
    assert_eq!(h.open_interest[0].base, Some(461_134_384.0));
    let funding = r#"{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[{"symbol":"ETHPERP","fundingRate":"0.0001","fundingRateTimestamp":"1672041600000"}]},"retExtInfo":{},"time":1672051897447}"#;
    let h = read(&linear, Endpoint::Funding, funding).unwrap();
    assert_eq!(
        (h.funding[0].t, h.funding[0].rate),
        (1_672_041_600_000, 0.0001)
    );
    let ratio = r#"{"retCode":0,"retMsg":"OK","result":{"list":[{"symbol":"BTCUSDT","buyRatio":"0.5777","sellRatio":"0.4223","timestamp":"1695772800000"}],"nextPageCursor":"MTY5NTc3MjgwMDAwMDoxNjk1NzcyODAwMDAw"},"retExtInfo":{},"time":1695785131028}"#;
    let h = read(&linear, Endpoint::LongShort(RatioKind::Accounts), ratio).unwrap();
    let r = h.long_short[0];
    assert_eq!(r.long_share, Some(0.5777));
    assert!((r.ratio - 0.5777 / 0.4223).abs() < 1e-12);
    let err = read(
        &linear,
        Endpoint::Candles,
        r#"{"retCode":10001,"retMsg":"params error","result":{}}"#,
    )
    .unwrap_err();
    assert!(err.contains("10001"), "{err}");
}

/// www.okx.com/docs-v5/en/ ("Get candlesticks history", "Get trades history", "Get funding
/// rate history", "Get contracts open interest and volume", "Get long/short ratio", "Get taker
/// volume").
#[test]
fn okx_v5_history_from_the_docs() {
    // 0.01 BTC a contract, as OKX's BTC-USDT-SWAP.
    let swap = inst(
        VenueId::Okx,
        "BTC-USDT-SWAP",
        MarketKind::Perpetual,
        Contract::Linear { multiplier: 0.01 },
    );
    let spot = inst(VenueId::Okx, "BTC-USDT", MarketKind::Spot, Contract::Base);
    let candles = r#"{"code":"0","msg":"","data":[["1597026383085","3.721","3.743","3.677","3.708","8422410","22698348.04828491","12698348.04828491","1"],["1597026383085","3.731","3.799","3.494","3.72","24912403","67632347.24399722","37632347.24399722","1"]]}"#;
    let h = read(&swap, Endpoint::Candles, candles).unwrap();
    // Derivatives: `volCcy` is the base volume, `volCcyQuote` the notional.
    assert_eq!(h.candles[0].volume, 22_698_348.048_284_91);
    assert_eq!(h.candles[0].notional, Some(12_698_348.048_284_91));
    let h = read(&spot, Endpoint::Candles, candles).unwrap();
    assert_eq!(h.candles[0].volume, 8_422_410.0);
    // An unconfirmed candle (the minute still open) is left out.
    let open = candles.replace(r#""1"]]"#, r#""0"]]"#);
    assert_eq!(
        read(&spot, Endpoint::Candles, &open).unwrap().candles.len(),
        1
    );
    let trades = r#"{"code":"0","msg":"","data":[{"instId":"BTC-USDT","side":"sell","sz":"0.00001","px":"29963.2","tradeId":"242720720","ts":"1654161646974"},{"instId":"BTC-USDT","side":"sell","sz":"0.00001","px":"29964.1","tradeId":"242720719","ts":"1654161641568"}]}"#;
    let h = read(&spot, Endpoint::Trades, trades).unwrap();
    assert_eq!(h.prints.len(), 2);
    assert_eq!(
        (h.prints[0].taker, h.prints[0].size),
        (TakerSide::Sell, 0.00001)
    );
    // Contracts to base on the swap.
    let h = read(&swap, Endpoint::Trades, trades).unwrap();
    assert!((h.prints[0].size - 0.00001 * 0.01).abs() < 1e-18);
    let funding = r#"{"code":"0","data":[{"formulaType":"noRate","fundingRate":"0.0000746604960499","fundingTime":"1703059200000","instId":"BTC-USD-SWAP","instType":"SWAP","method":"next_period","realizedRate":"0.0000746572360545"}],"msg":""}"#;
    let h = read(&swap, Endpoint::Funding, funding).unwrap();
    assert_eq!(
        (h.funding[0].t, h.funding[0].rate),
        (1_703_059_200_000, 0.000_074_657_236_054_5)
    );
    let oi = r#"{"code":"0","data":[["1630502400000","1713028741.6898","39800873.554"],["1630425600000","1728098601.2143","38823086.3225"]],"msg":""}"#;
    let h = read(&swap, Endpoint::OpenInterest, oi).unwrap();
    assert_eq!(h.open_interest[0].usd, Some(1_713_028_741.689_8));
    assert_eq!(h.open_interest[0].base, None);
    let ratio = r#"{"code":"0","data":[["1630502100000","1.25"]],"msg":""}"#;
    let h = read(&swap, Endpoint::LongShort(RatioKind::Accounts), ratio).unwrap();
    assert_eq!(h.long_short[0].ratio, 1.25);
    assert!((h.long_short[0].long_share.unwrap() - 1.25 / 2.25).abs() < 1e-12);
    let taker = r#"{"code":"0","data":[["1630425600000","7596.2651","7149.4855"],["1630339200000","5312.7876","7002.7541"]],"msg":""}"#;
    let h = read(&spot, Endpoint::TakerVolume, taker).unwrap();
    let v = h.taker_volume[0];
    assert_eq!(
        (v.sell, v.buy, v.quote_units),
        (7_596.265_1, 7_149.485_5, false)
    );
    let err = read(
        &spot,
        Endpoint::Trades,
        r#"{"code":"51001","msg":"Instrument ID does not exist","data":[]}"#,
    )
    .unwrap_err();
    assert!(err.contains("51001"), "{err}");
}

/// Every plan pages within the documented limits and covers the span.
#[test]
fn plans_respect_page_limits_and_cover_the_span() {
    let (from, to) = (10 * HOUR, 34 * HOUR);
    let usdm = inst(
        VenueId::BinanceUsdm,
        "BTCUSDT",
        MarketKind::Perpetual,
        Contract::Base,
    );
    let plan = source(VenueId::BinanceUsdm)
        .unwrap()
        .plan("https://x", &usdm, from, to);
    let klines: Vec<&Request> = plan
        .iter()
        .filter(|r| r.endpoint == Endpoint::Candles)
        .collect();
    // 1440 minutes in pages of 1000.
    assert_eq!(klines.len(), 2);
    assert!(klines[0].url.contains(&format!(
        "startTime={from}&endTime={}",
        from + 1000 * MINUTE - 1
    )));
    let trades: Vec<&Request> = plan
        .iter()
        .filter(|r| r.endpoint == Endpoint::Trades)
        .collect();
    assert_eq!(trades.len(), 24);
    // Under one hour between startTime and endTime.
    assert!(
        trades[0]
            .url
            .contains(&format!("startTime={from}&endTime={}", from + HOUR - 1))
    );
    assert_eq!(trades[0].weight, 20);
    for path in [
        "openInterestHist",
        "globalLongShortAccountRatio",
        "topLongShortAccountRatio",
        "topLongShortPositionRatio",
        "takerlongshortRatio",
        "fundingRate",
    ] {
        assert_eq!(
            plan.iter().filter(|r| r.url.contains(path)).count(),
            1,
            "{path}"
        );
    }
    let okx = inst(
        VenueId::Okx,
        "BTC-USDT-SWAP",
        MarketKind::Perpetual,
        Contract::Linear { multiplier: 0.01 },
    );
    let plan = source(VenueId::Okx)
        .unwrap()
        .plan("https://x", &okx, from, to);
    // 100 candles a page.
    assert_eq!(
        plan.iter()
            .filter(|r| r.endpoint == Endpoint::Candles)
            .count(),
        15
    );
    assert!(plan.iter().all(|r| !r.url.contains("limit=")
        || r.url.contains("limit=100")
        || r.url.contains("limit=400")));
    let spot = inst(
        VenueId::BybitSpot,
        "BTCUSDT",
        MarketKind::Spot,
        Contract::Base,
    );
    let plan = source(VenueId::BybitSpot)
        .unwrap()
        .plan("https://x", &spot, from, to);
    // Spot has no derivatives statistics; recent trades are capped at 60.
    assert!(
        plan.iter()
            .all(|r| matches!(r.endpoint, Endpoint::Candles | Endpoint::Trades))
    );
    assert!(plan.iter().any(|r| {
        r.url
            .contains("recent-trade?category=spot&symbol=BTCUSDT&limit=60")
    }));
    assert!(source(VenueId::Kraken).is_none());
}

#[test]
fn hours_are_weighed_by_the_gap_between_their_first_ids() {
    use crate::backfill::series::Print;
    let print = |t, id| Print {
        t,
        price: 1.0,
        size: 1.0,
        taker: TakerSide::Buy,
        id: Some(id),
        weight: 1,
    };
    let mut h = BookHistory::new(BookKey::new(VenueId::Binance, "X"), "X", 0, 3 * HOUR);
    // Hour 0: 2 samples of the 1000 prints between ids 100 and 1100; hour 1: the last hour.
    h.prints = vec![print(5, 100), print(6, 101), print(HOUR + 5, 1_100)];
    h.weigh_prints();
    let w: Vec<u32> = h.prints.iter().map(|p| p.weight).collect();
    assert_eq!(w, [500, 500, 1]);
}
