//! Kraken spot, WebSocket v2 (`wss://ws.kraken.com/v2`), with the legacy v1 frames of old
//! captures understood too (`docs/venues.md` "Kraken"; "Changes of 2026" #8: v1 is legacy, v2
//! snapshots AND updates carry a checksum).
//!
//! Integrity rests on the checksum alone: Kraken numbers no message ([`NoSequence`]). Kraken's
//! procedure ("Spot Websockets (v2) Book Checksum"): "All price level updates in a book message
//! should be processed before the checksum is calculated", "after each update, the book should
//! be truncated to your subscribed depth as you won't receive `"qty": 0` for price levels that
//! fall out of scope" (so the book is [`DepthModel::Maintained`] at the subscribed depth), then
//! CRC-32 over the top 10 asks and bids ([`ChecksumKind::Kraken`]). A mismatch resyncs the book
//! by unsubscribing and subscribing again, which brings a fresh snapshot.
//!
//! The checksum covers the top 10 levels "regardless of the subscription depth": levels deeper
//! than that are as good as the stream, with nothing to prove them.
//!
//! v2 sends prices and sizes as JSON numbers, and the checksum is over their digits at the
//! pair's precision; [`session`] says where the precision comes from. v1 sends strings, which
//! are already the wire digits. Both versions write their levels, in message order, to the same
//! scratch buffer and build their frame header the same way ([`session::Session::book`]); the
//! shared [`crate::feed::sync::BookSync`] applies, truncates and checks them.

pub mod instruments;
pub mod session;
pub mod subscribe;
#[cfg(test)]
mod tests;
pub mod v1;
pub mod v2;

use crate::book::{DepthModel, Level};
use crate::feed::adapter::{ConnId, ConnSpec};
use crate::feed::protocol::{BookSpec, NoSequence, Parsed, Protocol, SnapshotSource};
use crate::feed::sync::ChecksumKind;
use crate::instrument::Instrument;
use crate::market::{Side, VenueId};
use crate::venue::registry::{self, FromOptions, VenueOptions};
use crate::venue::spec::{
    AdapterSpec, Depths, IdMeaning, Liquidations, SPOT, SimSequence, SimSocket, SimSpec, VenueSpec,
};
use session::Session;
use std::time::Duration;

/// The production endpoint.
pub const DEFAULT_URL: &str = "wss://ws.kraken.com/v2";

/// The production REST base (instrument lists).
pub const DEFAULT_REST: &str = "https://api.kraken.com";

/// The book depths Kraken serves ("depths 10, 25, 100, 500, 1000"); any other is refused
/// ("Subscription depth not supported").
pub const DEPTHS: [usize; 5] = [10, 25, 100, 500, 1000];

/// What a refused depth is told: a depth Kraken does not serve would otherwise make a book of
/// that many levels (`book-0`: an empty book whose empty checksums all match).
const DEPTHS_SERVED: &str = "Kraken serves book depths 10, 25, 100, 500 and 1000 only";

/// 100 levels a side: enough for the depth bands at about 10 KiB/s on BTC/USD.
pub const DEFAULT_DEPTH: usize = 100;

/// Kraken's [`Protocol`].
#[derive(Debug)]
pub struct Kraken {
    url: String,
    session: Session,
}

impl Kraken {
    /// `url` overrides the endpoint, `depth` the book depth (default [`DEFAULT_DEPTH`]);
    /// `instruments` are every pair the adapter may meet (served and registry), for their
    /// precision.
    pub fn new<'i>(
        url: Option<String>,
        depth: Option<usize>,
        instruments: impl IntoIterator<Item = &'i Instrument>,
    ) -> Self {
        Kraken {
            url: url.unwrap_or_else(|| DEFAULT_URL.to_owned()),
            session: Session::new(valid_depth(depth), instruments),
        }
    }
}

