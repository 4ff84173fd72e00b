//! The time-keyed ring buffer with running sums that every flow window is built on (§0.6).
//!
//! Windows are half-open `(now − W, now]` in exchange time (§0.1). Each entry carries a small
//! fixed vector of values (for example `[e, |e|]` for OFI or `[buy, sell, …]` for CVD), and the
//! running sums make a push and an eviction O(1). Float subtraction drifts, so the sums are
//! recomputed from the buffer once as many entries have been evicted as it holds (amortised O(1))
//! and zeroed exactly whenever the buffer empties: an empty window reads exactly zero, never
//! `1e-17`.

use std::collections::VecDeque;

use crate::market::Millis;

/// Running sums of `[f64; N]` values over a trailing time window.
#[derive(Clone, Debug)]
pub struct RollingSum<const N: usize> {
    window: Millis,
    entries: VecDeque<(Millis, [f64; N])>,
    sums: [f64; N],
    evicted_since_rebuild: usize,
}

impl<const N: usize> RollingSum<N> {
    pub fn new(window: Millis) -> Self {
        RollingSum {
            window,
            entries: VecDeque::new(),
            sums: [0.0; N],
            evicted_since_rebuild: 0,
        }
    }

    pub fn window(&self) -> Millis {
        self.window
    }

    /// Adds an entry at `t`. A `t` earlier than the newest entry is clamped to it, so the buffer
    /// stays ordered and eviction stays O(1).
    pub fn push(&mut self, t: Millis, values: [f64; N]) {
        let t = self.entries.back().map_or(t, |&(last, _)| t.max(last));
        for (s, v) in self.sums.iter_mut().zip(values) {
            *s += v;
        }
        self.entries.push_back((t, values));
    }

    /// [`push`](Self::push), folded into the newest entry when it has the same time: entries
    /// of one millisecond leave the window together, so the sums are the same, and the fills
    /// of one taker order (one millisecond, a fill per level it takes) cost one entry. Only for
    /// windows read through their sums: [`len`](Self::len) then counts milliseconds.
    pub fn add(&mut self, t: Millis, values: [f64; N]) {
        match self.entries.back_mut() {
            // `push` would clamp an earlier `t` to the newest entry's time: the same entry.
            Some((last, folded)) if t <= *last => {
                for ((f, s), v) in folded.iter_mut().zip(self.sums.iter_mut()).zip(values) {
                    *f += v;
                    *s += v;
                }
            }
            _ => self.push(t, values),
        }
    }

    /// Drops entries that left the window `(now − W, now]`.
    pub fn advance(&mut self, now: Millis) {
        let cutoff = now.saturating_sub(self.window);
        while let Some(&(t, values)) = self.entries.front() {
            if t > cutoff {
                break;
            }
            self.entries.pop_front();
            for (s, v) in self.sums.iter_mut().zip(values) {
                *s -= v;
            }
            self.evicted_since_rebuild += 1;
        }
        if self.entries.is_empty() {
            self.sums = [0.0; N];
            self.evicted_since_rebuild = 0;
        } else if self.evicted_since_rebuild >= self.entries.len().max(64) {
            self.rebuild();
        }
    }

    /// The sums over `(now − W, now]`.
    pub fn sums_at(&mut self, now: Millis) -> [f64; N] {
        self.advance(now);
        self.sums
    }

    /// The sums as of the last [`advance`](Self::advance).
    pub fn sums(&self) -> [f64; N] {
        self.sums
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The oldest entry still in the window.
    pub fn front(&self) -> Option<(Millis, [f64; N])> {
        self.entries.front().copied()
    }

    /// The entries oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &(Millis, [f64; N])> {
        self.entries.iter()
    }

    fn rebuild(&mut self) {
        self.sums = [0.0; N];
        for (_, values) in &self.entries {
            for (s, v) in self.sums.iter_mut().zip(values) {
                *s += v;
            }
        }
        self.evicted_since_rebuild = 0;
    }
}

