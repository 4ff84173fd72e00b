//! OKX v5 public WebSocket (`wss://ws.okx.com:8443/ws/v5/public`): spot, swaps and futures on
//! one connection.
//!
//! Integrity: the `books` channel's `seqId`/`prevSeqId` chain ([`sync`]). Its CRC32 checksum
//! (25 levels interleaved) is still verified when a message carries one, as the 2022 captures
//! do, but OKX has sent `0` since 2026-06-23, which counts as absent.

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
use std::time::Duration;

/// The production endpoint.
pub const DEFAULT_URL: &str = "wss://ws.okx.com:8443/ws/v5/public";

/// OKX's [`Protocol`].
#[derive(Clone, Debug)]
pub struct Okx {
    url: String,
}

impl Okx {
    pub fn new(url: Option<String>) -> Self {
        Okx {
            url: url.unwrap_or_else(|| DEFAULT_URL.to_owned()),
        }
    }
}

impl Protocol for Okx {
    type Seq = sync::OkxSequencer;

    fn venue(&self) -> VenueId {
        VenueId::Okx
    }

    fn connections(&self, _: &[Instrument]) -> Vec<ConnSpec> {
        vec![ConnSpec {
            name: "public",
            url: self.url.clone(),
            // "3 connections/s per IP"
            min_reconnect: Duration::from_millis(500),
            max_lifetime: None,
        }]
    }

    fn subscribe(&self, _: ConnId, instruments: &[Instrument]) -> Vec<String> {
        if instruments.is_empty() {
            return Vec::new();
        }
        vec![subscribe::subscribe_all(instruments)]
    }

    fn resubscribe(&self, instrument: &Instrument) -> Vec<String> {
        subscribe::resubscribe_book(instrument)
    }

    fn book_spec(&self, _: &str) -> BookSpec {
        BookSpec {
            conn: 0,
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
    ) -> Result<Parsed<'a, sync::OkxFields>, String> {
        parse::parse(text, levels)
    }

    /// "If nothing received for < 30 s send text `ping`": a ping every 20 s keeps any socket
    /// alive, quiet or not.
    fn keepalive(&self, _: ConnId) -> Option<(Duration, String)> {
        Some((Duration::from_secs(20), "ping".to_owned()))
    }
}
