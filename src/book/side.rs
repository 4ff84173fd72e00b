//! One side of an L2 book: sorted chunks of levels, the best level at the end.
//!
//! Nearly all book traffic lands at or near the touch, but deep books (OKX keeps 400 levels)
//! also churn their far end, where levels enter and leave the venue's window. One sorted `Vec`
//! moved the whole side for each of those: on the OKX replay, moving levels was 12 % of the
//! time and the binary search over 400 keys, whose probes mostly miss L1, 20 %. Sorted chunks
//! of at most [`CHUNK`] levels bound every move by the chunk, and a search probes the short
//! list of chunk starts, then one chunk. A `BTreeMap` would do the same with an allocation per
//! node split and pointer chasing on every lookup.
//!
//! Searches compare integer keys ([`Dec::key`]) kept beside the levels: comparing two decimals
//! of different scales needs an alignment, and the keys are half the bytes a probe touches.

use crate::market::Side;
use crate::num::Dec;

/// The most levels one chunk holds; a chunk that grows past it splits in two. Tests use tiny
/// chunks so their books of a few dozen levels split, join and truncate across many chunks.
#[cfg(not(test))]
const CHUNK: usize = 32;
#[cfg(test)]
const CHUNK: usize = 4;

/// A chunk with fewer levels than this joins a neighbour that has room, so deletes cannot
/// leave a side of many tiny chunks.
const SPARSE: usize = CHUNK / 4 + 1;

/// A price level as the venue last wrote it (sizes in the venue's own unit, wire form kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Level {
    pub price: Dec,
    pub size: Dec,
}

impl Level {
    pub const fn new(price: Dec, size: Dec) -> Self {
        Level { price, size }
    }
}

/// A run of consecutive levels in storage order (worst first), never empty inside a side.
#[derive(Clone, Debug, Default)]
struct Chunk {
    /// `keys[i]` is `levels[i]`'s storage key ([`storage_key`]): ascending.
    keys: Vec<i128>,
    levels: Vec<Level>,
}

impl Chunk {
    fn with(keys: Vec<i128>, levels: Vec<Level>) -> Self {
        Chunk { keys, levels }
    }

    fn len(&self) -> usize {
        self.levels.len()
    }

    /// Move `other`'s levels, all better than ours, onto our end.
    fn append(&mut self, other: &mut Chunk) {
        self.keys.append(&mut other.keys);
        self.levels.append(&mut other.levels);
    }
}

/// The levels of one side, worst first, best last.
#[derive(Clone, Debug)]
pub struct BookSide {
    side: Side,
    /// Chunks in storage order; none is empty.
    chunks: Vec<Chunk>,
    /// `starts[c]` is `chunks[c].keys[0]`: the short list a search probes first.
    starts: Vec<i128>,
    len: usize,
}

impl BookSide {
    pub fn new(side: Side) -> Self {
        BookSide {
            side,
            chunks: Vec::new(),
            starts: Vec::new(),
            len: 0,
        }
    }

    pub fn side(&self) -> Side {
        self.side
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The best level (highest bid, lowest ask).
    pub fn best(&self) -> Option<&Level> {
        self.chunks.last().and_then(|c| c.levels.last())
    }

    /// The worst level held.
    pub fn worst(&self) -> Option<&Level> {
        self.chunks.first().and_then(|c| c.levels.first())
    }

    /// Levels best first.
    pub fn iter(&self) -> Levels<'_> {
        Levels {
            chunks: self.chunks.iter(),
            current: [].iter(),
            left: self.len,
        }
    }

    /// Levels best first with their storage keys, which grow toward the best level on both
    /// sides (bids: the amount; asks: its negation). Walks that pair two tops use them.
    pub(super) fn iter_keyed(&self) -> impl Iterator<Item = (i128, &Level)> {
        self.chunks
            .iter()
            .rev()
            .flat_map(|c| c.keys.iter().copied().zip(&c.levels).rev())
    }

    /// The size at `price`, if a level is there.
    pub fn get(&self, price: Dec) -> Option<Dec> {
        let key = self.key(price);
        let chunk = self.chunks.get(self.chunk_for(key))?;
        let i = position(&chunk.keys, key).ok()?;
        Some(chunk.levels[i].size)
    }