/// Two trailing windows of the same entries, kept in one buffer: the shorter window's entries
/// are the newest of the longer one's, so it keeps only where it starts in the buffer and its
/// own sums. (Two [`RollingSum`]s held every entry of the shorter window twice: a minute into
/// the demo, both windows of the trade flow held the same 60 s of trades.) Entries are added as
/// [`RollingSum::add`] adds them, folded per millisecond.
#[derive(Clone, Debug)]
pub struct TwoWindows<const N: usize> {
    /// The longer window and the buffer.
    outer: RollingSum<N>,
    inner_window: Millis,
    /// Whether the first window given is the inner (shorter) one.
    first_is_inner: bool,
    /// Index in `outer`'s buffer of the inner window's oldest entry (the buffer's length when
    /// the inner window is empty). Entries leave the inner window before the outer one, so the
    /// outer window never evicts past it.
    inner_from: usize,
    inner_sums: [f64; N],
    inner_evicted: usize,
}

impl<const N: usize> TwoWindows<N> {
    pub fn new(first: Millis, second: Millis) -> Self {
        TwoWindows {
            outer: RollingSum::new(first.max(second)),
            inner_window: first.min(second),
            first_is_inner: first <= second,
            inner_from: 0,
            inner_sums: [0.0; N],
            inner_evicted: 0,
        }
    }

    /// Adds an entry at `t` to both windows (folded into the newest entry of its millisecond,
    /// or of a later one: `t` is clamped as [`RollingSum::push`] clamps it).
    pub fn add(&mut self, t: Millis, values: [f64; N]) {
        let before = self.outer.len();
        self.outer.add(t, values);
        // A new entry is in the inner window; a folded one only if its entry still is.
        if self.outer.len() > before || self.inner_from < before {
            for (s, v) in self.inner_sums.iter_mut().zip(values) {
                *s += v;
            }
        }
    }

    /// Drops entries that left each window `(now − W, now]`.
    pub fn advance(&mut self, now: Millis) {
        let cutoff = now.saturating_sub(self.inner_window);
        while let Some(&(t, values)) = self.outer.entries.get(self.inner_from) {
            if t > cutoff {
                break;
            }
            for (s, v) in self.inner_sums.iter_mut().zip(values) {
                *s -= v;
            }
            self.inner_from += 1;
            self.inner_evicted += 1;
        }
        let held = self.outer.len() - self.inner_from;
        if held == 0 {
            self.inner_sums = [0.0; N];
            self.inner_evicted = 0;
        } else if self.inner_evicted >= held.max(64) {
            self.inner_sums = [0.0; N];
            for (_, values) in self.outer.entries.range(self.inner_from..) {
                for (s, v) in self.inner_sums.iter_mut().zip(values) {
                    *s += v;
                }
            }
            self.inner_evicted = 0;
        }
        let before = self.outer.len();
        self.outer.advance(now);
        self.inner_from -= before - self.outer.len();
    }

    /// The sums over `(now − W, now]` of the two windows, in the order they were given.
    pub fn sums_at(&mut self, now: Millis) -> ([f64; N], [f64; N]) {
        self.advance(now);
        let (inner, outer) = (self.inner_sums, self.outer.sums());
        match self.first_is_inner {
            true => (inner, outer),
            false => (outer, inner),
        }
    }

    /// The two windows' lengths, in the order they were given.
    pub fn windows(&self) -> (Millis, Millis) {
        let (inner, outer) = (self.inner_window, self.outer.window());
        match self.first_is_inner {
            true => (inner, outer),
            false => (outer, inner),
        }
    }
}

/// An exponentially decayed sum `S(t) = Σ w_i e^{−(t − t_i)/τ}`: the O(1), buffer-free EWMA of
/// §0.6, used for event rates and Hawkes excitation.
#[derive(Clone, Copy, Debug)]
pub struct DecayedSum {
    tau_secs: f64,
    value: f64,
    at: Option<Millis>,
}

