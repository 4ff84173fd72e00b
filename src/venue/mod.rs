//! Venue adapters: one folder per exchange, one file per concern.
//!
//! [`seq`] holds the sequence arithmetic the venues' `sync` rules share; [`wire`] the parsing
//! helpers (level arrays, exact numbers) their `parse` modules share.

pub mod binance;
pub mod bitget;
pub mod bybit;
pub mod coinbase;
pub mod deribit;
pub mod gate;
pub mod kraken;
pub mod kucoin;
pub mod okx;
pub mod registry;
pub mod seq;
pub mod wire;
