//! The trader's panes: price chart, trade tape, perp context, liquidation feed, the alerts
//! scope, the `:` command line (watch list saved in the config file) and mouse clicks.

use super::snapshots::app_with_history;
use super::{app, app_with, draw, find, fixtures, press, text};
use crate::config::watchlist::Edit;
use crate::control::{WatchApplied, WatchReply};
use crate::engine::frame::{DerivsView, Frame, LiquidationFeatures};
use crate::instrument::MarketKind;
use crate::market::VenueId;
use crate::ui::action::{Action, Command};
use crate::ui::app::{App, Effect, Pane, View};
use crate::ui::keys::Key;
use crate::ui::model::chart::ChartRange;
use crate::ui::run::{save_watchlist, watchlist_applied};
use std::sync::Arc;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

fn key(app: &mut App, name: &str) -> Effect {
    let action = app
        .action_for_key(name.parse::<Key>().unwrap())
        .unwrap_or_else(|| panic!("{name} is unbound"));
    app.update(action)
}

/// Types `text` on the command line (opened with `:`) and presses enter.
fn command(app: &mut App, text: &str) -> Effect {
    key(app, ":");
    for c in text.chars() {
        let name = if c == ' ' {
            "space".to_owned()
        } else {
            c.to_string()
        };
        key(app, &name);
    }
    key(app, "enter")
}

fn focus(app: &mut App, pane: Pane) {
    for _ in 0..12 {
        if app.focused() == pane {
            return;
        }
        press(app, &[Command::NextPane]);
    }
    panic!("{pane:?} cannot be focused");
}

#[test]
fn tape_filtered_with_liquidations_inline_at_every_size() {
    let mut app = app_with_history();
    press(&mut app, &[Command::ViewDetail, Command::CycleVenue]);
    focus(&mut app, Pane::Tape);
    key(&mut app, ".");
    key(&mut app, ".");
    key(&mut app, "L");
    assert_eq!(app.tape.min, 1e4);
    assert!(app.tape.liquidations);
    for (w, h) in SIZES {
        let terminal = draw(&app, w, h);
        let screen = text(terminal.backend().buffer());
        // (Below 200×60 the tape has room for its few newest rows only.)
        assert!(
            w < 200 || screen.contains("liq L"),
            "{w}x{h}: a liquidation inline\n{screen}"
        );
        insta::assert_snapshot!(format!("tape_filtered_{w}x{h}"), terminal.backend());
    }
    let screen = text(draw(&app, 200, 60).backend().buffer());
    assert!(screen.contains(">= $10.0k"), "{screen}");
    // Every trade of the fixture under $10k is gone from the tape.
    assert!(!screen.contains("$3.84k"), "{screen}");
    key(&mut app, ",");
    key(&mut app, ",");
    assert_eq!(app.tape.min, 0.0);
    let screen = text(draw(&app, 200, 60).backend().buffer());
    assert!(screen.contains("$3.84k"), "{screen}");
}

#[test]
fn chart_ranges_at_every_size() {
    let mut app = app_with_history();
    press(&mut app, &[Command::ViewDetail]);
    focus(&mut app, Pane::Chart);
    for (range, name) in [
        (ChartRange::FiveMinutes, "5m"),
        (ChartRange::OneHour, "1h"),
        (ChartRange::OneDay, "24h"),
    ] {
        assert_eq!(app.chart_range, range);
        for (w, h) in SIZES {
            let terminal = draw(&app, w, h);
            let screen = text(terminal.backend().buffer());
            assert!(
                screen.contains("now"),
                "{w}x{h} {name}: time axis\n{screen}"
            );
            insta::assert_snapshot!(format!("chart_{name}_{w}x{h}"), terminal.backend());
        }
        key(&mut app, "r");
    }
    assert_eq!(app.chart_range, ChartRange::FiveMinutes);
    let screen = text(draw(&app, 200, 60).backend().buffer());
    for label in ["-5m", "-4m", "-3m", "-2m", "-1m", "now"] {
        assert_eq!(
            find(draw(&app, 200, 60).backend().buffer(), label).len(),
            1,
            "{label}\n{screen}"
        );
    }
}

#[test]
fn the_ascii_chart_draws_only_ascii() {
    let mut app = app_with(fixtures::frame(), "default", true);
    press(&mut app, &[Command::ViewDetail]);
    let screen = text(draw(&app, 120, 40).backend().buffer());
    assert!(screen.is_ascii(), "{screen}");
    assert!(screen.contains('*'), "the mid line in ASCII\n{screen}");
    insta::assert_snapshot!("chart_ascii_120x40", screen);
}

