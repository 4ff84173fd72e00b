//! Bitget classic v2 public streams (`wss://ws.bitget.com/v2/ws/public`): spot (`bitget`,
//! `instType` `SPOT`) and USDT-M perpetuals (`bitget-usdt`, `USDT-FUTURES`), one
//! implementation parameterised by its [`Market`] (as Binance's and Bybit's).
//!
//! Integrity: the `books` channel's `seq`/`pseq` chain ([`sync`]); v2 frames carry no checksum
//! since 2026 ("Changes of 2026" #2), but one a frame does carry (legacy v1 recordings) is
//! verified with OKX's construction (25 levels interleaved, signed). A resync unsubscribes and
//! subscribes the book, whose subscription starts with a snapshot.

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
use crate::sim::dialect::bitget as dialect;
use crate::venue::registry::{self, FromOptions, VenueOptions};
use crate::venue::shard::{ConnPlan, Planned};
use crate::venue::spec::{
    AdapterSpec, Depths, IdMeaning, Liquidations, PERPETUALS, SPOT as SPOT_MARKETS, SimSequence,
    SimSocket, SimSpec, VenueSpec,
};
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

/// The production endpoint, for every product line.
pub const DEFAULT_URL: &str = "wss://ws.bitget.com/v2/ws/public";

/// The production REST base.
pub const DEFAULT_REST: &str = "https://api.bitget.com";

/// Channels one connection is planned with at most: half of Bitget's 1000 per connection, so
/// instruments added while running fit too, and a connection's first requests (about 55
/// channels each under the 4096-byte limit) stay within 10 messages a second.
pub const CONN_CHANNELS: usize = 500;

/// Which Bitget product line a venue id streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Product {
    Spot,
    UsdtFutures,
}

impl Product {
    pub const fn venue(self) -> VenueId {
        match self {
            Product::Spot => VenueId::Bitget,
            Product::UsdtFutures => VenueId::BitgetUsdt,
        }
    }

    /// The `instType` of every subscription. "Wrong `instType` for a real symbol = ack then
    /// silence", which the no-snapshot watchdog catches.
    pub const fn inst_type(self) -> &'static str {
        match self {
            Product::Spot => "SPOT",
            Product::UsdtFutures => "USDT-FUTURES",
        }
    }

    /// Whether `ticker` carries mark, index, funding and open interest.
    pub const fn has_derivatives(self) -> bool {
        matches!(self, Product::UsdtFutures)
    }

    fn channels(self) -> &'static [&'static str] {
        subscribe::channels(self.has_derivatives())
    }
}

/// One Bitget market, as a type: the venue's descriptor and its [`Protocol`] are built per type.
pub trait Market: fmt::Debug + Send + 'static {
    const PRODUCT: Product;
}

/// Bitget spot.
#[derive(Clone, Copy, Debug)]
pub struct Spot;

impl Market for Spot {
    const PRODUCT: Product = Product::Spot;
}

/// Bitget USDT-M perpetual futures.
#[derive(Clone, Copy, Debug)]
pub struct UsdtFutures;

impl Market for UsdtFutures {
    const PRODUCT: Product = Product::UsdtFutures;
}

/// Bitget's [`Protocol`] for market `M`.
#[derive(Debug)]
pub struct Bitget<M> {
    url: String,
    parser: parse::Parser,
    plan: Planned,
    market: PhantomData<M>,
}

impl<M: Market> Bitget<M> {
    /// `url` overrides the endpoint.
    pub fn new(url: Option<String>) -> Self {
        Bitget {
            url: url.unwrap_or_else(|| DEFAULT_URL.to_owned()),
            parser: parse::Parser::new(M::PRODUCT),
            plan: Planned::default(),
            market: PhantomData,
        }
    }

    /// The connection count is fixed by the first list of instruments (the driver keeps one
    /// slot per connection): each connection takes a consecutive share of them, at most
    /// [`CONN_CHANNELS`] channels.
    fn plan(&self, instruments: &[Instrument]) -> &ConnPlan {
        let channels = M::PRODUCT.channels().len();
        self.plan.get_or_make(instruments, channels, CONN_CHANNELS)
    }

    fn conn_of(&self, id: &str) -> ConnId {
        self.plan.conn_of(id)
    }

