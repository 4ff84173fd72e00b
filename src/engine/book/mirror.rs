//! [`Mirror`]: the engine's copy of one venue book, rebuilt from the published
//! [`BookUpdate`](crate::feed::event::BookUpdate)s.
//!
//! The venue task owns the exact book (wire decimals, checksums); the engine needs base-unit
//! `f64` levels to difference states (OFI, level OFI, the level trackers) and to compute snapshot
//! metrics. Each side is a vector sorted with the **best level last**, like [`crate::book`]: most
//! changes land near the touch, so an insert or removal there moves only a few elements.
//!
//! Prices are keyed by their `f64` value. That is exact here: adapters convert each decimal with
//! one correctly rounded division ([`crate::num::Dec::to_f64`]), so one wire price (`"3366"` or
//! `"3366.0"`) always maps to one `f64`.

use crate::features::{Book, BookSide, Level, Touch};
use crate::market::Side;

/// Levels per side that per-update trackers look at (level OFI uses five).
pub const TOP: usize = 5;

/// The size a level is set to: non-finite or negative sizes can only come from a corrupt
/// conversion and are treated as a removal.
pub fn resting_size(size: f64) -> f64 {
    if size.is_finite() && size > 0.0 {
        size
    } else {
        0.0
    }
}

/// One side, sorted so that the best level is last.
#[derive(Clone, Debug, Default)]
struct SideLevels {
    levels: Vec<Level>,
}

impl SideLevels {
    /// Whether `a` is a better price than `b` on `side`.
    fn better(side: Side, a: f64, b: f64) -> bool {
        match side {
            Side::Bid => a > b,
            Side::Ask => a < b,
        }
    }

    /// Index of `price`, or where it would be inserted.
    fn search(&self, side: Side, price: f64) -> Result<usize, usize> {
        // Worse prices come first; the partition point is the first level at or better than
        // `price`.
        let i = self
            .levels
            .partition_point(|l| Self::better(side, price, l.price));
        match self.levels.get(i) {
            Some(l) if l.price == price => Ok(i),
            _ => Err(i),
        }
    }

    /// Sets `price` to `size` (0 removes it); returns the size it had.
    fn set(&mut self, side: Side, price: f64, size: f64) -> f64 {
        match self.search(side, price) {
            Ok(i) if size > 0.0 => std::mem::replace(&mut self.levels[i].size, size),
            Ok(i) => self.levels.remove(i).size,
            Err(i) if size > 0.0 => {
                self.levels.insert(i, Level::new(price, size));
                0.0
            }
            Err(_) => 0.0,
        }
    }

    /// Sets every level of `changes` (this side's, in message order), writing each one's
    /// previous size to `old` at the same index, as [`SideLevels::set`] one by one would. One
    /// sort and one merge: `O(n + m log m)` where one by one each level can move the whole side.
    fn set_all(&mut self, side: Side, changes: &[(f64, f64)], old: &mut [f64]) {
        // Keys ascend as the side is stored (worst first).
        let key = |price: f64| if side == Side::Bid { price } else { -price };
        let mut order: Vec<usize> = (0..changes.len())
            .filter(|&i| changes[i].0.is_finite())
            .collect();
        order.sort_by(|&a, &b| key(changes[a].0).total_cmp(&key(changes[b].0)));
        let mut merged = Vec::with_capacity(self.levels.len() + order.len());
        let mut kept = self.levels.iter().peekable();
        let mut group = order.as_slice();
        while let Some((&first, _)) = group.split_first() {
            let price = changes[first].0;
            let same = group.iter().take_while(|&&i| changes[i].0 == price).count();
            while let Some(level) = kept.next_if(|l| key(l.price) < key(price)) {
                merged.push(*level);
            }
            let mut size = kept.next_if(|l| l.price == price).map_or(0.0, |l| l.size);
            for &i in &group[..same] {
                old[i] = size;
                size = resting_size(changes[i].1);
            }
            if size > 0.0 {
                merged.push(Level::new(price, size));
            }
            group = &group[same..];
        }
        merged.extend(kept);
        self.levels = merged;
    }

    fn best_first(&self) -> impl Iterator<Item = Level> + '_ {
        self.levels.iter().rev().copied()
    }
}

