//! Bybit v5 public streams: spot (`bybit-spot`, `wss://stream.bybit.com/v5/public/spot`) and
//! linear perpetuals (`bybit-linear`, `/v5/public/linear`), one implementation parameterised by
//! its [`Market`] (as Binance's), whose [`Category`] says what differs.
//!
//! Integrity: no checksum; the `orderbook.{depth}.{symbol}` stream's `u` must step by one from
//! the snapshot ([`sync`]), and `u == 1` on a delta means the service restarted. The book is
//! maintained at the subscribed depth, and a resync unsubscribes and resubscribes its topic
//! (Bybit answers a subscription with a fresh snapshot).

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
use crate::sim::dialect::bybit as dialect;
use crate::venue::registry::{self, FromOptions, VenueOptions};
use crate::venue::spec::{
    AdapterSpec, Depths, IdMeaning, Liquidations, PERPETUALS, SPOT as SPOT_MARKETS, SimSequence,
    SimSocket, SimSpec, VenueSpec,
};
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

/// The order book depths Bybit serves on spot and linear: "1 (10 ms), 50 (20 ms), 200
/// (100 ms), 1000 (200 ms)".
pub const DEPTHS: [usize; 4] = [1, 50, 200, 1000];

/// 200 levels a side every 100 ms: deep enough for the depth bands, light on the wire.
pub const DEFAULT_DEPTH: usize = 200;

/// Which Bybit v5 product line a venue id streams. Topics "must match the endpoint's category".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Spot,
    Linear,
}

impl Category {
    pub const fn venue(self) -> VenueId {
        match self {
            Category::Spot => VenueId::BybitSpot,
            Category::Linear => VenueId::BybitLinear,
        }
    }

    /// The category as Bybit spells it in URLs and REST queries.
    pub const fn name(self) -> &'static str {
        match self {
            Category::Spot => "spot",
            Category::Linear => "linear",
        }
    }

    /// Whether the category has the derivatives topics `tickers` (mark, index, funding, open
    /// interest) and `allLiquidation`. Spot tickers carry none of those values.
    pub const fn has_derivatives(self) -> bool {
        matches!(self, Category::Linear)
    }

    /// The production endpoint.
    pub const fn default_url(self) -> &'static str {
        match self {
            Category::Spot => "wss://stream.bybit.com/v5/public/spot",
            Category::Linear => "wss://stream.bybit.com/v5/public/linear",
        }
    }
}

/// One Bybit market, as a type: the venue's descriptor and its [`Protocol`] are built per type.
pub trait Market: fmt::Debug + Send + 'static {
    const CATEGORY: Category;
}

/// Bybit spot.
#[derive(Clone, Copy, Debug)]
pub struct Spot;

impl Market for Spot {
    const CATEGORY: Category = Category::Spot;
}

/// Bybit linear perpetuals.
#[derive(Clone, Copy, Debug)]
pub struct Linear;

impl Market for Linear {
    const CATEGORY: Category = Category::Linear;
}

/// The `bybit-spot` venue's protocol.
pub type BybitSpot = Bybit<Spot>;
/// The `bybit-linear` venue's protocol.
pub type BybitLinear = Bybit<Linear>;

/// Bybit's [`Protocol`] for market `M`.
#[derive(Debug)]
pub struct Bybit<M> {
    url: String,
    rest_base: String,
    /// The depth subscribed (see [`valid_depth`]).
    depth: usize,
    parser: parse::Parser,
    market: PhantomData<M>,
}

impl<M: Market> Bybit<M> {
    /// `url` overrides the endpoint; `depth` the book depth (default [`DEFAULT_DEPTH`]).
    pub fn new(url: Option<String>, depth: Option<usize>) -> Self {
        Bybit {
            url: url.unwrap_or_else(|| M::CATEGORY.default_url().to_owned()),
            rest_base: DEFAULT_REST.to_owned(),
            depth: valid_depth(depth),
            parser: parse::Parser::new(M::CATEGORY),
            market: PhantomData,
        }
    }

    /// A book's depth: what its topic said (a replay of the `orderbook.500` historical dump),
    /// else what we subscribe.
    /// Use another REST base (scheme and host) for audit snapshots.
    pub fn with_rest(mut self, rest_base: Option<String>) -> Self {
        if let Some(base) = rest_base {
            self.rest_base = base;
        }
        self
    }

    fn book_depth(&self, symbol: &str) -> usize {
        self.parser.depth_of(symbol).unwrap_or(self.depth)
    }
}

/// The depth to subscribe for a requested one (see [`super::served_depth`]).
pub fn valid_depth(requested: Option<usize>) -> usize {
    super::served_depth("Bybit", &DEPTHS, DEFAULT_DEPTH, requested)
}

/// The production REST base.
pub const DEFAULT_REST: &str = "https://api.bybit.com";

/// Levels in an audit's REST snapshot (spot allows up to 200, contracts 500).
const AUDIT_LEVELS: usize = 50;

impl<M: Market> FromOptions for Bybit<M> {
    fn from_options<'i>(opts: &VenueOptions, _: impl IntoIterator<Item = &'i Instrument>) -> Self {
        Self::new(opts.ws_url.clone(), opts.depth).with_rest(opts.rest_url.clone())
    }
}

