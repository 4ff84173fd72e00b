//! `[history]`: the history file (on by default) and how long each table is kept.

use serde::Deserialize;
use std::path::PathBuf;

use crate::history::Retention;

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HistoryConfig {
    /// Keep history (like `--no-history` when `false`).
    pub enabled: bool,
    /// The file (default: `history.sqlite` in the user's data dir), like `--history PATH`.
    pub path: Option<PathBuf>,
    /// 1-s rows are kept this many hours.
    pub keep_seconds_h: f64,
    /// 1-min rows are kept this many days.
    pub keep_minutes_d: f64,
    /// 1-h rows are kept this many days; 0 keeps them forever.
    pub keep_hours_d: f64,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig {
            enabled: true,
            path: None,
            keep_seconds_h: 24.0,
            keep_minutes_d: 90.0,
            keep_hours_d: 0.0,
        }
    }
}

impl HistoryConfig {
    pub fn validate(&self) -> Result<(), String> {
        for (name, v, max) in [
            ("history.keep_seconds_h", self.keep_seconds_h, 24.0 * 31.0),
            ("history.keep_minutes_d", self.keep_minutes_d, 3_650.0),
            ("history.keep_hours_d", self.keep_hours_d, 36_500.0),
        ] {
            if !(v.is_finite() && (0.0..=max).contains(&v)) {
                return Err(format!("{name} = {v}: must be between 0 and {max}"));
            }
        }
        if self.keep_seconds_h < 1.0 {
            return Err(format!(
                "history.keep_seconds_h = {}: keep at least 1 hour of 1-s rows",
                self.keep_seconds_h
            ));
        }
        Ok(())
    }

    pub fn retention(&self) -> Retention {
        Retention {
            seconds: (self.keep_seconds_h * 3_600.0) as i64,
            minutes: (self.keep_minutes_d * 86_400.0) as i64,
            hours: (self.keep_hours_d > 0.0).then_some((self.keep_hours_d * 86_400.0) as i64),
        }
    }
}
