//! §0.2 through the engine: empty sides, crossed books, zero depth, stale venues, resyncs,
//! unknown contracts, and books that are not live.

use super::*;
use crate::integrity::ResyncReason;

const B1_BIDS: [(f64, f64); 5] = [
    (100.0, 3.0),
    (99.9, 5.0),
    (99.8, 2.0),
    (99.7, 6.0),
    (99.6, 4.0),
];
const B1_ASKS: [(f64, f64); 5] = [
    (100.1, 1.0),
    (100.2, 4.0),
    (100.3, 3.0),
    (100.4, 2.0),
    (100.5, 5.0),
];

fn engine() -> Engine {
    Engine::new(settings(&["BTC"], Vec::new()))
}

#[test]
fn b1_through_the_engine_matches_the_spec() {
    let mut e = engine();
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot()]);
    feed(&mut e, s.live(0, &B1_BIDS, &B1_ASKS));
    let f = e.tick(at(1_000));
    let b = book(&f, &s.key);
    assert!(b.valid && !b.stale);
    assert_eq!((b.n_levels_bid, b.n_levels_ask), (5, 5));
    let feat = b.features.as_ref().unwrap();
    assert_some_close(feat.mid, 100.05);
    assert_some_close(feat.spread_bps, 9.995002499);
    assert_some_close(feat.depth_imbalance[0], 0.5);
    assert_some_close(feat.depth_imbalance[1], 0.1428571429);
    assert_some_close(feat.wmid_offset_bps, 2.498750625);
    assert_some_close(feat.wmid_5_offset_bps, 5.211679874);
    let bands = b.bands.as_ref().unwrap();
    assert_eq!(bands.kaiko_reference, "best_on_side");
    // §2.1: 99.9 sits exactly on the 0.1 % edge.
    assert_eq!(bands.kaiko[0].1.base, 8.0);
    // §2.2: bid 0/3/3/10 and ask 0/1/1/8 at 2/5/10/25 bps.
    let bps: Vec<(f64, f64)> = bands.bps.iter().map(|(_, b, a)| (b.base, a.base)).collect();
    assert_eq!(bps, [(0.0, 0.0), (3.0, 1.0), (3.0, 1.0), (10.0, 8.0)]);
    assert_eq!((bands.outer_bid.base, bands.outer_ask.base), (10.0, 7.0));
    // $10k is beyond the displayed asks (1505.1): not enough depth, not a number.
    assert_eq!(bands.slippage[0].1, None);
    // Rolling figures are warming up, not zero.
    assert_eq!(feat.ofi_10s, None);
    assert_eq!(feat.spread_volatility_bps, None);
    assert_frame_finite(&f);
}

#[test]
fn an_empty_side_keeps_one_sided_figures_and_drops_two_sided_ones() {
    let mut e = engine();
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot()]);
    feed(&mut e, s.live(0, &B1_BIDS, &[]));
    let f = e.tick(at(1_000));
    let b = book(&f, &s.key);
    assert!(b.valid);
    assert_eq!(b.n_levels_ask, 0);
    let feat = b.features.as_ref().unwrap();
    assert_eq!(feat.mid, None);
    assert_eq!(feat.spread_bps, None);
    assert_eq!(feat.depth_imbalance, [None; 4]);
    assert_eq!(feat.l1_imbalance_ratio, None);
    // Bands are measured from the mid, which does not exist.
    assert!(b.bands.is_none());
    // The ladder still shows the side that exists.
    assert_eq!(b.ladder.bids.len(), 5);
    assert_frame_finite(&f);
}

#[test]
fn a_crossed_mirror_is_invalid_and_breaks_the_ofi_chain() {
    let mut e = engine();
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot()]);
    feed(&mut e, s.live(0, &[(100.0, 5.0)], &[(101.0, 5.0)]));
    // A venue never publishes a crossed book as live, but the engine must not trust that.
    feed(&mut e, [s.delta(1_000, &[(Side::Bid, 101.5, 1.0)])]);
    let f = e.tick(at(1_500));
    let b = book(&f, &s.key);
    assert_eq!(b.state, BookState::Live);
    assert!(!b.valid);
    assert!(b.features.is_none() && b.bands.is_none());
    // Uncrossed again: the first valid state is a new baseline, so nothing spans the crossing.
    feed(&mut e, [s.delta(2_000, &[(Side::Bid, 101.5, 0.0)])]);
    feed(&mut e, [s.delta(3_000, &[(Side::Bid, 100.0, 8.0)])]);
    let f = e.tick(at(6_000));
    let feat = book(&f, &s.key).features.clone().unwrap();
    // Only the 5 → 8 add at the bid counts: +3. An event across the crossing would add more.
    assert_eq!(feat.ofi_10s, Some(3.0));
    assert_frame_finite(&f);
}

