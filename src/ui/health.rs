//! Health: each venue's connection state, latency, message rate, checksum results and resyncs
//! by reason; every book's integrity counters; and the log (the same records as the log file).

use crate::backfill::{BOOK_ONLY_NOTE, BackfillSource, BackfillState};
use crate::engine::frame::{BackfillView, BookFrame, VenueHealth};
use crate::feed::health::AuditCounters;
use crate::history::HistoryHealth;
use crate::market::{Nanos, VenueId};
use crate::ui::app::Pane;
use crate::ui::format;
use crate::ui::header::offline_text;
use crate::ui::help::wrap;
use crate::ui::layout::{Slot, draw_collapsed, stack};
use crate::ui::log_lines::WrappedLog;
use crate::ui::model::select::long_label;
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, book_badge, conn_badge, pane, put};
use crate::venue::spec::Liquidations;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use tui_logger::{TuiLoggerWidget, TuiWidgetState};

pub struct HealthView<'a> {
    pub venues: &'a [VenueHealth],
    /// Every venue is retrying and no book is live: the next attempt's local time.
    pub offline_until: Option<Nanos>,
    pub books: Vec<(&'a str, &'a BookFrame)>,
    pub log_file: Option<String>,
    /// The history writer; `None` without history.
    pub history: Option<&'a HistoryHealth>,
    pub log_state: &'a TuiWidgetState,
    pub focused: Pane,
    pub venue_scroll: usize,
    pub book_scroll: usize,
    pub backfill: Option<&'a BackfillView>,
}

/// The backfill's lines under the venues: progress, what failed, and what it cannot do.
pub fn backfill_lines(b: &BackfillView) -> [String; 2] {
    let p = &b.progress;
    let state = match p.state {
        BackfillState::Running => "running",
        BackfillState::Done => "done",
        BackfillState::Cancelled => "cancelled",
    };
    if p.source == BackfillSource::SimulatedPast {
        return [
            format!(
                "SIMULATED past, older {:.0}h {state}: {}/{} symbol-hours built, {} books seeded",
                p.hours, p.pages_done, p.pages_total, b.seeded_books
            ),
            "  the newest hours were built before the demo opened".to_owned(),
        ];
    }
    let mut first = format!(
        "REST backfill {:.0}h {state}: {}/{} pages, {} books seeded",
        p.hours, p.pages_done, p.pages_total, b.seeded_books
    );
    if b.stored_rows > 0 {
        first.push_str(&format!(", {} rows into history", b.stored_rows));
    }
    if p.failed > 0 {
        first.push_str(&format!(", {} failed", p.failed));
    }
    for (venue, why) in &p.closed {
        first.push_str(&format!("; {venue}: {why}"));
    }
    if let Some(e) = p.last_error.as_ref().filter(|_| p.closed.is_empty()) {
        first.push_str(&format!("; last error {e}"));
    }
    [first, format!("  {}", BOOK_ONLY_NOTE)]
}

/// The line under the venues naming those whose perpetuals on screen show no liquidations: the
/// venues that publish none (Bitget), and those whose stream is not read, with why (Gate), so
/// an empty liquidations pane is not read as a calm market.
fn no_liquidations_line(view: &HealthView) -> Option<String> {
    let mut venues: Vec<VenueId> = view
        .books
        .iter()
        .filter(|(_, b)| !b.is_spot() && !crate::ui::liquidations::has_stream(b))
        .map(|(_, b)| b.key.venue)
        .collect();
    venues.sort();
    venues.dedup();
    let why_unread = |v: &VenueId| match v.adapter_spec().map(|a| a.liquidations) {
        Some(Liquidations::Unread(why)) => Some(why),
        _ => None,
    };
    let absent: Vec<&str> = venues
        .iter()
        .filter(|v| why_unread(v).is_none())
        .map(|v| v.as_str())
        .collect();
    let mut parts = Vec::new();
    if !absent.is_empty() {
        parts.push(format!(
            "no public liquidation stream: {}",
            absent.join(", ")
        ));
    }
    for v in &venues {
        if let Some(why) = why_unread(v) {
            parts.push(format!("{v}: liquidation stream not read ({why})"));
        }
    }
    (!parts.is_empty()).then(|| {
        format!(
            "{} (their perpetuals show no liquidations)",
            parts.join("; ")
        )
    })
}

