//! Warm start through the history store: an engine stopped and restarted from the store reads
//! the same baselines and composites as one that never stopped, once its short windows have
//! refilled; and a cold engine, for contrast, has none.

use proptest::prelude::*;

use super::*;
use crate::engine::warm::Seed;
use crate::feed::event::{LiqSampling, Liquidation};
use crate::history::{Recorder, Retention, Store, restore, spawn_writer};
use crate::market::LiquidatedPosition;

/// 2026-06-01 00:00 UTC, ms: samples near the epoch would be older than any retention.
const T0: Millis = 1_780_272_000_000;

/// A deterministic market: every second a fresh 20-level snapshot around a random walk, and a
/// few trades, some of them large.
#[derive(Clone)]
struct Market {
    script: Script,
    rng: u64,
    mid: f64,
}

impl Market {
    fn new() -> Self {
        Market {
            script: Script::new(VenueId::Okx, "BTC-USDT"),
            rng: 0x9e37_79b9_7f4a_7c15,
            mid: 50_000.0,
        }
    }

    fn next(&mut self) -> f64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The events of second `s` (exchange and local time `T0 + s·1000 + offset`).
    fn second(&mut self, s: i64) -> Vec<MarketEvent> {
        let t = T0 + s * 1000;
        self.mid *= 1.0 + (self.next() - 0.5) * 4e-4;
        let half = 0.5 + self.next() * 2.0;
        let mut bids = Vec::new();
        let mut asks = Vec::new();
        for i in 0..20 {
            let step = 5.0 * i as f64;
            bids.push((self.mid - half - step, 0.2 + self.next() * 3.0));
            asks.push((self.mid + half + step, 0.2 + self.next() * 3.0));
        }
        let mut events = vec![self.script.snapshot(t, &bids, &asks)];
        for k in 0..(self.next() * 4.0) as i64 {
            let size = 0.01 + self.next().powi(3) * 2.0;
            let side = if self.next() < 0.5 {
                TakerSide::Buy
            } else {
                TakerSide::Sell
            };
            events.push(self.script.trade(t + 100 + k * 50, self.mid, size, side));
        }
        events
    }
}

fn start(engine: &mut Engine, market: &Market, s: i64) {
    feed(
        engine,
        [
            market.script.spot(),
            market.script.status(T0 + s * 1000, BookState::Live, 0),
        ],
    );
}

/// Runs `engine` through seconds `from..to`, one tick at the end of each, recording each frame.
fn run(
    engine: &mut Engine,
    market: &mut Market,
    seconds: std::ops::Range<i64>,
    recorder: Option<&mut Recorder>,
) -> Arc<Frame> {
    run_with(engine, market, seconds, recorder, Market::second)
}

/// [`run`] with the events of each second from `events`.
fn run_with(
    engine: &mut Engine,
    market: &mut Market,
    seconds: std::ops::Range<i64>,
    mut recorder: Option<&mut Recorder>,
    events: fn(&mut Market, i64) -> Vec<MarketEvent>,
) -> Arc<Frame> {
    let mut last = None;
    for s in seconds {
        feed(engine, events(market, s));
        let frame = engine.tick(at(T0 + s * 1000 + 999));
        if let Some(r) = recorder.as_deref_mut() {
            r.on_frame(engine, &frame);
        }
        last = Some(frame);
    }
    last.expect("at least one second")
}

fn composites(frame: &Frame) -> [Option<f64>; 6] {
    let c = &frame.symbols[0].composites;
    [
        c.directional_pressure,
        c.liquidity_risk,
        c.whale_conviction,
        c.flow_momentum,
        c.cross_exchange_agreement,
        c.cascade_stress,
    ]
}

/// Float tolerance, except for `liquidity_risk`: its spread-volatility baseline takes one
/// sample a minute from a short window, which a restarted engine refills from the restart on,
/// so the few minutes after a restart can sample a different value (a rank moves by at most
/// 1/n per such minute, n ≥ 60 samples, over four components).
const TOLERANCE: [f64; 6] = [1e-9, 0.02, 1e-9, 1e-9, 1e-9, 1e-9];

