//! `--scenario` end to end: the simulator's model with a scenario on one book, fed into the
//! engine through the fast-forward [`Driver`] (no sockets, simulated time), and the read the
//! scenario is for firing on that venue and symbol within its documented window. Each test
//! also counts how often the same read fires over the same span of the same seed without the
//! scenario (the false positives of that read on the plain simulated market).

use super::*;
use crate::engine::analytics::{DetectorKind, RegimeLabel, ZoneSide};
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
/// engine once a second and handing `on_second` the model second and the BTC frame.
fn drive(
    scenario: Option<ScenarioKind>,
    books: &[BookId],
    secs: u64,
    on_second: impl FnMut(u64, &SymbolFrame),
) {
    let mut engine = Engine::new(settings(&["BTC"], Vec::new()));
    drive_engine(&mut engine, scenario, books, secs, on_second);
}

/// [`drive`] into `engine` (a warm one, say).
fn drive_engine(
    engine: &mut Engine,
    scenario: Option<ScenarioKind>,
    books: &[BookId],
    secs: u64,
    mut on_second: impl FnMut(u64, &SymbolFrame),
) {
    let specs: Vec<ScenarioSpec> = scenario.into_iter().map(ScenarioSpec::new).collect();
    let mut driver =
        Driver::with_scenarios(SEED, books, &specs, T0, engine).expect("target modelled");
    while driver.now() < T0 + secs as Millis * 1_000 {
        let ms = driver.step(engine);
        if ms % 1_000 != 0 {
            continue;
        }
        let frame = engine.tick(at(ms));
        on_second(((ms - T0) / 1_000) as u64, &frame.symbols[0]);
    }
}

/// The model seconds at which a score rose to the firing level.
#[derive(Debug, Default)]
struct Rises {
    above: bool,
    at: Vec<u64>,
}

impl Rises {
    fn see(&mut self, second: u64, score: Option<f64>) {
        let now = score.is_some_and(|s| s >= FIRING);
        if now && !self.above {
            self.at.push(second);
        }
        self.above = now;
    }
}

