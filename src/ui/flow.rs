//! Trade flow: the symbol's CVD over 1 and 5 minutes as a chart, each venue's taker buy share,
//! and the large-trade tape (newest first).

use crate::engine::frame::{BookFrame, SymbolHistory, TradePrint};
use crate::ui::format;
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, centred_gauge, pane, plot, put, put_right};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub struct FlowView<'a> {
    pub history: &'a SymbolHistory,
    /// The books shown, with their labels (one for a venue, the included ones for the aggregate).
    pub books: Vec<(&'a BookFrame, String)>,
    /// Shown instead of the per-venue parts (e.g. the venue's book is not proven).
    pub note: Option<(String, Style)>,
    pub scroll: usize,
    pub focused: bool,
}

pub fn render(area: Rect, buf: &mut Buffer, view: &FlowView, cx: &Ctx) {
    let inner = pane(area, buf, "Flow", view.focused, cx);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let t = cx.theme;
    // The chart takes ~40 % once there is room for the tape too.
    let chart_h = if inner.height >= 10 {
        (inner.height * 2 / 5).max(4)
    } else {
        0
    };
    if chart_h > 0 {
        // The chart is summed over the live venues in base units (the symbol's own asset).
        let base = view
            .books
            .first()
            .map_or("base units", |(b, _)| b.instrument.base.as_str());
        let legend = format!(
            "CVD in {base}  {} 1m  {} 5m",
            cx.glyphs.plot[0], cx.glyphs.plot[1]
        );
        put(buf, inner.x, inner.y, &legend, inner.width, t.dim);
        let chart = Rect::new(inner.x, inner.y + 1, inner.width, chart_h - 1);
        plot(
            buf,
            chart,
            &[
                (&view.history.cvd_5m, t.dim, cx.glyphs.plot[1]),
                (&view.history.cvd_1m, t.title, cx.glyphs.plot[0]),
            ],
            cx,
        );
    }
    let mut y = inner.y + chart_h;
    if let Some((note, style)) = &view.note {
        put(buf, inner.x, y, note, inner.width, *style);
        return;
    }
    for (book, label) in view.books.iter().take(4) {
        if y >= inner.bottom() {
            return;
        }
        taker_row(buf, Rect::new(inner.x, y, inner.width, 1), book, label, cx);
        y += 1;
    }
    tape(
        buf,
        Rect::new(inner.x, y, inner.width, inner.bottom().saturating_sub(y)),
        view,
        cx,
    );
}

/// `BIN  buy 58% │███   b/s 1.38`: taker buy share as a gauge around one half, and the taker
/// buy/sell volume ratio.
fn taker_row(buf: &mut Buffer, area: Rect, book: &BookFrame, label: &str, cx: &Ctx) {
    let f = &book.flow;
    let share = cx.num(f.taker_buy_share, |s| format!("{:.0}%", s * 100.0));
    put(buf, area.x, area.y, label, 6, cx.theme.dim);
    put(buf, area.x + 6, area.y, "buy", 4, cx.theme.dim);
    put_right(buf, area.x + 10, area.y, &share, 4, cx.theme.text);
    let ratio = cx.num(f.taker_buy_sell_ratio, |r| format::fixed(r, 2));
    let gauge_w = area.width.saturating_sub(26);
    centred_gauge(
        buf,
        Rect::new(area.x + 15, area.y, gauge_w, 1),
        f.taker_buy_share.map(|s| s * 2.0 - 1.0),
        cx,
    );
    put_right(
        buf,
        area.right().saturating_sub(10),
        area.y,
        &format!("b/s {ratio}"),
        10,
        cx.theme.dim,
    );
}

fn tape(buf: &mut Buffer, area: Rect, view: &FlowView, cx: &Ctx) {
    if area.height < 2 {
        return;
    }
    let mut trades: Vec<(&TradePrint, &str, u8, &str)> = view
        .books
        .iter()
        .flat_map(|(b, label)| {
            b.recent_trades.iter().filter(|t| t.large).map(move |t| {
                (
                    t,
                    label.as_str(),
                    b.ladder.price_decimals,
                    b.instrument.quote.as_str(),
                )
            })
        })
        .collect();
    trades.sort_by_key(|t| std::cmp::Reverse(t.0.exch_ts));
    let columns = [
        Column::left("TIME", 8, 0),
        Column::left("VENUE", 6, 3),
        Column::left("", 1, 0),
        Column::right("PRICE", 10, 1),
        Column::right("SIZE", 7, 0),
        Column::right("NOTIONAL", 10, 2),
    ];
    let kept = table::layout(&columns, area.width);
    table::header(buf, area, 0, &columns, &kept, cx.theme.dim);
    if trades.is_empty() {
        put(
            buf,
            area.x,
            area.y + 1,
            "no large trades",
            area.width,
            cx.theme.dim,
        );
        return;
    }
    let first = view.scroll.min(trades.len() - 1);
    for (i, (trade, label, decimals, quote)) in trades
        .iter()
        .skip(first)
        .take(usize::from(area.height - 1))
        .enumerate()
    {
        let (arrow, style) = match trade.taker {
            Some(crate::market::TakerSide::Buy) => (cx.glyphs.up, cx.theme.bid),
            Some(crate::market::TakerSide::Sell) => (cx.glyphs.down, cx.theme.ask),
            None => ("?", cx.theme.dim),
        };
        let cells = [
            (format::clock_ms(trade.exch_ts), cx.theme.dim),
            ((*label).to_owned(), cx.theme.dim),
            (arrow.to_owned(), style),
            (format::price(trade.price, *decimals), style),
            (format::qty(trade.size), cx.theme.text),
            (format::money(trade.notional, quote), cx.theme.text),
        ];
        table::row(buf, area, 1 + i as u16, &columns, &kept, &cells);
    }
}
