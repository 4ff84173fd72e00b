//! Bybit v5 history (`/v5/market/*`, bybit-exchange.github.io/docs/v5/market/…).
//!
//! Documented limits: `kline` up to 1000 rows a page (newest first); `recent-trade` the latest
//! 60 (spot) or 1000 (linear) trades only, so the P99 baseline gets a recent sample rather than
//! a day; `open-interest` up to 200 rows, `account-ratio` up to 500, `funding/history` up to 200.
//! The public limit is 600 requests per 5 s per IP; a backfill spends at most 50.

use std::time::Duration;

use serde_json::Value;

use crate::backfill::json::{self, array, ms, num, rows};
use crate::backfill::plan::{Endpoint, HistorySource, Limits, MINUTE, Paging, Request, Series};
use crate::backfill::series::{
    BookHistory, Candle, Funding, LongShort, OpenInterest, Print, RatioKind,
};
use crate::instrument::{Instrument, MarketKind};
use crate::market::{Millis, TakerSide};

pub const SOURCE: HistorySource = HistorySource {
    series,
    parse,
    limits: Limits {
        budget: 50,
        per: Duration::from_secs(5),
        in_flight: 2,
    },
};

const KLINE_PAGE: Millis = 1_000 * MINUTE;
const OI_PAGE: Millis = 200 * 5 * MINUTE;
const RATIO_PAGE: Millis = 500 * 5 * MINUTE;

fn series(inst: &Instrument) -> Vec<Series> {
    let linear = inst.kind != MarketKind::Spot;
    let category = if linear { "linear" } else { "spot" };
    let trades = if linear { 1000 } else { 60 };
    let mut out = vec![
        Series::new(
            Endpoint::Candles,
            Paging::Every(KLINE_PAGE),
            1,
            format!(
                "/v5/market/kline?category={category}&symbol={{id}}&interval=1&start={{start}}&end={{last}}&limit=1000"
            ),
        ),
        Series::new(
            Endpoint::Trades,
            Paging::Once,
            1,
            format!("/v5/market/recent-trade?category={category}&symbol={{id}}&limit={trades}"),
        ),
    ];
    if linear {
        out.extend([
            Series::new(
                Endpoint::OpenInterest,
                Paging::Every(OI_PAGE),
                1,
                "/v5/market/open-interest?category=linear&symbol={id}&intervalTime=5min&startTime={start}&endTime={last}&limit=200",
            ),
            Series::new(
                Endpoint::LongShort(RatioKind::Accounts),
                Paging::Every(RATIO_PAGE),
                1,
                "/v5/market/account-ratio?category=linear&symbol={id}&period=5min&startTime={start}&endTime={last}&limit=500",
            ),
            Series::new(
                Endpoint::Funding,
                Paging::Once,
                1,
                "/v5/market/funding/history?category=linear&symbol={id}&startTime={funding_from}&endTime={last}&limit=200",
            ),
        ]);
    }
    out
}

fn parse(
    req: &Request,
    inst: &Instrument,
    body: &str,
    into: &mut BookHistory,
) -> Result<usize, String> {
    let v = json::parse(body)?;
    let code = v.get("retCode").and_then(Value::as_i64);
    if code != Some(0) {
        let msg = v.get("retMsg").and_then(Value::as_str).unwrap_or("");
        return Err(format!(
            "retCode {}: {msg}",
            code.map_or("missing".into(), |c| c.to_string())
        ));
    }
    let what = req.endpoint.label();
    let list = array(v.pointer("/result/list").unwrap_or(&Value::Null), what)?;
    let base = |price: f64, size: f64| inst.contract.to_base(price, size);
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
                notional: r.get(6).and_then(num),
                taker_buy: None,
                trades: None,
            })
        })?),
        Endpoint::Trades => into.prints.extend(rows(list, what, |r| {
            let price = num(r.get("price")?)?;
            Some(Print {
                t: ms(r.get("time")?)?,
                price,
                size: base(price, num(r.get("size")?)?),
                taker: match r.get("side")?.as_str()? {
                    "Buy" => TakerSide::Buy,
                    "Sell" => TakerSide::Sell,
                    _ => return None,
                },
                id: None,
                weight: 1,
            })
        })?),
        Endpoint::OpenInterest => into.open_interest.extend(rows(list, what, |r| {
            Some(OpenInterest {
                t: ms(r.get("timestamp")?)?,
                base: Some(num(r.get("openInterest")?)?),
                usd: None,
            })
        })?),
        Endpoint::Funding => into.funding.extend(rows(list, what, |r| {
            Some(Funding {
                t: ms(r.get("fundingRateTimestamp")?)?,
                rate: num(r.get("fundingRate")?)?,
            })
        })?),
        Endpoint::LongShort(kind) => into.long_short.extend(rows(list, what, |r| {
            let (buy, sell) = (num(r.get("buyRatio")?)?, num(r.get("sellRatio")?)?);
            Some(LongShort {
                t: ms(r.get("timestamp")?)?,
                kind,
                long_share: Some(buy),
                ratio: if sell > 0.0 { buy / sell } else { return None },
            })
        })?),
        Endpoint::TakerVolume => return Err("Bybit serves no taker volume statistics".into()),
    }
    Ok(list.len())
}