    /// Set the level at `price` to `size` (a zero size deletes it; deleting an absent level is
    /// normal and does nothing). Returns the size the level had before, if any. The stored
    /// price takes the wire form of this update, since checksums use the latest text.
    pub fn set(&mut self, price: Dec, size: Dec) -> Option<Dec> {
        let key = self.key(price);
        let c = self.chunk_for(key);
        let Some(chunk) = self.chunks.get_mut(c) else {
            if !size.is_zero() {
                self.chunks.push(Chunk::with(vec![key], vec![Level { price, size }]));
                self.starts.push(key);
                self.len = 1;
            }
            return None;
        };
        match position(&chunk.keys, key) {
            Ok(i) if size.is_zero() => {
                chunk.keys.remove(i);
                let old = chunk.levels.remove(i).size;
                self.len -= 1;
                self.after_remove(c);
                Some(old)
            }
            Ok(i) => {
                let old = chunk.levels[i].size;
                chunk.levels[i] = Level { price, size };
                Some(old)
            }
            Err(_) if size.is_zero() => None,
            Err(i) => {
                chunk.keys.insert(i, key);
                chunk.levels.insert(i, Level { price, size });
                self.len += 1;
                // Only the first chunk takes keys below its start.
                self.starts[c] = chunk.keys[0];
                if chunk.len() > CHUNK {
                    let keys = chunk.keys.split_off(CHUNK / 2);
                    let levels = chunk.levels.split_off(CHUNK / 2);
                    self.starts.insert(c + 1, keys[0]);
                    self.chunks.insert(c + 1, Chunk::with(keys, levels));
                }
                None
            }
        }
    }

    /// Chunk `c` lost a level: drop it if empty, join it to a neighbour if sparse.
    fn after_remove(&mut self, c: usize) {
        let len = self.chunks[c].len();
        if len == 0 {
            self.chunks.remove(c);
            self.starts.remove(c);
            return;
        }
        self.starts[c] = self.chunks[c].keys[0];
        if len >= SPARSE {
            return;
        }
        let fits = |a: usize, b: usize| self.chunks[a].len() + self.chunks[b].len() <= CHUNK;
        let (into, from) = if c > 0 && fits(c - 1, c) {
            (c - 1, c)
        } else if c + 1 < self.chunks.len() && fits(c, c + 1) {
            (c, c + 1)
        } else {
            return;
        };
        let mut taken = self.chunks.remove(from);
        self.starts.remove(from);
        self.chunks[into].append(&mut taken);
    }

    /// Drop everything beyond the best `depth` levels, reporting each removed level.
    pub fn truncate(&mut self, depth: usize, mut removed: impl FnMut(Level)) {
        let mut excess = self.len.saturating_sub(depth);
        self.len -= excess;
        // Whole chunks first, then the front of the next one.
        let whole = self
            .chunks
            .iter()
            .take_while(|c| {
                let take = c.len() <= excess;
                if take {
                    excess -= c.len();
                }
                take
            })
            .count();
        self.starts.drain(..whole);
        for chunk in self.chunks.drain(..whole) {
            chunk.levels.into_iter().for_each(&mut removed);
        }
        if excess > 0 {
            let first = &mut self.chunks[0];
            first.keys.drain(..excess);
            first.levels.drain(..excess).for_each(&mut removed);
            self.starts[0] = first.keys[0];
        }
    }

    /// Replace the side's contents. Levels may come in any order; zero sizes are skipped and a
    /// repeated price keeps its last entry, as if applied one by one.
    pub fn replace(&mut self, levels: impl IntoIterator<Item = Level>) {
        let side = self.side;
        let mut sorted: Vec<(i128, Level)> = levels
            .into_iter()
            .map(|l| (storage_key(side, l.price), l))
            .collect();
        // Stable sort keeps message order among equal prices; reversed, dedup keeps the last.
        sorted.sort_by_key(|(key, _)| *key);
        sorted.reverse();
        sorted.dedup_by_key(|(key, _)| *key);
        sorted.reverse();
        sorted.retain(|(_, l)| !l.size.is_zero());
        self.clear();
        self.len = sorted.len();
        // Chunks start three-quarters full: room for inserts before the first split.
        for run in sorted.chunks(CHUNK * 3 / 4) {
            let (keys, levels) = run.iter().copied().unzip();
            self.starts.push(run[0].0);
            self.chunks.push(Chunk::with(keys, levels));
        }
    }

    pub fn clear(&mut self) {
        self.chunks.clear();
        self.starts.clear();
        self.len = 0;
    }

