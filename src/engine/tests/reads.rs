//! The book-based cross-venue reads through the engine: §5 zones and §9 arbitrage, and what
//! stale or crossed books do to them (§0.2).

use super::*;
use crate::engine::analytics::{ZoneRole, ZoneSide};
use crate::features::zones::persistence;

/// `(price, size)` levels, best first.
type Levels = Vec<(f64, f64)>;

/// A BTC book around 100,000 (grid Δ = 50): one $10k level in each bucket out to 1.9 % on both
/// sides, and a 5 BTC (≈ $497k) bid at 99,475 when `wall`.
fn wall_book(wall: bool) -> (Levels, Levels) {
    let bids = (0..39)
        .map(|i| {
            let p = 99_975.0 - 50.0 * f64::from(i);
            (p, if wall && i == 10 { 5.0 } else { 0.1 })
        })
        .collect();
    let asks = (0..39)
        .map(|i| (100_025.0 + 50.0 * f64::from(i), 0.1))
        .collect();
    (bids, asks)
}

/// Ticks every 250 ms over `(from, to]` seconds, refreshing the book once a second with a size
/// change at its deepest ask while `fresh_until` (seconds) has not passed; returns the last frame.
fn run(e: &mut Engine, s: &Script, from: i64, to: i64, fresh_until: i64) -> Arc<Frame> {
    let mut last = None;
    for ms in (secs(from) + 250..=secs(to)).step_by(250) {
        if ms % 1000 == 0 && ms <= secs(fresh_until) {
            let size = if (ms / 1000) % 2 == 0 { 0.1 } else { 0.2 };
            feed(e, [s.delta(ms, &[(Side::Ask, 101_925.0, size)])]);
        }
        last = Some(e.tick(at(ms)));
    }
    last.unwrap()
}

#[test]
fn a_persistent_wall_becomes_a_support_zone_and_freezes_when_its_book_goes_stale() {
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot()]);
    let (bids, asks) = wall_book(true);
    feed(&mut e, s.live(0, &bids, &asks));
    e.tick(at(0));

    // 45 s of a wall: strength 1 − 2^(−45/342) ≈ 0.087, still internal (§5.3 publishes ≥ 0.1).
    let f = run(&mut e, &s, 0, 45, 1_000);
    let z = &f.symbols[0].analytics.zones;
    assert_eq!(z.grid, Some(50.0));
    assert_eq!(z.quote.as_deref(), Some("USDT"));
    assert!(z.zones.is_empty(), "{z:?}");
    assert!(!z.paused);

    // 70 s: one observation a second since 0 s, each with o = 1.
    let f = run(&mut e, &s, 45, 70, 1_000);
    let z = &f.symbols[0].analytics.zones;
    assert_eq!(z.zones.len(), 1, "{z:?}");
    let zone = &z.zones[0];
    assert_eq!((zone.lo, zone.hi), (99_450.0, 99_500.0));
    assert_eq!((zone.side, zone.role), (ZoneSide::Bid, ZoneRole::Support));
    let expected = 1.0 - persistence(1.0).powi(71);
    assert!((zone.strength - expected).abs() < 1e-9, "{zone:?}");
    assert!((zone.notional.unwrap() - 99_475.0 * 5.0).abs() < 1e-6);
    assert!((zone.age_s - 70.0).abs() < 1e-9);
    assert_eq!((zone.touches, zone.bounces, zone.breaches), (0, 0, 0));
    // The mid (100,000) is 50 bps above the zone's top; no resistance.
    assert!((z.nearest_support_bps.unwrap() - 50.0).abs() < 1e-9);
    assert_eq!(z.nearest_resistance_bps, None);
    // A complete book reaches ±2 %: no shrunk range.
    assert_eq!(z.range_pct, None);

    // No update after 70 s: stale 20 median intervals (20 s) later. The zone stays, paused,
    // and its strength stops moving.
    let f = run(&mut e, &s, 70, 95, 70);
    let z = &f.symbols[0].analytics.zones;
    assert!(book(&f, &s.key).stale);
    assert!(z.paused);
    assert_eq!(z.zones.len(), 1);
    let frozen = z.zones[0].strength;
    let f = run(&mut e, &s, 95, 100, 70);
    let z = &f.symbols[0].analytics.zones;
    assert!(z.paused);
    assert_eq!(z.zones[0].strength, frozen);
    assert_frame_finite(&f);
}

