//! The History view: one feature of the current symbol over 1 h / 24 h / 7 d / 90 d, read from
//! the history store (see [`crate::ui::model::history`]), per book of the chosen venue or the
//! store's cross-venue rows. Braille lines; `--ascii` draws `*` points. Every state that has no
//! chart says why in words (history off, no file, loading, no rows).

use crate::ui::app::App;
use crate::ui::format;
use crate::ui::layout::title;
use crate::ui::model::history::{HistoryAsk, Outcome, Series};
use crate::ui::widgets::{Ctx, braille_runs, pane, put, put_cell, put_right, y_axis_labels};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Axis, Chart, Dataset, Widget};

pub fn render(area: Rect, buf: &mut Buffer, app: &App, cx: &Ctx) {
    let ask = app.history_ask();
    let sep = cx.glyphs.sep.trim();
    let unit = ask.unit();
    let where_ = if ask.aggregated() {
        "all venues".to_owned()
    } else {
        ask.venue.clone()
    };
    let parts = [
        "History".to_owned(),
        format!("{} {where_}", ask.symbol),
        format!("{} ({unit})", ask.field_name()),
        format!(
            "last {} {} {} rows (r)",
            ask.range.label(),
            cx.glyphs.sep.trim(),
            interval_label(&ask)
        ),
    ];
    let inner = pane(area, buf, &title(&parts, area.width, sep), true, cx);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    // Whole words on as many lines as they need: a sentence is never cut at the pane's edge.
    let say = |buf: &mut Buffer, lines: &[String]| {
        let lines: Vec<String> = lines
            .iter()
            .flat_map(|l| crate::ui::help::wrap(l, usize::from(inner.width)))
            .collect();
        for (i, line) in lines.iter().enumerate().take(usize::from(inner.height)) {
            put(
                buf,
                inner.x,
                inner.y + i as u16,
                line,
                inner.width,
                cx.theme.dim,
            );
        }
    };
    if let Some((host, _)) = &app.remote {
        say(
            buf,
            &[
                format!("the history file is on {host}: not shown over --connect yet"),
                "query it there: depthscope history query".into(),
            ],
        );
        return;
    }
    let Some(path) = &app.history_file else {
        say(
            buf,
            &[
                "history off: this run keeps no history file".into(),
                "live runs keep one unless --no-history; the demo and replays only with --history FILE"
                    .into(),
            ],
        );
        return;
    };
    match app.history.outcome(&ask) {
        None => say(
            buf,
            &[format!(
                "loading {} for {}, last {} …",
                ask.field_name(),
                ask.symbol,
                ask.range.label()
            )],
        ),
        Some(Outcome::NoFile(_)) => say(
            buf,
            &[
                format!("no history file at {}", path.display()),
                "it is created when the first second of data is written".into(),
            ],
        ),
        Some(Outcome::Empty(message)) => say(
            buf,
            &[
                message.clone(),
                "r: another range   n/N: another feature   v: another venue".into(),
            ],
        ),
        Some(Outcome::Failed(message)) => {
            say(buf, &[format!("cannot read the history: {message}")])
        }
        Some(Outcome::Rows { series, .. }) => chart(inner, buf, &ask, series, cx),
    }
}

fn interval_label(ask: &HistoryAsk) -> &'static str {
    match ask.interval() {
        crate::history::Interval::Second => "1-s",
        crate::history::Interval::Minute => "1-min",
        crate::history::Interval::Hour => "1-h",
    }
}

/// A value on the axis and in the legend, whole: prices at a precision the span needs,
/// fractions as percentages, everything else compact (`12.3k`).
fn value_label(ask: &HistoryAsk, x: f64, span: f64) -> String {
    match ask.field_name() {
        "mid" => {
            let decimals = match span.abs() {
                s if s >= 100.0 => 0,
                s if s >= 1.0 => 2,
                _ => 4,
            };
            format::fixed(x, decimals)
        }
        "funding_rate" => format::pct(x, 4),
        "valid" | "large_taker_buy_share" => format::pct(x, 0),
        // The regime is stored as its label's index: a whole value is a label.
        "regime" => crate::engine::analytics::RegimeLabel::from_code(x)
            .map_or_else(|| format::compact(x), |l| l.as_str().to_owned()),
        _ => format::compact(x),
    }
}

