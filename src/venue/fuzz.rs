//! Mutation fuzzing of the venue parsers and the capture reader, as proptests over the real
//! recordings in `../shared/captures/`: each case damages a few frames (a digit changed, a
//! JSON byte replaced, a frame cut short, repeated or swapped with the next, a number made
//! huge) and replays the whole window through the venue's adapter.
//!
//! Every case asserts: no panic; memory bounded (no book side beyond the book's bound, at most
//! a few problems per frame); and no corrupted book counted as verified: whenever a checksum
//! passes, the book's levels under that checksum equal the unmutated replay's at that frame.
//! Venues without a checksum must never count one.
//!
//! `DEPTHSCOPE_FUZZ_CASES` sets the cases per target (default 24, about a second each in a
//! debug build); CI can raise it.

use crate::book::MAX_LEVELS;
use crate::feed::adapter::{Frame, Output};
use crate::feed::driver::DriverConfig;
use crate::market::{Side, VenueId};
use crate::testutil::{CryptofeedLine, capture, cryptofeed_in_order};
use crate::venue::registry::{self, VenueOptions};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::collections::BTreeMap;

/// Frames per replayed window: enough for snapshots, updates and resyncs, quick in debug.
const WINDOW: usize = 240;

fn cases() -> u32 {
    std::env::var("DEPTHSCOPE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

/// One input to an adapter.
#[derive(Clone, Debug)]
enum Step {
    Open,
    Sent(String),
    Frame(String),
    Rest { url: String, body: String },
}

/// The steps of a cryptofeed recording (and its REST file), or of a file of raw frames.
fn steps(ws: &str, rest: Option<&str>, raw_frames: bool) -> Option<Vec<Step>> {
    let text = capture(ws)?;
    if raw_frames {
        let frames = text.lines().filter(|l| !l.trim().is_empty());
        let frames = frames.map(|l| Step::Frame(l.to_owned()));
        return Some([Step::Open].into_iter().chain(frames).collect());
    }
    let rest = match rest {
        Some(rest) => Some(capture(rest)?),
        None => None,
    };
    let steps = cryptofeed_in_order(&text, rest.as_deref())
        .into_iter()
        .map(|(_, raw, line)| match line {
            CryptofeedLine::Opened => Step::Open,
            CryptofeedLine::Sent => Step::Sent(raw.split_once(": ").map_or("", |s| s.1).to_owned()),
            CryptofeedLine::Received(frame) => Step::Frame(frame.to_owned()),
            CryptofeedLine::Rest { url, body } => Step::Rest {
                url: url.to_owned(),
                body: body.to_owned(),
            },
        })
        .collect();
    Some(steps)
}

/// A book's top levels: side, price and size as the venue wrote them.
type Top = Vec<(Side, String, String)>;

/// What a book looked like after a step: its verified-checksum count and its top levels.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    checksum_ok: u64,
    top: Top,
}

/// Replays `steps`; after each, every book's [`Seen`] (top `depth` levels a side). Asserts the
/// bounds on the way.
fn replay(
    venue: VenueId,
    steps: &[Step],
    depth: usize,
) -> Result<Vec<BTreeMap<String, Seen>>, TestCaseError> {
    let mut adapter = registry::adapter(
        venue,
        &VenueOptions::default(),
        DriverConfig::replay(),
        Vec::new(),
        Vec::new(),
    )
    .expect("an adapter");
    let mut out = Output::default();
    let mut after = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        let now = (i as u64 + 1) * 1_000_000;
        match step {
            Step::Open => adapter.on_open(0, now, &mut out),
            Step::Sent(text) => adapter.on_sent(0, text),
            Step::Frame(text) => adapter.on_frame(0, Frame::Text(text), now, &mut out),
            Step::Rest { url, body } => adapter.on_rest(url, 200, body, now, &mut out),
        }
        prop_assert!(out.problems.len() <= 4, "step {i}: {:?}", out.problems);
        out.clear();
        let mut books = BTreeMap::new();
        for sync in adapter.books() {
            let book = sync.book();
            prop_assert!(book.bids().len() <= MAX_LEVELS && book.asks().len() <= MAX_LEVELS);
            let top = [Side::Bid, Side::Ask]
                .into_iter()
                .flat_map(|side| {
                    book.top(side, depth)
                        .map(move |l| (side, l.price.to_string(), l.size.to_string()))
                })
                .collect();
            let seen = Seen {
                checksum_ok: sync.counters().checksum_ok,
                top,
            };
            books.insert(sync.key().to_string(), seen);
        }
        after.push(books);
    }
    Ok(after)
}

