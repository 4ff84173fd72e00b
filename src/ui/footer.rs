//! The bottom line: the last notice, or key hints generated from the keymap for the current
//! view (so a rebound key shows its new binding).

use crate::config::ui::Mode;
use crate::ui::action::Command;
use crate::ui::keymap::Keymap;
use crate::ui::widgets::{Ctx, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// The commands hinted in a mode, with their short names, most useful first.
fn hints(mode: Mode) -> &'static [(Command, &'static str)] {
    match mode {
        Mode::Overview => &[
            (Command::OpenSelected, "open"),
            (Command::CycleSort, "sort"),
            (Command::ReverseSort, "reverse"),
            (Command::NextColumns, "more columns"),
        ],
        Mode::Detail => &[
            (Command::CycleVenue, "venue"),
            (Command::GroupCoarser, "group+"),
            (Command::GroupFiner, "group-"),
            (Command::GroupingUnit, "tick/bps"),
            (Command::CycleDepth, "depth"),
            (Command::NextPane, "pane"),
        ],
        Mode::Heatmap => &[
            (Command::CycleVenue, "venue"),
            (Command::GroupCoarser, "zoom out"),
            (Command::GroupFiner, "zoom in"),
        ],
        Mode::Health => &[(Command::NextPane, "pane")],
        Mode::History => &[
            (Command::NextHistoryField, "feature"),
            (Command::CycleHistoryRange, "range"),
            (Command::CycleVenue, "venue"),
        ],
        Mode::Analytics => &[(Command::NextPane, "pane"), (Command::Down, "scroll")],
        _ => &[],
    }
}

const GLOBAL_HINTS: [(Command, &str); 5] = [
    (Command::ToggleHelp, "help"),
    (Command::Search, "search"),
    (Command::NextSymbol, "next symbol"),
    (Command::Freeze, "freeze"),
    (Command::Quit, "quit"),
];

pub fn render(
    area: Rect,
    buf: &mut Buffer,
    mode: Mode,
    notice: Option<&str>,
    keymap: &Keymap,
    cx: &Ctx,
) {
    if area.height == 0 {
        return;
    }
    if let Some(notice) = notice {
        put(buf, area.x, area.y, notice, area.width, cx.theme.alert_warn);
        return;
    }
    let mut x = area.x;
    let entries = hints(mode)
        .iter()
        .map(|(c, name)| (keymap.keys(mode, *c), *name))
        .chain(
            GLOBAL_HINTS
                .iter()
                .map(|(c, name)| (keymap.keys(Mode::Global, *c), *name)),
        );
    for (keys, name) in entries {
        let Some(key) = keys.first() else {
            continue;
        };
        let (key, name) = (key.to_string(), format!(" {name}  "));
        let need = (key.chars().count() + name.chars().count()) as u16;
        if x + need > area.right() {
            break;
        }
        put(buf, x, area.y, &key, need, cx.theme.title);
        x += key.chars().count() as u16;
        put(buf, x, area.y, &name, need, cx.theme.dim);
        x += name.chars().count() as u16;
    }
}
