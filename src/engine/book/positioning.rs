//! One perpetual's positioning: the venue's polled statistics (long/short ratios of each kind,
//! taker buy/sell volume ratio) and the large against smaller taker-flow split of its own tape.
//!
//! Polled values follow §0.2: stale after 2 × their measured poll interval (the derivatives
//! rule, [`derivs_stale_rule`](super::view::derivs_stale_rule)), and also when the venue keeps
//! answering a period older than [`PERIOD_LATE`]: a venue whose statistics stopped is not fresh
//! because it still answers. A stale ratio is published with `stale = true`; a stale taker ratio
//! is not published at all (its field has no flag).

use crate::engine::analytics::{LongShortRatio, RatioKind, VenuePositioning};
use crate::engine::freshness::{StaleRule, UpdateIntervals};
use crate::features::positioning::TakerSplit;
use crate::feed::event::{BookKey, Positioning, PositioningStat};
use crate::market::{Millis, Nanos};

/// Three 5-minute periods: the latest period a venue answers is at most one period and a poll
/// old, so three mean the statistics stopped.
pub const PERIOD_LATE: Millis = 15 * 60_000;

/// The slots, in this order: the three ratio kinds, then the taker ratio.
const STATS: [PositioningStat; 4] = [
    PositioningStat::LongShort(RatioKind::Accounts),
    PositioningStat::LongShort(RatioKind::TopAccounts),
    PositioningStat::LongShort(RatioKind::TopPositions),
    PositioningStat::TakerBuySell,
];

#[derive(Clone, Debug, Default)]
struct Slot {
    /// The value and its period, exchange time.
    latest: Option<(f64, Millis)>,
    polls: UpdateIntervals,
    /// The value came from a backfill ([`PositioningState::seed`]), not a poll of the book's own.
    seeded: bool,
}

/// The latest polled positioning statistics of one book.
#[derive(Clone, Debug, Default)]
pub struct PositioningState {
    slots: [Slot; 4],
}

impl PositioningState {
    /// A polled value received at local time `at`. Parsers hand over finite positive ratios
    /// only; anything else is dropped here too rather than shown.
    pub fn on_polled(&mut self, p: &Positioning, at: Nanos) {
        if !(p.value.is_finite() && p.value > 0.0) {
            return;
        }
        let Some(i) = STATS.iter().position(|s| *s == p.stat) else {
            return;
        };
        let slot = &mut self.slots[i];
        // The book's own first poll replaces a backfilled value whatever its period, and the
        // poll interval is measured from it: the time since a fetch is no poll interval.
        if slot.seeded {
            *slot = Slot::default();
        }
        // An answer for an older period than the one held (a slow response overtaken) is not
        // news; the same period polled again is proof the endpoint still answers.
        if slot.latest.is_some_and(|(_, t)| p.at < t) {
            return;
        }
        slot.latest = Some((p.value, p.at));
        slot.polls.on_update(at);
    }

    /// A backfilled or restored value, counted as a poll answered at local `polled`: taken into a
    /// slot with no value yet or an earlier seed, never over a poll of the book's own (newer
    /// news). Its
    /// staleness then runs from `polled` as for any poll (§0.2): a value fetched more than
    /// 2 × the poll interval ago is shown stale from the first frame, never fresh.
    pub fn seed(&mut self, p: &Positioning, polled: Nanos) {
        let Some(i) = STATS.iter().position(|s| *s == p.stat) else {
            return;
        };
        let slot = &mut self.slots[i];
        // A later seed (the start's fetch after the history's last value) replaces an earlier.
        let newer = slot.seeded && slot.polls.age_ms(polled).is_some_and(|age| age > 0.0);
        if newer {
            *slot = Slot::default();
        }
        if slot.latest.is_none() {
            self.on_polled(p, polled);
            self.slots[i].seeded = self.slots[i].latest.is_some();
        }
    }

