//! Streaming capture reader: one event at a time, bad lines reported and skipped.
//!
//! Replay must survive a damaged capture (a recorder killed mid-line, a file edited by hand), so
//! no malformed line ends the read: it becomes a [`LineError`] with its 1-based line number and
//! the next line is read. Only an I/O failure (for example a truncated `.gz`) ends the stream,
//! after everything readable before it has been returned.
//!
//! Events borrow from the reader's buffers (the line, and a reused buffer that escaped `data`
//! is unescaped into), so a typical event costs no allocation; binary frames and escaped URLs
//! or reasons do allocate. Call [`Event::into_owned`] to keep an event past the next read.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::Compression;
use super::format::{Event, Header};

/// A line that could not be used, with why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LineError {
    /// 1-based line number in the (decompressed) file.
    pub line: u64,
    pub message: String,
}

/// Reads the events of a capture in file order.
pub struct CaptureReader<R> {
    input: R,
    line: Vec<u8>,
    /// Where escaped `data` is unescaped; reused so most lines allocate nothing.
    scratch: Vec<u8>,
    line_no: u64,
    header: Option<Header>,
    /// The longest line kept ([`MAX_LINE_BYTES`]).
    max_line: usize,
    /// The length of the line just read, if it was too long to keep.
    too_long: Option<usize>,
    /// A header problem, returned by the first `next_event` call.
    pending_error: Option<LineError>,
    /// Line 1 was an event rather than a header: return it after the header error.
    replay_line: bool,
    done: bool,
}

/// Large reads keep the per-line cost down; decompressors fill this buffer in big chunks.
const READ_BUFFER: usize = 256 * 1024;

/// The room the line and unescape buffers keep between lines: any ordinary line fits (book
/// snapshots run to a few hundred kB).
const KEEP_BYTES: usize = 1 << 20;

/// The longest line read: the largest frame accepted live (16 MiB, `feed.max_frame_bytes`)
/// with room for its JSON escapes. A longer line is skipped as an error without being held in
/// memory (a 1 GiB line used to take 1 GB).
pub const MAX_LINE_BYTES: usize = 48 << 20;

impl CaptureReader<Box<dyn BufRead + Send>> {
    /// Opens a capture, choosing the decompressor by file name (`.gz`, `.zst`, else plain), and
    /// reads its header.
    pub fn open(path: &Path) -> io::Result<Self> {
        Ok(CaptureReader::new(open_decompressed(path)?))
    }
}

/// `path`'s text, decompressed as its name says (`.gz`, `.zst`, else plain).
pub fn open_decompressed(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    let file = File::open(path)?;
    Ok(match Compression::from_path(path) {
        Compression::None => Box::new(BufReader::with_capacity(READ_BUFFER, file)),
        // Multi-member: concatenated gzip files are one capture, as `zcat` reads them.
        Compression::Gzip => Box::new(BufReader::with_capacity(
            READ_BUFFER,
            MultiGzDecoder::new(BufReader::new(file)),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            READ_BUFFER,
            zstd::Decoder::new(file)?,
        )),
    })
}

impl<R: BufRead> CaptureReader<R> {
    /// Wraps decompressed input and reads line 1. A missing or bad header is not fatal: it is
    /// the first error `next_event` returns, and the events still follow.
    pub fn new(input: R) -> Self {
        Self::with_max_line(input, MAX_LINE_BYTES)
    }

    /// [`CaptureReader::new`] keeping lines of at most `max_line` bytes.
    pub fn with_max_line(input: R, max_line: usize) -> Self {
        let mut reader = CaptureReader {
            input,
            line: Vec::with_capacity(4096),
            scratch: Vec::with_capacity(4096),
            line_no: 0,
            header: None,
            max_line,
            too_long: None,
            pending_error: None,
            replay_line: false,
            done: false,
        };
        reader.read_header();
        reader
    }

    /// The header, if line 1 was a valid one.
    pub fn header(&self) -> Option<&Header> {
        self.header.as_ref()
    }

    /// The 1-based line of the item `next_event` returned last, for messages about it.
    pub fn line_number(&self) -> u64 {
        self.line_no
    }