impl DecayedSum {
    pub fn new(tau: Millis) -> Self {
        DecayedSum {
            tau_secs: tau.max(1) as f64 / 1000.0,
            value: 0.0,
            at: None,
        }
    }

    /// Adds weight `w` at `t` (a `t` before the last event counts as at it).
    pub fn add(&mut self, t: Millis, w: f64) {
        let t = self.at.map_or(t, |at| t.max(at));
        self.value = self.value_at(t) + w;
        self.at = Some(t);
    }

    /// `S(now)`.
    pub fn value_at(&self, now: Millis) -> f64 {
        self.at.map_or(0.0, |at| {
            let dt = (now - at).max(0) as f64 / 1000.0;
            self.value * (-dt / self.tau_secs).exp()
        })
    }

    /// Starts the sum at `t` as if events had arrived at `rate` per second (in weight) for
    /// ever before: `S = rate·τ`, the stationary value. A sum restored from a run of the past
    /// shorter than a few τ would otherwise read low by `e^{−run/τ}` of the rate.
    pub fn prime(&mut self, t: Millis, rate: f64) {
        if rate.is_finite() && rate >= 0.0 {
            self.value = rate * self.tau_secs;
            self.at = Some(t);
        }
    }

    /// The rate `S(now)/τ`, per second.
    pub fn rate_per_sec(&self, now: Millis) -> f64 {
        self.value_at(now) / self.tau_secs
    }
}

/// How much of a window has been observed: `covered / W`, capped at 1. Warm-up rules (§0.2) ask
/// for at least half.
pub fn coverage(covered: Millis, window: Millis) -> f64 {
    if window <= 0 {
        return 1.0;
    }
    (covered.max(0) as f64 / window as f64).min(1.0)
}

/// The §0.2 warm-up threshold: a rolling metric is `None` until its window is this covered.
pub const MIN_COVERAGE: f64 = 0.5;

/// When a stream of events started, for the coverage of windows fed by it (trades,
/// liquidations): a window is covered for as long as the stream has been observed.
#[derive(Clone, Copy, Debug, Default)]
pub struct ObservedSince(Option<Millis>);

impl ObservedSince {
    pub fn observe(&mut self, t: Millis) {
        if self.0.is_none() {
            self.0 = Some(t);
        }
    }

    /// When observation started.
    pub fn since(&self) -> Option<Millis> {
        self.0
    }

