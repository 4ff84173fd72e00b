//! Adding an API key to the config file (`depthscope serve --add-key NAME`): one more entry in
//! `[serve] keys`, the rest of the file kept as it was ([`edit`](super::edit)).

use std::path::Path;

use toml_edit::{Array, InlineTable, Item, Value};

use super::edit::{edit_file, edit_table};

/// Adds `name` with the key hash `sha256` to `[serve] keys` in the file at `path` (created if
/// missing).
pub fn add_api_key(path: &Path, name: &str, sha256: &str) -> Result<(), String> {
    edit_file(path, |text| with_key(text, name, sha256))
}

/// The config text with the key added.
fn with_key(text: &str, name: &str, sha256: &str) -> Result<(String, ()), String> {
    edit_table(text, "serve", |serve| {
        let mut entry = InlineTable::new();
        entry.insert("name", Value::from(name));
        entry.insert("sha256", Value::from(sha256));
        match serve.get_mut("keys") {
            None => {
                let mut keys = Array::new();
                keys.push(entry);
                serve.insert("keys", Item::Value(Value::Array(keys)));
            }
            Some(Item::Value(Value::Array(keys))) => keys.push(entry),
            Some(Item::ArrayOfTables(tables)) => {
                tables.push(entry.into_table());
            }
            Some(_) => {
                return Err("`serve.keys` is neither a list nor [[serve.keys]] tables".into());
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Config, DEFAULT_TOML};
    use super::*;

    const HASH: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn added(text: &str, name: &str) -> String {
        with_key(text, name, HASH).unwrap().0
    }

    #[test]
    fn keys_are_added_keeping_the_rest_of_the_file() {
        let text = "# mine\n[general]\nsymbols = [\"BTC\"] # only btc\n";
        let out = added(text, "alice");
        assert!(
            out.contains("# mine") && out.contains("# only btc"),
            "{out}"
        );
        let config = Config::parse(&out, "t").unwrap();
        assert_eq!(config.serve.keys[0].name, "alice");
        assert_eq!(config.general.symbols, ["BTC"]);
        let out = added(&out, "bob");
        assert_eq!(Config::parse(&out, "t").unwrap().serve.keys.len(), 2);
    }

    #[test]
    fn the_default_config_and_tables_of_keys_take_a_key_too() {
        let out = added(DEFAULT_TOML, "alice");
        assert_eq!(Config::parse(&out, "t").unwrap().serve.keys.len(), 1);
        let tables = "[[serve.keys]]\nname = \"a\"\nsha256 = \"".to_owned() + HASH + "\"\n";
        let out = added(&tables, "b");
        assert_eq!(Config::parse(&out, "t").unwrap().serve.keys.len(), 2);
    }

    #[test]
    fn a_file_that_is_not_toml_is_left_alone_and_names_must_be_unique() {
        assert!(with_key("[general\n", "a", HASH).is_err());
        let dir = std::env::temp_dir().join(format!("ds-keys-{}", std::process::id()));
        let path = dir.join("config.toml");
        add_api_key(&path, "alice", HASH).unwrap();
        let err = add_api_key(&path, "alice", HASH).unwrap_err();
        assert!(err.contains("unique"), "{err}");
        assert_eq!(Config::load(Some(&path)).unwrap().0.serve.keys.len(), 1);
        let _ = std::fs::remove_dir_all(dir);
    }
}
