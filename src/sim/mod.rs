//! The embedded exchange simulator: a synthetic market served over loopback in each venue's
//! own protocol, so `--demo` and the tests run the live code path (sockets, adapters, sync,
//! books) with no internet.
//!
//! - [`model`]: the market itself (fair prices with stochastic volatility, order flow, walls,
//!   spoofs, liquidation cascades, basis, funding, open interest), venue-neutral and
//!   deterministic for a seed;
//! - [`catalog`]: the simulated instruments with each venue's ids, ticks, lots and number forms;
//! - [`market`]: the model stepped on tokio's clock, its books as the venues hold them, global
//!   update ids, one broadcast tick per step;
//! - [`server`], [`http`], [`rest`]: one port, routed by path — WebSocket sessions, and the
//!   REST endpoints the adapters and the instrument catalog call;
//! - [`session`], [`stream`]: the machinery every venue shares (subscriptions, view diffing,
//!   sequence numbers, checksums, cadence, keepalives, faults);
//! - [`dialect`]: what differs per venue, kept small: request parsing and message wording;
//! - [`faults`]: the `--faults` grammar, injection dice and the ledger tests compare against.

pub mod catalog;
pub mod dialect;
pub mod fast_forward;
pub mod faults;
pub mod history;
pub mod http;
pub mod market;
pub mod model;
pub mod positioning;
pub mod rest;
pub mod server;
pub mod session;
pub mod stream;

use crate::market::VenueId;
use crate::venue::registry::{IMPLEMENTED, VenueOptions};
use faults::{FaultReport, FaultSpec, FaultSpecError, Faults};
use model::event::Episode;
use model::scenario::{ScenarioError, ScenarioSpec};
use session::Shared;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How the simulator runs.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    pub faults: FaultSpec,
    /// Model step, which is also the book cadence (Binance's `@100ms`, Bybit's 100 ms).
    pub step: Duration,
    /// Venues to simulate (their books are the only ones modelled).
    pub venues: Vec<VenueId>,
    /// Publish real OKX checksums instead of the `0` OKX has sent since 2026-06-23.
    pub okx_checksums: bool,
    /// Start OKX book subscriptions with a pushed snapshot (`false`: updates only, the client
    /// fetches `GET /api/v5/market/books`, as OKX announced for its books channels).
    pub okx_pushed_snapshots: bool,
    /// The `--scenario`s injected into the market (none: the seed's ordinary market).
    pub scenarios: Vec<ScenarioSpec>,
}

impl SimConfig {
    /// [`SimConfig::new`] with the faults of a `--faults` spec (`None`: no faults).
    pub fn with_faults(seed: u64, faults: Option<&str>) -> Result<Self, SimError> {
        Ok(SimConfig {
            faults: faults.unwrap_or("").parse()?,
            ..SimConfig::new(seed)
        })
    }

    /// Every implemented venue, 100 ms steps, no faults.
    pub fn new(seed: u64) -> Self {
        SimConfig {
            seed,
            faults: FaultSpec::none(),
            step: Duration::from_millis(100),
            venues: IMPLEMENTED.to_vec(),
            okx_checksums: false,
            okx_pushed_snapshots: true,
            scenarios: Vec::new(),
        }
    }
}

/// A running simulator.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    venues: Vec<VenueId>,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Options pointing each simulated venue's adapter here.
    pub fn venue_options(&self) -> BTreeMap<VenueId, VenueOptions> {
        self.venues
            .iter()
            .map(|&v| (v, venue_options(self.addr, v)))
            .collect()
    }

    /// What was injected so far, and what clients must have seen.
    pub fn fault_report(&self) -> FaultReport {
        self.shared.faults.ledger.report()
    }

    /// Change the faults in force (existing connections follow at their next message).
    pub fn set_faults(&self, spec: FaultSpec) {
        self.shared.faults.set(spec);
    }

    /// Notable market behaviour so far: cascades, spoofs, walls, large prints.
    pub fn episodes(&self) -> Vec<Episode> {
        self.shared.market.lock().episodes.clone()
    }

    /// Stop serving and stepping.
    pub async fn shutdown(self) {
        self.shared.cancel.cancel();
        let _ = self.task.await;
    }
}

