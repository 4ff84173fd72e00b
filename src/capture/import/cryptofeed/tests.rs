use super::*;
use crate::capture::reader::Capture;
use crate::testutil::{TempPath, capture_path};

#[test]
fn timestamps_convert_from_their_digits_exactly() {
    assert_eq!(
        parse_seconds("1633998512.0633569"),
        Ok(1_633_998_512_063_356_900)
    );
    assert_eq!(
        parse_seconds("1626992741.06217"),
        Ok(1_626_992_741_062_170_000)
    );
    // Through f64 this would be 1_652_459_225_298_788_352.
    assert_eq!(
        parse_seconds("1652459225.2987883"),
        Ok(1_652_459_225_298_788_300)
    );
    assert_eq!(parse_seconds("7"), Ok(7_000_000_000));
    assert_eq!(parse_seconds("1.1234567899"), Ok(1_123_456_789));
    for bad in [
        "",
        ".5",
        "1.2.3",
        "-1",
        "1e9",
        "1,5",
        " 1",
        "99999999999999999999",
    ] {
        assert!(parse_seconds(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn lines_split_only_at_the_known_prefix() {
    let msg = r#"{"a":"x <- 1.0: y","b":"<-> 2","c":"https://z -> 3: w"}"#;
    let recv = format!("1652459225.5: {msg}");
    let l = parse_line(&recv).unwrap();
    assert_eq!((l.kind, &recv[l.data.clone()]), (LineKind::Recv, msg));

    let sent = format!("wss://ws.okx.com:8443/ws/v5/public <- 1652459225.2987883: {msg}");
    let l = parse_line(&sent).unwrap();
    assert_eq!(l.kind, LineKind::Sent);
    assert_eq!(&sent[l.url.clone()], "wss://ws.okx.com:8443/ws/v5/public");
    assert_eq!(&sent[l.data.clone()], msg);
    assert_eq!(l.t, 1_652_459_225_298_788_300);

    let rest = format!("https://api.x.com/depth?s=A&limit=5 -> 1.25: {msg}");
    let l = parse_line(&rest).unwrap();
    assert_eq!((l.kind, l.t), (LineKind::Rest, 1_250_000_000));
    assert_eq!(&rest[l.data.clone()], msg);

    let open = "wss://ws.kraken.com <-> 1618678132.3858151";
    let l = parse_line(open).unwrap();
    assert_eq!(
        (l.kind, &open[l.url.clone()]),
        (LineKind::Open, "wss://ws.kraken.com")
    );

    assert_eq!(parse_line("1.5: ").unwrap().data, 5..5);
    for bad in [
        "hello world",
        "wss://x <=> 1",
        "wss://x <-> 1 extra",
        "12:30 lunch",
        "wss://x",
    ] {
        assert!(parse_line(bad).is_err(), "{bad:?} accepted");
    }
}

/// Reconnects, REST merged by time (WS first on ties), bad lines reported and skipped.
#[test]
fn synthetic_recording_merges_numbers_connections_and_reports_bad_lines() {
    let ws = TempPath::new("X.ws.1.0");
    let http = TempPath::new("X.http.0.0");
    let out = TempPath::new("out.ndjson");
    let mut ws_text = b"1.0: before any open\n\
wss://a <-> 2.0\n\
wss://a <- 2.1: {\"op\":\"sub\"}\n\
2.2: one\n\
wss://b <- 2.25: {\"op\":\"never opened\"}\n\
garbage line\n\
3.0: two\n\
wss://a <-> 4.0\n\
"
    .to_vec();
    ws_text.extend_from_slice(b"4.5: \xff\xfe\n4.6: three\n\n");
    std::fs::write(&ws, ws_text).unwrap();
    std::fs::write(
        &http,
        "https://r -> 1.5: {\"snap\":1}\n3.0: not rest\nhttps://r -> 3.0: {\"snap\":2}\n",
    )
    .unwrap();

    let stats = import_cryptofeed(&ws, Some(&http), VenueId::Binance, &out, "synthetic").unwrap();
    let errors: Vec<_> = stats
        .errors
        .iter()
        .map(|e| (e.file == *http, e.line, e.message.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (false, 1, "received before any connection was opened"),
            (
                true,
                2,
                "only REST lines (`<url> -> <ts>: <body>`) belong in the HTTP file"
            ),
            (false, 5, "sent on wss://b before it was opened"),
            (false, 6, UNRECOGNISED),
            (false, 9, "not UTF-8 text"),
        ]
    );
    assert_eq!(
        (stats.open, stats.sent, stats.recv, stats.rest),
        (2, 1, 3, 2)
    );

    let capture = Capture::read(&out).unwrap();
    assert!(capture.errors.is_empty(), "{:?}", capture.errors);
    assert_eq!(capture.header.unwrap().created_ns, 1_000_000_000);
    let got: Vec<_> = capture
        .events
        .iter()
        .map(|e| {
            let what = match &e.kind {
                EventKind::Open { url, .. } => url.to_string(),
                EventKind::Sent {
                    payload: Payload::Text(d),
                    ..
                }
                | EventKind::Recv {
                    payload: Payload::Text(d),
                    ..
                }
                | EventKind::Rest { data: d, .. } => d.to_string(),
                other => panic!("unexpected {other:?}"),
            };
            (e.t / 100_000_000, e.kind.name(), e.kind.conn(), what)
        })
        .collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        got,
        [
            (15, "rest", None, s("{\"snap\":1}")),
            (20, "open", Some(1), s("wss://a")),
            (21, "sent", Some(1), s("{\"op\":\"sub\"}")),
            (22, "recv", Some(1), s("one")),
            (30, "recv", Some(1), s("two")),
            (30, "rest", None, s("{\"snap\":2}")),
            (40, "open", Some(2), s("wss://a")),
            (46, "recv", Some(2), s("three")),
        ]
    );
    assert!(capture.events.iter().all(|e| e.venue == VenueId::Binance));
}

#[test]
fn the_output_may_not_overwrite_an_input() {
    let ws = TempPath::new("X.ws.1.0");
    std::fs::write(&ws, "wss://a <-> 1.0\n").unwrap();
    let err = import_cryptofeed(&ws, None, VenueId::Okx, &ws, "").unwrap_err();
    assert!(matches!(err, ImportError::OutputIsInput { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&ws).unwrap(), "wss://a <-> 1.0\n");
}

/// One cryptofeed file pair from `shared/captures`, with the event counts (open, sent, recv,
/// rest) expected from it.
struct Pair {
    ws: &'static str,
    http: Option<&'static str>,
    venue: VenueId,
    counts: [u64; 4],
}

const PAIRS: [Pair; 12] = [
    Pair {
        ws: "binance/cryptofeed_BINANCE.ws.1.0.txt",
        http: Some("binance/cryptofeed_BINANCE.http.0.0.txt"),
        venue: VenueId::Binance,
        counts: [1, 0, 265, 4],
    },
    Pair {
        ws: "binance/cryptofeed_BINANCE_FUTURES.ws.1.0.txt",
        http: Some("binance/cryptofeed_BINANCE_FUTURES.http.0.0.txt"),
        venue: VenueId::BinanceUsdm,
        counts: [1, 0, 1535, 4],
    },
    Pair {
        ws: "okx/cryptofeed_OKX.ws.1.0.txt",
        http: None,
        venue: VenueId::Okx,
        counts: [1, 3, 410, 0],
    },
    Pair {
        ws: "kraken/cryptofeed_KRAKEN.ws.50.0_book1000_v1.txt",
        http: None,
        venue: VenueId::Kraken,
        counts: [1, 1, 4321, 0],
    },
    Pair {
        ws: "kraken/cryptofeed_KRAKEN.ws.48.0_trade_v1.txt",
        http: None,
        venue: VenueId::Kraken,
        counts: [1, 1, 49, 0],
    },
    Pair {
        ws: "kraken/cryptofeed_KRAKEN.ws.49.0_ticker_v1.txt",
        http: None,
        venue: VenueId::Kraken,
        counts: [1, 1, 60, 0],
    },
    Pair {
        ws: "bitget/cryptofeed_BITGET.ws.1.0_spot_v1.txt",
        http: None,
        venue: VenueId::Bitget,
        counts: [1, 1, 684, 0],
    },
    Pair {
        ws: "bitget/cryptofeed_BITGET.ws.2.0_mix_v1.txt",
        http: None,
        venue: VenueId::Bitget,
        counts: [1, 1, 473, 0],
    },
    Pair {
        ws: "deribit/cryptofeed_DERIBIT.ws.1.0.txt",
        http: None,
        venue: VenueId::Deribit,
        counts: [1, 1, 136, 0],
    },
    Pair {
        ws: "gateio/cryptofeed_GATEIO.ws.1.0_spot.txt",
        http: Some("gateio/cryptofeed_GATEIO.http.0.0_spot.txt"),
        venue: VenueId::Gate,
        counts: [1, 22, 239, 10],
    },
    Pair {
        ws: "gateio/cryptofeed_GATEIO_FUTURES.ws.1.0.txt",
        http: Some("gateio/cryptofeed_GATEIO_FUTURES.http.0.0.txt"),
        venue: VenueId::Gate,
        counts: [1, 22, 450, 10],
    },
    Pair {
        ws: "kucoin/cryptofeed_KUCOIN.ws.1.0.txt",
        http: Some("kucoin/cryptofeed_KUCOIN.http.0.0.txt"),
        venue: VenueId::Kucoin,
        counts: [1, 13, 4721, 9],
    },
];

/// The messages of a cryptofeed file by kind, found by splitting at spaces: a deliberately
/// different method from the importer's, to check it independently.
#[derive(Default)]
struct Expected {
    open: Vec<String>,
    sent: Vec<String>,
    recv: Vec<String>,
    rest: Vec<String>,
}

impl Expected {
    fn add_file(&mut self, path: &Path) {
        let text = std::fs::read_to_string(path).unwrap();
        for line in text.lines().filter(|l| !l.is_empty()) {
            let words: Vec<&str> = line.splitn(4, ' ').collect();
            if words[0].ends_with(':') {
                // `<ts>: <msg>`: the message is everything after the first space.
                self.recv.push(line.split_once(' ').unwrap().1.to_owned());
                continue;
            }
            match words[1] {
                "<->" => self.open.push(words[0].to_owned()),
                "<-" => self.sent.push(words[3].to_owned()),
                "->" => self.rest.push(words[3].to_owned()),
                other => panic!("{}: unclassified line ({other}): {line}", path.display()),
            }
        }
    }

    fn counts(&self) -> [u64; 4] {
        [&self.open, &self.sent, &self.recv, &self.rest].map(|v| v.len() as u64)
    }
}

#[test]
fn every_real_cryptofeed_recording_imports_exactly() {
    let extensions = ["ndjson", "ndjson.gz", "ndjson.zst"];
    for (i, pair) in PAIRS.iter().enumerate() {
        let Some(ws) = capture_path(pair.ws) else {
            continue;
        };
        let http = match pair.http.map(capture_path) {
            Some(None) => continue,
            Some(Some(p)) => Some(p),
            None => None,
        };
        let mut expected = Expected::default();
        expected.add_file(&ws);
        if let Some(http) = &http {
            expected.add_file(http);
        }
        assert_eq!(
            expected.counts(),
            pair.counts,
            "{}: line classification",
            pair.ws
        );

        let out = TempPath::new(&format!("import.{}", extensions[i % extensions.len()]));
        let stats = import_cryptofeed(&ws, http.as_deref(), pair.venue, &out, pair.ws).unwrap();
        assert!(stats.errors.is_empty(), "{}: {:?}", pair.ws, stats.errors);
        let counts = [stats.open, stats.sent, stats.recv, stats.rest];
        assert_eq!(counts, pair.counts, "{}: import stats", pair.ws);
        assert_eq!(stats.bytes, std::fs::metadata(&out).unwrap().len());

        let capture = Capture::read(&out).unwrap();
        assert!(
            capture.errors.is_empty(),
            "{}: {:?}",
            pair.ws,
            capture.errors
        );
        assert_eq!(capture.header.unwrap().note, pair.ws);
        let mut got = Expected::default();
        for e in &capture.events {
            assert_eq!(e.venue, pair.venue);
            match &e.kind {
                EventKind::Open { url, conn } => {
                    assert_eq!(*conn, 1);
                    got.open.push(url.to_string());
                }
                EventKind::Sent {
                    payload: Payload::Text(d),
                    ..
                } => got.sent.push(d.to_string()),
                EventKind::Recv {
                    payload: Payload::Text(d),
                    ..
                } => got.recv.push(d.to_string()),
                EventKind::Rest {
                    data, status: 200, ..
                } => got.rest.push(data.to_string()),
                other => panic!("{}: unexpected {other:?}", pair.ws),
            }
        }
        assert_eq!(got.open, expected.open, "{}", pair.ws);
        assert!(got.sent == expected.sent, "{}: sent data differs", pair.ws);
        assert!(got.recv == expected.recv, "{}: recv data differs", pair.ws);
        assert!(got.rest == expected.rest, "{}: rest data differs", pair.ws);
        let times: Vec<Nanos> = capture.events.iter().map(|e| e.t).collect();
        assert!(times.is_sorted(), "{}: not time-ordered", pair.ws);
    }
}

#[test]
fn importing_twice_gives_identical_files() {
    let Some(ws) = capture_path("okx/cryptofeed_OKX.ws.1.0.txt") else {
        return;
    };
    let [a, b] = ["a.ndjson.zst", "b.ndjson.zst"].map(TempPath::new);
    import_cryptofeed(&ws, None, VenueId::Okx, &a, "okx").unwrap();
    import_cryptofeed(&ws, None, VenueId::Okx, &b, "okx").unwrap();
    assert!(std::fs::read(&*a).unwrap() == std::fs::read(&*b).unwrap());
}
