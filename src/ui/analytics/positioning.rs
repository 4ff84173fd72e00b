//! Positioning and lead–lag. First which book's order flow leads (§3.12): the leader, by how
//! many seconds, the correlation at that lag and the LLR for the leader shown. Then per
//! perpetual the venue-reported long/short ratios by kind (stale ones `~` and greyed), the
//! venue's taker buy/sell ratio and, from the tape, the taker buy share of large and of small
//! trades; last the consensus per ratio kind, which never mixes kinds (§3.13).

use super::{Span, book, book_style, draw_entries, percent};
use crate::engine::analytics::{LeadLag, RatioKind};
use crate::engine::frame::SymbolFrame;
use crate::ui::format;
use crate::ui::widgets::{Ctx, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// A ratio kind as the pane labels it.
pub fn kind_name(kind: RatioKind) -> &'static str {
    match kind {
        RatioKind::Accounts => "accounts L/S",
        RatioKind::TopAccounts => "top accounts L/S",
        RatioKind::TopPositions => "top positions L/S",
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
    let inner = pane(area, buf, "Positioning", focused, cx);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let a = &symbol.analytics;
    let lead = lead_lag(symbol, a.lead_lag.as_ref(), cx);
    let y = super::draw_flow(buf, inner, 0, &lead, 2);
    let p = &a.positioning;
    if p.venues.is_empty() && p.consensus.is_empty() {
        let text = format!("no venue publishes positioning for {}", symbol.symbol);
        put(buf, inner.x, inner.y + y, &text, inner.width, t.dim);
        return;
    }
    let mut entries: Vec<Vec<Span>> = p
        .venues
        .iter()
        .map(|v| {
            let (label, frame) = book(symbol, &v.key);
            let style = |normal| book_style(frame, normal, cx);
            let mut line: Vec<Span> = vec![(label, style(t.title))];
            for r in &v.ratios {
                let value = Some(r.ratio).filter(|x| x.is_finite());
                let text = cx.num(value, |x| format::fixed(x, 2));
                let (text, s) = if r.stale && value.is_some() {
                    (format!("~{text}"), t.stale)
                } else {
                    (text, style(t.text))
                };
                line.push((format!("{} {text}", kind_name(r.kind)), s));
            }
            line.push((
                format!(
                    "taker buy/sell {}",
                    cx.num(v.taker_buy_sell_ratio, |x| format::fixed(x, 2))
                ),
                style(t.text),
            ));
            line.push((
                format!("large buy {}", cx.num(v.large_taker_buy_share, percent)),
                style(t.text),
            ));
            line.push((
                format!("small buy {}", cx.num(v.small_taker_buy_share, percent)),
                style(t.text),
            ));
            line
        })
        .collect();
    entries.extend(p.consensus.iter().map(|c| {
        let venues = if c.venues == 1 { "venue" } else { "venues" };
        vec![
            ("consensus".to_owned(), t.title),
            (
                format!(
                    "{} {}",
                    kind_name(c.kind),
                    cx.num(Some(c.long_short_ratio), |x| format::fixed(x, 2))
                ),
                t.text,
            ),
            (
                format!("agreement {}", cx.num(c.agreement, percent)),
                t.text,
            ),
            (format!("{} {venues}", c.venues), t.dim),
        ]
    }));
    draw_entries(buf, inner, y, &entries, scroll, cx);
}

/// `lead-lag: binance-perp leads binance by 2 s  corr 0.62  LLR 3.23  540 bins`. The LLR is
/// given for the leader shown (the published one is A over B; B over A is its inverse).
fn lead_lag(symbol: &SymbolFrame, ll: Option<&LeadLag>, cx: &Ctx) -> Vec<Span> {
    let t = cx.theme;
    let Some(ll) = ll else {
        return vec![(format!("lead-lag {}", cx.glyphs.absent), t.dim)];
    };
    let (a, a_book) = book(symbol, &ll.a);
    let (b, b_book) = book(symbol, &ll.b);
    let style = book_style(a_book, book_style(b_book, t.text, cx), cx);
    let (who, llr) = match ll.lag_s {
        0 => (format!("{a} and {b} move together (0 s)"), ll.llr),
        l if l > 0 => (format!("{a} leads {b} by {l} s"), ll.llr),
        l => (
            format!("{b} leads {a} by {} s", l.unsigned_abs()),
            ll.llr.filter(|x| *x > 0.0).map(|x| 1.0 / x),
        ),
    };
    vec![
        ("lead-lag:".to_owned(), t.title),
        (who, style),
        (
            format!("corr {}", cx.num(Some(ll.rho), |r| format::signed(r, 2))),
            style,
        ),
        (
            format!("LLR {}", cx.num(llr, |x| format::fixed(x, 2))),
            style,
        ),
        (format!("{} bins", ll.bins), t.dim),
    ]
}
