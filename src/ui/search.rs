//! The symbol search overlay: the prompt as typed and the matching symbols, best first, the
//! highlighted one going to the top of the list as you type.

use crate::ui::widgets::{Ctx, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Clear, Widget};

pub struct SearchView<'a> {
    pub query: &'a str,
    pub matches: &'a [String],
    pub selected: usize,
}

/// Matches listed at most.
const LIST: usize = 8;

const TITLE: &str = "Search symbols (enter: go, esc: cancel)";

/// Draws the overlay at the bottom-left of `area` (the body, above the footer).
pub fn render(area: Rect, buf: &mut Buffer, view: &SearchView, cx: &Ctx) {
    let height = (view.matches.len().clamp(1, LIST) as u16 + 3).min(area.height);
    // Wide enough for the title's keys whole (the title, two spaces and the borders).
    let width = (TITLE.chars().count() as u16 + 4).min(area.width);
    if height < 3 || width < 8 {
        return;
    }
    let popup = Rect::new(area.x, area.bottom() - height, width, height);
    Clear.render(popup, buf);
    let inner = pane(popup, buf, TITLE, true, cx);
    let prompt = format!("/{}{}", view.query, cx.glyphs.cursor);
    put(buf, inner.x, inner.y, &prompt, inner.width, cx.theme.text);
    if view.matches.is_empty() {
        put(
            buf,
            inner.x,
            inner.y + 1,
            "no match",
            inner.width,
            cx.theme.dim,
        );
        return;
    }
    let rows = usize::from(inner.height.saturating_sub(1));
    let first = view.selected.saturating_sub(rows.saturating_sub(1));
    for (i, symbol) in view.matches.iter().enumerate().skip(first).take(rows) {
        let y = inner.y + 1 + (i - first) as u16;
        let style = if i == view.selected {
            cx.theme.selection
        } else {
            cx.theme.text
        };
        put(
            buf,
            inner.x,
            y,
            &format!(" {symbol:<width$}", width = usize::from(inner.width) - 1),
            inner.width,
            style,
        );
        if let Some(at) = symbol
            .to_lowercase()
            .find(&view.query.to_lowercase())
            .filter(|_| !view.query.is_empty())
        {
            let len = view.query.chars().count() as u16;
            put(
                buf,
                inner.x + 1 + at as u16,
                y,
                &symbol[at..at + view.query.len()],
                len,
                cx.theme.search_match,
            );
        }
    }
}
