//! Gate v4 public streams: spot (`gate`, `wss://api.gateio.ws/ws/v4/`) and USDT-settled
//! perpetuals (`gate-usdt`, `wss://fx-ws.gateio.ws/v4/ws/usdt`), one implementation
//! parameterised by its [`Market`], whose [`Family`] says what differs (`docs/venues.md` "Gate
//! (v4)").
//!
//! Books: the `obu` channels (`spot.obu` / `futures.obu`, "Order Book V2"), not the legacy
//! `*.order_book_update` + REST snapshot. `obu` is the book channel Gate's current docs and
//! libraries (ccxt `pro/gate`) use: the subscription pushes a `full` snapshot, every delta must
//! start right after the last (`U == last_u + 1`, [`sync::ObuRule`]), and a resync is an
//! unsubscribe and a subscribe, so no REST snapshot has to be raced against the stream. The
//! legacy channel is read in replays only: a recording that subscribed it (the 2021 spot and
//! 2023 futures ones) starts each book from its recorded REST snapshot's `id`
//! ([`sync::BookRule`]).
//!
//! No checksum. Futures sizes are contracts of `quanto_multiplier` base units
//! ([`instruments`]), which the engine converts from the instrument's contract; open interest
//! from `futures.tickers` (`total_size`, contracts) is converted here.
//!
//! A subscription Gate does not serve (an unknown pair) is acknowledged like any other and then
//! nothing comes: the driver's snapshot watchdog reports the book.

pub mod instruments;
pub mod parse;
pub mod subscribe;
pub mod sync;
#[cfg(test)]
mod tests;

use crate::book::{DepthModel, Level};
use crate::feed::adapter::{ConnId, ConnSpec};
use crate::feed::protocol::{BookSpec, Parsed, Protocol, RestParsed, SnapshotSource};
use crate::feed::sync::ChecksumKind;
use crate::instrument::{Contract, Instrument, MarketKind};
use crate::market::{Side, VenueId};
use crate::sim::dialect::gate as dialect;
use crate::venue::registry::{self, FromOptions, VenueOptions};
use crate::venue::spec::{
    AdapterSpec, Depths, IdMeaning, Liquidations, PERPETUALS, SPOT as SPOT_MARKETS, SimSequence,
    SimSocket, SimSpec, VenueSpec,
};
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

/// `obu` levels: "50" and "400" (ccxt; the 2026 futures probe subscribed 50).
pub const DEPTHS: [usize; 2] = [50, 400];

/// 50 levels a side: deep enough for the depth bands, and the depth seen on real frames.
pub const DEFAULT_DEPTH: usize = 50;

/// Why `futures.public_liquidates` is not read: Gate's documentation of the channel gives each
/// liquidation's `size` signed ("liquidation order quantity") without saying which sign closed a
/// long, and no recording shows one.
pub const UNREAD_LIQUIDATIONS: &str = "Gate documents no side for its liquidation sizes";

/// The production REST base (instrument lists).
pub const DEFAULT_REST: &str = "https://api.gateio.ws";

/// Which Gate settle family a venue id streams: one per socket ("other family: ack + silence").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Spot,
    Usdt,
}

impl Family {
    pub const fn venue(self) -> VenueId {
        match self {
            Family::Spot => VenueId::Gate,
            Family::Usdt => VenueId::GateUsdt,
        }
    }

    /// The channel prefix (`spot.obu`, `futures.obu`).
    pub const fn prefix(self) -> &'static str {
        match self {
            Family::Spot => "spot",
            Family::Usdt => "futures",
        }
    }

    pub const fn default_url(self) -> &'static str {
        match self {
            Family::Spot => "wss://api.gateio.ws/ws/v4/",
            Family::Usdt => "wss://fx-ws.gateio.ws/v4/ws/usdt",
        }
    }
}

/// One Gate market, as a type: the descriptor and the [`Protocol`] are built per type.
pub trait Market: fmt::Debug + Send + 'static {
    const FAMILY: Family;
}

/// Gate spot.
#[derive(Clone, Copy, Debug)]
pub struct Spot;

impl Market for Spot {
    const FAMILY: Family = Family::Spot;
}

