//! Depth bands: resting depth within ±2/5/10/25 bps of mid and the Kaiko-style percentage
//! bands, and slippage for reference notionals. A band reaching past the known book shows its
//! depth as a lower bound (`≥`). The aggregate compares venues side by side.

use crate::engine::frame::{BookFrame, Depth, DepthBands};
use crate::ui::format;
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub struct BandsView<'a> {
    pub books: Vec<(&'a BookFrame, String)>,
    pub scroll: usize,
    pub focused: bool,
}

pub fn render(area: Rect, buf: &mut Buffer, view: &BandsView, cx: &Ctx) {
    let inner = pane(area, buf, "Depth bands", view.focused, cx);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let with_bands: Vec<(&DepthBands, &str, &str)> = view
        .books
        .iter()
        .filter_map(|(b, l)| Some((b.bands.as_ref()?, l.as_str(), b.instrument.quote.as_str())))
        .collect();
    match with_bands.as_slice() {
        [] => put(
            buf,
            inner.x,
            inner.y,
            "no depth bands (book not proven, or warming up)",
            inner.width,
            cx.theme.dim,
        ),
        [(bands, _, quote)] => one(buf, inner, bands, quote, view.scroll, cx),
        many => compare(buf, inner, many, cx),
    }
}

/// Base units, or the notional in its quote currency (`$1.23M`, `12.3k ETH`) when `quote` is
/// given; a lower bound is marked `≥12.3` (`>=` in ASCII).
fn depth(d: Depth, quote: Option<&str>, cx: &Ctx) -> String {
    let number = match quote {
        Some(quote) => format::money(d.quote, quote),
        None => format::qty(d.base),
    };
    format!("{}{number}", lower_bound_mark(d.truncated, cx))
}

fn lower_bound_mark(truncated: bool, cx: &Ctx) -> &'static str {
    match (truncated, cx.glyphs.ascii) {
        (false, _) => "",
        (true, false) => "≥",
        (true, true) => ">=",
    }
}

/// One band row: its width in bps (for ordering and de-duplication), label and both sides.
type BandRow = (f64, String, Depth, Depth);

/// The bps bands then the percentage bands, each band shown once: a percentage band equal in
/// width and depth to a bps band (`0.1%` beside `10 bps`) is left out. After the first band
/// that reaches past the known book on both sides, the wider ones would repeat the same lower
/// bounds: they become one "beyond known depth" line (`None`).
fn band_rows(bands: &DepthBands) -> Vec<Option<BandRow>> {
    let mut all: Vec<BandRow> = bands
        .bps
        .iter()
        .map(|(bps, b, a)| (*bps, format!("{bps} bps"), *b, *a))
        .collect();
    for (pct, b, a) in &bands.kaiko {
        let bps = pct * 100.0;
        let same = |(w, _, bb, aa): &BandRow| (w - bps).abs() < 1e-9 && bb == b && aa == a;
        if !all.iter().any(same) {
            all.push((bps, format!("{pct}%"), *b, *a));
        }
    }
    let mut out: Vec<Option<BandRow>> = Vec::new();
    // Where the "beyond" line goes (after the first band past the book), once a band collapses.
    let mut first_beyond: Option<usize> = None;
    let mut collapsed = false;
    for row in all {
        if row.2.truncated && row.3.truncated {
            if first_beyond.is_some() {
                collapsed = true;
                continue;
            }
            first_beyond = Some(out.len() + 1);
        }
        out.push(Some(row));
    }
    if let (Some(at), true) = (first_beyond, collapsed) {
        out.insert(at, None);
    }
    out
}

/// Slippage in bps; `None` in the frame means the book does not hold that much.
fn slippage(bps: Option<f64>) -> String {
    bps.map_or_else(|| ">book".to_owned(), |v| format::fixed(v, 1))
}

