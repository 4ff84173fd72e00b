//! The Analytics view (key `6`): one symbol's analytics (`SymbolFrame::analytics`,
//! `features.md` §3.12, §5–§10 and positioning), the same symbol as the detail view (`[`/`]`).
//!
//! ```text
//!  ≥ 180 columns                         110..180 columns          narrower
//! ┌zones──────┬regime─────┬arbitrage──┐ ┌regime────┬arbitrage──┐ ┌regime──────┐
//! │           ├models─────┼integrity──┤ ├zones─────┼integrity──┤ ├zones───────┤
//! │           ├drift──────┤           │ ├models────┤           │ ├arbitrage───┤
//! │           │           ├position.──┤ ├drift─────┼position.──┤ │▸ more (Tab)│
//! └───────────┴───────────┴───────────┘ └──────────┴───────────┘ └────────────┘
//! ```
//!
//! Panes stack by priority and the ones that do not fit are named on a `▸ …` line; Tab focuses
//! one, which is then always shown, and j/k scroll it. Every number carries its unit or its
//! label, `—` is a value that does not exist (warming, undefined, not proven), and what comes
//! from a stale book is drawn in the stale style.

mod arbitrage;
mod drift;
mod integrity;
mod models;
mod positioning;
mod regime;
mod zones;

use crate::engine::analytics::Analytics;
use crate::engine::frame::{BookFrame, Progress, SymbolFrame};
use crate::feed::event::BookKey;
use crate::ui::app::{App, Pane};
use crate::ui::format;
use crate::ui::layout::{Slot, Stacked, draw_collapsed, stack};
use crate::ui::model::select::{self, short_label};
use crate::ui::widgets::{Ctx, centred_text, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

/// A piece of text and its style; lines are made of these and wrap only between them.
pub type Span = (String, Style);

pub fn render(area: Rect, buf: &mut Buffer, app: &App, cx: &Ctx) {
    let Some(symbol) = select::symbol(app.shown(), &app.symbol) else {
        centred_text(
            buf,
            area,
            area.height / 2,
            "no symbols in this frame",
            cx.theme.dim,
        );
        return;
    };
    let (placed, stacks) = plan(area, app, symbol);
    for stacked in &stacks {
        draw_collapsed(buf, stacked, cx);
    }
    let a = &symbol.analytics;
    for &(pane, rect) in &placed {
        let focused = app.focused() == pane;
        let scroll = app.scroll(pane);
        match pane {
            Pane::Zones => zones::render(rect, buf, &zones::view(symbol, focused), cx),
            Pane::Regime => regime::render(rect, buf, &a.regime, focused, cx),
            Pane::Drift => drift::render(rect, buf, &a.drift, scroll, focused, cx),
            Pane::Models => models::render(rect, buf, &a.consensus, scroll, focused, cx),
            Pane::Arbitrage => arbitrage::render(rect, buf, symbol, scroll, focused, cx),
            Pane::Integrity => integrity::render(rect, buf, symbol, scroll, focused, cx),
            _ => positioning::render(rect, buf, symbol, scroll, focused, cx),
        }
    }
}

/// Where each pane goes in `area` (for clicks: the same plan as [`render`]).
pub fn layout(area: Rect, app: &App) -> Vec<(Pane, Rect)> {
    select::symbol(app.shown(), &app.symbol).map_or_else(Vec::new, |s| plan(area, app, s).0)
}

/// How many entries a scrollable pane lists (scrolling stops at the last).
pub fn entries(pane: Pane, a: &Analytics) -> usize {
    match pane {
        Pane::Drift => a.drift.features.len() + a.drift.alarms.len(),
        Pane::Models => a.consensus.models.len(),
        Pane::Arbitrage => a.arbitrage.opportunities.len(),
        Pane::Integrity => a.integrity.len(),
        Pane::Positioning => a.positioning.venues.len() + a.positioning.consensus.len(),
        _ => 0,
    }
}

/// Widths from which the panes stand in three and in two columns.
const THREE_COLUMNS_FROM: u16 = 180;
const TWO_COLUMNS_FROM: u16 = 110;

fn plan(area: Rect, app: &App, symbol: &SymbolFrame) -> (Vec<(Pane, Rect)>, Vec<Stacked>) {
    use Pane::{Arbitrage, Drift, Integrity, Models, Positioning, Regime, Zones};
    let split = |widths: &[u16]| {
        let mut x = area.x;
        widths
            .iter()
            .map(|w| {
                let r = Rect {
                    x,
                    width: *w,
                    ..area
                };
                x += w;
                r
            })
            .collect::<Vec<Rect>>()
    };
    // Each column: its area, its panes by priority, and their order top to bottom.
    let columns: Vec<(Rect, Vec<Pane>, Vec<Pane>)> = match area.width {
        w if w >= THREE_COLUMNS_FROM => {
            let a = w * 36 / 100;
            let b = (w - a) / 2;
            let r = split(&[a, b, w - a - b]);
            vec![
                (r[0], vec![Zones], vec![Zones]),
                (
                    r[1],
                    vec![Regime, Models, Drift],
                    vec![Regime, Models, Drift],
                ),
                (
                    r[2],
                    vec![Integrity, Arbitrage, Positioning],
                    vec![Arbitrage, Integrity, Positioning],
                ),
            ]
        }
        w if w >= TWO_COLUMNS_FROM => {
            let r = split(&[w / 2, w - w / 2]);
            vec![
                (
                    r[0],
                    vec![Regime, Zones, Drift, Models],
                    vec![Regime, Zones, Models, Drift],
                ),
                (
                    r[1],
                    vec![Integrity, Arbitrage, Positioning],
                    vec![Arbitrage, Integrity, Positioning],
                ),
            ]
        }
        _ => vec![(
            area,
            vec![
                Regime,
                Zones,
                Integrity,
                Arbitrage,
                Models,
                Positioning,
                Drift,
            ],
            vec![
                Regime,
                Zones,
                Arbitrage,
                Models,
                Integrity,
                Positioning,
                Drift,
            ],
        )],
    };
    let mut placed = Vec::new();
    let mut stacks = Vec::new();
    let focused = app.focused();
    for (column, priority, order) in columns {
        let mut slots: Vec<Slot> = priority.iter().map(|p| slot(*p, symbol)).collect();
        // The focused pane takes the column's spare rows: Tab is how a cramped pane is read.
        if priority.contains(&focused) {
            for s in &mut slots {
                s.preferred = if s.pane == focused {
                    u16::MAX
                } else if s.preferred == u16::MAX {
                    s.min
                } else {
                    s.preferred
                };
            }
        }
        let stacked = stack(column, &slots, focused, &order);
        placed.extend(stacked.panes.iter().copied());
        stacks.push(stacked);
    }
    (placed, stacks)
}

/// Minimum and preferred heights (borders included): a pane with little to say asks for little.
fn slot(pane: Pane, symbol: &SymbolFrame) -> Slot {
    let a = &symbol.analytics;
    let n = |len: usize| u16::try_from(len).unwrap_or(u16::MAX).max(1);
    match pane {
        Pane::Zones => Slot::new(pane, 7, u16::MAX),
        Pane::Regime => Slot::new(pane, 4, 9),
        Pane::Models => Slot::new(pane, 3, 2 + n(a.consensus.models.len())),
        Pane::Drift => Slot::new(
            pane,
            4,
            4 + n(a.drift.features.len()).saturating_add(n(a.drift.alarms.len())),
        ),
        // An opportunity takes up to three lines in a narrow pane.
        Pane::Arbitrage => Slot::new(pane, 3, 2 + 3 * n(a.arbitrage.opportunities.len())),
        Pane::Integrity => Slot::new(pane, 6, u16::MAX),
        // A venue's ratios take up to three lines in a narrow pane.
        _ => Slot::new(
            pane,
            4,
            3 + 3 * n(a.positioning.venues.len()) + n(a.positioning.consensus.len()),
        ),
    }
}

/// A book of the symbol by key, with its short label (the venue and kind, `bybit-perp`); a key
/// the frame does not hold is named by venue and instrument.
fn book<'a>(symbol: &'a SymbolFrame, key: &BookKey) -> (String, Option<&'a BookFrame>) {
    match symbol.books.iter().find(|b| b.key == *key) {
        Some(b) => (short_label(b), Some(b)),
        None => (format!("{} {}", key.venue.as_str(), key.instrument), None),
    }
}

