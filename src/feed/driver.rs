//! [`Driver`]: the shared state machine that turns any [`Protocol`] into an [`Adapter`].
//!
//! It owns the books and does, identically for every venue: book state per instrument, REST
//! snapshot joins (buffer the diff stream, fetch, join with the venue's rule), resync by the
//! venue's procedure, watchdogs (no snapshot after subscribing, a silent socket), application
//! keepalives, periodic polls, counters and status events, planned restarts (`handover`) and
//! books added or removed while running (`watch`). A venue only supplies its [`Protocol`].

use crate::book::Level;
use crate::feed::adapter::{
    Adapter, ConnId, ConnSpec, Frame, Link, Output, RestRequest, Resubscribe,
};
use crate::feed::audit::{Audit, AuditConfig, Outcome};
use crate::feed::event::{BookKey, DerivsTick, Liquidation, MarketEvent, Trade, VenueStatus};
use crate::feed::health::{BookState, ConnState, VenueCounters};
use crate::feed::polls::Polls;
use crate::feed::protocol::{
    BookFrame, Parsed, Protocol, RawDerivs, RawLiquidation, RawTrade, RestParsed, Sequencer,
    SnapshotSource,
};
use crate::feed::sync::{Applied, BookMsg, BookSync};
use crate::instrument::{Contract, Instrument};
use crate::integrity::{ResyncReason, SeqVerdict};
use crate::market::{Millis, Nanos, Side, VenueId};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

mod handover;
mod watch;
use handover::Role;

/// How a driver behaves live versus in a replay.
#[derive(Clone, Debug)]
pub struct DriverConfig {
    /// Create books for instruments first seen in the data (replays of captures whose
    /// subscriptions are not configured). Live, an unknown instrument is an error.
    pub discover: bool,
    /// Resync books that get no snapshot in time, and reconnect silent sockets (live only: a
    /// replay cannot resubscribe, and its clock is the capture's).
    pub watchdogs: bool,
    pub snapshot_timeout: Duration,
    pub silence_timeout: Duration,
    /// Publish book updates (a headless replay report needs only counters).
    pub emit_books: bool,
    pub status_interval: Duration,
    /// Deltas kept while a REST snapshot is awaited; beyond this the oldest are dropped and the
    /// join will fail and refetch, which is the honest outcome.
    pub max_buffered: usize,
    /// REST audits of books without a checksum (live only: a replay cannot fetch).
    pub audit: Option<AuditConfig>,
    /// Levels a book keeps per side ([`crate::book::MAX_LEVELS`] unless configured).
    pub max_levels: usize,
    /// Books discovery may create per venue: a capture naming millions of instruments must not
    /// make millions of books. Past it, data for a new instrument is an error.
    pub max_books: usize,
}

/// Books one venue's driver creates at most by discovery (replays): far more than a session
/// watches, and a bound on memory (a checksummed book holds about 23 KB before its levels: a
/// 12.8 MB capture naming 40,000 instruments took 907 MB; with this bound, 40 MB).
pub const MAX_BOOKS: usize = 1_000;

impl DriverConfig {
    pub fn live() -> Self {
        DriverConfig {
            discover: false,
            watchdogs: true,
            snapshot_timeout: Duration::from_secs(15),
            silence_timeout: Duration::from_secs(60),
            emit_books: true,
            status_interval: Duration::from_secs(1),
            max_buffered: 20_000,
            audit: Some(AuditConfig::default()),
            max_levels: crate::book::MAX_LEVELS,
            max_books: MAX_BOOKS,
        }
    }