/// `line` wrapped between words to `width`, every line keeping its leading indent.
fn wrap_indented(line: &str, width: usize) -> Vec<String> {
    let indent = line.len() - line.trim_start().len();
    wrap(line, width.saturating_sub(indent).max(1))
        .into_iter()
        .map(|l| format!("{:indent$}{l}", ""))
        .collect()
}

pub fn render(area: Rect, buf: &mut Buffer, view: &HealthView, cx: &Ctx) {
    // The backfill's progress and the note on liquidation streams under the venues, wrapped to
    // the panes' inner width (within borders).
    let width = usize::from(area.width.saturating_sub(2));
    let backfill: Vec<String> = view
        .backfill
        .iter()
        .flat_map(|b| backfill_lines(b))
        .flat_map(|l| wrap_indented(&l, width))
        .collect();
    let note = no_liquidations_line(view)
        .map(|l| wrap(&l, width))
        .unwrap_or_default();
    let notes = (backfill.len() + note.len()) as u16;
    let slots = [
        Slot::new(Pane::Venues, 4, view.venues.len() as u16 + 3 + notes),
        Slot::new(Pane::Log, 4, u16::MAX),
        Slot::new(Pane::Books, 4, view.books.len() as u16 + 3),
    ];
    // Venues, then books, then the log fill the height in that order on screen.
    let stacked = stack(
        area,
        &slots,
        view.focused,
        &[Pane::Venues, Pane::Books, Pane::Log],
    );
    draw_collapsed(buf, &stacked, cx);
    for &(pane_id, rect) in &stacked.panes {
        let focused = pane_id == view.focused;
        match pane_id {
            Pane::Venues => venues(rect, buf, view, [&backfill, &note], focused, cx),
            Pane::Books => books(rect, buf, view, focused, cx),
            _ => log(rect, buf, view, focused, cx),
        }
    }
}

