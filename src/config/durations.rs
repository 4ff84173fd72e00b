//! Every duration the config can set, with its unit and its range, checked on the file's text so
//! that an error names the line.
//!
//! The checks run before the typed sections use the values: a duration far out of range
//! (`snapshot_timeout_s = 1e20`) used to reach `Duration::from_secs_f64` in a worker, which
//! panics. The ranges are also written beside each key in `config/default.toml`; a test keeps
//! the two in step and finds any `_s`/`_ms` key missing from [`DURATIONS`].

use super::ConfigError;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The unit a key is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Milliseconds,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Seconds => "seconds",
            Unit::Milliseconds => "milliseconds",
        }
    }
}

/// One duration key: its dotted path (`*` stands for every entry of an array of tables), its
/// unit and the inclusive range it accepts.
#[derive(Clone, Copy, Debug)]
pub struct DurationKey {
    pub path: &'static str,
    pub unit: Unit,
    pub min: f64,
    pub max: f64,
}

const fn key(path: &'static str, unit: Unit, min: f64, max: f64) -> DurationKey {
    DurationKey {
        path,
        unit,
        min,
        max,
    }
}

const DAY_S: f64 = 86_400.0;

/// Every duration in the config. Upper bounds are generous for the purpose but keep every
/// conversion to `Duration` and every multiple of it (backoff growth, window arithmetic) finite.
pub const DURATIONS: &[DurationKey] = &[
    key("feed.snapshot_timeout_s", Unit::Seconds, 1.0, 3600.0),
    key("feed.silence_timeout_s", Unit::Seconds, 1.0, 3600.0),
    // 0 turns audits off; `Feed::validate` also refuses 0 < x < 10.
    key("feed.audit_interval_s", Unit::Seconds, 0.0, DAY_S),
    key("feed.backoff.initial_s", Unit::Seconds, 0.01, 3600.0),
    key("feed.backoff.max_s", Unit::Seconds, 0.01, 3600.0),
    key("feed.backoff.reset_after_s", Unit::Seconds, 0.0, DAY_S),
    key("ui.heatmap_column_ms", Unit::Milliseconds, 100.0, 60_000.0),
    key("engine.tick_ms", Unit::Milliseconds, 10.0, 60_000.0),
    key("engine.traded_window_s", Unit::Seconds, 1.0, DAY_S),
    key("engine.alignment_ms", Unit::Milliseconds, 1.0, 3_600_000.0),
    key("engine.stale.floor_s", Unit::Seconds, 0.1, 3600.0),
    key("engine.stale.derivs_default_s", Unit::Seconds, 1.0, DAY_S),
    key("alerts.rule.*.hold_s", Unit::Seconds, 0.0, DAY_S),
    key("alerts.rule.*.cooldown_s", Unit::Seconds, 0.0, DAY_S),
    key(
        "alerts.rule.*.zscore_window_s",
        Unit::Seconds,
        10.0,
        7.0 * DAY_S,
    ),
];

impl DurationKey {
    /// What the key accepts, as the default config's comments say it.
    pub fn range_text(&self) -> String {
        format!("{} to {} {}", self.min, self.max, self.unit.name())
    }
}