    pub fn replay() -> Self {
        DriverConfig {
            discover: true,
            watchdogs: false,
            audit: None,
            ..DriverConfig::live()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    Closed,
    Connecting,
    Open,
    Backoff { until: Nanos, reason: String },
    Down(String),
}

#[derive(Debug)]
struct ConnTrack {
    phase: Phase,
    last_recv: Nanos,
    last_sent: Nanos,
    /// Whether any book is kept on this connection.
    carries_books: bool,
    /// Reported in [`Output::synced`] since it last opened.
    proven: bool,
    /// A resync asked the runtime for a new connection since it last opened: asked once, as a
    /// second request would be queued and close the new connection too.
    reconnect_asked: bool,
    /// The protocol's connection this socket serves: its own index, except for a socket opened
    /// to take over from one the venue is about to close ([`handover`]).
    slot: ConnId,
    role: Role,
    /// The venue announced it will close this socket since it last opened. A standby told so
    /// hands over again as soon as it has taken over, or its own close would take the books down.
    closing: bool,
}

/// The levels the parse scratch keeps room for between frames: a Binance 5,000-level snapshot
/// fits; a larger frame's room is given back after it.
const SCRATCH_LEVELS: usize = 1 << 14;

#[derive(Debug)]
struct Buffered<F> {
    seq: F,
    levels: Vec<(Side, Level)>,
    checksum: Option<u32>,
    exch_ts: Option<Millis>,
}

#[derive(Debug)]
struct Entry<S: Sequencer> {
    sync: BookSync,
    seq: S,
    conn: ConnId,
    rest_url: Option<String>,
    instrument: Instrument,
    buffer: Vec<Buffered<S::Fields>>,
    /// For [`SnapshotSource::StreamOrRest`]: how long to wait for a pushed snapshot before
    /// fetching `rest_url`. `None`: the book always starts from REST.
    rest_after: Option<Nanos>,
    /// A REST snapshot is wanted (sent once the first delta is buffered, and for
    /// `rest_after` books once that long has passed since `since`).
    need_rest: bool,
    rest_in_flight: bool,
    /// When the book last left `Live` (or was created): the snapshot watchdog's start.
    since: Nanos,
    audit: Option<Audit>,
}

impl<S: Sequencer> Entry<S> {
    /// Ask for the book's REST snapshot if it wants one and none is in flight; a book that
    /// first waits for a pushed snapshot asks only once that wait is over.
    fn request_rest(&mut self, now: Nanos, out: &mut Output) {
        let waited = self
            .rest_after
            .is_none_or(|after| now.saturating_sub(self.since) >= after);
        if !self.need_rest || self.rest_in_flight || !waited {
            return;
        }
        if let Some(url) = &self.rest_url {
            out.rest.push(RestRequest { url: url.clone() });
        }
        self.rest_in_flight = true;
        self.need_rest = false;
    }

    /// After a message (or snapshot) with ids `seq` and levels `changed` was applied: the audit
    /// sees the book at its new id. A mismatch invalidates the book; the caller resyncs it.
    fn audited(
        &mut self,
        seq: &S::Fields,
        changed: &[(Side, Level)],
        now: Nanos,
        events: &mut Vec<MarketEvent>,
    ) -> Option<ResyncReason> {
        let outcome =
            self.audit
                .as_mut()?
                .on_applied(S::span(seq), changed, self.sync.book(), now)?;
        self.settle_audit(outcome, now, events)
    }

    /// Count an audit's outcome; on a mismatch log the differing levels and invalidate.
    fn settle_audit(
        &mut self,
        outcome: Outcome,
        now: Nanos,
        events: &mut Vec<MarketEvent>,
    ) -> Option<ResyncReason> {
        self.sync.record_audit(&outcome, now);
        let Outcome::Mismatch(diffs) = outcome else {
            return None;
        };
        let shown: Vec<String> = diffs.iter().take(10).map(ToString::to_string).collect();
        tracing::warn!(
            book = %self.sync.key(),
            levels = diffs.len(),
            "REST audit mismatch at the book's update id: {}",
            shown.join("; ")
        );
        let reason = ResyncReason::AuditMismatch {
            levels: diffs.len(),
        };
        self.sync.invalidate(reason.clone(), now, events);
        Some(reason)
    }

    /// The book left `Live`: an audit waiting for it cannot finish.
    fn audit_reset(&mut self, now: Nanos) {
        if let Some(outcome) = self.audit.as_mut().and_then(|a| a.reset(now)) {
            self.sync.record_audit(&outcome, now);
        }
    }
}

/// A number that spreads a venue's books over the audit interval (FNV-1a of the id).
fn stagger(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A venue adapter: shared machinery around a venue's [`Protocol`].
pub struct Driver<P: Protocol> {
    protocol: P,
    cfg: DriverConfig,
    instruments: Vec<Instrument>,
    /// Instruments known from the registry, for books discovered in a replay.
    registry: BTreeMap<String, Instrument>,
    books: BTreeMap<String, Entry<P::Seq>>,
    /// Books being brought live on a standby connection before a planned close ([`handover`]).
    standby: BTreeMap<String, Entry<P::Seq>>,
    conns: Vec<ConnTrack>,
    counters: VenueCounters,
    levels: Vec<(Side, Level)>,
    last_status: Nanos,
    /// The REST polls' schedules; `polls_outdated` until taken from the current instruments.
    polls: Polls,
    polls_outdated: bool,
    announced: bool,
    /// Instruments removed at run time ([`watch`]): what the venue still sends for them is
    /// dropped quietly.
    unwatched: BTreeSet<String>,
}

impl<P: Protocol> Driver<P> {
    /// A driver for `instruments` (subscribed live) with `registry` for lookups.
    pub fn new(
        protocol: P,
        cfg: DriverConfig,
        instruments: Vec<Instrument>,
        registry: impl IntoIterator<Item = Instrument>,
    ) -> Self {
        let conns = (0..protocol.connections(&instruments).len())
            .map(|conn| ConnTrack {
                phase: Phase::Closed,
                last_recv: 0,
                last_sent: 0,
                carries_books: instruments
                    .iter()
                    .any(|i| protocol.book_spec(&i.id).conn == conn),
                proven: false,
                reconnect_asked: false,
                slot: conn,
                role: Role::Primary,
                closing: false,
            })
            .collect();
        let mut driver = Driver {
            registry: registry.into_iter().map(|i| (i.id.clone(), i)).collect(),
            protocol,
            cfg,
            instruments: Vec::new(),
            books: BTreeMap::new(),
            standby: BTreeMap::new(),
            conns,
            counters: VenueCounters::default(),
            levels: Vec::with_capacity(1024),
            last_status: 0,
            polls: Polls::default(),
            polls_outdated: true,
            announced: false,
            unwatched: BTreeSet::new(),
        };
        for instrument in instruments {
            driver.add_book(instrument, 0);
        }
        driver
    }

    pub fn protocol(&self) -> &P {
        &self.protocol
    }

    pub fn counters(&self) -> &VenueCounters {
        &self.counters
    }

    fn add_book(&mut self, instrument: Instrument, now: Nanos) {
        let entry = self.new_entry(instrument.clone(), now);
        self.books.insert(instrument.id.clone(), entry);
        self.instruments.push(instrument);
    }

    /// A book waiting for its first snapshot on the connection its spec names.
    fn new_entry(&self, instrument: Instrument, now: Nanos) -> Entry<P::Seq> {
        let spec = self.protocol.book_spec(&instrument.id);
        let key = BookKey::new(self.protocol.venue(), &instrument.id);
        let mut sync = BookSync::new(key, spec.depth, spec.checksum, instrument.contract)
            .with_max_levels(self.cfg.max_levels);
        if !self.cfg.emit_books {
            sync = sync.without_updates();
        }
        let audit = self.cfg.audit.and_then(|cfg| {
            let url = self.protocol.audit_url(&instrument.id)?;
            Some(Audit::new(url, cfg))
        });
        if audit.is_some() {
            sync.enable_audit();
        }
        let (rest_url, rest_after) = match spec.snapshot {
            SnapshotSource::Rest { url } => (Some(url), None),
            SnapshotSource::StreamOrRest { url, after } => {
                (Some(url), Some(after.as_nanos() as Nanos))
            }
            SnapshotSource::Stream => (None, None),
        };
        Entry {
            sync,
            seq: P::Seq::default(),
            conn: spec.conn,
            need_rest: rest_url.is_some(),
            rest_url,
            rest_after,
            rest_in_flight: false,
            instrument,
            buffer: Vec::new(),
            since: now,
            audit,
        }
    }

    /// The book entry for `id`, creating it in discovery mode.
    fn entry_for(&mut self, id: &str, now: Nanos, out: &mut Output) -> bool {
        if self.books.contains_key(id) {
            return true;
        }
        if self.unwatched.contains(id) {
            return false;
        }
        if !self.cfg.discover {
            self.counters.malformed += 1;
            out.problems.push(format!(
                "{}: data for unsubscribed instrument {}",
                self.protocol.venue(),
                excerpt(id)
            ));
            return false;
        }
        if self.books.len() >= self.cfg.max_books {
            self.counters.malformed += 1;
            out.problems.push(format!(
                "{}: data for instrument {} beyond the {} books a replay creates per venue",
                self.protocol.venue(),
                excerpt(id),
                self.cfg.max_books
            ));
            return false;
        }
        let instrument = self
            .registry
            .get(id)
            .cloned()
            .unwrap_or_else(|| self.protocol.infer_instrument(id));
        out.events
            .push(MarketEvent::Instrument(Arc::new(instrument.clone())));
        self.add_book(instrument, now);
        true
    }

    fn contract_of(&self, id: &str) -> Option<Contract> {
        self.books
            .get(id)
            .map(|e| e.instrument.contract)
            .or_else(|| self.registry.get(id).map(|i| i.contract))
    }

    /// The level scratch, emptied for the next parse. A huge message's room is given back
    /// rather than kept resident for the small ones after it.
    fn take_levels(&mut self) -> Vec<(Side, Level)> {
        let mut levels = std::mem::take(&mut self.levels);
        levels.clear();
        levels.shrink_to(SCRATCH_LEVELS);
        levels
    }

    fn handle_book(
        &mut self,
        frame: BookFrame<'_, <P::Seq as Sequencer>::Fields>,
        now: Nanos,
        out: &mut Output,
    ) {
        let BookFrame {
            instrument,
            snapshot,
            seq,
            checksum,
            exch_ts,
        } = frame;
        let instrument = instrument.as_ref();
        if !self.entry_for(instrument, now, out) {
            return;
        }
        let max_buffered = self.cfg.max_buffered;
        let Some(entry) = self.books.get_mut(instrument) else {
            return;
        };
        if entry.rest_url.is_some() && snapshot.is_none() && !entry.sync.state().is_live() {
            // Waiting for a REST snapshot: keep the diff stream to join it to.
            if entry.buffer.len() >= max_buffered {
                entry.buffer.remove(0);
            }
            // The parsed levels themselves are kept, not a copy: a buffered message of 400k
            // levels would otherwise be held twice (the scratch is allocated again on demand).
            let mut levels = std::mem::take(&mut self.levels);
            levels.shrink_to_fit();
            entry.buffer.push(Buffered {
                seq,
                levels,
                checksum,
                exch_ts,
            });
            entry.request_rest(now, out);
            return;
        }
        let verdict = if snapshot.is_some() {
            entry.buffer.clear(); // a pushed snapshot: nothing to join
            if entry.sync.state().is_live() {
                entry.seq.check_snapshot(&seq)
            } else {
                entry.seq.on_snapshot(&seq);
                SeqVerdict::Apply
            }
        } else if entry.sync.state().is_live() {
            entry.seq.check(&seq)
        } else {
            SeqVerdict::Apply // dropped by BookSync as "while syncing"
        };
        let msg = BookMsg {
            snapshot,
            levels: &self.levels,
            checksum,
            exch_ts,
        };
        let applied = entry.sync.on_message(msg, verdict, now, &mut out.events);
        let conn = entry.conn;
        let proven = matches!(applied, Applied::Ok);
        let failed = match applied {
            Applied::Resync(reason) => Some(reason),
            Applied::Ok => entry.audited(&seq, &self.levels, now, &mut out.events),
            Applied::Dropped => None,
        };
        if proven && failed.is_none() {
            self.prove(conn, out);
        }
        if let Some(reason) = failed {
            self.resync(instrument, reason, now, out);
        }
    }

    /// `conn` delivered data: proof enough for a connection that keeps no books.
    fn prove_bookless(&mut self, conn: ConnId, out: &mut Output) {
        if self.conns.get(conn).is_some_and(|c| !c.carries_books) {
            self.prove(conn, out);
        }
    }

    /// `conn` delivered what it is for (a live book, or data on a connection without books):
    /// tell the runtime once per connection, so losing it does not grow the backoff.
    fn prove(&mut self, conn: ConnId, out: &mut Output) {
        if let Some(c) = self.conns.get_mut(conn)
            && !c.proven
        {
            c.proven = true;
            out.synced.push(conn);
        }
    }

    /// Run the venue's resync procedure for one book (already marked invalid by [`BookSync`]).
    fn resync(&mut self, instrument: &str, reason: ResyncReason, now: Nanos, out: &mut Output) {
        self.counters.count_resync(&reason);
        let Some(entry) = self.books.get_mut(instrument) else {
            return;
        };
        entry.since = now;
        entry.audit_reset(now);
        tracing::warn!(venue = %self.protocol.venue(), instrument, %reason, "book resync");
        let conn = entry.conn;
        if let Some(url) = &entry.rest_url {
            entry.buffer.clear();
            if entry.rest_after.is_some() {
                // A venue whose books come from the stream, with a REST snapshot only as a
                // fallback (OKX): resubscribe below; the fallback asks if no snapshot comes.
                entry.need_rest = true;
                entry.rest_in_flight = false;
            } else {
                // The diff stream is already flowing on the open connection, so every event
                // after this moment is buffered and, where the rule lets later events join, a
                // snapshot fetched now joins it: ask at once (one round trip) rather than after
                // the next event. A new connection still waits for its stream's first event
                // (Binance's step 1).
                let flowing = P::Seq::JOINS_LATER_EVENTS
                    && self.conns.get(conn).is_some_and(|c| c.phase == Phase::Open);
                entry.need_rest = !flowing;
                entry.rest_in_flight = flowing;
                if flowing {
                    out.rest.push(RestRequest { url: url.clone() });
                }
                return;
            }
        }
        let msgs = if self.protocol.resync_by_reconnect() {
            Vec::new()
        } else {
            self.protocol.resubscribe(&entry.instrument)
        };
        if !msgs.is_empty() {
            self.send(conn, msgs, now, out);
            return;
        }
        // Books failing one after another before the socket closes need one new connection.
        if let Some(c) = self.conns.get_mut(conn)
            && !std::mem::replace(&mut c.reconnect_asked, true)
        {
            out.reconnects
                .push((conn, format!("resync {instrument}: {reason}")));
        }
    }

    fn send(&mut self, conn: ConnId, msgs: Vec<String>, now: Nanos, out: &mut Output) {
        if let Some(c) = self.conns.get_mut(conn) {
            c.last_sent = now;
        }
        out.sends.extend(msgs.into_iter().map(|m| (conn, m)));
    }

    fn handle_rest_snapshot(
        &mut self,
        instrument: &str,
        seq: <P::Seq as Sequencer>::Fields,
        limit: Option<usize>,
        now: Nanos,
        out: &mut Output,
    ) {
        if !self.entry_for(instrument, now, out) {
            return;
        }
        let Some(entry) = self.books.get_mut(instrument) else {
            return;
        };
        entry.rest_in_flight = false;
        if entry.sync.state().is_live() {
            return; // a late answer to a superseded request
        }
        if let Some(first) = entry.buffer.first()
            && !P::Seq::snapshot_usable(&seq, &first.seq)
        {
            // The snapshot is older than the buffered stream: fetch again.
            entry.need_rest = true;
            return;
        }
        entry.seq.on_snapshot(&seq);
        let msg = BookMsg {
            snapshot: Some(limit),
            levels: &self.levels,
            checksum: None,
            exch_ts: None,
        };
        let mut applied = entry
            .sync
            .on_message(msg, SeqVerdict::Apply, now, &mut out.events);
        if applied == Applied::Ok
            && let Some(reason) = entry.audited(&seq, &self.levels, now, &mut out.events)
        {
            applied = Applied::Resync(reason);
        }
        for buffered in std::mem::take(&mut entry.buffer) {
            if applied != Applied::Ok && applied != Applied::Dropped {
                break;
            }
            let verdict = entry.seq.check(&buffered.seq);
            let msg = BookMsg {
                snapshot: None,
                levels: &buffered.levels,
                checksum: buffered.checksum,
                exch_ts: buffered.exch_ts,
            };
            let mut result = entry.sync.on_message(msg, verdict, now, &mut out.events);
            if result == Applied::Ok
                && let Some(reason) =
                    entry.audited(&buffered.seq, &buffered.levels, now, &mut out.events)
            {
                result = Applied::Resync(reason);
            }
            if result != Applied::Dropped {
                applied = result;
            }
        }
        let conn = entry.conn;
        match applied {
            Applied::Resync(reason) => self.resync(instrument, reason, now, out),
            _ if entry.sync.state().is_live() => self.prove(conn, out),
            _ => {}
        }
    }

    /// An audit's snapshot: compare it with the book now, or hold it until the stream reaches
    /// its id.
    fn audit_answer(
        &mut self,
        instrument: &str,
        seq: <P::Seq as Sequencer>::Fields,
        now: Nanos,
        out: &mut Output,
    ) {
        let Some(entry) = self.books.get_mut(instrument) else {
            return;
        };
        let Some(audit) = entry.audit.as_mut() else {
            return;
        };
        let Some((_, id)) = P::Seq::span(&seq) else {
            audit.failed(now);
            return;
        };
        let Some(outcome) = audit.on_snapshot(id, &self.levels, entry.sync.book(), now) else {
            return;
        };
        if let Some(reason) = entry.settle_audit(outcome, now, &mut out.events) {
            self.resync(instrument, reason, now, out);
        }
    }

    /// A snapshot request brought no usable answer: the books waiting on `url` ask again with
    /// their next buffered delta (otherwise they would wait for the snapshot watchdog).
    /// An audit request that failed is retried after its delay.
    fn rest_failed(&mut self, url: &str, now: Nanos) {
        for entry in self.books.values_mut().chain(self.standby.values_mut()) {
            if let Some(audit) = entry.audit.as_mut().filter(|a| a.answers(url)) {
                audit.failed(now);
            } else if entry.rest_url.as_deref() == Some(url) {
                entry.rest_in_flight = false;
                entry.need_rest = true;
            }
        }
    }

    /// Trades as events, sizes in base units by each instrument's contract.
    fn publish_trades(&mut self, trades: Vec<RawTrade<'_>>, now: Nanos, out: &mut Output) {
        for t in trades {
            let Some(contract) = self.known_contract(&t.instrument, now, out) else {
                continue;
            };
            self.observe_ts(Some(t.ts), now);
            let price = t.price.to_f64();
            out.events.push(MarketEvent::Trade(Trade {
                key: BookKey::new(self.protocol.venue(), &t.instrument),
                local_ts: now,
                exch_ts: t.ts,
                price,
                size: contract.to_base(price, t.size.to_f64()),
                taker: t.taker,
                id: t.id.map(|id| Arc::from(id.as_ref())),
            }));
        }
    }

    /// Liquidations as events, sizes in base units by each instrument's contract.
    fn publish_liquidations(
        &mut self,
        liqs: Vec<RawLiquidation<'_>>,
        now: Nanos,
        out: &mut Output,
    ) {
        for l in liqs {
            let Some(contract) = self.known_contract(&l.instrument, now, out) else {
                continue;
            };
            let price = l.price.to_f64();
            out.events.push(MarketEvent::Liquidation(Liquidation {
                key: BookKey::new(self.protocol.venue(), &l.instrument),
                local_ts: now,
                exch_ts: l.ts,
                position: l.position,
                price,
                size: contract.to_base(price, l.size.to_f64()),
                sampling: l.sampling,
            }));
        }
    }

    fn publish_derivs(&mut self, items: Vec<RawDerivs<'_>>, now: Nanos, out: &mut Output) {
        for item in items {
            if self.known_contract(&item.instrument, now, out).is_none() {
                continue;
            }
            out.events.push(MarketEvent::Derivs(DerivsTick {
                key: BookKey::new(self.protocol.venue(), &item.instrument),
                local_ts: now,
                exch_ts: item.ts,
                values: item.values,
            }));
        }
    }

    /// The contract for a trade/liquidation/derivs instrument, discovering it in a replay.
    fn known_contract(&mut self, id: &str, now: Nanos, out: &mut Output) -> Option<Contract> {
        if self.unwatched.contains(id) {
            return None;
        }
        if let Some(c) = self.contract_of(id) {
            return Some(c);
        }
        if self.entry_for(id, now, out) {
            self.contract_of(id)
        } else {
            None
        }
    }

    fn observe_ts(&mut self, ts: Option<Millis>, now: Nanos) {
        if let Some(ts) = ts {
            self.counters.observe_latency(ts, now);
        }
    }

    fn venue_state(&self) -> ConnState {
        let mut state = ConnState::Live;
        for conn in self.conns.iter().filter(|c| c.role == Role::Primary) {
            match &conn.phase {
                Phase::Down(reason) => return ConnState::Down(reason.clone()),
                Phase::Backoff { until, reason } => {
                    state = ConnState::Backoff {
                        until: *until,
                        reason: reason.clone(),
                    }
                }
                Phase::Connecting | Phase::Closed
                    if !matches!(state, ConnState::Backoff { .. }) =>
                {
                    state = ConnState::Connecting
                }
                _ => {}
            }
        }
        if state != ConnState::Live {
            return state;
        }
        let mut syncing = false;
        for entry in self.books.values() {
            match entry.sync.state() {
                BookState::Resyncing(reason) => return ConnState::Resyncing(reason.to_string()),
                BookState::Syncing | BookState::Down => syncing = true,
                BookState::Live => {}
            }
        }
        if syncing {
            ConnState::Syncing
        } else {
            ConnState::Live
        }
    }

    fn push_status(&mut self, now: Nanos, out: &mut Output) {
        let (mut ok, mut fail) = (0, 0);
        for entry in self.books.values() {
            ok += entry.sync.counters().checksum_ok;
            fail += entry.sync.counters().checksum_fail;
        }
        self.counters.checksum_ok = ok;
        self.counters.checksum_fail = fail;
        out.events.push(MarketEvent::Venue(VenueStatus {
            venue: self.protocol.venue(),
            local_ts: now,
            state: self.venue_state(),
            counters: self.counters.clone(),
        }));
    }

    fn announce(&mut self, out: &mut Output) {
        if !self.announced {
            self.announced = true;
            for entry in self.books.values() {
                out.events
                    .push(MarketEvent::Instrument(Arc::new(entry.instrument.clone())));
            }
        }
    }

    fn watchdogs(&mut self, now: Nanos, out: &mut Output) {
        self.snapshot_watchdog(now, out);
        if !self.standby.is_empty() {
            self.with_standby(out, |d, out| d.snapshot_watchdog(now, out));
        }
        self.silence_watchdog(now, out);
    }

    /// Resync books that got no snapshot in time on an open connection.
    fn snapshot_watchdog(&mut self, now: Nanos, out: &mut Output) {
        let timeout = self.cfg.snapshot_timeout.as_nanos() as Nanos;
        let stuck: Vec<String> = self
            .books
            .iter()
            .filter(|(_, e)| {
                !e.sync.state().is_live()
                    && matches!(self.conns.get(e.conn).map(|c| &c.phase), Some(Phase::Open))
                    && now.saturating_sub(e.since) > timeout
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in stuck {
            if let Some(entry) = self.books.get_mut(&id) {
                entry
                    .sync
                    .invalidate(ResyncReason::NoSnapshot, now, &mut out.events);
            }
            self.resync(&id, ResyncReason::NoSnapshot, now, out);
        }
        for entry in self.books.values_mut() {
            let open = matches!(
                self.conns.get(entry.conn).map(|c| &c.phase),
                Some(Phase::Open)
            );
            if open && entry.rest_after.is_some() && !entry.sync.state().is_live() {
                entry.request_rest(now, out);
            }
        }
    }

    /// Reconnect sockets that went quiet.
    fn silence_watchdog(&mut self, now: Nanos, out: &mut Output) {
        let silence = self.cfg.silence_timeout.as_nanos() as Nanos;
        for (i, conn) in self.conns.iter_mut().enumerate() {
            if conn.phase == Phase::Open
                && conn.role != Role::Retired
                && now.saturating_sub(conn.last_recv) > silence
            {
                conn.last_recv = now; // one reconnect request per silence
                out.reconnects.push((
                    i,
                    format!("no messages for {} s", self.cfg.silence_timeout.as_secs()),
                ));
            }
        }
    }
}

impl<P: Protocol> Adapter for Driver<P> {
    fn venue(&self) -> VenueId {
        self.protocol.venue()
    }

    fn connections(&self) -> Vec<ConnSpec> {
        self.protocol.connections(&self.instruments)
    }

    fn on_open(&mut self, conn: ConnId, now: Nanos, out: &mut Output) {
        self.announce(out);
        self.counters.connects += 1;
        if let Some(c) = self.conns.get_mut(conn) {
            c.phase = Phase::Open;
            c.last_recv = now;
            c.proven = false;
            c.reconnect_asked = false;
            c.closing = false;
        }
        if let Some(replaces) = self.replaced_by(conn) {
            self.open_standby(conn, replaces, now);
        }
        for entry in self.books.values_mut().filter(|e| e.conn == conn) {
            entry.sync.restart(now, &mut out.events);
            entry.buffer.clear();
            entry.need_rest = entry.rest_url.is_some();
            entry.rest_in_flight = false;
            entry.since = now;
            entry.audit_reset(now);
        }
        let msgs = self.protocol.subscribe(self.slot(conn), &self.instruments);
        self.send(conn, msgs, now, out);
        self.push_status(now, out);
    }

    fn on_sent(&mut self, conn: ConnId, text: &str) {
        self.protocol.learn_sent(conn, text);
    }

    fn on_frame(&mut self, conn: ConnId, frame: Frame<'_>, now: Nanos, out: &mut Output) {
        self.counters.messages += 1;
        self.counters.last_message = Some(now);
        if let Some(c) = self.conns.get_mut(conn) {
            c.last_recv = now;
        }
        let text = match frame {
            Frame::Text(t) => {
                self.counters.bytes += t.len() as u64;
                std::borrow::Cow::Borrowed(t)
            }
            Frame::Binary(b) => {
                self.counters.bytes += b.len() as u64;
                match self.protocol.decode_binary(b) {
                    Ok(t) => t,
                    Err(e) => {
                        self.counters.malformed += 1;
                        out.problems.push(format!("{}: {e}", self.protocol.venue()));
                        return;
                    }
                }
            }
        };
        let mut levels = self.take_levels();
        let parsed = self.protocol.parse(self.slot(conn), &text, &mut levels);
        self.levels = levels;
        match parsed {
            Err(e) => {
                self.counters.malformed += 1;
                out.problems.push(format!(
                    "{}: {e}: {}",
                    self.protocol.venue(),
                    excerpt(&text)
                ));
            }
            Ok(Parsed::Book(frame)) if self.replaced_by(conn).is_some() => {
                self.with_standby(out, |d, out| d.handle_book(frame, now, out));
                self.try_switch(conn, now, out);
            }
            Ok(Parsed::Book(frame)) => {
                self.observe_ts(frame.exch_ts, now);
                self.handle_book(frame, now, out);
            }
            // A standby's other data duplicates what the connection it replaces still delivers.
            Ok(
                Parsed::Trades(_)
                | Parsed::Liquidations(_)
                | Parsed::TradesAndLiquidations(..)
                | Parsed::Derivs(_),
            ) if self.replaced_by(conn).is_some() => {
                self.prove_bookless(conn, out);
                self.try_switch(conn, now, out);
            }
            Ok(Parsed::Closing(reason)) => self.plan_handover(conn, reason, now, out),
            Ok(Parsed::Trades(trades)) => {
                self.prove_bookless(conn, out);
                self.publish_trades(trades, now, out);
            }
            Ok(Parsed::Liquidations(liqs)) => {
                self.prove_bookless(conn, out);
                self.publish_liquidations(liqs, now, out);
            }
            Ok(Parsed::TradesAndLiquidations(trades, liqs)) => {
                self.prove_bookless(conn, out);
                self.publish_trades(trades, now, out);
                self.publish_liquidations(liqs, now, out);
            }
            Ok(Parsed::Derivs(items)) => {
                self.prove_bookless(conn, out);
                self.publish_derivs(items, now, out)
            }
            Ok(Parsed::Control | Parsed::Ignored) => {}
            Ok(Parsed::VenueError {
                instrument,
                message,
            }) => {
                self.counters.malformed += 1;
                out.problems
                    .push(format!("{}: venue error: {message}", self.protocol.venue()));
                // The book is no longer trustworthy, but resubscribing at once could loop at
                // network speed on a refused symbol: the snapshot watchdog paces the retry.
                if let Some(id) = instrument
                    && let Some(entry) = self.books.get_mut(id.as_ref())
                {
                    let reason = ResyncReason::VenueError(message);
                    entry.sync.invalidate(reason.clone(), now, &mut out.events);
                    entry.since = now;
                    entry.audit_reset(now);
                    self.counters.count_resync(&reason);
                }
            }
        }
    }

    fn on_rest(&mut self, url: &str, status: u16, body: &str, now: Nanos, out: &mut Output) {
        let venue = self.protocol.venue();
        if status != 200 {
            out.problems.push(format!(
                "{venue}: REST {url} answered {status}: {}",
                excerpt(body)
            ));
            self.rest_failed(url, now);
            self.polls.answered(url, false, now);
            return;
        }
        let audited = self
            .books
            .iter()
            .find(|(_, e)| e.audit.as_ref().is_some_and(|a| a.answers(url)))
            .map(|(id, _)| id.clone());
        let mut levels = self.take_levels();
        let parsed = self.protocol.parse_rest(url, body, &mut levels);
        self.levels = levels;
        self.polls.answered(url, parsed.is_ok(), now);
        match parsed {
            Ok(RestParsed::BookSnapshot {
                instrument,
                seq,
                limit,
            }) => match audited {
                Some(id) if id == instrument => self.audit_answer(&id, seq, now, out),
                _ => {
                    self.standby_rest_snapshot(&instrument, seq, limit, now, out);
                    self.handle_rest_snapshot(&instrument, seq, limit, now, out)
                }
            },
            Ok(RestParsed::Derivs(items)) => self.publish_derivs(items, now, out),
            Ok(RestParsed::DerivsList(items)) => {
                let watched = items
                    .into_iter()
                    .filter(|i| self.books.contains_key(&*i.instrument))
                    .collect();
                self.publish_derivs(watched, now, out)
            }
            Ok(RestParsed::Ignored) => {}
            Err(e) => {
                self.counters.malformed += 1;
                out.problems
                    .push(format!("{venue}: REST {url}: {e}: {}", excerpt(body)));
                self.rest_failed(url, now);
            }
        }
    }

    fn on_close(&mut self, conn: ConnId, now: Nanos, out: &mut Output) {
        self.counters.disconnects += 1;
        if let Some(c) = self.conns.get_mut(conn) {
            c.phase = Phase::Closed;
        }
        self.standby.retain(|_, e| e.conn != conn);
        for entry in self.books.values_mut().filter(|e| e.conn == conn) {
            entry.sync.connection_lost(now, &mut out.events);
            entry.buffer.clear();
            entry.audit_reset(now);
        }
        self.push_status(now, out);
    }

    fn on_link(&mut self, conn: ConnId, link: Link, now: Nanos, out: &mut Output) {
        if let Some(c) = self.conns.get_mut(conn) {
            c.phase = match link {
                Link::Connecting => Phase::Connecting,
                Link::Backoff { until, reason } => Phase::Backoff { until, reason },
                Link::Down(reason) => Phase::Down(reason),
            };
        }
        self.push_status(now, out);
    }

    fn on_tick(&mut self, now: Nanos, out: &mut Output) {
        self.announce(out);
        for conn in 0..self.conns.len() {
            if self.conns[conn].phase != Phase::Open {
                continue;
            }
            if let Some((interval, ping)) = self.protocol.keepalive(self.conns[conn].slot)
                && now.saturating_sub(self.conns[conn].last_sent) >= interval.as_nanos() as Nanos
            {
                self.send(conn, vec![ping], now, out);
            }
        }
        if self.cfg.watchdogs {
            self.watchdogs(now, out);
        }
        for (id, entry) in &mut self.books {
            let live = entry.sync.state().is_live();
            if let Some(url) = entry
                .audit
                .as_mut()
                .and_then(|a| a.poll(live, now, stagger(id)))
            {
                out.rest.push(RestRequest { url });
            }
        }
        if self.polls_outdated {
            self.polls.set(self.protocol.polls(&self.instruments), now);
            self.polls_outdated = false;
        }
        let mut due = Vec::new();
        self.polls.due(now, &mut due);
        out.rest
            .extend(due.into_iter().map(|url| RestRequest { url }));
        if now.saturating_sub(self.last_status) >= self.cfg.status_interval.as_nanos() as Nanos {
            self.last_status = now;
            for entry in self.books.values() {
                out.events.push(entry.sync.status(now));
            }
            self.push_status(now, out);
        }
    }

    fn books(&self) -> Vec<&BookSync> {
        self.books.values().map(|e| &e.sync).collect()
    }

    fn resubscribe(&mut self, change: Resubscribe, now: Nanos, out: &mut Output) {
        self.change_instruments(change, now, out);
    }
}

/// The start of a frame, for error messages (frames can be megabytes).
pub fn excerpt(text: &str) -> &str {
    match text.char_indices().nth(160) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}
