//! `[ui]` (how the terminal UI looks and paces itself) and `[keybindings.<mode>]` (which keys do
//! what). Theme overrides live in [`super::theme`].
//!
//! Key bindings map a command to its keys, per mode. A user's table replaces the keys of the
//! commands it names and leaves every other command on its default, so a one-line override
//! works; [`Keybindings::resolve`] rejects a key bound to two commands where both could apply.

use crate::ui::action::Command;
use crate::ui::keys::Key;
use serde::Deserialize;
use std::collections::BTreeMap;

/// `[ui]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiSection {
    /// Most frames drawn per second (`--fps` overrides).
    pub fps: u32,
    /// Theme name or file (`--theme` overrides; `NO_COLOR` picks `mono` unless `--theme` is given).
    pub theme: String,
    /// Avoid box-drawing, braille and block glyphs (`--ascii` turns it on too).
    pub ascii: bool,
    /// Capture the mouse (wheel scrolls the focused pane).
    pub mouse: bool,
    /// Colour depth of the terminal.
    pub color: ColorDepthSetting,
    /// Ladder levels per side at start (5, 10, 20 or 50).
    pub ladder_depth: usize,
    /// Heatmap time resolution: one column per this many milliseconds.
    pub heatmap_column_ms: u64,
}

impl Default for UiSection {
    fn default() -> Self {
        UiSection {
            fps: 10,
            theme: "default".into(),
            ascii: false,
            mouse: false,
            color: ColorDepthSetting::Auto,
            ladder_depth: 10,
            heatmap_column_ms: 500,
        }
    }
}

/// How many colours the terminal shows. RGB theme colours are mapped to the 256-colour palette
/// unless the terminal is known to take 24-bit colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorDepthSetting {
    /// 24-bit when `COLORTERM` is `truecolor` or `24bit`, else 256 (SSH often drops `COLORTERM`).
    Auto,
    Truecolor,
    #[serde(rename = "256")]
    Ansi256,
}

/// The ladder depth presets the `d` key cycles through.
pub const LADDER_DEPTHS: [usize; 4] = [5, 10, 20, 50];

impl UiSection {
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=60).contains(&self.fps) {
            return Err(format!("ui.fps must be 1 to 60, got {}", self.fps));
        }
        if !LADDER_DEPTHS.contains(&self.ladder_depth) {
            return Err(format!(
                "ui.ladder_depth must be one of 5, 10, 20, 50, got {}",
                self.ladder_depth
            ));
        }
        if !(100..=60_000).contains(&self.heatmap_column_ms) {
            return Err(format!(
                "ui.heatmap_column_ms must be 100 to 60000, got {}",
                self.heatmap_column_ms
            ));
        }
        if self.theme.trim().is_empty() {
            return Err("ui.theme is empty: name a theme (default, mono, dark, light)".into());
        }
        Ok(())
    }
}

/// The modes a key binding belongs to. In a view, the view's own table is searched first, then
/// `global`; `help` and `search` are modal and use only their own table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    Global,
    Overview,
    Detail,
    Heatmap,
    Health,
    History,
    Analytics,
    Help,
    Search,
    /// The `:` command line.
    Command,
}

impl Mode {
    pub const ALL: [Mode; 10] = [
        Mode::Global,
        Mode::Overview,
        Mode::Detail,
        Mode::Heatmap,
        Mode::Health,
        Mode::History,
        Mode::Analytics,
        Mode::Help,
        Mode::Search,
        Mode::Command,
    ];

    /// The table name in `[keybindings.<name>]`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::Overview => "overview",
            Mode::Detail => "detail",
            Mode::Heatmap => "heatmap",
            Mode::Health => "health",
            Mode::History => "history",
            Mode::Analytics => "analytics",
            Mode::Help => "help",
            Mode::Search => "search",
            Mode::Command => "command",
        }
    }

    /// Whether lookups fall back to `global` in this mode.
    pub fn falls_back_to_global(self) -> bool {
        matches!(
            self,
            Mode::Overview
                | Mode::Detail
                | Mode::Heatmap
                | Mode::Health
                | Mode::History
                | Mode::Analytics
        )
    }
}

/// One mode's table: command → keys (an empty list unbinds the command).
pub type ModeBindings = BTreeMap<Command, Vec<Key>>;

/// `[keybindings.<mode>]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Keybindings {
    pub global: ModeBindings,
    pub overview: ModeBindings,
    pub detail: ModeBindings,
    pub heatmap: ModeBindings,
    pub health: ModeBindings,
    pub history: ModeBindings,
    pub analytics: ModeBindings,
    pub help: ModeBindings,
    pub search: ModeBindings,
    pub command: ModeBindings,
}

