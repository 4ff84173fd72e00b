//! The stablecoin rates cross-venue reads convert through (`docs/metrics.md` §0.4).
//!
//! USD, USDT and USDC are not the same money: a 10 bp stablecoin premium compared unconverted
//! reads as a 10 bp dislocation. Each rate comes from a watched spot book of one of the
//! [`RATE_PAIRS`] (Kraken lists `USDT/USD` and `USDC/USD`, Coinbase `USDT-USD`, Binance
//! `USDCUSDT`; the feeds subscribe a venue's dollar rate books next to the USD books they
//! watch). A book that is not live, valid and fresh gives no rate (§0.2), and a currency without
//! a route of fresh rates to the symbol's is kept apart, never taken as equal.

use serde::Serialize;

use crate::instrument::RATE_PAIRS;
use crate::market::VenueId;

use super::book::view::BookTick;

/// A rate this far from a dollar is a broken book, not a depeg anyone can trade through.
const PLAUSIBLE: (f64, f64) = (0.5, 2.0);

/// The currencies the rates join: a conversion goes through at most one of them in between.
const CURRENCIES: [&str; 3] = ["USD", "USDT", "USDC"];

/// One rate: `quote` per `base` of its pair, and the book it was read from.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct QuoteRate {
    /// One of [`RATE_PAIRS`] (`USDT/USD`).
    #[serde(deserialize_with = "pair")]
    pub pair: crate::words::Word,
    /// The pair's quote per its base (the book's mid).
    pub rate: f64,
    pub venue: VenueId,
    pub instrument: String,
}

/// Reads [`QuoteRate::pair`] back (one of the known pairs).
fn pair<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    let names = RATE_PAIRS.map(|(name, _, _)| name);
    crate::words::known(d, &names)
}

impl QuoteRate {
    /// `(base, quote)` of the pair.
    fn currencies(&self) -> (&'static str, &'static str) {
        RATE_PAIRS
            .iter()
            .find(|(name, _, _)| *name == self.pair)
            .map_or(("", ""), |(_, base, quote)| (*base, *quote))
    }
}

/// The rates in force on one engine tick: at most one per pair, so bounded by construction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuoteRates([Option<QuoteRate>; RATE_PAIRS.len()]);

/// How a price gets from one currency to another: the factor and the rates it went through.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Route<'a> {
    pub factor: f64,
    /// The rates used, in order (none for the same currency).
    pub via: [Option<&'a QuoteRate>; 2],
}