    /// The next event or bad line; `None` at the end of the capture. Blank lines are skipped.
    pub fn next_event(&mut self) -> Option<Result<Event<'_>, LineError>> {
        self.next_numbered().map(|(_, item)| item)
    }

    /// [`CaptureReader::next_event`] with the item's 1-based line number (an event borrows the
    /// reader, so its line cannot be asked for afterwards).
    pub fn next_numbered(&mut self) -> Option<(u64, Result<Event<'_>, LineError>)> {
        if let Some(e) = self.pending_error.take() {
            return Some((e.line, Err(e)));
        }
        if !std::mem::take(&mut self.replay_line) {
            loop {
                if self.done {
                    return None;
                }
                match self.read_line() {
                    Ok(true) if self.too_long.is_some() => break,
                    Ok(true) if self.line.iter().all(u8::is_ascii_whitespace) => continue,
                    Ok(true) => break,
                    Ok(false) => {
                        self.done = true;
                        return None;
                    }
                    Err(e) => {
                        self.done = true;
                        return Some((e.line, Err(e)));
                    }
                }
            }
        }
        let line = self.line_no;
        if let Some(len) = self.too_long.take() {
            return Some((line, Err(self.too_long_error(line, len))));
        }
        if self.line.len() > KEEP_BYTES {
            // A huge frame: the event takes its data (moved out of the unescape buffer where
            // it was escaped) and the line's room is given back before the frame is used, so
            // a replay never holds the line, its unescaped data and the parsed frame at once.
            let event = line_text(&self.line)
                .and_then(|text| Event::parse_detached(text, &mut self.scratch));
            self.line = Vec::new();
            return Some((line, event.map_err(|message| LineError { line, message })));
        }
        let scratch = &mut self.scratch;
        Some((
            line,
            line_text(&self.line)
                .and_then(|text| Event::parse(text, scratch))
                .map_err(|message| LineError { line, message }),
        ))
    }

    fn too_long_error(&self, line: u64, len: usize) -> LineError {
        LineError {
            line,
            message: format!(
                "line too long: {len} bytes, more than the {} a line may hold; skipped",
                self.max_line
            ),
        }
    }

    fn read_header(&mut self) {
        let error = |message: String| Some(LineError { line: 1, message });
        match self.read_line() {
            Err(e) => {
                self.pending_error = Some(e);
                self.done = true;
            }
            Ok(false) => {
                self.pending_error = error("empty capture: no header line".into());
                self.done = true;
            }
            Ok(true) if self.too_long.is_some() => {
                let len = self.too_long.take().unwrap_or_default();
                let e = self.too_long_error(1, len);
                self.pending_error = error(format!("bad header: {}", e.message));
            }
            Ok(true) => match line_text(&self.line).and_then(Header::parse) {
                Ok(header) => self.header = Some(header),
                Err(msg) => {
                    let text = line_text(&self.line).unwrap_or_default();
                    if !text.contains("depthscope_capture") && Event::parse_slow(text).is_ok() {
                        self.pending_error = error("missing header: line 1 is an event".into());
                        self.replay_line = true;
                    } else {
                        self.pending_error = error(format!("bad header: {msg}"));
                    }
                }
            },
        }
    }

    /// Reads the next line into the buffer without its line ending; `false` at end of input.
    /// A line longer than `max_line` is read through to its end but not kept: the line is
    /// empty and `too_long` holds its length.
    fn read_line(&mut self) -> Result<bool, LineError> {
        // The previous event is done with: a huge line's room (and its unescaped `data`) is
        // given back rather than kept resident for the ordinary lines after it.
        self.line.clear();
        self.line.shrink_to(KEEP_BYTES);
        self.scratch.clear();
        self.scratch.shrink_to(KEEP_BYTES);
        self.line_no += 1;
        let (mut read, mut ended) = (0usize, false);
        while !ended {
            let chunk = match self.input.fill_buf() {
                Ok([]) => break,
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(LineError {
                        line: self.line_no,
                        message: format!("read error (capture cut short?): {e}"),
                    });
                }
            };
            let (take, found) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if read + take <= self.max_line {
                self.line.extend_from_slice(&chunk[..take]);
            }
            read += take;
            ended = found;
            self.input.consume(take);
        }
        if read > self.max_line {
            self.line.clear();
            self.too_long = Some(read);
            return Ok(true);
        }
        if read == 0 {
            return Ok(false);
        }
        if self.line.last() == Some(&b'\n') {
            self.line.pop();
        }
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        Ok(true)
    }
}

fn line_text(line: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(line).map_err(|e| {
        format!(
            "not UTF-8 text (binary garbage?) at byte {}",
            e.valid_up_to() + 1
        )
    })
}

/// A whole capture in memory: for tests, tools and small files (replay should stream).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capture {
    pub header: Option<Header>,
    pub events: Vec<Event<'static>>,
    pub errors: Vec<LineError>,
}

