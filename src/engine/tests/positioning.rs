//! Positioning through the engine: polled ratios into `Analytics::positioning`, the §3.13
//! consensus per ratio kind, staleness of polled values (§0.2), and the tape's large against
//! smaller taker split (§0.5 threshold).

use super::*;
use crate::engine::analytics::RatioKind;
use crate::feed::event::{Derivs, DerivsTick, Positioning, PositioningStat};

/// A polled value for `s` at local `ms`, with open interest `oi_usd` beside it when given.
fn polled(
    s: &Script,
    ms: Millis,
    stat: PositioningStat,
    value: f64,
    oi_usd: Option<f64>,
) -> MarketEvent {
    MarketEvent::Derivs(DerivsTick {
        key: s.key.clone(),
        local_ts: at(ms),
        exch_ts: None,
        values: Derivs {
            open_interest_usd: oi_usd,
            positioning: Some(Positioning {
                stat,
                value,
                at: ms - ms.rem_euclid(300_000),
            }),
            ..Derivs::default()
        },
    })
}

const ACCOUNTS: PositioningStat = PositioningStat::LongShort(RatioKind::Accounts);

/// §3.13's Test: LSR [1.5, 1.2, 0.8] with OI [5, 3, 2] $bn. The large trades of §4.1's engine
/// test ride on Binance's tape.
#[test]
fn spec_consensus_and_tape_split_through_the_engine() {
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let mut scripts: Vec<Script> = [
        (VenueId::BinanceUsdm, "BTCUSDT"),
        (VenueId::BybitLinear, "BTCUSDT"),
        (VenueId::Okx, "BTC-USDT-SWAP"),
    ]
    .iter()
    .map(|(v, id)| Script::new(*v, id))
    .collect();
    for s in &scripts {
        feed(
            &mut e,
            [s.instrument("BTC", "USDT", MarketKind::Perpetual, Contract::Base)],
        );
        feed(&mut e, s.live(0, &[(10_000.0, 5.0)], &[(10_001.0, 5.0)]));
    }
    for (t, size, taker) in [
        (10, 5.0, TakerSide::Buy),
        (20, 20.0, TakerSide::Buy),
        (30, 15.0, TakerSide::Sell),
        (40, 2.0, TakerSide::Sell),
        (50, 30.0, TakerSide::Buy),
        (60, 3.0, TakerSide::Sell),
    ] {
        feed(&mut e, [scripts[0].trade(secs(t), 10_000.0, size, taker)]);
    }
    let top = PositioningStat::LongShort(RatioKind::TopPositions);
    for (poll, ms) in [0, 60, 120].iter().map(|t| secs(*t + 30)).enumerate() {
        for (s, (lsr, oi)) in scripts.iter().zip([(1.5, 5e9), (1.2, 3e9), (0.8, 2e9)]) {
            feed(&mut e, [polled(s, ms, ACCOUNTS, lsr, Some(oi))]);
        }
        feed(
            &mut e,
            [polled(&scripts[0], ms, top, 0.9 + poll as f64 * 0.01, None)],
        );
    }
    for (i, s) in scripts.iter_mut().enumerate() {
        feed(
            &mut e,
            [s.delta(secs(149), &[(Side::Bid, 10_000.0, 6.0 + i as f64)])],
        );
    }

    let f = e.tick(at(secs(150)));
    let p = &f.symbols[0].analytics.positioning;
    assert_eq!(p.venues.len(), 3, "{p:?}");
    assert_eq!(
        p.consensus.len(),
        1,
        "top positions: one venue, no consensus: {p:?}"
    );
    let c = &p.consensus[0];
    assert_eq!((c.kind, c.venues), (RatioKind::Accounts, 3));
    assert!(
        (c.long_short_consensus - 0.1050505051).abs() < 1e-9,
        "{c:?}"
    );
    assert!((c.agreement.unwrap() - 0.7027027027).abs() < 1e-9, "{c:?}");
    assert!((c.long_short_ratio - 1.1050505051 / 0.8949494949).abs() < 1e-9);
    let binance = &p.venues[0];
    assert_eq!(binance.key, scripts[0].key);
    let kinds: Vec<_> = binance
        .ratios
        .iter()
        .map(|r| (r.kind, r.ratio, r.stale))
        .collect();
    assert_eq!(
        kinds,
        [
            (RatioKind::Accounts, 1.5, false),
            (RatioKind::TopPositions, 0.92, false)
        ]
    );
    // §3.3's window at 10,000 with the $100k floor: LB 500k, LS 150k; the rest 50k against 50k.
    let large = binance.large_taker_buy_share.unwrap();
    assert!((large - 0.7692307692).abs() < 1e-9, "{large}");
    assert_eq!(binance.small_taker_buy_share, Some(0.5));
    assert_eq!(
        p.venues[1].large_taker_buy_share, None,
        "no trades on Bybit"
    );

    // No poll since 150 s, polled every 60 s: stale after 270 s, kept and marked, and out of
    // the consensus.
    let f = e.tick(at(secs(271)));
    let p = &f.symbols[0].analytics.positioning;
    assert!(p.consensus.is_empty(), "{p:?}");
    assert!(p.venues.iter().all(|v| v.ratios.iter().all(|r| r.stale)));
    assert_eq!(p.venues[2].ratios[0].ratio, 0.8);
    assert_frame_finite(&f);
}

/// A venue without open interest has no weight: two venues left, still a consensus; one left,
/// none.
#[test]
fn venues_without_open_interest_do_not_vote() {
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let scripts: Vec<Script> = [
        (VenueId::BinanceUsdm, "BTCUSDT"),
        (VenueId::BybitLinear, "BTCUSDT"),
    ]
    .iter()
    .map(|(v, id)| Script::new(*v, id))
    .collect();
    for s in &scripts {
        feed(
            &mut e,
            [s.instrument("BTC", "USDT", MarketKind::Perpetual, Contract::Base)],
        );
        feed(&mut e, s.live(0, &[(10_000.0, 5.0)], &[(10_001.0, 5.0)]));
    }
    feed(
        &mut e,
        [polled(&scripts[0], secs(1), ACCOUNTS, 1.5, Some(5e9))],
    );
    feed(&mut e, [polled(&scripts[1], secs(1), ACCOUNTS, 1.2, None)]);
    let f = e.tick(at(secs(2)));
    let p = &f.symbols[0].analytics.positioning;
    assert_eq!(p.venues.len(), 2);
    assert!(p.consensus.is_empty(), "{p:?}");
    feed(
        &mut e,
        [polled(&scripts[1], secs(3), ACCOUNTS, 1.2, Some(3e9))],
    );
    let f = e.tick(at(secs(4)));
    let c = &f.symbols[0].analytics.positioning.consensus[0];
    // (5·0.2 + 3·0.0909090909)/8.
    assert!(
        (c.long_short_consensus - (1.0 + 3.0 / 11.0) / 8.0).abs() < 1e-9,
        "{c:?}"
    );
    assert_eq!(c.agreement, Some(1.0));
}

/// A spot book has no positioning.
#[test]
fn spot_books_have_no_positioning() {
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let s = Script::new(VenueId::Binance, "BTCUSDT");
    feed(&mut e, [s.spot()]);
    feed(&mut e, s.live(0, &[(10_000.0, 5.0)], &[(10_001.0, 5.0)]));
    let f = e.tick(at(secs(1)));
    assert!(f.symbols[0].analytics.positioning.venues.is_empty());
}