#[test]
fn a_crossed_book_makes_no_zone() {
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot()]);
    let (mut bids, asks) = wall_book(true);
    // A bid above the best ask: a desync symptom, no book metric (§0.2).
    bids.insert(0, (100_050.0, 0.1));
    feed(&mut e, s.live(0, &bids, &asks));
    let f = run(&mut e, &s, 0, 120, 1_000);
    assert!(!book(&f, &s.key).valid);
    let a = &f.symbols[0].analytics;
    assert!(a.zones.zones.is_empty());
    assert!(a.zones.paused);
    assert_eq!(a.zones.grid, None);
    assert!(a.arbitrage.opportunities.is_empty());
}

/// Binance BTC-USDT `(bid, ask)` and OKX BTC-USDT `(bid, ask)`: OKX bids 30 bps over Binance's
/// ask, both at 10 bps taker (their regular spot tiers).
fn two_spot_books(e: &mut Engine, ms: Millis, okx_bid: f64) -> (Script, Script) {
    let bin = Script::new(VenueId::Binance, "BTCUSDT");
    let okx = Script::new(VenueId::Okx, "BTC-USDT");
    feed(e, [bin.spot(), okx.spot()]);
    feed(
        e,
        bin.live(
            ms,
            &[(99_990.0, 1.0)],
            &[(100_000.0, 1.0), (100_010.0, 2.0)],
        ),
    );
    feed(
        e,
        okx.live(ms, &[(okx_bid, 0.5), (99_980.0, 3.0)], &[(100_310.0, 1.0)]),
    );
    (bin, okx)
}

#[test]
fn a_bid_over_another_venues_ask_beyond_fees_is_an_opportunity() {
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let (bin, okx) = two_spot_books(&mut e, 0, 100_300.0);
    // A perpetual bidding far above both: basis, not arbitrage, and no perpetual to pair with.
    let perp = Script::new(VenueId::BinanceUsdm, "BTCUSDT");
    feed(
        &mut e,
        [perp.instrument("BTC", "USDT", MarketKind::Perpetual, Contract::Base)],
    );
    feed(
        &mut e,
        perp.live(0, &[(101_000.0, 1.0)], &[(101_010.0, 1.0)]),
    );
    let f = e.tick(at(500));
    let arb = &f.symbols[0].analytics.arbitrage;
    assert_eq!(arb.quote.as_deref(), Some("USDT"));
    // Binance → OKX and OKX → Binance.
    assert_eq!(arb.pairs_checked, 2);
    assert_eq!(arb.opportunities.len(), 1, "{arb:?}");
    let o = &arb.opportunities[0];
    assert_eq!((&o.buy, &o.sell), (&bin.key, &okx.key));
    assert!((o.gross_bps - 30.0).abs() < 1e-9);
    // 100,300·0.999 / (100,000·1.001) − 1.
    let net = (100_300.0 * 0.999 / (100_000.0 * 1.001) - 1.0) * 1e4;
    assert!((o.net_bps - net).abs() < 1e-9, "{o:?}");
    // OKX's 0.5 at 100,300 is all that clears: its next bid (99,980) is under the ask.
    assert!((o.size - 0.5).abs() < 1e-12);
    assert!((o.notional - 50_000.0).abs() < 1e-6);
    assert!((o.pnl - 0.5 * (100_300.0 * 0.999 - 100_000.0 * 1.001)).abs() < 1e-6);
    assert_eq!((o.fee_buy_bps, o.fee_sell_bps), (10.0, 10.0));
    assert_frame_finite(&f);
    // Within fees: a 15 bps gross edge nets negative, nothing is listed.
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    two_spot_books(&mut e, 0, 100_150.0);
    let f = e.tick(at(500));
    assert_eq!(f.symbols[0].analytics.arbitrage.pairs_checked, 2);
    assert!(f.symbols[0].analytics.arbitrage.opportunities.is_empty());
}

