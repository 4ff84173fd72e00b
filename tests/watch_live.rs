//! `:add` / `:rm` at run time, end to end over loopback: the simulator serves every venue, the
//! session's feeds and watcher run as the app wires them, and an engine takes their events.
//! Adding a symbol brings its books live on every venue while the books already live carry on
//! untouched (no resync, no new snapshot, never out of `live`); removing it takes its books out
//! of the venues, the engine and the frame, and what the venues still send for them is dropped
//! quietly. Waits are bounded on events, in real time (real sockets).

use depthscope::config::Config;
use depthscope::config::watchlist::Edit;
use depthscope::control::{WatchApplied, WatchReply, WatchRequest};
use depthscope::engine::frame::{DataMode, Frame};
use depthscope::engine::{Engine, EngineSettings};
use depthscope::feed::event::{BookKey, MarketEvent, UpdateKind, WatchChange};
use depthscope::feed::health::{BookState, VenueCounters};
use depthscope::market::{VenueId, now_nanos};
use depthscope::session::feeds::{Sink, start_feeds};
use depthscope::session::watch::{WatchRegistry, Watcher};
use depthscope::sim::{SimConfig, start};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// What the feeds published, as the test needs it.
struct Watching {
    events: mpsc::Receiver<MarketEvent>,
    engine: Engine,
    /// Each book's base asset, from its instrument event.
    base: BTreeMap<BookKey, String>,
    state: BTreeMap<BookKey, BookState>,
    venues: BTreeMap<VenueId, VenueCounters>,
    /// Books removed by their venue, and entries unwatched, in arrival order.
    removed: Vec<BookKey>,
    unwatched: Vec<String>,
    /// Books of the base being watched for blips: times one left `live`, and snapshots
    /// published for it, after it first went live.
    steady: Option<String>,
    blips: Vec<String>,
    /// Snapshots published per book (the first is its sync).
    snapshots: BTreeMap<BookKey, u32>,
    /// Every event seen for a removed book after its removal.
    after_removal: Vec<String>,
}

impl Watching {
    fn apply(&mut self, event: MarketEvent) {
        let steady = |base: &BTreeMap<BookKey, String>, key: &BookKey, want: &Option<String>| {
            want.as_deref()
                .is_some_and(|w| base.get(key).is_some_and(|b| b == w))
        };
        let key = match &event {
            MarketEvent::Book(u) => Some(&u.key),
            MarketEvent::BookStatus(s) => Some(&s.key),
            MarketEvent::Trade(t) => Some(&t.key),
            MarketEvent::Derivs(d) => Some(&d.key),
            MarketEvent::Liquidation(l) => Some(&l.key),
            _ => None,
        };
        if let Some(key) = key
            && self.removed.contains(key)
        {
            self.after_removal.push(format!("{event:?}"));
        }
        match &event {
            MarketEvent::Instrument(i) => {
                let key = BookKey::new(i.venue, &i.id);
                self.removed.retain(|k| *k != key);
                self.base.insert(key, i.base.clone());
            }
            MarketEvent::BookStatus(s) => {
                let was_live = self.state.get(&s.key).is_some_and(BookState::is_live);
                if was_live && !s.state.is_live() && steady(&self.base, &s.key, &self.steady) {
                    self.blips
                        .push(format!("{} went {}", s.key, s.state.label()));
                }
                self.state.insert(s.key.clone(), s.state.clone());
            }
            // A venue whose every book message is a snapshot (Hyperliquid) resyncs nothing by
            // publishing one; its blips are the book leaving `live`, counted above.
            MarketEvent::Book(u)
                if u.kind == UpdateKind::Snapshot
                    && !u
                        .key
                        .venue
                        .adapter_spec()
                        .is_some_and(|a| a.snapshots_only()) =>
            {
                let seen = self.snapshots.entry(u.key.clone()).or_default();
                *seen += 1;
                if *seen > 1 && steady(&self.base, &u.key, &self.steady) {
                    self.blips
                        .push(format!("{} published a new snapshot", u.key));
                }
            }
            MarketEvent::Venue(v) => {
                self.venues.insert(v.venue, v.counters.clone());
            }
            MarketEvent::Watch(WatchChange::BookRemoved(key)) => {
                self.state.remove(key);
                self.removed.push(key.clone());
            }
            MarketEvent::Watch(WatchChange::Unwatch(entry)) => {
                self.unwatched.push(entry.clone());
            }
            _ => {}
        }
        self.engine.on_event(event);
    }

    /// The books of `base` (by their instrument event) still kept.
    fn books_of(&self, base: &str) -> Vec<&BookKey> {
        self.state
            .keys()
            .filter(|k| self.base.get(*k).is_some_and(|b| b == base))
            .collect()
    }