    /// Whether `(now − W, now]` is at least [`MIN_COVERAGE`] observed.
    pub fn warm(&self, now: Millis, window: Millis) -> bool {
        self.0
            .is_some_and(|start| coverage(now - start, window) >= MIN_COVERAGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_half_open() {
        let mut w = RollingSum::<1>::new(60);
        for t in [0, 10, 20, 30, 40, 50] {
            w.push(t, [1.0]);
        }
        // (−5, 55] holds all six; (0, 60] drops the one at t = 0.
        assert_eq!(w.sums_at(55), [6.0]);
        assert_eq!(w.sums_at(60), [5.0]);
        assert_eq!(w.front().map(|e| e.0), Some(10));
    }

    #[test]
    fn empty_window_reads_exact_zero_after_drift() {
        let mut w = RollingSum::<2>::new(10);
        for i in 0..1000 {
            w.push(i, [0.1, -0.3]);
        }
        assert_eq!(w.sums_at(2000), [0.0, 0.0]);
        assert!(w.is_empty());
    }

    #[test]
    fn rebuild_keeps_sums_exact_over_long_runs() {
        let mut w = RollingSum::<1>::new(100);
        for i in 0..100_000 {
            w.push(i, [0.1]);
            w.advance(i);
        }
        // 100 entries of 0.1 remain; the running sum has been rebuilt many times.
        assert_eq!(w.len(), 100);
        assert!((w.sums()[0] - 10.0).abs() < 1e-9);
    }

    #[test]
    fn late_events_are_clamped_to_keep_order() {
        let mut w = RollingSum::<1>::new(10);
        w.push(100, [1.0]);
        w.push(95, [1.0]);
        assert_eq!(w.iter().map(|e| e.0).collect::<Vec<_>>(), vec![100, 100]);
        assert_eq!(w.sums_at(109), [2.0]);
        assert_eq!(w.sums_at(110), [0.0]);
    }

    /// `add` folds a millisecond's entries into one and reads the same sums as `push` at every
    /// instant, across the window's edge, late events and an emptied window.
    #[test]
    fn add_folds_one_millisecond_and_reads_as_push() {
        let events = [
            (0, 1.0),
            (0, 2.0),
            (5, 0.5),
            (3, 4.0),
            (9, 1.5),
            (9, 0.25),
            (20, 3.0),
        ];
        let (mut pushed, mut added) = (RollingSum::<2>::new(10), RollingSum::<2>::new(10));
        for (t, v) in events {
            pushed.push(t, [v, -v]);
            added.add(t, [v, -v]);
            for now in t..t + 12 {
                let (p, a) = (pushed.clone().sums_at(now), added.clone().sums_at(now));
                assert!((p[0] - a[0]).abs() < 1e-12 && (p[1] - a[1]).abs() < 1e-12);
            }
        }
        // Seven events at four distinct (clamped) times: 0, 5, 9, 20.
        assert_eq!((pushed.len(), added.len()), (7, 4));
        assert_eq!(added.sums_at(18), [4.75, -4.75]);
        assert_eq!(added.sums_at(40), [0.0, 0.0]);
    }

    /// Two windows over one buffer read what two separate windows read, whichever is given
    /// first, across folded, late and evicted entries and an emptied window.
    #[test]
    fn two_windows_read_as_two_rolling_sums() {
        let events =
            (0..3000i64).map(|i| ((i * 37) % 11 + i * 3 - (i % 5) * 4, (i % 7) as f64 * 0.1));
        let (mut short, mut long) = (RollingSum::<1>::new(50), RollingSum::<1>::new(200));
        let (mut both, mut swapped) =
            (TwoWindows::<1>::new(50, 200), TwoWindows::<1>::new(200, 50));
        // Readings come at ticks: `now` never goes back, while trades may come late.
        let mut now = 0;
        for (t, v) in events {
            short.add(t, [v]);
            long.add(t, [v]);
            both.add(t, [v]);
            swapped.add(t, [v]);
            if t % 3 == 0 {
                now = now.max(t + t % 60);
                let (s, l) = (short.sums_at(now)[0], long.sums_at(now)[0]);
                let ([bs], [bl]) = both.sums_at(now);
                let ([wl], [ws]) = swapped.sums_at(now);
                for (got, want) in [(bs, s), (bl, l), (ws, s), (wl, l)] {
                    assert!((got - want).abs() < 1e-9, "at {now}: {got} against {want}");
                }
            }
        }
        assert_eq!(both.windows(), (50, 200));
        assert_eq!(swapped.windows(), (200, 50));
        assert_eq!(
            both.outer.len(),
            long.len(),
            "one buffer, as long as the long window's"
        );
        assert_eq!(both.sums_at(1_000_000), ([0.0], [0.0]));
    }

    #[test]
    fn decayed_sum_is_the_ewma_event_rate() {
        // §3.5: events at 5, 12, 13, 14, 40, 41, 58 s, τ = 60 s, at t = 60 s: 4.182939158/min.
        let mut r = DecayedSum::new(60_000);
        assert_eq!(r.rate_per_sec(0), 0.0);
        for t in [5, 12, 13, 14, 40, 41, 58] {
            r.add(t * 1000, 1.0);
        }
        let per_min = 60.0 * r.rate_per_sec(60_000);
        assert!((per_min - 4.182939158).abs() < 1e-8, "{per_min}");
    }

    #[test]
    fn observed_since_warms_at_half_coverage() {
        let mut o = ObservedSince::default();
        assert!(!o.warm(100, 60));
        o.observe(1000);
        o.observe(5000);
        assert!(!o.warm(1029, 60));
        assert!(o.warm(1030, 60));
    }
}
