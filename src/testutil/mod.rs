//! Test helpers: finding the real captures, reading cryptofeed's recording format, temporary
//! files, and the independent [`reference`] book the replays are checked against.
//!
//! The captures are public data from other projects and stay in `../shared/captures/` beside the
//! crate; tests read them at run time and never copy them in. A user's fresh clone has no
//! `../shared`, so there a missing capture skips the test with a notice; `.ci/run` sets
//! `DEPTHSCOPE_REQUIRE_CAPTURES=1`, under which a missing capture fails instead.

mod files;
pub(crate) mod reference;

pub(crate) use files::{TempPath, capture_path};

use crate::capture::replay::BookReport;
use crate::feed::event::{MarketEvent, Trade};
use crate::feed::health::{BookCounters, BookState};
use crate::feed::sync::BookSync;
use crate::integrity::SeqVerdict;
use crate::market::Nanos;
use reference::{Levels, Reference};

/// `frames` pushed on connection 0, one millisecond apart, everything they produced in one
/// [`Output`](crate::feed::adapter::Output) (the venues' hand-written frame tests).
pub(crate) fn feed_frames(
    adapter: &mut dyn crate::feed::adapter::Adapter,
    frames: &[impl AsRef<str>],
) -> crate::feed::adapter::Output {
    use crate::feed::adapter::{Frame, Output};
    let mut out = Output::default();
    for (i, f) in frames.iter().enumerate() {
        adapter.on_frame(0, Frame::Text(f.as_ref()), i as u64 * 1_000_000, &mut out);
    }
    out
}

/// The text of `../shared/captures/<relative>`; `None` as for [`capture_path`].
///
/// # Panics
/// When the file is missing and `DEPTHSCOPE_REQUIRE_CAPTURES=1`, or is there but unreadable.
pub(crate) fn capture(relative: &str) -> Option<String> {
    let path = capture_path(relative)?;
    let text = std::fs::read_to_string(&path);
    Some(text.unwrap_or_else(|e| panic!("capture {} cannot be read: {e}", path.display())))
}

/// A book's top 25 a side as `[price, size]` wire strings, rendered exactly as the replay
/// report renders them, for comparison with a [`reference`] book.
pub(crate) fn top25(sync: &BookSync) -> (Levels, Levels) {
    let report = BookReport::from(sync);
    (report.bids, report.asks)
}

/// Checks replayed books against the reference: each one live, its top 25 equal to the
/// reference's as wire strings. Returns their counters summed, for the caller's totals.
pub(crate) fn check_books(books: &[&BookSync], reference: &Reference) -> BookCounters {
    let mut total = BookCounters::default();
    for sync in books {
        assert_eq!(sync.state(), &BookState::Live, "{}", sync.key());
        let (bids, asks) = top25(sync);
        reference.assert_top(&sync.key().instrument, &bids, &asks);
        let BookCounters {
            messages,
            checksum_ok,
            checksum_fail,
            checksum_absent,
            seq_gaps,
            seq_restarts,
            stale,
            resyncs,
            crossed,
            while_syncing,
            audit: _,
            capped_levels,
        } = sync.counters();
        total.messages += messages;
        total.checksum_ok += checksum_ok;
        total.checksum_fail += checksum_fail;
        total.checksum_absent += checksum_absent;
        total.seq_gaps += seq_gaps;
        total.seq_restarts += seq_restarts;
        total.stale += stale;
        total.resyncs += resyncs;
        total.crossed += crossed;
        total.while_syncing += while_syncing;
        total.capped_levels += capped_levels;
    }
    total
}

/// The trades among `events`, in order.
pub(crate) fn trades(events: &[MarketEvent]) -> Vec<&Trade> {
    let trades = events.iter().filter_map(|e| match e {
        MarketEvent::Trade(t) => Some(t),
        _ => None,
    });
    trades.collect()
}

