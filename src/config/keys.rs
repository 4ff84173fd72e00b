//! Adding an API key to the config file (`depthscope serve --add-key NAME`) without disturbing
//! the rest of it: the file is edited as a document (comments and layout kept), the result is
//! parsed and validated as a whole before it replaces the old file, and the replacement is
//! atomic (a temporary file renamed over it), so a failed edit never leaves a broken config.

use std::path::Path;

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

use super::Config;

/// Adds `name` with the key hash `sha256` to `[serve] keys` in the file at `path` (created if
/// missing).
pub fn add_api_key(path: &Path, name: &str, sha256: &str) -> Result<(), String> {
    let origin = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {origin}: {e}")),
    };
    let new_text = with_key(&text, name, sha256).map_err(|e| format!("{origin}: {e}"))?;
    Config::parse(&new_text, &origin).map_err(|e| format!("the key was not added: {e}"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let temp = path.with_extension("toml.new");
    std::fs::write(&temp, new_text).map_err(|e| format!("cannot write {}: {e}", temp.display()))?;
    std::fs::rename(&temp, path).map_err(|e| format!("cannot replace {origin}: {e}"))
}

/// The config text with the key added.
fn with_key(text: &str, name: &str, sha256: &str) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("not valid TOML, so not edited: {e}"))?;
    let serve = doc
        .entry("serve")
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .ok_or("`serve` is not a table")?;
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
        Some(_) => return Err("`serve.keys` is neither a list nor [[serve.keys]] tables".into()),
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn keys_are_added_keeping_the_rest_of_the_file() {
        let text = "# mine\n[general]\nsymbols = [\"BTC\"] # only btc\n";
        let out = with_key(text, "alice", HASH).unwrap();
        assert!(
            out.contains("# mine") && out.contains("# only btc"),
            "{out}"
        );
        let config = Config::parse(&out, "t").unwrap();
        assert_eq!(config.serve.keys[0].name, "alice");
        assert_eq!(config.general.symbols, ["BTC"]);

        let out = with_key(&out, "bob", HASH).unwrap();
        let config = Config::parse(&out, "t").unwrap();
        assert_eq!(config.serve.keys.len(), 2);
    }

    #[test]
    fn the_default_config_and_tables_of_keys_take_a_key_too() {
        let out = with_key(super::super::DEFAULT_TOML, "alice", HASH).unwrap();
        assert_eq!(Config::parse(&out, "t").unwrap().serve.keys.len(), 1);
        let tables = "[[serve.keys]]\nname = \"a\"\nsha256 = \"".to_owned() + HASH + "\"\n";
        let out = with_key(&tables, "b", HASH).unwrap();
        assert_eq!(Config::parse(&out, "t").unwrap().serve.keys.len(), 2);
    }

    #[test]
    fn a_file_that_is_not_toml_is_left_alone() {
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