    fn requests<'a>(
        &self,
        op: &str,
        conn: ConnId,
        instruments: impl IntoIterator<Item = &'a Instrument>,
    ) -> Vec<String> {
        let ids = instruments
            .into_iter()
            .filter(|i| self.conn_of(&i.id) == conn)
            .map(|i| i.id.as_str());
        subscribe::requests(op, M::PRODUCT.inst_type(), M::PRODUCT.channels(), ids)
    }
}

impl<M: Market> FromOptions for Bitget<M> {
    fn from_options<'i>(opts: &VenueOptions, _: impl IntoIterator<Item = &'i Instrument>) -> Self {
        Self::new(opts.ws_url.clone())
    }
}

/// The descriptor of market `M`, simulated at `path`.
const fn spec<M: Market>(
    id: &'static str,
    path: &'static str,
    sockets: &'static [SimSocket],
) -> VenueSpec {
    VenueSpec {
        id,
        label: "BGT",
        ids: if M::PRODUCT.has_derivatives() {
            IdMeaning::BasePerpetuals
        } else {
            IdMeaning::FromId
        },
        markets: if M::PRODUCT.has_derivatives() {
            PERPETUALS
        } else {
            SPOT_MARKETS
        },
        adapter: Some(AdapterSpec {
            ws_url: DEFAULT_URL,
            rest_url: DEFAULT_REST,
            depths: Depths::Fixed(parse::BOOK_DEPTH),
            instruments: instruments::source::<M>(),
            build: registry::build::<Bitget<M>>,
            // "No public liquidation channel found" (`docs/venues.md` "Bitget").
            liquidations: Liquidations::Absent,
            history: None,
            sim: SimSpec {
                url_path: path,
                sockets,
                sequence: SimSequence::PerBook,
                checksummed: false,
                announces_shutdown: false,
            },
        }),
    }
}

/// The `bitget` (spot) venue.
pub const SPOT: VenueSpec = spec::<Spot>(
    "bitget",
    "/bitget/v2/ws/public",
    &[SimSocket {
        path: "/bitget/v2/ws/public",
        dialect: |o| Box::new(dialect::Bitget::new(VenueId::Bitget, o.conn)),
    }],
);

/// The `bitget-usdt` (USDT-M perpetuals) venue.
pub const USDT: VenueSpec = spec::<UsdtFutures>(
    "bitget-usdt",
    "/bitget-usdt/v2/ws/public",
    &[SimSocket {
        path: "/bitget-usdt/v2/ws/public",
        dialect: |o| Box::new(dialect::Bitget::new(VenueId::BitgetUsdt, o.conn)),
    }],
);

impl<M: Market> Protocol for Bitget<M> {
    type Seq = sync::BitgetSequencer;

    fn venue(&self) -> VenueId {
        M::PRODUCT.venue()
    }

    fn connections(&self, instruments: &[Instrument]) -> Vec<ConnSpec> {
        let conns = self.plan(instruments).conns();
        (0..conns)
            .map(|_| ConnSpec {
                name: "public",
                url: self.url.clone(),
                // "300 connections / 5 min / IP": five within 5 s, 300 in 5 min at most.
                min_reconnect: Duration::from_secs(1),
                reconnect_burst: 5,
                max_lifetime: None,
            })
            .collect()
    }

    fn subscribe(&self, conn: ConnId, instruments: &[Instrument]) -> Vec<String> {
        self.requests("subscribe", conn, instruments)
    }

    fn unsubscribe(&self, conn: ConnId, removed: &[Instrument], _: &[Instrument]) -> Vec<String> {
        self.requests("unsubscribe", conn, removed)
    }

    fn resubscribe(&self, instrument: &Instrument) -> Vec<String> {
        subscribe::resubscribe_book(M::PRODUCT.inst_type(), &instrument.id)
    }

    fn book_spec(&self, instrument: &str) -> BookSpec {
        BookSpec {
            conn: self.conn_of(instrument),
            depth: DepthModel::Maintained(parse::BOOK_DEPTH),
            checksum: ChecksumKind::Interleaved25,
            snapshot: SnapshotSource::Stream,
        }
    }

    fn parse<'a>(
        &mut self,
        _: ConnId,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, Option<sync::SeqIds>>, String> {
        self.parser.parse(text, levels)
    }

    /// "Send text `ping` every 30 s, reply text `pong`"; Bitget closes a connection after about
    /// 2 minutes without one.
    fn keepalive(&self, _: ConnId) -> Option<(Duration, String)> {
        Some((Duration::from_secs(30), "ping".to_owned()))
    }
}
