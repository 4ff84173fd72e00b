//! Warm-up (§0.2) and time-weighting (§0.3) through the engine.

use super::*;

fn engine() -> Engine {
    Engine::new(settings(&["BTC"], Vec::new()))
}

/// A one-level book around 10,000 whose spread is `spread` quote units (`spread` bps).
fn spread_book(s: &Script, ms: Millis, spread: f64) -> MarketEvent {
    s.snapshot(
        ms,
        &[(10_000.0 - spread / 2.0, 1.0)],
        &[(10_000.0 + spread / 2.0, 1.0), (10_100.0, 1.0)],
    )
}

#[test]
fn rolling_figures_are_none_until_their_windows_are_half_covered() {
    let mut e = engine();
    let mut s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(
        &mut e,
        [
            s.spot(),
            s.status(0, BookState::Live, 0),
            spread_book(&s, 0, 1.0),
        ],
    );
    let check = |e: &mut Engine, s: &mut Script, t: i64| {
        feed(e, [s.trade(secs(t), 10_000.0, 1.0, TakerSide::Buy)]);
        let f = e.tick(at(secs(t)));
        let b = book(&f, &s.key);
        let feat = b.features.clone().unwrap();
        (
            feat.ofi_10s.is_some(),
            feat.ofi_60s.is_some(),
            b.flow.cvd_1m.is_some(),
            b.flow.cvd_5m.is_some(),
            feat.spread_volatility_bps.is_some(),
        )
    };
    assert_eq!(
        check(&mut e, &mut s, 4),
        (false, false, false, false, false)
    );
    assert_eq!(check(&mut e, &mut s, 5), (true, false, false, false, false));
    assert_eq!(check(&mut e, &mut s, 30), (true, true, true, false, false));
    assert_eq!(check(&mut e, &mut s, 149), (true, true, true, false, false));
    // 150 of 300 s: cvd_5m and the 300 s spread volatility (150 grid samples ≥ 30) are warm.
    assert_eq!(check(&mut e, &mut s, 150), (true, true, true, true, true));
}

#[test]
fn the_l1_average_is_time_weighted_not_event_weighted() {
    // §2.4: (3, 1) for 24 s then (1, 1) for 36 s of a 60 s window: 0.5·0.4 + 0·0.6 = 0.2, even
    // though almost every update came in the first state.
    let mut e = engine();
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot()]);
    feed(
        &mut e,
        s.live(0, &[(100.0, 3.0)], &[(100.1, 1.0), (100.5, 1.0)]),
    );
    for i in 1..=98 {
        // Churn behind the touch: a new book state, the same L1.
        feed(
            &mut e,
            [s.delta(i * 240, &[(Side::Ask, 100.5, 1.0 + i as f64)])],
        );
    }
    feed(&mut e, [s.delta(secs(24), &[(Side::Bid, 100.0, 1.0)])]);
    let f = e.tick(at(secs(60)));
    let feat = book(&f, &s.key).features.clone().unwrap();
    assert_some_close(feat.l1_imbalance_ratio_avg, 0.2);
    assert_eq!(feat.l1_imbalance_ratio, Some(0.0));
}

#[test]
fn spread_volatility_samples_a_one_second_grid() {
    // §0.3 at the engine's 300 s window: 1 bp for 240 s then 5 bp for 60 s (the spec's 8 s/2 s
    // split, scaled) is 240 samples of 1 and 60 of 5 on the grid, however many updates each
    // state had: std = sqrt((240·0.8² + 60·3.2²)/299) = 1.602674…, where the per-update std of
    // this burst would be close to 2.
    let mut e = engine();
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(
        &mut e,
        [
            s.spot(),
            s.status(0, BookState::Live, 0),
            spread_book(&s, 0, 1.0),
        ],
    );
    feed(&mut e, [spread_book(&s, secs(240), 5.0)]);
    for i in 1..=600 {
        feed(
            &mut e,
            [s.delta(secs(240) + i * 100, &[(Side::Ask, 10_100.0, i as f64)])],
        );
    }
    let f = e.tick(at(secs(300)));
    let feat = book(&f, &s.key).features.clone().unwrap();
    let expected = ((240.0 * 0.8f64.powi(2) + 60.0 * 3.2f64.powi(2)) / 299.0).sqrt();
    assert_some_close(feat.spread_volatility_bps, expected);
    assert!((expected - 1.602674).abs() < 1e-6);
}
