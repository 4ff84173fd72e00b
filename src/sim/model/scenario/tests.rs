//! Each scenario's footprint in the model's own output, over simulated time (no engine: the
//! engine-side reads are proven in `engine/tests/scenarios.rs`).

use super::*;
use crate::sim::model::Model;
use crate::sim::model::event::Step;
use crate::sim::model::tests::Mirror;
use std::collections::BTreeMap;
use std::time::Duration;

const SEED: u64 = 5;

fn book(venue: VenueId, id: &str) -> BookId {
    find(venue, id).expect("simulated")
}

fn spot() -> BookId {
    book(VenueId::Binance, "BTCUSDT")
}

/// A model of `books` with `kind` on the first of them.
fn model(kind: ScenarioKind, books: &[BookId]) -> Model {
    let i = &INSTRUMENTS[books[0]];
    let spec = ScenarioSpec {
        kind,
        target: Some((i.venue, i.id.to_owned())),
    };
    Model::new(SEED, books, Duration::from_millis(100))
        .with_scenarios(SEED, &[spec])
        .expect("the target is modelled")
}

/// Runs `model` for `steps`, calling `see` with each step and book 0's mirror before it.
fn run(model: &mut Model, steps: u64, mut see: impl FnMut(&Step, &Mirror)) -> Mirror {
    let mut mirror = Mirror::of(model, 0);
    for _ in 0..steps {
        let step = model.step();
        see(&step, &mirror);
        mirror.apply(&step.books[0].changes);
    }
    mirror
}

/// The model-time starts of the scenario's occurrences in `steps`.
fn starts(step: &Step, out: &mut Vec<u64>) {
    for e in &step.episodes {
        if let Episode::Scenario { t_ms, .. } = e {
            out.push(*t_ms);
        }
    }
}

/// Size increases (side, price, lots added, t_ms) and decreases on book 0 in one step.
fn moves(step: &Step, before: &Mirror) -> Vec<(Side, i64, i64, u64)> {
    step.books[0]
        .changes
        .iter()
        .map(|c| {
            let was = before.qty(c.side, c.price) as i64;
            (c.side, c.price, c.qty as i64 - was, step.t_ms)
        })
        .collect()
}

fn lots(book: BookId, base: f64) -> i64 {
    (base / INSTRUMENTS[book].base_per_lot()).round() as i64
}

#[test]
fn specs_parse_name_their_book_and_refuse_what_cannot_run() {
    let s: ScenarioSpec = "spoof".parse().unwrap();
    assert_eq!(s, ScenarioSpec::new(ScenarioKind::Spoof));
    assert_eq!(s.to_string(), "spoof@binance:BTCUSDT");
    assert_eq!(s.book(), Ok(spot()));
    let s: ScenarioSpec = "Stop-Hunt".parse().unwrap();
    assert_eq!(s.to_string(), "stop-hunt@binance-usdm:BTCUSDT");
    assert!(INSTRUMENTS[s.book().unwrap()].is_perpetual());
    let s: ScenarioSpec = "wall@okx:ETH-USDT".parse().unwrap();
    assert_eq!(s.book(), Ok(book(VenueId::Okx, "ETH-USDT")));
    for name in ScenarioKind::ALL.map(ScenarioKind::name) {
        assert_eq!(name.parse::<ScenarioSpec>().unwrap().kind.name(), name);
    }
    let err = |s: &str| s.parse::<ScenarioSpec>().and_then(|s| s.book().map(|_| ()));
    assert!(matches!(err("spoofing"), Err(ScenarioError::Unknown(_))));
    assert!(matches!(
        err("spoof@binance"),
        Err(ScenarioError::Target(_))
    ));
    assert!(matches!(
        err("spoof@nowhere:BTC"),
        Err(ScenarioError::Target(_))
    ));
    assert!(matches!(
        err("spoof@binance:DOGEUSDT"),
        Err(ScenarioError::NoBook(_))
    ));
    assert!(matches!(
        err("stop-hunt@binance:BTCUSDT"),
        Err(ScenarioError::NotPerpetual(_))
    ));
    // A book the model does not hold is refused, not ignored.
    let only_okx = [book(VenueId::Okx, "BTC-USDT")];
    let spoof = ScenarioSpec::new(ScenarioKind::Spoof);
    let refused = Model::new(SEED, &only_okx, Duration::from_millis(100))
        .with_scenarios(SEED, &[spoof])
        .err();
    assert!(matches!(refused, Some(ScenarioError::NoBook(_))));
}

