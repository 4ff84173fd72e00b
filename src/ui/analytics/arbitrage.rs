//! Cross-venue arbitrage (§9): each opportunity net of both taker fees, best first: where to
//! buy and sell, the net and gross edge of the first unit, the size executable while the
//! marginal edge stays positive, its notional and PnL, and the fees used. With none, the pane
//! says so and how many venue pairs were compared.

use super::{Span, book, book_style, draw_entries};
use crate::engine::frame::SymbolFrame;
use crate::ui::format;
use crate::ui::layout;
use crate::ui::widgets::{Ctx, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// `2.40 bps`.
fn bps(x: f64) -> String {
    format!("{} bps", format::bps(x))
}

pub fn render(
    area: Rect,
    buf: &mut Buffer,
    symbol: &SymbolFrame,
    scroll: usize,
    focused: bool,
    cx: &Ctx,
) {
    let t = cx.theme;
    let a = &symbol.analytics.arbitrage;
    let sep = cx.glyphs.sep.trim();
    let parts = [
        "Arbitrage".to_owned(),
        "net of taker fees".to_owned(),
        format!("{} venue pairs checked", a.pairs_checked),
    ];
    let inner = pane(
        area,
        buf,
        &layout::title(&parts, area.width, sep),
        focused,
        cx,
    );
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if a.opportunities.is_empty() {
        let text = if a.pairs_checked == 0 {
            "none: fewer than two fresh books to compare".to_owned()
        } else {
            format!("none above fees ({} venue pairs checked)", a.pairs_checked)
        };
        put(buf, inner.x, inner.y, &text, inner.width, t.dim);
        return;
    }
    let quote = a.quote.as_deref().unwrap_or("");
    let entries: Vec<Vec<Span>> = a
        .opportunities
        .iter()
        .map(|o| {
            let (buy, buy_book) = book(symbol, &o.buy);
            let (sell, sell_book) = book(symbol, &o.sell);
            // An edge between books that went stale since it was found is greyed.
            let style = book_style(buy_book, book_style(sell_book, t.text, cx), cx);
            let edge = book_style(buy_book, book_style(sell_book, t.imbalance_pos, cx), cx);
            // Most telling first: a narrow pane cuts the end.
            vec![
                (format!("buy {buy} {} sell {sell}", cx.glyphs.arrow), style),
                (format!("net {}", cx.num(Some(o.net_bps), bps)), edge),
                (
                    format!(
                        "size {}",
                        cx.num(Some(o.size), |x| format!(
                            "{} {}",
                            format::qty(x),
                            symbol.symbol
                        ))
                    ),
                    style,
                ),
                (
                    format!(
                        "PnL {}",
                        cx.num(Some(o.pnl), |x| format::signed_money(x, quote))
                    ),
                    edge,
                ),
                (
                    format!(
                        "notional {}",
                        cx.num(Some(o.notional), |x| format::money(x, quote))
                    ),
                    style,
                ),
                (format!("gross {}", cx.num(Some(o.gross_bps), bps)), style),
                (
                    format!(
                        "fees buy {} sell {}",
                        cx.num(Some(o.fee_buy_bps), bps),
                        cx.num(Some(o.fee_sell_bps), bps)
                    ),
                    t.dim,
                ),
            ]
        })
        .collect();
    draw_entries(buf, inner, 0, &entries, scroll, cx);
}
