//! Each venue's history endpoints: what to ask for, at what cost, and how to read the answers.

pub mod binance;
pub mod bybit;
pub mod okx;

#[cfg(test)]
mod tests;

use crate::market::VenueId;

use super::plan::HistorySource;

/// The venues a backfill can fetch from (each venue's descriptor names its source). Kraken,
/// Coinbase and the others have no public derivatives statistics and serve candles only; they
/// warm from the live stream.
pub fn source(venue: VenueId) -> Option<HistorySource> {
    venue.adapter_spec().and_then(|a| a.history)
}
