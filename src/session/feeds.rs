//! Starting the venue feeds: instrument lists, symbol resolution, one runtime task per venue.

use crate::config::Config;
use crate::feed::driver::DriverConfig;
use crate::feed::event::MarketEvent;
use crate::feed::runtime::{RuntimeConfig, Tap, Tcp, run_venue};
use crate::instrument::Instrument;
use crate::instrument::catalog::{Catalog, Provenance};
use crate::market::VenueId;
use crate::venue::registry::{self, VenueOptions};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Venue events are buffered this deep before a slow engine slows the venues down.
pub const EVENT_QUEUE: usize = 16_384;

/// Running feeds and what they serve.
pub struct Feeds {
    pub tasks: Vec<JoinHandle<()>>,
    pub instruments: BTreeMap<VenueId, Vec<Instrument>>,
    /// Everything worth telling the user at start (missing venues, cached lists, unknown symbols).
    pub notes: Vec<String>,
}

/// Where the feeds deliver: the engine's event queue, and a recording tap if `--record`.
pub struct Sink {
    pub events: mpsc::Sender<MarketEvent>,
    pub tap: Option<Arc<dyn Tap>>,
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

/// Load instruments (keeping them in `cache` for offline restarts), map `symbols` on `venues`,
/// and start one feed task per venue, each sending into `tx`.
pub async fn start_feeds(
    config: &Config,
    venues: &[VenueId],
    symbols: &[String],
    options: &BTreeMap<VenueId, VenueOptions>,
    cache: Option<&Path>,
    sink: Sink,
    cancel: &CancellationToken,
) -> Feeds {
    let Sink { events: tx, tap } = sink;
    let mut notes = Vec::new();
    let implemented: Vec<VenueId> = venues
        .iter()
        .copied()
        .filter(|v| {
            let ok = registry::is_implemented(*v);
            if !ok {
                notes.push(format!("{v}: no adapter yet; skipped"));
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
                instruments: BTreeMap::new(),
                notes,
            };
        }
    };
    let (catalog, provenance) =
        Catalog::load_recorded(&implemented, options, cache, &http, tap.as_deref()).await;
    for (venue, how) in provenance {
        match how {
            Provenance::Fetched => {}
            Provenance::Cached { error, .. } => notes.push(format!(
                "{venue}: instrument list unreachable ({error}); using the cached list"
            )),
            Provenance::Missing { error } => notes.push(format!(
                "{venue}: no instrument list ({error}) and no cache; only explicit venue:ID symbols work there"
            )),
        }
    }
    let (chosen, problems) = catalog.resolve(symbols, &implemented);
    notes.extend(problems);

    let driver = DriverConfig {
        snapshot_timeout: Duration::from_secs_f64(config.feed.snapshot_timeout_s),
        silence_timeout: Duration::from_secs_f64(config.feed.silence_timeout_s),
        max_levels: config.feed.max_book_levels,
        ..DriverConfig::live()
    };
    let runtime = RuntimeConfig {
        backoff: config.feed.backoff,
        max_frame_bytes: config.feed.max_frame_bytes,
        ..RuntimeConfig::default()
    };
    let mut tasks = Vec::new();
    for (venue, instruments) in &chosen {
        let defaults = VenueOptions::default();
        let opts = options.get(venue).unwrap_or(&defaults);
        let Some(adapter) = registry::adapter(
            *venue,
            opts,
            driver.clone(),
            instruments.clone(),
            catalog.venue(*venue).to_vec(),
        ) else {
            continue;
        };
        tasks.push(tokio::spawn(run_venue(
            adapter,
            runtime.clone(),
            Arc::new(Tcp),
            tx.clone(),
            tap.clone(),
            cancel.clone(),
        )));
    }
    if tasks.is_empty() {
        notes.push("no venue serves the requested symbols: nothing to show".into());
    }
    Feeds {
        tasks,
        instruments: chosen,
        notes,
    }
}
