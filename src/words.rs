//! Reading back the fixed words some frame fields carry as `&'static str` (a resync reason's
//! label, a depth reference, a rate's pair): a frame received from a remote `serve`
//! (`--connect`) is deserialised, and only a word from the known list can become `'static`.
//! Nothing is leaked for an unknown word, so a hostile server cannot grow memory this way.

use serde::de::{Deserialize, Deserializer, Error};

/// A fixed word. Spelt as an alias on purpose: serde's derive borrows a field written `&str`
/// from the input, which a `'static` word cannot be.
pub type Word = &'static str;

/// The word of `known` equal to the JSON string, or an error naming what was expected.
pub fn known<'de, D: Deserializer<'de>>(
    d: D,
    known: &[&'static str],
) -> Result<&'static str, D::Error> {
    let text = String::deserialize(d)?;
    lookup(&text, known)
        .ok_or_else(|| D::Error::custom(format!("'{text}' is not one of {}", known.join(", "))))
}

/// The word of `known` equal to `text`.
pub fn lookup(text: &str, known: &[&'static str]) -> Option<&'static str> {
    known.iter().copied().find(|w| *w == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_words_are_read() {
        let mut d = serde_json::Deserializer::from_str("\"mid\"");
        assert_eq!(known(&mut d, &["best_on_side", "mid"]).unwrap(), "mid");
        let mut d = serde_json::Deserializer::from_str("\"other\"");
        let err = known(&mut d, &["best_on_side", "mid"]).unwrap_err();
        assert!(err.to_string().contains("'other' is not one of"), "{err}");
    }
}
