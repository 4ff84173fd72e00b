//! Load on `depthscope serve --demo` over loopback: SSE readers and a steady rate of REST
//! requests for a bounded time, reporting REST latency percentiles, SSE delivery latency (tick
//! timestamp to receipt), dropped readers, and the server process's CPU (above its idle figure)
//! and peak RSS from `/proc`.
//!
//! `cargo bench --bench serve_load` (defaults: 200 readers, 500 requests/s, 60 s; override with
//! `LOAD_READERS`, `LOAD_RPS`, `LOAD_SECONDS`; `LOAD_DEMO=warm` for the warm demo). The server runs as its own process, the release
//! build of the binary, so its CPU is measured apart from the load generator's.

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

        let delivery = Arc::new(Mutex::new(Vec::<f64>::new()));
        let events = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        let stop_at = Instant::now() + Duration::from_secs(seconds);
        for _ in 0..readers {
            let (client, url) = (client.clone(), format!("{base}/v1/stream"));
            let (delivery, events) = (delivery.clone(), events.clone());
            tasks.push(tokio::spawn(async move {
                let Ok(mut response) = client.get(url).send().await else {
                    return;
                };
                // Events are about 120 kB with 21 books: the reader keeps bytes and scans only
                // what arrived since its last look, so the load generator does not rescan each
                // event once per chunk (that cost was measured as server latency before).
                let mut buffer: Vec<u8> = Vec::new();
                let mut scanned = 0;
                let mut local = Vec::new();
                while Instant::now() < stop_at {
                    let Ok(Ok(Some(chunk))) =
                        tokio::time::timeout(Duration::from_secs(5), response.chunk()).await
                    else {
                        break;
                    };
                    let received = SystemTime::now();
                    buffer.extend_from_slice(&chunk);
                    while let Some(end) = find(&buffer[scanned..], b"\n\n").map(|i| scanned + i) {
                        let stamp = find(&buffer[..end], b"\"timestamp\":\"")
                            .and_then(|at| buffer.get(at + 13..at + 37))
                            .and_then(|text| std::str::from_utf8(text).ok())
                            .and_then(|text| humantime::parse_rfc3339(text).ok());
                        if let Some(t) = stamp {
                            if let Ok(d) = received.duration_since(t) {
                                local.push(d.as_secs_f64() * 1000.0);
                            }
                            events.fetch_add(1, Ordering::Relaxed);
                        }
                        buffer.drain(..end + 2);
                        scanned = 0;
                    }
                    scanned = buffer.len().saturating_sub(1);
                }
                delivery.lock().await.extend(local);
            }));
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
        for t in tasks {
            let _ = t.await;
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
        let mut sse = delivery.lock().await.clone();
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
                "requests_per_s_target": rps,
                "seconds": seconds,
                "requests_sent": sent,
                "requests_ok": rest.len(),
                "requests_failed": failures,
                "rest_latency_ms": {"p50": percentile(&rest, 0.5), "p99": percentile(&rest, 0.99)},
                "sse_events": events.load(Ordering::Relaxed),
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
