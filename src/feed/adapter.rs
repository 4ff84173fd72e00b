//! The sans-IO interface between a venue and whatever drives it.
//!
//! An [`Adapter`] never touches a socket or a clock: it is told what arrived and when, and
//! answers with an [`Output`] (events to publish, frames to send, REST calls to make,
//! connections to restart). The live runtime, the capture replay and the tests all drive the
//! same adapters through this one interface, which is what makes a replay exact.

use crate::feed::event::MarketEvent;
use crate::feed::sync::BookSync;
use crate::instrument::Instrument;
use crate::market::{Nanos, VenueId};
use std::time::Duration;

/// Index of a connection in [`Adapter::connections`].
pub type ConnId = usize;

/// A WebSocket connection an adapter wants open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnSpec {
    /// What it carries (`public`, `market`), for logs and the health view.
    pub name: &'static str,
    pub url: String,
    /// Reconnect no faster than this on average (Kraken asks for 5 s)...
    pub min_reconnect: Duration,
    /// ...with this many dials allowed back to back within `reconnect_burst × min_reconnect`
    /// (1 where the venue asks for a fixed interval; OKX counts 3 a second).
    pub reconnect_burst: u32,
    /// Close and reopen after this long (Binance drops connections at 24 h).
    pub max_lifetime: Option<Duration>,
}

/// A received WebSocket frame.
#[derive(Clone, Copy, Debug)]
pub enum Frame<'a> {
    Text(&'a str),
    Binary(&'a [u8]),
}

/// Why a REST call is made, so its answer can be routed (live) or recognised (replay).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestRequest {
    pub url: String,
}

/// A change in a connection's life the runtime reports (open and close have their own calls).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Backoff { until: Nanos, reason: String },
    Down(String),
}

/// What an adapter wants done after a call.
#[derive(Debug, Default)]
pub struct Output {
    pub events: Vec<MarketEvent>,
    pub sends: Vec<(ConnId, String)>,
    pub rest: Vec<RestRequest>,
    /// Connections to close and reopen, with the reason.
    pub reconnects: Vec<(ConnId, String)>,
    /// Connections that proved themselves since they opened (a book on them went live, or,
    /// carrying no books, they delivered data): their loss resets the reconnect backoff.
    pub synced: Vec<ConnId>,
    /// Further sockets to open, numbered after every connection so far (a standby taking over
    /// from a connection the venue announced it will close).
    pub opens: Vec<(ConnId, ConnSpec)>,
    /// Connections that must not be redialled when they end (they are being replaced).
    pub finals: Vec<ConnId>,
    /// Frames that were malformed or unexpected: logged live, listed in replay reports.
    pub problems: Vec<String>,
}

impl Output {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.sends.is_empty()
            && self.rest.is_empty()
            && self.reconnects.is_empty()
            && self.synced.is_empty()
            && self.opens.is_empty()
            && self.finals.is_empty()
            && self.problems.is_empty()
    }

    pub fn clear(&mut self) {
        self.events.clear();
        self.sends.clear();
        self.rest.clear();
        self.reconnects.clear();
        self.synced.clear();
        self.opens.clear();
        self.finals.clear();
        self.problems.clear();
    }
}

/// A venue, as a state machine over connection events.
pub trait Adapter: Send {
    fn venue(&self) -> VenueId;

    /// The connections to open, in [`ConnId`] order.
    fn connections(&self) -> Vec<ConnSpec>;

    /// Connection `conn` opened: queue its subscriptions.
    fn on_open(&mut self, conn: ConnId, now: Nanos, out: &mut Output);

    /// The client sent `text` on `conn`. Live this is an echo of `on_open`'s sends; in a replay
    /// it is how the adapter learns what was subscribed (depths, channels).
    fn on_sent(&mut self, conn: ConnId, text: &str);

    fn on_frame(&mut self, conn: ConnId, frame: Frame<'_>, now: Nanos, out: &mut Output);

    /// A REST response for a URL the adapter asked for (or, in a replay, one that was recorded).
    fn on_rest(&mut self, url: &str, status: u16, body: &str, now: Nanos, out: &mut Output);

    /// Connection `conn` closed; its books are down until it reopens.
    fn on_close(&mut self, conn: ConnId, now: Nanos, out: &mut Output);

    /// The runtime reports a connection phase that has no dedicated call (dialling, waiting
    /// out a backoff, given up).
    fn on_link(&mut self, conn: ConnId, link: Link, now: Nanos, out: &mut Output);

    /// Called about once a second: keepalives, watchdogs, periodic polls, status refresh.
    fn on_tick(&mut self, now: Nanos, out: &mut Output);

    /// Every book this adapter keeps, for reports and the health view.
    fn books(&self) -> Vec<&BookSync>;

    /// The watch list changed at run time: keep books for `change.add` too, and stop keeping
    /// `change.remove`, without disturbing any other book. An adapter that cannot says so.
    fn resubscribe(&mut self, change: Resubscribe, now: Nanos, out: &mut Output) {
        let _ = (change, now);
        out.problems.push(format!(
            "{}: this adapter cannot change its subscriptions while running",
            self.venue()
        ));
    }
}

/// Instruments to start and stop keeping at run time (`:add SOL`, `:rm SOL`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resubscribe {
    pub add: Vec<Instrument>,
    /// Instrument ids.
    pub remove: Vec<String>,
}