/// The built-in bindings; `config/default.toml` spells out the same table (a test holds them
/// equal).
const DEFAULT_BINDINGS: &[(Mode, Command, &[&str])] = &[
    (Mode::Global, Command::Quit, &["q", "ctrl+c"]),
    (Mode::Global, Command::Close, &["esc"]),
    (Mode::Global, Command::ToggleHelp, &["?"]),
    (Mode::Global, Command::Search, &["/"]),
    (Mode::Global, Command::ViewOverview, &["1"]),
    (Mode::Global, Command::ViewDetail, &["2"]),
    (Mode::Global, Command::ViewHeatmap, &["3"]),
    (Mode::Global, Command::ViewHealth, &["4"]),
    (Mode::Global, Command::ViewHistory, &["5"]),
    (Mode::Global, Command::ViewAnalytics, &["6"]),
    (Mode::Global, Command::PrevSymbol, &["["]),
    (Mode::Global, Command::NextSymbol, &["]"]),
    (Mode::Global, Command::NextPane, &["tab"]),
    (Mode::Global, Command::PrevPane, &["backtab"]),
    (Mode::Global, Command::CycleVenue, &["v"]),
    (Mode::Global, Command::Freeze, &["f"]),
    (Mode::Global, Command::Up, &["k", "up"]),
    (Mode::Global, Command::Down, &["j", "down"]),
    (Mode::Global, Command::PageUp, &["pageup", "ctrl+u"]),
    (Mode::Global, Command::PageDown, &["pagedown", "ctrl+d"]),
    (Mode::Global, Command::Top, &["g", "home"]),
    (Mode::Global, Command::Bottom, &["G", "end"]),
    (Mode::Global, Command::TogglePause, &["space"]),
    (Mode::Global, Command::Faster, &[">"]),
    (Mode::Global, Command::Slower, &["<"]),
    (Mode::Global, Command::OpenCommandLine, &[":"]),
    (Mode::Overview, Command::CycleSort, &["s"]),
    (Mode::Overview, Command::ReverseSort, &["S"]),
    (Mode::Overview, Command::NextColumns, &["c"]),
    (
        Mode::Overview,
        Command::OpenSelected,
        &["enter", "l", "right"],
    ),
    (Mode::Detail, Command::GroupCoarser, &["+", "="]),
    (Mode::Detail, Command::GroupFiner, &["-"]),
    (Mode::Detail, Command::GroupingUnit, &["b"]),
    (Mode::Detail, Command::CycleDepth, &["d"]),
    (Mode::Detail, Command::CycleChartRange, &["r"]),
    (Mode::Detail, Command::TapeFilterUp, &["."]),
    (Mode::Detail, Command::TapeFilterDown, &[","]),
    (Mode::Detail, Command::ToggleTapeLiquidations, &["L"]),
    (Mode::Detail, Command::ToggleAlertsScope, &["a"]),
    (Mode::Heatmap, Command::GroupCoarser, &["+", "="]),
    (Mode::Heatmap, Command::GroupFiner, &["-"]),
    (Mode::Heatmap, Command::GroupingUnit, &["b"]),
    (Mode::History, Command::CycleHistoryRange, &["r"]),
    (
        Mode::History,
        Command::NextHistoryField,
        &["n", "right", "l"],
    ),
    (
        Mode::History,
        Command::PrevHistoryField,
        &["N", "left", "h"],
    ),
    (Mode::Help, Command::ToggleHelp, &["?", "esc", "q"]),
    (Mode::Help, Command::Up, &["k", "up"]),
    (Mode::Help, Command::Down, &["j", "down"]),
    (Mode::Help, Command::PageUp, &["pageup", "ctrl+u"]),
    (Mode::Help, Command::PageDown, &["pagedown", "ctrl+d"]),
    (Mode::Search, Command::SearchAccept, &["enter"]),
    (Mode::Search, Command::SearchCancel, &["esc"]),
    (Mode::Search, Command::SearchDelete, &["backspace"]),
    (Mode::Search, Command::Up, &["up", "ctrl+p"]),
    (Mode::Search, Command::Down, &["down", "ctrl+n"]),
    (Mode::Command, Command::CommandAccept, &["enter"]),
    (Mode::Command, Command::CommandCancel, &["esc", "ctrl+c"]),
    (Mode::Command, Command::CommandDelete, &["backspace"]),
];

impl Default for Keybindings {
    fn default() -> Self {
        let mut k = Keybindings::empty();
        for (mode, command, keys) in DEFAULT_BINDINGS {
            let keys = keys
                .iter()
                .map(|s| s.parse().expect("built-in key names parse"))
                .collect();
            k.table_mut(*mode).insert(*command, keys);
        }
        k
    }
}

/// A key bound to two commands that could both apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateBinding {
    pub key: Key,
    pub first: (Mode, Command),
    pub second: (Mode, Command),
}

