//! Overview: one row per symbol × venue book, sortable, the selected symbol highlighted. A book
//! that is not proven shows its state and no market numbers; stale rows are marked.

use crate::engine::analytics::ZoneRole;
use crate::engine::frame::VenueHealth;
use crate::feed::health::ConnState;
use crate::market::Nanos;
use crate::ui::format;
use crate::ui::glyphs::Glyphs;
use crate::ui::header::offline_text;
use crate::ui::model::overview::{Row, SortColumn, nearest_zone, value};
use crate::ui::model::select::{long_label, short_label};
use crate::ui::model::sparks::{SparkCell, SparkStore};
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, book_badge, book_word, number_style, pane};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub struct OverviewView<'a> {
    pub rows: Vec<Row<'a>>,
    pub cursor: usize,
    pub symbol: &'a str,
    pub sort: SortColumn,
    pub descending: bool,
    /// Nothing more will arrive (a replay ended, or no feed could start).
    pub source_ended: bool,
    /// Connection states: a book that is not live shows its venue's state when the venue is
    /// not connected (`BACKOFF 4s`, not `SYNCING`).
    pub venues: &'a [VenueHealth],
    /// Every venue is retrying and no book is live: the next attempt's local time.
    pub offline_until: Option<Nanos>,
    /// The 24 h sparklines, and whether a history file feeds them.
    pub sparks: &'a SparkStore,
    pub history_on: bool,
    /// The data clock's unix second: the sparklines' day ends here.
    pub now_s: i64,
    /// The column group shown on a narrow screen (any number: it wraps), and the key that
    /// shows the next one.
    pub page: usize,
    pub columns_key: String,
}

/// Terminal width from which venues get their long names.
const LONG_LABELS_FROM: u16 = 110;

/// The venue column: short labels (`BIN-P`), and the least room long names get.
const SHORT_VENUE_WIDTH: u16 = 6;
const LONG_VENUE_WIDTH: u16 = 17;

