//! Which venues exist: the one list ([`venues!`]) that names each venue's descriptor
//! ([`VenueSpec`], in its folder). The [`VenueId`] enum, its order and every per-venue lookup
//! are generated from it, so a venue without a descriptor, or a descriptor not listed, does not
//! compile; nothing elsewhere matches on venues to find their facts.

use crate::feed::adapter::Adapter;
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::protocol::Protocol;
use crate::instrument::Instrument;
pub use crate::venue::spec::InstrumentSource;
use crate::venue::spec::{AdapterSpec, VenueSpec};
use crate::venue::{
    binance, bitget, bybit, coinbase, coinex, deribit, gate, hyperliquid, kraken, kucoin, okx,
};

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

/// A venue's [`Protocol`] built from the user's options: the one constructor every venue has.
pub trait FromOptions: Protocol + Sized + 'static {
    /// `known` is every instrument the adapter may meet, served or replayed (Kraken's checksums
    /// need their precisions).
    fn from_options<'i>(
        opts: &VenueOptions,
        known: impl IntoIterator<Item = &'i Instrument>,
    ) -> Self;
}

/// The [`crate::venue::spec::BuildAdapter`] of protocol `P`: the shared [`Driver`] around it.
pub fn build<P: FromOptions>(
    opts: &VenueOptions,
    cfg: DriverConfig,
    instruments: Vec<Instrument>,
    registry: Vec<Instrument>,
) -> Box<dyn Adapter> {
    let protocol = P::from_options(opts, instruments.iter().chain(&registry));
    Box::new(Driver::new(protocol, cfg, instruments, registry))
}

/// Generates [`VenueId`] from `Variant => descriptor;` lines, in display order.
macro_rules! venues {
    ($($variant:ident => $spec:path;)*) => {
        /// A venue connection family, with the ids of `docs/capture-format.md` as its string
        /// form (each from the venue's [`VenueSpec`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum VenueId {
            $($variant,)*
        }

        impl VenueId {
            /// Every venue id, in display order.
            pub const ALL: [VenueId; [$(stringify!($variant)),*].len()] =
                [$(VenueId::$variant,)*];

            /// The venue's descriptor.
            pub const fn spec(self) -> &'static VenueSpec {
                match self {
                    $(VenueId::$variant => &$spec,)*
                }
            }
        }
    };
}

venues! {
    Binance => binance::SPOT;
    BinanceUsdm => binance::USDM;
    BybitSpot => bybit::SPOT;
    BybitLinear => bybit::LINEAR;
    Okx => okx::SPEC;
    Kraken => kraken::SPEC;
    Bitget => bitget::SPOT;
    Coinex => coinex::SPEC;
    Coinbase => coinbase::SPEC;
    Hyperliquid => hyperliquid::SPEC;
    Gate => gate::SPOT;
    GateUsdt => gate::USDT;
    Kucoin => kucoin::SPOT;
    Deribit => deribit::SPEC;
    // Last, so the ids of the venues before it (which test fixtures derive numbers from) stay.
    BitgetUsdt => bitget::USDT;
    KucoinFutures => kucoin::FUTURES;
}

impl VenueId {
    /// The id used in capture files, config and on the command line.
    pub const fn as_str(self) -> &'static str {
        self.spec().id
    }

    /// A short code for narrow columns (`BIN`, `OKX`).
    pub const fn label(self) -> &'static str {
        self.spec().label
    }

    /// The live adapter's facts, `None` for venues not built yet.
    pub const fn adapter_spec(self) -> Option<&'static AdapterSpec> {
        self.spec().adapter.as_ref()
    }
}

/// The venues with a working adapter, in display order.
pub const IMPLEMENTED: &[VenueId] = {
    const N: usize = VenueId::ALL.len();
    const PICKED: ([VenueId; N], usize) = {
        let mut out = [VenueId::ALL[0]; N];
        let (mut n, mut i) = (0, 0);
        while i < N {
            if VenueId::ALL[i].adapter_spec().is_some() {
                out[n] = VenueId::ALL[i];
                n += 1;
            }
            i += 1;
        }
        (out, n)
    };
    const LIST: [VenueId; N] = PICKED.0;
    LIST.split_at(PICKED.1).0
};

