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