#[test]
fn stale_or_crossed_books_are_never_arbitraged() {
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let (bin, okx) = two_spot_books(&mut e, 0, 100_300.0);
    assert_eq!(
        e.tick(at(500)).symbols[0]
            .analytics
            .arbitrage
            .opportunities
            .len(),
        1
    );
    // Binance keeps updating; OKX falls silent and goes stale after 5 s.
    let mut f = e.tick(at(1_000));
    for s in 1..=8 {
        feed(
            &mut e,
            [bin.delta(secs(s), &[(Side::Ask, 100_010.0, 2.0 + s as f64)])],
        );
        f = e.tick(at(secs(s)));
    }
    assert!(book(&f, &okx.key).stale);
    let arb = &f.symbols[0].analytics.arbitrage;
    assert_eq!((arb.pairs_checked, arb.opportunities.len()), (0, 0));
    // OKX back with a crossed book (its ask under its own bid): invalid, still excluded.
    feed(&mut e, [okx.delta(secs(9), &[(Side::Ask, 100_200.0, 1.0)])]);
    let f = e.tick(at(secs(9)));
    assert!(!book(&f, &okx.key).valid);
    let arb = &f.symbols[0].analytics.arbitrage;
    assert_eq!((arb.pairs_checked, arb.opportunities.len()), (0, 0));
    // Uncrossed again: the edge is back.
    feed(
        &mut e,
        [okx.delta(secs(10), &[(Side::Ask, 100_200.0, 0.0)])],
    );
    let f = e.tick(at(secs(10)));
    assert_eq!(f.symbols[0].analytics.arbitrage.opportunities.len(), 1);
}

/// `s` goes live with a snapshot known only down to `known[0]` and up to `known[1]`.
fn live_truncated(
    s: &Script,
    ms: Millis,
    bids: &[(f64, f64)],
    asks: &[(f64, f64)],
    known: [Option<f64>; 2],
) -> [MarketEvent; 2] {
    let [status, mut snapshot] = s.live(ms, bids, asks);
    if let MarketEvent::Book(u) = &mut snapshot {
        u.known_to = known;
    }
    [status, snapshot]
}

#[test]
fn truncated_books_shrink_the_range_and_a_shallow_one_is_left_out() {
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let okx = Script::new(VenueId::Okx, "BTC-USDT");
    let bin = Script::new(VenueId::Binance, "BTCUSDT");
    let bybit = Script::new(VenueId::BybitSpot, "BTCUSDT");
    feed(&mut e, [okx.spot(), bin.spot(), bybit.spot()]);
    let (bids, asks) = wall_book(true);
    feed(&mut e, okx.live(0, &bids, &asks));
    // Binance is known to hold every level within 1 % of 100,000; Bybit within 0.2 %.
    let (b, a) = wall_book(false);
    feed(
        &mut e,
        live_truncated(
            &bin,
            0,
            &b[..20],
            &a[..20],
            [Some(99_000.0), Some(101_000.0)],
        ),
    );
    feed(
        &mut e,
        live_truncated(
            &bybit,
            0,
            &b[..4],
            &a[..4],
            [Some(99_800.0), Some(100_200.0)],
        ),
    );
    let f = e.tick(at(0));
    let z = &f.symbols[0].analytics.zones;
    assert!(!z.paused);
    let range = z.range_pct.expect("a shrunk range is flagged");
    assert!((range - 1.0).abs() < 1e-9, "{range}");
}

/// A zone beyond the range the books now cover has no known resting notional: `None`, never a
/// notional of 0 that reads as "the wall is gone".
#[test]
fn a_zone_beyond_the_covered_range_has_no_notional() {
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot()]);
    let (mut bids, asks) = wall_book(false);
    // 5 BTC at 98,975: 1 % below the mid.
    bids[20].1 = 5.0;
    feed(&mut e, s.live(0, &bids, &asks));
    let f = run(&mut e, &s, 0, 70, 1_000);
    let zone = f.symbols[0].analytics.zones.zones[0].clone();
    assert_eq!((zone.lo, zone.hi), (98_950.0, 99_000.0));
    assert!(
        zone.notional
            .is_some_and(|n| (n - 98_975.0 * 5.0).abs() < 1e-6),
        "{zone:?}"
    );
    // The book is now known only within 0.7 % of the mid.
    feed(
        &mut e,
        live_truncated(
            &s,
            70_000,
            &bids[..14],
            &asks[..14],
            [Some(99_300.0), Some(100_700.0)],
        ),
    );
    let mut last = None;
    for ms in (70_250..=72_000).step_by(250) {
        last = Some(e.tick(at(ms)));
    }
    let z = &last.unwrap().symbols[0].analytics.zones;
    assert!(z.range_pct.is_some_and(|r| r < 1.0), "{z:?}");
    assert_eq!(z.zones.len(), 1, "the zone stays while its strength decays");
    assert_eq!(z.zones[0].notional, None, "{z:?}");
}