#[test]
fn a_scenario_run_repeats_for_its_seed() {
    let run = |seed| {
        let spec = ScenarioSpec::new(ScenarioKind::Layering);
        let mut m = Model::new(seed, &[spot()], Duration::from_millis(100))
            .with_scenarios(seed, &[spec])
            .unwrap();
        (0..400).map(|_| m.step()).collect::<Vec<_>>()
    };
    assert_eq!(run(3), run(3));
    let plain: Vec<Step> = {
        let mut m = Model::new(3, &[spot()], Duration::from_millis(100));
        (0..400).map(|_| m.step()).collect()
    };
    assert_ne!(run(3), plain, "the scenario changed nothing");
}

/// §10.1: every 3 s a large add behind the best (not the touch, within 50 bps), pulled 1.5 s
/// later.
#[test]
fn spoof_adds_a_large_order_behind_the_best_and_pulls_it_after_1_5_s() {
    let b = spot();
    let mut m = model(ScenarioKind::Spoof, &[b]);
    let large = lots(b, 0.05 * 300.0);
    let (mut adds, mut pulls, mut at) = (Vec::new(), Vec::new(), Vec::new());
    run(&mut m, 600, |step, before| {
        starts(step, &mut at);
        for (side, price, delta, t) in moves(step, before) {
            let bps = (price - before.best_on(side)).abs() as f64 / (before.mid() * 1e-4);
            if delta >= large && (2.5..=10.5).contains(&bps) {
                adds.push((side, price, t));
            }
            if -delta >= large * 9 / 10 {
                pulls.push((side, price, t));
            }
        }
    });
    let expected: Vec<u64> = (5_000..60_000).step_by(3_000).collect();
    assert_eq!(at, expected);
    // The scenario's adds land in the step that starts an occurrence; the last one is pulled
    // after the run.
    adds.retain(|(.., t)| at.contains(&(t - 100)) && t + 1_500 <= 60_000);
    assert_eq!(adds.len(), expected.len() - 1, "{adds:?}");
    for (side, price, t) in &adds {
        let pulled = pulls
            .iter()
            .find(|(s, p, _)| s == side && p == price)
            .map(|(.., tp)| tp - t);
        assert!(
            pulled.is_some_and(|d| (1_400..=1_700).contains(&d)),
            "{side:?} {price} at {t}: {pulled:?}"
        );
    }
}

/// §10.2: every 6 s, four levels on one side within 1 s, each a large add, all pulled
/// together well within τ = 3 s.
#[test]
fn layering_adds_four_same_side_levels_within_a_second_and_pulls_them() {
    let b = spot();
    let mut m = model(ScenarioKind::Layering, &[b]);
    let large = lots(b, 0.05 * 200.0);
    let mut adds: Vec<(Side, i64, u64)> = Vec::new();
    // Falls of nearly the whole add (the market's own flow may have nibbled at it).
    let mut pulls: Vec<(Side, i64, u64)> = Vec::new();
    run(&mut m, 200, |step, before| {
        for (side, price, delta, t) in moves(step, before) {
            if delta >= large {
                adds.push((side, price, t));
            } else if -delta >= large * 9 / 10 {
                pulls.push((side, price, t));
            }
        }
    });
    // Occurrences at 7 s and 13 s, their adds in the steps starting 0, 0.2, 0.4 and 0.6 s in.
    for start in [7_000, 13_000] {
        let layer: Vec<_> = adds
            .iter()
            .filter(|(.., t)| {
                t.checked_sub(start)
                    .is_some_and(|d| [100, 300, 500, 700].contains(&d))
            })
            .collect();
        assert_eq!(layer.len(), 4, "{adds:?}");
        assert!(layer.iter().all(|(s, ..)| *s == layer[0].0), "one side");
        let mut prices: Vec<i64> = layer.iter().map(|(_, p, _)| *p).collect();
        prices.dedup();
        assert_eq!(prices.len(), 4, "distinct levels");
        for (side, price, _) in &layer {
            let pulled = pulls.iter().find(|(s, p, _)| s == side && p == price);
            assert!(
                pulled.is_some_and(|(.., t)| (start + 1_700..start + 3_000).contains(t)),
                "{price}: {pulled:?} in {pulls:?}"
            );
        }
    }
}

