//! Liquidations: cascade stress with its four factors and gate, rate per minute, long and
//! short totals, how completely the venue reports them, and the live feed (newest first).

use crate::engine::frame::{BookFrame, CascadeView, LiquidationPrint};
use crate::feed::event::LiqSampling;
use crate::market::LiquidatedPosition;
use crate::ui::format;
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, level_gauge, pane, put, put_right};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub struct LiquidationsView<'a> {
    /// The books shown, with labels: one venue's, or the aggregate's included ones.
    pub books: Vec<(&'a BookFrame, String)>,
    /// The symbol's cross-venue cascade stress (the aggregate shows it; a venue shows its own).
    pub composite_stress: Option<f64>,
    pub scroll: usize,
    pub focused: bool,
}

const LABEL: u16 = 8;
const NUMBER: u16 = 6;

pub fn render(area: Rect, buf: &mut Buffer, view: &LiquidationsView, cx: &Ctx) {
    let inner = pane(area, buf, "Liquidations", view.focused, cx);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let streams: Vec<&(&BookFrame, String)> =
        view.books.iter().filter(|(b, _)| has_stream(b)).collect();
    if streams.is_empty() {
        put(
            buf,
            inner.x,
            inner.y,
            "no liquidation stream for this book",
            inner.width,
            cx.theme.dim,
        );
        return;
    }
    let mut y = inner.y;
    let mut line = |buf: &mut Buffer, f: &dyn Fn(&mut Buffer, Rect)| {
        if y < inner.bottom() {
            f(buf, Rect::new(inner.x, y, inner.width, 1));
            y += 1;
        }
    };
    match streams.as_slice() {
        [(book, _)] => {
            let liq = &book.liquidations;
            let quote = book.instrument.quote.as_str();
            match liq.cascade {
                Some(c) => factors(&c).iter().for_each(|(name, v)| {
                    let style = if *name == "stress" {
                        cx.theme.stress(*v)
                    } else {
                        cx.theme.dim
                    };
                    line(buf, &|buf, r| gauge_line(buf, r, name, Some(*v), style, cx));
                }),
                None => line(buf, &|buf, r| {
                    gauge_line(buf, r, "stress", None, cx.theme.dim, cx)
                }),
            }
            if liq.cascade.is_some_and(|c| c.degraded) {
                line(buf, &|buf, r| {
                    put(
                        buf,
                        r.x,
                        r.y,
                        "degraded: no depth baseline yet (thin counted 0)",
                        r.width,
                        cx.theme.stale,
                    )
                });
            }
            line(buf, &|buf, r| {
                let text = format!(
                    "rate {}/min  long 5m {}  short 5m {}",
                    cx.num(liq.rate_per_min, |v| format::fixed(v, 1)),
                    cx.num(liq.long_notional_5m, |x| format::money(x, quote)),
                    cx.num(liq.short_notional_5m, |x| format::money(x, quote))
                );
                put(buf, r.x, r.y, &text, r.width, cx.theme.text);
            });
            if let Some(note) = liq.sampling.and_then(sampling_note) {
                line(buf, &|buf, r| {
                    put(buf, r.x, r.y, note, r.width, cx.theme.dim)
                });
            }
        }
        many => {
            line(buf, &|buf, r| {
                gauge_line(
                    buf,
                    r,
                    "stress",
                    view.composite_stress,
                    view.composite_stress
                        .map_or(cx.theme.dim, |s| cx.theme.stress(s)),
                    cx,
                )
            });
            for (book, label) in many.iter() {
                let liq = &book.liquidations;
                let quote = book.instrument.quote.as_str();
                line(buf, &|buf, r| {
                    let text = format!(
                        "{label:<6} {}/min L {} S {}{}",
                        cx.num(liq.rate_per_min, |v| format::fixed(v, 1)),
                        cx.num(liq.long_notional_5m, |x| format::money(x, quote)),
                        cx.num(liq.short_notional_5m, |x| format::money(x, quote)),
                        if matches!(liq.sampling, Some(LiqSampling::Complete)) {
                            ""
                        } else {
                            " (sampled)"
                        }
                    );
                    put(buf, r.x, r.y, &text, r.width, cx.theme.text);
                });
            }
        }
    }
    feed(
        buf,
        Rect::new(inner.x, y, inner.width, inner.bottom().saturating_sub(y)),
        &streams,
        view.scroll,
        cx,
    );
}