pub fn render(area: Rect, buf: &mut Buffer, view: &OverviewView, cx: &Ctx) {
    // Rows arrive in watch-list order unless a column is chosen: say so rather than call it a
    // sort by symbol.
    let order = match (view.sort, view.descending) {
        (SortColumn::Symbol, false) => "watchlist order".to_owned(),
        (SortColumn::Symbol, true) => "watchlist order, reversed".to_owned(),
        (column, descending) => {
            let arrow = if descending {
                cx.glyphs.down
            } else {
                cx.glyphs.up
            };
            format!("sorted by {} {arrow}", column.label())
        }
    };
    let sep = cx.glyphs.sep.trim();
    let inner_width = area.width.saturating_sub(2);
    let long = inner_width >= LONG_LABELS_FROM;
    let column_decimals = view
        .rows
        .iter()
        .filter(|r| value(r, SortColumn::Mid).is_some())
        .map(|r| r.book.ladder.price_decimals)
        .max()
        .unwrap_or(0)
        .min(MAX_MID_DECIMALS);
    let mid_width = view
        .rows
        .iter()
        .filter_map(|r| value(r, SortColumn::Mid).map(|m| (m, r.book.ladder.price_decimals)))
        .map(|(m, d)| format::price_aligned(m, d, column_decimals).chars().count() as u16)
        .max()
        .unwrap_or(0)
        .max(9);
    let long_state = inner_width >= LONG_STATE_FROM;
    // Long venue names whole (`kucoin-futures perp`): the column is as wide as the longest.
    let venue_width = if long {
        view.rows
            .iter()
            .map(|r| long_label(r.book).chars().count() as u16)
            .max()
            .unwrap_or(0)
            .max(LONG_VENUE_WIDTH)
    } else {
        SHORT_VENUE_WIDTH
    };
    let base: u16 = columns(venue_width, mid_width, long_state, 0)
        .iter()
        .filter(|c| c.priority != table::EXTRA)
        .map(|c| c.width + 1)
        .sum();
    let spark_w = if inner_width >= base + 2 * (WIDE_SPARK + 1) {
        WIDE_SPARK
    } else {
        NARROW_SPARK
    };
    let columns = columns(venue_width, mid_width, long_state, spark_w);
    let pages = table::pages(&columns, inner_width);
    let page = view.page % pages.len();
    let kept = &pages[page];
    let hidden = table::hidden_note(&columns, &pages, page, &view.columns_key);
    let title = match hidden {
        Some(note) => format!("Overview {sep} {order} {sep} {note}"),
        None => format!("Overview {sep} {order}"),
    };
    let inner = pane(area, buf, &title, true, cx);
    if inner.height == 0 {
        return;
    }
    table::header(buf, inner, 0, &columns, kept, cx.theme.dim);
    if view.rows.is_empty() && inner.height > 1 {
        // An empty table must not look like a quiet market: say why and where to look.
        let hint = if view.source_ended {
            "No books, and the feed has ended. Press 4: the log says why (venues, symbols).".into()
        } else if let Some(until) = view.offline_until {
            format!(
                "No venue reachable: {}. Press 4 for feed health and the log.",
                offline_text(until, cx)
            )
        } else {
            "No books yet: connecting and syncing. Press 4 for feed health and the log.".into()
        };
        let line = Rect::new(inner.x, inner.y + 1, inner.width, 1);
        buf.set_stringn(line.x, line.y, &hint, usize::from(line.width), cx.theme.dim);
        return;
    }
    let first = first_row(inner, view.cursor);
    let visible = usize::from(inner.height.saturating_sub(1));
    for (i, row) in view.rows.iter().enumerate().skip(first).take(visible) {
        let y = 1 + (i - first) as u16;
        let base = if i == view.cursor {
            cx.theme.selection
        } else if row.symbol.symbol == view.symbol {
            cx.theme.highlight
        } else {
            Style::default()
        };
        buf.set_style(Rect::new(inner.x, inner.y + y, inner.width, 1), base);
        let label = if long {
            long_label(row.book)
        } else {
            short_label(row.book)
        };
        let venue = venue_state(view.venues, row);
        let shows_spark = kept
            .iter()
            .any(|&(i, _)| columns[i].priority == table::EXTRA);
        let sparks = if shows_spark {
            spark_cells(view, row, spark_w, cx)
        } else {
            Default::default()
        };
        let cells = cells(row, label, column_decimals, long_state, venue, sparks, cx);
        table::row(buf, inner, y, &columns, kept, &cells);
    }
}

/// The first row shown in the table's inside `inner` (one header line), keeping the cursor in
/// view.
fn first_row(inner: Rect, cursor: usize) -> usize {
    let visible = usize::from(inner.height.saturating_sub(1));
    cursor.saturating_sub(visible.saturating_sub(1))
}

/// The row index drawn at screen row `y` of the overview pane at `area`, if any.
pub fn row_at(area: Rect, cursor: usize, rows: usize, y: u16) -> Option<usize> {
    let inner = Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    );
    let line = y.checked_sub(inner.y + 1)?;
    if line + 1 >= inner.height {
        return None;
    }
    let i = first_row(inner, cursor) + usize::from(line);
    (i < rows).then_some(i)
}

/// The state of a row's venue when it explains why the book is not live: not connected.
fn venue_state<'a>(venues: &'a [VenueHealth], row: &Row) -> Option<&'a ConnState> {
    if row.book.state.is_live() {
        return None;
    }
    venues
        .iter()
        .find(|v| v.venue == row.book.key.venue)
        .map(|v| &v.state)
        .filter(|s| matches!(s, ConnState::Backoff { .. } | ConnState::Down(_)))
}

/// Prices with more decimals than this (a sat-quoted altcoin) do not widen every row's MID.
const MAX_MID_DECIMALS: u8 = 8;

/// Terminal width from which the state column spells out `STALE 7.2s` and `RESYNCING (gap)`.
const LONG_STATE_FROM: u16 = 150;

/// Sparkline widths: one cell per hour where the screen has room, else one per two hours.
const WIDE_SPARK: u16 = 24;
const NARROW_SPARK: u16 = 12;

