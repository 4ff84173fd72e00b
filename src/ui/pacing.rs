//! When to draw. Input redraws at once; data (a new frame, the clock) only marks the screen
//! dirty, and data-driven draws are at least `1/fps` apart, so a fast engine never makes the UI
//! the bottleneck and a slow SSH link never sees more than `fps` frames a second.
//!
//! Time is passed in (tokio's `Instant`, which tests pause and advance), so the logic is
//! tested without sleeping.

use std::time::Duration;
use tokio::time::Instant;

#[derive(Clone, Debug)]
pub struct Pacer {
    interval: Duration,
    last_draw: Option<Instant>,
    dirty: bool,
    urgent: bool,
}

impl Pacer {
    pub fn new(fps: u32) -> Pacer {
        Pacer {
            interval: Duration::from_secs(1) / fps.max(1),
            last_draw: None,
            dirty: false,
            urgent: false,
        }
    }

    /// Something shown changed (a frame arrived, time moved the ages on screen, a resize):
    /// draw at the next slot.
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// The user did something: draw now.
    pub fn mark_urgent(&mut self) {
        self.urgent = true;
    }

    /// Whether to draw at `now`.
    pub fn due(&self, now: Instant) -> bool {
        self.urgent || (self.dirty && self.last_draw.is_none_or(|t| now >= t + self.interval))
    }

    /// When a pending data-driven draw becomes due; `None` when nothing is pending (or a draw
    /// is due already).
    pub fn deadline(&self) -> Option<Instant> {
        if self.urgent || !self.dirty {
            return None;
        }
        self.last_draw.map(|t| t + self.interval)
    }

    /// A draw happened at `now`.
    pub fn drawn(&mut self, now: Instant) {
        self.last_draw = Some(now);
        self.dirty = false;
        self.urgent = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn keys_draw_at_once_and_data_waits_for_the_next_slot() {
        let t0 = Instant::now();
        let mut p = Pacer::new(10);
        assert!(!p.due(t0), "nothing changed");
        p.mark_dirty();
        assert!(p.due(t0), "the first draw is not held back");
        p.drawn(t0);
        p.mark_dirty();
        assert!(!p.due(t0 + 99 * MS));
        assert_eq!(p.deadline(), Some(t0 + 100 * MS));
        assert!(p.due(t0 + 100 * MS));
        p.mark_urgent();
        assert!(p.due(t0 + MS), "a key does not wait");
        assert_eq!(p.deadline(), None);
        p.drawn(t0 + MS);
        assert!(!p.due(t0 + 500 * MS), "clean after drawing");
        assert_eq!(p.deadline(), None);
    }

    #[test]
    fn a_flood_of_frames_draws_at_most_fps_times_a_second() {
        let t0 = Instant::now();
        let mut p = Pacer::new(10);
        let mut draws = 0;
        // 1000 frames over one second, one every millisecond.
        for i in 0..1000u32 {
            let now = t0 + i * MS;
            p.mark_dirty();
            if p.due(now) {
                p.drawn(now);
                draws += 1;
            }
        }
        assert_eq!(draws, 10);
        assert_eq!(
            Pacer::new(0).interval,
            Duration::from_secs(1),
            "fps 0 is treated as 1"
        );
    }
}
