//! Availability under the fault storm of `depthscope sim --faults
//! 'gap=2%,checksum=2%,drop=1%,dup=1%,reorder=1%,disconnect=0.2%,malformed=1%'`: every
//! implemented venue's real adapter against the simulator over loopback, for a bounded stretch
//! of wall time, measuring the share of book-time each book spent live.
//!
//! What must hold: at least 90 % of book-time valid over the storm (the target is 95 %), every
//! injected fault detected (the simulator's ledger against the adapters' counters), gaps and
//! checksum mismatches repaired on the open connection (a reconnect only where the simulator
//! closed one), and a malformed frame never costing a connection.

mod sim_support;

use depthscope::feed::event::MarketEvent;
use depthscope::feed::health::BookState;
use depthscope::market::{Nanos, VenueId};
use depthscope::sim::faults::{FaultKind, FaultSpec};
use depthscope::sim::{SimConfig, SimHandle, start};
use depthscope::venue::registry::IMPLEMENTED;
use sim_support::{
    Client, Observed, connect, consistent, detection_list, reveal_list, test_driver,
};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The storm of issue 19, as `depthscope sim --faults` takes it.
const STORM: &str = "gap=2%,checksum=2%,drop=1%,dup=1%,reorder=1%,disconnect=0.2%,malformed=1%";

/// How long the storm blows (wall time; the whole test stays within a minute).
const STORM_FOR: Duration = Duration::from_secs(30);

/// One book's time in and out of `Live`, from the adapter's own status timestamps.
#[derive(Debug, Default)]
struct Uptime {
    live_since: Option<Nanos>,
    live: Nanos,
    /// When the book left `Live`, and why.
    down_since: Option<(Nanos, String)>,
}

/// Book-time accounting over a window.
#[derive(Debug, Default)]
struct Availability {
    books: BTreeMap<(VenueId, String), Uptime>,
    from: Option<Nanos>,
    /// Outages by what started them: count and total length.
    outages: BTreeMap<String, (u64, Nanos)>,
}

impl Availability {
    fn start(&mut self, now: Nanos, observed: &BTreeMap<VenueId, Observed>) {
        self.from = Some(now);
        for (venue, seen) in observed {
            for (id, book) in &seen.books {
                let up = self.books.entry((*venue, id.clone())).or_default();
                up.live_since = book.live().then_some(now);
            }
        }
    }

    fn on_state(&mut self, venue: VenueId, id: &str, state: &BookState, at: Nanos) {
        let Some(from) = self.from else { return };
        let up = self.books.entry((venue, id.to_owned())).or_default();
        match (state.is_live(), up.live_since) {
            (true, None) => {
                up.live_since = Some(at.max(from));
                if let Some((since, why)) = up.down_since.take() {
                    let o = self.outages.entry(why).or_default();
                    o.0 += 1;
                    o.1 += at.saturating_sub(since);
                }
            }
            (false, Some(since)) => {
                up.live += at.saturating_sub(since);
                up.live_since = None;
                let why = match state {
                    BookState::Resyncing(r) => r.label().to_owned(),
                    other => other.label().to_owned(),
                };
                up.down_since = Some((at, format!("{venue} {why}")));
            }
            _ => {}
        }
    }

    /// The share of book-time live from the start to `now`, per venue and overall.
    fn share(&self, now: Nanos) -> (f64, BTreeMap<VenueId, f64>) {
        let from = self.from.unwrap_or(now);
        let span = now.saturating_sub(from).max(1) as f64;
        let mut per: BTreeMap<VenueId, (f64, f64)> = BTreeMap::new();
        for ((venue, _), up) in &self.books {
            let live = up.live + up.live_since.map_or(0, |s| now.saturating_sub(s));
            let e = per.entry(*venue).or_default();
            e.0 += live as f64;
            e.1 += span;
        }
        let total = per.values().map(|(l, _)| l).sum::<f64>()
            / per.values().map(|(_, s)| s).sum::<f64>().max(1.0);
        (
            total,
            per.into_iter().map(|(v, (l, s))| (v, l / s)).collect(),
        )
    }
}

/// Every given venue's real adapter against one simulator, their events merged, and the
/// book-time each book spends live over a measured window.
struct Fleet {
    sim: SimHandle,
    rx: mpsc::Receiver<(VenueId, MarketEvent)>,
    expect: BTreeMap<VenueId, usize>,
    observed: BTreeMap<VenueId, Observed>,
    availability: Availability,
    last_ts: Nanos,
    _clients: Vec<Client>,
}

