//! Pieces every pane shares: the render context, pane frames, gauges, sparklines, state badges
//! and clipped text. Panes compose these and never draw their own variants.

use crate::engine::frame::BookFrame;
use crate::feed::health::{BookState, ConnState};
use crate::market::Nanos;
use crate::ui::format;
use crate::ui::glyphs::Glyphs;
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Widget};

/// What every pane renders with besides its own view model: the theme, the glyph set and the
/// local time (for ages), all fixed for one draw.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub theme: &'a Theme,
    pub glyphs: &'a Glyphs,
    pub now: Nanos,
    /// Where the frames come from: a proven book of a simulation or a replay is not `LIVE`.
    pub feed: Feed,
}

/// Where the data on screen comes from, as the state words need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// Real exchanges, now.
    Live,
    /// The embedded simulator (`--demo`).
    Simulated,
    /// A recorded capture.
    Replay,
    /// Nothing more will arrive (the replay or the feed ended): the books are frozen history.
    Ended,
}

impl Feed {
    pub fn of(mode: &crate::engine::frame::DataMode, ended: bool) -> Feed {
        use crate::engine::frame::DataMode;
        match mode {
            _ if ended => Feed::Ended,
            DataMode::Live => Feed::Live,
            DataMode::Simulated { .. } => Feed::Simulated,
            DataMode::Replay { .. } => Feed::Replay,
        }
    }

    /// The word for a proven, fresh book: `LIVE` only when the data is a real market now.
    fn proven_word(self) -> &'static str {
        match self {
            Feed::Live => "LIVE",
            Feed::Simulated => "SIM",
            Feed::Replay => "REPLAY",
            Feed::Ended => "ENDED",
        }
    }
}

impl Ctx<'_> {
    /// `f(v)`, or the absent glyph.
    pub fn num(&self, value: Option<f64>, f: impl Fn(f64) -> String) -> String {
        format::opt(value, self.glyphs.absent, f)
    }

    /// Milliseconds since a local time.
    pub fn since_ms(&self, at: Nanos) -> f64 {
        format::elapsed_ms(self.now, at)
    }
}

/// Draws a bordered pane with its title and returns the inside. The focused pane's border uses
/// `border_focused`, so Tab's effect is visible.
pub fn pane(area: Rect, buf: &mut Buffer, title: &str, focused: bool, cx: &Ctx) -> Rect {
    let t = cx.theme;
    let block = Block::bordered()
        .border_set(cx.glyphs.border)
        .border_style(if focused { t.border_focused } else { t.border })
        .title(Line::styled(
            format::fit(
                &format!(" {title} "),
                area.width.saturating_sub(2).into(),
                cx.glyphs.ellipsis,
            ),
            t.title,
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// Text clipped to `width` cells at (x, y); nothing outside the buffer is touched.
pub fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, width: u16, style: Style) {
    let area = buf.area;
    if width == 0 || y < area.top() || y >= area.bottom() || x < area.left() || x >= area.right() {
        return;
    }
    let width = width.min(area.right() - x);
    buf.set_stringn(x, y, text, usize::from(width), style);
}

/// One single-width glyph at (x, y), if inside the buffer: the fast path for grids (heatmap,
/// sparklines, plots), which skips the text shaping `put` does.
pub fn put_cell(buf: &mut Buffer, x: u16, y: u16, glyph: &str, style: Style) {
    if let Some(cell) = buf.cell_mut((x, y)) {
        cell.set_symbol(glyph).set_style(style);
    }
}

/// Text right-aligned in the `width` cells starting at x. Right-aligned text is numbers, and a
/// number cut short is a wrong number: one that does not fit shows `#` instead (the
/// spreadsheet convention).
pub fn put_right(buf: &mut Buffer, x: u16, y: u16, text: &str, width: u16, style: Style) {
    let len = text.chars().count() as u16;
    if len > width {
        put(buf, x, y, &"#".repeat(usize::from(width)), width, style);
    } else {
        put(buf, x + width - len, y, text, len, style);
    }
}

/// A plot's y-axis values, right-aligned in the `width` columns from `x`: `hi` on its top row,
/// `lo` on its bottom row and, from five rows, the value of its middle row.
pub fn y_axis_labels(
    buf: &mut Buffer,
    x: u16,
    width: u16,
    plot: Rect,
    (lo, hi): (f64, f64),
    label: impl Fn(f64) -> String,
    style: Style,
) {
    put_right(buf, x, plot.y, &label(hi), width, style);
    put_right(buf, x, plot.bottom() - 1, &label(lo), width, style);
    if plot.height >= 5 {
        let mid_row = plot.y + plot.height / 2;
        let at = hi - (hi - lo) * f64::from(mid_row - plot.y) / f64::from(plot.height - 1);
        put_right(buf, x, mid_row, &label(at), width, style);
    }
}
/// A braille line of `points` for a ratatui `Chart` (the price chart and the History view; under
/// `--ascii` both draw points themselves instead).
/// A series' lines, one per run of points no more than `max_step` apart on the x axis: a
/// stretch without samples (a book down, the app not running, a past still being built) is
/// drawn as a gap, never as a straight line between its ends.
pub fn braille_runs(
    points: &[(f64, f64)],
    max_step: f64,
    style: Style,
) -> impl Iterator<Item = ratatui::widgets::Dataset<'_>> {
    points
        .chunk_by(move |a, b| b.0 - a.0 <= max_step)
        .map(move |run| braille_line(run, style))
}

fn braille_line(points: &[(f64, f64)], style: Style) -> ratatui::widgets::Dataset<'_> {
    use ratatui::symbols::Marker;
    use ratatui::widgets::{Dataset, GraphType};
    Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Line)
        .style(style)
        .data(points)
}

