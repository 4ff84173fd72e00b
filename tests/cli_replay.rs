//! The real binary end to end: `depthscope import cryptofeed` turns the 2022 OKX recording into a
//! capture and `depthscope replay FILE --report json` prints the report `docs/capture-format.md`
//! specifies, with the numbers the recording is known for (290 checksums, none failing).

mod support;

use serde_json::Value;
use std::ffi::OsStr;
use std::process::{Command, Output};
use support::{TempPath, capture_path};

/// Runs the binary with its config and cache directories in `home`, so nothing of the user's
/// (a config file, cached instrument lists) changes what it does.
fn depthscope(home: &TempPath, args: &[&OsStr]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_depthscope"))
        .args(args)
        .env("HOME", &**home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .output()
        .expect("run depthscope");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?}: {stderr}");
    output
}

/// The 2022 OKX recording imported as a capture in `home` (`None` without the captures).
fn okx_capture(home: &TempPath) -> Option<std::path::PathBuf> {
    let source = capture_path("okx/cryptofeed_OKX.ws.1.0.txt")?;
    std::fs::create_dir_all(&**home).unwrap();
    let capture = home.join("okx.ndjson.gz");
    let import = ["import", "cryptofeed"].map(OsStr::new);
    let options = ["--venue", "okx", "-o"].map(OsStr::new);
    depthscope(
        home,
        &[
            &import[..],
            &[source.as_os_str()],
            &options,
            &[capture.as_os_str()],
        ]
        .concat(),
    );
    Some(capture)
}

#[test]
fn replay_report_json_of_an_imported_okx_capture() {
    let home = TempPath::new("home");
    let Some(capture) = okx_capture(&home) else {
        return;
    };
    let replay = [OsStr::new("replay"), capture.as_os_str()];
    let json = ["--report", "json"].map(OsStr::new);
    let output = depthscope(&home, &[&replay[..], &json].concat());
    let report: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");

    for field in [
        "events",
        "elapsed_s",
        "events_per_s",
        "books",
        "trades",
        "liquidations",
        "errors",
    ] {
        assert!(report.get(field).is_some(), "no {field}");
    }
    // 1 open, 3 subscriptions and 410 frames; 74 trades in the `trades` channel.
    assert_eq!(report["events"], 414);
    assert_eq!(report["trades"], 74);
    assert_eq!(report["liquidations"], 0);
    assert_eq!(report["errors"], Value::Array(Vec::new()));
    let books = report["books"].as_array().unwrap();
    assert_eq!(books.len(), 3);
    let count = |book: &Value, field: &str| {
        let value = book
            .get(field)
            .unwrap_or_else(|| panic!("no books[].{field}"));
        value.as_u64().unwrap_or_else(|| panic!("{field}: {value}"))
    };
    let (mut ok, mut fail) = (0, 0);
    for book in books {
        assert_eq!(book["venue"], "okx");
        assert!(book["instrument"].is_string());
        assert_eq!(book["valid"], true);
        for field in ["seq_gaps", "resyncs", "crossed"] {
            assert_eq!(count(book, field), 0, "{field}");
        }
        let checksums: u64 = ["checksum_ok", "checksum_fail", "checksum_absent"]
            .map(|f| count(book, f))
            .iter()
            .sum();
        assert_eq!(
            checksums,
            count(book, "updates"),
            "every book message counted"
        );
        ok += count(book, "checksum_ok");
        fail += count(book, "checksum_fail");
        for side in ["bids", "asks"] {
            let levels = book[side].as_array().unwrap();
            assert_eq!(levels.len(), 25, "{side}");
            let texts = |l: &Value| {
                l.as_array()
                    .is_some_and(|l| l.len() == 2 && l.iter().all(Value::is_string))
            };
            assert!(levels.iter().all(texts), "{side}: [price, size] strings");
        }
    }
    assert_eq!((ok, fail), (290, 0));
}

/// `replay --report json` on a capture none of whose lines could be replayed still prints its
/// report, but says so on stderr and exits non-zero (it used to exit 0).
#[test]
fn a_replay_of_nothing_but_bad_lines_fails() {
    let home = TempPath::new("home-bad");
    std::fs::create_dir_all(&*home).unwrap();
    let capture = home.join("bad.ndjson");
    let header = r#"{"depthscope_capture":1,"created_ns":0,"note":""}"#;
    std::fs::write(&capture, format!("{header}\n{}", "x\n".repeat(1000))).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_depthscope"))
        .args([OsStr::new("replay"), capture.as_os_str()])
        .args(["--report", "json"])
        .env("HOME", &*home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .output()
        .expect("run depthscope");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("nothing in") && stderr.contains("1000 errors"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("the report still");
    assert_eq!(report["errors_total"], 1000);
}

/// `replay FILE --max --history OUT` from a script (no terminal): the capture goes through the
/// engine into the history file, nothing is drawn, and the file's coverage is printed.
#[test]
fn a_replay_without_a_terminal_writes_its_history_file() {
    let home = TempPath::new("replay-history");
    let Some(capture) = okx_capture(&home) else {
        return;
    };
    let out = home.join("h.sqlite");
    let replay = [OsStr::new("replay"), capture.as_os_str()];
    let history = [
        OsStr::new("--max"),
        OsStr::new("--history"),
        out.as_os_str(),
    ];
    let output = depthscope(&home, &[&replay[..], &history].concat());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("okx"), "coverage printed: {stderr}");
    assert!(output.stdout.is_empty(), "nothing drawn on stdout");

    let query = ["history", "query", "--history"].map(OsStr::new);
    let what = [
        "--symbol", "BTC", "--venue", "okx", "--from", "0", "--to", "now", "--every", "1s",
        "--fields", "mid",
    ]
    .map(OsStr::new);
    let output = depthscope(&home, &[&query[..], &[out.as_os_str()], &what].concat());
    let csv = String::from_utf8_lossy(&output.stdout);
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert!(!rows.is_empty(), "1-s rows written: {csv}");
    // A second before its book is live has no mid (an empty cell), never a made-up one.
    let mut mids = 0;
    for row in &rows {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[1], "okx", "{row}");
        if cells[3].is_empty() {
            continue;
        }
        let mid: f64 = cells[3].parse().unwrap_or_else(|e| panic!("{row}: {e}"));
        assert!(mid > 1_000.0, "a BTC mid: {row}");
        mids += 1;
    }
    assert!(mids > 0, "some second has a mid: {csv}");
}
