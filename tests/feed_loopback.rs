//! The live runtime end to end, over in-memory pipes under paused time: a scripted venue
//! server drives an adapter through connect → sync → live → injected gap → resync → live, and
//! through a dropped connection → reconnect. No network, no sleeps: tokio's clock
//! only moves when every task is waiting.

mod support;

use depthscope::feed::driver::{Driver, DriverConfig};
use depthscope::feed::event::MarketEvent;
use depthscope::feed::health::{BookState, ConnState};
use depthscope::feed::runtime::{RuntimeConfig, run_venue};
use depthscope::instrument::guess;
use depthscope::market::VenueId;
use depthscope::venue::okx::Okx;
use futures_util::StreamExt;
use std::time::Duration;
use support::loopback::{Pipes, accept, client_says, send};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

fn book(action: &str, prev: i64, seq: i64, bid: &str) -> String {
    format!(
        r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"{action}","data":[{{"asks":[["101","2","0","1"]],"bids":[["100","{bid}","0","1"]],"ts":"1700000000000","checksum":0,"prevSeqId":{prev},"seqId":{seq}}}]}}"#
    )
}

/// Everything observable, in order: book states and venue states.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Book(&'static str),
    Venue(&'static str),
}

async fn next_state(events: &mut mpsc::Receiver<MarketEvent>, want: Seen) -> Vec<Seen> {
    let mut seen = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(600), events.recv())
            .await
            .unwrap_or_else(|_| panic!("no {want:?} within 600 s (virtual); saw {seen:?}"))
            .expect("venue task alive");
        let s = match event {
            MarketEvent::BookStatus(b) => Seen::Book(b.state.label()),
            MarketEvent::Venue(v) => Seen::Venue(v.state.label()),
            _ => continue,
        };
        if seen.last() != Some(&s) {
            seen.push(s.clone());
        }
        if s == want {
            return seen;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn okx_syncs_resyncs_on_a_gap_and_reconnects_after_a_drop() {
    let (pipes, mut incoming) = Pipes::new();
    let (events_tx, mut events) = mpsc::channel(1024);
    let cancel = CancellationToken::new();
    let driver = Driver::new(
        Okx::new(Some("ws://okx.test/ws/v5/public".into())),
        DriverConfig::live(),
        vec![guess(VenueId::Okx, "BTC-USDT")],
        Vec::new(),
    );
    let venue = tokio::spawn(run_venue(
        Box::new(driver),
        RuntimeConfig::default(),
        pipes.clone(),
        events_tx,
        None,
        cancel.clone(),
    ));

    // connect → subscribe → snapshot → live
    let mut ws = accept(&mut incoming).await;
    let sub = client_says(&mut ws).await;
    assert!(
        sub.contains(r#""op":"subscribe""#) && sub.contains("BTC-USDT"),
        "{sub}"
    );
    send(&mut ws, &book("snapshot", -1, 10, "3")).await;
    send(&mut ws, &book("update", 10, 11, "4")).await;
    let seen = next_state(&mut events, Seen::Book("live")).await;
    assert!(seen.contains(&Seen::Book("syncing")), "{seen:?}");

    // injected gap → resync by unsubscribe + subscribe → new snapshot → live
    send(&mut ws, &book("update", 13, 14, "5")).await;
    next_state(&mut events, Seen::Book("resyncing")).await;
    assert!(client_says(&mut ws).await.contains(r#""op":"unsubscribe""#));
    assert!(client_says(&mut ws).await.contains(r#""op":"subscribe""#));
    send(&mut ws, &book("snapshot", -1, 20, "6")).await;
    next_state(&mut events, Seen::Book("live")).await;

    // dropped connection → down → backoff → reconnect → live again
    let dropped_at = tokio::time::Instant::now();
    drop(ws);
    let seen = next_state(&mut events, Seen::Venue("backoff")).await;
    assert!(seen.contains(&Seen::Book("down")), "{seen:?}");
    let mut ws = accept(&mut incoming).await;
    // The connection's book was live: the retry goes at once (no jitter), and OKX's limit of
    // 3 dials a second has room for a second dial (the window itself: `feed::backoff` tests).
    assert!(
        dropped_at.elapsed() < Duration::from_millis(334),
        "OKX reconnects at once after a live connection: {:?}",
        dropped_at.elapsed()
    );
    assert!(client_says(&mut ws).await.contains(r#""op":"subscribe""#));
    send(&mut ws, &book("snapshot", -1, 30, "7")).await;
    next_state(&mut events, Seen::Book("live")).await;
    assert_eq!(pipes.dials(), 2);

    // the counters tell the story: one gap resync, two connects, one disconnect
    let counters = loop {
        match events.recv().await.expect("alive") {
            MarketEvent::Venue(v) if v.state == ConnState::Live => break v.counters,
            _ => {}
        }
    };
    assert_eq!(counters.resyncs.get("gap"), Some(&1));
    assert_eq!((counters.connects, counters.disconnects), (2, 1));
    assert_eq!(counters.malformed, 0);

    cancel.cancel();
    venue.await.expect("venue task ends cleanly");
}

#[tokio::test(start_paused = true)]
async fn a_silent_socket_is_reconnected_by_the_watchdog() {
    let (pipes, mut incoming) = Pipes::new();
    let (events_tx, mut events) = mpsc::channel(1024);
    let cancel = CancellationToken::new();
    let driver = Driver::new(
        Okx::new(Some("ws://okx.test/ws/v5/public".into())),
        DriverConfig::live(),
        vec![guess(VenueId::Okx, "BTC-USDT")],
        Vec::new(),
    );
    tokio::spawn(run_venue(
        Box::new(driver),
        RuntimeConfig::default(),
        pipes.clone(),
        events_tx,
        None,
        cancel.clone(),
    ));
    let mut ws = accept(&mut incoming).await;
    client_says(&mut ws).await;
    // Acknowledge nothing, send nothing: first the snapshot watchdog resyncs the book
    // (resubscribing), then the silence watchdog gives up on the socket.
    let seen = next_state(&mut events, Seen::Book("resyncing")).await;
    assert!(!seen.contains(&Seen::Book("live")));
    next_state(&mut events, Seen::Venue("backoff")).await;
    let _second = accept(&mut incoming).await;
    assert_eq!(pipes.dials(), 2);
    let state = loop {
        if let MarketEvent::BookStatus(b) = events.recv().await.expect("alive") {
            break b.state;
        }
    };
    assert!(matches!(
        state,
        BookState::Syncing | BookState::Down | BookState::Resyncing(_)
    ));
    cancel.cancel();
}

/// OKX announces a service upgrade (notice 64008): the client opens a second connection,
/// brings the book live on it while the first keeps it live on screen, switches over, and
/// closes the first. No state other than `live` is ever published, and nothing is redialled.
#[tokio::test(start_paused = true)]
async fn okx_planned_restart_hands_over_without_a_gap() {
    let (pipes, mut incoming) = Pipes::new();
    let (events_tx, mut events) = mpsc::channel(1024);
    let cancel = CancellationToken::new();
    let driver = Driver::new(
        Okx::new(Some("ws://okx.test/ws/v5/public".into())),
        DriverConfig::live(),
        vec![guess(VenueId::Okx, "BTC-USDT")],
        Vec::new(),
    );
    tokio::spawn(run_venue(
        Box::new(driver),
        RuntimeConfig::default(),
        pipes.clone(),
        events_tx,
        None,
        cancel.clone(),
    ));
    let mut old = accept(&mut incoming).await;
    client_says(&mut old).await;
    send(&mut old, &book("snapshot", -1, 10, "3")).await;
    next_state(&mut events, Seen::Book("live")).await;

    send(
        &mut old,
        r#"{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a4d3ae55"}"#,
    )
    .await;
    let mut new = accept(&mut incoming).await;
    let sub = client_says(&mut new).await;
    assert!(
        sub.contains(r#""op":"subscribe""#) && sub.contains("BTC-USDT"),
        "{sub}"
    );
    // The old connection still carries the book while the new one syncs.
    send(&mut old, &book("update", 10, 11, "4")).await;
    send(&mut new, &book("snapshot", -1, 50, "9")).await;

    // Switched: every state published was live, the book was republished whole from the new
    // connection, and the venue counts one handover.
    let mut snapshot_bid = None;
    let mut states = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(60), events.recv())
            .await
            .expect("the switch within 60 s (virtual)")
            .expect("venue task alive");
        match event {
            MarketEvent::BookStatus(b) => states.push(b.state.label()),
            MarketEvent::Venue(v) => {
                states.push(v.state.label());
                if v.counters.handovers == 1 {
                    break;
                }
            }
            MarketEvent::Book(u) if u.kind == depthscope::feed::event::UpdateKind::Snapshot => {
                snapshot_bid = u.changes.iter().find(|c| c.price == 100.0).map(|c| c.size);
            }
            _ => {}
        }
    }
    assert!(states.iter().all(|s| *s == "live"), "{states:?}");
    assert_eq!(
        snapshot_bid,
        Some(9.0),
        "the new connection's book is on screen"
    );

    // The client closes the old connection itself, and keeps the new one.
    let closed = loop {
        match old.next().await {
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break true,
            Some(Ok(_)) => {}
        }
    };
    assert!(closed);
    drop(old);
    send(&mut new, &book("update", 50, 51, "10")).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(pipes.dials(), 2, "the old connection is not redialled");
    let mut later = Vec::new();
    while let Ok(event) = events.try_recv() {
        match event {
            MarketEvent::BookStatus(b) => later.push(b.state.label()),
            MarketEvent::Venue(v) => later.push(v.state.label()),
            _ => {}
        }
    }
    assert!(
        !later.is_empty() && later.iter().all(|s| *s == "live"),
        "{later:?}"
    );
    cancel.cancel();
}
