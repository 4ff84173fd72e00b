//! The SQLite file: opening (one writer, guarded by a lock file; readers open read-only),
//! the schema and its forward migrations, and the statements the writer and `history` run.
//!
//! Tables (`history info` and the README describe them for users):
//! - `books(id, venue, instrument, symbol)`: one row per venue book, plus one per symbol with
//!   venue `all` for the cross-venue composites;
//! - `sec(book, t, …)`: 1-s rows, `t` in unix seconds;
//! - `min(book, t, seconds, …)`, `hour(book, t, seconds, …)`: rollups, `t` the interval start;
//! - `warm(book, series, t, value, bins)`: the engine's baseline samples, restored at start
//!   ([`crate::engine::warm`]), and on each symbol's `all` book its latest §5 zone state;
//! - `min`, `hour` and `warm` carry a `source` ([`super::Source`], schema version 2): rows
//!   recorded live, or backfilled from the venues' public REST history ([`super::backfill`]).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params, params_from_iter};

use super::columns::{Column, columns};
use super::rollup::Rollup;
use super::{BookRow, HistoryError, Interval, WarmRow};
use crate::engine::warm::ZONES_CODE;

/// The schema version this build writes. Older files are migrated forward on open; a newer file
/// is refused (it was written by a newer depthscope).
pub const SCHEMA_VERSION: i64 = 3;

/// An open history file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Held while writing: a second writer gets [`HistoryError::Locked`].
    _lock: Option<File>,
    books: HashMap<(String, String), i64>,
    minute: HashMap<i64, Rollup>,
    hour: HashMap<i64, Rollup>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

/// The stored names of the 1-s table's value columns.
fn second_columns() -> impl Iterator<Item = &'static Column> {
    columns().iter().filter(|c| c.every_second)
}

fn rollup_names() -> Vec<String> {
    columns().iter().flat_map(Column::rollup_names).collect()
}

/// The rollup tables' value columns, quoted and comma-separated, for SQL (built once: the
/// statements that use it run for every minute of every book).
fn rollup_list() -> &'static str {
    static LIST: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let names: Vec<String> = rollup_names().iter().map(|n| quoted(n)).collect();
        names.join(", ")
    });
    &LIST
}

/// The column each stored rollup value decodes with.
fn rollup_decoders() -> &'static [&'static Column] {
    static DECODERS: std::sync::LazyLock<Vec<&'static Column>> = std::sync::LazyLock::new(|| {
        columns()
            .iter()
            .flat_map(|c| std::iter::repeat_n(c, c.rollup_names().len()))
            .collect()
    });
    &DECODERS
}

/// The stored names of the columns `version`'s migration adds: `(1-s table, rollup tables)`.
fn columns_added_in(version: i64) -> (Vec<String>, Vec<String>) {
    let added = || columns().iter().filter(move |c| c.added_in == version);
    (
        added()
            .filter(|c| c.every_second)
            .map(|c| c.name.clone())
            .collect(),
        added().flat_map(Column::rollup_names).collect(),
    )
}

fn migration_1(conn: &Connection) -> rusqlite::Result<()> {
    let (sec, roll) = columns_added_in(1);
    let sec: Vec<String> = sec.iter().map(|n| quoted(n)).collect();
    let roll: Vec<String> = roll.iter().map(|n| quoted(n)).collect();
    conn.execute_batch(&format!(
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE books(id INTEGER PRIMARY KEY, venue TEXT NOT NULL, instrument TEXT NOT NULL,
                            symbol TEXT NOT NULL, UNIQUE(venue, instrument));
         CREATE TABLE sec(book INTEGER NOT NULL, t INTEGER NOT NULL, {},
                          PRIMARY KEY(book, t)) WITHOUT ROWID;
         CREATE TABLE min(book INTEGER NOT NULL, t INTEGER NOT NULL, seconds INTEGER NOT NULL, {},
                          PRIMARY KEY(book, t)) WITHOUT ROWID;
         CREATE TABLE hour(book INTEGER NOT NULL, t INTEGER NOT NULL, seconds INTEGER NOT NULL, {},
                           PRIMARY KEY(book, t)) WITHOUT ROWID;
         CREATE TABLE warm(book INTEGER NOT NULL, series INTEGER NOT NULL, t INTEGER NOT NULL,
                           value REAL, bins BLOB, PRIMARY KEY(book, series, t)) WITHOUT ROWID;",
        sec.join(", "),
        roll.join(", "),
        roll.join(", "),
    ))
}

