//! One side of a model book: integer prices (ticks) and sizes (lots), sorted best last so the
//! touch, where nearly everything happens, is at the cheap end of the vector.

use crate::market::Side;
use std::cmp::Ordering;

#[derive(Clone, Debug)]
pub struct Ladder {
    side: Side,
    /// Worst first, best last.
    levels: Vec<(i64, u64)>,
}

impl Ladder {
    pub fn new(side: Side) -> Self {
        Ladder {
            side,
            levels: Vec::new(),
        }
    }

    /// Whether `a` is a better price than `b` on this side.
    pub fn better(&self, a: i64, b: i64) -> bool {
        match self.side {
            Side::Bid => a > b,
            Side::Ask => a < b,
        }
    }

    fn search(&self, price: i64) -> Result<usize, usize> {
        let side = self.side;
        self.levels.binary_search_by(|(p, _)| match side {
            Side::Bid => p.cmp(&price),
            Side::Ask => price.cmp(p),
        })
    }

    pub fn len(&self) -> usize {
        self.levels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    pub fn best(&self) -> Option<(i64, u64)> {
        self.levels.last().copied()
    }

    pub fn qty(&self, price: i64) -> u64 {
        self.search(price).map_or(0, |i| self.levels[i].1)
    }

    /// The level at `index` counted from the worst.
    pub fn at(&self, index: usize) -> (i64, u64) {
        self.levels[index]
    }

    /// Levels best first.
    pub fn iter_best(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        self.levels.iter().rev().copied()
    }

    pub fn add(&mut self, price: i64, qty: u64) {
        match self.search(price) {
            Ok(i) => self.levels[i].1 += qty,
            Err(i) => self.levels.insert(i, (price, qty)),
        }
    }

    /// Take up to `qty` from the level at `price`; returns what was taken.
    pub fn remove(&mut self, price: i64, qty: u64) -> u64 {
        let Ok(i) = self.search(price) else {
            return 0;
        };
        let taken = qty.min(self.levels[i].1);
        self.levels[i].1 -= taken;
        if self.levels[i].1 == 0 {
            self.levels.remove(i);
        }
        taken
    }

    /// Moves every level by `ticks` (the book re-centred on a new reference price; the order
    /// of the levels is unchanged).
    pub fn shift(&mut self, ticks: i64) {
        for (p, _) in &mut self.levels {
            *p += ticks;
        }
    }

    /// Remove the best level whole.
    pub fn pop_best(&mut self) -> Option<(i64, u64)> {
        self.levels.pop()
    }

    /// Remove every level worse than `limit` (exclusive) and beyond `max_len` levels, calling
    /// `removed` for each.
    pub fn prune(&mut self, limit: i64, max_len: usize, mut removed: impl FnMut(i64)) {
        let mut cut = self
            .levels
            .iter()
            .position(|(p, _)| !self.better(limit, *p))
            .unwrap_or(self.levels.len());
        cut = cut.max(self.levels.len().saturating_sub(max_len));
        for (p, _) in self.levels.drain(..cut) {
            removed(p);
        }
    }

    /// Total size of the levels at `limit` or better.
    pub fn depth_to(&self, limit: i64) -> u64 {
        self.iter_best()
            .take_while(|(p, _)| self.cmp_price(*p, limit) != Ordering::Greater)
            .map(|(_, q)| q)
            .sum()
    }

    /// `Less` when `a` is better than `b`.
    fn cmp_price(&self, a: i64, b: i64) -> Ordering {
        match self.side {
            Side::Bid => b.cmp(&a),
            Side::Ask => a.cmp(&b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_stay_sorted_best_last_on_both_sides() {
        let mut bids = Ladder::new(Side::Bid);
        let mut asks = Ladder::new(Side::Ask);
        for p in [5, 9, 7, 9] {
            bids.add(p, 1);
            asks.add(p + 10, 1);
        }
        assert_eq!(bids.best(), Some((9, 2)));
        assert_eq!(asks.best(), Some((15, 1)));
        assert_eq!(bids.iter_best().map(|l| l.0).collect::<Vec<_>>(), [9, 7, 5]);
        assert_eq!(asks.depth_to(17), 2);
        assert_eq!(bids.remove(9, 5), 2);
        assert_eq!(bids.qty(9), 0);
        let mut gone = Vec::new();
        asks.prune(17, 10, |p| gone.push(p));
        assert_eq!(gone, [19]);
        bids.prune(0, 1, |p| gone.push(p));
        assert_eq!(gone, [19, 5]);
    }
}
