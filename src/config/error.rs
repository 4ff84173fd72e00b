//! Config errors that say where and what would have worked.

use std::fmt;

/// A configuration that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The file could not be read.
    Io { file: String, message: String },
    /// TOML syntax, an unknown key or a value of the wrong type, at a line.
    Syntax {
        file: String,
        line: Option<usize>,
        message: String,
        hint: Option<String>,
    },
    /// Values that parse but cannot work together (a zero fps, a duplicate key binding).
    Invalid { file: String, message: String },
}

impl ConfigError {
    pub(crate) fn from_toml(file: &str, text: &str, err: &toml::de::Error) -> Self {
        let line = err
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        let message = err.message().trim().to_owned();
        let hint = if message.starts_with("unknown field") {
            Some("check the spelling against `depthscope --print-default-config`".to_owned())
        } else if message.contains("unknown metric") || message.starts_with("alert rule") {
            Some("the rule fields and metric names are documented above the [[alerts.rule]] entries of `depthscope --print-default-config`".to_owned())
        } else if message.contains("invalid type") || message.starts_with("unknown variant") {
            Some("see the commented defaults (`depthscope --print-default-config`) for the expected type".to_owned())
        } else {
            None
        };
        ConfigError::Syntax {
            file: file.to_owned(),
            line,
            message,
            hint,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Io { file, message } => write!(f, "cannot read config {file}: {message}"),
            ConfigError::Syntax {
                file,
                line,
                message,
                hint,
            } => {
                match line {
                    Some(line) => write!(f, "config {file}, line {line}: {message}")?,
                    None => write!(f, "config {file}: {message}")?,
                }
                if let Some(hint) = hint {
                    write!(f, "\n  hint: {hint}")?;
                }
                Ok(())
            }
            ConfigError::Invalid { file, message } => write!(f, "config {file}: {message}"),
        }
    }
}

impl std::error::Error for ConfigError {}
