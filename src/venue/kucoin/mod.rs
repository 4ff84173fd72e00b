//! KuCoin public streams: spot (`kucoin`) and USDT/USD perpetuals (`kucoin-futures`), one
//! implementation parameterised by its [`Market`] (`docs/venues.md` "KuCoin").
//!
//! Live books: the Pro/UTA tokenless sockets (`wss://x-push-spot.kucoin.com`,
//! `wss://x-push-futures.kucoin.com`) and their `obu` channel at `increment@10ms`: a snapshot,
//! then deltas that continue `O <= last + 1 < C` ([`sync::ObuRule`]); a resync is an
//! unsubscribe and a subscribe. These sockets need no token, so the classic
//! `POST /api/v1/bullet-public` handshake is not needed. The classic `level2` channel is read in
//! replays only: a recording that subscribed `/market/level2:..` starts each book from its
//! recorded REST snapshot's `sequence` ([`sync::Level2Rule`]).
//!
//! No checksum. Futures sizes are contracts of the listed multiplier (base units per contract),
//! which the engine converts from the instrument's contract; `mark-price` open interest is
//! converted here ([`parse::Parser`]).
//!
//! A subscription KuCoin does not serve (an unknown symbol) is acknowledged and then nothing
//! comes: the driver's snapshot watchdog reports the book.
//!
//! Trades: the UTA `trade` channel (its shape from cryptofeed's 2026 UTA adapter; no recording
//! holds one); classic `/market/match` in replays.

pub mod instruments;
pub mod parse;
pub mod sync;
#[cfg(test)]
mod tests;

use crate::book::{DepthModel, Level};
use crate::feed::adapter::{ConnId, ConnSpec};
use crate::feed::protocol::{BookSpec, Parsed, Protocol, RestParsed, SnapshotSource};
use crate::feed::sync::ChecksumKind;
use crate::instrument::{Contract, Instrument, MarketKind};
use crate::market::{Side, VenueId};
use crate::sim::dialect::kucoin as dialect;
use crate::venue::registry::{self, FromOptions, VenueOptions};
use crate::venue::shard::Planned;
use crate::venue::spec::{
    AdapterSpec, Depths, IdMeaning, Liquidations, PERPETUALS, SPOT as SPOT_MARKETS, SimSequence,
    SimSocket, SimSpec, VenueSpec,
};
use serde_json::json;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

/// `increment@10ms` snapshots hold up to 500 levels a side.
pub const OBU_DEPTH: usize = 500;

/// Topics one connection is planned with at most. KuCoin's classic documentation allows 300
/// topics a connection and 100 a subscribe message; the UTA socket publishes no figure of its
/// own, so the classic one is kept, with a third left for symbols added while running. Every
/// UTA request names one topic, well within the per-message limit.
pub const CONN_TOPICS: usize = 200;

/// Which KuCoin socket a venue id streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Spot,
    Futures,
}

impl Family {
    pub const fn venue(self) -> VenueId {
        match self {
            Family::Spot => VenueId::Kucoin,
            Family::Futures => VenueId::KucoinFutures,
        }
    }

    /// The UTA `tradeType`.
    pub const fn trade_type(self) -> &'static str {
        match self {
            Family::Spot => "SPOT",
            Family::Futures => "FUTURES",
        }
    }

    pub const fn default_url(self) -> &'static str {
        match self {
            Family::Spot => "wss://x-push-spot.kucoin.com",
            Family::Futures => "wss://x-push-futures.kucoin.com",
        }
    }

    /// The production REST base: instrument lists, and classic snapshots in replays.
    pub const fn default_rest(self) -> &'static str {
        match self {
            Family::Spot => "https://api.kucoin.com",
            Family::Futures => "https://api-futures.kucoin.com",
        }
    }
}

/// One KuCoin market, as a type.
pub trait Market: fmt::Debug + Send + 'static {
    const FAMILY: Family;
}

/// KuCoin spot.
#[derive(Clone, Copy, Debug)]
pub struct Spot;

impl Market for Spot {
    const FAMILY: Family = Family::Spot;
}

