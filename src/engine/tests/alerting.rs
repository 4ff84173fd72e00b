//! Alert rules: hold time, hysteresis, cooldown, z-scores, event rules, and delivery under a
//! burst larger than the channel.

use tokio::sync::mpsc;

use super::*;
use crate::config::alerts::{AlertMetric, AlertsConfig, MetricScope, Notify, Trigger};
use crate::engine::alerts::{AlertEngine, Subject};
use crate::engine::frame::{AlertSide, Severity};
use crate::market::LiquidatedPosition;

const S: Nanos = 1_000_000_000;

fn rule(
    metric: AlertMetric,
    trigger: Trigger,
    clear: f64,
    hold_s: f64,
    cooldown_s: f64,
) -> AlertRule {
    AlertRule {
        name: "r".into(),
        metric,
        venue: None,
        symbol: None,
        trigger,
        clear,
        hold_s,
        cooldown_s,
        severity: Severity::Warn,
        notify: Notify::Bell,
    }
}

fn alert_engine(rules: Vec<AlertRule>) -> AlertEngine {
    AlertEngine::new(&AlertsConfig {
        rule: rules,
        ..AlertsConfig::default()
    })
}

/// Feeds `(second, value)` of a symbol metric; returns the seconds at which alerts fired.
fn run(engine: &mut AlertEngine, series: &[(u64, Option<f64>)]) -> Vec<u64> {
    let subject = Subject::Symbol("BTC".into());
    let mut fired = Vec::new();
    for &(t, v) in series {
        engine.evaluate(t * S, MetricScope::Symbol, &subject, |_| v);
        fired.extend(engine.take_fired().iter().map(|a| a.at / S));
    }
    fired
}

#[test]
fn a_regime_rule_fires_on_a_change_to_its_label_and_never_on_the_first_label() {
    use crate::engine::analytics::RegimeLabel::{self, Bear, Calm, Crash};
    let l = |label: RegimeLabel| Some(label.code() as f64);
    // Warming, the first label (no change), a change, a reset (no label: the next one is
    // compared with the last seen), CRASH held, back to CALM, CRASH again.
    let series = [
        (0, None),
        (60, l(Calm)),
        (120, l(Calm)),
        (180, l(Bear)),
        (240, None),
        (300, l(Crash)),
        (360, l(Crash)),
        (420, l(Calm)),
        (480, l(Crash)),
    ];
    let on = |to: Option<RegimeLabel>, cooldown_s: f64| {
        let trigger = Trigger::ChangesTo(to);
        rule(
            AlertMetric::Regime,
            trigger,
            trigger.level(),
            0.0,
            cooldown_s,
        )
    };
    let mut a = alert_engine(vec![on(Some(Crash), 0.0)]);
    assert_eq!(run(&mut a, &series), [300, 480]);
    let first = a.recent().last().cloned().unwrap();
    assert_eq!(first.message, "r: regime BEAR → CRASH on BTC");
    assert_eq!(
        (first.value, first.threshold),
        (Crash.code() as f64, Bear.code() as f64)
    );
    assert_eq!(first.zscore, None);
    let mut any = alert_engine(vec![on(None, 0.0)]);
    assert_eq!(run(&mut any, &series), [180, 300, 420, 480]);
    // The cooldown holds back the changes within 200 s of an alert.
    let mut cooled = alert_engine(vec![on(None, 200.0)]);
    assert_eq!(run(&mut cooled, &series), [180, 420]);
}

#[test]
fn a_threshold_fires_once_after_its_hold_and_rearms_only_past_clear() {
    let mut a = alert_engine(vec![rule(
        AlertMetric::CascadeStress,
        Trigger::Above(10.0),
        5.0,
        3.0,
        0.0,
    )]);
    let series: Vec<(u64, Option<f64>)> = [
        11.0, 11.0, 11.0, 11.0, // fires at 3 s, held 3 s
        12.0, // still above: no second alert
        8.0,  // below the trigger but not past clear: not re-armed
        11.0, // so this is not a new episode
        5.0,  // cleared: re-armed
        11.0, 9.0, 11.0, 11.0, 11.0,
        11.0, // the dip breaks the hold; fires 3 s after it resumed
    ]
    .into_iter()
    .enumerate()
    .map(|(t, v)| (t as u64, Some(v)))
    .collect();
    assert_eq!(run(&mut a, &series), [3, 13]);
    let alert = a.recent()[0].clone();
    assert_eq!(
        (alert.value, alert.threshold, alert.zscore),
        (11.0, 10.0, None)
    );
    assert_eq!(alert.symbol.as_deref(), Some("BTC"));
    assert_eq!(alert.metric, "cascade_stress");
    assert!(
        alert.message.contains("cascade_stress = 11"),
        "{}",
        alert.message
    );
}

