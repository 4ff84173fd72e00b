//! Symbol detail: lays out the ladder and the side panes for the terminal's size and builds
//! each pane's view model from the app state.
//!
//! ```text
//!  ≥150 columns                        90–149 columns          < 90 columns
//! ┌ladder──────┬imbalance─┬liq──────┐ ┌ladder──────┬imbal───┐ ┌ladder─────┬imbal─┐
//! │            ├composites┤         │ │            ├compos──┤ │           ├alerts┤
//! │            │          ├bands────┤ │            ├flow────┤ │           │      │
//! │            ├flow──────┤         │ │            ├liq─────┤ │           │      │
//! │            │          ├alerts───┤ │            ├alerts──┤ │           │▸ more│
//! └────────────┴──────────┴─────────┘ └────────────┴────────┘ └───────────┴──────┘
//! ```
//!
//! Side panes stack by priority and collapse into a "▸ …" line when they do not fit; the
//! focused pane (Tab) is always shown.

use crate::engine::frame::{BookFeatures, BookFrame, SymbolFrame};
use crate::ui::alerts::{self, AlertsView};
use crate::ui::app::{App, Pane};
use crate::ui::bands::{self, BandsView};
use crate::ui::composites::{self, CompositesView};
use crate::ui::flow::{self, FlowView};
use crate::ui::format;
use crate::ui::gauges::{self, GaugeRow, GaugesView};
use crate::ui::ladder::{self, LadderBody, LadderView};
use crate::ui::layout::{Slot, draw_collapsed, stack};
use crate::ui::liquidations::{self, LiquidationsView};
use crate::ui::model::ladder as ladder_model;
use crate::ui::model::select::{self, Excluded, Selected, long_label, short_label};
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
    let (ladder_area, rest) = if rest.width == 0 && focused != Pane::Ladder {
        (Rect::ZERO, area)
    } else {
        (ladder_area, rest)
    };
    if !ladder_area.is_empty() {
        ladder::render(
            ladder_area,
            buf,
            &ladder_view(app, symbol, &selected, focused == Pane::Ladder, cx),
            cx,
        );
    }
    let columns: Vec<(Rect, Vec<Pane>)> = if rest.width >= 80 {
        let half = rest.width / 2;
        vec![
            (
                Rect {
                    width: half,
                    ..rest
                },
                vec![Pane::Gauges, Pane::Composites, Pane::Flow],
            ),
            (
                Rect {
                    x: rest.x + half,
                    width: rest.width - half,
                    ..rest
                },
                vec![Pane::Liquidations, Pane::Bands, Pane::Alerts],
            ),
        ]
    } else if rest.width > 0 {
        vec![(
            rest,
            vec![
                Pane::Gauges,
                Pane::Composites,
                Pane::Alerts,
                Pane::Flow,
                Pane::Liquidations,
                Pane::Bands,
            ],
        )]
    } else {
        Vec::new()
    };
    for (column, panes) in columns {
        let slots: Vec<Slot> = panes.iter().map(|p| slot(*p, &selected)).collect();
        let order: Vec<Pane> = [
            Pane::Gauges,
            Pane::Composites,
            Pane::Flow,
            Pane::Liquidations,
            Pane::Bands,
            Pane::Alerts,
        ]
        .into_iter()
        .filter(|p| panes.contains(p))
        .collect();
        let stacked = stack(column, &slots, focused, &order);
        draw_collapsed(buf, &stacked, cx);
        for &(pane, rect) in &stacked.panes {
            side_pane(pane, rect, buf, app, symbol, &selected, cx);
        }
    }
}

/// Minimum and preferred heights (borders included): a pane with little to say asks for
/// little room.
fn slot(pane: Pane, selected: &Selected) -> Slot {
    let books = selected.books();
    let venues = books.len() as u16;
    let one = matches!(selected, Selected::One(_));
    let live = !books.is_empty();
    match pane {
        Pane::Gauges if !live => Slot::new(pane, 3, 3),
        Pane::Gauges => Slot::new(pane, 3, 2 + if one { 5 } else { 1 + venues }),
        Pane::Composites => Slot::new(pane, 4, 10),
        Pane::Flow => Slot::new(pane, 6, u16::MAX),
        Pane::Liquidations if !books.iter().any(|b| b.liquidations.sampling.is_some()) => {
            Slot::new(pane, 3, 3)
        }
        Pane::Liquidations => Slot::new(pane, 5, 18),
        Pane::Bands if !live => Slot::new(pane, 3, 3),
        Pane::Bands if one => Slot::new(pane, 5, 14),
        Pane::Bands => Slot::new(pane, 4, 3 + venues),
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

fn ladder_view<'a>(
    app: &App,
    symbol: &'a SymbolFrame,
    selected: &Selected<'a>,
    focused: bool,
    cx: &Ctx,
) -> LadderView<'a> {
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
            model: ladder_model::build(&books, step, app.depth),
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
        format!("{} levels", app.depth)
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
