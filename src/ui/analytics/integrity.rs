//! Market integrity (§10): §10's scope statement first (public L2 has no order or account ids,
//! so intent cannot be read from it and a footprint score is not an accusation), then per book
//! its integrity score (0..100) and the detectors that took most off it, the eight footprint
//! scores (0..1, `!` from the firing level 0.5), and each detector's last firing with its
//! evidence. A book that is not proven shows its state and no numbers; a stale one is greyed.

use super::{BREAK, Span, book, book_style, draw_entries, draw_flow};
use crate::engine::analytics::{BookIntegrity, DetectorKind};
use crate::engine::frame::SymbolFrame;
use crate::ui::format;
use crate::ui::widgets::{Ctx, book_badge, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// §10's scope statement, shown above the scores.
pub const SCOPE: &str = "Public L2 has no order or account ids: intent cannot be read from it. \
     Each score is a statistical footprint, not an accusation.";

/// A detector score at or above this fired (`DetectorReading::last_fired`).
const FIRING: f64 = 0.5;

/// Width of one detector cell (`stop-hunt 0.00`), so the eight line up in a grid.
const CELL: usize = 14;

/// The detector as a trader reads it, in one word.
pub fn short_name(kind: DetectorKind) -> &'static str {
    match kind {
        DetectorKind::PhantomLiquidity => "phantom",
        DetectorKind::Layering => "layering",
        DetectorKind::QuoteStuffing => "stuffing",
        DetectorKind::MomentumIgnition => "ignition",
        DetectorKind::Pump => "pump",
        DetectorKind::WashTrading => "wash",
        DetectorKind::StopHunt => "stop-hunt",
        DetectorKind::Dislocation => "dislocation",
    }
}

pub fn render(
    area: Rect,
    buf: &mut Buffer,
    symbol: &SymbolFrame,
    scroll: usize,
    focused: bool,
    cx: &Ctx,
) {
    let t = cx.theme;
    let inner = pane(area, buf, "Integrity", focused, cx);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let scope: Vec<Span> = SCOPE.split(' ').map(|w| (w.to_owned(), t.dim)).collect();
    let y = draw_flow(buf, inner, 0, &scope, 0);
    let books = &symbol.analytics.integrity;
    if books.is_empty() {
        put(
            buf,
            inner.x,
            inner.y + y,
            "no book scored yet",
            inner.width,
            t.dim,
        );
        return;
    }
    let entries: Vec<Vec<Span>> = books.iter().map(|b| entry(symbol, b, cx)).collect();
    draw_entries(buf, inner, y, &entries, scroll, cx);
}

/// One book: its label and score, the top contributors, the eight scores, the last firings.
fn entry(symbol: &SymbolFrame, b: &BookIntegrity, cx: &Ctx) -> Vec<Span> {
    let t = cx.theme;
    let (label, frame) = book(symbol, &b.key);
    let mut out: Vec<Span> = vec![(label, t.title)];
    if let Some(f) = frame.filter(|f| !f.state.is_live() || f.stale) {
        out.push(book_badge(f, cx));
    }
    if frame.is_some_and(|f| !f.state.is_live()) {
        // An unproven book has no numbers.
        out.push(("no scores".to_owned(), t.not_live));
        return out;
    }
    let style = |normal| book_style(frame, normal, cx);
    let score = b.integrity_score.filter(|s| s.is_finite());
    // A score over the detectors that have one: while the others warm, 100 means "nothing seen
    // by those", not "clean", so the count is shown.
    let scored = b
        .detectors
        .iter()
        .filter(|d| d.score.is_some_and(f64::is_finite))
        .count();
    let partial = if score.is_some() && scored < DetectorKind::ALL.len() {
        format!(" ({scored} of {} scored)", DetectorKind::ALL.len())
    } else {
        String::new()
    };
    out.push((
        format!(
            "integrity {}{partial}",
            cx.num(score, |s| format!("{}/100", format::fixed(s, 1)))
        ),
        style(score.map_or(t.text, |s| t.stress(1.0 - s / 100.0))),
    ));
    if !b.top_contributors.is_empty() {
        let names: Vec<&str> = b.top_contributors.iter().map(|k| short_name(*k)).collect();
        out.push((format!("most off: {}", names.join(", ")), style(t.dim)));
    }
    out.push((BREAK.to_owned(), t.text));
    for kind in DetectorKind::ALL {
        let reading = b.detectors.iter().find(|d| d.kind == kind);
        let s = reading
            .and_then(|d| d.score)
            .filter(|s| s.is_finite())
            .map(|s| s.clamp(0.0, 1.0));
        let fired = s.is_some_and(|s| s >= FIRING);
        let text = format!(
            "{}{} {}",
            if fired { "!" } else { "" },
            short_name(kind),
            cx.num(s, |s| format::fixed(s, 2))
        );
        out.push((
            format!("{text:<CELL$}"),
            style(if fired { t.alert_warn } else { t.text }),
        ));
    }
    let mut fired: Vec<_> = b
        .detectors
        .iter()
        .filter_map(|d| Some((d.kind, d.last_fired.as_ref()?)))
        .collect();
    fired.sort_by_key(|(_, e)| std::cmp::Reverse(e.at));
    for (kind, e) in fired {
        out.push((BREAK.to_owned(), t.text));
        out.push((
            format!(
                "last {} {} score {}:",
                short_name(kind),
                format::clock_ms(e.at),
                cx.num(Some(e.score), |s| format::fixed(s, 2))
            ),
            style(t.alert_warn),
        ));
        // The evidence wraps between words.
        out.extend(e.summary.split(' ').map(|w| (w.to_owned(), style(t.text))));
    }
    out
}
