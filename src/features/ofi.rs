//! `order_flow_imbalance` (§1.3): Cont–Kukanov–Stoikov OFI at the touch.
//!
//! OFI differences consecutive book states, so it must see **every** book update (never throttle
//! it, §0.6), skip any transition into or out of an invalid book, and start from a fresh baseline
//! after a resync (§0.2). The window sums already computed are kept across a resync.

use crate::market::Millis;

use super::num::ratio;
use super::time_weighted::TimeWeightedMean;
use super::window::{MIN_COVERAGE, RollingSum, coverage};
use super::{Level, Touch};

/// CKS's `e_n` for one pair of consecutive (bid, ask) level states.
///
/// The inequalities are **non-strict**: with strict ones, every same-price size change (a passive
/// add, a cancel, a partial fill) vanishes. On the spec's sequence the strict variant gives −4
/// where the right answer is +2 (§1.3).
pub fn level_flow(prev_bid: Level, prev_ask: Level, bid: Level, ask: Level) -> f64 {
    let mut e = 0.0;
    if bid.price >= prev_bid.price {
        e += bid.size;
    }
    if bid.price <= prev_bid.price {
        e -= prev_bid.size;
    }
    if ask.price <= prev_ask.price {
        e -= ask.size;
    }
    if ask.price >= prev_ask.price {
        e += prev_ask.size;
    }
    e
}

