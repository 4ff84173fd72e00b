//! Key names as config files write them (`"q"`, `"G"`, `"ctrl+d"`, `"shift+tab"`, `"pageup"`),
//! parsed once into a normalised [`Key`] so that two spellings of one key compare equal and
//! duplicate bindings are caught.
//!
//! Plain data, no terminal types: the config layer parses these; the keymap converts terminal
//! events into them.

use serde::{Deserialize, Deserializer};
use std::fmt;
use std::str::FromStr;

/// A key without modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyName {
    /// A printable character, case kept (`G` is shift+g).
    Char(char),
    Esc,
    Enter,
    Tab,
    /// Shift+Tab (terminals report it as its own key).
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    F(u8),
}

/// A key with the modifiers that matter for binding (ctrl, alt). Shift is part of the character
/// for printable keys and of `BackTab` for tab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub name: KeyName,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub const fn plain(name: KeyName) -> Key {
        Key {
            name,
            ctrl: false,
            alt: false,
        }
    }

    pub const fn char(c: char) -> Key {
        Key::plain(KeyName::Char(c))
    }
}

/// Names accepted for non-character keys, as written in config files and shown in help.
const NAMES: [(&str, KeyName); 16] = [
    ("esc", KeyName::Esc),
    ("enter", KeyName::Enter),
    ("tab", KeyName::Tab),
    ("backtab", KeyName::BackTab),
    ("backspace", KeyName::Backspace),
    ("delete", KeyName::Delete),
    ("insert", KeyName::Insert),
    ("up", KeyName::Up),
    ("down", KeyName::Down),
    ("left", KeyName::Left),
    ("right", KeyName::Right),
    ("pageup", KeyName::PageUp),
    ("pagedown", KeyName::PageDown),
    ("home", KeyName::Home),
    ("end", KeyName::End),
    ("space", KeyName::Char(' ')),
];

impl FromStr for Key {
    type Err = String;

    fn from_str(text: &str) -> Result<Key, String> {
        let bad = |why: &str| format!("key {text:?}: {why}");
        if text.is_empty() {
            return Err(bad("empty key name"));
        }
        // `+` is both a key and the separator: `"+"` and `"ctrl++"` name the plus key.
        let (mods, last) = match text.strip_suffix("++") {
            Some(mods) => (mods, "+"),
            None if text == "+" => ("", "+"),
            None => match text.rsplit_once('+') {
                Some((mods, last)) => (mods, last),
                None => ("", text),
            },
        };
        let mut key = Key::plain(parse_name(last).ok_or_else(|| {
            bad(
                "unknown key (use a character, esc, enter, tab, backtab, backspace, delete, \
                 insert, up, down, left, right, pageup, pagedown, home, end, space or f1-f12)",
            )
        })?);
        let mut shift = false;
        for m in mods.split('+').filter(|m| !m.is_empty()) {
            match m.to_ascii_lowercase().as_str() {
                "ctrl" | "control" => key.ctrl = true,
                "alt" | "meta" => key.alt = true,
                "shift" => shift = true,
                other => {
                    return Err(bad(&format!(
                        "unknown modifier {other:?} (ctrl, alt, shift)"
                    )));
                }
            }
        }
        if shift {
            key.name = match key.name {
                KeyName::Tab => KeyName::BackTab,
                KeyName::Char(c) if c.is_ascii_alphabetic() => {
                    KeyName::Char(c.to_ascii_uppercase())
                }
                _ => {
                    return Err(bad(
                        "shift only combines with letters and tab (write the character itself, e.g. \"?\")",
                    ));
                }
            };
        }
        // Terminals report ctrl+letter without case; bind it lower-case.
        if key.ctrl
            && let KeyName::Char(c) = key.name
        {
            key.name = KeyName::Char(c.to_ascii_lowercase());
        }
        Ok(key)
    }
}

fn parse_name(text: &str) -> Option<KeyName> {
    let mut chars = text.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(KeyName::Char(c));
    }
    let lower = text.to_ascii_lowercase();
    if let Some((_, name)) = NAMES.iter().find(|(n, _)| *n == lower) {
        return Some(*name);
    }
    let n: u8 = lower.strip_prefix('f')?.parse().ok()?;
    (1..=12).contains(&n).then_some(KeyName::F(n))
}

impl fmt::Display for Key {
    /// The canonical spelling, which parses back to the same key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl+")?;
        }
        if self.alt {
            f.write_str("alt+")?;
        }
        match self.name {
            KeyName::Char(' ') => f.write_str("space"),
            KeyName::Char(c) => write!(f, "{c}"),
            KeyName::F(n) => write!(f, "f{n}"),
            other => {
                let name = NAMES.iter().find(|(_, k)| *k == other).map(|(n, _)| *n);
                f.write_str(name.unwrap_or("?"))
            }
        }
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        s.parse().unwrap()
    }

    #[test]
    fn spellings_of_one_key_are_equal_and_display_canonically() {
        assert_eq!(key("G"), key("shift+g"));
        assert_eq!(key("shift+tab"), key("backtab"));
        assert_eq!(key("Ctrl+D"), key("ctrl+d"));
        assert_eq!(key("PageUp"), key("pageup"));
        assert_eq!(key(" "), key("space"));
        assert_eq!(key("+"), Key::char('+'));
        let ctrl_plus = key("ctrl++");
        assert!(ctrl_plus.ctrl && ctrl_plus.name == KeyName::Char('+'));
        for text in [
            "q", "?", "ctrl+d", "alt+x", "backtab", "space", "f5", "+", "ctrl++",
        ] {
            assert_eq!(key(&key(text).to_string()), key(text), "{text}");
        }
    }

    #[test]
    fn bad_names_say_what_is_accepted() {
        assert!("escape".parse::<Key>().unwrap_err().contains("unknown key"));
        assert!(
            "hyper+x"
                .parse::<Key>()
                .unwrap_err()
                .contains("unknown modifier")
        );
        assert!("shift+1".parse::<Key>().unwrap_err().contains("shift only"));
        assert!("f13".parse::<Key>().is_err());
        assert!("".parse::<Key>().is_err());
    }
}