/// The received frames of each connection of a cryptofeed JSONL recording (`conn` → frames, one
/// per line), read with serde alone, independently of the importer.
pub(crate) fn jsonl_frames(path: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    use std::io::Read;
    let mut text = String::new();
    let file = std::fs::File::open(path).unwrap();
    flate2::read::MultiGzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap();
    let mut frames = std::collections::BTreeMap::<String, String>::new();
    for line in text.lines() {
        let line: serde_json::Value = serde_json::from_str(line).unwrap();
        if line["t"] == "recv" {
            let conn = frames
                .entry(line["conn"].as_str().unwrap().into())
                .or_default();
            conn.push_str(line["data"].as_str().unwrap());
            conn.push('\n');
        }
    }
    frames
}

/// One line of a cryptofeed `sample_data` recording (format in `shared/captures/README.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CryptofeedLine<'a> {
    /// `<url> <-> <ts>`: a connection opened.
    Opened,
    /// `<url> <- <ts>: <json>`: the client sent a message.
    Sent,
    /// `<ts>: <raw>`: a message received on the socket, exactly as received.
    Received(&'a str),
    /// `<url> -> <ts>: <body>`: a REST response.
    Rest { url: &'a str, body: &'a str },
}

/// The non-blank lines of a cryptofeed recording.
///
/// # Panics
/// On a line in none of the four shapes: the capture is not what the test expects.
pub(crate) fn cryptofeed_lines(text: &str) -> impl Iterator<Item = CryptofeedLine<'_>> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            parse_cryptofeed_line(line)
                .unwrap_or_else(|| panic!("not a cryptofeed recording line: {line:.120}"))
        })
}

fn parse_cryptofeed_line(line: &str) -> Option<CryptofeedLine<'_>> {
    let (head, rest) = line.split_once(' ')?;
    if head.ends_with(':') && head[..head.len() - 1].parse::<f64>().is_ok() {
        return Some(CryptofeedLine::Received(rest));
    }
    let (arrow, after) = rest.split_once(' ')?;
    let payload = || after.split_once(": ").map(|(_, payload)| payload);
    match arrow {
        "<->" => Some(CryptofeedLine::Opened),
        "<-" => payload().map(|_| CryptofeedLine::Sent),
        "->" => payload().map(|body| CryptofeedLine::Rest { url: head, body }),
        _ => None,
    }
}

/// Feed a cryptofeed recording through `adapter` as a replay would (sent messages teach it the
/// subscriptions, received frames go to connection 0, REST bodies to `on_rest`), returning
/// everything it produced. Times are the recording's own.
pub(crate) fn replay_cryptofeed(
    adapter: &mut dyn crate::feed::adapter::Adapter,
    text: &str,
) -> crate::feed::adapter::Output {
    replay_cryptofeed_with_rest(adapter, text, None)
}

/// [`replay_cryptofeed`] for a session recorded as two files: the WebSocket recording `ws` and
/// the REST responses `rest` (cryptofeed's `*.http.*` file, used by venues that join a REST
/// snapshot to the stream). The lines of both are delivered in capture-time order, each file
/// keeping its own order; a REST response stamped at the same instant as a frame comes after it.
///
/// # Panics
/// On a line that is not a cryptofeed recording line or has no readable time.
pub(crate) fn replay_cryptofeed_with_rest(
    adapter: &mut dyn crate::feed::adapter::Adapter,
    ws: &str,
    rest: Option<&str>,
) -> crate::feed::adapter::Output {
    use crate::feed::adapter::{Frame, Output};
    let mut all = Output::default();
    let mut out = Output::default();
    for (now, line, parsed) in cryptofeed_in_order(ws, rest) {
        match parsed {
            CryptofeedLine::Opened => adapter.on_open(0, now, &mut out),
            CryptofeedLine::Sent => {
                let sent = line.split_once(": ").map_or("", |(_, s)| s);
                adapter.on_sent(0, sent);
            }
            CryptofeedLine::Received(frame) => {
                adapter.on_frame(0, Frame::Text(frame), now, &mut out)
            }
            CryptofeedLine::Rest { url, body } => adapter.on_rest(url, 200, body, now, &mut out),
        }
        all.events.append(&mut out.events);
        all.problems.append(&mut out.problems);
        out.clear();
    }
    all
}

