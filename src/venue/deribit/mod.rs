//! Deribit v2 JSON-RPC streams.

pub mod sync;