/// The depth to subscribe for a requested one (see [`super::served_depth`]).
pub fn valid_depth(requested: Option<usize>) -> usize {
    super::served_depth("Kraken", &DEPTHS, DEFAULT_DEPTH, requested)
}

impl FromOptions for Kraken {
    fn from_options<'i>(
        opts: &VenueOptions,
        known: impl IntoIterator<Item = &'i Instrument>,
    ) -> Self {
        Kraken::new(opts.ws_url.clone(), opts.depth, known)
    }
}

/// The `kraken` venue.
pub const SPEC: VenueSpec = VenueSpec {
    id: "kraken",
    label: "KRK",
    ids: IdMeaning::FromId,
    markets: SPOT,
    adapter: Some(AdapterSpec {
        ws_url: DEFAULT_URL,
        rest_url: DEFAULT_REST,
        depths: Depths::Choice {
            served: &DEPTHS,
            default: DEFAULT_DEPTH,
        },
        instruments: instruments::SOURCE,
        build: registry::build::<Kraken>,
        // Candles only: books warm from the live stream.
        liquidations: Liquidations::Absent,
        history: None,
        sim: SimSpec {
            url_path: "/kraken/v2",
            sockets: &[SimSocket {
                path: "/kraken/v2",
                dialect: |o| Box::new(crate::sim::dialect::kraken::Kraken::new(o.conn)),
            }],
            sequence: SimSequence::Unnumbered,
            checksummed: true,
            announces_shutdown: false,
        },
    }),
};

impl Protocol for Kraken {
    type Seq = NoSequence;

    fn venue(&self) -> VenueId {
        VenueId::Kraken
    }

    fn connections(&self, _: &[Instrument]) -> Vec<ConnSpec> {
        vec![ConnSpec {
            name: "public",
            url: self.url.clone(),
            // "Reconnect no faster than every 5 s" (Cloudflare allows ~150 per 10 min per IP).
            min_reconnect: Duration::from_secs(5),
            reconnect_burst: 1,
            max_lifetime: None,
        }]
    }

    fn subscribe(&self, _: ConnId, instruments: &[Instrument]) -> Vec<String> {
        subscribe::subscribe_all(self.session.default_depth(), instruments)
    }

    fn unsubscribe(&self, _: ConnId, removed: &[Instrument], _: &[Instrument]) -> Vec<String> {
        subscribe::unsubscribe(
            removed
                .iter()
                .map(|i| (self.session.depth_of(&i.id), i.id.as_str())),
        )
    }

    fn resubscribe(&self, instrument: &Instrument) -> Vec<String> {
        subscribe::resubscribe_book(self.session.depth_of(&instrument.id), &instrument.id)
    }

    fn book_spec(&self, instrument: &str) -> BookSpec {
        BookSpec {
            conn: 0,
            depth: DepthModel::Maintained(self.session.depth_of(instrument)),
            checksum: ChecksumKind::Kraken,
            snapshot: SnapshotSource::Stream,
        }
    }

    /// v1 frames are arrays (`[channelID, {..}, "book-1000", "XBT/USD"]`) or `{"event":..}`
    /// objects; v2 frames are objects with a `channel` or a `method`.
    fn parse<'a>(
        &mut self,
        _: ConnId,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, ()>, String> {
        if v1::is_v1(text) {
            v1::parse(&mut self.session, text, levels)
        } else {
            v2::parse(&mut self.session, text, levels)
        }
    }

    /// "Connections idle ~1 min are closed": an application ping when we sent nothing for
    /// 30 s (the venue's own heartbeats arrive every second regardless).
    fn keepalive(&self, _: ConnId) -> Option<(Duration, String)> {
        Some((Duration::from_secs(30), subscribe::ping()))
    }

    /// A replayed v2 subscription says each book's depth (the book messages do not).
    fn learn_sent(&mut self, _: ConnId, text: &str) {
        subscribe::learn_depths(text, &mut self.session);
    }
}