/// Gate USDT-settled perpetuals.
#[derive(Clone, Copy, Debug)]
pub struct Usdt;

impl Market for Usdt {
    const FAMILY: Family = Family::Usdt;
}

/// Gate's [`Protocol`] for market `M`.
#[derive(Debug)]
pub struct Gate<M> {
    url: String,
    rest_base: String,
    depth: usize,
    parser: parse::Parser,
    /// Pairs a replayed recording subscribed on the legacy `*.order_book_update` channel: their
    /// books start from a REST snapshot's `id` (the recording's `with_id=true` responses).
    legacy: HashSet<String>,
    market: PhantomData<M>,
}

impl<M: Market> Gate<M> {
    /// `url` overrides the endpoint; `depth` the book level (default [`DEFAULT_DEPTH`]);
    /// `known` gives futures contracts their multipliers.
    pub fn new<'i>(
        url: Option<String>,
        depth: Option<usize>,
        known: impl IntoIterator<Item = &'i Instrument>,
    ) -> Self {
        let multipliers = known
            .into_iter()
            .filter_map(|i| match i.contract {
                Contract::Linear { multiplier } => Some((i.id.clone(), multiplier)),
                _ => None,
            })
            .collect();
        Gate {
            url: url.unwrap_or_else(|| M::FAMILY.default_url().to_owned()),
            rest_base: DEFAULT_REST.to_owned(),
            legacy: HashSet::new(),
            depth: super::served_depth("Gate", &DEPTHS, DEFAULT_DEPTH, depth),
            parser: parse::Parser { multipliers },
            market: PhantomData,
        }
    }
}

impl<M: Market> Gate<M> {
    /// Use another REST base (scheme and host) for legacy books' snapshots.
    pub fn with_rest(mut self, rest_base: Option<String>) -> Self {
        if let Some(base) = rest_base {
            self.rest_base = base;
        }
        self
    }

    /// The REST snapshot a legacy book starts from (`limit=100&with_id=true`, as recorded).
    fn legacy_snapshot_url(&self, pair: &str) -> String {
        let base = &self.rest_base;
        match M::FAMILY {
            Family::Spot => {
                format!("{base}/api/v4/spot/order_book?currency_pair={pair}&limit=100&with_id=true")
            }
            Family::Usdt => format!(
                "{base}/api/v4/futures/usdt/order_book?contract={pair}&limit=100&with_id=true"
            ),
        }
    }
}

impl<M: Market> FromOptions for Gate<M> {
    fn from_options<'i>(
        opts: &VenueOptions,
        known: impl IntoIterator<Item = &'i Instrument>,
    ) -> Self {
        Self::new(opts.ws_url.clone(), opts.depth, known).with_rest(opts.rest_url.clone())
    }
}

/// The descriptor of market `M`, simulated on `sockets`.
const fn spec<M: Market>(id: &'static str, sockets: &'static [SimSocket]) -> VenueSpec {
    VenueSpec {
        id,
        label: "GATE",
        ids: IdMeaning::FromId,
        markets: match M::FAMILY {
            Family::Spot => SPOT_MARKETS,
            Family::Usdt => PERPETUALS,
        },
        adapter: Some(AdapterSpec {
            ws_url: M::FAMILY.default_url(),
            rest_url: DEFAULT_REST,
            depths: Depths::Choice {
                served: &DEPTHS,
                default: DEFAULT_DEPTH,
            },
            instruments: instruments::source::<M>(),
            build: registry::build::<Gate<M>>,
            // `futures.public_liquidates` exists, but its documentation gives a signed `size`
            // without saying which sign closed a long (`docs/venues.md` "Gate"), so it is not read.
            liquidations: Liquidations::Unread(UNREAD_LIQUIDATIONS),
            history: None,
            sim: SimSpec {
                url_path: sockets[0].path,
                sockets,
                sequence: SimSequence::PerBook,
                checksummed: false,
                announces_shutdown: false,
            },
        }),
    }
}

/// The `gate` (spot) venue.
pub const SPOT: VenueSpec = spec::<Spot>(
    "gate",
    &[SimSocket {
        path: "/gate/ws/v4",
        dialect: |o| Box::new(dialect::Gate::new(VenueId::Gate, o.conn)),
    }],
);

