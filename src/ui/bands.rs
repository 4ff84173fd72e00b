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
    let with_bands: Vec<(&DepthBands, &str)> = view
        .books
        .iter()
        .filter_map(|(b, l)| Some((b.bands.as_ref()?, l.as_str())))
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
        [(bands, _)] => one(buf, inner, bands, view.scroll, cx),
        many => compare(buf, inner, many, cx),
    }
}

/// Base units, or quote notional with `quote`; a lower bound is marked `≥12.3` (`>=` in ASCII).
fn depth(d: Depth, quote: bool, cx: &Ctx) -> String {
    let mark = match (d.truncated, cx.glyphs.ascii) {
        (false, _) => "",
        (true, false) => "≥",
        (true, true) => ">=",
    };
    let number = if quote {
        format::usd(d.quote)
    } else {
        format::qty(d.base)
    };
    format!("{mark}{number}")
}

/// Slippage in bps; `None` in the frame means the book does not hold that much.
fn slippage(bps: Option<f64>) -> String {
    bps.map_or_else(|| ">book".to_owned(), |v| format::fixed(v, 1))
}

fn one(buf: &mut Buffer, inner: Rect, bands: &DepthBands, scroll: usize, cx: &Ctx) {
    let columns = [
        Column::left("BAND", 10, 0),
        Column::right("BID", 8, 0),
        Column::right("ASK", 8, 0),
        Column::right("BID $", 9, 1),
        Column::right("ASK $", 9, 1),
    ];
    let kept = table::layout(&columns, inner.width);
    table::header(buf, inner, 0, &columns, &kept, cx.theme.dim);
    let t = cx.theme;
    let band_row = |label: String, bid: Depth, ask: Depth| -> Vec<(String, Style)> {
        vec![
            (label, t.dim),
            (depth(bid, false, cx), t.bid),
            (depth(ask, false, cx), t.ask),
            (depth(bid, true, cx), t.bid),
            (depth(ask, true, cx), t.ask),
        ]
    };
    let mut rows: Vec<Vec<(String, Style)>> = Vec::new();
    rows.extend(
        bands
            .bps
            .iter()
            .map(|(bps, b, a)| band_row(format!("{bps} bps"), *b, *a)),
    );
    rows.extend(
        bands
            .kaiko
            .iter()
            .map(|(pct, b, a)| band_row(format!("{pct}%"), *b, *a)),
    );
    // Slippage rows: buying walks the asks, selling the bids; in bps of mid.
    rows.extend(bands.slippage.iter().map(|(q, buy, sell)| {
        vec![
            (format!("slip {}", format::usd(*q)), t.dim),
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
fn compare(buf: &mut Buffer, inner: Rect, books: &[(&DepthBands, &str)], cx: &Ctx) {
    let columns = [
        Column::left("VENUE", 6, 0),
        Column::right("10bp $", 9, 0),
        Column::right("25bp $", 9, 1),
        Column::right("SLIP $100k", 11, 2),
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
    for (i, (bands, label)) in books
        .iter()
        .take(usize::from(inner.height.saturating_sub(1)))
        .enumerate()
    {
        let band = |bps| {
            both(bands, bps).map_or_else(|| cx.glyphs.absent.to_owned(), |d| depth(d, true, cx))
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
