//! [`run_backfill`]: fetches every planned page, venue by venue in parallel (each venue at its
//! own pace, at most `in_flight` pages at once), and hands each book's history and the
//! progress to a channel. It never touches the engine: the caller forwards what it wants.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::join_all;
use futures_util::stream::FuturesUnordered;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::feed::runtime::Tap;
use crate::instrument::Instrument;
use crate::market::{Millis, VenueId};

use super::fetch::{Failure, Http, Recording, RetryPolicy, fetch};
use super::gate::Gate;
use super::plan::Request;
use super::series::BookHistory;
use super::venues;

/// One book to backfill, and the REST base of its venue (the default, or `--venue-rest`).
#[derive(Clone, Debug)]
pub struct Target {
    pub instrument: Instrument,
    pub rest_base: String,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BackfillConfig {
    /// How far back to fetch.
    pub span: Duration,
    pub retry: RetryPolicy,
}

impl Default for BackfillConfig {
    fn default() -> Self {
        BackfillConfig {
            span: Duration::from_secs(24 * 3600),
            retry: RetryPolicy::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackfillState {
    Running,
    /// Every page was tried (some may have failed: see `failed`).
    Done,
    Cancelled,
}

/// Where a backfill's history comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackfillSource {
    /// The venues' public REST history.
    #[default]
    Rest,
    /// The demo's SIMULATED past, its older hours built while the demo runs
    /// ([`crate::session::demo_history`]); a page is an hour of one symbol's books.
    SimulatedPast,
}

/// How far a backfill has got: what the header's progress line and the Health view show.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct BackfillProgress {
    /// Where the history comes from.
    #[serde(default)]
    pub source: BackfillSource,
    pub state: BackfillState,
    /// Hours of history asked for.
    pub hours: f64,
    pub pages_done: usize,
    pub pages_total: usize,
    /// Pages that failed for good (their part of the history is missing).
    pub failed: usize,
    pub retries: u32,
    pub books_done: usize,
    pub books_total: usize,
    /// Venues given up on, and why (offline, a long ban).
    pub closed: Vec<(VenueId, String)>,
    /// Each venue's share, in the order the venues run.
    pub venues: Vec<VenueProgress>,
    /// The latest page failure, for the Health view.
    pub last_error: Option<String>,
}

/// One venue's part of a backfill: its pages and the request weight they cost against the
/// venue's limits (see [`Limits`](super::plan::Limits)).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct VenueProgress {
    pub venue: VenueId,
    pub pages_done: usize,
    pub pages_total: usize,
    pub failed: usize,
    /// Weight of the pages done (retries aside), and planned in all.
    pub weight_done: u64,
    pub weight_total: u64,
    /// The venue's budget: at most `budget` weight per `per_s` seconds.
    pub budget: u32,
    pub per_s: f64,
}

impl BackfillProgress {
    /// The progress of the demo's simulated past: `hours` built as `total` parts, `done` so far.
    pub fn simulated_past(hours: f64, done: usize, total: usize, state: BackfillState) -> Self {
        BackfillProgress {
            source: BackfillSource::SimulatedPast,
            state,
            hours,
            pages_done: done.min(total),
            pages_total: total,
            failed: 0,
            retries: 0,
            books_done: 0,
            books_total: 0,
            closed: Vec::new(),
            venues: Vec::new(),
            last_error: None,
        }
    }

    pub fn fraction(&self) -> f64 {
        if self.pages_total == 0 {
            1.0
        } else {
            self.pages_done as f64 / self.pages_total as f64
        }
    }
}

/// What a running backfill sends.
#[derive(Clone, Debug, PartialEq)]
pub enum BackfillUpdate {
    Progress(BackfillProgress),
    /// One book's history, complete (as far as the venue served it).
    Book(Arc<BookHistory>),
}

/// Where a backfill's results go (the engine, a history store, the terminal).
pub trait BackfillSink {
    fn progress(&mut self, progress: &BackfillProgress);
    fn book(&mut self, history: Arc<BookHistory>);
}

/// Feeds every update from `rx` to `sink` until the backfill ends; returns the last progress.
pub async fn drain(
    mut rx: mpsc::Receiver<BackfillUpdate>,
    sink: &mut dyn BackfillSink,
) -> Option<BackfillProgress> {
    let mut last = None;
    while let Some(update) = rx.recv().await {
        match update {
            BackfillUpdate::Progress(p) => {
                sink.progress(&p);
                last = Some(p);
            }
            BackfillUpdate::Book(h) => sink.book(h),
        }
    }
    last
}

struct Shared {
    progress: Mutex<BackfillProgress>,
    out: mpsc::Sender<BackfillUpdate>,
    cancel: CancellationToken,
}

impl Shared {
    fn update(&self, f: impl FnOnce(&mut BackfillProgress)) -> BackfillProgress {
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut p);
        p.clone()
    }

    async fn publish(&self, f: impl FnOnce(&mut BackfillProgress)) {
        let p = self.update(f);
        send(&self.out, BackfillUpdate::Progress(p), &self.cancel).await;
    }
}

/// Sends `update`, or once `cancel` has fired only if there is room: a cancelled backfill
/// never waits on a reader that stopped reading (the session waits for this task to end before it can exit). A
/// receiver that went away only means nobody watches any more.
async fn send(
    out: &mpsc::Sender<BackfillUpdate>,
    update: BackfillUpdate,
    cancel: &CancellationToken,
) {
    tokio::select! {
        biased;
        _ = out.send(update) => {}
        () = cancel.cancelled() => {}
    }
}

