//! `depthscope serve` over loopback against the embedded simulator: every endpoint's shape, the
//! error codes, keys off loopback, rate limits with their headers, and the SSE stream with
//! `Last-Event-ID` resume. Waits are bounded and end on events (SSE ticks), never on sleeps.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use depthscope::config::Config;
use depthscope::serve::link::{SseEvent, SseParser};
use depthscope::serve::{Limits, ServeOptions, hash_key};
use depthscope::session::run::{Output, Plan, Source, run_session};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout_at};
use tokio_util::sync::CancellationToken;

/// A `serve --demo` in this process.
struct Server {
    base: String,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl Server {
    async fn start(listen: &str, keys: Vec<(String, String)>, limits: Limits) -> Server {
        Server::start_with(listen, keys, limits, None).await
    }

    /// With the history store at `history` (written to by the session, read by resuming readers).
    async fn start_with(
        listen: &str,
        keys: Vec<(String, String)>,
        limits: Limits,
        history: Option<PathBuf>,
    ) -> Server {
        let options = ServeOptions {
            listen: listen.parse::<SocketAddr>().unwrap(),
            keys,
            limits,
            stream_buffer: 64,
            resume_ticks: 3000,
            resume_bytes: 32 << 20,
            market_names: false,
        };
        let listener = depthscope::serve::bind(&options).await.expect("bind");
        let port = listener.local_addr().unwrap().port();
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        let task = tokio::spawn(async move {
            let config = Config::default();
            let plan = Plan {
                venues: config.general.venues.clone(),
                symbols: vec!["BTC".into(), "ETH".into()],
                history,
                ..Plan::default()
            };
            let output = Output::Serve {
                listener,
                options: Box::new(options),
                exit_after: None,
            };
            run_session(
                &config,
                &plan,
                Source::Demo {
                    seed: 7,
                    scenarios: Vec::new(),
                },
                output,
                stop,
            )
            .await
            .expect("serve session");
        });
        Server {
            base: format!("http://127.0.0.1:{port}"),
            cancel,
            task,
        }
    }

    async fn stop(self) {
        self.cancel.cancel();
        self.task.await.unwrap();
    }
}

const OPEN: Limits = Limits {
    per_minute: 100_000,
    burst_per_second: 10_000,
};

/// Server-Sent Events read off a response, one `(event, id, data)` at a time.
struct Sse {
    response: reqwest::Response,
    parser: SseParser,
    ready: VecDeque<SseEvent>,
}

impl Sse {
    async fn open(client: &reqwest::Client, url: &str, last_id: Option<&str>) -> Sse {
        let mut request = client.get(url);
        if let Some(id) = last_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        conforms_to_the_document(url, response.status(), response.headers(), &Value::Null);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "SSE content type"
        );
        Sse {
            response,
            parser: SseParser::default(),
            ready: VecDeque::new(),
        }
    }

    /// The next event (comments and keep-alives skipped), within `deadline`.
    async fn next(&mut self, deadline: Instant) -> (String, String, Value) {
        loop {
            if let Some(e) = self.ready.pop_front() {
                return (e.event, e.id.unwrap_or_default(), e.data);
            }
            let chunk = timeout_at(deadline, self.response.chunk())
                .await
                .expect("an SSE event within the deadline")
                .unwrap()
                .expect("the stream stays open");
            self.ready
                .extend(self.parser.push(&chunk).expect("event data is JSON"));
        }
    }
}

/// Reads ticks until every book of the tick is valid (the demo's books are live within seconds).
async fn wait_until_live(client: &reqwest::Client, base: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut sse = Sse::open(client, &format!("{base}/v1/stream"), None).await;
    loop {
        let (_, _, tick) = sse.next(deadline).await;
        let books: Vec<&Value> = tick["symbols"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["books"].as_array().unwrap())
            .collect();
        if !books.is_empty() && books.iter().all(|b| b["valid"] == true) {
            return tick;
        }
    }
}

async fn get(
    client: &reqwest::Client,
    url: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).expect("JSON body");
    conforms_to_the_document(url, status, &headers, &body);
    (status, headers, body)
}

/// The OpenAPI document the server serves.
static DOCUMENT: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_str(&depthscope::serve::openapi_json()).unwrap());

