//! Per-caller rate limits: a sliding window of one minute plus a one-second burst limit, as the
//! reference API applies them, with the figures its `X-RateLimit-*` headers report.
//!
//! Each caller keeps the instants of its requests within the last minute (at most the per-minute
//! limit of them), so the window slides exactly rather than resetting on the minute; callers are
//! the configured keys plus one local caller, so memory is bounded by the config.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use super::access::Caller;

const MINUTE: Duration = Duration::from_secs(60);
const SECOND: Duration = Duration::from_secs(1);

/// The limits every caller gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub per_minute: u32,
    pub burst_per_second: u32,
}

/// What one request's check decided, for the headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    /// `X-RateLimit-Limit`: requests per minute.
    pub limit: u32,
    /// `X-RateLimit-Remaining`: requests left in the sliding minute after this one.
    pub remaining: u32,
    /// `X-RateLimit-Reset`: unix seconds when the oldest request leaves the window.
    pub reset_unix_s: u64,
    /// Seconds until a refused caller may try again (`Retry-After`).
    pub retry_after_s: u64,
}

#[derive(Debug)]
pub struct Limiter {
    limits: Limits,
    callers: HashMap<Caller, VecDeque<Instant>>,
}

impl Limiter {
    pub fn new(limits: Limits) -> Self {
        Limiter {
            limits,
            callers: HashMap::new(),
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Counts a request by `caller` at `now` if the limits allow it.
    pub fn check(&mut self, caller: &Caller, now: Instant) -> Verdict {
        let limits = self.limits;
        let log = self.callers.entry(caller.clone()).or_default();
        while log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= MINUTE)
        {
            log.pop_front();
        }
        let in_second = log
            .iter()
            .rev()
            .take_while(|t| now.duration_since(**t) < SECOND)
            .count();
        let minute_full = log.len() >= limits.per_minute as usize;
        let burst_full = in_second >= limits.burst_per_second as usize;
        let allowed = !minute_full && !burst_full;
        if allowed {
            log.push_back(now);
        }
        let wait = if minute_full {
            log.front()
                .map_or(Duration::ZERO, |t| MINUTE - now.duration_since(*t))
        } else if burst_full {
            let oldest_in_second = log[log.len() - in_second];
            SECOND - now.duration_since(oldest_in_second)
        } else {
            Duration::ZERO
        };
        let reset_in = log
            .front()
            .map_or(Duration::ZERO, |t| MINUTE - now.duration_since(*t));
        Verdict {
            allowed,
            limit: limits.per_minute,
            remaining: limits.per_minute.saturating_sub(log.len() as u32),
            reset_unix_s: unix_now_s() + reset_in.as_secs_f64().ceil() as u64,
            retry_after_s: wait
                .as_secs_f64()
                .ceil()
                .max(if allowed { 0.0 } else { 1.0 }) as u64,
        }
    }
}

fn unix_now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_minute: u32, burst: u32) -> Limiter {
        Limiter::new(Limits {
            per_minute,
            burst_per_second: burst,
        })
    }

    #[test]
    fn the_minute_window_slides() {
        let mut l = limiter(3, 10);
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        for (i, s) in [0, 10, 20].into_iter().enumerate() {
            let v = l.check(&Caller::Local, at(s));
            assert!(v.allowed);
            assert_eq!(v.remaining, 2 - i as u32);
        }
        let refused = l.check(&Caller::Local, at(30));
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        // The request of t = 0 leaves the window at t = 60: 30 s from now.
        assert_eq!(refused.retry_after_s, 30);
        // Sliding, not a fixed minute: at 60 s exactly one slot is free again.
        assert!(l.check(&Caller::Local, at(60)).allowed);
        assert!(!l.check(&Caller::Local, at(61)).allowed);
    }

    #[test]
    fn bursts_are_limited_per_second_and_callers_apart() {
        let mut l = limiter(100, 2);
        let t0 = Instant::now();
        assert!(l.check(&Caller::Local, t0).allowed);
        assert!(l.check(&Caller::Local, t0).allowed);
        let v = l.check(&Caller::Local, t0);
        assert!(!v.allowed);
        assert_eq!(v.retry_after_s, 1);
        assert!(l.check(&Caller::Key("k".into()), t0).allowed);
        assert!(l.check(&Caller::Local, t0 + SECOND).allowed);
    }
}