    /// The book's positioning at local `now` (exchange time `exch_now`); `None` for a book with
    /// neither polled statistics nor a tape split.
    pub fn view(
        &self,
        key: &BookKey,
        now: Nanos,
        exch_now: Millis,
        rule: &StaleRule,
        split: Option<TakerSplit>,
    ) -> Option<VenuePositioning> {
        let stale =
            |s: &Slot, at: Millis| rule.is_stale(&s.polls, now) || exch_now - at > PERIOD_LATE;
        let ratios: Vec<LongShortRatio> = STATS
            .iter()
            .zip(&self.slots)
            .filter_map(|(stat, slot)| {
                let PositioningStat::LongShort(kind) = stat else {
                    return None;
                };
                let (ratio, at) = slot.latest?;
                Some(LongShortRatio {
                    kind: *kind,
                    ratio,
                    at,
                    stale: stale(slot, at),
                })
            })
            .collect();
        let taker = &self.slots[3];
        let taker_buy_sell_ratio = taker
            .latest
            .filter(|(_, at)| !stale(taker, *at))
            .map(|(r, _)| r);
        let split = split.unwrap_or_default();
        let any = !ratios.is_empty()
            || taker.latest.is_some()
            || split.large_buy_share.is_some()
            || split.small_buy_share.is_some();
        any.then(|| VenuePositioning {
            key: key.clone(),
            ratios,
            taker_buy_sell_ratio,
            large_taker_buy_share: split.large_buy_share,
            small_taker_buy_share: split.small_buy_share,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::VenueId;

    const S: Nanos = 1_000_000_000;

    fn rule() -> StaleRule {
        StaleRule {
            floor_ms: 0.0,
            factor: 2.0,
            unknown_ms: 120_000.0,
        }
    }

    fn ratio(kind: RatioKind, value: f64, at: Millis) -> Positioning {
        Positioning {
            stat: PositioningStat::LongShort(kind),
            value,
            at,
        }
    }

    fn key() -> BookKey {
        BookKey::new(VenueId::BinanceUsdm, "BTCUSDT")
    }

    #[test]
    fn kinds_stay_apart_and_polls_go_stale_after_twice_their_interval() {
        let mut p = PositioningState::default();
        assert_eq!(p.view(&key(), 0, 0, &rule(), None), None);
        let period = 1_700_000_000_000;
        for i in 0..3u64 {
            p.on_polled(&ratio(RatioKind::Accounts, 1.5, period), i * 60 * S);
            p.on_polled(&ratio(RatioKind::TopPositions, 0.8, period), i * 60 * S);
        }
        let taker = Positioning {
            stat: PositioningStat::TakerBuySell,
            value: 1.2,
            at: period,
        };
        p.on_polled(&taker, 120 * S);
        let v = p
            .view(&key(), 240 * S, period + 60_000, &rule(), None)
            .unwrap();
        let kinds: Vec<_> = v
            .ratios
            .iter()
            .map(|r| (r.kind, r.ratio, r.stale))
            .collect();
        assert_eq!(
            kinds,
            [
                (RatioKind::Accounts, 1.5, false),
                (RatioKind::TopPositions, 0.8, false)
            ]
        );
        assert_eq!(v.taker_buy_sell_ratio, Some(1.2));
        // Last poll at 120 s, every 60 s: stale after 240 s. The taker ratio, polled once,
        // after the 120 s default.
        let v = p
            .view(&key(), 241 * S, period + 60_000, &rule(), None)
            .unwrap();
        assert!(v.ratios.iter().all(|r| r.stale), "{v:?}");
        assert_eq!(v.ratios[0].ratio, 1.5, "kept, marked");
        assert_eq!(v.taker_buy_sell_ratio, None, "never shown stale");
    }

    #[test]
    fn a_venue_stuck_on_an_old_period_is_stale() {
        let mut p = PositioningState::default();
        p.on_polled(&ratio(RatioKind::Accounts, 1.5, 0), 0);
        let fresh = p.view(&key(), S, PERIOD_LATE, &rule(), None).unwrap();
        assert!(!fresh.ratios[0].stale);
        let late = p.view(&key(), S, PERIOD_LATE + 1, &rule(), None).unwrap();
        assert!(late.ratios[0].stale);
    }

    #[test]
    fn older_periods_and_absurd_values_are_dropped() {
        let mut p = PositioningState::default();
        p.on_polled(&ratio(RatioKind::Accounts, 1.5, 600_000), 0);
        p.on_polled(&ratio(RatioKind::Accounts, 0.7, 300_000), S);
        p.on_polled(&ratio(RatioKind::Accounts, f64::NAN, 900_000), S);
        p.on_polled(&ratio(RatioKind::Accounts, -2.0, 900_000), S);
        let v = p.view(&key(), S, 600_000, &rule(), None).unwrap();
        assert_eq!((v.ratios[0].ratio, v.ratios[0].at), (1.5, 600_000));
    }

    #[test]
    fn a_seed_fills_an_empty_slot_and_goes_stale_from_its_fetch() {
        let mut p = PositioningState::default();
        let period = 1_700_000_000_000;
        // Fetched at 100 s, no poll interval measured yet: fresh for the rule's 120 s (2 × the
        // 60 s poll) after the fetch.
        p.seed(&ratio(RatioKind::Accounts, 1.4, period), 100 * S);
        let at = |p: &PositioningState, now: Nanos| {
            p.view(&key(), now, period + 60_000, &rule(), None).unwrap()
        };
        let v = at(&p, 220 * S);
        assert_eq!((v.ratios[0].ratio, v.ratios[0].stale), (1.4, false));
        assert!(at(&p, 221 * S).ratios[0].stale, "fetched 121 s ago");
        // The book's own poll replaces it, even for an older period, and its interval is
        // measured from that poll, not from the fetch: stale 120 s after it, not 2 × 130 s.
        p.on_polled(&ratio(RatioKind::Accounts, 0.9, period - 300_000), 230 * S);
        let v = at(&p, 350 * S);
        assert_eq!((v.ratios[0].ratio, v.ratios[0].stale), (0.9, false));
        assert!(at(&p, 351 * S).ratios[0].stale);
        // A live poll wins: a later seed of the same stat does not replace it.
        p.seed(&ratio(RatioKind::Accounts, 2.0, period + 300_000), 352 * S);
        assert_eq!(at(&p, 353 * S).ratios[0].ratio, 0.9);
        // A restored value (polled long ago) gives way to a later fetch, not to an earlier one.
        let mut restored = PositioningState::default();
        restored.seed(&ratio(RatioKind::Accounts, 1.1, period), 0);
        restored.seed(&ratio(RatioKind::Accounts, 1.3, period), 200 * S);
        restored.seed(&ratio(RatioKind::Accounts, 1.2, period), 100 * S);
        let v = at(&restored, 250 * S);
        assert_eq!((v.ratios[0].ratio, v.ratios[0].stale), (1.3, false));
        // A fetch already older than the limit is stale on the first frame.
        let mut old = PositioningState::default();
        old.seed(&ratio(RatioKind::Accounts, 1.4, period), 0);
        assert!(at(&old, 121 * S).ratios[0].stale);
    }

    #[test]
    fn a_tape_split_alone_is_published() {
        let p = PositioningState::default();
        let split = TakerSplit {
            large_buy_share: Some(0.7),
            small_buy_share: Some(0.4),
        };
        let v = p.view(&key(), 0, 0, &rule(), Some(split)).unwrap();
        assert!(v.ratios.is_empty());
        assert_eq!(
            (v.large_taker_buy_share, v.small_taker_buy_share),
            (Some(0.7), Some(0.4))
        );
    }
}
