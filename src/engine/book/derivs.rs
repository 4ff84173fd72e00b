//! Derivatives state of one instrument: the latest of each field the venue sent (venues send
//! partial updates), and when each group last arrived.
//!
//! Open interest and funding are often polled, so a value can be minutes old while the book is
//! fresh; each group is judged against its own measured update interval (§0.2: polled values are
//! stale after 2 × their poll interval).

use std::collections::VecDeque;

use crate::engine::frame::DerivsView;
use crate::engine::freshness::{StaleRule, UpdateIntervals};
use crate::features::num::finite;
use crate::feed::event::Derivs;
use crate::market::Nanos;

/// The latest derivatives values of one instrument.
#[derive(Clone, Debug, Default)]
pub struct DerivsState {
    values: Derivs,
    prices: UpdateIntervals,
    funding: UpdateIntervals,
    open_interest: UpdateIntervals,
    /// Open interest (base units when known, else the venue's notional) sampled once a minute
    /// over the last hour and a minute, oldest first: the 1 h change.
    oi_minutes: VecDeque<(Nanos, f64)>,
    /// Open interest a backfill fetched `(base, usd)`, shown until the venue's own first value
    /// (kept apart so a venue that later sends only one unit never shows the other stuck).
    backfilled_oi: Option<(Option<f64>, Option<f64>)>,
}

const MINUTE: Nanos = 60_000_000_000;
const HOUR: Nanos = 60 * MINUTE;

/// Keeps `new` where the update carried a finite value.
fn merge<T: Copy>(slot: &mut Option<T>, new: Option<T>, ok: impl Fn(T) -> bool) -> bool {
    match new.filter(|v| ok(*v)) {
        Some(v) => {
            *slot = Some(v);
            true
        }
        None => false,
    }
}

impl DerivsState {
    pub fn on_tick(&mut self, d: &Derivs, at: Nanos) {
        let f = |x: f64| x.is_finite();
        let v = &mut self.values;
        let prices =
            merge(&mut v.mark_price, d.mark_price, f) | merge(&mut v.index_price, d.index_price, f);
        let funding = merge(&mut v.funding_rate, d.funding_rate, f)
            | merge(&mut v.next_funding_ts, d.next_funding_ts, |_| true)
            | merge(&mut v.funding_interval_h, d.funding_interval_h, |h| {
                h.is_finite() && h > 0.0
            });
        let oi = merge(&mut v.open_interest, d.open_interest, f)
            | merge(&mut v.open_interest_usd, d.open_interest_usd, f);
        if oi && let Some(x) = v.open_interest.or(v.open_interest_usd) {
            // The venue's own first value replaces a backfilled one, and the poll interval is
            // measured from it: the time since a fetch is no poll interval.
            if self.backfilled_oi.take().is_some() {
                self.open_interest = UpdateIntervals::default();
            }
            self.sample_open_interest(at, x);
        }
        for (changed, stream) in [
            (prices, &mut self.prices),
            (funding, &mut self.funding),
            (oi, &mut self.open_interest),
        ] {
            if changed {
                stream.on_update(at);
            }
        }
    }

    /// A backfilled open interest, counted as a poll answered at local `polled` (the fetch), so it
    /// goes stale 2 × the poll interval after it (§0.2); ignored once the venue has sent its own.
    pub fn seed_open_interest(&mut self, base: Option<f64>, usd: Option<f64>, polled: Nanos) {
        let ok = |x: Option<f64>| x.filter(|x| x.is_finite() && *x > 0.0);
        let (base, usd) = (ok(base), ok(usd));
        let live = self.values.open_interest.is_some() || self.values.open_interest_usd.is_some();
        if live || (base.is_none() && usd.is_none()) {
            return;
        }
        self.backfilled_oi = Some((base, usd));
        self.open_interest.on_update(polled);
    }

    /// Keeps at most one sample a minute for 61 minutes: the latest value of each minute.
    fn sample_open_interest(&mut self, at: Nanos, oi: f64) {
        let minute = at - at.rem_euclid(MINUTE);
        match self.oi_minutes.back_mut() {
            Some((m, x)) if *m == minute => *x = oi,
            Some((m, _)) if *m > minute => {}
            _ => self.oi_minutes.push_back((minute, oi)),
        }
        while self
            .oi_minutes
            .front()
            .is_some_and(|(m, _)| *m + HOUR + MINUTE < minute)
        {
            self.oi_minutes.pop_front();
        }
    }

    /// The relative change of open interest over the last hour; `None` until an hour of samples
    /// exists (a shorter window would not be a 1 h change).
    fn open_interest_change_1h(&self, now: Nanos) -> Option<f64> {
        let (_, latest) = *self.oi_minutes.back()?;
        let (_, then) = *self
            .oi_minutes
            .iter()
            .rev()
            .find(|(m, _)| *m + MINUTE + HOUR <= now)?;
        (then > 0.0).then(|| latest / then - 1.0).and_then(finite)
    }

