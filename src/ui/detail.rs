//! Symbol detail: lays out the ladder and the side panes for the terminal's size and builds
//! each pane's view model from the app state.
//!
//! ```text
//!  side area ≥ 80 columns              narrower side area
//! ┌ladder──────┬price chart─────────┐ ┌ladder──────┬price───┐
//! │            ├imbalance─┬perp─────┤ │            ├perp────┤
//! │            ├composites├liq──────┤ │            ├imbal───┤
//! │            ├tape──────┼bands────┤ │            ├tape────┤
//! │            ├flow──────┼alerts───┤ │            │▸ more  │
//! └────────────┴──────────┴─────────┘ └────────────┴────────┘
//! ```
//!
//! The chart spans the side area's top when it is at least 24 rows high; otherwise it stacks
//! with the others. Side panes stack by priority and collapse into a "▸ …" line when they do
//! not fit; the focused pane (Tab) is always shown.

use crate::engine::analytics::Zone;
use crate::engine::frame::{BookFeatures, BookFrame, SymbolFrame};
use crate::market::Nanos;
use crate::ui::alerts::{self, AlertsView};
use crate::ui::app::{App, Pane};
use crate::ui::bands::{self, BandsView};
use crate::ui::chart::{self, ChartView, TradeDot};
use crate::ui::composites::{self, CompositesView};
use crate::ui::flow::{self, FlowView};
use crate::ui::format;
use crate::ui::gauges::{self, GaugeRow, GaugesView};
use crate::ui::ladder::{self, LadderBody, LadderView};
use crate::ui::layout::{Slot, draw_collapsed, stack};
use crate::ui::liquidations::{self, LiquidationsView};
use crate::ui::model::chart::{ChartData, ChartRange};
use crate::ui::model::ladder as ladder_model;
use crate::ui::model::select::{self, Excluded, Selected, long_label, short_label};
use crate::ui::model::tape as tape_model;
use crate::ui::perp::{self, PerpView};
use crate::ui::tape::{self, TapeView};
use crate::ui::widgets::{self, Ctx, book_badge, centred_text};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub fn render(area: Rect, buf: &mut Buffer, app: &App, cx: &Ctx) {
    let Some(symbol) = select::symbol(app.shown(), &app.symbol) else {
        centred_text(
            buf,
            area,
            area.height / 2,
            "no symbols in this frame",
            cx.theme.dim,
        );
        return;
    };
    let selected = Selected::resolve(symbol, app.venue);
    let (placed, stacks) = plan(area, app, symbol, &selected);
    for stacked in &stacks {
        draw_collapsed(buf, stacked, cx);
    }
    for &(pane, rect) in &placed {
        match pane {
            Pane::Ladder => ladder::render(
                rect,
                buf,
                &ladder_view(app, symbol, &selected, rect, cx),
                cx,
            ),
            pane => side_pane(pane, rect, buf, app, symbol, &selected, cx),
        }
    }
}

/// Where each pane of the detail goes in `area` (for clicks: the same plan as [`render`]).
pub fn layout(area: Rect, app: &App) -> Vec<(Pane, Rect)> {
    let Some(symbol) = select::symbol(app.shown(), &app.symbol) else {
        return Vec::new();
    };
    let selected = Selected::resolve(symbol, app.venue);
    plan(area, app, symbol, &selected).0
}

/// The chart spans the side area's top when there is room for it and the panes below.
const CHART_ON_TOP_FROM: u16 = 24;