/// Backfills `[to − span, to)` for every target whose venue has history endpoints; returns the
/// final progress (also sent on `out`).
pub async fn run_backfill<H: Http>(
    http: Arc<H>,
    targets: Vec<Target>,
    to: Millis,
    cfg: BackfillConfig,
    tap: Option<Arc<dyn Tap>>,
    out: mpsc::Sender<BackfillUpdate>,
    cancel: CancellationToken,
) -> BackfillProgress {
    let from = to - cfg.span.as_millis() as Millis;
    let mut by_venue: BTreeMap<VenueId, Vec<(Instrument, Vec<Request>)>> = BTreeMap::new();
    for t in targets {
        let Some(source) = venues::source(t.instrument.venue) else {
            continue;
        };
        let base = t.rest_base.trim_end_matches('/');
        let plan = source.plan(base, &t.instrument, from, to);
        by_venue
            .entry(t.instrument.venue)
            .or_default()
            .push((t.instrument, plan));
    }
    let shared = Arc::new(Shared {
        progress: Mutex::new(BackfillProgress {
            source: BackfillSource::Rest,
            state: BackfillState::Running,
            hours: cfg.span.as_secs_f64() / 3600.0,
            pages_done: 0,
            pages_total: by_venue.values().flatten().map(|(_, p)| p.len()).sum(),
            failed: 0,
            retries: 0,
            books_done: 0,
            books_total: by_venue.values().map(Vec::len).sum(),
            closed: Vec::new(),
            last_error: None,
            venues: by_venue
                .iter()
                .filter_map(|(venue, books)| {
                    let limits = venues::source(*venue)?.limits;
                    let plan = || books.iter().flat_map(|(_, p)| p);
                    Some(VenueProgress {
                        venue: *venue,
                        pages_done: 0,
                        pages_total: plan().count(),
                        failed: 0,
                        weight_done: 0,
                        weight_total: plan().map(|r| u64::from(r.weight)).sum(),
                        budget: limits.budget,
                        per_s: limits.per.as_secs_f64(),
                    })
                })
                .collect(),
        }),
        out: out.clone(),
        cancel: cancel.clone(),
    });
    shared.publish(|_| {}).await;
    let venues = by_venue.into_iter().map(|(venue, books)| {
        let (http, shared, tap) = (http.clone(), shared.clone(), tap.clone());
        async move {
            let recording = Recording { venue, tap };
            run_venue(&*http, venue, books, from, to, &cfg, &recording, &shared).await;
        }
    });
    // Cancellation first: once cancelled, a send gives up at once, so the venues may finish in
    // the same poll, and a run that was told to stop must say it was cancelled, not done.
    let cancelled = tokio::select! {
        biased;
        () = cancel.cancelled() => true,
        _ = join_all(venues) => cancel.is_cancelled(),
    };
    let state = if cancelled {
        BackfillState::Cancelled
    } else {
        BackfillState::Done
    };
    let last = shared.update(|p| p.state = state);
    send(&out, BackfillUpdate::Progress(last.clone()), &cancel).await;
    last
}

async fn fetch_page<'a, H: Http>(
    http: &'a H,
    gate: &'a Gate,
    req: &'a Request,
    policy: &'a RetryPolicy,
    recording: &'a Recording,
) -> (&'a Request, Result<String, Failure>, u32) {
    let mut retried = 0;
    let result = fetch(http, gate, req, policy, recording, &mut retried).await;
    (req, result, retried)
}

#[allow(clippy::too_many_arguments)]
async fn run_venue<H: Http>(
    http: &H,
    venue: VenueId,
    books: Vec<(Instrument, Vec<Request>)>,
    from: Millis,
    to: Millis,
    cfg: &BackfillConfig,
    recording: &Recording,
    shared: &Shared,
) {
    let Some(source) = venues::source(venue) else {
        return;
    };
    let gate = Gate::new(source.limits);
    for (inst, plan) in books {
        let mut history = BookHistory::new(
            crate::feed::event::BookKey::new(venue, &inst.id),
            &inst.base,
            from,
            to,
        );
        let mut pending = FuturesUnordered::new();
        let mut queue = plan.iter();
        loop {
            while pending.len() < source.limits.in_flight.max(1) {
                let Some(req) = queue.next() else { break };
                pending.push(fetch_page(http, &gate, req, &cfg.retry, recording));
            }
            let Some((req, result, retried)) = pending.next().await else {
                break;
            };
            let error = match result {
                Ok(body) => (source.parse)(req, &inst, &body, &mut history)
                    .err()
                    .map(|e| {
                        (
                            format!("{venue} {} {}: {e}", inst.id, req.endpoint.label()),
                            None,
                        )
                    }),
                Err(Failure::Page(e)) => Some((
                    format!("{venue} {} {}: {e}", inst.id, req.endpoint.label()),
                    None,
                )),
                Err(Failure::VenueClosed(why)) => Some((format!("{venue}: {why}"), Some(why))),
            };
            if let Some((message, _)) = &error {
                tracing::warn!("backfill: {message}");
            }
            shared
                .publish(|p| {
                    p.pages_done += 1;
                    p.retries += retried;
                    if let Some(v) = p.venues.iter_mut().find(|v| v.venue == venue) {
                        v.pages_done += 1;
                        v.weight_done += u64::from(req.weight);
                        v.failed += usize::from(error.is_some());
                    }
                    if let Some((message, closed)) = error {
                        p.failed += 1;
                        p.last_error = Some(message);
                        if let Some(why) = closed
                            && !p.closed.iter().any(|(v, _)| *v == venue)
                        {
                            p.closed.push((venue, why));
                        }
                    }
                })
                .await;
        }
        history.finish();
        history.weigh_prints();
        if !history.is_empty() {
            let book = BackfillUpdate::Book(Arc::new(history));
            send(&shared.out, book, &shared.cancel).await;
        }
        shared.publish(|p| p.books_done += 1).await;
    }
}
