//! The demo's warm start: before `--demo` connects to the simulator, the past day of the
//! simulated market is fast-forwarded ([`crate::sim::fast_forward`]) into a history file, which
//! the session then restores like any other. The file is a temporary one, deleted when the
//! session ends, unless `--history PATH` names one to keep.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::engine::EngineSettings;
use crate::engine::frame::DataMode;
use crate::history::{HistoryError, Store};
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
            remove_history_files(&self.path);
        }
    }
}

/// The prefix of the demo's temporary history files in the temp dir.
const TEMP_PREFIX: &str = "depthscope-demo-";

/// Removes a history file with its SQLite companions and its lock file.
fn remove_history_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal", ".lock"] {
        let mut p = path.to_path_buf().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

/// Removes the temporary history files of earlier demos that did not end cleanly (killed, or
/// the machine stopped): a file whose lock nobody holds has no writer left. Each is tens of MB,
/// so they must not pile up in the temp dir. Returns how many were removed.
fn remove_orphans(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(".sqlite")) {
            continue;
        }
        let path = entry.path();
        let mut lock = path.clone().into_os_string();
        lock.push(".lock");
        // No lock file: the writer never started; a held lock: a demo still running.
        let free = std::fs::File::open(&lock).is_ok_and(|f| f.try_lock().is_ok());
        if free {
            remove_history_files(&path);
            removed += 1;
        }
    }
    removed
}

/// The model seed of the simulated past (not the live demo's, whose market starts afresh).
fn past_seed(seed: u64) -> u64 {
    seed ^ 0x9e37_79b9_7f4a_7c15
}

/// Fast-forwards the day before now into `plan.history` (or a temporary file) and returns it.
pub async fn prepare(config: &Config, plan: &Plan, seed: u64) -> Result<DemoHistory, HistoryError> {
    let (path, temporary) = match &plan.history {
        Some(path) => (path.clone(), false),
        None => {
            let dir = std::env::temp_dir();
            let removed = remove_orphans(&dir);
            if removed > 0 {
                tracing::info!("removed {removed} history files of earlier demos that were killed");
            }
            let name = format!("{TEMP_PREFIX}{}-{}.sqlite", std::process::id(), now_nanos());
            (dir.join(name), true)
        }
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
        // The sampled hours are written while the rest is built; the tail (the short windows'
        // seconds) last, moved to end now.
        let mut store = Store::open_write(&path)?;
        let mut written = 0;
        let mut tail = fast_forward(past_seed(seed), &books, settings, end, SPAN, |part| {
            written += write(&mut store, &part)?;
            Ok::<_, HistoryError>(())
        })?;
        let built = started.elapsed();
        tail.shift((now_nanos() / 1_000_000) as Millis - end);
        written += write(&mut store, &tail)?;
        tracing::debug!(
            "the demo's past: {written} rows, built and written in {:.2} s, tail written in {:.2} s",
            built.as_secs_f64(),
            (started.elapsed() - built).as_secs_f64()
        );
        Ok::<_, HistoryError>(written)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::write(path, b"x").expect("write");
    }

    #[test]
    fn only_files_without_a_live_writer_are_removed() {
        let dir = std::env::temp_dir().join(format!("depthscope-orphans-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("tempdir");
        let orphan = dir.join(format!("{TEMP_PREFIX}1-1.sqlite"));
        let running = dir.join(format!("{TEMP_PREFIX}2-2.sqlite"));
        let other = dir.join("history.sqlite");
        for p in [&orphan, &running, &other] {
            touch(p);
            let mut lock = p.clone().into_os_string();
            lock.push(".lock");
            touch(Path::new(&lock));
        }
        let mut wal = orphan.clone().into_os_string();
        wal.push("-wal");
        touch(Path::new(&wal));
        let mut held = running.clone().into_os_string();
        held.push(".lock");
        let holder = std::fs::File::open(&held).expect("open lock");
        holder.try_lock().expect("lock");

        assert_eq!(remove_orphans(&dir), 1);
        assert!(!orphan.exists() && !Path::new(&wal).exists());
        assert!(running.exists(), "a demo still running keeps its file");
        assert!(other.exists(), "a user's history file is never touched");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .expect("read_dir")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 4, "{left:?}");
        drop(holder);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
