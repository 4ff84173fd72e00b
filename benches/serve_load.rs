//! Load on `depthscope serve --demo` over loopback: SSE readers and a steady rate of REST
//! requests for a bounded time, reporting REST latency percentiles, SSE delivery latency (tick
//! timestamp to receipt), dropped readers, and the server process's CPU (above its idle figure)
//! and peak RSS from `/proc`.
//!
//! `cargo bench --bench serve_load` (defaults: 200 readers, 500 requests/s, 60 s; override with
//! `LOAD_READERS`, `LOAD_RPS`, `LOAD_SECONDS`; `LOAD_DEMO=warm` for the warm demo;
//! `LOAD_ENCODING=identity` for readers that do not accept gzip, as `curl` without
//! `--compressed`). The server runs as its own process, the release build of the binary, so its
//! CPU is measured apart from the load generator's.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::Mutex;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// utime + stime of `pid`, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the name; 100 ticks a second.
    (ticks(11) + ticks(12)) / 100.0
}

fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The first position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

fn ms_between(sent: SystemTime, got: SystemTime) -> f64 {
    got.duration_since(sent)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// A reader that takes the stream as sent: it finds each event's end and reads its `seq` and
/// `timestamp`, and returns `(seq, timestamp, arrival of its last byte)` per tick.
///
/// Events are about 300 kB with 53 books: the reader keeps bytes and scans only what arrived
/// since its last look, so the load generator does not rescan each event once per chunk (that
/// cost was measured as server latency before).
async fn plain_reader(
    request: reqwest::RequestBuilder,
    stop_at: Instant,
) -> Vec<(u64, SystemTime, SystemTime)> {
    let mut ticks = Vec::new();
    let mut buffer: Vec<u8> = Vec::new();
    let mut scanned = 0;
    each_chunk(request, stop_at, |chunk, received| {
        buffer.extend_from_slice(chunk);
        while let Some(end) = find(&buffer[scanned..], b"\n\n").map(|i| scanned + i) {
            let event = &buffer[..end];
            let stamp = find(event, b"\"timestamp\":\"")
                .and_then(|at| event.get(at + 13..at + 37))
                .and_then(|text| std::str::from_utf8(text).ok())
                .and_then(|text| humantime::parse_rfc3339(text).ok());
            let seq = find(event, b"\"seq\":").and_then(|at| {
                let digits = &event[at + 6..];
                let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
                std::str::from_utf8(&digits[..n]).ok()?.parse().ok()
            });
            if let (Some(t), Some(seq)) = (stamp, seq) {
                ticks.push((seq, t, received));
            }
            buffer.drain(..end + 2);
            scanned = 0;
        }
        scanned = buffer.len().saturating_sub(1);
    })
    .await;
    ticks
}

/// Sends `request` and hands each chunk of the response to `on_chunk` with its arrival time,
/// until `stop_at` or 5 s without one.
async fn each_chunk(
    request: reqwest::RequestBuilder,
    stop_at: Instant,
    mut on_chunk: impl FnMut(&[u8], SystemTime),
) {
    let Ok(mut response) = request.send().await else {
        return;
    };
    while Instant::now() < stop_at {
        let Ok(Ok(Some(chunk))) =
            tokio::time::timeout(Duration::from_secs(5), response.chunk()).await
        else {
            break;
        };
        on_chunk(&chunk, SystemTime::now());
    }
}

/// Every piece of the server's gzip stream ends with a sync flush, whose empty stored block is
/// these bytes: where they arrive, an event's last byte arrived.
const SYNC_FLUSH: &[u8] = &[0, 0, 0xff, 0xff];

/// A reader that accepts gzip and returns when each event's last byte arrived, without
/// inflating: 200 readers inflating 300 kB a tick each on the server's own two cores measured
/// the load generator (p50 50–60 ms), and a remote reader inflates on its own machine. The
/// events are matched to the ticks by order against the plain clock reader.
async fn gzip_reader(request: reqwest::RequestBuilder, stop_at: Instant) -> Vec<SystemTime> {
    let mut arrivals = Vec::new();
    let mut tail: Vec<u8> = Vec::new();
    each_chunk(request, stop_at, |chunk, received| {
        // A marker split across chunks: the last three bytes before and the first three now.
        tail.extend_from_slice(&chunk[..chunk.len().min(3)]);
        let found = memchr::memmem::find_iter(&tail, SYNC_FLUSH).count()
            + memchr::memmem::find_iter(chunk, SYNC_FLUSH).count();
        arrivals.extend(std::iter::repeat_n(received, found));
        tail.clear();
        tail.extend_from_slice(&chunk[chunk.len().saturating_sub(3)..]);
    })
    .await;
    arrivals
}

/// A gzip reader's delivery times: its first event is the newest tick the clock saw by its
/// arrival, and each later event the next tick (the server sends every tick to every reader
/// that keeps up). Arrivals before their tick's time are counted as unmatched, not measured.
fn gzip_delays(
    clock: &[(u64, SystemTime, SystemTime)],
    arrivals: &[SystemTime],
) -> (Vec<f64>, usize) {
    let Some(first) = arrivals.first() else {
        return (Vec::new(), 0);
    };
    let start = clock.partition_point(|(_, sent, _)| sent <= first);
    let Some(start) = start.checked_sub(1) else {
        return (Vec::new(), arrivals.len());
    };
    let mut delays = Vec::new();
    let mut unmatched = 0;
    for (got, (_, sent, _)) in arrivals.iter().zip(&clock[start..]) {
        match got.duration_since(*sent) {
            Ok(d) => delays.push(d.as_secs_f64() * 1000.0),
            Err(_) => unmatched += 1,
        }
    }
    unmatched += arrivals.len().saturating_sub(clock.len() - start);
    (delays, unmatched)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// The server's config: a rate limit above the load, as anyone serving this many requests
/// would set it (the defaults, 600 a minute and 10 a second per key, would answer most of the
/// load with 429 and measure the limiter instead of the server).
fn config_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("depthscope-load-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        "[serve]\nrequests_per_minute = 1000000\nburst_per_second = 100000\n",
    )
    .expect("temp config written");
    path
}

/// `serve --demo`, cold by default (`LOAD_DEMO=warm` builds the simulated past day first): the
/// warm demo's peak memory is the past's build, not the server's.
fn start_server(port: u16, config: &std::path::Path) -> Child {
    let warm = std::env::var("LOAD_DEMO").is_ok_and(|v| v == "warm");
    let mut args = vec!["serve", "--demo", "--no-history"];
    if warm {
        args.retain(|a| *a != "--no-history");
    }
    Command::new(env!("CARGO_BIN_EXE_depthscope"))
        .args(&args)
        .arg("--config")
        .arg(config)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("depthscope serve starts")
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no arguments of its own.
    let readers = env_or("LOAD_READERS", 200) as usize;
    let rps = env_or("LOAD_RPS", 500);
    let seconds = env_or("LOAD_SECONDS", 60);
    let port = 18_000 + (std::process::id() % 1000) as u16;
    let config = config_file();
    let mut server = start_server(port, &config);
    let pid = server.id();
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let ready = Instant::now();
        while client
            .get(format!("{base}/v1/health"))
            .send()
            .await
            .is_err()
        {
            assert!(
                ready.elapsed() < Duration::from_secs(30),
                "server did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Let the demo's books go live, then measure the idle CPU for as long as the load runs.
        tokio::time::sleep(Duration::from_secs(5)).await;
        let idle_window = Duration::from_secs(seconds.min(20));
        let c0 = cpu_seconds(pid);
        tokio::time::sleep(idle_window).await;
        let idle_cpu = (cpu_seconds(pid) - c0) / idle_window.as_secs_f64();

        let gzip = std::env::var("LOAD_ENCODING").map_or(true, |v| v != "identity");
        // Neither kind of reader lets reqwest decode: a plain reader asks for no encoding, and a
        // gzip reader's bytes are counted, not inflated (see `gzip_reader`).
        let readers_client = reqwest::Client::builder().no_gzip().build().unwrap();
        let stop_at = Instant::now() + Duration::from_secs(seconds);
        let mut plain = Vec::new();
        let mut zipped = Vec::new();
        for i in 0..readers {
            let request = readers_client.get(format!("{base}/v1/stream"));
            // With gzip readers, the first reader stays plain: it is the clock that reads every
            // tick's timestamp.
            if gzip && i > 0 {
                let request = request.header("accept-encoding", "gzip");
                zipped.push(tokio::spawn(gzip_reader(request, stop_at)));
            } else {
                plain.push(tokio::spawn(plain_reader(request, stop_at)));
            }
        }
        let c1 = cpu_seconds(pid);
        let load_started = Instant::now();
        let paths = [
            "/v1/orderbook/features/BTC",
            "/v1/orderbook/composite/ETH",
            "/v1/flow/cvd/BTC",
            "/v1/books/okx/BTC-USDT?depth=20",
            "/v1/health",
        ];
        // The requests run on a runtime of their own: queued behind 200 readers' parsing on
        // the readers' runtime, their latency measured the load generator, not the server.
        let rest_base = base.clone();
        let rest = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let client = reqwest::Client::new();
                let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
                let failures = Arc::new(AtomicU64::new(0));
                let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rps as f64));
                let mut sent = 0usize;
                let mut requests = Vec::new();
                while Instant::now() < stop_at {
                    ticker.tick().await;
                    let url = format!("{rest_base}{}", paths[sent % paths.len()]);
                    sent += 1;
                    let (client, latencies, failures) =
                        (client.clone(), latencies.clone(), failures.clone());
                    requests.push(tokio::spawn(async move {
                        let t = Instant::now();
                        let ok = match client.get(url).send().await {
                            Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                            _ => false,
                        };
                        if ok {
                            let ms = t.elapsed().as_secs_f64() * 1000.0;
                            latencies.lock().await.push(ms);
                        } else {
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }));
                }
                for r in requests {
                    let _ = r.await;
                }
                let latencies = latencies.lock().await.clone();
                (latencies, failures.load(Ordering::Relaxed), sent)
            })
        });
        let (mut rest, failures, sent) = tokio::task::spawn_blocking(move || rest.join())
            .await
            .unwrap()
            .expect("the request thread");
        let load_secs = load_started.elapsed().as_secs_f64();
        let load_cpu = (cpu_seconds(pid) - c1) / load_secs;
        let mut sse = Vec::new();
        let mut events = 0;
        let mut clock = Vec::new();
        for (i, t) in plain.into_iter().enumerate() {
            let ticks = t.await.unwrap_or_default();
            events += ticks.len();
            sse.extend(ticks.iter().map(|(_, sent, got)| ms_between(*sent, *got)));
            if i == 0 {
                clock = ticks;
            }
        }
        let mut misattributed = 0;
        for t in zipped {
            let arrivals = t.await.unwrap_or_default();
            events += arrivals.len();
            let (delays, wrong) = gzip_delays(&clock, &arrivals);
            sse.extend(delays);
            misattributed += wrong;
        }
        let health_body = client
            .get(format!("{base}/v1/health"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let health: serde_json::Value = serde_json::from_slice(&health_body).unwrap_or_default();
        rest.sort_by(f64::total_cmp);
        sse.sort_by(f64::total_cmp);
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        println!(
            "{}",
            serde_json::json!({
                "at_unix_s": unix,
                "readers": readers,
                "sse_encoding": if gzip { "gzip" } else { "identity" },
                "requests_per_s_target": rps,
                "seconds": seconds,
                "requests_sent": sent,
                "requests_ok": rest.len(),
                "requests_failed": failures,
                "rest_latency_ms": {"p50": percentile(&rest, 0.5), "p99": percentile(&rest, 0.99)},
                "sse_events": events,
                "sse_gzip_arrivals_unmatched": misattributed,
                "sse_clock_gaps": clock.windows(2).filter(|w| w[1].0 != w[0].0 + 1).count(),
                "sse_delivery_ms": {"p50": percentile(&sse, 0.5), "p99": percentile(&sse, 0.99)},
                "dropped_readers": health["stream"]["dropped_readers"],
                "server_cpu_idle_share_of_core": idle_cpu,
                "server_cpu_loaded_share_of_core": load_cpu,
                "server_cpu_added_share_of_core": load_cpu - idle_cpu,
                "server_peak_rss_mb": peak_rss_mb(pid),
            })
        );
    });
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_file(&config);
}