impl Fleet {
    async fn start(seed: u64, venues: &[VenueId]) -> Fleet {
        let cfg = SimConfig {
            venues: venues.to_vec(),
            ..SimConfig::new(seed)
        };
        let sim = start("127.0.0.1:0", cfg).await.expect("listen on loopback");
        let options = sim.venue_options();
        let (tx, rx) = mpsc::channel::<(VenueId, MarketEvent)>(1 << 16);
        let mut clients: Vec<Client> = Vec::new();
        let mut expect = BTreeMap::new();
        for &venue in venues {
            let mut client = connect(venue, &options, &["BTC", "ETH", "SOL"], test_driver()).await;
            expect.insert(venue, client.instruments);
            let (_, dead) = mpsc::channel(1);
            let mut events = std::mem::replace(&mut client.events, dead);
            let tx = tx.clone();
            tokio::spawn(async move {
                while let Some(e) = events.recv().await {
                    if tx.send((venue, e)).await.is_err() {
                        break;
                    }
                }
            });
            clients.push(client);
        }
        Fleet {
            sim,
            rx,
            expect,
            observed: BTreeMap::new(),
            availability: Availability::default(),
            last_ts: 0,
            _clients: clients,
        }
    }

    fn all_live(&self) -> bool {
        self.expect.iter().all(|(v, n)| {
            self.observed
                .get(v)
                .is_some_and(|seen| seen.all_live(*n, 2))
        })
    }

    /// Every venue's counters show what the simulator's ledger says a correct client sees.
    fn settled(&self) -> bool {
        let report = self.sim.fault_report();
        // A fault injected just before the faults were switched off is revealed by the book's
        // next message: wait for it too, or the ledger below races that message.
        report.pending.is_empty()
            && self.all_live()
            && self.observed.iter().all(|(v, seen)| {
                consistent(seen, &report, *v)
                    && seen.venue.connects == seen.venue.disconnects + sockets(*v)
            })
    }

    /// Consume events until `done` holds or `within` passes; returns whether it held.
    async fn until(&mut self, within: Duration, done: impl Fn(&Fleet) -> bool) -> bool {
        let deadline = Instant::now() + within;
        while !done(self) {
            let Ok(Some((venue, event))) = tokio::time::timeout_at(deadline, self.rx.recv()).await
            else {
                return done(self);
            };
            let at = ts_of(&event);
            self.last_ts = self.last_ts.max(at);
            if let MarketEvent::BookStatus(s) = &event {
                self.availability
                    .on_state(venue, &s.key.instrument, &s.state, at);
            }
            self.observed.entry(venue).or_default().apply(event);
        }
        true
    }

    /// Start measuring book-time from the latest event on.
    fn measure(&mut self) {
        self.availability.start(self.last_ts, &self.observed);
    }