/// The fixture frame with every perp's derivatives and liquidations not yet received.
fn before_derivs_data() -> Frame {
    let mut frame = fixtures::frame();
    for s in &mut frame.symbols {
        for b in &mut s.books {
            if b.instrument.kind != MarketKind::Spot {
                b.derivs = DerivsView::default();
                b.liquidations = LiquidationFeatures::default();
            }
        }
    }
    frame
}

#[test]
fn perp_context_shows_dashes_before_data_never_zero() {
    let mut app = app(before_derivs_data());
    let screen = text(draw(&app, 120, 40).backend().buffer());
    let perp: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("BIN-P   ") || l.contains("BYB-P   "))
        .collect();
    assert!(!perp.is_empty(), "{screen}");
    for line in &perp {
        assert!(line.contains('—'), "{line}");
        assert!(!line.contains("$0") && !line.contains("0.0000%"), "{line}");
    }
    assert!(screen.contains("no liquidations since start"), "{screen}");
    press(&mut app, &[Command::ViewDetail, Command::CycleVenue]);
    let screen = text(draw(&app, 200, 60).backend().buffer());
    assert!(screen.contains("no liquidations since start"), "{screen}");
    assert!(
        !screen.contains("no liquidation stream"),
        "a perp has a stream\n{screen}"
    );
    insta::assert_snapshot!("perp_before_data_200x60", screen);
}

/// A venue whose descriptor says it publishes no liquidations (Bitget) is shown as having no
/// stream, never as a quiet one.
#[test]
fn perps_of_a_venue_without_a_liquidation_stream_say_so() {
    let mut frame = before_derivs_data();
    for s in &mut frame.symbols {
        s.books.retain(|b| b.instrument.kind != MarketKind::Spot);
        for b in &mut s.books {
            b.key.venue = crate::market::VenueId::BitgetUsdt;
        }
    }
    let mut app = app(frame);
    let screen = text(draw(&app, 200, 60).backend().buffer());
    assert!(
        screen.contains("no liquidation stream: these markets' venues publish none"),
        "{screen}"
    );
    assert!(!screen.contains("no liquidations since start"), "{screen}");
    press(&mut app, &[Command::ViewHealth]);
    let screen = text(draw(&app, 200, 60).backend().buffer());
    assert!(
        screen.contains("no public liquidation stream: bitget-usdt"),
        "{screen}"
    );
}

#[test]
fn a_venue_whose_liquidation_stream_is_not_read_says_why() {
    let mut frame = before_derivs_data();
    for s in &mut frame.symbols {
        s.books.retain(|b| b.instrument.kind != MarketKind::Spot);
        for b in &mut s.books {
            b.key.venue = crate::market::VenueId::GateUsdt;
        }
    }
    let mut app = app(frame);
    press(&mut app, &[Command::ViewHealth]);
    let screen = text(draw(&app, 220, 60).backend().buffer());
    let why = crate::venue::gate::UNREAD_LIQUIDATIONS;
    assert!(
        screen.contains(&format!("gate-usdt: liquidation stream not read ({why})")),
        "{screen}"
    );
    assert!(!screen.contains("no public liquidation stream"), "{screen}");
}

#[test]
fn perp_context_with_data_in_the_detail_and_the_overview() {
    let mut app = app_with_history();
    let screen = text(draw(&app, 200, 60).backend().buffer());
    assert!(screen.contains("Liquidations │ all symbols"), "{screen}");
    assert!(screen.contains("+0.0100%/8h"), "{screen}");
    assert!(screen.contains("+2.14%"), "OI 1h change\n{screen}");
    assert!(screen.contains("59m59s"), "funding countdown\n{screen}");
    press(&mut app, &[Command::ViewDetail]);
    let screen = text(draw(&app, 200, 60).backend().buffer());
    assert!(screen.contains("PREM bps"), "{screen}");
    assert!(screen.contains("+10.95%"), "funding APR\n{screen}");
}

#[test]
fn the_alerts_pane_follows_the_symbol_and_a_shows_all() {
    let mut app = app_with_history();
    press(&mut app, &[Command::ViewDetail]);
    focus(&mut app, Pane::Alerts);
    let count = |app: &App, what: &str| find(draw(app, 200, 60).backend().buffer(), what).len();
    assert_eq!(
        count(&app, " ETH "),
        0,
        "ETH's alerts hidden while BTC is shown"
    );
    key(&mut app, "a");
    assert!(count(&app, "WARN") > 0);
    key(&mut app, "a");
    key(&mut app, "]");
    let screen = text(draw(&app, 200, 60).backend().buffer());
    assert!(
        screen.contains("Alerts │ ETH"),
        "follows the symbol\n{screen}"
    );
}

