//! View models: what the panes draw, computed from a frame and the UI state by pure functions
//! (grouping, aggregation, sorting, search) or accumulated across frames (the heatmap).

pub mod chart;
pub mod grouping;
pub mod heatmap;
pub mod history;
pub mod ladder;
pub mod overview;
pub mod search;
pub mod select;
pub mod sparks;
pub mod tape;
pub mod zones;