/// KuCoin perpetual futures.
#[derive(Clone, Copy, Debug)]
pub struct Futures;

impl Market for Futures {
    const FAMILY: Family = Family::Futures;
}

/// The descriptor of market `M`, simulated on `sockets`.
const fn spec<M: Market>(id: &'static str, sockets: &'static [SimSocket]) -> VenueSpec {
    VenueSpec {
        id,
        label: "KUC",
        ids: IdMeaning::FromId,
        markets: match M::FAMILY {
            Family::Spot => SPOT_MARKETS,
            Family::Futures => PERPETUALS,
        },
        adapter: Some(AdapterSpec {
            ws_url: M::FAMILY.default_url(),
            rest_url: M::FAMILY.default_rest(),
            depths: Depths::Fixed(OBU_DEPTH),
            instruments: instruments::source::<M>(),
            build: registry::build::<Kucoin<M>>,
            // No public liquidation stream found (`docs/venues.md`).
            liquidations: Liquidations::Absent,
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

/// The `kucoin` (spot) venue.
pub const SPOT: VenueSpec = spec::<Spot>(
    "kucoin",
    &[SimSocket {
        path: "/kucoin/spot",
        dialect: |o| Box::new(dialect::Kucoin::new(VenueId::Kucoin, o.conn)),
    }],
);

/// The `kucoin-futures` (perpetuals) venue.
pub const FUTURES: VenueSpec = spec::<Futures>(
    "kucoin-futures",
    &[SimSocket {
        path: "/kucoin/futures",
        dialect: |o| Box::new(dialect::Kucoin::new(VenueId::KucoinFutures, o.conn)),
    }],
);

/// KuCoin's [`Protocol`] for market `M`.
#[derive(Debug)]
pub struct Kucoin<M> {
    url: String,
    rest_base: String,
    parser: parse::Parser,
    /// Symbols a replayed recording subscribed on classic `/market/level2`: their books start
    /// from a REST snapshot's `sequence`.
    classic: HashSet<String>,
    plan: Planned,
    market: PhantomData<M>,
}

impl<M: Market> Kucoin<M> {
    /// `url` overrides the endpoint, `rest` the REST base; `known` gives futures contracts
    /// their multipliers.
    pub fn new<'i>(
        url: Option<String>,
        rest: Option<String>,
        known: impl IntoIterator<Item = &'i Instrument>,
    ) -> Self {
        let multipliers = known
            .into_iter()
            .filter_map(|i| match i.contract {
                Contract::Linear { multiplier } => Some((i.id.clone(), multiplier)),
                _ => None,
            })
            .collect();
        Kucoin {
            url: url.unwrap_or_else(|| M::FAMILY.default_url().to_owned()),
            rest_base: rest.unwrap_or_else(|| M::FAMILY.default_rest().to_owned()),
            parser: parse::Parser { multipliers },
            classic: HashSet::new(),
            plan: Planned::default(),
            market: PhantomData,
        }
    }

    /// One UTA request (`action` `SUBSCRIBE`/`UNSUBSCRIBE`) for `channel` of `symbol`.
    fn request(action: &str, channel: &str, symbol: &str) -> String {
        let mut req = json!({"id": format!("{channel}-{symbol}"), "action": action,
            "channel": channel, "tradeType": M::FAMILY.trade_type(), "symbol": symbol});
        if channel == "obu" {
            req["depth"] = json!("increment@10ms");
        }
        req.to_string()
    }

    /// Per symbol: the `obu` book and trades; on futures `mark-price` and `funding-fee`.
    const fn channels() -> &'static [&'static str] {
        match M::FAMILY {
            Family::Spot => &["obu", "trade"],
            Family::Futures => &["obu", "trade", "mark-price", "funding-fee"],
        }
    }

    /// The requests of connection `conn` for those of `instruments` it serves.
    fn requests(&self, action: &str, conn: ConnId, instruments: &[Instrument]) -> Vec<String> {
        instruments
            .iter()
            .filter(|i| self.plan.conn_of(&i.id) == conn)
            .flat_map(|i| {
                let channels = Self::channels().iter();
                channels.map(|c| Self::request(action, c, &i.id))
            })
            .collect()
    }
}

impl<M: Market> FromOptions for Kucoin<M> {
    /// The depth is not a choice: `increment@10ms` is the one incremental `obu` feed.
    fn from_options<'i>(
        opts: &VenueOptions,
        known: impl IntoIterator<Item = &'i Instrument>,
    ) -> Self {
        Self::new(opts.ws_url.clone(), opts.rest_url.clone(), known)
    }
}

impl<M: Market> Protocol for Kucoin<M> {
    type Seq = sync::KucoinSequencer;

    fn venue(&self) -> VenueId {
        M::FAMILY.venue()
    }

    /// As many sockets as [`CONN_TOPICS`] a connection need (2 topics a spot symbol, 4 a
    /// futures one), planned once from the first list ([`crate::venue::shard`]).
    fn connections(&self, instruments: &[Instrument]) -> Vec<ConnSpec> {
        let plan = self
            .plan
            .get_or_make(instruments, Self::channels().len(), CONN_TOPICS);
        (0..plan.conns())
            .map(|_| ConnSpec {
                name: "public",
                url: self.url.clone(),
                // KuCoin limits connections per user, not documented per IP for these
                // sockets: one a second, three back to back.
                min_reconnect: Duration::from_secs(1),
                reconnect_burst: 3,
                max_lifetime: None,
            })
            .collect()
    }

    fn subscribe(&self, conn: ConnId, instruments: &[Instrument]) -> Vec<String> {
        self.requests("SUBSCRIBE", conn, instruments)
    }

    fn unsubscribe(&self, conn: ConnId, removed: &[Instrument], _: &[Instrument]) -> Vec<String> {
        self.requests("UNSUBSCRIBE", conn, removed)
    }

    fn resubscribe(&self, instrument: &Instrument) -> Vec<String> {
        vec![
            Self::request("UNSUBSCRIBE", "obu", &instrument.id),
            Self::request("SUBSCRIBE", "obu", &instrument.id),
        ]
    }

    fn book_spec(&self, instrument: &str) -> BookSpec {
        if self.classic.contains(instrument) {
            return BookSpec {
                conn: 0,
                depth: DepthModel::SnapshotThenDiffs,
                checksum: ChecksumKind::None,
                snapshot: SnapshotSource::Rest {
                    url: format!(
                        "{}/api/v3/market/orderbook/level2?symbol={instrument}",
                        self.rest_base
                    ),
                },
            };
        }
        BookSpec {
            conn: self.plan.conn_of(instrument),
            depth: DepthModel::Maintained(OBU_DEPTH),
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
        if url.contains("/orderbook/level2?") {
            parse::rest_book(url, body, levels)
        } else {
            Ok(RestParsed::Ignored)
        }
    }

    /// A recording's classic subscription (`{"type":"subscribe",
    /// "topic":"/market/level2:A-USDT,B-BTC"}`) marks its symbols as REST-synced.
    fn learn_sent(&mut self, _: ConnId, text: &str) {
        #[derive(serde::Deserialize)]
        struct Sent {
            #[serde(rename = "type")]
            kind: String,
            topic: String,
        }
        let Ok(sent) = serde_json::from_str::<Sent>(text) else {
            return;
        };
        if sent.kind == "subscribe"
            && let Some(symbols) = sent.topic.strip_prefix("/market/level2:")
        {
            self.classic.extend(symbols.split(',').map(str::to_owned));
        }
    }

    /// Futures ids (`XBTUSDTM`) are perpetuals of the listed multiplier or of unknown size.
    fn infer_instrument(&self, id: &str) -> Instrument {
        let mut inst = crate::instrument::guess(self.venue(), id);
        if M::FAMILY == Family::Futures {
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

    /// `{"id","type":"ping"}` within the welcome's `pingInterval` (18 s on every probe); KuCoin
    /// takes at most one ping a second.
    fn keepalive(&self, _: ConnId) -> Option<(Duration, String)> {
        Some((
            Duration::from_secs(15),
            json!({"id": "ping", "type": "ping"}).to_string(),
        ))
    }
}