#[test]
fn a_resync_keeps_the_zones_and_pauses_their_observations() {
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot()]);
    let (bids, asks) = wall_book(true);
    feed(&mut e, s.live(0, &bids, &asks));
    let f = run(&mut e, &s, 0, 70, 1_000);
    let before = f.symbols[0].analytics.zones.zones.clone();
    assert_eq!(before.len(), 1);
    let resync = BookState::Resyncing(crate::integrity::ResyncReason::Crossed);
    feed(&mut e, [s.status(70_100, resync, 1)]);
    let f = e.tick(at(71_000));
    let z = &f.symbols[0].analytics.zones;
    assert!(z.paused);
    assert_eq!(z.zones.len(), 1);
    assert_eq!(z.zones[0].strength, before[0].strength);
    // Back live: the zone picks up where it was, one observation later.
    feed(&mut e, s.live(72_000, &bids, &asks));
    let f = e.tick(at(72_000));
    let z = &f.symbols[0].analytics.zones;
    assert!(!z.paused);
    assert!(z.zones[0].strength > before[0].strength);
    assert_eq!((z.zones[0].lo, z.zones[0].hi), (99_450.0, 99_500.0));
}

#[test]
fn usd_and_usdt_books_are_compared_through_the_rate_only() {
    // Binance asks 100,000 USDT; Kraken bids 100,700 USD. At 1.001 USD per USDT that bid is
    // 100,599.40 USDT: a 59.94 bps edge, not 70.
    let setup = |with_rate: bool| {
        let mut e = Engine::new(settings(&["BTC"], Vec::new()));
        let bin = Script::new(VenueId::Binance, "BTCUSDT");
        let kraken = Script::new(VenueId::Kraken, "BTC/USD");
        feed(
            &mut e,
            [
                bin.spot(),
                kraken.instrument("BTC", "USD", MarketKind::Spot, Contract::Base),
            ],
        );
        feed(&mut e, bin.live(0, &[(99_990.0, 1.0)], &[(100_000.0, 1.0)]));
        feed(
            &mut e,
            kraken.live(0, &[(100_700.0, 1.0)], &[(100_710.0, 1.0)]),
        );
        if with_rate {
            let rate = Script::new(VenueId::Kraken, "USDT/USD");
            feed(
                &mut e,
                [rate.instrument("USDT", "USD", MarketKind::Spot, Contract::Base)],
            );
            feed(&mut e, rate.live(0, &[(1.0009, 1e6)], &[(1.0011, 1e6)]));
        }
        e.tick(at(500))
    };
    let f = setup(false);
    let arb = &f.symbols[0].analytics.arbitrage;
    assert_eq!((arb.pairs_checked, arb.opportunities.len()), (0, 0));
    let f = setup(true);
    let arb = &f.symbols[0].analytics.arbitrage;
    assert_eq!(arb.quote.as_deref(), Some("USDT"));
    assert_eq!(arb.pairs_checked, 2);
    let o = &arb.opportunities[0];
    let bid = 100_700.0 / 1.001;
    assert!(
        (o.gross_bps - (bid / 100_000.0 - 1.0) * 1e4).abs() < 1e-6,
        "{o:?}"
    );
    // Kraken's regular tier (40 bps) on the sell, Binance's (10 bps) on the buy.
    assert_eq!((o.fee_buy_bps, o.fee_sell_bps), (10.0, 40.0));
    let net = (bid * 0.996 / (100_000.0 * 1.001) - 1.0) * 1e4;
    assert!((o.net_bps - net).abs() < 1e-6);
}

