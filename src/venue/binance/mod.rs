//! Binance: spot (`binance`, `stream.binance.com`) and USDⓈ-M futures (`binance-usdm`,
//! `fstream.binance.com`), one [`Protocol`] implementation for both.
//!
//! The two markets share their wire format, book procedure (REST snapshot joined to a buffered
//! `@depth@100ms` diff stream) and parser; a [`Market`] lists what differs: endpoints, which
//! socket carries which streams, the sequence rule ([`sync`]), open-interest polling and the
//! instrument list.
//!
//! Integrity: no checksum; spot books follow `U`/`u` continuity, USDⓈ-M books the `pu` chain.
//!
//! Keepalive: Binance sends WebSocket ping frames (spot every 20 s, USDⓈ-M every 3 min) and
//! drops a connection that does not pong; the runtime's WebSocket layer answers them with the
//! same payload, and "unsolicited pongs do not prevent disconnect", so there is no
//! application-level ping. Connections live at most 24 h: they are rotated just before.
//!
//! URL overrides ([`crate::venue::registry::VenueOptions`]): `ws_url` replaces the WebSocket
//! *base* (scheme, host, port and an optional path prefix) and each socket's path is appended to
//! it: spot `{ws_url}/ws`; USDⓈ-M `{ws_url}/public/ws` (depth) and `{ws_url}/market/ws`
//! (trades, mark price, liquidations). A simulator serving both USDⓈ-M routes at
//! `ws://127.0.0.1:9000` is therefore reached with `ws_url = "ws://127.0.0.1:9000"`. `rest_url`
//! replaces the REST base (`https://api.binance.com`, `https://fapi.binance.com`) for depth
//! snapshots, open interest and instruments.

pub mod instruments;
pub mod parse;
pub mod positioning;
pub mod subscribe;
pub mod sync;
#[cfg(test)]
mod tests;

use crate::backfill::plan::HistorySource;
use crate::backfill::venues::binance as backfill;
use crate::book::{DepthModel, Level};
use crate::feed::adapter::{ConnId, ConnSpec};
use crate::feed::protocol::{
    BookSpec, FromSnapshot, Parsed, Poll, Protocol, RestParsed, SnapshotRule, SnapshotSource,
};
use crate::feed::sync::ChecksumKind;
use crate::instrument::{Instrument, MarketKind};
use crate::market::{Side, VenueId};
use crate::sim::dialect::binance::{self as dialect, Route};
use crate::venue::registry::{self, FromOptions, VenueOptions};
use crate::venue::spec::{
    AdapterSpec, Depths, IdMeaning, Liquidations, PERPETUALS, SPOT as SPOT_MARKETS, SimSequence,
    SimSocket, SimSpec, VenueSpec,
};
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;
use sync::DepthIds;

/// "A single connection is only valid for 24 hours": rotate a minute before Binance cuts it.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600 - 60);

/// "300 connections per attempt every 5 minutes per IP" (spot docs; applied to USDⓈ-M too): one
/// attempt per second on average, shared by a market's sockets.
const CONNECT_BUDGET: Duration = Duration::from_secs(1);

/// Dials a socket may make back to back within `CONNECT_BURST` budgets: any 5 minutes still
/// hold at most 300 dials for the market's sockets together.
const CONNECT_BURST: u32 = 5;

/// How often open interest is polled: it has no WebSocket stream.
const OPEN_INTEREST_EVERY: Duration = Duration::from_secs(10);

/// How often the funding-interval list is read: it changes when Binance announces an
/// adjustment. One request for every symbol, weight 0 (it shares `fundingRate`'s 500 per 5 min
/// per IP).
const FUNDING_INFO_EVERY: Duration = Duration::from_secs(3_600);

/// One WebSocket a market opens: its path below the WS base and the streams it carries per
/// symbol. The depth stream is always on socket 0.
#[derive(Clone, Copy, Debug)]
pub struct Socket {
    pub name: &'static str,
    pub path: &'static str,
    pub streams: &'static [&'static str],
}

/// What differs between Binance spot and USDⓈ-M.
pub trait Market: fmt::Debug + Send + 'static {
    const VENUE: VenueId;
    const DEFAULT_WS: &'static str;
    const DEFAULT_REST: &'static str;
    const SOCKETS: &'static [Socket];
    /// The REST depth snapshot path.
    const DEPTH_PATH: &'static str;
    /// Depth events carry `pu`, and the rule needs it.
    const CHAINED: bool;
    /// The REST open-interest path, polled per symbol, if the market has one.
    const OPEN_INTEREST_PATH: Option<&'static str>;
    /// The REST list of funding intervals (one request for all symbols), if the market has one.
    const FUNDING_INFO_PATH: Option<&'static str>;
    const EXCHANGE_INFO_PATH: &'static str;
    /// What the instrument list's symbols are, and which `contractType` to keep (`None`: the
    /// market has no contract types).
    const KIND: MarketKind;
    const CONTRACT_TYPE: Option<&'static str>;
    type Rule: SnapshotRule<Fields = DepthIds>;
}

