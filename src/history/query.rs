//! `depthscope history info | query | prune`: reading the file back, read-only.

use std::fmt::Write as _;
use std::io::Write;

use rusqlite::params;

use super::columns::{Column, columns};
use super::{HistoryError, Interval, Store};

/// What `history query` asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct QuerySpec {
    pub symbol: String,
    /// One venue, or `all` for the symbol's cross-venue row; `None`: every venue's books.
    pub venue: Option<String>,
    /// Unix seconds, `from` inclusive, `to` exclusive.
    pub from: i64,
    pub to: i64,
    pub every: Interval,
    /// Column names (as in [`columns`], or `mid_open`… for 1-min and 1-h rows); empty: all.
    pub fields: Vec<String>,
}

/// A query's result: `t` (unix seconds), venue and instrument, then the asked columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub fields: Vec<String>,
    pub units: Vec<&'static str>,
    /// Per field, the decimals it is stored to (`None`: a REAL, kept as measured).
    pub decimals: Vec<Option<u32>>,
    pub rows: Vec<(i64, String, String, Vec<Option<f64>>)>,
}

/// The `source` of 1-min and 1-h rows: recorded live, or backfilled from REST history.
static SOURCE: std::sync::LazyLock<Column> = std::sync::LazyLock::new(|| Column {
    name: "source".into(),
    unit: "0 recorded, 1 backfilled",
    scale: 1.0,
    rollup: super::columns::Rollup::Last,
    every_second: false,
    added_in: 2,
});

/// The stored columns of an interval's table, with the column each decodes with.
fn stored_columns(every: Interval) -> Vec<(String, &'static Column)> {
    let source = (every != Interval::Second).then(|| ("source".to_owned(), &*SOURCE));
    columns()
        .iter()
        .flat_map(|c| {
            let names = if every == Interval::Second {
                if c.every_second {
                    vec![c.name.clone()]
                } else {
                    Vec::new()
                }
            } else {
                c.rollup_names()
            };
            names.into_iter().map(move |n| (n, c))
        })
        .chain(source)
        .collect()
}

/// The columns `spec` asks for, checked against what its interval keeps (all of them when it
/// names none), and its range.
fn chosen_columns(spec: &QuerySpec) -> Result<Vec<(String, &'static Column)>, HistoryError> {
    if spec.from >= spec.to {
        return Err(HistoryError::Usage(format!(
            "empty range: --from ({}) must be before --to ({})",
            fmt_time(spec.from),
            fmt_time(spec.to)
        )));
    }
    let available = stored_columns(spec.every);
    if spec.fields.is_empty() {
        return Ok(available);
    }
    let mut out = Vec::new();
    for f in &spec.fields {
        match available.iter().find(|(n, _)| n == f) {
            Some(c) => out.push(c.clone()),
            None => {
                let hint = if columns().iter().any(|c| &c.name == f) {
                    format!(
                        " (kept in {} rows only: try --every 1m)",
                        if spec.every == Interval::Second {
                            "1-min and 1-h"
                        } else {
                            "1-s"
                        }
                    )
                } else {
                    String::new()
                };
                let names: Vec<&str> = available.iter().map(|(n, _)| n.as_str()).collect();
                return Err(HistoryError::Usage(format!(
                    "unknown field {f:?}{hint}; fields at this interval: {}",
                    names.join(", ")
                )));
            }
        }
    }
    Ok(out)
}

