//! `level_ofi` (§1.11): the OFI formula applied to the m-th **occupied** level, m = 1..5.
//!
//! This is the literature definition (Xu, Gould & Howison; Cont, Cucuringu & Zhang). It has a
//! known artefact: when a level empties or a better one appears, every deeper index shifts and
//! registers a whole queue as "flow" (§12.6), so pair it with a price-anchored view on dashboards.
//! Feed it the full maintained book: levels entering a truncated feed's window look like adds.

use crate::market::Millis;

use super::num::ratio;
use super::ofi::level_flow;
use super::time_weighted::TimeWeightedMean;
use super::window::{MIN_COVERAGE, RollingSum, coverage};
use super::{Book, Level};

/// Levels per side tracked (M = 5).
pub const LEVELS: usize = 5;

/// The top levels of both sides, `None` where a side has fewer than `LEVELS`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct TopLevels {
    bids: [Option<Level>; LEVELS],
    asks: [Option<Level>; LEVELS],
}

impl TopLevels {
    fn of(book: &Book) -> Self {
        let top = |levels: &[Level]| std::array::from_fn(|m| levels.get(m).copied());
        TopLevels {
            bids: top(book.bids.levels),
            asks: top(book.asks.levels),
        }
    }

    fn pair(&self, m: usize) -> Option<(Level, Level)> {
        Some((self.bids[m]?, self.asks[m]?))
    }

