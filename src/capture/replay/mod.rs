//! Replay: a capture fed through the very adapters, books and checksums the live feed uses.
//!
//! `recv` and `rest` events go through each venue's adapter in file order; `sent` events tell
//! the adapter what was subscribed; `open`/`close` start and end connections. A replay cannot
//! re-subscribe: after a mismatch or a gap a book stays invalid until the stream itself brings a
//! new snapshot (`docs/capture-format.md`). The [`Report`] is the machine-readable result of
//! `depthscope replay FILE --report json`.

use super::format::{Event, EventKind, Payload};
use super::reader::{CaptureReader, LineError};
use crate::feed::adapter::{Adapter, ConnId, Frame, Output};
use crate::feed::driver::DriverConfig;
use crate::feed::event::MarketEvent;
use crate::feed::sync::BookSync;
use crate::instrument::Instrument;
use crate::instrument::catalog::parse_recorded;
use crate::market::{Nanos, VenueId};
use crate::venue::registry::{self, VenueOptions};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

mod paced;

pub use paced::{DEFAULT_MAX_GAP, ReplayState, run_paced};

/// How many book levels per side the report lists.
const REPORT_LEVELS: usize = 25;

/// Error messages the report keeps in full; every error is also counted by kind. A capture of
/// millions of bad lines made a report of millions of messages (284 MB for 10 MB of input).
pub const MAX_ERRORS: usize = 100;

/// Distinct error kinds counted by name; further kinds are counted together as `other`.
const MAX_ERROR_KINDS: usize = 64;

/// Notices (skipped gaps) the report keeps; all are counted.
const MAX_NOTICES: usize = 20;

/// One venue's adapter, with the capture's connection numbers mapped onto its sockets.
struct VenueReplay {
    adapter: Box<dyn Adapter>,
    urls: Vec<String>,
    conns: HashMap<u64, ConnId>,
}

impl VenueReplay {
    /// The adapter socket a capture connection to `url` corresponds to: the one with the same
    /// path (Binance USDⓈ-M's `/public` and `/market`), else the first.
    fn socket_for(&self, url: &str) -> ConnId {
        let path = |u: &str| {
            u.split_once("://")
                .map_or(u, |(_, rest)| rest)
                .split_once('/')
                .map_or("", |(_, path)| path)
                .split(['?', '#'])
                .next()
                .unwrap_or("")
                .to_owned()
        };
        let want = path(url);
        self.urls.iter().position(|u| path(u) == want).unwrap_or(0)
    }
}

/// Feeds capture events to adapters and counts what came out.
pub struct Replayer {
    venues: BTreeMap<VenueId, VenueReplay>,
    registry: Vec<Instrument>,
    config: DriverConfig,
    out: Output,
    events: u64,
    trades: u64,
    liquidations: u64,
    errors: Errors,
    /// Capture-time gaps a paced replay skipped: how many, how much capture time in all, and
    /// the first few as notices.
    skipped_gaps: u64,
    skipped_ns: u64,
    notices: Vec<String>,
    /// Venues in the capture without an adapter: (first line, events skipped).
    unsupported: BTreeMap<VenueId, (u64, u64)>,
    clock: Nanos,
}

impl Replayer {
    /// A replayer whose adapters resolve instruments through `registry` (cached instrument
    /// lists, for contract sizes). `emit_books` publishes book updates (the engine needs them;
    /// a headless report does not).
    pub fn new(registry: Vec<Instrument>, emit_books: bool) -> Self {
        Replayer {
            venues: BTreeMap::new(),
            registry,
            config: DriverConfig {
                emit_books,
                ..DriverConfig::replay()
            },
            out: Output::default(),
            events: 0,
            trades: 0,
            liquidations: 0,
            errors: Errors::default(),
            skipped_gaps: 0,
            skipped_ns: 0,
            notices: Vec::new(),
            unsupported: BTreeMap::new(),
            clock: 0,
        }
    }

    /// The capture time of the latest event.
    pub fn clock(&self) -> Nanos {
        self.clock
    }

