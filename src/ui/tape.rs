//! The trade tape: every trade of the selected books across venues, newest first, with venue,
//! side, price, size and notional; trades at or above the engine's large-trade threshold
//! highlighted; a minimum notional (`,` `.` or `:min 50k`); liquidations inline (`L`).

use crate::market::{LiquidatedPosition, TakerSide};
use crate::ui::format;
use crate::ui::layout::title;
use crate::ui::model::select::short_label;
use crate::ui::model::tape::{Kind, TapeFilter, TapeRow};
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub struct TapeView<'a> {
    pub symbol: &'a str,
    pub rows: Vec<TapeRow<'a>>,
    pub filter: TapeFilter,
    pub scroll: usize,
    pub focused: bool,
}

const COLUMNS: [Column; 6] = [
    Column::left("TIME UTC", 8, 3),
    Column::left("VENUE", 6, 0),
    Column::left("SIDE", 6, 0),
    Column::right("PRICE", 11, 1),
    Column::right("SIZE", 8, 2),
    Column::right("NOTIONAL", 10, 0),
];

pub fn render(area: Rect, buf: &mut Buffer, view: &TapeView, cx: &Ctx) {
    let sep = cx.glyphs.sep.trim();
    let min = if view.filter.min > 0.0 {
        format!(">= {}", format::usd(view.filter.min))
    } else {
        "all sizes".into()
    };
    let liq = if view.filter.liquidations {
        "liq shown"
    } else {
        "liq hidden"
    };
    let parts = [
        format!("Tape {sep} {}", view.symbol),
        format!("{min} (, .)"),
        format!("{liq} (L)"),
    ];
    let title = title(&parts, area.width, sep);
    let inner = pane(area, buf, &title, view.focused, cx);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if view.rows.is_empty() {
        let text = if view.filter.min > 0.0 {
            format!("no trade of {min} yet (, lowers the minimum)")
        } else {
            "no trades yet".to_owned()
        };
        put(buf, inner.x, inner.y, &text, inner.width, cx.theme.dim);
        return;
    }
    let kept = table::layout(&COLUMNS, inner.width);
    table::header(buf, inner, 0, &COLUMNS, &kept, cx.theme.dim);
    let first = view.scroll.min(view.rows.len() - 1);
    let visible = usize::from(inner.height.saturating_sub(1));
    for (i, row) in view.rows.iter().skip(first).take(visible).enumerate() {
        table::row(buf, inner, 1 + i as u16, &COLUMNS, &kept, &cells(row, cx));
    }
}

fn cells(row: &TapeRow, cx: &Ctx) -> Vec<(String, Style)> {
    let t = cx.theme;
    let (side, side_style) = match row.kind {
        Kind::Trade(Some(TakerSide::Buy)) => ("buy", t.bid),
        Kind::Trade(Some(TakerSide::Sell)) => ("sell", t.ask),
        Kind::Trade(None) => (cx.glyphs.absent, t.dim),
        Kind::Liquidation(LiquidatedPosition::Long) => ("liq L", t.alert_warn),
        Kind::Liquidation(LiquidatedPosition::Short) => ("liq S", t.alert_warn),
    };
    let text = match row.kind {
        Kind::Liquidation(_) => t.alert_warn,
        Kind::Trade(_) if row.large => t.large_level,
        Kind::Trade(_) => t.text,
    };
    let quote = &row.book.instrument.quote;
    vec![
        (format::clock_ms(row.exch_ts), t.dim),
        (short_label(row.book), text),
        (side.to_owned(), side_style),
        (
            format::price(row.price, row.book.ladder.price_decimals),
            text,
        ),
        (format::qty(row.size), text),
        (format::money(row.notional, quote), text),
    ]
}