/// Calls `each` with every row of `spec` (`t`, venue, instrument, the `chosen` values) book by
/// book, each book's rows in time order; returns how many rows there were.
fn visit(
    store: &Store,
    spec: &QuerySpec,
    chosen: &[(String, &'static Column)],
    mut each: impl FnMut(i64, &str, &str, &[Option<f64>]) -> Result<(), HistoryError>,
) -> Result<usize, HistoryError> {
    let select: Vec<String> = chosen.iter().map(|(n, _)| format!("r.\"{n}\"")).collect();
    // Book by book, each in its primary key's order (book, t), which SQLite reads without
    // sorting; ordering by time first made it copy every selected column of every row into a
    // temporary B-tree.
    let sql = format!(
        "SELECT r.t, b.venue, b.instrument, {} FROM {} r JOIN books b ON b.id = r.book
         WHERE b.symbol = ?1 COLLATE NOCASE AND (?2 IS NULL OR b.venue = ?2)
           AND r.t >= ?3 AND r.t < ?4
         ORDER BY b.venue, b.instrument, r.t",
        select.join(", "),
        spec.every.table()
    );
    let mut stmt = store.conn().prepare(&sql).map_err(|e| store.sql(e))?;
    let mut rows = stmt
        .query(params![spec.symbol, spec.venue, spec.from, spec.to])
        .map_err(|e| store.sql(e))?;
    let mut values = Vec::with_capacity(chosen.len());
    let mut n = 0;
    while let Some(r) = rows.next().map_err(|e| store.sql(e))? {
        values.clear();
        for (i, (_, col)) in chosen.iter().enumerate() {
            values.push(col.decode(r.get_ref(i + 3).map_err(|e| store.sql(e))?));
        }
        let text = |i| -> Result<&str, HistoryError> {
            r.get_ref(i)
                .and_then(|v| v.as_str().map_err(Into::into))
                .map_err(|e| store.sql(e))
        };
        each(
            r.get(0).map_err(|e| store.sql(e))?,
            text(1)?,
            text(2)?,
            &values,
        )?;
        n += 1;
    }
    Ok(n)
}

/// The error of a query that matched no row.
fn no_rows(spec: &QuerySpec) -> HistoryError {
    HistoryError::Usage(format!(
        "no {} rows for {}{} between {} and {} (see `depthscope history info`)",
        spec.every.table(),
        spec.symbol,
        spec.venue
            .as_deref()
            .map(|v| format!(" on {v}"))
            .unwrap_or_default(),
        fmt_time(spec.from),
        fmt_time(spec.to)
    ))
}

pub fn query(store: &Store, spec: &QuerySpec) -> Result<Table, HistoryError> {
    let chosen = chosen_columns(spec)?;
    let mut out = Vec::new();
    visit(store, spec, &chosen, |t, venue, instrument, values| {
        out.push((t, venue.to_owned(), instrument.to_owned(), values.to_vec()));
        Ok(())
    })?;
    // A stable sort by time merges the books' runs into (t, venue, instrument).
    out.sort_by_key(|row| row.0);
    if out.is_empty() {
        return Err(no_rows(spec));
    }
    Ok(Table {
        fields: chosen.iter().map(|(n, _)| n.clone()).collect(),
        units: chosen.iter().map(|(_, c)| c.unit).collect(),
        decimals: chosen.iter().map(|(_, c)| c.decimals()).collect(),
        rows: out,
    })
}

/// Whether `spec` matches at most one stored book (its rows are then in time order as read,
/// and [`stream_csv`] can write them without holding them).
pub fn one_book(store: &Store, spec: &QuerySpec) -> Result<bool, HistoryError> {
    let books: i64 = store
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM books WHERE symbol = ?1 COLLATE NOCASE
               AND (?2 IS NULL OR venue = ?2)",
            params![spec.symbol, spec.venue],
            |r| r.get(0),
        )
        .map_err(|e| store.sql(e))?;
    Ok(books <= 1)
}

/// [`write_csv`] of [`query`] for a query of [`one_book`], row by row as read: a day of 1-s
/// rows is never held (tens of MB, most of the export's time in allocation and page faults).
/// `io` names the output in a write error.
pub fn stream_csv(
    store: &Store,
    spec: &QuerySpec,
    out: &mut impl Write,
    io: impl Fn(std::io::Error) -> HistoryError,
) -> Result<(), HistoryError> {
    let chosen = chosen_columns(spec)?;
    let fields: Vec<String> = chosen.iter().map(|(n, _)| n.clone()).collect();
    let decimals: Vec<Option<u32>> = chosen.iter().map(|(_, c)| c.decimals()).collect();
    let mut csv = CsvRows::default();
    csv_header(&fields, out).map_err(&io)?;
    let rows = visit(store, spec, &chosen, |t, venue, instrument, values| {
        csv.row(out, (t, venue, instrument), values, &decimals)
            .map_err(&io)
    })?;
    if rows == 0 {
        return Err(no_rows(spec));
    }
    Ok(())
}

/// A stored book, for readers that page through 1-s rows themselves (the SSE resume of
/// `serve`), book by book along the primary key instead of loading a range at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBook {
    pub id: i64,
    pub venue: String,
    pub instrument: String,
    pub symbol: String,
}

/// Every book the file holds rows for, in (symbol, venue, instrument) order.
pub fn books(store: &Store) -> Result<Vec<StoredBook>, HistoryError> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT id, venue, instrument, symbol FROM books ORDER BY symbol, venue, instrument",
        )
        .map_err(|e| store.sql(e))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(StoredBook {
                id: r.get(0)?,
                venue: r.get(1)?,
                instrument: r.get(2)?,
                symbol: r.get(3)?,
            })
        })
        .map_err(|e| store.sql(e))?;
    rows.collect::<Result<_, _>>().map_err(|e| store.sql(e))
}