/// Whether `venue` has an adapter yet.
pub fn is_implemented(venue: VenueId) -> bool {
    venue.adapter_spec().is_some()
}

/// Why a venue known by its id (captures, config) has no adapter: what a refusal tells the user.
pub fn no_adapter_reason(venue: VenueId) -> &'static str {
    match venue {
        VenueId::Coinex => coinex::NO_ADAPTER,
        _ => "not built yet",
    }
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
    venue
        .adapter_spec()
        .map(|a| (a.build)(opts, cfg, instruments, registry))
}

/// Where `venue` lists its instruments, if it has an adapter.
pub fn instrument_source(venue: VenueId) -> Option<InstrumentSource> {
    venue.adapter_spec().map(|a| a.instruments)
}

/// `venue`'s production REST base, if it has an adapter.
pub fn default_rest(venue: VenueId) -> Option<&'static str> {
    venue.adapter_spec().map(|a| a.rest_url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::VenueId;
    use crate::sim::dialect::Opening;
    use std::collections::BTreeSet;

    #[test]
    fn implemented_lists_the_venues_with_an_adapter_in_display_order() {
        let with_adapter: Vec<VenueId> = VenueId::ALL
            .into_iter()
            .filter(|v| v.adapter_spec().is_some())
            .collect();
        assert_eq!(IMPLEMENTED, with_adapter.as_slice());
        assert_eq!(IMPLEMENTED.len(), 15);
        assert!(is_implemented(VenueId::Deribit));
        assert!(!is_implemented(VenueId::Coinex));
    }

    #[test]
    fn ids_and_labels_are_unique_and_short() {
        let ids: BTreeSet<&str> = VenueId::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(ids.len(), VenueId::ALL.len());
        for v in VenueId::ALL {
            let label = v.label();
            assert!((2..=4).contains(&label.len()), "{v}: {label}");
            // The Health view's venue column holds 14.
            assert!(v.as_str().len() <= 14, "{v}: too long for the Health view");
        }
        // Two markets of one venue share its label; the UI tells them apart by kind.
        assert_eq!(VenueId::Binance.label(), VenueId::BinanceUsdm.label());
    }

    /// The simulator reaches each venue where its adapter's override points, in its dialect.
    #[test]
    fn every_simulated_socket_speaks_its_own_venue_below_the_adapters_path() {
        let mut paths = BTreeSet::new();
        for &venue in IMPLEMENTED {
            let sim = venue.adapter_spec().unwrap().sim;
            assert!(!sim.sockets.is_empty(), "{venue}");
            for socket in sim.sockets {
                assert!(paths.insert(socket.path), "{} served twice", socket.path);
                assert!(
                    socket.path.starts_with(sim.url_path),
                    "{venue}: {}",
                    socket.path
                );
                let opening = Opening {
                    conn: 1,
                    okx_checksums: false,
                };
                assert_eq!((socket.dialect)(&opening).venue(), venue, "{}", socket.path);
            }
        }
    }

    /// Each adapter, built by its descriptor with no overrides, names its venue and dials the
    /// descriptor's default URL.
    #[test]
    fn adapters_agree_with_their_descriptors() {
        for &venue in IMPLEMENTED {
            let spec = venue.adapter_spec().unwrap();
            let adapter = (spec.build)(
                &VenueOptions::default(),
                DriverConfig::live(),
                Vec::new(),
                Vec::new(),
            );
            assert_eq!(adapter.venue(), venue);
            let conns = adapter.connections();
            assert!(!conns.is_empty(), "{venue}");
            for conn in conns {
                assert!(conn.url.starts_with(spec.ws_url), "{venue}: {}", conn.url);
            }
        }
    }
}
