//! Colours on the buffer (insta snapshots carry none): bid/ask sides, stale and not-live
//! styles, alert severities, mode badges, and a mono theme with no colour at all.

use super::snapshots::app_with_history;
use super::{app, app_with, draw, find, fixtures, press, select_venue};
use crate::instrument::MarketKind;
use crate::market::VenueId;
use crate::ui::action::Command;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

fn at(buf: &Buffer, needle: &str) -> (u16, u16) {
    *find(buf, needle)
        .first()
        .unwrap_or_else(|| panic!("{needle:?} not on screen"))
}

#[test]
fn asks_above_the_spread_are_ask_coloured_and_bids_below_bid_coloured() {
    let mut app = app_with_history();
    press(&mut app, &[Command::ViewDetail]);
    select_venue(&mut app, VenueId::Binance, MarketKind::Spot);
    let terminal = draw(&app, 120, 40);
    let buf = terminal.backend().buffer();
    let (_, spread_y) = at(buf, " spread ");
    // The price column starts after the large-level mark column (x = 1 + 1 + border).
    let price_cell = |y: u16| {
        (3..14)
            .map(|x| &buf[(x, y)])
            .find(|c| c.symbol().chars().all(|ch| ch.is_ascii_digit()))
            .unwrap()
    };
    assert_eq!(price_cell(spread_y - 1).fg, app.theme.ask.fg.unwrap());
    assert_eq!(price_cell(spread_y + 1).fg, app.theme.bid.fg.unwrap());
    assert_eq!(buf[(4, spread_y)].fg, app.theme.spread.fg.unwrap());
    // The wall 8 levels out is marked large on both sides.
    let marks = find(buf, "◆");
    assert_eq!(marks.len(), 2, "{marks:?}");
    assert_eq!(buf[marks[0]].fg, app.theme.large_level.fg.unwrap());
}

#[test]
fn stale_rows_and_unproven_books_have_their_styles_in_the_overview() {
    let app = app(fixtures::frame());
    // Wide enough for the state column to spell out the reasons.
    let terminal = draw(&app, 160, 24);
    let buf = terminal.backend().buffer();
    let stale = buf[at(buf, "STALE 7.2s")].clone();
    assert_eq!(stale.fg, app.theme.stale.fg.unwrap());
    assert!(stale.modifier.contains(Modifier::ITALIC));
    let (x, y) = at(buf, "RESYNCING (gap)");
    assert_eq!(buf[(x, y)].fg, app.theme.state_bad.fg.unwrap());
    // The rest of that row is greyed, and its market columns hold the absent mark, not numbers.
    assert_eq!(buf[(1, y)].fg, app.theme.not_live.fg.unwrap());
    let row: String = (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol().to_owned())
        .collect();
    assert!(row.contains("—") && !row.contains("0.0"), "{row}");
    let (x, y) = at(buf, " SYNCING");
    assert_eq!(buf[(x + 1, y)].fg, app.theme.state_warn.fg.unwrap());
}

#[test]
fn alerts_are_styled_by_severity() {
    let mut app = app_with_history();
    // Every symbol's alerts: the fixture's WARN and info are about other symbols.
    press(&mut app, &[Command::ViewDetail, Command::ToggleAlertsScope]);
    let terminal = draw(&app, 200, 60);
    let buf = terminal.backend().buffer();
    let crit = &buf[at(buf, "CRIT")];
    assert_eq!((crit.fg, crit.bg), (Color::White, Color::Red));
    assert!(crit.modifier.contains(Modifier::BOLD));
    assert_eq!(buf[at(buf, "WARN")].fg, Color::Yellow);
    assert_eq!(buf[at(buf, "info")].fg, Color::Cyan);
}

#[test]
fn the_mode_badge_and_frozen_badge_are_coloured() {
    let mut app = app(fixtures::frame());
    press(&mut app, &[Command::Freeze]);
    let terminal = draw(&app, 80, 24);
    let buf = terminal.backend().buffer();
    assert_eq!(buf[(1, 0)].bg, Color::Green, "LIVE");
    assert_eq!(buf[at(buf, "FROZEN")].bg, Color::Cyan);
}

#[test]
fn the_mono_theme_uses_no_colour_but_keeps_the_cues() {
    let mut app = app_with(fixtures::frame(), "mono", false);
    for view in [
        Command::ViewOverview,
        Command::ViewDetail,
        Command::ViewHeatmap,
        Command::ViewHealth,
    ] {
        press(&mut app, &[view]);
        let terminal = draw(&app, 200, 60);
        let buf = terminal.backend().buffer();
        assert!(
            buf.content
                .iter()
                .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
            "{view:?}"
        );
    }
    press(&mut app, &[Command::ViewOverview]);
    let terminal = draw(&app, 160, 24);
    let buf = terminal.backend().buffer();
    assert!(
        buf[(1, 0)].modifier.contains(Modifier::REVERSED),
        "LIVE stands out without colour"
    );
    assert!(
        buf[at(buf, "RESYNCING (gap)")]
            .modifier
            .contains(Modifier::REVERSED)
    );
}

#[test]
fn the_dark_theme_is_truecolor() {
    let app = app_with(fixtures::frame(), "dark", false);
    let terminal = draw(&app, 80, 24);
    assert!(
        terminal
            .backend()
            .buffer()
            .content
            .iter()
            .any(|c| matches!(c.fg, Color::Rgb(..)))
    );
}
