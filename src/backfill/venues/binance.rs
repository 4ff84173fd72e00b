//! Binance spot (`/api/v3`) and USDⓈ-M (`/fapi/v1`, `/futures/data`) history.
//!
//! Documented limits (developers.binance.com, "Market Data endpoints", USDⓈ-M "Market Data"):
//! - klines: up to 1000 rows a page (USDⓈ-M up to 1500), spot weight 2, USDⓈ-M weight 5 at
//!   `limit` 500–1000;
//! - aggTrades: up to 1000 rows, `startTime`–`endTime` under one hour, spot weight 4, USDⓈ-M
//!   weight 20;
//! - `futures/data/*` statistics: `limit` up to 500, the latest 30 days only, 1000 requests per
//!   5 min per IP; `fundingRate`: `limit` up to 1000, 500 requests per 5 min per IP.
//!
//! The request weight limit is 6000 a minute for spot and 2400 for USDⓈ-M; a backfill spends at
//! most a fifth of it, so the live depth snapshots never wait behind it.

use std::time::Duration;

use serde_json::Value;

use crate::backfill::json::{self, array, count, ms, num, rows};
use crate::backfill::plan::{Endpoint, HistorySource, Limits, MINUTE, Paging, Request, Series};
use crate::backfill::series::{
    BookHistory, Candle, Funding, LongShort, OpenInterest, Print, RatioKind, TakerVolume,
};
use crate::instrument::Instrument;
use crate::market::{Millis, TakerSide};

pub const SPOT: HistorySource = HistorySource {
    series: spot,
    parse,
    limits: Limits {
        budget: 1_200,
        per: Duration::from_secs(60),
        in_flight: 2,
    },
};

pub const USDM: HistorySource = HistorySource {
    series: usdm,
    parse,
    limits: Limits {
        budget: 480,
        per: Duration::from_secs(60),
        in_flight: 2,
    },
};

const KLINE_PAGE: Millis = 1_000 * MINUTE;
/// `futures/data` rows per page: `limit` 500 × the 5-minute period.
const STATS_PAGE: Millis = 500 * 5 * MINUTE;

/// Klines and, per hour, its first 1000 aggregated trades: the hour's first id, with the next
/// hour's, tells how many prints the hour had (see `BookHistory::weigh_prints`).
fn trades(prefix: &str, weights: (u32, u32)) -> Vec<Series> {
    vec![
        Series::new(
            Endpoint::Candles,
            Paging::Every(KLINE_PAGE),
            weights.0,
            format!(
                "{prefix}/klines?symbol={{id}}&interval=1m&startTime={{start}}&endTime={{last}}&limit=1000"
            ),
        ),
        Series::new(
            Endpoint::Trades,
            Paging::Hourly,
            weights.1,
            format!(
                "{prefix}/aggTrades?symbol={{id}}&startTime={{start}}&endTime={{last}}&limit=1000"
            ),
        ),
    ]
}

fn spot(_: &Instrument) -> Vec<Series> {
    trades("/api/v3", (2, 4))
}

fn usdm(_: &Instrument) -> Vec<Series> {
    let mut out = trades("/fapi/v1", (5, 20));
    let stats = [
        ("openInterestHist", Endpoint::OpenInterest),
        (
            "globalLongShortAccountRatio",
            Endpoint::LongShort(RatioKind::Accounts),
        ),
        (
            "topLongShortAccountRatio",
            Endpoint::LongShort(RatioKind::TopAccounts),
        ),
        (
            "topLongShortPositionRatio",
            Endpoint::LongShort(RatioKind::TopPositions),
        ),
        ("takerlongshortRatio", Endpoint::TakerVolume),
    ];
    out.extend(stats.into_iter().map(|(path, endpoint)| {
        Series::new(
            endpoint,
            Paging::Every(STATS_PAGE),
            1,
            format!("/futures/data/{path}?symbol={{id}}&period=5m&startTime={{start}}&endTime={{last}}&limit=500"),
        )
    }));
    // Funding settles at most every hour; 1000 rows cover any backfill span.
    out.push(Series::new(
        Endpoint::Funding,
        Paging::Once,
        1,
        "/fapi/v1/fundingRate?symbol={id}&startTime={funding_from}&endTime={last}&limit=1000",
    ));
    out
}

/// Binance errors come as `{"code":-1121,"msg":"Invalid symbol."}`.
fn error(v: &Value) -> Option<String> {
    let code = v.get("code")?.as_i64()?;
    let msg = v.get("msg").and_then(Value::as_str).unwrap_or("");
    Some(format!("error {code}: {msg}"))
}

fn parse(
    req: &Request,
    inst: &Instrument,
    body: &str,
    into: &mut BookHistory,
) -> Result<usize, String> {
    let v = json::parse(body)?;
    if let Some(e) = error(&v) {
        return Err(e);
    }
    let list = array(&v, req.endpoint.label())?;
    let what = req.endpoint.label();
    // USDⓈ-M linear sizes are base units, as on spot.
    let base = |price: f64, size: f64| inst.contract.to_base(price, size);
    let n = list.len();
    match req.endpoint {
        Endpoint::Candles => into.candles.extend(rows(list, what, |r| {
            let close = num(r.get(4)?)?;
            Some(Candle {
                t: ms(r.get(0)?)?,
                open: num(r.get(1)?)?,
                high: num(r.get(2)?)?,
                low: num(r.get(3)?)?,
                close,
                volume: base(close, num(r.get(5)?)?),
                notional: num(r.get(7)?),
                trades: r.get(8).and_then(count),
                taker_buy: r.get(9).and_then(num).map(|q| base(close, q)),
            })
        })?),
        Endpoint::Trades => into.prints.extend(rows(list, what, |r| {
            let price = num(r.get("p")?)?;
            Some(Print {
                t: ms(r.get("T")?)?,
                price,
                size: base(price, num(r.get("q")?)?),
                // `m`: the buyer was the maker, so the taker sold.
                taker: if r.get("m")?.as_bool()? {
                    TakerSide::Sell
                } else {
                    TakerSide::Buy
                },
                id: r.get("a").and_then(count),
                weight: 1,
            })
        })?),
        Endpoint::OpenInterest => into.open_interest.extend(rows(list, what, |r| {
            Some(OpenInterest {
                t: ms(r.get("timestamp")?)?,
                base: r.get("sumOpenInterest").and_then(num),
                usd: r.get("sumOpenInterestValue").and_then(num),
            })
        })?),
        Endpoint::Funding => into.funding.extend(rows(list, what, |r| {
            Some(Funding {
                t: ms(r.get("fundingTime")?)?,
                rate: num(r.get("fundingRate")?)?,
            })
        })?),
        Endpoint::LongShort(kind) => into.long_short.extend(rows(list, what, |r| {
            Some(LongShort {
                t: ms(r.get("timestamp")?)?,
                kind,
                long_share: r.get("longAccount").and_then(num),
                ratio: num(r.get("longShortRatio")?)?,
            })
        })?),
        Endpoint::TakerVolume => into.taker_volume.extend(rows(list, what, |r| {
            Some(TakerVolume {
                t: ms(r.get("timestamp")?)?,
                buy: num(r.get("buyVol")?)?,
                sell: num(r.get("sellVol")?)?,
                quote_units: false,
            })
        })?),
    }
    Ok(n)
}
