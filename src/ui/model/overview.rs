//! The overview's rows (one per symbol × book) and their sort order.
//!
//! Each column's number comes from [`value`], which both sorting and drawing use, so what is
//! sorted is what is shown. A book that is not `Live` has no values at all (sorted last), even
//! if a frame carried some: the screen never shows a number for an unproven book.

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
    Age,
    Resyncs,
}

impl SortColumn {
    const ORDER: [SortColumn; 12] = [
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

/// The number a column shows for a book; `None` when absent or when the book is not `Live`.
/// `Symbol` has no number.
pub fn value(book: &BookFrame, column: SortColumn) -> Option<f64> {
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
        SortColumn::Symbol | SortColumn::Age | SortColumn::Resyncs => None,
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
            _ => match (value(a.book, column), value(b.book, column)) {
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
            let values: Vec<Option<f64>> = rows
                .iter()
                .map(|r| value(r.book, SortColumn::Spread))
                .collect();
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
        assert_eq!(value(book, SortColumn::Mid), None);
        assert_eq!(value(book, SortColumn::Resyncs), Some(2.0));
    }
}
