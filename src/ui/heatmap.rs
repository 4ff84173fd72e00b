//! The liquidity heatmap: price (rows) over time (columns) for the selected symbol and venue,
//! coloured by resting size, trades overlaid. With Unicode each cell holds two price rows (▀
//! with the upper row's colour as foreground, the lower's as background); in ASCII, or with a colourless theme, sizes are
//! shade glyphs instead. Columns without usable data are left blank.

use crate::market::TakerSide;
use crate::ui::format;
use crate::ui::glyphs::Glyphs;
use crate::ui::model::heatmap::Grid;
use crate::ui::widgets::{Ctx, centred_text, pane, put, put_cell, put_right};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub struct HeatmapView {
    pub title: String,
    /// `None`: nothing to draw, and `message` says why.
    pub grid: Option<Grid>,
    pub message: Vec<String>,
    /// Price of grid row 0 and the price step per grid row.
    pub top_price: f64,
    pub step: f64,
    pub decimals: u8,
    /// Seconds per column, for the time axis.
    pub column_s: f64,
    pub focused: bool,
}

/// Width of the price axis on the left.
pub const AXIS: u16 = 11;

/// The plot area inside a heatmap pane of `area`, and grid rows per cell row: what the grid must
/// be built for.
pub fn plot_area(area: Rect, glyphs: &Glyphs) -> (Rect, usize) {
    let inner = Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    );
    let plot = Rect::new(
        inner.x + AXIS,
        inner.y,
        inner.width.saturating_sub(AXIS),
        inner.height.saturating_sub(1),
    );
    (plot, if glyphs.half_blocks.is_some() { 2 } else { 1 })
}

pub fn render(area: Rect, buf: &mut Buffer, view: &HeatmapView, cx: &Ctx) {
    let inner = pane(area, buf, &view.title, view.focused, cx);
    if inner.height < 2 || inner.width <= AXIS {
        return;
    }
    let Some(grid) = &view.grid else {
        let top = (inner.height / 2).saturating_sub(view.message.len() as u16 / 2);
        for (i, line) in view.message.iter().enumerate() {
            centred_text(buf, inner, top + i as u16, line, cx.theme.not_live);
        }
        return;
    };
    let (plot, per_cell) = plot_area(area, cx.glyphs);
    for y in 0..plot.height {
        let r = usize::from(y) * per_cell;
        if y % 4 == 0 {
            let price = view.top_price - r as f64 * view.step;
            put_right(
                buf,
                inner.x,
                plot.y + y,
                &format::price(price, view.decimals),
                AXIS - 1,
                cx.theme.dim,
            );
        }
        for x in 0..plot.width.min(grid.width as u16) {
            let (col, cell_x) = (usize::from(x), plot.x + x);
            if grid.gap[col] {
                continue;
            }
            let size = |row: usize| {
                grid.cells
                    .get(row * grid.width + col)
                    .copied()
                    .unwrap_or(0.0)
            };
            let (symbol, style) = cell(
                size(r),
                (per_cell == 2).then(|| size(r + 1)),
                grid.full_scale,
                cx,
            );
            put_cell(buf, cell_x, plot.y + y, symbol, style);
        }
    }
    for &(row, col, taker) in &grid.trades {
        let (x, y) = (plot.x + col as u16, plot.y + (row / per_cell) as u16);
        if x < plot.right() && y < plot.bottom() {
            let style = match taker {
                Some(TakerSide::Buy) => cx.theme.bid,
                Some(TakerSide::Sell) => cx.theme.ask,
                None => cx.theme.text,
            };
            put_cell(buf, x, y, cx.glyphs.trade, style);
        }
    }
    time_axis(
        buf,
        Rect::new(plot.x, plot.bottom(), plot.width, 1),
        view.column_s,
        cx,
    );
}

/// The glyph and style for one cell holding `upper` and (with half blocks) `lower` sizes.
fn cell(upper: f64, lower: Option<f64>, full: f64, cx: &Ctx) -> (&'static str, Style) {
    let level = |v: f64| (v > 0.0 && full > 0.0).then(|| (v / full).min(1.0).sqrt());
    let heat = &cx.theme.heat;
    let colour = |l: f64| heat[((l * heat.len() as f64) as usize).min(heat.len() - 1)];
    match (cx.glyphs.half_blocks, lower) {
        (Some([top, bottom]), Some(lower)) if !heat.is_empty() => {
            match (level(upper), level(lower)) {
                (Some(u), Some(l)) => (top, Style::default().fg(colour(u)).bg(colour(l))),
                (Some(u), None) => (top, Style::default().fg(colour(u))),
                (None, Some(l)) => (bottom, Style::default().fg(colour(l))),
                (None, None) => (" ", Style::default()),
            }
        }
        _ => {
            let v = level(upper.max(lower.unwrap_or(0.0))).unwrap_or(0.0);
            let style = if heat.is_empty() || v == 0.0 {
                cx.theme.text
            } else {
                Style::default().fg(colour(v))
            };
            (Glyphs::level(cx.glyphs.shade, v), style)
        }
    }
}

/// `-60s … -30s … now` under the plot.
fn time_axis(buf: &mut Buffer, area: Rect, column_s: f64, cx: &Ctx) {
    if area.width < 4 || area.y >= buf.area.bottom() {
        return;
    }
    put_right(buf, area.x, area.y, "now", area.width, cx.theme.dim);
    let mut x = area.right().saturating_sub(4);
    while x >= area.x + 12 {
        x -= 12;
        let secs = f64::from(area.right() - 1 - x) * column_s;
        put(
            buf,
            x,
            area.y,
            &format!("-{}", format::age_ms(secs * 1000.0)),
            8,
            cx.theme.dim,
        );
    }
}
