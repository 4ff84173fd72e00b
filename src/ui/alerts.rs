//! Alerts, newest first, styled by severity and tagged with a word (CRIT / WARN / info) so the
//! severity reads without colour. The pane follows the current symbol (alerts about no symbol in
//! particular are always listed); `a` shows every symbol's, the current one's highlighted.

use crate::engine::frame::{Alert, Frame, Severity};
use crate::ui::format;
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::sync::Arc;

pub struct AlertsView<'a> {
    pub alerts: &'a [Arc<Alert>],
    pub symbol: &'a str,
    /// Every symbol's alerts, not only `symbol`'s.
    pub all: bool,
    pub scroll: usize,
    pub focused: bool,
}

/// The alerts the pane lists: `symbol`'s and those about no symbol, or all of them.
pub fn shown<'a>(frame: &'a Frame, symbol: &str, all: bool) -> Vec<&'a Arc<Alert>> {
    frame
        .alerts
        .iter()
        .filter(|a| listed(a, symbol, all))
        .collect()
}

fn listed(alert: &Alert, symbol: &str, all: bool) -> bool {
    all || alert.symbol.as_deref().is_none_or(|s| s == symbol)
}

pub fn render(area: Rect, buf: &mut Buffer, view: &AlertsView, cx: &Ctx) {
    let sep = cx.glyphs.sep.trim();
    let title = if view.all {
        format!("Alerts {sep} all symbols (a: {} only)", view.symbol)
    } else {
        format!("Alerts {sep} {} (a: all)", view.symbol)
    };
    let inner = pane(area, buf, &title, view.focused, cx);
    let alerts: Vec<&Arc<Alert>> = view
        .alerts
        .iter()
        .filter(|a| listed(a, view.symbol, view.all))
        .collect();
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if alerts.is_empty() {
        let text = if view.all {
            "no alerts".to_owned()
        } else {
            format!("no alerts for {}", view.symbol)
        };
        put(buf, inner.x, inner.y, &text, inner.width, cx.theme.dim);
        return;
    }
    let columns = [
        Column::right("AGE", 5, 0),
        Column::left("SEV", 4, 0),
        Column::left("SYM", 5, 1),
        Column::left("ALERT", inner.width.saturating_sub(18), 0),
    ];
    let kept = table::layout(&columns, inner.width);
    let first = view.scroll.min(alerts.len() - 1);
    for (i, alert) in alerts
        .iter()
        .skip(first)
        .take(usize::from(inner.height))
        .enumerate()
    {
        let (tag, style) = match alert.severity {
            Severity::Crit => ("CRIT", cx.theme.alert_crit),
            Severity::Warn => ("WARN", cx.theme.alert_warn),
            Severity::Info => ("info", cx.theme.alert_info),
        };
        let symbol = alert.symbol.as_deref().unwrap_or("");
        let text_style = if symbol == view.symbol {
            cx.theme.highlight
        } else {
            cx.theme.text
        };
        let venue = alert.venue.map(|v| format!("{v}: ")).unwrap_or_default();
        let cells = [
            (format::age_ms(cx.since_ms(alert.at)), cx.theme.dim),
            (tag.to_owned(), style),
            (symbol.to_owned(), text_style),
            (format!("{venue}{}", alert.message), text_style),
        ];
        table::row(buf, inner, i as u16, &columns, &kept, &cells);
    }
}
