//! Model consensus (§8): the consensus, agreement and dispersion in the title, then each model's
//! signal on a centred gauge (−1..1) with its confidence.

use super::{draw_entries, percent};
use crate::engine::analytics::ModelConsensus;
use crate::ui::format;
use crate::ui::layout;
use crate::ui::widgets::{Ctx, centred_gauge, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// The gauge's width: narrow enough to leave the numbers room at 80 columns.
const GAUGE: u16 = 9;

pub fn render(
    area: Rect,
    buf: &mut Buffer,
    c: &ModelConsensus,
    scroll: usize,
    focused: bool,
    cx: &Ctx,
) {
    let t = cx.theme;
    let sep = cx.glyphs.sep.trim();
    let parts = [
        "Models".to_owned(),
        format!(
            "consensus {}",
            cx.num(c.consensus, |x| format::signed(x, 2))
        ),
        format!("agreement {}", cx.num(c.agreement, percent)),
        format!(
            "dispersion {}",
            cx.num(c.dispersion, |x| format::fixed(x, 2))
        ),
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
    if c.models.is_empty() {
        put(
            buf,
            inner.x,
            inner.y,
            "no directional read has a signal yet",
            inner.width,
            t.dim,
        );
        return;
    }
    let name_w = c
        .models
        .iter()
        .map(|m| m.model.chars().count())
        .max()
        .unwrap_or(0);
    // Name, a blank where the gauge goes, signal and confidence: the gauge is drawn over the
    // blank of each row shown.
    let gauge_at = name_w as u16 + 1;
    let room = inner.width >= gauge_at + GAUGE + 30;
    let entries: Vec<Vec<super::Span>> = c
        .models
        .iter()
        .map(|m| {
            let signal = Some(m.signal).filter(|s| s.is_finite());
            let confidence = Some(m.confidence).filter(|s| s.is_finite());
            let mut line = vec![(format!("{:<name_w$}", m.model), t.text)];
            if room {
                line.push((" ".repeat(usize::from(GAUGE)), t.text));
            }
            line.push((
                format!("signal {}", cx.num(signal, |s| format::signed(s, 2))),
                signal.map_or(t.text, |s| t.signed(s)),
            ));
            line.push((format!("confidence {}", cx.num(confidence, percent)), t.dim));
            line
        })
        .collect();
    draw_entries(buf, inner, 0, &entries, scroll, cx);
    if room {
        let shown = c.models.iter().skip(scroll.min(c.models.len() - 1));
        for (row, m) in shown.enumerate().take(usize::from(inner.height)) {
            let gauge = Rect::new(inner.x + gauge_at, inner.y + row as u16, GAUGE, 1);
            // The last row may hold the `+n more` count instead.
            let more = c.models.len() - scroll.min(c.models.len() - 1) > usize::from(inner.height);
            if more && row + 1 == usize::from(inner.height) {
                break;
            }
            centred_gauge(buf, gauge, Some(m.signal).filter(|s| s.is_finite()), cx);
        }
    }
}