/// Start a simulator listening on `listen` (`127.0.0.1:0` picks a free port).
pub async fn start(listen: &str, cfg: SimConfig) -> std::io::Result<SimHandle> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let cancel = CancellationToken::new();
    let books: Vec<_> = catalog::INSTRUMENTS
        .iter()
        .enumerate()
        .filter(|(_, i)| cfg.venues.contains(&i.venue))
        .map(|(b, _)| b)
        .collect();
    let model = model::Model::new(cfg.seed, &books, cfg.step)
        .with_scenarios(cfg.seed, &cfg.scenarios)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let market = market::start_model(cfg.seed, model, cancel.clone());
    let shared = Arc::new(Shared {
        market,
        faults: Faults::new(cfg.faults),
        seed: cfg.seed,
        okx_checksums: cfg.okx_checksums,
        okx_pushed_snapshots: cfg.okx_pushed_snapshots,
        cancel,
    });
    let task = tokio::spawn(server::run(listener, shared.clone()));
    Ok(SimHandle {
        addr,
        venues: cfg.venues,
        shared,
        task,
    })
}

/// `--demo`: a simulator of every venue on a free loopback port, and the options that point
/// the adapters at it.
pub async fn start_embedded(
    seed: u64,
    faults: FaultSpec,
) -> std::io::Result<(SimHandle, BTreeMap<VenueId, VenueOptions>)> {
    start_demo(SimConfig {
        faults,
        ..SimConfig::new(seed)
    })
    .await
}

/// [`start_embedded`] with a whole configuration (`--demo --scenario …`).
pub async fn start_demo(
    cfg: SimConfig,
) -> std::io::Result<(SimHandle, BTreeMap<VenueId, VenueOptions>)> {
    let handle = start("127.0.0.1:0", cfg).await?;
    let options = handle.venue_options();
    Ok((handle, options))
}

/// Why `depthscope sim` could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Faults(#[from] FaultSpecError),
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
}

/// `depthscope sim`: serve until `cancel`, after printing where each venue is and how to point
/// a monitor at it.
pub async fn run_standalone(
    listen: &str,
    cfg: SimConfig,
    cancel: CancellationToken,
) -> Result<(), SimError> {
    let handle = start(listen, cfg.clone())
        .await
        .map_err(|source| SimError::Listen {
            addr: listen.to_owned(),
            source,
        })?;
    println!("{}", banner(&handle, &cfg));
    cancel.cancelled().await;
    handle.shutdown().await;
    Ok(())
}

/// What `depthscope sim` prints: each venue's endpoints, and the flags that connect a monitor.
pub fn banner(handle: &SimHandle, cfg: &SimConfig) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "depthscope sim: simulated exchanges on {} (seed {}, faults: {})\n",
        handle.addr(),
        cfg.seed,
        cfg.faults
    );
    for spec in &cfg.scenarios {
        let _ = writeln!(out, "  scenario {spec}: {}", spec.kind.cadence());
    }
    if !cfg.okx_pushed_snapshots {
        out.push_str(
            "  okx books push no snapshot: clients take GET /api/v5/market/books and bridge by seqId\n",
        );
    }
    let mut flags = String::new();
    for (venue, opts) in handle.venue_options() {
        let ws = opts.ws_url.unwrap_or_default();
        let rest = opts.rest_url.unwrap_or_default();
        let _ = writeln!(out, "  {:<13} ws {ws:<48} rest {rest}", venue.as_str());
        let _ = write!(
            flags,
            " --venue-url {venue}={ws} --venue-rest {venue}={rest}"
        );
    }
    let _ = write!(out, "connect a monitor with:\n  depthscope{flags}");
    out
}

/// The options that point `venue`'s adapter at a simulator on `addr`, following each adapter's
/// override rule (its descriptor's [`crate::venue::spec::SimSpec::url_path`]): Binance takes a
/// WebSocket *base* and appends its socket paths (`/ws`, `/public/ws`, `/market/ws`); the others
/// take their full socket URL. Every venue's REST base is the simulator itself (the venues' REST
/// paths do not collide).
pub fn venue_options(addr: SocketAddr, venue: VenueId) -> VenueOptions {
    let path = venue
        .adapter_spec()
        .map_or("/unsupported", |a| a.sim.url_path);
    VenueOptions {
        ws_url: Some(format!("ws://{addr}{path}")),
        rest_url: Some(format!("http://{addr}")),
        depth: None,
    }
}