/// The lines of the recording `ws` and its REST file `rest` in the order
/// [`replay_cryptofeed_with_rest`] delivers them, each with its time, its text and its shape.
///
/// # Panics
/// On a line that is not a cryptofeed recording line or has no readable time.
pub(crate) fn cryptofeed_in_order<'a>(
    ws: &'a str,
    rest: Option<&'a str>,
) -> Vec<(Nanos, &'a str, CryptofeedLine<'a>)> {
    merge_by_time(timed_lines(ws), timed_lines(rest.unwrap_or_default()))
        .into_iter()
        .map(|(now, line)| {
            let parsed = parse_cryptofeed_line(line)
                .unwrap_or_else(|| panic!("not a cryptofeed recording line: {line:.120}"));
            (now, line, parsed)
        })
        .collect()
}

/// Feed a capture of raw WebSocket messages, one per line (NDJSON such as the Bybit historical
/// dump), through `adapter` as frames received on connection 0 of an open socket, returning
/// everything it produced. Times are line numbers in milliseconds, as in [`replay_cryptofeed`].
pub(crate) fn replay_frames(
    adapter: &mut dyn crate::feed::adapter::Adapter,
    text: &str,
) -> crate::feed::adapter::Output {
    use crate::feed::adapter::{Frame, Output};
    let mut all = Output::default();
    let mut out = Output::default();
    adapter.on_open(0, 0, &mut out);
    for (n, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        adapter.on_frame(0, Frame::Text(line), (n as u64 + 1) * 1_000_000, &mut out);
        all.events.append(&mut out.events);
        all.problems.append(&mut out.problems);
        out.clear();
    }
    all
}

/// The non-blank lines of a recording with their capture times.
fn timed_lines(text: &str) -> Vec<(Nanos, &str)> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let time = cryptofeed_time(line)
                .unwrap_or_else(|| panic!("no capture time in line: {line:.120}"));
            (time, line)
        })
        .collect()
}

/// Two time-stamped line lists merged by time, each keeping its own order; `first` wins ties.
fn merge_by_time<'a>(
    first: Vec<(Nanos, &'a str)>,
    second: Vec<(Nanos, &'a str)>,
) -> Vec<(Nanos, &'a str)> {
    let mut merged = Vec::with_capacity(first.len() + second.len());
    let (mut first, mut second) = (first.into_iter().peekable(), second.into_iter().peekable());
    loop {
        let take_first = match (first.peek(), second.peek()) {
            (Some(a), Some(b)) => a.0 <= b.0,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return merged,
        };
        merged.extend(if take_first {
            first.next()
        } else {
            second.next()
        });
    }
}

/// The capture time of a cryptofeed line (`<ts>: …`, `<url> <-> <ts>`, `<url> <- <ts>: …`,
/// `<url> -> <ts>: …`; `<ts>` in seconds with a fraction) in nanoseconds, read exactly.
fn cryptofeed_time(line: &str) -> Option<Nanos> {
    let (head, rest) = line.split_once(' ')?;
    let stamp = match head.strip_suffix(':') {
        Some(stamp) => stamp,
        None => rest.split_once(' ')?.1.split(':').next()?,
    };
    let (secs, frac) = stamp.trim().split_once('.').unwrap_or((stamp.trim(), ""));
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos: u64 = format!("{frac:0<9}").parse().ok()?;
    secs.parse::<u64>()
        .ok()?
        .checked_mul(1_000_000_000)?
        .checked_add(nanos)
}

/// How many times a replay got each [`SeqVerdict`]; replay tests assert the whole tally, so a
/// capture that silently stopped matching (zero messages checked) fails too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub apply: usize,
    pub stale: usize,
    pub ignore: usize,
    pub reset: usize,
    pub restarted: usize,
    pub gaps: usize,
}

