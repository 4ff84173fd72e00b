//! Deribit v2 JSON-RPC streams (`wss://www.deribit.com/ws/api/v2`): the BTC and ETH inverse
//! perpetuals and the USDC linear perpetuals (`docs/venues.md` "Deribit").
//!
//! Books: `book.<instrument>.100ms`, public without auth (`raw` needs an authorised
//! connection). The first message is the whole book, then each change names its predecessor
//! (`prev_change_id == last change_id`, [`sync::BookRule`]). A second `public/subscribe` on
//! the same socket sends no new snapshot, so a resync unsubscribes the book and subscribes it
//! again ([`subscribe::resubscribe_book`]).
//!
//! No checksum. Amounts are USD on inverse perpetuals and base units on linear ones; the
//! driver converts them by each instrument's [`Contract`] ([`instruments`]). Liquidations are
//! trades flagged `liquidation` ([`parse::liquidated`]).
//!
//! A subscription to a name Deribit does not list is acknowledged and then silent: the
//! driver's snapshot watchdog reports the book.

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
use crate::instrument::{Contract, Instrument, MarketKind};
use crate::market::{Side, VenueId};
use crate::venue::registry::{self, FromOptions, VenueOptions};
use crate::venue::spec::{
    AdapterSpec, Depths, IdMeaning, Liquidations, PERPETUALS, SimSequence, SimSocket, SimSpec,
    VenueSpec,
};
use std::time::Duration;

/// The production WebSocket endpoint.
pub const DEFAULT_URL: &str = "wss://www.deribit.com/ws/api/v2";

/// The production REST base (instrument lists).
pub const DEFAULT_REST: &str = "https://www.deribit.com";

/// The `deribit` venue. Its simulator serves the USDC linear perpetuals only (the inverse ones
/// are read from real recordings and documentation).
pub const SPEC: VenueSpec = VenueSpec {
    id: "deribit",
    label: "DRB",
    ids: IdMeaning::FromId,
    markets: PERPETUALS,
    adapter: Some(AdapterSpec {
        ws_url: DEFAULT_URL,
        rest_url: DEFAULT_REST,
        // The whole book, then a change for every price.
        depths: Depths::Diffs,
        instruments: instruments::SOURCE,
        build: registry::build::<Deribit>,
        // Trades flagged `liquidation`.
        liquidations: Liquidations::Read,
        history: None,
        sim: SimSpec {
            url_path: "/deribit/ws/api/v2",
            sockets: &[SimSocket {
                path: "/deribit/ws/api/v2",
                dialect: |_| Box::new(crate::sim::dialect::deribit::Deribit::default()),
            }],
            sequence: SimSequence::PerBook,
            checksummed: false,
            announces_shutdown: false,
        },
    }),
};

/// Deribit's [`Protocol`].
#[derive(Debug)]
pub struct Deribit {
    url: String,
    parser: parse::Parser,
}

impl Deribit {
    /// `url` overrides the endpoint; `known` gives instruments their contracts (open interest
    /// of inverse perpetuals is converted by it).
    pub fn new<'i>(url: Option<String>, known: impl IntoIterator<Item = &'i Instrument>) -> Self {
        let contracts = known
            .into_iter()
            .map(|i| (i.id.clone(), i.contract))
            .collect();
        Deribit {
            url: url.unwrap_or_else(|| DEFAULT_URL.to_owned()),
            parser: parse::Parser { contracts },
        }
    }
}

impl FromOptions for Deribit {
    fn from_options<'i>(
        opts: &VenueOptions,
        known: impl IntoIterator<Item = &'i Instrument>,
    ) -> Self {
        Self::new(opts.ws_url.clone(), known)
    }
}

impl Protocol for Deribit {
    type Seq = sync::DeribitSequencer;

    fn venue(&self) -> VenueId {
        VenueId::Deribit
    }

    fn connections(&self, _: &[Instrument]) -> Vec<ConnSpec> {
        vec![ConnSpec {
            name: "public",
            url: self.url.clone(),
            // 32 connections per IP; one a second keeps far below it.
            min_reconnect: Duration::from_secs(1),
            reconnect_burst: 3,
            max_lifetime: None,
        }]
    }

    fn subscribe(&self, _: ConnId, instruments: &[Instrument]) -> Vec<String> {
        subscribe::open(instruments)
    }

    fn subscribe_more(&self, _: ConnId, added: &[Instrument], _: &[Instrument]) -> Vec<String> {
        subscribe::channels("public/subscribe", added)
    }

    fn unsubscribe(&self, _: ConnId, removed: &[Instrument], _: &[Instrument]) -> Vec<String> {
        subscribe::channels("public/unsubscribe", removed)
    }

    fn resubscribe(&self, instrument: &Instrument) -> Vec<String> {
        subscribe::resubscribe_book(&instrument.id)
    }

    /// The whole book, then a change for every price.
    fn book_spec(&self, _: &str) -> BookSpec {
        BookSpec {
            conn: 0,
            depth: DepthModel::SnapshotThenDiffs,
            checksum: ChecksumKind::None,
            snapshot: SnapshotSource::Stream,
        }
    }

    /// `BTC-PERPETUAL` is inverse (USD amounts, face 1 USD); `ETH_USDC-PERPETUAL` linear in the
    /// base coin; options and futures keep the unit their id does not say.
    fn infer_instrument(&self, id: &str) -> Instrument {
        let mut inst = crate::instrument::guess(VenueId::Deribit, id);
        if let Some(&contract) = self.parser.contracts.get(id) {
            inst.contract = contract;
        } else if inst.kind == MarketKind::Perpetual {
            inst.contract = if id.contains('_') {
                Contract::Base
            } else {
                inst.quote = "USD".into();
                Contract::Inverse { face: 1.0 }
            };
        }
        inst
    }

    fn parse<'a>(
        &mut self,
        _: ConnId,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, sync::ChangeIds>, String> {
        self.parser.parse(text, levels)
    }

    /// `public/test` every 10 s: the heartbeat asked at open (30 s) is answered well in time.
    fn keepalive(&self, _: ConnId) -> Option<(Duration, String)> {
        Some((Duration::from_secs(10), subscribe::test()))
    }
}
