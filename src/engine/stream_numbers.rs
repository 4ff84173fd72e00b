//! How `stream --json` writes numbers and which fields it writes.
//!
//! The frame holds `f64`s, whose shortest form can carry binary noise (`97289.51999999999`). The
//! stream writes every price at the instrument's tick decimals plus one (a mid between two ticks
//! is exact), every base-unit size at the lot's decimals, every quote or USD amount in cents,
//! and any other figure at 12 significant digits: the decimal a trader would read, and the
//! nearest `f64` to it, which JSON readers parse back exactly.
//!
//! `--fields` keeps a slim line: the books' and symbols' identity plus the named fields, found
//! by name wherever the full line has them (a book's `features`, `flow`, `derivs`,
//! `liquidations`, or the book itself; a symbol's `composites`, or a part of its `analytics`:
//! `zones`, `regime` …).

use serde_json::{Map, Value};

use super::frame::{BookFeatures, BookFrame, Composites, DerivsView, FlowFeatures};
use crate::instrument::Contract;

/// The decimals a book's numbers are written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Precision {
    pub price: u8,
    pub size: u8,
}

/// Decimals for base-unit sizes when the instrument's lot does not give them.
const SIZE_DECIMALS_UNKNOWN: u8 = 8;
/// Quote and USD amounts: cents.
const MONEY_DECIMALS: u8 = 2;
/// Any other figure.
const SIGNIFICANT_DIGITS: usize = 12;

impl Precision {
    pub fn of(book: &BookFrame) -> Self {
        let size = match (book.instrument.contract, book.instrument.lot) {
            (Contract::Base, Some(lot)) => lot.scale(),
            _ => SIZE_DECIMALS_UNKNOWN,
        };
        Precision {
            price: book.ladder.price_decimals.saturating_add(1),
            size,
        }
    }
}

/// What a key's number is.
enum Unit {
    Price,
    Size,
    Money,
    Other,
}

fn unit(key: &str) -> Unit {
    match key {
        // `lo`, `hi`, `grid`: a support/resistance zone's edges and bucket width (§5).
        "mid" | "mark_price" | "index_price" | "price" | "lo" | "hi" | "grid" => Unit::Price,
        "open_interest" | "cvd_1m" | "cvd_5m" | "unsided_volume" | "ofi_10s" | "ofi_60s"
        | "base" | "size" => Unit::Size,
        k if k.ends_with("_usd") || k == "quote" || k.starts_with("notional") => Unit::Money,
        k if k.contains("notional") => Unit::Money,
        _ => Unit::Other,
    }
}

/// Rounds every float in a book's line by its key (see the module doc).
pub fn tidy_book(value: &mut Value, p: Precision) {
    tidy(value, None, Some(p));
}

/// Rounds every float in `value` to [`SIGNIFICANT_DIGITS`] (lines outside books).
pub fn tidy_other(value: &mut Value) {
    tidy(value, None, None);
}

fn tidy(value: &mut Value, key: Option<&str>, p: Option<Precision>) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(x) = n.as_f64()
                && let Some(number) = serde_json::Number::from_f64(tidy_number(x, key, p))
            {
                *n = number;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| tidy(v, key, p)),
        Value::Object(map) => map.iter_mut().for_each(|(k, v)| tidy(v, Some(k), p)),
        _ => {}
    }
}

/// `x` rounded for the key it is written under and the book's precision (`None` outside books).
pub fn tidy_number(x: f64, key: Option<&str>, p: Option<Precision>) -> f64 {
    let decimals = match (key.map(unit), p) {
        (Some(Unit::Price), Some(p)) => Some(p.price),
        (Some(Unit::Size), Some(p)) => Some(p.size),
        (Some(Unit::Money), _) => Some(MONEY_DECIMALS),
        _ => None,
    };
    match decimals {
        Some(d) => round_decimals(x, d),
        None => round_significant(x),
    }
}