fn plan(
    area: Rect,
    app: &App,
    symbol: &SymbolFrame,
    selected: &Selected,
) -> (Vec<(Pane, Rect)>, Vec<crate::ui::layout::Stacked>) {
    let focused = app.focused();
    let ladder_w = match area.width {
        w if w >= 150 => (w * 2 / 5).min(72),
        w if w >= 90 => (w / 2).min(60),
        w if w >= 64 => w - 30,
        w => w,
    };
    let ladder_area = Rect {
        width: ladder_w,
        ..area
    };
    let rest = Rect {
        x: area.x + ladder_w,
        width: area.width - ladder_w,
        ..area
    };
    // Below 64 columns the side panes take the ladder's place when one of them is focused.
    let (ladder_area, mut rest) = if rest.width == 0 && focused != Pane::Ladder {
        (Rect::ZERO, area)
    } else {
        (ladder_area, rest)
    };
    let mut placed = Vec::new();
    if !ladder_area.is_empty() {
        placed.push((Pane::Ladder, ladder_area));
    }
    let chart_on_top = rest.height >= CHART_ON_TOP_FROM && rest.width >= 40;
    if chart_on_top {
        let h = (rest.height / 3).clamp(8, 16);
        placed.push((Pane::Chart, Rect { height: h, ..rest }));
        rest = Rect {
            y: rest.y + h,
            height: rest.height - h,
            ..rest
        };
    }
    let perps = !perp_books(symbol).is_empty();
    let columns: Vec<(Rect, Vec<Pane>, Vec<Pane>)> = if rest.width >= 80 {
        let half = rest.width / 2;
        vec![
            (
                Rect {
                    width: half,
                    ..rest
                },
                vec![Pane::Gauges, Pane::Tape, Pane::Composites, Pane::Flow],
                vec![Pane::Gauges, Pane::Composites, Pane::Tape, Pane::Flow],
            ),
            (
                Rect {
                    x: rest.x + half,
                    width: rest.width - half,
                    ..rest
                },
                vec![Pane::Perp, Pane::Liquidations, Pane::Alerts, Pane::Bands],
                vec![Pane::Perp, Pane::Liquidations, Pane::Bands, Pane::Alerts],
            ),
        ]
    } else if rest.width > 0 {
        let mut priority = vec![Pane::Chart, Pane::Gauges, Pane::Tape, Pane::Composites];
        if perps {
            priority.insert(1, Pane::Perp);
        }
        priority.extend([Pane::Alerts, Pane::Flow, Pane::Liquidations, Pane::Bands]);
        if !perps {
            priority.push(Pane::Perp);
        }
        priority.retain(|p| !(chart_on_top && *p == Pane::Chart));
        let order = [
            Pane::Chart,
            Pane::Perp,
            Pane::Gauges,
            Pane::Composites,
            Pane::Tape,
            Pane::Alerts,
            Pane::Flow,
            Pane::Liquidations,
            Pane::Bands,
        ]
        .into_iter()
        .filter(|p| priority.contains(p))
        .collect();
        vec![(rest, priority, order)]
    } else {
        Vec::new()
    };
    let mut stacks = Vec::new();
    for (column, priority, order) in columns {
        let slots: Vec<Slot> = priority
            .iter()
            .map(|p| slot(*p, symbol, selected))
            .collect();
        let stacked = stack(column, &slots, focused, &order);
        placed.extend(stacked.panes.iter().copied());
        stacks.push(stacked);
    }
    (placed, stacks)
}

/// The symbol's derivatives books, in display order.
fn perp_books(symbol: &SymbolFrame) -> Vec<&BookFrame> {
    symbol.books.iter().filter(|b| !b.is_spot()).collect()
}

/// Minimum and preferred heights (borders included): a pane with little to say asks for
/// little room.
fn slot(pane: Pane, symbol: &SymbolFrame, selected: &Selected) -> Slot {
    let books = selected.books();
    let venues = books.len() as u16;
    let one = matches!(selected, Selected::One(_));
    let live = !books.is_empty();
    match pane {
        Pane::Gauges if !live => Slot::new(pane, 3, 3),
        Pane::Gauges => Slot::new(pane, 3, 2 + if one { 5 } else { 1 + venues }),
        Pane::Composites => Slot::new(pane, 4, 11),
        Pane::Flow => Slot::new(pane, 6, u16::MAX),
        Pane::Liquidations if !books.iter().any(|b| liquidations::has_stream(b)) => {
            Slot::new(pane, 3, 3)
        }
        Pane::Liquidations => Slot::new(pane, 5, 18),
        Pane::Bands if !live => Slot::new(pane, 3, 3),
        Pane::Bands if one => Slot::new(pane, 5, 14),
        Pane::Bands => Slot::new(pane, 4, 3 + venues),
        Pane::Chart => Slot::new(pane, 6, 12),
        Pane::Tape => Slot::new(pane, 5, 14),
        Pane::Perp => {
            let h = perp::height(perp_books(symbol).len());
            Slot::new(pane, h.min(4), h)
        }
        _ => Slot::new(pane, 3, 8),
    }
}

