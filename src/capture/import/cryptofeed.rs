//! cryptofeed raw recordings (`sample_data/<EXCHANGE>.ws.N.M`, `.http.N.M`) → a capture.
//!
//! Two formats: the text lines below, and the newer JSONL ("format 2", [`jsonl`]) recognised by
//! its header line. Either may be gzip (`.gz`) or zstd (`.zst`) compressed.
//!
//! cryptofeed writes one line per event (see `shared/captures/README.md`):
//!
//! | line | becomes |
//! |---|---|
//! | `<url> <-> <ts>` | `open` with a new `conn` (numbered from 1 in order of appearance) |
//! | `<url> <- <ts>: <text>` | `sent` on the connection most recently opened to `<url>` |
//! | `<ts>: <text>` | `recv` on the connection opened most recently |
//! | `<url> -> <ts>: <body>` | `rest`, status 200 (cryptofeed records successful responses only) |
//!
//! The text after the first `": "` that follows the timestamp is the message, byte for byte:
//! messages contain spaces, colons and arrows of their own, so the line is split only at the
//! known prefix (a URL has no spaces and a timestamp no `": "`). Timestamps are decimal seconds
//! and are converted to nanoseconds from their digits, never through `f64`; digits beyond the
//! ninth decimal are truncated. cryptofeed writes no close lines, so no `close` is invented.
//!
//! Order: the WS and REST files are each kept in file order and merged by time; on equal times
//! the WS line goes first. Blank lines are skipped; any other unusable line is reported in
//! [`ImportStats::errors`] with its file and line number and skipped. The header's
//! `created_ns` is the first event's time, so importing the same files twice gives identical
//! captures.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::capture::format::{Event, EventKind, Header, Payload};
use crate::capture::reader::open_decompressed;
use crate::capture::writer::CaptureWriter;
use crate::market::{Nanos, VenueId};

/// What an import produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportStats {
    pub open: u64,
    pub sent: u64,
    pub recv: u64,
    pub rest: u64,
    /// Size of the written capture (after compression).
    pub bytes: u64,
    /// Source lines that could not be imported (the import went on without them).
    pub errors: Vec<ImportLineError>,
}

impl ImportStats {
    /// Events written.
    pub fn events(&self) -> u64 {
        self.open + self.sent + self.recv + self.rest
    }
}

/// A source line that was skipped, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportLineError {
    pub file: PathBuf,
    /// 1-based.
    pub line: u64,
    pub message: String,
}

impl fmt::Display for ImportLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// A failure that stops the import: a source that cannot be read or an output not written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    /// Creating the output would truncate a source before it is read.
    #[error("the output {} is one of the input files", path.display())]
    OutputIsInput { path: PathBuf },
    /// A JSONL recording holds its REST responses itself.
    #[error(
        "{} was given as a REST recording, but the JSONL recording holds its REST responses \
         itself (`\"t\":\"http\"` lines): leave out --rest",
        path.display()
    )]
    RestWithJsonl { path: PathBuf },
    /// A JSONL recording of a format this importer does not know.
    #[error("{}: {message}", path.display())]
    Jsonl { path: PathBuf, message: String },
}