impl QuoteRates {
    /// For each pair, the rate of the first fresh book quoting it in display order; a pair has
    /// none when no such book is live, valid and fresh, or its mid is not a plausible rate.
    pub fn from_ticks<'a>(ticks: impl IntoIterator<Item = &'a BookTick>) -> QuoteRates {
        let mut rates = QuoteRates::default();
        for t in ticks {
            let inst = &t.frame.instrument;
            let Some(i) = inst
                .rate_pair()
                .filter(|i| t.fresh && rates.0[*i].is_none())
            else {
                continue;
            };
            let Some(mid) = t.frame.features.as_ref().and_then(|f| f.mid) else {
                continue;
            };
            if mid.is_finite() && mid > PLAUSIBLE.0 && mid < PLAUSIBLE.1 {
                rates.0[i] = Some(QuoteRate {
                    pair: RATE_PAIRS[i].0,
                    rate: mid,
                    venue: t.frame.key.venue,
                    instrument: inst.id.clone(),
                });
            }
        }
        rates
    }

    /// `price` in `from` expressed in `to`: unchanged in the same currency, through the rates
    /// of [`Self::route`] otherwise, `None` without one (kept apart).
    pub fn convert(&self, price: f64, from: &str, to: &str) -> Option<f64> {
        Some(price * self.route(from, to)?.factor)
    }

    /// The way from `from` to `to`: one rate of their pair (either direction), else two through
    /// the third dollar currency (USDC → USD → USDT with `USDC/USD` and `USDT/USD`), else none.
    pub fn route(&self, from: &str, to: &str) -> Option<Route<'_>> {
        if from == to {
            return Some(Route {
                factor: 1.0,
                via: [None, None],
            });
        }
        if let Some((factor, rate)) = self.direct(from, to) {
            return Some(Route {
                factor,
                via: [Some(rate), None],
            });
        }
        CURRENCIES
            .iter()
            .filter(|mid| **mid != from && **mid != to)
            .find_map(|mid| {
                let (a, first) = self.direct(from, mid)?;
                let (b, second) = self.direct(mid, to)?;
                Some(Route {
                    factor: a * b,
                    via: [Some(first), Some(second)],
                })
            })
    }

    /// One rate's factor from `from` to `to`, and the rate.
    fn direct(&self, from: &str, to: &str) -> Option<(f64, &QuoteRate)> {
        self.0.iter().flatten().find_map(|r| match r.currencies() {
            (base, quote) if (base, quote) == (from, to) => Some((r.rate, r)),
            (base, quote) if (base, quote) == (to, from) => Some((1.0 / r.rate, r)),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(pair: usize, r: f64) -> Option<QuoteRate> {
        Some(QuoteRate {
            pair: RATE_PAIRS[pair].0,
            rate: r,
            venue: VenueId::Kraken,
            instrument: RATE_PAIRS[pair].0.into(),
        })
    }

    fn close(x: Option<f64>, want: f64) {
        let x = x.expect("a route");
        assert!((x - want).abs() < 1e-9, "{x} != {want}");
    }

    #[test]
    fn converts_between_usd_and_usdt_only_through_a_rate() {
        let rates = QuoteRates([rate(0, 0.9998), None, None]);
        // 97 250 USDT at 0.9998 USD each is 97 230.55 USD, and back.
        close(rates.convert(97_250.0, "USDT", "USD"), 97_230.55);
        close(rates.convert(97_230.55, "USD", "USDT"), 97_250.0);
        // The same currency needs no rate; USD and USDT without one are never equal.
        let none = QuoteRates::default();
        assert_eq!(none.convert(5.0, "USD", "USD"), Some(5.0));
        assert_eq!(none.convert(5.0, "USD", "USDT"), None);
        // Other currencies are not converted; USDC has no route without a USDC rate.
        assert_eq!(rates.convert(5.0, "EUR", "USDT"), None);
        assert_eq!(rates.convert(5.0, "USDC", "USD"), None);
        assert_eq!(rates.convert(5.0, "USDC", "USDT"), None);
    }

    #[test]
    fn usdc_converts_through_usdc_usd_and_usdt_usd() {
        // USDC at 0.99995 USD and USDT at 1.0002 USD: 97 000 USDC is 96 995.15 USD, and
        // 96 995.15 / 1.0002 = 96 975.75485 USDT, through both rates in that order.
        let rates = QuoteRates([rate(0, 1.0002), rate(1, 0.99995), None]);
        close(rates.convert(97_000.0, "USDC", "USD"), 96_995.15);
        close(rates.convert(97_000.0, "USDC", "USDT"), 96_995.15 / 1.0002);
        close(rates.convert(96_995.15 / 1.0002, "USDT", "USDC"), 97_000.0);
        let route = rates.route("USDC", "USDT").unwrap();
        let pairs = route.via.map(|r| r.map(|r| r.pair));
        assert_eq!(pairs, [Some("USDC/USD"), Some("USDT/USD")]);
        // Without USDT/USD, USDC reaches USD but not USDT.
        let usd_only = QuoteRates([None, rate(1, 0.99995), None]);
        close(usd_only.convert(2.0, "USD", "USDC"), 2.0 / 0.99995);
        assert_eq!(usd_only.convert(2.0, "USDC", "USDT"), None);
    }

    #[test]
    fn a_usdc_usdt_book_is_the_direct_route() {
        // Binance `USDCUSDT` at 0.9997 USDT per USDC: 100 USDC is 99.97 USDT, one rate used;
        // with USDT/USD as well, USDC reaches USD through both (0.9997 × 1.0002).
        let rates = QuoteRates([rate(0, 1.0002), None, rate(2, 0.9997)]);
        close(rates.convert(100.0, "USDC", "USDT"), 99.97);
        let route = rates.route("USDC", "USDT").unwrap();
        assert_eq!(route.via[1], None);
        close(rates.convert(100.0, "USDC", "USD"), 100.0 * 0.9997 * 1.0002);
        // A direct rate wins over a route through the third currency.
        let both = QuoteRates([rate(0, 1.0002), rate(1, 0.99995), rate(2, 0.9997)]);
        close(both.convert(100.0, "USDC", "USDT"), 99.97);
    }
}
