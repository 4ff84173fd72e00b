//! Linear positioning: the all-accounts long/short ratio of the latest 5-minute period, polled
//! once a minute ([`crate::venue::positioning`]).
//!
//! `GET /v5/market/account-ratio?category=linear&symbol=..&period=5min&limit=1`
//! (<https://bybit-exchange.github.io/docs/v5/market/long-short-ratio>): `result.list` holds
//! `buyRatio` and `sellRatio`, the shares of holders with net long and net short positions, and
//! the ratio is their quotient, as the page defines it. The list comes newest first.

use serde::Deserialize;

use crate::feed::event::{PositioningStat, RatioKind};
use crate::feed::protocol::RestParsed;
use crate::venue::positioning::{Row, latest, query, quotient};
use crate::venue::wire;

/// The endpoint's path.
pub const PATH: &str = "/v5/market/account-ratio";

/// What the endpoint measures.
pub const STAT: PositioningStat = PositioningStat::LongShort(RatioKind::Accounts);

/// The latest-period URL for `symbol`.
pub fn url(rest: &str, symbol: &str) -> String {
    format!(
        "{}{PATH}?category=linear&symbol={symbol}&period=5min&limit=1",
        rest.trim_end_matches('/')
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer<'a> {
    ret_code: i64,
    #[serde(default)]
    ret_msg: &'a str,
    #[serde(borrow)]
    result: Option<Rows<'a>>,
}

#[derive(Deserialize)]
struct Rows<'a> {
    #[serde(borrow, default)]
    list: Vec<RatioRow<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RatioRow<'a> {
    buy_ratio: &'a str,
    sell_ratio: &'a str,
    timestamp: &'a str,
}

/// Parse an `account-ratio` body fetched from `url`.
pub fn parse<F>(url: &str, body: &str) -> Result<RestParsed<F>, String> {
    let symbol = query(url, "symbol").ok_or("account-ratio URL without symbol")?;
    let answer: Answer = serde_json::from_str(body).map_err(|e| format!("account-ratio: {e}"))?;
    if answer.ret_code != 0 {
        return Err(format!(
            "account-ratio retCode {}: {}",
            answer.ret_code, answer.ret_msg
        ));
    }
    let rows = answer
        .result
        .map(|r| r.list)
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            Ok(Row {
                at: wire::int_text(r.timestamp)?,
                value: quotient("buyRatio/sellRatio", r.buy_ratio, r.sell_ratio),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    latest(symbol, STAT, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(body: &str) -> Result<(String, f64, i64), String> {
        let url = url("https://api.bybit.com", "BTCUSDT");
        match parse::<()>(&url, body)? {
            RestParsed::Derivs(d) => {
                let p = d[0].values.positioning.unwrap();
                assert_eq!(p.stat, STAT);
                Ok((d[0].instrument.to_string(), p.value, p.at))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn url_asks_the_latest_linear_period() {
        assert_eq!(
            url("https://api.bybit.com/", "ETHUSDT"),
            "https://api.bybit.com/v5/market/account-ratio?category=linear&symbol=ETHUSDT&period=5min&limit=1"
        );
    }

    /// The response example of the Get Long Short Ratio page (module docs).
    #[test]
    fn documented_example() {
        let body = r#"{
            "retCode": 0,
            "retMsg": "OK",
            "result": {
                "list": [
                    {"symbol": "BTCUSDT", "buyRatio": "0.5777", "sellRatio": "0.4223", "timestamp": "1695772800000"}
                ]
            },
            "retExtInfo": {},
            "time": 1695785131028
        }"#;
        let (symbol, ratio, at) = parsed(body).unwrap();
        assert_eq!((symbol.as_str(), at), ("BTCUSDT", 1695772800000));
        assert!((ratio - 0.5777 / 0.4223).abs() < 1e-12, "{ratio}");
    }

    #[test]
    fn the_newest_period_wins_whatever_the_order() {
        let body = r#"{"retCode":0,"retMsg":"OK","result":{"list":[
            {"symbol":"BTCUSDT","buyRatio":"0.5","sellRatio":"0.5","timestamp":"1695772500000"},
            {"symbol":"BTCUSDT","buyRatio":"0.6","sellRatio":"0.4","timestamp":"1695772800000"}]}}"#;
        let (_, ratio, at) = parsed(body).unwrap();
        assert_eq!(at, 1695772800000);
        assert!((ratio - 1.5).abs() < 1e-12);
    }

    #[test]
    fn absurd_bodies_are_errors() {
        let row = |b: &str, s: &str| {
            format!(
                r#"{{"retCode":0,"retMsg":"OK","result":{{"list":[{{"symbol":"BTCUSDT","buyRatio":"{b}","sellRatio":"{s}","timestamp":"1695772800000"}}]}}}}"#
            )
        };
        for body in [
            row("-0.5", "0.4"),
            row("NaN", "0.4"),
            row("0.6", "0"),
            row("0.6", "x"),
            r#"{"retCode":0,"retMsg":"OK","result":{"list":[]}}"#.to_owned(),
            r#"{"retCode":10001,"retMsg":"params error: symbol invalid","result":{}}"#.to_owned(),
            "[]".to_owned(),
        ] {
            assert!(parsed(&body).is_err(), "{body}");
        }
    }
}