/// Imports the WS recording `ws` (and optionally its REST recording `rest`) as events of
/// `venue`, writing the capture `out` (`.gz`/`.zst` compress) with `note` in its header.
pub fn import_cryptofeed(
    ws: &Path,
    rest: Option<&Path>,
    venue: VenueId,
    out: &Path,
    note: &str,
) -> Result<ImportStats, ImportError> {
    let same_file = |a: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(out)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same_file(ws) || rest.is_some_and(same_file) {
        return Err(ImportError::OutputIsInput {
            path: out.to_owned(),
        });
    }
    if jsonl::is_jsonl(ws)? {
        return match rest {
            None => jsonl::import(ws, venue, out, note),
            Some(rest) => Err(ImportError::RestWithJsonl {
                path: rest.to_owned(),
            }),
        };
    }
    let mut stats = ImportStats::default();
    let mut sources = vec![Source::open(ws, false)?];
    if let Some(rest) = rest {
        sources.push(Source::open(rest, true)?);
    }
    for source in &mut sources {
        source.advance(&mut stats.errors)?;
    }
    let write_err = |source| ImportError::Write {
        path: out.to_owned(),
        source,
    };
    let header = Header {
        created_ns: next_source(&sources).map_or(0, |(t, _)| t),
        note: note.to_owned(),
    };
    let mut writer = CaptureWriter::create(out, &header).map_err(write_err)?;
    let mut conns = Connections::default();
    while let Some((_, i)) = next_source(&sources) {
        let source = &mut sources[i];
        if let Some(line) = &source.current {
            match line.event(&source.line, venue, &mut conns) {
                Ok(event) => {
                    writer.write(&event).map_err(write_err)?;
                    *match line.kind {
                        LineKind::Open => &mut stats.open,
                        LineKind::Sent => &mut stats.sent,
                        LineKind::Recv => &mut stats.recv,
                        LineKind::Rest => &mut stats.rest,
                    } += 1;
                }
                Err(message) => stats.errors.push(source.error(message)),
            }
        }
        source.advance(&mut stats.errors)?;
    }
    stats.bytes = writer.finish().map_err(write_err)?.bytes;
    Ok(stats)
}

/// The source whose current line comes first: earliest time, then the WS file (index 0).
fn next_source(sources: &[Source<'_>]) -> Option<(Nanos, usize)> {
    sources
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.current.as_ref().map(|l| (l.t, i)))
        .min()
}

/// Connection numbering across the WS file.
#[derive(Default)]
struct Connections {
    by_url: HashMap<String, u64>,
    latest: Option<u64>,
}

impl Connections {
    fn open(&mut self, url: &str) -> u64 {
        let conn = self.latest.map_or(1, |c| c + 1);
        self.latest = Some(conn);
        self.by_url.insert(url.to_owned(), conn);
        conn
    }
}

/// One input file, read a line ahead so the two files can be merged by time.
struct Source<'p> {
    path: &'p Path,
    input: Box<dyn BufRead + Send>,
    line: String,
    line_no: u64,
    /// The `.http.` file: only REST lines belong there.
    rest_only: bool,
    /// The parsed current line; `None` once the file is exhausted.
    current: Option<SourceLine>,
}

impl<'p> Source<'p> {
    fn open(path: &'p Path, rest_only: bool) -> Result<Self, ImportError> {
        let input = open_decompressed(path).map_err(|source| ImportError::Read {
            path: path.to_owned(),
            source,
        })?;
        Ok(Source {
            path,
            input,
            line: String::new(),
            line_no: 0,
            rest_only,
            current: None,
        })
    }

