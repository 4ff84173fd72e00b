//! Support and resistance zones (§5) on a price axis around the mid: resistance above the mid
//! line, support below, each zone on the row of its distance (see [`crate::ui::model::zones`])
//! with its prices, its distance in bps, a strength bar and its touch, bounce and breach counts.
//! The summary line gives the nearest zones and the grid; a book range shrunk below ±2 % and
//! paused observations are said, and a paused pane is greyed (the zones are the last seen).

use super::{Span, draw_flow, signed_bps};
use crate::engine::analytics::{Zone, ZoneRole, Zones};
use crate::engine::frame::SymbolFrame;
use crate::ui::format;
use crate::ui::layout;
use crate::ui::model::grouping::step_decimals;
use crate::ui::model::zones::{Axis, axis, distance_bps};
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, centred_rule, pane, put, put_right};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub struct ZonesView<'a> {
    pub symbol: &'a str,
    pub zones: &'a Zones,
    /// The mid the axis is drawn around (the symbol's live, fresh books in the zones' quote).
    pub mid: Option<f64>,
    /// Decimals of the mid at the books' precision.
    pub mid_decimals: u8,
    pub focused: bool,
}

/// The view for `symbol`. The axis centres on the median mid of the symbol's live, fresh books
/// quoted in the zones' currency (its spot books when it has any): the zones are one
/// symbol's, across its venues.
pub fn view(symbol: &SymbolFrame, focused: bool) -> ZonesView<'_> {
    let zones = &symbol.analytics.zones;
    let usable: Vec<_> = symbol
        .books
        .iter()
        .filter(|b| b.state.is_live() && !b.stale)
        .filter(|b| {
            zones
                .quote
                .as_deref()
                .is_none_or(|q| q.eq_ignore_ascii_case(&b.instrument.quote))
        })
        .collect();
    // Spot prices first: a perpetual's mid carries its basis.
    let spot: Vec<_> = usable.iter().copied().filter(|b| b.is_spot()).collect();
    let books = if spot.is_empty() { usable } else { spot };
    let mut mids: Vec<f64> = books
        .iter()
        .filter_map(|b| b.features.as_ref()?.mid)
        .filter(|m| m.is_finite() && *m > 0.0)
        .collect();
    mids.sort_by(f64::total_cmp);
    let mid = match mids.len() {
        0 => None,
        n if n % 2 == 1 => Some(mids[n / 2]),
        n => Some((mids[n / 2 - 1] + mids[n / 2]) / 2.0),
    };
    ZonesView {
        symbol: &symbol.symbol,
        zones,
        mid,
        mid_decimals: books
            .iter()
            .map(|b| b.ladder.price_decimals)
            .max()
            .unwrap_or(2),
        focused,
    }
}

