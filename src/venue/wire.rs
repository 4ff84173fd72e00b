//! Parsing helpers every venue shares: level arrays, exact numbers from JSON tokens, and
//! timestamps written as strings or numbers.
//!
//! Venues send levels as `[[price, size, ...], ...]` with strings (most) or JSON numbers
//! (Kraken v2, Gate futures). Both are read from the raw token text, never through `f64`, so
//! checksums see the exchange's digits.

use crate::book::Level;
use crate::market::Side;
use crate::num::Dec;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

/// Parse a level array `[[price, size, ...], ...]` into `out`, tagging each level with `side`.
/// Extra elements per level (order counts, liquidation flags) are ignored.
pub fn levels(raw: &RawValue, side: Side, out: &mut Vec<(Side, Level)>) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_str(raw.get());
    LevelArrays { side, out }
        .deserialize(&mut de)
        .map_err(|e| format!("{side:?} levels: {e}"))
}

/// A decimal from a raw JSON token (string or number).
pub fn dec(raw: &RawValue) -> Result<Dec, String> {
    Dec::parse_json(raw.get()).map_err(|e| e.to_string())
}

/// An integer from a string (`"1652459225464"`) or a number; for timestamps and ids.
pub fn int(raw: &RawValue) -> Result<i64, String> {
    let text = raw.get().trim_matches('"');
    text.parse()
        .map_err(|_| format!("expected an integer, got {}", raw.get()))
}

/// An optional signed decimal string (`"-0.00012"`) as `f64`, for rates and derivatives values
/// that only features use; empty text means absent.
pub fn opt_f64(text: Option<&str>) -> Result<Option<f64>, String> {
    match text {
        None | Some("") => Ok(None),
        Some(t) => Dec::parse_signed(t)
            .map(|d| Some(d.to_f64()))
            .map_err(|e| e.to_string()),
    }
}

struct LevelArrays<'s> {
    side: Side,
    out: &'s mut Vec<(Side, Level)>,
}

impl<'de> DeserializeSeed<'de> for LevelArrays<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for LevelArrays<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of [price, size] levels")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(level) = seq.next_element_seed(OneLevel)? {
            self.out.push((self.side, level));
        }
        Ok(())
    }
}

struct OneLevel;

impl<'de> DeserializeSeed<'de> for OneLevel {
    type Value = Level;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Level, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for OneLevel {
    type Value = Level;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a [price, size, ...] level")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Level, A::Error> {
        let mut next = |what| -> Result<Dec, A::Error> {
            let raw: &RawValue = seq
                .next_element()?
                .ok_or_else(|| de::Error::custom(format!("level without {what}")))?;
            Dec::parse_json(raw.get()).map_err(de::Error::custom)
        };
        let price = next("price")?;
        let size = next("size")?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Level::new(price, size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    #[test]
    fn levels_from_strings_and_numbers_keep_their_digits() {
        let mut out = Vec::new();
        levels(
            &raw(r#"[["3366.0","7","0","2"],[3366.10, 0.00100000]]"#),
            Side::Bid,
            &mut out,
        )
        .unwrap();
        let text: Vec<String> = out
            .iter()
            .map(|(_, l)| format!("{}:{}", l.price, l.size))
            .collect();
        assert_eq!(text, ["3366.0:7", "3366.10:0.00100000"]);
        assert!(out.iter().all(|(s, _)| *s == Side::Bid));
    }

    #[test]
    fn malformed_levels_are_errors_naming_the_problem() {
        let mut out = Vec::new();
        for (bad, needle) in [
            (r#"[["1"]]"#, "without size"),
            (r#"[["1","NaN"]]"#, "NaN"),
            (r#"[["1","-2"]]"#, "sign"),
            (r#"[["1e3","2"]]"#, "exponent"),
            (r#"{"a":1}"#, "array"),
            (r#"[[true,"2"]]"#, "not a number"),
        ] {
            let err = levels(&raw(bad), Side::Ask, &mut out).unwrap_err();
            assert!(err.contains(needle), "{bad}: {err}");
        }
    }

    #[test]
    fn integers_come_from_strings_or_numbers() {
        assert_eq!(int(&raw("\"1652459225464\"")), Ok(1652459225464));
        assert_eq!(int(&raw("42")), Ok(42));
        assert!(int(&raw("\"x\"")).is_err());
    }
}