/// A one-row gauge centred at zero for a value in [-1, 1]: fills right of the centre mark for
/// positive values (bid-leaning), left for negative. An absent value draws only the mark.
pub fn centred_gauge(buf: &mut Buffer, area: Rect, value: Option<f64>, cx: &Ctx) {
    if area.width < 3 || area.height == 0 {
        return;
    }
    let half = (area.width - 1) / 2;
    let centre = area.x + half;
    put(buf, centre, area.y, cx.glyphs.centre, 1, cx.theme.dim);
    let Some(v) = value.filter(|v| v.is_finite()) else {
        return;
    };
    let fraction = v.abs().min(1.0);
    if v >= 0.0 {
        let bar = cx.glyphs.bar(fraction, half);
        put(buf, centre + 1, area.y, &bar, half, cx.theme.imbalance_pos);
    } else {
        // Fill leftwards from the centre; partial-cell glyphs only grow rightwards, so the
        // negative side rounds to whole cells.
        let len = ((fraction * f64::from(half)).round() as u16).min(half);
        let cells = cx.glyphs.bar_full.repeat(usize::from(len));
        put(
            buf,
            centre - len,
            area.y,
            &cells,
            len,
            cx.theme.imbalance_neg,
        );
    }
}

/// A one-row gauge for a value in [0, 1], styled by `style`.
pub fn level_gauge(buf: &mut Buffer, area: Rect, value: Option<f64>, style: Style, cx: &Ctx) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    if let Some(v) = value.filter(|v| v.is_finite()) {
        put(
            buf,
            area.x,
            area.y,
            &cx.glyphs.bar(v, area.width),
            area.width,
            style,
        );
    }
}

/// A one-row sparkline of the last `area.width` samples on a fixed [lo, hi] scale (so heights
/// compare across time); absent samples are gaps.
pub fn sparkline(
    buf: &mut Buffer,
    area: Rect,
    samples: &[Option<f64>],
    (lo, hi): (f64, f64),
    style: Style,
    cx: &Ctx,
) {
    if area.width == 0 || area.height == 0 || hi <= lo {
        return;
    }
    let shown = &samples[samples.len().saturating_sub(usize::from(area.width))..];
    let x0 = area.right() - shown.len() as u16;
    for (i, s) in shown.iter().enumerate() {
        if let Some(v) = s.filter(|v| v.is_finite()) {
            let glyph = Glyphs::level(cx.glyphs.spark, (v - lo) / (hi - lo));
            put_cell(buf, x0 + i as u16, area.y, glyph, style);
        }
    }
}

