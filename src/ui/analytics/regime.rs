//! The regime (§6): the label after hysteresis and since when, the entropy of the filtered
//! distribution, a probability bar per label, and the two inputs of the last update. While the
//! 24 h of 1-min mids fill, the pane says `warming 3h/24h` and shows no label or bars.

use super::{Span, draw_flow, warming};
use crate::engine::analytics::{Regime, RegimeLabel};
use crate::ui::format;
use crate::ui::widgets::{Ctx, pane, put, put_right};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// The label column's width (`BREAKOUT`).
const LABEL: u16 = 9;
/// The probability column's width (`100.0%`).
const PROB: u16 = 6;

pub fn render(area: Rect, buf: &mut Buffer, r: &Regime, focused: bool, cx: &Ctx) {
    let inner = pane(area, buf, "Regime", focused, cx);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let t = cx.theme;
    let now_ms = (cx.now / 1_000_000) as i64;
    let mut head: Vec<Span> = Vec::new();
    match (r.label, &r.warming) {
        (_, Some(p)) => head.push((warming(p), t.state_warn)),
        (Some(label), None) => {
            head.push((label.as_str().to_owned(), t.regime(label)));
            if let Some(since) = r.since {
                head.push((
                    format!(
                        "since {} ({})",
                        format::clock_ms(since),
                        format::age_ms(now_ms.saturating_sub(since) as f64)
                    ),
                    t.dim,
                ));
            }
        }
        (None, None) => head.push((format!("{} no label yet", cx.glyphs.absent), t.dim)),
    }
    head.push((
        format!("entropy {}", cx.num(r.entropy, |e| format::fixed(e, 2))),
        t.text,
    ));
    let mut y = draw_flow(buf, inner, 0, &head, 2);
    let probabilities = r
        .probabilities
        .filter(|p| p.iter().all(|x| x.is_finite()) && r.warming.is_none());
    let bars = inner.height.saturating_sub(y) >= 5 && inner.width >= LABEL + PROB + 4;
    if bars {
        let bar_w = inner.width - LABEL - PROB - 2;
        for (i, label) in RegimeLabel::ALL.into_iter().enumerate() {
            let row = inner.y + y + i as u16;
            let current = r.label == Some(label) && r.warming.is_none();
            let style = if current { t.regime(label) } else { t.dim };
            put(buf, inner.x, row, label.as_str(), LABEL, style);
            let p = probabilities.map(|p| p[i].clamp(0.0, 1.0));
            if let Some(p) = p {
                let bar = cx.glyphs.bar(p, bar_w);
                put(buf, inner.x + LABEL, row, &bar, bar_w, t.regime(label));
            }
            let text = cx.num(p, |p| format!("{}%", format::fixed(p * 100.0, 1)));
            put_right(buf, inner.right() - PROB, row, &text, PROB, t.text);
        }
        y += 5;
    } else {
        // Too short for bars: the distribution on one wrapped line.
        let line: Vec<Span> = RegimeLabel::ALL
            .into_iter()
            .enumerate()
            .map(|(i, label)| {
                let p = probabilities.map(|p| p[i]);
                (
                    format!(
                        "{} {}",
                        label.as_str(),
                        cx.num(p, |p| format!("{}%", format::fixed(p * 100.0, 1)))
                    ),
                    t.text,
                )
            })
            .collect();
        y += draw_flow(buf, inner, y, &line, 2);
    }
    if let Some([x1, x2]) = r.inputs.filter(|i| i.iter().all(|v| v.is_finite()))
        && y < inner.height
    {
        // x2 = ln(σ15m/σ24h) reads better as the ratio itself.
        let inputs: Vec<Span> = vec![
            (format!("5m move {} sd", format::signed(x1, 2)), t.dim),
            (
                format!("vol 15m/24h {}x", format::fixed(x2.exp(), 2)),
                t.dim,
            ),
        ];
        draw_flow(buf, inner, y, &inputs, 2);
    }
}
