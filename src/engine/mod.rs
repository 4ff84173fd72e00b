//! The feature engine: per (venue, instrument) state fed by venue events, cross-venue
//! composites per symbol, alert rules, and the immutable [`frame::Frame`] it publishes every
//! tick (the README's "Architecture": one `Arc<Frame>` per tick on a `watch`, alerts on their
//! own bounded channel).
//!
//! - [`core`]: [`Engine`], the synchronous core (`on_event`, `tick`);
//! - [`task`]: [`run_engine`], the async task around it, with an injectable [`Clock`];
//! - [`book`]: per (venue, instrument) state and its tick;
//! - [`symbol`]: per-symbol composites and history; [`positioning`]: the symbol's positioning;
//! - [`minutes`]: the symbol's 1-min rows and the §6 regime and §7 drift read on them;
//! - [`models`]: the §8 consensus of the symbol's directional reads;
//! - [`prices`]: the bounded per-symbol mid series behind the price chart;
//! - [`quote_rate`]: the stablecoin rates cross-venue prices convert through (§0.4);
//! - [`alerts`], [`outbox`]: alert rules, and delivery that never loses an alert silently;
//! - [`readings`]: where each alert metric's value is read;
//! - [`health`]: venue connection health;
//! - [`clock`], [`freshness`]: local and exchange time, staleness (§0.2);
//! - [`stream`], [`stream_numbers`], [`stream_analytics`]: `stream --json`, one JSON object per
//!   tick, numbers at their precision, slim with `--fields`;
//! - [`frame`]: the view model; [`analytics`]: its per-symbol analytics part (§3.12, §5–§10);
//!   [`analytics_reads`]: the single numbers its readers (alerts, history, serve) take from it.

pub mod alerts;
pub mod analytics;
pub mod analytics_reads;
pub mod book;
pub mod clock;
pub mod core;
pub mod frame;
pub mod freshness;
pub mod health;
pub mod minutes;
pub mod models;
pub mod outbox;
pub mod positioning;
pub mod prices;
pub mod quote_rate;
pub mod readings;
pub mod reads;
pub mod stream;
pub mod stream_analytics;
pub mod stream_numbers;
pub mod stream_writer;
pub mod symbol;
pub mod task;
pub mod warm;

pub use clock::Clock;
pub use core::{Engine, EngineSettings};
pub use stream::{StreamOptions, stream_json};
pub use task::{alert_channel, run_engine};

#[cfg(test)]
mod tests;