#[test]
fn zero_depth_in_a_band_is_none_not_a_division_by_zero() {
    let mut e = engine();
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot()]);
    // 200 bps wide: nothing within 25 bps of the mid on either side.
    feed(&mut e, s.live(0, &[(99.0, 1.0)], &[(101.0, 1.0)]));
    // A level set to zero is a removal, not a zero-size level.
    feed(
        &mut e,
        [s.delta(500, &[(Side::Bid, 98.0, 0.0), (Side::Ask, 102.0, 0.0)])],
    );
    let f = e.tick(at(1_000));
    let b = book(&f, &s.key);
    assert_eq!((b.n_levels_bid, b.n_levels_ask), (1, 1));
    let feat = b.features.as_ref().unwrap();
    assert_eq!(feat.depth_imbalance_25bps, None);
    assert_eq!(feat.price_impact_10bps, None);
    assert_eq!(feat.price_impact_25bps, None);
    assert_eq!(feat.directional_pressure, None);
    let bands = b.bands.as_ref().unwrap();
    assert_eq!(bands.bps[3].1.quote, 0.0);
    assert_frame_finite(&f);
}

#[test]
fn a_stale_venue_keeps_its_numbers_but_leaves_the_composites() {
    let mut e = engine();
    let a = Script::new(VenueId::Okx, "BTC-USDT");
    let b = Script::new(VenueId::Binance, "BTCUSDT");
    for s in [&a, &b] {
        feed(&mut e, [s.spot()]);
        feed(&mut e, s.live(0, &B1_BIDS, &B1_ASKS));
    }
    // Venue a updates every 100 ms; b goes quiet after its snapshot.
    let tick_a = |e: &mut Engine, i: i64| {
        feed(
            e,
            [a.delta(i * 100, &[(Side::Bid, 99.0, (i % 7) as f64 + 1.0)])],
        );
    };
    (1..=40).for_each(|i| tick_a(&mut e, i));
    let f = e.tick(at(4_000));
    assert_eq!(
        f.symbols[0].composites.venues_used,
        [VenueId::Binance, VenueId::Okx]
    );
    (41..=50).for_each(|i| tick_a(&mut e, i));
    // 5 s (the floor) after b's last update.
    let f = e.tick(at(5_001));
    let quiet = book(&f, &b.key);
    assert!(quiet.stale && quiet.valid);
    assert_eq!(quiet.stale_after_ms, 5_000.0);
    assert!(quiet.features.as_ref().unwrap().spread_bps.is_some());
    // a: 20 × its 100 ms median is below the 5 s floor, and it updated 1 ms ago.
    assert!(!book(&f, &a.key).stale);
    assert_eq!(f.symbols[0].composites.venues_used, [VenueId::Okx]);
    // One venue is not a cross-venue agreement.
    assert_eq!(f.symbols[0].composites.cross_exchange_agreement, None);
}

/// §1.3's L1 sequence `(p^b, q^b, p^a, q^a)`.
const SEQ: [(f64, f64, f64, f64); 6] = [
    (100.0, 5.0, 101.0, 5.0),
    (100.0, 8.0, 101.0, 5.0),
    (100.0, 8.0, 101.0, 2.0),
    (100.5, 1.0, 101.0, 2.0),
    (100.5, 1.0, 100.8, 4.0),
    (100.0, 8.0, 100.8, 4.0),
];

/// A snapshot holding exactly state `i` of [`SEQ`].
fn state(s: &Script, ms: Millis, i: usize) -> MarketEvent {
    let (pb, qb, pa, qa) = SEQ[i];
    s.snapshot(ms, &[(pb, qb)], &[(pa, qa)])
}

/// The delta from state `i − 1` to state `i`: the levels that changed, old prices removed.
fn step(s: &Script, ms: Millis, i: usize) -> MarketEvent {
    let ((pb0, _, pa0, _), (pb, qb, pa, qa)) = (SEQ[i - 1], SEQ[i]);
    let mut changes = Vec::new();
    if pb0 != pb {
        changes.push((Side::Bid, pb0, 0.0));
    }
    if pa0 != pa {
        changes.push((Side::Ask, pa0, 0.0));
    }
    changes.extend([(Side::Bid, pb, qb), (Side::Ask, pa, qa)]);
    s.delta(ms, &changes)
}

