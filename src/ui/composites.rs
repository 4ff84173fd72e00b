//! Cross-venue composites with sparklines of their recent history on fixed scales (signed ones
//! from -1 to 1, risks from 0 to 1), and which venues fed them.

use crate::engine::frame::{Composites, Progress, SymbolHistory};
use crate::ui::format;
use crate::ui::widgets::{Ctx, pane, put, put_right, sparkline};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub struct CompositesView<'a> {
    pub composites: &'a Composites,
    pub history: &'a SymbolHistory,
    pub focused: bool,
}

/// A history series and the fixed scale it is drawn on.
type Spark<'a> = Option<(&'a [Option<f64>], (f64, f64))>;

const LABEL: u16 = 16;
const DISLOCATION: &str = "dislocation bps";
/// §3.11 depth divergence; its row also shows `whale_agreement` beside it.
const PERP_VS_SPOT: &str = "perp vs spot DI";
const NUMBER: u16 = 7;

/// `23/60m`: minutes of baseline held of those needed (fits the 7-cell number column).
pub fn warming_label(p: Progress) -> String {
    format!("{:.0}/{:.0}m", p.have_min, p.need_min)
}

pub fn render(area: Rect, buf: &mut Buffer, view: &CompositesView, cx: &Ctx) {
    let inner = pane(area, buf, "Composites", view.focused, cx);
    if inner.height == 0 {
        return;
    }
    let (c, h, t) = (view.composites, view.history, cx.theme);
    let signed = |v: Option<f64>| {
        (
            cx.num(v, |x| format::signed(x, 2)),
            v.map_or(t.text, |x| t.signed(x)),
        )
    };
    let risk = |v: Option<f64>| {
        (
            cx.num(v, |x| format::fixed(x, 2)),
            v.map_or(t.text, |x| t.stress(x)),
        )
    };
    let whale = match (c.whale_conviction, c.whale_direction) {
        (Some(w), Some(d)) => format!(
            "{}{}",
            format::fixed(w, 2),
            if d >= 0.0 {
                cx.glyphs.up
            } else {
                cx.glyphs.down
            }
        ),
        (w, _) => cx.num(w, |x| format::fixed(x, 2)),
    };
    // A composite waiting for its baseline says how far it has filled instead of `—`.
    let filling = |shown: (String, Style), v: Option<f64>, p: Option<Progress>| match (v, p) {
        (None, Some(p)) => (warming_label(p), t.dim),
        _ => shown,
    };
    let w = &c.warming;
    let rows: [(&str, (String, Style), Spark); 8] = [
        (
            "dir pressure",
            signed(c.directional_pressure),
            Some((&h.directional_pressure, (-1.0, 1.0))),
        ),
        (
            "liquidity risk",
            filling(risk(c.liquidity_risk), c.liquidity_risk, w.liquidity_risk),
            Some((&h.liquidity_risk, (0.0, 1.0))),
        ),
        (
            "flow momentum",
            filling(signed(c.flow_momentum), c.flow_momentum, w.flow_momentum),
            Some((&h.flow_momentum, (-1.0, 1.0))),
        ),
        (
            "cascade stress",
            filling(risk(c.cascade_stress), c.cascade_stress, w.cascade_stress),
            Some((&h.cascade_stress, (0.0, 1.0))),
        ),
        (
            "whale convict.",
            filling((whale, t.text), c.whale_conviction, w.whale_conviction),
            None,
        ),
        (
            "venue agreement",
            (
                cx.num(c.cross_exchange_agreement, |x| format::fixed(x, 2)),
                t.text,
            ),
            None,
        ),
        (
            DISLOCATION,
            (cx.num(c.dislocation_bps, |x| format::fixed(x, 1)), t.text),
            None,
        ),
        // §3.11: positive when the perpetuals' book leans more to the bid than spot's.
        (PERP_VS_SPOT, signed(c.spot_perp.depth_divergence), None),
    ];
    let label = LABEL.min(inner.width);
    let number = NUMBER.min(inner.width - label);
    let spark_x = inner.x + label + number + 1;
    let spark_w = inner.right().saturating_sub(spark_x);
    let mut y = inner.y;
    for (name, (text, style), spark) in rows {
        if y >= inner.bottom() {
            return;
        }
        put(buf, inner.x, y, name, label, t.dim);
        put_right(buf, inner.x + label, y, &text, number, style);
        if name == DISLOCATION
            && let Some(note) = pack(&currency_note(c), spark_w.into(), 1).first()
        {
            put(buf, spark_x, y, note, spark_w, t.dim);
        }
        if name == PERP_VS_SPOT {
            // 1 when spot's and the perpetuals' large takers lean the same way, 0 when opposite.
            let agreement = cx.num(c.spot_perp.whale_agreement, |x| format::fixed(x, 2));
            put(
                buf,
                spark_x,
                y,
                &format!("whales agree {agreement}"),
                spark_w,
                t.dim,
            );
        }
        if let Some((series, range)) = spark {
            sparkline(
                buf,
                Rect::new(spark_x, y, spark_w, 1),
                series,
                range,
                style,
                cx,
            );
        }
        y += 1;
    }
    if y < inner.bottom() {
        let used: Vec<String> = c
            .venues_used
            .iter()
            .enumerate()
            .map(|(i, v)| match i {
                0 => v.as_str().to_owned(),
                _ => format!(" {}", v.as_str()),
            })
            .collect();
        let width = inner.width - label;
        let lines = match used.is_empty() {
            true => vec![cx.glyphs.absent.to_owned()],
            false => pack(&used, width.into(), usize::from(inner.bottom() - y)),
        };
        put(buf, inner.x, y, "inputs from", label, t.dim);
        for (i, line) in lines.iter().enumerate() {
            put(buf, inner.x + label, y + i as u16, line, width, t.dim);
        }
    }
}

