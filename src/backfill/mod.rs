//! REST backfill: the history the venues serve publicly, fetched where the baselines are not
//! warm, so the reads that need a day of minutes (the large-trade P99, `σ_1m` of
//! `flow_momentum`, the 24 h volume weights) have a number from the first minutes.
//!
//! - [`series`]: what comes back, per book: 1-min candles (traded OHLC, the mid's proxy), sampled
//!   taker prints, open interest, funding, long/short ratios, taker volume statistics;
//! - [`plan`] and [`venues`]: each venue's endpoints, pages and documented limits;
//! - [`gate`] and [`fetch`]: the weight budget, retries with backoff, `Retry-After`, giving up
//!   offline, and recording every body into `--record` captures;
//! - [`run`]: the task, its progress and the [`BackfillSink`] results go to;
//! - [`rows`]: what a fetched book becomes in the history store (the same baseline samples the
//!   engine records, and 1-min rows), marked as backfilled;
//! - [`start`]: the task at live and demo start, storing and seeding the engine through the
//!   store; [`cli`]: `history backfill`, into the store, with its progress bar and summary.
//!
//! **Book-only features cannot be backfilled.** No venue serves historical order books, so the
//! depth bands, imbalance, OFI, spread, slippage and the `liquidity_risk` and cascade-thinning
//! baselines built on them warm from the live stream (or a history store) only.

pub mod cli;
pub mod fetch;
pub mod gate;
pub mod json;
pub mod plan;
pub mod rows;
pub mod run;
pub mod series;
pub mod start;
pub mod venues;

#[cfg(test)]
mod tests;

pub use run::{
    BackfillConfig, BackfillProgress, BackfillSink, BackfillSource, BackfillState, BackfillUpdate,
    Target, VenueProgress, drain, run_backfill,
};
pub use series::BookHistory;
pub use start::BackfillEvent;

/// What cannot be backfilled, as the Health view and the README say it.
pub const BOOK_ONLY_NOTE: &str = "book-only features (depth bands, imbalance, OFI, spread, slippage, liquidity_risk, cascade thinning) cannot be backfilled: no venue serves historical books; they warm from the live stream";