    /// Moves to the next usable line, recording the unusable ones in `errors`.
    fn advance(&mut self, errors: &mut Vec<ImportLineError>) -> Result<(), ImportError> {
        self.current = None;
        loop {
            self.line.clear();
            self.line_no += 1;
            match self.input.read_line(&mut self.line) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                // `read_line` consumed the line and left the buffer empty: skip it.
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    errors.push(self.error("not UTF-8 text".into()));
                    continue;
                }
                Err(source) => {
                    return Err(ImportError::Read {
                        path: self.path.to_owned(),
                        source,
                    });
                }
            }
            let text = self.line.strip_suffix('\n').unwrap_or(&self.line);
            let text = text.strip_suffix('\r').unwrap_or(text);
            self.line.truncate(text.len());
            if self.line.trim().is_empty() {
                continue;
            }
            match parse_line(&self.line) {
                Ok(l) if self.rest_only && l.kind != LineKind::Rest => errors.push(self.error(
                    "only REST lines (`<url> -> <ts>: <body>`) belong in the HTTP file".into(),
                )),
                Ok(l) => {
                    self.current = Some(l);
                    return Ok(());
                }
                Err(message) => errors.push(self.error(message)),
            }
        }
    }

    fn error(&self, message: String) -> ImportLineError {
        ImportLineError {
            file: self.path.to_owned(),
            line: self.line_no,
            message,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineKind {
    Open,
    Sent,
    Recv,
    Rest,
}

/// A parsed line: its time and kind, and where its URL and message sit in the line.
#[derive(Debug, PartialEq, Eq)]
struct SourceLine {
    t: Nanos,
    kind: LineKind,
    url: Range<usize>,
    data: Range<usize>,
}

impl SourceLine {
    /// This line of `text` as an event, numbering connections as they open.
    fn event<'a>(
        &self,
        text: &'a str,
        venue: VenueId,
        conns: &mut Connections,
    ) -> Result<Event<'a>, String> {
        let url = &text[self.url.clone()];
        let data = || text[self.data.clone()].into();
        let kind = match self.kind {
            LineKind::Open => EventKind::Open {
                conn: conns.open(url),
                url: url.into(),
            },
            LineKind::Sent => EventKind::Sent {
                conn: *conns
                    .by_url
                    .get(url)
                    .ok_or_else(|| format!("sent on {url} before it was opened"))?,
                payload: Payload::Text(data()),
            },
            LineKind::Recv => EventKind::Recv {
                conn: conns
                    .latest
                    .ok_or("received before any connection was opened")?,
                payload: Payload::Text(data()),
            },
            LineKind::Rest => EventKind::Rest {
                url: url.into(),
                status: 200,
                data: data(),
            },
        };
        Ok(Event {
            t: self.t,
            venue,
            kind,
        })
    }
}

const UNRECOGNISED: &str = "unrecognised line (expected `<url> <-> <ts>`, `<url> <- <ts>: <msg>`, \
                            `<url> -> <ts>: <body>` or `<ts>: <msg>`)";

fn parse_line(line: &str) -> Result<SourceLine, String> {
    // A received message: `<ts>: <msg>`. URLs start with a scheme, never a digit.
    if line.starts_with(|c: char| c.is_ascii_digit()) {
        let (ts, _) = line.split_once(": ").ok_or(UNRECOGNISED)?;
        return Ok(SourceLine {
            t: parse_seconds(ts)?,
            kind: LineKind::Recv,
            url: 0..0,
            data: ts.len() + 2..line.len(),
        });
    }
    let (url, rest) = line.split_once(' ').ok_or(UNRECOGNISED)?;
    let url_range = 0..url.len();
    if let Some(ts) = rest.strip_prefix("<-> ") {
        return Ok(SourceLine {
            t: parse_seconds(ts)?,
            kind: LineKind::Open,
            url: url_range,
            data: 0..0,
        });
    }
    let (kind, tail) = if let Some(tail) = rest.strip_prefix("<- ") {
        (LineKind::Sent, tail)
    } else if let Some(tail) = rest.strip_prefix("-> ") {
        (LineKind::Rest, tail)
    } else {
        return Err(UNRECOGNISED.into());
    };
    let (ts, _) = tail.split_once(": ").ok_or(UNRECOGNISED)?;
    Ok(SourceLine {
        t: parse_seconds(ts)?,
        kind,
        url: url_range,
        data: line.len() - tail.len() + ts.len() + 2..line.len(),
    })
}

/// `1633998512.0633569` → `1633998512063356900` exactly (float seconds would lose the last
/// digits). Digits past nanoseconds are truncated.
fn parse_seconds(ts: &str) -> Result<Nanos, String> {
    let bad = || format!("bad timestamp `{ts}` (expected decimal seconds such as 1633998512.06)");
    let (int, frac) = ts.split_once('.').unwrap_or((ts, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) {
        return Err(bad());
    }
    let secs: Nanos = int.parse().map_err(|_| bad())?;
    let nanos = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(9)
        .fold(0, |n, b| n * 10 + Nanos::from(b - b'0'));
    secs.checked_mul(1_000_000_000)
        .and_then(|s| s.checked_add(nanos))
        .ok_or_else(bad)
}

mod jsonl;
#[cfg(test)]
mod tests;
