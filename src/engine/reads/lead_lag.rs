//! §3.12 state: 1-s bins of `ofi_norm` per book over the last 10 minutes, and the lead–lag of
//! the symbol's pair recomputed at most once a second.
//!
//! A bin is the net fraction of the touch's flow that went one way within that second,
//! `Σe_n / Σ|e_n|`, from the book's running OFI totals. Bins follow the book's exchange clock
//! (§3.12: the lag is meaningless at 1 s on receive times that differ by the feeds' latency),
//! sampled at engine ticks, so a bin edge is placed to within one tick. A second in which the book
//! was not fresh is missing, not zero.
//!
//! The pair: the symbol's largest spot book against its largest perpetual by 24 h taker notional
//! (the composites' weights), spot as A so a positive lag reads "spot leads"; without both kinds,
//! its two largest books.

use std::collections::{HashMap, VecDeque};

use crate::engine::analytics::LeadLag;
use crate::engine::book::view::BookTick;
use crate::engine::clock::to_millis;
use crate::features::lead_lag::{MAX_LAG, MIN_BINS, lead_lag};
use crate::feed::event::BookKey;
use crate::instrument::MarketKind;
use crate::market::Millis;

use super::ReadInputs;

/// §3.12: W = 10 min of 1-s bins.
const WINDOW_BINS: usize = 600;

/// One closed second of a book's flow.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Bin {
    /// The book was not fresh at some tick of it.
    Missing,
    /// Fresh, and nothing changed at the touch.
    Quiet,
    /// `Σe/Σ|e|` over the second.
    Flow(f64),
}

impl Bin {
    fn value(self) -> Option<f64> {
        match self {
            Bin::Missing => None,
            Bin::Quiet => Some(0.0),
            Bin::Flow(x) => Some(x),
        }
    }
}

/// The second being filled: where its totals started, and whether the book stayed fresh.
#[derive(Clone, Copy, Debug)]
struct OpenBin {
    second: i64,
    start: [f64; 2],
    fresh: bool,
}

/// One book's bins, oldest first, at most [`WINDOW_BINS`].
#[derive(Debug, Default)]
struct FlowBins {
    open: Option<OpenBin>,
    closed: VecDeque<(i64, Bin)>,
}

impl FlowBins {
    /// One tick: the book's exchange time, freshness and running `[Σe, Σ|e|]`. O(1).
    fn on_tick(&mut self, exch_now: Millis, fresh: bool, totals: [f64; 2]) {
        let second = exch_now.div_euclid(1000);
        let start = OpenBin {
            second,
            start: totals,
            fresh,
        };
        match &mut self.open {
            None => self.open = Some(start),
            // The exchange clock only moves back by a late stamp: keep filling the open second.
            Some(open) if second <= open.second => open.fresh &= fresh,
            Some(open) => {
                let [sum, abs] = [totals[0] - open.start[0], totals[1] - open.start[1]];
                let bin = if !(open.fresh && fresh && sum.is_finite() && abs.is_finite()) {
                    Bin::Missing
                } else if abs > 0.0 {
                    Bin::Flow((sum / abs).clamp(-1.0, 1.0))
                } else {
                    Bin::Quiet
                };
                if self.closed.len() == WINDOW_BINS {
                    self.closed.pop_front();
                }
                self.closed.push_back((open.second, bin));
                self.open = Some(start);
            }
        }
    }

    fn last_closed(&self) -> Option<i64> {
        self.closed.back().map(|(s, _)| *s)
    }

    /// The bins of seconds `first..first + n` (`None`: missing or not held).
    fn series(&self, first: i64, n: usize) -> Vec<Option<f64>> {
        let mut out = vec![None; n];
        for &(second, bin) in &self.closed {
            if let Some(slot) = usize::try_from(second - first)
                .ok()
                .and_then(|i| out.get_mut(i))
            {
                *slot = bin.value();
            }
        }
        out
    }

    /// How many of the seconds from `first` on had flow.
    fn flows(&self, first: i64) -> usize {
        self.closed
            .iter()
            .filter(|(second, bin)| *second >= first && matches!(bin, Bin::Flow(_)))
            .count()
    }
}

/// The last computation, republished until the next second or a change of pair.
#[derive(Debug)]
struct Cached {
    second: i64,
    pair: (BookKey, BookKey),
    value: Option<LeadLag>,
}

/// The symbol's §3.12 state.
#[derive(Debug, Default)]
pub struct LeadLagTracker {
    /// One entry per book of the symbol (bounded by its books).
    books: HashMap<BookKey, FlowBins>,
    cached: Option<Cached>,
}

impl LeadLagTracker {
    pub(super) fn tick(&mut self, inputs: &ReadInputs) -> Option<LeadLag> {
        for b in inputs.books {
            self.books.entry(b.frame.key.clone()).or_default().on_tick(
                b.exch_now,
                b.fresh,
                b.ofi_totals,
            );
        }
        let pair = pair(inputs.books)?;
        let second = to_millis(inputs.now).div_euclid(1000);
        if let Some(c) = &self.cached
            && c.second == second
            && c.pair == pair
        {
            return c.value.clone();
        }
        let value = self.compute(&pair.0, &pair.1);
        self.cached = Some(Cached {
            second,
            pair,
            value: value.clone(),
        });
        value
    }

