//! Keys through `App::update`: views, search, freeze, venues, grouping, depth, panes, replay
//! controls, and keymaps from config (overrides and duplicate rejection).

use super::{app, draw, fixtures, settings, text};
use crate::config::Config;
use crate::control::ReplayControl;
use crate::engine::frame::DataMode;
use crate::instrument::MarketKind;
use crate::market::VenueId;
use crate::ui::action::Action;
use crate::ui::app::{App, AppSettings, Effect, Pane, View};
use crate::ui::keymap::Keymap;
use crate::ui::keys::Key;
use crate::ui::model::select::VenueSel;
use std::sync::Arc;

fn key(app: &mut App, name: &str) -> Effect {
    let action = app
        .action_for_key(name.parse::<Key>().unwrap())
        .unwrap_or_else(|| panic!("{name} is unbound"));
    app.update(action)
}

#[test]
fn number_keys_switch_views_and_q_quits() {
    let mut app = app(fixtures::frame());
    assert_eq!(app.view, View::Overview);
    for (k, view) in [
        ("2", View::Detail),
        ("3", View::Heatmap),
        ("4", View::Health),
        ("1", View::Overview),
    ] {
        key(&mut app, k);
        assert_eq!(app.view, view);
    }
    assert_eq!(key(&mut app, "q"), Effect::Quit);
    assert_eq!(key(&mut app, "ctrl+c"), Effect::Quit);
}

/// Esc closes or cancels, in every view and overlay; it never quits.
#[test]
fn esc_closes_and_never_quits() {
    let mut app = app(fixtures::frame());
    key(&mut app, "2");
    assert_eq!(key(&mut app, "esc"), Effect::None);
    assert_eq!(app.view, View::Overview, "esc leaves the detail");
    assert_eq!(
        key(&mut app, "esc"),
        Effect::None,
        "not even from the overview"
    );
    assert_eq!(
        app.notice.as_deref(),
        Some("nothing to close; q or ctrl+c quits")
    );
    for view in ["3", "4"] {
        key(&mut app, view);
        assert_eq!(key(&mut app, "esc"), Effect::None);
        assert_eq!(app.view, View::Overview);
    }
    key(&mut app, "?");
    assert_eq!(key(&mut app, "esc"), Effect::None);
    assert!(app.help.is_none());
}

/// Help is an overlay, not a trap: its own keys scroll and close it; any other key does what it
/// does in the view underneath and closes the help.
#[test]
fn keys_the_help_does_not_bind_act_on_the_view_and_close_it() {
    let mut app = app(fixtures::frame());
    key(&mut app, "?");
    key(&mut app, "j");
    assert_eq!(app.help, Some(1), "j scrolls the help");
    assert_eq!(
        key(&mut app, "q"),
        Effect::None,
        "q closes the help, not the app"
    );
    assert!(app.help.is_none());
    key(&mut app, "?");
    key(&mut app, "/");
    assert!(app.help.is_none() && app.search.is_some(), "/ searches");
    key(&mut app, "esc");
    key(&mut app, "?");
    key(&mut app, "2");
    assert!(app.help.is_none());
    assert_eq!(app.view, View::Detail);
}

#[test]
fn search_filters_as_you_type_and_enter_jumps() {
    let mut app = app(fixtures::frame());
    key(&mut app, "/");
    assert!(app.search.is_some());
    // While searching, letters type (q does not quit).
    for c in ['q', 'x'] {
        assert!(matches!(
            app.action_for_key(Key::char(c)),
            Some(Action::Type(_))
        ));
    }
    app.update(Action::Type('e'));
    key(&mut app, "enter");
    assert_eq!((app.symbol.as_str(), app.search.is_none()), ("ETH", true));
    key(&mut app, "/");
    for c in "so".chars() {
        app.update(Action::Type(c));
    }
    key(&mut app, "backspace");
    key(&mut app, "esc");
    assert_eq!(app.symbol, "ETH", "esc keeps the current symbol");
    key(&mut app, "/");
    app.update(Action::Type('t'));
    key(&mut app, "down");
    key(&mut app, "enter");
    assert_eq!(app.symbol, "ETH", "second match of `t` (BTC, ETH)");
    key(&mut app, "/");
    app.update(Action::Type('z'));
    key(&mut app, "enter");
    assert_eq!(app.notice.as_deref(), Some("no symbol matches \"z\""));
    assert!(app.search.is_some(), "a search with no match stays open");
    let screen = text(draw(&app, 80, 24).backend().buffer());
    assert!(screen.contains("no match"), "{screen}");
    key(&mut app, "backspace");
    app.update(Action::Type('s'));
    key(&mut app, "enter");
    assert_eq!((app.symbol.as_str(), app.search.is_none()), ("SOL", true));
}

