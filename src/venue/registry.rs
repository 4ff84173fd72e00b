//! Which venues exist and how to build each one's adapter: the one place that knows every
//! venue module.

use crate::feed::adapter::Adapter;
use crate::feed::driver::{Driver, DriverConfig};
use crate::instrument::Instrument;
use crate::market::VenueId;
use crate::venue::bybit::{Bybit, Category};
use crate::venue::kraken::Kraken;

/// Per-venue overrides from the command line and config (`--venue-url`, `--venue-rest`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VenueOptions {
    /// WebSocket URL override (all of the venue's connections use it; for venues with several
    /// sockets the path suffix is kept, see each venue).
    pub ws_url: Option<String>,
    /// REST base URL override (scheme and host, e.g. `http://127.0.0.1:9000`).
    pub rest_url: Option<String>,
    /// Book depth to subscribe where the venue lets us choose.
    pub depth: Option<usize>,
}

/// How to fetch and read a venue's instrument list.
pub struct InstrumentSource {
    /// REST URLs to fetch, given the REST base (default or override).
    pub urls: fn(rest_base: &str) -> Vec<String>,
    /// Parse one response body (fetched from `url`).
    pub parse: fn(url: &str, body: &str) -> Result<Vec<Instrument>, String>,
    /// The default REST base.
    pub default_rest: &'static str,
}

/// The venues with a working adapter, in display order.
pub const IMPLEMENTED: &[VenueId] = &[
    VenueId::Binance,
    VenueId::BinanceUsdm,
    VenueId::BybitSpot,
    VenueId::BybitLinear,
    VenueId::Okx,
    VenueId::Kraken,
];

/// Whether `venue` has an adapter yet.
pub fn is_implemented(venue: VenueId) -> bool {
    IMPLEMENTED.contains(&venue)
}

/// Build the adapter for `venue`, serving `instruments`; `registry` resolves instruments seen
/// in replayed data. `None` for venues not built yet.
pub fn adapter(
    venue: VenueId,
    opts: &VenueOptions,
    cfg: DriverConfig,
    instruments: Vec<Instrument>,
    registry: Vec<Instrument>,
) -> Option<Box<dyn Adapter>> {
    Some(match venue {
        VenueId::Binance => Box::new(Driver::new(
            super::binance::BinanceSpot::new(opts.ws_url.clone(), opts.rest_url.clone()),
            cfg,
            instruments,
            registry,
        )),
        VenueId::BinanceUsdm => Box::new(Driver::new(
            super::binance::BinanceUsdm::new(opts.ws_url.clone(), opts.rest_url.clone()),
            cfg,
            instruments,
            registry,
        )),
        VenueId::BybitSpot | VenueId::BybitLinear => {
            let category = match venue {
                VenueId::BybitSpot => Category::Spot,
                _ => Category::Linear,
            };
            Box::new(Driver::new(
                Bybit::new(category, opts.ws_url.clone(), opts.depth)
                    .with_rest(opts.rest_url.clone()),
                cfg,
                instruments,
                registry,
            ))
        }
        VenueId::Okx => Box::new(Driver::new(
            super::okx::Okx::new(opts.ws_url.clone()).with_rest(opts.rest_url.clone()),
            cfg,
            instruments,
            registry,
        )),
        VenueId::Kraken => {
            // Kraken v2 checksums need each pair's precision, which the instruments carry.
            let protocol = Kraken::new(
                opts.ws_url.clone(),
                opts.depth,
                instruments.iter().chain(&registry),
            );
            Box::new(Driver::new(protocol, cfg, instruments, registry))
        }
        _ => return None,
    })
}

/// Where `venue` lists its instruments, if it has an adapter.
pub fn instrument_source(venue: VenueId) -> Option<InstrumentSource> {
    use super::binance::{Spot, Usdm, instruments::source};
    match venue {
        VenueId::Binance => Some(source::<Spot>()),
        VenueId::BinanceUsdm => Some(source::<Usdm>()),
        VenueId::BybitSpot => Some(super::bybit::instruments::SPOT_SOURCE),
        VenueId::BybitLinear => Some(super::bybit::instruments::LINEAR_SOURCE),
        VenueId::Okx => Some(super::okx::instruments::SOURCE),
        VenueId::Kraken => Some(super::kraken::instruments::SOURCE),
        _ => None,
    }
}