fn labelled<'a>(selected: &Selected<'a>) -> Vec<(&'a BookFrame, String)> {
    selected
        .books()
        .into_iter()
        .map(|b| (b, short_label(b)))
        .collect()
}

fn side_pane(
    pane: Pane,
    rect: Rect,
    buf: &mut Buffer,
    app: &App,
    symbol: &SymbolFrame,
    selected: &Selected,
    cx: &Ctx,
) {
    let focused = app.focused() == pane;
    let scroll = app.scroll(pane);
    // A book that is not proven has no per-book numbers: those panes say why instead.
    if let (Pane::Gauges | Pane::Liquidations | Pane::Bands, Some((note, style))) =
        (pane, not_live_note(selected, cx))
    {
        let inner = widgets::pane(rect, buf, pane.title(), focused, cx);
        widgets::put(buf, inner.x, inner.y, &note, inner.width, style);
        return;
    }
    match pane {
        Pane::Gauges => gauges::render(rect, buf, &gauges_view(symbol, selected, focused, cx), cx),
        Pane::Composites => composites::render(
            rect,
            buf,
            &CompositesView {
                composites: &symbol.composites,
                history: &symbol.history,
                focused,
            },
            cx,
        ),
        Pane::Flow => flow::render(
            rect,
            buf,
            &FlowView {
                history: &symbol.history,
                books: labelled(selected),
                note: not_live_note(selected, cx),
                scroll,
                focused,
            },
            cx,
        ),
        Pane::Chart => chart::render(
            rect,
            buf,
            &chart_view(app, symbol, selected, focused, cx.now),
            cx,
        ),
        Pane::Tape => tape::render(
            rect,
            buf,
            &TapeView {
                symbol: &symbol.symbol,
                rows: tape_model::rows(&selected.books(), app.tape),
                filter: app.tape,
                scroll,
                focused,
            },
            cx,
        ),
        Pane::Perp => perp::render(
            rect,
            buf,
            &PerpView {
                symbol: &symbol.symbol,
                books: perp_books(symbol)
                    .into_iter()
                    .map(|b| (b, short_label(b)))
                    .collect(),
                consensus: symbol.composites.derivatives,
                focused,
            },
            cx,
        ),
        Pane::Liquidations => liquidations::render(
            rect,
            buf,
            &LiquidationsView {
                books: labelled(selected),
                composite_stress: symbol.composites.cascade_stress,
                scroll,
                focused,
            },
            cx,
        ),
        Pane::Bands => bands::render(
            rect,
            buf,
            &BandsView {
                books: labelled(selected),
                scroll,
                focused,
            },
            cx,
        ),
        _ => alerts::render(
            rect,
            buf,
            &AlertsView {
                alerts: &app.shown().alerts,
                frame: app.shown(),
                symbol: &symbol.symbol,
                all: app.alerts_all,
                scroll,
                focused,
            },
            cx,
        ),
    }
}

/// For a single book that is not proven: its state, in place of its features.
fn not_live_note(selected: &Selected, cx: &Ctx) -> Option<(String, Style)> {
    match selected {
        Selected::One(book) if !book.state.is_live() => {
            let (badge, style) = book_badge(book, cx);
            Some((format!("{badge}: no features"), style))
        }
        _ => None,
    }
}

