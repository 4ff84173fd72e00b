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
use crate::backfill::plan::{Endpoint, HistorySource, Limits, MINUTE, Request, hours, pages};
use crate::backfill::series::{
    BookHistory, Candle, Funding, LongShort, OpenInterest, Print, RatioKind, TakerVolume,
};
use crate::feed::event::BookKey;
use crate::instrument::Instrument;
use crate::market::{Millis, TakerSide};

pub const SPOT: HistorySource = HistorySource {
    plan: plan_spot,
    parse,
    limits: Limits {
        budget: 1_200,
        per: Duration::from_secs(60),
        in_flight: 2,
    },
};

pub const USDM: HistorySource = HistorySource {
    plan: plan_usdm,
    parse,
    limits: Limits {
        budget: 480,
        per: Duration::from_secs(60),
        in_flight: 2,
    },
};

const KLINE_PAGE: Millis = 1_000 * MINUTE;
/// `futures/data` periods used, and the rows per page (`limit` 500 × 5 min).
const STATS_PERIOD: &str = "5m";
const STATS_PAGE: Millis = 500 * 5 * MINUTE;
/// Funding settles at most every hour; 1000 rows cover any backfill span.
const FUNDING_LOOKBACK: Millis = 8 * 60 * MINUTE;

fn request(inst: &Instrument, endpoint: Endpoint, url: String, weight: u32) -> Request {
    Request {
        key: BookKey::new(inst.venue, &inst.id),
        endpoint,
        url,
        weight,
    }
}

fn common(
    base: &str,
    prefix: &str,
    inst: &Instrument,
    from: Millis,
    to: Millis,
    weights: (u32, u32),
) -> Vec<Request> {
    let s = &inst.id;
    let mut out: Vec<Request> = pages(from, to, KLINE_PAGE)
        .map(|(a, b)| {
            let url = format!(
                "{base}{prefix}/klines?symbol={s}&interval=1m&startTime={a}&endTime={}&limit=1000",
                b - 1
            );
            request(inst, Endpoint::Candles, url, weights.0)
        })
        .collect();
    // The first 1000 prints of each hour: the hour's first id, with the next hour's, tells how
    // many prints the hour had (see `BookHistory::weigh_prints`).
    out.extend(hours(from, to).map(|(a, b)| {
        let url = format!(
            "{base}{prefix}/aggTrades?symbol={s}&startTime={a}&endTime={}&limit=1000",
            b - 1
        );
        request(inst, Endpoint::Trades, url, weights.1)
    }));
    out
}

fn plan_spot(base: &str, inst: &Instrument, from: Millis, to: Millis) -> Vec<Request> {
    common(base, "/api/v3", inst, from, to, (2, 4))
}

fn plan_usdm(base: &str, inst: &Instrument, from: Millis, to: Millis) -> Vec<Request> {
    let s = &inst.id;
    let mut out = common(base, "/fapi/v1", inst, from, to, (5, 20));
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
    for (path, endpoint) in stats {
        for (a, b) in pages(from, to, STATS_PAGE) {
            let url = format!(
                "{base}/futures/data/{path}?symbol={s}&period={STATS_PERIOD}&startTime={a}&endTime={}&limit=500",
                b - 1
            );
            out.push(request(inst, endpoint, url, 1));
        }
    }
    let url = format!(
        "{base}/fapi/v1/fundingRate?symbol={s}&startTime={}&endTime={}&limit=1000",
        from - FUNDING_LOOKBACK,
        to - 1
    );
    out.push(request(inst, Endpoint::Funding, url, 1));
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
