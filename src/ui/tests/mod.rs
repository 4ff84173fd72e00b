//! Whole-UI tests: scripted frames drawn on a `TestBackend` (insta snapshots at 80×24, 120×40
//! and 200×60), colours asserted on buffers, keys driven through `App::update`, and the run loop
//! under paused time.

mod analytics;
mod backfill;
mod colours;
pub mod fixtures;
mod history;
mod keys;
mod offline;
mod panes;
mod run_loop;
mod screens;
pub mod snapshots;

use crate::config::Config;
use crate::engine::frame::Frame;
use crate::instrument::MarketKind;
use crate::market::VenueId;
use crate::ui::action::{Action, Command};
use crate::ui::app::{App, AppSettings};
use crate::ui::keymap::Keymap;
use crate::ui::model::select::VenueSel;
use crate::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use std::sync::Arc;

/// An app on the default theme and keymap, showing `frame`.
pub fn app(frame: Frame) -> App {
    app_with(frame, "default", false)
}

pub fn app_with(frame: Frame, theme: &str, ascii: bool) -> App {
    App::new(settings(theme, ascii, false), Arc::new(frame))
}

/// Default keymap, a built-in theme, 10 levels, 500 ms heatmap columns.
pub fn settings(theme: &str, ascii: bool, replay_controls: bool) -> AppSettings {
    AppSettings {
        keymap: Keymap::new(&Config::default().keybindings).unwrap(),
        theme: Theme::builtin(theme).unwrap(),
        ascii,
        ladder_depth: 10,
        heatmap_column_ms: 500,
        replay_controls,
        log_file: None,
        config_file: None,
        history_file: None,
    }
}

/// Applies commands in order.
pub fn press(app: &mut App, commands: &[Command]) {
    for c in commands {
        app.update(Action::Command(*c));
    }
}

/// Presses `v` until the venue shown is `venue`'s book of `kind`.
pub fn select_venue(app: &mut App, venue: VenueId, kind: MarketKind) {
    let wanted = VenueSel::Book { venue, kind };
    for _ in 0..20 {
        if app.venue == wanted {
            return;
        }
        press(app, &[Command::CycleVenue]);
    }
    panic!("{venue} {kind:?} is not a choice");
}

/// Draws `app` at `width`×`height`, 300 ms after the fixture frames were built.
pub fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| crate::ui::render(app, fixtures::NOW + 300_000_000, f.area(), f.buffer_mut()))
        .unwrap();
    terminal
}

/// The buffer's text, one line per row.
pub fn text(buf: &Buffer) -> String {
    let width = usize::from(buf.area.width.max(1));
    buf.content
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Positions (x, y) where `needle` starts in the buffer's rows.
pub fn find(buf: &Buffer, needle: &str) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    for (y, line) in text(buf).lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let n: Vec<char> = needle.chars().collect();
        for x in 0..chars.len().saturating_sub(n.len() - 1) {
            if chars[x..x + n.len()] == n[..] {
                out.push((x as u16, y as u16));
            }
        }
    }
    out
}
