//! Drift (§7): the score and the largest PSI in the title, then one line per monitored feature
//! (PSI, KS, the baseline and current sample counts, `!` and the warning colour when PSI > 0.25)
//! and the change-point alarms of the last hour, newest first.

use super::{Span, draw_entries, warming};
use crate::engine::analytics::{Drift, DriftTest};
use crate::ui::format;
use crate::ui::layout;
use crate::ui::widgets::{Ctx, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

pub fn render(area: Rect, buf: &mut Buffer, d: &Drift, scroll: usize, focused: bool, cx: &Ctx) {
    let t = cx.theme;
    let sep = cx.glyphs.sep.trim();
    let drifted = d.features.iter().filter(|f| f.drifted).count();
    let mut parts = vec![
        "Drift".to_owned(),
        format!("score {}", cx.num(d.score, |s| format::fixed(s, 2))),
        format!("max PSI {}", cx.num(d.max_psi, |s| format::fixed(s, 2))),
    ];
    if !d.features.is_empty() {
        parts.push(format!("{drifted} of {} drifted", d.features.len()));
    }
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
    let mut y = 0;
    if let Some(p) = &d.warming {
        put(
            buf,
            inner.x,
            inner.y,
            &warming(p),
            inner.width,
            t.state_warn,
        );
        y = 1;
    }
    if d.features.is_empty() && d.alarms.is_empty() {
        if d.warming.is_none() {
            put(
                buf,
                inner.x,
                inner.y + y,
                "no feature monitored yet",
                inner.width,
                t.dim,
            );
        }
        return;
    }
    let name_w = d
        .features
        .iter()
        .map(|f| f.feature.chars().count())
        .max()
        .unwrap_or(0);
    let mut entries: Vec<Vec<Span>> = d
        .features
        .iter()
        .map(|f| {
            let style = if f.drifted { t.alert_warn } else { t.text };
            vec![
                (if f.drifted { "!" } else { " " }.to_owned(), style),
                (format!("{:<name_w$}", f.feature), style),
                (
                    format!("PSI {:>5}", cx.num(f.psi, |p| format::fixed(p, 2))),
                    style,
                ),
                (
                    format!("KS {:>4}", cx.num(f.ks, |k| format::fixed(k, 2))),
                    t.text,
                ),
                (format!("n {}/{}", f.baseline_n, f.current_n), t.dim),
            ]
        })
        .collect();
    entries.extend(d.alarms.iter().map(|a| {
        vec![
            (format!("alarm {}", format::clock_ms(a.at)), t.alert_warn),
            (a.feature.clone(), t.text),
            (test_name(a.test).to_owned(), t.dim),
        ]
    }));
    draw_entries(buf, inner, y, &entries, scroll, cx);
}

/// The change-point test as a trader reads it.
fn test_name(test: DriftTest) -> &'static str {
    match test {
        DriftTest::PageHinkleyUp => "Page-Hinkley up",
        DriftTest::PageHinkleyDown => "Page-Hinkley down",
        DriftTest::Adwin => "ADWIN",
    }
}
