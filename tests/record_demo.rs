//! `--record` against the simulator, as the app wires it: the recording carries the instrument
//! lists fetched at start, so it replays anywhere — Kraken's checksums need the pair
//! precisions, which only the list gives — with every checksum verified and no error.

mod support;

use depthscope::capture::Recorder;
use depthscope::capture::replay::replay_report;
use depthscope::capture::tap::CaptureTap;
use depthscope::config::Config;
use depthscope::feed::event::MarketEvent;
use depthscope::feed::health::BookState;
use depthscope::market::VenueId;
use depthscope::session::feeds::{Sink, start_feeds};
use depthscope::sim::{SimConfig, start};
use std::sync::Arc;
use std::time::Duration;
use support::TempPath;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_demo_session_replays_without_the_local_instrument_cache() {
    let sim = start(
        "127.0.0.1:0",
        SimConfig {
            venues: vec![VenueId::Kraken],
            ..SimConfig::new(9)
        },
    )
    .await
    .expect("loopback");
    let path = TempPath::new("demo.ndjson.zst");
    let recorder = Recorder::create(&path, "test", Recorder::DEFAULT_QUEUE).unwrap();
    let (tx, mut events) = mpsc::channel(4096);
    let cancel = CancellationToken::new();
    let sink = Sink {
        events: tx,
        tap: Some(Arc::new(CaptureTap::new(recorder.handle()))),
        echo_notes: false,
        resolved: None,
        watch: None,
    };
    let feeds = start_feeds(
        &Config::default(),
        &[VenueId::Kraken],
        &["BTC".to_owned()],
        &sim.venue_options(),
        None,
        sink,
        &cancel,
    )
    .await;
    assert_eq!(feeds.tasks.len(), 1, "{:?}", feeds.notes);

    // Live, then a few dozen BTC/USD updates on top.
    let (mut live, mut updates) = (false, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !(live && updates >= 30) {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("live and updating within 30 s")
            .expect("feeding");
        match event {
            MarketEvent::BookStatus(s) => live |= s.state == BookState::Live,
            MarketEvent::Book(u) if live && &*u.key.instrument == "BTC/USD" => updates += 1,
            _ => {}
        }
    }
    cancel.cancel();
    for task in feeds.tasks {
        task.await.unwrap();
    }
    recorder.finish().await.unwrap();
    sim.shutdown().await;

    // No registry: everything the replay knows of the instruments is in the file.
    let report = replay_report(&path, 1, Vec::new()).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // BTC/USD, and the USDT/USD and USDC/USD rate books a USD pair brings along.
    let mut ids: Vec<(VenueId, &str)> = report
        .books
        .iter()
        .map(|b| (b.venue, b.instrument.as_str()))
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            (VenueId::Kraken, "BTC/USD"),
            (VenueId::Kraken, "USDC/USD"),
            (VenueId::Kraken, "USDT/USD")
        ]
    );
    assert!(report.books.iter().all(|b| b.checksum_fail == 0));
    let book = &report.books[0];
    assert!(book.checksum_ok >= 30, "{}", book.checksum_ok);
}
