//! The header (where the data comes from, how fresh it is, what is selected, FROZEN) and the
//! tab bar. The data-mode badge and the freshness of the data are never dropped, however narrow
//! the terminal.

use crate::backfill::{BackfillSource, BackfillState};
use crate::engine::frame::{BackfillView, DataMode};
use crate::market::Nanos;
use crate::serve::attach::LinkState;
use crate::ui::app::View;
use crate::ui::format;
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

/// A frame older than this means the engine has stopped publishing: the header says NO DATA.
pub const NO_DATA_AFTER_MS: f64 = 2_000.0;

/// What the header shows.
pub struct HeaderView<'a> {
    pub mode: &'a DataMode,
    /// Local time the latest frame was built (the one received, frozen or not).
    pub live_at: Nanos,
    /// Local time the frame on screen was built, when frozen.
    pub frozen_at: Option<Nanos>,
    pub source_ended: bool,
    /// Every venue is retrying and no book is live: the next attempt's local time.
    pub offline_until: Option<Nanos>,
    /// Books proven and fresh in the frame on screen: with none, a live feed is not live yet.
    pub live_books: usize,
    pub symbol: &'a str,
    pub venue: String,
    pub seq: u64,
    /// The REST backfill, shown while it runs.
    pub backfill: Option<&'a BackfillView>,
    /// Attached to a remote `serve` (`--connect`): its host and the link's state.
    pub remote: Option<(&'a str, &'a LinkState)>,
}

pub fn render(area: Rect, buf: &mut Buffer, view: &HeaderView, cx: &Ctx) {
    if area.height == 0 {
        return;
    }
    let t = cx.theme;
    buf.set_style(area, t.header);
    let age = cx.since_ms(view.live_at);
    let link_down = match view.remote {
        Some((_, LinkState::Down { why, since })) => Some((why, *since)),
        _ => None,
    };
    let freshness = if let Some((_, since)) = link_down {
        // Before anything else: what is on screen is the last frame received, not the market.
        (
            format!(" LINK DOWN {} ", format::age_ms(cx.since_ms(since))),
            t.state_bad,
        )
    } else if view.source_ended {
        (" FEED ENDED ".to_owned(), t.state_bad)
    } else if let Some(until) = view.offline_until {
        (format!(" {} ", offline_text(until, cx)), t.state_bad)
    } else if age > NO_DATA_AFTER_MS {
        (format!(" NO DATA {} ", format::age_ms(age)), t.state_bad)
    } else {
        (format!("upd {}", format::age_ms(age)), t.dim)
    };
    let frozen = view
        .frozen_at
        .map(|at| format!(" FROZEN {} ", format::age_ms(cx.since_ms(at))));
    let remote = view.remote.map(|(host, _)| format!(" REMOTE {host} "));
    // What is never dropped, each with its separator, leaves this much for the badge.
    let sep = cx.glyphs.sep.chars().count();
    let room = usize::from(area.width)
        .saturating_sub(frozen.as_ref().map_or(0, |f| f.chars().count() + 1))
        .saturating_sub(remote.as_ref().map_or(0, |r| r.chars().count() + sep))
        .saturating_sub(link_down.map_or(0, |_| freshness.0.chars().count() + sep));
    // The mode badge is never dropped: it gets shorter instead.
    let no_books = matches!(view.mode, DataMode::Live) && view.live_books == 0;
    let (badges, badge_style) = if no_books {
        (
            vec![" NO LIVE BOOKS ".to_owned(), " NO BOOKS ".to_owned()],
            t.state_warn,
        )
    } else {
        (mode_badges(view.mode), mode_style(view.mode, cx))
    };
    let badge = badges
        .iter()
        .find(|b| b.chars().count() <= room)
        .unwrap_or(&badges[badges.len() - 1]);
    let mut items: Vec<(String, Style, u8)> = Vec::new();
    if let Some(remote) = remote {
        items.push((remote, t.highlight, 0));
    }
    items.push((badge.clone(), badge_style, 0));
    if let Some(frozen) = frozen {
        items.push((frozen, t.frozen, 0));
    }
    // A link that is down is never dropped, however narrow; why it is down may be.
    items.push((freshness.0, freshness.1, u8::from(link_down.is_none())));
    if let Some((why, _)) = link_down {
        items.push((format!("reconnecting: {why}"), t.state_bad, 2));
    }
    items.push((format!("{} {}", view.symbol, view.venue), t.highlight, 2));
    if let Some(b) = view
        .backfill
        .filter(|b| b.progress.state == BackfillState::Running)
    {
        let p = &b.progress;
        let text = match p.source {
            BackfillSource::Rest => format!(
                "backfill {:.0}h {}/{} pages",
                p.hours, p.pages_done, p.pages_total
            ),
            BackfillSource::SimulatedPast => {
                format!("building past {:.0}%", 100.0 * p.fraction())
            }
        };
        items.push((text, t.state_warn, 2));
    }
    // A replay that has not started has no time yet.
    if cx.now > 0 {
        items.push((format!("{} UTC", format::clock(cx.now)), t.dim, 3));
    }
    if let DataMode::Replay {
        file, skipped_gaps, ..
    } = view.mode
    {
        if *skipped_gaps > 0 {
            // The capture's clock jumped: the replay did not wait through those gaps.
            let gaps = if *skipped_gaps == 1 { "gap" } else { "gaps" };
            items.push((
                format!("skipped {skipped_gaps} time {gaps}"),
                t.state_warn,
                2,
            ));
        }
        items.push((file.clone(), t.dim, 4));
    }
    items.push(("depthscope".to_owned(), t.title, 5));
    items.push((format!("#{}", view.seq), t.dim, 6));
    line(buf, area, &items, cx);
}