/// Binance spot.
#[derive(Clone, Copy, Debug)]
pub struct Spot;

impl Market for Spot {
    const VENUE: VenueId = VenueId::Binance;
    const DEFAULT_WS: &'static str = "wss://stream.binance.com:9443";
    const DEFAULT_REST: &'static str = "https://api.binance.com";
    const SOCKETS: &'static [Socket] = &[Socket {
        name: "stream",
        path: "/ws",
        streams: &["depth@100ms", "trade"],
    }];
    const DEPTH_PATH: &'static str = "/api/v3/depth";
    const CHAINED: bool = false;
    const OPEN_INTEREST_PATH: Option<&'static str> = None;
    const FUNDING_INFO_PATH: Option<&'static str> = None;
    const EXCHANGE_INFO_PATH: &'static str = "/api/v3/exchangeInfo";
    const KIND: MarketKind = MarketKind::Spot;
    const CONTRACT_TYPE: Option<&'static str> = None;
    type Rule = sync::SpotDepthRule;
}

/// Binance USDⓈ-M futures after the 2026 URL split ("Changes of 2026" #4): `@depth*` only on
/// `/public`, trades, mark price and liquidations only on `/market`. The legacy unrouted URL
/// "completes the handshake but silently sends nothing".
#[derive(Clone, Copy, Debug)]
pub struct Usdm;

impl Market for Usdm {
    const VENUE: VenueId = VenueId::BinanceUsdm;
    const DEFAULT_WS: &'static str = "wss://fstream.binance.com";
    const DEFAULT_REST: &'static str = "https://fapi.binance.com";
    const SOCKETS: &'static [Socket] = &[
        Socket {
            name: "public",
            path: "/public/ws",
            streams: &["depth@100ms"],
        },
        Socket {
            name: "market",
            path: "/market/ws",
            streams: &["aggTrade", "markPrice@1s", "forceOrder"],
        },
    ];
    const DEPTH_PATH: &'static str = "/fapi/v1/depth";
    const CHAINED: bool = true;
    const OPEN_INTEREST_PATH: Option<&'static str> = Some("/fapi/v1/openInterest");
    const FUNDING_INFO_PATH: Option<&'static str> = Some("/fapi/v1/fundingInfo");
    const EXCHANGE_INFO_PATH: &'static str = "/fapi/v1/exchangeInfo";
    const KIND: MarketKind = MarketKind::Perpetual;
    const CONTRACT_TYPE: Option<&'static str> = Some("PERPETUAL");
    type Rule = sync::UsdmDepthRule;
}

/// Binance's [`Protocol`] for market `M`.
#[derive(Debug)]
pub struct Binance<M> {
    ws_base: String,
    rest_base: String,
    market: PhantomData<M>,
}

/// The `binance` venue.
pub type BinanceSpot = Binance<Spot>;
/// The `binance-usdm` venue.
pub type BinanceUsdm = Binance<Usdm>;

impl<M: Market> Binance<M> {
    /// `ws_url` and `rest_url` replace the default bases (see the module doc).
    pub fn new(ws_url: Option<String>, rest_url: Option<String>) -> Self {
        Binance {
            ws_base: ws_url.unwrap_or_else(|| M::DEFAULT_WS.to_owned()),
            rest_base: rest_url.unwrap_or_else(|| M::DEFAULT_REST.to_owned()),
            market: PhantomData,
        }
    }
}

impl<M: Market> FromOptions for Binance<M> {
    fn from_options<'i>(opts: &VenueOptions, _: impl IntoIterator<Item = &'i Instrument>) -> Self {
        Self::new(opts.ws_url.clone(), opts.rest_url.clone())
    }
}

/// The descriptor of market `M`, whose history is `history` and whose simulator sockets are
/// `sockets` below `sim_base`.
const fn spec<M: Market>(
    id: &'static str,
    history: HistorySource,
    sim_base: &'static str,
    sockets: &'static [SimSocket],
) -> VenueSpec {
    VenueSpec {
        id,
        label: "BIN",
        ids: match M::KIND {
            MarketKind::Spot => IdMeaning::FromId,
            _ => IdMeaning::BasePerpetuals,
        },
        markets: match M::KIND {
            MarketKind::Spot => SPOT_MARKETS,
            _ => PERPETUALS,
        },
        adapter: Some(AdapterSpec {
            ws_url: M::DEFAULT_WS,
            rest_url: M::DEFAULT_REST,
            depths: Depths::Diffs,
            instruments: instruments::source::<M>(),
            build: registry::build::<Binance<M>>,
            liquidations: Liquidations::Read,
            history: Some(history),
            sim: SimSpec {
                url_path: sim_base,
                sockets,
                sequence: SimSequence::PerBook,
                checksummed: false,
                announces_shutdown: true,
            },
        }),
    }
}

