//! REST polls on each venue's own cadence (open interest every 10 s on Binance; the positioning
//! statistics every minute, [`crate::venue::positioning`]), one schedule per URL.
//!
//! Polls are fetched in spawned tasks, so a slow endpoint never blocks a feed. A URL that fails
//! (an error status, an unreadable body) waits twice as long before each retry, up to
//! [`MAX_BACKOFF`], and its value goes stale meanwhile (§0.2): a failing endpoint is not hammered
//! at its normal cadence. A URL still waiting for its answer is not asked again until it is due
//! once more, so a hung request costs at most one request per interval.

use std::time::Duration;

use crate::market::Nanos;

/// The longest wait after repeated failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// URLs to poll every `every`.
#[derive(Clone, Debug, PartialEq)]
pub struct Poll {
    pub every: Duration,
    pub urls: Vec<String>,
}

#[derive(Clone, Debug)]
struct Entry {
    url: String,
    every: Nanos,
    due: Nanos,
    failures: u32,
}

/// Every polled URL's schedule; one entry per URL (bounded by the venue's instruments).
#[derive(Clone, Debug, Default)]
pub struct Polls {
    entries: Vec<Entry>,
}

impl Polls {
    /// Takes the protocol's polls for the current instruments: new URLs are due at once (the
    /// first poll seeds the latest value at start), kept ones keep their schedule and failures,
    /// dropped ones are forgotten.
    pub fn set(&mut self, polls: Vec<Poll>, now: Nanos) {
        let mut old = std::mem::take(&mut self.entries);
        for poll in polls {
            let every = poll.every.as_nanos() as Nanos;
            for url in poll.urls {
                let entry = match old.iter().position(|e| e.url == url) {
                    Some(i) => Entry {
                        every,
                        ..old.swap_remove(i)
                    },
                    None => Entry {
                        url,
                        every,
                        due: now,
                        failures: 0,
                    },
                };
                self.entries.push(entry);
            }
        }
    }

    /// The URLs due at `now`, each scheduled again one interval later.
    pub fn due(&mut self, now: Nanos, out: &mut Vec<String>) {
        for e in self.entries.iter_mut().filter(|e| e.due <= now) {
            e.due = now + e.every;
            out.push(e.url.clone());
        }
    }

    /// Whether `url` is a polled one.
    pub fn polls(&self, url: &str) -> bool {
        self.entries.iter().any(|e| e.url == url)
    }

    /// The answer to `url` arrived at `now`: a success resets its backoff, a failure delays the
    /// next try to `every × 2^failures` (at most [`MAX_BACKOFF`]) after now.
    pub fn answered(&mut self, url: &str, ok: bool, now: Nanos) {
        let Some(e) = self.entries.iter_mut().find(|e| e.url == url) else {
            return;
        };
        if ok {
            e.failures = 0;
            return;
        }
        e.failures = e.failures.saturating_add(1);
        let factor = 1u64 << e.failures.min(16);
        let wait = e
            .every
            .saturating_mul(factor)
            .min(MAX_BACKOFF.as_nanos() as Nanos);
        e.due = now + wait.max(e.every);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = 1_000_000_000;

    fn due(p: &mut Polls, now: Nanos) -> Vec<String> {
        let mut out = Vec::new();
        p.due(now, &mut out);
        out
    }

    fn poll(every_s: u64, urls: &[&str]) -> Poll {
        Poll {
            every: Duration::from_secs(every_s),
            urls: urls.iter().map(|u| u.to_string()).collect(),
        }
    }

    #[test]
    fn each_url_keeps_its_own_cadence() {
        let mut p = Polls::default();
        p.set(vec![poll(10, &["oi"]), poll(60, &["ratio"])], 0);
        assert_eq!(
            due(&mut p, 0),
            ["oi", "ratio"],
            "due at once: the first poll seeds"
        );
        assert!(due(&mut p, 9 * S).is_empty());
        assert_eq!(due(&mut p, 10 * S), ["oi"]);
        assert_eq!(due(&mut p, 60 * S), ["oi", "ratio"]);
        assert!(p.polls("ratio") && !p.polls("other"));
    }

    #[test]
    fn failures_back_off_and_a_success_resets() {
        let mut p = Polls::default();
        p.set(vec![poll(60, &["ratio"])], 0);
        due(&mut p, 0);
        p.answered("ratio", false, S);
        assert!(
            due(&mut p, 120 * S).is_empty(),
            "waits 2 × 60 s after the failure"
        );
        assert_eq!(due(&mut p, 121 * S), ["ratio"]);
        p.answered("ratio", false, 122 * S);
        assert!(due(&mut p, 122 * S + 239 * S).is_empty(), "then 4 × 60 s");
        assert_eq!(due(&mut p, 122 * S + 240 * S), ["ratio"]);
        for _ in 0..40 {
            p.answered("ratio", false, 1000 * S);
        }
        assert!(due(&mut p, 1599 * S).is_empty());
        assert_eq!(due(&mut p, 1600 * S), ["ratio"], "capped at 10 minutes");
        p.answered("ratio", true, 1601 * S);
        assert_eq!(due(&mut p, 1660 * S), ["ratio"], "normal cadence again");
    }

    #[test]
    fn a_new_instrument_set_keeps_schedules_and_drops_old_urls() {
        let mut p = Polls::default();
        p.set(vec![poll(60, &["a", "b"])], 0);
        due(&mut p, 0);
        p.set(vec![poll(60, &["b", "c"])], 5 * S);
        assert_eq!(due(&mut p, 5 * S), ["c"], "b keeps its schedule, a is gone");
        assert_eq!(due(&mut p, 60 * S), ["b"]);
    }
}
