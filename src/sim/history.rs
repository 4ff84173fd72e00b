//! The venues' public history endpoints, in their shapes and with their page limits, so a
//! backfill runs end to end over loopback: Binance klines, aggTrades, `futures/data`
//! statistics and funding; Bybit kline, recent trades, open interest, account ratio and
//! funding; OKX history candles and trades, `rubik` statistics (per currency and per contract)
//! and funding. The positioning values are [`positioning`]'s, which live polls read too.
//!
//! The past is synthetic and deterministic: smooth swings around the book's current mid
//! (anchored when the request arrives), a steady trade rate with a heavy-tailed size
//! distribution, and slowly moving open interest, funding and ratios. Enough to show every
//! reader and every baseline a day of plausible minutes; not a replay of the model.

use serde_json::{Value, json};

use crate::engine::analytics::RatioKind;
use crate::instrument::MarketKind;
use crate::market::{Millis, VenueId};
use crate::sim::catalog::{BookId, INSTRUMENTS, SimInstrument, find};
use crate::sim::http::{Request, Response};
use crate::sim::market::Market;
use crate::sim::positioning;

const MINUTE: Millis = 60_000;
const HOUR: Millis = 3_600_000;
/// Prints per simulated hour (more than one aggTrades page holds, as on a busy market).
const PRINTS_PER_HOUR: i64 = 1_500;
const PRINT_EVERY: Millis = HOUR / PRINTS_PER_HOUR;

/// Answers a history request, or `None` when `req` is not one.
pub fn answer(req: &Request, market: &Market) -> Option<Response> {
    let path = req.path.as_str();
    let venue = match path {
        p if p.starts_with("/api/v3/") => VenueId::Binance,
        p if p.starts_with("/fapi/") || p.starts_with("/futures/data/") => VenueId::BinanceUsdm,
        p if p.starts_with("/v5/market/") => match req.param("category") {
            Some("spot") => VenueId::BybitSpot,
            _ => VenueId::BybitLinear,
        },
        p if p.starts_with("/api/v5/") => VenueId::Okx,
        _ => return None,
    };
    let route = path.rsplit('/').next().unwrap_or("");
    let handled = matches!(
        route,
        "klines"
            | "aggTrades"
            | "openInterestHist"
            | "globalLongShortAccountRatio"
            | "topLongShortAccountRatio"
            | "topLongShortPositionRatio"
            | "takerlongshortRatio"
            | "fundingRate"
            | "kline"
            | "recent-trade"
            | "open-interest"
            | "history"
            | "account-ratio"
            | "history-candles"
            | "history-trades"
            | "open-interest-volume"
            | "long-short-account-ratio"
            | "taker-volume"
            | "long-short-account-ratio-contract"
            | "taker-volume-contract"
            | "funding-rate-history"
    );
    if !handled {
        return None;
    }
    let now = market.clock.now();
    Some(match venue {
        VenueId::Binance | VenueId::BinanceUsdm => binance(req, route, venue, market, now),
        VenueId::Okx => okx(req, route, market, now),
        _ => bybit(req, route, venue, market, now),
    })
}

/// The synthetic past of one book.
struct Past {
    inst: &'static SimInstrument,
    book: BookId,
    mid: f64,
}

impl Past {
    fn of(book: BookId, market: &Market) -> Past {
        let inst = &INSTRUMENTS[book];
        let state = market.lock();
        let top = |side| {
            state.books[book]
                .as_ref()
                .and_then(|b| b.book.top(side, 1).next().map(|l| l.price.to_f64()))
        };
        let mid = match (top(crate::market::Side::Bid), top(crate::market::Side::Ask)) {
            (Some(b), Some(a)) => (a + b) / 2.0,
            _ => inst.symbol().price,
        };
        Past { inst, book, mid }
    }

    fn price(&self, t: Millis) -> f64 {
        let m = t.div_euclid(MINUTE) as f64;
        self.mid * (1.0 + 0.004 * (m / 97.0).sin() + 0.0015 * (m / 13.7).sin())
    }

