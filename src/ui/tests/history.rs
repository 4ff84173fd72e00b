//! The History view over a small history file written here: snapshots at three sizes, the
//! words it shows instead of an empty chart, its keys, and the run loop reading the file off
//! the UI thread.

use super::{app, draw, fixtures, press, select_venue, settings, text};
use crate::engine::frame::DataMode;
use crate::history::columns::{index_of, width};
use crate::history::{BookRow, Store};
use crate::instrument::MarketKind;
use crate::market::VenueId;
use crate::ui::action::{Action, Command};
use crate::ui::app::{App, View};
use crate::ui::keys::Key;
use crate::ui::model::history::{self, HistoryRange};
use crate::ui::model::sparks;
use std::path::PathBuf;
use std::sync::Arc;

const NOW_S: i64 = (fixtures::NOW / 1_000_000_000) as i64;

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("depthscope-hview-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn row(venue: &str, instrument: &str, mid: f64, cvd: f64) -> BookRow {
    let mut values = vec![None; width()];
    values[index_of("mid").unwrap()] = Some(mid);
    values[index_of("cvd_1m").unwrap()] = Some(cvd);
    values[index_of("spread_bps").unwrap()] = Some(1.5);
    // Net taker buying while the cosine is positive (the Overview's CVD sparkline).
    values[index_of("taker_buy_base").unwrap()] = Some(1.0 + cvd.max(0.0));
    values[index_of("taker_sell_base").unwrap()] = Some(1.0 + (-cvd).max(0.0));
    BookRow {
        venue: venue.into(),
        instrument: instrument.into(),
        symbol: "BTC".into(),
        values,
    }
}

/// A file with one second every 4 minutes over the 20 hours before the fixtures' now, for the
/// cross-venue row and Binance's BTC spot book (so 1-min rows cover the 24 h range, and the 1-s
/// rows of the last hour hold only 15 seconds).
fn small_store(name: &str, instrument: &str) -> PathBuf {
    let path = tempdir(name).join("h.sqlite");
    let mut store = Store::open_write(&path).unwrap();
    for k in 0..300i64 {
        let t = NOW_S - 20 * 3_600 + k * 240;
        let x = k as f64 / 300.0 * std::f64::consts::TAU;
        store
            .write_second(
                t,
                &[
                    row("all", "BTC", 67_000.0 + 400.0 * x.sin(), 12.0 * x.cos()),
                    row(
                        "binance",
                        instrument,
                        67_010.0 + 380.0 * x.sin(),
                        3.0 * x.cos(),
                    ),
                ],
                &[],
            )
            .unwrap();
    }
    path
}

fn binance_btc(app: &App) -> String {
    app.shown().symbols[0]
        .books
        .iter()
        .find(|b| b.key.venue == VenueId::Binance)
        .unwrap()
        .key
        .instrument
        .to_string()
}

fn history_app(file: Option<PathBuf>) -> App {
    let mut s = settings("default", false, false);
    s.history_file = file;
    App::new(
        s,
        Arc::new(fixtures::frame_at(1, fixtures::NOW, DataMode::Live)),
    )
}

/// Does what the run loop does, on this thread: the read due now, answered.
fn load_now(app: &mut App) -> bool {
    let Some((path, ask)) = app.history_due(NOW_S) else {
        return false;
    };
    let outcome = history::load(&path, &ask, NOW_S);
    app.history_loaded(ask, outcome);
    true
}

#[test]
fn history_view_at_every_size() {
    let instrument = binance_btc(&app(fixtures::frame()));
    let path = small_store("sizes", &instrument);
    let mut app = history_app(Some(path));
    press(&mut app, &[Command::ViewHistory]);
    assert!(load_now(&mut app));
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let screen = draw(&app, w, h);
        let shown = text(screen.backend().buffer());
        assert!(shown.contains("mid (quote)"), "{shown}");
        assert!(shown.contains("all venues"), "{shown}");
        assert!(shown.contains("now"), "{shown}");
        insta::assert_snapshot!(format!("history_{w}x{h}"), screen.backend());
    }
    // One venue's book, CVD, in ASCII.
    select_venue(&mut app, VenueId::Binance, MarketKind::Spot);
    press(
        &mut app,
        &[Command::NextHistoryField, Command::NextHistoryField],
    );
    assert!(load_now(&mut app));
    let screen = draw(&app, 120, 40);
    let shown = text(screen.backend().buffer());
    assert!(shown.contains(&format!("binance {instrument}")), "{shown}");
    assert!(shown.contains("cvd_1m (base)"), "{shown}");
    insta::assert_snapshot!("history_binance_cvd_120x40", screen.backend());
    let mut ascii = App::new(
        {
            let mut s = settings("default", true, false);
            s.history_file = app.history_file.clone();
            s
        },
        Arc::new(fixtures::frame()),
    );
    press(&mut ascii, &[Command::ViewHistory]);
    assert!(load_now(&mut ascii));
    let screen = draw(&ascii, 80, 24);
    let shown = text(screen.backend().buffer());
    assert!(shown.contains('*') && !shown.contains('⠀'), "{shown}");
    insta::assert_snapshot!("history_ascii_80x24", screen.backend());
}

