//! The terminal UI: renders the engine's latest [`crate::engine::frame::Frame`] and nothing
//! else. It imports no feed or venue internals beyond the frame types, and nothing below it
//! imports ratatui.
//!
//! ```text
//! ┌─────────────────────────────────────────────────────────────────────────────┐
//! │ LIVE │ FROZEN 3s │ upd 0.2s │ BTC │ aggregate │ 12:34:56 UTC │ depthscope     │ header
//! │ 1 Overview  2 Symbol  3 Heatmap  4 Health  5 History  6 Analytics           │ tabs
//! ├─────────────────────────────────────────────────────────────────────────────┤
//! │ overview  one row per symbol × venue, sortable; perps and liquidations below│
//! │ symbol    ladder │ price chart │ tape, imbalance, flow │ perp, liq, alerts │ body:
//! │ heatmap   price × time, coloured by resting size, trades overlaid          │ one view
//! │ health    venues │ books │ log                                              │
//! │ history   one feature over 1 h … 90 d from the history store                │
//! │ analytics zones, regime, drift, models, arbitrage, integrity, positioning   │
//! ├─────────────────────────────────────────────────────────────────────────────┤
//! │ ? help  / search  ] next symbol  f freeze  q quit                           │ footer
//! └─────────────────────────────────────────────────────────────────────────────┘
//!   overlays, drawn last over a cleared area: search (bottom left), help (centred)
//! ```
//!
//! Each pane is one file and a pure function of (area, view model, [`widgets::Ctx`]); the view
//! models are built in [`detail`] and [`views`] from the [`app::App`] state, which only
//! [`app::App::update`] changes. [`run::run_tui`] drives it on a real terminal.

pub mod action;
pub mod alerts;
pub mod analytics;
pub mod app;
pub mod bands;
pub mod chart;
pub mod composites;
pub mod detail;
pub mod flow;
pub mod footer;
pub mod format;
pub mod gauges;
pub mod glossary;
pub mod glyphs;
pub mod header;
pub mod health;
pub mod heatmap;
pub mod help;
pub mod history;
pub mod keymap;
pub mod keys;
pub mod ladder;
pub mod layout;
pub mod liquidations;
pub mod log_lines;
pub mod model;
pub mod overview;
pub mod overview_screen;
pub mod pacing;
pub mod perp;
pub mod report;
pub mod run;
pub mod search;
pub mod table;
pub mod tape;
pub mod term;
pub mod theme;
pub mod views;
pub mod widgets;

#[cfg(test)]
pub(crate) mod tests;

use crate::market::Nanos;
use crate::ui::app::{App, View};
use crate::ui::model::search as search_model;
use crate::ui::model::select::{self, Selected};
use crate::ui::widgets::{Ctx, Feed, put};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};

/// Below this the screen only says it is too small (nothing is squeezed into unreadability).
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 8;

/// Header, tab bar, body and footer.
fn screen_rows(area: Rect) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Where the views draw on a screen of `area` (`None`: the screen is too small to use), so a
/// mouse click finds what it hit.
pub fn body_area(area: Rect) -> Option<Rect> {
    (area.width >= MIN_WIDTH && area.height >= MIN_HEIGHT).then(|| screen_rows(area)[2])
}

/// The `:` command line over the footer, with what it accepts while empty.
fn command_line(area: Rect, buf: &mut Buffer, line: &str, cx: &Ctx) {
    buf.set_style(area, cx.theme.text);
    buf.set_stringn(
        area.x,
        area.y,
        " ".repeat(usize::from(area.width)),
        usize::from(area.width),
        cx.theme.text,
    );
    let text = format!(":{line}{}", cx.glyphs.cursor);
    put(buf, area.x, area.y, &text, area.width, cx.theme.title);
    if line.is_empty() {
        let hint = "  add SYMBOL, rm SYMBOL, min 50k   enter run  esc cancel";
        let x = area.x + text.chars().count() as u16;
        put(
            buf,
            x,
            area.y,
            hint,
            area.right().saturating_sub(x),
            cx.theme.dim,
        );
    }
}

/// Draws the whole screen for `app` at local time `now`.
pub fn render(app: &App, now: Nanos, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let now = app.data_now(now);
    let cx = Ctx {
        theme: &app.theme,
        glyphs: app.glyphs,
        now,
        feed: Feed::of(&app.shown().mode, app.source_ended),
    };
    buf.set_style(area, app.theme.text);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        // Even here the data mode is said first.
        let lines = [
            app.shown().mode.word().to_ascii_uppercase(),
            "terminal too small".to_owned(),
            format!(
                "{}x{}, need {MIN_WIDTH}x{MIN_HEIGHT}",
                area.width, area.height
            ),
        ];
        for (i, line) in lines.iter().enumerate() {
            put(
                buf,
                area.x,
                area.y + i as u16,
                line,
                area.width,
                app.theme.alert_warn,
            );
        }
        return;
    }
    let [head, tabs, body, foot] = screen_rows(area);
    let frame = app.shown();
    // A frozen screen shows its frame's mode; otherwise replay keys show at once.
    let mode = if app.frozen() {
        frame.mode.clone()
    } else {
        app.data_mode()
    };
    let venue = select::symbol(frame, &app.symbol)
        .map_or_else(String::new, |s| Selected::resolve(s, app.venue).label());
    header::render(
        head,
        buf,
        &header::HeaderView {
            mode: &mode,
            live_at: app.live().at,
            frozen_at: app.frozen().then_some(frame.at),
            source_ended: app.source_ended,
            offline_until: app.live().offline_until(),
            live_books: frame
                .symbols
                .iter()
                .flat_map(|s| &s.books)
                .filter(|b| b.state.is_live() && !b.stale)
                .count(),
            symbol: &app.symbol,
            venue,
            seq: frame.seq,
            backfill: app.live().backfill.as_ref(),
            remote: app
                .remote
                .as_ref()
                .map(|(host, link)| (host.as_str(), link)),
        },
        &cx,
    );
    header::tabs(tabs, buf, app.view, &cx);
    match app.view {
        View::Overview => overview_screen::render(body, buf, app, &cx),
        View::Detail => detail::render(body, buf, app, &cx),
        View::Heatmap => heatmap::render(body, buf, &views::heatmap(app, body, app.glyphs), &cx),
        View::Health => health::render(body, buf, &views::health(app), &cx),
        View::History => history::render(body, buf, app, &cx),
        View::Analytics => analytics::render(body, buf, app, &cx),
    }
    footer::render(
        foot,
        buf,
        app.mode(),
        app.notice.as_deref(),
        &app.keymap,
        &cx,
    );
    if let Some(line) = &app.command_line {
        command_line(foot, buf, line, &cx);
    }
    if let Some(search) = &app.search {
        let matches = search_model::matches(frame, &search.query);
        let view = search::SearchView {
            query: &search.query,
            matches: &matches,
            selected: search.selected.min(matches.len().saturating_sub(1)),
        };
        search::render(body, buf, &view, &cx);
    }
    if let Some(scroll) = app.help {
        let sections = app.keymap.help();
        let view = help::HelpView {
            sections: &sections,
            scroll,
            theme: &app.theme.name,
        };
        help::render(area, buf, &view, &cx);
    }
}
