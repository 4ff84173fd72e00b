//! [`Protocol`]: the venue-specific part of an adapter, kept small.
//!
//! A venue says how to connect and subscribe, how to parse its frames, what its sequence rule
//! is and how it resyncs. Everything else — book state, buffering for REST snapshots,
//! watchdogs, counters, keepalive timing, status — is the shared [`crate::feed::driver::Driver`].

use crate::book::{DepthModel, Level};
use crate::feed::adapter::{ConnId, ConnSpec};
use crate::feed::event::{Derivs, LiqSampling};
pub use crate::feed::polls::Poll;
use crate::feed::sync::ChecksumKind;
use crate::instrument::Instrument;
use crate::integrity::SeqVerdict;
use crate::market::{LiquidatedPosition, Millis, Side, TakerSide, VenueId};
use crate::num::Dec;
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// A venue's sequence rule, driven per book (see `venue/<id>/sync.rs` for each rule's quoted
/// procedure).
pub trait Sequencer: Default + fmt::Debug + Send {
    /// The sequence fields one message carries (`U`/`u`/`pu`, `seqId`/`prevSeqId`, …).
    type Fields: Copy + fmt::Debug + Send;

    /// A snapshot (from the stream or REST) set the baseline.
    fn on_snapshot(&mut self, fields: &Self::Fields);

    /// The verdict for a delta. Called only after a snapshot.
    fn check(&mut self, fields: &Self::Fields) -> SeqVerdict;

    /// The verdict for a snapshot pushed to a live book. Snapshots replace the book whatever
    /// came before, except on venues whose every message is a snapshot (Hyperliquid): there a
    /// snapshot older than the book's is stale.
    fn check_snapshot(&mut self, fields: &Self::Fields) -> SeqVerdict {
        self.on_snapshot(fields);
        SeqVerdict::Apply
    }

    /// For venues synced from a REST snapshot: whether `snapshot` can be joined to a stream
    /// whose first buffered event is `first` (Binance: refetch if `lastUpdateId < U`).
    fn snapshot_usable(_snapshot: &Self::Fields, _first: &Self::Fields) -> bool {
        true
    }

    /// The update ids a message covers (`first..=last`; a snapshot: its id twice), for REST
    /// audits ([`crate::feed::audit`]). `None` where the venue numbers nothing comparable.
    fn span(_fields: &Self::Fields) -> Option<(u64, u64)> {
        None
    }

    /// For venues synced from a REST snapshot: whether a snapshot fetched before any event is
    /// buffered still joins the stream, because the event right after it may start at the
    /// snapshot's next id (Binance spot). Then a resync on a flowing stream asks at once; a rule
    /// whose first event must contain the snapshot's id (USDⓈ-M) waits for the next event.
    const JOINS_LATER_EVENTS: bool = false;
}

/// A venue's sequence rule as written in `venue/<id>/sync.rs`: it exists from a snapshot on.
pub trait SnapshotRule: Copy + fmt::Debug + Send {
    type Fields: Copy + fmt::Debug + Send;
    fn from_snapshot(fields: &Self::Fields) -> Self;
    fn check(&mut self, fields: &Self::Fields) -> SeqVerdict;
    /// See [`Sequencer::snapshot_usable`].
    fn snapshot_usable(_snapshot: &Self::Fields, _first: &Self::Fields) -> bool {
        true
    }
    /// See [`Sequencer::span`].
    fn span(_fields: &Self::Fields) -> Option<(u64, u64)> {
        None
    }

    /// See [`Sequencer::JOINS_LATER_EVENTS`].
    const JOINS_LATER_EVENTS: bool = false;
}

/// Adapts a [`SnapshotRule`] to a [`Sequencer`]: no rule until the first snapshot.
#[derive(Clone, Copy, Debug)]
pub struct FromSnapshot<R>(Option<R>);

impl<R> Default for FromSnapshot<R> {
    fn default() -> Self {
        FromSnapshot(None)
    }
}

impl<R: SnapshotRule> Sequencer for FromSnapshot<R> {
    type Fields = R::Fields;

    fn on_snapshot(&mut self, fields: &R::Fields) {
        self.0 = Some(R::from_snapshot(fields));
    }

    fn check(&mut self, fields: &R::Fields) -> SeqVerdict {
        match &mut self.0 {
            Some(rule) => rule.check(fields),
            // The driver checks only live books, which had a snapshot; be safe regardless.
            None => SeqVerdict::Gap {
                expected: 0,
                got: 0,
            },
        }
    }