/// One damage to one frame (index taken modulo the frames).
#[derive(Clone, Debug)]
enum Mutation {
    /// The `nth` digit (modulo the digits) becomes another digit.
    Digit { frame: usize, nth: usize, add: u8 },
    /// The byte at `at` (modulo the length) becomes `byte`.
    Byte { frame: usize, at: usize, byte: u8 },
    /// The frame is cut at `at`.
    Cut { frame: usize, at: usize },
    /// The frame is replaced by the frame before it (a duplicate).
    Repeat { frame: usize },
    /// The frame and the next trade places.
    Swap { frame: usize },
    /// The `nth` number (a run of digits) becomes an absurd one.
    Huge {
        frame: usize,
        nth: usize,
        which: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let frame = any::<usize>();
    let json = prop::sample::select(b"\"{}[],:-.e0 \\".to_vec());
    prop_oneof![
        4 => (frame, any::<usize>(), 1u8..10).prop_map(|(frame, nth, add)| Mutation::Digit { frame, nth, add }),
        2 => (frame, any::<usize>(), json).prop_map(|(frame, at, byte)| Mutation::Byte { frame, at, byte }),
        1 => (frame, any::<usize>()).prop_map(|(frame, at)| Mutation::Cut { frame, at }),
        1 => frame.prop_map(|frame| Mutation::Repeat { frame }),
        1 => frame.prop_map(|frame| Mutation::Swap { frame }),
        1 => (frame, any::<usize>(), 0usize..5).prop_map(|(frame, nth, which)| Mutation::Huge { frame, nth, which }),
    ]
}

fn apply(steps: &mut [Step], m: &Mutation) {
    let frames: Vec<usize> = (0..steps.len())
        .filter(|&i| matches!(steps[i], Step::Frame(_)))
        .collect();
    if frames.len() < 2 {
        return;
    }
    let pick = |f: usize| frames[f % frames.len()];
    let text = |steps: &mut [Step], i: usize| match &mut steps[i] {
        Step::Frame(t) => std::mem::take(t),
        _ => unreachable!("frames only"),
    };
    let (i, new) = match *m {
        Mutation::Digit { frame, nth, add } => {
            let i = pick(frame);
            let mut bytes = text(steps, i).into_bytes();
            let digits: Vec<usize> = (0..bytes.len())
                .filter(|&j| bytes[j].is_ascii_digit())
                .collect();
            if let Some(&j) = digits.get(nth % digits.len().max(1)) {
                bytes[j] = b'0' + (bytes[j] - b'0' + add) % 10;
            }
            (i, String::from_utf8(bytes).expect("ASCII edits"))
        }
        Mutation::Byte { frame, at, byte } => {
            let i = pick(frame);
            let mut bytes = text(steps, i).into_bytes();
            // Only an ASCII byte is replaced, so the frame stays text.
            let ascii: Vec<usize> = (0..bytes.len()).filter(|&j| bytes[j].is_ascii()).collect();
            if let Some(&j) = ascii.get(at % ascii.len().max(1)) {
                bytes[j] = byte;
            }
            (i, String::from_utf8(bytes).expect("ASCII edits"))
        }
        Mutation::Cut { frame, at } => {
            let i = pick(frame);
            let t = text(steps, i);
            let mut cut = at % (t.len() + 1);
            while !t.is_char_boundary(cut) {
                cut -= 1;
            }
            (i, t[..cut].to_owned())
        }
        Mutation::Repeat { frame } => {
            let n = frame % (frames.len() - 1) + 1;
            let (i, before) = (frames[n], frames[n - 1]);
            let Step::Frame(t) = &steps[before] else {
                unreachable!("frames only")
            };
            (i, t.clone())
        }
        Mutation::Swap { frame } => {
            let n = frame % (frames.len() - 1);
            steps.swap(frames[n], frames[n + 1]);
            return;
        }
        Mutation::Huge { frame, nth, which } => {
            let i = pick(frame);
            let t = text(steps, i);
            let huge = [
                "1e400",
                "99999999999999999999999999999",
                "-1",
                "0.000000000000000000000001",
                "NaN",
            ][which];
            let runs: Vec<(usize, usize)> = digit_runs(&t);
            let new = match runs.get(nth % runs.len().max(1)) {
                Some(&(a, b)) => format!("{}{huge}{}", &t[..a], &t[b..]),
                None => t,
            };
            (i, new)
        }
    };
    steps[i] = Step::Frame(new);
}

/// The `(start, end)` of every run of ASCII digits.
fn digit_runs(t: &str) -> Vec<(usize, usize)> {
    let b = t.as_bytes();
    let mut runs = Vec::new();
    let mut j = 0;
    while j < b.len() {
        if b[j].is_ascii_digit() {
            let start = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            runs.push((start, j));
        } else {
            j += 1;
        }
    }
    runs
}

/// Fuzz `venue` over the first [`WINDOW`] steps of a recording. `checked` is how many levels
/// a side the venue's checksum covers (`None`: the venue publishes none).
fn fuzz(venue: VenueId, steps: Option<Vec<Step>>, checked: Option<usize>) {
    let Some(mut steps) = steps else {
        return;
    };
    steps.truncate(WINDOW);
    let depth = checked.unwrap_or(25);
    let clean = replay(venue, &steps, depth).expect("the recording replays");
    let verified: u64 = clean
        .last()
        .map_or(0, |b| b.values().map(|s| s.checksum_ok).sum());
    assert_eq!(
        verified > 0,
        checked.is_some(),
        "{venue}: the window verifies checksums iff the venue has them"
    );
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    // Every state a book of the clean replay went through.
    let truths: std::collections::HashSet<(&str, &Top)> = clean
        .iter()
        .flat_map(|books| books.iter().map(|(key, seen)| (key.as_str(), &seen.top)))
        .collect();
    let strategy = proptest::collection::vec(mutation(), 1..4);
    runner
        .run(&strategy, |mutations| {
            let mut damaged = steps.clone();
            for m in &mutations {
                apply(&mut damaged, m);
            }
            let after = replay(venue, &damaged, depth)?;
            let mut before: BTreeMap<String, u64> = BTreeMap::new();
            for (i, books) in after.iter().enumerate() {
                for (key, seen) in books {
                    let was = before.insert(key.clone(), seen.checksum_ok).unwrap_or(0);
                    if checked.is_none() {
                        prop_assert_eq!(
                            seen.checksum_ok,
                            0,
                            "{}: {} counted a checksum",
                            venue,
                            key
                        );
                    } else if seen.checksum_ok > was {
                        // A checksum passed: the levels it covers are a state the true book
                        // had (frames reordered or repeated move it in time; a damaged name
                        // may put it under another book's name).
                        let true_state = truths.contains(&(key.as_str(), &seen.top))
                            || truths.iter().any(|(_, top)| *top == &seen.top);
                        prop_assert!(true_state, "step {}: {} verified a corrupted book", i, key);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn fuzz_okx_parser() {
    fuzz(
        VenueId::Okx,
        steps("okx/cryptofeed_OKX.ws.1.0.txt", None, false),
        Some(25),
    );
}

#[test]
fn fuzz_kraken_parser() {
    let ws = "kraken/cryptofeed_KRAKEN.ws.50.0_book1000_v1.txt";
    fuzz(VenueId::Kraken, steps(ws, None, false), Some(10));
}

#[test]
fn fuzz_binance_parser() {
    let (ws, rest) = (
        "binance/cryptofeed_BINANCE.ws.1.0.txt",
        "binance/cryptofeed_BINANCE.http.0.0.txt",
    );
    fuzz(VenueId::Binance, steps(ws, Some(rest), false), None);
}

#[test]
fn fuzz_bybit_parser() {
    let frames = "bybit/nautilus_2024-12-01_XRPUSDT_ob500.ndjson";
    fuzz(VenueId::BybitLinear, steps(frames, None, true), None);
}

#[test]
fn fuzz_hyperliquid_parser() {
    // hftbacktest lines are `<receive ns> <frame>`.
    let steps = capture("hyperliquid/hftbacktest_2025-01-26_BTC_l2Book_trades.txt").map(|text| {
        let frames = text.lines().filter_map(|l| l.split_once(' '));
        let frames = frames.map(|(_, frame)| Step::Frame(frame.to_owned()));
        [Step::Open].into_iter().chain(frames).collect()
    });
    fuzz(VenueId::Hyperliquid, steps, None);
}