/// Version 2: where each rollup and baseline sample came from (0 recorded, 1 backfilled), so
/// a backfill never overwrites a recorded row and readers can tell them apart.
fn migration_2(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "ALTER TABLE min ADD COLUMN source INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE hour ADD COLUMN source INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE warm ADD COLUMN source INTEGER NOT NULL DEFAULT 0;",
    )
}

/// Version 3: the analytics' 1-min values (regime and its probabilities, drift, integrity per
/// book, positioning ratios, nearest support/resistance), as empty columns for the past.
fn migration_3(conn: &Connection) -> rusqlite::Result<()> {
    add_columns(conn, 3)
}

/// Adds the columns of `version` that a table does not have yet.
fn add_columns(conn: &Connection, version: i64) -> rusqlite::Result<()> {
    let (sec, roll) = columns_added_in(version);
    for (table, names) in [("sec", &sec), ("min", &roll), ("hour", &roll)] {
        let have: Vec<String> = conn
            .prepare(&format!("PRAGMA table_info({table})"))?
            .query_map([], |r| r.get::<_, String>(1))?
            .collect::<rusqlite::Result<_>>()?;
        for name in names.iter().filter(|n| !have.contains(n)) {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {}", quoted(name)))?;
        }
    }
    Ok(())
}

/// Forward migrations: entry `i` takes a file from version `i` to `i + 1`.
const MIGRATIONS: &[fn(&Connection) -> rusqlite::Result<()>] =
    &[migration_1, migration_2, migration_3];

/// A new file at schema `version` as an older depthscope wrote it, to test migrations.
#[cfg(test)]
pub(super) fn create_at_version(path: &Path, version: i64) -> rusqlite::Result<()> {
    let conn = Connection::open(path)?;
    for step in &MIGRATIONS[..version as usize] {
        step(&conn)?;
    }
    conn.execute_batch(&format!("PRAGMA user_version = {version}"))
}

fn lock_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

