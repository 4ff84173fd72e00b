//! The writer: one thread that owns the [`Store`] and writes one transaction per second, fed
//! over a bounded channel by [`HistorySink::offer`], which never waits. When the writer falls
//! behind, whole seconds are dropped (counted, shown in the Health view); a write error (a full
//! disk) stops history with a clear message and the program goes on without it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde::Serialize;
use tokio::sync::mpsc;

use super::{BookRow, Retention, Store, WarmRow};

/// Seconds that may wait for the writer before new ones are dropped.
pub const BACKLOG_SECONDS: usize = 8;
/// Old rows are pruned once this many seconds have been written.
const PRUNE_EVERY: u64 = 600;

/// One second for the writer: all its rows or none.
#[derive(Clone, Debug, Default)]
pub struct SecondBatch {
    /// Unix seconds.
    pub t: i64,
    pub rows: Vec<BookRow>,
    pub warm: Vec<WarmRow>,
}

/// Counters shared by the sink, the writer and the Health view.
#[derive(Debug, Default)]
struct Status {
    path: String,
    written: AtomicU64,
    dropped: AtomicU64,
    error: Mutex<Option<String>>,
    restored: AtomicU64,
}

/// What the Health view shows about the history file.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HistoryHealth {
    pub path: String,
    /// Seconds written.
    pub written: u64,
    /// Whole seconds dropped because the writer was behind.
    pub dropped: u64,
    /// Books whose baselines were restored at start.
    pub restored_books: u64,
    /// Why history stopped (write error, full disk); `None` while it works.
    pub error: Option<String>,
}

/// The engine's end of the writer channel.
#[derive(Clone, Debug)]
pub struct HistorySink {
    tx: mpsc::Sender<SecondBatch>,
    status: Arc<Status>,
}

impl HistorySink {
    /// Hands one second to the writer without waiting; a full backlog drops it (counted).
    pub fn offer(&self, batch: SecondBatch) {
        if self.failed() {
            return;
        }
        if self.tx.try_send(batch).is_err() {
            self.status.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Hands one second to the writer, waiting while its backlog is full: for replays and
    /// tests, where every second counts and nobody watches the screen. Inside a multi-thread
    /// tokio runtime the wait is marked blocking; elsewhere in a runtime it falls back to
    /// [`offer`](Self::offer).
    pub fn send_waiting(&self, batch: SecondBatch) {
        if self.failed() {
            return;
        }
        use tokio::runtime::{Handle, RuntimeFlavor};
        let sent = match Handle::try_current().map(|h| h.runtime_flavor()) {
            Err(_) => self.tx.blocking_send(batch).is_ok(),
            Ok(RuntimeFlavor::MultiThread) => {
                tokio::task::block_in_place(|| self.tx.blocking_send(batch).is_ok())
            }
            Ok(_) => return self.offer(batch),
        };
        if !sent {
            self.status.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// History stopped on an error: nothing more is worth building.
    pub fn failed(&self) -> bool {
        self.status.error.lock().is_ok_and(|e| e.is_some())
    }

    pub fn set_restored(&self, books: u64) {
        self.status.restored.store(books, Ordering::Relaxed);
    }

    pub fn health(&self) -> HistoryHealth {
        let s = &self.status;
        HistoryHealth {
            path: s.path.clone(),
            written: s.written.load(Ordering::Relaxed),
            dropped: s.dropped.load(Ordering::Relaxed),
            restored_books: s.restored.load(Ordering::Relaxed),
            error: s.error.lock().ok().and_then(|e| e.clone()),
        }
    }
}

/// Starts the writer thread. It ends when every sink is dropped (after writing what is
/// queued) or on the first write error.
pub fn spawn_writer(
    store: Store,
    retention: Retention,
) -> Result<(HistorySink, JoinHandle<()>), super::HistoryError> {
    let (tx, mut rx) = mpsc::channel::<SecondBatch>(BACKLOG_SECONDS);
    let status = Arc::new(Status {
        path: store.path().display().to_string(),
        ..Status::default()
    });
    let sink = HistorySink {
        tx,
        status: status.clone(),
    };
    let path = store.path().to_owned();
    let handle = std::thread::Builder::new()
        .name("history-writer".into())
        .spawn(move || {
            let mut store = store;
            while let Some(batch) = rx.blocking_recv() {
                if let Err(e) = store.write_second(batch.t, &batch.rows, &batch.warm) {
                    fail(&status, format!("history stopped: {e}"));
                    return;
                }
                let n = status.written.fetch_add(1, Ordering::Relaxed) + 1;
                if n % PRUNE_EVERY == 1
                    && let Err(e) = store.prune(batch.t, &retention)
                {
                    fail(&status, format!("history stopped: pruning failed: {e}"));
                    return;
                }
            }
        })
        .map_err(|e| super::HistoryError::Io(path, format!("cannot start the writer: {e}")))?;
    Ok((sink, handle))
}

fn fail(status: &Status, message: String) {
    tracing::error!("{message}");
    if let Ok(mut e) = status.error.lock() {
        *e = Some(message);
    }
}
