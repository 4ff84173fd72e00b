//! What the user can ask for ([`Command`], bindable in `[keybindings.<mode>]`) and everything
//! that changes the app's state ([`Action`]).
//!
//! This module is plain data (no terminal types) so the config layer can name commands.

use crate::engine::frame::Frame;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A bindable command. Config files name them in snake_case (`freeze = ["f"]`); the help screen
/// shows [`Command::description`] next to the keys bound to each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Quit,
    /// Close what is open (back to the overview); never quits.
    Close,
    ToggleHelp,
    Search,
    ViewOverview,
    ViewDetail,
    ViewHeatmap,
    ViewHealth,
    ViewHistory,
    ViewAnalytics,
    PrevSymbol,
    NextSymbol,
    NextPane,
    PrevPane,
    CycleVenue,
    Freeze,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    CycleSort,
    ReverseSort,
    NextColumns,
    OpenSelected,
    GroupCoarser,
    GroupFiner,
    GroupingUnit,
    CycleDepth,
    TogglePause,
    Faster,
    Slower,
    SearchAccept,
    SearchCancel,
    SearchDelete,
    CycleChartRange,
    TapeFilterUp,
    TapeFilterDown,
    ToggleTapeLiquidations,
    ToggleAlertsScope,
    OpenCommandLine,
    CommandAccept,
    CommandCancel,
    CommandDelete,
    CycleHistoryRange,
    NextHistoryField,
    PrevHistoryField,
}

impl Command {
    /// Every command, in the order the help screen lists a mode's table.
    pub const ALL: [Command; 48] = [
        Command::Quit,
        Command::Close,
        Command::ToggleHelp,
        Command::Search,
        Command::ViewOverview,
        Command::ViewDetail,
        Command::ViewHeatmap,
        Command::ViewHealth,
        Command::ViewHistory,
        Command::ViewAnalytics,
        Command::PrevSymbol,
        Command::NextSymbol,
        Command::NextPane,
        Command::PrevPane,
        Command::CycleVenue,
        Command::Freeze,
        Command::Up,
        Command::Down,
        Command::PageUp,
        Command::PageDown,
        Command::Top,
        Command::Bottom,
        Command::CycleSort,
        Command::ReverseSort,
        Command::NextColumns,
        Command::OpenSelected,
        Command::GroupCoarser,
        Command::GroupFiner,
        Command::GroupingUnit,
        Command::CycleDepth,
        Command::TogglePause,
        Command::Faster,
        Command::Slower,
        Command::SearchAccept,
        Command::SearchCancel,
        Command::SearchDelete,
        Command::CycleChartRange,
        Command::TapeFilterUp,
        Command::TapeFilterDown,
        Command::ToggleTapeLiquidations,
        Command::ToggleAlertsScope,
        Command::OpenCommandLine,
        Command::CommandAccept,
        Command::CommandCancel,
        Command::CommandDelete,
        Command::CycleHistoryRange,
        Command::NextHistoryField,
        Command::PrevHistoryField,
    ];