/// §10.3: five seconds a minute of level changes far above the book's usual rate, with the
/// trades at their usual rate (so ≥ 50 changes per trade).
#[test]
fn stuffing_bursts_level_changes_without_trades() {
    let b = spot();
    let mut m = model(ScenarioKind::Stuffing, &[b]);
    let mut per_s: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    run(&mut m, 900, |step, _| {
        let s = per_s.entry((step.t_ms - 1) / 1_000).or_default();
        s.0 += step.books[0].changes.len() as u64;
        s.1 += step.books[0].fills.len() as u64;
    });
    let burst = |s: u64| (20..25).contains(&s) || (80..85).contains(&s);
    let mut quiet: Vec<u64> = per_s
        .iter()
        .filter(|(s, _)| !burst(**s))
        .map(|(_, c)| c.0)
        .collect();
    quiet.sort_unstable();
    let median = quiet[quiet.len() / 2];
    for (s, (changes, trades)) in per_s.iter().filter(|(s, _)| burst(**s)) {
        assert!(
            *changes >= 4_000 && *changes > 5 * median,
            "{s}: {changes} vs {median}"
        );
        assert!(*changes / (*trades).max(1) >= 50, "{s}: {changes}/{trades}");
    }
}

/// The notional book 0's `side` takers traded in `step`, in quote currency.
fn notional(step: &Step, side: TakerSide, tick: f64, lot: f64) -> f64 {
    step.books[0]
        .fills
        .iter()
        .filter(|f| f.taker == side)
        .map(|f| f.price as f64 * tick * f.qty as f64 * lot)
        .sum()
}

/// §10.4: a 5 s burst of one-sided taker flow moves the mid 60 bps, and the move is given back
/// over the next 60 s; the next occurrence goes the other way.
#[test]
fn ignition_bursts_one_sided_then_retraces() {
    let b = spot();
    let (tick, lot) = (INSTRUMENTS[b].tick_size(), INSTRUMENTS[b].base_per_lot());
    let mut m = model(ScenarioKind::Ignition, &[b]);
    let mut mids = BTreeMap::new();
    let (mut buy, mut sell) = (BTreeMap::new(), BTreeMap::new());
    run(&mut m, 4_600, |step, before| {
        mids.insert(step.t_ms, before.mid());
        *buy.entry(step.t_ms / 5_000).or_insert(0.0) += notional(step, TakerSide::Buy, tick, lot);
        *sell.entry(step.t_ms / 5_000).or_insert(0.0) += notional(step, TakerSide::Sell, tick, lot);
    });
    let mut quiet: Vec<f64> = buy.iter().map(|(k, v)| v + sell[k]).collect();
    quiet.sort_by(f64::total_cmp);
    let median = quiet[quiet.len() / 2];
    for (start, sign) in [(90_000u64, 1.0), (390_000, -1.0)] {
        let (b5, s5) = (buy[&(start / 5_000)], sell[&(start / 5_000)]);
        let one_sided = (b5 - s5).abs() / (b5 + s5);
        assert!(one_sided >= 0.8, "{start}: {b5} vs {s5}");
        assert!(
            b5 + s5 >= 5.0 * median,
            "{start}: {} vs median {median}",
            b5 + s5
        );
        assert!(sign * (b5 - s5) > 0.0);
        let p0 = mids[&(start + 100)];
        let peak = mids[&(start + 5_000)];
        let after = mids[&(start + 65_000)];
        let moved = sign * (peak / p0 - 1.0) * 1e4;
        assert!(moved >= 40.0, "{start}: moved {moved} bps");
        let r = (peak - after) / (peak - p0);
        assert!(r >= 0.5, "{start}: retraced {r}");
    }
}

/// Per minute of `steps` (by model time): book 0's mid at the minute and its traded notional.
fn minutes(model: &mut Model, steps: u64) -> (BTreeMap<u64, f64>, BTreeMap<u64, f64>) {
    let b = model.book_ids().next().expect("a book");
    let (tick, lot) = (INSTRUMENTS[b].tick_size(), INSTRUMENTS[b].base_per_lot());
    let (mut mids, mut volume) = (BTreeMap::new(), BTreeMap::new());
    run(model, steps, |step, before| {
        if step.t_ms.is_multiple_of(60_000) {
            mids.insert(step.t_ms / 60_000, before.mid());
        }
        let traded =
            notional(step, TakerSide::Buy, tick, lot) + notional(step, TakerSide::Sell, tick, lot);
        *volume.entry((step.t_ms - 1) / 60_000).or_insert(0.0) += traded;
    });
    (mids, volume)
}

