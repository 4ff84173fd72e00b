//! [`Gate`]: one venue's door for backfill requests. It spends the venue's weight budget over a
//! sliding window, holds every request back while the venue asked us to wait (429/418 with
//! `Retry-After`), and remembers whether the venue was ever reached, so an offline machine gives
//! up after a few attempts instead of retrying every page.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

use super::plan::Limits;

#[derive(Debug, Default)]
struct State {
    spent: VecDeque<(Instant, u32)>,
    paused_until: Option<Instant>,
    reached: bool,
    unreachable: u32,
    closed: Option<String>,
}

#[derive(Debug)]
pub struct Gate {
    limits: Limits,
    state: Mutex<State>,
}

impl Gate {
    pub fn new(limits: Limits) -> Self {
        Gate {
            limits,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing in the state can be left half-written by a panic elsewhere.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until `weight` fits in the window and no pause is in force, then spends it. A
    /// request heavier than the whole budget goes alone into an empty window.
    pub async fn acquire(&self, weight: u32) {
        loop {
            let wait = {
                let mut s = self.lock();
                let now = Instant::now();
                while s
                    .spent
                    .front()
                    .is_some_and(|(t, _)| *t + self.limits.per <= now)
                {
                    s.spent.pop_front();
                }
                let used: u32 = s.spent.iter().map(|(_, w)| w).sum();
                match s.paused_until.filter(|p| *p > now) {
                    Some(until) => Some(until - now),
                    None if used + weight <= self.limits.budget || s.spent.is_empty() => {
                        s.spent.push_back((now, weight));
                        None
                    }
                    None => s.spent.front().map(|(t, _)| *t + self.limits.per - now),
                }
            };
            match wait {
                None => return,
                Some(d) => tokio::time::sleep(d.max(Duration::from_millis(1))).await,
            }
        }
    }

    /// The venue asked every request to wait `d` (rate limited).
    pub fn pause(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut s = self.lock();
        s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
    }

    /// An answer arrived (whatever its status): the venue is reachable.
    pub fn reached(&self) {
        let mut s = self.lock();
        s.reached = true;
        s.unreachable = 0;
    }

    /// A request failed before any answer. Returns `true` once the venue counts as offline:
    /// `limit` failures in a row and never an answer.
    pub fn unreachable(&self, limit: u32) -> bool {
        let mut s = self.lock();
        s.unreachable += 1;
        !s.reached && s.unreachable >= limit
    }

    /// Stops every further request to the venue, saying why.
    pub fn close(&self, why: String) {
        self.lock().closed.get_or_insert(why);
    }

    pub fn closed(&self) -> Option<String> {
        self.lock().closed.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_budget_spreads_requests_over_the_window() {
        let gate = Gate::new(Limits {
            budget: 10,
            per: Duration::from_secs(2),
            in_flight: 1,
        });
        let start = Instant::now();
        for _ in 0..5 {
            gate.acquire(4).await;
        }
        // 4 + 4 fit the first window, then one pair per window.
        assert_eq!(start.elapsed(), Duration::from_secs(4));
        gate.pause(Duration::from_secs(30));
        gate.acquire(1).await;
        assert_eq!(start.elapsed(), Duration::from_secs(34));
        // Heavier than the budget: alone in an empty window.
        gate.acquire(50).await;
        assert!(start.elapsed() >= Duration::from_secs(36));
    }

    #[test]
    fn offline_only_without_any_answer() {
        let gate = Gate::new(Limits {
            budget: 1,
            per: Duration::from_secs(1),
            in_flight: 1,
        });
        assert!(!gate.unreachable(2));
        assert!(gate.unreachable(2));
        let gate = Gate::new(Limits {
            budget: 1,
            per: Duration::from_secs(1),
            in_flight: 1,
        });
        gate.reached();
        assert!(!gate.unreachable(1));
    }
}
