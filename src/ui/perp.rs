//! Perp context, one row per perpetual book of the symbol: funding rate (per its interval) and
//! the countdown to the next funding, the funding carry annualised (§3.10: a perpetual's premium
//! is not annualised), mark and index, the premium of mark over index in bps (§3.9), open
//! interest in the quote currency and its change over the last hour.
//!
//! Every value is `—` until the venue has sent it; values older than twice their poll interval
//! are marked `~` in the stale colour. Shown in the symbol detail and under the overview. The
//! title carries the venues' consensus (§3.13) where two or more have fresh values and the
//! width allows it whole: funding agreement, the OI-weighted funding per 8 h, and the weighted
//! 1 h open-interest change with its spread across venues.

use crate::engine::frame::BookFrame;
use crate::features::derivatives::DerivativesConsensus;
use crate::ui::format;
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub struct PerpView<'a> {
    pub symbol: &'a str,
    /// The symbol's derivatives books, with their labels.
    pub books: Vec<(&'a BookFrame, String)>,
    /// The symbol's §3.13 consensus across its fresh perpetuals.
    pub consensus: DerivativesConsensus,
    pub focused: bool,
}

const COLUMNS: [Column; 9] = [
    Column::left("VENUE", 6, 0),
    Column::right("FUNDING", 12, 0),
    Column::right("NEXT", 6, 1),
    Column::right("APR", 8, 3),
    Column::right("PREM bps", 8, 1),
    Column::right("OI", 9, 2),
    Column::right("OI 1h", 7, 2),
    Column::right("MARK", 11, 4),
    Column::right("INDEX", 11, 5),
];

/// Rows the pane needs for `n` books (borders and header included).
pub fn height(n: usize) -> u16 {
    3 + n.max(1) as u16
}

pub fn render(area: Rect, buf: &mut Buffer, view: &PerpView, cx: &Ctx) {
    let title = title(view, cx.glyphs.sep.trim(), area.width);
    let inner = pane(area, buf, &title, view.focused, cx);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if view.books.is_empty() {
        let text = format!("no perpetual for {} on the watched venues", view.symbol);
        put(buf, inner.x, inner.y, &text, inner.width, cx.theme.dim);
        return;
    }
    let kept = table::layout(&COLUMNS, inner.width);
    table::header(buf, inner, 0, &COLUMNS, &kept, cx.theme.dim);
    for (i, (book, label)) in view.books.iter().enumerate() {
        table::row(
            buf,
            inner,
            1 + i as u16,
            &COLUMNS,
            &kept,
            &cells(book, label, cx),
        );
    }
}

/// `Perp · BTC` and as many consensus figures as fit whole in a pane `width` cells wide.
fn title(view: &PerpView, sep: &str, width: u16) -> String {
    let mut title = format!("Perp {sep} {}", view.symbol);
    for part in consensus_parts(&view.consensus) {
        let longer = format!("{title} {sep} {part}");
        // The title, its two spaces and the corners: a part that does not fit whole is left out.
        if longer.chars().count() + 4 > usize::from(width) {
            break;
        }
        title = longer;
    }
    title
}

/// The consensus figures that exist, most telling first.
fn consensus_parts(c: &DerivativesConsensus) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(a) = c.funding_agreement {
        let mean = c
            .funding_mean_8h
            .map(|f| format!(" ({}/8h)", format::pct(f, 4)))
            .unwrap_or_default();
        parts.push(format!("funding agree {}{mean}", format::fixed(a, 2)));
    }
    if let Some(change) = c.oi_change_1h {
        let spread = c
            .oi_divergence
            .map(|d| format!(" ±{}%", format::fixed(d * 100.0, 2)))
            .unwrap_or_default();
        parts.push(format!("OI 1h {}{spread}", format::pct(change, 2)));
    }
    if c.oi_price_divergence == Some(true) {
        parts.push("price and OI apart".to_owned());
    }
    parts
}

