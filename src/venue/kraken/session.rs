//! What Kraken frames of both protocol versions need from outside themselves: each book's
//! subscribed depth, each v2 pair's precision, and which refusals were already reported.
//!
//! **Precision source: the REST instrument list** (`GET /0/public/AssetPairs`: `pair_decimals`
//! and `lot_decimals`, read by [`super::instruments`] into [`Instrument::price_precision`] and
//! [`Instrument::qty_precision`]), not the v2 `instrument` channel. The list is loaded before
//! the socket opens anyway (it is how symbols are resolved), so the precision is known before
//! the first book message, with no race between two subscriptions on one socket and no parser
//! for the `instrument` channel's exponent numbers (`1e-08`). Kraken documents the two as the
//! same values (`price_precision` 1 / `qty_precision` 8 for BTC/USD).
//!
//! What if it is missing or stale — a pair must never fail its checksum silently because of us:
//! - unknown precision (a pair not in the list): every book message for it is reported as a
//!   problem naming the pair and is not applied, so the book never goes live;
//! - a number with more digits than the precision (the pair got finer since the list was
//!   loaded): reported, never rounded (see [`super::v2`]);
//! - a coarser precision than the list says pads digits Kraken does not print: the checksum
//!   fails, the book resyncs and the failures are counted. Never a valid-looking wrong book.

use crate::feed::protocol::{BookFrame, Parsed};
use crate::instrument::Instrument;
use crate::market::Millis;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// A v2 pair's decimal places: prices and quantities are rendered at these before the checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Precision {
    pub price: u8,
    pub qty: u8,
}

/// Kraken state that spans frames. See the module docs.
#[derive(Debug)]
pub struct Session {
    /// The depth subscribed live.
    depth: usize,
    /// Depths learned from the data: a v1 channel name (`book-1000`) or a replayed v2
    /// subscription.
    depths: HashMap<String, usize>,
    precisions: HashMap<String, Precision>,
    /// Pairs whose refusal was already reported against their book: a repeated refusal (of the
    /// resubscription the first one triggered) is only logged, so an unsupported pair does not
    /// resubscribe in a tight loop. A snapshot for the pair clears it.
    refused: HashSet<String>,
}

impl Session {
    pub fn new<'i>(depth: usize, instruments: impl IntoIterator<Item = &'i Instrument>) -> Self {
        let precisions = instruments
            .into_iter()
            .filter_map(|i| {
                let precision = Precision {
                    price: i.price_precision?,
                    qty: i.qty_precision?,
                };
                Some((i.id.clone(), precision))
            })
            .collect();
        Session {
            depth,
            depths: HashMap::new(),
            precisions,
            refused: HashSet::new(),
        }
    }

    /// The depth subscribed for books not learned otherwise.
    pub fn default_depth(&self) -> usize {
        self.depth
    }

    /// The depth `symbol`'s book is kept at.
    pub fn depth_of(&self, symbol: &str) -> usize {
        self.depths.get(symbol).copied().unwrap_or(self.depth)
    }

    pub fn learn_depth(&mut self, symbol: &str, depth: usize) {
        self.depths.insert(symbol.to_owned(), depth);
    }

    pub fn precision(&self, symbol: &str) -> Option<Precision> {
        self.precisions.get(symbol).copied()
    }

    /// The header of a book message whose levels are already in the scratch buffer. A snapshot
    /// can hold at most the book's depth a side.
    pub fn book<'a>(
        &mut self,
        symbol: Cow<'a, str>,
        snapshot: bool,
        checksum: Option<u32>,
        exch_ts: Option<Millis>,
    ) -> BookFrame<'a, ()> {
        if snapshot {
            self.refused.remove(symbol.as_ref());
        }
        BookFrame {
            snapshot: snapshot.then(|| Some(self.depth_of(&symbol))),
            instrument: symbol,
            seq: (),
            checksum,
            exch_ts,
        }
    }

    /// The venue refused a request. Only a refused subscription names its pair, and only the
    /// first time (see the `refused` field); the driver rebuilds a named pair's book.
    pub fn refusal<'a>(
        &mut self,
        subscribe: bool,
        symbol: Option<&str>,
        message: String,
    ) -> Parsed<'a, ()> {
        let instrument = symbol
            .filter(|_| subscribe)
            .filter(|s| self.refused.insert((*s).to_owned()))
            .map(|s| Cow::Owned(s.to_owned()));
        Parsed::VenueError {
            instrument,
            message,
        }
    }
}
