//! Reconnect pacing: exponential backoff with jitter, floored by the venue's own limit.
//!
//! Venues rate-limit connection attempts per IP (Binance 300 / 5 min, Kraken "no faster than
//! every 5 s", OKX 3/s), and a fleet of clients reconnecting in lockstep after an outage is how
//! those limits get hit; jitter spreads the retries out.

use serde::Deserialize;
use std::time::Duration;

/// The backoff policy (config `[feed.backoff]`).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackoffConfig {
    /// First retry delay, seconds.
    pub initial_s: f64,
    /// Growth per failed attempt.
    pub multiplier: f64,
    /// Longest delay, seconds.
    pub max_s: f64,
    /// Random spread as a fraction of the delay (0.2 = ±20 %).
    pub jitter: f64,
    /// A connection that stayed up this long resets the delay to `initial_s`.
    pub reset_after_s: f64,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        BackoffConfig {
            initial_s: 1.0,
            multiplier: 2.0,
            max_s: 60.0,
            jitter: 0.2,
            reset_after_s: 30.0,
        }
    }
}

impl BackoffConfig {
    /// Reject values that would make the loop spin or never retry.
    pub fn validate(&self) -> Result<(), String> {
        let finite = [
            self.initial_s,
            self.multiplier,
            self.max_s,
            self.jitter,
            self.reset_after_s,
        ]
        .iter()
        .all(|v| v.is_finite());
        if !finite {
            return Err("backoff values must be finite numbers".into());
        }
        if self.initial_s <= 0.0 || self.max_s < self.initial_s {
            return Err("backoff needs 0 < initial_s <= max_s".into());
        }
        if self.multiplier < 1.0 {
            return Err("backoff multiplier must be at least 1".into());
        }
        if !(0.0..1.0).contains(&self.jitter) {
            return Err("backoff jitter must be in [0, 1)".into());
        }
        Ok(())
    }
}

/// The state of one connection's retries.
#[derive(Clone, Debug)]
pub struct Backoff {
    cfg: BackoffConfig,
    floor: Duration,
    attempt: u32,
}

impl Backoff {
    /// A policy whose delays never go below `floor` (the venue's minimum reconnect interval).
    pub fn new(cfg: BackoffConfig, floor: Duration) -> Self {
        Backoff {
            cfg,
            floor,
            attempt: 0,
        }
    }

    /// The delay before the next attempt; `unit` in [0, 1) supplies the jitter (random live,
    /// fixed in tests).
    pub fn next_delay(&mut self, unit: f64) -> Duration {
        let base = (self.cfg.initial_s * self.cfg.multiplier.powi(self.attempt as i32))
            .min(self.cfg.max_s);
        self.attempt = self.attempt.saturating_add(1);
        let spread = 1.0 + self.cfg.jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
        Duration::from_secs_f64((base * spread).max(0.0)).max(self.floor)
    }

    /// The connection was up for `uptime`: a long enough life starts the sequence over.
    pub fn connected_for(&mut self, uptime: Duration) {
        if uptime.as_secs_f64() >= self.cfg.reset_after_s {
            self.attempt = 0;
        }
    }

    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_cap_and_respect_the_venue_floor() {
        let mut b = Backoff::new(BackoffConfig::default(), Duration::from_secs(5));
        let delays: Vec<f64> = (0..8).map(|_| b.next_delay(0.5).as_secs_f64()).collect();
        // 1 and 2 s are floored at Kraken's 5 s; then 8, 16, 32, capped at 60.
        assert_eq!(delays, [5.0, 5.0, 5.0, 8.0, 16.0, 32.0, 60.0, 60.0]);
    }

    #[test]
    fn jitter_spreads_within_bounds() {
        let cfg = BackoffConfig::default();
        let lo = Backoff::new(cfg, Duration::ZERO)
            .next_delay(0.0)
            .as_secs_f64();
        let hi = Backoff::new(cfg, Duration::ZERO)
            .next_delay(0.999_999)
            .as_secs_f64();
        assert!((lo - 0.8).abs() < 1e-9);
        assert!((hi - 1.2).abs() < 1e-5);
    }

    #[test]
    fn a_long_enough_connection_resets_the_sequence() {
        let mut b = Backoff::new(BackoffConfig::default(), Duration::ZERO);
        b.next_delay(0.5);
        b.next_delay(0.5);
        b.connected_for(Duration::from_secs(5));
        assert_eq!(b.attempts(), 2);
        b.connected_for(Duration::from_secs(31));
        assert_eq!(b.next_delay(0.5), Duration::from_secs(1));
    }

    #[test]
    fn bad_policies_are_rejected_with_a_reason() {
        let bad = BackoffConfig {
            multiplier: 0.5,
            ..BackoffConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("multiplier"));
        let bad = BackoffConfig {
            initial_s: f64::NAN,
            ..BackoffConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("finite"));
        assert!(BackoffConfig::default().validate().is_ok());
    }
}
