//! Saving the watch list (`[general] symbols`) from the running program (`:add SOL`, `:rm SOL`).
//!
//! Only that one key is edited ([`edit`](super::edit) keeps the rest of the file as it was).

use std::path::Path;

use toml_edit::{Array, value};

use super::edit::{edit_file, edit_table};
use super::general::General;

/// A change to the watch list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    Add(String),
    Remove(String),
}

/// Applies `edit` to the watch list saved in `path` (created, holding only the watch list, if it
/// does not exist) and returns the new list. Symbols compare case-insensitively.
pub fn save(path: &Path, edit: &Edit) -> Result<Vec<String>, String> {
    edit_file(path, |text| edited(text, edit))
}

/// The config text with `edit` applied to `[general] symbols`, and the new list.
fn edited(text: &str, edit: &Edit) -> Result<(String, Vec<String>), String> {
    edit_table(text, "general", |general| {
        let mut symbols: Vec<String> = match general.get("symbols") {
            None => General::default().symbols,
            Some(item) => item
                .as_array()
                .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_owned)).collect())
                .ok_or("general.symbols is not a list of strings; left unchanged")?,
        };
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        match edit {
            Edit::Add(s) if symbols.iter().any(|x| same(x, s)) => {
                return Err(format!("{s} is already in the watch list"));
            }
            Edit::Add(s) => symbols.push(s.clone()),
            Edit::Remove(s) if !symbols.iter().any(|x| same(x, s)) => {
                return Err(format!("{s} is not in the watch list"));
            }
            Edit::Remove(_) if symbols.len() == 1 => {
                return Err("the watch list cannot be empty: add another symbol first".into());
            }
            Edit::Remove(s) => symbols.retain(|x| !same(x, s)),
        }
        let mut list = Array::new();
        list.extend(symbols.iter().map(String::as_str));
        // Keep the key's own decoration (a comment above it) when replacing its value.
        match general.get_mut("symbols") {
            Some(item) => {
                let decor = item.as_value().map(|v| v.decor().clone());
                *item = value(list);
                if let (Some(decor), Some(v)) = (decor, item.as_value_mut()) {
                    *v.decor_mut() = decor;
                }
            }
            None => {
                general.insert("symbols", value(list));
            }
        }
        Ok(symbols)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const USER: &str = "# my settings\n[general]\n# what I watch\nsymbols = [\"BTC\", \"ETH\"] # majors\nvenues = [\"okx\"]\n\n[ui]\nfps = 20 # smooth\n";

    #[test]
    fn only_the_symbols_key_changes() {
        let (out, symbols) = edited(USER, &Edit::Add("SOL".into())).unwrap();
        assert_eq!(symbols, ["BTC", "ETH", "SOL"]);
        assert_eq!(
            out,
            USER.replace("[\"BTC\", \"ETH\"]", "[\"BTC\", \"ETH\", \"SOL\"]")
        );
        let (out, symbols) = edited(&out, &Edit::Remove("eth".into())).unwrap();
        assert_eq!(symbols, ["BTC", "SOL"]);
        assert!(out.contains("# what I watch\nsymbols = [\"BTC\", \"SOL\"] # majors\n"));
        assert!(out.ends_with("[ui]\nfps = 20 # smooth\n"));
    }

    #[test]
    fn a_file_without_the_key_starts_from_the_default_list() {
        let (out, symbols) = edited("[ui]\nfps = 5\n", &Edit::Remove("SOL".into())).unwrap();
        assert_eq!(symbols, ["BTC", "ETH"]);
        assert!(out.starts_with("[ui]\nfps = 5\n"));
        Config::parse(&out, "t").unwrap();
        let (_, symbols) = edited("", &Edit::Add("XRP".into())).unwrap();
        assert_eq!(symbols, ["BTC", "ETH", "SOL", "XRP"]);
    }

    #[test]
    fn refusals_say_why_and_change_nothing() {
        let err = |text: &str, edit: Edit| edited(text, &edit).unwrap_err();
        assert!(err(USER, Edit::Add("btc".into())).contains("already"));
        assert!(err(USER, Edit::Remove("XRP".into())).contains("not in"));
        let one = "[general]\nsymbols = [\"BTC\"]\n";
        assert!(err(one, Edit::Remove("BTC".into())).contains("cannot be empty"));
        assert!(err("general = 3\n", Edit::Add("SOL".into())).contains("not a table"));
        assert!(err("[general]\nsymbols = 3\n", Edit::Add("SOL".into())).contains("not a list"));
        assert!(err("[general\n", Edit::Add("SOL".into())).contains("not valid TOML"));
        // The result must still load: a typo elsewhere in the file is reported, not saved over.
        let typo = err("[ui]\nfsp = 5\n", Edit::Add("XRP".into()));
        assert!(typo.contains("fsp"), "{typo}");
    }

    #[test]
    fn save_writes_atomically_and_creates_a_missing_file() {
        let dir = std::env::temp_dir().join(format!("depthscope-watchlist-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("sub").join("config.toml");
        assert_eq!(
            save(&path, &Edit::Add("DOGE".into())).unwrap(),
            ["BTC", "ETH", "SOL", "DOGE"]
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("symbols = [\"BTC\", \"ETH\", \"SOL\", \"DOGE\"]"));
        std::fs::write(&path, "[general\n").unwrap();
        assert!(save(&path, &Edit::Add("X".into())).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[general\n");
        assert!(!path.with_extension("toml.tmp").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