#[test]
fn a_missing_value_breaks_a_hold_but_does_not_rearm() {
    let mut a = alert_engine(vec![rule(
        AlertMetric::LiquidityRisk,
        Trigger::Above(0.8),
        0.5,
        2.0,
        0.0,
    )]);
    let series = [
        (0, Some(0.9)),
        (1, None),
        (2, Some(0.9)),
        (3, Some(0.9)),
        (4, Some(0.9)), // held 0.9 from 2 s
        (5, None),
        (6, Some(0.9)), // still fired: a gap is not a clear
        (7, Some(0.9)),
        (8, Some(0.9)),
    ];
    assert_eq!(run(&mut a, &series), [4]);
}

#[test]
fn a_cooldown_delays_the_next_episode() {
    let mut a = alert_engine(vec![rule(
        AlertMetric::FlowMomentum,
        Trigger::Below(-0.5),
        -0.2,
        0.0,
        60.0,
    )]);
    let series = [
        (0, Some(-0.6)),  // fires
        (1, Some(0.0)),   // clears
        (2, Some(-0.7)),  // a new episode, inside the cooldown: waits
        (30, Some(-0.7)), // still waiting
        (60, Some(-0.7)), // 60 s after the first alert: fires
    ];
    assert_eq!(run(&mut a, &series), [0, 60]);
}

#[test]
fn a_zscore_rule_waits_for_its_history_then_fires_on_a_spike() {
    let mut a = alert_engine(vec![rule(
        AlertMetric::DirectionalPressure,
        Trigger::ZScore {
            z: 4.0,
            window_s: 60.0,
        },
        1.0,
        0.0,
        0.0,
    )]);
    // Alternating 0.10 / 0.12 every second; a spike at 10 s is in warm-up (30 s of the 60 s
    // window not yet seen) and must not fire.
    let mut series: Vec<(u64, Option<f64>)> = (0..120)
        .map(|t| (t, Some(if t % 2 == 0 { 0.10 } else { 0.12 })))
        .collect();
    series[10].1 = Some(0.5);
    series.push((120, Some(0.5)));
    assert_eq!(run(&mut a, &series), [120]);
    let alert = a.recent()[0].clone();
    assert_eq!(alert.value, 0.5);
    assert!(alert.zscore.unwrap() > 4.0, "{:?}", alert.zscore);
    assert_eq!(alert.threshold, 4.0);
}

#[test]
fn a_negative_zscore_watches_drops() {
    let mut a = alert_engine(vec![rule(
        AlertMetric::LiquidityRisk,
        Trigger::ZScore {
            z: -3.0,
            window_s: 60.0,
        },
        -1.0,
        0.0,
        0.0,
    )]);
    let mut series: Vec<(u64, Option<f64>)> = (0..100)
        .map(|t| (t, Some(if t % 2 == 0 { 10.0 } else { 11.0 })))
        .collect();
    series.push((100, Some(20.0)));
    series.push((101, Some(2.0)));
    assert_eq!(run(&mut a, &series), [101]);
}

fn engine_with(rules: Vec<AlertRule>) -> Engine {
    Engine::new(settings(&["BTC"], rules))
}

#[test]
fn book_rules_see_fresh_features_and_name_the_book() {
    let mut e = engine_with(vec![rule(
        AlertMetric::SpreadBps,
        Trigger::Above(5.0),
        5.0,
        1.0,
        0.0,
    )]);
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot()]);
    feed(&mut e, s.live(0, &[(100.0, 1.0)], &[(100.1, 1.0)]));
    assert_eq!(e.tick(at(0)).new_alerts, 0);
    let f = e.tick(at(1_000));
    assert_eq!(f.new_alerts, 1);
    let a = &f.alerts[0];
    assert_eq!(
        (a.venue, a.instrument.as_deref()),
        (Some(VenueId::Okx), Some("BTC-USDT"))
    );
    assert_eq!(a.notify, Notify::Bell);
    assert!(a.message.contains("okx BTC-USDT (BTC)"), "{}", a.message);
    // The same wide spread on a stale book says nothing new (and fires nothing).
    let f = e.tick(at(60_000));
    assert_eq!(f.new_alerts, 0);
    assert_eq!(f.alerts.len(), 1);
}

