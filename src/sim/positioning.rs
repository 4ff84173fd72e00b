//! The simulator's positioning statistics: what its `futures/data`, `account-ratio` and rubik
//! endpoints answer ([`history`](super::history)) and what a fast-forwarded demo feeds the
//! engine ([`fast_forward`](super::fast_forward)), so `--demo` shows positioning either way.
//!
//! Slow, bounded swings (periods of hours), deterministic for a book, a ratio kind and a time:
//! each book and kind has its own phase, so venues lean the same way most of the time and
//! disagree some of it, as the real ones do.

use crate::engine::analytics::RatioKind;
use crate::feed::event::{BookKey, Derivs, DerivsTick, MarketEvent, Positioning, PositioningStat};
use crate::instrument::MarketKind;
use crate::market::{Millis, Nanos, VenueId};

use super::catalog::{BookId, INSTRUMENTS};

const MINUTE: Millis = 60_000;
/// The venues' statistics period.
pub const PERIOD: Millis = 5 * MINUTE;

/// The kinds each venue publishes (Binance alone counts its top traders).
pub fn kinds(venue: VenueId) -> &'static [RatioKind] {
    match venue {
        VenueId::BinanceUsdm => &[
            RatioKind::Accounts,
            RatioKind::TopAccounts,
            RatioKind::TopPositions,
        ],
        VenueId::BybitLinear | VenueId::Okx => &[RatioKind::Accounts],
        _ => &[],
    }
}

/// The share of longs ∈ [0.35, 0.65] of `kind` on `book` at `t`.
pub fn long_share(book: BookId, kind: RatioKind, t: Millis) -> f64 {
    let m = t.div_euclid(MINUTE) as f64;
    let phase = 0.4 * book as f64 + 1.3 * kind as u8 as f64;
    0.5 + 0.1 * (m / 200.0 + phase).sin() + 0.05 * (m / 37.0 + 2.0 * phase).sin()
}

/// The taker buy share ∈ [0.35, 0.65] of the minute starting at `t` (every book's).
pub fn taker_buy_share(t: Millis) -> f64 {
    let m = t.div_euclid(MINUTE) as f64;
    0.5 + 0.15 * (m / 17.0).sin()
}

/// longs / shorts of a long share.
pub fn ratio(share: f64) -> f64 {
    share / (1.0 - share)
}

/// What a venue polled once a minute would have published by exchange time `ms` for `book`
/// (its latest closed period), as engine events received at local `at`.
pub fn events(book: BookId, key: &BookKey, ms: Millis, at: Nanos) -> Vec<MarketEvent> {
    let inst = &INSTRUMENTS[book];
    if inst.kind != MarketKind::Perpetual {
        return Vec::new();
    }
    let period = ms.div_euclid(PERIOD) * PERIOD - PERIOD;
    let mut stats: Vec<(PositioningStat, f64)> = kinds(inst.venue)
        .iter()
        .map(|&k| {
            let r = ratio(long_share(book, k, period));
            (PositioningStat::LongShort(k), r)
        })
        .collect();
    if matches!(inst.venue, VenueId::BinanceUsdm | VenueId::Okx) {
        stats.push((
            PositioningStat::TakerBuySell,
            ratio(taker_buy_share(period)),
        ));
    }
    stats
        .into_iter()
        .map(|(stat, value)| {
            MarketEvent::Derivs(DerivsTick {
                key: key.clone(),
                local_ts: at,
                exch_ts: None,
                values: Derivs {
                    positioning: Some(Positioning {
                        stat,
                        value,
                        at: period,
                    }),
                    ..Derivs::default()
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::catalog::books_of;

    #[test]
    fn values_are_bounded_slow_and_differ_across_books() {
        let usdm = books_of(VenueId::BinanceUsdm).next().unwrap();
        let bybit = books_of(VenueId::BybitLinear).next().unwrap();
        let mut max_step: f64 = 0.0;
        for m in 0..2_000 {
            let t = m * MINUTE;
            for b in [usdm, bybit] {
                let l = long_share(b, RatioKind::Accounts, t);
                assert!((0.35..=0.65).contains(&l), "{l}");
                max_step = max_step.max((long_share(b, RatioKind::Accounts, t + PERIOD) - l).abs());
            }
            assert!((0.35..=0.65).contains(&taker_buy_share(t)));
        }
        assert!(max_step < 0.02, "slow: {max_step}");
        assert_ne!(
            long_share(usdm, RatioKind::Accounts, 0),
            long_share(bybit, RatioKind::Accounts, 0)
        );
    }

    #[test]
    fn perpetuals_publish_their_venue_kinds_for_the_last_closed_period() {
        let usdm = books_of(VenueId::BinanceUsdm).next().unwrap();
        let key = BookKey::new(VenueId::BinanceUsdm, INSTRUMENTS[usdm].id);
        let ev = events(usdm, &key, 10 * MINUTE + 5, 0);
        assert_eq!(ev.len(), 4);
        let MarketEvent::Derivs(d) = &ev[0] else {
            panic!("{ev:?}")
        };
        let p = d.values.positioning.unwrap();
        assert_eq!(p.at, 5 * MINUTE);
        assert_eq!(
            p.value,
            ratio(long_share(usdm, RatioKind::Accounts, 5 * MINUTE))
        );
        let spot = books_of(VenueId::Binance).next().unwrap();
        assert!(events(spot, &key, 0, 0).is_empty());
    }
}