    /// §3.12 between books `a` and `b` over the last [`WINDOW_BINS`] seconds both have closed.
    fn compute(&self, a: &BookKey, b: &BookKey) -> Option<LeadLag> {
        let (x, y) = (self.books.get(a)?, self.books.get(b)?);
        let end = x.last_closed()?.min(y.last_closed()?);
        let first = end - WINDOW_BINS as i64 + 1;
        // §3.12's "≥ 60 non-empty bins", of each series.
        let bins = x.flows(first).min(y.flows(first));
        if bins < MIN_BINS {
            return None;
        }
        let s = lead_lag(
            &x.series(first, WINDOW_BINS),
            &y.series(first, WINDOW_BINS),
            MAX_LAG,
        )?;
        Some(LeadLag {
            a: a.clone(),
            b: b.clone(),
            lag_s: s.lag,
            rho: s.rho,
            llr: s.llr,
            bins,
        })
    }
}

/// The pair of fresh books §3.12 compares, A first.
fn pair(books: &[BookTick]) -> Option<(BookKey, BookKey)> {
    let volume = |b: &BookTick| b.frame.flow.volume_24h_usd.unwrap_or(0.0);
    // Largest first; display order among equals.
    let largest = |kind: Option<MarketKind>| {
        let mut v: Vec<&BookTick> = books
            .iter()
            .filter(|b| b.fresh && kind.is_none_or(|k| b.frame.instrument.kind == k))
            .collect();
        v.sort_by(|p, q| volume(q).total_cmp(&volume(p)));
        v
    };
    let spot = largest(Some(MarketKind::Spot));
    let perp = largest(Some(MarketKind::Perpetual));
    let (a, b) = match (spot.first(), perp.first()) {
        (Some(s), Some(p)) => (*s, *p),
        _ => {
            let all = largest(None);
            (*all.first()?, *all.get(1)?)
        }
    };
    Some((a.frame.key.clone(), b.frame.key.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::assert_close;

    /// A book whose per-second flow is `x`: one tick per second, the totals advancing by each
    /// second's flow (`|e|` of 1 per second, so a bin's value is its flow).
    fn bins_of(x: &[f64], lag: usize) -> FlowBins {
        let mut bins = FlowBins::default();
        let mut totals = [0.0, 0.0];
        bins.on_tick(0, true, totals);
        for t in 0..x.len() + lag {
            let v = if t < lag { 0.0 } else { x[t - lag] };
            totals[0] += v;
            totals[1] += 1.0;
            bins.on_tick((t as i64 + 1) * 1000, true, totals);
        }
        bins
    }

    #[test]
    fn a_book_copying_another_two_seconds_later_lags_by_two() {
        // A deterministic ±1 pattern of 200 s (no period short enough to alias a lag ≤ 10).
        let x: Vec<f64> = (0..200u64)
            .map(|t| {
                if (t * 7919 + t * t * 104_729) % 13 < 6 {
                    1.0
                } else {
                    -1.0
                }
            })
            .collect();
        let mut tracker = LeadLagTracker::default();
        let (a, b) = (
            BookKey::new(crate::market::VenueId::Binance, "A"),
            BookKey::new(crate::market::VenueId::Okx, "B"),
        );
        let mut xa = bins_of(&x, 0);
        // Both series end on the same second: A's bins are padded with quiet seconds.
        for t in x.len() + 1..=x.len() + 2 {
            let totals = xa.open.unwrap().start;
            xa.on_tick(t as i64 * 1000, true, totals);
        }
        tracker.books.insert(a.clone(), xa);
        tracker.books.insert(b.clone(), bins_of(&x, 2));
        let ll = tracker.compute(&a, &b).unwrap();
        assert_eq!(ll.lag_s, 2);
        assert_close(ll.rho, 1.0);
        assert!(ll.llr.unwrap() > 1.0);
        assert!(ll.bins >= MIN_BINS);
        let back = tracker.compute(&b, &a).unwrap();
        assert_eq!(back.lag_s, -2);
    }

    #[test]
    fn too_few_bins_with_flow_give_nothing() {
        let x: Vec<f64> = (0..40)
            .map(|t| if t % 3 == 0 { 1.0 } else { -0.5 })
            .collect();
        let mut tracker = LeadLagTracker::default();
        let (a, b) = (
            BookKey::new(crate::market::VenueId::Binance, "A"),
            BookKey::new(crate::market::VenueId::Okx, "B"),
        );
        tracker.books.insert(a.clone(), bins_of(&x, 0));
        tracker.books.insert(b.clone(), bins_of(&x, 0));
        assert_eq!(tracker.compute(&a, &b), None);
    }

    #[test]
    fn a_second_with_a_stale_tick_is_missing_and_quiet_seconds_are_zero() {
        let mut bins = FlowBins::default();
        bins.on_tick(0, true, [0.0, 0.0]);
        bins.on_tick(500, false, [1.0, 1.0]);
        bins.on_tick(1000, true, [1.0, 1.0]);
        bins.on_tick(2000, true, [1.0, 1.0]);
        bins.on_tick(3000, true, [0.0, 3.0]);
        // A late stamp does not reopen a closed second.
        bins.on_tick(2500, true, [0.0, 3.0]);
        let bins: Vec<Bin> = bins.closed.iter().map(|(_, b)| *b).collect();
        assert_eq!(bins, [Bin::Missing, Bin::Quiet, Bin::Flow(-0.5)]);
    }

    #[test]
    fn the_ring_holds_ten_minutes() {
        let mut bins = FlowBins::default();
        for t in 0..2000 {
            bins.on_tick(t * 1000, true, [0.0, t as f64]);
        }
        assert_eq!(bins.closed.len(), WINDOW_BINS);
        assert_eq!(bins.last_closed(), Some(1998));
    }
}
