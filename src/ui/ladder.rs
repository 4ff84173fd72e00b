//! The depth ladder: asks above the spread line, bids below, each row with price, size,
//! cumulative size, recent traded volume, (aggregate) the venue supplying most of it, and a size
//! bar. Large levels are marked; rows past what some venue's book reaches show their size as a
//! lower bound (`+`). Rows inside a support or resistance zone (§5) carry `S` or `R` in the
//! left margin, readable without colour. A book that is not proven shows its state and no
//! numbers.

use crate::engine::analytics::ZoneRole;
use crate::engine::frame::BookFrame;
use crate::ui::format;
use crate::ui::model::ladder::{LadderModel, LadderRow};
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, book_badge, centred_rule, centred_text, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub struct LadderView<'a> {
    pub title: String,
    pub body: LadderBody<'a>,
    /// Rows scrolled from the centred position (negative: toward the asks).
    pub scroll: i32,
    pub focused: bool,
}

pub enum LadderBody<'a> {
    /// Rows to draw. `status` is the line above them (state and ages, or which venues are in
    /// the aggregate); `sources` names the books `LadderRow::top_source` indexes.
    Rows {
        model: LadderModel,
        status: Vec<(String, Style)>,
        sources: Vec<String>,
        /// The book is live but stale: numbers are drawn in the stale style.
        stale: bool,
    },
    /// A single book that is not `Live`.
    NotLive(&'a BookFrame),
    /// Nothing to show, and why (e.g. every venue of the aggregate is excluded).
    Empty(Vec<String>),
}

/// A bar narrower than this is not worth drawing.
const MIN_BAR: u16 = 6;

pub fn render(area: Rect, buf: &mut Buffer, view: &LadderView, cx: &Ctx) {
    let inner = pane(area, buf, &view.title, view.focused, cx);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    match &view.body {
        LadderBody::NotLive(book) => {
            let (badge, style) = book_badge(book, cx);
            let mid = inner.height / 2;
            buf.set_style(inner, cx.theme.not_live);
            centred_text(buf, inner, mid.saturating_sub(1), &badge, style);
            centred_text(
                buf,
                inner,
                mid,
                "book not proven: no numbers shown",
                cx.theme.not_live,
            );
            centred_text(
                buf,
                inner,
                mid + 1,
                "excluded from every metric",
                cx.theme.not_live,
            );
        }
        LadderBody::Empty(lines) => {
            let top = (inner.height / 2).saturating_sub(lines.len() as u16 / 2);
            for (i, line) in lines.iter().enumerate() {
                centred_text(buf, inner, top + i as u16, line, cx.theme.not_live);
            }
        }
        LadderBody::Rows {
            model,
            status,
            sources,
            stale,
        } => rows(inner, buf, view.scroll, model, status, sources, *stale, cx),
    }
}

