//! Backfill at live and demo start: one background task that fetches the history of every
//! watched book, writes it into the history store (where the store has no rows), and sends the
//! engine the book's seeds as the store then holds them, with the progress, as
//! [`MarketEvent::Backfill`]. Without a store the fetched seeds go to the engine as they are.
//! The engine only ever receives finished books, so a backfill that is slow, rate limited or
//! offline never holds the engine or the screen back.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::engine::warm::Seed;
use crate::feed::event::{BookKey, MarketEvent};
use crate::feed::runtime::Tap;
use crate::history::HistorySink;
use crate::instrument::Instrument;
use crate::market::{Millis, VenueId, now_nanos};
use crate::venue::registry::{VenueOptions, default_rest};

use super::rows;
use super::run::{BackfillConfig, BackfillProgress, BackfillUpdate, Target, run_backfill};
use super::series::BookHistory;
use super::venues;

/// What the start-time backfill tells the engine.
#[derive(Clone, Debug, PartialEq)]
pub enum BackfillEvent {
    Progress(BackfillProgress),
    /// One book's baseline samples for [`Engine::seed`](crate::engine::Engine::seed), and the
    /// rows its backfill wrote into the history file.
    Seeds {
        key: BookKey,
        seeds: Vec<Seed>,
        stored_rows: u64,
    },
}

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
                .or_else(|| default_rest(*venue).map(str::to_owned))?;
            Some(list.iter().map(move |i| Target {
                instrument: i.clone(),
                rest_base: base.clone(),
            }))
        })
        .flatten()
        .collect()
}

/// How long the start-time backfill waits for the remaining venues' instrument lists after the
/// first one arrived, before it starts with the books it knows (a late venue gets a run of its
/// own).
const GATHER: Duration = Duration::from_secs(10);

/// The start-time backfill: gathers each venue's chosen instruments as its list arrives
/// (`venues` of them are expected), then backfills them in one run; venues whose lists come
/// later are backfilled in runs of their own, each into the history store when there is one.
/// Ends with the session.
pub async fn backfill_when_resolved(
    venues: usize,
    mut resolved: mpsc::UnboundedReceiver<(VenueId, Vec<Instrument>)>,
    options: BTreeMap<VenueId, VenueOptions>,
    tap: Option<Arc<dyn Tap>>,
    history: tokio::sync::oneshot::Receiver<Option<HistorySink>>,
    events: mpsc::Sender<MarketEvent>,
    cancel: CancellationToken,
) {
    // The session opens the history file after the feeds start; it is open long before the
    // first instrument list arrives.
    let history = tokio::select! {
        h = history => h.ok().flatten(),
        () = cancel.cancelled() => return,
    };
    let mut runs = Vec::new();
    let mut reported = 0;
    while reported < venues {
        let Some(first) = (tokio::select! {
            r = resolved.recv() => r,
            () = cancel.cancelled() => None,
        }) else {
            break;
        };
        let mut chosen = BTreeMap::from([first]);
        reported += 1;
        let deadline = tokio::time::Instant::now() + GATHER;
        while reported < venues {
            tokio::select! {
                r = resolved.recv() => match r {
                    Some((venue, list)) => {
                        chosen.insert(venue, list);
                        reported += 1;
                    }
                    None => break,
                },
                () = tokio::time::sleep_until(deadline) => break,
                () = cancel.cancelled() => break,
            }
        }
        runs.push(tokio::spawn(backfill_engine(
            targets(&chosen, &options),
            BackfillConfig::default(),
            tap.clone(),
            history.clone(),
            events.clone(),
            cancel.clone(),
        )));
    }
    for run in runs {
        let _ = run.await;
    }
}

/// Millisecond wall time, the end of the span a backfill asks for.
pub fn now_ms() -> Millis {
    (now_nanos() / 1_000_000) as Millis
}

/// Fetches the history of `targets`, stores it (with `history`) and forwards each book's seeds
/// to the engine's queue; returns when done, cancelled, or the engine has gone.
pub async fn backfill_engine(
    targets: Vec<Target>,
    cfg: BackfillConfig,
    tap: Option<Arc<dyn Tap>>,
    history: Option<HistorySink>,
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
        let event = match update {
            BackfillUpdate::Progress(p) => BackfillEvent::Progress(p),
            BackfillUpdate::Book(h) => seeds(&h, history.as_ref()).await,
        };
        if events.send(MarketEvent::Backfill(event)).await.is_err() {
            stop.cancel();
            break;
        }
    }
    // Nothing more is read: a send the run is waiting on fails now instead of never ending.
    drop(rx);
    let _ = run.await;
}

/// One fetched book as the engine gets it: through the store when there is one (what it holds
/// after the write, recorded rows winning), else the fetched samples themselves.
pub async fn seeds(h: &BookHistory, history: Option<&HistorySink>) -> BackfillEvent {
    // The latest polled values go to the engine as fetched: the store keeps their history in
    // the 1-min rows, not as baseline samples.
    let fetched = || BackfillEvent::Seeds {
        key: h.key.clone(),
        seeds: [rows::seeds(h), rows::polled(h)].concat(),
        stored_rows: 0,
    };
    let Some(sink) = history else {
        return fetched();
    };
    let stored = sink
        .backfill(
            h.key.clone(),
            rows::minute_rows(h, &h.symbol),
            rows::warm_rows(h, &h.symbol),
            rows::SERIES.to_vec(),
            now_ms(),
        )
        .await;
    match stored {
        Ok((written, seeds)) => BackfillEvent::Seeds {
            key: h.key.clone(),
            seeds: [seeds, rows::polled(h)].concat(),
            stored_rows: written.written(),
        },
        Err(e) => {
            tracing::warn!(
                "backfill: {} {} not stored ({e}); seeding the engine from the fetch",
                h.key.venue,
                h.key.instrument
            );
            fetched()
        }
    }
}