#[track_caller]
fn assert_same(a: [Option<f64>; 6], b: [Option<f64>; 6]) {
    for (i, (a, b)) in a.iter().zip(&b).enumerate() {
        match (a, b) {
            (Some(a), Some(b)) => assert!(
                (a - b).abs() <= TOLERANCE[i] * a.abs().max(1.0),
                "composite {i}: {a} vs {b}"
            ),
            _ => assert_eq!(a, b, "composite {i}"),
        }
    }
}

fn restart_matches_uninterrupted(restart: i64) {
    let dir = tempdir();
    let path = dir.join("history.sqlite");
    let end = restart + 7 * 60;
    let settings = settings(&["BTC"], vec![]);

    // The reference: never stopped.
    let mut whole = Engine::new(settings.clone());
    let mut market = Market::new();
    start(&mut whole, &market, 0);
    let reference = run(&mut whole, &mut market, 0..end, None);

    // Stopped at `restart`, its seconds written to the store on the way.
    let (sink, writer) =
        spawn_writer(Store::open_write(&path).unwrap(), Retention::default()).unwrap();
    let mut first = Engine::new(settings.clone());
    let mut recorder = Recorder::lossless(sink);
    let mut market = Market::new();
    start(&mut first, &market, 0);
    run(&mut first, &mut market, 0..restart, Some(&mut recorder));
    drop(recorder);
    writer.join().unwrap();

    // Restarted from the store, then fed the same market from `restart` on.
    let store = Store::open_write(&path).unwrap();
    let mut second = Engine::new(settings.clone());
    let restored = restore::restore(&mut second, &store, T0 + restart * 1000).unwrap();
    assert_eq!(restored, 1);
    start(&mut second, &market, restart);
    let early = run(&mut second, &mut market, restart..restart + 1, None);
    assert!(
        early.symbols[0].composites.liquidity_risk.is_some(),
        "liquidity_risk is warm from the first second after the restart"
    );
    let after = run(&mut second, &mut market, restart + 1..end, None);
    assert_same(composites(&after), composites(&reference));
    let flow = |f: &Frame| f.symbols[0].books[0].flow.clone();
    assert_eq!(
        flow(&after).large_trade_threshold_usd,
        flow(&reference).large_trade_threshold_usd
    );
    assert!(composites(&after)[1].is_some() && composites(&after)[3].is_some());

    // A cold start sees none of the slow baselines.
    let mut cold = Engine::new(settings);
    let mut market = Market::new();
    for s in 0..restart {
        market.second(s);
    }
    start(&mut cold, &market, restart);
    let cold = run(&mut cold, &mut market, restart..restart + 60, None);
    let c = &cold.symbols[0].composites;
    assert_eq!(c.liquidity_risk, None);
    // … and says how far each has filled instead of a bare `—`.
    let p = c.warming.liquidity_risk.expect("liquidity_risk is warming");
    // 60 s after a start anywhere in a minute: one or two minutes sampled.
    assert!(
        (1.0..=2.0).contains(&p.have_min) && p.need_min == 60.0,
        "{p:?}"
    );
    assert!(c.warming.flow_momentum.is_some_and(|p| p.need_min == 30.0));
    assert_eq!(early.symbols[0].composites.warming.liquidity_risk, None);
}

/// `market`'s second `s` with a liquidation every third second (alternating mostly longs), so
/// cascade stress has a stream to read.
fn second_with_liquidations(market: &mut Market, s: i64) -> Vec<MarketEvent> {
    let mut events = market.second(s);
    if s % 3 == 0 {
        let t = T0 + s * 1000 + 300;
        events.push(MarketEvent::Liquidation(Liquidation {
            key: market.script.key.clone(),
            local_ts: at(t),
            exch_ts: t,
            position: if s % 12 == 0 {
                LiquidatedPosition::Short
            } else {
                LiquidatedPosition::Long
            },
            price: market.mid,
            size: 2.0 + (s % 7) as f64,
            sampling: LiqSampling::Complete,
        }));
    }
    events
}

