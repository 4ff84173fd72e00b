//! A session: the pipeline from a data source (live venues, the simulator, a capture) through
//! the engine to the terminal UI or the JSON stream. Live, demo and replay differ only in their
//! source.

pub mod check;
pub mod demo_history;
pub mod feeds;
pub mod run;
pub mod watch;
