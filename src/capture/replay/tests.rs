//! Replay conformance on real data (issue 4): each recording in `../shared/captures/` is imported
//! (or, for the Bybit dump of raw frames, written) as a capture, replayed by [`replay_report`],
//! and the report checked against the figures the recording is known for and against the
//! independent reference book fed the same source files. A damaged capture shows that a replay
//! keeps what it can and names every bad line by its number.

use super::{Report, replay_report};
use crate::capture::format::{Event, EventKind, Header, Payload};
use crate::capture::import::import_cryptofeed;
use crate::capture::writer::CaptureWriter;
use crate::market::VenueId;
use crate::testutil::reference::{DepthRule, Reference};
use crate::testutil::{TempPath, capture, capture_path, jsonl_frames};
use std::path::Path;

/// A replayed capture and the source texts it was made from.
struct Replayed {
    report: Report,
    ws: String,
    rest: String,
}

/// Imports the cryptofeed recording `ws` (with its REST recording `rest`) into a temporary
/// capture and replays it. `None` when a recording is missing (the test is skipped).
fn import_and_replay(ws: &str, rest: Option<&str>, venue: VenueId) -> Option<Replayed> {
    let ws_path = capture_path(ws)?;
    let rest_path = match rest.map(capture_path) {
        Some(None) => return None,
        found => found.flatten(),
    };
    let out = TempPath::new("import.ndjson");
    let stats = import_cryptofeed(&ws_path, rest_path.as_deref(), venue, &out, ws).unwrap();
    assert!(stats.errors.is_empty(), "{ws}: {:?}", stats.errors);
    let read = |path: &Path| std::fs::read_to_string(path).unwrap();
    Some(Replayed {
        report: replay_report(&out, 1, Vec::new()).unwrap(),
        ws: read(&ws_path),
        rest: rest_path.as_deref().map(read).unwrap_or_default(),
    })
}

/// A report's figures summed over its books.
#[derive(Debug, Default, PartialEq, Eq)]
struct Summary {
    books: usize,
    valid: usize,
    checksum_ok: u64,
    checksum_fail: u64,
    seq_gaps: u64,
    resyncs: u64,
    crossed: u64,
    trades: u64,
}

/// Checks `report` against `reference` (no errors, the same books, each book's top 25 equal to
/// the reference's as wire strings, checksum figures adding up to the messages, the same number
/// of trades) and sums its figures.
fn conform(report: &Report, reference: &Reference) -> Summary {
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    let mut ids: Vec<&str> = report.books.iter().map(|b| &*b.instrument).collect();
    ids.sort_unstable();
    assert!(
        ids.iter()
            .copied()
            .eq(reference.books.keys().map(String::as_str))
    );
    let mut summary = Summary {
        trades: report.trades,
        ..Summary::default()
    };
    for book in &report.books {
        reference.assert_top(&book.instrument, &book.bids, &book.asks);
        // `docs/capture-format.md`: every book message is counted in exactly one checksum figure.
        let checksums = book.checksum_ok + book.checksum_fail + book.checksum_absent;
        assert_eq!(checksums, book.updates, "{}", book.instrument);
        summary.books += 1;
        summary.valid += usize::from(book.valid);
        summary.checksum_ok += book.checksum_ok;
        summary.checksum_fail += book.checksum_fail;
        summary.seq_gaps += book.seq_gaps;
        summary.resyncs += book.resyncs;
        summary.crossed += book.crossed;
    }
    assert_eq!(report.trades, reference.trades.len() as u64, "trades");
    summary
}

#[test]
fn okx_books_replay_with_all_290_checksums_matching() {
    let Some(run) = import_and_replay("okx/cryptofeed_OKX.ws.1.0.txt", None, VenueId::Okx) else {
        return;
    };
    let summary = conform(&run.report, &Reference::okx(&run.ws));
    assert_eq!(
        summary,
        Summary {
            books: 3,
            valid: 3,
            checksum_ok: 290,
            trades: 74,
            ..Summary::default()
        }
    );
}

#[test]
fn kraken_v1_book_1000_replays_with_all_4269_checksums_matching() {
    let ws = "kraken/cryptofeed_KRAKEN.ws.50.0_book1000_v1.txt";
    let Some(run) = import_and_replay(ws, None, VenueId::Kraken) else {
        return;
    };
    let summary = conform(&run.report, &Reference::kraken_v1(&run.ws));
    assert_eq!(
        summary,
        Summary {
            books: 10,
            valid: 10,
            checksum_ok: 4269,
            ..Summary::default()
        }
    );
}

