//! Reading the venues' history bodies: numbers arrive as JSON numbers or as decimal strings,
//! depending on the venue and the field, and a venue error arrives as a 200 with an error code.

use serde_json::Value;

use crate::market::Millis;

/// A finite number from a JSON number or a decimal string.
pub fn num(v: &Value) -> Option<f64> {
    let x = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    x.is_finite().then_some(x)
}

/// A millisecond timestamp from a JSON integer or an integer string.
pub fn ms(v: &Value) -> Option<Millis> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A non-negative integer from a JSON integer or an integer string.
pub fn count(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

pub fn parse(body: &str) -> Result<Value, String> {
    serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))
}

/// The array at `v`, or an error naming what was expected.
pub fn array<'a>(v: &'a Value, what: &str) -> Result<&'a Vec<Value>, String> {
    v.as_array()
        .ok_or_else(|| format!("{what}: expected an array"))
}

/// Reads each row with `row`; a row it cannot read is an error (a changed shape must not pass
/// as an empty history).
pub fn rows<T>(
    list: &[Value],
    what: &str,
    mut row: impl FnMut(&Value) -> Option<T>,
) -> Result<Vec<T>, String> {
    list.iter()
        .enumerate()
        .map(|(i, v)| row(v).ok_or_else(|| format!("{what}: row {i} unreadable: {v}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_come_as_numbers_or_strings() {
        assert_eq!(num(&json!("1.5")), Some(1.5));
        assert_eq!(num(&json!(2)), Some(2.0));
        assert_eq!(num(&json!("NaN")), None);
        assert_eq!(num(&json!(null)), None);
        assert_eq!(ms(&json!("1583127900000")), Some(1_583_127_900_000));
        assert_eq!(ms(&json!(1_583_127_900_000_i64)), Some(1_583_127_900_000));
        assert_eq!(count(&json!("-1")), None);
        let err = rows(&[json!(1), json!("x")], "t", num).unwrap_err();
        assert!(err.contains("row 1"), "{err}");
    }
}