/// A stretch the store holds no rows for is a gap in the line, never a straight line across it
/// (the app was not running, or the demo's past is still being built).
#[test]
fn a_stretch_without_rows_is_a_gap_in_the_line() {
    let path = tempdir("gap").join("h.sqlite");
    let mut store = Store::open_write(&path).unwrap();
    // A row a minute from 20 to 16 h ago and over the last 4 h, nothing in between; the mid
    // climbs all along, so a line bridging the hole would cross the middle of the plot.
    for m in (0..240i64).chain(960..1200) {
        let t = NOW_S - 20 * 3_600 + m * 60;
        let mid = 67_000.0 + m as f64;
        store
            .write_second(t, &[row("all", "BTC", mid, 0.0)], &[])
            .unwrap();
    }
    drop(store);
    let mut app = history_app(Some(path));
    press(&mut app, &[Command::ViewHistory]);
    assert!(load_now(&mut app));
    let shown = text(draw(&app, 120, 40).backend().buffer());
    let lines: Vec<Vec<char>> = shown.lines().map(|l| l.chars().collect()).collect();
    let drawn = |cols: std::ops::Range<usize>| {
        lines[4..lines.len() - 3]
            .iter()
            .flat_map(|l| l[cols.clone()].iter())
            .filter(|c| ('\u{2801}'..='\u{28ff}').contains(*c))
            .count()
    };
    // The plot's 24 h run over about 110 columns: the hole (16 h to 4 h ago) is columns 45 to
    // 100, its middle 54 to 90; each stretch draws its own line.
    assert_eq!(drawn(54..90), 0, "{shown}");
    assert!(drawn(20..40) > 5 && drawn(104..118) > 5, "{shown}");
}

#[test]
fn every_state_without_a_chart_says_why() {
    let shown = |app: &App| text(draw(app, 120, 40).backend().buffer());
    let mut off = history_app(None);
    press(&mut off, &[Command::ViewHistory]);
    assert!(!load_now(&mut off), "nothing to read with history off");
    assert!(shown(&off).contains("history off"));

    let missing = tempdir("missing").join("none.sqlite");
    let mut app = history_app(Some(missing.clone()));
    press(&mut app, &[Command::ViewHistory]);
    assert!(shown(&app).contains("loading mid for BTC, last 24 h"));
    assert!(load_now(&mut app));
    assert!(
        shown(&app).contains(&format!("no history file at {}", missing.display())),
        "{}",
        shown(&app)
    );

    let instrument = binance_btc(&app);
    let mut app = history_app(Some(small_store("states", &instrument)));
    press(
        &mut app,
        &[Command::ViewHistory, Command::CycleHistoryRange],
    );
    assert_eq!(app.history.range, HistoryRange::Week);
    // ETH has no rows at all in the file.
    press(&mut app, &[Command::NextSymbol]);
    assert!(load_now(&mut app));
    let s = shown(&app);
    assert!(
        s.contains("no 1-h rows in this range: ETH across venues, last 7 d"),
        "{s}"
    );
    // Open interest was never measured for BTC.
    press(&mut app, &[Command::PrevSymbol]);
    let oi = history::FIELDS
        .iter()
        .position(|f| *f == "open_interest")
        .unwrap();
    for _ in 0..oi {
        press(&mut app, &[Command::NextHistoryField]);
    }
    assert!(load_now(&mut app));
    let s = shown(&app);
    assert!(
        s.contains("open_interest was not measured in this range"),
        "{s}"
    );
}

