//! Reading the latest frame for the API: symbol lookup, per-venue keys, freshness and the
//! reference's timestamps. Pure functions of a [`Frame`], so every endpoint reads one consistent
//! tick.

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use serde::Serialize;
use utoipa::ToSchema;

use crate::engine::frame::{BookFrame, Frame, SymbolFrame};
use crate::instrument::MarketKind;
use crate::market::Nanos;

use super::error::ApiError;

/// ISO-8601 UTC with milliseconds (`2026-03-05T14:22:01.123Z`), the reference's `timestamp`.
pub fn timestamp(at: Nanos) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_nanos(at)).to_string()
}

/// The symbol as the reference spells it (`btc` → `BTC`), or 404 pointing to `/v1/symbols`.
pub fn symbol<'f>(frame: &'f Frame, name: &str) -> Result<&'f SymbolFrame, ApiError> {
    frame
        .symbols
        .iter()
        .find(|s| s.symbol.eq_ignore_ascii_case(name))
        .ok_or_else(|| ApiError::unknown_symbol(name))
}

/// How fresh one venue's book is.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Freshness {
    /// Seconds since the book last changed (local clock); `null` before its first update.
    pub age_seconds: Option<f64>,
    /// Stale or not proven (a book that is not live never counts as fresh).
    pub is_stale: bool,
}

impl Freshness {
    pub fn of(book: &BookFrame) -> Self {
        Freshness {
            age_seconds: book.book_age_ms.map(|ms| ms / 1000.0),
            is_stale: book.stale || !book.valid,
        }
    }
}

/// The key a book has in the reference's per-exchange maps: the venue id (`okx`), or
/// `venue:INSTRUMENT` where one venue has several books for the symbol (OKX spot and swap).
pub fn exchange_key(symbol: &SymbolFrame, book: &BookFrame) -> String {
    let shared = symbol
        .books
        .iter()
        .filter(|b| b.key.venue == book.key.venue)
        .count()
        > 1;
    if shared {
        format!("{}:{}", book.key.venue, book.key.instrument)
    } else {
        book.key.venue.to_string()
    }
}

/// Per-exchange values of `f` for every book of `symbol`.
pub fn per_exchange<T>(
    symbol: &SymbolFrame,
    mut f: impl FnMut(&BookFrame) -> T,
) -> BTreeMap<String, T> {
    symbol
        .books
        .iter()
        .map(|b| (exchange_key(symbol, b), f(b)))
        .collect()
}

/// Books that count in aggregates: proven and fresh (§0.2).
pub fn usable(symbol: &SymbolFrame) -> impl Iterator<Item = &BookFrame> {
    symbol.books.iter().filter(|b| b.valid && !b.stale)
}

/// Perpetuals and futures among the usable books.
pub fn derivatives(symbol: &SymbolFrame) -> impl Iterator<Item = &BookFrame> {
    usable(symbol).filter(|b| {
        matches!(
            b.instrument.kind,
            MarketKind::Perpetual | MarketKind::Future
        )
    })
}

/// The sum of the values that exist; `None` when none does.
pub fn sum(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    values
        .into_iter()
        .flatten()
        .fold(None, |acc, v| Some(acc.unwrap_or(0.0) + v))
}

/// The mean of the values that exist; `None` when none does.
pub fn mean(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let (n, total) = values
        .into_iter()
        .flatten()
        .fold((0usize, 0.0), |(n, t), v| (n + 1, t + v));
    (n > 0).then(|| total / n as f64)
}

/// The median of the values that exist; `None` when none does.
pub fn median(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = values.into_iter().flatten().collect();
    crate::features::num::median(&v)
}

/// `a / b`, `None` when either is absent or `b` is zero.
pub fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso_utc_with_milliseconds() {
        assert_eq!(
            timestamp(1_772_720_521_123_456_789),
            "2026-03-05T14:22:01.123Z"
        );
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn aggregates_skip_absent_values() {
        assert_eq!(sum([Some(1.0), None, Some(2.5)]), Some(3.5));
        assert_eq!(sum([None, None]), None);
        assert_eq!(mean([Some(1.0), None, Some(2.0)]), Some(1.5));
        assert_eq!(median([Some(3.0), Some(1.0), Some(2.0), None]), Some(2.0));
        assert_eq!(median([Some(3.0), Some(1.0)]), Some(2.0));
        assert_eq!(ratio(Some(1.0), Some(0.0)), None);
    }
}
