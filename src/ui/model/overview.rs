//! The overview's rows (one per symbol × book) and their sort order.
//!
//! Each column's number comes from [`value`], which both sorting and drawing use, so what is
//! sorted is what is shown. A book that is not `Live` has no values at all (sorted last), even
//! if a frame carried some: the screen never shows a number for an unproven book.

use crate::engine::analytics::{RegimeLabel, ZoneRole, Zones};
use crate::engine::frame::{BookFrame, Frame, SymbolFrame};
use crate::feed::event::BookKey;
use std::cmp::Ordering;

/// Overview columns that can be sorted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortColumn {
    /// Watch-list order, then the frame's venue order (not alphabetical).
    #[default]
    Symbol,
    Mid,
    Spread,
    Imbalance,
    Ofi,
    Stress,
    Funding,
    /// Open interest, quote notional.
    OpenInterest,
    /// Liquidated notional per minute (quote currency), so venues compare by money, not count.
    Liquidations,
    /// Cumulative volume delta over one minute, quote notional (comparable across symbols).
    Cvd,
    /// The symbol's regime label (§6), in [`RegimeLabel::ALL`] order: calm first, crash last.
    Regime,
    /// The book's integrity score (§10.9), 0..100.
    Integrity,
    /// The distance from the mid to the symbol's nearest support or resistance zone (§5), bps.
    Zone,
    Age,
    Resyncs,
}

impl SortColumn {
    const ORDER: [SortColumn; 15] = [
        SortColumn::Symbol,
        SortColumn::Mid,
        SortColumn::Spread,
        SortColumn::Imbalance,
        SortColumn::Ofi,
        SortColumn::Stress,
        SortColumn::Funding,
        SortColumn::OpenInterest,
        SortColumn::Liquidations,
        SortColumn::Cvd,
        SortColumn::Regime,
        SortColumn::Integrity,
        SortColumn::Zone,
        SortColumn::Age,
        SortColumn::Resyncs,
    ];

    pub fn next(self) -> SortColumn {
        let i = Self::ORDER.iter().position(|c| *c == self).unwrap_or(0);
        Self::ORDER[(i + 1) % Self::ORDER.len()]
    }

    pub fn label(self) -> &'static str {
        match self {
            SortColumn::Symbol => "symbol",
            SortColumn::Mid => "mid",
            SortColumn::Spread => "spread",
            SortColumn::Imbalance => "imbalance",
            SortColumn::Ofi => "OFI",
            SortColumn::Stress => "stress",
            SortColumn::Funding => "funding",
            SortColumn::OpenInterest => "open interest",
            SortColumn::Liquidations => "liquidated notional/min",
            SortColumn::Cvd => "CVD 1m notional",
            SortColumn::Regime => "regime",
            SortColumn::Integrity => "integrity",
            SortColumn::Zone => "nearest zone bps",
            SortColumn::Age => "age",
            SortColumn::Resyncs => "resyncs",
        }
    }
}

/// One overview row.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    pub symbol: &'a SymbolFrame,
    pub book: &'a BookFrame,
    /// Position in the frame (symbol, book): the stable tie-breaker.
    order: (usize, usize),
}

impl Row<'_> {
    pub fn key(&self) -> &BookKey {
        &self.book.key
    }
}

/// The number a column shows for a row's book; `None` when absent or when the book is not
/// `Live`. `Symbol` has no number. Regime and zone are the symbol's, shown on each of its live
/// books.
pub fn value(row: &Row, column: SortColumn) -> Option<f64> {
    let book = row.book;
    // Health numbers are shown for every book; market numbers only for proven ones.
    match column {
        SortColumn::Age => return book.book_age_ms,
        SortColumn::Resyncs => return Some(book.counters.resyncs as f64),
        _ => {}
    }
    let features = book.features.as_ref().filter(|_| book.state.is_live())?;
    match column {
        SortColumn::Mid => features.mid,
        SortColumn::Spread => features.spread_bps,
        SortColumn::Imbalance => features.depth_imbalance[2],
        SortColumn::Ofi => features.ofi_norm_60s,
        SortColumn::Stress => book.liquidations.cascade.map(|c| c.stress),
        SortColumn::Funding => book.derivs.funding_rate,
        SortColumn::OpenInterest => book.derivs.open_interest_usd,
        SortColumn::Liquidations => book.liquidations.notional_rate_per_min,
        SortColumn::Cvd => book.flow.cvd_1m_usd,
        SortColumn::Regime => regime_rank(row.symbol.analytics.regime.label),
        SortColumn::Integrity => integrity(row.symbol, book),
        SortColumn::Zone => nearest_zone(&row.symbol.analytics.zones).map(|(_, bps)| bps),
        SortColumn::Symbol | SortColumn::Age | SortColumn::Resyncs => None,
    }
}

