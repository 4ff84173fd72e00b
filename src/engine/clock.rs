//! Time for the engine: the local clock that ticks and judges staleness, and each book's
//! exchange clock that feature windows run on.
//!
//! Two clocks are needed because they answer different questions. Staleness is about *our*
//! receive times (§0.2: `now_local − last_update_local`), so it runs on the local clock, which
//! is injectable: the wall clock live, the capture's own time in a replay (so a replay at
//! `--max` sees the same windows as one at 1×), a manual clock in tests. Feature windows are in
//! exchange event time (§0.1); between events a book's exchange time advances with the local
//! clock from the last exchange timestamp seen, so large trades complete and windows roll even
//! on a quiet market.

use crate::market::{Millis, Nanos, now_nanos};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where the engine's "now" comes from.
#[derive(Clone, Debug)]
pub enum Clock {
    /// Live: the local wall clock; the engine ticks on a timer.
    Wall,
    /// Replay: the capture's time, that is the receive time of the latest event. The engine
    /// ticks whenever capture time crosses a tick boundary, whatever the replay speed.
    Capture,
    /// Tests: a time set by hand; the engine ticks on a timer like [`Clock::Wall`].
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// A manual clock starting at `at`, and the handle that moves it.
    pub fn manual(at: Nanos) -> (Clock, Arc<AtomicU64>) {
        let handle = Arc::new(AtomicU64::new(at));
        (Clock::Manual(handle.clone()), handle)
    }

    /// The local time now, given the receive time of the latest event (`None`: no event yet).
    pub fn now(&self, latest_event: Option<Nanos>) -> Nanos {
        match self {
            Clock::Wall => now_nanos(),
            Clock::Capture => latest_event.unwrap_or(0),
            Clock::Manual(t) => t.load(Ordering::Relaxed),
        }
    }

    /// Whether ticks follow event time rather than a timer.
    pub fn is_capture(&self) -> bool {
        matches!(self, Clock::Capture)
    }
}

/// Nanoseconds to milliseconds (the exchange's unit).
pub fn to_millis(t: Nanos) -> Millis {
    (t / 1_000_000) as Millis
}

/// Milliseconds to nanoseconds; a time before 1970 is 0.
pub fn from_millis(t: Millis) -> Nanos {
    (t.max(0) as Nanos).saturating_mul(1_000_000)
}

/// One book's exchange clock: the latest exchange timestamp seen and when it was received.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExchClock {
    last: Option<(Millis, Nanos)>,
}

impl ExchClock {
    /// An event stamped `exch` (exchange ms) was received at `local`. Out-of-order stamps do not
    /// move the clock back.
    pub fn observe(&mut self, exch: Millis, local: Nanos) {
        match self.last {
            Some((t, _)) if exch < t => {}
            _ => self.last = Some((exch, local)),
        }
    }

    /// Exchange time now: the last stamp plus the local time elapsed since it arrived. Falls back
    /// to local time for a book that has sent no timestamp.
    pub fn now(&self, local_now: Nanos) -> Millis {
        match self.last {
            Some((exch, at)) => exch + to_millis(local_now.saturating_sub(at)),
            None => to_millis(local_now),
        }
    }

    /// Receive time minus exchange time of the latest stamp, ms: feed latency plus clock skew.
    /// Two venues whose lags differ by more than the alignment limit are not compared (§0.2).
    pub fn lag_ms(&self) -> Option<f64> {
        self.last.map(|(exch, at)| at as f64 / 1e6 - exch as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Nanos = 1_000_000;

    #[test]
    fn exchange_time_advances_with_local_time_and_never_goes_back() {
        let mut c = ExchClock::default();
        assert_eq!(c.now(5_000 * MS), 5_000);
        c.observe(1_000, 1_050 * MS);
        assert_eq!(c.now(1_050 * MS), 1_000);
        assert_eq!(c.now(2_050 * MS), 2_000);
        c.observe(900, 2_100 * MS);
        assert_eq!(c.lag_ms(), Some(50.0));
        // A local clock behind the last receive time does not move exchange time back.
        assert_eq!(c.now(0), 1_000);
    }

    #[test]
    fn clocks_say_where_now_comes_from() {
        assert_eq!(Clock::Capture.now(Some(42)), 42);
        assert_eq!(Clock::Capture.now(None), 0);
        let (clock, handle) = Clock::manual(7);
        assert_eq!(clock.now(Some(42)), 7);
        handle.store(9, Ordering::Relaxed);
        assert_eq!(clock.now(None), 9);
        assert!(Clock::Wall.now(None) > 0);
    }
}