    /// A line the reader could not use.
    pub fn line_error(&mut self, error: LineError) {
        self.errors.push(error.line, &error.message);
    }

    /// Capture-time gaps skipped so far.
    pub fn skipped_gaps(&self) -> u64 {
        self.skipped_gaps
    }

    /// A paced replay skipped the jump in capture time from `from` to the event on `line` at
    /// `to`.
    pub fn skip_gap(&mut self, line: u64, from: Nanos, to: Nanos) {
        let gap = to.abs_diff(from);
        self.skipped_gaps += 1;
        self.skipped_ns = self.skipped_ns.saturating_add(gap);
        if self.notices.len() < MAX_NOTICES {
            let way = if to > from { "ahead" } else { "back" };
            self.notices.push(format!(
                "line {line}: capture time jumps {} {way}; the gap was skipped",
                span(gap)
            ));
        }
    }

    /// Feed one event (from capture line `line`); everything the adapters publish goes to `sink`.
    pub fn feed(&mut self, line: u64, event: &Event<'_>, sink: &mut impl FnMut(MarketEvent)) {
        self.events += 1;
        self.clock = self.clock.max(event.t);
        let venue = event.venue;
        // Instrument lists recorded at start: their ticks and precisions join the registry
        // (the venue's adapter, created at its first other event, is built with them).
        if let EventKind::Rest { url, status, data } = &event.kind
            && let Some(parsed) = parse_recorded(venue, url, data)
        {
            match parsed {
                Ok(list) if *status == 200 => {
                    // The session's own list wins over the local cache's (one pass: lists run
                    // to thousands of instruments).
                    let fresh: HashSet<(VenueId, &str)> =
                        list.iter().map(|i| (i.venue, i.id.as_str())).collect();
                    self.registry
                        .retain(|r| !fresh.contains(&(r.venue, r.id.as_str())));
                    self.registry.extend(list);
                }
                Ok(_) => {}
                Err(e) => self
                    .errors
                    .push(line, &format!("{venue}: instrument list: {e}")),
            }
            return;
        }
        if !self.venues.contains_key(&venue) {
            let Some(adapter) = registry::adapter(
                venue,
                &VenueOptions::default(),
                self.config.clone(),
                Vec::new(),
                self.registry.clone(),
            ) else {
                let entry = self.unsupported.entry(venue).or_insert((line, 0));
                entry.1 += 1;
                return;
            };
            let urls = adapter.connections().into_iter().map(|c| c.url).collect();
            self.venues.insert(
                venue,
                VenueReplay {
                    adapter,
                    urls,
                    conns: HashMap::new(),
                },
            );
        }
        let Some(v) = self.venues.get_mut(&venue) else {
            return;
        };
        let t = event.t;
        let out = &mut self.out;
        match &event.kind {
            EventKind::Open { conn, url } => {
                let socket = v.socket_for(url);
                v.conns.insert(*conn, socket);
                v.adapter.on_open(socket, t, out);
            }
            EventKind::Sent { conn, payload } => {
                let socket = v.conns.get(conn).copied().unwrap_or(0);
                if let Payload::Text(text) = payload {
                    v.adapter.on_sent(socket, text);
                }
            }
            EventKind::Recv { conn, payload } => {
                let socket = v.conns.get(conn).copied().unwrap_or(0);
                let frame = match payload {
                    Payload::Text(text) => Frame::Text(text),
                    Payload::Binary(bytes) => Frame::Binary(bytes),
                };
                v.adapter.on_frame(socket, frame, t, out);
            }
            EventKind::Close { conn, .. } => {
                let socket = v.conns.remove(conn).unwrap_or(0);
                v.adapter.on_close(socket, t, out);
            }
            EventKind::Rest { url, status, data } => {
                v.adapter.on_rest(url, *status, data, t, out);
            }
        }
        // A replay cannot send, fetch or reconnect: those requests are dropped.
        for problem in self.out.problems.drain(..) {
            self.errors.push(line, &problem);
        }
        for event in self.out.events.drain(..) {
            match &event {
                MarketEvent::Trade(_) => self.trades += 1,
                MarketEvent::Liquidation(_) => self.liquidations += 1,
                _ => {}
            }
            sink(event);
        }
        self.out.clear();
    }