    fn live(&self, base: &str, books: usize) -> bool {
        let of = self.books_of(base);
        of.len() == books && of.iter().all(|k| self.state[*k].is_live())
    }

    /// Consume events until `done` holds, or fail after `within`.
    async fn until(&mut self, what: &str, within: Duration, done: impl Fn(&Watching) -> bool) {
        let deadline = Instant::now() + within;
        while !done(self) {
            let event = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!("{what}: not within {within:?}; states {:?}", self.state)
                })
                .expect("feeds running");
            self.apply(event);
        }
    }

    /// Consume events while the watcher applies `edit`, and its answer.
    async fn change(
        &mut self,
        watch: &mpsc::Sender<WatchRequest>,
        edit: Edit,
    ) -> Result<WatchApplied, String> {
        let (reply, mut replies) = mpsc::channel::<WatchReply>(1);
        watch.send(WatchRequest { edit, reply }).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            tokio::select! {
                reply = replies.recv() => return reply.expect("answered").outcome,
                event = self.events.recv() => self.apply(event.expect("feeds running")),
                () = tokio::time::sleep_until(deadline) => panic!("no answer within 20 s"),
            }
        }
    }

    fn resyncs(&self) -> u64 {
        self.venues.values().flat_map(|c| c.resyncs.values()).sum()
    }

    fn malformed(&self) -> u64 {
        self.venues.values().map(|c| c.malformed).sum()
    }

    fn frame(&mut self) -> Arc<Frame> {
        self.engine.tick(now_nanos())
    }
}

fn symbols(frame: &Frame) -> Vec<(String, Vec<String>)> {
    frame
        .symbols
        .iter()
        .map(|s| {
            let books = s.books.iter().map(|b| b.key.to_string()).collect();
            (s.symbol.clone(), books)
        })
        .collect()
}

/// The simulator serving `venues`, the session's feeds for `watched` with its watcher, and an
/// engine taking their events.
struct Running {
    w: Watching,
    watch: mpsc::Sender<WatchRequest>,
    cancel: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    sim: depthscope::sim::SimHandle,
}

async fn run(venues: Option<Vec<VenueId>>, watched: &[&str]) -> Running {
    let mut cfg = SimConfig::new(11);
    if let Some(venues) = venues {
        cfg.venues = venues;
    }
    let sim = start("127.0.0.1:0", cfg).await.expect("loopback");
    let options = sim.venue_options();
    let venues: Vec<VenueId> = options.keys().copied().collect();
    let (tx, events) = mpsc::channel(1 << 16);
    let cancel = CancellationToken::new();
    let registry = WatchRegistry::default();
    let watched: Vec<String> = watched.iter().map(|s| (*s).to_owned()).collect();
    let sink = Sink {
        events: tx.clone(),
        tap: None,
        echo_notes: false,
        resolved: None,
        watch: Some(registry.clone()),
    };
    let feeds = start_feeds(
        &Config::default(),
        &venues,
        &watched,
        &options,
        None,
        sink,
        &cancel,
    )
    .await;
    assert_eq!(feeds.tasks.len(), venues.len(), "{:?}", feeds.notes);
    let (watch, requests) = mpsc::channel(4);
    let watcher = Watcher::new(watched.clone(), venues, registry, tx);
    let mut tasks = feeds.tasks;
    tasks.push(tokio::spawn(watcher.serve(requests, cancel.clone())));
    let mut settings =
        EngineSettings::from_config(&Config::default(), DataMode::Simulated { seed: 11 });
    settings.symbols = watched;
    let w = Watching {
        events,
        engine: Engine::new(settings),
        base: BTreeMap::new(),
        state: BTreeMap::new(),
        venues: BTreeMap::new(),
        removed: Vec::new(),
        unwatched: Vec::new(),
        steady: None,
        blips: Vec::new(),
        snapshots: BTreeMap::new(),
        after_removal: Vec::new(),
    };
    Running {
        w,
        watch,
        cancel,
        tasks,
        sim,
    }
}