/// A regime's place in [`RegimeLabel::ALL`] (the sort key of the regime column).
fn regime_rank(label: Option<RegimeLabel>) -> Option<f64> {
    let label = label?;
    RegimeLabel::ALL
        .iter()
        .position(|l| *l == label)
        .map(|i| i as f64)
}

/// The book's integrity score, from its symbol's analytics.
pub fn integrity(symbol: &SymbolFrame, book: &BookFrame) -> Option<f64> {
    symbol
        .analytics
        .integrity
        .iter()
        .find(|i| i.key == book.key)?
        .integrity_score
        .filter(|s| s.is_finite())
}

/// The nearer of the nearest support and resistance zones: its role and its distance in bps.
pub fn nearest_zone(zones: &Zones) -> Option<(ZoneRole, f64)> {
    let s = zones
        .nearest_support_bps
        .filter(|d| d.is_finite())
        .map(|d| (ZoneRole::Support, d));
    let r = zones
        .nearest_resistance_bps
        .filter(|d| d.is_finite())
        .map(|d| (ZoneRole::Resistance, d));
    match (s, r) {
        (Some(s), Some(r)) => Some(if r.1 < s.1 { r } else { s }),
        (s, r) => s.or(r),
    }
}

/// Every (symbol, book) of `frame`, sorted. Absent values sort last in either direction.
pub fn rows(frame: &Frame, column: SortColumn, descending: bool) -> Vec<Row<'_>> {
    let mut rows: Vec<Row> = frame
        .symbols
        .iter()
        .enumerate()
        .flat_map(|(si, symbol)| {
            symbol.books.iter().enumerate().map(move |(bi, book)| Row {
                symbol,
                book,
                order: (si, bi),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        let by_value = match column {
            SortColumn::Symbol => Ordering::Equal,
            _ => match (value(a, column), value(b, column)) {
                (Some(x), Some(y)) if descending => y.total_cmp(&x),
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        };
        let by_order = if descending && column == SortColumn::Symbol {
            b.order.cmp(&a.order)
        } else {
            a.order.cmp(&b.order)
        };
        by_value.then(by_order)
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::tests::fixtures;

    #[test]
    fn rows_cover_every_book_and_absent_values_sort_last_both_ways() {
        let frame = fixtures::frame();
        let n: usize = frame.symbols.iter().map(|s| s.books.len()).sum();
        for descending in [false, true] {
            let rows = rows(&frame, SortColumn::Spread, descending);
            assert_eq!(rows.len(), n);
            let values: Vec<Option<f64>> =
                rows.iter().map(|r| value(r, SortColumn::Spread)).collect();
            let first_none = values.iter().position(Option::is_none).unwrap();
            assert!(values[first_none..].iter().all(Option::is_none));
            let some: Vec<f64> = values.iter().flatten().copied().collect();
            let mut sorted = some.clone();
            sorted.sort_by(|a, b| {
                if descending {
                    b.total_cmp(a)
                } else {
                    a.total_cmp(b)
                }
            });
            assert_eq!(some, sorted);
        }
        let rows = rows(&frame, SortColumn::Symbol, false);
        assert_eq!(rows[0].symbol.symbol, "BTC");
        assert_eq!(rows.last().unwrap().symbol.symbol, "SOL");
    }

    #[test]
    fn a_book_that_is_not_live_has_no_market_values_even_if_the_frame_carries_some() {
        let mut frame = fixtures::frame();
        let book = &mut frame.symbols[0].books[3];
        assert!(!book.state.is_live());
        book.features = fixtures::frame().symbols[0].books[0].features.clone();
        fn row(frame: &Frame) -> Row<'_> {
            Row {
                symbol: &frame.symbols[0],
                book: &frame.symbols[0].books[3],
                order: (0, 3),
            }
        }
        for column in [SortColumn::Mid, SortColumn::Regime, SortColumn::Zone] {
            assert_eq!(value(&row(&frame), column), None, "{column:?}");
        }
        assert_eq!(value(&row(&frame), SortColumn::Resyncs), Some(2.0));
    }
}
