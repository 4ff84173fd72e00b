//! The simulator as a raw client sees it: bad requests get the venue's own error frame and
//! never end the connection; bad HTTP gets an HTTP error; garbage on the port harms nothing;
//! `depthscope sim` refuses a bad `--faults` naming the token.

use depthscope::market::VenueId;
use depthscope::sim::{SimConfig, run_standalone, start};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame, skipping pushes that are not answers (heartbeats, statuses).
async fn answer(ws: &mut Ws, skip: &[&str]) -> String {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("an answer within 5 s")
            .expect("open")
            .expect("a frame");
        if let Message::Text(t) = frame
            && !skip.iter().any(|s| t.contains(s))
        {
            return t.to_string();
        }
    }
}

async fn say(ws: &mut Ws, text: &str) {
    ws.send(Message::text(text)).await.expect("send");
}

#[tokio::test]
async fn bad_requests_get_each_venues_error_and_the_connection_lives_on() {
    let sim = start("127.0.0.1:0", SimConfig::new(3)).await.unwrap();
    let opts = sim.venue_options();
    // (venue, socket suffix, garbage answers must contain, then a good request and its answer)
    let cases: [(VenueId, &str, &str, &str, &str); 10] = [
        (
            VenueId::Binance,
            "/ws",
            r#""code":3"#,
            r#"{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":5}"#,
            r#"{"id":5,"result":null}"#,
        ),
        (
            VenueId::BinanceUsdm,
            "/market/ws",
            r#""code":3"#,
            r#"{"method":"LIST_SUBSCRIPTIONS","id":6}"#,
            r#""result":[]"#,
        ),
        (
            VenueId::BybitSpot,
            "",
            r#""success":false"#,
            r#"{"req_id":"1","op":"ping"}"#,
            r#""ret_msg":"pong""#,
        ),
        (
            VenueId::BybitLinear,
            "",
            r#""success":false"#,
            r#"{"req_id":"1","op":"subscribe","args":["orderbook.7.BTCUSDT"]}"#,
            "handler not found",
        ),
        (VenueId::Okx, "", r#""event":"error""#, "ping", "pong"),
        (
            VenueId::Kraken,
            "",
            "Malformed request",
            r#"{"method":"ping","req_id":9}"#,
            r#""method":"pong""#,
        ),
        // No acknowledgement (see the dialect): a subscription answers with its snapshot.
        (
            VenueId::Coinbase,
            "",
            r#""type":"error""#,
            r#"{"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"}"#,
            r#""channel":"l2_data","timestamp""#,
        ),
        (
            VenueId::GateUsdt,
            "",
            r#""error""#,
            r#"{"time":1,"channel":"futures.ping"}"#,
            r#""channel":"futures.pong""#,
        ),
        (
            VenueId::Deribit,
            "",
            r#""error""#,
            r#"{"jsonrpc":"2.0","id":9,"method":"public/test","params":{}}"#,
            r#""version""#,
        ),
        (
            VenueId::KucoinFutures,
            "",
            r#""type":"error""#,
            r#"{"id":"p1","type":"ping"}"#,
            r#""type":"pong""#,
        ),
    ];
    for (venue, suffix, refusal, good, good_answer) in cases {
        let url = format!("{}{suffix}", opts[&venue].ws_url.as_deref().unwrap());
        let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.expect(&url);
        let skip = [
            r#""channel":"status""#,
            "heartbeat",
            r#""message":"welcome""#,
        ];
        for garbage in ["{nope", "", "\u{0}\u{1}", "[1,2,3]", r#"{"op":42}"#] {
            say(&mut ws, garbage).await;
            let got = answer(&mut ws, &skip).await;
            assert!(
                got.contains(refusal) || got.contains("error"),
                "{venue} answered {garbage:?} with {got}"
            );
        }
        ws.send(Message::binary(vec![0xff, 0xfe])).await.unwrap();
        let _ = answer(&mut ws, &skip).await;
        say(&mut ws, good).await;
        let got = answer(&mut ws, &skip).await;
        assert!(got.contains(good_answer), "{venue}: {good} answered {got}");
    }
}

async fn http_get(addr: std::net::SocketAddr, request: &[u8]) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_string(&mut out)).await;
    out
}