fn cells(book: &BookFrame, label: &str, cx: &Ctx) -> Vec<(String, Style)> {
    let t = cx.theme;
    let d = &book.derivs;
    // A stale value is kept but marked; an absent one is the absent glyph, never 0.
    let cell = |v: Option<f64>, f: &dyn Fn(f64) -> String, normal: Style| match v {
        Some(x) if x.is_finite() && d.stale => (format!("~{}", f(x)), t.stale),
        _ => (cx.num(v, f), normal),
    };
    let decimals = book.ladder.price_decimals;
    let funding = |f: f64| match d.funding_interval_h {
        Some(h) => format!("{}/{}h", format::pct(f, 4), format::fixed(h, 0)),
        None => format::pct(f, 4),
    };
    let next = match d.next_funding_ts {
        Some(ts) => countdown(ts - (cx.now / 1_000_000) as i64),
        None => cx.glyphs.absent.to_owned(),
    };
    vec![
        (label.to_owned(), t.text),
        cell(
            d.funding_rate,
            &funding,
            d.funding_rate.map_or(t.text, |f| t.signed(f)),
        ),
        (next, t.dim),
        cell(d.funding_apr, &|a| format::pct(a, 2), t.text),
        cell(
            d.premium_bps,
            &|p| format::signed(p, 2),
            d.premium_bps.map_or(t.text, |p| t.signed(p)),
        ),
        cell(
            d.open_interest_usd,
            &|x| format::money(x, &book.instrument.quote),
            t.text,
        ),
        cell(
            d.open_interest_change_1h,
            &|c| format::pct(c, 2),
            d.open_interest_change_1h.map_or(t.text, |c| t.signed(c)),
        ),
        cell(d.mark_price, &|p| format::price(p, decimals), t.text),
        cell(d.index_price, &|p| format::price(p, decimals), t.text),
    ]
}

/// Time to the next funding: `42s`, `59m58s`, `7h59m`; `due` once it has passed (until the venue
/// announces the next one).
pub fn countdown(ms: i64) -> String {
    if ms <= 0 {
        return "due".into();
    }
    let s = ms / 1000;
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{}h{:02}m", s / 3_600, s / 60 % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_carries_the_consensus_parts_that_fit_whole() {
        let mut view = PerpView {
            symbol: "BTC",
            books: Vec::new(),
            consensus: DerivativesConsensus::default(),
            focused: false,
        };
        assert_eq!(title(&view, "·", 200), "Perp · BTC", "nothing to say yet");
        view.consensus = DerivativesConsensus {
            funding_agreement: Some(0.858741996),
            funding_mean_8h: Some(6.1e-5),
            oi_change_1h: Some(0.007),
            oi_divergence: Some(0.019),
            oi_price_divergence: Some(true),
            venues: 3,
        };
        let all = "Perp · BTC · funding agree 0.86 (+0.0061%/8h) · OI 1h +0.70% ±1.90% · price and OI apart";
        assert_eq!(title(&view, "·", 200), all);
        // Only whole parts: every title is the symbol plus the first k parts.
        let whole: Vec<String> = (0..=3)
            .map(|k| all.split(" · ").take(2 + k).collect::<Vec<_>>().join(" · "))
            .collect();
        let mut seen = Vec::new();
        for width in 0..=all.chars().count() as u16 + 4 {
            let t = title(&view, "·", width);
            assert!(whole.contains(&t), "{width}: {t}");
            assert!(
                t == whole[0] || t.chars().count() + 4 <= usize::from(width),
                "{width}: {t}"
            );
            if !seen.contains(&t) {
                seen.push(t);
            }
        }
        assert_eq!(seen, whole, "each part appears once it fits");
    }

    #[test]
    fn countdowns_fit_six_characters() {
        assert_eq!(countdown(-5), "due");
        assert_eq!(countdown(0), "due");
        assert_eq!(countdown(42_500), "42s");
        assert_eq!(countdown(3_598_000), "59m58s");
        assert_eq!(countdown(28_740_000), "7h59m");
        for ms in [1, 59_999, 3_599_999, 86_399_999] {
            assert!(countdown(ms).chars().count() <= 6, "{ms}");
        }
    }
}