#[test]
fn freeze_keeps_the_frozen_frame_on_screen_while_frames_keep_arriving() {
    let mut app = app(fixtures::frame());
    key(&mut app, "f");
    assert!(app.frozen());
    for seq in 2..=5 {
        app.update(Action::Frame(Arc::new(fixtures::frame_at(
            seq,
            fixtures::NOW + seq * 100_000_000,
            DataMode::Live,
        ))));
    }
    assert_eq!((app.shown().seq, app.live().seq), (1, 5));
    let screen = text(draw(&app, 120, 24).backend().buffer());
    assert!(
        screen.contains("FROZEN") && screen.contains("#1"),
        "{screen}"
    );
    assert!(!screen.contains("#5"));
    key(&mut app, "f");
    assert_eq!(
        app.shown().seq,
        5,
        "unfreezing shows the latest frame at once"
    );
    assert!(text(draw(&app, 120, 24).backend().buffer()).contains("#5"));
}

#[test]
fn v_cycles_aggregate_and_each_venue_of_the_symbol() {
    let mut app = app(fixtures::frame());
    assert_eq!(app.venue, VenueSel::Aggregate(MarketKind::Spot));
    let mut seen = Vec::new();
    for _ in 0..7 {
        key(&mut app, "v");
        seen.push(app.venue);
    }
    let book = |venue, kind| VenueSel::Book { venue, kind };
    assert_eq!(
        seen,
        [
            VenueSel::Aggregate(MarketKind::Perpetual),
            book(VenueId::Binance, MarketKind::Spot),
            book(VenueId::BinanceUsdm, MarketKind::Perpetual),
            book(VenueId::BybitLinear, MarketKind::Perpetual),
            book(VenueId::Okx, MarketKind::Perpetual),
            book(VenueId::Kraken, MarketKind::Spot),
            VenueSel::Aggregate(MarketKind::Spot),
        ]
    );
}

#[test]
fn grouping_depth_and_symbols_step_and_wrap() {
    let mut app = app(fixtures::frame());
    key(&mut app, "2");
    key(&mut app, "-");
    assert_eq!(app.grouping.label(), "1 tick", "finest stays finest");
    key(&mut app, "+");
    key(&mut app, "=");
    assert_eq!(app.grouping.label(), "5 ticks");
    key(&mut app, "b");
    assert_eq!(app.grouping.label(), "0.5 bps");
    let depths: Vec<usize> = (0..4)
        .map(|_| {
            key(&mut app, "d");
            app.depth
        })
        .collect();
    assert_eq!(depths, [20, 50, 5, 10]);
    key(&mut app, "[");
    assert_eq!(app.symbol, "SOL", "wraps backwards");
    key(&mut app, "]");
    key(&mut app, "]");
    assert_eq!(app.symbol, "ETH");
}

#[test]
fn tab_cycles_panes_and_motion_scrolls_the_focused_one() {
    let mut app = app(fixtures::frame());
    key(&mut app, "2");
    assert_eq!(app.focused(), Pane::Ladder);
    key(&mut app, "j");
    key(&mut app, "j");
    assert_eq!(app.ladder_scroll, 2);
    key(&mut app, "G");
    assert_eq!(app.ladder_scroll, 10, "clamped to the depth");
    key(&mut app, "g");
    assert_eq!(app.ladder_scroll, 0, "back to the spread");
    let panes: Vec<Pane> = (0..10)
        .map(|_| {
            key(&mut app, "tab");
            app.focused()
        })
        .collect();
    assert_eq!(
        panes,
        [
            Pane::Chart,
            Pane::Tape,
            Pane::Perp,
            Pane::Gauges,
            Pane::Composites,
            Pane::Flow,
            Pane::Liquidations,
            Pane::Bands,
            Pane::Alerts,
            Pane::Ladder
        ]
    );
    key(&mut app, "backtab");
    assert_eq!(app.focused(), Pane::Alerts);
    for _ in 0..10 {
        key(&mut app, "j");
    }
    assert_eq!(
        app.scroll(Pane::Alerts),
        1,
        "two of the three alerts are about BTC: scrolling stops at the last"
    );
    key(&mut app, "a");
    for _ in 0..10 {
        key(&mut app, "j");
    }
    assert_eq!(app.scroll(Pane::Alerts), 2, "all symbols: three alerts");
}

