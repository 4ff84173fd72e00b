//! Live start with no network: a venue whose instrument list cannot be fetched (and is not
//! cached) is retried with backoff, its state reaching the engine as `BACKOFF`, and its books go
//! live as soon as the venue answers: the feed never ends by itself.

use depthscope::config::Config;
use depthscope::feed::event::MarketEvent;
use depthscope::feed::health::{BookState, ConnState};
use depthscope::market::{VenueId, now_nanos};
use depthscope::session::feeds::{Sink, start_feeds};
use depthscope::sim::{SimConfig, start, venue_options};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout_at};
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_venue_is_retried_until_it_serves_and_its_books_go_live() {
    // A loopback port nobody listens on: connections are refused until the simulator starts.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("loopback");
    let venue = VenueId::Okx;
    let options = BTreeMap::from([(venue, venue_options(addr, venue))]);
    let (tx, mut events) = mpsc::channel(1 << 14);
    let cancel = CancellationToken::new();
    let sink = Sink {
        events: tx,
        tap: None,
        echo_notes: false,
        resolved: None,
        watch: None,
    };
    let feeds = start_feeds(
        &Config::default(),
        &[venue],
        &["BTC".to_owned()],
        &options,
        None,
        sink,
        &cancel,
    )
    .await;
    assert_eq!(feeds.tasks.len(), 1, "{:?}", feeds.notes);

    // Refused twice, each time announced as a backoff with the next attempt ahead.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut refused = 0;
    while refused < 2 {
        let event = timeout_at(deadline, events.recv())
            .await
            .expect("a backoff within 30 s")
            .expect("the feed is still running");
        if let MarketEvent::Venue(v) = event {
            let ConnState::Backoff { until, reason } = &v.state else {
                panic!("unexpected state before the venue answers: {:?}", v.state);
            };
            assert!(*until > now_nanos() - 1_000_000_000, "{until}");
            assert!(reason.contains("instrument list"), "{reason}");
            refused += 1;
        }
    }

    // The venue comes up on that port: its books go live without a restart.
    let sim = start(
        &addr.to_string(),
        SimConfig {
            venues: vec![venue],
            ..SimConfig::new(5)
        },
    )
    .await
    .expect("the port is free again");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut live = std::collections::BTreeSet::new();
    while live.len() < 2 {
        let event = timeout_at(deadline, events.recv())
            .await
            .expect("spot and swap live within 60 s of the venue answering")
            .expect("the feed is still running");
        if let MarketEvent::BookStatus(s) = event
            && s.state == BookState::Live
        {
            live.insert(s.key.instrument.to_string());
        }
    }
    assert_eq!(
        live.into_iter().collect::<Vec<_>>(),
        ["BTC-USDT", "BTC-USDT-SWAP"]
    );
    cancel.cancel();
    for task in feeds.tasks {
        task.await.unwrap();
    }
    sim.shutdown().await;
}