/// The style of what comes from a book: greyed when stale, muted when not proven.
fn book_style(book: Option<&BookFrame>, normal: Style, cx: &Ctx) -> Style {
    match book {
        Some(b) if !b.state.is_live() => cx.theme.not_live,
        Some(b) if b.stale => cx.theme.stale,
        _ => normal,
    }
}

/// `warming 3h/24h`: a read still filling its window, in the window's own units.
fn warming(p: &Progress) -> String {
    format!(
        "warming {}/{}",
        format::age_ms(p.have_min * 60e3),
        format::age_ms(p.need_min * 60e3)
    )
}

/// A fraction 0..1 as a whole percentage (`62%`).
fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// A distance in bps with its direction (`+11.71 bps` above the mid, `-3.91 bps` below).
fn signed_bps(d: f64) -> String {
    let sign = if d > 0.0 {
        "+"
    } else if d < 0.0 {
        "-"
    } else {
        ""
    };
    format!("{sign}{} bps", format::bps(d.abs()))
}

/// A span that only starts a new line.
pub const BREAK: &str = "\n";

/// Where each span of a line goes when it wraps at `width` (continuation lines start at
/// `indent`): `(line, x)` per span. A span is never split, so no number is ever cut; one wider
/// than the line starts its own line and is clipped at the pane's edge. A [`BREAK`] span
/// starts a new line.
fn flow(spans: &[Span], width: u16, indent: u16) -> Vec<(u16, u16)> {
    let mut out = Vec::with_capacity(spans.len());
    let (mut line, mut x) = (0u16, 0u16);
    for (text, _) in spans {
        if text == BREAK {
            line += 1;
            x = indent;
            out.push((line, x));
            continue;
        }
        let len = text.chars().count() as u16;
        if x > indent && x.saturating_add(len) > width {
            line += 1;
            x = indent;
        }
        out.push((line, x));
        x = x.saturating_add(len + 1);
    }
    out
}

