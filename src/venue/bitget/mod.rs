//! Bitget classic v2 (and UTA v3) public streams.

pub mod sync;
