//! Log setup: `tracing` to a file in the state dir (non-blocking) and, for the terminal UI, to
//! the in-app log pane. Nothing is ever written to stdout or stderr while the terminal is in raw
//! mode; `stream --json` owns stdout, so it logs to the file only.
//!
//! The level comes from `DEPTHSCOPE_LOG`, else `RUST_LOG`, else `info`, in `EnvFilter` syntax
//! (`depthscope=debug,tungstenite=warn`).

use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Where logs go besides the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogSink {
    /// Also feed the terminal UI's log pane.
    TuiPane,
    /// The file only.
    FileOnly,
}

/// Keeps the log writer alive; flushes the file when dropped, so hold it until exit.
pub struct LogGuard {
    _worker: WorkerGuard,
    pub file: PathBuf,
}

/// Why logging could not start.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("no state or cache directory to put the log file in")]
    NoDirectory,
    #[error("cannot create the log directory {dir}: {source}")]
    Directory { dir: String, source: std::io::Error },
    #[error("a global tracing subscriber is already set: {0}")]
    AlreadySet(String),
}

/// The log file's name inside the directory.
pub const FILE_NAME: &str = "depthscope.log";

/// Lines queued for the file writer before new ones are dropped (and counted by the appender).
/// The queue is allocated whole and touched at start: `tracing-appender`'s default of 128,000
/// lines holds 4.1 MB for a process that logs a few lines a second, where 8,192 (262 kB) absorb
/// bursts of a resync storm many times over while the writer thread drains them.
const BUFFERED_LINES: usize = 8_192;

/// Installs the global subscriber, logging into `dir` (default: the state dir).
pub fn init(sink: LogSink, dir: Option<&Path>) -> Result<LogGuard, LogError> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => crate::config::state_dir().ok_or(LogError::NoDirectory)?,
    };
    std::fs::create_dir_all(&dir).map_err(|source| LogError::Directory {
        dir: dir.display().to_string(),
        source,
    })?;
    let (writer, worker) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .finish(tracing_appender::rolling::never(&dir, FILE_NAME));
    let file_layer = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false);
    let pane = (sink == LogSink::TuiPane).then_some(tui_logger::TuiTracingSubscriberLayer);
    tracing_subscriber::registry()
        .with(filter())
        .with(file_layer)
        .with(pane)
        .try_init()
        .map_err(|e| LogError::AlreadySet(e.to_string()))?;
    if sink == LogSink::TuiPane {
        // Starts the pane's collector thread; with tracing support it sets no `log` logger.
        tui_logger::init_logger(tui_logger::LevelFilter::Trace)
            .map_err(|e| LogError::AlreadySet(e.to_string()))?;
    }
    Ok(LogGuard {
        _worker: worker,
        file: dir.join(FILE_NAME),
    })
}

fn filter() -> EnvFilter {
    ["DEPTHSCOPE_LOG", "RUST_LOG"]
        .iter()
        .find_map(|var| EnvFilter::try_from_env(var).ok())
        .unwrap_or_else(|| EnvFilter::new("info"))
}