/// The names and units of the values [`second_rows`] returns, in order.
pub fn second_fields() -> Vec<(String, &'static str)> {
    stored_columns(Interval::Second)
        .into_iter()
        .map(|(n, c)| (n, c.unit))
        .collect()
}

/// The first second after `after` and before `before` that `book` has a 1-s row for.
pub fn next_second(
    store: &Store,
    book: i64,
    after: i64,
    before: i64,
) -> Result<Option<i64>, HistoryError> {
    store
        .conn()
        .query_row(
            "SELECT min(t) FROM sec WHERE book = ?1 AND t > ?2 AND t < ?3",
            params![book, after, before],
            |r| r.get(0),
        )
        .map_err(|e| store.sql(e))
}

/// One book's 1-s row: the unix second and the values.
pub type SecondRow = (i64, Vec<Option<f64>>);

/// `book`'s 1-s rows for seconds `from..to`, in time order, values as [`second_fields`] names
/// them.
pub fn second_rows(
    store: &Store,
    book: i64,
    from: i64,
    to: i64,
) -> Result<Vec<SecondRow>, HistoryError> {
    let chosen = stored_columns(Interval::Second);
    let select: Vec<String> = chosen.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    let sql = format!(
        "SELECT t, {} FROM sec WHERE book = ?1 AND t >= ?2 AND t < ?3 ORDER BY t",
        select.join(", ")
    );
    let mut stmt = store
        .conn()
        .prepare_cached(&sql)
        .map_err(|e| store.sql(e))?;
    let mut rows = stmt
        .query(params![book, from, to])
        .map_err(|e| store.sql(e))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(|e| store.sql(e))? {
        let mut values = Vec::with_capacity(chosen.len());
        for (i, (_, col)) in chosen.iter().enumerate() {
            values.push(col.decode(r.get_ref(i + 1).map_err(|e| store.sql(e))?));
        }
        out.push((r.get(0).map_err(|e| store.sql(e))?, values));
    }
    Ok(out)
}

/// CSV with a header row; empty cells for values not measured. Values are written in their
/// shortest exact form (`ryu`: a day of 1-s rows is millions of numbers, and std's formatting
/// took most of the export's time).
pub fn write_csv(table: &Table, out: &mut impl Write) -> std::io::Result<()> {
    csv_header(&table.fields, out)?;
    let mut csv = CsvRows::default();
    for (t, venue, instrument, values) in &table.rows {
        csv.row(out, (*t, venue, instrument), values, &table.decimals)?;
    }
    Ok(())
}

fn csv_header(fields: &[String], out: &mut impl Write) -> std::io::Result<()> {
    write!(out, "t,venue,instrument")?;
    for f in fields {
        write!(out, ",{f}")?;
    }
    writeln!(out)
}

/// The number buffers of CSV rows.
#[derive(Default)]
struct CsvRows {
    number: ryu::Buffer,
    fixed: FixedBuffer,
}

impl CsvRows {
    fn row(
        &mut self,
        out: &mut impl Write,
        (t, venue, instrument): (i64, &str, &str),
        values: &[Option<f64>],
        decimals: &[Option<u32>],
    ) -> std::io::Result<()> {
        write!(out, "{t},{venue},{instrument}")?;
        for (v, decimals) in values.iter().zip(decimals) {
            out.write_all(b",")?;
            match (v, decimals) {
                (Some(v), Some(d)) => out.write_all(self.fixed.format(*v, *d))?,
                (Some(v), None) => out.write_all(self.number.format(*v).as_bytes())?,
                (None, _) => {}
            }
        }
        out.write_all(b"\n")
    }
}

/// Writes a value stored as an integer count of `10^-d` exactly as stored (`12.5`, not
/// `12.499999999999998`): shorter than the shortest round-trip form of the decoded `f64`, and
/// several times faster to write than it (it was most of a day's CSV export).
struct FixedBuffer([u8; 48]);

impl Default for FixedBuffer {
    fn default() -> Self {
        FixedBuffer([0; 48])
    }
}

