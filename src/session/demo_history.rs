//! The demo's warm start: before `--demo` connects to the simulator, the past day of the
//! simulated market is fast-forwarded ([`crate::sim::fast_forward`]) into a history file, which
//! the session then restores like any other. The file is a temporary one, deleted when the
//! session ends, unless `--history PATH` names one to keep.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::engine::EngineSettings;
use crate::engine::frame::DataMode;
use crate::history::HistoryError;
use crate::market::{Millis, now_nanos};
use crate::sim::fast_forward::{SPAN, fast_forward, watched_books, write};

use super::run::Plan;

/// The history file the demo runs on; a temporary one is deleted on drop.
#[derive(Debug)]
pub struct DemoHistory {
    pub path: PathBuf,
    temporary: bool,
    /// How long the fast-forward took (wall time).
    pub took: Duration,
}

impl Drop for DemoHistory {
    fn drop(&mut self) {
        if self.temporary {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut p = self.path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// The model seed of the simulated past (not the live demo's, whose market starts afresh).
fn past_seed(seed: u64) -> u64 {
    seed ^ 0x9e37_79b9_7f4a_7c15
}

/// Fast-forwards the day before now into `plan.history` (or a temporary file) and returns it.
pub async fn prepare(config: &Config, plan: &Plan, seed: u64) -> Result<DemoHistory, HistoryError> {
    let (path, temporary) = match &plan.history {
        Some(path) => (path.clone(), false),
        None => (
            std::env::temp_dir().join(format!(
                "depthscope-demo-{}-{}.sqlite",
                std::process::id(),
                now_nanos()
            )),
            true,
        ),
    };
    let mut history = DemoHistory {
        path,
        temporary,
        took: Duration::ZERO,
    };
    let settings = EngineSettings {
        symbols: plan.symbols.clone(),
        ..EngineSettings::from_config(config, DataMode::Simulated { seed })
    };
    let books = watched_books(&plan.venues, &plan.symbols);
    let path = history.path.clone();
    let started = Instant::now();
    let end = (now_nanos() / 1_000_000) as Millis;
    tokio::task::spawn_blocking(move || {
        let mut past = fast_forward(past_seed(seed), &books, settings, end, SPAN);
        past.shift((now_nanos() / 1_000_000) as Millis - end);
        write(&path, &past)
    })
    .await
    .map_err(|e| {
        HistoryError::Io(
            history.path.clone(),
            format!("the demo's fast-forward failed: {e}"),
        )
    })??;
    history.took = started.elapsed();
    Ok(history)
}
