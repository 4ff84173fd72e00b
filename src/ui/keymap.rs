//! The runtime keymap: resolved `[keybindings.<mode>]` tables, lookup of terminal key events,
//! and the help text generated from the same tables (so help cannot drift from behaviour).

use crate::config::ui::{DuplicateBinding, Keybindings, Mode};
use crate::ui::action::Command;
use crate::ui::keys::{Key, KeyName};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;

/// Key → command per mode, plus the ordered tables for help.
#[derive(Clone, Debug)]
pub struct Keymap {
    lookup: HashMap<(Mode, Key), Command>,
    bindings: Keybindings,
}

/// One help section: a mode's title and its (keys, description) lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpSection {
    pub title: &'static str,
    pub lines: Vec<(String, &'static str)>,
}

impl Keymap {
    /// The user's bindings over the defaults; a key with two meanings is an error.
    pub fn new(config: &Keybindings) -> Result<Keymap, DuplicateBinding> {
        let bindings = config.resolve()?;
        let mut lookup = HashMap::new();
        for mode in Mode::ALL {
            for (command, keys) in bindings.table(mode) {
                for key in keys {
                    lookup.insert((mode, *key), *command);
                }
            }
        }
        Ok(Keymap { lookup, bindings })
    }

    /// The command `key` means in `mode`: the mode's own table, then `global` for views.
    pub fn lookup(&self, mode: Mode, key: Key) -> Option<Command> {
        self.lookup.get(&(mode, key)).copied().or_else(|| {
            mode.falls_back_to_global()
                .then(|| self.lookup.get(&(Mode::Global, key)).copied())
                .flatten()
        })
    }

    /// The keys bound to `command` in `mode` (for hints in the footer).
    pub fn keys(&self, mode: Mode, command: Command) -> &[Key] {
        self.bindings
            .table(mode)
            .get(&command)
            .map_or(&[], Vec::as_slice)
    }

    /// Every mode's bindings with what they do, for the help screen. Unbound commands are left
    /// out; commands are listed in [`Command::ALL`] order.
    pub fn help(&self) -> Vec<HelpSection> {
        Mode::ALL
            .into_iter()
            .filter_map(|mode| {
                let table = self.bindings.table(mode);
                let lines: Vec<(String, &'static str)> = Command::ALL
                    .into_iter()
                    .filter_map(|c| {
                        let keys = table.get(&c).filter(|k| !k.is_empty())?;
                        let names: Vec<String> = keys.iter().map(Key::to_string).collect();
                        Some((names.join(" "), c.description()))
                    })
                    .collect();
                (!lines.is_empty()).then_some(HelpSection {
                    title: section_title(mode),
                    lines,
                })
            })
            .collect()
    }
}

fn section_title(mode: Mode) -> &'static str {
    match mode {
        Mode::Global => "Everywhere",
        Mode::Overview => "Overview",
        Mode::Detail => "Symbol detail",
        Mode::Heatmap => "Heatmap",
        Mode::Health => "Health",
        Mode::History => "History",
        Mode::Analytics => "Analytics",
        Mode::Help => "In this help",
        Mode::Search => "While searching",
        Mode::Command => "On the command line",
    }
}

/// A terminal key event as a [`Key`]; `None` for keys nothing can be bound to.
pub fn key_of(event: &KeyEvent) -> Option<Key> {
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    let alt = event.modifiers.contains(KeyModifiers::ALT);
    let shift = event.modifiers.contains(KeyModifiers::SHIFT);
    let name = match event.code {
        // Terminals report ctrl+letter in either case; bindings are lower-case.
        KeyCode::Char(c) if ctrl => KeyName::Char(c.to_ascii_lowercase()),
        KeyCode::Char(c) => KeyName::Char(c),
        KeyCode::Esc => KeyName::Esc,
        KeyCode::Enter => KeyName::Enter,
        KeyCode::Tab if shift => KeyName::BackTab,
        KeyCode::Tab => KeyName::Tab,
        KeyCode::BackTab => KeyName::BackTab,
        KeyCode::Backspace => KeyName::Backspace,
        KeyCode::Delete => KeyName::Delete,
        KeyCode::Insert => KeyName::Insert,
        KeyCode::Up => KeyName::Up,
        KeyCode::Down => KeyName::Down,
        KeyCode::Left => KeyName::Left,
        KeyCode::Right => KeyName::Right,
        KeyCode::PageUp => KeyName::PageUp,
        KeyCode::PageDown => KeyName::PageDown,
        KeyCode::Home => KeyName::Home,
        KeyCode::End => KeyName::End,
        KeyCode::F(n) => KeyName::F(n),
        _ => return None,
    };
    Some(Key { name, ctrl, alt })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventKind;

    fn event(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn terminal_events_map_to_the_keys_config_files_name() {
        let k = |code, m| key_of(&event(code, m)).unwrap();
        assert_eq!(
            k(KeyCode::Char('G'), KeyModifiers::SHIFT),
            "G".parse().unwrap()
        );
        assert_eq!(
            k(
                KeyCode::Char('D'),
                KeyModifiers::CONTROL | KeyModifiers::SHIFT
            ),
            "ctrl+d".parse().unwrap()
        );
        assert_eq!(
            k(KeyCode::BackTab, KeyModifiers::SHIFT),
            "backtab".parse().unwrap()
        );
        assert_eq!(
            k(KeyCode::Tab, KeyModifiers::SHIFT),
            "shift+tab".parse().unwrap()
        );
        assert_eq!(
            k(KeyCode::Char('+'), KeyModifiers::SHIFT),
            "+".parse().unwrap()
        );
        assert_eq!(
            k(KeyCode::Char(' '), KeyModifiers::NONE),
            "space".parse().unwrap()
        );
        assert!(key_of(&event(KeyCode::CapsLock, KeyModifiers::NONE)).is_none());
    }

    #[test]
    fn views_fall_back_to_global_but_modal_modes_do_not() {
        let map = Keymap::new(&Keybindings::default()).unwrap();
        let q = Key::char('q');
        assert_eq!(map.lookup(Mode::Detail, q), Some(Command::Quit));
        assert_eq!(map.lookup(Mode::Help, q), Some(Command::ToggleHelp));
        assert_eq!(
            map.lookup(Mode::Search, q),
            None,
            "q types a q while searching"
        );
        assert_eq!(
            map.lookup(Mode::Overview, Key::char('s')),
            Some(Command::CycleSort)
        );
        assert_eq!(map.lookup(Mode::Detail, Key::char('s')), None);
    }

    #[test]
    fn help_lists_every_bound_command_with_its_description() {
        let map = Keymap::new(&Keybindings::default()).unwrap();
        let help = map.help();
        let global = &help[0];
        assert_eq!(global.title, "Everywhere");
        assert_eq!(global.lines[0], ("q ctrl+c".to_owned(), "Quit"));
        assert_eq!(global.lines[1].0, "esc");
        let total: usize = help.iter().map(|s| s.lines.len()).sum();
        let bound: usize = Mode::ALL
            .into_iter()
            .map(|m| Keybindings::default().table(m).len())
            .sum();
        assert_eq!(total, bound);
    }
}
