//! Starting the venue feeds: instrument lists (retried until they arrive), symbol resolution,
//! one task per venue.

use crate::config::Config;
use crate::feed::audit::AuditConfig;
use crate::feed::backoff::Backoff;
use crate::feed::driver::DriverConfig;
use crate::feed::event::{MarketEvent, VenueStatus};
use crate::feed::health::{ConnState, VenueCounters};
use crate::feed::runtime::{Control, RuntimeConfig, Tap, Tcp, run_venue_controlled};
use crate::instrument::Instrument;
use crate::instrument::catalog::{Catalog, Provenance};
use crate::market::{Nanos, VenueId, now_nanos};
use crate::venue::registry::{self, VenueOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Venue events are buffered this deep before a slow engine slows the venues down.
pub const EVENT_QUEUE: usize = 16_384;

/// Running feeds: one task per venue.
pub struct Feeds {
    pub tasks: Vec<JoinHandle<()>>,
    /// What to tell the user at once (venues with no adapter); each venue's task logs its own
    /// (cached lists, unknown symbols).
    pub notes: Vec<String>,
}

/// Where the feeds deliver: the engine's event queue, and a recording tap if `--record`.
pub struct Sink {
    pub events: mpsc::Sender<MarketEvent>,
    pub tap: Option<Arc<dyn Tap>>,
    /// Also write notes to stderr (`stream --json`, which has no log pane).
    pub echo_notes: bool,
    /// Each venue's chosen instruments once its list has arrived (the start-time backfill
    /// waits for them).
    pub resolved: Option<mpsc::UnboundedSender<(VenueId, Vec<Instrument>)>>,
    /// Where each venue registers once its feed runs, to take `:add`/`:rm` changes.
    pub watch: Option<super::watch::WatchRegistry>,
}

/// Per-venue options: the config's `[feed.venue.<id>]`, overridden by command-line URLs.
pub fn venue_options(
    config: &Config,
    ws: &[(VenueId, String)],
    rest: &[(VenueId, String)],
) -> BTreeMap<VenueId, VenueOptions> {
    let mut options: BTreeMap<VenueId, VenueOptions> = BTreeMap::new();
    for (name, o) in &config.feed.venue {
        // Names were validated when the config loaded.
        if let Ok(venue) = name.parse::<VenueId>() {
            options.insert(
                venue,
                VenueOptions {
                    ws_url: o.ws_url.clone(),
                    rest_url: o.rest_url.clone(),
                    depth: o.depth,
                },
            );
        }
    }
    for (venue, url) in ws {
        options.entry(*venue).or_default().ws_url = Some(url.clone());
    }
    for (venue, url) in rest {
        options.entry(*venue).or_default().rest_url = Some(url.clone());
    }
    options
}

/// Start one task per venue, each sending into the sink: it loads the venue's instrument list
/// (keeping it in `cache` for offline restarts), maps `symbols` on it and runs the venue's feed.
/// A venue whose list cannot be fetched and is not cached is retried with backoff and jitter
/// (its state, `BACKOFF` with the reason, reaches the engine like any connection state): live
/// mode never ends by itself, and the books start as soon as a list arrives.
pub async fn start_feeds(
    config: &Config,
    venues: &[VenueId],
    symbols: &[String],
    options: &BTreeMap<VenueId, VenueOptions>,
    cache: Option<&Path>,
    sink: Sink,
    cancel: &CancellationToken,
) -> Feeds {
    let mut notes = Vec::new();
    let implemented: Vec<VenueId> = venues
        .iter()
        .copied()
        .filter(|v| {
            let ok = registry::is_implemented(*v);
            if !ok {
                notes.push(format!(
                    "{v}: no adapter ({}); skipped",
                    registry::no_adapter_reason(*v)
                ));
            }
            ok
        })
        .collect();
    let http = match reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .user_agent(concat!("depthscope/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            notes.push(format!("cannot start the HTTP client: {e}"));
            return Feeds {
                tasks: Vec::new(),
                notes,
            };
        }
    };
    let shared = Arc::new(VenueStart {
        driver: DriverConfig {
            snapshot_timeout: Duration::from_secs_f64(config.feed.snapshot_timeout_s),
            silence_timeout: Duration::from_secs_f64(config.feed.silence_timeout_s),
            max_levels: config.feed.max_book_levels,
            audit: (config.feed.audit_interval_s > 0.0).then(|| {
                AuditConfig::new(
                    Duration::from_secs_f64(config.feed.audit_interval_s),
                    config.feed.audit_levels,
                )
            }),
            ..DriverConfig::live()
        },
        runtime: RuntimeConfig {
            backoff: config.feed.backoff,
            max_frame_bytes: config.feed.max_frame_bytes,
            ..RuntimeConfig::default()
        },
        symbols: symbols.to_vec(),
        cache: cache.map(Path::to_path_buf),
        http,
        sink,
        cancel: cancel.clone(),
    });
    let tasks = implemented
        .into_iter()
        .map(|venue| {
            let opts = options.get(&venue).cloned().unwrap_or_default();
            tokio::spawn(run_venue_from_start(shared.clone(), venue, opts))
        })
        .collect();
    Feeds { tasks, notes }
}

/// What every venue's task shares.
struct VenueStart {
    driver: DriverConfig,
    runtime: RuntimeConfig,
    symbols: Vec<String>,
    cache: Option<PathBuf>,
    http: reqwest::Client,
    sink: Sink,
    cancel: CancellationToken,
}

impl VenueStart {
    /// Logged, and on stderr as well where there is no log pane (`stream --json`).
    fn note(&self, note: &str) {
        if self.sink.echo_notes {
            eprintln!("depthscope: {note}");
        }
        tracing::warn!("{note}");
    }

    async fn status(&self, venue: VenueId, state: ConnState) {
        let status = VenueStatus {
            venue,
            local_ts: now_nanos(),
            state,
            counters: VenueCounters::default(),
        };
        let _ = self.sink.events.send(MarketEvent::Venue(status)).await;
    }
}

/// One venue from start to end: its instrument list (retried until it arrives or the session
/// ends), its symbols, then its feed.
async fn run_venue_from_start(start: Arc<VenueStart>, venue: VenueId, opts: VenueOptions) {
    let options = BTreeMap::from([(venue, opts.clone())]);
    let venues = [venue];
    let mut backoff = Backoff::new(start.runtime.backoff, Duration::ZERO);
    let catalog = loop {
        let load = Catalog::load_recorded(
            &venues,
            &options,
            start.cache.as_deref(),
            &start.http,
            start.sink.tap.as_deref(),
        );
        let (catalog, provenance) = tokio::select! {
            loaded = load => loaded,
            () = start.cancel.cancelled() => return,
        };
        match provenance.into_iter().next().map(|(_, how)| how) {
            Some(Provenance::Missing { error }) => {
                let delay = backoff.next_delay(rand::random::<f64>());
                if backoff.attempts() == 1 {
                    start.note(&format!(
                        "{venue}: no instrument list ({error}) and no cache; retrying until one arrives"
                    ));
                }
                let until = now_nanos() + delay.as_nanos() as Nanos;
                let reason = "no instrument list".to_owned();
                start
                    .status(venue, ConnState::Backoff { until, reason })
                    .await;
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = start.cancel.cancelled() => return,
                }
            }
            Some(Provenance::Cached { error, .. }) => {
                start.note(&format!(
                    "{venue}: instrument list unreachable ({error}); using the cached list"
                ));
                break catalog;
            }
            Some(Provenance::Fetched) | None => break catalog,
        }
    };
    let (((mut chosen, problems), listed), mut control) = match start.sink.watch.as_ref() {
        Some(watch) => {
            let (tx, rx) = mpsc::channel(4);
            (watch.register(venue, catalog, tx, &start.symbols), Some(rx))
        }
        None => {
            let listed = catalog.venue(venue).to_vec();
            ((catalog.resolve(&start.symbols, &[venue]), listed), None)
        }
    };
    for problem in problems {
        start.note(&problem);
    }
    let instruments = chosen.remove(&venue).unwrap_or_default();
    if let Some(resolved) = &start.sink.resolved {
        let _ = resolved.send((venue, instruments.clone()));
    }
    let mut instruments = instruments;
    if instruments.is_empty() {
        let why = "no market for the watched symbols".to_owned();
        start.note(&format!("{venue}: {why}; nothing to show there"));
        start.status(venue, ConnState::Down(why)).await;
        // A symbol the venue lists, added at run time, starts its feed.
        match first_added(&mut control, &start.cancel).await {
            Some(added) => instruments = added,
            None => return,
        }
    }
    let Some(adapter) = registry::adapter(venue, &opts, start.driver.clone(), instruments, listed)
    else {
        return;
    };
    run_venue_controlled(
        adapter,
        start.runtime.clone(),
        Arc::new(Tcp),
        start.sink.events.clone(),
        start.sink.tap.clone(),
        start.cancel.clone(),
        control,
    )
    .await;
}

/// For a venue with nothing to watch: the instruments of the first run-time change that adds
/// some (each change is acknowledged; the feed then starts with them).
async fn first_added(
    control: &mut Option<mpsc::Receiver<Control>>,
    cancel: &CancellationToken,
) -> Option<Vec<Instrument>> {
    let rx = control.as_mut()?;
    loop {
        let ctl = tokio::select! {
            () = cancel.cancelled() => return None,
            ctl = rx.recv() => ctl?,
        };
        let _ = ctl.done.send(());
        if !ctl.change.add.is_empty() {
            return Some(ctl.change.add);
        }
    }
}
