//! Configuration: a TOML file in the user's config dir (or `--config FILE`), layered over the
//! embedded defaults (`config/default.toml`, printed by `--print-default-config`).
//!
//! Every section is parsed with `deny_unknown_fields`: a typo is an error naming the file, the
//! line and the keys that would have been accepted, never a silently ignored setting.

pub mod alerts;
pub mod arbitrage;
pub mod durations;
mod edit;
pub mod engine;
mod error;
pub mod general;
pub mod history;
pub mod keys;
pub mod serve;
pub mod theme;
pub mod ui;
pub mod watchlist;

pub use error::ConfigError;

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The embedded default configuration, commented; `--print-default-config` prints it.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

/// The whole configuration.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub general: general::General,
    pub feed: general::Feed,
    pub ui: ui::UiSection,
    pub keybindings: ui::Keybindings,
    /// Patches single keys of whichever theme is selected.
    pub theme_overrides: theme::ThemeSpec,
    pub engine: engine::EngineConfig,
    pub alerts: alerts::AlertsConfig,
    pub serve: serve::Serve,
    pub history: history::HistoryConfig,
}

impl Config {
    /// Parse a config text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        durations::check(text, origin)?;
        let config: Config =
            toml::from_str(text).map_err(|e| ConfigError::from_toml(origin, text, &e))?;
        config.validate(origin)?;
        Ok(config)
    }

    /// Load `path` if given, else the user's config file if it exists, else the defaults.
    pub fn load(path: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let path = match path {
            Some(p) => Some(p.to_path_buf()),
            None => default_path().filter(|p| p.exists()),
        };
        let Some(path) = path else {
            return Ok((Config::parse(DEFAULT_TOML, "<embedded defaults>")?, None));
        };
        let text = read_bounded(&path)?;
        Ok((
            Config::parse(&text, &path.display().to_string())?,
            Some(path),
        ))
    }

    fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        self.general
            .validate()
            .and_then(|()| self.feed.validate())
            .and_then(|()| self.ui.validate())
            .and_then(|()| {
                self.keybindings
                    .resolve()
                    .map(drop)
                    .map_err(|e| e.to_string())
            })
            .and_then(|()| self.engine.validate())
            .and_then(|()| self.alerts.validate())
            .and_then(|()| self.serve.validate())
            .and_then(|()| self.history.validate())
            .map_err(|message| ConfigError::Invalid {
                file: origin.to_owned(),
                message,
            })
    }
}

/// The largest config or theme file read: far above any real one, and a bound on what a wrong
/// path (`/dev/zero`, a capture file) can make the process read.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// The text of a config or theme file of at most [`MAX_FILE_BYTES`].
pub fn read_bounded(path: &Path) -> Result<String, ConfigError> {
    use std::io::Read;
    let file = path.display().to_string();
    let io = |e: std::io::Error| ConfigError::Io {
        file: file.clone(),
        message: e.to_string(),
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(io(std::io::Error::other(format!(
            "larger than {} KiB: not a config file",
            MAX_FILE_BYTES >> 10
        ))));
    }
    String::from_utf8(bytes).map_err(|e| {
        io(std::io::Error::other(format!(
            "not UTF-8 text (at byte {})",
            e.utf8_error().valid_up_to()
        )))
    })
}

/// The user's config file: `$XDG_CONFIG_HOME/depthscope/config.toml` or the platform's
/// equivalent.
pub fn default_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("config.toml"))
}

/// The user's depthscope config directory (themes there override the built-in ones).
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "depthscope").map(|d| d.config_dir().to_path_buf())
}

/// Where the log file goes: the platform's state dir (`$XDG_STATE_HOME/depthscope`), or the cache
/// dir where there is none.
pub fn state_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "depthscope")
        .map(|d| d.state_dir().unwrap_or_else(|| d.cache_dir()).to_path_buf())
}

/// The cache directory (instrument lists survive offline restarts here).
pub fn cache_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "depthscope").map(|d| d.cache_dir().to_path_buf())
}

#[cfg(test)]
mod tests;
