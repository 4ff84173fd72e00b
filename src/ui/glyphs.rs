//! Every non-text glyph the UI draws, chosen in one place: Unicode by default, plain ASCII under
//! `--ascii` (no box-drawing, braille, block or other non-ASCII glyphs, for terminals and fonts
//! that lack them).

use ratatui::symbols::border;

/// A glyph set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Glyphs {
    pub ascii: bool,
    pub border: border::Set<'static>,
    /// An absent value (undefined, warming up, or not computed for a book that is not proven).
    /// Never a zero.
    pub absent: &'static str,
    /// Separator between header fields.
    pub sep: &'static str,
    /// Bar fill, and partial fills in eighths (index 0 = one eighth); ASCII has no partials.
    pub bar_full: &'static str,
    pub bar_eighths: &'static [&'static str],
    /// Sparkline levels, lowest first.
    pub spark: &'static [&'static str],
    /// The centre mark of a centred gauge.
    pub centre: &'static str,
    /// Upper and lower half blocks for the heatmap (two price rows per cell); `None` in ASCII,
    /// where each cell is one row shaded with `shade`.
    pub half_blocks: Option<[&'static str; 2]>,
    /// Shade glyphs from empty to full, for the ASCII heatmap and mono themes.
    pub shade: &'static [&'static str],
    /// Large resting level marker.
    pub large: &'static str,
    /// Taker buy / sell markers (also used for positive / negative direction).
    pub up: &'static str,
    pub down: &'static str,
    /// A trade on the heatmap.
    pub trade: &'static str,
    /// Plot marks for two series, and the zero line.
    pub plot: [&'static str; 2],
    pub hline: &'static str,
    /// A truncated text.
    pub ellipsis: &'static str,
    /// The text cursor in the search prompt.
    pub cursor: &'static str,
    /// Comparisons and the separator inside a line of text (alerts): `≥ ≤ ·`.
    pub ge: &'static str,
    pub le: &'static str,
    pub dot: &'static str,
    /// From one to the other: a buy venue to a sell venue, a zone's low to its high price.
    pub arrow: &'static str,
    pub range: &'static str,
}

/// `+`, `-` and `|` borders.
const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

pub const UNICODE: Glyphs = Glyphs {
    ascii: false,
    border: border::ROUNDED,
    absent: "—",
    sep: " │ ",
    bar_full: "█",
    bar_eighths: &["▏", "▎", "▍", "▌", "▋", "▊", "▉"],
    spark: &["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
    centre: "│",
    half_blocks: Some(["▀", "▄"]),
    shade: &[" ", "░", "▒", "▓", "█"],
    large: "◆",
    up: "▲",
    down: "▼",
    trade: "●",
    plot: ["•", "∙"],
    hline: "─",
    ellipsis: "…",
    cursor: "▏",
    ge: "≥",
    le: "≤",
    dot: "·",
    arrow: "→",
    range: "–",
};

pub const ASCII: Glyphs = Glyphs {
    ascii: true,
    border: ASCII_BORDER,
    absent: "-",
    sep: " | ",
    bar_full: "#",
    bar_eighths: &[],
    spark: &["_", ".", "-", "=", "*", "#"],
    centre: "|",
    half_blocks: None,
    shade: &[" ", ".", ":", "+", "*", "#", "@"],
    large: "*",
    up: "^",
    down: "v",
    trade: "o",
    plot: ["*", "+"],
    hline: "-",
    ellipsis: "~",
    cursor: "_",
    ge: ">=",
    le: "<=",
    dot: "-",
    arrow: "->",
    range: "..",
};

impl Glyphs {
    pub fn new(ascii: bool) -> &'static Glyphs {
        if ascii { &ASCII } else { &UNICODE }
    }

    /// A horizontal bar `fraction` (0..1) of `width` cells long, with a partial last cell where
    /// the glyph set has them.
    pub fn bar(&self, fraction: f64, width: u16) -> String {
        let eighths = (fraction.clamp(0.0, 1.0) * f64::from(width) * 8.0).round() as usize;
        let mut out = self.bar_full.repeat(eighths / 8);
        if let Some(part) = (eighths % 8)
            .checked_sub(1)
            .and_then(|i| self.bar_eighths.get(i))
        {
            out.push_str(part);
        } else if self.bar_eighths.is_empty() && eighths % 8 >= 4 {
            out.push_str(self.bar_full);
        }
        out
    }

    /// The glyph for `fraction` (0..1) of a glyph ramp (sparkline levels, shades).
    pub fn level(ramp: &'static [&'static str], fraction: f64) -> &'static str {
        let top = ramp.len().saturating_sub(1);
        let i = (fraction.clamp(0.0, 1.0) * top as f64).round() as usize;
        ramp.get(i).copied().unwrap_or(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_glyphs_are_ascii() {
        let g = ASCII;
        let all = [
            g.absent, g.sep, g.bar_full, g.centre, g.large, g.up, g.down, g.trade, g.hline,
            g.ellipsis, g.cursor, g.plot[0], g.plot[1],
        ];
        let b = g.border;
        let borders = [
            b.top_left,
            b.top_right,
            b.bottom_left,
            b.bottom_right,
            b.vertical_left,
            b.vertical_right,
            b.horizontal_top,
            b.horizontal_bottom,
        ];
        for s in all
            .iter()
            .chain(&borders)
            .chain(g.spark)
            .chain(g.shade)
            .chain(g.bar_eighths)
        {
            assert!(s.is_ascii(), "{s:?}");
        }
        assert!(g.half_blocks.is_none());
    }

    #[test]
    fn bars_round_to_eighths_or_halves() {
        assert_eq!(UNICODE.bar(0.5, 4), "██");
        assert_eq!(UNICODE.bar(0.53, 4), "██▏");
        assert_eq!(UNICODE.bar(2.0, 3), "███");
        assert_eq!(ASCII.bar(0.5, 4), "##");
        assert_eq!(ASCII.bar(0.65, 4), "###");
        assert_eq!(ASCII.bar(0.0, 4), "");
        assert_eq!(Glyphs::level(UNICODE.spark, 1.0), "█");
        assert_eq!(Glyphs::level(UNICODE.spark, 0.0), "▁");
    }
}