/// The descriptor of market `M`, simulated on `sockets` (one, at the venue's own path).
const fn spec<M: Market>(id: &'static str, sockets: &'static [SimSocket]) -> VenueSpec {
    VenueSpec {
        id,
        label: "BYB",
        ids: if M::CATEGORY.has_derivatives() {
            IdMeaning::BasePerpetuals
        } else {
            IdMeaning::FromId
        },
        markets: if M::CATEGORY.has_derivatives() {
            PERPETUALS
        } else {
            SPOT_MARKETS
        },
        adapter: Some(AdapterSpec {
            ws_url: M::CATEGORY.default_url(),
            rest_url: DEFAULT_REST,
            depths: Depths::Choice {
                served: &DEPTHS,
                default: DEFAULT_DEPTH,
            },
            instruments: instruments::source::<M>(),
            build: registry::build::<Bybit<M>>,
            liquidations: Liquidations::Read,
            history: Some(crate::backfill::venues::bybit::SOURCE),
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

/// The `bybit-spot` venue.
pub const SPOT: VenueSpec = spec::<Spot>(
    "bybit-spot",
    &[SimSocket {
        path: "/bybit/v5/public/spot",
        dialect: |o| Box::new(dialect::Bybit::new(VenueId::BybitSpot, o.conn)),
    }],
);

/// The `bybit-linear` venue.
pub const LINEAR: VenueSpec = spec::<Linear>(
    "bybit-linear",
    &[SimSocket {
        path: "/bybit/v5/public/linear",
        dialect: |o| Box::new(dialect::Bybit::new(VenueId::BybitLinear, o.conn)),
    }],
);

impl<M: Market> Protocol for Bybit<M> {
    type Seq = sync::BybitSequencer;

    fn parse_rest(
        &self,
        url: &str,
        body: &str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<RestParsed<sync::BookIds>, String> {
        if url.contains("/v5/market/orderbook?") {
            parse::rest_orderbook(body, levels)
        } else if url.contains(positioning::PATH) {
            positioning::parse(url, body)
        } else {
            Ok(RestParsed::Ignored)
        }
    }

    /// Linear: the all-accounts long/short ratio of each perpetual, every minute.
    fn polls(&self, instruments: &[Instrument]) -> Vec<Poll> {
        if !M::CATEGORY.has_derivatives() {
            return Vec::new();
        }
        let urls = instruments
            .iter()
            .filter(|i| i.kind == MarketKind::Perpetual)
            .map(|i| positioning::url(&self.rest_base, &i.id))
            .collect();
        vec![Poll {
            every: crate::venue::positioning::POLL_EVERY,
            urls,
        }]
    }

    /// Audited by the cross sequence `seq`, which the stream and the REST snapshot share.
    fn audit_url(&self, instrument: &str) -> Option<String> {
        Some(format!(
            "{}/v5/market/orderbook?category={}&symbol={instrument}&limit={AUDIT_LEVELS}",
            self.rest_base,
            M::CATEGORY.name()
        ))
    }

    fn venue(&self) -> VenueId {
        M::CATEGORY.venue()
    }

    fn connections(&self, _: &[Instrument]) -> Vec<ConnSpec> {
        vec![ConnSpec {
            name: "public",
            url: self.url.clone(),
            // "500 connections / 5 min / IP per domain": five within 5 s, 300 in 5 min at most.
            min_reconnect: Duration::from_secs(1),
            reconnect_burst: 5,
            max_lifetime: None,
        }]
    }

    fn subscribe(&self, _: ConnId, instruments: &[Instrument]) -> Vec<String> {
        subscribe::subscribe_all(M::CATEGORY, self.depth, instruments)
    }

    fn unsubscribe(&self, _: ConnId, removed: &[Instrument], _: &[Instrument]) -> Vec<String> {
        let books = removed
            .iter()
            .map(|i| (self.book_depth(&i.id), i.id.as_str()));
        subscribe::unsubscribe(M::CATEGORY, books)
    }

    fn resubscribe(&self, instrument: &Instrument) -> Vec<String> {
        subscribe::resubscribe_book(self.book_depth(&instrument.id), &instrument.id)
    }

    fn book_spec(&self, instrument: &str) -> BookSpec {
        BookSpec {
            conn: 0,
            depth: DepthModel::Maintained(self.book_depth(instrument)),
            checksum: ChecksumKind::None,
            snapshot: SnapshotSource::Stream,
        }
    }

    fn parse<'a>(
        &mut self,
        _: ConnId,
        text: &'a str,
        levels: &mut Vec<(Side, Level)>,
    ) -> Result<Parsed<'a, sync::BookIds>, String> {
        self.parser.parse(text, levels)
    }

    /// "Send `{"req_id":"..","op":"ping"}` every 20 s (recommended)"; Bybit disconnects after
    /// about 10 minutes without one.
    fn keepalive(&self, _: ConnId) -> Option<(Duration, String)> {
        Some((Duration::from_secs(20), subscribe::ping()))
    }
}
