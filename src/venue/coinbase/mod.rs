//! Coinbase Advanced Trade market data (`coinbase`, spot, `wss://advanced-trade-ws.coinbase.com`,
//! public channels without a key; `docs/venues.md` "Coinbase Advanced Trade").
//!
//! Integrity: no checksum and no per-product update id. The envelope's `sequence_num` is **one
//! counter per connection, shared by every channel on it** (the real 2026 recording chains
//! 0..=1029 across `l2_data`, `market_trades`, `ticker`, `heartbeats` and `subscriptions`), so a
//! lost envelope of any channel may have been any book's update: every book on the connection
//! fails at its next message ([`sync::BookOnConnection`]) and the books are rebuilt by
//! reconnecting, which starts a new count and brings a new snapshot of each. Coinbase documents
//! `level2` as guaranteed delivery, so this should be rare.
//!
//! Snapshots are the whole book (46,000 levels on BTC-USD), and updates set absolute sizes at
//! any price: the book keeps every level up to the book's bound ([`crate::book::MAX_LEVELS`]
//! a side). Prices are in USD; a watched USD book brings Coinbase's `USDT-USD` book beside it,
//! the rate USD and USDT prices are compared through (`docs/metrics.md` §0.4).

pub mod instruments;
pub mod parse;
pub mod subscribe;
pub mod sync;
#[cfg(test)]
mod tests;

use crate::book::{DepthModel, Level};
use crate::feed::adapter::{ConnId, ConnSpec};
use crate::feed::protocol::{BookSpec, Parsed, Protocol, SnapshotSource};
use crate::feed::sync::ChecksumKind;
use crate::instrument::Instrument;
use crate::market::{Side, VenueId};
use crate::venue::registry::{self, FromOptions, VenueOptions};
use crate::venue::spec::{
    AdapterSpec, Depths, IdMeaning, Liquidations, SPOT, SimSequence, SimSocket, SimSpec, VenueSpec,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use sync::{BookOnConnection, ConnectionCount, Envelope};

/// The production endpoint.
pub const DEFAULT_URL: &str = "wss://advanced-trade-ws.coinbase.com";

/// The production REST base (the public product list).
pub const DEFAULT_REST: &str = "https://api.coinbase.com";

/// Coinbase's [`Protocol`].
#[derive(Debug)]
pub struct Coinbase {
    url: String,
    /// The count of the connection's envelopes.
    count: ConnectionCount,
    /// Set when the connection (re)opens, so the first envelope after it starts a new count:
    /// `subscribe` is the only call a new connection makes into the protocol.
    opened: AtomicBool,
}

impl Coinbase {
    /// `url` overrides the endpoint.
    pub fn new(url: Option<String>) -> Self {
        Coinbase {
            url: url.unwrap_or_else(|| DEFAULT_URL.to_owned()),
            count: ConnectionCount::default(),
            opened: AtomicBool::new(false),
        }
    }
}

impl FromOptions for Coinbase {
    fn from_options<'i>(opts: &VenueOptions, _: impl IntoIterator<Item = &'i Instrument>) -> Self {
        Coinbase::new(opts.ws_url.clone())
    }
}

/// The `coinbase` venue.
pub const SPEC: VenueSpec = VenueSpec {
    id: "coinbase",
    label: "CB",
    ids: IdMeaning::FromId,
    markets: SPOT,
    adapter: Some(AdapterSpec {
        ws_url: DEFAULT_URL,
        rest_url: DEFAULT_REST,
        // Whole-book snapshots, then every change: there is no depth to choose.
        depths: Depths::Diffs,
        instruments: instruments::SOURCE,
        build: registry::build::<Coinbase>,
        // Spot only.
        liquidations: Liquidations::Absent,
        // Candles only: books warm from the live stream.
        history: None,
        sim: SimSpec {
            url_path: "/coinbase",
            sockets: &[SimSocket {
                path: "/coinbase",
                dialect: |o| Box::new(crate::sim::dialect::coinbase::Coinbase::new(o.conn)),
            }],
            // The wire is numbered, but per connection: the simulator's sequence faults (per
            // subscription) do not apply, and it says so when asked for them.
            sequence: SimSequence::PerConnection,
            checksummed: false,
            announces_shutdown: false,
        },
    }),
};

impl Protocol for Coinbase {
    type Seq = BookOnConnection;

    fn venue(&self) -> VenueId {
        VenueId::Coinbase
    }

    fn connections(&self, _: &[Instrument]) -> Vec<ConnSpec> {
        vec![ConnSpec {
            name: "public",
            url: self.url.clone(),
            // "8 connections per second per IP" (another page says 750): one a second, up to
            // four back to back.
            min_reconnect: Duration::from_secs(1),
            reconnect_burst: 4,
            max_lifetime: None,
        }]
    }

    fn subscribe(&self, _: ConnId, instruments: &[Instrument]) -> Vec<String> {
        self.opened.store(true, Ordering::Relaxed);
        subscribe::subscribe_all(instruments)
    }

    fn subscribe_more(&self, _: ConnId, added: &[Instrument], _: &[Instrument]) -> Vec<String> {
        subscribe::subscribe(added)
    }

    fn unsubscribe(&self, _: ConnId, removed: &[Instrument], _: &[Instrument]) -> Vec<String> {
        subscribe::unsubscribe(removed)
    }

    /// None: books are rebuilt by reconnecting ([`Protocol::resync_by_reconnect`]).
    fn resubscribe(&self, _: &Instrument) -> Vec<String> {
        Vec::new()
    }

    /// A book that failed is rebuilt with the connection: the count is the connection's, and
    /// resubscribing book by book after a break would exceed the 8 messages a second allowed.
    fn resync_by_reconnect(&self) -> bool {
        true
    }

    fn book_spec(&self, _: &str) -> BookSpec {
        BookSpec {
            conn: 0,
            depth: DepthModel::SnapshotThenDiffs,
            checksum: ChecksumKind::None,
            snapshot: SnapshotSource::Stream,
        }
    }

    fn parse<'a>(
        &mut self,
        _: ConnId,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, Envelope>, String> {
        if self.opened.swap(false, Ordering::Relaxed) {
            self.count = ConnectionCount::default();
        }
        parse::parse(text, &mut self.count, levels)
    }
}
