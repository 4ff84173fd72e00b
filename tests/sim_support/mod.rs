//! Running the real adapters against the simulator over loopback TCP, and watching what they
//! publish: states, counters, every resync with its reason, and a mirror of each book built
//! from the published updates (to prove no crossed book is ever published as live).

#![allow(dead_code)] // each test binary uses part of this

use depthscope::feed::driver::DriverConfig;
use depthscope::feed::event::{MarketEvent, UpdateKind, WatchChange};
use depthscope::feed::health::{BookCounters, BookState, ConnState, VenueCounters};
use depthscope::feed::runtime::{RuntimeConfig, Tcp, run_venue};
use depthscope::instrument::catalog::Catalog;
use depthscope::integrity::ResyncReason;
use depthscope::market::{Side, VenueId};
use depthscope::sim::faults::{FaultReport, Reveal};
use depthscope::venue::registry::{self, VenueOptions};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// One book as the adapter published it.
#[derive(Debug, Default)]
pub struct BookObs {
    pub state: Option<BookState>,
    pub counters: BookCounters,
    /// Price bits → size, from the published updates.
    pub bids: BTreeMap<u64, f64>,
    pub asks: BTreeMap<u64, f64>,
    /// Book updates published since the book last went live.
    pub updates_live: u64,
    pub updates: u64,
}

impl BookObs {
    pub fn live(&self) -> bool {
        self.state.as_ref().is_some_and(BookState::is_live)
    }
}

/// A resync the adapter reported, with its reason.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Detection {
    pub instrument: String,
    pub reason: String,
}

/// Everything one venue's adapter published.
#[derive(Debug, Default)]
pub struct Observed {
    pub books: BTreeMap<String, BookObs>,
    pub venue: VenueCounters,
    pub conn: Option<ConnState>,
    /// Each transition into `Resyncing`, in order.
    pub detections: Vec<(String, ResyncReason)>,
    /// Books published as live while crossed or locked: must stay empty.
    pub crossed_live: Vec<String>,
    pub trades: u64,
    pub liquidations: u64,
    pub derivs: u64,
    pub events: u64,
}

fn key(price: f64) -> u64 {
    price.to_bits() // prices are positive, so bit order is price order
}

impl Observed {
    pub fn apply(&mut self, event: MarketEvent) {
        self.events += 1;
        match event {
            MarketEvent::Book(u) => {
                let book = self.books.entry(u.key.instrument.to_string()).or_default();
                if u.kind == UpdateKind::Snapshot {
                    book.bids.clear();
                    book.asks.clear();
                }
                for c in &u.changes {
                    let side = match c.side {
                        Side::Bid => &mut book.bids,
                        Side::Ask => &mut book.asks,
                    };
                    if c.size == 0.0 {
                        side.remove(&key(c.price));
                    } else {
                        side.insert(key(c.price), c.size);
                    }
                }
                book.updates += 1;
                book.updates_live += 1;
                if let (Some((b, _)), Some((a, _))) =
                    (book.bids.last_key_value(), book.asks.first_key_value())
                    && f64::from_bits(*b) >= f64::from_bits(*a)
                {
                    self.crossed_live.push(u.key.instrument.to_string());
                }
            }
            MarketEvent::BookStatus(s) => {
                let book = self.books.entry(s.key.instrument.to_string()).or_default();
                if let BookState::Resyncing(reason) = &s.state
                    && book.state.as_ref() != Some(&s.state)
                {
                    self.detections
                        .push((s.key.instrument.to_string(), reason.clone()));
                }
                if !s.state.is_live() || !book.live() {
                    book.updates_live = 0;
                }
                book.state = Some(s.state);
                book.counters = s.counters;
            }
            MarketEvent::Venue(v) => {
                self.venue = v.counters;
                self.conn = Some(v.state);
            }
            MarketEvent::Trade(_) => self.trades += 1,
            MarketEvent::Liquidation(_) => self.liquidations += 1,
            MarketEvent::Derivs(_) => self.derivs += 1,
            MarketEvent::Watch(WatchChange::BookRemoved(key)) => {
                self.books.remove(&*key.instrument);
            }
            MarketEvent::Instrument(_) | MarketEvent::Backfill(_) | MarketEvent::Watch(_) => {}
        }
    }

    pub fn all_live(&self, expect: usize, min_updates: u64) -> bool {
        self.books.len() == expect
            && self
                .books
                .values()
                .all(|b| b.live() && b.updates_live >= min_updates)
    }