impl Store {
    /// Opens (creating it if needed) `path` for writing: takes the lock file, sets WAL mode and
    /// migrates the schema forward.
    pub fn open_write(path: &Path) -> Result<Store, HistoryError> {
        let io = |e: std::io::Error| HistoryError::Io(path.to_owned(), e.to_string());
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(path))
            .map_err(io)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(HistoryError::Locked(path.to_owned()));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        let conn = Connection::open(path).map_err(|e| HistoryError::sql(path, e))?;
        let store = Store::init(conn, path, Some(lock))?;
        store
            .conn
            .execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
            .map_err(|e| HistoryError::sql(path, e))?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing file read-only (`history` commands), alongside a running writer.
    pub fn open_read(path: &Path) -> Result<Store, HistoryError> {
        if !path.exists() {
            return Err(HistoryError::Missing(path.to_owned()));
        }
        // One connection per thread: SQLite's own per-call mutex is not needed.
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| HistoryError::sql(path, e))?;
        let store = Store::init(conn, path, None)?;
        let version = store.version()?;
        if version > SCHEMA_VERSION {
            return Err(HistoryError::Newer(path.to_owned(), version));
        }
        if version < SCHEMA_VERSION {
            return Err(HistoryError::Old(path.to_owned(), version));
        }
        Ok(store)
    }

    fn init(conn: Connection, path: &Path, lock: Option<File>) -> Result<Store, HistoryError> {
        conn.busy_timeout(std::time::Duration::from_millis(2_000))
            .map_err(|e| HistoryError::sql(path, e))?;
        Ok(Store {
            conn,
            path: path.to_owned(),
            _lock: lock,
            books: HashMap::new(),
            minute: HashMap::new(),
            hour: HashMap::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(super) fn sql(&self, e: rusqlite::Error) -> HistoryError {
        HistoryError::sql(&self.path, e)
    }

    fn version(&self) -> Result<i64, HistoryError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.sql(e))
    }

    fn migrate(&self) -> Result<(), HistoryError> {
        let version = self.version()?;
        if version > SCHEMA_VERSION {
            return Err(HistoryError::Newer(self.path.clone(), version));
        }
        for (v, step) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            let tx = self.conn.unchecked_transaction().map_err(|e| self.sql(e))?;
            step(&tx).map_err(|e| self.sql(e))?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", v + 1))
                .map_err(|e| self.sql(e))?;
            tx.commit().map_err(|e| self.sql(e))?;
        }
        Ok(())
    }

    /// Sets a `meta` value (e.g. the slippage notionals the file is written with).
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), HistoryError> {
        self.conn
            .execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(drop)
            .map_err(|e| self.sql(e))
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, HistoryError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql(e))
    }

    /// The id of a book, created on first sight. The engine's symbol wins: a backfill
    /// (`rename: false`) names a new book but never renames a known one.
    pub(super) fn book_id(
        &mut self,
        venue: &str,
        instrument: &str,
        symbol: &str,
        rename: bool,
    ) -> rusqlite::Result<i64> {
        let key = (venue.to_owned(), instrument.to_owned());
        if let Some(id) = self.books.get(&key) {
            return Ok(*id);
        }
        let on_conflict = if rename {
            "DO UPDATE SET symbol = excluded.symbol"
        } else {
            "DO NOTHING"
        };
        self.conn.execute(
            &format!(
                "INSERT INTO books(venue, instrument, symbol) VALUES (?1, ?2, ?3)
                 ON CONFLICT(venue, instrument) {on_conflict}"
            ),
            params![venue, instrument, symbol],
        )?;
        let id = self.conn.query_row(
            "SELECT id FROM books WHERE venue = ?1 AND instrument = ?2",
            params![venue, instrument],
            |r| r.get(0),
        )?;
        self.books.insert(key, id);
        Ok(id)
    }

    /// Writes one second in one transaction: its 1-s rows, the open 1-min and 1-h rows they fold
    /// into, and the engine's warm samples. All or nothing.
    pub fn write_second(
        &mut self,
        t: i64,
        rows: &[BookRow],
        warm: &[WarmRow],
    ) -> Result<(), HistoryError> {
        self.write_second_inner(t, rows, warm)
            .map_err(|e| HistoryError::sql(&self.path, e))
    }

    fn write_second_inner(
        &mut self,
        t: i64,
        rows: &[BookRow],
        warm: &[WarmRow],
    ) -> rusqlite::Result<()> {
        self.in_transaction(|store| store.write_rows(t, rows, warm, Flush::EverySecond))
    }

    /// Writes many seconds, oldest first, in one transaction (a fast-forwarded past, not the
    /// live writer): each 1-min and 1-h row is written once, when its interval closes or the
    /// batch ends, instead of once per second. The file holds the same rows as after
    /// [`Store::write_second`] for each second in turn.
    pub fn write_seconds(
        &mut self,
        seconds: &[(i64, Vec<BookRow>)],
        warm: &[WarmRow],
    ) -> Result<(), HistoryError> {
        self.in_transaction(|store| {
            let first = seconds.first().map_or(0, |(t, _)| *t);
            store.write_rows(first, &[], warm, Flush::OnClose)?;
            for (t, rows) in seconds {
                store.write_rows(*t, rows, &[], Flush::OnClose)?;
            }
            store.flush_open_rollups()
        })
        .map_err(|e| HistoryError::sql(&self.path, e))
    }

    /// Runs `f` in one transaction: all of it is written, or (on an error) none of it.
    fn in_transaction(
        &mut self,
        f: impl FnOnce(&mut Self) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        self.conn.execute_batch("BEGIN")?;
        match f(self) {
            Ok(()) => self.conn.execute_batch("COMMIT"),
            Err(e) => {
                // The second (or batch) is dropped whole; the error says why.
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn write_rows(
        &mut self,
        t: i64,
        rows: &[BookRow],
        warm: &[WarmRow],
        flush: Flush,
    ) -> rusqlite::Result<()> {
        static SEC_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            let names: Vec<String> = second_columns().map(|c| quoted(&c.name)).collect();
            let marks = vec!["?"; names.len() + 2].join(", ");
            format!(
                "INSERT OR REPLACE INTO sec(book, t, {}) VALUES ({marks})",
                names.join(", ")
            )
        });
        let sec_sql: &str = &SEC_SQL;
        let decoders = rollup_decoders();
        for row in rows {
            let book = self.book_id(&row.venue, &row.instrument, &row.symbol, true)?;
            let mut values = vec![
                rusqlite::types::Value::Integer(book),
                rusqlite::types::Value::Integer(t),
            ];
            for (col, v) in columns().iter().zip(&row.values) {
                if col.every_second {
                    values.push(encode(col, *v));
                }
            }
            self.conn
                .prepare_cached(sec_sql)?
                .execute(params_from_iter(values))?;
            for interval in [Interval::Minute, Interval::Hour] {
                let start = interval.start_of(t);
                let open = match interval {
                    Interval::Minute => self.minute.get_mut(&book),
                    _ => self.hour.get_mut(&book),
                };
                let rollup = match open {
                    Some(r) if r.start == start => r,
                    closed => {
                        // Written every second live; in a batch, now that it has closed.
                        if let Some(closed) = closed
                            && flush == Flush::OnClose
                        {
                            put_rollup(&self.conn, interval, book, closed)?;
                        }
                        let resumed = load_open(&self.conn, interval, book, start, decoders)?
                            .unwrap_or_else(|| Rollup::new(start));
                        let map = match interval {
                            Interval::Minute => &mut self.minute,
                            _ => &mut self.hour,
                        };
                        map.insert(book, resumed);
                        map.get_mut(&book).expect("just inserted")
                    }
                };
                rollup.add(&row.values);
                if flush == Flush::EverySecond {
                    put_rollup(&self.conn, interval, book, rollup)?;
                }
            }
        }
        for w in warm {
            let book = self.book_id(&w.venue, &w.instrument, &w.symbol, true)?;
            if w.series == ZONES_CODE {
                // A symbol's zone state: only the latest is ever read.
                self.conn
                    .prepare_cached("DELETE FROM warm WHERE book = ?1 AND series = ?2 AND t < ?3")?
                    .execute(params![book, w.series, w.t])?;
            }
            self.conn.prepare_cached(
                "INSERT OR REPLACE INTO warm(book, series, t, value, bins) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![book, w.series, w.t, w.value, w.bins])?;
        }
        Ok(())
    }

    /// Rebuilds the backfilled 1-h row of `book` for the hour starting at `hour` (unix
    /// seconds) from the 1-min rows the file holds in it; a recorded 1-h row is never
    /// replaced. Returns whether a row was written.
    pub(super) fn rebuild_backfilled_hour(&self, book: i64, hour: i64) -> rusqlite::Result<bool> {
        self.conn.execute(
            "DELETE FROM hour WHERE book = ?1 AND t = ?2 AND source = 1",
            params![book, hour],
        )?;
        let names: Vec<String> = rollup_names().iter().map(|n| quoted(n)).collect();
        let decoders = rollup_decoders();
        let mut rollup = Rollup::new(hour);
        {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT t, seconds, {} FROM min WHERE book = ?1 AND t >= ?2 AND t < ?3 ORDER BY t",
                names.join(", ")
            ))?;
            let mut rows = stmt.query(params![book, hour, hour + Interval::Hour.seconds()])?;
            while let Some(r) = rows.next()? {
                let mut values = Vec::with_capacity(decoders.len());
                for (i, col) in decoders.iter().enumerate() {
                    values.push(col.decode(r.get_ref(i + 2)?));
                }
                rollup.merge(&Rollup::resume(r.get(0)?, r.get(1)?, &values));
            }
        }
        if rollup.seconds == 0 {
            return Ok(false);
        }
        let marks = vec!["?"; names.len() + 4].join(", ");
        let mut values = vec![
            rusqlite::types::Value::Integer(book),
            rusqlite::types::Value::Integer(hour),
            rusqlite::types::Value::Integer(i64::from(rollup.seconds)),
            rusqlite::types::Value::Integer(super::Source::Backfilled as i64),
        ];
        for (col, v) in decoders.iter().zip(rollup.values()) {
            values.push(encode(col, v));
        }
        let inserted = self
            .conn
            .prepare_cached(&format!(
                "INSERT OR IGNORE INTO hour(book, t, seconds, source, {}) VALUES ({marks})",
                names.join(", ")
            ))?
            .execute(params_from_iter(values))?;
        Ok(inserted == 1)
    }

    /// Writes every open 1-min and 1-h row (the end of a batch).
    fn flush_open_rollups(&self) -> rusqlite::Result<()> {
        for (interval, open) in [
            (Interval::Minute, &self.minute),
            (Interval::Hour, &self.hour),
        ] {
            for (book, rollup) in open {
                put_rollup(&self.conn, interval, *book, rollup)?;
            }
        }
        Ok(())
    }

    /// Deletes rows older than the retention (seconds before `now`, unix seconds); `None` keeps
    /// a table forever. Returns the rows deleted.
    pub fn prune(&self, now: i64, keep: &super::Retention) -> Result<usize, HistoryError> {
        let mut deleted = 0;
        // `t` is unix seconds in the row tables and exchange ms in `warm`.
        for (table, keep, per_second) in [
            ("sec", Some(keep.seconds), 1),
            ("min", Some(keep.minutes), 1),
            ("hour", keep.hours, 1),
            // Baseline samples older than the longest baseline (24 h) are never read.
            ("warm", Some(super::WARM_KEEP), 1000),
        ] {
            if let Some(keep) = keep {
                deleted += self
                    .conn
                    .execute(
                        &format!("DELETE FROM {table} WHERE t < ?1"),
                        [(now - keep) * per_second],
                    )
                    .map_err(|e| self.sql(e))?;
            }
        }
        Ok(deleted)
    }

    /// `PRAGMA integrity_check`: `Ok` or the first problem.
    pub fn integrity_check(&self) -> Result<String, HistoryError> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.sql(e))
    }
}

