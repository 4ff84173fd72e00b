//! OKX v5 history (www.okx.com/docs-v5/en, "Market Data", "Public Data", "Trading Statistics").
//!
//! Documented limits: `history-candles` 100 rows a page, 20 requests per 2 s; `history-trades`
//! 100 rows, 20 per 2 s (a sample of each hour: its last 100 trades); `funding-rate-history`
//! 400 rows, 10 per 2 s; `rubik/stat/*` 5 per 2 s, 5-minute periods only within the last two
//! days. The `rubik` statistics are per currency across all of OKX's contracts (not per
//! instrument), so they are attached to the perpetual book of that currency. The backfill's
//! budget is 10 weight per 2 s: candles and trades cost 1, funding 2, `rubik` 4 (at most 2.5 a
//! second, under its own 5 per 2 s).

use std::time::Duration;

use serde_json::Value;

use crate::backfill::json::{self, array, ms, num, rows};
use crate::backfill::plan::{Endpoint, HistorySource, Limits, MINUTE, Paging, Request, Series};
use crate::backfill::series::{
    BookHistory, Candle, Funding, LongShort, OpenInterest, Print, RatioKind, TakerVolume,
};
use crate::instrument::{Instrument, MarketKind};
use crate::market::{Millis, TakerSide};

pub const SOURCE: HistorySource = HistorySource {
    series,
    parse,
    limits: Limits {
        budget: 10,
        per: Duration::from_secs(2),
        in_flight: 2,
    },
};

const CANDLE_PAGE: Millis = 100 * MINUTE;
const RUBIK: u32 = 4;

fn series(inst: &Instrument) -> Vec<Series> {
    // `after`: rows older than it; `before`: rows newer than it. Trades, `type=2`: paged by
    // time, the last 100 before each hour's end.
    let mut out = vec![
        Series::new(
            Endpoint::Candles,
            Paging::Every(CANDLE_PAGE),
            1,
            "/api/v5/market/history-candles?instId={id}&bar=1m&after={end}&before={before}&limit=100",
        ),
        Series::new(
            Endpoint::Trades,
            Paging::Hourly,
            1,
            "/api/v5/market/history-trades?instId={id}&type=2&after={end}&limit=100",
        ),
    ];
    let rubik = |endpoint, path: &str| {
        Series::new(
            endpoint,
            Paging::Once,
            RUBIK,
            format!("/api/v5/rubik/stat/{path}&period=5m&begin={{start}}&end={{end}}"),
        )
    };
    if inst.kind == MarketKind::Perpetual {
        out.extend([
            Series::new(
                Endpoint::Funding,
                Paging::Once,
                2,
                "/api/v5/public/funding-rate-history?instId={id}&limit=400",
            ),
            rubik(
                Endpoint::OpenInterest,
                "contracts/open-interest-volume?ccy={ccy}",
            ),
            rubik(
                Endpoint::LongShort(RatioKind::Accounts),
                "contracts/long-short-account-ratio?ccy={ccy}",
            ),
        ]);
    }
    let inst_type = if inst.kind == MarketKind::Spot {
        "SPOT"
    } else {
        "CONTRACTS"
    };
    out.push(rubik(
        Endpoint::TakerVolume,
        &format!("taker-volume?ccy={{ccy}}&instType={inst_type}"),
    ));
    out
}

fn parse(
    req: &Request,
    inst: &Instrument,
    body: &str,
    into: &mut BookHistory,
) -> Result<usize, String> {
    let v = json::parse(body)?;
    let code = v.get("code").and_then(Value::as_str);
    if code != Some("0") {
        let msg = v.get("msg").and_then(Value::as_str).unwrap_or("");
        return Err(format!("code {}: {msg}", code.unwrap_or("missing")));
    }
    let what = req.endpoint.label();
    let list = array(v.get("data").unwrap_or(&Value::Null), what)?;
    let spot = inst.kind == MarketKind::Spot;
    match req.endpoint {
        Endpoint::Candles => {
            let candles = rows(list, what, |r| {
                // [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]: `vol` is in contracts on
                // derivatives, `volCcy` in the base currency.
                let volume = num(r.get(if spot { 5 } else { 6 })?)?;
                Some((
                    r.get(8)?.as_str()? == "1",
                    Candle {
                        t: ms(r.get(0)?)?,
                        open: num(r.get(1)?)?,
                        high: num(r.get(2)?)?,
                        low: num(r.get(3)?)?,
                        close: num(r.get(4)?)?,
                        volume,
                        notional: r.get(7).and_then(num),
                        taker_buy: None,
                        trades: None,
                    },
                ))
            })?;
            // An unconfirmed candle is the minute still open.
            into.candles.extend(
                candles
                    .into_iter()
                    .filter(|(done, _)| *done)
                    .map(|(_, c)| c),
            );
        }
        Endpoint::Trades => into.prints.extend(rows(list, what, |r| {
            let price = num(r.get("px")?)?;
            Some(Print {
                t: ms(r.get("ts")?)?,
                price,
                size: inst.contract.to_base(price, num(r.get("sz")?)?),
                taker: match r.get("side")?.as_str()? {
                    "buy" => TakerSide::Buy,
                    "sell" => TakerSide::Sell,
                    _ => return None,
                },
                id: None,
                weight: 1,
            })
        })?),
        Endpoint::Funding => into.funding.extend(rows(list, what, |r| {
            Some(Funding {
                t: ms(r.get("fundingTime")?)?,
                // `realizedRate` is what settled; `fundingRate` what was announced.
                rate: r
                    .get("realizedRate")
                    .and_then(num)
                    .or_else(|| r.get("fundingRate").and_then(num))?,
            })
        })?),
        Endpoint::OpenInterest => into.open_interest.extend(rows(list, what, |r| {
            // [ts, oi (USD), vol (USD)]
            Some(OpenInterest {
                t: ms(r.get(0)?)?,
                base: None,
                usd: Some(num(r.get(1)?)?),
            })
        })?),
        Endpoint::LongShort(kind) => into.long_short.extend(rows(list, what, |r| {
            let ratio = num(r.get(1)?)?;
            Some(LongShort {
                t: ms(r.get(0)?)?,
                kind,
                long_share: (ratio >= 0.0).then(|| ratio / (1.0 + ratio)),
                ratio,
            })
        })?),
        Endpoint::TakerVolume => into.taker_volume.extend(rows(list, what, |r| {
            // [ts, sellVol, buyVol]: base currency for SPOT, USD for CONTRACTS.
            Some(TakerVolume {
                t: ms(r.get(0)?)?,
                sell: num(r.get(1)?)?,
                buy: num(r.get(2)?)?,
                quote_units: !spot,
            })
        })?),
    }
    Ok(list.len())
}
