//! OKX v5 public streams.

pub mod sync;