    fn snapshot_usable(snapshot: &R::Fields, first: &R::Fields) -> bool {
        R::snapshot_usable(snapshot, first)
    }

    fn span(fields: &R::Fields) -> Option<(u64, u64)> {
        R::span(fields)
    }

    const JOINS_LATER_EVENTS: bool = R::JOINS_LATER_EVENTS;
}

/// A venue with no usable sequence numbers: every delta applies, and integrity rests on the
/// checksum (Kraken) or on full snapshots (Hyperliquid).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSequence;

impl Sequencer for NoSequence {
    type Fields = ();
    fn on_snapshot(&mut self, _: &()) {}
    fn check(&mut self, _: &()) -> SeqVerdict {
        SeqVerdict::Apply
    }
}

/// Where a book's first state comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotSource {
    /// The subscription itself starts with a snapshot message.
    Stream,
    /// A REST snapshot joined to the buffered diff stream (Binance, Gate legacy, KuCoin classic).
    Rest { url: String },
    /// The subscription starts with a snapshot where the venue still pushes one; if none has
    /// come `after` subscribing, a REST snapshot from `url` is joined to the buffered updates
    /// instead (OKX announced that its books channels stop pushing the snapshot).
    StreamOrRest { url: String, after: Duration },
}

/// How one instrument's book is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookSpec {
    pub conn: ConnId,
    pub depth: DepthModel,
    pub checksum: ChecksumKind,
    pub snapshot: SnapshotSource,
}

/// A trade as parsed, before unit conversion.
#[derive(Clone, Debug, PartialEq)]
pub struct RawTrade<'a> {
    pub instrument: Cow<'a, str>,
    pub price: Dec,
    pub size: Dec,
    pub taker: Option<TakerSide>,
    pub ts: Millis,
    pub id: Option<Cow<'a, str>>,
}

/// A liquidation as parsed, mapped to the position it closed.
#[derive(Clone, Debug, PartialEq)]
pub struct RawLiquidation<'a> {
    pub instrument: Cow<'a, str>,
    pub position: LiquidatedPosition,
    pub price: Dec,
    pub size: Dec,
    pub ts: Millis,
    pub sampling: LiqSampling,
}

/// Derivatives values for one instrument. Every venue depthscope reads reports open interest
/// in base units (OKX `oiCcy`, Bybit `openInterest`, Binance REST `openInterest`), so parsers
/// fill [`Derivs::open_interest`] directly.
#[derive(Clone, Debug, PartialEq)]
pub struct RawDerivs<'a> {
    pub instrument: Cow<'a, str>,
    pub ts: Option<Millis>,
    pub values: Derivs,
}

/// A book message's header; its levels are in the adapter's scratch buffer.
#[derive(Clone, Debug)]
pub struct BookFrame<'a, F> {
    pub instrument: Cow<'a, str>,
    /// `Some(limit)` for a snapshot (see [`crate::feed::sync::BookMsg`]).
    pub snapshot: Option<Option<usize>>,
    pub seq: F,
    /// The venue's checksum as a 32-bit pattern; `None` if absent (or OKX's deprecated `0`).
    pub checksum: Option<u32>,
    pub exch_ts: Option<Millis>,
}