/// Runs seconds `from..to` of the liquidating market, ticking at the end of each second.
fn run_liquidating(
    engine: &mut Engine,
    market: &mut Market,
    seconds: std::ops::Range<i64>,
    recorder: Option<&mut Recorder>,
) -> Arc<Frame> {
    run_with(engine, market, seconds, recorder, second_with_liquidations)
}

/// An engine restarted from the store at `T0 + restart + gap` seconds (the store written up to
/// `restart`), fed from then on; returns its first frame.
fn restarted(path: &std::path::Path, market: &mut Market, restart: i64, gap: i64) -> Arc<Frame> {
    let store = Store::open_read(path).unwrap();
    let mut engine = Engine::new(settings(&["BTC"], vec![]));
    let at_ms = T0 + (restart + gap) * 1000;
    for (key, seeds) in crate::history::warm_seeds(&store, at_ms).unwrap() {
        engine.seed(&key, seeds);
    }
    for s in restart..restart + gap {
        second_with_liquidations(market, s);
    }
    start(&mut engine, market, restart + gap);
    run_liquidating(&mut engine, market, restart + gap..restart + gap + 1, None)
}

/// A stop of seconds: the short windows come back from the store's last 1-s rows, so
/// `flow_momentum` and `cascade_stress` are numbers on the first second after the restart and
/// read as the engine that never stopped; after a 2-hour stop they are not restored and warm
/// from live data instead of pretending.
#[test]
fn a_short_stop_restores_the_short_windows() {
    let dir = tempdir();
    let path = dir.join("history.sqlite");
    let restart = 3_900;
    // Written up to `restart`, as a session that stopped there.
    let (sink, writer) =
        spawn_writer(Store::open_write(&path).unwrap(), Retention::default()).unwrap();
    let mut first = Engine::new(settings(&["BTC"], vec![]));
    let mut recorder = Recorder::lossless(sink);
    let mut market = Market::new();
    start(&mut first, &market, 0);
    run_liquidating(&mut first, &mut market, 0..restart, Some(&mut recorder));
    drop(recorder);
    writer.join().unwrap();
    // The same market, never stopped, at the restarted engine's first second.
    let mut whole = Engine::new(settings(&["BTC"], vec![]));
    let mut reference_market = Market::new();
    start(&mut whole, &reference_market, 0);
    let reference = run_liquidating(&mut whole, &mut reference_market, 0..restart + 1, None);
    let reference = composites(&reference);
    assert!(
        reference[3].is_some() && reference[5].is_some(),
        "{reference:?}"
    );

    // Restarted at once: the same numbers, within what the rows keep (sizes to 1e-4 base units;
    // the restored liquidations sit on their second, 0.3 s before the live ones did, which
    // moves the rates by well under 1 %).
    let mut market = Market::new();
    for s in 0..restart {
        second_with_liquidations(&mut market, s);
    }
    let now = composites(&restarted(&path, &mut market.clone(), restart, 0));
    for (i, tolerance) in [(3, 1e-4), (5, 0.01)] {
        let (a, b) = (now[i].expect("restored"), reference[i].unwrap());
        assert!((a - b).abs() <= tolerance, "composite {i}: {a} vs {b}");
    }
    // 10 s down: still numbers on the first second.
    let now = composites(&restarted(&path, &mut market.clone(), restart, 10));
    assert!(now[3].is_some() && now[5].is_some(), "{now:?}");
    // Two hours down: nothing restored, so the short windows are warming.
    let now = composites(&restarted(&path, &mut market.clone(), restart, 7_200));
    assert_eq!((now[3], now[5]), (None, None));
}