#[tokio::test]
async fn rest_errors_are_http_errors_and_garbage_harms_nothing() {
    let sim = start("127.0.0.1:0", SimConfig::new(3)).await.unwrap();
    let addr = sim.addr();
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n");
    let r = http_get(addr, get("/nowhere").as_bytes()).await;
    assert!(r.starts_with("HTTP/1.1 404"), "{r}");
    let r = http_get(addr, get("/api/v3/depth?symbol=NOPE").as_bytes()).await;
    assert!(r.starts_with("HTTP/1.1 400") && r.contains("-1121"), "{r}");
    let r = http_get(
        addr,
        get("/fapi/v1/depth?symbol=BTCUSDT&limit=7").as_bytes(),
    )
    .await;
    assert!(r.contains("-1100"), "{r}");
    let r = http_get(addr, b"POST /api/v3/depth HTTP/1.1\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 405"), "{r}");
    let r = http_get(addr, b"\x16\x03\x01 not http at all\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    // A WebSocket path asked without an upgrade, and a connection that says nothing.
    let _ = http_get(addr, get("/okx/ws/v5/public").as_bytes()).await;
    drop(tokio::net::TcpStream::connect(addr).await.unwrap());
    // Still serving.
    let r = http_get(addr, get("/api/v3/depth?symbol=BTCUSDT&limit=5").as_bytes()).await;
    assert!(
        r.starts_with("HTTP/1.1 200") && r.contains("lastUpdateId"),
        "{r}"
    );
    let r = http_get(addr, get("/fapi/v1/openInterest?symbol=ETHUSDT").as_bytes()).await;
    assert!(r.contains(r#""symbol":"ETHUSDT""#), "{r}");
}

#[tokio::test]
async fn the_sim_command_refuses_a_bad_fault_spec_naming_the_token() {
    let err = SimConfig::with_faults(1, Some("okx:gap=0.01;binance:checksum=0.1")).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("`checksum=0.1`") && text.contains("no checksum"),
        "{text}"
    );
    let err = run_standalone("256.0.0.1:0", SimConfig::new(1), CancellationToken::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot listen"), "{err}");
}

/// Instrument lists fetched at start are recorded as `rest` events (so a recording carries the
/// precisions its books need), and a replay recognises them by path, whatever host served them.
#[tokio::test]
async fn instrument_lists_are_recorded_and_recognised_in_a_replay() {
    use depthscope::feed::runtime::{Tap, TapEvent};
    use depthscope::instrument::catalog::{Catalog, parse_recorded};
    use depthscope::venue::registry::IMPLEMENTED;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Collect(Mutex<Vec<(VenueId, String, String)>>);
    impl Tap for Collect {
        fn record(&self, _: u64, venue: VenueId, _: Option<usize>, event: TapEvent) {
            if let TapEvent::Rest { url, body, .. } = event {
                self.0.lock().unwrap().push((venue, url, body));
            }
        }
    }

    let sim = start("127.0.0.1:0", SimConfig::new(5)).await.unwrap();
    let tap = Collect::default();
    let http = reqwest::Client::new();
    let (catalog, _) =
        Catalog::load_recorded(IMPLEMENTED, &sim.venue_options(), None, &http, Some(&tap)).await;
    let recorded = tap.0.into_inner().unwrap();
    for &venue in IMPLEMENTED {
        let mut from_recording = Vec::new();
        for (_, url, body) in recorded.iter().filter(|(v, ..)| *v == venue) {
            let list = parse_recorded(venue, url, body).expect("an instrument-list URL");
            from_recording.extend(list.expect("parses"));
        }
        assert!(!from_recording.is_empty(), "{venue}: recorded");
        assert_eq!(from_recording, catalog.venue(venue), "{venue}");
    }
    // The demo's watch list brings Kraken's USDT/USD and USDC/USD beside its USD books: the
    // rates the USD and USDC books are compared with the USDT ones through.
    let symbols = ["BTC", "ETH", "SOL"].map(String::from);
    let (chosen, problems) = catalog.resolve(&symbols, IMPLEMENTED);
    assert!(problems.is_empty(), "{problems:?}");
    let kraken: Vec<&str> = chosen[&VenueId::Kraken]
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(
        kraken,
        ["BTC/USD", "ETH/USD", "SOL/USD", "USDC/USD", "USDT/USD"]
    );
    assert!(chosen[&VenueId::Kraken][3..].iter().all(|i| i.is_rate()));
    assert!(chosen[&VenueId::Okx].iter().all(|i| !i.is_rate()));
    // Any host; other endpoints are not instrument lists.
    let kraken = "https://api.kraken.com/0/public/AssetPairs";
    assert!(parse_recorded(VenueId::Kraken, kraken, "{}").is_some());
    let depth = "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000";
    assert!(parse_recorded(VenueId::Binance, depth, "{}").is_none());
    sim.shutdown().await;
}