/// The columns in display order. Priorities give the market numbers room before the state word
/// and the health ages: at 80 columns funding, open interest and CVD are on screen. The 24 h
/// sparklines are shown only when every other column fits.
fn columns(venue_width: u16, mid_width: u16, long_state: bool, spark_w: u16) -> [Column; 21] {
    [
        Column::left("SYM", 5, 0),
        Column::left("VENUE", venue_width, 0),
        Column::right("MID", mid_width, 0),
        Column::right("MID 24h", spark_w, table::EXTRA),
        Column::left("CCY", 5, 1),
        Column::right("SPR bps", 7, 2),
        Column::right("IMB10", 6, 5),
        Column::right("OFI60", 6, 6),
        Column::right("STRESS", 6, 7),
        Column::right("FUNDING", 9, 3),
        Column::right("OI", 7, 4),
        Column::right("LIQ/m", 7, 6),
        Column::right("CVD1m", 7, 4),
        // The analytics reads (§5, §6, §10.9): on a wide screen, else in the next column group.
        Column::left("REGIME", 8, 9),
        Column::right("INTEG", 5, 9),
        Column::right("ZONE bps", 8, 9),
        Column::right("CVD 24h", spark_w, table::EXTRA),
        Column::left("STATE", if long_state { 16 } else { 7 }, 1),
        Column::right("AGE", 6, 7),
        Column::right("EXCH", 6, 8),
        Column::right("RSY", 4, 8),
    ]
}

/// The overview's column titles (the glossary explains each).
pub fn column_titles() -> Vec<&'static str> {
    columns(SHORT_VENUE_WIDTH, 9, false, NARROW_SPARK)
        .iter()
        .map(|c| c.title)
        .collect()
}

/// A row's two sparkline cells (mid, CVD): the lines drawn in text, or a word saying why there
/// are none. Each line has its own scale; CVD is coloured by the sign of its latest total.
fn spark_cells(view: &OverviewView, row: &Row, width: u16, cx: &Ctx) -> [(String, Style); 2] {
    let t = cx.theme;
    let (mid, cvd) = view.sparks.cells(
        row.book.key.venue.as_str(),
        &row.book.key.instrument,
        view.now_s,
        usize::from(width),
        view.history_on,
    );
    let draw = |cell: SparkCell, style: &dyn Fn(&[Option<f64>]) -> Style| match cell {
        SparkCell::Line(values) => (spark_text(&values, cx.glyphs), style(&values)),
        SparkCell::Word(word) => (word.to_owned(), t.dim),
    };
    let last_sign = |values: &[Option<f64>]| {
        values
            .iter()
            .rev()
            .flatten()
            .next()
            .map_or(t.text, |v| t.signed(*v))
    };
    [draw(mid, &|_| t.text), draw(cvd, &last_sign)]
}

/// One glyph per value on the line's own [min, max]; gaps are spaces. A flat line sits at mid
/// height.
fn spark_text(values: &[Option<f64>], glyphs: &Glyphs) -> String {
    let finite = || values.iter().flatten().filter(|v| v.is_finite());
    let lo = finite().copied().fold(f64::INFINITY, f64::min);
    let hi = finite().copied().fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .map(|v| match v.filter(|v| v.is_finite()) {
            None => " ",
            Some(_) if hi <= lo => Glyphs::level(glyphs.spark, 0.5),
            Some(v) => Glyphs::level(glyphs.spark, (v - lo) / (hi - lo)),
        })
        .collect()
}

/// The symbol's regime label, in its colour (a label is a word: it reads without colour).
fn regime_cell(row: &Row, numbers: Style, cx: &Ctx) -> (String, Style) {
    match row.symbol.analytics.regime.label {
        Some(label) if value(row, SortColumn::Regime).is_some() => (
            label.as_str().to_owned(),
            number_style(row.book, cx.theme.regime(label), cx),
        ),
        _ => (cx.glyphs.absent.to_owned(), numbers),
    }
}

/// The nearest zone: `S 3.91` (support 3.91 bps below) or `R 11.7` (resistance above); greyed
/// while the zones are paused (no valid book: the last ones seen).
fn zone_cell(row: &Row, numbers: Style, cx: &Ctx) -> (String, Style) {
    let zones = &row.symbol.analytics.zones;
    match nearest_zone(zones).filter(|_| value(row, SortColumn::Zone).is_some()) {
        Some((role, bps)) => {
            let letter = if role == ZoneRole::Support { "S" } else { "R" };
            let style = if zones.paused {
                cx.theme.stale
            } else {
                numbers
            };
            (format!("{letter} {}", format::bps(bps)), style)
        }
        None => (cx.glyphs.absent.to_owned(), numbers),
    }
}