/// A day and an hour of the symbol's cross-venue 1-min rows in the store, as a session that
/// ran that long would have left them (one second per minute, so each minute's rollup is that
/// second's values): the mid walks, the monitored composites sit around fixed levels and move
/// up in the last hour. `end` is the restart second (relative to `T0`).
fn store_a_day(path: &std::path::Path, end: i64) {
    use crate::engine::minutes::MONITORED;
    use crate::history::BookRow;
    use crate::history::columns::{index_of, width};
    let mut store = Store::open_write(path).unwrap();
    let mut market = Market::new();
    let minutes = 25 * 60;
    let mut seconds = Vec::new();
    for m in 0..minutes {
        let t = (T0 / 1000) + end - (minutes - m) * 60;
        market.second(0);
        let mut values = vec![None; width()];
        values[index_of("mid").unwrap()] = Some(market.mid);
        values[index_of("valid").unwrap()] = Some(1.0);
        let shift = if m >= minutes - 60 { 0.4 } else { 0.0 };
        for (i, name) in MONITORED.iter().enumerate() {
            let wiggle = 0.05 * ((m * (i as i64 + 3)) % 7) as f64;
            values[index_of(name).unwrap()] = Some(0.1 + wiggle + shift);
        }
        let row = |venue: &str, instrument: &str| BookRow {
            venue: venue.into(),
            instrument: instrument.into(),
            symbol: "BTC".into(),
            values: values.clone(),
        };
        seconds.push((t, vec![row("okx", "BTC-USDT"), row("all", "BTC")]));
    }
    store.write_seconds(&seconds, &[]).unwrap();
}