/// §10.5: from minute 2, +8 % over 15 min with over 4 times the volume of a quiet quarter hour
/// (15 × the median minute of the same market without the scenario: §10.5 takes a median too,
/// so a cascade's minutes do not count), then at least half the rise given back within the
/// hour.
#[test]
fn pump_rises_on_heavy_volume_then_dumps() {
    let b = spot();
    let (mids, volume) = minutes(&mut model(ScenarioKind::Pump, &[b]), 10 * 48 * 60);
    let mut plain = Model::new(SEED, &[b], Duration::from_millis(100));
    let (_, usual) = minutes(&mut plain, 10 * 48 * 60);
    let rise = (mids[&17] / mids[&2]).ln();
    assert!(rise >= 0.06, "rise {rise}");
    let pumped = volume.range(2..17).map(|(_, x)| x).sum::<f64>();
    let mut minute: Vec<f64> = usual.values().copied().collect();
    minute.sort_by(f64::total_cmp);
    let quiet = 15.0 * minute[minute.len() / 2];
    assert!(pumped >= 4.0 * quiet, "{pumped} vs {quiet}");
    let top = mids[&17];
    let low = (17..=47).map(|m| mids[&m]).fold(f64::MAX, f64::min);
    assert!(top - low >= 0.5 * (top - mids[&2]), "dump {top} → {low}");
}

/// First-digit MAD against Benford of the trade notionals of book 0 in `steps`.
fn benford_mad(steps: &[Step], book: BookId) -> (f64, usize) {
    let (tick, lot) = (
        INSTRUMENTS[book].tick_size(),
        INSTRUMENTS[book].base_per_lot(),
    );
    let mut counts = [0usize; 9];
    for f in steps.iter().flat_map(|s| &s.books[0].fills) {
        let n = f.price as f64 * tick * f.qty as f64 * lot;
        let digit = (n / 10f64.powf(n.log10().floor())).floor() as usize;
        counts[digit.clamp(1, 9) - 1] += 1;
    }
    let total: usize = counts.iter().sum();
    let mad = (1..=9)
        .map(|d| (counts[d - 1] as f64 / total as f64 - (1.0 + 1.0 / d as f64).log10()).abs())
        .sum::<f64>()
        / 9.0;
    (mad, total)
}

/// §10.6: over thousands of prints the first digits of the notionals are far from Benford's
/// (Nigrini's non-conforming band, MAD > 0.015), where the same market without the wash
/// prints is much closer; the book is not touched by them.
#[test]
fn wash_prints_break_benford_over_thousands_of_trades() {
    let b = spot();
    let steps = |mut m: Model| (0..6_000).map(|_| m.step()).collect::<Vec<_>>();
    let washed = steps(model(ScenarioKind::Wash, &[b]));
    let plain = steps(Model::new(SEED, &[b], Duration::from_millis(100)));
    let (mad, n) = benford_mad(&washed, b);
    let (base, _) = benford_mad(&plain, b);
    assert!(n >= 2_000, "{n} prints");
    assert!(mad > 0.015, "MAD {mad}");
    assert!(
        mad > base + 0.008,
        "MAD {mad} vs {base} without the scenario"
    );
}

/// §10.7 on a perpetual: 32 min in, the mid spikes beyond the range of the minutes before by
/// far more than a minute's move, under a burst of short liquidations, and is back inside the
/// range within 2 min.
#[test]
fn stop_hunt_spikes_beyond_the_range_with_liquidations_and_reenters() {
    let b = book(VenueId::BinanceUsdm, "BTCUSDT");
    let mut m = model(ScenarioKind::StopHunt, &[b]);
    let (mut mids, mut shorts) = (BTreeMap::new(), BTreeMap::new());
    run(&mut m, 10 * 60 * 35, |step, before| {
        mids.insert(step.t_ms, before.mid());
        let n = step.books[0]
            .forced
            .iter()
            .filter(|f| f.position == crate::market::LiquidatedPosition::Short)
            .count();
        *shorts.entry(step.t_ms / 20_000).or_insert(0) += n;
    });
    let start = 32 * 60_000;
    let before: Vec<f64> = mids
        .range(start - 30 * 60_000..start)
        .map(|(_, m)| *m)
        .collect();
    let hi = before.iter().copied().fold(f64::MIN, f64::max);
    let lo = before.iter().copied().fold(f64::MAX, f64::min);
    let extreme = mids
        .range(start..start + 30_000)
        .map(|(_, m)| *m)
        .fold(f64::MIN, f64::max);
    assert!(
        (extreme / hi - 1.0) * 1e4 >= 30.0,
        "spike {extreme} over {hi}"
    );
    let burst = shorts[&(start / 20_000)];
    let usual = shorts
        .range(..start / 20_000)
        .map(|(_, n)| *n)
        .sum::<usize>() as f64
        / (start / 20_000) as f64;
    assert!(
        burst as f64 >= 5.0 * usual.max(1.0),
        "{burst} vs {usual} per 20 s"
    );
    let back = mids[&(start + 90_000)];
    assert!(back < hi && back > lo, "{back} outside [{lo}, {hi}]");
}