/// A Binance recording with its REST snapshots: each of its four books joins its snapshot and
/// stays synced (no gap, no resync), and `trades` trades are counted.
fn binance_conforms(ws: &str, rest: &str, venue: VenueId, rule: DepthRule, trades: u64) {
    let Some(run) = import_and_replay(ws, Some(rest), venue) else {
        return;
    };
    let reference = Reference::binance(&run.ws, &run.rest, rule);
    let expected = Summary {
        books: 4,
        valid: 4,
        trades,
        ..Summary::default()
    };
    assert_eq!(conform(&run.report, &reference), expected);
}

#[test]
fn binance_spot_joins_its_rest_snapshots_without_gaps() {
    let ws = "binance/cryptofeed_BINANCE.ws.1.0.txt";
    let rest = "binance/cryptofeed_BINANCE.http.0.0.txt";
    binance_conforms(ws, rest, VenueId::Binance, DepthRule::Spot, 2);
}

#[test]
fn binance_usdm_joins_its_rest_snapshots_without_gaps() {
    let ws = "binance/cryptofeed_BINANCE_FUTURES.ws.1.0.txt";
    let rest = "binance/cryptofeed_BINANCE_FUTURES.http.0.0.txt";
    binance_conforms(ws, rest, VenueId::BinanceUsdm, DepthRule::Usdm, 91);
}

/// The Bybit dump is raw v5 messages, not a cryptofeed recording: written as a capture by hand,
/// with the subscription that tells the adapter the depth (500), then every line as received.
#[test]
fn bybit_ob500_dump_written_as_a_capture_replays_without_gaps() {
    let Some(dump) = capture("bybit/nautilus_2024-12-01_XRPUSDT_ob500.ndjson") else {
        return;
    };
    let out = TempPath::new("bybit.ndjson.zst");
    let header = Header {
        created_ns: 0,
        note: "nautilus XRPUSDT ob500 dump".into(),
    };
    let mut writer = CaptureWriter::create(&out, &header).unwrap();
    let text = |s: &str| Payload::Text(s.to_owned().into());
    let url = "wss://stream.bybit.com/v5/public/linear".into();
    let subscribe = r#"{"op":"subscribe","args":["orderbook.500.XRPUSDT"]}"#;
    let frames = dump.lines().filter(|l| !l.trim().is_empty()).map(|f| {
        let payload = text(f);
        EventKind::Recv { conn: 1, payload }
    });
    let kinds = [
        EventKind::Open { conn: 1, url },
        EventKind::Sent {
            conn: 1,
            payload: text(subscribe),
        },
    ];
    for (ms, kind) in kinds.into_iter().chain(frames).enumerate() {
        let t = ms as u64 * 1_000_000;
        let venue = VenueId::BybitLinear;
        writer.write(&Event { t, venue, kind }).unwrap();
    }
    writer.finish().unwrap();

    let report = replay_report(&out, 1, Vec::new()).unwrap();
    assert_eq!(
        report.events, 52,
        "open, subscribe, a snapshot and 49 deltas"
    );
    assert_eq!(report.books[0].updates, 50);
    let summary = conform(&report, &Reference::bybit(&dump));
    assert_eq!(
        summary,
        Summary {
            books: 1,
            valid: 1,
            ..Summary::default()
        }
    );
}

const BOOK: &str = r#"{"arg":{"channel":"books","instId":"BTC-USDT"}"#;

/// An OKX `books` message on BTC-USDT (checksum `0`: none, so hand-written levels are fine).
fn okx_book(action: &str, prev: i64, seq: i64, bids: &str, asks: &str) -> String {
    format!(
        r#"{BOOK},"action":"{action}","data":[{{"asks":[{asks}],"bids":[{bids}],"ts":"1","checksum":0,"prevSeqId":{prev},"seqId":{seq}}}]}}"#
    )
}

/// A capture line for an event of `venue`, as the writer would write it.
fn line(t: u64, venue: VenueId, kind: EventKind<'_>) -> String {
    serde_json::to_string(&Event { t, venue, kind }).unwrap()
}

fn recv(t: u64, venue: VenueId, frame: &str) -> String {
    let payload = Payload::Text(frame.into());
    line(t, venue, EventKind::Recv { conn: 1, payload })
}

