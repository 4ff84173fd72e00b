//! The Analytics view (key `6`) from the fixture analytics: BTC with every field filled, ETH
//! warming, SOL empty; units on every number, panes that do not fit named, stale books greyed,
//! the §10 scope statement; the ladder's zone marks and the overview's analytics columns.

use super::snapshots::app_with_history;
use super::{app, draw, find, fixtures, press, text};
use crate::engine::analytics::{Zone, ZoneRole, ZoneSide};
use crate::engine::frame::Frame;
use crate::ui::action::Command;
use crate::ui::app::{App, Pane, View};
use crate::ui::model::overview::{self, SortColumn};
use ratatui::buffer::Buffer;
use std::sync::Arc;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

/// The app on the Analytics view of `symbol`.
fn analytics_of(symbol: &str) -> App {
    let mut app = app_with_history();
    press(&mut app, &[Command::ViewAnalytics]);
    while app.symbol != symbol {
        press(&mut app, &[Command::NextSymbol]);
    }
    app
}

/// The screen's body rows (no header, tab bar or footer).
fn body(buf: &Buffer) -> Vec<String> {
    let lines: Vec<String> = text(buf).lines().map(str::to_owned).collect();
    lines[2..lines.len() - 1].to_vec()
}

#[test]
fn key_6_opens_the_view_and_the_brackets_change_its_symbol() {
    let mut app = app(fixtures::frame());
    let key = |app: &mut App, k: &str| {
        let action = app.action_for_key(k.parse().unwrap()).unwrap();
        app.update(action);
    };
    key(&mut app, "6");
    assert_eq!(app.view, View::Analytics);
    assert_eq!(app.symbol, "BTC");
    key(&mut app, "]");
    assert_eq!(app.symbol, "ETH");
    let screen = text(draw(&app, 120, 40).backend().buffer());
    assert!(screen.contains(" 6 Analytics "), "{screen}");
    assert!(screen.contains("warming 3h/24h"), "ETH's regime: {screen}");
    key(&mut app, "[");
    assert_eq!(app.symbol, "BTC");
    // The help lists it.
    let help = app.keymap.help();
    assert!(
        help[0]
            .lines
            .iter()
            .any(|(k, what)| k == "6" && what.starts_with("Analytics"))
    );
}

#[test]
fn warming_and_empty_at_every_size() {
    // BTC, every field filled, is `analytics_{w}x{h}` of `snapshots::every_view_at_every_size`.
    for (symbol, name) in [("ETH", "warming"), ("SOL", "empty")] {
        let app = analytics_of(symbol);
        for (w, h) in SIZES {
            insta::assert_snapshot!(
                format!("analytics_{name}_{w}x{h}"),
                draw(&app, w, h).backend()
            );
        }
    }
}

/// A number's own unit: a currency, a percentage, a multiple, a clock time, letters (bps, s,
/// BTC, h) or a `/100` scale. A bare magnitude suffix (`12.3k`) is not a unit.
fn has_own_unit(token: &str) -> bool {
    let core = token.trim_matches(|c: char| "()[]:,;".contains(c));
    if core.contains(['%', '$', '×']) || core.ends_with("/100") {
        return true;
    }
    // HH:MM:SS
    if core.len() == 8 && core.chars().filter(|c| *c == ':').count() == 2 {
        return true;
    }
    let letters: String = core.chars().filter(|c| c.is_alphabetic()).collect();
    let magnitude = matches!(letters.as_str(), "k" | "M" | "B" | "T") && core.ends_with(&letters);
    !letters.is_empty() && !magnitude
}

fn is_number(token: &str) -> bool {
    token.chars().any(|c| c.is_ascii_digit())
}

fn is_word(token: &str) -> bool {
    !is_number(token) && token.chars().any(char::is_alphabetic)
}