    /// Mean size over the levels present among the first M of both sides.
    fn mean_size(&self) -> Option<f64> {
        let sizes = self.bids.iter().chain(&self.asks).flatten().map(|l| l.size);
        let (n, sum) = sizes.fold((0usize, 0.0), |(n, s), q| (n + 1, s + q));
        ratio(sum, n as f64)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LevelOfiReading {
    pub window: Millis,
    /// `OFI^m_W` for m = 1..5; `None` where the current book has no m-th level on a side, or in
    /// warm-up.
    pub ofi: [Option<f64>; LEVELS],
    /// `OFI^m_W / Q̄_5`.
    pub normalized: [Option<f64>; LEVELS],
    /// `Q̄_5`: the time-average over W of the mean size of the first five levels of both sides.
    pub mean_level_size: Option<f64>,
    pub coverage: f64,
}

/// Level OFI over one window; feed it every book update, like [`Ofi`](super::ofi::Ofi).
#[derive(Clone, Debug)]
pub struct LevelOfi {
    prev: Option<TopLevels>,
    flow: RollingSum<LEVELS>,
    mean_size: TimeWeightedMean,
}

impl LevelOfi {
    /// Default window: 10 s, the CKS interval.
    pub fn new(window: Millis) -> Self {
        LevelOfi {
            prev: None,
            flow: RollingSum::new(window),
            mean_size: TimeWeightedMean::new(window),
        }
    }

    /// The book after an update at `t`. A crossed or one-sided book is skipped and breaks the
    /// chain, as for OFI. Returns `e^m` for the levels present in both states.
    pub fn on_book(&mut self, t: Millis, book: &Book) -> [Option<f64>; LEVELS] {
        let Some(_) = book.touch() else {
            self.prev = None;
            self.mean_size.update(t, None);
            return [None; LEVELS];
        };
        let cur = TopLevels::of(book);
        self.mean_size.update(t, cur.mean_size());
        let events: [Option<f64>; LEVELS] = std::array::from_fn(|m| {
            let (pb, pa) = self.prev?.pair(m)?;
            let (b, a) = cur.pair(m)?;
            Some(level_flow(pb, pa, b, a))
        });
        let values = events.map(|e| e.unwrap_or(0.0));
        if values.iter().any(|e| *e != 0.0) {
            self.flow.push(t, values);
        }
        self.prev = Some(cur);
        events
    }

    /// Resync: the next book is a new baseline; window sums stay.
    pub fn reset(&mut self) {
        self.prev = None;
        self.mean_size.interrupt();
    }

    pub fn reading(&mut self, now: Millis) -> LevelOfiReading {
        let window = self.flow.window();
        let sums = self.flow.sums_at(now);
        let avg = self.mean_size.average(now);
        let coverage = coverage(avg.covered, window);
        let warm = coverage >= MIN_COVERAGE;
        let ofi: [Option<f64>; LEVELS] = std::array::from_fn(|m| {
            let present = self.prev.and_then(|p| p.pair(m)).is_some();
            (warm && present).then_some(sums[m])
        });
        let mean_level_size = avg.mean.filter(|_| warm);
        LevelOfiReading {
            window,
            ofi,
            normalized: ofi.map(|o| ratio(o?, mean_level_size?)),
            mean_level_size,
            coverage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::{assert_all_finite, assert_close, b1_asks, b1_bids, secs};

    fn b1_prime() -> (Vec<Level>, Vec<Level>) {
        // §1.11: the 100.1 ask (1) is lifted, the 99.9 bid goes 5 → 7, the 100.3 ask 3 → 2 and a
        // new ask appears at 100.6 (3).
        let mut bids = b1_bids();
        bids[1].size = 7.0;
        let asks = [
            (100.2, 4.0),
            (100.3, 2.0),
            (100.4, 2.0),
            (100.5, 5.0),
            (100.6, 3.0),
        ]
        .map(|(p, q)| Level::new(p, q))
        .to_vec();
        (bids, asks)
    }

    #[test]
    fn spec_b1_to_b1_prime_shows_the_index_shift_artefact() {
        let (b0, a0) = (b1_bids(), b1_asks());
        let (b1, a1) = b1_prime();
        let mut lofi = LevelOfi::new(secs(2));
        assert_eq!(lofi.on_book(0, &Book::complete(&b0, &a0)), [None; LEVELS]);
        let e = lofi.on_book(secs(1), &Book::complete(&b1, &a1));
        // The price-anchored truth is +2 at bid 99.9 and −1, −1, +3 on the asks; the index-based
        // definition reports a whole queue at every shifted ask level.
        assert_eq!(e, [1.0, 6.0, 3.0, 2.0, 5.0].map(Some));
        let r = lofi.reading(secs(2));
        assert_eq!(r.ofi, [1.0, 6.0, 3.0, 2.0, 5.0].map(Some));
        assert_close(r.mean_level_size.unwrap(), 3.65);
        let expected = [
            0.2739726027,
            1.643835616,
            0.8219178082,
            0.5479452055,
            1.369863014,
        ];
        for (got, want) in r.normalized.iter().zip(expected) {
            assert_close(got.unwrap(), want);
        }
    }

    #[test]
    fn missing_levels_are_none_for_that_index() {
        let (b0, a0) = (b1_bids(), b1_asks());
        let mut lofi = LevelOfi::new(secs(2));
        lofi.on_book(0, &Book::complete(&b0, &a0));
        lofi.on_book(secs(1), &Book::complete(&b0[..3], &a0));
        let r = lofi.reading(secs(2));
        assert_eq!(r.ofi[3], None);
        assert_eq!(r.ofi[4], None);
        assert_eq!(r.ofi[0], Some(0.0));
        assert_eq!(r.normalized[4], None);
        assert_all_finite(&r);
    }

    #[test]
    fn warm_up_crossed_books_and_reset() {
        let (b0, a0) = (b1_bids(), b1_asks());
        let (b1, a1) = b1_prime();
        let mut lofi = LevelOfi::new(secs(10));
        lofi.on_book(0, &Book::complete(&b0, &a0));
        assert_eq!(lofi.reading(secs(4)).ofi, [None; LEVELS]);
        // A crossed book breaks the chain: no event from it or across it.
        let crossed_bids = [Level::new(100.3, 1.0)];
        assert_eq!(
            lofi.on_book(secs(5), &Book::complete(&crossed_bids, &a0)),
            [None; LEVELS]
        );
        assert_eq!(
            lofi.on_book(secs(6), &Book::complete(&b1, &a1)),
            [None; LEVELS]
        );
        lofi.reset();
        assert_eq!(
            lofi.on_book(secs(7), &Book::complete(&b0, &a0)),
            [None; LEVELS]
        );
        let e = lofi.on_book(secs(8), &Book::complete(&b1, &a1));
        assert_eq!(e[0], Some(1.0));
        // Valid books: 0–5 s, 6 s (state seen at the reset gets no weight), 7–10 s.
        let r = lofi.reading(secs(10));
        assert_close(r.coverage, 0.8);
        assert_eq!(r.ofi[1], Some(6.0));
    }
}
