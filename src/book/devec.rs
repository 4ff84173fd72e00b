//! [`DeVec`]: a contiguous vector with free room at both ends.
//!
//! A book side is sorted with the best level last. Traffic lands at both of its ends: at the
//! touch, and at the far end of a venue-maintained window (OKX's 400-level books gain and lose
//! levels there all the time). In a `Vec`, an insert or delete at the far end moves the whole
//! side. Here an insert or delete moves whichever part is shorter, into the room at that end,
//! and the elements stay one slice, so searches and iteration cost what they cost on a `Vec`.
//! (`VecDeque` also moves the shorter part, but its wrapped storage made the search slower by
//! as much as the moves saved.)

/// Room kept at each end when the storage is rebuilt, at least.
const MIN_ROOM: usize = 8;

#[derive(Clone, Debug)]
pub(super) struct DeVec<T> {
    /// The elements are `buf[start..end]`; the rest is free room holding stale copies.
    buf: Vec<T>,
    start: usize,
    end: usize,
}

impl<T: Copy + Default> DeVec<T> {
    pub(super) fn new() -> Self {
        DeVec {
            buf: Vec::new(),
            start: 0,
            end: 0,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.end - self.start
    }

    pub(super) fn as_slice(&self) -> &[T] {
        &self.buf[self.start..self.end]
    }

    pub(super) fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.buf[self.start..self.end]
    }

    /// Insert `value` at index `i` (`i <= len`), moving the shorter part.
    pub(super) fn insert(&mut self, i: usize, value: T) {
        let len = self.len();
        assert!(i <= len, "insert at {i} beyond length {len}");
        let front = i < len / 2;
        if (front && self.start == 0) || (!front && self.end == self.buf.len()) {
            self.rebuild(len + 1);
        }
        if front {
            self.buf
                .copy_within(self.start..self.start + i, self.start - 1);
            self.start -= 1;
        } else {
            self.buf
                .copy_within(self.start + i..self.end, self.start + i + 1);
            self.end += 1;
        }
        self.buf[self.start + i] = value;
    }

    /// Remove and return the element at index `i`, moving the shorter part.
    pub(super) fn remove(&mut self, i: usize) -> T {
        let value = self.as_slice()[i];
        if i < self.len() / 2 {
            self.buf
                .copy_within(self.start..self.start + i, self.start + 1);
            self.start += 1;
        } else {
            self.buf
                .copy_within(self.start + i + 1..self.end, self.start + i);
            self.end -= 1;
        }
        value
    }

    /// Replace the contents with `items`, centred, with room at both ends (a book snapshot
    /// fills a side at once: at most one allocation, not one per doubling).
    pub(super) fn assign(&mut self, items: impl ExactSizeIterator<Item = T>) {
        let n = items.len();
        self.start = 0;
        self.end = 0;
        if self.buf.len() < n + 2 * MIN_ROOM {
            self.rebuild(n);
        } else {
            self.start = (self.buf.len() - n) / 2;
            self.end = self.start;
        }
        for value in items {
            self.buf[self.end] = value;
            self.end += 1;
        }
    }

    /// Take `items` as the contents, in its own storage (no room at the ends until the next
    /// rebuild): a merged side of hundreds of thousands of levels is not copied again.
    pub(super) fn from_vec(items: Vec<T>) -> Self {
        let end = items.len();
        DeVec {
            buf: items,
            start: 0,
            end,
        }
    }

    /// Drop the first `n` elements (all of them if `n` is larger).
    pub(super) fn drop_front(&mut self, n: usize) {
        self.start += n.min(self.len());
    }

    pub(super) fn clear(&mut self) {
        self.start = self.buf.len() / 2;
        self.end = self.start;
    }

    /// Move the elements to the middle of a buffer with room for `need` of them and a quarter
    /// as many again at each end. (Half as many made every side's storage twice its levels:
    /// 8.5 MB of the cold demo's 50 books and their simulator copies; a side growing at one
    /// end now moves each level about four times more in rebuilds, not two, next to the up to
    /// `len / 2` an insert itself moves.)
    fn rebuild(&mut self, need: usize) {
        let room = (need / 4).max(MIN_ROOM);
        let mut buf = vec![T::default(); need + 2 * room];
        let len = self.len();
        buf[room..room + len].copy_from_slice(self.as_slice());
        self.buf = buf;
        self.start = room;
        self.end = room + len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Insert(usize, u32),
        Remove(usize),
        Assign(Vec<u32>),
        DropFront(usize),
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (any::<usize>(), any::<u32>()).prop_map(|(i, v)| Op::Insert(i, v)),
            4 => any::<usize>().prop_map(Op::Remove),
            1 => proptest::collection::vec(any::<u32>(), 0..40).prop_map(Op::Assign),
            1 => (0usize..6).prop_map(Op::DropFront),
            1 => Just(Op::Clear),
        ]
    }

    proptest! {
        /// Every operation leaves the same elements, in the same order, as on a `Vec`; inserts
        /// and removes at both ends and in the middle, across rebuilds.
        #[test]
        fn behaves_as_a_vec(ops in proptest::collection::vec(op(), 1..300)) {
            let mut d = DeVec::new();
            let mut v: Vec<u32> = Vec::new();
            for op in ops {
                match op {
                    Op::Insert(i, x) => {
                        let i = i % (v.len() + 1);
                        d.insert(i, x);
                        v.insert(i, x);
                    }
                    Op::Remove(i) if !v.is_empty() => {
                        let i = i % v.len();
                        prop_assert_eq!(d.remove(i), v.remove(i));
                    }
                    Op::Remove(_) => {}
                    Op::Assign(items) => {
                        d.assign(items.iter().copied());
                        v = items;
                    }
                    Op::DropFront(n) => {
                        d.drop_front(n);
                        v.drain(..n.min(v.len()));
                    }
                    Op::Clear => {
                        d.clear();
                        v.clear();
                    }
                }
                prop_assert_eq!(d.as_slice(), v.as_slice());
                prop_assert_eq!(d.len(), v.len());
            }
        }
    }

    #[test]
    fn moves_the_shorter_part() {
        let mut d = DeVec::new();
        d.assign(0..100u32);
        let buf = d.buf.as_ptr();
        let (start, end) = (d.start, d.end);
        // Near the front: the front part moves into the room before it.
        d.insert(1, 1000);
        assert_eq!((d.start, d.end), (start - 1, end));
        d.remove(0);
        assert_eq!((d.start, d.end), (start, end));
        // Near the back: the back part moves.
        d.insert(99, 2000);
        assert_eq!((d.start, d.end), (start, end + 1));
        d.remove(99);
        assert_eq!((d.start, d.end), (start, end));
        assert_eq!(d.buf.as_ptr(), buf, "no rebuild while there is room");
        assert_eq!(d.as_slice()[..2], [1000, 1]);
        assert_eq!(d.as_slice()[98..], [98, 99]);
    }
}
