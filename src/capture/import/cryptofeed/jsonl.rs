//! cryptofeed's JSONL recordings ("format 2", `sample_data/<EXCHANGE>.jsonl.zst`) → a capture.
//!
//! One JSON object per line, kind in `t` (`shared/captures/README.md`):
//!
//! | line | becomes |
//! |---|---|
//! | `{"t":"header","format":2,…}` (first line) | the check that the format is known |
//! | `{"t":"http","conn","ts","url","data"}` | `rest`, status 200 |
//! | `{"t":"connect","conn","ts","addr"}` | `open`, connections numbered from 1 as they open |
//! | `{"t":"send","conn","ts","data"}` | `sent` on that connection |
//! | `{"t":"recv","conn","ts","data"}` | `recv` on that connection |
//!
//! One recording may hold several markets of a venue (Bybit's spot and linear sockets): a
//! connection whose address is another venue's default WebSocket URL is imported as that venue,
//! every other event as the venue asked for. `ts` is converted from its digits as in the text
//! format. Events keep file order; unusable lines are reported and skipped.

use std::collections::HashMap;
use std::io::{self, BufRead, Read};
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{ImportError, ImportLineError, ImportStats, parse_seconds};
use crate::capture::format::{Event, EventKind, Header, Payload};
use crate::capture::reader::{MAX_LINE_BYTES, open_decompressed};
use crate::capture::writer::CaptureWriter;
use crate::market::VenueId;

/// What [`next_line`] found.
enum Next {
    Line,
    TooLong,
    End,
}

/// The next line into `buf` (without its end), at most `max` bytes: a longer one is read past,
/// never held (a hostile file of one endless line would otherwise take all memory).
fn next_line(input: &mut dyn BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<Next> {
    buf.clear();
    let limit = max as u64 + 1;
    if input.take(limit).read_until(b'\n', buf)? == 0 {
        return Ok(Next::End);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        return Ok(Next::Line);
    }
    if buf.len() <= max {
        return Ok(Next::Line); // the last line, without an end
    }
    buf.clear();
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            return Ok(Next::TooLong);
        }
        let (used, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        input.consume(used);
        if done {
            return Ok(Next::TooLong);
        }
    }
}

/// The start of a JSONL recording's first line.
const HEADER_START: &str = r#"{"t":"header""#;

/// The only format version known.
const FORMAT: u64 = 2;

/// Whether `path` is a JSONL recording (its first line is a header).
pub(super) fn is_jsonl(path: &Path) -> Result<bool, ImportError> {
    let read_err = |source| ImportError::Read {
        path: path.to_owned(),
        source,
    };
    let mut input = open_decompressed(path).map_err(read_err)?;
    // The header is short; the text format's first line is a URL or a timestamp.
    let start = input.fill_buf().map_err(read_err)?;
    Ok(start.starts_with(HEADER_START.as_bytes()))
}

/// One line, as far as the import reads it.
#[derive(Deserialize)]
struct Line<'a> {
    t: &'a str,
    format: Option<u64>,
    #[serde(borrow)]
    conn: Option<&'a str>,
    ts: Option<&'a RawValue>,
    /// The header's recording start, the capture's `created_ns`.
    recorded: Option<&'a RawValue>,
    url: Option<String>,
    addr: Option<String>,
    data: Option<String>,
}