/// `x` at `decimals` places, as the nearest `f64` to that decimal.
pub fn round_decimals(x: f64, decimals: u8) -> f64 {
    scaled_round(x, i32::from(decimals)).unwrap_or_else(|| {
        format!("{x:.*}", usize::from(decimals))
            .parse()
            .unwrap_or(x)
    })
}

fn round_significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = SIGNIFICANT_DIGITS as i32;
    // The decimals that leave `digits` significant ones (`log10` may be one off at a power of
    // ten: the check below sends such a value to the exact path). A finite non-zero `f64` has
    // a `log10` within ±324.
    let decimals = digits - 1 - x.abs().log10().floor() as i32;
    let lowest = 10f64.powi(digits - 1);
    let fits =
        |r: f64| r == 0.0 || (lowest..lowest * 10.0).contains(&(r.abs() * 10f64.powi(decimals)));
    scaled_round(x, decimals)
        .filter(|&r| fits(r))
        .unwrap_or_else(|| {
            format!("{x:.*e}", SIGNIFICANT_DIGITS - 1)
                .parse()
                .unwrap_or(x)
        })
}

/// `x` rounded to `decimals` places by arithmetic, when that is provably the nearest `f64` to
/// the correctly rounded decimal (what formatting and parsing give, at a tenth of the cost:
/// the stream writes tens of thousands of numbers a tick). `None` sends the caller to the exact
/// path: a power of ten that is not exact, a scaled value beyond integer precision, or one
/// within rounding error of a half (where the tie's side depends on digits the product lost).
fn scaled_round(x: f64, decimals: i32) -> Option<f64> {
    if x == 0.0 || !x.is_finite() {
        return Some(x);
    }
    // 10^d is exact up to 10^22; the product then carries one rounding, at most half an ulp.
    if !(0..=22).contains(&decimals) {
        return None;
    }
    let scale = 10f64.powi(decimals);
    let scaled = x * scale;
    if scaled.abs() >= 4_503_599_627_370_496.0 {
        return None; // 2^52: no fraction left to round
    }
    let fraction = scaled - scaled.floor();
    if (fraction - 0.5).abs() <= scaled.abs() * 2.0 * f64::EPSILON {
        return None;
    }
    // An integer divided by an exact power of ten: one correctly rounded division, the nearest
    // `f64` to the decimal.
    Some(scaled.round() / scale)
}

/// Keys that always stay in a slim book line: which book it is.
const BOOK_IDENTITY: [&str; 5] = ["venue", "instrument", "kind", "base", "quote"];
/// A book line's objects whose keys are fields of their own.
const BOOK_GROUPS: [&str; 4] = ["features", "flow", "derivs", "liquidations"];

/// The names of a book line's own fields (its groups' keys are added to them).
const BOOK_FIELDS: [&str; 11] = [
    "state",
    "valid",
    "stale",
    "stale_after_ms",
    "book_age_ms",
    "exch_age_ms",
    "n_levels_bid",
    "n_levels_ask",
    "base_units",
    "counters",
    "bands",
];

/// The keys of `value`'s serialised form.
fn keys_of(value: impl serde::Serialize) -> Vec<String> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Every field a book line has, by name.
fn book_field_names() -> Vec<String> {
    let mut names: Vec<String> = BOOK_FIELDS.map(String::from).to_vec();
    let groups = [
        keys_of(BookFeatures::default()),
        keys_of(FlowFeatures::default()),
        keys_of(DerivsView::default()),
        keys_of(super::stream::LiquidationLine::default()),
    ];
    for k in groups.into_iter().flatten() {
        if !names.contains(&k) {
            names.push(k);
        }
    }
    names
}

/// The fields of a slim stream (`--fields`), split by where they are found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    /// Found in each book's line.
    pub book: Vec<String>,
    /// Found in each symbol's composites.
    pub symbol: Vec<String>,
    /// Parts of each symbol's analytics (`zones`, `regime` …).
    pub analytics: Vec<String>,
}

