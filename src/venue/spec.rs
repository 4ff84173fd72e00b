//! What a venue is, in one value: each venue folder exports one [`VenueSpec`] per market (its
//! id, label, endpoints, depths, instrument list, adapter and simulator dialect), and
//! [`super::registry`] lists them once. Everything else that varies by venue reads it from there.

use crate::backfill::plan::HistorySource;
use crate::feed::adapter::Adapter;
use crate::feed::driver::DriverConfig;
use crate::instrument::{Instrument, MarketKind};
use crate::sim::dialect::{Dialect, Opening};
use crate::venue::registry::VenueOptions;

/// One market of a venue (`binance-usdm`, `okx`).
#[derive(Clone, Copy, Debug)]
pub struct VenueSpec {
    /// The id of capture files, config and the command line (`binance-usdm`).
    pub id: &'static str,
    /// A short code for narrow columns (`BIN`); the UI appends the market kind (`BIN-P`).
    pub label: &'static str,
    /// What an instrument id says about its market when no instrument list is at hand (a
    /// replay of an old capture).
    pub ids: IdMeaning,
    /// The markets a bare symbol (`BTC`) resolves to on this venue.
    pub markets: &'static [MarketKind],
    /// The live adapter; `None` where depthscope reads the venue's captures only (no adapter
    /// yet): such a venue is refused by `--venues` and skipped with a note in config.
    pub adapter: Option<AdapterSpec>,
}

/// What a bare symbol resolves to on a venue that lists spot markets only.
pub const SPOT: &[MarketKind] = &[MarketKind::Spot];
/// … on a venue that lists perpetuals only.
pub const PERPETUALS: &[MarketKind] = &[MarketKind::Perpetual];
/// … on a venue that lists both in one market (OKX, Gate): spot first.
pub const SPOT_AND_PERPETUALS: &[MarketKind] = &[MarketKind::Spot, MarketKind::Perpetual];

/// What an instrument id alone says about its market (see [`crate::instrument::guess`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdMeaning {
    /// The id names its market (`BTC-USDT-SWAP`, `BTC-22JUL21-30000-C`; a bare pair is spot).
    FromId,
    /// Every id is a perpetual sized in the base asset (Binance USDⓈ-M, Bybit linear,
    /// Hyperliquid), whatever it looks like.
    BasePerpetuals,
}

/// Everything the live path needs of a venue with an adapter.
#[derive(Clone, Copy, Debug)]
pub struct AdapterSpec {
    /// The production WebSocket URL (a base for venues with several sockets: Binance).
    pub ws_url: &'static str,
    /// The production REST base (scheme and host).
    pub rest_url: &'static str,
    /// The book depths a subscription may ask for.
    pub depths: Depths,
    /// Where the instrument list comes from and how it reads.
    pub instruments: InstrumentSource,
    /// The adapter for some instruments, built the same way for every venue
    /// ([`super::registry::build`]).
    pub build: BuildAdapter,
    /// Whether its perpetuals' liquidations are read. Where not, the UI says there is no stream
    /// (and why, where one exists but is not read) rather than "no liquidations", and the
    /// simulator's past day has none.
    pub liquidations: Liquidations,
    /// Where a backfill reads the venue's public history (`None`: candles only, so books warm
    /// from the live stream).
    pub history: Option<HistorySource>,
    /// How the embedded simulator speaks the venue.
    pub sim: SimSpec,
}

/// A venue's public liquidation stream, as depthscope reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liquidations {
    /// Read (Binance `forceOrder`, Bybit `allLiquidation`, OKX `liquidation-orders`, Deribit
    /// trades flagged `liquidation`).
    Read,
    /// The venue publishes none (Bitget, Hyperliquid, KuCoin; spot venues).
    Absent,
    /// A stream exists but is not read, for the reason given (shown in the Health view).
    Unread(&'static str),
}

impl Liquidations {
    pub const fn is_read(self) -> bool {
        matches!(self, Liquidations::Read)
    }
}

impl AdapterSpec {
    /// Whether every book message is the whole book, with no sequence and no checksum to prove
    /// it (Hyperliquid): there is no chain to verify, a book is as good as its latest push, and
    /// the Health view says "snapshot" where others count checksums.
    pub const fn snapshots_only(&self) -> bool {
        matches!(self.sim.sequence, SimSequence::Unnumbered) && !self.sim.checksummed
    }
}