fn chart(inner: Rect, buf: &mut Buffer, ask: &HistoryAsk, series: &[Series], cx: &Ctx) {
    let palette = [
        cx.theme.text,
        cx.theme.bid,
        cx.theme.ask,
        cx.theme.title,
        cx.theme.alert_warn,
    ];
    let style = |i: usize| palette[i % palette.len()];
    let values = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    // A flat series still gets a band to sit in.
    let pad = ((hi - lo) * 0.05).max(hi.abs() * 1e-5).max(1e-9);
    let (lo, hi) = (lo - pad, hi + pad);
    // The legend: each line's name and its latest value, as many as fit on the first row.
    let mut x = inner.x;
    for (i, s) in series.iter().enumerate() {
        let last = s.points.last().map_or(0.0, |p| p.1);
        let text = format!("{} {}  ", s.label, value_label(ask, last, hi - lo));
        let w = text.chars().count() as u16;
        if x + w > inner.right() {
            break;
        }
        put_cell(
            buf,
            x,
            inner.y,
            if cx.glyphs.ascii { "*" } else { "━" },
            style(i),
        );
        put(buf, x + 2, inner.y, &text, w, cx.theme.text);
        x += w + 2;
    }
    let unit = ask.unit();
    let label = |v: f64| value_label(ask, v, hi - lo);
    let label_w = [hi, lo, (hi + lo) / 2.0]
        .iter()
        .map(|v| label(*v).chars().count())
        .max()
        .unwrap_or(0)
        .max(unit.chars().count().min(12)) as u16;
    if inner.width < label_w + 16 || inner.height < 5 {
        return;
    }
    let plot = Rect::new(
        inner.x + label_w + 1,
        inner.y + 1,
        inner.width - label_w - 1,
        inner.height - 2,
    );
    let dim = cx.theme.dim;
    y_axis_labels(buf, inner.x, label_w, plot, (lo, hi), label, dim);
    // The unit under the top label, whole or not at all.
    if plot.height >= 7 && unit.chars().count() as u16 <= label_w {
        put_right(buf, inner.x, plot.y + 1, &unit, label_w, dim);
    }
    let span = ask.range.seconds() as f64;
    let column = |ago: f64| -> Option<u16> {
        let f = (ago + span) / span;
        (0.0..=1.0)
            .contains(&f)
            .then(|| plot.x + (f * f64::from(plot.width - 1)).round() as u16)
    };
    // Time ticks, placed from the right where they do not overlap.
    let mut free_until = plot.right();
    for (ago, text) in ask.range.ticks().into_iter().rev() {
        let Some(col) = column(ago) else { continue };
        let w = text.chars().count() as u16;
        let x = col
            .saturating_sub(w / 2)
            .min(plot.right().saturating_sub(w))
            .max(plot.x);
        if x + w <= free_until {
            put(buf, x, inner.bottom() - 1, &text, w, dim);
            free_until = x.saturating_sub(1);
        }
    }
    if cx.glyphs.ascii {
        for (i, s) in series.iter().enumerate() {
            for &(ago, v) in &s.points {
                let f = (hi - v) / (hi - lo);
                if let (Some(x), true) = (column(ago), (0.0..=1.0).contains(&f)) {
                    let y = plot.y + (f * f64::from(plot.height - 1)).round() as u16;
                    put_cell(buf, x, y, "*", style(i));
                }
            }
        }
    } else {
        // Rows further apart than two intervals: the store has none between them.
        let max_step = 2.0 * ask.interval().seconds() as f64;
        let datasets: Vec<Dataset> = series
            .iter()
            .enumerate()
            .flat_map(|(i, s)| braille_runs(&s.points, max_step, style(i)))
            .collect();
        Chart::new(datasets)
            .x_axis(Axis::default().bounds([-span, 0.0]))
            .y_axis(Axis::default().bounds([lo, hi]))
            .render(plot, buf);
    }
}