#[test]
fn the_default_feed_stale_rule_fires_when_a_book_goes_quiet() {
    let mut e = Engine::new(settings(&["BTC"], crate::config::alerts::default_rules()));
    let s = Script::new(VenueId::Okx, "BTC-USDT");
    let updates = |e: &mut Engine, from: Millis, to: Millis| {
        for t in (from..=to).step_by(100) {
            feed(
                e,
                [s.delta(t, &[(Side::Bid, 100.0, 1.0 + (t % 300) as f64)])],
            );
        }
    };
    feed(&mut e, [s.spot()]);
    feed(&mut e, s.live(0, &[(100.0, 1.0)], &[(100.1, 1.0)]));
    updates(&mut e, 100, 1_000);
    assert_eq!(e.tick(at(1_000)).new_alerts, 0);
    // Updates every 100 ms: stale after the 5 s floor.
    assert_eq!(e.tick(at(6_000)).new_alerts, 0);
    let f = e.tick(at(6_100));
    assert_eq!(f.new_alerts, 1);
    assert_eq!(f.alerts[0].rule, "feed-stale");
    // Fresh again (re-armed), quiet again, but inside the 60 s cooldown.
    updates(&mut e, 7_000, 7_300);
    assert_eq!(e.tick(at(7_300)).new_alerts, 0);
    assert_eq!(e.tick(at(13_000)).new_alerts, 0);
    assert!(book(&e.tick(at(14_000)), &s.key).stale);
    assert_eq!(e.tick(at(66_100)).new_alerts, 1);
}

#[test]
fn large_trade_alerts_judge_taker_prints_not_fills() {
    let mut e = engine_with(vec![rule(
        AlertMetric::LargeTradeUsd,
        Trigger::Above(1_000_000.0),
        1_000_000.0,
        0.0,
        30.0,
    )]);
    let mut s = Script::new(VenueId::Okx, "BTC-USDT");
    feed(&mut e, [s.spot()]);
    feed(&mut e, s.live(0, &[(10_000.0, 1.0)], &[(10_001.0, 1.0)]));
    // Two $600k fills of one taker order (same side, same millisecond): one $1.2M print.
    feed(&mut e, [s.trade(1_000, 10_000.0, 60.0, TakerSide::Buy)]);
    feed(&mut e, [s.trade(1_000, 10_000.0, 60.0, TakerSide::Buy)]);
    // The print completes once time has passed its millisecond.
    assert_eq!(e.tick(at(1_000)).new_alerts, 0);
    let f = e.tick(at(1_001));
    assert_eq!(f.new_alerts, 1);
    assert_eq!(f.alerts[0].value, 1_200_000.0);
    // The taker side travels with the alert: in its fields, its words and the JSON stream.
    assert_eq!(f.alerts[0].side, Some(AlertSide::Buy));
    assert!(
        f.alerts[0].message.contains("(buy)"),
        "{}",
        f.alerts[0].message
    );
    let json = serde_json::to_value(&*f.alerts[0]).unwrap();
    assert_eq!(json["side"], "buy");
    // Another one 10 s later is inside the cooldown; 40 s later it is not.
    feed(&mut e, [s.trade(11_000, 10_000.0, 200.0, TakerSide::Sell)]);
    assert_eq!(e.tick(at(12_000)).new_alerts, 0);
    feed(&mut e, [s.trade(41_000, 10_000.0, 200.0, TakerSide::Sell)]);
    let f = e.tick(at(42_000));
    assert_eq!(f.new_alerts, 1);
    assert_eq!(f.alerts[0].side, Some(AlertSide::Sell));
}

#[test]
fn liquidation_alerts_say_which_positions_were_closed() {
    let mut e = engine_with(vec![rule(
        AlertMetric::LiquidationUsd,
        Trigger::Above(100_000.0),
        100_000.0,
        0.0,
        0.0,
    )]);
    let s = Script::new(VenueId::Okx, "BTC-USDT-SWAP");
    feed(
        &mut e,
        [s.instrument(
            "BTC",
            "USDT",
            MarketKind::Perpetual,
            Contract::Linear { multiplier: 1.0 },
        )],
    );
    feed(&mut e, s.live(0, &[(10_000.0, 1.0)], &[(10_001.0, 1.0)]));
    let liquidation = |ms: Millis, position| {
        MarketEvent::Liquidation(crate::feed::event::Liquidation {
            key: s.key.clone(),
            local_ts: at(ms),
            exch_ts: ms,
            position,
            price: 10_000.0,
            size: 20.0,
            sampling: crate::feed::event::LiqSampling::Complete,
        })
    };
    feed(&mut e, [liquidation(1_000, LiquidatedPosition::Long)]);
    let f = e.tick(at(1_000));
    assert_eq!(f.new_alerts, 1);
    assert_eq!(f.alerts[0].side, Some(AlertSide::LongsLiquidated));
    feed(&mut e, [liquidation(2_000, LiquidatedPosition::Short)]);
    let f = e.tick(at(2_000));
    assert_eq!(f.alerts[0].side, Some(AlertSide::ShortsLiquidated));
    let json = serde_json::to_value(&*f.alerts[0]).unwrap();
    assert_eq!(json["side"], "shorts_liquidated");
}

