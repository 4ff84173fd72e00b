//! Converters from other projects' raw recordings into depthscope captures, so public sample
//! data replays through our adapters like our own recordings do.
//!
//! Entry point for the CLI: `depthscope import cryptofeed WS_FILE [--rest HTTP_FILE] --venue ID
//! -o OUT` maps onto [`import_cryptofeed`].

pub mod cryptofeed;

pub use cryptofeed::{ImportError, ImportLineError, ImportStats, import_cryptofeed};