impl std::fmt::Display for DuplicateBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = Command::name;
        let ((m1, c1), (m2, c2)) = (self.first, self.second);
        if m1 == m2 {
            write!(
                f,
                "key \"{}\" is bound twice in [keybindings.{}]: to {} and to {}",
                self.key,
                m1.name(),
                name(c1),
                name(c2)
            )
        } else {
            write!(
                f,
                "key \"{}\" is bound to {} in [keybindings.{}] and to {} in [keybindings.{}]; \
                 one key, one meaning: unbind one of them",
                self.key,
                name(c1),
                m1.name(),
                name(c2),
                m2.name()
            )
        }
    }
}

impl Keybindings {
    fn empty() -> Self {
        Keybindings {
            global: BTreeMap::new(),
            overview: BTreeMap::new(),
            detail: BTreeMap::new(),
            heatmap: BTreeMap::new(),
            health: BTreeMap::new(),
            history: BTreeMap::new(),
            analytics: BTreeMap::new(),
            help: BTreeMap::new(),
            search: BTreeMap::new(),
            command: BTreeMap::new(),
        }
    }

    pub fn table(&self, mode: Mode) -> &ModeBindings {
        match mode {
            Mode::Global => &self.global,
            Mode::Overview => &self.overview,
            Mode::Detail => &self.detail,
            Mode::Heatmap => &self.heatmap,
            Mode::Health => &self.health,
            Mode::History => &self.history,
            Mode::Analytics => &self.analytics,
            Mode::Help => &self.help,
            Mode::Search => &self.search,
            Mode::Command => &self.command,
        }
    }

    fn table_mut(&mut self, mode: Mode) -> &mut ModeBindings {
        match mode {
            Mode::Global => &mut self.global,
            Mode::Overview => &mut self.overview,
            Mode::Detail => &mut self.detail,
            Mode::Heatmap => &mut self.heatmap,
            Mode::Health => &mut self.health,
            Mode::History => &mut self.history,
            Mode::Analytics => &mut self.analytics,
            Mode::Help => &mut self.help,
            Mode::Search => &mut self.search,
            Mode::Command => &mut self.command,
        }
    }

    /// The user's tables laid over the defaults (commands a table does not name keep their
    /// default keys), checked for keys with two meanings.
    pub fn resolve(&self) -> Result<Keybindings, DuplicateBinding> {
        let mut merged = Keybindings::default();
        for mode in Mode::ALL {
            for (command, keys) in self.table(mode) {
                merged.table_mut(mode).insert(*command, keys.clone());
            }
        }
        merged.check_duplicates()?;
        Ok(merged)
    }

    fn check_duplicates(&self) -> Result<(), DuplicateBinding> {
        let mut global: BTreeMap<Key, Command> = BTreeMap::new();
        for (command, keys) in &self.global {
            for key in keys {
                if let Some(first) = global.insert(*key, *command) {
                    return Err(DuplicateBinding {
                        key: *key,
                        first: (Mode::Global, first),
                        second: (Mode::Global, *command),
                    });
                }
            }
        }
        for mode in Mode::ALL.into_iter().filter(|m| *m != Mode::Global) {
            let mut seen: BTreeMap<Key, Command> = BTreeMap::new();
            for (command, keys) in self.table(mode) {
                for key in keys {
                    if let Some(first) = seen.insert(*key, *command) {
                        return Err(DuplicateBinding {
                            key: *key,
                            first: (mode, first),
                            second: (mode, *command),
                        });
                    }
                    // A view's key that is also global would silently shadow the global one.
                    if mode.falls_back_to_global()
                        && let Some(g) = global.get(key)
                        && g != command
                    {
                        return Err(DuplicateBinding {
                            key: *key,
                            first: (mode, *command),
                            second: (Mode::Global, *g),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_bindings_have_no_duplicates_and_cover_every_command() {
        let k = Keybindings::default();
        k.check_duplicates().unwrap();
        let bound: std::collections::BTreeSet<Command> = Mode::ALL
            .into_iter()
            .flat_map(|m| k.table(m).keys().copied())
            .collect();
        for command in Command::ALL {
            assert!(bound.contains(&command), "{command:?} has no default key");
        }
    }

    #[test]
    fn a_user_table_replaces_only_the_commands_it_names() {
        let user: Keybindings = toml::from_str("[global]\nfreeze = [\"ctrl+f\"]\n").unwrap();
        let merged = user.resolve().unwrap();
        assert_eq!(
            merged.global[&Command::Freeze],
            vec!["ctrl+f".parse().unwrap()]
        );
        assert_eq!(
            merged.global[&Command::Quit],
            Keybindings::default().global[&Command::Quit]
        );
        assert_eq!(merged.detail, Keybindings::default().detail);
    }
}
