//! Positioning end to end over loopback: the real Binance USDⓈ-M, Bybit linear and OKX adapters
//! poll the simulator's positioning endpoints over HTTP (the first poll at start), and the
//! engine publishes what they fetched in `Analytics::positioning`: every perpetual's
//! all-accounts ratio as the simulator states it, fresh, and the cross-venue consensus.
//! Real time, bounded waits on events.

mod sim_support;

use depthscope::config::Config;
use depthscope::engine::analytics::{Positioning, RatioKind};
use depthscope::engine::frame::DataMode;
use depthscope::engine::{Engine, EngineSettings};
use depthscope::market::{VenueId, now_nanos};
use depthscope::sim::catalog::find;
use depthscope::sim::positioning::{long_share, ratio};
use depthscope::sim::{SimConfig, start};
use sim_support::{connect, test_driver};
use std::time::{Duration, Instant};

const PERPS: [(VenueId, &str); 3] = [
    (VenueId::BinanceUsdm, "BTCUSDT"),
    (VenueId::BybitLinear, "BTCUSDT"),
    (VenueId::Okx, "BTC-USDT-SWAP"),
];

/// Every perpetual has a fresh all-accounts ratio.
fn complete(p: &Positioning) -> bool {
    PERPS.iter().all(|(venue, id)| {
        p.venues.iter().any(|v| {
            v.key.venue == *venue
                && &*v.key.instrument == *id
                && v.ratios
                    .iter()
                    .any(|r| r.kind == RatioKind::Accounts && !r.stale)
        })
    }) && p.consensus.iter().any(|c| c.kind == RatioKind::Accounts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polled_positioning_reaches_the_frame() {
    let venues: Vec<VenueId> = PERPS.iter().map(|(v, _)| *v).collect();
    let cfg = SimConfig {
        venues: venues.clone(),
        step: Duration::from_millis(50),
        ..SimConfig::new(7)
    };
    let sim = start("127.0.0.1:0", cfg).await.expect("listen on loopback");
    let options = sim.venue_options();
    let mut clients = Vec::new();
    for v in &venues {
        clients.push(connect(*v, &options, &["BTC"], test_driver()).await);
    }
    let mut config = Config::default();
    config.general.symbols = vec!["BTC".into()];
    let mut engine = Engine::new(EngineSettings::from_config(&config, DataMode::Live));

    let deadline = Instant::now() + Duration::from_secs(60);
    let positioning = loop {
        // A bounded wait for the next event of the first venue, then whatever the others sent.
        if let Ok(Some(ev)) =
            tokio::time::timeout(Duration::from_millis(100), clients[0].events.recv()).await
        {
            engine.on_event(ev);
        }
        for c in &mut clients {
            while let Ok(ev) = c.events.try_recv() {
                engine.on_event(ev);
            }
        }
        let frame = engine.tick(now_nanos());
        let p = frame.symbols[0].analytics.positioning.clone();
        if complete(&p) {
            break p;
        }
        assert!(Instant::now() < deadline, "no complete positioning: {p:#?}");
    };

    for (venue, id) in PERPS {
        let v = positioning
            .venues
            .iter()
            .find(|v| v.key.venue == venue && &*v.key.instrument == id)
            .unwrap();
        let r = v
            .ratios
            .iter()
            .find(|r| r.kind == RatioKind::Accounts)
            .unwrap();
        // The simulator's value for the period it answered (rounded to 4 decimals by Bybit's
        // and OKX's shapes, 8 by Binance's).
        let book = find(venue, id).unwrap();
        let expected = ratio(long_share(book, RatioKind::Accounts, r.at));
        assert!(
            (r.ratio - expected).abs() < 2e-3,
            "{venue}: {r:?} against {expected}"
        );
        assert_eq!(r.at % 300_000, 0, "{venue}: a period boundary");
    }
    let binance = &positioning.venues[0];
    let kinds: Vec<RatioKind> = binance.ratios.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            RatioKind::Accounts,
            RatioKind::TopAccounts,
            RatioKind::TopPositions
        ],
        "{binance:?}"
    );
    // Binance's and OKX's taker ratios are polled too.
    assert!(binance.taker_buy_sell_ratio.is_some_and(|r| r > 0.0));
    let c = positioning
        .consensus
        .iter()
        .find(|c| c.kind == RatioKind::Accounts)
        .unwrap();
    assert!(c.venues >= 2 && c.long_short_ratio > 0.0, "{c:?}");
    assert!(
        c.agreement.is_some_and(|a| (0.0..=1.0).contains(&a)),
        "{c:?}"
    );
    for (kind, _) in [(RatioKind::TopAccounts, ()), (RatioKind::TopPositions, ())] {
        assert!(
            positioning.consensus.iter().all(|c| c.kind != kind),
            "one venue publishes {kind:?}: no consensus"
        );
    }
}