    /// After the faults stop: every injected fault detected, as the ledger says, and only the
    /// simulator's own closes cost a connection (a gap, a checksum mismatch or a malformed
    /// frame is repaired on the open one).
    async fn check_ledger(&mut self) {
        self.sim.set_faults(FaultSpec::none());
        let settled = self.until(Duration::from_secs(20), |f| f.settled()).await;
        let report = self.sim.fault_report();
        for (venue, seen) in &self.observed {
            let want = report.expected(*venue);
            let resyncs = |label| seen.venue.resyncs.get(label).copied().unwrap_or(0);
            assert_eq!(
                detection_list(seen),
                reveal_list(&report, *venue),
                "{venue}"
            );
            assert_eq!(resyncs("gap"), want.gaps, "{venue}: gaps");
            assert_eq!(resyncs("checksum"), want.checksum_failures, "{venue}");
            assert_eq!(seen.stale(), want.stale, "{venue}: stale drops");
            assert_eq!(seen.venue.malformed, want.bad_frames, "{venue}: malformed");
            assert_eq!(
                seen.venue.disconnects, want.disconnects,
                "{venue}: disconnects"
            );
            assert_eq!(
                seen.venue.connects,
                want.disconnects + sockets(*venue),
                "{venue}: connects"
            );
            assert!(
                seen.crossed_live.is_empty(),
                "{venue}: crossed book published"
            );
        }
        assert_eq!(report.overruns, 0, "no connection fell behind");
        assert_eq!(report.superseded, 0, "no fault lost with its connection");
        assert!(
            report.pending.is_empty(),
            "every fault revealed; still owed: {:?}",
            report.pending
        );
        assert!(settled, "books live and counters settled after the faults");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn books_stay_live_through_the_issue_storm() {
    let mut fleet = Fleet::start(19, IMPLEMENTED).await;
    assert!(
        fleet.until(Duration::from_secs(20), |f| f.all_live()).await,
        "books live within 20 s"
    );

    let spec: FaultSpec = STORM.parse().expect("the issue's storm parses");
    fleet.sim.set_faults(spec);
    fleet.measure();
    fleet.until(STORM_FOR, |_| false).await;
    let (share, per_venue) = fleet.availability.share(fleet.last_ts);
    let report = fleet.sim.fault_report();
    println!("book-time valid under the storm: {:.1} %", share * 100.0);
    for (why, (n, total)) in &fleet.availability.outages {
        println!(
            "  outage {why}: {n} x, mean {:.0} ms",
            *total as f64 / 1e6 / *n as f64
        );
    }
    for (venue, s) in &per_venue {
        let seen = &fleet.observed[venue];
        println!(
            "  {venue}: {:.1} % valid; resyncs {:?}; malformed {}; connects {}; disconnects {}; injected {:?}",
            s * 100.0,
            seen.venue.resyncs,
            seen.venue.malformed,
            seen.venue.connects,
            seen.venue.disconnects,
            report.injected.get(venue),
        );
    }
    fleet.check_ledger().await;
    let report = fleet.sim.fault_report();
    for kind in [
        FaultKind::Gap,
        FaultKind::Checksum,
        FaultKind::Disconnect,
        FaultKind::Malformed,
    ] {
        assert!(
            report.injected(VenueId::Okx, kind) > 0,
            "the storm had {kind}"
        );
    }
    assert!(share >= 0.90, "book-time valid {:.1} %", share * 100.0);
}

/// Planned closes announced by the venues that announce them (issue 19 item 4): each is handed
/// over to a new connection, so no book ever leaves `live`, and the old connection is closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planned_restarts_never_take_a_book_down() {
    let venues = [VenueId::Binance, VenueId::BinanceUsdm, VenueId::Okx];
    let mut fleet = Fleet::start(4, &venues).await;
    assert!(
        fleet.until(Duration::from_secs(20), |f| f.all_live()).await,
        "books live within 20 s"
    );
    let spec: FaultSpec = "binance+binance-usdm+okx:shutdown=0.3%@3s"
        .parse()
        .expect("parses");
    fleet.sim.set_faults(spec);
    fleet.measure();
    let enough = fleet
        .until(Duration::from_secs(30), |f| {
            let report = f.sim.fault_report();
            venues.iter().all(|v| {
                report.injected(*v, FaultKind::Shutdown) >= 2 && f.observed[v].venue.handovers >= 2
            })
        })
        .await;
    let report = fleet.sim.fault_report();
    let (share, _) = fleet.availability.share(fleet.last_ts);
    println!(
        "planned closes: injected {:?}; handovers {:?}; book-time live {:.2} %",
        venues.map(|v| report.injected(v, FaultKind::Shutdown)),
        venues.map(|v| fleet.observed[&v].venue.handovers),
        share * 100.0
    );
    assert!(enough, "at least two planned closes handed over per venue");
    assert!(
        fleet.availability.outages.is_empty() && share > 0.999_999,
        "no book left live: {:?}",
        fleet.availability.outages
    );
    fleet.check_ledger().await;
    for venue in venues {
        assert_eq!(
            fleet.observed[&venue].venue.handovers,
            fleet
                .sim
                .fault_report()
                .injected(venue, FaultKind::Shutdown),
            "{venue}: every planned close handed over"
        );
    }
}

/// The sockets a venue keeps open (USDⓈ-M: public and market).
fn sockets(venue: VenueId) -> u64 {
    if venue == VenueId::BinanceUsdm { 2 } else { 1 }
}

fn ts_of(event: &MarketEvent) -> Nanos {
    match event {
        MarketEvent::BookStatus(s) => s.local_ts,
        MarketEvent::Venue(v) => v.local_ts,
        MarketEvent::Book(b) => b.local_ts,
        MarketEvent::Trade(t) => t.local_ts,
        MarketEvent::Liquidation(l) => l.local_ts,
        MarketEvent::Derivs(d) => d.local_ts,
        MarketEvent::Instrument(_) | MarketEvent::Backfill(_) | MarketEvent::Watch(_) => 0,
    }
}