    /// The view at `now`. Open interest in base units needs a known contract; the notional is
    /// the venue's own figure, or base OI × mark.
    pub fn view(&self, now: Nanos, rule: &StaleRule, base_units: bool) -> DerivsView {
        let v = &self.values;
        let (base, usd) = match self.backfilled_oi {
            Some(seeded) => seeded,
            None => (v.open_interest, v.open_interest_usd),
        };
        let open_interest = base.filter(|_| base_units);
        let open_interest_usd = usd.or_else(|| {
            let (oi, mark) = (open_interest?, v.mark_price?);
            finite(oi * mark)
        });
        let funding_apr = match (v.funding_rate, v.funding_interval_h) {
            (Some(f), Some(h)) => finite(f * (24.0 / h) * 365.0),
            _ => None,
        };
        // §3.9: the perpetual's premium over its index, where the venue publishes both.
        let premium_bps = match (v.mark_price, v.index_price) {
            (Some(m), Some(i)) if i > 0.0 => finite((m - i) / i * 1e4),
            _ => None,
        };
        let stale = [&self.prices, &self.funding, &self.open_interest]
            .into_iter()
            .any(|s| rule.is_stale(s, now));
        DerivsView {
            mark_price: v.mark_price,
            index_price: v.index_price,
            funding_rate: v.funding_rate,
            funding_apr,
            funding_interval_h: v.funding_interval_h,
            next_funding_ts: v.next_funding_ts,
            open_interest,
            open_interest_usd,
            open_interest_change_1h: self.open_interest_change_1h(now),
            premium_bps,
            stale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = 1_000_000_000;

    fn rule() -> StaleRule {
        StaleRule {
            floor_ms: 0.0,
            factor: 2.0,
            unknown_ms: 120_000.0,
        }
    }

    #[test]
    fn partial_updates_merge_and_funding_apr_uses_the_venue_interval() {
        let mut d = DerivsState::default();
        d.on_tick(
            &Derivs {
                mark_price: Some(100.0),
                funding_rate: Some(0.0001),
                ..Derivs::default()
            },
            0,
        );
        let v = d.view(0, &rule(), true);
        // No interval known: never assume 8 h (§3.10).
        assert_eq!(v.funding_apr, None);
        d.on_tick(
            &Derivs {
                funding_interval_h: Some(8.0),
                open_interest: Some(10.0),
                mark_price: Some(f64::NAN),
                ..Derivs::default()
            },
            S,
        );
        let v = d.view(S, &rule(), true);
        assert!((v.funding_apr.unwrap() - 0.1095).abs() < 1e-12);
        assert_eq!(v.mark_price, Some(100.0));
        assert_eq!(v.open_interest_usd, Some(1000.0));
        // Contract unknown: OI is in venue units, so neither figure is shown.
        let v = d.view(S, &rule(), false);
        assert_eq!((v.open_interest, v.open_interest_usd), (None, None));
    }

    #[test]
    fn premium_is_mark_over_index_in_bps() {
        let mut d = DerivsState::default();
        d.on_tick(
            &Derivs {
                mark_price: Some(100.05),
                ..Derivs::default()
            },
            0,
        );
        assert_eq!(d.view(0, &rule(), true).premium_bps, None, "no index yet");
        d.on_tick(
            &Derivs {
                index_price: Some(100.0),
                ..Derivs::default()
            },
            S,
        );
        let p = d.view(S, &rule(), true).premium_bps.unwrap();
        assert!((p - 5.0).abs() < 1e-9, "{p}");
    }

    #[test]
    fn backfilled_open_interest_stands_until_the_venue_sends_its_own() {
        let mut d = DerivsState::default();
        d.seed_open_interest(Some(f64::NAN), Some(-1.0), 0);
        assert_eq!(d.view(0, &rule(), true).open_interest_usd, None);
        d.seed_open_interest(None, Some(5e9), 10 * S);
        let v = d.view(130 * S, &rule(), true);
        assert_eq!((v.open_interest_usd, v.stale), (Some(5e9), false));
        // 2 minutes (the unknown interval's limit) after its fetch it is stale.
        assert!(d.view(131 * S, &rule(), true).stale);
        // The venue's own base units replace it whole: no USD figure left over from the seed.
        d.on_tick(
            &Derivs {
                open_interest: Some(10.0),
                ..Derivs::default()
            },
            140 * S,
        );
        let v = d.view(141 * S, &rule(), true);
        assert_eq!((v.open_interest, v.open_interest_usd), (Some(10.0), None));
        // Stale 120 s after the venue's value, not 2 × the 130 s since the fetch.
        assert!(!d.view(260 * S, &rule(), true).stale);
        assert!(d.view(261 * S, &rule(), true).stale);
        d.seed_open_interest(Some(99.0), None, 150 * S);
        assert_eq!(d.view(151 * S, &rule(), true).open_interest, Some(10.0));
    }

    #[test]
    fn open_interest_change_needs_an_hour_of_samples() {
        let mut d = DerivsState::default();
        let oi = |x: f64| Derivs {
            open_interest: Some(x),
            ..Derivs::default()
        };
        // Polled every 30 s for 70 minutes, rising 0.1 a poll from 100.
        for i in 0..=140u64 {
            d.on_tick(&oi(100.0 + i as f64 * 0.1), i * 30 * S);
        }
        assert!(d.oi_minutes.len() <= 62, "bounded: {}", d.oi_minutes.len());
        let now = 140 * 30 * S;
        let change = d.view(now, &rule(), true).open_interest_change_1h.unwrap();
        // Now 114.0; the newest sample at least an hour old is minute 9's last value (poll 19).
        assert!((change - (114.0 / 101.9 - 1.0)).abs() < 1e-12, "{change}");
        let mut young = DerivsState::default();
        young.on_tick(&oi(100.0), 0);
        young.on_tick(&oi(110.0), 30 * MINUTE);
        assert_eq!(
            young
                .view(30 * MINUTE, &rule(), true)
                .open_interest_change_1h,
            None
        );
    }

    #[test]
    fn polled_open_interest_goes_stale_after_twice_its_interval() {
        let mut d = DerivsState::default();
        let oi = Derivs {
            open_interest_usd: Some(5e9),
            ..Derivs::default()
        };
        d.on_tick(&oi, 0);
        d.on_tick(&oi, 30 * S);
        assert!(!d.view(90 * S, &rule(), true).stale);
        let v = d.view(91 * S, &rule(), true);
        assert!(v.stale);
        // Stale values are kept, marked.
        assert_eq!(v.open_interest_usd, Some(5e9));
    }
}