/// When the open 1-min and 1-h rows are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flush {
    /// Every second (the live writer: readers see the open minute, a crash loses one second).
    EverySecond,
    /// When the interval closes or the batch ends (one transaction for a whole past).
    OnClose,
}

/// Writes the open row of `interval` for `book` as it stands.
fn put_rollup(
    conn: &Connection,
    interval: Interval,
    book: i64,
    rollup: &Rollup,
) -> rusqlite::Result<()> {
    static SQL: std::sync::LazyLock<[String; 2]> = std::sync::LazyLock::new(|| {
        let names: Vec<String> = rollup_names().iter().map(|n| quoted(n)).collect();
        let marks = vec!["?"; names.len() + 3].join(", ");
        [Interval::Minute, Interval::Hour].map(|i| {
            format!(
                "INSERT OR REPLACE INTO {}(book, t, seconds, {}) VALUES ({marks})",
                i.table(),
                names.join(", ")
            )
        })
    });
    let sql = &SQL[usize::from(interval != Interval::Minute)];
    let mut values = vec![
        rusqlite::types::Value::Integer(book),
        rusqlite::types::Value::Integer(rollup.start),
        rusqlite::types::Value::Integer(i64::from(rollup.seconds)),
    ];
    for (col, v) in rollup_decoders().iter().zip(rollup.values()) {
        values.push(encode(col, v));
    }
    conn.prepare_cached(sql)?
        .execute(params_from_iter(values))
        .map(drop)
}

