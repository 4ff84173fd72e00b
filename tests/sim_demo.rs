//! `--demo` on a machine with no network: the embedded simulator plus every venue's runtime,
//! wired as the app wires them (instrument catalog loaded from the simulator's REST lists,
//! symbols resolved, one adapter per venue over TCP). Every venue's books must be live and
//! moving within 2 s of start.

use depthscope::feed::driver::DriverConfig;
use depthscope::feed::event::MarketEvent;
use depthscope::feed::runtime::{RuntimeConfig, Tcp, run_venue};
use depthscope::instrument::catalog::Catalog;
use depthscope::sim::faults::FaultSpec;
use depthscope::sim::start_embedded;
use depthscope::venue::registry::{self, IMPLEMENTED};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_books_are_live_and_moving_within_two_seconds() {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(2);
    let (sim, options) = start_embedded(1, FaultSpec::none())
        .await
        .expect("loopback");
    let http = reqwest::Client::new();
    let (catalog, provenance) = Catalog::load(IMPLEMENTED, &options, None, &http).await;
    // Deribit's inverse perpetuals by name: a bare symbol resolves to its linear one.
    let symbols: Vec<String> = [
        "BTC",
        "ETH",
        "SOL",
        "deribit:BTC-PERPETUAL",
        "deribit:ETH-PERPETUAL",
    ]
    .map(String::from)
    .to_vec();
    let (chosen, problems) = catalog.resolve(&symbols, IMPLEMENTED);
    assert!(problems.is_empty(), "{problems:?} {provenance:?}");

    let cancel = CancellationToken::new();
    let (tx, mut events) = mpsc::channel(1 << 16);
    let mut books = 0;
    for &venue in IMPLEMENTED {
        let instruments = chosen[&venue].clone();
        books += instruments.len();
        let adapter = registry::adapter(
            venue,
            &options[&venue],
            DriverConfig::live(),
            instruments,
            catalog.venue(venue).to_vec(),
        )
        .expect("implemented");
        tokio::spawn(run_venue(
            adapter,
            RuntimeConfig::default(),
            Arc::new(Tcp),
            tx.clone(),
            None,
            cancel.clone(),
        ));
    }
    assert_eq!(
        books,
        depthscope::sim::catalog::INSTRUMENTS.len(),
        "3 symbols on every venue, spot and swap on OKX, the USDT/USD books of Kraken and \
         Coinbase, Kraken's USDC/USD and Deribit's inverse perpetuals"
    );
    assert_eq!(
        books, 53,
        "the first six venues' 23 books, Bitget's, Gate's and KuCoin's 6 each, Deribit's 5, \
         Coinbase's 4, Hyperliquid's 3"
    );

    // Per book: live, and how many updates arrived since it went live.
    let mut moving: BTreeMap<String, u32> = BTreeMap::new();
    let mut venues_with_trades = std::collections::BTreeSet::new();
    let done =
        |moving: &BTreeMap<String, u32>| moving.len() == books && moving.values().all(|n| *n >= 2);
    while !done(&moving) {
        let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await else {
            break;
        };
        match event {
            MarketEvent::BookStatus(s) if s.state.is_live() => {
                moving.entry(s.key.to_string()).or_insert(0);
            }
            MarketEvent::BookStatus(s) => {
                moving.remove(&s.key.to_string());
            }
            MarketEvent::Book(u) => {
                if let Some(n) = moving.get_mut(&u.key.to_string()) {
                    *n += 1;
                }
            }
            MarketEvent::Trade(t) => {
                venues_with_trades.insert(t.key.venue);
            }
            _ => {}
        }
    }
    let elapsed = started.elapsed();
    assert!(
        done(&moving),
        "after {elapsed:?}: {} of {books} books live and moving: {moving:?}",
        moving.values().filter(|n| **n >= 2).count()
    );
    println!("every book live and moving after {elapsed:?}; trades from {venues_with_trades:?}");
    cancel.cancel();
    sim.shutdown().await;
}
