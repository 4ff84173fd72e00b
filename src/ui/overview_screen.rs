//! The overview screen: the symbol × venue table, and under it (when the terminal is tall
//! enough) the current symbol's perp context and the liquidation feed across every symbol.
//! When they do not fit, a line says where they are instead of dropping them silently.

use crate::engine::frame::{BookFrame, Frame, LiquidationPrint};
use crate::ui::app::App;
use crate::ui::liquidations::{has_stream, liquidated_side};
use crate::ui::model::select::{self, short_label};
use crate::ui::perp::{self, PerpView};
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, pane, put};
use crate::ui::{format, overview, views};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// The panels need this many rows (borders, header and three rows).
const PANELS_MIN: u16 = 6;
/// From this body height the panels are shown even if the table must scroll.
const PANELS_FROM: u16 = 30;
/// The panels never take more (the table keeps the rest, for rows to come).
const PANELS_MAX: u16 = 16;

/// The table's area, the panels' area (if shown) and the hint line (if not). The table takes
/// what its `rows` need (borders and header included), the panels the rest, up to half and
/// at most [`PANELS_MAX`].
fn split(body: Rect, rows: usize) -> (Rect, Option<Rect>, Option<Rect>) {
    let table_needs = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(3);
    let spare = body.height.saturating_sub(table_needs);
    let h = if body.height >= PANELS_FROM {
        spare.clamp(PANELS_MIN + 2, body.height / 2)
    } else {
        spare.min(body.height / 2)
    }
    .min(PANELS_MAX);
    if h >= PANELS_MIN {
        let table = Rect {
            height: body.height - h,
            ..body
        };
        let panels = Rect {
            y: body.y + table.height,
            height: h,
            ..body
        };
        (table, Some(panels), None)
    } else if body.height > 4 {
        let table = Rect {
            height: body.height - 1,
            ..body
        };
        (
            table,
            None,
            Some(Rect::new(body.x, body.bottom() - 1, body.width, 1)),
        )
    } else {
        (body, None, None)
    }
}

/// Where the table of `rows` rows is (for clicks on its rows).
pub fn table_area(body: Rect, rows: usize) -> Rect {
    split(body, rows).0
}

pub fn render(body: Rect, buf: &mut Buffer, app: &App, cx: &Ctx) {
    let view = views::overview(app);
    let (table, panels, hint) = split(body, view.rows.len());
    overview::render(table, buf, &view, cx);
    let frame = app.shown();
    if let Some(line) = hint {
        let marker = if cx.glyphs.ascii { ">" } else { "▸" };
        // The longest wording that fits whole: a word is never cut.
        let text = [
            "Perp, Liquidations: no room under the table (taller terminal, or 2 for the detail)",
            "Perp, Liquidations: no room (taller terminal, or 2 for the detail)",
            "Perp, Liquidations: no room (2: detail)",
            "+2 panes (2: detail)",
        ]
        .iter()
        .map(|t| format!("{marker} {t}"))
        .find(|t| t.chars().count() <= usize::from(line.width))
        .unwrap_or_default();
        put(buf, line.x, line.y, &text, line.width, cx.theme.dim);
    }
    let Some(panels) = panels else {
        return;
    };
    let perp_w = if panels.width >= 100 {
        panels.width / 2
    } else {
        panels.width * 2 / 5
    };
    let perp_area = Rect {
        width: perp_w,
        ..panels
    };
    let liq_area = Rect {
        x: panels.x + perp_w,
        width: panels.width - perp_w,
        ..panels
    };
    let symbol = select::symbol(frame, &app.symbol);
    perp::render(
        perp_area,
        buf,
        &PerpView {
            symbol: &app.symbol,
            books: symbol
                .map(|s| {
                    s.books
                        .iter()
                        .filter(|b| !b.is_spot())
                        .map(|b| (b, short_label(b)))
                        .collect()
                })
                .unwrap_or_default(),
            consensus: symbol.map(|s| s.composites.derivatives).unwrap_or_default(),
            focused: false,
        },
        cx,
    );
    liquidation_feed(liq_area, buf, frame, cx);
}

/// Every symbol's latest liquidations, newest first.
fn liquidation_feed(area: Rect, buf: &mut Buffer, frame: &Frame, cx: &Ctx) {
    let sep = cx.glyphs.sep.trim();
    let inner = pane(
        area,
        buf,
        &format!("Liquidations {sep} all symbols"),
        false,
        cx,
    );
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let books = || {
        frame
            .symbols
            .iter()
            .flat_map(|s| s.books.iter().map(move |b| (s.symbol.as_str(), b)))
    };
    let mut prints: Vec<(&str, &BookFrame, &LiquidationPrint)> = books()
        .flat_map(|(s, b)| b.liquidations.recent.iter().map(move |p| (s, b, p)))
        .collect();
    if prints.is_empty() {
        let text = if books().next().is_none() {
            "no books yet"
        } else if books().any(|(_, b)| has_stream(b)) {
            "no liquidations since start"
        } else if books().all(|(_, b)| b.is_spot()) {
            "no liquidation stream: spot markets publish none"
        } else {
            "no liquidation stream: these markets' venues publish none"
        };
        put(buf, inner.x, inner.y, text, inner.width, cx.theme.dim);
        return;
    }
    prints.sort_by_key(|p| std::cmp::Reverse(p.2.exch_ts));
    let columns = [
        Column::left("TIME UTC", 8, 1),
        Column::left("SYM", 5, 0),
        Column::left("VENUE", 6, 0),
        Column::left("SIDE", 5, 0),
        Column::right("NOTIONAL", 10, 0),
        Column::right("PRICE", 11, 2),
    ];
    let kept = table::layout(&columns, inner.width);
    table::header(buf, inner, 0, &columns, &kept, cx.theme.dim);
    for (i, (symbol, book, p)) in prints
        .iter()
        .take(usize::from(inner.height - 1))
        .enumerate()
    {
        let (side, style) = liquidated_side(p.position, cx);
        let cells = [
            (format::clock_ms(p.exch_ts), cx.theme.dim),
            ((*symbol).to_owned(), cx.theme.text),
            (short_label(book), cx.theme.dim),
            (side.to_owned(), style),
            (format::money(p.notional, &book.instrument.quote), style),
            (
                format::price(p.price, book.ladder.price_decimals),
                cx.theme.text,
            ),
        ];
        table::row(buf, inner, 1 + i as u16, &columns, &kept, &cells);
    }
}
