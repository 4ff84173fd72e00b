//! USDⓈ-M positioning statistics (`/futures/data`, period 5m), polled once a minute
//! ([`crate::venue::positioning`]):
//! - `globalLongShortAccountRatio`, all accounts:
//!   <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Long-Short-Ratio>
//! - `topLongShortAccountRatio`, the top 20 % of accounts by margin balance, counted by account:
//!   <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Top-Long-Short-Account-Ratio>
//! - `topLongShortPositionRatio`, the same accounts, counted by position size:
//!   <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Top-Trader-Long-Short-Ratio>
//! - `takerlongshortRatio`, taker buy volume / sell volume:
//!   <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Taker-BuySell-Volume>
//!
//! Each answers a JSON array, oldest period first; a request without a time range returns the
//! most recent periods (`limit` 1 asks for the latest only). Binance states the ratio beside its
//! two shares (or volumes): the two must agree, since its own documentation shows a row where
//! they do not (`longShortRatio` 0.1960 for shares 0.6622 / 0.3378).

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::feed::event::{PositioningStat, RatioKind};
use crate::feed::protocol::RestParsed;
use crate::venue::positioning::{Row, latest, query, stated};
use crate::venue::wire;

use super::subscribe::join;

/// The four endpoints and what each measures.
pub const ENDPOINTS: [(&str, PositioningStat); 4] = [
    (
        "/futures/data/globalLongShortAccountRatio",
        PositioningStat::LongShort(RatioKind::Accounts),
    ),
    (
        "/futures/data/topLongShortAccountRatio",
        PositioningStat::LongShort(RatioKind::TopAccounts),
    ),
    (
        "/futures/data/topLongShortPositionRatio",
        PositioningStat::LongShort(RatioKind::TopPositions),
    ),
    (
        "/futures/data/takerlongshortRatio",
        PositioningStat::TakerBuySell,
    ),
];

/// The latest-period URLs of every endpoint for `symbol`.
pub fn urls(rest: &str, symbol: &str) -> impl Iterator<Item = String> {
    ENDPOINTS
        .iter()
        .map(move |(path, _)| format!("{}?symbol={symbol}&period=5m&limit=1", join(rest, path)))
}