#[test]
fn ofi_through_the_engine_matches_the_spec_sequence() {
    let mut e = engine();
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(
        &mut e,
        [s.spot(), s.status(0, BookState::Live, 0), state(&s, 0, 0)],
    );
    for i in 1..6 {
        feed(&mut e, [step(&s, secs(i as i64), i)]);
    }
    let f = e.tick(at(secs(6)));
    let feat = book(&f, &s.key).features.clone().unwrap();
    // e = [3, 3, 1, −4, −1]: OFI 2, Σ|e| 12 (the strict-inequality bug gives −4).
    assert_eq!(feat.ofi_10s, Some(2.0));
    assert_some_close(feat.ofi_norm_10s, 0.1666666667);
    // The 60 s window is not half covered yet.
    assert_eq!(feat.ofi_60s, None);
}

#[test]
fn a_resync_mid_window_resets_differencing_but_keeps_rolling_windows() {
    let mut e = engine();
    let mut s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(
        &mut e,
        [s.spot(), s.status(0, BookState::Live, 0), state(&s, 0, 0)],
    );
    feed(&mut e, [step(&s, secs(1), 1), step(&s, secs(2), 2)]);
    let buy = s.trade(secs(2), 100.5, 2.0, TakerSide::Buy);
    feed(&mut e, [buy]);
    // Sequence gap at 3 s; the venue reloads a snapshot at 4 s that is already at state 3.
    let gap = ResyncReason::Gap {
        expected: 10,
        got: 12,
    };
    feed(&mut e, [s.status(secs(3), BookState::Resyncing(gap), 1)]);
    let f = e.tick(at(secs(3) + 500));
    let b = book(&f, &s.key);
    assert!(b.features.is_none() && !b.valid);
    assert_eq!(b.ladder.bids.len(), 0);
    // A snapshot whose bid improved: as a new baseline it is not a +1 event.
    feed(
        &mut e,
        [s.status(secs(4), BookState::Live, 1), state(&s, secs(4), 3)],
    );
    feed(&mut e, [step(&s, secs(5), 4)]);
    // Valid books covered 0–3 s and 4–7 s.
    let f = e.tick(at(secs(7)));
    let feat = book(&f, &s.key).features.clone().unwrap();
    // 3 + 3 before the gap (kept), −4 after it; nothing across it.
    assert_eq!(feat.ofi_10s, Some(2.0));
    // The trade window is a rolling window of computed values: it survives the resync.
    let f = e.tick(at(secs(31)));
    assert_eq!(book(&f, &s.key).flow.cvd_1m, Some(2.0));
}

#[test]
fn a_snapshot_reload_is_not_a_burst_of_large_adds() {
    let mut e = engine();
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    let bids: Vec<(f64, f64)> = (0..20).map(|i| (100.0 - 0.1 * i as f64, 1.0)).collect();
    let asks: Vec<(f64, f64)> = (0..20).map(|i| (100.1 + 0.1 * i as f64, 1.0)).collect();
    feed(&mut e, [s.spot()]);
    feed(&mut e, s.live(0, &bids, &asks));
    e.tick(at(1_000));
    // θ is max(5 × median $100, $50k): a 1,000-unit add at 99.8 ($99.8k) is large.
    feed(&mut e, [s.delta(secs(2), &[(Side::Bid, 99.8, 1_001.0)])]);
    // A reload holding 10,000 units at every level: a new baseline, not adds.
    let huge: Vec<(f64, f64)> = bids.iter().map(|&(p, _)| (p, 10_000.0)).collect();
    feed(&mut e, [s.snapshot(secs(3), &huge, &asks)]);
    let f = e.tick(at(secs(40)));
    let feat = book(&f, &s.key).features.clone().unwrap();
    assert_some_close(feat.large_order_events_per_min, 1.0);
}