pub fn render(area: Rect, buf: &mut Buffer, view: &ZonesView, cx: &Ctx) {
    let z = view.zones;
    let t = cx.theme;
    let quote = z.quote.as_deref().unwrap_or("");
    let sep = cx.glyphs.sep.trim();
    let mut parts = vec!["Zones".to_owned(), view.symbol.to_owned()];
    if let Some(grid) = z.grid.filter(|g| g.is_finite() && *g > 0.0) {
        parts.push(format!(
            "grid {} {quote}",
            format::fixed(grid, grid_decimals(grid))
        ));
    }
    let inner = pane(
        area,
        buf,
        &layout::title(&parts, area.width, sep),
        view.focused,
        cx,
    );
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let Some(grid) = z.grid.filter(|g| g.is_finite() && *g > 0.0) else {
        put(
            buf,
            inner.x,
            inner.y,
            "no zones yet: they start with the first valid book",
            inner.width,
            t.dim,
        );
        return;
    };
    let decimals = grid_decimals(grid);
    let (columns, counts) = fitting_columns(z, decimals, inner.width, cx);
    let kept = table::layout(&columns, inner.width);
    let mut head: Vec<Span> = vec![
        (
            format!(
                "nearest S {}",
                cx.num(z.nearest_support_bps, |d| format!("{} bps", format::bps(d)))
            ),
            t.bid,
        ),
        (
            format!(
                "R {}",
                cx.num(z.nearest_resistance_bps, |d| {
                    format!("{} bps", format::bps(d))
                })
            ),
            t.ask,
        ),
    ];
    if let Some(pct) = z.range_pct.filter(|p| p.is_finite()) {
        head.push((
            format!("range shrunk to {} %", format::fixed(pct, 1)),
            t.state_warn,
        ));
    }
    if z.paused {
        head.push((
            "PAUSED: no valid book, zones as last seen".to_owned(),
            t.state_warn,
        ));
    }
    let hidden = columns.len() - kept.len();
    if hidden > 0 {
        head.push((format!("+{hidden} cols"), t.dim));
    }
    let style = if z.paused { t.stale } else { t.text };
    let fmt = Fmt {
        decimals,
        quote,
        style,
        counts,
    };
    if z.zones.is_empty() {
        let y = draw_flow(buf, inner, 0, &head, 2);
        let text = "no zone: no wall has persisted above 10% strength";
        put(buf, inner.x, inner.y + y, text, inner.width, t.dim);
        return;
    }
    let Some(mid) = view.mid else {
        head.push((
            "no live book for a mid: zones by price".to_owned(),
            t.not_live,
        ));
        let y = draw_flow(buf, inner, 0, &head, 2);
        let priced = z
            .zones
            .iter()
            .rev()
            .filter(|z| z.lo.is_finite() && z.hi.is_finite());
        for (i, zone) in priced.enumerate() {
            let cells = cells(zone, None, &fmt, cx);
            table::row(buf, inner, y + i as u16, &columns, &kept, &cells);
        }
        return;
    };
    // The axis gets the rows the head leaves, the mid line in its middle; zones crowded off
    // it are counted in the head.
    let mut probe = head.clone();
    let n = z.zones.len();
    probe.extend([axis_part(1.0, t.dim), off_axis(n, n, t.dim)]);
    let rows = inner
        .height
        .saturating_sub(super::flow_height(&probe, inner.width, 2));
    let above = rows.saturating_sub(1) / 2;
    let below = rows.saturating_sub(1) - above;
    let placed = axis(&z.zones, mid, above, below);
    head.push(axis_part(placed.row_bps, t.dim));
    if placed.above.hidden + placed.below.hidden > 0 {
        head.push(off_axis(placed.above.hidden, placed.below.hidden, t.dim));
    }
    let y = draw_flow(buf, inner, 0, &head, 2);
    if rows == 0 {
        return;
    }
    let mid_row = y + above;
    mid_line(buf, inner, mid_row, mid, view.mid_decimals, quote, cx);
    for (up, rows) in [(true, above), (false, below)] {
        draw_side(
            buf,
            inner,
            &placed,
            &z.zones,
            (up, rows, mid_row, mid),
            (&columns, &kept),
            &fmt,
            cx,
        );
    }
}

/// How a zone row is written.
struct Fmt<'a> {
    decimals: usize,
    quote: &'a str,
    /// The rows' style: the stale one while paused.
    style: Style,
    counts: Counts,
}

/// Touch, bounce and breach counts spelled out, or as `T2 B1 X1` in a narrow pane.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Counts {
    Long,
    Short,
}

/// `axis 10 bps/row`.
fn axis_part(row_bps: f64, style: Style) -> Span {
    let decimals = if row_bps < 1.0 { 1 } else { 0 };
    (
        format!("axis {} bps/row", format::fixed(row_bps, decimals)),
        style,
    )
}

/// `off axis: 1 above, 2 below`: zones a crowded axis could not place.
fn off_axis(above: usize, below: usize, style: Style) -> Span {
    (format!("off axis: {above} above, {below} below"), style)
}

/// Enough decimals to print the grid's multiples exactly.
fn grid_decimals(grid: f64) -> usize {
    usize::from(step_decimals(grid))
}

/// One side's zones on their rows (`rows` of them between the mid line and the pane's edge),
/// and dim distance ticks every fourth empty row.
#[allow(clippy::too_many_arguments)]
fn draw_side(
    buf: &mut Buffer,
    inner: Rect,
    placed: &Axis,
    zones: &[Zone],
    (up, rows, mid_row, mid): (bool, u16, u16, f64),
    (columns, kept): (&[Column], &[(usize, u16)]),
    fmt: &Fmt,
    cx: &Ctx,
) {
    let side = if up { &placed.above } else { &placed.below };
    let row_y = |k: u16| if up { mid_row - k } else { mid_row + k };
    if let Some(&(_, at)) = kept.iter().find(|(i, _)| *i == DISTANCE) {
        let taken = |k: u16| side.placed.iter().any(|(_, r)| *r == k);
        for k in (4..=rows).step_by(4).filter(|k| !taken(*k)) {
            let d = placed.row_bps * f64::from(k);
            let decimals = if placed.row_bps < 1.0 { 1 } else { 0 };
            let sign = if up { "+" } else { "-" };
            let text = format!("{sign}{} bps", format::fixed(d, decimals));
            let (x, y) = (inner.x + at, inner.y + row_y(k));
            put_right(buf, x, y, &text, columns[DISTANCE].width, cx.theme.dim);
        }
    }
    for &(i, k) in side.placed.iter().filter(|(_, k)| *k <= rows) {
        let zone = &zones[i];
        let cells = cells(zone, distance_bps(zone, mid), fmt, cx);
        table::row(buf, inner, row_y(k), columns, kept, &cells);
    }
}

