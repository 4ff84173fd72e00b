//! Record, then replay: a live run over the loopback venue, recorded through [`CaptureTap`] and
//! the [`Recorder`] as `--record` does, replays to the very books and trade count the live run
//! ended with. The scripted venue sends the real 2022 OKX recording (checksummed books,
//! trades), drops the connection halfway, and after the reconnect sends all of it again, so the
//! capture holds two connections, a close and the resubscription. Paused time, no sleeps
//! beyond letting every task go idle.

mod support;

use depthscope::capture::format::{EventKind, Payload};
use depthscope::capture::import::import_cryptofeed;
use depthscope::capture::replay::{BookReport, replay_report};
use depthscope::capture::tap::CaptureTap;
use depthscope::capture::{Capture, Recorder};
use depthscope::feed::adapter::{Adapter, ConnId, ConnSpec, Frame, Link, Output};
use depthscope::feed::driver::{Driver, DriverConfig};
use depthscope::feed::event::MarketEvent;
use depthscope::feed::runtime::{RuntimeConfig, run_venue};
use depthscope::feed::sync::BookSync;
use depthscope::instrument::guess;
use depthscope::market::{Nanos, VenueId};
use depthscope::venue::okx::Okx;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::loopback::{Pipes, accept, client_says, send};
use support::{TempPath, capture_path};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The live adapter, unchanged, handing its final books out when the runtime drops it (the
/// runtime owns the adapter, so this is how a test sees the books the live run ended with).
struct Observed {
    inner: Box<dyn Adapter>,
    last: Arc<Mutex<Vec<BookReport>>>,
}

impl Drop for Observed {
    fn drop(&mut self) {
        let books = self.inner.books().into_iter().map(BookReport::from);
        *self.last.lock().unwrap() = books.collect();
    }
}

impl Adapter for Observed {
    fn venue(&self) -> VenueId {
        self.inner.venue()
    }
    fn connections(&self) -> Vec<ConnSpec> {
        self.inner.connections()
    }
    fn on_open(&mut self, conn: ConnId, now: Nanos, out: &mut Output) {
        self.inner.on_open(conn, now, out)
    }
    fn on_sent(&mut self, conn: ConnId, text: &str) {
        self.inner.on_sent(conn, text)
    }
    fn on_frame(&mut self, conn: ConnId, frame: Frame<'_>, now: Nanos, out: &mut Output) {
        self.inner.on_frame(conn, frame, now, out)
    }
    fn on_rest(&mut self, url: &str, status: u16, body: &str, now: Nanos, out: &mut Output) {
        self.inner.on_rest(url, status, body, now, out)
    }
    fn on_close(&mut self, conn: ConnId, now: Nanos, out: &mut Output) {
        self.inner.on_close(conn, now, out)
    }
    fn on_link(&mut self, conn: ConnId, link: Link, now: Nanos, out: &mut Output) {
        self.inner.on_link(conn, link, now, out)
    }
    fn on_tick(&mut self, now: Nanos, out: &mut Output) {
        self.inner.on_tick(now, out)
    }
    fn books(&self) -> Vec<&BookSync> {
        self.inner.books()
    }
}

/// The frames a capture received, in order.
fn received(capture: &Capture) -> Vec<String> {
    let frames = capture.events.iter().filter_map(|e| match &e.kind {
        EventKind::Recv {
            payload: Payload::Text(text),
            ..
        } => Some(text.to_string()),
        _ => None,
    });
    frames.collect()
}

/// Lets every task run until all of them wait: under paused time the clock only moves once
/// nothing is left to do, so when this returns every frame sent has been handled.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test(start_paused = true)]
async fn a_recorded_loopback_run_replays_to_the_same_books_and_trades() {
    let Some(source) = capture_path("okx/cryptofeed_OKX.ws.1.0.txt") else {
        return;
    };
    // The recording's frames, read through an import rather than a second parser.
    let imported = TempPath::new("okx.ndjson");
    import_cryptofeed(&source, None, VenueId::Okx, &imported, "okx").unwrap();
    let frames = received(&Capture::read(&imported).unwrap());
    let half = frames.len() / 2;

    let recording = TempPath::new("loopback.ndjson.zst");
    let recorder = Recorder::create(&recording, "round trip", Recorder::DEFAULT_QUEUE).unwrap();
    let tap = Arc::new(CaptureTap::new(recorder.handle()));
    let instruments = ["BTC-USDT", "BTC-USD-220527", "UNI-USD-SWAP"]
        .map(|id| guess(VenueId::Okx, id))
        .to_vec();
    // REST (the swap's positioning polls) goes to a closed loopback port: no test leaves the
    // machine, and the refused polls are recorded like any answer.
    let okx = Okx::new(Some("ws://okx.test/ws/v5/public".into()))
        .with_rest(Some("http://127.0.0.1:9".into()));
    let driver = Driver::new(okx, DriverConfig::live(), instruments, Vec::new());
    let live_books = Arc::new(Mutex::new(Vec::new()));
    let adapter = Observed {
        inner: Box::new(driver),
        last: live_books.clone(),
    };
    let (pipes, mut incoming) = Pipes::new();
    let (events_tx, mut events) = mpsc::channel(1024);
    let cancel = CancellationToken::new();
    let venue = tokio::spawn(run_venue(
        Box::new(adapter),
        RuntimeConfig::default(),
        pipes.clone(),
        events_tx,
        Some(tap),
        cancel.clone(),
    ));
    // Counts the live trades until told to stop, then drops the receiver: the venue task ends
    // at its next publish, without handling anything more (no close is recorded after it).
    let stop = CancellationToken::new();
    let counting = tokio::spawn({
        let stop = stop.clone();
        async move {
            let mut trades = 0u64;
            loop {
                tokio::select! {
                    biased;
                    _ = stop.cancelled() => return trades,
                    event = events.recv() => match event {
                        Some(MarketEvent::Trade(_)) => trades += 1,
                        Some(_) => {}
                        None => return trades,
                    },
                }
            }
        }
    });

    // First connection: half the recording, then the venue drops it.
    let mut ws = accept(&mut incoming).await;
    assert!(client_says(&mut ws).await.contains(r#""op":"subscribe""#));
    for frame in &frames[..half] {
        send(&mut ws, frame).await;
    }
    drop(ws);
    // After the backoff the client dials again and resubscribes; now all of it.
    let mut ws = accept(&mut incoming).await;
    assert!(client_says(&mut ws).await.contains(r#""op":"subscribe""#));
    for frame in &frames {
        send(&mut ws, frame).await;
    }
    settle().await;
    stop.cancel();
    let live_trades = counting.await.unwrap();
    venue.await.unwrap();
    cancel.cancel();
    let stats = recorder.finish().await.unwrap();
    assert_eq!(stats.dropped, 0);
    assert_eq!(pipes.dials(), 2);

    // The capture tees every frame: two connections, one close, both halves' frames.
    let capture = Capture::read(&recording).unwrap();
    assert!(capture.errors.is_empty(), "{:?}", capture.errors);
    assert_eq!(received(&capture).len(), half + frames.len());
    let opens = capture
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Open { .. }));
    let closes = capture
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Close { .. }));
    assert_eq!((opens.count(), closes.count()), (2, 1));

    let report = replay_report(&recording, 1, Vec::new()).unwrap();
    // The refused polls replay as what they were; nothing else is an error.
    let (polls, errors): (Vec<_>, Vec<_>) = report
        .errors
        .iter()
        .partition(|e| e.contains("REST http://127.0.0.1:9/api/v5/rubik/"));
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(!polls.is_empty(), "the swap's positioning was polled");
    assert_eq!(report.trades, live_trades);
    assert!(live_trades > 74, "both passes' trades ({live_trades})");
    let mut replayed = report.books;
    let mut live = live_books.lock().unwrap().clone();
    for books in [&mut replayed, &mut live] {
        books.sort_by(|a, b| a.instrument.cmp(&b.instrument));
    }
    assert_eq!(live.len(), 3);
    for book in &live {
        assert!(book.valid && book.bids.len() == 25 && book.asks.len() == 25);
        assert_eq!(book.checksum_fail, 0, "{}", book.instrument);
    }
    assert_eq!(replayed, live);
    let checksums: u64 = live.iter().map(|b| b.checksum_ok).sum();
    assert!(checksums > 290, "both passes' checksums ({checksums})");
}