/// Builds a venue's adapter from the user's options, the instruments it serves and the ones
/// replayed data may name.
pub type BuildAdapter = fn(
    opts: &VenueOptions,
    cfg: DriverConfig,
    instruments: Vec<Instrument>,
    registry: Vec<Instrument>,
) -> Box<dyn Adapter>;

/// The book depths a venue serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depths {
    /// A snapshot (REST on Binance, the whole book on Coinbase), then diffs for every price:
    /// there is no depth to choose.
    Diffs,
    /// Books of this many levels a side, whatever is asked (OKX `books`: 400).
    Fixed(usize),
    /// The depths a subscription may name, ascending, and the one taken when none is asked
    /// (see [`super::served_depth`]).
    Choice {
        served: &'static [usize],
        default: usize,
    },
}

impl Depths {
    /// Why a configured depth cannot apply, for venues that offer no choice.
    pub fn no_choice(self) -> Option<String> {
        match self {
            Depths::Diffs => {
                Some("streams every price over a snapshot: there is no depth to choose".into())
            }
            Depths::Fixed(levels) => Some(format!(
                "serves books of {levels} levels a side only: there is no depth to choose"
            )),
            Depths::Choice { .. } => None,
        }
    }
}

/// How to fetch and read a venue's instrument list.
#[derive(Clone, Copy, Debug)]
pub struct InstrumentSource {
    /// REST requests, given the REST base (default or override): a URL to `GET`, or a URL, a
    /// space and a JSON body to `POST` (Hyperliquid asks everything of `POST /info`); see
    /// [`rest_request`].
    pub urls: fn(rest_base: &str) -> Vec<String>,
    /// Parse one response body (fetched from `url`).
    pub parse: fn(url: &str, body: &str) -> Result<Vec<Instrument>, String>,
}

/// A request of [`InstrumentSource::urls`] as its URL and, for a `POST`, its JSON body. A URL
/// holds no space, so the first one ends it.
pub fn rest_request(request: &str) -> (&str, Option<&str>) {
    match request.split_once(' ') {
        Some((url, body)) => (url, Some(body)),
        None => (request, None),
    }
}

/// How the embedded simulator serves a venue.
#[derive(Clone, Copy, Debug)]
pub struct SimSpec {
    /// The path on the simulator's port the adapter's `ws_url` override names: the full socket
    /// path, or the base Binance appends its socket paths to.
    pub url_path: &'static str,
    /// Each WebSocket path the simulator serves for the venue, with the dialect speaking it.
    pub sockets: &'static [SimSocket],
    /// How the venue numbers its book messages, as far as the simulator models it, and whether
    /// they carry a checksum: which integrity faults apply.
    pub sequence: SimSequence,
    pub checksummed: bool,
    /// The venue announces planned closes (Binance `serverShutdown`, OKX notice `64008`), so
    /// the `shutdown` fault applies.
    pub announces_shutdown: bool,
}

/// How a venue's book messages are numbered, for the simulator's integrity faults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimSequence {
    /// Each book's messages carry its own chain of ids (Binance, Bybit, OKX, Bitget): the
    /// simulator breaks, drops, repeats and reorders them per subscription.
    PerBook,
    /// One counter across every message of a connection (Coinbase): the simulator does not model
    /// it, so the sequence faults are refused for the venue.
    PerConnection,
    /// Book messages carry no id: a checksum proves them (Kraken), or each is the whole book
    /// (Hyperliquid).
    Unnumbered,
}

/// One simulated WebSocket path and its dialect.
#[derive(Clone, Copy, Debug)]
pub struct SimSocket {
    pub path: &'static str,
    pub dialect: fn(&Opening) -> Box<dyn Dialect>,
}

impl VenueSpec {
    /// A venue whose captures depthscope reads but which has no adapter
    /// ([`super::registry::no_adapter_reason`] says why).
    pub const fn without_adapter(
        id: &'static str,
        label: &'static str,
        ids: IdMeaning,
        markets: &'static [MarketKind],
    ) -> Self {
        VenueSpec {
            id,
            label,
            ids,
            markets,
            adapter: None,
        }
    }
}
