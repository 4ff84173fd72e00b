//! Hyperliquid perpetuals (`wss://api.hyperliquid.xyz/ws`): every coin a USDC-margined perp
//! sized in the coin (`docs/venues.md` "Hyperliquid").
//!
//! Integrity is "snapshot": every `l2Book` push is the whole book (20 levels a side), with no
//! sequence and no checksum, so there is no chain to verify and nothing to resync from but the
//! next push. The book is replaced each time; a push not later (by its `time`) than the book is
//! a copy or an older state and is dropped ([`sync`]); a lost push only delays freshness, which
//! the book's exchange time shows. Since June 2026 the default `l2Book` comes about every 5 s
//! ("Changes of 2026" #5; `fast` would give 5 levels every 0.5 s).
//!
//! Hyperliquid closes the whole socket on an unknown coin, so only names from its `meta`
//! universe are subscribed ([`instruments`]). There is no public liquidation stream.

pub mod instruments;
pub mod parse;
pub mod subscribe;
pub mod sync;
#[cfg(test)]
mod tests;
pub mod trades;

use crate::book::{DepthModel, Level};
use crate::feed::adapter::{ConnId, ConnSpec};
use crate::feed::protocol::{BookSpec, Parsed, Protocol, SnapshotSource};
use crate::feed::sync::ChecksumKind;
use crate::instrument::Instrument;
use crate::market::{Millis, Side, VenueId};
use crate::venue::registry::{self, FromOptions, VenueOptions};
use crate::venue::spec::{
    AdapterSpec, Depths, IdMeaning, Liquidations, PERPETUALS, SimSequence, SimSocket, SimSpec,
    VenueSpec,
};
use std::time::Duration;

/// The production endpoint.
pub const DEFAULT_URL: &str = "wss://api.hyperliquid.xyz/ws";

/// The production REST base (`POST /info`).
pub const DEFAULT_REST: &str = "https://api.hyperliquid.xyz";

/// Levels a side in every `l2Book` push (without `fast`).
pub const DEPTH: usize = 20;

/// Hyperliquid's [`Protocol`].
#[derive(Debug)]
pub struct Hyperliquid {
    url: String,
    parser: parse::Parser,
}

impl Hyperliquid {
    /// `url` overrides the endpoint.
    pub fn new(url: Option<String>) -> Self {
        Hyperliquid {
            url: url.unwrap_or_else(|| DEFAULT_URL.to_owned()),
            parser: parse::Parser::default(),
        }
    }
}

impl FromOptions for Hyperliquid {
    fn from_options<'i>(opts: &VenueOptions, _: impl IntoIterator<Item = &'i Instrument>) -> Self {
        Hyperliquid::new(opts.ws_url.clone())
    }
}

/// The `hyperliquid` venue.
pub const SPEC: VenueSpec = VenueSpec {
    id: "hyperliquid",
    label: "HL",
    ids: IdMeaning::BasePerpetuals,
    markets: PERPETUALS,
    adapter: Some(AdapterSpec {
        ws_url: DEFAULT_URL,
        rest_url: DEFAULT_REST,
        depths: Depths::Fixed(DEPTH),
        instruments: instruments::SOURCE,
        build: registry::build::<Hyperliquid>,
        // No public liquidation stream (the docs list none).
        liquidations: Liquidations::Absent,
        // Candles only: books warm from the live stream.
        history: None,
        sim: SimSpec {
            url_path: "/hyperliquid/ws",
            sockets: &[SimSocket {
                path: "/hyperliquid/ws",
                dialect: |o| Box::new(crate::sim::dialect::hyperliquid::Hyperliquid::new(o.conn)),
            }],
            sequence: SimSequence::Unnumbered,
            checksummed: false,
            announces_shutdown: false,
        },
    }),
};

impl Protocol for Hyperliquid {
    type Seq = sync::SnapshotTimes;

    fn venue(&self) -> VenueId {
        VenueId::Hyperliquid
    }

    fn connections(&self, _: &[Instrument]) -> Vec<ConnSpec> {
        vec![ConnSpec {
            name: "public",
            url: self.url.clone(),
            // "30 new connections per minute" per IP: five within 10 s stays under it.
            min_reconnect: Duration::from_secs(2),
            reconnect_burst: 5,
            max_lifetime: None,
        }]
    }

    fn subscribe(&self, _: ConnId, instruments: &[Instrument]) -> Vec<String> {
        subscribe::subscribe_all(instruments)
    }

    fn unsubscribe(&self, _: ConnId, removed: &[Instrument], _: &[Instrument]) -> Vec<String> {
        subscribe::unsubscribe(removed)
    }

    fn resubscribe(&self, instrument: &Instrument) -> Vec<String> {
        subscribe::resubscribe_book(&instrument.id)
    }

    fn book_spec(&self, _: &str) -> BookSpec {
        BookSpec {
            conn: 0,
            depth: DepthModel::Maintained(DEPTH),
            checksum: ChecksumKind::None,
            snapshot: SnapshotSource::Stream,
        }
    }

    fn infer_instrument(&self, id: &str) -> Instrument {
        instruments::infer(id)
    }

    fn parse<'a>(
        &mut self,
        _: ConnId,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, Millis>, String> {
        self.parser.parse(text, levels)
    }

    /// The server closes a socket that sent nothing for 60 s; a ping when we sent nothing for
    /// 30 s keeps it open whatever the book cadence.
    fn keepalive(&self, _: ConnId) -> Option<(Duration, String)> {
        Some((Duration::from_secs(30), subscribe::ping()))
    }
}