/// The statistic `url` asks for, if it is one of [`ENDPOINTS`].
pub fn stat_of(url: &str) -> Option<PositioningStat> {
    let path = url.split('?').next()?;
    ENDPOINTS
        .iter()
        .find(|(p, _)| path.ends_with(p))
        .map(|(_, s)| *s)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RatioRow<'a> {
    long_short_ratio: &'a str,
    long_account: &'a str,
    short_account: &'a str,
    #[serde(borrow)]
    timestamp: &'a RawValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TakerRow<'a> {
    buy_sell_ratio: &'a str,
    buy_vol: &'a str,
    sell_vol: &'a str,
    #[serde(borrow)]
    timestamp: &'a RawValue,
}

/// Parse the body of a positioning `url` (see [`stat_of`]). The taker rows name no symbol: the
/// instrument is the URL's.
pub fn parse<F>(url: &str, stat: PositioningStat, body: &str) -> Result<RestParsed<F>, String> {
    let symbol = query(url, "symbol").ok_or("positioning URL without symbol")?;
    let what = |e| format!("{stat:?}: {e}");
    let rows: Vec<Row> = match stat {
        PositioningStat::LongShort(_) => serde_json::from_str::<Vec<RatioRow>>(body)
            .map_err(what)?
            .into_iter()
            .map(|r| {
                Ok(Row {
                    at: wire::int(r.timestamp)?,
                    value: stated(
                        "longShortRatio",
                        r.long_short_ratio,
                        r.long_account,
                        r.short_account,
                    ),
                })
            })
            .collect::<Result<_, String>>()?,
        PositioningStat::TakerBuySell => serde_json::from_str::<Vec<TakerRow>>(body)
            .map_err(what)?
            .into_iter()
            .map(|r| {
                Ok(Row {
                    at: wire::int(r.timestamp)?,
                    value: stated("buySellRatio", r.buy_sell_ratio, r.buy_vol, r.sell_vol),
                })
            })
            .collect::<Result<_, String>>()?,
    };
    latest(symbol, stat, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::event::Positioning;

    const REST: &str = "https://fapi.binance.com";

    fn parsed(url: &str, body: &str) -> Result<(String, Positioning), String> {
        let stat = stat_of(url).expect("a positioning URL");
        match parse::<()>(url, stat, body)? {
            RestParsed::Derivs(d) => Ok((
                d[0].instrument.to_string(),
                d[0].values.positioning.unwrap(),
            )),
            other => panic!("{other:?}"),
        }
    }

    fn url(i: usize) -> String {
        urls(REST, "BTCUSDT").nth(i).unwrap()
    }

    #[test]
    fn urls_ask_the_latest_five_minute_period() {
        assert_eq!(
            urls(REST, "BTCUSDT").collect::<Vec<_>>(),
            [
                "https://fapi.binance.com/futures/data/globalLongShortAccountRatio?symbol=BTCUSDT&period=5m&limit=1",
                "https://fapi.binance.com/futures/data/topLongShortAccountRatio?symbol=BTCUSDT&period=5m&limit=1",
                "https://fapi.binance.com/futures/data/topLongShortPositionRatio?symbol=BTCUSDT&period=5m&limit=1",
                "https://fapi.binance.com/futures/data/takerlongshortRatio?symbol=BTCUSDT&period=5m&limit=1",
            ]
        );
        assert_eq!(
            stat_of("https://fapi.binance.com/fapi/v1/openInterest?symbol=X"),
            None
        );
    }

    /// The response example of the Long-Short-Ratio page (URL in the module docs): its first
    /// row states 0.1960 for shares 0.6622 / 0.3378, the newest one is consistent.
    #[test]
    fn global_account_ratio_from_the_documented_example() {
        let body = r#"[
            {"symbol":"BTCUSDT","longShortRatio":"0.1960","longAccount":"0.6622","shortAccount":"0.3378","timestamp":"1583139600000"},
            {"symbol":"BTCUSDT","longShortRatio":"1.9559","longAccount":"0.6617","shortAccount":"0.3382","timestamp":"1583139900000"}
        ]"#;
        let (symbol, p) = parsed(&url(0), body).unwrap();
        assert_eq!(symbol, "BTCUSDT");
        assert_eq!(p.stat, PositioningStat::LongShort(RatioKind::Accounts));
        assert_eq!((p.value, p.at), (1.9559, 1583139900000));
        // The documented inconsistent row alone: refused, not shown.
        let first = r#"[{"symbol":"BTCUSDT","longShortRatio":"0.1960","longAccount":"0.6622","shortAccount":"0.3378","timestamp":"1583139600000"}]"#;
        assert!(parsed(&url(0), first).unwrap_err().contains("disagrees"));
    }

    /// The Top-Long-Short-Account-Ratio and Top-Trader-Long-Short-Ratio examples.
    #[test]
    fn top_trader_ratios_keep_their_kind() {
        let accounts = r#"[
            {"symbol":"BTCUSDT","longShortRatio":"1.8105","longAccount":"0.6442","shortAccount":"0.3558","timestamp":"1583139600000"},
            {"symbol":"BTCUSDT","longShortRatio":"0.5576","longAccount":"0.3580","shortAccount":"0.6420","timestamp":"1583139900000"}
        ]"#;
        let (_, p) = parsed(&url(1), accounts).unwrap();
        assert_eq!(p.stat, PositioningStat::LongShort(RatioKind::TopAccounts));
        assert_eq!((p.value, p.at), (0.5576, 1583139900000));
        let positions = r#"[
            {"symbol":"BTCUSDT","longShortRatio":"1.4342","longAccount":"0.5891","shortAccount":"0.4108","timestamp":"1583139600000"},
            {"symbol":"BTCUSDT","longShortRatio":"1.4337","longAccount":"0.3583","shortAccount":"0.6417","timestamp":"1583139900000"}
        ]"#;
        // The page's second row states 1.4337 for 0.3583 / 0.6417 (= 0.558): refused.
        assert!(parsed(&url(2), positions).is_err());
        let (_, p) = parsed(&url(2), &positions.replace("1.4337", "0.5584")).unwrap();
        assert_eq!(p.stat, PositioningStat::LongShort(RatioKind::TopPositions));
        assert_eq!(p.value, 0.5584);
    }

    /// The Taker-BuySell-Volume example: rows carry no symbol, the URL names it.
    #[test]
    fn taker_buy_sell_ratio_from_the_documented_example() {
        let body = r#"[
            {"buySellRatio":"1.5586","buyVol":"387.3300","sellVol":"248.5030","timestamp":"1585614900000"},
            {"buySellRatio":"1.1473","buyVol":"263.3980","sellVol":"229.5740","timestamp":"1585615200000"}
        ]"#;
        let (symbol, p) = parsed(&url(3), body).unwrap();
        assert_eq!(symbol, "BTCUSDT");
        assert_eq!(p.stat, PositioningStat::TakerBuySell);
        assert_eq!((p.value, p.at), (1.1473, 1585615200000));
    }

    #[test]
    fn absurd_bodies_are_errors() {
        let row = |r: &str, l: &str, s: &str| {
            format!(
                r#"[{{"symbol":"BTCUSDT","longShortRatio":"{r}","longAccount":"{l}","shortAccount":"{s}","timestamp":1583139600000}}]"#
            )
        };
        for body in [
            row("-1.5", "0.6", "0.4"),
            row("NaN", "0.6", "0.4"),
            row("1.5", "-0.6", "0.4"),
            row("0", "0", "1"),
            row("1.5", "0.6", "0"),
            "[]".to_owned(),
            "{}".to_owned(),
            r#"{"code":-1121,"msg":"Invalid symbol."}"#.to_owned(),
        ] {
            assert!(parsed(&url(0), &body).is_err(), "{body}");
        }
    }
}