    /// The report for everything fed so far, which took `elapsed_s`.
    pub fn report(&self, elapsed_s: f64) -> Report {
        let mut errors = self.errors.clone();
        for (venue, (line, count)) in &self.unsupported {
            errors.push(
                *line,
                &format!(
                    "venue {venue} has no adapter ({}); {count} of its events were skipped",
                    crate::venue::registry::no_adapter_reason(*venue)
                ),
            );
        }
        let books = self
            .venues
            .values()
            .flat_map(|v| v.adapter.books())
            .map(BookReport::from)
            .collect();
        Report {
            events: self.events,
            elapsed_s,
            events_per_s: if elapsed_s > 0.0 {
                self.events as f64 / elapsed_s
            } else {
                0.0
            },
            books,
            trades: self.trades,
            liquidations: self.liquidations,
            errors_total: errors.total,
            error_kinds: errors.kinds,
            errors: errors.first,
            skipped_gaps: self.skipped_gaps,
            skipped_s: self.skipped_ns as f64 / 1e9,
            notices: self.notices.clone(),
            passes: 1,
            total_events: self.events,
            total_elapsed_s: elapsed_s,
            source: "file",
        }
    }
}

/// The replay report (`docs/capture-format.md`), plus what `--repeat` adds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub events: u64,
    pub elapsed_s: f64,
    pub events_per_s: f64,
    pub books: Vec<BookReport>,
    pub trades: u64,
    pub liquidations: u64,
    /// The first [`MAX_ERRORS`] errors, each with its line number.
    pub errors: Vec<String>,
    /// Every error, counted.
    pub errors_total: u64,
    /// Every error counted by its kind (the message up to its first detail).
    pub error_kinds: BTreeMap<String, u64>,
    /// Gaps in capture time a paced replay skipped, and the capture time they spanned.
    pub skipped_gaps: u64,
    pub skipped_s: f64,
    /// What the replay did that the user should know (the first skipped gaps).
    pub notices: Vec<String>,
    /// How many passes ran (`--repeat`); the figures above are the last pass's.
    pub passes: u32,
    pub total_events: u64,
    pub total_elapsed_s: f64,
    /// `file`: the last pass read and decoded the capture file; `memory`: it replayed events
    /// decoded by the first pass (later `--repeat` passes), so it measures the adapters alone.
    pub source: &'static str,
}

/// One book at the end of a replay.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BookReport {
    pub venue: VenueId,
    pub instrument: String,
    pub updates: u64,
    pub checksum_ok: u64,
    pub checksum_fail: u64,
    pub checksum_absent: u64,
    pub seq_gaps: u64,
    pub resyncs: u64,
    pub crossed: u64,
    /// Levels cut by the book's bound on levels per side (the worst ones).
    pub capped_levels: u64,
    pub valid: bool,
    pub state: String,
    pub bids: Vec<[String; 2]>,
    pub asks: Vec<[String; 2]>,
}

impl From<&BookSync> for BookReport {
    fn from(sync: &BookSync) -> Self {
        let c = sync.counters();
        let side = |side: &crate::book::BookSide| {
            side.iter()
                .take(REPORT_LEVELS)
                .map(|l| [l.price.to_string(), l.size.to_string()])
                .collect()
        };
        BookReport {
            venue: sync.key().venue,
            instrument: sync.key().instrument.to_string(),
            updates: c.messages,
            checksum_ok: c.checksum_ok,
            checksum_fail: c.checksum_fail,
            checksum_absent: c.checksum_absent,
            seq_gaps: c.seq_gaps,
            resyncs: c.resyncs,
            crossed: c.crossed,
            capped_levels: c.capped_levels,
            valid: sync.state().is_live(),
            state: sync.state().to_string(),
            bids: side(sync.book().bids()),
            asks: side(sync.book().asks()),
        }
    }
}