/// §10.8: every 2 min the target's mid moves about 22 bps off another venue's for 30 s,
/// alternately up and down, and comes back.
#[test]
fn dislocation_moves_one_venue_off_the_others_and_back() {
    let b = spot();
    let other = book(VenueId::Okx, "BTC-USDT");
    let mut m = model(ScenarioKind::Dislocation, &[b, other]);
    let mut away = Mirror::of(&m, 1);
    let mut gap = BTreeMap::new();
    run(&mut m, 10 * 200, |step, before| {
        away.apply(&step.books[1].changes);
        gap.insert(
            step.t_ms,
            (before.mid() * INSTRUMENTS[b].tick_size())
                / (away.mid() * INSTRUMENTS[other].tick_size())
                - 1.0,
        );
    });
    let bps = |t: u64| gap[&t] * 1e4;
    assert!(bps(29_000).abs() < 5.0, "{}", bps(29_000));
    assert!(bps(40_000) >= 18.0, "{}", bps(40_000));
    assert!(bps(70_000).abs() < 5.0, "{}", bps(70_000));
    assert!(bps(160_000) <= -18.0, "{}", bps(160_000));
}

/// §6: from minute 5, 20 min of trend at a higher volatility: against the same market
/// without the scenario, the price moved its way and the typical 1-min move grew.
#[test]
fn regime_shift_trends_at_higher_volatility() {
    let b = spot();
    let (mids, _) = minutes(&mut model(ScenarioKind::RegimeShift, &[b]), 10 * 60 * 26);
    let mut plain = Model::new(SEED, &[b], Duration::from_millis(100));
    let (usual, _) = minutes(&mut plain, 10 * 60 * 26);
    let typical = |m: &BTreeMap<u64, f64>| {
        let mut r: Vec<f64> = (5..25).map(|i| (m[&(i + 1)] / m[&i]).ln().abs()).collect();
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    };
    let trend = |m: &BTreeMap<u64, f64>| (m[&25] / m[&5]).ln();
    assert!(
        trend(&mids) - trend(&usual) >= 0.015,
        "{} vs {}",
        trend(&mids),
        trend(&usual)
    );
    assert!(
        typical(&mids) >= 1.5 * typical(&usual),
        "{} vs {}",
        typical(&mids),
        typical(&usual)
    );
}

/// §5: a large order at a round price (a multiple of $100 for BTC) 50–100 bps from the mid,
/// resting (topped up) for 10 min unless the price comes within 5 bps of it first.
#[test]
fn wall_rests_a_large_order_at_a_round_price() {
    let b = spot();
    let mut m = model(ScenarioKind::Wall, &[b]);
    let large = lots(b, 0.05 * 1_000.0) as u64;
    let tick = INSTRUMENTS[b].tick_size();
    let mut wall = None;
    let (mut held, mut approached) = (0, false);
    let mirror = run(&mut m, 10 * 60 * 9, |step, before| {
        if wall.is_none() {
            wall = step.books[0]
                .changes
                .iter()
                .find(|c| c.qty >= large)
                .map(|c| (c.side, c.price, before.mid()));
        }
        let Some((side, price, _)) = wall else {
            return;
        };
        approached |= (price as f64 / before.mid() - 1.0).abs() < 6e-4;
        if step.t_ms.is_multiple_of(60_000) {
            if before.qty(side, price) >= large {
                held += 1;
            } else {
                assert!(approached, "gone at {} without the price near", step.t_ms);
            }
        }
    });
    let (side, price, mid) = wall.expect("a wall");
    let dollars = price as f64 * tick;
    assert!(
        (dollars / 100.0 - (dollars / 100.0).round()).abs() < 1e-9,
        "{dollars}"
    );
    let bps = (price as f64 / mid - 1.0).abs() * 1e4;
    assert!((49.0..=101.0).contains(&bps), "{bps} bps");
    assert!(held >= 1, "held {held} whole minutes");
    if !approached {
        assert_eq!(held, 9);
        assert!(mirror.qty(side, price) >= large);
    }
}
