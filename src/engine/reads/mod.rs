//! The symbol's book-based cross-venue reads of issue 23: support/resistance zones (§5), the
//! order-flow lead–lag (§3.12) and arbitrage (§9), filled into the frame's
//! [`Analytics`](super::analytics::Analytics).
//!
//! All three read only books that are live, valid and fresh (§0.2), with prices put into the
//! symbol's cross-venue currency through the stablecoin rates in force (§0.4); a book whose currency cannot
//! be converted is left out, never taken at face value.

mod arbitrage;
mod lead_lag;
mod zones;

use std::sync::Arc;

use crate::config::engine::EngineConfig;
use crate::market::{Millis, Nanos};

use super::analytics::Analytics;
use super::book::view::BookTick;
use super::clock::to_millis;
use super::quote_rate::QuoteRates;

pub use lead_lag::LeadLagTracker;
pub use zones::{ZoneState, ZoneTracker};

/// What one symbol tick hands the reads.
pub struct ReadInputs<'a> {
    pub now: Nanos,
    /// Every book of the symbol, fresh or not, in display order.
    pub books: &'a [BookTick],
    /// The symbol's cross-venue currency; `None` without a fresh book.
    pub quote: Option<&'a str>,
    /// The stablecoin rates in force (§0.4).
    pub rates: &'a QuoteRates,
    /// The symbol's mid (the median of its fresh books' mids) in `quote`.
    pub mid: Option<f64>,
    pub cfg: &'a EngineConfig,
}

impl ReadInputs<'_> {
    /// The factor that puts a price quoted in `from` into the symbol's currency.
    fn scale(&self, from: &str) -> Option<f64> {
        self.rates.convert(1.0, from, self.quote?)
    }
}

/// The per-symbol state behind the reads.
#[derive(Debug, Default)]
pub struct SymbolReads {
    zones: ZoneTracker,
    lead_lag: LeadLagTracker,
    /// Zones restored from the history and when they were kept (local ms), taken at the next
    /// tick (it knows the time).
    restored_zones: Option<(Millis, Arc<ZoneState>)>,
}

impl SymbolReads {
    /// Zones kept by a previous run at local time `kept` (ms); the first one given wins.
    pub fn seed_zones(&mut self, kept: Millis, state: Arc<ZoneState>) {
        self.restored_zones.get_or_insert((kept, state));
    }

    /// The zones' state to keep.
    pub fn zone_state(&self) -> Option<ZoneState> {
        self.zones.snapshot()
    }

    /// Fills the zones, the lead–lag and the arbitrage of `out`.
    pub fn fill(&mut self, inputs: &ReadInputs, out: &mut Analytics) {
        if let Some((kept, state)) = self.restored_zones.take() {
            self.zones.restore(&state, kept, to_millis(inputs.now));
        }
        out.zones = self.zones.tick(inputs);
        out.lead_lag = self.lead_lag.tick(inputs);
        out.arbitrage = arbitrage::scan(inputs);
    }
}