/// The `binance` venue.
pub const SPOT: VenueSpec = spec::<Spot>(
    "binance",
    backfill::SPOT,
    "/binance",
    &[SimSocket {
        path: "/binance/ws",
        dialect: |_| Box::new(dialect::Binance::new(Route::Spot)),
    }],
);

/// The `binance-usdm` venue.
pub const USDM: VenueSpec = spec::<Usdm>(
    "binance-usdm",
    backfill::USDM,
    "/binance-usdm",
    &[
        SimSocket {
            path: "/binance-usdm/public/ws",
            dialect: |_| Box::new(dialect::Binance::new(Route::UsdmPublic)),
        },
        SimSocket {
            path: "/binance-usdm/market/ws",
            dialect: |_| Box::new(dialect::Binance::new(Route::UsdmMarket)),
        },
    ],
);

impl<M: Market> Protocol for Binance<M> {
    type Seq = FromSnapshot<M::Rule>;

    fn venue(&self) -> VenueId {
        M::VENUE
    }

    fn connections(&self, _: &[Instrument]) -> Vec<ConnSpec> {
        let sockets = M::SOCKETS.len() as u32;
        M::SOCKETS
            .iter()
            .map(|s| ConnSpec {
                name: s.name,
                url: subscribe::join(&self.ws_base, s.path),
                min_reconnect: CONNECT_BUDGET * sockets,
                reconnect_burst: CONNECT_BURST,
                max_lifetime: Some(MAX_LIFETIME),
            })
            .collect()
    }

    fn subscribe(&self, conn: ConnId, instruments: &[Instrument]) -> Vec<String> {
        M::SOCKETS
            .get(conn)
            .and_then(|s| subscribe::subscribe(s.streams, instruments))
            .into_iter()
            .collect()
    }

    fn unsubscribe(&self, conn: ConnId, removed: &[Instrument], _: &[Instrument]) -> Vec<String> {
        M::SOCKETS
            .get(conn)
            .and_then(|s| subscribe::unsubscribe(s.streams, removed))
            .into_iter()
            .collect()
    }

    /// Books resync from a new REST snapshot while the stream keeps running: nothing to send.
    fn resubscribe(&self, _: &Instrument) -> Vec<String> {
        Vec::new()
    }

    fn book_spec(&self, instrument: &str) -> BookSpec {
        BookSpec {
            conn: 0,
            depth: DepthModel::SnapshotThenDiffs,
            checksum: ChecksumKind::None,
            snapshot: SnapshotSource::Rest {
                url: subscribe::depth_url(&self.rest_base, M::DEPTH_PATH, instrument),
            },
        }
    }

    fn parse<'a>(
        &mut self,
        _: ConnId,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, DepthIds>, String> {
        parse::parse(text, M::CHAINED, levels)
    }

    fn parse_rest(
        &self,
        url: &str,
        body: &str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<RestParsed<DepthIds>, String> {
        match positioning::stat_of(url) {
            Some(stat) => positioning::parse(url, stat, body),
            None => parse::rest(url, body, levels),
        }
    }

    fn audit_url(&self, instrument: &str) -> Option<String> {
        Some(subscribe::audit_url(
            &self.rest_base,
            M::DEPTH_PATH,
            instrument,
        ))
    }

    /// USDⓈ-M: open interest every 10 s, the four positioning statistics every minute, and the
    /// funding intervals every hour.
    fn polls(&self, instruments: &[Instrument]) -> Vec<Poll> {
        let Some(path) = M::OPEN_INTEREST_PATH else {
            return Vec::new();
        };
        let open_interest = instruments
            .iter()
            .map(|i| subscribe::symbol_url(&self.rest_base, path, &i.id))
            .collect();
        // The statistics exist for perpetuals only.
        let positioning = instruments
            .iter()
            .filter(|i| i.kind == MarketKind::Perpetual)
            .flat_map(|i| positioning::urls(&self.rest_base, &i.id))
            .collect();
        let perpetuals = instruments.iter().any(|i| i.kind == MarketKind::Perpetual);
        let funding_info = M::FUNDING_INFO_PATH
            .filter(|_| perpetuals)
            .map(|path| format!("{}{path}", self.rest_base));
        vec![
            Poll {
                every: OPEN_INTEREST_EVERY,
                urls: open_interest,
            },
            Poll {
                every: crate::venue::positioning::POLL_EVERY,
                urls: positioning,
            },
            Poll {
                every: FUNDING_INFO_EVERY,
                urls: funding_info.into_iter().collect(),
            },
        ]
    }
}
