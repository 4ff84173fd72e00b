//! Gate instruments from the public REST API (no key):
//!
//! - spot `GET /api/v4/spot/currency_pairs`: `[{"id":"BTC_USDT","base":"BTC","quote":"USDT",
//!   "precision":1,"amount_precision":6,"trade_status":"tradable",..}]`; tick and lot are
//!   `10^-precision` and `10^-amount_precision`. Kept: `trade_status` `tradable`.
//! - USDT futures `GET /api/v4/futures/usdt/contracts`: `[{"name":"BTC_USDT",
//!   "quanto_multiplier":"0.0001","order_price_round":"0.1","in_delisting":false,..}]`. Sizes
//!   on the wire are contracts of `quanto_multiplier` base units each
//!   ([`Contract::Linear`]); a contract without a positive multiplier is refused, never guessed.
//!   Kept: contracts not `in_delisting` (and `status` `trading` where it is sent).

use super::{Family, Market};
use crate::instrument::{Contract, Instrument, MarketKind, normalize_asset};
use crate::num::Dec;
use crate::venue::registry::InstrumentSource;
use serde::Deserialize;

/// Where market `M` lists its instruments.
pub const fn source<M: Market>() -> InstrumentSource {
    InstrumentSource {
        urls: match M::FAMILY {
            Family::Spot => spot_urls,
            Family::Usdt => usdt_urls,
        },
        parse: match M::FAMILY {
            Family::Spot => parse_spot,
            Family::Usdt => parse_usdt,
        },
    }
}

pub const SPOT_PATH: &str = "/api/v4/spot/currency_pairs";
pub const USDT_PATH: &str = "/api/v4/futures/usdt/contracts";

fn spot_urls(rest: &str) -> Vec<String> {
    vec![format!("{rest}{SPOT_PATH}")]
}

fn usdt_urls(rest: &str) -> Vec<String> {
    vec![format!("{rest}{USDT_PATH}")]
}

#[derive(Deserialize)]
struct Pair {
    id: String,
    base: String,
    quote: String,
    #[serde(default)]
    precision: Option<u8>,
    #[serde(default)]
    amount_precision: Option<u8>,
    #[serde(default)]
    trade_status: String,
}

#[derive(Deserialize)]
struct UsdtContract {
    name: String,
    quanto_multiplier: Dec,
    #[serde(default)]
    order_price_round: Option<Dec>,
    #[serde(default)]
    in_delisting: bool,
    #[serde(default)]
    status: Option<String>,
}

/// `10^-places` as an exact step; `None` past the decimal type's scale.
fn step(places: Option<u8>) -> Option<Dec> {
    let places = places?;
    let text = match places {
        0 => "1".to_owned(),
        n => format!("0.{}1", "0".repeat(usize::from(n) - 1)),
    };
    Dec::parse(&text).ok()
}

fn parse_spot(_url: &str, body: &str) -> Result<Vec<Instrument>, String> {
    let pairs: Vec<Pair> =
        serde_json::from_str(body).map_err(|e| format!("spot currency_pairs: {e}"))?;
    Ok(pairs
        .into_iter()
        .filter(|p| p.trade_status == "tradable")
        .map(|p| Instrument {
            venue: Family::Spot.venue(),
            base: normalize_asset(&p.base),
            quote: normalize_asset(&p.quote),
            id: p.id,
            kind: MarketKind::Spot,
            contract: Contract::Base,
            tick: step(p.precision),
            lot: step(p.amount_precision),
            price_precision: None,
            qty_precision: None,
        })
        .collect())
}

fn parse_usdt(_url: &str, body: &str) -> Result<Vec<Instrument>, String> {
    let contracts: Vec<UsdtContract> =
        serde_json::from_str(body).map_err(|e| format!("usdt contracts: {e}"))?;
    let mut out = Vec::with_capacity(contracts.len());
    for c in contracts {
        let trading = c.status.as_deref().is_none_or(|s| s == "trading");
        if c.in_delisting || !trading {
            continue;
        }
        let multiplier = c.quanto_multiplier.to_f64();
        if !(multiplier > 0.0 && multiplier.is_finite()) {
            return Err(format!(
                "{}: quanto_multiplier {} is not a contract size",
                c.name, c.quanto_multiplier
            ));
        }
        let Some((base, quote)) = c.name.split_once('_') else {
            return Err(format!("contract name {:?} is not BASE_QUOTE", c.name));
        };
        out.push(Instrument {
            venue: Family::Usdt.venue(),
            base: normalize_asset(base),
            quote: normalize_asset(quote),
            kind: MarketKind::Perpetual,
            contract: Contract::Linear { multiplier },
            tick: c.order_price_round,
            lot: None,
            price_precision: None,
            qty_precision: None,
            id: c.name,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tradable_spot_pairs_with_steps_from_their_precisions() {
        let body = r#"[
            {"id":"BTC_USDT","base":"BTC","quote":"USDT","fee":"0.2","precision":1,"amount_precision":6,"trade_status":"tradable"},
            {"id":"ETH_BTC","base":"ETH","quote":"BTC","precision":0,"amount_precision":3,"trade_status":"tradable"},
            {"id":"OLD_USDT","base":"OLD","quote":"USDT","precision":4,"amount_precision":2,"trade_status":"untradable"}
        ]"#;
        let list = parse_spot("", body).unwrap();
        let ids: Vec<&str> = list.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["BTC_USDT", "ETH_BTC"]);
        assert_eq!(list[0].tick.unwrap().to_string(), "0.1");
        assert_eq!(list[0].lot.unwrap().to_string(), "0.000001");
        assert_eq!(list[1].tick.unwrap().to_string(), "1");
        assert_eq!(list[0].contract, Contract::Base);
        assert!(parse_spot("", "<html>").is_err());
    }

    /// A Gate contract is `quanto_multiplier` base units: 648 BTC_USDT contracts at 0.0001 are
    /// 0.0648 BTC.
    #[test]
    fn usdt_contracts_convert_to_base_units_by_their_quanto_multiplier() {
        let body = r#"[
            {"name":"BTC_USDT","type":"direct","quanto_multiplier":"0.0001","order_price_round":"0.1","in_delisting":false,"status":"trading"},
            {"name":"DOGE_USDT","quanto_multiplier":"10","order_price_round":"0.00001","in_delisting":false},
            {"name":"GONE_USDT","quanto_multiplier":"1","order_price_round":"0.1","in_delisting":true}
        ]"#;
        let list = parse_usdt("", body).unwrap();
        assert_eq!(list.len(), 2);
        let btc = &list[0];
        assert_eq!((btc.base.as_str(), btc.quote.as_str()), ("BTC", "USDT"));
        assert_eq!(btc.kind, MarketKind::Perpetual);
        assert_eq!(btc.contract, Contract::Linear { multiplier: 0.0001 });
        let base = btc.contract.to_base(77_222.9, 648.0);
        assert!((base - 0.0648).abs() < 1e-12, "{base}");
        assert_eq!(list[1].contract.to_base(0.1, 3.0), 30.0);

        let zero = r#"[{"name":"X_USDT","quanto_multiplier":"0","in_delisting":false}]"#;
        assert!(
            parse_usdt("", zero)
                .unwrap_err()
                .contains("quanto_multiplier")
        );
        let odd = r#"[{"name":"XUSDT","quanto_multiplier":"1","in_delisting":false}]"#;
        assert!(parse_usdt("", odd).is_err());
    }
}
