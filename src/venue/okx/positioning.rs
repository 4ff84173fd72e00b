//! Swap positioning from OKX's trading statistics ("rubik"), latest 5-minute period, polled
//! once a minute ([`crate::venue::positioning`]):
//! - `GET /api/v5/rubik/stat/contracts/long-short-account-ratio-contract?instId=..&period=5m`,
//!   the contract's all-accounts long/short ratio, rows `[ts, longShortAcctRatio]`
//!   (<https://www.okx.com/docs-v5/en/#trading-statistics-rest-api-get-contract-long-short-ratio>);
//! - `GET /api/v5/rubik/stat/taker-volume-contract?instId=..&period=5m`, taker volumes, rows
//!   `[ts, sellVol, buyVol]` (note the order), read as `buyVol / sellVol`
//!   (<https://www.okx.com/docs-v5/en/#trading-statistics-rest-api-get-contract-taker-volume>).
//!
//! Both answer `{"code":"0","msg":"","data":[...]}`, newest row first, and allow 5 requests per
//! 2 s per IP and instrument.

use serde::Deserialize;

use crate::feed::event::{PositioningStat, RatioKind};
use crate::feed::protocol::RestParsed;
use crate::venue::positioning::{Row, latest, query, quotient, ratio};
use crate::venue::wire;

/// The two endpoints and what each measures.
pub const ENDPOINTS: [(&str, PositioningStat); 2] = [
    (
        "/api/v5/rubik/stat/contracts/long-short-account-ratio-contract",
        PositioningStat::LongShort(RatioKind::Accounts),
    ),
    (
        "/api/v5/rubik/stat/taker-volume-contract",
        PositioningStat::TakerBuySell,
    ),
];

/// The latest-period URLs of both endpoints for `inst_id`.
pub fn urls(rest: &str, inst_id: &str) -> impl Iterator<Item = String> {
    let base = rest.trim_end_matches('/').to_owned();
    ENDPOINTS
        .iter()
        .map(move |(path, _)| format!("{base}{path}?instId={inst_id}&period=5m&limit=1"))
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
struct Answer<'a> {
    code: &'a str,
    #[serde(default)]
    msg: &'a str,
    #[serde(borrow, default)]
    data: Vec<Vec<&'a str>>,
}

/// Parse the body of a rubik `url` (see [`stat_of`]).
pub fn parse<F>(url: &str, stat: PositioningStat, body: &str) -> Result<RestParsed<F>, String> {
    let inst_id = query(url, "instId").ok_or("rubik URL without instId")?;
    let answer: Answer = serde_json::from_str(body).map_err(|e| format!("{stat:?}: {e}"))?;
    if answer.code != "0" {
        return Err(format!("{stat:?} code {}: {}", answer.code, answer.msg));
    }
    let rows = answer
        .data
        .iter()
        .map(|row| {
            let at = wire::int_text(row.first().ok_or("an empty row")?)?;
            let value = match (stat, row.as_slice()) {
                (PositioningStat::LongShort(_), [_, r, ..]) => ratio("longShortAcctRatio", r),
                (PositioningStat::TakerBuySell, [_, sell, buy, ..]) => {
                    quotient("buyVol/sellVol", buy, sell)
                }
                _ => Err(format!("a short row: {row:?}")),
            };
            Ok(Row { at, value })
        })
        .collect::<Result<Vec<_>, String>>()?;
    latest(inst_id, stat, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REST: &str = "https://www.okx.com";

    fn parsed(i: usize, body: &str) -> Result<(String, PositioningStat, f64, i64), String> {
        let url = urls(REST, "BTC-USDT-SWAP").nth(i).unwrap();
        let stat = stat_of(&url).unwrap();
        match parse::<()>(&url, stat, body)? {
            RestParsed::Derivs(d) => {
                let p = d[0].values.positioning.unwrap();
                Ok((d[0].instrument.to_string(), p.stat, p.value, p.at))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn urls_name_the_contract() {
        assert_eq!(
            urls(REST, "BTC-USDT-SWAP").collect::<Vec<_>>(),
            [
                "https://www.okx.com/api/v5/rubik/stat/contracts/long-short-account-ratio-contract?instId=BTC-USDT-SWAP&period=5m&limit=1",
                "https://www.okx.com/api/v5/rubik/stat/taker-volume-contract?instId=BTC-USDT-SWAP&period=5m&limit=1",
            ]
        );
        assert_eq!(
            stat_of("https://www.okx.com/api/v5/market/books?instId=X"),
            None
        );
    }

    /// The shape of the "Get contract long/short ratio" response (module docs): `[ts, ratio]`
    /// rows, newest first.
    #[test]
    fn contract_long_short_ratio() {
        let body = r#"{"code":"0","data":[["1701417600000","1.1739"],["1701417300000","1.1688"]],"msg":""}"#;
        let (inst, stat, value, at) = parsed(0, body).unwrap();
        assert_eq!(inst, "BTC-USDT-SWAP");
        assert_eq!(stat, PositioningStat::LongShort(RatioKind::Accounts));
        assert_eq!((value, at), (1.1739, 1701417600000));
    }

    /// "Get contract taker volume": `[ts, sellVol, buyVol]`, sell first.
    #[test]
    fn contract_taker_volume_reads_buy_over_sell() {
        let body = r#"{"code":"0","data":[["1701417600000","200","300"],["1701417300000","250","250"]],"msg":""}"#;
        let (_, stat, value, at) = parsed(1, body).unwrap();
        assert_eq!(stat, PositioningStat::TakerBuySell);
        assert_eq!((value, at), (1.5, 1701417600000));
    }

    #[test]
    fn absurd_bodies_are_errors() {
        for (i, body) in [
            (
                0,
                r#"{"code":"0","data":[["1701417600000","-1.2"]],"msg":""}"#,
            ),
            (
                0,
                r#"{"code":"0","data":[["1701417600000","NaN"]],"msg":""}"#,
            ),
            (0, r#"{"code":"0","data":[["1701417600000"]],"msg":""}"#),
            (0, r#"{"code":"0","data":[],"msg":""}"#),
            (
                0,
                r#"{"code":"51001","data":[],"msg":"Instrument ID does not exist"}"#,
            ),
            (
                1,
                r#"{"code":"0","data":[["1701417600000","0","300"]],"msg":""}"#,
            ),
            (
                1,
                r#"{"code":"0","data":[["1701417600000","200","-300"]],"msg":""}"#,
            ),
            (1, r#"{"code":"0","data":[["x","200","300"]],"msg":""}"#),
        ] {
            assert!(parsed(i, body).is_err(), "{body}");
        }
    }
}
