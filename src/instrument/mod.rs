//! Instruments: what a venue's instrument id means (asset, market kind, contract size, tick).
//!
//! Features compare venues in base units, so every size is converted at ingest
//! (`docs/metrics.md` §0.4): OKX swap contracts are `ctVal` of the base asset, inverse contracts a
//! USD face value. When the contract is unknown (an old capture with no instrument data), sizes
//! stay in the venue's unit and the instrument says so; features that need base units are then
//! absent rather than wrong.

pub mod catalog;

use crate::market::VenueId;
use crate::num::Dec;
use crate::venue::spec::IdMeaning;
use serde::{Deserialize, Serialize};

/// How a venue's size field maps to base units.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Contract {
    /// Sizes are already in the base asset (spot; Binance/Bybit linear perps).
    Base,
    /// Each contract is `multiplier` base units (OKX `ctVal` on linear swaps, Gate
    /// `quanto_multiplier`).
    Linear { multiplier: f64 },
    /// Each contract is `face` units of the quote currency (USD); base = contracts × face / price.
    Inverse { face: f64 },
    /// Not known: sizes are in the venue's unit.
    Unknown,
}

impl Contract {
    /// Convert a wire size at `price` to base units. `Unknown` passes the size through; callers
    /// check [`Contract::is_known`] before treating it as base units.
    pub fn to_base(self, price: f64, size: f64) -> f64 {
        match self {
            Contract::Base | Contract::Unknown => size,
            Contract::Linear { multiplier } => size * multiplier,
            Contract::Inverse { face } if price > 0.0 => size * face / price,
            Contract::Inverse { .. } => 0.0,
        }
    }

    pub fn is_known(self) -> bool {
        !matches!(self, Contract::Unknown)
    }
}

/// What kind of market an instrument trades.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketKind {
    Spot,
    Perpetual,
    /// A dated future or anything else with an expiry.
    Future,
    Option,
}

/// One venue instrument.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instrument {
    pub venue: VenueId,
    /// The venue's own id (`BTC-USDT-SWAP`, `BTCUSDT`, `BTC/USD`).
    pub id: String,
    /// The normalised base asset (`BTC`, never `XBT`): what the user types.
    pub base: String,
    pub quote: String,
    pub kind: MarketKind,
    pub contract: Contract,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tick: Option<Dec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<Dec>,
    /// Decimal places of prices and sizes, where a venue's checksum needs them (Kraken v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_precision: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qty_precision: Option<u8>,
}

/// The stablecoin rates cross-venue reads convert quote currencies through (`docs/metrics.md`
/// §0.4): `(pair, base, quote)`, the rate being `quote` per `base`. USDC/USDT prices USDC
/// where a venue lists no USDC/USD (Binance `USDCUSDT`).
pub const RATE_PAIRS: [(&str, &str, &str); 3] = [
    ("USDT/USD", "USDT", "USD"),
    ("USDC/USD", "USDC", "USD"),
    ("USDC/USDT", "USDC", "USDT"),
];

impl Instrument {
    /// The index in [`RATE_PAIRS`] of the rate this spot market quotes, if it is a rate book.
    pub fn rate_pair(&self) -> Option<usize> {
        if self.kind != MarketKind::Spot {
            return None;
        }
        RATE_PAIRS
            .iter()
            .position(|(_, base, quote)| self.base == *base && self.quote == *quote)
    }

    /// A spot market pricing one stablecoin in another or in dollars (§0.4).
    pub fn is_rate(&self) -> bool {
        self.rate_pair().is_some()
    }
}

/// Normalise an asset code to what traders type (`XBT` → `BTC`, `XXBT` → `BTC`).
pub fn normalize_asset(code: &str) -> String {
    let upper = code.to_ascii_uppercase();
    match upper.as_str() {
        "XBT" | "XXBT" => "BTC".into(),
        "XETH" => "ETH".into(),
        "XDG" | "XXDG" => "DOGE".into(),
        _ => upper,
    }
}

/// Quote currencies recognised at the end of concatenated ids (`BTCUSDT`), longest first.
const QUOTES: [&str; 12] = [
    "FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USD", "EUR", "TRY", "BTC", "ETH", "BNB", "DAI",
];

