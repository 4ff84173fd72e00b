//! §10 through the engine: the detectors' readings reach `Analytics::integrity` with their
//! evidence and the integrity score, and a resync is never read as a manipulation.

use super::*;
use crate::engine::analytics::{BookIntegrity, DetectorKind};
use crate::engine::frame::Frame;
use crate::integrity::ResyncReason;

fn engine() -> Engine {
    Engine::new(settings(&["BTC"], Vec::new()))
}

/// Twenty levels of 1 unit a side: θ = max(5 × $100, $50k) = $50k, so θ/2 is $25k.
type Levels = Vec<(f64, f64)>;

fn ladder() -> (Levels, Levels) {
    let bids = (0..20).map(|i| (100.0 - 0.1 * i as f64, 1.0)).collect();
    let asks = (0..20).map(|i| (100.1 + 0.1 * i as f64, 1.0)).collect();
    (bids, asks)
}

/// Keeps the book fresh: the touch re-quotes every half second from `from` to `to`.
fn requote(e: &mut Engine, s: &Script, from: Millis, to: Millis) {
    let mut t = from;
    while t < to {
        let size = if (t / 500) % 2 == 0 { 1.5 } else { 1.0 };
        feed(e, [s.delta(t, &[(Side::Ask, 100.1, size)])]);
        t += 500;
    }
}

fn integrity<'a>(f: &'a Frame, s: &Script) -> &'a BookIntegrity {
    f.symbols[0]
        .analytics
        .integrity
        .iter()
        .find(|b| b.key == s.key)
        .expect("the book's integrity")
}

/// Three bid levels get 300 units ($29.9k, between θ/2 and θ) within a second, and all are
/// pulled at 2 s.
fn layer(e: &mut Engine, s: &Script) {
    for (t, p) in [(1_200, 99.7), (1_400, 99.6), (1_600, 99.5)] {
        feed(e, [s.delta(t, &[(Side::Bid, p, 301.0)])]);
    }
}

#[test]
fn layering_reaches_the_analytics_with_its_evidence_and_the_integrity_score() {
    let mut e = engine();
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    let (bids, asks) = ladder();
    feed(&mut e, [s.spot()]);
    feed(&mut e, s.live(0, &bids, &asks));
    e.tick(at(1_000));
    layer(&mut e, &s);
    for p in [99.7, 99.6, 99.5] {
        feed(&mut e, [s.delta(2_000, &[(Side::Bid, p, 1.0)])]);
    }
    requote(&mut e, &s, 2_500, secs(35));
    for t in (2..=35).map(secs) {
        e.tick(at(t));
    }
    let f = e.tick(at(secs(35)));
    let b = integrity(&f, &s);
    let kinds: Vec<DetectorKind> = b.detectors.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, DetectorKind::ALL);
    let layering = &b.detectors[1];
    assert_eq!(layering.score, Some(1.0));
    let ev = layering.last_fired.as_ref().expect("the firing's evidence");
    assert_eq!(ev.points.len(), 3);
    assert_eq!(ev.points[0].price, 99.7);
    assert_eq!(ev.points[0].size, 300.0);
    assert!(
        ev.summary.starts_with("bid 99.5..99.7: 3 adds"),
        "{}",
        ev.summary
    );
    // Phantom saw no episode (the adds are below θ) and reads 0; the slow detectors are still
    // warming and are left out of the product: 100 · (1 − 0.5 · 1).
    assert_eq!(b.detectors[0].score, Some(0.0));
    assert_eq!(b.detectors[4].score, None);
    assert_eq!(b.integrity_score, Some(50.0));
    assert_eq!(b.top_contributors, [DetectorKind::Layering]);
    assert_eq!(f.symbols[0].composites.integrity_score, Some(50.0));
    assert_frame_finite(&f);
}

#[test]
fn a_resync_that_drops_the_layers_is_not_layering() {
    let mut e = engine();
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    let (bids, asks) = ladder();
    feed(&mut e, [s.spot()]);
    feed(&mut e, s.live(0, &bids, &asks));
    e.tick(at(1_000));
    layer(&mut e, &s);
    // A checksum failure at 1.8 s; the reloaded book no longer holds the adds.
    let gap = ResyncReason::Gap {
        expected: 10,
        got: 12,
    };
    feed(&mut e, [s.status(1_800, BookState::Resyncing(gap), 1)]);
    feed(
        &mut e,
        [
            s.status(2_000, BookState::Live, 1),
            s.snapshot(2_000, &bids, &asks),
        ],
    );
    requote(&mut e, &s, 2_500, secs(35));
    for t in (2..=35).map(secs) {
        e.tick(at(t));
    }
    let f = e.tick(at(secs(35)));
    let b = integrity(&f, &s);
    assert_eq!(b.detectors[1].score, Some(0.0));
    assert!(b.detectors.iter().all(|r| r.last_fired.is_none()));
    assert_eq!(b.integrity_score, Some(100.0));
    assert!(b.top_contributors.is_empty());
}

#[test]
fn a_stale_book_has_no_scores() {
    let mut e = engine();
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    let (bids, asks) = ladder();
    feed(&mut e, [s.spot()]);
    feed(&mut e, s.live(0, &bids, &asks));
    // No update for 40 s: stale (§0.2).
    let f = e.tick(at(secs(40)));
    let b = integrity(&f, &s);
    assert!(b.detectors.iter().all(|r| r.score.is_none()));
    assert_eq!(b.integrity_score, None);
    assert_eq!(f.symbols[0].composites.integrity_score, None);
}