fn one(buf: &mut Buffer, inner: Rect, bands: &DepthBands, quote: &str, scroll: usize, cx: &Ctx) {
    let columns = [
        Column::left("BAND", 10, 0),
        Column::right("BID qty", 8, 0),
        Column::right("ASK qty", 8, 0),
        Column::right("BID ntl", 10, 1),
        Column::right("ASK ntl", 10, 1),
    ];
    let kept = table::layout(&columns, inner.width);
    table::header(buf, inner, 0, &columns, &kept, cx.theme.dim);
    let t = cx.theme;
    let band_row = |row: Option<BandRow>| -> Vec<(String, Style)> {
        match row {
            Some((_, label, bid, ask)) => vec![
                (label, t.dim),
                (depth(bid, None, cx), t.bid),
                (depth(ask, None, cx), t.ask),
                (depth(bid, Some(quote), cx), t.bid),
                (depth(ask, Some(quote), cx), t.ask),
            ],
            None => vec![("wider: beyond known depth".to_owned(), t.not_live)],
        }
    };
    let mut rows: Vec<Vec<(String, Style)>> = band_rows(bands).into_iter().map(band_row).collect();
    // Slippage rows: buying walks the asks, selling the bids; in bps of mid.
    rows.extend(bands.slippage.iter().map(|(q, buy, sell)| {
        vec![
            (format!("slip {}", format::money(*q, quote)), t.dim),
            (format!("{} bp", slippage(*sell)), t.ask),
            (format!("{} bp", slippage(*buy)), t.bid),
            ("sell/buy".to_owned(), t.dim),
            (String::new(), t.dim),
        ]
    }));
    let first = scroll.min(rows.len().saturating_sub(1));
    for (i, cells) in rows
        .iter()
        .skip(first)
        .take(usize::from(inner.height.saturating_sub(1)))
        .enumerate()
    {
        table::row(buf, inner, 1 + i as u16, &columns, &kept, cells);
    }
}

/// One row per venue: notional within ±10 and ±25 bps and the $100k buy/sell slippage in bps.
fn compare(buf: &mut Buffer, inner: Rect, books: &[(&DepthBands, &str, &str)], cx: &Ctx) {
    let columns = [
        Column::left("VENUE", 6, 0),
        Column::right("10bp ntl", 10, 0),
        Column::right("25bp ntl", 10, 1),
        Column::right("SLIP 100k", 11, 2),
    ];
    let kept = table::layout(&columns, inner.width);
    table::header(buf, inner, 0, &columns, &kept, cx.theme.dim);
    let both = |bands: &DepthBands, bps: f64| {
        bands
            .bps
            .iter()
            .find(|(b, ..)| *b == bps)
            .map(|(_, bid, ask)| Depth {
                base: bid.base + ask.base,
                quote: bid.quote + ask.quote,
                truncated: bid.truncated || ask.truncated,
            })
    };
    for (i, (bands, label, quote)) in books
        .iter()
        .take(usize::from(inner.height.saturating_sub(1)))
        .enumerate()
    {
        let band = |bps| {
            both(bands, bps).map_or_else(
                || cx.glyphs.absent.to_owned(),
                |d| depth(d, Some(quote), cx),
            )
        };
        let slip = bands
            .slippage
            .iter()
            .find(|(q, ..)| *q == 100_000.0)
            .map_or_else(
                || cx.glyphs.absent.to_owned(),
                |(_, buy, sell)| format!("{}/{}", slippage(*buy), slippage(*sell)),
            );
        let cells = [
            ((*label).to_owned(), cx.theme.dim),
            (band(10.0), cx.theme.text),
            (band(25.0), cx.theme.text),
            (slip, cx.theme.text),
        ];
        table::row(buf, inner, 1 + i as u16, &columns, &kept, &cells);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(base: f64, truncated: bool) -> Depth {
        Depth {
            base,
            quote: base * 100.0,
            truncated,
        }
    }

    #[test]
    fn each_band_shows_once_and_lower_bounds_collapse_into_one_line() {
        let exact = |x| d(x, false);
        let bands = DepthBands {
            bps: vec![
                (2.0, exact(1.0), exact(1.0)),
                (5.0, exact(2.0), exact(2.0)),
                (10.0, exact(3.0), exact(3.0)),
                (25.0, d(4.0, true), exact(4.0)),
            ],
            kaiko: vec![
                (0.1, exact(3.0), exact(3.0)),
                (0.2, d(5.0, true), d(5.0, true)),
                (0.3, d(5.0, true), d(5.0, true)),
                (0.5, d(5.0, true), d(5.0, true)),
                (1.0, d(5.0, true), d(5.0, true)),
            ],
            ..DepthBands::default()
        };
        let labels: Vec<String> = band_rows(&bands)
            .into_iter()
            .map(|r| r.map_or_else(|| "beyond".to_owned(), |r| r.1))
            .collect();
        assert_eq!(
            labels,
            ["2 bps", "5 bps", "10 bps", "25 bps", "0.2%", "beyond"],
            "0.1% equals 10 bps; 0.3% to 1% repeat the 0.2% lower bound"
        );
        // A percentage band that differs from its bps twin (measured from the best price, not
        // mid) is a different read and stays.
        let mut differs = bands.clone();
        differs.kaiko[0].1 = exact(2.5);
        let rows = band_rows(&differs);
        assert!(rows.iter().flatten().any(|r| r.1 == "0.1%"));
        // The last band reaching past the book needs no "beyond" line after it.
        let mut last = bands;
        last.kaiko.truncate(2);
        assert!(band_rows(&last).iter().all(Option::is_some));
    }
}