fn venues(
    area: Rect,
    buf: &mut Buffer,
    view: &HealthView,
    [backfill, note]: [&[String]; 2],
    focused: bool,
    cx: &Ctx,
) {
    // The pane's inside, as `pane` will draw it: the columns are laid out first, so the title
    // can name the ones that give way.
    let width = area.width.saturating_sub(2);
    let mut columns = [
        // The longest venue id (`kucoin-futures`) whole: the name is what the row is.
        Column::left("VENUE", 14, 0),
        Column::left("STATE", 34, 0),
        Column::right("LAT ms", 7, 1),
        Column::right("MSG/s", 7, 1),
        Column::right("LAST", 6, 2),
        Column::right("CKSUM ok/fail", 13, 2),
        Column::left("RESYNCS", 22, 3),
        Column::right("CONN", 5, 4),
        Column::right("BAD", 4, 5),
    ];
    // Resync counts are mostly short: what they do not use goes to a long state's reason.
    let longest =
        |f: &dyn Fn(&VenueHealth) -> usize| view.venues.iter().map(f).max().unwrap_or(0) as u16;
    table::shrink(
        &mut columns[6],
        longest(&|v| resyncs_text(v).chars().count()),
    );
    // The state takes what its longest text needs, not the room a reason could need: with
    // every venue live, the counts it would have pushed off an 80-column screen stay.
    let state = longest(&|v| conn_badge(&v.state, cx).0.chars().count());
    table::shrink(&mut columns[1], state);
    table::widen(&mut columns, width, &[(1, state)]);
    // A state's reason matters more than the connection and malformed counts: if it still
    // does not fit, those give way rather than the reason being cut, and the title names them.
    let others: u16 = table::layout(&columns, width)
        .iter()
        .filter(|&&(i, _)| i != 1 && columns[i].priority < 4)
        .map(|&(i, _)| columns[i].width + 1)
        .sum();
    columns[1].width = columns[1]
        .width
        .max(state.min(width.saturating_sub(others)));
    let kept = table::layout(&columns, width);
    let sep = cx.glyphs.sep.trim();
    let mut title = match view.offline_until {
        Some(until) => format!("Venues {sep} {}", offline_text(until, cx)),
        None => "Venues".to_owned(),
    };
    let hidden: Vec<&str> = (0..columns.len())
        .filter(|i| !kept.iter().any(|&(k, _)| k == *i))
        .map(|i| columns[i].title)
        .collect();
    if !hidden.is_empty() {
        title.push_str(&format!(" {sep} {} hidden: too narrow", hidden.join(", ")));
    }
    let inner = pane(area, buf, &title, focused, cx);
    table::header(buf, inner, 0, &columns, &kept, cx.theme.dim);
    let t = cx.theme;
    for (i, v) in view
        .venues
        .iter()
        .skip(view.venue_scroll)
        .take(usize::from(inner.height.saturating_sub(1)))
        .enumerate()
    {
        let (state, style) = conn_badge(&v.state, cx);
        let c = &v.counters;
        let resyncs = resyncs_text(v);
        let snapshots_only = v.venue.adapter_spec().is_some_and(|a| a.snapshots_only());
        let cksum = if c.checksum_ok + c.checksum_fail == 0 {
            // "snapshot": each book message is the whole book, so there is nothing to verify.
            if snapshots_only { "snapshot" } else { "n/a" }.to_owned()
        } else {
            format!("{}/{}", c.checksum_ok, c.checksum_fail)
        };
        let cells = [
            (v.venue.to_string(), t.text),
            (state, style),
            (cx.num(c.latency_ms, |l| format::fixed(l, 1)), t.text),
            (cx.num(v.msg_rate, |r| format::fixed(r, 1)), t.text),
            (cx.num(v.last_message_age_ms, format::age_ms), t.dim),
            (
                cksum,
                if c.checksum_fail > 0 {
                    t.state_warn
                } else {
                    t.text
                },
            ),
            (
                resyncs,
                if c.resyncs.is_empty() {
                    t.dim
                } else {
                    t.state_warn
                },
            ),
            (format!("{}", c.connects), t.dim),
            (
                format!("{}", c.malformed),
                if c.malformed > 0 { t.state_warn } else { t.dim },
            ),
        ];
        table::row(buf, inner, 1 + i as u16, &columns, &kept, &cells);
    }
    let mut y = inner.y + 1 + view.venues.len().saturating_sub(view.venue_scroll) as u16;
    let style = match view.backfill {
        Some(b) if b.progress.failed > 0 => t.state_warn,
        _ => t.dim,
    };
    for text in backfill {
        if y < inner.bottom() {
            put(buf, inner.x, y, text, inner.width, style);
        }
        y += 1;
    }
    for line in note {
        if y < inner.bottom() {
            put(buf, inner.x, y, line, inner.width, t.dim);
        }
        y += 1;
    }
}