/// Checks an answer against the OpenAPI document: its status is one the operation declares,
/// every header the guard sets is declared on that response, and the body validates against
/// the response's schema.
fn conforms_to_the_document(
    url: &str,
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &Value,
) {
    let path = url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("/");
    let path = path.split('?').next().unwrap_or(path);
    if path == "/openapi.json" {
        return; // the document itself
    }
    let segments: Vec<&str> = path.split('/').collect();
    let paths = DOCUMENT["paths"].as_object().unwrap();
    let Some((template, item)) = paths.iter().find(|(template, _)| {
        let parts: Vec<&str> = template.split('/').collect();
        parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
    }) else {
        // Only the fallback's 404 answers a path the document does not list.
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{path} is not in the document"
        );
        return;
    };
    let response = &item["get"]["responses"][status.as_str()];
    assert!(
        response.is_object(),
        "{template}: status {status} is not declared"
    );
    for name in headers.keys().map(|h| h.as_str()) {
        if name.starts_with("x-") || name == "retry-after" {
            let declared = response["headers"]
                .as_object()
                .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case(name)));
            assert!(
                declared,
                "{template} {status}: header {name} is not declared"
            );
        }
    }
    if let Some(schema) = response["content"]["application/json"].get("schema") {
        let mut schema = schema.clone();
        schema["components"] = DOCUMENT["components"].clone();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
        assert!(
            errors.is_empty(),
            "{template} {status}: the body does not match the document: {errors:?}"
        );
    }
}