impl Fields {
    /// The fields named in `wanted` (comma-separated on the command line), or an error naming
    /// the unknown ones and listing every valid name.
    pub fn parse(wanted: &[String]) -> Result<Fields, String> {
        let (book_names, symbol_names) = (book_field_names(), keys_of(Composites::default()));
        let analytics_names = super::stream_analytics::part_names();
        let wanted: Vec<String> = wanted
            .iter()
            .map(|f| f.trim().to_owned())
            .filter(|f| !f.is_empty())
            .collect();
        if wanted.is_empty() {
            return Err("--fields is empty; name at least one field".into());
        }
        let unknown: Vec<&str> = wanted
            .iter()
            .filter(|f| {
                !book_names.contains(f) && !symbol_names.contains(f) && !analytics_names.contains(f)
            })
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            let mut valid = book_names.clone();
            valid.extend(
                symbol_names
                    .iter()
                    .chain(&analytics_names)
                    .filter(|n| !book_names.contains(n))
                    .cloned(),
            );
            return Err(format!(
                "unknown field{} {}; valid fields: {}",
                if unknown.len() > 1 { "s" } else { "" },
                unknown.join(", "),
                valid.join(", ")
            ));
        }
        let pick = |names: &[String]| -> Vec<String> {
            wanted
                .iter()
                .filter(|f| names.contains(f))
                .cloned()
                .collect()
        };
        Ok(Fields {
            book: pick(&book_names),
            symbol: pick(&symbol_names),
            analytics: pick(&analytics_names),
        })
    }

    /// A book line with only its identity and the book fields, flattened.
    pub fn slim_book(&self, full: Value) -> Value {
        let Value::Object(mut map) = full else {
            return full;
        };
        let mut out = Map::new();
        for key in BOOK_IDENTITY {
            if let Some(v) = map.remove(key) {
                out.insert(key.to_owned(), v);
            }
        }
        let mut groups: Vec<Map<String, Value>> = BOOK_GROUPS
            .iter()
            .filter_map(|g| match map.remove(*g) {
                Some(Value::Object(inner)) => Some(inner),
                _ => None,
            })
            .collect();
        for field in &self.book {
            let found = map
                .remove(field)
                .or_else(|| groups.iter_mut().find_map(|g| g.remove(field)));
            // A book with no features yet (`features: null`) still says the field is absent.
            out.insert(field.clone(), found.unwrap_or(Value::Null));
        }
        Value::Object(out)
    }

    /// A symbol's analytics with only the parts asked for.
    pub fn slim_analytics(&self, analytics: Value) -> Map<String, Value> {
        let Value::Object(mut map) = analytics else {
            return Map::new();
        };
        self.analytics
            .iter()
            .filter_map(|f| map.remove(f).map(|v| (f.clone(), v)))
            .collect()
    }

    /// A symbol's composites with only the symbol fields.
    pub fn slim_composites(&self, composites: Value) -> Map<String, Value> {
        let Value::Object(mut map) = composites else {
            return Map::new();
        };
        self.symbol
            .iter()
            .filter_map(|f| map.remove(f).map(|v| (f.clone(), v)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The arithmetic rounding gives exactly what formatting and parsing give, on random
    /// values of every magnitude, on decimals' neighbours one ulp away and on exact halves.
    #[test]
    fn arithmetic_rounding_matches_the_formatted_decimal() {
        use rand::{RngExt, SeedableRng};
        let by_format =
            |x: f64, d: u8| -> f64 { format!("{x:.*}", usize::from(d)).parse().unwrap() };
        let significant = |x: f64| -> f64 { format!("{x:.11e}").parse().unwrap() };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut values = vec![
            0.0,
            -0.0,
            0.125,
            0.375,
            2.5,
            -2.5,
            1.005,
            1e-300,
            123_456_789_012.5,
        ];
        for _ in 0..200_000 {
            let exp = rng.random_range(-12..16);
            let x = rng.random_range(-1.0..1.0) * 10f64.powi(exp);
            values.push(x);
            // A short decimal and its neighbours: where a product's rounding could matter.
            let d = rng.random_range(0..9);
            let k = (x * 10f64.powi(d)).trunc() + 0.5;
            let half = k / 10f64.powi(d);
            values.extend([half, half.next_up(), half.next_down()]);
        }
        for x in values {
            assert_eq!(
                round_significant(x).to_bits(),
                significant(x).to_bits(),
                "{x:e}"
            );
            for d in [0, 1, 2, 3, 5, 8, 12] {
                assert_eq!(
                    round_decimals(x, d).to_bits(),
                    by_format(x, d).to_bits(),
                    "{x:e} at {d}"
                );
            }
        }
    }

    #[test]
    fn numbers_are_written_at_their_precision_without_binary_noise() {
        // 97289.52 is not a binary fraction: arithmetic leaves it one ulp away.
        let noisy = 97_289.52_f64 + 1e-11;
        assert_ne!(noisy.to_string(), "97289.52");
        let noisy_usd = 2_102_347.63_f64 + 1e-9;
        assert_ne!(noisy_usd.to_string(), "2102347.63");
        let mut v = serde_json::json!({
            "mid": noisy,
            "mark_price": 97_289.123_456_7,
            "open_interest": 1.000_000_000_1,
            "open_interest_usd": noisy_usd,
            "spread_bps": 0.1 + 0.2,
            "bands": [[10.0, {"base": 0.123_456_789_9, "quote": 12_000.004_9, "truncated": false}]],
        });
        tidy_book(&mut v, Precision { price: 3, size: 5 });
        let text = v.to_string();
        for expected in [
            "\"mid\":97289.52",
            "\"mark_price\":97289.123",
            "\"open_interest\":1.0",
            "\"open_interest_usd\":2102347.63",
            "\"spread_bps\":0.3",
            "\"base\":0.12346",
            "\"quote\":12000.0",
        ] {
            assert!(text.contains(expected), "{expected} not in {text}");
        }
        let mut alert = serde_json::json!({ "value": noisy_usd });
        tidy_other(&mut alert);
        assert_eq!(alert.to_string(), "{\"value\":2102347.63}");
    }

    #[test]
    fn unknown_fields_are_refused_with_the_valid_ones() {
        let err = Fields::parse(&["mid".into(), "mdi".into()]).unwrap_err();
        assert!(
            err.starts_with("unknown field mdi; valid fields: "),
            "{err}"
        );
        for name in [
            "mid",
            "spread_bps",
            "funding_rate",
            "cvd_1m",
            "cascade_stress",
        ] {
            assert!(err.contains(name), "{name} missing from {err}");
        }
        assert!(Fields::parse(&[" ".into()]).is_err());
        let f = Fields::parse(&[
            "mid".into(),
            "liquidity_risk".into(),
            "cascade_stress".into(),
        ])
        .unwrap();
        // `liquidity_risk` is a book feature and a symbol composite: it goes in both.
        assert_eq!(f.book, ["mid", "liquidity_risk"]);
        assert_eq!(f.symbol, ["liquidity_risk", "cascade_stress"]);
    }

    #[test]
    fn a_slim_book_keeps_its_identity_and_the_fields_asked_for() {
        let full = serde_json::json!({
            "venue": "okx", "instrument": "BTC-USDT-SWAP", "kind": "perpetual",
            "base": "BTC", "quote": "USDT", "state": "live", "valid": true,
            "features": {"mid": 97000.5, "spread_bps": 0.1},
            "derivs": {"funding_rate": 0.0001, "mark_price": 97001.0},
            "flow": {"cvd_1m": 1.5},
        });
        let f = Fields::parse(&["mid".into(), "funding_rate".into(), "valid".into()]).unwrap();
        assert_eq!(
            f.slim_book(full),
            serde_json::json!({
                "venue": "okx", "instrument": "BTC-USDT-SWAP", "kind": "perpetual",
                "base": "BTC", "quote": "USDT",
                "mid": 97000.5, "funding_rate": 0.0001, "valid": true,
            })
        );
        let f = Fields::parse(&["cascade_stress".into()]).unwrap();
        assert!(f.book.is_empty());
        let c =
            f.slim_composites(serde_json::json!({"cascade_stress": 0.2, "liquidity_risk": null}));
        assert_eq!(c.len(), 1);
    }
}