/// Replay `path` headless `repeat` times and report on the last pass. The first pass reads
/// and decodes the file; later passes replay the decoded events from memory, so with
/// `repeat > 1` the last pass measures the adapters, books and checksums alone (its `source`
/// says `memory`). Errors reading the file itself are returned; bad lines are in the report.
pub fn replay_report(
    path: &Path,
    repeat: u32,
    registry: Vec<Instrument>,
) -> std::io::Result<Report> {
    let repeat = repeat.max(1);
    let mut reader = CaptureReader::open(path)?;
    let mut decoded: Vec<(u64, Event<'static>)> = Vec::new();
    let mut replayer = Replayer::new(registry.clone(), false);
    let start = Instant::now();
    while let Some((line, item)) = reader.next_numbered() {
        match item {
            Ok(event) => {
                replayer.feed(line, &event, &mut |_| {});
                if repeat > 1 {
                    decoded.push((line, event.into_owned()));
                }
            }
            Err(error) => replayer.line_error(error),
        }
    }
    let first = start.elapsed().as_secs_f64();
    let mut report = replayer.report(first);
    let (mut total_events, mut total_elapsed) = (report.events, first);
    let read_errors = (
        report.errors.clone(),
        report.errors_total,
        report.error_kinds.clone(),
    );
    for _ in 1..repeat {
        let mut replayer = Replayer::new(registry.clone(), false);
        let start = Instant::now();
        for (line, event) in &decoded {
            replayer.feed(*line, event, &mut |_| {});
        }
        let elapsed = start.elapsed().as_secs_f64();
        report = replayer.report(elapsed);
        // Lines the reader rejected are not in memory: keep their errors in every pass's report.
        (report.errors, report.errors_total, report.error_kinds) = read_errors.clone();
        report.source = "memory";
        total_events += report.events;
        total_elapsed += elapsed;
    }
    report.passes = repeat;
    report.total_events = total_events;
    report.total_elapsed_s = total_elapsed;
    Ok(report)
}

/// The errors of a replay: the first [`MAX_ERRORS`] in full, all counted by kind.
#[derive(Clone, Debug, Default)]
struct Errors {
    first: Vec<String>,
    total: u64,
    kinds: BTreeMap<String, u64>,
}

impl Errors {
    /// One error at capture line `line`. The message is cut to a short excerpt: messages can
    /// quote the bad input, which can be megabytes.
    fn push(&mut self, line: u64, message: &str) {
        self.total += 1;
        let kind = error_kind(message);
        let kind = if self.kinds.len() < MAX_ERROR_KINDS || self.kinds.contains_key(kind) {
            kind
        } else {
            "other"
        };
        *self.kinds.entry(kind.to_owned()).or_default() += 1;
        if self.first.len() < MAX_ERRORS {
            let excerpt = crate::feed::driver::excerpt(message);
            let cut = if excerpt.len() < message.len() {
                "…"
            } else {
                ""
            };
            self.first.push(format!("line {line}: {excerpt}{cut}"));
        }
    }
}

/// The kind of an error message: up to its first `:` (`bad JSON`, `okx`), at most 40
/// characters, so that the details (which quote input) stay out of the counts' names.
fn error_kind(message: &str) -> &str {
    let head = message.split(':').next().unwrap_or(message).trim();
    match head.char_indices().nth(40) {
        Some((cut, _)) => &head[..cut],
        None => head,
    }
}

/// A span of capture time for a notice: `31 years`, `2.5 hours`, `90 s`.
fn span(ns: u64) -> String {
    let s = ns as f64 / 1e9;
    const UNITS: [(f64, &str); 4] = [
        (365.25 * 86_400.0, "years"),
        (86_400.0, "days"),
        (3_600.0, "hours"),
        (60.0, "minutes"),
    ];
    match UNITS.iter().find(|(unit, _)| s >= 2.0 * unit) {
        Some((unit, name)) => format!("{:.1} {name}", s / unit),
        None => format!("{s:.0} s"),
    }
}

#[cfg(test)]
mod tests;
