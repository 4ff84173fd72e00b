//! The terminal UI: renders the engine's latest [`crate::engine::frame::Frame`] and nothing
//! else. It imports no feed or venue internals beyond the frame types, and nothing below it
//! imports ratatui.

pub mod action;
pub mod keymap;
pub mod keys;
pub mod theme;
