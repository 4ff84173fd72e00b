//! The price chart of the symbol detail: the mid over the last 5 min (1 s samples), 1 h or 24 h
//! (1 min candles: closes as the line, lows and highs as a faint envelope), with the latest
//! trades as dots sized by notional (`·` small, `•` a tenth of the large-trade threshold or more,
//! `●` large), buys in the bid colour and sells in the ask colour. Braille line; `--ascii` draws
//! `*` points instead. `r` cycles the range.

use crate::market::TakerSide;
use crate::ui::format;
use crate::ui::layout::title;
use crate::ui::model::chart::{ChartData, ChartRange};
use crate::ui::widgets::{Ctx, braille_runs, pane, put, put_cell, y_axis_labels};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Axis, Chart, Widget};

/// One trade to overlay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TradeDot {
    /// Seconds before now (≤ 0).
    pub ago: f64,
    pub price: f64,
    pub notional: f64,
    pub taker: Option<TakerSide>,
    pub large: bool,
    /// The book's large-trade threshold (quote units), when known.
    pub threshold: Option<f64>,
}

pub struct ChartView<'a> {
    pub symbol: &'a str,
    pub data: ChartData,
    pub range: ChartRange,
    pub trades: Vec<TradeDot>,
    pub decimals: u8,
    pub focused: bool,
}

pub fn render(area: Rect, buf: &mut Buffer, view: &ChartView, cx: &Ctx) {
    let sep = cx.glyphs.sep.trim();
    let last = view.data.line.last().map(|p| p.1);
    let parts = [
        "Price".to_owned(),
        format!(
            "{} mid {}",
            view.symbol,
            cx.num(last, |p| format::price(p, view.decimals))
        ),
        format!(
            "{} {}",
            cx.num(view.data.change(), |c| format::pct(c, 2)),
            view.range.label()
        ),
        format!("{} (r)", view.range.resolution()),
    ];
    let title = title(&parts, area.width, sep);
    let inner = pane(area, buf, &title, view.focused, cx);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let Some((lo, hi)) = view.data.bounds() else {
        let text = "no price yet (sampled 1/s while a book is live)";
        put(buf, inner.x, inner.y, text, inner.width, cx.theme.dim);
        return;
    };
    // A flat series still gets a band to sit in (a tenth of a bp either side).
    let pad = ((hi - lo) * 0.05).max(hi.abs() * 1e-5);
    let (lo, hi) = (lo - pad, hi + pad);
    let label = |p: f64| format::price(p, view.decimals);
    let label_w = [hi, lo]
        .iter()
        .map(|p| label(*p).chars().count())
        .max()
        .unwrap_or(0) as u16;
    if inner.width < label_w + 12 || inner.height < 3 {
        put(
            buf,
            inner.x,
            inner.y,
            &format!("{} {}", view.range.label(), cx.num(last, label)),
            inner.width,
            cx.theme.text,
        );
        return;
    }
    let plot = Rect::new(
        inner.x + label_w + 1,
        inner.y,
        inner.width - label_w - 1,
        inner.height - 1,
    );
    let dim = cx.theme.dim;
    y_axis_labels(buf, inner.x, label_w, plot, (lo, hi), label, dim);
    let span = view.range.seconds();
    let grid = Grid { plot, span, lo, hi };
    x_labels(buf, &grid, view.range, inner.bottom() - 1, cx);
    let lows: Vec<(f64, f64)> = view.data.ranges.iter().map(|r| (r.0, r.1)).collect();
    let highs: Vec<(f64, f64)> = view.data.ranges.iter().map(|r| (r.0, r.2)).collect();
    if cx.glyphs.ascii {
        for (points, glyph, style) in [
            (&lows, ".", dim),
            (&highs, ".", dim),
            (&view.data.line, "*", cx.theme.text),
        ] {
            for &(x, y) in points {
                if let Some((cx_, cy)) = grid.cell(x, y) {
                    put_cell(buf, cx_, cy, glyph, style);
                }
            }
        }
    } else {
        let step = view.range.max_step();
        let datasets: Vec<_> = braille_runs(&lows, step, dim)
            .chain(braille_runs(&highs, step, dim))
            .chain(braille_runs(&view.data.line, step, cx.theme.text))
            .collect();
        Chart::new(datasets)
            .x_axis(Axis::default().bounds([-span, 0.0]))
            .y_axis(Axis::default().bounds([lo, hi]))
            .render(plot, buf);
    }
    for dot in &view.trades {
        let Some((x, y)) = grid.cell(dot.ago.min(0.0), dot.price) else {
            continue;
        };
        let glyphs = if cx.glyphs.ascii {
            [".", "o", "O"]
        } else {
            ["·", "•", "●"]
        };
        let size = if dot.large {
            2
        } else if dot.threshold.is_some_and(|th| dot.notional >= th / 10.0) {
            1
        } else {
            0
        };
        let style = match dot.taker {
            Some(TakerSide::Buy) => cx.theme.bid,
            Some(TakerSide::Sell) => cx.theme.ask,
            None => dim,
        };
        put_cell(buf, x, y, glyphs[size], style);
    }
}

/// Seconds-before-now and price to cells of the plot.
struct Grid {
    plot: Rect,
    span: f64,
    lo: f64,
    hi: f64,
}

impl Grid {
    fn column(&self, ago: f64) -> Option<u16> {
        let f = (ago + self.span) / self.span;
        (0.0..=1.0)
            .contains(&f)
            .then(|| self.plot.x + (f * f64::from(self.plot.width - 1)).round() as u16)
    }

    fn cell(&self, ago: f64, price: f64) -> Option<(u16, u16)> {
        let f = (self.hi - price) / (self.hi - self.lo);
        if !(0.0..=1.0).contains(&f) {
            return None;
        }
        let y = self.plot.y + (f * f64::from(self.plot.height - 1)).round() as u16;
        Some((self.column(ago)?, y))
    }
}

/// `-5m -4m … now` under the plot, each label at its time; `now` always, the others where they
/// do not overlap (placed from the right).
fn x_labels(buf: &mut Buffer, grid: &Grid, range: ChartRange, y: u16, cx: &Ctx) {
    let mut free_until = grid.plot.right();
    for (ago, text) in range.ticks().into_iter().rev() {
        let Some(col) = grid.column(ago) else {
            continue;
        };
        let w = text.chars().count() as u16;
        let x = col
            .saturating_sub(w / 2)
            .min(grid.plot.right().saturating_sub(w))
            .max(grid.plot.x);
        if x + w <= free_until {
            put(buf, x, y, &text, w, cx.theme.dim);
            free_until = x.saturating_sub(1);
        }
    }
}
