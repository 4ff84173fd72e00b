//! Venue dialects: how each venue words the same market. A dialect turns a client's request
//! into venue-neutral [`Action`]s (answering bad requests with the venue's own error frame) and
//! renders book messages, trades, liquidations and derivatives in the venue's wire format.
//!
//! Everything else — subscriptions, view diffing, sequence numbers, checksums, cadence, faults —
//! is shared ([`crate::sim::session`], [`crate::sim::stream`]); a dialect only says which of the
//! shared schemes its venue uses ([`BookFeed`]).

pub mod binance;
pub mod bitget;
pub mod bybit;
pub mod coinbase;
pub mod deribit;
pub mod gate;
pub mod hyperliquid;
pub mod kraken;
pub mod kucoin;
pub mod okx;

use crate::book::Level;
use crate::feed::sync::ChecksumKind;
use crate::market::{Millis, VenueId};
use crate::sim::catalog::{BookId, INSTRUMENTS, SimInstrument};
use crate::sim::market::{WireFill, WireForced};
use crate::sim::model::event::DerivState;
use crate::venue::spec::SimSequence;
use std::time::Duration;

/// What a client can subscribe to, in venue-neutral terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Topic {
    Book(BookId),
    Trades(BookId),
    Liquidations(BookId),
    /// Mark, index, funding and open interest together (Bybit `tickers`).
    Ticker(BookId),
    /// Mark price, index and funding (Binance `markPrice`, OKX `mark-price`).
    Mark(BookId),
    Funding(BookId),
    OpenInterest(BookId),
}

impl Topic {
    pub fn book(self) -> BookId {
        match self {
            Topic::Book(b)
            | Topic::Trades(b)
            | Topic::Liquidations(b)
            | Topic::Ticker(b)
            | Topic::Mark(b)
            | Topic::Funding(b)
            | Topic::OpenInterest(b) => b,
        }
    }
}

/// What a client request asks of the session, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send this frame (an acknowledgement, a pong, an error).
    Send(String),
    /// Start a topic; `depth` is the book depth asked for (`None`: the full diff stream).
    Subscribe {
        topic: Topic,
        depth: Option<usize>,
    },
    Unsubscribe(Topic),
}

/// How a venue numbers book messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqScheme {
    /// Binance spot: each message covers `U..=u` of the book's global ids, contiguously.
    Range,
    /// Binance USDⓈ-M: global `U..=u` ranges that jump, each naming the previous `u` (`pu`).
    RangeLinked,
    /// OKX: `seqId` from the global ids, `prevSeqId` the last one this subscriber was sent.
    Linked,
    /// Bybit: `u` counts this subscription's messages by one.
    Counter,
    /// Kraken: no numbers; the checksum is the only integrity check.
    None,
    /// Hyperliquid: every message is the whole view, stamped with a time that only increases.
    Snapshots,
}

impl SeqScheme {
    /// Whether a book synced this way starts from a REST snapshot (Binance).
    pub fn rest_synced(self) -> bool {
        matches!(self, SeqScheme::Range | SeqScheme::RangeLinked)
    }
}

/// How a venue publishes its books.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookFeed {
    pub scheme: SeqScheme,
    /// The checksum the venue publishes, if any (OKX's is `0` unless real checksums are on).
    pub checksum: Option<ChecksumKind>,
    /// Whether a level pushed out of the subscribed depth gets a delete. Kraken sends none
    /// ("truncate to the subscribed depth after each update").
    pub deletes_out_of_view: bool,
}

/// A book message, before the dialect words it.
#[derive(Clone, Debug, PartialEq)]
pub struct BookMsg {
    pub book: BookId,
    /// The depth subscribed (`None`: the full diff stream).
    pub depth: Option<usize>,
    pub snapshot: bool,
    /// Best first for snapshots; changed levels (size 0 removes) for deltas.
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
    /// Ids by the venue's [`SeqScheme`]: `first..=last`, and `prev` (`None` on a snapshot).
    pub first: u64,
    pub last: u64,
    pub prev: Option<u64>,
    /// The checksum to publish; `None` where the venue publishes none (or OKX's `0`).
    pub checksum: Option<u32>,
    pub time: Millis,
    /// The book's global update id this message brings the view to (Bybit's cross sequence
    /// `seq`, which its REST snapshot names too).
    pub head: u64,
}

/// How often a topic publishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cadence {
    /// Every step that has something.
    EveryStep,
    /// Every so often, whatever accumulated (Bybit liquidations: every 500 ms).
    Every(Duration),
    /// Every so often, only the latest item (Binance `forceOrder`: one per second).
    Latest(Duration),
}

/// A keepalive the server sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Beat {
    /// A WebSocket ping frame (Binance).
    Ping,
    /// A text frame, while the client has subscriptions (Kraken's heartbeat channel).
    Text(String),
}

/// A perpetual's derivatives state as a dialect renders it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Derivs {
    pub state: DerivState,
    /// The next funding settlement (every 8 h from midnight UTC), exchange time.
    pub next_funding: Millis,
}

impl Derivs {
    pub fn at(state: DerivState, now: Millis) -> Self {
        const EIGHT_HOURS: Millis = 8 * 3_600_000;
        Derivs {
            state,
            next_funding: (now / EIGHT_HOURS + 1) * EIGHT_HOURS,
        }
    }
}