fn chart_view<'a>(
    app: &App,
    symbol: &'a SymbolFrame,
    selected: &Selected,
    focused: bool,
    now: Nanos,
) -> ChartView<'a> {
    let now_ms = (now / 1_000_000) as i64;
    let books = selected.books();
    let trades = books
        .iter()
        .flat_map(|b| {
            b.recent_trades.iter().map(|t| TradeDot {
                ago: (t.exch_ts - now_ms) as f64 / 1e3,
                price: t.price,
                notional: t.notional,
                taker: t.taker,
                large: t.large,
                threshold: b.flow.large_trade_threshold_usd,
            })
        })
        .collect();
    ChartView {
        symbol: &symbol.symbol,
        data: ChartData::build(&symbol.prices, app.chart_range, now),
        range: app.chart_range,
        // Trades older than the frame's few latest are not kept: dots only where they are.
        trades: if app.chart_range == ChartRange::OneDay {
            Vec::new()
        } else {
            trades
        },
        decimals: symbol
            .books
            .iter()
            .map(|b| b.ladder.price_decimals)
            .max()
            .unwrap_or(2),
        focused,
    }
}

/// The ladder for the pane at `area`. It shows at least the depth asked for (`d`) and, where the
/// pane has room for more, as many levels as fit: blank rows above the asks would read as a
/// book that ends there.
fn ladder_view<'a>(
    app: &App,
    symbol: &'a SymbolFrame,
    selected: &Selected<'a>,
    area: Rect,
    cx: &Ctx,
) -> LadderView<'a> {
    let focused = app.focused() == Pane::Ladder;
    // Borders, the status line, the header and the spread line; the rest split between sides.
    let fits = usize::from(area.height.saturating_sub(5) / 2);
    let depth = app.depth.max(fits);
    let sep = cx.glyphs.sep.trim();
    let which = selected.label();
    let books = selected.books();
    let tick = books.iter().map(|b| select::tick(b)).fold(0.0, f64::max);
    let mid = books.iter().find_map(|b| b.features.as_ref()?.mid);
    let step = app.grouping.step(tick, mid);
    let title = format!("Ladder {sep} {}", symbol.symbol);
    let body = match selected {
        Selected::One(book) if !book.state.is_live() => {
            return LadderView {
                title: format!("{title} {sep} {which}"),
                body: LadderBody::NotLive(book),
                scroll: 0,
                focused,
            };
        }
        Selected::Aggregate {
            kind,
            included,
            excluded,
        } if included.is_empty() => {
            let mut lines = vec![format!(
                "no live, fresh {} book for {}",
                select::kind_word(*kind),
                symbol.symbol
            )];
            lines.extend(
                excluded
                    .iter()
                    .map(|(b, why)| format!("{}: {}", long_label(b), reason(why))),
            );
            LadderBody::Empty(lines)
        }
        _ => LadderBody::Rows {
            model: {
                let mut model = ladder_model::build(&books, step, depth);
                if let Some(zones) = zones_for(symbol, &books) {
                    ladder_model::mark_zones(&mut model, zones, step, tick);
                }
                model
            },
            status: status(selected, cx),
            sources: books.iter().map(|b| short_label(b)).collect(),
            stale: matches!(selected, Selected::One(b) if b.stale),
        },
    };
    // Fewer rows than asked for: say how many there are, never claim the depth asked for.
    let shown = match &body {
        LadderBody::Rows { model, .. } => model.bids.len().max(model.asks.len()),
        _ => app.depth,
    };
    let levels = if shown < app.depth {
        format!("{shown} of {} levels", app.depth)
    } else {
        format!("{shown} levels")
    };
    // The numbers first: a narrow pane cuts the selection's name, never the depth.
    LadderView {
        title: format!(
            "{title} {sep} {} {sep} {levels} {sep} {which}",
            app.grouping.label()
        ),
        body,
        scroll: app.ladder_scroll,
        focused,
    }
}

