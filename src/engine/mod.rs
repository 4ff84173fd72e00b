//! The feature engine: per (venue, instrument) state fed by venue events, and the immutable
//! [`frame::Frame`] it publishes every tick.

pub mod frame;
