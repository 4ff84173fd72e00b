//! The log pane's lines: a record as `HH:MM:SS L message`, wrapped between words so a number
//! or a name is never split across lines (the logger widget's own formatter breaks at the
//! column, inside `3358637` as readily as between words). Continuation lines are indented under
//! the message; only a word longer than the whole line is broken.

use ratatui::style::Style;
use ratatui::text::Line;
use tui_logger::{ExtLogRecord, LogFormatter};

use crate::ui::help::wrap;

/// The log pane's formatter, with a style per level.
pub struct WrappedLog {
    pub text: Style,
    pub error: Style,
    pub warn: Style,
    pub dim: Style,
}

impl LogFormatter for WrappedLog {
    fn min_width(&self) -> u16 {
        // The prefix and room for a word.
        PREFIX as u16 + 8
    }

    fn format(&self, width: usize, evt: &ExtLogRecord) -> Vec<Line<'_>> {
        let level = evt.level.as_str();
        let style = match level {
            "ERROR" => self.error,
            "WARN" => self.warn,
            "INFO" => self.text,
            _ => self.dim,
        };
        let stamp = evt.timestamp.strftime("%H:%M:%S").to_string();
        record_lines(&stamp, &level[..1], evt.msg(), width)
            .into_iter()
            .map(|l| Line::styled(l, style))
            .collect()
    }
}

/// `HH:MM:SS L `: what comes before the message, and the indent of its continuation lines.
const PREFIX: usize = 11;

/// One record in lines of at most `width` characters: the prefix, then each line of `msg`
/// wrapped between words under the message's first column.
fn record_lines(stamp: &str, level: &str, msg: &str, width: usize) -> Vec<String> {
    let room = width.saturating_sub(PREFIX).max(1);
    let mut out = Vec::new();
    for text in msg.lines() {
        for line in wrap(text, room) {
            for piece in split_long(&line, room) {
                let head = match out.is_empty() {
                    true => format!("{stamp:<8} {level} "),
                    false => " ".repeat(PREFIX),
                };
                out.push(head + piece);
            }
        }
    }
    if out.is_empty() {
        out.push(format!("{stamp:<8} {level}"));
    }
    out
}

/// `line` in pieces of at most `room` characters: itself unless a single word is longer.
fn split_long(line: &str, room: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = line;
    while rest.chars().count() > room {
        let cut = rest.char_indices().nth(room).map_or(rest.len(), |(i, _)| i);
        pieces.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    pieces.push(rest);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_wraps_between_words_under_its_message() {
        let msg = "alert large_trade_usd on binance BTCUSDT: large_trade_usd = 3358637 ≥ 2000000";
        let lines = record_lines("12:34:56", "W", msg, 40);
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{lines:?}");
        assert!(lines[0].starts_with("12:34:56 W alert"), "{lines:?}");
        assert!(lines[1..].iter().all(|l| l.starts_with("           ")));
        // Every word whole on one line, in order.
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        let expected: Vec<&str> = ["12:34:56", "W"]
            .into_iter()
            .chain(msg.split_whitespace())
            .collect();
        assert_eq!(words, expected);
    }

    #[test]
    fn only_a_word_longer_than_the_line_is_broken() {
        let path = "/home/trader/.local/share/depthscope/history.sqlite";
        let lines = record_lines("12:34:56", "I", &format!("history at {path}"), 30);
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
        assert_eq!(lines[0].trim_end(), "12:34:56 I history at");
        let rejoined: String = lines[1..].iter().map(|l| l.trim_start()).collect();
        assert_eq!(rejoined, path);
    }

    #[test]
    fn each_line_of_a_message_starts_a_line() {
        let lines = record_lines("12:34:56", "E", "first\nsecond", 80);
        assert_eq!(lines, ["12:34:56 E first", "           second"]);
        assert_eq!(record_lines("12:34:56", "I", "", 80), ["12:34:56 I"]);
    }
}