/// A line chart of one or more series on a shared scale that always includes zero (drawn as a
/// rule), one sample per column, newest at the right edge; the scale's ends are labelled on
/// the left. Absent samples are gaps.
pub fn plot(buf: &mut Buffer, area: Rect, series: &[(&[Option<f64>], Style, &str)], cx: &Ctx) {
    const LABEL: u16 = 7;
    if area.width <= LABEL + 1 || area.height < 2 {
        return;
    }
    let values = || {
        series
            .iter()
            .flat_map(|(s, ..)| s.iter().flatten().copied().filter(|v| v.is_finite()))
    };
    let hi = values().fold(0.0f64, f64::max);
    let lo = values().fold(0.0f64, f64::min);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let rows = f64::from(area.height - 1);
    let row_of = |v: f64| area.y + ((hi - v) / span * rows).round() as u16;
    let plot_x = area.x + LABEL + 1;
    let width = area.right() - plot_x;
    // Compact labels (`1.23M`) always fit the 7 cells: an axis is never `#######`.
    put_right(
        buf,
        area.x,
        area.y,
        &format::compact(hi),
        LABEL,
        cx.theme.dim,
    );
    put_right(
        buf,
        area.x,
        area.bottom() - 1,
        &format::compact(lo),
        LABEL,
        cx.theme.dim,
    );
    let zero = row_of(0.0);
    put(
        buf,
        plot_x,
        zero,
        &cx.glyphs.hline.repeat(usize::from(width)),
        width,
        cx.theme.dim,
    );
    for (samples, style, glyph) in series {
        let shown = &samples[samples.len().saturating_sub(usize::from(width))..];
        let x0 = area.right() - shown.len() as u16;
        for (i, v) in shown.iter().enumerate() {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                put_cell(buf, x0 + i as u16, row_of(v), glyph, *style);
            }
        }
    }
}

/// A book's integrity state as the screen shows it: `LIVE`, `STALE 7.2s`, `SYNCING`,
/// `RESYNCING (gap)`, `DOWN`. A proven book of the simulator, a replay or an ended feed is
/// `SIM`, `REPLAY` or `ENDED`, never `LIVE`.
pub fn book_badge(book: &BookFrame, cx: &Ctx) -> (String, Style) {
    let t = cx.theme;
    match &book.state {
        BookState::Live if cx.feed == Feed::Ended => ("ENDED".into(), t.dim),
        BookState::Live if book.stale => (
            format!("STALE {}", cx.num(book.book_age_ms, format::age_ms)),
            t.stale,
        ),
        BookState::Live => (cx.feed.proven_word().into(), t.state_ok),
        BookState::Syncing => ("SYNCING".into(), t.state_warn),
        BookState::Resyncing(reason) => (format!("RESYNCING ({})", reason.label()), t.state_bad),
        BookState::Down => ("DOWN".into(), t.state_bad),
    }
}

/// [`book_badge`] in at most 6 characters, for narrow columns: `LIVE`, `SIM`, `STALE`,
/// `SYNC`, `RESYNC`, `DOWN` (the detail and Health views give the reason).
pub fn book_word(book: &BookFrame, cx: &Ctx) -> (String, Style) {
    let (long, style) = book_badge(book, cx);
    let word = match &book.state {
        BookState::Live if book.stale && cx.feed != Feed::Ended => "STALE",
        BookState::Syncing => "SYNC",
        BookState::Resyncing(_) => "RESYNC",
        _ => return (long, style),
    };
    (word.to_owned(), style)
}

/// A connection state: `LIVE`, `CONNECTING`, `BACKOFF 4s (closed by venue)`, `DOWN (…)`.
pub fn conn_badge(state: &ConnState, cx: &Ctx) -> (String, Style) {
    let t = cx.theme;
    match state {
        ConnState::Live => ("LIVE".into(), t.state_ok),
        ConnState::Connecting => ("CONNECTING".into(), t.state_warn),
        ConnState::Syncing => ("SYNCING".into(), t.state_warn),
        ConnState::Resyncing(why) => (format!("RESYNCING ({why})"), t.state_bad),
        ConnState::Backoff { until, reason } => (
            format!(
                "BACKOFF {} ({reason})",
                format::age_ms(format::elapsed_ms(*until, cx.now))
            ),
            t.state_bad,
        ),
        ConnState::Down(why) => (format!("DOWN ({why})"), t.state_bad),
    }
}

/// The style for a book's numbers: stale numbers are kept but marked.
pub fn number_style(book: &BookFrame, normal: Style, cx: &Ctx) -> Style {
    if book.stale { cx.theme.stale } else { normal }
}

/// A line of text centred in `area` (messages like "no live books").
pub fn centred_text(buf: &mut Buffer, area: Rect, row: u16, text: &str, style: Style) {
    if row >= area.height {
        return;
    }
    let len = (text.chars().count() as u16).min(area.width);
    put(
        buf,
        area.x + (area.width - len) / 2,
        area.y + row,
        text,
        len,
        style,
    );
}