fn assert_timestamp(v: &Value) {
    let t = v["timestamp"].as_str().expect("timestamp");
    assert_eq!(t.len(), 24, "{t}");
    assert!(
        t.ends_with('Z') && t.as_bytes()[10] == b'T' && t.as_bytes()[19] == b'.',
        "{t}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_in_the_reference_shape() {
    let server = Server::start("127.0.0.1:0", vec![], OPEN).await;
    let client = reqwest::Client::new();
    let base = &server.base;
    wait_until_live(&client, base).await;

    let (status, headers, v) = get(&client, &format!("{base}/v1/orderbook/features/btc")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["x-depthscope-mode"], "simulated",
        "the demo is never called live"
    );
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        assert!(headers.contains_key(h), "{h} missing");
    }
    assert_eq!(v["symbol"], "BTC");
    assert_eq!(v["tier"], "local");
    assert_timestamp(&v);
    let features = v["features"].as_object().unwrap();
    assert!(
        features.contains_key("binance") && features.contains_key("kraken"),
        "{features:?}"
    );
    assert!(
        features.keys().any(|k| k.starts_with("okx:")),
        "OKX spot and swap are told apart: {:?}",
        features.keys()
    );
    let binance = &features["binance"];
    for field in [
        "bid_ask_spread",
        "depth_imbalance",
        "order_flow_imbalance",
        "book_pressure",
        "weighted_mid_offset",
        "bid_depth_ratio",
        "top_level_size_ratio",
        "spread_volatility",
        "smart_money_score",
        "price_impact_coefficient",
        "level_ofi",
        "manip_risk",
        "large_order_activity",
    ] {
        assert!(
            binance.get(field).is_some(),
            "features.binance.{field} missing"
        );
    }
    assert!(binance["bid_ask_spread"].as_f64().unwrap() > 0.0);
    assert_eq!(binance["level_ofi"].as_array().unwrap().len(), 5);
    let fresh = &v["data_freshness"]["binance"];
    assert_eq!(fresh["is_stale"], false);
    assert!(fresh["age_seconds"].as_f64().unwrap() >= 0.0);

    let (_, _, v) = get(&client, &format!("{base}/v1/orderbook/composite/BTC")).await;
    for field in [
        "directional_pressure",
        "liquidity_risk",
        "whale_conviction",
        "flow_momentum",
        "cross_exchange_agreement",
    ] {
        assert!(v["composites"].get(field).is_some(), "composites.{field}");
    }
    assert!(v["composites"]["directional_pressure"].is_f64());

    let shapes: [(&str, &[&str]); 16] = [
        (
            "/v1/orderbook/support-resistance/BTC",
            &["zones", "nearest_support_bps", "data_freshness"],
        ),
        (
            "/v1/regime/BTC",
            &[
                "regime",
                "confidence",
                "distribution",
                "fitted",
                "exchange_source",
            ],
        ),
        (
            "/v1/drift/BTC",
            &["overall_status", "drift_score", "drifted_features", "scope"],
        ),
        (
            "/v1/consensus/BTC",
            &[
                "directional_consensus",
                "statistical_bias",
                "model_agreement",
                "confidence_band",
                "disclaimer",
            ],
        ),
        ("/v1/arbitrage", &["count", "opportunities"]),
        ("/v1/arbitrage/ETH", &["count", "opportunities"]),
        (
            "/v1/market-protection/BTC",
            &["integrity_score", "detectors"],
        ),
        ("/v1/flow/positioning/BTC", &["positioning", "exchanges"]),
        (
            "/v1/flow/spot-futures/BTC",
            &[
                "basis_spread",
                "depth_divergence",
                "ofi_lead_lag",
                "whale_agreement",
                "liquidity_ratio",
            ],
        ),
        (
            "/v1/flow/liquidations/BTC",
            &[
                "rate_per_minute",
                "long_short_imbalance",
                "cascade_risk",
                "total_volume_usd_1h",
            ],
        ),
        (
            "/v1/flow/large-trades/BTC",
            &[
                "count_5m",
                "buy_sell_ratio",
                "institutional_score",
                "total_volume_usd_5m",
            ],
        ),
        (
            "/v1/flow/cvd/BTC",
            &[
                "cvd_1m",
                "cvd_5m",
                "cvd_slope",
                "taker_ratio",
                "crowd_positioning",
            ],
        ),
        (
            "/v1/cascade-risk/BTC",
            &[
                "cascade_probability",
                "liquidation_rate",
                "long_short_imbalance",
                "depth_thinning",
            ],
        ),
        (
            "/v1/depth-profile/BTC",
            &[
                "total_depth_10bp",
                "total_depth_50bp",
                "bid_depth_10bp",
                "bid_depth_50bp",
                "ask_depth_10bp",
                "ask_depth_50bp",
                "price_impact_coefficient",
                "smart_money_score",
            ],
        ),
        (
            "/v1/basis/BTC",
            &[
                "basis_spread",
                "annualized_basis",
                "lead_lag_score",
                "funding_rate",
            ],
        ),
        (
            "/v1/flow/derivatives?symbol=BTC",
            &["exchanges", "consensus"],
        ),
    ];
    for (path, fields) in shapes {
        let (status, _, v) = get(&client, &format!("{base}{path}")).await;
        assert_eq!(status, StatusCode::OK, "{path}: {v}");
        assert_timestamp(&v);
        for f in fields {
            assert!(v.get(*f).is_some(), "{path}: {f} missing in {v}");
        }
    }
    let (_, _, v) = get(&client, &format!("{base}/v1/depth-profile/BTC")).await;
    assert!(v["total_depth_10bp"].as_f64().unwrap() > 0.0, "{v}");
    let (_, _, v) = get(&client, &format!("{base}/v1/flow/derivatives?symbol=BTC")).await;
    let exchanges = v["exchanges"].as_object().unwrap();
    assert!(
        exchanges.contains_key("binance-usdm") && exchanges.contains_key("bybit-linear"),
        "{v}"
    );
    assert!(
        exchanges
            .values()
            .all(|e| e.get("funding_rate").is_some() && e.get("open_interest_usd").is_some())
    );

    let (_, _, v) = get(&client, &format!("{base}/v1/symbols")).await;
    // BTC, ETH, USDT and USDC: Kraken's USDT/USD and USDC/USD rate books, watched beside its
    // USD pairs.
    assert_eq!(v["total"], 4);
    assert_eq!(v["symbols"]["USDT"]["orderbook"], true);
    assert_eq!(v["symbols"]["USDC"]["orderbook"], true);
    assert_eq!(v["symbols"]["BTC"]["orderbook"], true);
    assert_eq!(v["symbols"]["BTC"]["derivatives"], true);
    assert_eq!(v["symbols"]["BTC"]["spot_futures"], true);
    assert!(v["symbols"]["ETH"]["positioning"].is_boolean());

    let (_, _, v) = get(&client, &format!("{base}/v1/books/okx/BTC-USDT?depth=5")).await;
    assert_eq!(v["valid"], true);
    assert_eq!(v["bids"].as_array().unwrap().len(), 5);
    let best_bid: f64 = v["bids"][0][0].as_str().unwrap().parse().unwrap();
    let best_ask: f64 = v["asks"][0][0].as_str().unwrap().parse().unwrap();
    assert!(best_bid < best_ask, "{v}");
    assert!(v["counters"]["messages"].as_u64().unwrap() > 0);

    let (_, _, v) = get(&client, &format!("{base}/v1/health")).await;
    assert!(v["books"].as_array().unwrap().len() >= 10, "{v}");
    assert!(v["venues"].as_array().unwrap().len() >= 6);
    assert!(v["stream"]["ticks"].as_u64().unwrap() > 0);

    let (_, _, v) = get(&client, &format!("{base}/v1/tiers")).await;
    assert_eq!(v["tiers"][0]["name"], "local");

    let (status, _, doc) = get(&client, &format!("{base}/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/v1/flow/cvd/{symbol}"]["get"].is_object());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_json_with_the_reference_codes() {
    let server = Server::start("127.0.0.1:0", vec![], OPEN).await;
    let client = reqwest::Client::new();
    let base = &server.base;
    let cases = [
        (
            "/v1/orderbook/features/DOGE",
            StatusCode::NOT_FOUND,
            "/v1/symbols",
        ),
        (
            "/v1/orderbook/features/BTC?exchange=okx",
            StatusCode::BAD_REQUEST,
            "exchange",
        ),
        (
            "/v1/books/okx/BTC-USDT?depth=0",
            StatusCode::BAD_REQUEST,
            "depth",
        ),
        ("/v1/books/okx/NOPE", StatusCode::NOT_FOUND, "/v1/health"),
        (
            "/v1/historical/features/BTC",
            StatusCode::NOT_IMPLEMENTED,
            "historical",
        ),
        ("/v1/regime/DOGE", StatusCode::NOT_FOUND, "/v1/symbols"),
        ("/v1/nothing", StatusCode::NOT_FOUND, "openapi"),
        ("/v1/stream?symbols=BTC,NOPE", StatusCode::NOT_FOUND, "NOPE"),
    ];
    for (path, status, mention) in cases {
        let (got, headers, v) = get(&client, &format!("{base}{path}")).await;
        assert_eq!(got, status, "{path}: {v}");
        let detail = v["detail"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: no detail in {v}"));
        assert!(detail.contains(mention), "{path}: {detail}");
        assert!(headers.contains_key("x-ratelimit-remaining"), "{path}");
    }
    let long = format!("{base}/v1/symbols?{}", "a".repeat(3000));
    assert_eq!(get(&client, &long).await.0, StatusCode::BAD_REQUEST);
    let post = client
        .post(format!("{base}/v1/symbols"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_count_down_and_answer_429_with_retry_after() {
    let limits = Limits {
        per_minute: 5,
        burst_per_second: 100,
    };
    let server = Server::start("127.0.0.1:0", vec![], limits).await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1/tiers", server.base);
    for expected in (0..5).rev() {
        let (status, headers, _) = get(&client, &url).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["x-ratelimit-limit"], "5");
        assert_eq!(
            headers["x-ratelimit-remaining"],
            expected.to_string().as_str()
        );
    }
    let (status, headers, v) = get(&client, &url).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{v}");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert!(v["detail"].as_str().unwrap().contains("rate limit"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_loopback_every_request_needs_a_configured_key() {
    let key = "ds_test_key";
    let server = Server::start("0.0.0.0:0", vec![("tester".into(), hash_key(key))], OPEN).await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1/tiers", server.base);
    let (status, _, v) = get(&client, &url).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("X-API-Key"));
    let wrong = client
        .get(&url)
        .header("X-API-Key", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = client
        .get(&url)
        .header("X-API-Key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    // The reference serves the symbol list without a key.
    let (status, _, _) = get(&client, &format!("{}/v1/symbols", server.base)).await;
    assert_eq!(status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_reconnects_with_last_event_id_misses_no_tick() {
    let server = Server::start("127.0.0.1:0", vec![], OPEN).await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1/stream?symbols=ETH", server.base);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut first = Sse::open(&client, &url, None).await;
    // reqwest asks for gzip and decodes it: this reader's ticks (and the resumed ones below)
    // arrive compressed.
    let plain = reqwest::Client::builder().no_gzip().build().unwrap();
    let mut zipped = plain
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let head = timeout_at(deadline, zipped.chunk()).await.unwrap().unwrap();
    assert!(
        head.unwrap().starts_with(&[0x1f, 0x8b]),
        "a gzip header first"
    );
    drop(zipped);
    let mut last = (String::new(), 0u64);
    for _ in 0..3 {
        let (event, id, tick) = first.next(deadline).await;
        assert_eq!(event, "tick");
        assert_eq!(tick["mode"], "simulated");
        let symbols: Vec<&str> = tick["symbols"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["symbol"].as_str().unwrap())
            .collect();
        assert_eq!(symbols, ["ETH"]);
        last = (id, tick["seq"].as_u64().unwrap());
    }
    drop(first);
    // Ticks go on while nobody listens; the resumed stream starts right after the last one seen.
    let mut watcher = Sse::open(&plain, &url, None).await;
    assert!(!watcher.response.headers().contains_key("content-encoding"));
    let (_, _, tick) = watcher.next(deadline).await;
    assert!(tick["seq"].as_u64().unwrap() > last.1);
    let mut resumed = Sse::open(&client, &url, Some(&last.0)).await;
    for expected in last.1 + 1..last.1 + 6 {
        let (event, id, tick) = resumed.next(deadline).await;
        assert_eq!(event, "tick");
        assert_eq!(
            tick["seq"].as_u64().unwrap(),
            expected,
            "no gap in tick ids"
        );
        assert_eq!(
            id.split(':').nth(1),
            Some(expected.to_string().as_str()),
            "{id}"
        );
    }
    // An id from another run of the server is said to be unusable, then live ticks follow.
    let mut foreign = Sse::open(&client, &url, Some("1:5")).await;
    let (event, _, notice) = foreign.next(deadline).await;
    assert_eq!(event, "resume_gap", "{notice}");
    assert_eq!(foreign.next(deadline).await.0, "tick");
    server.stop().await;
}

/// A history store with 1-s rows for BTC and ETH on one venue for the seconds `from..to`.
fn history_fixture(name: &str, from: i64, to: i64) -> PathBuf {
    use depthscope::history::columns::{index_of, width};
    use depthscope::history::{BookRow, Store};
    let dir = std::env::temp_dir().join(format!("depthscope-serve-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("history.sqlite");
    let mut store = Store::open_write(&path).unwrap();
    for t in from..to {
        let rows: Vec<BookRow> = [("BTC", 50_000.0), ("ETH", 3_000.0)]
            .iter()
            .map(|(symbol, price)| {
                let mut values = vec![None; width()];
                values[index_of("mid").unwrap()] = Some(price + (t - from) as f64);
                BookRow {
                    venue: "binance".into(),
                    instrument: format!("{symbol}USDT"),
                    symbol: (*symbol).into(),
                    values,
                }
            })
            .collect();
        store.write_second(t, &rows, &[]).unwrap();
    }
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_older_than_the_ring_gets_the_stores_seconds_then_the_ticks() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let (from, to) = (now - 400, now - 200);
    let path = history_fixture("resume", from, to);
    let server = Server::start_with("127.0.0.1:0", vec![], OPEN, Some(path.clone())).await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1/stream?symbols=BTC", server.base);
    let deadline = Instant::now() + Duration::from_secs(30);
    // An id of an earlier run, 300 s ago: far older than the ring (which starts with this run).
    let last_seen = now - 300;
    let mut sse = Sse::open(
        &client,
        &url,
        Some(&format!("1:9:{}", last_seen * 1000 + 500)),
    )
    .await;
    let mut expected = last_seen + 1;
    let mut middle_id = String::new();
    loop {
        let (event, id, data) = sse.next(deadline).await;
        if event != "history" {
            assert_eq!(
                expected, to,
                "every stored second after the id, then the rest"
            );
            assert_eq!(event, "resume_gap", "{data}");
            assert!(
                data["detail"].as_str().unwrap().contains("no 1-s rows"),
                "{data}"
            );
            break;
        }
        assert_eq!(
            data["t"].as_i64(),
            Some(expected),
            "no gap in the stored seconds"
        );
        assert_eq!(data["replayed"], true);
        assert_eq!(data["mode"], "simulated");
        assert_eq!(id, data["id"].as_str().unwrap());
        let books = data["books"].as_array().unwrap();
        assert_eq!(books.len(), 1, "only BTC was asked for: {data}");
        assert_eq!(books[0]["symbol"], "BTC");
        assert_eq!(
            books[0]["mid"].as_f64(),
            Some(50_000.0 + (expected - from) as f64)
        );
        if expected == last_seen + 50 {
            middle_id = id;
        }
        expected += 1;
    }
    // Then the ticks (after any seconds this run recorded before its ring's first tick).
    loop {
        let (event, _, data) = sse.next(deadline).await;
        if event == "tick" {
            break;
        }
        assert_eq!(event, "history", "{data}");
        assert!(data["t"].as_i64().unwrap() > to, "{data}");
    }
    // A reader that stopped inside the replay resumes right after its last `history` event.
    drop(sse);
    let mut again = Sse::open(&client, &url, Some(&middle_id)).await;
    let (event, _, data) = again.next(deadline).await;
    assert_eq!(event, "history");
    assert_eq!(data["t"].as_i64(), Some(last_seen + 51));
    server.stop().await;
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attached_link_follows_the_stream_says_when_it_drops_and_resumes_after_a_restart() {
    use depthscope::serve::link::{LinkEvent, SILENCE, follow};
    let server = Server::start("127.0.0.1:0", vec![], OPEN).await;
    let base = server.base.clone();
    let (tx, mut rx) = tokio::sync::mpsc::channel(4096);
    let cancel = CancellationToken::new();
    let link = tokio::spawn({
        let (base, cancel) = (base.clone(), cancel.clone());
        async move { follow(&base, &["ETH".into()], tx, cancel).await }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut next = async || {
        timeout_at(deadline, rx.recv())
            .await
            .expect("a link event within the deadline")
            .expect("the link runs")
    };
    assert_eq!(next().await, LinkEvent::Up);
    // The link's ticks are the stream's: the same id carries the same content.
    let client = reqwest::Client::new();
    let mut direct = Sse::open(&client, &format!("{base}/v1/stream?symbols=ETH"), None).await;
    let (_, id, data) = direct.next(deadline).await;
    drop(direct);
    loop {
        match next().await {
            LinkEvent::Event(e) if e.id.as_deref() == Some(id.as_str()) => {
                assert_eq!(e.data, data, "the link delivers the tick as sent");
                break;
            }
            LinkEvent::Event(e) => assert_eq!(e.event, "tick"),
            other => panic!("{other:?}"),
        }
    }
    // The server goes away: the link says so at once (the stream closes), within SILENCE at most.
    server.stop().await;
    let down = timeout_at(Instant::now() + SILENCE + Duration::from_secs(1), async {
        loop {
            match next().await {
                LinkEvent::Down { why } => return why,
                LinkEvent::Event(_) => {}
                LinkEvent::Up => panic!("up while the server is stopped"),
            }
        }
    })
    .await
    .expect("the link is marked down within 2 s");
    assert!(!down.is_empty());
    // A new server on the same address: the link reconnects and resumes with Last-Event-ID (an
    // id of the previous run: said to be a gap, or filled) before the live ticks.
    let addr = base.trim_start_matches("http://").to_owned();
    let server = Server::start(&addr, vec![], OPEN).await;
    loop {
        match next().await {
            LinkEvent::Up => break,
            LinkEvent::Down { .. } => {} // still restarting
            LinkEvent::Event(e) => panic!("an event while down: {e:?}"),
        }
    }
    let old_epoch = id.split(':').next().unwrap().to_owned();
    loop {
        match next().await {
            LinkEvent::Event(e) if e.event == "resume_gap" => {}
            LinkEvent::Event(e) => {
                assert_eq!(e.event, "tick", "{e:?}");
                let new_id = e.id.unwrap();
                assert_ne!(new_id.split(':').next().unwrap(), old_epoch, "{new_id}");
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    cancel.cancel();
    link.await.unwrap();
    server.stop().await;
}

/// Two JSON values equal, numbers to the last few bits (a float read back from its shortest
/// decimal form may differ in the last bit).
fn assert_same_json(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
                "{at}: {x} vs {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}: lengths");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                assert_same_json(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            let keys = |m: &serde_json::Map<String, Value>| m.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(x), keys(y), "{at}: members");
            for (k, v) in x {
                assert_same_json(v, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_terminal_rebuilds_the_servers_frames_greys_them_when_the_link_drops_and_resumes()
 {
    use depthscope::serve::attach::{LinkState, attach};
    use depthscope::serve::frames::{Encoded, decode};
    use depthscope::serve::link::SILENCE;
    let server = Server::start("127.0.0.1:0", vec![], OPEN).await;
    let base = server.base.clone();
    let client = reqwest::Client::new();
    wait_until_live(&client, &base).await;
    // What the server sends is what the terminal rebuilds: decoded and encoded again, the same
    // document, price series included.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut sse = Sse::open(&client, &format!("{base}/v1/frames"), None).await;
    let (event, id, sent) = sse.next(deadline).await;
    drop(sse);
    assert_eq!(event, "frame");
    assert_eq!(id.split(':').count(), 3, "{id}");
    let frame = decode(&sent).expect("the frame decodes");
    let symbols: Vec<&str> = frame.symbols.iter().map(|s| s.symbol.as_str()).collect();
    assert_eq!(
        symbols[..2],
        ["BTC", "ETH"],
        "the watch list, then the rate book's USDT"
    );
    assert!(frame.symbols.iter().all(|s| !s.books.is_empty()));
    assert!(
        frame.symbols.iter().any(|s| !s.prices.seconds.is_empty()),
        "the chart's series travel with the frame"
    );
    let again: Value = serde_json::from_str(Encoded::of(&frame).json()).unwrap();
    assert_same_json(&sent, &again, "frame");
    // A reader that accepts gzip gets it (a frame is about 0.5 MB of JSON).
    let plain = reqwest::Client::builder().no_gzip().build().unwrap();
    let response = plain
        .get(format!("{base}/v1/frames"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    drop(response);

    // Attached: frames arrive and the link is up.
    let cancel = CancellationToken::new();
    let mut attached = attach(&base, None, cancel.clone()).await.expect("attached");
    assert_eq!(*attached.remote.state.borrow(), LinkState::Up);
    timeout_at(deadline, attached.frames.changed())
        .await
        .expect("frames keep coming")
        .unwrap();

    // The server goes away: the link is down within SILENCE, and the frame on screen is the
    // last one with every book marked stale.
    server.stop().await;
    let mut state = attached.remote.state.clone();
    timeout_at(Instant::now() + SILENCE + Duration::from_secs(1), async {
        while *state.borrow_and_update() == LinkState::Up {
            state.changed().await.unwrap();
        }
    })
    .await
    .expect("the link is marked down within 2 s");
    assert!(matches!(*state.borrow(), LinkState::Down { .. }));
    let greyed = attached.frames.borrow_and_update().clone();
    let books: Vec<_> = greyed.symbols.iter().flat_map(|s| &s.books).collect();
    assert!(!books.is_empty() && books.iter().all(|b| b.stale && b.derivs.stale));

    // A new server on the same address: the link reconnects and the frames are live again.
    let addr = base.trim_start_matches("http://").to_owned();
    let server = Server::start(&addr, vec![], OPEN).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    timeout_at(deadline, async {
        while *state.borrow_and_update() != LinkState::Up {
            state.changed().await.unwrap();
        }
    })
    .await
    .expect("the link is up again after the restart");
    let resumed = attached.frames.borrow_and_update().clone();
    assert!(
        !std::sync::Arc::ptr_eq(&resumed, &greyed),
        "a frame of the new server is shown"
    );
    cancel.cancel();
    attached.task.await.unwrap();
    server.stop().await;
}
