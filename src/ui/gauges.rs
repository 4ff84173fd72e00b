//! Imbalance gauges centred at zero: depth imbalance, OFI, book pressure, directional pressure
//! (one book), or one row per venue (aggregate). Each shows its number beside the bar, so the
//! sign reads without colour.

use crate::ui::widgets::{Ctx, centred_gauge, pane, put, put_right};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

/// One gauge: the bar's position in [-1, 1] and the number printed beside it (which may be on
/// another scale, like book pressure's ratio).
pub struct GaugeRow {
    pub label: String,
    pub position: Option<f64>,
    pub text: String,
    pub style: Style,
}

pub struct GaugesView {
    pub title: String,
    pub rows: Vec<GaugeRow>,
    pub focused: bool,
}

const LABEL: u16 = 13;
const NUMBER: u16 = 7;

pub fn render(area: Rect, buf: &mut Buffer, view: &GaugesView, cx: &Ctx) {
    let inner = pane(area, buf, &view.title, view.focused, cx);
    if inner.height == 0 {
        return;
    }
    let label = LABEL.min(inner.width);
    let number = NUMBER.min(inner.width - label);
    let gauge_x = inner.x + label + number + 1;
    let gauge = Rect::new(gauge_x, 0, inner.right().saturating_sub(gauge_x), 1);
    for (i, row) in view.rows.iter().take(usize::from(inner.height)).enumerate() {
        let y = inner.y + i as u16;
        put(buf, inner.x, y, &row.label, label, cx.theme.dim);
        put_right(buf, inner.x + label, y, &row.text, number, row.style);
        centred_gauge(buf, Rect { y, ..gauge }, row.position, cx);
    }
}
