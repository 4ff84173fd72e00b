//! The simulator's market model fed straight into the engine (no sockets, no adapters): a warm
//! demo in a few seconds of test time, for checks that need every feature to have data.

use super::*;
use crate::config::alerts::{AlertMetric, MetricScope, Notify, Trigger};
use crate::engine::frame::Severity;
use crate::engine::minutes::{MONITORED, SymbolMinute};
use crate::engine::readings::reading;
use crate::engine::warm::Seed;
use crate::sim::catalog::INSTRUMENTS;
use crate::sim::fast_forward::{instrument_event, step_events};
use crate::sim::model::Model;
use std::collections::BTreeSet;
use std::time::Duration;

/// Model steps of a second: coarse enough to warm an hour of baselines quickly.
const STEP_MS: Millis = 1_000;

/// A simulated book, possibly published under another venue's name (`as_venue`).
#[derive(Clone, Copy)]
struct DemoBook {
    id: usize,
    as_venue: Option<(VenueId, &'static str)>,
}

impl DemoBook {
    fn key(&self) -> (VenueId, &'static str) {
        let i = &INSTRUMENTS[self.id];
        self.as_venue.unwrap_or((i.venue, i.id))
    }
}

/// Runs the model of `books` through `engine` for up to `duration` of model time, ticking once
/// a second; `each` sees every frame and says whether to go on.
fn run_demo(
    seed: u64,
    books: &[DemoBook],
    engine: &mut Engine,
    duration: Duration,
    mut each: impl FnMut(&Frame) -> bool,
) {
    let ids: Vec<usize> = books.iter().map(|b| b.id).collect();
    let mut model = Model::new(seed, &ids, Duration::from_millis(STEP_MS as u64));
    for (n, b) in books.iter().enumerate() {
        let i = &INSTRUMENTS[b.id];
        let (venue, id) = b.key();
        let script = Script::new(venue, id);
        let side = |side| {
            model
                .levels(n, side)
                .map(|(p, q)| (p as f64 * i.tick_size(), q as f64 * i.base_per_lot()))
                .collect::<Vec<_>>()
        };
        let (bids, asks) = (side(Side::Bid), side(Side::Ask));
        feed(engine, [instrument_event(i, venue, id)]);
        feed(engine, script.live(0, &bids, &asks));
    }
    let steps = duration.as_millis() as u64 / STEP_MS as u64;
    for _ in 0..steps {
        let step = model.step();
        let ms = step.t_ms as Millis;
        for (b, book) in books.iter().zip(&step.books) {
            let (venue, id) = b.key();
            let key = BookKey::new(venue, id);
            feed(engine, step_events(&INSTRUMENTS[b.id], &key, 0, ms, book));
            // What the positioning polls fetch from the simulator once a minute.
            if ms % 60_000 == 0 {
                feed(
                    engine,
                    crate::sim::positioning::events(b.id, &key, ms, at(ms)),
                );
            }
        }
        if ms % 1000 == 0 && !each(&engine.tick(at(ms))) {
            return;
        }
    }
}

/// A rule on `metric` that fires on any value it ever has, once per book or symbol.
fn always(metric: AlertMetric) -> AlertRule {
    let level = match metric.scope() {
        MetricScope::Event => 0.0,
        MetricScope::Book | MetricScope::Symbol => -1e18,
    };
    AlertRule {
        name: metric.name().into(),
        metric,
        venue: None,
        symbol: None,
        trigger: Trigger::Above(level),
        clear: level,
        hold_s: 0.0,
        cooldown_s: 1e9,
        severity: Severity::Info,
        notify: Notify::None,
    }
}

#[test]
fn every_metric_reads_from_the_scope_its_rules_are_checked_in() {
    for &m in AlertMetric::ALL {
        assert_eq!(reading(m).scope(), m.scope(), "{m}");
    }
}

/// Metrics that have no value in an hour of the demo's quiet market by definition: the regime
/// needs 24 h of 1-min mids (§6), and an arbitrage edge exists only once fees are beaten (§9:
/// the simulator's dislocation scenario makes one).
const NOT_IN_A_QUIET_HOUR: [AlertMetric; 3] = [
    AlertMetric::RegimeEntropy,
    AlertMetric::Regime,
    AlertMetric::ArbNetBps,
];

/// Every metric of every alert rule has a value on an hour of demo BTC, so a rule on it can
/// fire. Dislocation (§10.8) compares a venue with at least three others quoting in the same
/// currency: the demo's USDT spot venues are Binance, Bybit, OKX and Gate. `pump_score` (§10.5)
/// is the one exception: its baseline is the median over 12 h, so it warms in 6 h, not one.
#[test]
fn every_alert_metric_fires_on_a_warm_demo() {
    const SLOW_TO_WARM: &str = "pump_score";
    let books: Vec<DemoBook> = (0..INSTRUMENTS.len())
        .filter(|&b| INSTRUMENTS[b].symbol == 0)
        .map(|id| DemoBook { id, as_venue: None })
        .collect();
    assert_eq!(INSTRUMENTS[0].id, "BTCUSDT");
    let rules: Vec<AlertRule> = AlertMetric::ALL.iter().map(|&m| always(m)).collect();
    let mut cfg = Config::default();
    cfg.general.symbols = vec!["BTC".into()];
    cfg.alerts.rule = rules;
    cfg.alerts.channel_capacity = 4096;
    cfg.alerts.backlog_limit = 4096;
    let settings = EngineSettings::from_config(&cfg, DataMode::Simulated { seed: 1 });
    let (tx, mut rx) = tokio::sync::mpsc::channel(4096);
    let mut engine = Engine::new(settings).with_alert_sender(tx);
    // Regime and drift (§6, §7) read a day of 1-min rows: given as a warm start gives them.
    let (venue, id) = books[0].key();
    engine.seed(&BookKey::new(venue, id), a_day_of_minutes());
    let mut fired = BTreeSet::new();
    run_demo(1, &books, &mut engine, Duration::from_secs(3_720), |_| {
        while let Ok(alert) = rx.try_recv() {
            fired.insert(alert.metric);
        }
        fired.len() < AlertMetric::ALL.len() - 1
    });
    let silent: Vec<&str> = AlertMetric::ALL
        .iter()
        .filter(|m| !NOT_IN_A_QUIET_HOUR.contains(m))
        .map(|m| m.name())
        .filter(|m| !fired.contains(*m) && *m != SLOW_TO_WARM)
        .collect();
    assert!(silent.is_empty(), "never had a value: {silent:?}");
}

/// 25 h of the symbol's 1-min rows ending at model time 0: a wiggling mid and monitored
/// features around fixed levels.
fn a_day_of_minutes() -> Vec<Seed> {
    (-1500..0)
        .map(|m: i64| Seed::SymbolMinute {
            symbol: "BTC".into(),
            t: m * 60_000,
            row: SymbolMinute {
                mid: Some(50_000.0 * (1.0 + 1e-4 * ((m * 7_919).rem_euclid(13)) as f64)),
                features: [Some(0.1 + 0.01 * m.rem_euclid(7) as f64); MONITORED.len()],
            },
        })
        .collect()
}

/// The demo's USD books (Kraken) and USDC books (Hyperliquid, Deribit) are compared with its
/// USDT books through the simulated rates that Kraken's `USDT/USD` and `USDC/USD` books quote
/// (§0.4): both rates are named, nothing is left out, and the USDC perpetuals' converted mids
/// sit on the USDT perpetuals' median where their raw mids sit the USDC basis (about 2 bps) away.
/// Without the rate books USD and USDC are kept apart.
#[test]
fn the_demo_converts_usd_and_usdc_books_through_its_rates() {
    use crate::sim::catalog::{USDC, USDT};
    let btc_and_rates = |with_rates: bool| -> Vec<DemoBook> {
        (0..INSTRUMENTS.len())
            .filter(|&b| {
                let symbol = INSTRUMENTS[b].symbol;
                symbol == 0 || (with_rates && [USDT, USDC].contains(&symbol))
            })
            .map(|id| DemoBook { id, as_venue: None })
            .collect()
    };
    for with_rates in [true, false] {
        let mut engine = Engine::new(settings(&["BTC"], Vec::new()));
        let mut last = None;
        // Per frame: the USDC perpetuals' mean gap to the USDT perpetuals' median, raw and
        // converted through the frame's rates, in bps.
        let (mut raw, mut converted) = (Vec::new(), Vec::new());
        run_demo(
            3,
            &btc_and_rates(with_rates),
            &mut engine,
            Duration::from_secs(120),
            |f| {
                let c = &f.symbols[0].composites;
                if let Some((r, v)) = usdc_gap_bps(f, c) {
                    raw.push(r);
                    converted.push(v);
                }
                last = Some(c.clone());
                true
            },
        );
        let c = last.expect("frames");
        assert_eq!(c.quote.as_deref(), Some("USDT"));
        if !with_rates {
            assert!(c.quote_rates.is_empty());
            let mut apart = c.quotes_apart.clone();
            apart.sort();
            assert_eq!(apart, ["USD", "USDC"]);
            continue;
        }
        let rates: Vec<(&str, VenueId, &str)> = c
            .quote_rates
            .iter()
            .map(|r| (r.pair, r.venue, r.instrument.as_str()))
            .collect();
        assert_eq!(
            rates,
            [
                ("USDT/USD", VenueId::Kraken, "USDT/USD"),
                ("USDC/USD", VenueId::Kraken, "USDC/USD"),
            ]
        );
        for r in &c.quote_rates {
            assert!((r.rate - 1.0).abs() < 2e-3, "{r:?}");
        }
        assert!(c.quotes_apart.is_empty(), "{:?}", c.quotes_apart);
        // Every venue in one currency: dislocation has its others, within a few bps.
        let bps = c.dislocation_bps.expect("comparable venues");
        assert!(bps.abs() < 15.0, "{bps} bps");
        let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
        assert!(raw.len() > 100, "{} frames", raw.len());
        let (raw, converted) = (mean(&raw), mean(&converted));
        assert!(
            converted.abs() < 0.5,
            "converted {converted} bps, raw {raw} bps"
        );
        assert!(
            raw.abs() > 1.0,
            "the basis is there to remove: raw {raw} bps"
        );
    }
}

/// The USDC perpetuals' mean gap to the median USDT perpetual, raw and converted through the
/// frame's rates (USDC → USD → USDT), in bps; `None` before both rates and books are fresh.
fn usdc_gap_bps(f: &Frame, c: &crate::engine::frame::Composites) -> Option<(f64, f64)> {
    let rate = |pair| Some(c.quote_rates.iter().find(|r| r.pair == pair)?.rate);
    let factor = rate("USDC/USD")? / rate("USDT/USD")?;
    let perps = |quote: &str| -> Vec<f64> {
        f.symbols[0]
            .books
            .iter()
            .filter(|b| b.instrument.kind == MarketKind::Perpetual && b.instrument.quote == quote)
            .filter_map(|b| b.features.as_ref()?.mid)
            .collect()
    };
    let usdt = crate::features::num::median(&perps("USDT"))?;
    let usdc = perps("USDC");
    let gap = |scale: f64| {
        usdc.iter()
            .map(|m| (m * scale / usdt - 1.0) * 1e4)
            .sum::<f64>()
            / usdc.len() as f64
    };
    (!usdc.is_empty()).then(|| (gap(1.0), gap(factor)))
}