/// Every number on the Analytics view carries a unit or a label: in its own token
/// (`11.71bps`, `62%`, `$1.42M`, `15m`, `36.8/100`) or as a word beside it (`net 2.40 bps`,
/// `PSI 0.76`, `3 bins`). A bare number between other numbers or bars fails.
fn numbers_without_units(lines: &[String]) -> Vec<String> {
    let mut bad = Vec::new();
    for line in lines {
        // Pane borders and bars are not words: split on them too.
        let cleaned: String = line
            .chars()
            .map(|c| {
                if "│─╭╮╰╯|+█▏▎▍▌▋▊▉#".contains(c) {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let tokens: Vec<&str> = cleaned.split_whitespace().collect();
        for (i, t) in tokens.iter().enumerate() {
            if !is_number(t) || has_own_unit(t) {
                continue;
            }
            let before = i.checked_sub(1).map(|j| tokens[j]);
            let after = tokens.get(i + 1);
            if !(before.is_some_and(is_word) || after.is_some_and(|a| is_word(a))) {
                bad.push(format!("{t:?} in {line:?}"));
            }
        }
    }
    bad
}

#[test]
fn the_unit_check_catches_a_bare_number() {
    let lines = [
        "PSI 0.76 0.41".to_owned(),
        "net 2.40 bps  62%  3 bins".to_owned(),
    ];
    assert_eq!(numbers_without_units(&lines).len(), 1, "0.41 has no label");
    assert!(numbers_without_units(&["████ 0.62 ███".to_owned()]).len() == 1);
    assert!(numbers_without_units(&["12.3k 4".to_owned()]).len() == 2);
    assert!(numbers_without_units(&["T2 B1 X0 4.2M".to_owned()]).len() == 1);
}

#[test]
fn every_number_on_screen_has_a_unit_and_none_is_cut() {
    for symbol in ["BTC", "ETH", "SOL"] {
        let mut app = analytics_of(symbol);
        for pane in 0..View::Analytics.panes().len() {
            for (w, h) in SIZES {
                let buf = draw(&app, w, h).backend().buffer().clone();
                let lines = body(&buf);
                let bad = numbers_without_units(&lines);
                assert!(
                    bad.is_empty(),
                    "{symbol} {w}x{h} pane {pane}: {bad:#?}\n{}",
                    lines.join("\n")
                );
                // A number cut short ends in the ellipsis or fills its cell with `#`.
                for line in &lines {
                    let chars: Vec<char> = line.chars().collect();
                    for pair in chars.windows(2) {
                        assert!(
                            !(pair[0].is_ascii_digit() && pair[1] == '…'),
                            "cut number in {line:?}"
                        );
                    }
                    assert!(!line.contains("##"), "a number too wide: {line:?}");
                }
            }
            press(&mut app, &[Command::NextPane]);
        }
    }
}

#[test]
fn panes_that_do_not_fit_are_named_and_tab_brings_them_back() {
    let mut app = analytics_of("BTC");
    let screen = text(draw(&app, 80, 24).backend().buffer());
    let last = body(draw(&app, 80, 24).backend().buffer())
        .last()
        .cloned()
        .unwrap();
    assert!(last.contains("(Tab)"), "{screen}");
    for _ in 0..View::Analytics.panes().len() {
        press(&mut app, &[Command::NextPane]);
        let focused = app.focused();
        let screen = text(draw(&app, 80, 24).backend().buffer());
        assert!(
            screen.contains(&format!(" {}", focused.title())),
            "{focused:?} is shown when focused:\n{screen}"
        );
    }
    // At 200 columns everything fits.
    let screen = text(draw(&app, 200, 60).backend().buffer());
    assert!(!screen.contains("(Tab)"), "{screen}");
    for pane in View::Analytics.panes() {
        assert!(screen.contains(pane.title()), "{pane:?}\n{screen}");
    }
}

#[test]
fn the_integrity_pane_states_its_scope_greys_stale_books_and_hides_unproven_numbers() {
    let mut app = analytics_of("BTC");
    while app.focused() != Pane::Integrity {
        press(&mut app, &[Command::NextPane]);
    }
    let terminal = draw(&app, 200, 60);
    let buf = terminal.backend().buffer();
    let screen = text(buf);
    // The pane's text as one paragraph: the statement wraps to the pane's width.
    let (x0, _) = find(buf, "Public L2")[0];
    let pane: String = screen
        .lines()
        .map(|l| l.chars().skip(usize::from(x0)).take(60).collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    let pane = pane.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        pane.contains(
            "Public L2 has no order or account ids: intent cannot be read from it. Each score \
             is a statistical footprint, not an accusation."
        ),
        "{pane}"
    );
    assert!(
        screen.contains("integrity 36.8/100"),
        "§10.9's worked value: {screen}"
    );
    assert!(
        screen.contains("!pump 0.60"),
        "a fired detector is marked: {screen}"
    );
    assert!(
        screen.contains("15m return +7.5 %"),
        "its evidence: {screen}"
    );
    // OKX is resyncing: its state, no numbers.
    let okx = screen.lines().find(|l| l.contains("OKX-P")).unwrap();
    assert!(
        okx.contains("RESYNCING") && okx.contains("no scores"),
        "{okx}"
    );
    // Kraken is stale: its score is drawn in the stale style.
    let (x, y) = find(buf, "integrity 71.2/100")[0];
    assert_eq!(buf[(x, y)].fg, app.theme.stale.fg.unwrap());
    let (x, y) = find(buf, "integrity 97.5/100")[0];
    assert_ne!(buf[(x, y)].fg, app.theme.stale.fg.unwrap());
}

#[test]
fn positioning_marks_stale_ratios_and_orients_lead_lag_to_the_leader() {
    let app = analytics_of("BTC");
    let buf = draw(&app, 200, 60).backend().buffer().clone();
    let screen = text(&buf);
    // lag −2 s: B (the perp) leads A by 2 s; the LLR shown is B over A (1 / 0.25).
    assert!(screen.contains("BIN-P leads BIN by 2 s"), "{screen}");
    assert!(screen.contains("LLR 4.00"), "{screen}");
    let (x, y) = find(&buf, "top positions L/S ~0.98")[0];
    assert_eq!(buf[(x, y)].fg, app.theme.stale.fg.unwrap());
    assert!(screen.contains("accounts L/S 1.47"), "consensus: {screen}");
}

#[test]
fn zones_sit_around_the_mid_resistance_above_support_below() {
    let app = analytics_of("BTC");
    let screen = text(draw(&app, 200, 60).backend().buffer());
    let row = |needle: &str| {
        screen
            .lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle}\n{screen}"))
    };
    let mid = row(" mid 64000.");
    assert!(row("64075–64100") < mid && row("64300–64325") < row("64075–64100"));
    assert!(row("63900–63925") > mid && row("63750–63775") > row("63900–63925"));
    assert!(screen.contains("range shrunk to 1.2 %"), "{screen}");
    assert!(screen.contains("touch 3 bounce 2 breach 0"), "{screen}");
    assert!(!screen.contains("PAUSED"));
    // Paused: said, and the zones greyed.
    let mut frame: Frame = fixtures::frame();
    let mut a = (*frame.symbols[0].analytics).clone();
    a.zones.paused = true;
    frame.symbols[0].analytics = Arc::new(a);
    let mut paused = app_with_frame(frame);
    press(&mut paused, &[Command::ViewAnalytics]);
    let terminal = draw(&paused, 200, 60);
    let buf = terminal.backend().buffer();
    assert!(text(buf).contains("PAUSED: no valid book"));
    let (x, y) = find(buf, "touch 3 bounce 2")[0];
    assert_eq!(buf[(x, y)].fg, paused.theme.stale.fg.unwrap());
}

fn app_with_frame(frame: Frame) -> App {
    app(frame)
}

#[test]
fn the_ladder_marks_zone_rows_with_s_and_r() {
    // Zones over the BTC spot ladder's own prices (64000.05 ± 0.5).
    let mut frame = fixtures::frame();
    let mut a = (*frame.symbols[0].analytics).clone();
    let zone = |lo: f64, hi: f64, role, side| Zone {
        lo,
        hi,
        side,
        role,
        strength: 0.5,
        notional: Some(1e6),
        age_s: 600.0,
        touches: 0,
        bounces: 0,
        breaches: 0,
        last_touch: None,
    };
    a.zones.zones = vec![
        zone(64_000.00, 64_000.03, ZoneRole::Support, ZoneSide::Bid),
        zone(64_000.10, 64_000.13, ZoneRole::Resistance, ZoneSide::Ask),
    ];
    frame.symbols[0].analytics = Arc::new(a);
    let mut app = app(frame);
    press(&mut app, &[Command::ViewDetail]);
    let terminal = draw(&app, 120, 40);
    let buf = terminal.backend().buffer();
    // The ladder is the left 60 columns; its margin is the first inside column.
    let ladder = |buf: &Buffer| -> Vec<String> {
        text(buf)
            .lines()
            .map(|l| l.chars().take(60).collect())
            .collect()
    };
    let rows = ladder(buf);
    let marked = |price: &str| {
        let line = rows
            .iter()
            .find(|l| l.contains(price))
            .unwrap_or_else(|| panic!("{price}\n{}", rows.join("\n")));
        line.chars().nth(1).unwrap()
    };
    assert_eq!(marked("64000.00"), 'S');
    assert_eq!(marked("64000.02"), 'S');
    assert_eq!(
        marked("64000.03"),
        ' ',
        "the upper edge is the next bucket's"
    );
    assert_eq!(marked("63999.99"), ' ');
    assert_eq!(marked("64000.10"), 'R');
    assert_eq!(marked("64000.12"), 'R');
    assert_eq!(marked("64000.13"), ' ');
    assert_eq!(marked("64000.09"), ' ');
    let y = rows.iter().position(|l| l.contains("64000.01")).unwrap() as u16;
    let s = &buf[(1, y)];
    assert_eq!(s.symbol(), "S");
    assert_eq!(s.fg, app.theme.bid.fg.unwrap());
    // A ladder of another quote currency is not marked with these prices.
    let mut usd = fixtures::frame();
    let mut a = (*usd.symbols[0].analytics).clone();
    a.zones.zones = vec![zone(64_000.00, 64_000.03, ZoneRole::Support, ZoneSide::Bid)];
    a.zones.quote = Some("USD".into());
    usd.symbols[0].analytics = Arc::new(a);
    let mut app = super::app(usd);
    press(&mut app, &[Command::ViewDetail]);
    let rows = ladder(draw(&app, 120, 40).backend().buffer());
    let line = rows.iter().find(|l| l.contains("64000.01")).unwrap();
    assert_eq!(line.chars().nth(1), Some(' '), "{line}");
}

#[test]
fn the_overview_sorts_by_regime_integrity_and_nearest_zone() {
    let mut frame = fixtures::frame();
    // ETH crashes and its nearest zone is 1 bps away; BTC stays BULL, 3.9 bps from support.
    let mut eth = (*frame.symbols[1].analytics).clone();
    eth.regime.label = Some(crate::engine::analytics::RegimeLabel::Crash);
    eth.regime.warming = None;
    eth.zones.nearest_resistance_bps = Some(1.0);
    frame.symbols[1].analytics = Arc::new(eth);
    let values = |column, descending| -> Vec<(String, Option<f64>)> {
        overview::rows(&frame, column, descending)
            .iter()
            .map(|r| (r.symbol.symbol.clone(), overview::value(r, column)))
            .collect()
    };
    let regime = values(SortColumn::Regime, true);
    assert_eq!(
        regime[0],
        ("ETH".to_owned(), Some(4.0)),
        "CRASH first: {regime:?}"
    );
    assert_eq!(
        regime.iter().filter(|(_, v)| *v == Some(1.0)).count(),
        4,
        "BTC's 4 live books (Kraken's stale, yet live)"
    );
    assert!(regime.last().unwrap().1.is_none(), "absent last");
    let zone = values(SortColumn::Zone, false);
    assert_eq!(zone[0], ("ETH".to_owned(), Some(1.0)));
    assert_eq!(zone[3].0, "BTC");
    let integrity = values(SortColumn::Integrity, false);
    assert_eq!(integrity[0], ("BTC".to_owned(), Some(36.83471317)));
    assert_eq!(
        integrity[1].1,
        Some(71.2),
        "kraken: stale, yet live, so shown"
    );
    assert_eq!(integrity[2].1, Some(97.5));
    assert!(integrity[3..].iter().all(|(_, v)| v.is_none()));
    // The sort cycle reaches them, and the columns show at 200 columns.
    let mut app = app(frame.clone());
    let mut seen = Vec::new();
    for _ in 0..20 {
        press(&mut app, &[Command::CycleSort]);
        seen.push(app.sort);
    }
    for column in [SortColumn::Regime, SortColumn::Integrity, SortColumn::Zone] {
        assert!(seen.contains(&column), "{column:?}");
    }
    let screen = text(draw(&app, 200, 60).backend().buffer());
    for title in ["REGIME", "INTEG", "ZONE bps"] {
        assert!(screen.contains(title), "{title}\n{screen}");
    }
    assert!(
        screen.contains("CRASH") && screen.contains("S 3.9"),
        "{screen}"
    );
    // Narrower, they are in the `c` column groups.
    let mut app = super::app(frame);
    let mut found = [false; 3];
    for _ in 0..6 {
        let screen = text(draw(&app, 80, 24).backend().buffer());
        for (i, title) in ["REGIME", "INTEG", "ZONE bps"].iter().enumerate() {
            found[i] |= screen.contains(title);
        }
        press(&mut app, &[Command::NextColumns]);
    }
    assert_eq!(found, [true; 3]);
}

#[test]
fn hostile_numbers_draw_as_absent_never_as_nan_and_never_panic() {
    let mut frame = fixtures::frame();
    let mut a = (*frame.symbols[0].analytics).clone();
    let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e300];
    for (i, z) in a.zones.zones.iter_mut().enumerate() {
        z.strength = bad[i % 5];
        z.notional = Some(bad[(i + 1) % 5]);
        z.age_s = bad[(i + 2) % 5];
    }
    a.zones.zones[0].lo = f64::NAN;
    a.zones.zones[1].hi = f64::INFINITY;
    a.zones.nearest_support_bps = Some(f64::NAN);
    a.zones.range_pct = Some(f64::INFINITY);
    a.regime.probabilities = Some([f64::NAN; 5]);
    a.regime.entropy = Some(f64::NAN);
    a.regime.inputs = Some([f64::INFINITY, f64::NAN]);
    a.regime.since = Some(i64::MIN);
    a.drift.score = Some(f64::NAN);
    a.drift.features[0].psi = Some(f64::INFINITY);
    a.consensus.consensus = Some(f64::NAN);
    a.consensus.models[0].signal = f64::NAN;
    a.consensus.models[1].confidence = f64::INFINITY;
    let o = &mut a.arbitrage.opportunities[0];
    (o.net_bps, o.gross_bps, o.size, o.notional, o.pnl) = (
        f64::NAN,
        f64::INFINITY,
        f64::NAN,
        f64::NEG_INFINITY,
        f64::NAN,
    );
    (o.fee_buy_bps, o.fee_sell_bps) = (f64::NAN, f64::NAN);
    a.integrity[0].integrity_score = Some(f64::NAN);
    a.integrity[0].detectors[4].score = Some(f64::INFINITY);
    if let Some(e) = &mut a.integrity[0].detectors[4].last_fired {
        e.score = f64::NAN;
        e.at = i64::MIN;
    }
    if let Some(ll) = &mut a.lead_lag {
        ll.rho = f64::NAN;
        ll.llr = Some(f64::NAN);
        ll.lag_s = i32::MIN;
    }
    a.positioning.venues[0].ratios[0].ratio = f64::NAN;
    a.positioning.venues[0].taker_buy_sell_ratio = Some(f64::INFINITY);
    a.positioning.consensus[0].long_short_ratio = f64::NAN;
    frame.symbols[0].analytics = Arc::new(a);
    let mut app = app(frame);
    for view in [
        Command::ViewAnalytics,
        Command::ViewOverview,
        Command::ViewDetail,
    ] {
        press(&mut app, &[view]);
        for (w, h) in SIZES {
            for _ in 0..View::Analytics.panes().len() {
                let screen = text(draw(&app, w, h).backend().buffer());
                let bad = screen.split_whitespace().find(|t| {
                    let t = t.trim_start_matches(['+', '-', '$', '~']);
                    t.contains("NaN") || (t.starts_with("inf") && !t.starts_with("info"))
                });
                assert!(bad.is_none(), "{bad:?} at {w}x{h}:\n{screen}");
                press(&mut app, &[Command::NextPane]);
            }
        }
    }
}

/// Whale agreement (spot against perpetual large flow) sits beside the depth divergence in the
/// Composites pane.
#[test]
fn whale_agreement_shows_beside_the_depth_divergence() {
    let mut frame = fixtures::frame_at(1, fixtures::NOW, crate::engine::frame::DataMode::Live);
    frame.symbols[0].composites.spot_perp.whale_agreement = Some(0.834);
    let mut app = app(frame);
    press(&mut app, &[Command::ViewDetail]);
    let screen = text(draw(&app, 200, 60).backend().buffer());
    let row = screen
        .lines()
        .find(|l| l.contains("perp vs spot DI"))
        .expect("the row");
    assert!(row.contains("whales agree 0.83"), "{row}");
}
