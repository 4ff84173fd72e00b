//! Coinbase Advanced Trade market data stream.

pub mod sync;