/// One frame, understood.
#[derive(Debug)]
pub enum Parsed<'a, F> {
    /// A book message; its levels were written to the `levels` scratch buffer.
    Book(BookFrame<'a, F>),
    Trades(Vec<RawTrade<'a>>),
    Liquidations(Vec<RawLiquidation<'a>>),
    /// Trades some of which were liquidations (Deribit flags them inside its trade stream):
    /// every trade is published as a trade, and the flagged ones as liquidations too.
    TradesAndLiquidations(Vec<RawTrade<'a>>, Vec<RawLiquidation<'a>>),
    Derivs(Vec<RawDerivs<'a>>),
    /// Subscription acknowledgements, pongs, heartbeats: proof of life, nothing to apply.
    Control,
    /// A message the venue sends that depthscope does not use (klines, book tickers).
    Ignored,
    /// The venue announced that it will close this connection soon (Binance `serverShutdown`,
    /// OKX notice `64008`): a planned restart, handed over to a new connection.
    Closing(String),
    /// The venue reported an error, for one instrument or for the connection.
    VenueError {
        instrument: Option<Cow<'a, str>>,
        message: String,
    },
}

/// A REST response, understood.
#[derive(Debug)]
pub enum RestParsed<F> {
    /// A book snapshot; levels are in the `levels` scratch buffer.
    BookSnapshot {
        instrument: String,
        seq: F,
        limit: Option<usize>,
    },
    Derivs(Vec<RawDerivs<'static>>),
    /// Derivatives values from one venue-wide list (every symbol in one answer): entries for
    /// instruments not watched are expected there and skipped, not counted as malformed.
    DerivsList(Vec<RawDerivs<'static>>),
    /// Not a response this adapter uses.
    Ignored,
}

/// The venue-specific part of an adapter.
pub trait Protocol: Send + 'static {
    type Seq: Sequencer;

    fn venue(&self) -> VenueId;

    /// The sockets to open for these instruments.
    fn connections(&self, instruments: &[Instrument]) -> Vec<ConnSpec>;

    /// What to send when `conn` opens.
    fn subscribe(&self, conn: ConnId, instruments: &[Instrument]) -> Vec<String>;

    /// What to send on an open `conn` to add `added` at run time, beside `kept` (already
    /// subscribed). Every venue depthscope reads takes subscriptions on an open connection.
    fn subscribe_more(
        &self,
        conn: ConnId,
        added: &[Instrument],
        kept: &[Instrument],
    ) -> Vec<String> {
        let _ = kept;
        self.subscribe(conn, added)
    }

    /// What to send on an open `conn` to stop `removed`'s streams, leaving `kept`'s (streams
    /// they share stay). Empty: the venue keeps sending, and the driver ignores it quietly.
    fn unsubscribe(
        &self,
        conn: ConnId,
        removed: &[Instrument],
        kept: &[Instrument],
    ) -> Vec<String> {
        let _ = (conn, removed, kept);
        Vec::new()
    }

    /// What to send to restart one book's stream (its venue's resync procedure). An empty list
    /// means the book resyncs another way (a REST snapshot, or a reconnect).
    fn resubscribe(&self, instrument: &Instrument) -> Vec<String>;

    /// How `instrument`'s book is kept.
    fn book_spec(&self, instrument: &str) -> BookSpec;

    /// Whether a book that failed must be rebuilt by reconnecting its socket (Deribit: a
    /// re-subscribe on the same socket sends no new snapshot).
    fn resync_by_reconnect(&self) -> bool {
        false
    }

    /// What an instrument id seen in the data (not configured) most likely is: used for books
    /// discovered in a replay. The contract stays unknown unless the id says it.
    fn infer_instrument(&self, id: &str) -> Instrument {
        crate::instrument::guess(self.venue(), id)
    }

    /// Turn a binary frame into text (KuCoin sends UTF-8 JSON in binary frames; CoinEx gzip).
    fn decode_binary<'a>(&self, bytes: &'a [u8]) -> Result<Cow<'a, str>, String> {
        std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|e| format!("binary frame is not UTF-8: {e}"))
    }

    /// Parse one text frame. Book levels go to `levels` (cleared by the caller).
    fn parse<'a>(
        &mut self,
        conn: ConnId,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, <Self::Seq as Sequencer>::Fields>, String>;

    /// Parse a REST response body fetched from `url`.
    fn parse_rest(
        &self,
        _url: &str,
        _body: &str,
        _levels: &mut Vec<(Side, Level)>,
    ) -> Result<RestParsed<<Self::Seq as Sequencer>::Fields>, String> {
        Ok(RestParsed::Ignored)
    }

    /// An application-level ping to send on `conn` when nothing was sent for `interval`.
    fn keepalive(&self, _conn: ConnId) -> Option<(Duration, String)> {
        None
    }

    /// A REST snapshot of `instrument`'s book that names its update id, for audits
    /// ([`crate::feed::audit`]); `None` where the venue has none (or a checksum proves the book).
    fn audit_url(&self, _instrument: &str) -> Option<String> {
        None
    }

    /// REST URLs to poll, each list on its own cadence (Binance open interest; the venues'
    /// positioning statistics, [`crate::venue::positioning`]).
    fn polls(&self, _instruments: &[Instrument]) -> Vec<Poll> {
        Vec::new()
    }

    /// A message the client sent (replays learn the subscribed depth from it).
    fn learn_sent(&mut self, _conn: ConnId, _text: &str) {}
}