#[test]
fn keys_open_the_view_and_change_range_and_field() {
    let mut app = history_app(Some(tempdir("keys").join("h.sqlite")));
    let key = |app: &App, k: &str| app.action_for_key(k.parse::<Key>().unwrap());
    let Some(Action::Command(c)) = key(&app, "5") else {
        panic!("5 is bound")
    };
    assert_eq!(c, Command::ViewHistory);
    app.update(Action::Command(c));
    assert_eq!(app.view, View::History);
    for (k, command) in [
        ("r", Command::CycleHistoryRange),
        ("n", Command::NextHistoryField),
        ("N", Command::PrevHistoryField),
        ("right", Command::NextHistoryField),
    ] {
        assert!(
            matches!(key(&app, k), Some(Action::Command(c)) if c == command),
            "{k}"
        );
    }
    assert!(load_now(&mut app));
    assert!(
        !load_now(&mut app),
        "the same chart is not read again at once"
    );
    for k in ["r", "n"] {
        let Some(action) = key(&app, k) else {
            panic!("{k}")
        };
        app.update(action);
        assert!(load_now(&mut app), "{k} reads the new chart at once");
    }
    let ask = app.history_ask();
    assert_eq!(ask.range, HistoryRange::Week);
    assert_eq!(ask.field_name(), "spread_bps");
    // The help lists the view's keys.
    let help = app.keymap.help();
    let section = help.iter().find(|s| s.title == "History").unwrap();
    assert!(section.lines.iter().any(|(k, _)| k == "r"));
    // Elsewhere nothing is read.
    app.update(Action::Command(Command::ViewOverview));
    assert!(app.history_due(NOW_S + 60).is_none());
}

/// Does what the run loop does for the Overview's sparklines, on this thread.
fn load_sparks(app: &mut App) {
    let (path, symbols) = app
        .sparks_due(NOW_S)
        .expect("a read is due on the Overview");
    app.sparks_loaded(sparks::load(&path, &symbols, NOW_S));
}

#[test]
fn overview_rows_carry_24h_sparklines_of_mid_and_cvd() {
    let instrument = binance_btc(&app(fixtures::frame()));
    let path = small_store("sparks", &instrument);
    let mut app = history_app(Some(path));
    // Before the read comes back, the columns say so.
    let shown = text(draw(&app, 200, 60).backend().buffer());
    assert!(
        shown.contains("MID 24h") && shown.contains("CVD 24h"),
        "{shown}"
    );
    assert!(shown.contains("loading"), "{shown}");
    load_sparks(&mut app);
    assert!(
        app.sparks_due(NOW_S).is_none(),
        "read again only after a while"
    );
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let screen = draw(&app, w, h);
        let shown = text(screen.backend().buffer());
        insta::assert_snapshot!(format!("overview_sparks_{w}x{h}"), screen.backend());
        if w == 200 {
            // Binance's BTC spot book has 20 h of rows: a line of block glyphs, one per two
            // hours beside the analytics columns, and the books without rows say they are
            // warming rather than draw a flat line.
            let row = shown
                .lines()
                .find(|l| l.contains("BTC") && l.contains("binance spot"))
                .unwrap_or_else(|| panic!("{shown}"));
            let blocks = row.chars().filter(|c| "▁▂▃▄▅▆▇█".contains(*c)).count();
            assert!(blocks >= 2 * 9, "{row}");
            assert!(shown.contains("warming"), "{shown}");
        } else {
            // Narrow: the sparklines go first, and the title says how to see them.
            assert!(!shown.contains("MID 24h"), "{w}x{h}\n{shown}");
            assert!(shown.contains("cols (c)"), "{w}x{h}\n{shown}");
        }
    }
    // `c` steps through the hidden columns: at 80 columns the sparklines come into view.
    let mut seen = false;
    for _ in 0..6 {
        press(&mut app, &[Command::NextColumns]);
        let shown = text(draw(&app, 80, 24).backend().buffer());
        assert!(shown.contains("SYM") && shown.contains("MID"), "{shown}");
        seen |= shown.contains("MID 24h");
    }
    assert!(seen, "a column group at 80 columns shows the sparklines");
}

#[test]
fn without_history_the_sparklines_say_so_and_fill_from_live_minutes() {
    let mut app = history_app(None);
    assert!(app.sparks_due(NOW_S).is_none(), "no file, no read");
    let shown = text(draw(&app, 200, 60).backend().buffer());
    assert!(shown.contains("history off"), "{shown}");
    // Three hours of live frames, one a minute: the sparklines fill from them.
    for m in 1..=180u64 {
        let at = fixtures::NOW + m * 60_000_000_000;
        app.update(Action::Frame(Arc::new(fixtures::frame_at(
            1 + m,
            at,
            DataMode::Live,
        ))));
    }
    let shown = text(draw(&app, 200, 60).backend().buffer());
    let row = shown
        .lines()
        .find(|l| l.contains("BTC") && l.contains("binance spot"))
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(!row.contains("history off"), "{row}");
    assert!(row.chars().any(|c| "▁▂▃▄▅▆▇█".contains(c)), "{row}");
}

#[test]
fn the_words_instead_of_a_chart_wrap_whole_at_80_columns() {
    let mut app = history_app(None);
    press(&mut app, &[Command::ViewHistory]);
    let shown = text(draw(&app, 80, 24).backend().buffer());
    assert!(shown.contains("--history FILE"), "{shown}");
}
