//! `price_slippage(Q)` (§2.3): the cost of a market order walked through the displayed book.
//!
//! Kaiko labels its figure a "percentage" without saying which; this module always reports the
//! fraction **and** bps. When the displayed depth cannot fill the order the result is `None` with
//! the filled fraction, as Kaiko returns `null`; when the walk reaches the edge of what a truncated
//! book is known to hold, the answer is unknown rather than "insufficient", and says so.

use crate::market::{Side, TakerSide};

use super::num::ratio;
use super::{Book, side_hit};

/// The size of the order being walked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OrderSize {
    /// Quote notional (Kaiko's convention).
    Quote(f64),
    /// Base quantity.
    Base(f64),
}

/// The price slippage is measured from (Kaiko's `slippage_ref`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SlippageRef {
    /// `mid_price`, Kaiko's default.
    #[default]
    Mid,
    /// The best price on the side being walked.
    Best,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slippage {
    /// Average fill price; `None` unless the order fills.
    pub vwap: Option<f64>,
    /// `(VWAP_buy − P_ref)/P_ref` for buys, `(P_ref − VWAP_sell)/P_ref` for sells: positive is a
    /// cost.
    pub fraction: Option<f64>,
    pub bps: Option<f64>,
    /// Share of the order the walked levels fill, in the order's own unit (1 when filled).
    pub filled_fraction: f64,
    /// The walk reached the side's `known_to` bound before filling: the book beyond it is unknown,
    /// so `None` here means "cannot tell", not "insufficient depth".
    pub truncated: bool,
}

/// Walks the side a `taker` order consumes (a buy walks the asks) for `size`.
///
/// `None` only when the reference price does not exist (empty or crossed book) or `size` is not a
/// positive finite number.
pub fn slippage(
    book: &Book,
    taker: TakerSide,
    size: OrderSize,
    reference: SlippageRef,
) -> Option<Slippage> {
    let side = side_hit(taker);
    let book_side = book.side(side);
    let p_ref = match reference {
        SlippageRef::Mid => book.touch()?.mid(),
        SlippageRef::Best if !book.is_crossed() => book_side.best()?.price,
        SlippageRef::Best => return None,
    };
    let requested = match size {
        OrderSize::Quote(q) | OrderSize::Base(q) => q,
    };
    if !(requested.is_finite() && requested > 0.0) {
        return None;
    }

    let mut remaining = requested;
    let (mut cost, mut filled_base) = (0.0, 0.0);
    let mut truncated = false;
    for level in book_side.levels {
        if is_beyond(side, level.price, book_side.known_to) {
            truncated = true;
            break;
        }
        // Take what the order still needs from this level, or the whole level.
        let level_amount = match size {
            OrderSize::Quote(_) => level.notional(),
            OrderSize::Base(_) => level.size,
        };
        let take_base = if level_amount >= remaining {
            match size {
                OrderSize::Quote(_) => remaining / level.price,
                OrderSize::Base(_) => remaining,
            }
        } else {
            level.size
        };
        cost += take_base * level.price;
        filled_base += take_base;
        remaining = if level_amount >= remaining {
            0.0
        } else {
            remaining - level_amount
        };
        if remaining == 0.0 {
            break;
        }
    }
    if remaining > 0.0 && book_side.known_to.is_some() {
        truncated = true;
    }

    let filled_fraction = ((requested - remaining) / requested).clamp(0.0, 1.0);
    let vwap = if remaining == 0.0 {
        ratio(cost, filled_base)
    } else {
        None
    };
    let fraction = vwap.and_then(|v| match side {
        Side::Ask => ratio(v - p_ref, p_ref),
        Side::Bid => ratio(p_ref - v, p_ref),
    });
    Some(Slippage {
        vwap,
        fraction,
        bps: fraction.map(|f| f * 1e4),
        filled_fraction,
        truncated,
    })
}

