//! The REST audit of books without a checksum, end to end over loopback: the simulator corrupts
//! one level of a book update now and then with its sequence numbers intact, which no sequence
//! rule can see; the audit compares a REST snapshot with the book at the snapshot's own update
//! id, catches the corrupted book, and the book resyncs and is proven again. Real time, bounded
//! waits on events.

mod sim_support;

use depthscope::feed::audit::AuditConfig;
use depthscope::feed::health::AuditCounters;
use depthscope::integrity::ResyncReason;
use depthscope::market::VenueId;
use depthscope::sim::faults::{FaultKind, FaultSpec};
use depthscope::sim::{SimConfig, start};
use sim_support::{Observed, connect, test_driver};
use std::time::Duration;

const SYMBOLS: [&str; 3] = ["BTC", "ETH", "SOL"];

fn audits(o: &Observed) -> Vec<AuditCounters> {
    o.books
        .values()
        .map(|b| b.counters.audit.clone().unwrap_or_default())
        .collect()
}

async fn audit_catches_a_silently_corrupted_level(venue: VenueId) {
    let cfg = SimConfig {
        venues: vec![venue],
        step: Duration::from_millis(50),
        ..SimConfig::new(11)
    };
    let sim = start("127.0.0.1:0", cfg).await.expect("listen on loopback");
    let driver = depthscope::feed::driver::DriverConfig {
        audit: Some(AuditConfig::new(Duration::from_secs(1), 20)),
        ..test_driver()
    };
    let mut client = connect(venue, &sim.venue_options(), &SYMBOLS, driver).await;
    let n = client.instruments;

    // Healthy books pass their audits: no false alarm.
    let passed = client
        .until(Duration::from_secs(60), |o| {
            o.all_live(n, 5) && audits(o).iter().all(|a| a.ok >= 2)
        })
        .await;
    assert!(
        passed,
        "{venue}: audits pass on healthy books: {:?}",
        audits(&client.seen)
    );
    assert!(audits(&client.seen).iter().all(|a| a.mismatch == 0));
    assert!(
        client.seen.detections.is_empty(),
        "{:?}",
        client.seen.detections
    );

    // Corrupted levels: the audit sees them, the books resync.
    sim.set_faults(FaultSpec::none().with(venue, FaultKind::Corrupt, 0.05));
    let caught = client
        .until(Duration::from_secs(60), |o| {
            audits(o).iter().map(|a| a.mismatch).sum::<u64>() >= 3
        })
        .await;
    let report = sim.fault_report();
    assert!(
        caught,
        "{venue}: corrupted books caught: injected {}, audits {:?}",
        report.injected(venue, FaultKind::Corrupt),
        audits(&client.seen)
    );

    // Calm: every book live again and proven by a later audit.
    sim.set_faults(FaultSpec::none());
    let before: Vec<u64> = audits(&client.seen).iter().map(|a| a.ok).collect();
    // Each mismatch resyncs its book, and the venue counts the resync: the venue's counters
    // come in their own event, after the book's, so they are waited for too.
    let audit_resyncs = |o: &Observed| o.venue.resyncs.get("audit").copied().unwrap_or(0);
    let mismatches = |o: &Observed| audits(o).iter().map(|a| a.mismatch).sum::<u64>();
    let recovered = client
        .until(Duration::from_secs(60), |o| {
            o.all_live(n, 3)
                && audits(o).iter().zip(&before).all(|(a, ok)| a.ok > *ok)
                && audit_resyncs(o) == mismatches(o)
        })
        .await;
    assert!(
        recovered,
        "{venue}: books proven again, each mismatch resynced its book: audits {:?}, audit \
         resyncs {}",
        audits(&client.seen),
        audit_resyncs(&client.seen)
    );
    let seen = &client.seen;
    assert!(seen.crossed_live.is_empty());
    // Audits are the only detector of this fault: every resync is an audit's.
    assert!(
        seen.detections
            .iter()
            .all(|(_, r)| matches!(r, ResyncReason::AuditMismatch { .. })),
        "{:?}",
        seen.detections
    );
    println!(
        "{venue}: corrupt injected {}, audits {:?}",
        sim.fault_report().injected(venue, FaultKind::Corrupt),
        audits(seen)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okx_audit_catches_a_silently_corrupted_level() {
    audit_catches_a_silently_corrupted_level(VenueId::Okx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binance_audit_catches_a_silently_corrupted_level() {
    audit_catches_a_silently_corrupted_level(VenueId::Binance).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bybit_audit_catches_a_silently_corrupted_level() {
    audit_catches_a_silently_corrupted_level(VenueId::BybitSpot).await;
}
