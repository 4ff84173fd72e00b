//! The trade tape's model: every trade of the selected books merged newest first, the size
//! filter, and liquidations inline when asked for.
//!
//! The tape holds no buffer of its own: it is rebuilt from the frame's per-book lists of latest
//! prints (bounded by `engine.recent_prints` per book), so its length is bounded by the number
//! of books times that, and [`MAX_ROWS`] on top.

use crate::engine::frame::BookFrame;
use crate::market::{LiquidatedPosition, Millis, TakerSide};

/// At most this many rows are built (a screen shows fewer).
pub const MAX_ROWS: usize = 500;

/// The minimum notional steps of `<`/`>` (`,` `.`), in the quote currency.
pub const STEPS: [f64; 8] = [0.0, 1e3, 1e4, 5e4, 1e5, 2.5e5, 1e6, 5e6];

/// Which trades the tape lists: at least `min` of notional (quote units), liquidations or not.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TapeFilter {
    pub min: f64,
    pub liquidations: bool,
}

impl TapeFilter {
    /// The next step above the current minimum (a typed minimum goes to the step above it).
    pub fn raise(self) -> TapeFilter {
        let min = STEPS
            .iter()
            .copied()
            .find(|s| *s > self.min)
            .unwrap_or(self.min);
        TapeFilter { min, ..self }
    }

    /// The next step below the current minimum.
    pub fn lower(self) -> TapeFilter {
        let min = STEPS
            .iter()
            .rev()
            .copied()
            .find(|s| *s < self.min)
            .unwrap_or(0.0);
        TapeFilter { min, ..self }
    }
}

/// A typed minimum: `50000`, `50k`, `2.5M`, `$1m`, `1b`. `None` for anything else (negative,
/// not finite, not a number).
pub fn parse_amount(text: &str) -> Option<f64> {
    let t = text.trim().trim_start_matches('$').replace(['_', ','], "");
    let (number, scale) = match t.chars().last()?.to_ascii_lowercase() {
        'k' => (&t[..t.len() - 1], 1e3),
        'm' => (&t[..t.len() - 1], 1e6),
        'b' => (&t[..t.len() - 1], 1e9),
        _ => (t.as_str(), 1.0),
    };
    let x = number.parse::<f64>().ok()? * scale;
    (x.is_finite() && x >= 0.0).then_some(x)
}

/// What a row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Trade(Option<TakerSide>),
    Liquidation(LiquidatedPosition),
}

/// One row of the tape.
#[derive(Clone, Debug)]
pub struct TapeRow<'a> {
    pub exch_ts: Millis,
    pub book: &'a BookFrame,
    pub kind: Kind,
    pub price: f64,
    pub size: f64,
    pub notional: f64,
    /// At or above the engine's large-trade threshold (liquidations: always flagged).
    pub large: bool,
}

/// The rows of `books` that pass `filter`, newest first, at most [`MAX_ROWS`].
pub fn rows<'a>(books: &[&'a BookFrame], filter: TapeFilter) -> Vec<TapeRow<'a>> {
    let mut out: Vec<TapeRow<'a>> = Vec::new();
    for &book in books {
        out.extend(book.recent_trades.iter().map(|t| TapeRow {
            exch_ts: t.exch_ts,
            book,
            kind: Kind::Trade(t.taker),
            price: t.price,
            size: t.size,
            notional: t.notional,
            large: t.large,
        }));
        if filter.liquidations {
            out.extend(book.liquidations.recent.iter().map(|l| TapeRow {
                exch_ts: l.exch_ts,
                book,
                kind: Kind::Liquidation(l.position),
                price: l.price,
                size: l.size,
                notional: l.notional,
                large: true,
            }));
        }
    }
    out.retain(|r| r.notional.is_finite() && r.notional >= filter.min);
    // Stable: equal times keep each venue's own order (newest first).
    out.sort_by_key(|r| std::cmp::Reverse(r.exch_ts));
    out.truncate(MAX_ROWS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::frame::{LiquidationPrint, TradePrint};
    use crate::ui::tests::fixtures::book_with_levels;

    fn print(exch_ts: Millis, notional: f64, large: bool) -> TradePrint {
        TradePrint {
            exch_ts,
            price: 100.0,
            size: notional / 100.0,
            notional,
            taker: Some(TakerSide::Buy),
            large,
        }
    }

    #[test]
    fn rows_merge_venues_newest_first_and_the_filter_applies() {
        let mut a = book_with_levels(&[], &[], 0.01);
        a.recent_trades = vec![print(30, 500.0, false), print(10, 20_000.0, true)];
        let mut b = book_with_levels(&[], &[], 0.01);
        b.recent_trades = vec![print(20, 2_000.0, false)];
        b.liquidations.recent = vec![LiquidationPrint {
            exch_ts: 25,
            position: LiquidatedPosition::Long,
            price: 99.0,
            size: 1.0,
            notional: 99.0,
        }];
        let books = [&a, &b];
        let times =
            |f: TapeFilter| -> Vec<Millis> { rows(&books, f).iter().map(|r| r.exch_ts).collect() };
        assert_eq!(times(TapeFilter::default()), [30, 20, 10]);
        let with_liq = TapeFilter {
            liquidations: true,
            ..TapeFilter::default()
        };
        assert_eq!(times(with_liq), [30, 25, 20, 10]);
        assert_eq!(times(TapeFilter::default().raise()), [20, 10], "≥ 1k");
        assert_eq!(times(TapeFilter::default().raise().raise()), [10], "≥ 10k");
        let r = rows(&books, TapeFilter::default());
        assert!(r[2].large && !r[0].large);
        assert!(std::ptr::eq(r[1].book, &b));
    }

    #[test]
    fn the_filter_steps_through_its_ladder_from_any_typed_minimum() {
        let f = TapeFilter::default();
        assert_eq!(f.lower().min, 0.0);
        assert_eq!(f.raise().raise().min, 1e4);
        let typed = TapeFilter {
            min: 30_000.0,
            liquidations: false,
        };
        assert_eq!(typed.raise().min, 5e4);
        assert_eq!(typed.lower().min, 1e4);
        let top = TapeFilter {
            min: 5e6,
            liquidations: true,
        };
        assert_eq!(top.raise(), top, "the top step stays");
    }

    #[test]
    fn typed_amounts_parse_with_suffixes_and_refuse_nonsense() {
        assert_eq!(parse_amount("50000"), Some(5e4));
        assert_eq!(parse_amount("50k"), Some(5e4));
        assert_eq!(parse_amount(" $2.5M "), Some(2.5e6));
        assert_eq!(parse_amount("1_000"), Some(1e3));
        assert_eq!(parse_amount("1b"), Some(1e9));
        assert_eq!(parse_amount("0"), Some(0.0));
        for bad in ["", "k", "-5k", "abc", "inf", "NaN", "1e999"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }
}
