//! Backfill at live and demo start: one background task that fetches the history of every
//! watched book and sends it, with its progress, into the engine's event queue as
//! [`MarketEvent::Backfill`]. The engine only ever receives finished books, so a backfill that
//! is slow, rate limited or offline never holds the engine or the screen back.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::feed::event::MarketEvent;
use crate::feed::runtime::Tap;
use crate::instrument::Instrument;
use crate::market::{Millis, VenueId, now_nanos};
use crate::venue::registry::{VenueOptions, instrument_source};

use super::run::{BackfillConfig, BackfillUpdate, Target, run_backfill};
use super::venues;

/// Updates waiting between the backfill and whoever reads them.
const UPDATES: usize = 64;

/// The books of `chosen` a backfill can serve, each with its venue's REST base (the override in
/// `options`, else the venue's default).
pub fn targets(
    chosen: &BTreeMap<VenueId, Vec<Instrument>>,
    options: &BTreeMap<VenueId, VenueOptions>,
) -> Vec<Target> {
    chosen
        .iter()
        .filter(|(venue, _)| venues::source(**venue).is_some())
        .filter_map(|(venue, list)| {
            let base = options
                .get(venue)
                .and_then(|o| o.rest_url.clone())
                .or_else(|| instrument_source(*venue).map(|s| s.default_rest.to_owned()))?;
            Some(list.iter().map(move |i| Target {
                instrument: i.clone(),
                rest_base: base.clone(),
            }))
        })
        .flatten()
        .collect()
}

/// Millisecond wall time, the end of the span a backfill asks for.
pub fn now_ms() -> Millis {
    (now_nanos() / 1_000_000) as Millis
}

/// Fetches the history of `targets` and forwards it to the engine's queue; returns when done,
/// cancelled, or the engine has gone.
pub async fn backfill_engine(
    targets: Vec<Target>,
    cfg: BackfillConfig,
    tap: Option<Arc<dyn Tap>>,
    events: mpsc::Sender<MarketEvent>,
    cancel: CancellationToken,
) {
    if targets.is_empty() {
        return;
    }
    let http = match reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .user_agent(concat!("depthscope/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => Arc::new(c),
        Err(e) => {
            tracing::warn!("backfill: cannot build the HTTP client: {e}");
            return;
        }
    };
    let (tx, mut rx) = mpsc::channel::<BackfillUpdate>(UPDATES);
    // Its own token under the session's: a gone engine stops the backfill, not the session.
    let stop = cancel.child_token();
    let run = tokio::spawn(run_backfill(
        http,
        targets,
        now_ms(),
        cfg,
        tap,
        tx,
        stop.clone(),
    ));
    while let Some(update) = rx.recv().await {
        if events.send(MarketEvent::Backfill(update)).await.is_err() {
            stop.cancel();
            break;
        }
    }
    let _ = run.await;
}