/// The row through the mid: a rule with the mid price on it.
fn mid_line(buf: &mut Buffer, inner: Rect, y: u16, mid: f64, decimals: u8, quote: &str, cx: &Ctx) {
    let text = format!(" mid {} {quote} ", format::price(mid, decimals));
    centred_rule(buf, inner, y, &text, cx);
}

/// The strength bar's width.
const BAR: u16 = 6;

/// The distance column's index in [`columns`].
const DISTANCE: usize = 2;

/// The zone rows' columns and the counts' format: spelled out when that leaves every column
/// of priority 0 and 1 room, else short.
fn fitting_columns(z: &Zones, decimals: usize, width: u16, cx: &Ctx) -> (Vec<Column>, Counts) {
    let long = columns(z, decimals, Counts::Long, cx);
    let kept = table::layout(&long, width);
    let wanted = long.iter().filter(|c| c.priority <= 1).count();
    if kept.iter().filter(|(i, _)| long[*i].priority <= 1).count() == wanted {
        (long, Counts::Long)
    } else {
        (columns(z, decimals, Counts::Short, cx), Counts::Short)
    }
}

/// A zone row's columns (every cell carries its unit or its label; no header row), dropped by
/// priority when the pane is narrow.
fn columns(z: &Zones, decimals: usize, counts: Counts, cx: &Ctx) -> Vec<Column> {
    let width = |f: &dyn Fn(&Zone) -> String| {
        z.zones
            .iter()
            .map(|zone| f(zone).chars().count())
            .max()
            .unwrap_or(0) as u16
    };
    vec![
        Column::left("", 1, 0),
        Column::right("", width(&|zone| range_text(zone, decimals, cx)), 0),
        Column::right("", 10, 0),
        Column::left("", BAR, 1),
        Column::right("", 4, 0),
        Column::left("", width(&|zone| counts_text(zone, counts)), 1),
        Column::right("", 7, 3),
        Column::right("", 8, 4),
        Column::left("", 15, 5),
    ]
}

fn range_text(zone: &Zone, decimals: usize, cx: &Ctx) -> String {
    format!(
        "{}{}{}",
        format::fixed(zone.lo, decimals),
        cx.glyphs.range,
        format::fixed(zone.hi, decimals)
    )
}

/// `touch 3 bounce 2 breach 0`, or `T3 B2 X0`.
fn counts_text(zone: &Zone, counts: Counts) -> String {
    let (t, b, x) = (zone.touches, zone.bounces, zone.breaches);
    match counts {
        Counts::Long => format!("touch {t} bounce {b} breach {x}"),
        Counts::Short => format!("T{t} B{b} X{x}"),
    }
}

/// One zone's cells, in [`columns`] order; `distance` is `None` without a mid.
fn cells(zone: &Zone, distance: Option<f64>, fmt: &Fmt, cx: &Ctx) -> Vec<Span> {
    let t = cx.theme;
    let (letter, role_style) = match zone.role {
        ZoneRole::Support => ("S", t.bid),
        ZoneRole::Resistance => ("R", t.ask),
    };
    // Paused zones are the last seen: greyed, role letters included.
    let style = fmt.style;
    let role_style = if style == t.stale { style } else { role_style };
    let strength = Some(zone.strength)
        .filter(|s| s.is_finite())
        .map(|s| s.clamp(0.0, 1.0));
    vec![
        (letter.to_owned(), role_style),
        (range_text(zone, fmt.decimals, cx), role_style),
        (cx.num(distance, signed_bps), style),
        (
            strength.map_or_else(String::new, |s| cx.glyphs.bar(s, BAR)),
            role_style,
        ),
        (cx.num(strength, super::percent), style),
        (counts_text(zone, fmt.counts), style),
        (
            cx.num(zone.notional, |n| format::money(n, fmt.quote)),
            style,
        ),
        (
            format!("age {}", cx.num(Some(zone.age_s * 1e3), format::age_ms)),
            style,
        ),
        (
            match zone.last_touch {
                Some(at) => format!(
                    "touched {} ago",
                    format::age_ms(((cx.now / 1_000_000) as i64).saturating_sub(at) as f64)
                ),
                None => "never touched".to_owned(),
            },
            style,
        ),
    ]
}