/// Imports the JSONL recording `path` (see [`super::import_cryptofeed`]).
pub(super) fn import(
    path: &Path,
    venue: VenueId,
    out: &Path,
    note: &str,
) -> Result<ImportStats, ImportError> {
    let read_err = |source| ImportError::Read {
        path: path.to_owned(),
        source,
    };
    let write_err = |source| ImportError::Write {
        path: out.to_owned(),
        source,
    };
    let mut input = open_decompressed(path).map_err(read_err)?;
    let mut stats = ImportStats::default();
    let mut conns: HashMap<String, (u64, VenueId)> = HashMap::new();
    let mut writer = None;
    let mut bytes = Vec::new();
    let mut line_no = 0;
    loop {
        line_no += 1;
        let error = |message: String| ImportLineError {
            file: path.to_owned(),
            line: line_no,
            message,
        };
        let text = match next_line(&mut input, &mut bytes, MAX_LINE_BYTES).map_err(read_err)? {
            Next::End => break,
            Next::TooLong => {
                stats.errors.push(error(format!(
                    "a line longer than {MAX_LINE_BYTES} bytes (skipped unread)"
                )));
                continue;
            }
            Next::Line => match std::str::from_utf8(&bytes) {
                Ok(text) => text,
                Err(_) => {
                    stats.errors.push(error("not UTF-8 text".into()));
                    continue;
                }
            },
        };
        if text.trim().is_empty() {
            continue;
        }
        let line: Line<'_> = match serde_json::from_str(text) {
            Ok(line) => line,
            Err(e) => {
                stats.errors.push(error(format!("not a JSONL event: {e}")));
                continue;
            }
        };
        if line.t == "header" {
            if line_no != 1 || line.format != Some(FORMAT) {
                return Err(ImportError::Jsonl {
                    path: path.to_owned(),
                    message: format!(
                        "line {line_no}: a header of format {:?}; only format {FORMAT} as the \
                         first line is known",
                        line.format
                    ),
                });
            }
            let created_ns = match line.recorded {
                Some(ts) => parse_seconds(ts.get()).map_err(|message| ImportError::Jsonl {
                    path: path.to_owned(),
                    message: format!("header: {message}"),
                })?,
                None => 0,
            };
            let header = Header {
                created_ns,
                note: note.to_owned(),
            };
            writer = Some(CaptureWriter::create(out, &header).map_err(write_err)?);
            continue;
        }
        let Some(writer) = &mut writer else {
            return Err(ImportError::Jsonl {
                path: path.to_owned(),
                message: "no header line".into(),
            });
        };
        let event = match event(line, venue, &mut conns, &mut stats) {
            Ok(event) => event,
            Err(message) => {
                stats.errors.push(error(message));
                continue;
            }
        };
        writer.write(&event).map_err(write_err)?;
    }
    let writer = writer.ok_or_else(|| ImportError::Jsonl {
        path: path.to_owned(),
        message: "no header line".into(),
    })?;
    stats.bytes = writer.finish().map_err(write_err)?.bytes;
    Ok(stats)
}

/// The event a line stands for, counted in `stats`.
fn event(
    line: Line<'_>,
    venue: VenueId,
    conns: &mut HashMap<String, (u64, VenueId)>,
    stats: &mut ImportStats,
) -> Result<Event<'static>, String> {
    let missing = |field: &str| format!("a `{}` line without `{field}`", line.t);
    let t = parse_seconds(line.ts.ok_or_else(|| missing("ts"))?.get())?;
    let conn_name = line.conn.ok_or_else(|| missing("conn"));
    let known = |name: &str| {
        conns
            .get(name)
            .copied()
            .ok_or_else(|| format!("`{}` on {name} before it connected", line.t))
    };
    let (venue, kind) = match line.t {
        "http" => {
            stats.rest += 1;
            let url = line.url.ok_or_else(|| missing("url"))?;
            let data = line.data.ok_or_else(|| missing("data"))?;
            let kind = EventKind::Rest {
                url: url.into(),
                status: 200,
                data: data.into(),
            };
            (venue, kind)
        }
        "connect" => {
            let name = conn_name?;
            let addr = line.addr.ok_or_else(|| missing("addr"))?;
            let venue = venue_of(&addr, venue);
            let conn = conns.len() as u64 + 1;
            conns.insert(name.to_owned(), (conn, venue));
            stats.open += 1;
            let url = addr.into();
            (venue, EventKind::Open { conn, url })
        }
        "send" | "recv" => {
            let (conn, venue) = known(conn_name?)?;
            let payload = Payload::Text(line.data.ok_or_else(|| missing("data"))?.into());
            let kind = if line.t == "send" {
                stats.sent += 1;
                EventKind::Sent { conn, payload }
            } else {
                stats.recv += 1;
                EventKind::Recv { conn, payload }
            };
            (venue, kind)
        }
        other => return Err(format!("unknown event kind `{other}`")),
    };
    Ok(Event { t, venue, kind })
}

/// The venue a connection to `addr` belongs to: `asked` unless `addr` is another venue's
/// default WebSocket URL.
fn venue_of(addr: &str, asked: VenueId) -> VenueId {
    let trim = |u: &str| u.trim_end_matches('/').to_owned();
    let addr = trim(addr);
    let serves = |v: &VenueId| v.adapter_spec().is_some_and(|a| trim(a.ws_url) == addr);
    if serves(&asked) {
        return asked;
    }
    VenueId::ALL.into_iter().find(serves).unwrap_or(asked)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines come without their ends; one longer than the bound is passed over unread, and the
    /// next line is read whole.
    #[test]
    fn lines_are_bounded() {
        let mut input = io::Cursor::new(b"short\r\n0123456789abc\nok\nlast".to_vec());
        let mut buf = Vec::new();
        let mut seen = Vec::new();
        loop {
            match next_line(&mut input, &mut buf, 10).unwrap() {
                Next::End => break,
                Next::TooLong => seen.push("(too long)".to_owned()),
                Next::Line => seen.push(String::from_utf8(buf.clone()).unwrap()),
            }
        }
        assert_eq!(seen, ["short", "(too long)", "ok", "last"]);
    }
}