    /// Base volume and taker-buy volume of the minute starting at `t`.
    fn volume(&self, t: Millis) -> (f64, f64) {
        let m = t.div_euclid(MINUTE) as f64;
        let v = self.inst.symbol().trade_size * 30.0 * (1.0 + 0.5 * (m / 41.0).sin());
        (v, v * positioning::taker_buy_share(t))
    }

    fn candle(&self, t: Millis) -> [f64; 7] {
        let (o, c) = (self.price(t), self.price(t + MINUTE - 1));
        let (v, buy) = self.volume(t);
        [
            o,
            o.max(c) * 1.0002,
            o.min(c) * 0.9998,
            c,
            v,
            v * (o + c) / 2.0,
            buy,
        ]
    }

    /// Print `id`: its time, base size and whether the taker bought.
    fn print(&self, id: i64) -> (Millis, f64, bool) {
        let h = mix(self.book as u64 ^ (id as u64).wrapping_mul(0x9E37_79B9));
        let u = (h >> 11) as f64 / (1u64 << 53) as f64;
        let size = self.inst.symbol().trade_size * (2.5 * u - 1.0).exp();
        (id * PRINT_EVERY, size, h & 1 == 0)
    }

    /// Ids of the prints in `[from, to)`.
    fn prints(from: Millis, to: Millis) -> std::ops::Range<i64> {
        let first = (from + PRINT_EVERY - 1).div_euclid(PRINT_EVERY);
        let end = (to + PRINT_EVERY - 1).div_euclid(PRINT_EVERY);
        first..end.max(first)
    }

    fn open_interest(&self, t: Millis) -> f64 {
        let m = t.div_euclid(MINUTE) as f64;
        self.inst.symbol().open_interest * (1.0 + 0.05 * (m / 300.0).sin())
    }