/// The book's venue publishes liquidations for it. A stream's sampling is known from its first
/// print; before that, the derivatives markets of venues whose descriptor says so have one
/// (Binance `forceOrder`, Bybit `allLiquidation`, OKX `liquidation-orders`; not Bitget) and no
/// spot market does, so a quiet stream reads "no liquidations since start", never "no stream".
pub fn has_stream(book: &BookFrame) -> bool {
    book.liquidations.sampling.is_some()
        || (!book.is_spot()
            && book
                .key
                .venue
                .adapter_spec()
                .is_some_and(|a| a.liquidations.is_read()))
}

fn factors(c: &CascadeView) -> [(&'static str, f64); 6] {
    [
        ("stress", c.stress),
        ("accel", c.accel),
        ("cluster", c.clus),
        ("imbal", c.imb),
        ("thin", c.thin),
        ("gate", c.gate),
    ]
}

/// Raw counts from throttled streams are lower bounds and not comparable across venues.
fn sampling_note(s: LiqSampling) -> Option<&'static str> {
    match s {
        LiqSampling::Throttled1s => Some("sampled: at most 1 per second (a lower bound)"),
        LiqSampling::Throttled500ms => Some("sampled: pushed every 500 ms (a lower bound)"),
        LiqSampling::Incomplete => Some("incomplete: the venue sends some, not all"),
        LiqSampling::Complete => None,
    }
}

fn gauge_line(
    buf: &mut Buffer,
    r: Rect,
    name: &str,
    value: Option<f64>,
    style: ratatui::style::Style,
    cx: &Ctx,
) {
    put(buf, r.x, r.y, name, LABEL, cx.theme.dim);
    put_right(
        buf,
        r.x + LABEL,
        r.y,
        &cx.num(value, |v| format::fixed(v, 2)),
        NUMBER,
        style,
    );
    let gx = r.x + LABEL + NUMBER + 1;
    level_gauge(
        buf,
        Rect::new(gx, r.y, r.right().saturating_sub(gx), 1),
        value,
        style,
        cx,
    );
}

fn feed(buf: &mut Buffer, area: Rect, streams: &[&(&BookFrame, String)], scroll: usize, cx: &Ctx) {
    if area.height < 2 {
        return;
    }
    let mut prints: Vec<(&LiquidationPrint, &str, u8, &str)> = streams
        .iter()
        .flat_map(|(b, label)| {
            b.liquidations.recent.iter().map(move |p| {
                (
                    p,
                    label.as_str(),
                    b.ladder.price_decimals,
                    b.instrument.quote.as_str(),
                )
            })
        })
        .collect();
    prints.sort_by_key(|p| std::cmp::Reverse(p.0.exch_ts));
    let columns = [
        Column::left("TIME", 8, 0),
        Column::left("VENUE", 6, 3),
        Column::left("SIDE", 5, 0),
        Column::right("PRICE", 10, 2),
        Column::right("SIZE", 7, 1),
        Column::right("NOTIONAL", 10, 0),
    ];
    let kept = table::layout(&columns, area.width);
    table::header(buf, area, 0, &columns, &kept, cx.theme.dim);
    if prints.is_empty() {
        put(
            buf,
            area.x,
            area.y + 1,
            "no liquidations since start",
            area.width,
            cx.theme.dim,
        );
        return;
    }
    let first = scroll.min(prints.len() - 1);
    for (i, (p, label, decimals, quote)) in prints
        .iter()
        .skip(first)
        .take(usize::from(area.height - 1))
        .enumerate()
    {
        let (side, style) = liquidated_side(p.position, cx);
        let cells = [
            (format::clock_ms(p.exch_ts), cx.theme.dim),
            ((*label).to_owned(), cx.theme.dim),
            (side.to_owned(), style),
            (format::price(p.price, *decimals), cx.theme.text),
            (format::qty(p.size), cx.theme.text),
            (format::money(p.notional, quote), style),
        ];
        table::row(buf, area, 1 + i as u16, &columns, &kept, &cells);
    }
}

/// The word and colour of a liquidated position: a liquidated long is a forced sell (ask
/// colour), a liquidated short a forced buy.
pub fn liquidated_side(position: LiquidatedPosition, cx: &Ctx) -> (&'static str, Style) {
    match position {
        LiquidatedPosition::Long => ("LONG", cx.theme.ask),
        LiquidatedPosition::Short => ("SHORT", cx.theme.bid),
    }
}
