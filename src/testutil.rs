//! Test helpers: finding the real captures and reading cryptofeed's recording format.
//!
//! The captures are public data from other projects and stay in `../shared/captures/` beside the
//! crate; tests read them at run time and never copy them in. A user's fresh clone has no
//! `../shared`, so there a missing capture skips the test with a notice; `.ci/run` sets
//! `DEPTHSCOPE_REQUIRE_CAPTURES=1`, under which a missing capture fails instead.

use std::path::{Path, PathBuf};

use crate::integrity::SeqVerdict;

/// Set to `1` to turn a missing capture into a test failure.
const REQUIRE_CAPTURES: &str = "DEPTHSCOPE_REQUIRE_CAPTURES";

/// The text of `../shared/captures/<relative>`, or `None` after an `eprintln!` notice when it is
/// missing and captures are not required: a test that gets `None` returns early.
///
/// # Panics
/// When the file is missing (or unreadable) and `DEPTHSCOPE_REQUIRE_CAPTURES=1`.
pub(crate) fn capture(relative: &str) -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/captures")
        .join(relative);
    let required = std::env::var(REQUIRE_CAPTURES).is_ok_and(|v| v == "1");
    read_capture(&path, required)
}

fn read_capture(path: &Path, required: bool) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(err) if required => panic!(
            "capture {} is required ({REQUIRE_CAPTURES}=1) but cannot be read: {err}",
            path.display()
        ),
        Err(err) => {
            eprintln!(
                "skipped: capture {} not available ({err}); set {REQUIRE_CAPTURES}=1 to fail instead",
                path.display()
            );
            None
        }
    }
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
/// everything it produced. Times are line numbers in milliseconds: these tests judge integrity,
/// not timing.
pub(crate) fn replay_cryptofeed(
    adapter: &mut dyn crate::feed::adapter::Adapter,
    text: &str,
) -> crate::feed::adapter::Output {
    use crate::feed::adapter::{Frame, Output};
    let mut all = Output::default();
    let mut out = Output::default();
    for (n, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let now = n as u64 * 1_000_000;
        match parse_cryptofeed_line(line)
            .unwrap_or_else(|| panic!("not a cryptofeed recording line: {line:.120}"))
        {
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

/// How many times a replay got each [`SeqVerdict`]; replay tests assert the whole tally, so a
/// capture that silently stopped matching (zero messages checked) fails too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub apply: usize,
    pub stale: usize,
    pub ignore: usize,
    pub reset: usize,
    pub gaps: usize,
}

impl Tally {
    pub(crate) fn add(&mut self, verdict: SeqVerdict) {
        match verdict {
            SeqVerdict::Apply => self.apply += 1,
            SeqVerdict::Stale => self.stale += 1,
            SeqVerdict::Ignore => self.ignore += 1,
            SeqVerdict::Reset => self.reset += 1,
            SeqVerdict::Gap { .. } => self.gaps += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MISSING: &str = "no/such/capture.txt";

    #[test]
    fn a_missing_capture_is_skipped_unless_required() {
        assert_eq!(read_capture(Path::new(MISSING), false), None);
    }

    #[test]
    #[should_panic(expected = "is required (DEPTHSCOPE_REQUIRE_CAPTURES=1)")]
    fn a_missing_required_capture_fails_the_test() {
        read_capture(Path::new(MISSING), true);
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
    #[should_panic(expected = "not a cryptofeed recording line")]
    fn an_unknown_line_shape_fails_the_test() {
        cryptofeed_lines("garbage line here").for_each(drop);
    }
}