/// A day of the store's 1-min rows is enough for regime (§6) and drift (§7) on the first frame
/// after a restart; a cold engine says how far each has to fill instead.
#[test]
fn a_day_of_minutes_gives_regime_and_drift_at_the_first_frame() {
    let dir = tempdir();
    let path = dir.join("history.sqlite");
    let end = 90_000;
    store_a_day(&path, end);
    let store = Store::open_read(&path).unwrap();
    let mut engine = Engine::new(settings(&["BTC"], vec![]));
    assert_eq!(
        restore::restore(&mut engine, &store, T0 + end * 1000).unwrap(),
        1
    );
    let mut market = Market::new();
    start(&mut engine, &market, end);
    let frame = run(&mut engine, &mut market, end..end + 1, None);
    let a = &frame.symbols[0].analytics;
    let pi = a.regime.probabilities.expect("regime at the first frame");
    assert!((pi.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{pi:?}");
    assert!(a.regime.entropy.is_some() && a.regime.inputs.is_some());
    assert_eq!(a.regime.warming, None);
    let score = a.drift.score.expect("drift at the first frame");
    assert!(score > 0.9, "the last hour moved up: {score}");
    assert!(
        a.drift
            .features
            .iter()
            .all(|f| f.baseline_n == 1440 && f.current_n == 60)
    );
    assert!(a.consensus.models.iter().any(|m| m.model == "regime"));

    let mut cold = Engine::new(settings(&["BTC"], vec![]));
    let mut market = Market::new();
    start(&mut cold, &market, end);
    let frame = run(&mut cold, &mut market, end..end + 1, None);
    let a = &frame.symbols[0].analytics;
    assert_eq!((a.regime.probabilities, a.drift.score), (None, None));
    assert_eq!(a.regime.warming.map(|p| p.need_min), Some(720.0));
    assert_eq!(a.drift.warming.map(|p| p.need_min), Some(230.0));
}

/// A fresh directory under the target dir, removed by the next run of the same test.
fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "depthscope-warm-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, .. ProptestConfig::default() })]

    /// Restart at a random second (mid-minute included) after the hour the liquidity baseline
    /// needs.
    #[test]
    fn a_restart_from_the_store_reads_like_no_restart(restart in 3_700i64..4_000) {
        restart_matches_uninterrupted(restart);
    }
}

/// A book with two walls of 30 BTC among 1-BTC levels every 10 USD: bids at 49,800 and asks at
/// 50,300. The mid dips into the support zone and back at 100 s (a touch and a bounce), and at
/// 200 s the bid wall is taken and the mid falls through the zone and comes back (two touches
/// and two breaches: the role flips to resistance and back to support).
fn second_with_walls(market: &mut Market, s: i64) -> Vec<MarketEvent> {
    let t = T0 + s * 1000;
    let mid = match s {
        100..105 => 49_810.0,
        200..203 => 49_770.0,
        _ => 50_000.0,
    };
    market.mid = mid;
    let mut bids: Vec<(f64, f64)> = (0..80)
        .map(|i| (mid - 5.0 - 10.0 * i as f64, 1.0))
        .collect();
    let mut asks: Vec<(f64, f64)> = (0..80)
        .map(|i| (mid + 5.0 + 10.0 * i as f64, 1.0))
        .collect();
    if mid > 49_800.0 {
        bids.push((49_800.0, 30.0));
    }
    asks.push((50_300.0, 30.0));
    vec![market.script.snapshot(t, &bids, &asks)]
}

#[track_caller]
fn assert_same_zones(a: &crate::engine::analytics::Zones, b: &crate::engine::analytics::Zones) {
    assert_eq!(a.zones.len(), b.zones.len(), "{a:#?} vs {b:#?}");
    assert_eq!(a.grid, b.grid);
    for (x, y) in a.zones.iter().zip(&b.zones) {
        let id = |z: &crate::engine::analytics::Zone| {
            (
                z.lo,
                z.hi,
                z.side,
                z.role,
                z.touches,
                z.bounces,
                z.breaches,
                z.last_touch,
            )
        };
        assert_eq!(id(x), id(y));
        assert!(
            (x.strength - y.strength).abs() <= 0.01 * y.strength,
            "strength {} vs {}",
            x.strength,
            y.strength
        );
    }
}

/// §5 zones are slow state: an engine stopped and restarted from its history file shows the
/// zones it had on its first frame (before any book is live again), and fed on reads like the
/// engine that never stopped; a cold engine has neither the strength nor the counts.
#[test]
fn a_restart_shows_the_zones_it_had() {
    use crate::engine::analytics::{ZoneRole, ZoneSide};
    let dir = tempdir();
    let path = dir.join("history.sqlite");
    let (restart, end) = (300, 360);
    let walls = second_with_walls;

    // The reference: never stopped.
    let mut whole = Engine::new(settings(&["BTC"], vec![]));
    let mut market = Market::new();
    start(&mut whole, &market, 0);
    let had = run_with(&mut whole, &mut market, 0..restart, None, walls);
    let had = had.symbols[0].analytics.zones.clone();
    let [support, resistance] = had.zones.as_slice() else {
        panic!("two zones: {had:#?}");
    };
    assert_eq!((support.lo, support.hi), (49_800.0, 49_820.0));
    assert_eq!(
        (support.side, support.role),
        (ZoneSide::Bid, ZoneRole::Support)
    );
    assert_eq!(
        (support.touches, support.bounces, support.breaches),
        (3, 1, 2)
    );
    assert_eq!(
        (resistance.lo, resistance.role),
        (50_300.0, ZoneRole::Resistance)
    );
    assert!(resistance.strength > 0.3, "{resistance:?}");
    let reference = run_with(&mut whole, &mut market, restart..end, None, walls);

    // Stopped at `restart`, its seconds written to the store on the way.
    let (sink, writer) =
        spawn_writer(Store::open_write(&path).unwrap(), Retention::default()).unwrap();
    let mut first = Engine::new(settings(&["BTC"], vec![]));
    let mut recorder = Recorder::lossless(sink);
    let mut market = Market::new();
    start(&mut first, &market, 0);
    run_with(
        &mut first,
        &mut market,
        0..restart,
        Some(&mut recorder),
        walls,
    );
    drop(recorder);
    writer.join().unwrap();

    // Restarted a second later: the first frame, its book live but without a snapshot yet.
    let store = Store::open_read(&path).unwrap();
    let mut second = Engine::new(settings(&["BTC"], vec![]));
    restore::restore(&mut second, &store, T0 + (restart + 1) * 1000).unwrap();
    start(&mut second, &market, restart + 1);
    let frame = second.tick(at(T0 + (restart + 1) * 1000 + 999));
    let shown = &frame.symbols[0].analytics.zones;
    assert!(shown.paused, "the last zones seen, not observed yet");
    assert_same_zones(shown, &had);
    assert!(
        shown
            .zones
            .iter()
            .zip(&had.zones)
            .all(|(s, h)| s.strength < h.strength),
        "decayed over the stop, never credited"
    );
    walls(&mut market, restart);
    let after = run_with(&mut second, &mut market, restart + 1..end, None, walls);
    let after = &after.symbols[0].analytics.zones;
    assert!(!after.paused);
    assert_same_zones(after, &reference.symbols[0].analytics.zones);

    // Cold: the walls are young again and nothing was touched.
    let mut cold = Engine::new(settings(&["BTC"], vec![]));
    let mut market = Market::new();
    start(&mut cold, &market, restart);
    let cold = run_with(&mut cold, &mut market, restart..end, None, walls);
    let cold = &cold.symbols[0].analytics.zones;
    assert!(
        cold.zones
            .iter()
            .all(|z| z.touches == 0 && z.strength < 0.15),
        "{cold:#?}"
    );
}

/// A perpetual's recorded long/short ratio comes back at a restart, shown stale (the history
/// cannot prove a poll fresh, §0.2) until the book's own poll answers; nothing comes back after
/// a stop longer than the venue's statistics stay current.
#[test]
fn a_restart_shows_the_last_ratios_stale_until_polled() {
    use crate::engine::analytics::RatioKind;
    use crate::feed::event::{Derivs, DerivsTick, Positioning, PositioningStat};
    let dir = tempdir();
    let path = dir.join("history.sqlite");
    let perp = Script::new(VenueId::BinanceUsdm, "BTCUSDT");
    let instrument = perp.instrument("BTC", "USDT", MarketKind::Perpetual, Contract::Base);
    let poll = |s: i64, value: f64| {
        let t = T0 + s * 1000;
        MarketEvent::Derivs(DerivsTick {
            key: perp.key.clone(),
            local_ts: at(t),
            exch_ts: None,
            values: Derivs {
                positioning: Some(Positioning {
                    stat: PositioningStat::LongShort(RatioKind::Accounts),
                    value,
                    at: t - t.rem_euclid(300_000),
                }),
                ..Derivs::default()
            },
        })
    };
    let ratio = |f: &Frame| {
        let p = &f.symbols[0].analytics.positioning;
        let v = p.venues.iter().find(|v| v.key == perp.key)?;
        let r = v.ratios.iter().find(|r| r.kind == RatioKind::Accounts)?;
        Some((r.ratio, r.stale))
    };
    let (sink, writer) =
        spawn_writer(Store::open_write(&path).unwrap(), Retention::default()).unwrap();
    let mut first = Engine::new(settings(&["BTC"], vec![]));
    let mut recorder = Recorder::lossless(sink);
    feed(&mut first, [instrument.clone()]);
    for s in 0..180 {
        if s % 60 == 0 {
            feed(&mut first, [poll(s, 1.25)]);
        }
        let frame = first.tick(at(T0 + s * 1000 + 999));
        recorder.on_frame(&mut first, &frame);
    }
    drop(recorder);
    writer.join().unwrap();

    let restarted = |gap_s: i64| {
        let store = Store::open_read(&path).unwrap();
        let mut e = Engine::new(settings(&["BTC"], vec![]));
        let now = T0 + (180 + gap_s) * 1000;
        restore::restore(&mut e, &store, now).unwrap();
        feed(&mut e, [instrument.clone()]);
        let frame = e.tick(at(now));
        (e, frame)
    };
    let (mut e, frame) = restarted(5);
    assert_eq!(
        ratio(&frame),
        Some((1.25, true)),
        "last value, marked stale"
    );
    let p = &frame.symbols[0].analytics.positioning;
    assert!(p.consensus.is_empty());
    feed(&mut e, [poll(186, 1.5)]);
    assert_eq!(ratio(&e.tick(at(T0 + 186_500))), Some((1.5, false)));
    // After 20 minutes away the venue's statistics have moved on: nothing is restored.
    let (_, frame) = restarted(20 * 60);
    assert_eq!(ratio(&frame), None);
}

/// A day of one symbol's restored 1-min rows (the history's cross-venue rows) ending just
/// before `T0`: a wiggling mid and monitored features around fixed levels.
fn a_restored_day(symbol: &str, price: f64) -> Vec<Seed> {
    use crate::engine::minutes::{MONITORED, SymbolMinute};
    (1..=1_500)
        .rev()
        .map(|m: i64| Seed::SymbolMinute {
            symbol: symbol.into(),
            t: T0 - m * 60_000,
            row: SymbolMinute {
                mid: Some(price * (1.0 + 1e-4 * ((m * 7_919).rem_euclid(13)) as f64)),
                features: [Some(0.1 + 0.01 * m.rem_euclid(7) as f64); MONITORED.len()],
            },
        })
        .collect()
}

/// Every watched symbol whose past is restored shows regime and drift on the first frame,
/// whichever of its venues answers first: here BTC's book is live before the first tick and
/// ETH's appears only after it (the order forced, as a slow venue gives it). ETH's rows were
/// waiting for a book to carry them to their symbol, so the demo showed ETH `warming 0/720`
/// while BTC was warm; they are its own, restored at once. Its book arriving later restores
/// nothing twice.
#[test]
fn a_symbols_past_is_warm_before_any_of_its_books_appears() {
    let mut engine = Engine::new(settings(&["BTC", "ETH"], Vec::new()));
    let eth = BookKey::new(VenueId::Okx, "ETH-USDT");
    engine.seed(
        &BookKey::new(VenueId::Okx, "BTC-USDT"),
        a_restored_day("BTC", 50_000.0),
    );
    engine.seed(&eth, a_restored_day("ETH", 3_000.0));
    let btc = Market::new();
    start(&mut engine, &btc, 0);
    let warm = |frame: &Frame| -> Vec<(String, bool, bool)> {
        frame
            .symbols
            .iter()
            .map(|s| {
                let a = &s.analytics;
                (
                    s.symbol.clone(),
                    a.regime.probabilities.is_some() && a.regime.warming.is_none(),
                    a.drift.score.is_some() && a.drift.warming.is_none(),
                )
            })
            .collect()
    };
    let first = engine.tick(T0 as Nanos * 1_000_000 + 1);
    assert!(first.symbols[1].books.is_empty(), "ETH has no book yet");
    let expected = |s: &str| (s.to_owned(), true, true);
    assert_eq!(warm(&first), [expected("BTC"), expected("ETH")]);
    let before = first.symbols[1].analytics.drift.clone();
    let script = Script::new(VenueId::Okx, "ETH-USDT");
    feed(
        &mut engine,
        [
            script.instrument("ETH", "USDT", MarketKind::Spot, Contract::Base),
            script.status(T0 + 200, BookState::Live, 0),
        ],
    );
    let later = engine.tick(T0 as Nanos * 1_000_000 + 300_000_000);
    assert_eq!(later.symbols[1].books.len(), 1);
    assert_eq!(warm(&later), [expected("BTC"), expected("ETH")]);
    assert_eq!(later.symbols[1].analytics.drift.features, before.features);
}