/// Whether a level lies past the bound up to which the side is known to be complete.
fn is_beyond(side: Side, price: f64, known_to: Option<f64>) -> bool {
    known_to.is_some_and(|k| match side {
        Side::Bid => price < k,
        Side::Ask => price > k,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::{
        assert_all_finite, assert_close, assert_some_close, b1_asks, b1_bids,
    };
    use crate::features::{BookSide, Level};

    fn b1_slip(taker: TakerSide, size: OrderSize, reference: SlippageRef) -> Slippage {
        let (bids, asks) = (b1_bids(), b1_asks());
        slippage(&Book::complete(&bids, &asks), taker, size, reference).unwrap()
    }

    #[test]
    fn b1_quote_orders() {
        let buy = b1_slip(TakerSide::Buy, OrderSize::Quote(500.0), SlippageRef::Mid);
        assert_some_close(buy.vwap, 100.179964);
        assert_some_close(buy.bps, 12.98990577);
        assert_some_close(buy.fraction, 12.98990577e-4);
        assert_eq!(buy.filled_fraction, 1.0);
        let sell = b1_slip(TakerSide::Sell, OrderSize::Quote(500.0), SlippageRef::Mid);
        assert_some_close(sell.vwap, 99.95997599);
        assert_some_close(sell.bps, 8.99790249);
    }

    #[test]
    fn b1_base_orders_against_mid_and_best() {
        let mid = b1_slip(TakerSide::Buy, OrderSize::Base(5.0), SlippageRef::Mid);
        assert_some_close(mid.bps, 12.99350325);
        let best = b1_slip(TakerSide::Buy, OrderSize::Base(5.0), SlippageRef::Best);
        assert_some_close(best.bps, 7.992007992);
    }

    #[test]
    fn b1_script_grid_against_best() {
        // features_check.py `B1.slip_*_best_bps`: a sell that fits in the touch costs exactly 0.
        let s = b1_slip(TakerSide::Sell, OrderSize::Quote(125.0), SlippageRef::Best);
        assert_some_close(s.bps, 0.0);
        let b = b1_slip(TakerSide::Buy, OrderSize::Quote(250.0), SlippageRef::Best);
        assert_some_close(b.bps, 5.987614944);
    }

    #[test]
    fn insufficient_depth_is_none_with_filled_fraction() {
        // A 2000-quote buy exceeds the displayed asks (1505.1).
        let s = b1_slip(TakerSide::Buy, OrderSize::Quote(2000.0), SlippageRef::Mid);
        assert_eq!(s.bps, None);
        assert_eq!(s.vwap, None);
        assert!(!s.truncated);
        assert_close(s.filled_fraction, 1505.1 / 2000.0);
    }

    #[test]
    fn truncated_book_is_unknown_not_insufficient() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let book = Book::new(BookSide::complete(&bids), BookSide::prefix(&asks[..2]));
        let s = slippage(
            &book,
            TakerSide::Buy,
            OrderSize::Base(10.0),
            SlippageRef::Mid,
        )
        .unwrap();
        assert!(s.truncated);
        assert_eq!(s.bps, None);
        assert_close(s.filled_fraction, 0.5);
        // Levels past `known_to` are not walked even if present.
        let book = Book::new(BookSide::complete(&bids), BookSide::known_to(&asks, 100.2));
        let s = slippage(
            &book,
            TakerSide::Buy,
            OrderSize::Base(6.0),
            SlippageRef::Mid,
        )
        .unwrap();
        assert!(s.truncated);
        assert_eq!(s.bps, None);
        // An order that fills inside the known part is exact.
        let s = slippage(
            &book,
            TakerSide::Buy,
            OrderSize::Base(5.0),
            SlippageRef::Mid,
        )
        .unwrap();
        assert!(!s.truncated);
        assert_some_close(s.bps, 12.99350325);
    }

    #[test]
    fn bad_sizes_and_books_do_not_panic() {
        let (bids, asks) = (b1_bids(), b1_asks());
        let book = Book::complete(&bids, &asks);
        for q in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(
                slippage(&book, TakerSide::Buy, OrderSize::Quote(q), SlippageRef::Mid),
                None
            );
        }
        let crossed_bids = [Level::new(100.5, 1.0)];
        let crossed = Book::complete(&crossed_bids, &asks);
        assert_eq!(
            slippage(
                &crossed,
                TakerSide::Buy,
                OrderSize::Base(1.0),
                SlippageRef::Best
            ),
            None
        );
        assert_eq!(
            slippage(
                &crossed,
                TakerSide::Buy,
                OrderSize::Base(1.0),
                SlippageRef::Mid
            ),
            None
        );
        // One-sided book: slippage against best is still defined.
        let one_sided = Book::complete(&[], &asks);
        let s = slippage(
            &one_sided,
            TakerSide::Buy,
            OrderSize::Base(5.0),
            SlippageRef::Best,
        )
        .unwrap();
        assert_some_close(s.bps, 7.992007992);
        let zero_levels = [Level::new(100.1, 0.0)];
        let z = Book::complete(&bids, &zero_levels);
        let s = slippage(&z, TakerSide::Buy, OrderSize::Base(1.0), SlippageRef::Mid).unwrap();
        assert_eq!(s.bps, None);
        assert_eq!(s.filled_fraction, 0.0);
        assert_all_finite(&s);
    }
}