#[allow(clippy::too_many_arguments)]
fn rows(
    inner: Rect,
    buf: &mut Buffer,
    scroll: i32,
    model: &LadderModel,
    status: &[(String, Style)],
    sources: &[String],
    stale: bool,
    cx: &Ctx,
) {
    let mut x = inner.x;
    for (text, style) in status {
        let width = inner.right().saturating_sub(x);
        put(buf, x, inner.y, text, width, *style);
        x = x.saturating_add(text.chars().count() as u16 + 2);
    }
    if inner.height < 3 {
        return;
    }
    let price_width = model
        .bids
        .iter()
        .chain(&model.asks)
        .map(|r| format::price(r.price, model.decimals).len() as u16)
        .max()
        .unwrap_or(5)
        .max(5);
    let mut columns = vec![
        Column::left("", 1, 0),
        Column::left("", 1, 0),
        Column::right("PRICE", price_width, 0),
        Column::right("SIZE", 8, 0),
        Column::right("CUM", 8, 2),
        Column::right("TRADED", 8, 3),
    ];
    if sources.len() > 1 {
        columns.push(Column::left("TOP SRC", 10, 4));
    }
    let kept = table::layout(&columns, inner.width.saturating_sub(MIN_BAR + 1));
    let bar_x = kept.last().map_or(0, |&(i, at)| at + columns[i].width + 1);
    let bar_width = inner.width.saturating_sub(bar_x);
    table::header(buf, inner, 1, &columns, &kept, cx.theme.dim);

    // Asks (worst first), the spread line, bids (best first), windowed around the spread.
    let lines: Vec<Option<(&LadderRow, bool)>> = model
        .asks
        .iter()
        .rev()
        .map(|r| Some((r, false)))
        .chain(std::iter::once(None))
        .chain(model.bids.iter().map(|r| Some((r, true))))
        .collect();
    let height = i32::from(inner.height - 2);
    let spread_at = model.asks.len() as i32;
    let total = lines.len() as i32;
    // The spread as near the middle as the rows allow: when every row fits, blank rows go
    // where a side is short, and no row is pushed off the pane.
    let start = if total <= height {
        (spread_at - height / 2).clamp(total - height, 0)
    } else {
        (spread_at - height / 2 + scroll).clamp(0, total - height)
    };
    for y in 0..height {
        let Some(line) = usize::try_from(start + y).ok().and_then(|i| lines.get(i)) else {
            continue;
        };
        let row_y = 2 + y as u16;
        match line {
            None => spread_line(buf, inner, row_y, model, cx),
            Some((row, is_bid)) => {
                let side = if *is_bid { cx.theme.bid } else { cx.theme.ask };
                let side = if stale { cx.theme.stale } else { side };
                let cells = cells(row, model, sources, side, cx);
                table::row(buf, inner, row_y, &columns, &kept, &cells);
                if bar_width > 0 && model.max_size > 0.0 {
                    let bar = cx.glyphs.bar(row.size / model.max_size, bar_width);
                    put(buf, inner.x + bar_x, inner.y + row_y, &bar, bar_width, side);
                }
            }
        }
    }
}

fn cells(
    row: &LadderRow,
    model: &LadderModel,
    sources: &[String],
    side: Style,
    cx: &Ctx,
) -> Vec<(String, Style)> {
    let t = cx.theme;
    let lower_bound = if row.partial { "+" } else { "" };
    let traded = row.traded_buy + row.traded_sell;
    let traded_cell = if traded > 0.0 {
        let (arrow, style) = if row.traded_buy >= row.traded_sell {
            (cx.glyphs.up, t.bid)
        } else {
            (cx.glyphs.down, t.ask)
        };
        (format!("{}{arrow}", format::qty(traded)), style)
    } else {
        (String::new(), t.dim)
    };
    let source = row
        .top_source
        .and_then(|(i, share)| Some(format!("{} {:.0}%", sources.get(i)?, share * 100.0)))
        .unwrap_or_default();
    let zone = match row.zone {
        Some(ZoneRole::Support) => ("S".to_owned(), t.bid),
        Some(ZoneRole::Resistance) => ("R".to_owned(), t.ask),
        None => (String::new(), t.dim),
    };
    vec![
        zone,
        if row.large {
            (cx.glyphs.large.to_owned(), t.large_level)
        } else {
            (String::new(), t.dim)
        },
        (format::price(row.price, model.decimals), side),
        (
            format!("{}{lower_bound}", format::qty(row.size)),
            if row.large { t.large_level } else { t.text },
        ),
        (format!("{}{lower_bound}", format::qty(row.cum)), t.dim),
        traded_cell,
        (source, t.dim),
    ]
}

fn spread_line(buf: &mut Buffer, inner: Rect, y: u16, model: &LadderModel, cx: &Ctx) {
    let text = match (model.best_bid, model.best_ask) {
        (Some(bid), Some(ask)) if ask > bid => {
            let mid = (bid + ask) / 2.0;
            format!(
                " spread {} ({} bps) mid {} ",
                format::price(ask - bid, model.decimals),
                format::bps((ask - bid) / mid * 1e4),
                format::price(mid, model.decimals)
            )
        }
        // Across venues a locked or crossed top is real (one venue can be ahead); within one
        // venue it never reaches here (that book would not be live).
        (Some(bid), Some(ask)) if bid == ask => " locked across venues ".to_owned(),
        (Some(bid), Some(ask)) => format!(
            " crossed across venues by {} ",
            format::price(bid - ask, model.decimals)
        ),
        _ => format!(" spread {} (a side is empty) ", cx.glyphs.absent),
    };
    centred_rule(buf, inner, y, &text, cx);
}