    fn key(&self, price: Dec) -> i128 {
        storage_key(self.side, price)
    }

    /// The chunk that holds `key` or would take it: the last one starting at or below it (the
    /// first chunk for keys below every start; `0`, absent, for an empty side).
    fn chunk_for(&self, key: i128) -> usize {
        count(&self.starts, |s| s <= key).saturating_sub(1)
    }
}

/// Where `key` is in the ascending `keys` (`Ok`), or where it would go (`Err`).
#[inline]
fn position(keys: &[i128], key: i128) -> Result<usize, usize> {
    let i = count(keys, |k| k < key);
    if keys.get(i) == Some(&key) { Ok(i) } else { Err(i) }
}

/// How many of `keys` pass `test`: a branch-free count over a short list. A binary search
/// waits on each probe's load before the next; these loads are independent.
#[inline]
fn count(keys: &[i128], test: impl Fn(i128) -> bool) -> usize {
    keys.iter().map(|&k| usize::from(test(k))).sum()
}

/// A side's levels best first ([`BookSide::iter`]).
pub struct Levels<'a> {
    /// Chunks not yet started; the next best is at the back.
    chunks: std::slice::Iter<'a, Chunk>,
    /// The chunk being walked; its next best level is at the back.
    current: std::slice::Iter<'a, Level>,
    left: usize,
}

impl<'a> Iterator for Levels<'a> {
    type Item = &'a Level;

    fn next(&mut self) -> Option<&'a Level> {
        loop {
            if let Some(level) = self.current.next_back() {
                self.left -= 1;
                return Some(level);
            }
            self.current = self.chunks.next_back()?.levels.iter();
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Levels<'_> {}

/// The key that sorts a side in storage order: the amount, negated for asks.
#[inline]
fn storage_key(side: Side, price: Dec) -> i128 {
    match side {
        Side::Bid => price.key(),
        Side::Ask => -price.key(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    fn prices(side: &BookSide) -> Vec<String> {
        side.iter().map(|l| l.price.to_string()).collect()
    }

    #[test]
    fn bids_iterate_highest_first_and_asks_lowest_first() {
        let mut bids = BookSide::new(Side::Bid);
        let mut asks = BookSide::new(Side::Ask);
        for p in ["100", "101.5", "99"] {
            bids.set(d(p), d("1"));
            asks.set(d(p), d("1"));
        }
        assert_eq!(prices(&bids), ["101.5", "100", "99"]);
        assert_eq!(prices(&asks), ["99", "100", "101.5"]);
        assert_eq!(bids.best().unwrap().price, d("101.5"));
        assert_eq!(asks.worst().unwrap().price, d("101.5"));
    }

    #[test]
    fn set_reports_the_old_size_and_zero_deletes() {
        let mut bids = BookSide::new(Side::Bid);
        assert_eq!(bids.set(d("100"), d("2")), None);
        assert_eq!(bids.set(d("100.0"), d("3")), Some(d("2")));
        // the latest wire form of the price is kept
        assert_eq!(prices(&bids), ["100.0"]);
        assert_eq!(bids.set(d("100"), d("0")), Some(d("3")));
        assert!(bids.is_empty());
        // deleting an absent level is normal
        assert_eq!(bids.set(d("42"), d("0.000")), None);
        assert!(bids.is_empty());
    }

    #[test]
    fn truncate_keeps_exactly_the_best_n() {
        let mut asks = BookSide::new(Side::Ask);
        for p in 1..=10 {
            asks.set(Dec::from_parts(p, 0).unwrap(), d("1"));
        }
        let mut dropped = Vec::new();
        asks.truncate(3, |l| dropped.push(l.price.to_string()));
        assert_eq!(prices(&asks), ["1", "2", "3"]);
        assert_eq!(dropped.len(), 7);
        assert!(dropped.contains(&"10".to_string()));
    }

    #[test]
    fn replace_sorts_skips_zeros_and_keeps_the_last_duplicate() {
        let mut bids = BookSide::new(Side::Bid);
        bids.replace([
            Level::new(d("99"), d("1")),
            Level::new(d("101"), d("0")),
            Level::new(d("100"), d("2")),
            Level::new(d("100.0"), d("5")),
        ]);
        assert_eq!(prices(&bids), ["100.0", "99"]);
        assert_eq!(bids.get(d("100")), Some(d("5")));
    }
}