impl Tally {
    pub(crate) fn add(&mut self, verdict: SeqVerdict) {
        match verdict {
            SeqVerdict::Apply => self.apply += 1,
            SeqVerdict::Stale => self.stale += 1,
            SeqVerdict::Ignore => self.ignore += 1,
            SeqVerdict::Reset => self.reset += 1,
            SeqVerdict::Restarted => self.restarted += 1,
            SeqVerdict::Gap { .. } => self.gaps += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::files::found;
    use super::*;

    const MISSING: &str = "no/such/capture.txt";

    #[test]
    fn a_missing_capture_is_skipped_unless_required() {
        assert_eq!(found(MISSING.into(), false), None);
    }

    #[test]
    #[should_panic(expected = "is required (DEPTHSCOPE_REQUIRE_CAPTURES=1)")]
    fn a_missing_required_capture_fails_the_test() {
        found(MISSING.into(), true);
    }

    #[test]
    fn a_temporary_path_is_removed_with_its_directory() {
        let path = TempPath::new("x.txt");
        std::fs::write(&path, "x").unwrap();
        let dir = path.parent().unwrap().to_owned();
        drop(path);
        assert!(!dir.exists());
    }

    #[test]
    fn cryptofeed_lines_are_told_apart() {
        let text = "wss://x/ws <-> 1633998511.159679\n\
            wss://x/ws <- 1633998512.1: {\"op\":\"subscribe\"}\n\
            1633998512.0633569: {\"stream\":\"a\",\"data\":{}}\n\
            \n\
            https://api.x/depth?symbol=A -> 1633998512.320639: {\"lastUpdateId\":7}\n";
        let lines: Vec<_> = cryptofeed_lines(text).collect();
        assert_eq!(
            lines,
            [
                CryptofeedLine::Opened,
                CryptofeedLine::Sent,
                CryptofeedLine::Received("{\"stream\":\"a\",\"data\":{}}"),
                CryptofeedLine::Rest {
                    url: "https://api.x/depth?symbol=A",
                    body: "{\"lastUpdateId\":7}"
                },
            ]
        );
    }

    #[test]
    fn capture_times_are_read_exactly_from_every_line_shape() {
        assert_eq!(
            cryptofeed_time("1633998512.0633569: {}"),
            Some(1_633_998_512_063_356_900)
        );
        assert_eq!(
            cryptofeed_time("wss://x/ws <-> 1633998511.159679"),
            Some(1_633_998_511_159_679_000)
        );
        assert_eq!(
            cryptofeed_time("wss://x/ws <- 1633998512.1: {\"a\":1}"),
            Some(1_633_998_512_100_000_000)
        );
        assert_eq!(
            cryptofeed_time("https://api.x/depth?symbol=A -> 1633998512: {\"b\":2}"),
            Some(1_633_998_512_000_000_000)
        );
        assert_eq!(cryptofeed_time("garbage line here"), None);
    }

    #[test]
    fn merged_lines_follow_time_and_keep_each_files_order() {
        let ws = vec![(1, "w1"), (3, "w3"), (3, "w3b"), (5, "w5")];
        let rest = vec![(0, "r0"), (3, "r3"), (9, "r9")];
        let order: Vec<&str> = merge_by_time(ws, rest)
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        assert_eq!(order, ["r0", "w1", "w3", "w3b", "r3", "w5", "r9"]);
    }

    #[test]
    #[should_panic(expected = "not a cryptofeed recording line")]
    fn an_unknown_line_shape_fails_the_test() {
        cryptofeed_lines("garbage line here").for_each(drop);
    }
}
