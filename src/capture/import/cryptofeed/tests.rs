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
        venue: VenueId::GateUsdt,
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

/// A JSONL ("format 2") recording, compressed as its name says: connections numbered as they
/// open, a socket at another market's default URL imported as that market, bad lines reported
/// and skipped, timestamps exact.
#[test]
fn jsonl_recordings_import_by_connection_in_any_compression() {
    let lines = [
        r#"{"t":"header","format":2,"exchange":"BYBIT","recorded":1786310817.601629}"#,
        r#"{"t":"http","conn":"BYBIT.http.1","ts":1786310817.601629,"url":"https://api.bybit.com/x","data":"{\"a\":1}"}"#,
        r#"{"t":"recv","conn":"BYBIT.ws.9","ts":1786310818.0,"data":"early"}"#,
        r#"{"t":"connect","conn":"BYBIT.ws.2","ts":1786310818.2235148,"addr":"wss://stream.bybit.com/v5/public/linear"}"#,
        r#"{"t":"connect","conn":"BYBIT.ws.3","ts":1786310818.3,"addr":"wss://stream.bybit.com/v5/public/spot"}"#,
        r#"{"t":"send","conn":"BYBIT.ws.3","ts":1786310819.1,"addr":"wss://stream.bybit.com/v5/public/spot","data":"{\"op\":\"subscribe\"}"}"#,
        "not json",
        r#"{"t":"recv","conn":"BYBIT.ws.2","ts":1e9,"data":"x"}"#,
        r#"{"t":"close","conn":"BYBIT.ws.2","ts":1786310819.2}"#,
        r#"{"t":"recv","conn":"BYBIT.ws.2","ts":1786310819.3,"data":"{\"topic\":\"a b\"}"}"#,
        "\u{fffd}",
        "",
    ];
    // Line 11 is not UTF-8.
    let text = lines.join("\n").replace('\u{fffd}', "\u{1}").into_bytes();
    let text: Vec<u8> = text
        .into_iter()
        .map(|b| if b == 1 { 0xff } else { b })
        .collect();
    for name in ["rec.jsonl", "rec.jsonl.gz", "rec.jsonl.zst"] {
        let src = TempPath::new(name);
        let mut sink = Compressed::file(&src);
        sink.write_all(&text).unwrap();
        sink.finish();
        let out = TempPath::new("out.ndjson");
        let stats = import_cryptofeed(&src, None, VenueId::BybitLinear, &out, "j").unwrap();
        let errors: Vec<(u64, &str)> = stats
            .errors
            .iter()
            .map(|e| (e.line, e.message.as_str()))
            .collect();
        assert_eq!(errors.len(), 5, "{name}: {errors:?}");
        assert_eq!(errors[0], (3, "`recv` on BYBIT.ws.9 before it connected"));
        assert_eq!(errors[1].0, 7);
        assert_eq!(errors[2].0, 8, "an exponent is not decimal seconds");
        assert_eq!(errors[3], (9, "unknown event kind `close`"));
        assert_eq!(errors[4], (11, "not UTF-8 text"));
        assert_eq!(
            (stats.open, stats.sent, stats.recv, stats.rest),
            (2, 1, 1, 1)
        );
        let capture = Capture::read(&out).unwrap();
        assert!(capture.errors.is_empty(), "{:?}", capture.errors);
        assert_eq!(
            capture.header.unwrap().created_ns,
            1_786_310_817_601_629_000
        );
        let got: Vec<_> = capture
            .events
            .iter()
            .map(|e| (e.t, e.venue, e.kind.name(), e.kind.conn()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    1_786_310_817_601_629_000,
                    VenueId::BybitLinear,
                    "rest",
                    None
                ),
                (
                    1_786_310_818_223_514_800,
                    VenueId::BybitLinear,
                    "open",
                    Some(1)
                ),
                (
                    1_786_310_818_300_000_000,
                    VenueId::BybitSpot,
                    "open",
                    Some(2)
                ),
                (
                    1_786_310_819_100_000_000,
                    VenueId::BybitSpot,
                    "sent",
                    Some(2)
                ),
                (
                    1_786_310_819_300_000_000,
                    VenueId::BybitLinear,
                    "recv",
                    Some(1)
                ),
            ],
            "{name}"
        );
        let EventKind::Recv {
            payload: Payload::Text(data),
            ..
        } = &capture.events[4].kind
        else {
            panic!("{name}: not a text frame");
        };
        assert_eq!(data, r#"{"topic":"a b"}"#);
    }
}

#[test]
fn a_jsonl_recording_of_an_unknown_format_or_with_a_rest_file_is_refused() {
    let src = TempPath::new("rec.jsonl");
    let out = TempPath::new("out.ndjson");
    std::fs::write(&src, "{\"t\":\"header\",\"format\":3}\n").unwrap();
    let err = import_cryptofeed(&src, None, VenueId::Okx, &out, "").unwrap_err();
    assert!(err.to_string().contains("only format 2"), "{err}");
    std::fs::write(&src, "{\"t\":\"header\",\"format\":2}\n").unwrap();
    let err = import_cryptofeed(&src, Some(&src), VenueId::Okx, &out, "").unwrap_err();
    assert!(matches!(err, ImportError::RestWithJsonl { .. }), "{err}");
}

/// Writes a file compressed as its name says, as cryptofeed's recordings are.
enum Compressed {
    Plain(std::fs::File),
    Gzip(flate2::write::GzEncoder<std::fs::File>),
    Zstd(zstd::Encoder<'static, std::fs::File>),
}

impl Compressed {
    fn file(path: &Path) -> Self {
        let file = std::fs::File::create(path).unwrap();
        match path.extension().and_then(|e| e.to_str()) {
            Some("gz") => Self::Gzip(flate2::write::GzEncoder::new(file, Default::default())),
            Some("zst") => Self::Zstd(zstd::Encoder::new(file, 0).unwrap()),
            _ => Self::Plain(file),
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        use std::io::Write;
        match self {
            Self::Plain(w) => w.write_all(bytes),
            Self::Gzip(w) => w.write_all(bytes),
            Self::Zstd(w) => w.write_all(bytes),
        }
    }

    fn finish(self) {
        match self {
            Self::Plain(_) => {}
            Self::Gzip(w) => drop(w.finish().unwrap()),
            Self::Zstd(w) => drop(w.finish().unwrap()),
        }
    }
}
