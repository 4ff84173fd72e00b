//! Venue adapters: one folder per exchange, one file per concern.
//!
//! [`seq`] holds the sequence arithmetic the venues' `sync` rules share; [`wire`] the parsing
//! helpers (level arrays, exact numbers) their `parse` modules share.

pub mod binance;
pub mod bitget;
pub mod bybit;
pub mod coinbase;
pub mod coinex;
pub mod deribit;
#[cfg(test)]
mod fuzz;
pub mod gate;
pub mod hyperliquid;
pub mod kraken;
pub mod kucoin;
pub mod okx;
pub mod positioning;
pub mod registry;
pub mod seq;
pub mod shard;
pub mod spec;
pub mod wire;

/// The depth to subscribe for a requested one, among the depths a venue serves (ascending):
/// venues refuse any other, so an unsupported request becomes the next larger served depth (or
/// the largest), with a warning, rather than a subscription that can only fail.
pub fn served_depth(
    venue: &str,
    served: &[usize],
    default: usize,
    requested: Option<usize>,
) -> usize {
    let Some(requested) = requested else {
        return default;
    };
    let depth = served
        .iter()
        .copied()
        .find(|d| *d >= requested)
        .or(served.last().copied())
        .unwrap_or(default);
    if depth != requested {
        tracing::warn!(
            requested,
            depth,
            "{venue} serves book depths {served:?} only"
        );
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::served_depth;

    #[test]
    fn unsupported_depths_round_up_to_a_served_one() {
        let served = [10, 25, 100, 500, 1000];
        assert_eq!(served_depth("Kraken", &served, 100, None), 100);
        assert_eq!(served_depth("Kraken", &served, 100, Some(25)), 25);
        assert_eq!(served_depth("Kraken", &served, 100, Some(30)), 100);
        assert_eq!(served_depth("Kraken", &served, 100, Some(5_000)), 1000);
        assert_eq!(served_depth("Bybit", &[1, 50, 200, 1000], 200, Some(0)), 1);
    }
}