impl Capture {
    /// Reads every event and error of the capture at `path`.
    pub fn read(path: &Path) -> io::Result<Capture> {
        let mut reader = CaptureReader::open(path)?;
        let mut capture = Capture {
            header: reader.header().cloned(),
            ..Capture::default()
        };
        while let Some(item) = reader.next_event() {
            match item {
                Ok(event) => capture.events.push(event.into_owned()),
                Err(e) => capture.errors.push(e),
            }
        }
        Ok(capture)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::capture::writer::CaptureWriter;
    use crate::capture::{EventKind, Payload};
    use crate::market::VenueId;
    use crate::testutil::TempPath;

    const HEADER: &str = r#"{"depthscope_capture":1,"created_ns":7,"note":"n"}"#;

    fn recv_line(t: u64, data: &str) -> String {
        format!(r#"{{"t":{t},"venue":"okx","conn":1,"ev":"recv","data":"{data}"}}"#)
    }

    /// Reads `bytes` as a capture: (times of the valid events, line numbers of the errors).
    fn read(bytes: Vec<u8>) -> (Vec<u64>, Vec<(u64, String)>) {
        let mut reader = CaptureReader::new(Cursor::new(bytes));
        let (mut times, mut errors) = (Vec::new(), Vec::new());
        while let Some(item) = reader.next_event() {
            match item {
                Ok(e) => times.push(e.t),
                Err(e) => errors.push((e.line, e.message)),
            }
        }
        (times, errors)
    }

    #[test]
    fn bad_lines_are_reported_with_their_numbers_and_skipped() {
        let mut bytes = Vec::new();
        let mut line = |b: &[u8]| {
            bytes.extend_from_slice(b);
            bytes.push(b'\n');
        };
        line(HEADER.as_bytes()); // 1
        line(recv_line(10, "a").as_bytes()); // 2
        line(br#"{"t":11,"venue":"okx","conn":1,"ev":"recv","da"#); // 3: truncated
        line(recv_line(12, "b").as_bytes()); // 4
        line(br#"{"t":13,"venue":"okx",,"ev":"recv"}"#); // 5: bad JSON
        line(br#"{"t":14,"venue":"bitmex","conn":1,"ev":"recv","data":"c"}"#); // 6
        line(b"\x1f\x8b\x08\x00\xff\xfe binary \x00\x01"); // 7: garbage
        line(b""); // 8: blank, skipped silently
        line(recv_line(15, "d").as_bytes()); // 9
        line(br#"{"t":16,"venue":"okx","conn":1,"ev":"open"}"#); // 10: no url
        bytes.extend_from_slice(recv_line(17, "e").as_bytes()); // 11: last, no newline
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&recv_line(18, "f").as_bytes()[..20]); // 12: cut off

        let (times, errors) = read(bytes);
        assert_eq!(times, [10, 12, 15, 17]);
        let lines: Vec<u64> = errors.iter().map(|e| e.0).collect();
        assert_eq!(lines, [3, 5, 6, 7, 10, 12]);
        let expect = [
            "truncated JSON",
            "bad JSON",
            "unknown venue `bitmex`",
            "not UTF-8 text",
            "`open` event without `url`",
            "truncated JSON",
        ];
        for ((_, message), expected) in errors.iter().zip(expect) {
            assert!(message.contains(expected), "{message:?} lacks {expected:?}");
        }
    }

    /// A huge frame's line is given back before its event is used, and its unescaped `data`
    /// is moved into the event rather than copied; escaped or not, the event reads as a small
    /// line's does, and the lines after it read as usual.
    #[test]
    fn a_huge_lines_buffers_are_given_back_before_its_event_is_used() {
        // An OKX-like frame of 2 MiB, escaped as the writer escapes it, and one without escapes.
        let frame = r#"{"data":[["100.5","1"]]},"#.repeat(2 << 20 >> 5);
        let escaped = serde_json::to_string(&frame).unwrap();
        let plain = "x".repeat(2 << 20);
        let text = format!(
            "{HEADER}\n{}\n{}\n{}\n",
            recv_line(1, &escaped[1..escaped.len() - 1]),
            recv_line(2, &plain),
            recv_line(3, "small")
        );
        let mut reader = CaptureReader::new(Cursor::new(text.into_bytes()));
        let mut datas = Vec::new();
        while let Some(item) = reader.next_event() {
            let event = item.unwrap();
            let EventKind::Recv {
                payload: Payload::Text(data),
                ..
            } = event.kind
            else {
                panic!("a recv event")
            };
            let (t, len) = (event.t, data.len());
            let owned = matches!(data, std::borrow::Cow::Owned(_));
            datas.push((t, len, owned, data == frame));
            assert!(
                reader.line.capacity() <= KEEP_BYTES && reader.scratch.capacity() <= KEEP_BYTES,
                "line {t}: the reader kept {} + {} bytes beside the event",
                reader.line.capacity(),
                reader.scratch.capacity()
            );
        }
        assert_eq!(
            datas,
            [
                (1, frame.len(), true, true),
                (2, plain.len(), true, false),
                (3, 5, false, false)
            ]
        );
    }

    /// A line past the bound is read through but never held: an error naming its line, and
    /// the lines after it read as usual (a 1 GiB line used to take 1 GB of memory).
    #[test]
    fn a_line_longer_than_the_bound_is_an_error_and_reading_goes_on() {
        let long = recv_line(11, &"x".repeat(5000));
        let text = format!(
            "{HEADER}\n{}\n{long}\n{}\n",
            recv_line(10, "a"),
            recv_line(12, "b")
        );
        let mut reader = CaptureReader::with_max_line(Cursor::new(text.into_bytes()), 1000);
        let mut seen = Vec::new();
        while let Some((line, item)) = reader.next_numbered() {
            seen.push((line, item.map(|e| e.t).map_err(|e| e.message)));
            assert!(reader.line.capacity() < 8192, "the long line was not kept");
        }
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert_eq!((seen[0].0, seen[2].0), (2, 4));
        assert_eq!((&seen[0].1, &seen[2].1), (&Ok(10), &Ok(12)));
        let message = seen[1].1.as_ref().unwrap_err();
        assert_eq!(seen[1].0, 3);
        assert!(
            message.starts_with(&format!("line too long: {} bytes", long.len() + 1)),
            "{message}"
        );
        // An endless first line is a bad header, and the events still follow.
        let text = format!("{}\n{}\n", "y".repeat(3000), recv_line(5, "c"));
        let (times, errors) = {
            let mut reader = CaptureReader::with_max_line(Cursor::new(text.into_bytes()), 1000);
            let mut out = (Vec::new(), Vec::new());
            while let Some(item) = reader.next_event() {
                match item {
                    Ok(e) => out.0.push(e.t),
                    Err(e) => out.1.push(e.message),
                }
            }
            out
        };
        assert_eq!(times, [5]);
        assert!(
            errors[0].starts_with("bad header: line too long"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_missing_header_is_an_error_but_line_one_still_replays() {
        let text = format!("{}\n{}\n", recv_line(1, "a"), recv_line(2, "b"));
        let reader = CaptureReader::new(Cursor::new(text.clone().into_bytes()));
        assert_eq!(reader.header(), None);
        let (times, errors) = read(text.into_bytes());
        assert_eq!(times, [1, 2]);
        assert_eq!(
            errors,
            [(1, "missing header: line 1 is an event".to_owned())]
        );
    }

    #[test]
    fn a_bad_header_is_an_error_and_the_events_follow() {
        for header in [
            "not json at all",
            r#"{"depthscope_capture":9,"created_ns":1,"note":""}"#,
            r#"{"depthscope_capture":1,"note":"no time"}"#,
            "",
        ] {
            let text = format!("{header}\n{}\n", recv_line(3, "a"));
            let (times, errors) = read(text.into_bytes());
            assert_eq!(times, [3], "{header}");
            assert_eq!(errors.len(), 1, "{header}: {errors:?}");
            assert_eq!(errors[0].0, 1);
            assert!(errors[0].1.starts_with("bad header: "), "{errors:?}");
        }
        let (times, errors) = read(Vec::new());
        assert!(times.is_empty());
        assert_eq!(errors, [(1, "empty capture: no header line".to_owned())]);
    }

    #[test]
    fn a_cut_off_gzip_yields_what_it_holds_then_one_error() {
        let path = TempPath::new("cut.ndjson.gz");
        let header = Header {
            created_ns: 1,
            note: String::new(),
        };
        let mut writer = CaptureWriter::create(&path, &header).unwrap();
        for t in 0..5000u64 {
            let data = format!(
                "{{\"seq\":{t},\"pad\":\"{}\"}}",
                "x".repeat(t as usize % 97)
            );
            writer
                .write(&Event {
                    t,
                    venue: VenueId::Kraken,
                    kind: EventKind::Recv {
                        conn: 1,
                        payload: Payload::Text(data.into()),
                    },
                })
                .unwrap();
        }
        writer.finish().unwrap();
        let bytes = std::fs::read(&*path).unwrap();
        std::fs::write(&*path, &bytes[..bytes.len() / 2]).unwrap();

        let capture = Capture::read(&path).unwrap();
        assert_eq!(capture.header, Some(header));
        let n = capture.events.len() as u64;
        assert!(n > 100 && n < 5000, "{n} events");
        assert!(capture.events.iter().zip(0..).all(|(e, t)| e.t == t));
        assert_eq!(capture.errors.len(), 1, "{:?}", capture.errors);
        assert_eq!(capture.errors[0].line, n + 2);
        assert!(capture.errors[0].message.starts_with("read error"));
    }
}