/// Lines [`flow`] takes.
fn flow_height(spans: &[Span], width: u16, indent: u16) -> u16 {
    flow(spans, width, indent).last().map_or(0, |(l, _)| l + 1)
}

/// Draws `spans` wrapped into `area` from its row `y`; returns the rows used (rows past the
/// area's bottom are not drawn).
fn draw_flow(buf: &mut Buffer, area: Rect, y: u16, spans: &[Span], indent: u16) -> u16 {
    let places = flow(spans, area.width, indent);
    for ((text, style), (line, x)) in spans.iter().zip(&places) {
        let row = y.saturating_add(*line);
        if row < area.height && text != BREAK {
            put(
                buf,
                area.x + x,
                area.y + row,
                text,
                area.width.saturating_sub(*x),
                *style,
            );
        }
    }
    places.last().map_or(0, |(l, _)| l + 1)
}

/// Draws `entries` (each a wrapped line of spans) from entry `scroll` down to the bottom of
/// `area`, starting at its row `y`. Entries that do not fit are counted on the last row
/// (`+3 more (j)`), never left out silently; a first entry taller than the room is drawn as far
/// as it fits and ends in an ellipsis.
fn draw_entries(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    entries: &[Vec<Span>],
    scroll: usize,
    cx: &Ctx,
) {
    let scroll = scroll.min(entries.len().saturating_sub(1));
    let mut row = y;
    for (i, entry) in entries.iter().enumerate().skip(scroll) {
        let need = flow_height(entry, area.width, 2);
        let rest = entries.len() - i;
        // Room for this entry, and for the count of the others below it if any.
        let reserve = u16::from(rest > 1);
        if row + need + reserve > area.height {
            let mut note_row = row;
            if i == scroll {
                let room = area.height.saturating_sub(reserve);
                draw_clipped(
                    buf,
                    Rect {
                        height: room,
                        ..area
                    },
                    row,
                    entry,
                    cx,
                );
                note_row = room;
            }
            let more = if i == scroll { rest - 1 } else { rest };
            if more > 0 && note_row < area.height {
                let note = format!("+{more} more (j)");
                put(
                    buf,
                    area.x,
                    area.y + note_row,
                    &note,
                    area.width,
                    cx.theme.dim,
                );
            }
            return;
        }
        row += draw_flow(buf, area, row, entry, 2);
    }
    if scroll > 0 && y < area.height {
        // Scrolled: the first rows say so.
        let note = format!("{scroll} above (k)");
        let x = area.right().saturating_sub(note.chars().count() as u16);
        put(buf, x, area.y + y, &note, area.right() - x, cx.theme.dim);
    }
}

/// [`draw_flow`] into the rows `area` has from `y`, the last span shown followed by an
/// ellipsis: the entry goes on past the pane.
fn draw_clipped(buf: &mut Buffer, area: Rect, y: u16, spans: &[Span], cx: &Ctx) {
    draw_flow(buf, area, y, spans, 2);
    let places = flow(spans, area.width, 2);
    let last = spans
        .iter()
        .zip(&places)
        .rfind(|((text, _), (line, _))| text != BREAK && y + line < area.height);
    if let Some(((text, _), (line, x))) = last {
        let at = x + text.chars().count() as u16 + 1;
        if at < area.width {
            let e = cx.glyphs.ellipsis;
            put(buf, area.x + at, area.y + y + line, e, 1, cx.theme.dim);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(words: &[&str]) -> Vec<Span> {
        words
            .iter()
            .map(|w| ((*w).to_owned(), Style::default()))
            .collect()
    }

    #[test]
    fn lines_wrap_between_spans_never_inside_one() {
        let s = spans(&["net 2.40 bps", "gross 12.40 bps", "0.4200 BTC"]);
        // 12 + 1 + 15 = 28 fits; the size goes to the next line, indented.
        assert_eq!(flow(&s, 30, 2), vec![(0, 0), (0, 13), (1, 2)]);
        assert_eq!(flow_height(&s, 30, 2), 2);
        assert_eq!(flow_height(&s, 80, 2), 1);
        // Too narrow for anything: one span a line, none cut.
        assert_eq!(flow(&s, 5, 2), vec![(0, 0), (1, 2), (2, 2)]);
        let broken = spans(&["a", BREAK, "b"]);
        assert_eq!(flow(&broken, 80, 2), vec![(0, 0), (1, 2), (1, 2)]);
        assert_eq!(flow_height(&[], 10, 0), 0);
    }

    #[test]
    fn units_are_written_out() {
        assert_eq!(signed_bps(11.714), "+11.71 bps");
        assert_eq!(signed_bps(-0.25), "-0.250 bps");
        assert_eq!(signed_bps(0.0), "0.000 bps");
        assert_eq!(percent(0.624), "62%");
        let p = Progress {
            have_min: 180.0,
            need_min: 1440.0,
        };
        assert_eq!(warming(&p), "warming 3h/24h");
    }
}