fn cells(
    row: &Row,
    label: String,
    column_decimals: u8,
    long_state: bool,
    venue: Option<&ConnState>,
    [mid_spark, cvd_spark]: [(String, Style); 2],
    cx: &Ctx,
) -> Vec<(String, Style)> {
    let t = cx.theme;
    let book = row.book;
    let quote = book.instrument.quote.as_str();
    let (badge, badge_style) = match venue {
        Some(ConnState::Backoff { until, .. }) if long_state => (
            format!(
                "BACKOFF {}",
                format::age_ms(format::elapsed_ms(*until, cx.now))
            ),
            t.state_bad,
        ),
        Some(ConnState::Backoff { .. }) => ("BACKOFF".into(), t.state_bad),
        Some(ConnState::Down(_)) => ("DOWN".into(), t.state_bad),
        _ if long_state => book_badge(book, cx),
        _ => book_word(book, cx),
    };
    let muted = if book.state.is_live() {
        t.text
    } else {
        t.not_live
    };
    let numbers = number_style(book, t.text, cx);
    let v = |c| value(row, c);
    let signed = |c| {
        let x = v(c);
        let style = x.map_or(numbers, |x| number_style(book, t.signed(x), cx));
        (cx.num(x, |x| format::signed(x, 2)), style)
    };
    let stress = v(SortColumn::Stress);
    let funding = {
        let stale = book.derivs.stale && v(SortColumn::Funding).is_some();
        let text = cx.num(v(SortColumn::Funding), |f| format::pct(f, 4));
        if stale {
            (format!("~{text}"), t.stale)
        } else {
            (text, numbers)
        }
    };
    let cvd = v(SortColumn::Cvd);
    // Notionals carry `$` for dollar quotes; any other quote is named once in the CCY column,
    // so the cells stay narrow enough never to be cut.
    let dollar = format::is_dollar(quote);
    let notional = |x: f64| {
        if dollar {
            format::money(x, quote)
        } else {
            format::compact(x)
        }
    };
    let signed_notional = |x: f64| {
        if dollar {
            format::signed_money(x, quote)
        } else {
            format::signed_money(x, "")
        }
    };
    vec![
        (row.symbol.symbol.clone(), muted),
        (label, muted),
        (
            cx.num(v(SortColumn::Mid), |m| {
                format::price_aligned(m, book.ladder.price_decimals, column_decimals)
            }),
            numbers,
        ),
        mid_spark,
        (quote.to_owned(), t.dim),
        (cx.num(v(SortColumn::Spread), format::bps), numbers),
        signed(SortColumn::Imbalance),
        signed(SortColumn::Ofi),
        (
            cx.num(stress, |s| format::fixed(s, 2)),
            stress.map_or(numbers, |s| t.stress(s)),
        ),
        funding,
        (
            cx.num(v(SortColumn::OpenInterest), notional),
            if book.derivs.stale { t.stale } else { numbers },
        ),
        (cx.num(v(SortColumn::Liquidations), notional), numbers),
        (
            cx.num(cvd, signed_notional),
            cvd.map_or(numbers, |x| number_style(book, t.signed(x), cx)),
        ),
        regime_cell(row, numbers, cx),
        {
            let score = v(SortColumn::Integrity);
            (
                cx.num(score, |s| format::fixed(s, 0)),
                score.map_or(numbers, |s| {
                    number_style(book, t.stress(1.0 - s / 100.0), cx)
                }),
            )
        },
        zone_cell(row, numbers, cx),
        cvd_spark,
        (badge, badge_style),
        (
            cx.num(book.book_age_ms, format::age_ms),
            if book.stale { t.stale } else { t.dim },
        ),
        (cx.num(book.exch_age_ms, format::age_ms), t.dim),
        (
            book.counters.resyncs.to_string(),
            if book.counters.resyncs > 0 {
                t.state_warn
            } else {
                t.dim
            },
        ),
    ]
}
