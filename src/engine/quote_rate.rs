//! The USDT/USD rate that cross-venue reads convert through (`docs/metrics.md` §0.4).
//!
//! USD and USDT are not the same money: a 10 bp stablecoin premium compared unconverted reads as
//! a 10 bp dislocation. The rate comes from a watched `USDT/USD` spot book (Kraken lists one; the
//! feeds subscribe it next to the USD books they watch). A book that is not live, valid and fresh
//! gives no rate (§0.2), and without a rate the two currencies are kept apart, never taken as
//! equal.

use serde::Serialize;

use crate::market::VenueId;

use super::book::view::BookTick;

/// The stablecoin the rate prices, and the currency it is priced in.
const STABLE: &str = "USDT";
const DOLLAR: &str = "USD";
/// The pair a rate is quoted as.
const PAIR: &str = "USDT/USD";

/// A rate this far from a dollar is a broken book, not a depeg anyone can trade through.
const PLAUSIBLE: (f64, f64) = (0.5, 2.0);

/// USD per USDT, and the book it was read from.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct QuoteRate {
    /// `USDT/USD`.
    #[serde(deserialize_with = "pair")]
    pub pair: crate::words::Word,
    /// USD per USDT (the book's mid).
    pub rate: f64,
    pub venue: VenueId,
    pub instrument: String,
}

/// Reads [`QuoteRate::pair`] back (the one pair there is).
fn pair<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    crate::words::known(d, &[PAIR])
}

impl QuoteRate {
    /// The rate from the first fresh rate book in display order, or `None` when no rate book is
    /// live, valid and fresh, or its mid is not a plausible rate.
    pub fn from_ticks<'a>(ticks: impl IntoIterator<Item = &'a BookTick>) -> Option<QuoteRate> {
        ticks.into_iter().find_map(|t| {
            let inst = &t.frame.instrument;
            if !t.fresh || !inst.is_usdt_rate() {
                return None;
            }
            let mid = t.frame.features.as_ref()?.mid?;
            (mid.is_finite() && mid > PLAUSIBLE.0 && mid < PLAUSIBLE.1).then(|| QuoteRate {
                pair: PAIR,
                rate: mid,
                venue: t.frame.key.venue,
                instrument: inst.id.clone(),
            })
        })
    }

    /// `price` in `from` expressed in `to`: unchanged in the same currency, through the rate
    /// between USD and USDT, `None` for any other pair (kept apart).
    pub fn convert(rate: Option<&QuoteRate>, price: f64, from: &str, to: &str) -> Option<f64> {
        if from == to {
            return Some(price);
        }
        let r = rate?.rate;
        match (from, to) {
            (STABLE, DOLLAR) => Some(price * r),
            (DOLLAR, STABLE) => Some(price / r),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(r: f64) -> QuoteRate {
        QuoteRate {
            pair: PAIR,
            rate: r,
            venue: VenueId::Kraken,
            instrument: "USDT/USD".into(),
        }
    }

    #[test]
    fn converts_between_usd_and_usdt_only_through_a_rate() {
        let r = rate(0.9998);
        // 97 250 USDT at 0.9998 USD each is 97 230.55 USD, and back.
        let usd = QuoteRate::convert(Some(&r), 97_250.0, "USDT", "USD").unwrap();
        assert!((usd - 97_230.55).abs() < 1e-9, "{usd}");
        let usdt = QuoteRate::convert(Some(&r), 97_230.55, "USD", "USDT").unwrap();
        assert!((usdt - 97_250.0).abs() < 1e-9, "{usdt}");
        // The same currency needs no rate; USD and USDT without one are never equal.
        assert_eq!(QuoteRate::convert(None, 5.0, "USD", "USD"), Some(5.0));
        assert_eq!(QuoteRate::convert(None, 5.0, "USD", "USDT"), None);
        // Other currencies are not converted by this rate.
        assert_eq!(QuoteRate::convert(Some(&r), 5.0, "EUR", "USDT"), None);
        assert_eq!(QuoteRate::convert(Some(&r), 5.0, "USDC", "USD"), None);
    }
}
