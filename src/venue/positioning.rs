//! Positioning statistics the venues publish per 5-minute period on public REST (long/short
//! ratios, taker buy/sell volume), polled once a minute: what the three venue parsers
//! (`binance::positioning`, `bybit::positioning`, `okx::positioning`) share.
//!
//! Cadence: the venues close a period every 5 minutes; polling every 60 s sees a new period
//! within a minute of its publication and costs each instrument one request a minute per
//! endpoint, far inside every venue's limit (Binance `/futures/data`: 1000 requests per 5 min
//! per IP; Bybit: 600 per 5 s per IP; OKX rubik: 5 per 2 s per IP and instrument). A value is
//! stale after 2 × the poll interval without a successful poll (§0.2), and a failing endpoint
//! backs off (`feed::polls`) so it goes stale rather than hammering the venue.
//!
//! Every parser keeps only the newest period of a response (lists come oldest first on Binance,
//! newest first on Bybit and OKX: the timestamp decides, not the order). A response whose newest
//! period is absurd (a negative, zero, non-finite or non-numeric ratio) is an error: the
//! previous value goes stale rather than an older period being shown as the latest.

use std::borrow::Cow;
use std::time::Duration;

use crate::feed::event::{Derivs, Positioning, PositioningStat};
use crate::feed::protocol::{RawDerivs, RestParsed};
use crate::market::Millis;

/// How often each positioning endpoint is polled.
pub const POLL_EVERY: Duration = Duration::from_secs(60);

/// One period of a venue's series, its value not yet judged.
pub struct Row {
    pub at: Millis,
    pub value: Result<f64, String>,
}

/// A ratio from the venue's decimal text: finite and positive, or an error naming `field`.
pub fn ratio(field: &str, text: &str) -> Result<f64, String> {
    let v = crate::num::parse_f64(text.trim()).map_err(|e| format!("{field}: {e}"))?;
    positive(field, v)
}

/// `v` if finite and positive.
pub fn positive(field: &str, v: f64) -> Result<f64, String> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("{field}: {v} is not a positive ratio"))
    }
}

/// `num / den` of two venue quantities (shares, volumes), each non-negative, as a ratio.
pub fn quotient(field: &str, num: &str, den: &str) -> Result<f64, String> {
    let part = |t: &str| -> Result<f64, String> {
        let v = crate::num::parse_f64(t.trim()).map_err(|e| format!("{field}: {e}"))?;
        if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(format!("{field}: {v} is negative"))
        }
    };
    positive(field, part(num)? / part(den)?)
}

/// A stated ratio checked against the two quantities it is the quotient of (Binance states
/// `longShortRatio` beside `longAccount`/`shortAccount`): a disagreement beyond rounding (1 %)
/// means one of them is wrong, and neither is shown.
pub fn stated(field: &str, ratio_text: &str, num: &str, den: &str) -> Result<f64, String> {
    let stated = ratio(field, ratio_text)?;
    let implied = quotient(field, num, den)?;
    if (stated - implied).abs() <= 0.01 * stated {
        Ok(stated)
    } else {
        Err(format!("{field}: {stated} disagrees with {num}/{den}"))
    }
}

/// The newest row's value as a [`RestParsed::Derivs`] for `instrument`. An empty list is an
/// error; so is a newest row whose value is not a ratio.
pub fn latest<F>(
    instrument: &str,
    stat: PositioningStat,
    rows: impl IntoIterator<Item = Row>,
) -> Result<RestParsed<F>, String> {
    let newest = rows
        .into_iter()
        .max_by_key(|r| r.at)
        .ok_or("no period in the response")?;
    let value = newest.value?;
    Ok(RestParsed::Derivs(vec![RawDerivs {
        instrument: Cow::Owned(instrument.to_owned()),
        // The period's time is not a receive stamp: it stays out of the clock estimate.
        ts: None,
        values: Derivs {
            positioning: Some(Positioning {
                stat,
                value,
                at: newest.at,
            }),
            ..Derivs::default()
        },
    }]))
}

/// The value of `key` in `url`'s query string.
pub fn query<'u>(url: &'u str, key: &str) -> Option<&'u str> {
    let (_, query) = url.split_once('?')?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::event::RatioKind;

    fn value(p: Result<RestParsed<()>, String>) -> Result<(f64, Millis), String> {
        match p? {
            RestParsed::Derivs(d) => {
                let p = d[0].values.positioning.unwrap();
                assert_eq!(d[0].ts, None);
                Ok((p.value, p.at))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_newest_row_wins_and_must_be_a_ratio() {
        let stat = PositioningStat::LongShort(RatioKind::Accounts);
        let rows = |v: [Result<f64, String>; 2]| {
            let [a, b] = v;
            [Row { at: 2, value: a }, Row { at: 1, value: b }]
        };
        assert_eq!(
            value(latest("X", stat, rows([Ok(1.5), Ok(0.9)]))),
            Ok((1.5, 2))
        );
        // An older bad row does not matter; a bad newest one is an error, not the older value.
        assert_eq!(
            value(latest("X", stat, rows([Ok(1.5), Err("bad".into())]))),
            Ok((1.5, 2))
        );
        assert!(value(latest("X", stat, rows([Err("bad".into()), Ok(0.9)]))).is_err());
        assert!(value(latest("X", stat, [])).is_err());
    }

    #[test]
    fn ratios_must_be_finite_and_positive() {
        assert_eq!(ratio("r", "1.25"), Ok(1.25));
        for bad in ["-1.2", "0", "0.0", "NaN", "nan", "inf", "", "abc", "1e999"] {
            assert!(ratio("r", bad).is_err(), "{bad}");
        }
        assert_eq!(
            quotient("q", "0.6", "0.4").map(|r| (r * 1e9).round()),
            Ok(1.5e9)
        );
        assert!(quotient("q", "0.6", "0").is_err());
        assert!(quotient("q", "0", "0.4").is_err());
        assert!(quotient("q", "-0.6", "0.4").is_err());
        assert_eq!(stated("s", "1.9559", "0.6617", "0.3382"), Ok(1.9559));
        assert!(stated("s", "0.1960", "0.6622", "0.3378").is_err());
    }
}
