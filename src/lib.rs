//! depthscope: a terminal market monitor for crypto traders.
//!
//! Layers, from the wire up (see README "Architecture"):
//! - [`num`]: exact decimals that keep their wire form (checksums are computed over it);
//! - [`book`]: the L2 book, its views and the venues' checksum constructions;
//! - [`integrity`]: the verdict types every venue's integrity rule returns;
//! - [`venue`]: one folder per exchange (subscribe, parse, sync rules);
//! - [`market`]: the normalised vocabulary (venue ids, sides, time);
//! - [`features`], [`engine`]: the metrics of `docs/metrics.md` (the `§` numbers in the code are
//!   its sections), per-book and per-symbol state, alerts, the immutable per-tick frame;
//! - [`history`]: the SQLite history file and the warm start; [`backfill`]: public REST history;
//! - [`serve`]: the engine's reads over HTTP (REST, SSE, OpenAPI);
//! - [`amount`]: amounts with their magnitude and currency, read the same on every screen;
//! - [`ui`]: the terminal UI, which renders [`engine::frame::Frame`]s and sends
//!   [`control::ReplayControl`]s back; [`logging`] keeps it free of stray output.
//!
//! Nothing below the UI imports ratatui or crossterm.

pub mod allocator;
pub mod amount;
pub mod backfill;
pub mod book;
pub mod capture;
pub mod cli;
pub mod config;
pub mod control;
pub mod engine;
pub mod features;
pub mod feed;
pub mod history;
pub mod instrument;
pub mod integrity;
pub mod logging;
pub mod market;
pub mod num;
pub mod panics;
pub mod serve;
pub mod session;
pub mod sim;
#[cfg(test)]
pub(crate) mod testutil;
pub mod ui;
pub mod venue;
pub mod words;

// Lets test support files name the crate as `depthscope::`, as the benches do.
#[cfg(test)]
extern crate self as depthscope;