/// A rule across `area` at `row` with `text` centred on it (the ladder's spread line, the zones
/// axis' mid line).
pub fn centred_rule(buf: &mut Buffer, area: Rect, row: u16, text: &str, cx: &Ctx) {
    if row >= area.height {
        return;
    }
    let rule = cx.glyphs.hline.repeat(usize::from(area.width));
    put(
        buf,
        area.x,
        area.y + row,
        &rule,
        area.width,
        cx.theme.spread,
    );
    centred_text(buf, area, row, text, cx.theme.spread);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::glyphs::UNICODE;

    fn cx(theme: &Theme) -> Ctx<'_> {
        Ctx {
            theme,
            glyphs: &UNICODE,
            now: 0,
            feed: Feed::Live,
        }
    }

    #[test]
    fn gauges_and_sparklines_survive_tiny_and_zero_areas() {
        let theme = Theme::builtin("default").unwrap();
        let cx = cx(&theme);
        for area in [Rect::ZERO, Rect::new(0, 0, 1, 1), Rect::new(0, 0, 2, 1)] {
            let mut buf = Buffer::empty(area);
            centred_gauge(&mut buf, area, Some(-1.0), &cx);
            level_gauge(&mut buf, area, Some(1.0), theme.bid, &cx);
            sparkline(
                &mut buf,
                area,
                &[Some(1.0), None],
                (0.0, 1.0),
                theme.bid,
                &cx,
            );
            plot(
                &mut buf,
                area,
                &[(&[Some(1.0), Some(-2.0)], theme.bid, "*")],
                &cx,
            );
            put(&mut buf, 5, 5, "outside", 7, theme.text);
            pane(area, &mut buf, "title", true, &cx);
            centred_text(&mut buf, area, 3, "text", theme.text);
        }
    }

    #[test]
    fn numbers_too_wide_for_their_cell_are_never_cut() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        put_right(&mut buf, 0, 0, "123456", 6, Style::default());
        assert_eq!(buf, Buffer::with_lines(["123456"]));
        put_right(&mut buf, 0, 0, "1234567", 6, Style::default());
        assert_eq!(buf, Buffer::with_lines(["######"]));
        put_right(&mut buf, 0, 0, "42", 6, Style::default());
        assert_eq!(buf, Buffer::with_lines(["####42"]));
    }

    #[test]
    fn a_centred_gauge_fills_toward_the_sign() {
        let theme = Theme::builtin("default").unwrap();
        let cx = cx(&theme);
        let area = Rect::new(0, 0, 11, 1);
        let mut buf = Buffer::empty(area);
        centred_gauge(&mut buf, area, Some(0.6), &cx);
        assert_eq!(
            buf,
            Buffer::with_lines(["     │███  "]).tap_styles(&theme, 6..9, 5)
        );
        let mut buf = Buffer::empty(area);
        centred_gauge(&mut buf, area, Some(-0.4), &cx);
        assert_eq!(buf[(3, 0)].symbol(), "█");
        assert_eq!(buf[(3, 0)].fg, theme.imbalance_neg.fg.unwrap());
        assert_eq!(buf[(2, 0)].symbol(), " ");
        let mut buf = Buffer::empty(area);
        centred_gauge(&mut buf, area, None, &cx);
        assert_eq!(
            buf,
            Buffer::with_lines(["     │     "]).tap_styles(&theme, 0..0, 5)
        );
    }

    #[test]
    fn a_plot_puts_zero_on_its_rule_and_values_at_their_rows() {
        let theme = Theme::builtin("mono").unwrap();
        let cx = cx(&theme);
        let area = Rect::new(0, 0, 12, 3);
        let mut buf = Buffer::empty(area);
        plot(
            &mut buf,
            area,
            &[(&[Some(2.0), None, Some(-2.0)], theme.bid, "*")],
            &cx,
        );
        let text: Vec<String> = (0..3)
            .map(|y| (0..12).map(|x| buf[(x, y)].symbol().to_owned()).collect())
            .collect();
        assert_eq!(text, ["   2.00  *  ", "        ────", "  -2.00    *"]);
        // A CVD in the millions still labels its axis.
        let mut buf = Buffer::empty(area);
        plot(
            &mut buf,
            area,
            &[(&[Some(12_345_678.9), Some(-2_500_000.0)], theme.bid, "*")],
            &cx,
        );
        let labels: String = (0..7).map(|x| buf[(x, 0)].symbol().to_owned()).collect();
        assert_eq!(labels, "  12.3M");
    }

    trait TapStyles {
        fn tap_styles(self, theme: &Theme, filled: std::ops::Range<u16>, centre: u16) -> Self;
    }

    impl TapStyles for Buffer {
        fn tap_styles(mut self, theme: &Theme, filled: std::ops::Range<u16>, centre: u16) -> Self {
            self.set_style(Rect::new(centre, 0, 1, 1), theme.dim);
            for x in filled {
                self.set_style(Rect::new(x, 0, 1, 1), theme.imbalance_pos);
            }
            self
        }
    }
}