    /// The snake_case name config files use (serde's spelling of the variant).
    pub fn name(self) -> String {
        let mut out = String::new();
        for (i, c) in format!("{self:?}").chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// One line for the help screen: what the command does, in the user's terms.
    pub fn description(self) -> &'static str {
        match self {
            Command::Quit => "Quit",
            Command::Close => "Close: back to the overview (never quits)",
            Command::ToggleHelp => "Show or hide this help",
            Command::Search => "Search symbols as you type",
            Command::ViewOverview => "Overview: every symbol x venue",
            Command::ViewDetail => "Symbol detail: ladder, gauges, flow, liquidations",
            Command::ViewHeatmap => "Heatmap: liquidity over time and price",
            Command::ViewHealth => "Health: connections, integrity counters, log",
            Command::ViewHistory => {
                "History: a feature over 1 h / 24 h / 7 d / 90 d from the store"
            }
            Command::ViewAnalytics => {
                "Analytics: zones, regime, drift, models, arbitrage, integrity, positioning"
            }
            Command::PrevSymbol => "Previous symbol",
            Command::NextSymbol => "Next symbol",
            Command::NextPane => "Focus the next pane",
            Command::PrevPane => "Focus the previous pane",
            Command::CycleVenue => "Cycle venue / aggregate across venues",
            Command::Freeze => "Freeze the screen (data keeps flowing underneath)",
            Command::Up => "Up (rows, ladder levels, lines)",
            Command::Down => "Down",
            Command::PageUp => "Page up",
            Command::PageDown => "Page down",
            Command::Top => "Top (ladder: back to the spread)",
            Command::Bottom => "Bottom",
            Command::CycleSort => "Sort by the next column",
            Command::ReverseSort => "Reverse the sort order",
            Command::NextColumns => "Show the columns a narrow screen hides (next group)",
            Command::OpenSelected => "Open the selected row in symbol detail",
            Command::GroupCoarser => "Coarser price grouping",
            Command::GroupFiner => "Finer price grouping",
            Command::GroupingUnit => "Group prices by tick multiples or by bps",
            Command::CycleDepth => "Ladder depth: 5 / 10 / 20 / 50 levels",
            Command::TogglePause => "Replay: pause / resume",
            Command::Faster => "Replay: faster",
            Command::Slower => "Replay: slower",
            Command::SearchAccept => "Go to the highlighted symbol",
            Command::SearchCancel => "Close search, keep the current symbol",
            Command::SearchDelete => "Delete the last character",
            Command::CycleChartRange => "Price chart range: 5 min / 1 h / 24 h",
            Command::TapeFilterUp => "Trade tape: raise the minimum notional shown",
            Command::TapeFilterDown => "Trade tape: lower the minimum notional shown",
            Command::ToggleTapeLiquidations => "Trade tape: show liquidations inline",
            Command::ToggleAlertsScope => "Alerts: this symbol only / all symbols",
            Command::OpenCommandLine => "Command line: :add SOL / :rm SOL (applied live), :min 50k",
            Command::CommandAccept => "Run the command",
            Command::CommandCancel => "Close the command line",
            Command::CommandDelete => "Delete the last character",
            Command::CycleHistoryRange => "History range: 1 h / 24 h / 7 d / 90 d",
            Command::NextHistoryField => "History: chart the next feature",
            Command::PrevHistoryField => "History: chart the previous feature",
        }
    }
}

/// Everything that changes the app's state. [`crate::ui::app::App::update`] is the only place
/// one is applied; keys become `Command`s through the keymap, the run loop supplies the rest.
#[derive(Clone, Debug)]
pub enum Action {
    /// A bound key (or mouse wheel) asked for this.
    Command(Command),
    /// A left click at screen cell `(x, y)` on a `width`×`height` screen: selects the row or
    /// focuses the pane under it.
    Click {
        x: u16,
        y: u16,
        width: u16,
        height: u16,
    },
    /// A character typed while searching or on the command line (not bindable: every
    /// printable key types).
    Type(char),
    /// A new frame from the engine. It only marks the screen dirty; it is drawn at the next
    /// frame slot, or not at all while frozen.
    Frame(Arc<Frame>),
    /// The frame source stopped (the engine exited or the replay ended): the last frame stays
    /// on screen, labelled as ended.
    SourceEnded,
}

impl From<Command> for Action {
    fn from(command: Command) -> Self {
        Action::Command(command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serde_spellings_and_every_command_is_listed() {
        for command in Command::ALL {
            let parsed: Command =
                serde_json::from_value(serde_json::Value::String(command.name())).unwrap();
            assert_eq!(parsed, command);
            assert!(!command.description().is_empty());
        }
        let distinct: std::collections::BTreeSet<Command> = Command::ALL.into_iter().collect();
        assert_eq!(distinct.len(), Command::ALL.len());
        assert_eq!(Command::OpenSelected.name(), "open_selected");
    }
}