/// The `gate-usdt` (USDT perpetuals) venue.
pub const USDT: VenueSpec = spec::<Usdt>(
    "gate-usdt",
    &[SimSocket {
        path: "/gate/v4/ws/usdt",
        dialect: |o| Box::new(dialect::Gate::new(VenueId::GateUsdt, o.conn)),
    }],
);

impl<M: Market> Protocol for Gate<M> {
    type Seq = sync::GateSequencer;

    fn venue(&self) -> VenueId {
        M::FAMILY.venue()
    }

    fn connections(&self, _: &[Instrument]) -> Vec<ConnSpec> {
        vec![ConnSpec {
            name: "public",
            url: self.url.clone(),
            // Gate publishes no connection rate for public sockets: one a second, three back
            // to back.
            min_reconnect: Duration::from_secs(1),
            reconnect_burst: 3,
            max_lifetime: None,
        }]
    }

    fn subscribe(&self, _: ConnId, instruments: &[Instrument]) -> Vec<String> {
        subscribe::requests(M::FAMILY, "subscribe", instruments, |_| self.depth)
    }

    fn unsubscribe(&self, _: ConnId, removed: &[Instrument], _: &[Instrument]) -> Vec<String> {
        subscribe::requests(M::FAMILY, "unsubscribe", removed, |_| self.depth)
    }

    fn resubscribe(&self, instrument: &Instrument) -> Vec<String> {
        subscribe::resubscribe_book(M::FAMILY, &instrument.id, self.depth)
    }

    fn book_spec(&self, instrument: &str) -> BookSpec {
        if self.legacy.contains(instrument) {
            return BookSpec {
                conn: 0,
                depth: DepthModel::SnapshotThenDiffs,
                checksum: ChecksumKind::None,
                snapshot: SnapshotSource::Rest {
                    url: self.legacy_snapshot_url(instrument),
                },
            };
        }
        BookSpec {
            conn: 0,
            depth: DepthModel::Maintained(self.depth),
            checksum: ChecksumKind::None,
            snapshot: SnapshotSource::Stream,
        }
    }

    fn parse_rest(
        &self,
        url: &str,
        body: &str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<RestParsed<sync::BookIds>, String> {
        if url.contains("/order_book?") {
            parse::rest_book(url, body, levels)
        } else {
            Ok(RestParsed::Ignored)
        }
    }

    /// A recording's legacy subscription (`{"channel":"spot.order_book_update",
    /// "event":"subscribe","payload":["BTC_USDT","100ms"]}`) marks its pair as REST-synced.
    fn learn_sent(&mut self, _: ConnId, text: &str) {
        #[derive(serde::Deserialize)]
        struct Sent {
            channel: String,
            event: String,
            #[serde(default)]
            payload: Vec<serde_json::Value>,
        }
        let Ok(sent) = serde_json::from_str::<Sent>(text) else {
            return;
        };
        if sent.event == "subscribe"
            && sent.channel.ends_with(".order_book_update")
            && let Some(pair) = sent.payload.first().and_then(|p| p.as_str())
        {
            self.legacy.insert(pair.to_owned());
        }
    }

    /// Futures ids look like spot pairs (`BTC_USDT`): on `gate-usdt` they are perpetuals, of
    /// the listed multiplier or of unknown size.
    fn infer_instrument(&self, id: &str) -> Instrument {
        let mut inst = crate::instrument::guess(self.venue(), id);
        if M::FAMILY == Family::Usdt {
            inst.kind = MarketKind::Perpetual;
            inst.contract = self
                .parser
                .multipliers
                .get(id)
                .map_or(Contract::Unknown, |&multiplier| Contract::Linear {
                    multiplier,
                });
        }
        inst
    }

    fn parse<'a>(
        &mut self,
        _: ConnId,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, sync::BookIds>, String> {
        self.parser.parse(text, levels)
    }

    /// "`spot.ping` / `futures.ping` -> `*.pong`"; a quiet socket is closed after about 30 s
    /// without a client frame.
    fn keepalive(&self, _: ConnId) -> Option<(Duration, String)> {
        Some((Duration::from_secs(10), subscribe::ping(M::FAMILY)))
    }
}
