//! `--scenario` end to end: the simulator's model with a scenario on one book, fed into the
//! engine through the fast-forward [`Driver`] (no sockets, simulated time), and the read the
//! scenario is for firing on that venue and symbol within its documented window. Each test
//! also counts how often the same read fires over the same span of the same seed without the
//! scenario (the false positives of that read on the plain simulated market).

use super::*;
use crate::engine::frame::SymbolFrame;
use crate::sim::catalog::{BookId, INSTRUMENTS, find};
use crate::sim::fast_forward::Driver;
use crate::sim::model::scenario::{ScenarioKind, ScenarioSpec};

const SEED: u64 = 9;
/// Exchange time of model time 0.
const T0: Millis = 1_800_000_000_000;
/// §10: a read fires when its score reaches 0.5.
const FIRING: f64 = 0.5;

/// The USDT-quoted BTC spot books: the target (Binance) and the three or more other venues
/// §10.8 needs in one currency.
fn btc_spot() -> Vec<BookId> {
    (0..INSTRUMENTS.len())
        .filter(|&b| {
            let i = &INSTRUMENTS[b];
            i.symbol == 0 && !i.is_perpetual() && i.quote == "USDT"
        })
        .collect()
}

fn binance_btc() -> BookKey {
    BookKey::new(VenueId::Binance, "BTCUSDT")
}

/// Drives `books` (with `scenario`, if any) for `secs` seconds of model time, ticking the
/// engine once a second; `read` takes the BTC frame and returns the score watched. Returns the
/// model seconds at which the score rose to the firing level.
fn firings(
    scenario: Option<ScenarioKind>,
    books: &[BookId],
    secs: u64,
    mut read: impl FnMut(&SymbolFrame) -> Option<f64>,
) -> Vec<u64> {
    let mut engine = Engine::new(settings(&["BTC"], Vec::new()));
    let specs: Vec<ScenarioSpec> = scenario.into_iter().map(ScenarioSpec::new).collect();
    let mut driver =
        Driver::with_scenarios(SEED, books, &specs, T0, &mut engine).expect("target modelled");
    let (mut fired, mut above) = (Vec::new(), false);
    while driver.now() < T0 + secs as Millis * 1_000 {
        let ms = driver.step(&mut engine);
        if ms % 1_000 != 0 {
            continue;
        }
        let frame = engine.tick(at(ms));
        let now = read(&frame.symbols[0]).is_some_and(|s| s >= FIRING);
        if now && !above {
            fired.push(((ms - T0) / 1_000) as u64);
        }
        above = now;
    }
    fired
}

fn book_feature(s: &SymbolFrame, key: &BookKey) -> Option<f64> {
    let book = s.books.iter().find(|b| b.key == *key)?;
    book.features.as_ref()?.phantom_liquidity_score
}

/// §10.1: spoofs every 3 s from 5 s raise `phantom_liquidity_score` on binance:BTCUSDT to
/// the firing level within the first 60 s window.
#[test]
fn spoof_fires_phantom_liquidity_on_its_book_within_a_minute() {
    let books = [find(VenueId::Binance, "BTCUSDT").unwrap()];
    let key = binance_btc();
    let fired = firings(Some(ScenarioKind::Spoof), &books, 180, |s| {
        book_feature(s, &key)
    });
    let plain = firings(None, &books, 180, |s| book_feature(s, &key));
    eprintln!("phantom_liquidity_score fired at {fired:?} s; without the scenario {plain:?}");
    assert!(fired.first().is_some_and(|&t| t <= 60), "{fired:?}");
    assert!(plain.len() < fired.len().max(1), "{plain:?}");
}

/// §10.8: every 2 min from 30 s Binance's quotes sit 22 bps off the other USDT venues for
/// 30 s; `dislocation_score` names Binance at the firing level within 10 s of the move.
#[test]
fn dislocation_fires_on_the_moved_venue_within_seconds() {
    let books = btc_spot();
    assert!(books.len() >= 4, "the target and three others: {books:?}");
    let key = binance_btc();
    let on_binance = |s: &SymbolFrame| {
        let c = &s.composites;
        c.dislocation_score
            .filter(|_| c.dislocated.as_ref() == Some(&key))
    };
    let fired = firings(Some(ScenarioKind::Dislocation), &books, 300, on_binance);
    let plain = firings(None, &books, 300, |s| s.composites.dislocation_score);
    eprintln!("dislocation_score fired at {fired:?} s; without the scenario {plain:?}");
    // Occurrences at 30, 150 and 270 s; the score is the minimum over 2 s (§10.8).
    for start in [30, 150, 270] {
        assert!(
            fired.iter().any(|&t| (start..=start + 10).contains(&t)),
            "{start}: {fired:?}"
        );
    }
    assert!(plain.is_empty(), "{plain:?}");
}