/// `OFFLINE, retrying in 4s`: no venue reachable, the next attempt at `until`.
pub fn offline_text(until: Nanos, cx: &Ctx) -> String {
    format!(
        "OFFLINE, retrying in {}",
        format::age_ms(format::elapsed_ms(until, cx.now))
    )
}

/// Lays out `(text, style, priority)` items left to right with separators, dropping the lowest
/// priorities first.
fn line(buf: &mut Buffer, area: Rect, items: &[(String, Style, u8)], cx: &Ctx) {
    let sep = cx.glyphs.sep;
    let sep_w = sep.chars().count() as u16;
    let columns: Vec<Column> = items
        .iter()
        .map(|(text, _, p)| Column::left("", text.chars().count() as u16 + sep_w - 1, *p))
        .collect();
    let kept = table::layout(&columns, area.width + sep_w - 1);
    for (n, &(i, at)) in kept.iter().enumerate() {
        let (text, style, _) = &items[i];
        let x = area.x + at;
        if n > 0 {
            put(buf, x - sep_w, area.y, sep, sep_w, cx.theme.dim);
        }
        put(buf, x, area.y, text, area.right().saturating_sub(x), *style);
    }
}

/// The data-mode badge, longest first: the header uses the longest that fits.
fn mode_badges(mode: &DataMode) -> Vec<String> {
    match mode {
        DataMode::Live => vec![" LIVE ".into()],
        DataMode::Simulated { seed } => vec![
            format!(" SIMULATED seed {seed} "),
            " SIMULATED ".into(),
            " SIM ".into(),
        ],
        DataMode::Replay {
            clock,
            speed,
            paused,
            ..
        } => {
            let speed = speed.map_or_else(|| " max".to_owned(), |s| format!(" x{s}"));
            let paused = if *paused { " PAUSED" } else { "" };
            if *clock == 0 {
                // Nothing replayed yet: no capture time to show.
                return vec![
                    format!(" REPLAY starting{speed}{paused} "),
                    " REPLAY ".into(),
                ];
            }
            let time = format::datetime(*clock);
            vec![
                format!(" REPLAY {time}{speed}{paused} "),
                format!(" REPLAY {}{speed}{paused} ", &time[11..]),
                format!(" REPLAY {}{paused} ", &time[11..19]),
                " REPLAY ".into(),
            ]
        }
    }
}

fn mode_style(mode: &DataMode, cx: &Ctx) -> Style {
    match mode {
        DataMode::Live => cx.theme.mode_live,
        DataMode::Simulated { .. } => cx.theme.mode_simulated,
        DataMode::Replay { .. } => cx.theme.mode_replay,
    }
}

/// The tab bar: `1 Overview  2 Symbol  3 Heatmap  4 Health`, the current view highlighted.
/// The tab label text of `view` (`i` its index).
fn tab_text(i: usize, view: View) -> String {
    format!(" {} {} ", i + 1, view.title())
}

/// The view whose tab is at column `x` of the tab bar.
pub fn tab_at(x: u16) -> Option<View> {
    let mut at = 0u16;
    for (i, view) in View::ALL.into_iter().enumerate() {
        let width = tab_text(i, view).chars().count() as u16;
        if (at..at + width).contains(&x) {
            return Some(view);
        }
        at += width + 1;
    }
    None
}

pub fn tabs(area: Rect, buf: &mut Buffer, current: View, cx: &Ctx) {
    if area.height == 0 {
        return;
    }
    let mut x = area.x;
    for (i, view) in View::ALL.into_iter().enumerate() {
        let text = tab_text(i, view);
        let style = if view == current {
            cx.theme.tab_active
        } else {
            cx.theme.tab_inactive
        };
        let width = (text.chars().count() as u16).min(area.right().saturating_sub(x));
        put(buf, x, area.y, &text, width, style);
        x = x.saturating_add(width + 1);
    }
}