    fn funding(t: Millis) -> f64 {
        0.0001 * (1.0 + (t.div_euclid(8 * HOUR) as f64).sin())
    }
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn int(req: &Request, key: &str) -> Option<i64> {
    req.param(key).and_then(|v| v.parse().ok())
}

/// Steps of `step` in `[from, to]`, newest last, at most `limit`.
fn steps(from: Millis, to: Millis, step: Millis, limit: usize) -> Vec<Millis> {
    let first = (from + step - 1).div_euclid(step) * step;
    (0..)
        .map(|k| first + k * step)
        .take_while(|t| *t <= to)
        .take(limit)
        .collect()
}

fn s(x: f64) -> String {
    format!("{x:.8}")
}

fn binance_error(code: i64, msg: &str) -> Response {
    Response::error(400, json!({"code": code, "msg": msg}).to_string())
}

fn binance(req: &Request, route: &str, venue: VenueId, market: &Market, now: Millis) -> Response {
    let Some(book) = req.param("symbol").and_then(|s| find(venue, s)) else {
        return binance_error(-1121, "Invalid symbol.");
    };
    let past = Past::of(book, market);
    let end = int(req, "endTime").unwrap_or(now).min(now);
    let limit = int(req, "limit");
    let max = match route {
        "klines" if venue == VenueId::BinanceUsdm => 1_500,
        "klines" | "aggTrades" | "fundingRate" => 1_000,
        _ => 500,
    };
    let limit = match limit {
        None => 500.min(max),
        Some(l) if (1..=max).contains(&l) => l,
        Some(_) => return binance_error(-1130, "Invalid data sent for a parameter."),
    } as usize;
    let body = match route {
        "klines" => {
            let start = int(req, "startTime").unwrap_or(end - limit as Millis * MINUTE);
            let rows: Vec<Value> = steps(start, end, MINUTE, limit)
                .into_iter()
                .map(|t| {
                    let c = past.candle(t);
                    let n = PRINTS_PER_HOUR / 60;
                    json!([
                        t,
                        s(c[0]),
                        s(c[1]),
                        s(c[2]),
                        s(c[3]),
                        s(c[4]),
                        t + MINUTE - 1,
                        s(c[5]),
                        n,
                        s(c[6]),
                        s(c[6] * c[3]),
                        "0"
                    ])
                })
                .collect();
            json!(rows)
        }
        "aggTrades" => {
            let start = int(req, "startTime").unwrap_or(end - HOUR + 1);
            if end - start >= HOUR {
                return binance_error(-1127, "More than 1 hours between startTime and endTime.");
            }
            let rows: Vec<Value> = Past::prints(start, end + 1)
                .take(limit)
                .map(|id| {
                    let (t, q, buy) = past.print(id);
                    json!({"a": id, "p": s(past.price(t)), "q": s(q), "f": id, "l": id, "T": t,
                           "m": !buy, "M": true})
                })
                .collect();
            json!(rows)
        }
        "fundingRate" => {
            let start = int(req, "startTime").unwrap_or(end - 200 * 8 * HOUR);
            let rows: Vec<Value> = steps(start, end, 8 * HOUR, limit)
                .into_iter()
                .map(|t| {
                    json!({"symbol": past.inst.id, "fundingRate": s(Past::funding(t)),
                                "fundingTime": t, "markPrice": s(past.price(t))})
                })
                .collect();
            json!(rows)
        }
        stat => {
            if req.param("period") != Some("5m") {
                return binance_error(-1120, "Invalid period.");
            }
            let start = int(req, "startTime").unwrap_or(end - limit as Millis * 5 * MINUTE);
            let rows: Vec<Value> = steps(start, end, 5 * MINUTE, limit)
                .into_iter()
                .map(|t| {
                    let kind = match stat {
                        "topLongShortAccountRatio" => RatioKind::TopAccounts,
                        "topLongShortPositionRatio" => RatioKind::TopPositions,
                        _ => RatioKind::Accounts,
                    };
                    let l = positioning::long_share(book, kind, t);
                    match stat {
                        "openInterestHist" => {
                            let oi = past.open_interest(t);
                            json!({"symbol": past.inst.id, "sumOpenInterest": s(oi),
                                   "sumOpenInterestValue": s(oi * past.price(t)), "timestamp": t})
                        }
                        "takerlongshortRatio" => {
                            let (v, b) = past.volume(t);
                            json!({"buySellRatio": s(b / (v - b)), "buyVol": s(5.0 * b),
                                   "sellVol": s(5.0 * (v - b)), "timestamp": t})
                        }
                        _ => json!({"symbol": past.inst.id, "longShortRatio": s(l / (1.0 - l)),
                                    "longAccount": s(l), "shortAccount": s(1.0 - l), "timestamp": t}),
                    }
                })
                .collect();
            json!(rows)
        }
    };
    Response::ok(body.to_string())
}

fn bybit_ok(category: &str, symbol: &str, list: Vec<Value>, now: Millis) -> Response {
    Response::ok(
        json!({"retCode": 0, "retMsg": "OK",
               "result": {"category": category, "symbol": symbol, "list": list, "nextPageCursor": ""},
               "retExtInfo": {}, "time": now})
        .to_string(),
    )
}

fn bybit_error(msg: &str) -> Response {
    Response::ok(
        json!({"retCode": 10001, "retMsg": msg, "result": {}, "retExtInfo": {}}).to_string(),
    )
}

fn bybit(req: &Request, route: &str, venue: VenueId, market: &Market, now: Millis) -> Response {
    let Some(book) = req.param("symbol").and_then(|s| find(venue, s)) else {
        return bybit_error("params error: symbol invalid");
    };
    let category = req.param("category").unwrap_or("linear");
    let past = Past::of(book, market);
    let max = match route {
        "kline" => 1_000,
        "recent-trade" if category == "spot" => 60,
        "recent-trade" => 1_000,
        "open-interest" | "funding/history" | "history" => 200,
        _ => 500,
    };
    let limit = match int(req, "limit") {
        None => max.min(200),
        Some(l) if (1..=max).contains(&l) => l,
        Some(_) => return bybit_error("params error: limit invalid"),
    } as usize;
    let end = int(req, "end")
        .or_else(|| int(req, "endTime"))
        .unwrap_or(now)
        .min(now);
    let start = |step: Millis| {
        int(req, "start")
            .or_else(|| int(req, "startTime"))
            .unwrap_or(end - limit as Millis * step)
    };
    // Bybit lists newest first.
    let newest_first = |mut v: Vec<Value>| {
        v.reverse();
        v
    };
    let list = match route {
        "kline" => newest_first(
            steps(start(MINUTE), end, MINUTE, limit)
                .into_iter()
                .map(|t| {
                    let c = past.candle(t);
                    json!([t.to_string(), s(c[0]), s(c[1]), s(c[2]), s(c[3]), s(c[4]), s(c[5])])
                })
                .collect(),
        ),
        "recent-trade" => newest_first(
            Past::prints(now - HOUR, now)
                .skip_while(|id| *id < Past::prints(now - HOUR, now).end - limit as i64)
                .map(|id| {
                    let (t, q, buy) = past.print(id);
                    json!({"execId": id.to_string(), "symbol": past.inst.id, "price": s(past.price(t)),
                           "size": s(q), "side": if buy { "Buy" } else { "Sell" },
                           "time": t.to_string(), "isBlockTrade": false})
                })
                .collect(),
        ),
        "open-interest" => newest_first(
            steps(start(5 * MINUTE), end, 5 * MINUTE, limit)
                .into_iter()
                .map(|t| json!({"openInterest": s(past.open_interest(t)), "timestamp": t.to_string()}))
                .collect(),
        ),
        "account-ratio" => newest_first(
            steps(start(5 * MINUTE), end, 5 * MINUTE, limit)
                .into_iter()
                .map(|t| {
                    let l = positioning::long_share(book, RatioKind::Accounts, t);
                    json!({"symbol": past.inst.id, "buyRatio": format!("{l:.4}"),
                           "sellRatio": format!("{:.4}", 1.0 - l), "timestamp": t.to_string()})
                })
                .collect(),
        ),
        _ => newest_first(
            steps(start(8 * HOUR), end, 8 * HOUR, limit)
                .into_iter()
                .map(|t| json!({"symbol": past.inst.id, "fundingRate": s(Past::funding(t)),
                                "fundingRateTimestamp": t.to_string()}))
                .collect(),
        ),
    };
    bybit_ok(category, past.inst.id, list, now)
}

fn okx_ok(data: Vec<Value>) -> Response {
    Response::ok(json!({"code": "0", "msg": "", "data": data}).to_string())
}

fn okx_error(code: &str, msg: &str) -> Response {
    Response::ok(json!({"code": code, "msg": msg, "data": []}).to_string())
}

fn okx(req: &Request, route: &str, market: &Market, now: Millis) -> Response {
    let rubik = matches!(
        route,
        "open-interest-volume" | "long-short-account-ratio" | "taker-volume"
    );
    let book = if rubik {
        // Per currency: the simulated USDT swap of that currency stands for all contracts.
        let ccy = req.param("ccy").unwrap_or("");
        crate::sim::catalog::books_of(VenueId::Okx).find(|&b| {
            INSTRUMENTS[b].symbol().name == ccy && INSTRUMENTS[b].kind != MarketKind::Spot
        })
    } else {
        req.param("instId").and_then(|id| find(VenueId::Okx, id))
    };
    let Some(book) = book else {
        return okx_error("51001", "Instrument ID does not exist");
    };
    let past = Past::of(book, market);
    let per_contract = past.inst.contract_value;
    let newest_first = |mut v: Vec<Value>| {
        v.reverse();
        v
    };
    let max = match route {
        "funding-rate-history" => 400,
        "history-candles" | "history-trades" => 100,
        "long-short-account-ratio-contract" | "taker-volume-contract" => 100,
        _ => usize::MAX as i64,
    };
    let limit = match int(req, "limit") {
        None => max.min(100),
        Some(l) if (1..=max).contains(&l) => l,
        Some(_) => return okx_error("51000", "Parameter limit error"),
    } as usize;
    let data = match route {
        "history-candles" => {
            if req.param("bar") != Some("1m") {
                return okx_error("51000", "Parameter bar error");
            }
            let after = int(req, "after").unwrap_or(now + 1).min(now + 1);
            let before = int(req, "before").unwrap_or(after - limit as Millis * MINUTE - 1);
            let mut minutes = steps(before + 1, after - 1, MINUTE, usize::MAX);
            let skip = minutes.len().saturating_sub(limit);
            minutes.drain(..skip);
            newest_first(
                minutes
                    .into_iter()
                    .map(|t| {
                        let c = past.candle(t);
                        let spot = past.inst.kind == MarketKind::Spot;
                        let vol = if spot { c[4] } else { c[4] / per_contract };
                        let confirm = if t + MINUTE <= now { "1" } else { "0" };
                        json!([
                            t.to_string(),
                            s(c[0]),
                            s(c[1]),
                            s(c[2]),
                            s(c[3]),
                            s(vol),
                            s(c[4]),
                            s(c[5]),
                            confirm
                        ])
                    })
                    .collect(),
            )
        }
        "history-trades" => {
            let after = int(req, "after").unwrap_or(now + 1).min(now + 1);
            let spot = past.inst.kind == MarketKind::Spot;
            Past::prints(after - HOUR, after)
                .rev()
                .take(limit)
                .map(|id| {
                    let (t, q, buy) = past.print(id);
                    let sz = if spot { q } else { q / per_contract };
                    json!({"instId": past.inst.id, "side": if buy { "buy" } else { "sell" },
                           "sz": s(sz), "px": s(past.price(t)), "tradeId": id.to_string(),
                           "ts": t.to_string()})
                })
                .collect()
        }
        "funding-rate-history" => newest_first(
            steps(now - limit as Millis * 8 * HOUR, now, 8 * HOUR, limit)
                .into_iter()
                .map(|t| {
                    let r = s(Past::funding(t));
                    json!({"instType": "SWAP", "instId": past.inst.id, "formulaType": "noRate",
                           "fundingRate": r, "realizedRate": r, "fundingTime": t.to_string(),
                           "method": "current_period"})
                })
                .collect(),
        ),
        stat => {
            if req.param("period") != Some("5m") {
                return okx_error("51000", "Parameter period error");
            }
            let end = int(req, "end").unwrap_or(now).min(now);
            let begin = int(req, "begin")
                .unwrap_or(end - 2 * 24 * HOUR)
                .max(now - 2 * 24 * HOUR);
            newest_first(
                steps(begin, end, 5 * MINUTE, usize::MAX)
                    .into_iter()
                    .map(|t| {
                        let px = past.price(t);
                        match stat {
                            "open-interest-volume" => {
                                let (v, _) = past.volume(t);
                                json!([
                                    t.to_string(),
                                    s(past.open_interest(t) * px),
                                    s(5.0 * v * px)
                                ])
                            }
                            "long-short-account-ratio" | "long-short-account-ratio-contract" => {
                                let l = positioning::long_share(book, RatioKind::Accounts, t);
                                json!([t.to_string(), format!("{:.4}", l / (1.0 - l))])
                            }
                            _ => {
                                let (v, b) = past.volume(t);
                                let k = if req.param("instType") == Some("SPOT") {
                                    5.0
                                } else {
                                    5.0 * px
                                };
                                json!([t.to_string(), s(k * (v - b)), s(k * b)])
                            }
                        }
                    })
                    .collect(),
            )
            .into_iter()
            // The per-contract routes page by `limit`; the per-currency ones answer everything.
            .take(if stat.ends_with("-contract") {
                limit
            } else {
                usize::MAX
            })
            .collect()
        }
    };
    okx_ok(data)
}
