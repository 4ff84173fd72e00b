//! Planned restarts without a gap on screen.
//!
//! Binance (`serverShutdown`: "Please establish a new connection as soon as possible to prevent
//! interruption") and OKX (notice `64008`, about 60 s before a service upgrade) announce that
//! they will close a connection. `venues.md`: open a new connection at once, subscribe, bring
//! its books live, switch over, then close the old one.
//!
//! The new socket is a *standby* for the protocol connection (its slot) the old one serves.
//! Its books live in [`Driver::standby`] and run through the very same code as every book
//! (snapshots, REST joins, sequence rules, resyncs): [`Driver::with_standby`] swaps the two
//! maps for the duration of a call and keeps the standby's events unpublished. While it syncs,
//! the old connection keeps the books on screen live. Once every standby book is live (or, on a
//! connection without books, once it delivered data) the standby books replace the old ones in
//! one step, each published as a fresh snapshot (a new baseline for differencing metrics, never
//! an invalid interval), and the old connection is closed for good. If the venue closes the old
//! one first, its books go down as on any close and come back when the standby takes over.

use super::{ConnTrack, Driver, Phase};
use crate::feed::adapter::{ConnId, Output};
use crate::feed::protocol::{Protocol, Sequencer};
use crate::market::Nanos;

/// What a socket is to its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// The slot's socket: its books are the ones published.
    Primary,
    /// Syncing to take over from `replaces`, which the venue announced it will close.
    Standby { replaces: ConnId },
    /// Handed over; closed (or closing) for good.
    Retired,
}

impl<P: Protocol> Driver<P> {
    /// The protocol connection `conn` serves.
    pub(super) fn slot(&self, conn: ConnId) -> ConnId {
        self.conns.get(conn).map_or(conn, |c| c.slot)
    }

    /// The connection `conn` is a standby for, if it is one.
    pub(super) fn replaced_by(&self, conn: ConnId) -> Option<ConnId> {
        match self.conns.get(conn)?.role {
            Role::Standby { replaces } => Some(replaces),
            _ => None,
        }
    }

    /// Run `f` on the standby books as if they were the published ones; what they would
    /// publish is dropped (the old connection's books are on screen until the switch).
    pub(super) fn with_standby<R>(
        &mut self,
        out: &mut Output,
        f: impl FnOnce(&mut Self, &mut Output) -> R,
    ) -> R {
        std::mem::swap(&mut self.books, &mut self.standby);
        let published = std::mem::take(&mut out.events);
        let result = f(self, out);
        out.events = published;
        std::mem::swap(&mut self.books, &mut self.standby);
        result
    }

    /// The venue announced it will close `conn`: open a standby for its slot (once).
    pub(super) fn plan_handover(
        &mut self,
        conn: ConnId,
        reason: String,
        now: Nanos,
        out: &mut Output,
    ) {
        let venue = self.protocol.venue();
        // A replay cannot open sockets; it sees the close, and the reconnect, as recorded.
        if !self.cfg.watchdogs {
            return;
        }
        let Some(old) = self.conns.get(conn) else {
            return;
        };
        let pending = self
            .conns
            .iter()
            .any(|c| c.role == Role::Standby { replaces: conn });
        if old.role != Role::Primary || pending {
            return;
        }
        let slot = old.slot;
        let Some(spec) = self
            .protocol
            .connections(&self.instruments)
            .get(slot)
            .cloned()
        else {
            return;
        };
        let id = self.conns.len();
        tracing::info!(%venue, conn, standby = id, %reason, "planned close announced: opening a new connection to hand over to");
        self.conns.push(ConnTrack {
            phase: Phase::Closed,
            last_recv: now,
            last_sent: now,
            carries_books: old.carries_books,
            proven: false,
            slot,
            role: Role::Standby { replaces: conn },
        });
        out.opens.push((id, spec));
        out.finals.push(conn);
    }

    /// The standby `conn` opened: fresh books for everything its slot carries.
    pub(super) fn open_standby(&mut self, conn: ConnId, replaces: ConnId, now: Nanos) {
        self.standby.retain(|_, e| e.conn != conn);
        let instruments: Vec<_> = self
            .books
            .values()
            .filter(|e| e.conn == replaces)
            .map(|e| e.instrument.clone())
            .collect();
        for instrument in instruments {
            let mut entry = self.new_entry(instrument, now);
            entry.conn = conn;
            self.standby.insert(entry.instrument.id.clone(), entry);
        }
    }

    /// A REST snapshot a standby book may be waiting for (the URL is the same for both).
    pub(super) fn standby_rest_snapshot(
        &mut self,
        instrument: &str,
        seq: <P::Seq as Sequencer>::Fields,
        limit: Option<usize>,
        now: Nanos,
        out: &mut Output,
    ) {
        let Some(conn) = self
            .standby
            .get(instrument)
            .filter(|e| !e.sync.state().is_live())
            .map(|e| e.conn)
        else {
            return;
        };
        self.with_standby(out, |d, out| {
            d.handle_rest_snapshot(instrument, seq, limit, now, out)
        });
        self.try_switch(conn, now, out);
    }

    /// Switch `conn`'s slot over to it if it is a standby whose books are all live.
    pub(super) fn try_switch(&mut self, conn: ConnId, now: Nanos, out: &mut Output) {
        let Some(replaces) = self.replaced_by(conn) else {
            return;
        };
        let mine: Vec<String> = self
            .standby
            .iter()
            .filter(|(_, e)| e.conn == conn)
            .map(|(id, _)| id.clone())
            .collect();
        let ready = match self.conns[conn].carries_books {
            true => {
                !mine.is_empty()
                    && mine
                        .iter()
                        .all(|id| self.standby[id].sync.state().is_live())
            }
            false => self.conns[conn].proven,
        };
        if !ready {
            return;
        }
        for id in mine {
            let Some(mut entry) = self.standby.remove(&id) else {
                continue;
            };
            if let Some(old) = self.books.get(&id) {
                entry.sync.carry_counters(old.sync.counters());
            }
            entry.sync.republish(now, &mut out.events);
            self.books.insert(id, entry);
        }
        self.conns[conn].role = Role::Primary;
        self.conns[replaces].role = Role::Retired;
        self.counters.handovers += 1;
        tracing::info!(venue = %self.protocol.venue(), from = replaces, to = conn, "planned restart: switched to the new connection");
        out.reconnects.push((
            replaces,
            "planned restart: handed over to a new connection".into(),
        ));
        self.push_status(now, out);
    }
}
