//! Requests the UI sends back to whatever produces its frames.
//!
//! The UI never reaches into the replay driver (or any other frame source): it sends these on an
//! `mpsc` the driver owns and reads. Live and demo sources take no controls; the UI is then given
//! no sender and says so when a replay key is pressed.

/// A request to the replay driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayControl {
    /// Pause if playing, play if paused (space).
    TogglePause,
    /// Double the replay speed.
    Faster,
    /// Halve the replay speed.
    Slower,
}

/// `:add SOL` / `:rm SOL` asked of the running feeds (live and demo; a replay takes none). The
/// session answers on `reply` once every venue applied it, or says why nothing was changed.
#[derive(Debug)]
pub struct WatchRequest {
    pub edit: crate::config::watchlist::Edit,
    pub reply: tokio::sync::mpsc::Sender<WatchReply>,
}

/// The answer to a [`WatchRequest`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchReply {
    pub edit: crate::config::watchlist::Edit,
    /// What changed, or why nothing did (the watch list is then not saved).
    pub outcome: Result<WatchApplied, String>,
}

/// What a watch-list change did on the running feeds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WatchApplied {
    /// Venues whose books changed, with how many books were added or removed there.
    pub changed: Vec<(crate::market::VenueId, usize)>,
    /// Running venues that do not list the symbol.
    pub not_listed: Vec<crate::market::VenueId>,
    /// Watched venues not running (instrument list pending, or nothing to watch there at
    /// start): they did not take the change.
    pub not_running: Vec<crate::market::VenueId>,
}