/// A venue book as the engine sees it.
#[derive(Clone, Debug, Default)]
pub struct Mirror {
    bids: SideLevels,
    asks: SideLevels,
    /// Per side, the worst price the venue's book is known to reach (`None`: complete).
    known_to: [Option<f64>; 2],
}

impl Mirror {
    fn side_mut(&mut self, side: Side) -> &mut SideLevels {
        match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        }
    }

    fn side(&self, side: Side) -> &SideLevels {
        match side {
            Side::Bid => &self.bids,
            Side::Ask => &self.asks,
        }
    }

    /// Sets one level to [`resting_size`]`(size)` (0 removes it) and returns its previous size.
    pub fn apply(&mut self, side: Side, price: f64, size: f64) -> f64 {
        if !price.is_finite() {
            return 0.0;
        }
        self.side_mut(side).set(side, price, resting_size(size))
    }

    /// Applies many `(side, price, size)` changes in message order, returning each one's
    /// previous size: as [`Mirror::apply`] one by one, but each side as one merge (a message
    /// of hundreds of thousands of levels costs a sort, not a move of the side per level).
    pub fn apply_all(&mut self, changes: &[(Side, f64, f64)]) -> Vec<f64> {
        let mut old = vec![0.0; changes.len()];
        for side in [Side::Bid, Side::Ask] {
            let at: Vec<usize> = (0..changes.len())
                .filter(|&i| changes[i].0 == side)
                .collect();
            let of_side: Vec<(f64, f64)> =
                at.iter().map(|&i| (changes[i].1, changes[i].2)).collect();
            let mut side_old = vec![0.0; at.len()];
            self.side_mut(side).set_all(side, &of_side, &mut side_old);
            for (&i, o) in at.iter().zip(side_old) {
                old[i] = o;
            }
        }
        old
    }

    pub fn clear(&mut self) {
        self.bids.levels.clear();
        self.asks.levels.clear();
        self.known_to = [None; 2];
    }

    pub fn set_known_to(&mut self, known_to: [Option<f64>; 2]) {
        self.known_to = known_to;
    }

    pub fn len(&self, side: Side) -> usize {
        self.side(side).levels.len()
    }

    fn best(&self, side: Side) -> Option<Level> {
        self.side(side).levels.last().copied()
    }

    /// The touch of a valid book: both sides present and not crossed or locked (§0.2).
    pub fn touch(&self) -> Option<Touch> {
        Touch::new(self.best(Side::Bid)?, self.best(Side::Ask)?)
    }

    /// Best bid at or above best ask.
    pub fn is_crossed(&self) -> bool {
        match (self.best(Side::Bid), self.best(Side::Ask)) {
            (Some(b), Some(a)) => b.price >= a.price,
            _ => false,
        }
    }

    /// The best [`TOP`] levels of a side, best first, into `out` (cleared first).
    pub fn top(&self, side: Side, out: &mut Vec<Level>) {
        out.clear();
        out.extend(self.side(side).best_first().take(TOP));
    }

    /// Copies both sides best-first into `bids`/`asks` and returns them as a feature
    /// [`Book`] carrying the venue's `known_to` bounds.
    pub fn materialize<'a>(&self, bids: &'a mut Vec<Level>, asks: &'a mut Vec<Level>) -> Book<'a> {
        bids.clear();
        bids.extend(self.bids.best_first());
        asks.clear();
        asks.extend(self.asks.best_first());
        Book::new(
            BookSide {
                levels: bids,
                known_to: self.known_to[0],
            },
            BookSide {
                levels: asks,
                known_to: self.known_to[1],
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_stay_sorted_best_last_and_report_old_sizes() {
        let mut m = Mirror::default();
        assert_eq!(m.apply(Side::Bid, 100.0, 3.0), 0.0);
        assert_eq!(m.apply(Side::Bid, 99.9, 5.0), 0.0);
        assert_eq!(m.apply(Side::Bid, 100.05, 1.0), 0.0);
        assert_eq!(m.apply(Side::Ask, 100.2, 4.0), 0.0);
        assert_eq!(m.apply(Side::Ask, 100.1, 1.0), 0.0);
        assert_eq!(m.apply(Side::Bid, 100.0, 7.0), 3.0);
        assert_eq!(m.apply(Side::Bid, 100.05, 0.0), 1.0);
        // Removing a level that is not there changes nothing.
        assert_eq!(m.apply(Side::Ask, 101.0, 0.0), 0.0);
        let (mut b, mut a) = (Vec::new(), Vec::new());
        let book = m.materialize(&mut b, &mut a);
        let pairs = |l: &[Level]| l.iter().map(|l| (l.price, l.size)).collect::<Vec<_>>();
        let (bids, asks) = (pairs(book.bids.levels), pairs(book.asks.levels));
        assert_eq!(bids, [(100.0, 7.0), (99.9, 5.0)]);
        assert_eq!(asks, [(100.1, 1.0), (100.2, 4.0)]);
        let t = m.touch().unwrap();
        assert_eq!((t.bid.price, t.ask.price), (100.0, 100.1));
    }

    #[test]
    fn crossed_and_one_sided_books_have_no_touch() {
        let mut m = Mirror::default();
        m.apply(Side::Bid, 100.0, 1.0);
        assert!(m.touch().is_none());
        assert!(!m.is_crossed());
        m.apply(Side::Ask, 100.0, 1.0);
        assert!(m.is_crossed());
        assert!(m.touch().is_none());
    }

    #[test]
    fn materialized_book_is_best_first_with_known_bounds() {
        let mut m = Mirror::default();
        for (p, q) in [(99.0, 1.0), (100.0, 2.0), (98.0, 3.0)] {
            m.apply(Side::Bid, p, q);
        }
        m.apply(Side::Ask, 101.0, 1.0);
        m.set_known_to([Some(98.0), None]);
        let (mut b, mut a) = (Vec::new(), Vec::new());
        let book = m.materialize(&mut b, &mut a);
        let prices: Vec<f64> = book.bids.levels.iter().map(|l| l.price).collect();
        assert_eq!(prices, [100.0, 99.0, 98.0]);
        assert_eq!(book.bids.known_to, Some(98.0));
        assert_eq!(book.asks.known_to, None);
    }

    #[test]
    fn corrupt_sizes_remove_rather_than_poison() {
        let mut m = Mirror::default();
        m.apply(Side::Bid, 100.0, 1.0);
        assert_eq!(m.apply(Side::Bid, 100.0, f64::NAN), 1.0);
        assert_eq!(m.len(Side::Bid), 0);
        assert_eq!(m.apply(Side::Bid, f64::NAN, 1.0), 0.0);
        assert_eq!((m.len(Side::Bid), m.len(Side::Ask)), (0, 0));
    }

    proptest::proptest! {
        /// A message applied as one merge leaves the mirror, and reports the previous sizes,
        /// exactly as applying its levels one by one does (repeats, removals, NaN included).
        #[test]
        fn apply_all_equals_applying_one_by_one(
            start in proptest::collection::vec((proptest::bool::ANY, 0u8..30, 0u8..4), 0..40),
            changes in proptest::collection::vec((proptest::bool::ANY, 0u8..31, 0u8..4), 0..80),
        ) {
            let side = |bid: bool| if bid { Side::Bid } else { Side::Ask };
            // Price 30 stands for NaN; size 3 for a negative (corrupt) size.
            let price = |p: u8| if p == 30 { f64::NAN } else { 100.0 + f64::from(p) / 4.0 };
            let size = |q: u8| if q == 3 { -1.0 } else { f64::from(q) };
            let mut one = Mirror::default();
            for &(b, p, q) in &start {
                one.apply(side(b), price(p), size(q));
            }
            let mut all = one.clone();
            let changes: Vec<(Side, f64, f64)> = changes.iter().map(|&(b, p, q)| (side(b), price(p), size(q))).collect();
            let expected: Vec<f64> = changes.iter().map(|&(s, p, q)| one.apply(s, p, q)).collect();
            proptest::prop_assert_eq!(all.apply_all(&changes), expected);
            proptest::prop_assert_eq!(&all.bids.levels, &one.bids.levels);
            proptest::prop_assert_eq!(&all.asks.levels, &one.asks.levels);
        }
    }
}
