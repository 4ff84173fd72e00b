//! The watch list changed at run time (`:add SOL`, `:rm SOL`): books start and stop on the
//! connections already open, and no other book notices.
//!
//! Every venue depthscope reads takes subscribe and unsubscribe requests on an open connection
//! (Binance `SUBSCRIBE`/`UNSUBSCRIBE`, Bybit and OKX `op`, Kraken `method`; `docs/venues.md`), so
//! no connection is opened or closed for a change: an added book is subscribed on the socket
//! that serves its slot and syncs exactly as at start (snapshot, REST join, watchdog), and a
//! removed one is unsubscribed and forgotten. What the venue still sends for it until the
//! unsubscribe takes effect is dropped quietly: it is neither an error nor a new book. A
//! standby syncing for a planned close ([`super::handover`]) gets the change too, so the switch
//! carries the new list.

use super::handover::Role;
use super::{Driver, Phase};
use crate::feed::adapter::{ConnId, Output, Resubscribe};
use crate::feed::event::{BookKey, MarketEvent, WatchChange};
use crate::feed::protocol::Protocol;
use crate::instrument::Instrument;
use crate::market::Nanos;
use std::sync::Arc;

impl<P: Protocol> Driver<P> {
    pub(super) fn change_instruments(&mut self, change: Resubscribe, now: Nanos, out: &mut Output) {
        let venue = self.protocol.venue();
        let removed: Vec<Instrument> = self
            .instruments
            .iter()
            .filter(|i| change.remove.contains(&i.id))
            .cloned()
            .collect();
        self.instruments.retain(|i| !change.remove.contains(&i.id));
        let mut added: Vec<Instrument> = Vec::new();
        for inst in change.add {
            let known = self.books.contains_key(&inst.id) || added.iter().any(|a| a.id == inst.id);
            if !known {
                added.push(inst);
            }
        }
        for conn in 0..self.conns.len() {
            let c = &self.conns[conn];
            if c.phase != Phase::Open || c.role == Role::Retired {
                continue;
            }
            let mut msgs = Vec::new();
            if !removed.is_empty() {
                msgs.extend(
                    self.protocol
                        .unsubscribe(c.slot, &removed, &self.instruments),
                );
            }
            if !added.is_empty() {
                msgs.extend(
                    self.protocol
                        .subscribe_more(c.slot, &added, &self.instruments),
                );
            }
            if !msgs.is_empty() {
                self.send(conn, msgs, now, out);
            }
        }
        for inst in &removed {
            self.books.remove(&inst.id);
            self.standby.remove(&inst.id);
            self.unwatched.insert(inst.id.clone());
            tracing::info!(%venue, instrument = %inst.id, "unsubscribed (removed from the watch list)");
            out.events
                .push(MarketEvent::Watch(WatchChange::BookRemoved(BookKey::new(
                    venue, &inst.id,
                ))));
        }
        for inst in added {
            self.unwatched.remove(&inst.id);
            let slot = self.protocol.book_spec(&inst.id).conn;
            let mut entry = self.new_entry(inst.clone(), now);
            entry.conn = self.serving(slot);
            if let Some(standby) = self.syncing_standby(entry.conn) {
                let mut copy = self.new_entry(inst.clone(), now);
                copy.conn = standby;
                self.standby.insert(inst.id.clone(), copy);
            }
            tracing::info!(%venue, instrument = %inst.id, "subscribing (added to the watch list)");
            self.books.insert(inst.id.clone(), entry);
            if self.announced {
                out.events
                    .push(MarketEvent::Instrument(Arc::new(inst.clone())));
            }
            self.instruments.push(inst);
        }
        for conn in 0..self.conns.len() {
            let slot = self.conns[conn].slot;
            self.conns[conn].carries_books = self
                .instruments
                .iter()
                .any(|i| self.protocol.book_spec(&i.id).conn == slot);
        }
        self.push_status(now, out);
    }

    /// The socket publishing `slot`'s books: the slot's own, or the standby that took over.
    fn serving(&self, slot: ConnId) -> ConnId {
        self.conns
            .iter()
            .position(|c| c.slot == slot && c.role == Role::Primary)
            .unwrap_or(slot)
    }

    /// An open standby syncing to replace `conn`.
    fn syncing_standby(&self, conn: ConnId) -> Option<ConnId> {
        self.conns
            .iter()
            .position(|c| c.role == Role::Standby { replaces: conn } && c.phase == Phase::Open)
    }
}