/// A venue's resyncs by reason, `checksum 1, gap 2`, or `0`.
fn resyncs_text(v: &VenueHealth) -> String {
    if v.counters.resyncs.is_empty() {
        return "0".to_owned();
    }
    v.counters
        .resyncs
        .iter()
        .map(|(why, n)| format!("{why} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn books(area: Rect, buf: &mut Buffer, view: &HealthView, focused: bool, cx: &Ctx) {
    let inner = pane(area, buf, "Books", focused, cx);
    let mut columns = [
        Column::left("SYM", 5, 0),
        Column::left("VENUE", 17, 0),
        Column::left("INSTRUMENT", 14, 3),
        Column::left("STATE", 16, 0),
        Column::right("AGE", 6, 1),
        Column::right("EXCH", 6, 1),
        Column::right("MSGS", 8, 2),
        Column::right("GAPS", 5, 2),
        Column::right("CKFAIL", 6, 2),
        Column::right("RSY", 4, 1),
        Column::left("AUDIT", 21, 4),
    ];
    let longest = |f: &dyn Fn(&BookFrame) -> usize| {
        view.books.iter().map(|(_, b)| f(b)).max().unwrap_or(0) as u16
    };
    // State and audit texts are mostly short: their columns give up what they do not use, so a
    // long venue or instrument name fits whole at 120 columns.
    table::shrink(
        &mut columns[3],
        longest(&|b| book_badge(b, cx).0.chars().count()),
    );
    table::shrink(
        &mut columns[10],
        longest(&|b| audit(b.counters.audit.as_ref(), cx).0.chars().count()),
    );
    let wants = [
        (1, longest(&|b| long_label(b).chars().count())),
        (2, longest(&|b| b.key.instrument.chars().count())),
    ];
    table::widen(&mut columns, inner.width, &wants);
    let kept = table::layout(&columns, inner.width);
    table::header(buf, inner, 0, &columns, &kept, cx.theme.dim);
    let t = cx.theme;
    for (i, (symbol, b)) in view
        .books
        .iter()
        .skip(view.book_scroll)
        .take(usize::from(inner.height.saturating_sub(1)))
        .enumerate()
    {
        let (state, style) = book_badge(b, cx);
        let c = &b.counters;
        let count = |n: u64| (n.to_string(), if n > 0 { t.state_warn } else { t.dim });
        let cells = [
            ((*symbol).to_owned(), t.text),
            (long_label(b), t.text),
            (b.key.instrument.to_string(), t.dim),
            (state, style),
            (
                cx.num(b.book_age_ms, format::age_ms),
                if b.stale { t.stale } else { t.dim },
            ),
            (cx.num(b.exch_age_ms, format::age_ms), t.dim),
            (c.messages.to_string(), t.dim),
            count(c.seq_gaps),
            count(c.checksum_fail),
            count(c.resyncs),
            audit(c.audit.as_ref(), cx),
        ];
        table::row(buf, inner, 1 + i as u16, &columns, &kept, &cells);
    }
}

/// A book's REST audits: `ok 12, 2m ago`, mismatches first when there were any; the absent
/// glyph for a book that is not audited (a checksum proves it, or its venue's REST snapshot
/// names no comparable id).
fn audit(a: Option<&AuditCounters>, cx: &Ctx) -> (String, ratatui::style::Style) {
    let t = cx.theme;
    let Some(a) = a else {
        return (cx.glyphs.absent.to_owned(), t.dim);
    };
    let Some(last) = a.last else {
        return ("pending".to_owned(), t.dim);
    };
    let ago = format::age_ms(cx.since_ms(last));
    if a.mismatch > 0 {
        let text = format!("bad {}, ok {}, {ago} ago", a.mismatch, a.ok);
        (text, t.state_warn)
    } else {
        (format!("ok {}, {ago} ago", a.ok), t.text)
    }
}

/// The history writer in a few words: what it wrote and dropped, or why it stopped.
pub fn history_status(h: &HistoryHealth) -> String {
    match &h.error {
        Some(e) => e.clone(),
        None => {
            let mut s = format!(
                "history {}: {} s written, {} s dropped, {} books restored",
                h.path, h.written, h.dropped, h.restored_books
            );
            if h.backfilled_rows > 0 {
                s.push_str(&format!(", {} rows backfilled", h.backfilled_rows));
            }
            s
        }
    }
}

fn log(area: Rect, buf: &mut Buffer, view: &HealthView, focused: bool, cx: &Ctx) {
    let sep = cx.glyphs.sep.trim();
    let mut title = match &view.log_file {
        Some(file) => format!("Log {sep} {file}"),
        None => "Log".to_owned(),
    };
    if let Some(h) = view.history {
        title.push_str(&format!(" {sep} {}", history_status(h)));
    }
    let inner = pane(area, buf, &title, focused, cx);
    let t = cx.theme;
    TuiLoggerWidget::default()
        .formatter(Box::new(WrappedLog {
            text: t.text,
            error: t.alert_crit,
            warn: t.alert_warn,
            dim: t.dim,
        }))
        .style(t.text)
        .state(view.log_state)
        .render(inner, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_status_says_what_was_written_or_why_it_stopped() {
        let mut h = HistoryHealth {
            path: "/d/history.sqlite".into(),
            written: 3_600,
            dropped: 2,
            restored_books: 36,
            backfilled_rows: 0,
            error: None,
        };
        assert_eq!(
            history_status(&h),
            "history /d/history.sqlite: 3600 s written, 2 s dropped, 36 books restored"
        );
        h.error = Some("history stopped: database or disk is full".into());
        assert_eq!(
            history_status(&h),
            "history stopped: database or disk is full"
        );
    }
}