/// Check every duration written in `text` against its range. A text that is not TOML is left
/// to the typed parse, whose error says what is wrong with it.
pub fn check(text: &str, origin: &str) -> Result<(), ConfigError> {
    let Ok(doc) = DeTable::parse(text) else {
        return Ok(());
    };
    for key in DURATIONS {
        let segments: Vec<&str> = key.path.split('.').collect();
        let mut found = Vec::new();
        find(doc.get_ref(), &segments, &mut found);
        for (value, span) in found {
            let number = number(value);
            if !number.is_some_and(|v| (key.min..=key.max).contains(&v)) {
                let written = text.get(span.clone()).unwrap_or("?");
                return Err(ConfigError::Syntax {
                    file: origin.to_owned(),
                    line: Some(line_of(text, &span)),
                    message: format!(
                        "{} = {} is out of range: {}",
                        key.path.replace(".*", "[]"),
                        crate::feed::driver::excerpt(written),
                        key.range_text()
                    ),
                    hint: Some(
                        "every duration's range is beside it in `depthscope --print-default-config`"
                            .to_owned(),
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The values at `path` under `table`, with their spans.
fn find<'a>(table: &'a DeTable<'_>, path: &[&str], out: &mut Vec<(&'a DeValue<'a>, Range<usize>)>) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let Some(value) = table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == *first)
        .map(|(_, v)| v)
    else {
        return;
    };
    match (value.get_ref(), rest) {
        (_, []) => out.push((value.get_ref(), Spanned::span(value))),
        (DeValue::Table(inner), _) => find(inner, rest, out),
        (DeValue::Array(items), ["*", rest @ ..]) => {
            for item in items.iter() {
                if let DeValue::Table(inner) = item.get_ref() {
                    find(inner, rest, out);
                }
            }
        }
        _ => {}
    }
}

/// A TOML integer or float as `f64` (`None` for anything else; the typed parse names the
/// wrong type).
fn number(value: &DeValue<'_>) -> Option<f64> {
    match value {
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            i64::from_str_radix(&digits, i.radix())
                .ok()
                .map(|v| v as f64)
        }
        DeValue::Float(f) => f.as_str().replace('_', "").parse().ok(),
        _ => None,
    }
}

fn line_of(text: &str, span: &Range<usize>) -> usize {
    text[..span.start.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, DEFAULT_TOML};

    /// The repros of issue 19: each value used to reach `Duration::from_secs_f64` and panic a
    /// worker.
    #[test]
    fn absurd_durations_are_errors_naming_the_file_and_line() {
        for (section, key, value) in [
            ("[feed]", "snapshot_timeout_s", "1e20"),
            ("[feed]", "silence_timeout_s", "1e20"),
            ("[feed.backoff]", "initial_s", "1e300"),
            ("[feed.backoff]", "max_s", "1e300"),
            ("[feed]", "silence_timeout_s", "inf"),
            ("[feed]", "snapshot_timeout_s", "nan"),
            ("[engine]", "traded_window_s", "-1"),
            ("[engine.stale]", "floor_s", "1e308"),
            ("[engine]", "tick_ms", "0x7fffffffffffffff"),
        ] {
            let text = format!("# a comment\n{section}\n{key} = {value}\n");
            let err = Config::parse(&text, "my.toml").unwrap_err().to_string();
            assert!(err.starts_with("config my.toml, line 3: "), "{err}");
            assert!(err.contains(key) && err.contains("out of range"), "{err}");
        }
    }

    #[test]
    fn durations_in_alert_rules_and_dotted_keys_are_found() {
        let rule = "[[alerts.rule]]\nname = \"a\"\nmetric = \"spread_bps\"\nabove = 1.0\n";
        let text = format!("{rule}\n{rule}cooldown_s = 1e20\n");
        let err = Config::parse(&text.replacen("\"a\"", "\"b\"", 1), "x.toml").unwrap_err();
        assert!(err.to_string().contains("line 10"), "{err}");
        assert!(
            err.to_string().contains("alerts.rule[].cooldown_s"),
            "{err}"
        );
        let err = Config::parse("[feed]\nbackoff.max_s = 1e300\n", "x.toml").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn every_duration_of_the_default_config_is_listed_with_its_range() {
        let mut section = String::new();
        for (n, line) in DEFAULT_TOML.lines().enumerate() {
            let line = line.trim_start_matches("# ").trim();
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.trim_matches(['[', ']']).to_owned();
                if section == "alerts.rule" {
                    section.push_str(".*");
                }
                continue;
            }
            let Some((key, _)) = line.split_once(" = ") else {
                continue;
            };
            if !(key.ends_with("_s") || key.ends_with("_ms")) {
                continue;
            }
            let path = format!("{section}.{key}");
            let listed = DURATIONS.iter().find(|d| d.path == path);
            let listed = listed.unwrap_or_else(|| panic!("{path} is not in DURATIONS"));
            // The range is documented in the comment lines just above the key.
            let above: Vec<&str> = DEFAULT_TOML.lines().take(n).collect();
            let comment = above.iter().rev().take_while(|l| l.starts_with('#'));
            let documented = comment.clone().any(|l| l.contains(&listed.range_text()))
                || path.starts_with("alerts.rule");
            assert!(
                documented,
                "{path}: the comment above it should say {}",
                listed.range_text()
            );
        }
        // The alert rule durations are documented once, in the fields list.
        for key in DURATIONS.iter().filter(|d| d.path.starts_with("alerts")) {
            let field = key.path.rsplit('.').next().unwrap();
            let documented = DEFAULT_TOML
                .lines()
                .any(|l| l.contains(field) && l.contains(&key.range_text()));
            assert!(documented, "{field}: document {}", key.range_text());
        }
    }

    #[test]
    fn the_ends_of_each_range_are_accepted() {
        for key in DURATIONS.iter().filter(|d| !d.path.contains('*')) {
            let (table, name) = key.path.rsplit_once('.').unwrap();
            for value in [key.min, key.max] {
                let value = match key.unit {
                    Unit::Milliseconds => format!("{}", value as u64),
                    Unit::Seconds => format!("{value:?}"),
                };
                let text = format!("[{table}]\n{name} = {value}\n");
                if let Err(e) = check(&text, "t") {
                    panic!("{}: {value} refused: {e}", key.path);
                }
            }
        }
    }
}