#[test]
fn add_and_remove_symbols_save_the_watch_list_once_the_feeds_applied_them() {
    let dir = std::env::temp_dir().join(format!("depthscope-ui-watch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    let original = "# mine\n[general]\nsymbols = [\"BTC\", \"ETH\"]\n\n[ui]\nfps = 20\n";
    std::fs::write(&path, original).unwrap();
    let mut settings = super::settings("default", false, false);
    settings.config_file = Some(path.clone());
    let mut app = App::new(settings, Arc::new(fixtures::frame()));
    // The command line is modal: `q` types a q, `esc` closes it and does not quit.
    key(&mut app, ":");
    assert_eq!(key(&mut app, "q"), Effect::None);
    assert_eq!(app.command_line.as_deref(), Some("q"));
    assert_eq!(key(&mut app, "esc"), Effect::None);
    assert!(app.command_line.is_none());
    let applied = |venues: &[(VenueId, usize)]| WatchApplied {
        changed: venues.to_vec(),
        ..WatchApplied::default()
    };
    let reply = |edit: Edit, outcome| WatchReply { edit, outcome };
    let effect = command(&mut app, "add sol");
    assert_eq!(effect, Effect::Watchlist(Edit::Add("SOL".into())));
    // Refused by the feeds (listed nowhere): said, and the file untouched.
    let refusal = "SOL is not listed on any watched venue (1 checked); nothing changed";
    watchlist_applied(
        &mut app,
        reply(Edit::Add("SOL".into()), Err(refusal.into())),
    );
    assert_eq!(app.notice.as_deref(), Some(refusal));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    // Applied: saved.
    watchlist_applied(
        &mut app,
        reply(Edit::Add("SOL".into()), Ok(applied(&[(VenueId::Okx, 2)]))),
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        original.replace("\"ETH\"]", "\"ETH\", \"SOL\"]")
    );
    let notice = app.notice.clone().unwrap();
    assert!(
        notice.starts_with("SOL added on 1 venue (2 books) · saved in "),
        "{notice}"
    );
    assert!(!notice.contains("next start"), "{notice}");
    // Removing the symbol on screen moves the selection to the next one.
    app.symbol = "ETH".into();
    let Effect::Watchlist(edit) = command(&mut app, "rm ETH") else {
        panic!("rm")
    };
    watchlist_applied(&mut app, reply(edit, Ok(applied(&[(VenueId::Okx, 2)]))));
    assert_eq!(app.symbol, "BTC");
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("symbols = [\"BTC\", \"SOL\"]")
    );
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .starts_with("ETH removed from 1 venue (2 books)")
    );
    // No feeds to apply it (a replay, a remote source): saved only, and said so.
    let Effect::Watchlist(edit) = command(&mut app, "add XRP") else {
        panic!("add")
    };
    save_watchlist(&mut app, &edit, None);
    let notice = app.notice.as_deref().unwrap();
    assert!(
        notice.ends_with("(BTC SOL XRP); this session's source takes no subscription changes"),
        "{notice}"
    );
    let Effect::Watchlist(edit) = command(&mut app, "rm DOGE") else {
        panic!("rm")
    };
    save_watchlist(&mut app, &edit, None);
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .contains("not in the watch list")
    );
    assert_eq!(command(&mut app, "frobnicate"), Effect::None);
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .starts_with("unknown command")
    );
    assert_eq!(command(&mut app, "min 25k"), Effect::None);
    assert_eq!(app.tape.min, 25_000.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_command_line_is_drawn_over_the_footer() {
    let mut app = app(fixtures::frame());
    key(&mut app, ":");
    key(&mut app, "a");
    let screen = text(draw(&app, 80, 24).backend().buffer());
    assert!(screen.lines().last().unwrap().starts_with(":a"), "{screen}");
    // Without a config file the change still applies to the running feeds, and the notice
    // says it was not saved.
    let mut nowhere = app_with(fixtures::frame(), "default", false);
    let edit = Edit::Add("XRP".into());
    assert_eq!(
        command(&mut nowhere, "add XRP"),
        Effect::Watchlist(edit.clone())
    );
    let applied = WatchApplied {
        changed: vec![(VenueId::Okx, 2)],
        ..WatchApplied::default()
    };
    watchlist_applied(
        &mut nowhere,
        WatchReply {
            edit,
            outcome: Ok(applied),
        },
    );
    let notice = nowhere.notice.as_deref().unwrap();
    assert!(
        notice.starts_with("XRP added on 1 venue (2 books)")
            && notice.ends_with("watch list not saved: no config file"),
        "{notice}"
    );
}

#[test]
fn clicks_select_overview_rows_focus_detail_panes_and_switch_tabs() {
    let mut app = app(fixtures::frame());
    let click = |app: &mut App, x: u16, y: u16| {
        app.update(Action::Click {
            x,
            y,
            width: 120,
            height: 40,
        })
    };
    // Body from row 2, inside the border from 3, the header on 3: rows from 4.
    click(&mut app, 10, 4 + 5);
    assert_eq!((app.cursor_row(), app.symbol.as_str()), (5, "ETH"));
    click(&mut app, 10, 4 + 200);
    assert_eq!(
        app.cursor_row(),
        5,
        "a click below the rows changes nothing"
    );
    click(&mut app, 16, 1);
    assert_eq!(app.view, View::Detail, "the second tab");
    let screen = draw(&app, 120, 40);
    let (x, y) = find(screen.backend().buffer(), "Tape")[0];
    click(&mut app, x, y + 1);
    assert_eq!(app.focused(), Pane::Tape);
    click(&mut app, 2, 10);
    assert_eq!(app.focused(), Pane::Ladder);
}

/// The ladder rows of a screen: the lines between the ladder's header (`PRICE … CUM`) and its
/// bottom border, cut to the ladder pane (the left 20 cells hold its prices).
fn ladder_rows(screen: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.contains("PRICE") && l.contains("CUM"))
        .expect("a ladder header");
    lines[header + 1..]
        .iter()
        .take_while(|l| !l.starts_with('╰'))
        .map(|l| l.chars().take(20).collect())
        .collect()
}