/// A capture damaged every way `docs/capture-format.md` says a replay must survive, between valid
/// OKX events: the book they build stays valid and each bad line is reported with its number.
#[test]
fn a_damaged_capture_replays_what_it_can_and_reports_every_bad_line() {
    let snapshot = okx_book(
        "snapshot",
        -1,
        10,
        r#"["100","3","0","1"]"#,
        r#"["101","2","0","1"]"#,
    );
    let update = okx_book("update", 10, 11, r#"["100","4","0","1"]"#, "");
    let okx = recv(4, VenueId::Okx, &update);
    let open = EventKind::Open {
        conn: 1,
        url: "wss://ws.okx.com:8443/ws/v5/public".into(),
    };
    let malformed = format!(r#"{BOOK},"action":"update","data":[{{"asks":[["1"#);
    let lines: [Vec<u8>; 12] = [
        br#"{"depthscope_capture":1,"created_ns":0,"note":"damaged"}"#.to_vec(),
        line(1, VenueId::Okx, open).into(),
        recv(2, VenueId::Okx, &snapshot).into(),
        okx.as_bytes()[..okx.len() / 2].to_vec(), // 4: truncated (a recorder killed mid-line)
        br#"{"t":5,"venue":"okx","conn":1,"ev":"recv","data":}"#.to_vec(), // 5: bad JSON
        br#"{"t":6,"venue":"mtgox","conn":1,"ev":"recv","data":"{}"}"#.to_vec(), // 6: unknown venue
        b"\xff\xfe\x00\x9f garbage \x80".to_vec(), // 7: binary garbage, not UTF-8
        recv(8, VenueId::Coinex, "{}").into(),    // 8: a venue with no adapter
        recv(9, VenueId::Okx, &malformed).into(), // 9: a valid event, a malformed frame
        okx.clone().into(),
        recv(11, VenueId::Coinex, "{}").into(),
        okx.as_bytes()[..20].to_vec(), // 12: cut short at the end of the file, no newline
    ];
    let path = TempPath::new("damaged.ndjson");
    std::fs::write(&path, lines.join(&b'\n')).unwrap();

    for repeat in [1, 2] {
        let report = replay_report(&path, repeat, Vec::new()).unwrap();
        // File order, then the venue without an adapter (counted over the whole file).
        let expected = [
            (4, "truncated JSON"),
            (5, "bad JSON"),
            (6, "unknown venue `mtgox`"),
            (7, "not UTF-8 text"),
            (9, "okx: bad JSON"),
            (12, "truncated JSON"),
            (
                8,
                "venue coinex has no adapter (CoinEx ceased trading: futures on 2026-09-22, spot on 2026-09-29); 2 of its events were skipped",
            ),
        ];
        assert_eq!(report.errors.len(), expected.len(), "{:#?}", report.errors);
        for (error, (n, what)) in report.errors.iter().zip(expected) {
            let prefix = format!("line {n}: ");
            assert!(
                error.starts_with(&prefix) && error.contains(what),
                "{error}"
            );
        }
        // Lines 2, 3, 8, 9, 10 and 11 were events; the book took the snapshot and the update.
        assert_eq!(report.events, 6);
        assert_eq!(report.books.len(), 1);
        let book = &report.books[0];
        assert!(book.valid, "{book:?}");
        assert_eq!((book.updates, book.seq_gaps), (2, 0));
        let level = |p: &str, s: &str| [p.to_owned(), s.to_owned()];
        assert_eq!(book.bids, [level("100", "4")]);
        assert_eq!(book.asks, [level("101", "2")]);
        assert_eq!(report.source, if repeat == 1 { "file" } else { "memory" });
    }
}

/// A recorded instrument list replaces the local cache's entries for the same instruments (the
/// session's precisions are the ones its checksums were computed with) and leaves others be.
#[test]
fn a_recorded_instrument_list_wins_over_the_cached_one() {
    use super::Replayer;
    use crate::venue::kraken::instruments::SOURCE;
    let list = |decimals: u8, pairs: &[&str]| {
        let result: Vec<String> = pairs
            .iter()
            .map(|ws| {
                format!(r#""{ws}":{{"wsname":"{ws}","pair_decimals":{decimals},"lot_decimals":8}}"#)
            })
            .collect();
        format!(r#"{{"error":[],"result":{{{}}}}}"#, result.join(","))
    };
    let url = "https://api.kraken.com/0/public/AssetPairs";
    let cached = (SOURCE.parse)(url, &list(1, &["XBT/USD", "ETH/USD"])).unwrap();
    let mut replayer = Replayer::new(cached.clone(), false);
    let body = list(2, &["XBT/USD"]);
    let event = Event {
        t: 1,
        venue: VenueId::Kraken,
        kind: EventKind::Rest {
            url: url.into(),
            status: 200,
            data: body.as_str().into(),
        },
    };
    replayer.feed(1, &event, &mut |_| {});
    assert_eq!(replayer.errors.total, 0, "{:?}", replayer.errors);
    let recorded = (SOURCE.parse)(url, &body).unwrap();
    let mut registry = replayer.registry.clone();
    registry.sort_by(|a, b| a.id.cmp(&b.id));
    let eth = cached.iter().find(|i| i.id == "ETH/USD").unwrap().clone();
    assert_eq!(registry, vec![recorded[0].clone(), eth]);
    assert_ne!(
        recorded[0],
        cached.iter().find(|i| i.id == "BTC/USD").unwrap().clone()
    );
}

/// Ten thousand one-byte bad lines, and one line naming a venue a megabyte long: the report
/// keeps the first [`super::MAX_ERRORS`] messages, each a short excerpt, and counts every error
/// by kind (it used to hold one message per line, quoting each bad input whole).
#[test]
fn errors_are_kept_up_to_a_bound_and_counted_by_kind() {
    let path = TempPath::new("bad-lines.ndjson");
    let mut text = String::from("{\"depthscope_capture\":1,\"created_ns\":0,\"note\":\"\"}\n");
    text.push_str(&format!(
        "{{\"t\":1,\"venue\":\"{}\",\"conn\":1,\"ev\":\"recv\",\"data\":\"x\"}}\n",
        "v".repeat(1 << 20)
    ));
    text.push_str(&"x\n".repeat(10_000));
    std::fs::write(&path, text).unwrap();
    let report = replay_report(&path, 1, Vec::new()).unwrap();
    assert_eq!(report.errors.len(), super::MAX_ERRORS);
    assert_eq!(report.errors_total, 10_001);
    assert!(
        report.errors.iter().all(|e| e.len() < 300),
        "{:?}",
        report.errors[0].len()
    );
    assert!(
        report.errors[0].starts_with("line 2: unknown venue"),
        "{}",
        report.errors[0]
    );
    assert_eq!(report.error_kinds.values().sum::<u64>(), 10_001);
    assert_eq!(
        report.error_kinds.get("bad JSON"),
        Some(&10_000),
        "{:?}",
        report.error_kinds
    );
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.len() < 20_000, "a short report: {} bytes", json.len());
    assert_eq!(report.events, 0, "nothing could be replayed");
}

/// Fuzz target for the capture reader: the OKX recording as a capture, its bytes damaged at
/// random (any byte, newlines and invalid UTF-8 included; cut short), replayed. No panic, the
/// errors bounded, every event or error from some line, and every book's checksum figures
/// adding up to its messages. `DEPTHSCOPE_FUZZ_CASES` sets the cases (default 24).
#[test]
fn fuzz_capture_reader() {
    use super::Replayer;
    use crate::capture::reader::CaptureReader;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let Some(ws) = capture_path("okx/cryptofeed_OKX.ws.1.0.txt") else {
        return;
    };
    let path = TempPath::new("fuzz-okx.ndjson");
    import_cryptofeed(&ws, None, VenueId::Okx, &path, "fuzz").unwrap();
    let clean = std::fs::read(&*path).unwrap();
    let cases = std::env::var("DEPTHSCOPE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let edits = proptest::collection::vec((any::<usize>(), any::<u8>()), 1..40);
    runner
        .run(&(edits, any::<usize>()), |(edits, cut)| {
            let mut bytes = clean.clone();
            for (at, byte) in edits {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            bytes.truncate(bytes.len() - cut % 64);
            let lines = bytes.split(|&b| b == b'\n').count() as u64;
            let mut reader = CaptureReader::new(std::io::Cursor::new(bytes));
            let mut replayer = Replayer::new(Vec::new(), true);
            let mut published = 0u64;
            while let Some((line, item)) = reader.next_numbered() {
                prop_assert!(line <= lines);
                match item {
                    Ok(event) => replayer.feed(line, &event, &mut |_| published += 1),
                    Err(error) => replayer.line_error(error),
                }
            }
            let report = replayer.report(0.0);
            prop_assert!(report.errors.len() <= super::MAX_ERRORS);
            prop_assert!(report.events + report.errors_total <= 2 * lines);
            for book in &report.books {
                let checksums = book.checksum_ok + book.checksum_fail + book.checksum_absent;
                prop_assert_eq!(checksums, book.updates, "{}", book.instrument);
            }
            Ok(())
        })
        .unwrap();
}

/// Imports the cryptofeed JSONL recording `name` as `venue` (its connections to other markets'
/// URLs as those) and replays it: the report and each connection's received frames, or `None`
/// when the recording is missing. `counts` are the import's (open, sent, recv, rest) events.
fn import_jsonl_and_replay(
    name: &str,
    venue: VenueId,
    counts: (u64, u64, u64, u64),
) -> Option<(Report, std::collections::BTreeMap<String, String>)> {
    let path = capture_path(name)?;
    let out = TempPath::new("jsonl.ndjson.zst");
    let stats = import_cryptofeed(&path, None, venue, &out, name).unwrap();
    assert!(stats.errors.is_empty(), "{:?}", stats.errors);
    assert_eq!((stats.open, stats.sent, stats.recv, stats.rest), counts);
    Some((
        replay_report(&out, 1, Vec::new()).unwrap(),
        jsonl_frames(&path),
    ))
}

/// The 2026 Bybit v5 JSONL recording (cryptofeed format 2): its linear socket is imported as
/// `bybit-linear` and its spot socket, recognised by its address, as `bybit-spot`; both replay
/// through today's adapters with every one of the 2,142 deltas chained (0 gaps), and each book
/// equals the reference built from that socket's frames. cryptofeed also subscribed `kline.1`,
/// which depthscope does not read: each of those frames is reported, and nothing else is.
#[test]
fn bybit_2026_jsonl_recording_replays_both_markets_without_gaps() {
    let name = "bybit/cryptofeed_v3_BYBIT_2026-08-09_v5_linear_spot.jsonl.gz";
    let counts = (2, 24, 3227, 2);
    let Some((report, frames)) = import_jsonl_and_replay(name, VenueId::BybitLinear, counts) else {
        return;
    };
    let mut updates = 0;
    for (venue, conn, books) in [
        (VenueId::BybitLinear, "BYBIT.ws.2", 4),
        (VenueId::BybitSpot, "BYBIT.ws.3", 2),
    ] {
        let reference = Reference::bybit(&frames[conn]);
        let venue_report = Report {
            books: report
                .books
                .iter()
                .filter(|b| b.venue == venue)
                .cloned()
                .collect(),
            trades: reference.trades.len() as u64,
            errors: Vec::new(),
            ..report.clone()
        };
        let summary = conform(&venue_report, &reference);
        assert_eq!(
            (
                summary.books,
                summary.valid,
                summary.seq_gaps,
                summary.resyncs,
                summary.crossed
            ),
            (books, books, 0, 0, 0),
            "{venue}"
        );
        updates += venue_report.books.iter().map(|b| b.updates).sum::<u64>();
    }
    let klines = frames
        .values()
        .flat_map(|f| f.lines())
        .filter(|f| f.contains(r#""topic":"kline."#))
        .count();
    assert_eq!(report.errors_total, klines as u64);
    let unread = r#"unexpected topic "kline""#;
    assert!(
        report.errors.iter().all(|e| e.contains(unread)),
        "{:#?}",
        report.errors
    );
    assert_eq!(updates, 6 + 2142, "6 snapshots and 2,142 deltas");
    let reference_trades: usize = frames
        .values()
        .map(|f| Reference::bybit(f).trades.len())
        .sum();
    assert_eq!(report.trades, reference_trades as u64);
}

/// The 2026 Coinbase Advanced Trade recording, imported as a capture and replayed as
/// `depthscope replay` does: both books stay valid through
/// every `l2_data` frame (0 gaps in the connection's count) and equal the reference built from
/// the same frames, and the 79 live trades are counted.
#[test]
fn coinbase_2026_jsonl_recording_replays_without_gaps() {
    let name = "coinbase/cryptofeed_v3_COINBASE_2026-08-09_advanced_trade.jsonl.gz";
    let counts = (1, 5, 1030, 1);
    let Some((report, frames)) = import_jsonl_and_replay(name, VenueId::Coinbase, counts) else {
        return;
    };
    let reference = Reference::coinbase(&frames["COINBASE.ws.2"]);
    let summary = conform(&report, &reference);
    assert_eq!(
        summary,
        Summary {
            books: 2,
            valid: 2,
            trades: 79,
            ..Summary::default()
        }
    );
    let updates: u64 = report.books.iter().map(|b| b.updates).sum();
    assert_eq!(updates, 775);
}
