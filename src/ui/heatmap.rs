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
    /// What the colours measure: resting size in this unit (`BTC`, or `contracts`).
    pub unit: String,
    pub focused: bool,
}

/// Width of the price axis on the left.
pub const AXIS: u16 = 11;
/// From this inside height a legend line sits under the time axis.
const LEGEND_FROM: u16 = 8;

/// The plot area inside a heatmap pane of `area`, and grid rows per cell row: what the grid must
/// be built for.
pub fn plot_area(area: Rect, glyphs: &Glyphs) -> (Rect, usize) {
    let inner = Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    );
    // The time axis, and the legend when there is room for it.
    let below = if inner.height >= LEGEND_FROM { 2 } else { 1 };
    let plot = Rect::new(
        inner.x + AXIS,
        inner.y,
        inner.width.saturating_sub(AXIS),
        inner.height.saturating_sub(below),
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
    // The mid over time, under the trades.
    for (col, row) in grid.mid.iter().enumerate() {
        let Some(row) = row else { continue };
        let (x, y) = (plot.x + col as u16, plot.y + (row / per_cell) as u16);
        if x < plot.right() && y < plot.bottom() {
            put_cell(buf, x, y, cx.glyphs.hline, cx.theme.spread);
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
    if plot.bottom() + 1 < inner.bottom() {
        legend(
            buf,
            Rect::new(inner.x, plot.bottom() + 1, inner.width, 1),
            grid.full_scale,
            &view.unit,
            cx,
        );
    }
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

/// `resting size BTC: 0 ░▒▓█ >=12.8   ─ mid   • trade (buy/sell colour)`.
fn legend(buf: &mut Buffer, area: Rect, full: f64, unit: &str, cx: &Ctx) {
    const STEPS: usize = 6;
    let label = format!("resting size {unit}: 0 ");
    put(buf, area.x, area.y, &label, area.width, cx.theme.dim);
    let mut x = area.x + label.chars().count() as u16;
    for i in 1..=STEPS {
        let level = i as f64 / STEPS as f64;
        // The cells' own mapping: colour by the square root of the share of full scale.
        let (glyph, style) = cell(level * level * full, None, full, cx);
        if x < area.right() {
            put_cell(buf, x, area.y, glyph, style);
        }
        x += 1;
    }
    let rest = format!(
        " >={}   {} mid   {} trade (buy/sell colour)",
        format::qty(full),
        cx.glyphs.hline,
        cx.glyphs.trade
    );
    put(
        buf,
        x,
        area.y,
        &rest,
        area.right().saturating_sub(x),
        cx.theme.dim,
    );
}

/// `-1m30s -1m -30s now` under the plot: labels at round multiples of a step chosen so they
/// are at least 10 columns apart, each exact (never two labels saying the same time).
fn time_axis(buf: &mut Buffer, area: Rect, column_s: f64, cx: &Ctx) {
    if area.width < 4 || area.y >= buf.area.bottom() || column_s <= 0.0 {
        return;
    }
    put_right(buf, area.x, area.y, "now", area.width, cx.theme.dim);
    let step = axis_step(column_s);
    let right = area.right() - 1;
    for k in 1u32.. {
        let secs = step * f64::from(k);
        let cols = (secs / column_s).round() as u16;
        let text = format!("-{}", span_label(secs));
        let w = text.chars().count() as u16;
        // The label ends at its column; it must clear "now" and the axis' left end.
        let Some(x) = right.checked_sub(cols) else {
            break;
        };
        let Some(start) = (x + 1).checked_sub(w).filter(|s| *s >= area.x) else {
            break;
        };
        if x + 4 <= right {
            put(buf, start, area.y, &text, w, cx.theme.dim);
        }
    }
}

/// The axis step in seconds: the smallest round span at least 10 columns wide.
fn axis_step(column_s: f64) -> f64 {
    const ROUND: [f64; 14] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
    ];
    ROUND
        .into_iter()
        .find(|s| s / column_s >= 10.0)
        .unwrap_or(3600.0 * (column_s * 10.0 / 3600.0).ceil())
}

/// An exact span: `30s`, `1m`, `1m30s`, `2h`, `1h30m`.
fn span_label(secs: f64) -> String {
    let s = secs.round() as u64;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_are_distinct_round_spans() {
        assert_eq!(axis_step(0.5), 5.0);
        assert_eq!(axis_step(1.0), 10.0);
        assert_eq!(axis_step(3.0), 30.0);
        assert_eq!(axis_step(60.0), 600.0);
        let labels: Vec<String> = (1..=12).map(|k| span_label(15.0 * f64::from(k))).collect();
        assert_eq!(labels[..5], ["15s", "30s", "45s", "1m", "1m15s"]);
        let mut unique = labels.clone();
        unique.dedup();
        assert_eq!(unique, labels);
        assert_eq!(span_label(5400.0), "1h30m");
        assert_eq!(span_label(7200.0), "2h");
    }
}