#[test]
fn directional_reads_carry_their_sign_and_other_reads_no_side() {
    let mut a = alert_engine(vec![
        rule(
            AlertMetric::FlowMomentum,
            Trigger::Below(-0.5),
            -0.2,
            0.0,
            0.0,
        ),
        rule(
            AlertMetric::CascadeStress,
            Trigger::Above(0.5),
            0.2,
            0.0,
            0.0,
        ),
        rule(AlertMetric::Consensus, Trigger::Above(0.5), 0.2, 0.0, 0.0),
    ]);
    let subject = Subject::Symbol("BTC".into());
    a.evaluate(S, MetricScope::Symbol, &subject, |m| match m {
        AlertMetric::FlowMomentum => Some(-0.8),
        _ => Some(0.9),
    });
    let fired = a.take_fired();
    assert_eq!(fired.len(), 3);
    let side = |metric: &str| fired.iter().find(|f| f.metric == metric).unwrap().side;
    assert_eq!(side("flow_momentum"), Some(AlertSide::Sell));
    assert_eq!(side("consensus"), Some(AlertSide::Buy));
    assert_eq!(side("cascade_stress"), None);
    let stress = fired.iter().find(|f| f.metric == "cascade_stress").unwrap();
    let json = serde_json::to_value(&**stress).unwrap();
    assert!(json.get("side").is_none(), "{json}");
}

/// Ten books, each with a wide spread: one rule fires ten alerts in one tick.
fn burst(capacity_rules: (usize, usize)) -> (Engine, mpsc::Receiver<crate::engine::frame::Alert>) {
    let (capacity, backlog_limit) = capacity_rules;
    let mut st = settings(
        &["BTC"],
        vec![rule(
            AlertMetric::SpreadBps,
            Trigger::Above(1.0),
            1.0,
            0.0,
            0.0,
        )],
    );
    st.alerts.channel_capacity = capacity;
    st.alerts.backlog_limit = backlog_limit;
    let (tx, rx) = mpsc::channel(capacity);
    let mut e = Engine::new(st).with_alert_sender(tx);
    for i in 0..10 {
        let s = Script::new(VenueId::Okx, &format!("BTC-{i}"));
        feed(&mut e, [s.spot()]);
        feed(&mut e, s.live(0, &[(100.0, 1.0)], &[(101.0, 1.0)]));
    }
    (e, rx)
}

#[test]
fn a_burst_larger_than_the_channel_waits_counted_and_arrives_in_order() {
    let (mut e, mut rx) = burst((4, 100));
    let f = e.tick(at(1_000));
    assert_eq!(f.new_alerts, 10);
    let d = f.alert_delivery;
    assert_eq!(
        (d.delivered, d.deferred, d.backlog, d.dropped),
        (4, 6, 6, 0)
    );
    // Every alert is in the frame whatever the channel did.
    assert_eq!(f.alerts.len(), 10);
    let mut got = Vec::new();
    while let Ok(a) = rx.try_recv() {
        got.push(a.id);
    }
    assert_eq!(got, [1, 2, 3, 4]);
    // The backlog goes first at the next ticks, as the reader makes room.
    for t in [2_000, 3_000] {
        e.tick(at(t));
        while let Ok(a) = rx.try_recv() {
            got.push(a.id);
        }
    }
    assert_eq!(got, (1..=10).collect::<Vec<u64>>());
    let d = e.tick(at(4_000)).alert_delivery;
    assert_eq!(
        (d.delivered, d.deferred, d.backlog, d.dropped),
        (10, 6, 0, 0)
    );
}

#[test]
fn only_a_full_backlog_drops_and_even_that_is_counted() {
    let (mut e, mut rx) = burst((2, 5));
    let d = e.tick(at(1_000)).alert_delivery;
    // 2 sent, 8 waiting, of which the 3 oldest exceed the backlog limit.
    assert_eq!(
        (d.delivered, d.deferred, d.backlog, d.dropped),
        (2, 8, 5, 3)
    );
    let _ = rx.try_recv();
    drop(rx);
    let d = e.tick(at(2_000)).alert_delivery;
    assert!(d.reader_gone);
    assert_eq!(d.backlog, 0);
}