impl FixedBuffer {
    fn format(&mut self, v: f64, d: u32) -> &[u8] {
        let scaled = (v * 10f64.powi(d as i32)).round();
        // Beyond 2^53 the stored integer is not exact in an f64 anyway: leave it to `ryu`'s
        // shortest form through the general path below.
        if scaled.is_nan() || scaled.abs() >= 9.0e15 {
            let text = ryu::Buffer::new().format(v).to_owned();
            let n = text.len().min(self.0.len());
            self.0[..n].copy_from_slice(&text.as_bytes()[..n]);
            return &self.0[..n];
        }
        let mut magnitude = scaled.abs() as u64;
        let mut end = self.0.len();
        let mut digits = 0;
        // Digits from the last; the point after the `d` fractional ones (trailing zeros of the
        // fraction dropped, and the point with them when the fraction is zero).
        let mut significant = false;
        while magnitude > 0 || digits <= d {
            if digits == d && d > 0 && significant {
                end -= 1;
                self.0[end] = b'.';
            }
            let digit = (magnitude % 10) as u8;
            magnitude /= 10;
            if digits < d && !significant && digit == 0 {
                digits += 1;
                continue;
            }
            significant = true;
            end -= 1;
            self.0[end] = b'0' + digit;
            digits += 1;
        }
        if scaled < 0.0 {
            end -= 1;
            self.0[end] = b'-';
        }
        &self.0[end..]
    }
}

/// JSON lines: one object per row, `null` for values not measured.
pub fn write_json(table: &Table, out: &mut impl Write) -> std::io::Result<()> {
    for (t, venue, instrument, values) in &table.rows {
        let mut obj = serde_json::Map::new();
        obj.insert("t".into(), (*t).into());
        obj.insert("venue".into(), venue.clone().into());
        obj.insert("instrument".into(), instrument.clone().into());
        for (f, v) in table.fields.iter().zip(values) {
            obj.insert(f.clone(), v.map_or(serde_json::Value::Null, Into::into));
        }
        serde_json::to_writer(&mut *out, &obj)?;
        writeln!(out)?;
    }
    Ok(())
}

/// `history info`: coverage per book, rows and size.
pub fn info(store: &Store) -> Result<String, HistoryError> {
    let conn = store.conn();
    let mut out = String::new();
    let size = std::fs::metadata(store.path())
        .map(|m| m.len())
        .unwrap_or(0);
    let _ = writeln!(
        out,
        "{}  ({:.1} MB)",
        store.path().display(),
        size as f64 / 1e6
    );
    let mut stmt = conn
        .prepare(
            "SELECT b.venue, b.instrument, b.symbol,
                    (SELECT count(*) FROM sec s WHERE s.book = b.id),
                    (SELECT min(t) FROM sec s WHERE s.book = b.id),
                    (SELECT max(t) FROM sec s WHERE s.book = b.id),
                    (SELECT count(*) FROM min m WHERE m.book = b.id),
                    (SELECT min(t) FROM min m WHERE m.book = b.id),
                    (SELECT count(*) FROM hour h WHERE h.book = b.id),
                    (SELECT count(*) FROM min m WHERE m.book = b.id AND m.source = 1),
                    (SELECT count(DISTINCT w.series) FROM warm w
                     WHERE w.book = b.id AND w.source = 1)
             FROM books b ORDER BY b.symbol, b.venue, b.instrument",
        )
        .map_err(|e| store.sql(e))?;
    let mut rows = stmt.query([]).map_err(|e| store.sql(e))?;
    let _ = writeln!(
        out,
        "{:<8} {:<14} {:<16} {:>8} {:<41} {:>7} {:<20} {:>5}  backfilled",
        "symbol",
        "venue",
        "instrument",
        "1-s rows",
        "1-s from … to (UTC)",
        "1-min",
        "1-min from",
        "1-h"
    );
    let mut any = false;
    let mut backfilled_any = false;
    while let Some(r) = rows.next().map_err(|e| store.sql(e))? {
        any = true;
        let get_s = |i| r.get::<_, String>(i).unwrap_or_default();
        let get_t = |i| {
            r.get::<_, Option<i64>>(i)
                .ok()
                .flatten()
                .map_or("—".into(), fmt_time)
        };
        let minutes: i64 = r.get(9).unwrap_or(0);
        let series: i64 = r.get(10).unwrap_or(0);
        backfilled_any |= minutes > 0 || series > 0;
        let _ = writeln!(
            out,
            "{:<8} {:<14} {:<16} {:>8} {:<41} {:>7} {:<20} {:>5}  {}",
            get_s(2),
            get_s(0),
            get_s(1),
            r.get::<_, i64>(3).unwrap_or(0),
            format!("{} … {}", get_t(4), get_t(5)),
            r.get::<_, i64>(6).unwrap_or(0),
            get_t(7),
            r.get::<_, i64>(8).unwrap_or(0),
            backfilled(minutes, series),
        );
    }
    if !any {
        let _ = writeln!(out, "(no books recorded yet)");
    }
    if backfilled_any {
        let _ = writeln!(out, "{BACKFILL_NOTE}");
    }
    Ok(out)
}