impl Running {
    async fn stop(self) {
        self.cancel.cancel();
        for task in self.tasks {
            task.await.unwrap();
        }
        self.sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symbols_added_and_removed_at_run_time_change_only_their_own_books() {
    let running = run(None, &["BTC"]).await;
    let venues: Vec<VenueId> = running.sim.venue_options().keys().copied().collect();
    let (mut w, watch) = (running.w, running.watch.clone());
    // BTC live on every venue (a spot book each, a perp where the venue has one).
    w.until("BTC live everywhere", Duration::from_secs(60), |w| {
        let btc = w.books_of("BTC");
        let venues_live: BTreeSet<VenueId> = btc
            .iter()
            .filter(|k| w.state[*k].is_live())
            .map(|k| k.venue)
            .collect();
        venues_live.len() == venues.len() && btc.iter().all(|k| w.state[*k].is_live())
    })
    .await;
    let btc_books = w.books_of("BTC").len();
    w.steady = Some("BTC".into());
    let resyncs = w.resyncs();
    assert!(w.books_of("SOL").is_empty());

    // An unknown symbol changes nothing and says why.
    let refused = w
        .change(&watch, Edit::Add("NOPE".into()))
        .await
        .unwrap_err();
    assert!(
        refused.contains("not listed on any watched venue"),
        "{refused}"
    );

    // Add SOL: its books go live on every venue.
    let applied = w
        .change(&watch, Edit::Add("SOL".into()))
        .await
        .expect("SOL added");
    assert!(applied.not_running.is_empty(), "{applied:?}");
    let changed: BTreeSet<VenueId> = applied.changed.iter().map(|(v, _)| *v).collect();
    assert_eq!(changed, venues.iter().copied().collect(), "{applied:?}");
    let sol_books: usize = applied.changed.iter().map(|(_, n)| n).sum();
    w.until("SOL live everywhere", Duration::from_secs(60), |w| {
        w.live("SOL", sol_books)
    })
    .await;
    let frame = w.frame();
    let shown = symbols(&frame);
    let sol = shown
        .iter()
        .find(|(s, _)| s == "SOL")
        .expect("SOL in the frame");
    assert_eq!(sol.1.len(), sol_books, "{shown:?}");
    assert_eq!(shown[0].0, "BTC", "watch-list order kept: {shown:?}");

    // Remove SOL: every SOL book leaves the venues, then the engine unwatches it.
    let applied = w
        .change(&watch, Edit::Remove("SOL".into()))
        .await
        .expect("SOL removed");
    let removed: usize = applied.changed.iter().map(|(_, n)| n).sum();
    assert_eq!(removed, sol_books, "{applied:?}");
    w.until("SOL unwatched", Duration::from_secs(10), |w| {
        w.unwatched == ["SOL"]
    })
    .await;
    assert_eq!(w.removed.len(), sol_books, "{:?}", w.removed);
    assert!(w.books_of("SOL").is_empty());
    let malformed = w.malformed();
    // A few more seconds of traffic: the venues' last SOL frames are dropped quietly, BTC goes on.
    let until = Instant::now() + Duration::from_secs(3);
    w.until("three more seconds", Duration::from_secs(10), |_| {
        Instant::now() >= until
    })
    .await;
    assert!(
        w.after_removal.is_empty(),
        "{:?}",
        &w.after_removal[..w.after_removal.len().min(3)]
    );
    assert_eq!(
        w.malformed(),
        malformed,
        "late frames of a removed book are not errors"
    );
    let frame = w.frame();
    let shown = symbols(&frame);
    assert!(
        shown
            .iter()
            .all(|(s, books)| s != "SOL" && books.iter().all(|b| !b.contains("SOL"))),
        "{shown:?}"
    );

    // Through all of it, BTC's books never blinked.
    assert!(w.blips.is_empty(), "{:?}", w.blips);
    assert_eq!(w.resyncs(), resyncs, "no resync counted");
    assert!(w.live("BTC", btc_books));
    let btc = shown.iter().find(|(s, _)| s == "BTC").expect("BTC shown");
    assert_eq!(btc.1.len(), btc_books);

    Running { w, ..running }.stop().await;
}

/// A venue with nothing to watch at start (the only entry names another venue's instrument)
/// starts its feed when a symbol it lists is added.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_venue_idle_at_start_starts_when_a_symbol_it_lists_is_added() {
    let mut running = run(Some(vec![VenueId::Okx, VenueId::Kraken]), &["okx:BTC-USDT"]).await;
    let w = &mut running.w;
    w.until("okx BTC-USDT live", Duration::from_secs(60), |w| {
        w.live("BTC", 1)
    })
    .await;
    let applied = w
        .change(&running.watch, Edit::Add("ETH".into()))
        .await
        .expect("ETH added");
    let changed: BTreeSet<VenueId> = applied.changed.iter().map(|(v, _)| *v).collect();
    // Kraken takes it as a change once running, or (still loading its instrument list) starts
    // with it.
    let starting = applied.not_running == [VenueId::Kraken];
    let want = if starting {
        BTreeSet::from([VenueId::Okx])
    } else {
        BTreeSet::from([VenueId::Okx, VenueId::Kraken])
    };
    assert_eq!(changed, want, "{applied:?}");
    w.until("ETH live on kraken", Duration::from_secs(60), |w| {
        w.books_of("ETH")
            .iter()
            .any(|k| k.venue == VenueId::Kraken && w.state[*k].is_live())
    })
    .await;
    running.stop().await;
}
