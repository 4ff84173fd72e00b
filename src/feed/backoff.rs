//! Reconnect pacing: exponential backoff with jitter, floored by the venue's own limit.
//!
//! Venues rate-limit connection attempts per IP (Binance 300 / 5 min, Kraken "no faster than
//! every 5 s", OKX 3/s), and a fleet of clients reconnecting in lockstep after an outage is how
//! those limits get hit; jitter spreads the retries out.
//!
//! The delay grows only while connections fail to connect or fail before their books sync. A
//! connection that delivered live books proves the venue reachable: its loss is a plain drop
//! (a restart, a load balancer), so the sequence starts over and the first retry is at once,
//! spread by the jitter. The venue's floor then paces dials, not outages: the next dial is no
//! sooner than the floor after the previous one, which is what the venues' limits count
//! (connection attempts per interval).

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
    /// A connection that stayed up this long resets the sequence even if it never synced a
    /// book (one that delivered live books resets it at once).
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
    /// Set when the last connection proved itself: the next retry is quick, and how long that
    /// connection lived (so dials stay at least `initial_s` apart).
    proven: Option<Duration>,
}

impl Backoff {
    /// A policy whose delays never go below `floor` (the venue's minimum reconnect interval).
    pub fn new(cfg: BackoffConfig, floor: Duration) -> Self {
        Backoff {
            cfg,
            floor,
            attempt: 0,
            proven: None,
        }
    }

    /// The delay before the next attempt; `unit` in [0, 1) supplies the jitter (random live,
    /// fixed in tests).
    pub fn next_delay(&mut self, unit: f64) -> Duration {
        let unit = unit.clamp(0.0, 1.0);
        if let Some(uptime) = self.proven.take() {
            let spread = Duration::from_secs_f64(self.cfg.initial_s * self.cfg.jitter * unit);
            let pacing = self.floor.saturating_sub(uptime);
            return spread.max(pacing);
        }
        let base = (self.cfg.initial_s * self.cfg.multiplier.powi(self.attempt as i32))
            .min(self.cfg.max_s);
        self.attempt = self.attempt.saturating_add(1);
        let spread = 1.0 + self.cfg.jitter * (2.0 * unit - 1.0);
        Duration::from_secs_f64((base * spread).max(0.0)).max(self.floor)
    }

    /// A connection ended after `uptime`; `synced` if it delivered live books (or, carrying
    /// none, data). Either, or a long enough life, starts the sequence over.
    pub fn connection_ended(&mut self, uptime: Duration, synced: bool) {
        if synced || uptime.as_secs_f64() >= self.cfg.reset_after_s {
            self.attempt = 0;
            self.proven = Some(uptime);
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
        b.connection_ended(Duration::from_secs(5), false);
        assert_eq!(b.attempts(), 2);
        b.connection_ended(Duration::from_secs(31), false);
        assert_eq!(b.next_delay(0.5), Duration::from_millis(100));
        assert_eq!(b.next_delay(0.5), Duration::from_secs(1));
    }

    /// Under a fault storm connections rarely live 30 s, yet each one that synced its books
    /// proves the venue reachable: losing it must not grow the delay (issue 19: delays had
    /// reached 60 s).
    #[test]
    fn a_synced_connection_resets_at_once_and_only_failures_grow_the_delay() {
        let mut b = Backoff::new(BackoffConfig::default(), Duration::ZERO);
        for _ in 0..10 {
            b.connection_ended(Duration::from_secs(3), true);
            let quick = b.next_delay(0.5);
            assert_eq!(
                quick,
                Duration::from_millis(100),
                "jitter only: 0.2 x 1 s x 0.5"
            );
        }
        // A connection that dies before syncing grows the delay from there.
        b.connection_ended(Duration::from_millis(200), false);
        let grown: Vec<f64> = (0..3).map(|_| b.next_delay(0.5).as_secs_f64()).collect();
        assert_eq!(grown, [1.0, 2.0, 4.0]);
        // A venue that kills each connection right after it syncs is still dialled no faster
        // than its floor allows, counted between dials.
        let mut okx = Backoff::new(BackoffConfig::default(), Duration::from_millis(500));
        okx.connection_ended(Duration::from_millis(300), true);
        assert_eq!(okx.next_delay(0.0), Duration::from_millis(200));
        let mut kraken = Backoff::new(BackoffConfig::default(), Duration::from_secs(5));
        kraken.connection_ended(Duration::from_secs(2), true);
        assert_eq!(kraken.next_delay(0.5), Duration::from_secs(3));
        kraken.connection_ended(Duration::from_secs(60), true);
        assert_eq!(kraken.next_delay(0.5), Duration::from_millis(100));
        kraken.connection_ended(Duration::from_secs(2), false);
        assert_eq!(
            kraken.next_delay(0.5),
            Duration::from_secs(5),
            "a failure keeps the floor"
        );
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
