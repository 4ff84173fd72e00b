//! [`CaptureTap`]: the live runtime's wire events, recorded as capture events.
//!
//! The runtime numbers connections per venue (`0`, `1` for its sockets); a capture numbers every
//! connection it ever saw, and a reconnect gets a new number (`docs/capture-format.md`). The tap keeps
//! that mapping: each `open` takes the next capture number for its (venue, socket).

use super::format::{Event, EventKind, Payload};
use super::writer::RecorderHandle;
use crate::feed::adapter::ConnId;
use crate::feed::runtime::{Tap, TapEvent};
use crate::market::{Nanos, VenueId};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

/// Records every venue's wire events through a [`RecorderHandle`] (never blocking).
pub struct CaptureTap {
    recorder: RecorderHandle,
    conns: Mutex<Conns>,
}

#[derive(Default)]
struct Conns {
    current: HashMap<(VenueId, ConnId), u64>,
    next: u64,
}

impl CaptureTap {
    pub fn new(recorder: RecorderHandle) -> Self {
        CaptureTap {
            recorder,
            conns: Mutex::new(Conns {
                next: 1,
                ..Conns::default()
            }),
        }
    }

    /// The capture number of a socket: a fresh one on open, the current one otherwise.
    fn conn_number(&self, venue: VenueId, conn: ConnId, opening: bool) -> u64 {
        // A poisoned lock only means another thread panicked mid-insert; the map is still usable.
        let mut conns = self.conns.lock().unwrap_or_else(|p| p.into_inner());
        if opening {
            let n = conns.next;
            conns.next += 1;
            conns.current.insert((venue, conn), n);
            n
        } else {
            *conns.current.get(&(venue, conn)).unwrap_or(&0)
        }
    }
}

impl Tap for CaptureTap {
    fn record(&self, t: Nanos, venue: VenueId, conn: Option<ConnId>, event: TapEvent) {
        let number = |opening| conn.map_or(0, |c| self.conn_number(venue, c, opening));
        let kind = match event {
            TapEvent::Open { url } => EventKind::Open {
                conn: number(true),
                url: Cow::Owned(url),
            },
            TapEvent::Sent { text } => EventKind::Sent {
                conn: number(false),
                payload: Payload::Text(Cow::Owned(text)),
            },
            TapEvent::RecvText { text } => EventKind::Recv {
                conn: number(false),
                payload: Payload::Text(Cow::Owned(text)),
            },
            TapEvent::RecvBinary { bytes } => EventKind::Recv {
                conn: number(false),
                payload: Payload::Binary(Cow::Owned(bytes)),
            },
            TapEvent::Close { reason } => EventKind::Close {
                conn: number(false),
                reason: Cow::Owned(reason),
            },
            TapEvent::Rest { url, status, body } => EventKind::Rest {
                url: Cow::Owned(url),
                status,
                data: Cow::Owned(body),
            },
        };
        // A full queue is counted by the recorder (shown in the UI), never waited on.
        self.recorder.record(Event { t, venue, kind });
    }
}