/// A best guess at an instrument from its id alone, for books first seen in a replay. The
/// contract is left [`Contract::Unknown`] wherever the id cannot prove it (OKX swaps, inverse
/// futures), so no size is ever converted on a guess.
pub fn guess(venue: VenueId, id: &str) -> Instrument {
    let upper = id.to_ascii_uppercase();
    let tokens: Vec<&str> = upper
        .split(['-', '/', '_', ':'])
        .filter(|t| !t.is_empty())
        .collect();
    let (base, quote) = match tokens.as_slice() {
        [one] => split_concatenated(one),
        [base, quote, ..] => ((*base).to_owned(), (*quote).to_owned()),
        [] => (upper.clone(), String::new()),
    };
    let has = |t: &str| tokens.contains(&t);
    let dated = tokens
        .iter()
        .skip(1)
        .any(|t| t.len() >= 6 && t.chars().take(2).all(|c| c.is_ascii_digit()));
    let perp_venue = venue.spec().ids == IdMeaning::BasePerpetuals;
    let kind = if has("SWAP") || has("PERP") || has("PERPETUAL") || has("UMCBL") || perp_venue {
        MarketKind::Perpetual
    } else if tokens.len() >= 4 && (has("C") || has("P")) {
        MarketKind::Option
    } else if dated {
        MarketKind::Future
    } else {
        MarketKind::Spot
    };
    let contract = match kind {
        MarketKind::Spot => Contract::Base,
        _ if perp_venue => Contract::Base,
        _ => Contract::Unknown,
    };
    Instrument {
        venue,
        id: id.to_owned(),
        base: normalize_asset(&base),
        quote: normalize_asset(&quote),
        kind,
        contract,
        tick: None,
        lot: None,
        price_precision: None,
        qty_precision: None,
    }
}

fn split_concatenated(id: &str) -> (String, String) {
    QUOTES
        .iter()
        .find_map(|q| {
            id.strip_suffix(q)
                .filter(|b| !b.is_empty())
                .map(|b| (b.to_owned(), (*q).to_owned()))
        })
        .unwrap_or_else(|| (id.to_owned(), String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contracts_convert_to_base_units() {
        assert_eq!(Contract::Base.to_base(100.0, 2.0), 2.0);
        assert_eq!(
            Contract::Linear { multiplier: 0.01 }.to_base(60_000.0, 3.0),
            0.03
        );
        // 10 inverse contracts of $100 at 50,000 = 0.02 BTC
        assert_eq!(
            Contract::Inverse { face: 100.0 }.to_base(50_000.0, 10.0),
            0.02
        );
        assert_eq!(Contract::Inverse { face: 100.0 }.to_base(0.0, 10.0), 0.0);
        assert!(!Contract::Unknown.is_known());
    }

    #[test]
    fn asset_codes_normalise_to_what_traders_type() {
        assert_eq!(normalize_asset("XBT"), "BTC");
        assert_eq!(normalize_asset("eth"), "ETH");
    }

    #[test]
    fn guesses_from_ids_never_invent_a_contract_size() {
        let g = guess(VenueId::Okx, "BTC-USDT");
        assert_eq!(
            (g.base.as_str(), g.quote.as_str(), g.kind),
            ("BTC", "USDT", MarketKind::Spot)
        );
        assert_eq!(g.contract, Contract::Base);
        let g = guess(VenueId::Okx, "UNI-USD-SWAP");
        assert_eq!(
            (g.kind, g.contract),
            (MarketKind::Perpetual, Contract::Unknown)
        );
        let g = guess(VenueId::Okx, "BTC-USD-220527");
        assert_eq!(
            (g.kind, g.contract),
            (MarketKind::Future, Contract::Unknown)
        );
        let g = guess(VenueId::Kraken, "XBT/USD");
        assert_eq!((g.base.as_str(), g.kind), ("BTC", MarketKind::Spot));
        let g = guess(VenueId::BinanceUsdm, "SUSHIUSDT");
        assert_eq!((g.base.as_str(), g.quote.as_str()), ("SUSHI", "USDT"));
        assert_eq!(
            (g.kind, g.contract),
            (MarketKind::Perpetual, Contract::Base)
        );
        let g = guess(VenueId::Binance, "BLZETH");
        assert_eq!((g.base.as_str(), g.quote.as_str()), ("BLZ", "ETH"));
        let g = guess(VenueId::Deribit, "BTC-22JUL21-30000-C");
        assert_eq!(g.kind, MarketKind::Option);
    }

    #[test]
    fn instruments_round_trip_through_the_cache_format() {
        let inst = Instrument {
            venue: VenueId::Okx,
            id: "BTC-USDT-SWAP".into(),
            base: "BTC".into(),
            quote: "USDT".into(),
            kind: MarketKind::Perpetual,
            contract: Contract::Linear { multiplier: 0.01 },
            tick: Some(Dec::parse("0.1").unwrap()),
            lot: Some(Dec::parse("0.01").unwrap()),
            price_precision: None,
            qty_precision: None,
        };
        let json = serde_json::to_string(&inst).unwrap();
        let back: Instrument = serde_json::from_str(&json).unwrap();
        assert_eq!(back, inst);
        assert!(back.tick.unwrap().same_wire(Dec::parse("0.1").unwrap()));
    }
}
