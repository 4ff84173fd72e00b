//! Planned restarts without a gap on screen.
//!
//! Binance (`serverShutdown`: "Please establish a new connection as soon as possible to prevent
//! interruption") and OKX (notice `64008`, about 60 s before a service upgrade) announce that
//! they will close a connection. `docs/venues.md`: open a new connection at once, subscribe, bring
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
        let Some(old) = self.conns.get_mut(conn) else {
            return;
        };
        // Remembered on a standby too: it hands over again once it has taken over.
        old.closing = true;
        let (role, slot) = (old.role, old.slot);
        let pending = self
            .conns
            .iter()
            .any(|c| c.role == Role::Standby { replaces: conn });
        if role != Role::Primary || pending {
            return;
        }
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
            carries_books: self.conns[conn].carries_books,
            proven: false,
            reconnect_asked: false,
            slot,
            role: Role::Standby { replaces: conn },
            closing: false,
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
        if self.conns[conn].closing {
            let reason = "the close was announced while it was syncing".to_owned();
            self.plan_handover(conn, reason, now, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::adapter::{Adapter, Frame};
    use crate::feed::driver::DriverConfig;
    use crate::feed::event::{MarketEvent, UpdateKind};
    use crate::instrument::guess;
    use crate::market::VenueId;
    use crate::venue::okx::Okx;

    const NOTICE: &str = r#"{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a4d3ae55"}"#;

    fn book(action: &str, prev: i64, seq: i64, bid: &str) -> String {
        format!(
            r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"{action}","data":[{{"asks":[["101","2","0","1"]],"bids":[["100","{bid}","0","1"]],"ts":"1","checksum":0,"prevSeqId":{prev},"seqId":{seq}}}]}}"#
        )
    }

    fn live(cfg: DriverConfig) -> Driver<Okx> {
        let inst = guess(VenueId::Okx, "BTC-USDT");
        let mut d = Driver::new(Okx::new(None), cfg, vec![inst], Vec::new());
        d.on_open(0, 0, &mut Output::default());
        d.on_frame(
            0,
            Frame::Text(&book("snapshot", -1, 10, "3")),
            1,
            &mut Output::default(),
        );
        assert!(d.books()[0].state().is_live());
        d
    }

    fn states(out: &Output) -> Vec<&'static str> {
        out.events
            .iter()
            .filter_map(|e| match e {
                MarketEvent::BookStatus(s) => Some(s.state.label()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_planned_close_switches_books_to_a_new_connection_once_they_are_live_there() {
        let mut d = live(DriverConfig::live());
        let mut out = Output::default();
        d.on_frame(0, Frame::Text(NOTICE), 2, &mut out);
        assert_eq!(out.opens.len(), 1, "a standby is opened");
        let (standby, spec) = out.opens[0].clone();
        assert_eq!(
            (standby, spec.url.as_str()),
            (1, d.connections()[0].url.as_str())
        );
        assert_eq!(out.finals, [0], "the old connection is not redialled");
        assert!(out.problems.is_empty() && out.reconnects.is_empty());
        // Announced twice: still one standby.
        let mut again = Output::default();
        d.on_frame(0, Frame::Text(NOTICE), 3, &mut again);
        assert!(again.opens.is_empty());

        // The standby subscribes the same book; the old connection keeps it live meanwhile.
        let mut out = Output::default();
        d.on_open(standby, 4, &mut out);
        assert!(
            out.sends
                .iter()
                .any(|(c, m)| *c == standby && m.contains("BTC-USDT"))
        );
        d.on_frame(0, Frame::Text(&book("update", 10, 11, "4")), 5, &mut out);
        assert!(
            states(&out).iter().all(|s| *s == "live"),
            "{:?}",
            states(&out)
        );
        assert_eq!(
            d.books()[0].book().best_bid().unwrap().size.to_string(),
            "4"
        );

        // Its snapshot makes it live: switch, republish, close the old one.
        let mut out = Output::default();
        d.on_frame(
            standby,
            Frame::Text(&book("snapshot", -1, 50, "9")),
            6,
            &mut out,
        );
        assert_eq!(states(&out), ["live"]);
        let snapshot = out.events.iter().find_map(|e| match e {
            MarketEvent::Book(u) if u.kind == UpdateKind::Snapshot => Some(u),
            _ => None,
        });
        assert_eq!(snapshot.expect("republished").changes.len(), 2);
        assert_eq!(out.reconnects.len(), 1);
        assert_eq!(out.reconnects[0].0, 0);
        assert_eq!(d.counters().handovers, 1);
        assert_eq!(
            d.books()[0].book().best_bid().unwrap().size.to_string(),
            "9"
        );
        assert_eq!(d.books()[0].counters().messages, 3, "counters carried over");

        // The old connection's close takes nothing down; the new one carries on.
        let mut out = Output::default();
        d.on_close(0, 7, &mut out);
        assert!(states(&out).is_empty(), "{:?}", states(&out));
        d.on_frame(
            standby,
            Frame::Text(&book("update", 50, 51, "10")),
            8,
            &mut out,
        );
        assert!(d.books()[0].state().is_live());
    }

    #[test]
    fn a_standby_told_to_close_while_syncing_hands_over_again_once_it_took_over() {
        let mut d = live(DriverConfig::live());
        let mut out = Output::default();
        d.on_frame(0, Frame::Text(NOTICE), 2, &mut out);
        let standby = out.opens[0].0;
        d.on_open(standby, 3, &mut Output::default());
        // The venue announces the upgrade to the new socket too, before its snapshot.
        let mut out = Output::default();
        d.on_frame(standby, Frame::Text(NOTICE), 4, &mut out);
        assert!(out.opens.is_empty(), "nothing to hand over to yet");

        let mut out = Output::default();
        d.on_frame(
            standby,
            Frame::Text(&book("snapshot", -1, 50, "9")),
            5,
            &mut out,
        );
        assert_eq!(d.counters().handovers, 1);
        assert_eq!(out.opens.len(), 1, "a second standby for the new socket");
        let (next, _) = out.opens[0];
        assert_ne!(next, standby);
        assert_eq!(
            out.finals,
            [standby],
            "the announced socket is not redialled"
        );
        assert!(d.books()[0].state().is_live());

        d.on_open(next, 6, &mut Output::default());
        let mut out = Output::default();
        d.on_frame(
            next,
            Frame::Text(&book("snapshot", -1, 70, "5")),
            7,
            &mut out,
        );
        assert_eq!(d.counters().handovers, 2);
        assert_eq!(out.reconnects[0].0, standby);
        assert_eq!(states(&out), ["live"]);
    }

    #[test]
    fn other_notices_stay_venue_errors_and_a_replay_opens_nothing() {
        let mut d = live(DriverConfig::live());
        let mut out = Output::default();
        let other = NOTICE.replace("64008", "64009");
        d.on_frame(0, Frame::Text(&other), 2, &mut out);
        assert!(out.opens.is_empty());
        assert_eq!(d.counters().malformed, 1);

        let mut d = live(DriverConfig::replay());
        let mut out = Output::default();
        d.on_frame(0, Frame::Text(NOTICE), 2, &mut out);
        assert!(out.opens.is_empty() && out.problems.is_empty());
    }
}