#[test]
fn a_perpetual_copying_spot_flow_two_seconds_later_lags_it_by_two() {
    // Once a second the spot bid's size moves up or down (a pattern of period 13, moving in 12
    // seconds of 13); the perpetual's makes the same move 2 s later. Each 1-s bin is then ±1 or
    // 0, and the perpetual's series is spot's shifted by two: ρ(2) = 1, spot leads.
    let spot = Script::new(VenueId::Okx, "BTC-USDT");
    let perp = Script::new(VenueId::BinanceUsdm, "BTCUSDT");
    let run_to = |end_s: i64| {
        let mut e = Engine::new(settings(&["BTC"], Vec::new()));
        feed(
            &mut e,
            [
                spot.spot(),
                perp.instrument("BTC", "USDT", MarketKind::Perpetual, Contract::Base),
            ],
        );
        feed(
            &mut e,
            spot.live(0, &[(99_990.0, 2.0)], &[(100_010.0, 2.0)]),
        );
        feed(
            &mut e,
            perp.live(0, &[(100_040.0, 2.0)], &[(100_060.0, 2.0)]),
        );
        let size = |t: i64| 1.0 + ((t * t + 2 * t).rem_euclid(13)) as f64;
        let mut f = e.tick(at(0));
        for ms in (50..=secs(end_s)).step_by(50) {
            if ms % 1000 == 100 {
                let t = ms / 1000;
                feed(&mut e, [spot.delta(ms, &[(Side::Bid, 99_990.0, size(t))])]);
                feed(
                    &mut e,
                    [perp.delta(ms, &[(Side::Bid, 100_040.0, size(t - 2))])],
                );
            }
            if ms % 250 == 0 {
                f = e.tick(at(ms));
            }
        }
        f
    };
    let f = run_to(100);
    let ll = f.symbols[0]
        .analytics
        .lead_lag
        .as_ref()
        .expect("a lead-lag");
    assert_eq!((&ll.a, &ll.b), (&spot.key, &perp.key));
    assert_eq!(ll.lag_s, 2);
    assert!((ll.rho - 1.0).abs() < 1e-9, "{ll:?}");
    assert!(ll.llr.unwrap() > 1.0);
    assert!((60..=100).contains(&ll.bins), "{ll:?}");
    // At 50 s fewer than 60 bins had flow: nothing yet.
    let f = run_to(50);
    assert_eq!(f.symbols[0].analytics.lead_lag, None);
}

#[test]
fn the_mid_falling_through_a_support_zone_breaches_it_and_flips_its_role() {
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot()]);
    let (bids, asks) = wall_book(true);
    feed(&mut e, s.live(0, &bids, &asks));
    run(&mut e, &s, 0, 70, 1_000);
    // The whole book moves down: first its mid sits inside the zone (99,475), then under it
    // (99,000). The wall moves with it, so the old zone only decays (still published).
    let shifted = |by: f64| {
        let (b, a) = wall_book(true);
        let shift = |l: Vec<(f64, f64)>| l.into_iter().map(|(p, q)| (p - by, q)).collect();
        (shift(b), shift(a))
    };
    let (b, a): (Levels, Levels) = shifted(525.0);
    feed(&mut e, [s.snapshot(70_100, &b, &a)]);
    let f = e.tick(at(70_250));
    let zone = f.symbols[0]
        .analytics
        .zones
        .zones
        .iter()
        .find(|z| z.lo == 99_450.0)
        .cloned();
    let zone = zone.expect("the old zone is still published");
    assert_eq!((zone.touches, zone.bounces, zone.breaches), (1, 0, 0));
    assert_eq!(zone.last_touch, Some(70_250));
    let (b, a): (Levels, Levels) = shifted(1_000.0);
    feed(&mut e, [s.snapshot(70_400, &b, &a)]);
    let f = e.tick(at(70_500));
    let z = &f.symbols[0].analytics.zones;
    let zone = z
        .zones
        .iter()
        .find(|z| z.lo == 99_450.0)
        .expect("still published");
    assert_eq!((zone.touches, zone.bounces, zone.breaches), (1, 0, 1));
    assert_eq!(zone.role, ZoneRole::Resistance);
    // 99,450 is 45.45 bps over the new mid of 99,000.
    let bps = (99_450.0 - 99_000.0) / 99_000.0 * 1e4;
    assert!(
        (z.nearest_resistance_bps.unwrap() - bps).abs() < 1e-9,
        "{z:?}"
    );
}