#[test]
fn the_aggregate_ladder_fills_its_pane_instead_of_blank_rows_above_the_asks() {
    let mut app = app(fixtures::frame());
    press(&mut app, &[Command::ViewDetail]);
    for (w, h) in [(120, 40), (200, 60)] {
        let screen = text(draw(&app, w, h).backend().buffer());
        let rows = ladder_rows(&screen);
        assert!(rows.len() > 25, "{w}x{h}: a tall ladder\n{screen}");
        let priced = |row: &String| row.chars().any(|c| c.is_ascii_digit());
        assert!(
            priced(&rows[0]) && priced(&rows[rows.len() - 1]),
            "{w}x{h}: the books hold 50 levels, so no row is blank\n{screen}"
        );
        // The title counts what is shown, at least the depth asked for.
        assert!(!screen.contains("│ 10 levels"), "{w}x{h}\n{screen}");
    }
}

#[test]
fn a_short_side_leaves_its_blank_rows_and_pushes_no_level_off_the_pane() {
    let mut frame = fixtures::frame();
    let bids: Vec<(f64, f64)> = (0..40).map(|i| (99.0 - f64::from(i), 1.0)).collect();
    let book = fixtures::book_with_levels(&bids, &[(101.0, 1.0), (102.0, 1.0)], 1.0);
    let btc = &mut frame.symbols[0];
    let i = btc
        .books
        .iter()
        .position(|b| b.key == book.key)
        .expect("the fixture's binance BTC spot book");
    btc.books[i] = book;
    let mut app = app(frame);
    // 20 levels: more bids than half the pane, fewer rows in all than the pane.
    press(&mut app, &[Command::ViewDetail, Command::CycleDepth]);
    super::select_venue(&mut app, crate::market::VenueId::Binance, MarketKind::Spot);
    let screen = text(draw(&app, 120, 40).backend().buffer());
    let rows = ladder_rows(&screen);
    assert!(rows.len() >= 23, "{screen}");
    let first = rows.iter().position(|r| r.contains(" 102")).unwrap();
    let spread = rows.iter().position(|r| r.contains("───")).unwrap();
    assert_eq!(spread, first + 2, "{screen}");
    assert!(rows[spread + 1].contains(" 99"), "{screen}");
    // Every one of the 20 bids is on the pane, down to the 20th (80).
    assert!(rows.iter().any(|r| r.contains(" 80 ")), "{screen}");
}