    /// Stale drops summed over books.
    pub fn stale(&self) -> u64 {
        self.books.values().map(|b| b.counters.stale).sum()
    }
}

/// One venue's adapter running against a simulator.
pub struct Client {
    pub venue: VenueId,
    pub instruments: usize,
    pub events: mpsc::Receiver<MarketEvent>,
    pub seen: Observed,
    pub cancel: CancellationToken,
}

/// Driver settings for tests in real time: quick watchdogs and status refreshes.
pub fn test_driver() -> DriverConfig {
    DriverConfig {
        snapshot_timeout: Duration::from_secs(10),
        silence_timeout: Duration::from_secs(2),
        status_interval: Duration::from_millis(200),
        // Audits are tested on their own (`sim_audit`): a storm's ledger counts only what the
        // sequence rules and checksums detect.
        audit: None,
        ..DriverConfig::live()
    }
}

/// Load `venue`'s instrument list from the simulator, resolve `symbols`, and run the venue's
/// real adapter with the TCP transport.
pub async fn connect(
    venue: VenueId,
    options: &BTreeMap<VenueId, VenueOptions>,
    symbols: &[&str],
    driver: DriverConfig,
) -> Client {
    let http = reqwest::Client::new();
    let (catalog, provenance) = Catalog::load(&[venue], options, None, &http).await;
    assert!(
        catalog.venue(venue).len() >= symbols.len(),
        "{venue}: instrument list from the simulator: {provenance:?}"
    );
    let symbols: Vec<String> = symbols.iter().map(|s| s.to_string()).collect();
    let (chosen, problems) = catalog.resolve(&symbols, &[venue]);
    assert!(problems.is_empty(), "{problems:?}");
    let instruments = chosen[&venue].clone();
    let n = instruments.len();
    let adapter = registry::adapter(
        venue,
        &options[&venue],
        driver,
        instruments,
        catalog.venue(venue).to_vec(),
    )
    .expect("an implemented venue");
    let (tx, events) = mpsc::channel(1 << 16);
    let cancel = CancellationToken::new();
    let runtime = RuntimeConfig {
        tick: Duration::from_millis(100),
        ..RuntimeConfig::default()
    };
    tokio::spawn(run_venue(
        adapter,
        runtime,
        Arc::new(Tcp),
        tx,
        None,
        cancel.clone(),
    ));
    Client {
        venue,
        instruments: n,
        events,
        seen: Observed::default(),
        cancel,
    }
}

impl Client {
    /// Consume events until `done` holds (checked after each event) or `within` passes;
    /// returns whether it held.
    pub async fn until(
        &mut self,
        within: Duration,
        mut done: impl FnMut(&Observed) -> bool,
    ) -> bool {
        let deadline = Instant::now() + within;
        loop {
            if done(&self.seen) {
                return true;
            }
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(event)) => self.seen.apply(event),
                Ok(None) | Err(_) => return done(&self.seen),
            }
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// The ledger's revealed faults and the adapter's detections, as comparable lists.
pub fn reveal_list(report: &FaultReport, venue: VenueId) -> Vec<(String, String)> {
    let mut v: Vec<_> = report
        .revealed_on(venue)
        .filter_map(|r| {
            let what = match r.reveal {
                Reveal::Gap { got } => format!("gap got {got}"),
                Reveal::Checksum { carried } => format!("checksum {carried}"),
                Reveal::Stale => return None,
            };
            Some((r.instrument.to_owned(), what))
        })
        .collect();
    v.sort();
    v
}

pub fn detection_list(seen: &Observed) -> Vec<(String, String)> {
    let mut v: Vec<_> = seen
        .detections
        .iter()
        .filter_map(|(instrument, reason)| {
            let what = match reason {
                ResyncReason::Gap { got, .. } => format!("gap got {got}"),
                ResyncReason::ChecksumMismatch { expected, .. } => format!("checksum {expected}"),
                _ => return None,
            };
            Some((instrument.clone(), what))
        })
        .collect();
    v.sort();
    v
}

/// Whether the adapter's counters show exactly what the ledger says a correct client sees.
pub fn consistent(seen: &Observed, report: &FaultReport, venue: VenueId) -> bool {
    let want = report.expected(venue);
    let resyncs = |label| seen.venue.resyncs.get(label).copied().unwrap_or(0);
    report.pending.is_empty()
        && resyncs("gap") == want.gaps
        && resyncs("checksum") == want.checksum_failures
        && seen.stale() == want.stale
        && seen.venue.malformed == want.bad_frames
        && seen.venue.disconnects == want.disconnects
}
