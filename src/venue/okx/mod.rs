//! OKX v5 public WebSocket (`wss://ws.okx.com:8443/ws/v5/public`): spot, swaps and futures on
//! one connection.
//!
//! Integrity: the `books` channel's `seqId`/`prevSeqId` chain ([`sync`]). Its CRC32 checksum
//! (25 levels interleaved) is still verified when a message carries one, as the 2022 captures
//! do, but OKX has sent `0` since 2026-06-23, which counts as absent.

pub mod instruments;
pub mod parse;
pub mod positioning;
pub mod subscribe;
pub mod sync;
#[cfg(test)]
mod tests;

use crate::book::{DepthModel, Level};
use crate::feed::adapter::{ConnId, ConnSpec};
use crate::feed::protocol::{BookSpec, Parsed, Poll, Protocol, RestParsed, SnapshotSource};
use crate::feed::sync::ChecksumKind;
use crate::instrument::{Instrument, MarketKind};
use crate::market::{Side, VenueId};
use crate::venue::registry::{self, FromOptions, VenueOptions};
use crate::venue::spec::{
    AdapterSpec, Depths, IdMeaning, Liquidations, SPOT_AND_PERPETUALS, SimSequence, SimSocket,
    SimSpec, VenueSpec,
};
use std::time::Duration;

/// The production endpoint.
pub const DEFAULT_URL: &str = "wss://ws.okx.com:8443/ws/v5/public";

/// The production REST base.
pub const DEFAULT_REST: &str = "https://www.okx.com";

/// How long a new subscription waits for a pushed snapshot before fetching one over REST. OKX
/// pushes it right after the acknowledgement where it still does; a few seconds also covers a
/// slow acknowledgement.
pub const PUSHED_SNAPSHOT_WAIT: Duration = Duration::from_secs(3);

/// Levels in an audit's REST snapshot.
const AUDIT_LEVELS: usize = 100;

/// OKX's [`Protocol`].
#[derive(Clone, Debug)]
pub struct Okx {
    url: String,
    rest_base: String,
}

impl Okx {
    pub fn new(url: Option<String>) -> Self {
        Okx {
            url: url.unwrap_or_else(|| DEFAULT_URL.to_owned()),
            rest_base: DEFAULT_REST.to_owned(),
        }
    }

    /// Use another REST base (scheme and host) for book snapshots.
    pub fn with_rest(mut self, rest_base: Option<String>) -> Self {
        if let Some(base) = rest_base {
            self.rest_base = base;
        }
        self
    }

    /// The REST snapshot of one book: 400 levels, as the channel keeps, with its `seqId`.
    pub fn book_url(&self, instrument: &str) -> String {
        self.books_url(instrument, parse::BOOK_DEPTH)
    }

    fn books_url(&self, instrument: &str, sz: usize) -> String {
        format!(
            "{}/api/v5/market/books?instId={instrument}&sz={sz}",
            self.rest_base
        )
    }
}

impl FromOptions for Okx {
    fn from_options<'i>(opts: &VenueOptions, _: impl IntoIterator<Item = &'i Instrument>) -> Self {
        Okx::new(opts.ws_url.clone()).with_rest(opts.rest_url.clone())
    }
}

/// The `okx` venue.
pub const SPEC: VenueSpec = VenueSpec {
    id: "okx",
    label: "OKX",
    ids: IdMeaning::FromId,
    markets: SPOT_AND_PERPETUALS,
    adapter: Some(AdapterSpec {
        ws_url: DEFAULT_URL,
        rest_url: DEFAULT_REST,
        depths: Depths::Fixed(parse::BOOK_DEPTH),
        instruments: instruments::SOURCE,
        build: registry::build::<Okx>,
        liquidations: Liquidations::Read,
        history: Some(crate::backfill::venues::okx::SOURCE),
        sim: SimSpec {
            url_path: "/okx/ws/v5/public",
            sockets: &[SimSocket {
                path: "/okx/ws/v5/public",
                dialect: |o| Box::new(crate::sim::dialect::okx::Okx::new(o.conn, o.okx_checksums)),
            }],
            sequence: SimSequence::PerBook,
            checksummed: true,
            announces_shutdown: true,
        },
    }),
};

impl Protocol for Okx {
    type Seq = sync::OkxSequencer;

    fn venue(&self) -> VenueId {
        VenueId::Okx
    }

    fn connections(&self, _: &[Instrument]) -> Vec<ConnSpec> {
        vec![ConnSpec {
            name: "public",
            url: self.url.clone(),
            // "3 connections/s per IP": 3 dials within 1,002 ms at most.
            min_reconnect: Duration::from_millis(334),
            reconnect_burst: 3,
            max_lifetime: None,
        }]
    }

    fn subscribe(&self, _: ConnId, instruments: &[Instrument]) -> Vec<String> {
        if instruments.is_empty() {
            return Vec::new();
        }
        vec![subscribe::subscribe_all(instruments)]
    }

    fn subscribe_more(&self, _: ConnId, added: &[Instrument], kept: &[Instrument]) -> Vec<String> {
        vec![subscribe::change("subscribe", added, kept)]
    }

    fn unsubscribe(&self, _: ConnId, removed: &[Instrument], kept: &[Instrument]) -> Vec<String> {
        vec![subscribe::change("unsubscribe", removed, kept)]
    }

    fn resubscribe(&self, instrument: &Instrument) -> Vec<String> {
        subscribe::resubscribe_book(instrument)
    }

    /// The pushed snapshot where OKX still sends one, else the REST snapshot bridged by
    /// `seqId` (changelog 2026-02-12 announced the push's removal).
    fn book_spec(&self, instrument: &str) -> BookSpec {
        BookSpec {
            conn: 0,
            depth: DepthModel::Maintained(parse::BOOK_DEPTH),
            checksum: ChecksumKind::Interleaved25,
            snapshot: SnapshotSource::StreamOrRest {
                url: self.book_url(instrument),
                after: PUSHED_SNAPSHOT_WAIT,
            },
        }
    }

    /// Since its checksum became `0`, an OKX book is proven by `seqId` alone: audited against
    /// 100 REST levels (a URL distinct from the 400-level sync snapshot's).
    fn audit_url(&self, instrument: &str) -> Option<String> {
        Some(self.books_url(instrument, AUDIT_LEVELS))
    }

    fn parse_rest(
        &self,
        url: &str,
        body: &str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<RestParsed<sync::OkxFields>, String> {
        if url.contains("/api/v5/market/books?") {
            parse::rest_book(url, body, levels)
        } else if let Some(stat) = positioning::stat_of(url) {
            positioning::parse(url, stat, body)
        } else {
            Ok(RestParsed::Ignored)
        }
    }

    /// Swaps: the contract's long/short account ratio and taker volumes, every minute.
    fn polls(&self, instruments: &[Instrument]) -> Vec<Poll> {
        let urls = instruments
            .iter()
            .filter(|i| i.kind == MarketKind::Perpetual)
            .flat_map(|i| positioning::urls(&self.rest_base, &i.id))
            .collect();
        vec![Poll {
            every: crate::venue::positioning::POLL_EVERY,
            urls,
        }]
    }

    fn parse<'a>(
        &mut self,
        _: ConnId,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, sync::OkxFields>, String> {
        parse::parse(text, levels)
    }

    /// "If nothing received for < 30 s send text `ping`": a ping every 20 s keeps any socket
    /// alive, quiet or not.
    fn keepalive(&self, _: ConnId) -> Option<(Duration, String)> {
        Some((Duration::from_secs(20), "ping".to_owned()))
    }
}
