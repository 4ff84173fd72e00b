//! The help overlay, generated from the live keymap (a rebound key shows its new binding),
//! followed by a legend of the marks the screen uses for absent, stale and unproven data and a
//! glossary of every read on screen ([`crate::ui::glossary`]).

use crate::ui::glossary;
use crate::ui::keymap::HelpSection;
use crate::ui::widgets::{Ctx, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Clear, Widget};

pub struct HelpView<'a> {
    pub sections: &'a [HelpSection],
    pub scroll: u16,
    pub theme: &'a str,
}

/// The lines of the help text, with their styles, for a pane `width` cells wide (what a key,
/// mark or term means wraps under itself).
fn lines(view: &HelpView, width: usize, cx: &Ctx) -> Vec<(String, Style)> {
    let t = cx.theme;
    const TERM: usize = 18;
    let room = width.saturating_sub(TERM + 3).max(20);
    // A key, mark or term and what it means, the meaning wrapped under itself.
    let entry = |out: &mut Vec<(String, Style)>, term: &str, meaning: &str| {
        for (i, part) in wrap(meaning, room).into_iter().enumerate() {
            let term = if i == 0 { term } else { "" };
            out.push((format!("  {term:<TERM$} {part}"), t.text));
        }
    };
    let mut out = Vec::new();
    for section in view.sections {
        out.push((section.title.to_owned(), t.title));
        for (keys, what) in &section.lines {
            entry(&mut out, keys, what);
        }
        out.push((String::new(), t.text));
    }
    let g = cx.glyphs;
    let ge = g.ge;
    out.push(("What the marks mean".to_owned(), t.title));
    let legend = [
        (
            g.absent.to_owned(),
            "no number: undefined, warming up, or the book is not proven (never 0)",
        ),
        (
            "RESYNCING (gap)".to_owned(),
            "book failed an integrity check: greyed, no numbers, in no metric",
        ),
        (
            "STALE 7.2s".to_owned(),
            "book stopped updating: numbers kept but marked, out of aggregates",
        ),
        (
            "NO DATA 5s".to_owned(),
            "no frame from the engine for that long",
        ),
        (
            "FROZEN 3s".to_owned(),
            "screen held (f); data keeps flowing underneath",
        ),
        (g.large.to_owned(), "large resting level"),
        (
            "12.5+".to_owned(),
            "lower bound: some venue's book does not reach this row",
        ),
        (
            format!("{ge}$1.2M"),
            "band reaches past the known book: a lower bound",
        ),
        (
            "~0.0100%".to_owned(),
            "stale funding (older than twice its poll interval)",
        ),
        (
            ">book".to_owned(),
            "slippage: the known book does not hold that notional",
        ),
        (format!("{} {}", g.up, g.down), "taker buy / taker sell"),
        (
            "S R".to_owned(),
            "ladder: a support / resistance zone at the row's prices",
        ),
    ];
    for (mark, meaning) in legend {
        entry(&mut out, &mark, meaning);
    }
    out.push((String::new(), t.text));
    out.push((
        "Glossary: what each read is (unit, window)".to_owned(),
        t.title,
    ));
    for (term, meaning) in glossary::ENTRIES {
        entry(&mut out, term, meaning);
    }
    out.push((String::new(), t.text));
    out.push((format!("theme: {}", view.theme), t.dim));
    out
}

/// Words of `text` in lines of at most `width` characters (a longer word gets its own line).
pub(in crate::ui) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

pub fn render(area: Rect, buf: &mut Buffer, view: &HelpView, cx: &Ctx) {
    let width = area.width.saturating_sub(4).min(96);
    let height = area.height.saturating_sub(2);
    if width < 10 || height < 3 {
        return;
    }
    let popup = Rect::new(area.x + (area.width - width) / 2, area.y + 1, width, height);
    Clear.render(popup, buf);
    let inner = pane(
        popup,
        buf,
        "Help: keys from your keymap (j/k scroll, ? closes)",
        true,
        cx,
    );
    let lines = lines(view, usize::from(inner.width.saturating_sub(1)), cx);
    let first = usize::from(view.scroll).min(lines.len().saturating_sub(usize::from(inner.height)));
    for (i, (text, style)) in lines
        .iter()
        .skip(first)
        .take(usize::from(inner.height))
        .enumerate()
    {
        put(
            buf,
            inner.x + 1,
            inner.y + i as u16,
            text,
            inner.width.saturating_sub(1),
            *style,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_and_the_width() {
        let text = "taker buy - taker sell notional in CCY, last 1 min; + = net buying";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), text);
    }
}