/// A venue's wording of the market.
pub trait Dialect: Send {
    fn venue(&self) -> VenueId;

    fn book_feed(&self) -> BookFeed;

    /// Frames sent as soon as the socket opens (Kraken's status).
    fn greeting(&mut self) -> Vec<String> {
        Vec::new()
    }

    /// One client text frame. Never fails: a request the venue would refuse gets the venue's
    /// own error frame.
    fn request(&mut self, text: &str, now: Millis) -> Vec<Action>;

    fn book(&self, msg: &BookMsg) -> String;

    /// Trade frames for one step's fills of `book`.
    fn trades(&self, book: BookId, fills: &[WireFill], now: Millis) -> Vec<String>;

    /// Liquidation frames for what accumulated on `book`.
    fn liquidations(&self, book: BookId, items: &[WireForced], now: Millis) -> Vec<String>;

    /// A derivatives frame for `topic`; `first` is the first one after subscribing.
    fn derivs(&mut self, topic: Topic, d: &Derivs, now: Millis, first: bool) -> Option<String>;

    fn cadence(&self, topic: Topic) -> Cadence {
        let _ = topic;
        Cadence::EveryStep
    }

    fn heartbeat(&self) -> Option<(Duration, Beat)> {
        None
    }

    /// The venue reporting an error on the connection (the `error` fault).
    fn venue_error(&self, now: Millis) -> String;

    /// The venue announcing that it will close the connection (the `shutdown` fault), if it
    /// does (see [`announces_shutdown`]).
    fn shutdown_notice(&self, _now: Millis) -> Option<String> {
        None
    }
}

/// What a dialect is opened with: the connection's number and the simulator's switches.
#[derive(Clone, Copy, Debug)]
pub struct Opening {
    pub conn: u64,
    /// Publish real OKX checksums instead of `0`.
    pub okx_checksums: bool,
}

/// The dialect serving a WebSocket path, if any: each venue's descriptor lists its paths
/// ([`crate::venue::spec::SimSpec`]), the venues' own prefixed with the venue id so one port
/// serves them all.
pub fn for_path(path: &str, opening: &Opening) -> Option<Box<dyn Dialect>> {
    let path = path.trim_end_matches('/');
    VenueId::ALL
        .iter()
        .filter_map(|v| v.adapter_spec())
        .flat_map(|a| a.sim.sockets)
        .find(|s| s.path == path)
        .map(|s| (s.dialect)(opening))
}

/// How `venue`'s book messages are numbered and whether they carry a checksum (which faults
/// apply).
pub fn integrity(venue: VenueId) -> (SimSequence, bool) {
    venue
        .adapter_spec()
        .map_or((SimSequence::Unnumbered, false), |a| {
            (a.sim.sequence, a.sim.checksummed)
        })
}

/// Whether `venue` announces planned closes (Binance `serverShutdown`, OKX notice `64008`).
pub fn announces_shutdown(venue: VenueId) -> bool {
    venue
        .adapter_spec()
        .is_some_and(|a| a.sim.announces_shutdown)
}

/// A book's instrument.
pub fn inst(book: BookId) -> &'static SimInstrument {
    &INSTRUMENTS[book]
}

/// A derivatives value at the instrument's tick (mark and index prices).
pub fn price_text(book: BookId, value: f64) -> String {
    let i = inst(book);
    i.price((value / i.tick_size()).round() as i64).to_string()
}

/// `[["price","size"],…]` with the venue's strings (Binance, Bybit), or with OKX's extra
/// `"0"` and order-count fields when `okx` is set.
pub fn level_arrays(out: &mut String, levels: &[Level], okx: bool) {
    use std::fmt::Write;
    out.push('[');
    for (i, l) in levels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if okx {
            let orders = 1 + l.size.mantissa().unsigned_abs() % 17;
            let _ = write!(out, r#"["{}","{}","0","{orders}"]"#, l.price, l.size);
        } else {
            let _ = write!(out, r#"["{}","{}"]"#, l.price, l.size);
        }
    }
    out.push(']');
}

/// An exchange time as RFC 3339 with microseconds (Kraken v2: `2023-10-06T17:35:55.440295Z`).
pub fn rfc3339(ms: Millis) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}000Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1_000 % 60,
        rem % 1_000
    )
}

/// A JSON string literal.
pub fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_render_as_the_adapters_parse_them() {
        let ms = 1_696_613_755_440;
        assert_eq!(rfc3339(ms), "2023-10-06T17:35:55.440000Z");
        assert_eq!(crate::venue::wire::rfc3339_millis(&rfc3339(ms)), Ok(ms));
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000Z");
    }

    #[test]
    fn funding_settles_every_eight_hours_from_midnight() {
        let state = DerivState {
            mark: 1.0,
            index: 1.0,
            funding_rate: 0.0,
            open_interest: 0.0,
        };
        let noon = 1_700_000_000_000 / 86_400_000 * 86_400_000 + 12 * 3_600_000;
        assert_eq!(Derivs::at(state, noon).next_funding, noon + 4 * 3_600_000);
    }
}