#[test]
fn an_unknown_contract_has_no_notional_features() {
    let mut e = engine();
    let s = Script::new(VenueId::Okx, "BTC-USD-SWAP");
    // Sizes in contracts of unknown value: ratios hold, notionals would be wrong.
    feed(
        &mut e,
        [s.instrument("BTC", "USD", MarketKind::Perpetual, Contract::Unknown)],
    );
    feed(&mut e, s.live(0, &B1_BIDS, &B1_ASKS));
    let mut t = s.clone();
    for i in 0..40 {
        feed(&mut e, [t.trade(secs(i), 100.0, 5.0, TakerSide::Buy)]);
    }
    let f = e.tick(at(secs(40)));
    let b = book(&f, &s.key);
    assert!(!b.base_units);
    let feat = b.features.as_ref().unwrap();
    assert_some_close(feat.spread_bps, 9.995002499);
    assert_some_close(feat.depth_imbalance[1], 0.1428571429);
    assert_eq!(feat.price_impact_10bps, None);
    assert_eq!(feat.ofi_usd_60s, None);
    assert_eq!(feat.large_level_share, None);
    assert_eq!(feat.phantom_liquidity_score, None);
    assert!(b.bands.is_none());
    assert_eq!(b.ladder.large_threshold, None);
    assert_eq!(b.flow.cvd_1m, Some(200.0));
    assert_eq!(b.flow.cvd_1m_usd, None);
    assert_eq!(b.flow.large_trade_threshold_usd, None);
    assert_eq!(b.flow.volume_24h_usd, None);
    assert!(b.recent_trades.iter().all(|t| !t.large));
    // Taker prints in unknown units are never judged as notionals, but do not pile up either.
    assert_eq!(e.tick(at(secs(40) + 1)).new_alerts, 0);
    // The same book with a known contract has them.
    feed(
        &mut e,
        [s.instrument(
            "BTC",
            "USD",
            MarketKind::Perpetual,
            Contract::Linear { multiplier: 1.0 },
        )],
    );
    let f = e.tick(at(secs(41)));
    let b = book(&f, &s.key);
    assert!(b.base_units && b.bands.is_some());
    assert!(b.features.as_ref().unwrap().price_impact_25bps.is_some());
}

#[test]
fn books_that_are_not_live_carry_no_features_and_down_means_no_flow() {
    let mut e = engine();
    let mut s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot(), s.status(0, BookState::Syncing, 0)]);
    let f = e.tick(at(100));
    let b = book(&f, &s.key);
    assert_eq!((b.valid, b.stale), (false, false));
    assert!(b.features.is_none() && b.bands.is_none());
    feed(&mut e, s.live(secs(1), &B1_BIDS, &B1_ASKS));
    for i in 1..=40 {
        feed(&mut e, [s.trade(secs(i), 100.0, 1.0, TakerSide::Sell)]);
    }
    let f = e.tick(at(secs(40)));
    assert_eq!(book(&f, &s.key).flow.cvd_1m, Some(-40.0));
    feed(&mut e, [s.status(secs(41), BookState::Down, 0)]);
    let f = e.tick(at(secs(42)));
    let b = book(&f, &s.key);
    assert!(b.features.is_none());
    // Trades were missed while down: no flow figure is vouched for, and after reconnecting the
    // windows warm up again.
    assert_eq!(b.flow.cvd_1m, None);
    feed(&mut e, s.live(secs(50), &B1_BIDS, &B1_ASKS));
    let f = e.tick(at(secs(60)));
    assert_eq!(book(&f, &s.key).flow.cvd_1m, None);
    let f = e.tick(at(secs(80)));
    assert_eq!(book(&f, &s.key).flow.cvd_1m, Some(0.0));
}

#[test]
fn books_join_their_watch_list_entry_even_when_first_seen_through_a_guess() {
    // A watch list naming an asset and an explicit venue book.
    let mut e = Engine::new(settings(&["PEPE", "okx:ETH-USDT-SWAP"], Vec::new()));
    // Data before metadata: the guess reads "1000PEPE" from the id.
    let s = Script::new(VenueId::Binance, "1000PEPEUSDT");
    feed(&mut e, s.live(0, &[(1.0, 1.0)], &[(1.1, 1.0)]));
    let f = e.tick(at(100));
    let names: Vec<&str> = f.symbols.iter().map(|s| s.symbol.as_str()).collect();
    assert_eq!(names, ["PEPE", "okx:ETH-USDT-SWAP", "1000PEPE"]);
    assert_eq!(f.symbols[2].books.len(), 1);
    // The venue's metadata says the asset is PEPE: the book moves to the watched symbol.
    feed(
        &mut e,
        [s.instrument(
            "PEPE",
            "USDT",
            MarketKind::Perpetual,
            Contract::Linear { multiplier: 1000.0 },
        )],
    );
    let eth = Script::new(VenueId::Okx, "ETH-USDT-SWAP");
    feed(
        &mut e,
        [eth.instrument("ETH", "USDT", MarketKind::Perpetual, Contract::Base)],
    );
    let f = e.tick(at(200));
    assert_eq!(f.symbols[0].books[0].key, s.key);
    assert_eq!(f.symbols[1].books[0].key, eth.key);
    assert!(f.symbols[2].books.is_empty());
}