/// What a backfill fills and what it cannot, under the coverage table.
pub const BACKFILL_NOTE: &str = "backfilled rows (source = 1 in 1-min rows and baseline samples) \
     come from the venues' public REST history: candles (mid OHLC proxy from traded prices, \
     taker volume, trades, 24 h volume), trades (large-trade P99), funding, open interest; \
     book-only features (depth bands, imbalance, OFI, spread, slippage) are never backfilled: \
     they come from recorded seconds only";

/// A book's backfilled coverage: `"1440 min, 3 series"`, or `—`.
fn backfilled(minutes: i64, series: i64) -> String {
    if minutes == 0 && series == 0 {
        "—".into()
    } else {
        format!("{minutes} min, {series} baseline series")
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of unix seconds.
pub fn fmt_time(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Parses a time for `--from`/`--to`: `now`, `-24h` / `-90m` / `-7d` (before `now`), unix
/// seconds, or `YYYY-MM-DD[THH:MM[:SS]][Z]` in UTC.
pub fn parse_time(s: &str, now: i64) -> Result<i64, HistoryError> {
    let bad = || {
        HistoryError::Usage(format!(
            "cannot read the time {s:?}: use now, -24h, -90m, -7d, unix seconds or \
             2026-12-06T14:00:00Z"
        ))
    };
    let s = s.trim();
    if s == "now" {
        return Ok(now);
    }
    if let Some(rel) = s.strip_prefix('-') {
        let (n, unit) = rel.split_at(rel.len().saturating_sub(1));
        let n: i64 = n.parse().map_err(|_| bad())?;
        let unit = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            _ => return Err(bad()),
        };
        return Ok(now - n * unit);
    }
    if let Ok(t) = s.parse::<i64>() {
        return Ok(t);
    }
    let s = s.trim_end_matches('Z');
    let (date, time) = s.split_once(['T', ' ']).unwrap_or((s, "00:00:00"));
    let d: Vec<i64> = date
        .split('-')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let tm: Vec<i64> = time
        .split(':')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let [y, m, day] = d[..] else {
        return Err(bad());
    };
    let (h, mi, se) = match tm[..] {
        [h, mi] => (h, mi, 0),
        [h, mi, se] => (h, mi, se),
        _ => return Err(bad()),
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || mi > 59 || se > 60 {
        return Err(bad());
    }
    Ok(days_from_civil(y, m, day) * 86_400 + h * 3_600 + mi * 60 + se)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(v: f64, d: u32) -> String {
        String::from_utf8(FixedBuffer::default().format(v, d).to_vec()).expect("ascii")
    }

    #[test]
    fn stored_decimals_are_written_as_stored() {
        assert_eq!(fixed(12.5, 2), "12.5");
        assert_eq!(fixed(12.0, 2), "12");
        assert_eq!(fixed(0.05, 2), "0.05");
        assert_eq!(fixed(0.0, 4), "0");
        assert_eq!(fixed(-0.0, 4), "0");
        assert_eq!(fixed(-0.5, 4), "-0.5");
        assert_eq!(fixed(7.0, 0), "7");
        assert_eq!(fixed(1234567.0, 0), "1234567");
        assert_eq!(fixed(0.00000001, 8), "0.00000001");
        assert_eq!(fixed(-3.00010000, 8), "-3.0001");
        // Decoded as the store decodes it (an integer over the scale), written back exactly.
        assert_eq!(fixed(1_234_567.0 / 1e4, 4), "123.4567");
        // Out of the exact integer range: the shortest round-trip form.
        assert_eq!(fixed(1e300, 4), "1e300");
    }

    #[test]
    fn every_stored_integer_round_trips_through_the_text() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let d = (state % 9) as u32;
            let stored = (state >> 20) as i64 - (1 << 43);
            let v = stored as f64 / 10f64.powi(d as i32);
            let text = fixed(v, d);
            assert_eq!(
                text.parse::<f64>().expect("a number"),
                v,
                "{stored} at {d}: {text}"
            );
            assert!(!text.contains('.') || !text.ends_with('0'), "{text}");
        }
    }
}