/// The symbol's zones (§5), when they are in the currency the ladder's books are quoted in:
/// zone prices are never drawn against a ladder of another quote.
fn zones_for<'a>(symbol: &'a SymbolFrame, books: &[&BookFrame]) -> Option<&'a [Zone]> {
    let zones = &symbol.analytics.zones;
    let same_quote = |b: &&BookFrame| {
        zones
            .quote
            .as_deref()
            .is_none_or(|q| q.eq_ignore_ascii_case(&b.instrument.quote))
    };
    (!zones.zones.is_empty() && books.iter().all(same_quote)).then_some(zones.zones.as_slice())
}

fn reason(why: &Excluded) -> String {
    match why {
        Excluded::NotLive(state) => state.clone(),
        Excluded::Stale => "stale".into(),
        Excluded::Quote(quote) => format!("quoted in {quote}, not summed with the others"),
    }
}

/// The line above the ladder rows: a book's state and ages, or the aggregate's venues.
fn status(selected: &Selected, cx: &Ctx) -> Vec<(String, Style)> {
    let t = cx.theme;
    match selected {
        Selected::One(book) => vec![
            book_badge(book, cx),
            (
                format!("book {}", cx.num(book.book_age_ms, format::age_ms)),
                t.dim,
            ),
            (
                format!("exch {}", cx.num(book.exch_age_ms, format::age_ms)),
                t.dim,
            ),
        ],
        Selected::Aggregate {
            included, excluded, ..
        } => {
            let names: Vec<String> = included.iter().map(|b| short_label(b)).collect();
            let mut out = vec![(names.join(" "), t.state_ok)];
            if !excluded.is_empty() {
                let out_of: Vec<String> = excluded
                    .iter()
                    .map(|(b, why)| format!("{} {}", short_label(b), short_reason(why)))
                    .collect();
                out.push((format!("excluded: {}", out_of.join(", ")), t.not_live));
            }
            out
        }
    }
}

fn short_reason(why: &Excluded) -> String {
    match why {
        Excluded::NotLive(state) if state.starts_with("resyncing") => "resyncing".into(),
        Excluded::NotLive(state) if state.starts_with("syncing") => "syncing".into(),
        Excluded::NotLive(_) => "down".into(),
        Excluded::Stale => "stale".into(),
        Excluded::Quote(quote) => format!("in {quote}"),
    }
}

fn gauges_view(symbol: &SymbolFrame, selected: &Selected, focused: bool, cx: &Ctx) -> GaugesView {
    let t = cx.theme;
    let signed_row = |label: &str, v: Option<f64>| GaugeRow {
        label: label.to_owned(),
        position: v,
        text: cx.num(v, |x| format::signed(x, 2)),
        style: v.map_or(t.text, |x| t.signed(x)),
    };
    let direction = signed_row("dir pressure", symbol.composites.directional_pressure);
    match selected {
        Selected::One(book) => {
            // (A book that is not live never gets here: its pane shows its state instead.)
            let none = BookFeatures::default();
            let f = book.features.as_ref().unwrap_or(&none);
            // Book pressure is a ratio; its gauge sits where the equivalent imbalance would,
            // tanh(ln BP / 2), so all four gauges share one scale.
            let bp = GaugeRow {
                position: f.ln_book_pressure_10.map(|l| (l / 2.0).tanh()),
                text: cx.num(f.book_pressure_10, |x| format::fixed(x, 2)),
                style: f.ln_book_pressure_10.map_or(t.text, |l| t.signed(l)),
                label: "book press 10".into(),
            };
            GaugesView {
                title: format!("Imbalance {}", short_label(book)),
                rows: vec![
                    signed_row("depth imb 10", f.depth_imbalance[2]),
                    signed_row("depth 25bps", f.depth_imbalance_25bps),
                    signed_row("OFI 60s", f.ofi_norm_60s),
                    bp,
                    direction,
                ],
                focused,
            }
        }
        Selected::Aggregate { included, .. } => {
            let mut rows = vec![direction];
            rows.extend(included.iter().map(|b| {
                let di = b.features.as_ref().and_then(|f| f.depth_imbalance[2]);
                signed_row(&format!("{} imb 10", short_label(b)), di)
            }));
            GaugesView {
                title: "Imbalance by venue".into(),
                rows,
                focused,
            }
        }
    }
}
