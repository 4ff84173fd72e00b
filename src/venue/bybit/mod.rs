//! Bybit v5 public streams (spot, linear, inverse).

pub mod sync;
