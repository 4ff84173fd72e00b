//! Alerts, newest first, styled by severity and tagged with a word (CRIT / WARN / info) so the
//! severity reads without colour. The selected symbol's alerts are highlighted.

use crate::engine::frame::{Alert, Severity};
use crate::ui::format;
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::sync::Arc;

pub struct AlertsView<'a> {
    pub alerts: &'a [Arc<Alert>],
    pub symbol: &'a str,
    pub scroll: usize,
    pub focused: bool,
}

pub fn render(area: Rect, buf: &mut Buffer, view: &AlertsView, cx: &Ctx) {
    let inner = pane(area, buf, "Alerts", view.focused, cx);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if view.alerts.is_empty() {
        put(
            buf,
            inner.x,
            inner.y,
            "no alerts",
            inner.width,
            cx.theme.dim,
        );
        return;
    }
    let columns = [
        Column::right("AGE", 5, 0),
        Column::left("SEV", 4, 0),
        Column::left("SYM", 5, 1),
        Column::left("ALERT", inner.width.saturating_sub(18), 0),
    ];
    let kept = table::layout(&columns, inner.width);
    let first = view.scroll.min(view.alerts.len() - 1);
    for (i, alert) in view
        .alerts
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
