//! The events a venue task publishes: one normalised type for every venue.
//!
//! Sizes here are in **base units** (contracts already converted, `docs/metrics.md` §0.4) and prices
//! are `f64`: the exact wire values stay in the venue task's [`crate::book::Book`], where
//! checksums need them. Book changes are published for every applied message, never sampled,
//! because OFI and the spoof trackers difference consecutive states.

pub use crate::engine::analytics::RatioKind;
use crate::feed::health::{BookCounters, BookState, ConnState, VenueCounters};
use crate::instrument::Instrument;
use crate::market::{LiquidatedPosition, Millis, Nanos, Side, TakerSide, VenueId};
use std::sync::Arc;

/// One book: a venue and the venue's own instrument id (`BTC-USDT`, `BTCUSDT`, `XBT/USD`).
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct BookKey {
    pub venue: VenueId,
    pub instrument: Arc<str>,
}

impl BookKey {
    pub fn new(venue: VenueId, instrument: &str) -> Self {
        BookKey {
            venue,
            instrument: Arc::from(instrument),
        }
    }
}

impl std::fmt::Display for BookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.venue, self.instrument)
    }
}

/// A level as features see it: price and base-unit size (0 = the level was removed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LevelChange {
    pub side: Side,
    pub price: f64,
    pub size: f64,
}

impl LevelChange {
    /// A whole book as changes, bids then asks, from `(price, size)` levels.
    pub fn book(bids: &[(f64, f64)], asks: &[(f64, f64)]) -> Vec<LevelChange> {
        let side = |side, levels: &[(f64, f64)]| {
            levels
                .iter()
                .map(move |&(price, size)| LevelChange { side, price, size })
                .collect::<Vec<_>>()
        };
        let mut changes = side(Side::Bid, bids);
        changes.extend(side(Side::Ask, asks));
        changes
    }
}

/// Whether an update replaces the book or changes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateKind {
    /// The book was replaced: `changes` holds every level. Differencing metrics start a new
    /// baseline here (a snapshot must not count as adds).
    Snapshot,
    /// `changes` holds the levels this message set or removed, in order, truncation included.
    Delta,
}

/// One applied book message.
#[derive(Clone, Debug, PartialEq)]
pub struct BookUpdate {
    pub key: BookKey,
    pub kind: UpdateKind,
    pub local_ts: Nanos,
    pub exch_ts: Option<Millis>,
    pub changes: Vec<LevelChange>,
    /// Per side, the worst price the book is known to reach (`None`: the whole side is known).
    pub known_to: [Option<f64>; 2],
}

/// A public trade, taker side normalised.
#[derive(Clone, Debug, PartialEq)]
pub struct Trade {
    pub key: BookKey,
    pub local_ts: Nanos,
    pub exch_ts: Millis,
    pub price: f64,
    /// Base units.
    pub size: f64,
    /// `None` when the venue does not say who took liquidity (features count it as unsided).
    pub taker: Option<TakerSide>,
    /// The venue's trade id, for de-duplication after reconnects.
    pub id: Option<Arc<str>>,
}

/// How completely a venue reports liquidations (`docs/metrics.md` §3.5): raw counts are never
/// compared across different samplings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiqSampling {
    /// Binance `forceOrder`: at most the latest liquidation per symbol per second.
    Throttled1s,
    /// Bybit `allLiquidation`: pushed every 500 ms.
    Throttled500ms,
    /// Every liquidation is reported.
    Complete,
    /// The venue says its stream is not a complete history and gives no rate (OKX
    /// `liquidation-orders`).
    Incomplete,
}

/// A forced order, normalised to the position it closed.
#[derive(Clone, Debug, PartialEq)]
pub struct Liquidation {
    pub key: BookKey,
    pub local_ts: Nanos,
    pub exch_ts: Millis,
    pub position: LiquidatedPosition,
    pub price: f64,
    /// Base units.
    pub size: f64,
    pub sampling: LiqSampling,
}

/// Derivatives state: any field the message carried (venues send partial updates).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Derivs {
    pub mark_price: Option<f64>,
    pub index_price: Option<f64>,
    /// Current or predicted funding rate for the interval, as a fraction (0.0001 = 0.01 %).
    pub funding_rate: Option<f64>,
    pub next_funding_ts: Option<Millis>,
    /// Funding interval in hours, when the venue says (never assumed: `docs/metrics.md` §3.10).
    pub funding_interval_h: Option<f64>,
    /// Open interest in base units.
    pub open_interest: Option<f64>,
    /// Open interest in quote notional, when the venue sends it.
    pub open_interest_usd: Option<f64>,
    /// A positioning statistic the venue publishes per period (polled from REST).
    pub positioning: Option<Positioning>,
}

/// Which positioning statistic a polled value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PositioningStat {
    /// longs / shorts, counted as the kind says (never compared across kinds, §3.13).
    LongShort(RatioKind),
    /// Taker buy volume / taker sell volume over the period (Binance `buySellRatio`, §3.2).
    TakerBuySell,
}

/// One venue-published positioning value: the latest complete period's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Positioning {
    pub stat: PositioningStat,
    /// A finite, positive ratio (parsers refuse anything else).
    pub value: f64,
    /// The venue's timestamp of the period, exchange time.
    pub at: Millis,
}

/// A derivatives tick for one instrument.
#[derive(Clone, Debug, PartialEq)]
pub struct DerivsTick {
    pub key: BookKey,
    pub local_ts: Nanos,
    pub exch_ts: Option<Millis>,
    pub values: Derivs,
}

/// A book's integrity state changed, or its counters are being refreshed.
#[derive(Clone, Debug, PartialEq)]
pub struct BookStatus {
    pub key: BookKey,
    pub local_ts: Nanos,
    pub state: BookState,
    pub counters: BookCounters,
}

/// A venue's connection state changed, or its counters are being refreshed.
#[derive(Clone, Debug, PartialEq)]
pub struct VenueStatus {
    pub venue: VenueId,
    pub local_ts: Nanos,
    pub state: ConnState,
    pub counters: VenueCounters,
}

/// Everything a venue task publishes.
#[derive(Clone, Debug, PartialEq)]
pub enum MarketEvent {
    /// A book or instrument the venue task serves (sent once per instrument, and again if its
    /// metadata changes): symbol mapping and contract units for the engine.
    Instrument(Arc<Instrument>),
    Book(BookUpdate),
    BookStatus(BookStatus),
    Trade(Trade),
    Liquidation(Liquidation),
    Derivs(DerivsTick),
    Venue(VenueStatus),
    /// Baseline samples from REST history (through the history store) for books whose
    /// baselines are not warm, and the fetch's progress (see [`crate::backfill`]).
    Backfill(crate::backfill::BackfillEvent),
    /// The watch list changed at run time (`:add`, `:rm`).
    Watch(WatchChange),
}

/// A change to what is watched, in the order the engine must see it: a symbol is watched
/// before its venues' books arrive, each venue removes its books after their last event, and
/// the symbol is unwatched once every venue has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchChange {
    /// A watch-list entry (`SOL`, `okx:SOL-USDT`) joined the list.
    Watch(String),
    /// A venue stopped keeping this book (unsubscribed): no event of it follows.
    BookRemoved(BookKey),
    /// A watch-list entry left the list; whatever the engine still holds of it goes too.
    Unwatch(String),
}
