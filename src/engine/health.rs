//! Venue connection health for the header and the health view: the latest state and counters a
//! venue task published, and its message rate.

use std::collections::VecDeque;

use crate::feed::event::VenueStatus;
use crate::market::Nanos;

use super::frame::VenueHealth;

/// The message rate is measured over this trailing span.
const RATE_SPAN: Nanos = 5_000_000_000;

#[derive(Debug)]
pub struct VenueState {
    status: VenueStatus,
    /// `(local time, messages counter)` samples over the rate span.
    samples: VecDeque<(Nanos, u64)>,
}

impl VenueState {
    pub fn new(status: VenueStatus) -> Self {
        let mut v = VenueState {
            samples: VecDeque::new(),
            status: status.clone(),
        };
        v.update(status);
        v
    }

    pub fn update(&mut self, status: VenueStatus) {
        let sample = (status.local_ts, status.counters.messages);
        // A reset counter (a restarted task) starts the rate over.
        if self
            .samples
            .back()
            .is_some_and(|&(t, n)| sample.0 < t || sample.1 < n)
        {
            self.samples.clear();
        }
        self.samples.push_back(sample);
        while self.samples.len() > 2 && self.samples[1].0 + RATE_SPAN <= sample.0 {
            self.samples.pop_front();
        }
        self.status = status;
    }

    pub fn health(&self, now: Nanos) -> VenueHealth {
        let msg_rate = match (self.samples.front(), self.samples.back()) {
            (Some(&(t0, n0)), Some(&(t1, n1))) if t1 > t0 => {
                Some((n1 - n0) as f64 / ((t1 - t0) as f64 / 1e9))
            }
            _ => None,
        };
        VenueHealth {
            venue: self.status.venue,
            state: self.status.state.clone(),
            counters: self.status.counters.clone(),
            msg_rate,
            last_message_age_ms: self
                .status
                .counters
                .last_message
                .map(|t| now.saturating_sub(t) as f64 / 1e6),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::health::{ConnState, VenueCounters};
    use crate::market::VenueId;

    const S: Nanos = 1_000_000_000;

    fn status(t: Nanos, messages: u64) -> VenueStatus {
        VenueStatus {
            venue: VenueId::Okx,
            local_ts: t,
            state: ConnState::Live,
            counters: VenueCounters {
                messages,
                last_message: Some(t),
                ..VenueCounters::default()
            },
        }
    }

    #[test]
    fn message_rate_over_the_last_seconds() {
        let mut v = VenueState::new(status(0, 0));
        assert_eq!(v.health(0).msg_rate, None);
        for i in 1..=10 {
            v.update(status(i * S, i * 100));
        }
        assert_eq!(v.health(10 * S).msg_rate, Some(100.0));
        assert_eq!(v.health(12 * S).last_message_age_ms, Some(2_000.0));
        v.update(status(11 * S, 5));
        assert_eq!(v.health(11 * S).msg_rate, None);
    }
}
