//! The writer: one thread that owns the [`Store`] and writes one transaction per second, fed
//! over a bounded channel by [`HistorySink::offer`], which never waits. When the writer falls
//! behind, whole seconds are dropped (counted, shown in the Health view); a write error (a full
//! disk) stops history with a clear message and the program goes on without it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde::Serialize;
use tokio::sync::mpsc;

use crate::engine::warm::Seed;
use crate::feed::event::BookKey;

use super::backfill::{MinuteRow, Written};
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

/// One backfilled book for the writer: its rows, and where to send back what the store then
/// holds for it.
#[derive(Debug)]
pub struct BackfillBatch {
    pub key: BookKey,
    pub minutes: Vec<MinuteRow>,
    pub warm: Vec<WarmRow>,
    /// The stored series (codes) to read back for the engine.
    pub series: Vec<i64>,
    /// Unix ms: samples older than the longest baseline are not read back.
    pub now_ms: i64,
    pub reply: tokio::sync::oneshot::Sender<Result<(Written, Vec<Seed>), String>>,
}

/// Many past seconds for the writer, oldest first, in one transaction
/// ([`Store::write_seconds`]): the demo's older hours, built while it runs.
#[derive(Debug)]
pub struct PastBatch {
    pub seconds: Vec<(i64, Vec<BookRow>)>,
    pub warm: Vec<WarmRow>,
    pub reply: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// What the writer thread takes.
#[derive(Debug)]
enum Job {
    Second(SecondBatch),
    Backfill(BackfillBatch),
    Past(PastBatch),
}

/// Counters shared by the sink, the writer and the Health view.
#[derive(Debug, Default)]
struct Status {
    path: String,
    written: AtomicU64,
    dropped: AtomicU64,
    error: Mutex<Option<String>>,
    restored: AtomicU64,
    backfilled: AtomicU64,
}

/// What the Health view shows about the history file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct HistoryHealth {
    pub path: String,
    /// Seconds written.
    pub written: u64,
    /// Whole seconds dropped because the writer was behind.
    pub dropped: u64,
    /// Books whose baselines were restored at start.
    pub restored_books: u64,
    /// Rows a REST backfill wrote into the file (where it had none).
    pub backfilled_rows: u64,
    /// Why history stopped (write error, full disk); `None` while it works.
    pub error: Option<String>,
}

/// The engine's end of the writer channel.
#[derive(Clone, Debug)]
pub struct HistorySink {
    tx: mpsc::Sender<Job>,
    status: Arc<Status>,
}

impl HistorySink {
    /// Hands one second to the writer without waiting; a full backlog drops it (counted).
    pub fn offer(&self, batch: SecondBatch) {
        if self.failed() {
            return;
        }
        if self.tx.try_send(Job::Second(batch)).is_err() {
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
            Err(_) => self.tx.blocking_send(Job::Second(batch)).is_ok(),
            Ok(RuntimeFlavor::MultiThread) => {
                tokio::task::block_in_place(|| self.tx.blocking_send(Job::Second(batch)).is_ok())
            }
            Ok(_) => return self.offer(batch),
        };
        if !sent {
            self.status.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Writes one backfilled book where the file has no rows (waiting for room in the queue:
    /// a backfill is in no hurry) and returns what was written with the book's seeds as the
    /// store now holds them.
    pub async fn backfill(
        &self,
        key: BookKey,
        minutes: Vec<MinuteRow>,
        warm: Vec<WarmRow>,
        series: Vec<i64>,
        now_ms: i64,
    ) -> Result<(Written, Vec<Seed>), String> {
        if let Some(e) = self.health().error {
            return Err(e);
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job::Backfill(BackfillBatch {
            key,
            minutes,
            warm,
            series,
            now_ms,
            reply,
        });
        self.tx
            .send(job)
            .await
            .map_err(|_| "the history writer has stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "the history writer stopped before answering".to_owned())?
    }

    /// Writes past seconds with their warm samples (older than the live ones) in one
    /// transaction and waits until they are written. Blocks: for a builder thread, never
    /// inside the runtime.
    pub fn write_past_blocking(
        &self,
        seconds: Vec<(i64, Vec<BookRow>)>,
        warm: Vec<WarmRow>,
    ) -> Result<(), String> {
        if let Some(e) = self.health().error {
            return Err(e);
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.tx
            .blocking_send(Job::Past(PastBatch {
                seconds,
                warm,
                reply,
            }))
            .map_err(|_| "the history writer has stopped".to_owned())?;
        answer
            .blocking_recv()
            .map_err(|_| "the history writer stopped before answering".to_owned())?
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
            backfilled_rows: s.backfilled.load(Ordering::Relaxed),
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
    let (tx, mut rx) = mpsc::channel::<Job>(BACKLOG_SECONDS);
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
            while let Some(job) = rx.blocking_recv() {
                let batch = match job {
                    Job::Second(batch) => batch,
                    Job::Backfill(b) => {
                        let answer = write_backfill(&mut store, &b);
                        if let Ok((written, _)) = &answer {
                            status
                                .backfilled
                                .fetch_add(written.written(), Ordering::Relaxed);
                        }
                        if !reply(&status, b.reply, answer, "backfill: ") {
                            return;
                        }
                        continue;
                    }
                    Job::Past(p) => {
                        let answer = store
                            .write_seconds(&p.seconds, &p.warm)
                            .map_err(|e| e.to_string());
                        if !reply(&status, p.reply, answer, "") {
                            return;
                        }
                        continue;
                    }
                };
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

fn write_backfill(store: &mut Store, b: &BackfillBatch) -> Result<(Written, Vec<Seed>), String> {
    let written = store
        .write_backfill(&b.minutes, &b.warm)
        .map_err(|e| e.to_string())?;
    let seeds = super::restore::load_book_seeds(store, &b.key, &b.series, b.now_ms)
        .map_err(|e| e.to_string())?;
    Ok((written, seeds))
}

/// Answers a job that waits for its outcome; an error stops history (as every write error
/// does). Returns whether the writer goes on.
fn reply<T>(
    status: &Status,
    to: tokio::sync::oneshot::Sender<Result<T, String>>,
    answer: Result<T, String>,
    what: &str,
) -> bool {
    let failed = answer.as_ref().err().cloned();
    let _ = to.send(answer);
    match failed {
        Some(e) => {
            fail(status, format!("history stopped: {what}{e}"));
            false
        }
        None => true,
    }
}

fn fail(status: &Status, message: String) {
    tracing::error!("{message}");
    if let Ok(mut e) = status.error.lock() {
        *e = Some(message);
    }
}