fn encode(col: &Column, v: Option<f64>) -> rusqlite::types::Value {
    match v.filter(|v| v.is_finite()) {
        Some(v) => col.encode(v),
        None => rusqlite::types::Value::Null,
    }
}

/// The stored open row of an interval, to resume folding into (after a restart).
fn load_open(
    conn: &Connection,
    interval: Interval,
    book: i64,
    start: i64,
    decoders: &[&Column],
) -> rusqlite::Result<Option<Rollup>> {
    static SQL: std::sync::LazyLock<[String; 2]> = std::sync::LazyLock::new(|| {
        [Interval::Minute, Interval::Hour].map(|i| {
            format!(
                // A backfilled row is not resumed: the first recorded second replaces it.
                "SELECT seconds, {} FROM {} WHERE book = ?1 AND t = ?2 AND source = 0",
                rollup_list(),
                i.table()
            )
        })
    });
    conn.prepare_cached(&SQL[usize::from(interval != Interval::Minute)])?
        .query_row(params![book, start], |r| {
            let seconds: u32 = r.get(0)?;
            let mut values = Vec::with_capacity(decoders.len());
            for (i, col) in decoders.iter().enumerate() {
                values.push(col.decode(r.get_ref(i + 1)?));
            }
            Ok(Rollup::resume(start, seconds, &values))
        })
        .optional()
}