/// `e_n` between two valid touches: a bid add, an ask cancel or lift, or an improving bid counts
/// positive.
pub fn ofi_event(prev: &Touch, cur: &Touch) -> f64 {
    level_flow(prev.bid, prev.ask, cur.bid, cur.ask)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OfiConfig {
    pub short: Millis,
    pub long: Millis,
}

impl Default for OfiConfig {
    /// §1.3: 10 s (the CKS interval) and 60 s.
    fn default() -> Self {
        OfiConfig {
            short: 10_000,
            long: 60_000,
        }
    }
}

/// OFI over one window, in the three normalisations of §1.3. Every value is `None` until the
/// window is half covered by valid books (§0.2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OfiReading {
    pub window: Millis,
    /// `OFI_W = Σ e_n`, base units.
    pub ofi: Option<f64>,
    /// `ofi · m` at the current mid.
    pub ofi_usd: Option<f64>,
    /// `OFI_W / AD_W`, `AD_W` the time-average of `(q^b_1 + q^a_1)/2` over the window (for
    /// regressions: ≈ 2 × expected ticks in the CKS model).
    pub ofi_depth: Option<f64>,
    /// `OFI_W / Σ|e_n|` ∈ [−1, 1] (`[proposed]`, used by the composites); `None` when no flow.
    pub ofi_norm: Option<f64>,
    /// Non-zero `e_n` events in the window.
    pub events: usize,
    /// Share of the window with a valid book.
    pub coverage: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OfiReadings {
    pub short: OfiReading,
    pub long: OfiReading,
}

#[derive(Clone, Debug)]
struct OfiWindow {
    /// `[e_n, |e_n|]` per event.
    flow: RollingSum<2>,
    /// `(q^b_1 + q^a_1)/2`, time-weighted.
    depth: TimeWeightedMean,
}

impl OfiWindow {
    fn new(window: Millis) -> Self {
        OfiWindow {
            flow: RollingSum::new(window),
            depth: TimeWeightedMean::new(window),
        }
    }

    fn reading(&mut self, now: Millis, mid: Option<f64>) -> OfiReading {
        let window = self.flow.window();
        let [sum, abs] = self.flow.sums_at(now);
        let depth = self.depth.average(now);
        let coverage = coverage(depth.covered, window);
        let events = self.flow.len();
        if coverage < MIN_COVERAGE {
            return OfiReading {
                window,
                ofi: None,
                ofi_usd: None,
                ofi_depth: None,
                ofi_norm: None,
                events,
                coverage,
            };
        }
        OfiReading {
            window,
            ofi: Some(sum),
            ofi_usd: mid.map(|m| sum * m),
            ofi_depth: depth.mean.and_then(|ad| ratio(sum, ad)),
            ofi_norm: ratio(sum, abs),
            events,
            coverage,
        }
    }
}

/// The OFI calculator: feed it every book update.
#[derive(Clone, Debug)]
pub struct Ofi {
    prev: Option<Touch>,
    short: OfiWindow,
    long: OfiWindow,
    /// `[Σ e_n, Σ |e_n|]` since the calculator was made: differenced per 1-s bin by §3.12.
    totals: [f64; 2],
}

impl Ofi {
    pub fn new(cfg: OfiConfig) -> Self {
        Ofi {
            prev: None,
            short: OfiWindow::new(cfg.short),
            long: OfiWindow::new(cfg.long),
            totals: [0.0; 2],
        }
    }

    /// The book's touch after an update at `t` (`None` when the book is invalid, crossed or has
    /// an empty side). Returns the event `e_n` when one was computed.
    pub fn on_book(&mut self, t: Millis, touch: Option<Touch>) -> Option<f64> {
        let depth = touch.map(|c| (c.bid.size + c.ask.size) / 2.0);
        self.short.depth.update(t, depth);
        self.long.depth.update(t, depth);
        let e = match (self.prev, touch) {
            (Some(prev), Some(cur)) => Some(ofi_event(&prev, &cur)),
            _ => None,
        };
        if let Some(e) = e.filter(|e| *e != 0.0 && e.is_finite()) {
            self.short.flow.push(t, [e, e.abs()]);
            self.long.flow.push(t, [e, e.abs()]);
            self.totals[0] += e;
            self.totals[1] += e.abs();
        }
        self.prev = touch;
        e
    }

    /// `[Σ e_n, Σ |e_n|]` over every event so far (never reset: a resync adds no event).
    pub fn totals(&self) -> [f64; 2] {
        self.totals
    }

    /// Resync: forget the baseline so no event spans the gap; the window sums stay.
    pub fn reset(&mut self) {
        self.prev = None;
        self.short.depth.interrupt();
        self.long.depth.interrupt();
    }

    pub fn readings(&mut self, now: Millis) -> OfiReadings {
        let mid = self.prev.map(|t| t.mid());
        OfiReadings {
            short: self.short.reading(now, mid),
            long: self.long.reading(now, mid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::{assert_all_finite, assert_close, assert_some_close, secs};

    /// §1.3's L1 sequence `(p^b, q^b, p^a, q^a)`.
    const SEQ: [(f64, f64, f64, f64); 6] = [
        (100.0, 5.0, 101.0, 5.0),
        (100.0, 8.0, 101.0, 5.0),
        (100.0, 8.0, 101.0, 2.0),
        (100.5, 1.0, 101.0, 2.0),
        (100.5, 1.0, 100.8, 4.0),
        (100.0, 8.0, 100.8, 4.0),
    ];

    fn touch((pb, qb, pa, qa): (f64, f64, f64, f64)) -> Option<Touch> {
        Touch::new(Level::new(pb, qb), Level::new(pa, qa))
    }

    #[test]
    fn spec_sequence_uses_non_strict_inequalities() {
        let mut ofi = Ofi::new(OfiConfig::default());
        let events: Vec<f64> = SEQ
            .iter()
            .enumerate()
            .filter_map(|(i, s)| ofi.on_book(secs(i as i64), touch(*s)))
            .collect();
        // The strict-inequality bug gives [0, 0, 1, −4, −1] (sum −4): the first two same-price
        // changes vanish.
        assert_eq!(events, [3.0, 3.0, 1.0, -4.0, -1.0]);
        let r = ofi.readings(secs(6)).short;
        assert_some_close(r.ofi, 2.0);
        assert_some_close(r.ofi_norm, 0.1666666667);
        assert_eq!(r.events, 5);
        // The six states each held for 1 s, so the time-average depth over (−4, 6] equals the
        // spec's event mean 4.416666667.
        assert_some_close(r.ofi_depth, 0.4528301887);
        assert_some_close(r.ofi_usd, 2.0 * 100.4);
        assert_close(r.coverage, 0.6);
    }

    #[test]
    fn strict_inequalities_would_fail_this_suite() {
        // What the strict variant computes for the same states, to show the assertion above
        // discriminates: only `level_flow` is under test; the strict copy lives here only.
        fn strict(p: Touch, c: Touch) -> f64 {
            let mut e = 0.0;
            if c.bid.price > p.bid.price {
                e += c.bid.size;
            }
            if c.bid.price < p.bid.price {
                e -= p.bid.size;
            }
            if c.ask.price < p.ask.price {
                e -= c.ask.size;
            }
            if c.ask.price > p.ask.price {
                e += p.ask.size;
            }
            e
        }
        let states: Vec<Touch> = SEQ.iter().filter_map(|s| touch(*s)).collect();
        let strict_sum: f64 = states.windows(2).map(|w| strict(w[0], w[1])).sum();
        let ours: f64 = states.windows(2).map(|w| ofi_event(&w[0], &w[1])).sum();
        assert_eq!(strict_sum, -4.0);
        assert_eq!(ours, 2.0);
    }

    #[test]
    fn warm_up_returns_none() {
        let mut ofi = Ofi::new(OfiConfig::default());
        ofi.on_book(0, touch(SEQ[0]));
        ofi.on_book(secs(1), touch(SEQ[1]));
        let r = ofi.readings(secs(4)).short;
        assert_eq!(r.ofi, None);
        assert_eq!(r.ofi_norm, None);
        assert!(ofi.readings(secs(5)).short.ofi.is_some());
        // The 60 s window needs 30 s.
        assert_eq!(ofi.readings(secs(29)).long.ofi, None);
        assert_some_close(ofi.readings(secs(30)).long.ofi, 3.0);
    }

    #[test]
    fn no_flow_gives_none_norm_not_nan() {
        let mut ofi = Ofi::new(OfiConfig::default());
        ofi.on_book(0, touch(SEQ[0]));
        ofi.on_book(secs(1), touch(SEQ[0]));
        let r = ofi.readings(secs(10)).short;
        assert_eq!(r.ofi, Some(0.0));
        assert_eq!(r.ofi_norm, None);
        assert_eq!(r.events, 0);
        assert_all_finite(&r);
    }

    #[test]
    fn invalid_books_break_the_chain() {
        let mut ofi = Ofi::new(OfiConfig::default());
        ofi.on_book(0, touch(SEQ[0]));
        // Crossed: `Touch::new` refuses it, so the book arrives as `None`.
        assert_eq!(touch((101.0, 1.0, 100.0, 1.0)), None);
        assert_eq!(ofi.on_book(secs(1), None), None);
        // No event spans the invalid state.
        assert_eq!(ofi.on_book(secs(2), touch(SEQ[1])), None);
        assert_eq!(ofi.on_book(secs(3), touch(SEQ[2])), Some(3.0));
    }

    #[test]
    fn resync_mid_window_keeps_sums_and_starts_a_new_baseline() {
        let mut ofi = Ofi::new(OfiConfig::default());
        for (i, s) in SEQ[..3].iter().enumerate() {
            ofi.on_book(secs(i as i64), touch(*s));
        }
        ofi.reset();
        // The first book after the resync is a baseline, not a +1 "add" at a better bid.
        assert_eq!(ofi.on_book(secs(4), touch(SEQ[3])), None);
        assert_eq!(ofi.on_book(secs(5), touch(SEQ[4])), Some(-4.0));
        // Valid books covered 0–2 s and 4–6 s: 40 % of the window, still warming up.
        let r = ofi.readings(secs(6)).short;
        assert_close(r.coverage, 0.4);
        assert_eq!(r.ofi, None);
        let r = ofi.readings(secs(7)).short;
        assert_close(r.coverage, 0.5);
        // 3 + 3 before the gap, −4 after it.
        assert_some_close(r.ofi, 2.0);
        // Depth 5 and 6.5 for 1 s each before the gap (the state seen at the gap gets no
        // weight), then 1.5 for 1 s and 2.5 for 2 s.
        assert_some_close(r.ofi_depth, 2.0 / (18.0 / 5.0));
    }
}