/// Whole pieces (each but the first carrying its separator) on up to `rows` lines of `width`
/// cells. When they do not all fit, the last line ends with `+N`, the number left out: a list
/// cut short says so, and no line ends inside a name or a number.
fn pack(pieces: &[String], width: usize, rows: usize) -> Vec<String> {
    let len = |line: &[&str]| line.iter().map(|p| p.chars().count()).sum::<usize>();
    let mut lines: Vec<Vec<&str>> = Vec::new();
    let mut shown = 0;
    for piece in pieces {
        match lines.last_mut() {
            Some(line) if len(line) + piece.chars().count() <= width => line.push(piece),
            _ => {
                let bare = piece.trim_start_matches([',', ';', ' ']);
                if lines.len() == rows || bare.chars().count() > width {
                    break;
                }
                lines.push(vec![bare]);
            }
        }
        shown += 1;
    }
    let mut left = pieces.len() - shown;
    if left > 0
        && let Some(line) = lines.last_mut()
    {
        while line.len() > 1 && len(line) + format!(" +{left}").len() > width {
            line.pop();
            left += 1;
        }
    }
    let mut out: Vec<String> = lines.iter().map(|l| l.concat()).collect();
    if left > 0 {
        match out.last_mut() {
            Some(line) => line.push_str(&format!(" +{left}")),
            None => out.push(format!("+{left}")),
        }
    }
    out
}

/// Beside the dislocation: books in another currency than the symbol's were converted through
/// the named rates (`via USDT/USD 0.99982 · kraken`) or left out (`USD left out: no rate`),
/// never taken as equal money. As pieces for [`pack`]; empty when every book is in the
/// symbol's currency.
fn currency_note(c: &Composites) -> Vec<String> {
    let mut pieces: Vec<String> = c
        .quote_rates
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let rate = format::fixed(r.rate, 5);
            let lead = if i == 0 { "via " } else { ", " };
            format!("{lead}{} {rate} · {}", r.pair, r.venue.as_str())
        })
        .collect();
    if !c.quotes_apart.is_empty() {
        let lead = if pieces.is_empty() { "" } else { "; " };
        pieces.push(format!(
            "{lead}{} left out: no rate",
            c.quotes_apart.join(" ")
        ));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warming_labels_fit_the_number_column() {
        let label = warming_label(Progress {
            have_min: 23.0,
            need_min: 60.0,
        });
        assert_eq!(label, "23/60m");
        assert!(label.len() <= NUMBER as usize);
    }

    #[test]
    fn the_currency_note_names_the_rate_or_what_was_left_out() {
        use crate::engine::quote_rate::QuoteRate;
        use crate::market::VenueId;
        let mut c = Composites::default();
        assert!(currency_note(&c).is_empty());
        c.quotes_apart = vec!["USD".into()];
        assert_eq!(currency_note(&c).concat(), "USD left out: no rate");
        let rate = |pair: &'static str, rate| QuoteRate {
            pair,
            rate,
            venue: VenueId::Kraken,
            instrument: pair.into(),
        };
        c.quote_rates = vec![rate("USDT/USD", 0.99982)];
        assert_eq!(
            currency_note(&c).concat(),
            "via USDT/USD 0.99982 · kraken; USD left out: no rate"
        );
        c.quotes_apart.clear();
        c.quote_rates.push(rate("USDC/USD", 0.99995));
        let note = currency_note(&c);
        assert_eq!(
            note.concat(),
            "via USDT/USD 0.99982 · kraken, USDC/USD 0.99995 · kraken"
        );
        // Where the second rate does not fit, it is counted, not cut.
        assert_eq!(pack(&note, 40, 1), ["via USDT/USD 0.99982 · kraken +1"]);
    }

    #[test]
    fn packed_lists_keep_whole_names_and_count_what_is_left_out() {
        let pieces: Vec<String> = ["binance", " binance-usdm", " bybit-spot", " okx", " kraken"]
            .map(String::from)
            .to_vec();
        // Two lines of 24: every name whole, no line starting with its separator.
        assert_eq!(
            pack(&pieces, 24, 2),
            ["binance binance-usdm", "bybit-spot okx kraken"]
        );
        // One line: what does not fit is counted, and the count has its room.
        assert_eq!(pack(&pieces, 24, 1), ["binance binance-usdm +3"]);
        assert_eq!(pack(&pieces, 22, 1), ["binance +4"]);
        assert_eq!(pack(&pieces, 60, 1), [pieces.concat()]);
        assert_eq!(pack(&pieces, 3, 1), ["+5"]);
    }
}