#[test]
fn the_overview_cursor_selects_symbols_and_enter_opens_the_row() {
    let mut app = app(fixtures::frame());
    for _ in 0..5 {
        key(&mut app, "j");
    }
    // Rows: 5 BTC books, then ETH's binance spot.
    assert_eq!((app.cursor_row(), app.symbol.as_str()), (5, "ETH"));
    key(&mut app, "s");
    assert_eq!(app.sort.label(), "mid");
    key(&mut app, "S");
    assert!(app.descending);
    assert_eq!(
        app.symbol, "ETH",
        "re-sorting keeps the cursor on the same book"
    );
    key(&mut app, "enter");
    assert_eq!(app.view, View::Detail);
    assert_eq!(
        app.venue,
        VenueSel::Book {
            venue: VenueId::Binance,
            kind: MarketKind::Spot
        }
    );
}

#[test]
fn replay_keys_control_a_replay_and_explain_themselves_elsewhere() {
    let mut live = app(fixtures::frame());
    assert_eq!(key(&mut live, "space"), Effect::None);
    assert_eq!(
        live.notice.as_deref(),
        Some("replay keys work only when replaying a capture")
    );
    let mut replay = App::new(
        settings("default", false, true),
        Arc::new(fixtures::replay_frame()),
    );
    assert_eq!(
        key(&mut replay, "space"),
        Effect::Replay(ReplayControl::TogglePause)
    );
    assert_eq!(key(&mut replay, ">"), Effect::Replay(ReplayControl::Faster));
    assert_eq!(key(&mut replay, "<"), Effect::Replay(ReplayControl::Slower));
    let mut uncontrolled = app(fixtures::replay_frame());
    key(&mut uncontrolled, "space");
    assert_eq!(
        uncontrolled.notice.as_deref(),
        Some("this replay takes no controls")
    );
}

#[test]
fn help_is_generated_from_the_configured_keymap() {
    let config =
        Config::parse("[keybindings.global]\nfreeze = [\"ctrl+f\"]\n", "user.toml").unwrap();
    let keymap = Keymap::new(&config.keybindings).unwrap();
    let help = keymap.help();
    let freeze = help[0]
        .lines
        .iter()
        .find(|(_, d)| d.starts_with("Freeze"))
        .unwrap();
    assert_eq!(freeze.0, "ctrl+f");
    let mut app = App::new(
        AppSettings {
            keymap,
            ..settings("default", false, false)
        },
        Arc::new(fixtures::frame()),
    );
    assert!(
        app.action_for_key(Key::char('f')).is_none(),
        "f is no longer bound"
    );
    key(&mut app, "ctrl+f");
    assert!(app.frozen());
    key(&mut app, "?");
    let screen = text(draw(&app, 120, 40).backend().buffer());
    assert!(
        screen.contains("ctrl+f             Freeze the screen"),
        "{screen}"
    );
    assert!(screen.contains("Everywhere"), "{screen}");
    let titles: Vec<&str> = app.keymap.help().iter().map(|s| s.title).collect();
    assert_eq!(
        titles,
        [
            "Everywhere",
            "Overview",
            "Symbol detail",
            "Heatmap",
            "History",
            "In this help",
            "While searching",
            "On the command line"
        ]
    );
}

