//! The feed layer: venue adapters as sans-IO state machines, the machinery they share, and the
//! runtime that connects them to sockets.

pub mod adapter;
pub mod audit;
pub mod backoff;
pub mod driver;
pub mod event;
pub mod health;
pub mod polls;
pub mod protocol;
pub mod runtime;
pub mod sync;
