//! Editing the user's config file from the program (`:add`/`:rm` of the watch list, `serve
//! --add-key`) without disturbing the rest of it: the file is edited as a TOML document, so
//! comments, order and formatting stay byte for byte; the result must still load as a
//! configuration before it replaces the file; and it replaces it atomically (a temporary file
//! renamed over it), so a failure leaves the old file as it was and says why.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Table, TableLike};

use super::Config;

/// Applies `edit` to the text of the file at `path` (empty when it does not exist yet) and writes
/// the result back atomically, creating the directory if needed.
pub(super) fn edit_file<T>(
    path: &Path,
    edit: impl FnOnce(&str) -> Result<(String, T), String>,
) -> Result<T, String> {
    let shown = path.display();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {shown}: {e}")),
    };
    let (text, result) = edit(&text).map_err(|e| format!("{shown}: {e}"))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, &text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot replace {shown}: {e}")
    })?;
    Ok(result)
}

/// Applies `edit` to the top-level table `name` of the config `text` (created if missing) and
/// returns the new text, checked to load as a configuration.
pub(super) fn edit_table<T>(
    text: &str,
    name: &str,
    edit: impl FnOnce(&mut dyn TableLike) -> Result<T, String>,
) -> Result<(String, T), String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("not valid TOML, left unchanged: {e}"))?;
    let table = doc
        .entry(name)
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| format!("[{name}] is not a table; left unchanged"))?;
    let result = edit(table)?;
    let out = doc.to_string();
    Config::parse(&out, "the edited config").map_err(|e| e.to_string())?;
    Ok((out, result))
}