#[test]
fn duplicate_bindings_are_rejected_with_a_clear_error() {
    let err = Config::parse("[keybindings.global]\nfreeze = [\"q\"]\n", "my.toml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "config my.toml: key \"q\" is bound twice in [keybindings.global]: to quit and to freeze"
    );
    let err =
        Config::parse("[keybindings.overview]\ncycle_sort = [\"f\"]\n", "my.toml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "config my.toml: key \"f\" is bound to cycle_sort in [keybindings.overview] and to freeze in \
         [keybindings.global]; one key, one meaning: unbind one of them"
    );
    // Two spellings of one key are one key.
    let err = Config::parse(
        "[keybindings.detail]\ncycle_depth = [\"shift+d\"]\ngrouping_unit = [\"D\"]\n",
        "my.toml",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("key \"D\" is bound twice in [keybindings.detail]"),
        "{err}"
    );
    // Unknown commands, modes and keys are errors with a line.
    let err = Config::parse("[keybindings.global]\nfreez = [\"f\"]\n", "my.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 2") && err.contains("unknown variant `freez`"),
        "{err}"
    );
    let err = Config::parse("[keybindings.ladder]\n", "my.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `ladder`"), "{err}");
    let err = Config::parse("[keybindings.global]\nfreeze = [\"hyper+f\"]\n", "my.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown modifier"), "{err}");
    // Unbinding a key frees it for another command.
    Config::parse(
        "[keybindings.global]\nquit = [\"ctrl+c\"]\nfreeze = [\"q\"]\n",
        "my.toml",
    )
    .unwrap();
}

/// Alerts whose rule asks for a bell or a desktop notification are announced once, oldest
/// first, when their frame arrives (even while frozen); alerts already in the first frame are
/// history and stay quiet.
#[test]
fn new_alerts_ring_once_and_old_ones_stay_quiet() {
    use crate::config::alerts::Notify;
    use crate::engine::frame::Frame;
    let first = fixtures::frame();
    let newest = first.alerts.iter().map(|a| a.id).max().unwrap();
    let mut app = app(first.clone());
    let with = |alerts: &[(u64, Notify)]| {
        let mut frame: Frame = first.clone();
        let template = (*frame.alerts[0]).clone();
        for &(id, notify) in alerts {
            let mut a = template.clone();
            a.id = id;
            a.notify = notify;
            a.message = format!("alert {id}");
            frame.alerts.insert(0, Arc::new(a));
        }
        Arc::new(frame)
    };
    assert!(app.take_notifications().is_empty());
    key(&mut app, "f");
    app.update(Action::Frame(with(&[
        (newest, Notify::Bell),
        (newest + 1, Notify::Osc9),
        (newest + 2, Notify::None),
        (newest + 3, Notify::Bell),
    ])));
    assert_eq!(
        app.take_notifications(),
        [
            (Notify::Osc9, format!("alert {}", newest + 1)),
            (Notify::Bell, format!("alert {}", newest + 3)),
        ]
    );
    // The same alerts again in the next frame: nothing new.
    app.update(Action::Frame(with(&[(newest + 3, Notify::Bell)])));
    assert!(app.take_notifications().is_empty());
}

/// Ages on screen are measured on the data's own clock: a replay years old reads fresh while
/// it plays, advances at its speed, and stands still while paused; live data uses the wall.
#[test]
fn a_replay_ages_on_capture_time_not_the_wall_clock() {
    use crate::engine::frame::Frame;
    const S: u64 = 1_000_000_000;
    let capture_at = 1_652_459_236 * S; // 2022
    let wall = fixtures::NOW;
    let replay = |paused: bool| {
        let mut f: Frame = fixtures::frame();
        f.at = capture_at;
        f.mode = DataMode::Replay {
            file: "okx.ndjson.gz".into(),
            clock: capture_at,
            speed: Some(10.0),
            paused,
            skipped_gaps: 0,
        };
        Arc::new(f)
    };
    let mut app = app(fixtures::frame());
    assert_eq!(app.data_now(wall), wall, "live: the wall clock");

    app.update(Action::Frame(replay(false)));
    app.frame_arrived(wall);
    assert_eq!(
        app.data_now(wall + S),
        capture_at + 10 * S,
        "1 s of wall at 10x"
    );
    // Drawn 100 ms after arrival (`draw` renders at NOW + 300 ms): 1 s of capture time.
    app.frame_arrived(wall + 200_000_000);
    let screen = text(draw(&app, 120, 40).backend().buffer());
    let header = screen.lines().next().unwrap();
    assert!(
        header.contains("REPLAY") && header.contains("upd 1.0s") && !header.contains("NO DATA"),
        "{header}"
    );

    app.update(Action::Frame(replay(true)));
    app.frame_arrived(wall);
    assert_eq!(
        app.data_now(wall + 60 * S),
        capture_at,
        "paused: time stands still"
    );
}
