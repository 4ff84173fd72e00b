//! Store, writer and query tests on temporary files.

use std::io::BufRead;
use std::path::PathBuf;

use super::columns::{index_of, width};
use super::query::{QuerySpec, parse_time, query};
use super::writer::SecondBatch;
use super::*;

/// 2026-06-01 00:00 UTC.
const T0: i64 = 1_780_272_000;

fn tempdir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("depthscope-history-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn row(mid: f64, buy: f64) -> BookRow {
    let mut values = vec![None; width()];
    values[index_of("mid").unwrap()] = Some(mid);
    values[index_of("taker_buy_base").unwrap()] = Some(buy);
    values[index_of("liquidity_risk").unwrap()] = Some(0.25);
    BookRow {
        venue: "okx".into(),
        instrument: "BTC-USDT".into(),
        symbol: "BTC".into(),
        values,
    }
}

fn spec(from: i64, to: i64, every: Interval, fields: &[&str]) -> QuerySpec {
    QuerySpec {
        symbol: "btc".into(),
        venue: None,
        from,
        to,
        every,
        fields: fields.iter().map(|f| (*f).to_owned()).collect(),
    }
}

/// Every table's rows, in key order, as text: what two files must agree on.
fn dump(path: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut out = Vec::new();
    for table in ["books", "sec", "min", "hour", "warm"] {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2, 3"))
            .unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect();
                Ok(format!("{table}: {}", cells.join(" ")))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

#[test]
fn a_batch_write_leaves_the_same_rows_as_one_second_at_a_time() {
    let dir = tempdir("batch");
    // Two books, sparse minutes (as the demo's sampled past writes them), then a run of
    // seconds across an hour boundary.
    let mut seconds: Vec<(i64, Vec<BookRow>)> = Vec::new();
    for m in 0..5 {
        let t = T0 + 3_300 + m * 60 + 59;
        seconds.push((t, vec![row(100.0 + m as f64, 2.0)]));
    }
    for s in 0..400 {
        let mut eth = row(50.0 - s as f64 / 10.0, 0.5);
        eth.instrument = "ETH-USDT".into();
        eth.symbol = "ETH".into();
        seconds.push((T0 + 3_600 + s, vec![row(110.0 + s as f64, 1.0), eth]));
    }
    let warm = vec![WarmRow {
        venue: "okx".into(),
        instrument: "BTC-USDT".into(),
        symbol: "BTC".into(),
        series: 1,
        t: T0 * 1_000,
        value: Some(3.5),
        bins: None,
    }];
    let (one, batch) = (dir.join("one.sqlite"), dir.join("batch.sqlite"));
    let mut store = Store::open_write(&one).unwrap();
    store.write_second(seconds[0].0, &[], &warm).unwrap();
    for (t, rows) in &seconds {
        store.write_second(*t, rows, &[]).unwrap();
    }
    drop(store);
    let mut store = Store::open_write(&batch).unwrap();
    store.write_seconds(&seconds, &warm).unwrap();
    drop(store);
    let (a, b) = (dump(&one), dump(&batch));
    assert!(
        a.iter().filter(|r| r.starts_with("min:")).count() >= 12,
        "{a:#?}"
    );
    assert!(a.iter().any(|r| r.starts_with("hour:")));
    assert_eq!(a, b);
}

#[test]
fn seconds_roll_up_into_minutes_and_hours_across_a_reopen() {
    let path = tempdir("rollup").join("h.sqlite");
    let mut store = Store::open_write(&path).unwrap();
    for s in 0..90 {
        store
            .write_second(T0 + s, &[row(100.0 + s as f64, 1.0)], &[])
            .unwrap();
    }
    drop(store);
    // A restart in the middle of the second minute: the open rows resume from the file.
    let mut store = Store::open_write(&path).unwrap();
    for s in 90..120 {
        store
            .write_second(T0 + s, &[row(100.0 + s as f64, 1.0)], &[])
            .unwrap();
    }
    let t = query(
        &store,
        &spec(
            T0,
            T0 + 120,
            Interval::Minute,
            &[
                "mid_open",
                "mid_high",
                "mid_close",
                "taker_buy_base",
                "liquidity_risk",
            ],
        ),
    )
    .unwrap();
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.rows[1].0, T0 + 60);
    assert_eq!(
        t.rows[1].3,
        vec![
            Some(160.0),
            Some(219.0),
            Some(219.0),
            Some(60.0),
            Some(0.25)
        ]
    );
    let h = query(
        &store,
        &spec(
            T0,
            T0 + 3600,
            Interval::Hour,
            &["mid_low", "taker_buy_base"],
        ),
    )
    .unwrap();
    assert_eq!(h.rows[0].3, vec![Some(100.0), Some(120.0)]);
    let s = query(&store, &spec(T0 + 10, T0 + 12, Interval::Second, &["mid"])).unwrap();
    assert_eq!(
        s.rows.iter().map(|r| r.3[0]).collect::<Vec<_>>(),
        [Some(110.0), Some(111.0)]
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn a_second_writer_is_refused_and_readers_still_open() {
    let path = tempdir("lock").join("h.sqlite");
    let mut first = Store::open_write(&path).unwrap();
    first.write_second(T0, &[row(1.0, 1.0)], &[]).unwrap();
    let second = Store::open_write(&path).unwrap_err();
    assert!(matches!(second, HistoryError::Locked(_)), "{second}");
    assert!(second.to_string().contains("in use by another depthscope"));
    let reader = Store::open_read(&path).unwrap();
    assert_eq!(
        query(&reader, &spec(T0, T0 + 1, Interval::Second, &["mid"]))
            .unwrap()
            .rows
            .len(),
        1
    );
    drop(first);
    Store::open_write(&path).unwrap();
}

#[test]
fn a_file_from_a_newer_depthscope_is_refused() {
    let path = tempdir("newer").join("h.sqlite");
    drop(Store::open_write(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    assert!(matches!(
        Store::open_write(&path),
        Err(HistoryError::Newer(_, 99))
    ));
    assert!(matches!(
        Store::open_read(&path),
        Err(HistoryError::Newer(_, 99))
    ));
    assert!(matches!(
        Store::open_read(&path.with_extension("nope")),
        Err(HistoryError::Missing(_))
    ));
}

#[test]
fn bad_queries_say_what_is_wrong() {
    let path = tempdir("query").join("h.sqlite");
    let mut store = Store::open_write(&path).unwrap();
    store.write_second(T0, &[row(1.0, 1.0)], &[]).unwrap();
    let err = |s: QuerySpec| query(&store, &s).unwrap_err().to_string();
    assert!(err(spec(T0 + 5, T0, Interval::Second, &[])).contains("empty range"));
    assert!(err(spec(T0, T0 + 5, Interval::Second, &["nope"])).contains("unknown field \"nope\""));
    assert!(
        err(spec(T0, T0 + 5, Interval::Second, &["liquidity_risk"])).contains("try --every 1m")
    );
    assert!(err(spec(T0 + 100, T0 + 200, Interval::Second, &[])).contains("no sec rows for btc"));
    assert_eq!(parse_time("-2h", 10_000).unwrap(), 2_800);
    assert_eq!(parse_time("2026-06-01T00:00:00Z", 0).unwrap(), T0);
    assert_eq!(parse_time("2026-06-01", 0).unwrap(), T0);
    assert!(parse_time("yesterday", 0).is_err());
    assert_eq!(query::fmt_time(T0 + 3_661), "2026-06-01 01:01:01");
}

#[test]
fn csv_and_json_carry_every_row_and_empty_cells() {
    let path = tempdir("export").join("h.sqlite");
    let mut store = Store::open_write(&path).unwrap();
    store.write_second(T0, &[row(1.5, 2.0)], &[]).unwrap();
    let table = query(
        &store,
        &spec(T0, T0 + 1, Interval::Second, &["mid", "trades"]),
    )
    .unwrap();
    let mut csv = Vec::new();
    query::write_csv(&table, &mut csv).unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        format!("t,venue,instrument,mid,trades\n{T0},okx,BTC-USDT,1.5,\n")
    );
    let mut json = Vec::new();
    query::write_json(&table, &mut json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["mid"], 1.5);
    assert!(v["trades"].is_null());
}

/// One book's CSV is written row by row as read, the same text as through the whole table;
/// two books are not (their rows merge by time), and a query without rows says so.
#[test]
fn one_books_csv_streams_the_text_the_table_gives() {
    let path = tempdir("stream").join("h.sqlite");
    let mut store = Store::open_write(&path).unwrap();
    for i in 0..5 {
        let mut r = row(100.0 + f64::from(i) * 0.1, 0.1234 * f64::from(i));
        r.values[index_of("spread_bps").unwrap()] = Some(1.25 + f64::from(i));
        store.write_second(T0 + i64::from(i), &[r], &[]).unwrap();
    }
    let all = spec(T0, T0 + 10, Interval::Second, &[]);
    assert!(query::one_book(&store, &all).unwrap());
    let mut whole = Vec::new();
    query::write_csv(&query(&store, &all).unwrap(), &mut whole).unwrap();
    let mut streamed = Vec::new();
    query::stream_csv(&store, &all, &mut streamed, |e| {
        HistoryError::Io("test".into(), e.to_string())
    })
    .unwrap();
    assert_eq!(
        String::from_utf8(streamed).unwrap(),
        String::from_utf8(whole.clone()).unwrap()
    );
    let text = String::from_utf8(whole).unwrap();
    assert_eq!(text.lines().count(), 6, "{text}");
    assert!(text.contains(",3.25,"), "stored decimals as stored: {text}");

    let empty = spec(T0 + 100, T0 + 200, Interval::Second, &[]);
    let err = query::stream_csv(&store, &empty, &mut Vec::new(), |e| {
        HistoryError::Io("test".into(), e.to_string())
    })
    .unwrap_err();
    assert!(err.to_string().contains("no sec rows for btc"), "{err}");

    let mut other = row(200.0, 1.0);
    other.instrument = "BTC-USDT-SWAP".into();
    store.write_second(T0 + 20, &[other], &[]).unwrap();
    assert!(!query::one_book(&store, &all).unwrap());
}

/// A write error (a full disk, here a database made read-only under the writer) stops
/// history with a message; offering more seconds neither blocks nor panics.
#[test]
fn a_write_error_stops_history_with_a_message() {
    let path = tempdir("fail").join("h.sqlite");
    let store = Store::open_write(&path).unwrap();
    store.conn().execute_batch("PRAGMA query_only = 1").unwrap();
    let (sink, writer) = spawn_writer(store, Retention::default()).unwrap();
    sink.send_waiting(SecondBatch {
        t: T0,
        rows: vec![row(1.0, 1.0)],
        warm: Vec::new(),
    });
    writer.join().unwrap();
    let health = sink.health();
    assert!(
        health
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("history stopped")),
        "{health:?}"
    );
    assert_eq!(health.written, 0);
    for s in 0..100 {
        sink.offer(SecondBatch {
            t: T0 + s,
            ..SecondBatch::default()
        });
    }
    assert!(sink.failed());
}

/// Past seconds (the demo's older hours) go through the live writer: written and answered in
/// one transaction beside the live seconds, older than them; a failed write answers the error
/// and stops history as any write error does.
#[test]
fn past_seconds_are_written_through_the_writer_and_answered() {
    let path = tempdir("past").join("h.sqlite");
    let (sink, writer) =
        spawn_writer(Store::open_write(&path).unwrap(), Retention::default()).unwrap();
    sink.send_waiting(SecondBatch {
        t: T0 + 3_600,
        rows: vec![row(2.0, 1.0)],
        warm: Vec::new(),
    });
    let past: Vec<(i64, Vec<BookRow>)> = (0..3).map(|s| (T0 + s, vec![row(1.0, 1.0)])).collect();
    sink.write_past_blocking(past.clone(), Vec::new()).unwrap();
    drop(sink);
    writer.join().unwrap();
    let store = Store::open_read(&path).unwrap();
    let seconds: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM sec", [], |r| r.get(0))
        .unwrap();
    assert_eq!(seconds, 4);
    let minutes: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM min", [], |r| r.get(0))
        .unwrap();
    assert_eq!(minutes, 2, "the past's minute and the live one");

    let path = tempdir("past-fail").join("h.sqlite");
    let store = Store::open_write(&path).unwrap();
    store.conn().execute_batch("PRAGMA query_only = 1").unwrap();
    let (sink, writer) = spawn_writer(store, Retention::default()).unwrap();
    let answer = sink.write_past_blocking(past, Vec::new());
    assert!(answer.is_err(), "{answer:?}");
    writer.join().unwrap();
    assert!(sink.failed());
    assert!(sink.write_past_blocking(Vec::new(), Vec::new()).is_err());
}

/// The child side of the crash test: writes seconds until killed, saying each one on stdout.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var("DEPTHSCOPE_HISTORY_CRASH_CHILD") else {
        return;
    };
    let mut store = Store::open_write(std::path::Path::new(&path)).unwrap();
    for s in 0.. {
        let rows: Vec<BookRow> = (0..36)
            .map(|i| BookRow {
                instrument: format!("I{i}"),
                ..row(s as f64, 1.0)
            })
            .collect();
        store.write_second(T0 + s, &rows, &[]).unwrap();
        println!("wrote {s}");
    }
}

/// SIGKILL a writer process in the middle of writing: the file passes the integrity check and
/// holds every second the writer said it committed.
#[cfg(unix)]
#[test]
fn a_killed_writer_leaves_a_sound_file() {
    let path = tempdir("crash").join("h.sqlite");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "history::tests::crash_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("DEPTHSCOPE_HISTORY_CRASH_CHILD", &path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut committed = None;
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("wrote ") {
            let n: i64 = n.parse().unwrap();
            committed = Some(n);
            if n >= 150 {
                break;
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let committed = committed.expect("the child wrote");
    let store = Store::open_read(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let rows = query(&store, &spec(T0, T0 + 100_000, Interval::Second, &["mid"])).unwrap();
    let last = rows.rows.iter().map(|r| r.0).max().unwrap() - T0;
    assert!(last >= committed, "committed {committed}, found {last}");
    // Every committed second is whole: 36 books each.
    assert_eq!(rows.rows.len() as i64 % 36, 0);
}

/// Figures for the README (run with `cargo test --lib history::tests::figures -- --ignored
/// --nocapture`): writer cost for 36 books, bytes per book per day, a 24-h query.
#[test]
#[ignore = "a measurement, not a check"]
fn figures() {
    use std::time::Instant;
    let dir = tempdir("figures");
    // Every column filled with a plausible value.
    let full = |book: usize, s: i64| {
        let mut r = row(67_000.0 + (s % 97) as f64 * 0.5, 0.1234);
        for (i, v) in r.values.iter_mut().enumerate() {
            if v.is_none() {
                *v = Some(((s * 7 + i as i64 * 13) % 1000) as f64 * 1.234);
            }
        }
        r.instrument = format!("I{book}");
        r
    };
    // Writer cost: 36 books, 600 seconds.
    let mut store = Store::open_write(&dir.join("36.sqlite")).unwrap();
    let start = Instant::now();
    for s in 0..600 {
        let rows: Vec<BookRow> = (0..36).map(|b| full(b, s)).collect();
        store.write_second(T0 + s, &rows, &[]).unwrap();
    }
    let per_second = start.elapsed().as_secs_f64() / 600.0;
    println!(
        "writer: {:.2} ms per second of 36 books = {:.2} % of a core",
        per_second * 1e3,
        per_second * 100.0
    );
    // One book, 24 h of 1-s rows.
    let path = dir.join("1.sqlite");
    let mut store = Store::open_write(&path).unwrap();
    for s in 0..86_400 {
        store.write_second(T0 + s, &[full(0, s)], &[]).unwrap();
    }
    store
        .conn()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")
        .unwrap();
    let page = |table: &str| -> i64 {
        store
            .conn()
            .query_row(
                &format!("SELECT sum(pgsize) FROM dbstat WHERE name = '{table}'"),
                [],
                |r| r.get(0),
            )
            .unwrap_or(-1)
    };
    println!(
        "bytes per book per day: 1-s rows {:.1} MB, 1-min rows {:.2} MB, 1-h rows {:.3} MB, file {:.1} MB",
        page("sec") as f64 / 1e6,
        page("min") as f64 / 1e6,
        page("hour") as f64 / 1e6,
        std::fs::metadata(&path).unwrap().len() as f64 / 1e6
    );
    let reader = Store::open_read(&path).unwrap();
    let start = Instant::now();
    let t = query(&reader, &spec(T0, T0 + 86_400, Interval::Second, &[])).unwrap();
    println!(
        "query 24 h of 1-s rows, all columns: {} rows in {:.0} ms",
        t.rows.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
}

/// A file written before rows had a source (schema 1) is migrated forward on open: its rows
/// count as recorded, so a backfill leaves them alone and fills only the minutes around them.
#[test]
fn a_version_1_file_is_migrated_and_its_rows_count_as_recorded() {
    use super::backfill::MinuteRow;

    let path = tempdir("v1").join("h.sqlite");
    let mut store = Store::open_write(&path).unwrap();
    store.write_second(T0 + 5, &[row(100.0, 1.0)], &[]).unwrap();
    drop(store);
    // Back to version 1's schema: no `source` columns.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "ALTER TABLE min DROP COLUMN source; ALTER TABLE hour DROP COLUMN source;
             ALTER TABLE warm DROP COLUMN source; PRAGMA user_version = 1;",
        )
        .unwrap();
    assert!(matches!(
        Store::open_read(&path),
        Err(HistoryError::Old(_, 1))
    ));
    let mut store = Store::open_write(&path).unwrap();
    let minute = |t: i64| MinuteRow {
        venue: "okx".into(),
        instrument: "BTC-USDT".into(),
        symbol: "BTC".into(),
        t,
        values: vec![("mid_close", 50.0), ("trades", 7.0)],
    };
    let written = store
        .write_backfill(&[minute(T0), minute(T0 + 60)], &[])
        .unwrap();
    let c = written.0[super::backfill::MINUTES];
    assert_eq!((c.written, c.kept_recorded, c.kept_backfilled), (1, 1, 0));
    drop(store);
    let store = Store::open_read(&path).unwrap();
    let table = query(
        &store,
        &spec(T0, T0 + 120, Interval::Minute, &["mid_close", "source"]),
    )
    .unwrap();
    let rows: Vec<(i64, Vec<Option<f64>>)> =
        table.rows.into_iter().map(|(t, _, _, v)| (t, v)).collect();
    assert_eq!(
        rows,
        [
            (T0, vec![Some(100.0), Some(0.0)]),
            (T0 + 60, vec![Some(50.0), Some(1.0)])
        ]
    );
}

/// Backfilled minutes fold into backfilled 1-h rows (kept without expiry): the first open, the
/// widest high and low, the last close, summed flows, 60 s a minute; a later backfill of more
/// minutes of the hour rebuilds it, and a recorded hour is left as it is.
#[test]
fn backfilled_minutes_fold_into_hours_and_recorded_hours_stay() {
    use super::backfill::{HOURS, MinuteRow};

    let path = tempdir("backfill-hours").join("h.sqlite");
    let mut store = Store::open_write(&path).unwrap();
    // A recorded second in the hour after T0's.
    store
        .write_second(T0 + 3_600 + 5, &[row(70.0, 1.0)], &[])
        .unwrap();
    let minute = |t: i64, (o, h, l, c): (f64, f64, f64, f64), buy: f64| MinuteRow {
        venue: "okx".into(),
        instrument: "BTC-USDT".into(),
        symbol: "BTC".into(),
        t,
        values: vec![
            ("mid_open", o),
            ("mid_high", h),
            ("mid_low", l),
            ("mid_close", c),
            ("taker_buy_base", buy),
        ],
    };
    let first = [
        minute(T0, (100.0, 110.0, 90.0, 105.0), 1.0),
        minute(T0 + 60, (105.0, 120.0, 100.0, 115.0), 2.0),
        minute(T0 + 120, (115.0, 116.0, 80.0, 81.0), 3.0),
        minute(T0 + 3_660, (70.0, 71.0, 69.0, 70.5), 9.0),
    ];
    let written = store.write_backfill(&first, &[]).unwrap();
    let c = written.0[HOURS];
    assert_eq!((c.written, c.kept_recorded), (1, 1), "{written:?}");
    let hour = |store: &Store, t: i64| -> (i64, i64, Vec<Option<f64>>) {
        let (seconds, source) = store
            .conn()
            .query_row("SELECT seconds, source FROM hour WHERE t = ?1", [t], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        let fields = [
            "mid_open",
            "mid_high",
            "mid_low",
            "mid_close",
            "taker_buy_base",
        ];
        let table = query(store, &spec(t, t + 3_600, Interval::Hour, &fields)).unwrap();
        (seconds, source, table.rows[0].3.clone())
    };
    let want = |v: [f64; 5]| v.map(Some).to_vec();
    assert_eq!(
        hour(&store, T0),
        (180, 1, want([100.0, 120.0, 80.0, 81.0, 6.0]))
    );
    let (seconds, source, values) = hour(&store, T0 + 3_600);
    assert_eq!((seconds, source), (1, 0), "the recorded hour is kept");
    assert_eq!(values[0], Some(70.0));
    // A later backfill fills another minute of the first hour: its hour is rebuilt.
    store
        .write_backfill(&[minute(T0 + 180, (81.0, 130.0, 81.0, 125.0), 4.0)], &[])
        .unwrap();
    assert_eq!(
        hour(&store, T0),
        (240, 1, want([100.0, 130.0, 80.0, 125.0, 10.0]))
    );
}

/// Baseline samples (`t` in ms) older than the longest baseline are pruned like the rows
/// (`t` in seconds), not kept forever.
#[test]
fn pruning_drops_old_baseline_samples() {
    let path = tempdir("prune-warm").join("h.sqlite");
    let mut store = Store::open_write(&path).unwrap();
    let sample = |t_s: i64| WarmRow {
        venue: "okx".into(),
        instrument: "BTC-USDT".into(),
        symbol: "BTC".into(),
        series: 7,
        t: t_s * 1000,
        value: Some(1.0),
        bins: None,
    };
    let now = T0 + 2 * WARM_KEEP;
    store
        .write_second(now, &[], &[sample(T0), sample(now - 60)])
        .unwrap();
    assert_eq!(store.prune(now, &Retention::default()).unwrap(), 1);
    let left: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM warm", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 1);
}

/// A file written before the analytics were kept (schema 2) gains their columns on open: its
/// rows keep their values with the new columns empty, and the next minutes are kept in full.
#[test]
fn a_version_2_file_gains_the_analytics_columns() {
    let path = tempdir("v2").join("h.sqlite");
    store::create_at_version(&path, 2).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "INSERT INTO books(id, venue, instrument, symbol) VALUES (1, 'okx', 'BTC-USDT', 'BTC');
             INSERT INTO min(book, t, seconds, mid_close, source) VALUES (1, 1780272000, 60, 100.5, 0);",
        )
        .unwrap();
        let has_regime: i64 = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('min') WHERE name = 'regime'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(has_regime, 0, "a version-2 file has no analytics columns");
    }
    assert!(matches!(
        Store::open_read(&path),
        Err(HistoryError::Old(_, 2))
    ));
    let mut store = Store::open_write(&path).unwrap();
    let mut r = row(101.0, 1.0);
    r.values[index_of("regime").unwrap()] = Some(4.0);
    r.values[index_of("integrity_score").unwrap()] = Some(36.83471317);
    store.write_second(T0 + 60, &[r], &[]).unwrap();
    drop(store);
    let store = Store::open_read(&path).unwrap();
    let fields = ["mid_close", "regime", "integrity_score"];
    let table = query(&store, &spec(T0, T0 + 120, Interval::Minute, &fields)).unwrap();
    let rows: Vec<Vec<Option<f64>>> = table.rows.into_iter().map(|r| r.3).collect();
    assert_eq!(
        rows,
        [
            vec![Some(100.5), None, None],
            vec![Some(101.0), Some(4.0), Some(36.83)]
        ]
    );
    // Opened again: nothing left to migrate.
    drop(store);
    drop(Store::open_write(&path).unwrap());
}

/// The analytics of a frame become its books' and its symbol's 1-min values and come back from
/// `history query` at their stored precision.
#[test]
fn the_analytics_are_kept_per_book_and_per_symbol() {
    use crate::engine::analytics::RegimeLabel;
    use crate::engine::analytics_reads::fixture;

    let mut frame = crate::ui::tests::fixtures::frame();
    let btc = &mut frame.symbols[0];
    btc.analytics = std::sync::Arc::new(fixture::filled(btc));
    let btc = &frame.symbols[0];
    let symbol = recorder::symbol_values(btc);
    let at = |values: &[Option<f64>], name: &str| values[index_of(name).unwrap()];
    assert_eq!(at(&symbol, "regime"), Some(RegimeLabel::Bull.code() as f64));
    assert_eq!(at(&symbol, "regime_p_bull"), Some(0.712324));
    assert_eq!(at(&symbol, "regime_entropy"), Some(0.5639062475));
    assert_eq!(at(&symbol, "drift_score"), Some(0.4394449155));
    assert_eq!(at(&symbol, "nearest_support_bps"), Some(7.8));
    assert_eq!(at(&symbol, "integrity_score"), Some(84.415));
    assert_eq!(at(&symbol, "long_short_ratio_accounts"), Some(1.5));
    assert_eq!(at(&symbol, "long_short_ratio_top_positions"), None);
    // Book 1 is the Binance perpetual: its own ratios, the stale one left out.
    let perp = &btc.books[1];
    let book = recorder::book_values(perp, Default::default(), &btc.analytics);
    assert_eq!(at(&book, "integrity_score"), Some(84.415));
    assert_eq!(at(&book, "long_short_ratio_accounts"), Some(1.5));
    assert_eq!(at(&book, "long_short_ratio_top_positions"), None);
    assert_eq!(at(&book, "small_taker_buy_share"), Some(0.45));
    // A spot book has no positioning; a symbol without analytics stores none.
    let spot = recorder::book_values(&btc.books[0], Default::default(), &btc.analytics);
    assert_eq!(at(&spot, "taker_buy_sell_ratio"), None);
    let eth = recorder::symbol_values(&frame.symbols[1]);
    assert_eq!(at(&eth, "regime"), None);
    assert_eq!(at(&eth, "integrity_score"), None);

    let path = tempdir("analytics").join("h.sqlite");
    let mut store = Store::open_write(&path).unwrap();
    let all = BookRow {
        venue: recorder::ALL_VENUES.into(),
        instrument: "BTC".into(),
        symbol: "BTC".into(),
        values: symbol,
    };
    store
        .write_second(T0, std::slice::from_ref(&all), &[])
        .unwrap();
    store.write_second(T0 + 1, &[all], &[]).unwrap();
    drop(store);
    let store = Store::open_read(&path).unwrap();
    let fields = [
        "regime",
        "regime_p_bull",
        "regime_p_crash",
        "drift_score",
        "nearest_resistance_bps",
        "long_short_ratio_accounts",
    ];
    let table = query(&store, &spec(T0, T0 + 60, Interval::Minute, &fields)).unwrap();
    assert_eq!(
        table.rows[0].3,
        [
            Some(1.0),
            Some(0.712324),
            Some(0.000009),
            Some(0.4394),
            Some(15.6),
            Some(1.5)
        ]
    );
    assert!(table.units[0].contains("BULL"));
    // Kept in the 1-min rows only: a 1-s query says where they are.
    let err = query(&store, &spec(T0, T0 + 60, Interval::Second, &["regime"])).unwrap_err();
    assert!(err.to_string().contains("--every 1m"), "{err}");
}

/// A symbol's minutes come back from its cross-venue rows; without them (a simulated past),
/// from its books' rows: the median close and each feature's mean over the books that have it.
#[test]
fn symbol_minutes_come_from_the_cross_venue_rows_or_the_books() {
    use crate::engine::minutes::SymbolMinute;
    use crate::engine::warm::Seed;
    use crate::feed::event::BookKey;
    use crate::market::VenueId;
    let dir = tempdir("symbol-minutes");
    let path = dir.join("h.sqlite");
    let mut store = Store::open_write(&path).unwrap();
    let book = |venue: &str, instrument: &str, symbol: &str, mid: f64, dp: Option<f64>| {
        let mut values = vec![None; width()];
        values[index_of("mid").unwrap()] = Some(mid);
        values[index_of("directional_pressure").unwrap()] = dp;
        BookRow {
            venue: venue.into(),
            instrument: instrument.into(),
            symbol: symbol.into(),
            values,
        }
    };
    let rows = vec![
        book("okx", "BTC-USDT", "BTC", 100.0, Some(0.2)),
        book("all", "BTC", "BTC", 101.0, Some(0.3)),
        book("okx", "ETH-USDT", "ETH", 10.0, Some(0.1)),
        book("bybit-spot", "ETHUSDT", "ETH", 12.0, None),
        book("binance", "ETHUSDT", "ETH", 11.5, Some(0.5)),
    ];
    store.write_seconds(&[(T0 + 5, rows)], &[]).unwrap();
    let seeds = restore::load_symbol_minutes(&store, (T0 + 60) * 1000).unwrap();
    let minute = |venue, id: &str| match seeds[&BookKey::new(venue, id)].as_slice() {
        [Seed::SymbolMinute { symbol, t, row }] => {
            assert_eq!(&**symbol, if id.starts_with("BTC") { "BTC" } else { "ETH" });
            (*t, *row)
        }
        other => panic!("{other:?}"),
    };
    let (t, btc) = minute(VenueId::Okx, "BTC-USDT");
    assert_eq!(t, T0 * 1000, "the minute's start, ms");
    assert_eq!((btc.mid, btc.features[0]), (Some(101.0), Some(0.3)));
    let (_, eth) = minute(VenueId::BybitSpot, "ETHUSDT");
    assert_eq!(
        minute(VenueId::Okx, "ETH-USDT").1,
        eth,
        "every book of the symbol"
    );
    let expected = SymbolMinute {
        mid: Some(11.5),
        features: [Some(0.3), None, None, None, None, None],
    };
    assert_eq!(eth.mid, expected.mid);
    assert!((eth.features[0].unwrap() - 0.3).abs() < 1e-12);
    assert_eq!(eth.features[1..], expected.features[1..]);
    assert!(seeds.keys().all(|k| k.venue.as_str() != "all"));
    // Older than 25 h: nothing.
    let late = restore::load_symbol_minutes(&store, (T0 + 26 * 3600) * 1000).unwrap();
    assert!(late.is_empty());
}
