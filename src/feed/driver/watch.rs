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
        self.polls_outdated = true;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::adapter::{Adapter, Frame};
    use crate::feed::driver::DriverConfig;
    use crate::instrument::guess;
    use crate::market::VenueId;
    use crate::venue::okx::Okx;

    fn book(inst: &str, action: &str, prev: i64, seq: i64) -> String {
        format!(
            r#"{{"arg":{{"channel":"books","instId":"{inst}"}},"action":"{action}","data":[{{"asks":[["101","2","0","1"]],"bids":[["100","3","0","1"]],"ts":"1","checksum":0,"prevSeqId":{prev},"seqId":{seq}}}]}}"#
        )
    }

    fn change(add: &[&str], remove: &[&str]) -> Resubscribe {
        Resubscribe {
            add: add.iter().map(|id| guess(VenueId::Okx, id)).collect(),
            remove: remove.iter().map(|id| (*id).to_owned()).collect(),
        }
    }

    fn sent(out: &Output) -> Vec<serde_json::Value> {
        out.sends
            .iter()
            .map(|(_, m)| serde_json::from_str(m).unwrap())
            .collect()
    }

    /// `(op, channel, instId or instType)` of every arg sent.
    fn args(out: &Output) -> Vec<(String, String, String)> {
        sent(out)
            .iter()
            .flat_map(|m| {
                let op = m["op"].as_str().unwrap().to_owned();
                m["args"].as_array().unwrap().iter().map(move |a| {
                    let target = a.get("instId").or(a.get("instType")).unwrap();
                    (
                        op.clone(),
                        a["channel"].as_str().unwrap().to_owned(),
                        target.as_str().unwrap().to_owned(),
                    )
                })
            })
            .collect()
    }

    #[test]
    fn books_are_added_and_removed_on_the_open_connection_and_the_others_carry_on() {
        let mut d = Driver::new(
            Okx::new(None),
            DriverConfig::live(),
            vec![guess(VenueId::Okx, "BTC-USDT")],
            Vec::new(),
        );
        d.on_open(0, 0, &mut Output::default());
        d.on_frame(
            0,
            Frame::Text(&book("BTC-USDT", "snapshot", -1, 10)),
            1,
            &mut Output::default(),
        );

        // Added: subscribed on the open socket, with the shared liquidation channel once.
        let mut out = Output::default();
        d.resubscribe(change(&["SOL-USDT-SWAP"], &[]), 2, &mut out);
        let a = args(&out);
        assert!(a.contains(&("subscribe".into(), "books".into(), "SOL-USDT-SWAP".into())));
        assert!(a.contains(&(
            "subscribe".into(),
            "liquidation-orders".into(),
            "SWAP".into()
        )));
        assert!(a.iter().all(|(_, _, t)| t != "BTC-USDT"), "{a:?}");
        let mut out = Output::default();
        d.resubscribe(change(&["BTC-USDT-SWAP", "BTC-USDT"], &[]), 3, &mut out);
        let a = args(&out);
        assert!(
            a.iter()
                .all(|(_, c, t)| c != "liquidation-orders" && t != "BTC-USDT"),
            "{a:?}"
        );
        assert_eq!(d.books().len(), 3);
        d.on_frame(
            0,
            Frame::Text(&book("SOL-USDT-SWAP", "snapshot", -1, 5)),
            4,
            &mut Output::default(),
        );

        // BTC-USDT's chain goes on untouched throughout.
        let mut out = Output::default();
        d.on_frame(
            0,
            Frame::Text(&book("BTC-USDT", "update", 10, 11)),
            5,
            &mut out,
        );
        assert!(out.problems.is_empty());
        assert!(
            d.books()
                .iter()
                .all(|b| b.key().instrument.as_ref() == "BTC-USDT-SWAP" || b.state().is_live())
        );

        // Removed: unsubscribed (the liquidation channel stays for BTC-USDT-SWAP), announced to
        // the engine, and its late frames are dropped without an error.
        let mut out = Output::default();
        d.resubscribe(change(&[], &["SOL-USDT-SWAP"]), 6, &mut out);
        let a = args(&out);
        assert!(a.contains(&("unsubscribe".into(), "books".into(), "SOL-USDT-SWAP".into())));
        assert!(a.iter().all(|(_, c, _)| c != "liquidation-orders"), "{a:?}");
        assert!(
            out.events
                .contains(&MarketEvent::Watch(WatchChange::BookRemoved(BookKey::new(
                    VenueId::Okx,
                    "SOL-USDT-SWAP"
                ))))
        );
        let mut out = Output::default();
        d.on_frame(
            0,
            Frame::Text(&book("SOL-USDT-SWAP", "update", 5, 6)),
            7,
            &mut out,
        );
        let trade = r#"{"arg":{"channel":"trades","instId":"SOL-USDT-SWAP"},"data":[{"instId":"SOL-USDT-SWAP","tradeId":"1","px":"180","sz":"1","side":"buy","ts":"1"}]}"#;
        d.on_frame(0, Frame::Text(trade), 7, &mut out);
        assert!(out.events.is_empty() && out.problems.is_empty(), "{out:?}");
        assert_eq!(d.counters().malformed, 0);
        d.on_frame(
            0,
            Frame::Text(&book("BTC-USDT", "update", 11, 12)),
            8,
            &mut out,
        );
        assert!(out.problems.is_empty() && d.counters().resyncs.is_empty());

        // The last swap removed: the shared channel goes too. A reconnect subscribes what is left.
        let mut out = Output::default();
        d.resubscribe(change(&[], &["BTC-USDT-SWAP"]), 9, &mut out);
        assert!(args(&out).contains(&(
            "unsubscribe".into(),
            "liquidation-orders".into(),
            "SWAP".into()
        )));
        d.on_close(0, 10, &mut Output::default());
        let mut out = Output::default();
        d.on_open(0, 11, &mut out);
        let a = args(&out);
        assert!(a.iter().all(|(_, _, t)| t == "BTC-USDT"), "{a:?}");
    }
}
