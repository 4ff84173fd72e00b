//! Venue adapters: one folder per exchange, one file per concern.
pub mod wire;