/// [`drive`], watching the score `read` takes from the BTC frame: returns the model seconds at
/// which it rose to the firing level.
fn firings(
    scenario: Option<ScenarioKind>,
    books: &[BookId],
    secs: u64,
    mut read: impl FnMut(&SymbolFrame) -> Option<f64>,
) -> Vec<u64> {
    let mut rises = Rises::default();
    drive(scenario, books, secs, |t, s| rises.see(t, read(s)));
    rises.at
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

/// `kind`'s score on `key` in the symbol's analytics.
fn detector(s: &SymbolFrame, key: &BookKey, kind: DetectorKind) -> Option<f64> {
    let book = s.analytics.integrity.iter().find(|b| b.key == *key)?;
    book.detectors.iter().find(|d| d.kind == kind)?.score
}

/// Runs `kind` on `book` and the plain market for `secs`, reports both firing lists, and
/// returns them.
fn compare(
    kind: ScenarioKind,
    book: BookId,
    secs: u64,
    read: DetectorKind,
) -> (Vec<u64>, Vec<u64>) {
    let key = BookKey::new(INSTRUMENTS[book].venue, INSTRUMENTS[book].id);
    let fired = firings(Some(kind), &[book], secs, |s| detector(s, &key, read));
    let plain = firings(None, &[book], secs, |s| detector(s, &key, read));
    eprintln!(
        "{}: fired at {fired:?} s; without the scenario {plain:?}",
        read.metric()
    );
    (fired, plain)
}

fn binance_spot() -> BookId {
    find(VenueId::Binance, "BTCUSDT").unwrap()
}

/// §10.2: layers every 15 s from 7 s; the score is judged τ + 1 s after a cluster, so it fires
/// within the first minute.
#[test]
fn layering_fires_within_a_minute() {
    let (fired, plain) = compare(
        ScenarioKind::Layering,
        binance_spot(),
        120,
        DetectorKind::Layering,
    );
    assert!(fired.first().is_some_and(|&t| t <= 60), "{fired:?}");
    assert!(plain.len() < fired.len(), "{plain:?}");
}

/// §10.3: 5 s bursts every minute from 20 s; the 1 h baseline of seconds needs half of
/// itself (30 min), so the first burst judged is the one at 30 min 20 s, within 10 s.
#[test]
fn stuffing_fires_on_the_first_burst_after_the_baseline_fills() {
    let (fired, plain) = compare(
        ScenarioKind::Stuffing,
        binance_spot(),
        32 * 60,
        DetectorKind::QuoteStuffing,
    );
    assert!(
        fired
            .iter()
            .any(|&t| (30 * 60 + 20..=30 * 60 + 30).contains(&t)),
        "{fired:?}"
    );
    assert!(
        fired.iter().all(|&t| (t % 60) >= 20 && (t % 60) <= 30),
        "{fired:?}"
    );
    assert!(plain.is_empty(), "{plain:?}");
}

/// §10.4: bursts every 5 min from 90 s; the baselines need half an hour of 5 s bins, and the
/// score comes H = 60 s after the burst: the burst at 31 min 30 s fires by 32 min 45 s.
#[test]
fn ignition_fires_after_the_retracement_window() {
    let (fired, plain) = compare(
        ScenarioKind::Ignition,
        binance_spot(),
        33 * 60,
        DetectorKind::MomentumIgnition,
    );
    let start = 31 * 60 + 30;
    assert!(
        fired
            .iter()
            .any(|&t| (start + 60..=start + 75).contains(&t)),
        "{fired:?}"
    );
    assert!(plain.len() < fired.len(), "{plain:?}");
}

/// §10.6: 40 wash prints a second with uniform first digits; the Benford test needs 2 000
/// trades, reached within a minute, and then fires and stays there. The simulated tape without
/// the scenario (sizes spread over decades, Benford's first digits) never fires and reads near 0.
#[test]
fn wash_fires_once_it_has_its_trades_and_stays_fired() {
    let key = binance_btc();
    let books = [binance_spot()];
    let run = |scenario| {
        let mut scores = Vec::new();
        let fired = firings(scenario, &books, 10 * 60, |s| {
            let score = detector(s, &key, DetectorKind::WashTrading);
            scores.push(score.unwrap_or(0.0));
            score
        });
        let last = &scores[scores.len() - 300..];
        (fired, last.iter().sum::<f64>() / last.len() as f64)
    };
    let (fired, washed) = run(Some(ScenarioKind::Wash));
    let (plain, usual) = run(None);
    eprintln!(
        "wash_score: fired at {fired:?} s, mean {washed:.3} over the last 5 min; without the \
         scenario fired at {plain:?}, mean {usual:.3}"
    );
    assert!(fired.first().is_some_and(|&t| t <= 120), "{fired:?}");
    assert_eq!(fired.len(), 1, "stays fired");
    assert!(plain.is_empty(), "{plain:?}");
    assert!(washed >= 0.9 && usual <= 0.1, "{washed} vs {usual}");
}

/// §10.6 where the size step is coarse: `binance-usdm:SOLUSDT` trades whole SOL ($182), most
/// taker orders a few of them, so its notionals are a few multiples of $182 whose first digits
/// are the price's (MAD about 0.03, a full score on any flow): over 10 min of the plain market
/// its `wash_score` is not scored once its 2 000 trades are in, while Binance's SOL spot book
/// beside it (a step of 0.001 SOL) is, and reads clean.
#[test]
fn wash_is_not_scored_on_a_tape_of_a_few_size_steps() {
    let coarse = find(VenueId::BinanceUsdm, "SOLUSDT").unwrap();
    let fine = find(VenueId::Binance, "SOLUSDT").unwrap();
    let key = |b: BookId| BookKey::new(INSTRUMENTS[b].venue, INSTRUMENTS[b].id);
    let mut engine = Engine::new(settings(&["SOL"], Vec::new()));
    let mut last = (None, None);
    drive_engine(&mut engine, None, &[coarse, fine], 10 * 60, |_, s| {
        let wash = |b| detector(s, &key(b), DetectorKind::WashTrading);
        last = (wash(coarse), wash(fine));
    });
    eprintln!(
        "wash_score after 10 min: coarse {:?}, fine {:?}",
        last.0, last.1
    );
    assert_eq!(last.0, None);
    assert!(last.1.is_some_and(|s| s < 0.5), "{last:?}");
}

/// §10.7 on the USDⓈ-M perpetual: the spike at 32 min (the read needs half an hour of the
/// liquidation stream and 15 closed minutes of range) fires when the 2 min after it are over.
#[test]
fn stop_hunt_fires_two_minutes_after_the_spike() {
    let perp = find(VenueId::BinanceUsdm, "BTCUSDT").unwrap();
    let (fired, plain) = compare(
        ScenarioKind::StopHunt,
        perp,
        35 * 60,
        DetectorKind::StopHunt,
    );
    assert!(
        fired.iter().any(|&t| (32 * 60..=34 * 60 + 30).contains(&t)),
        "{fired:?}"
    );
    assert!(plain.is_empty(), "{plain:?}");
}

/// §10.5 end to end, as `--demo --scenario pump` runs it: the target book's simulated past is
/// built by the demo's machinery ([`fast_forward`](crate::sim::fast_forward::fast_forward):
/// sampled minutes, then a full tail) over 6 h 20 min, the half of its 12 h baseline the read
/// needs plus its 15 min window, written to a history file and restored into a new engine
/// (its traded minutes fill the baseline), and the live market runs from there. The first
/// rise (from 2 min, +12 % over 15 min on 4 × the flow) fires `pump_score` on that book once
/// the 15 min return is measurable, 16 min into the live run (the past seeds volumes, not
/// prices), and before the rise ends at 17 min. Without the scenario the read is there and never fires,
/// its volume ratio near 1: the past's flow is the live market's.
#[test]
fn pump_fires_within_its_rise_after_a_fast_forwarded_past() {
    use crate::sim::fast_forward::{fast_forward, write};
    let books = [binance_spot()];
    let key = binance_btc();
    let path = crate::testutil::TempPath::new("pump-past.sqlite");
    let mut store = crate::history::Store::open_write(&path).expect("writable");
    let span = std::time::Duration::from_secs(6 * 3_600 + 20 * 60);
    let tail = fast_forward(
        SEED + 1,
        &books,
        settings(&["BTC"], Vec::new()),
        T0,
        span,
        |part| write(&mut store, &part).map(|_| ()),
    )
    .expect("built");
    write(&mut store, &tail).expect("written");
    drop(store);
    let store = crate::history::Store::open_read(&path).expect("readable");
    let seeds = crate::history::warm_seeds(&store, T0).expect("restored");
    let run = |scenario| {
        let mut engine = Engine::new(settings(&["BTC"], Vec::new()));
        for (k, s) in &seeds {
            engine.seed(k, s.clone());
        }
        let (mut rises, mut ratios) = (Rises::default(), Vec::new());
        drive_engine(&mut engine, scenario, &books, 18 * 60, |t, s| {
            let score = detector(s, &key, DetectorKind::Pump);
            if t % 60 == 0 && score.is_some() {
                ratios.push((t / 60, score.unwrap_or(0.0)));
            }
            rises.see(t, score);
        });
        (rises.at, ratios)
    };
    let (fired, scores) = run(Some(ScenarioKind::Pump));
    let (plain, plain_scores) = run(None);
    eprintln!(
        "pump_score fired at {fired:?} s (scores by minute {scores:?}); without the scenario {plain:?} ({plain_scores:?})"
    );
    assert!(
        fired
            .first()
            .is_some_and(|&t| (16 * 60..=17 * 60).contains(&t)),
        "{fired:?}"
    );
    assert!(plain.is_empty(), "{plain:?}");
}

/// Published zones on `side` that hold a multiple of $100 between 45 and 105 bps from the mid
/// and most (80 %) of the wall's notional: where the `wall` scenario rests its order of
/// 1 000 × the usual size (the model's own walls start 5–40 bps away, and the far orders it
/// places, whose sizes span a decade, can gather a zone of a few $M there in a few minutes).
fn round_zones(s: &SymbolFrame, side: ZoneSide) -> Option<f64> {
    let mid = s.books.first()?.features.as_ref()?.mid?;
    let wall = 1_000.0 * crate::sim::catalog::SYMBOLS[0].order_size * mid;
    let found = s.analytics.zones.zones.iter().any(|z| {
        let round = ((z.lo - 1e-6) / 100.0).ceil() * 100.0 <= z.hi + 1e-6;
        let bps = ((z.lo + z.hi) / 2.0 / mid - 1.0).abs() * 1e4;
        z.side == side
            && round
            && (45.0..=105.0).contains(&bps)
            && z.notional.is_some_and(|n| n >= 0.8 * wall)
    });
    Some(if found { 1.0 } else { 0.0 })
}

/// §5: the wall placed at 10 s on Binance's bid side at a round price becomes a published zone
/// (strength ≥ 0.1, about 52 s of persistence at full observation) within 3 min.
#[test]
fn wall_becomes_a_zone_within_three_minutes() {
    let books = [binance_spot()];
    let fired = firings(Some(ScenarioKind::Wall), &books, 200, |s| {
        round_zones(s, ZoneSide::Bid)
    });
    let plain = firings(None, &books, 200, |s| round_zones(s, ZoneSide::Bid));
    eprintln!("wall zone appeared at {fired:?} s; without the scenario {plain:?}");
    assert!(fired.first().is_some_and(|&t| t <= 120), "{fired:?}");
    assert!(plain.is_empty(), "{plain:?}");
}

/// §6: the regime filter needs 12 h of 1-min mids. The model runs 13 h 40 min (trade flow only
/// between the 1-min samples, [`Driver::skip`], which moves the price as the scenario says).
/// In the 20 min of the up-shift at 12 h 5 min and of the down-shift at 13 h 5 min, the label
/// is BULL or BREAKOUT (BEAR or CRASH) for more minutes than in the same minutes of the same
/// seed without the scenario, whose own path sways the filter too.
#[test]
fn regime_shift_moves_the_regime_label() {
    use crate::engine::analytics::RegimeLabel::{Bear, Breakout, Bull, Crash};
    let books = [binance_spot()];
    let labels = |scenario: Option<ScenarioKind>| {
        let mut engine = Engine::new(settings(&["BTC"], Vec::new()));
        let specs: Vec<ScenarioSpec> = scenario.into_iter().map(ScenarioSpec::new).collect();
        let mut driver = Driver::with_scenarios(SEED, &books, &specs, T0, &mut engine).unwrap();
        let mut out = Vec::new();
        for minute in 1..=(13 * 60 + 40) {
            let ms = driver.skip(&mut engine, 600);
            assert_eq!(ms, T0 + minute * 60_000);
            let frame = engine.tick(at(ms));
            out.push((minute as u64, frame.symbols[0].analytics.regime.label));
        }
        out
    };
    let changes = |l: &[(u64, Option<RegimeLabel>)]| {
        l.windows(2)
            .filter(|w| w[0].1 != w[1].1)
            .map(|w| (w[1].0, w[1].1))
            .collect::<Vec<_>>()
    };
    let trending = |l: &[(u64, Option<RegimeLabel>)]| {
        let count = |from: u64, labels: &[RegimeLabel]| {
            l.iter()
                .filter(|(m, x)| {
                    (from..from + 20).contains(m) && x.is_some_and(|x| labels.contains(&x))
                })
                .count()
        };
        (
            count(12 * 60 + 5, &[Bull, Breakout]),
            count(13 * 60 + 5, &[Bear, Crash]),
        )
    };
    let shifted = labels(Some(ScenarioKind::RegimeShift));
    let plain = labels(None);
    let (up, down) = (trending(&shifted), trending(&plain));
    eprintln!(
        "regime with the scenario: {:?}; trend minutes (up, down) {up:?}",
        changes(&shifted)
    );
    eprintln!(
        "regime without: {:?}; same minutes {down:?}",
        changes(&plain)
    );
    assert!(up.0 > 0, "no BULL or BREAKOUT in the up-shift");
    assert!(up.0 + up.1 >= down.0 + down.1 + 5, "{up:?} vs {down:?}");
}

/// The plain market of the seed on every book the tests above drive (the USDT BTC spot books
/// and Binance's USDⓈ-M perpetual), over the longest of their windows (35 min): no detector
/// fires on any book, so each firing above is its scenario's.
#[test]
fn the_plain_market_fires_no_detector() {
    let mut books = btc_spot();
    books.push(find(VenueId::BinanceUsdm, "BTCUSDT").unwrap());
    let mut rises: Vec<(BookKey, DetectorKind, Rises)> = Vec::new();
    drive(None, &books, 35 * 60, |t, s| {
        for b in &s.analytics.integrity {
            for d in &b.detectors {
                let i = match rises.iter().position(|r| r.0 == b.key && r.1 == d.kind) {
                    Some(i) => i,
                    None => {
                        rises.push((b.key.clone(), d.kind, Rises::default()));
                        rises.len() - 1
                    }
                };
                rises[i].2.see(t, d.score);
            }
        }
    });
    assert_eq!(rises.len(), books.len() * DetectorKind::ALL.len());
    for kind in DetectorKind::ALL {
        let of_kind = || rises.iter().filter(|r| r.1 == kind && !r.2.at.is_empty());
        let count: usize = of_kind().map(|r| r.2.at.len()).sum();
        let on: Vec<String> = of_kind()
            .map(|r| format!("{} at {:?}", r.0, r.2.at))
            .collect();
        eprintln!("{}: {count} firings {on:?}", kind.metric());
    }
    let fired: Vec<_> = rises.iter().filter(|r| !r.2.at.is_empty()).collect();
    assert!(fired.is_empty(), "{fired:?}");
}
