//! Gate v4 spot and futures streams.

pub mod sync;
