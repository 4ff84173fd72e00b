//! Reconnect pacing: exponential backoff with jitter, floored by the venue's own limit.
//!
//! Venues rate-limit connection attempts per IP (Binance 300 / 5 min, Kraken "no faster than
//! every 5 s", OKX 3/s), and a fleet of clients reconnecting in lockstep after an outage is how
//! those limits get hit; jitter spreads the retries out.
//!
//! The delay grows only while connections fail to connect or fail before their books sync. A
//! connection that delivered live books proves the venue reachable: its loss is a plain drop
//! (a restart, a load balancer), so the sequence starts over and the first retry is at once,
//! without jitter: every book of the connection is down until it is back, and under the fault
//! storm of issue 19 the jitter's mean 100 ms was two thirds of each outage. One client's one
//! dial is no herd; the venue's limit still paces dials, not outages. The limits count dials
//! per interval (OKX 3 a second, Kraken one per 5 s, Binance 300 and Bybit 500 per 5 minutes),
//! so a venue's floor allows a burst of dials within the burst's multiple of the floor: a quick
//! retry goes at once while the window has room. A retry after that one fails is jittered as
//! any other.

use serde::Deserialize;
use std::collections::VecDeque;
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
    /// The venue's limit: at most `burst` dials within `burst × floor` (Kraken: one per 5 s;
    /// OKX: three per second), so the long-run rate is one dial per `floor`.
    floor: Duration,
    burst: usize,
    attempt: u32,
    /// Set when the last connection proved itself: the next retry is at once, paced only by
    /// the venue's limit.
    proven: bool,
    /// Time on the backoff's own clock: the waits and connection lifetimes so far. Dial
    /// latencies are left out, so dials look closer together than they were (the safe side
    /// of the venue's limit).
    clock: Duration,
    /// When the last `burst` dials were made, on that clock, oldest first.
    dials: VecDeque<Duration>,
}

impl Backoff {
    /// A policy whose delays never go below `floor` (the venue's minimum reconnect interval),
    /// one dial per `floor` at most; the first dial is now.
    pub fn new(cfg: BackoffConfig, floor: Duration) -> Self {
        Backoff {
            cfg,
            floor,
            burst: 1,
            attempt: 0,
            proven: false,
            clock: Duration::ZERO,
            dials: VecDeque::from([Duration::ZERO]),
        }
    }

    /// Allow `burst` dials back to back within `burst × floor` (at least 1): a venue that
    /// counts dials per window (OKX: 3 per second) lets a quick retry go at once where a fixed
    /// interval would make it wait.
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = (burst as usize).max(1);
        self
    }

    /// How long the venue's limit holds the next dial back.
    fn pacing(&self) -> Duration {
        match self.dials.front() {
            Some(&oldest) if self.dials.len() >= self.burst => {
                let window = self.floor.saturating_mul(self.burst as u32);
                oldest.saturating_add(window).saturating_sub(self.clock)
            }
            _ => Duration::ZERO,
        }
    }

    /// The delay before the next attempt; `unit` in [0, 1) supplies the jitter (random live,
    /// fixed in tests).
    pub fn next_delay(&mut self, unit: f64) -> Duration {
        let unit = unit.clamp(0.0, 1.0);
        let pacing = self.pacing();
        let delay = if std::mem::take(&mut self.proven) {
            pacing
        } else {
            let base = (self.cfg.initial_s * self.cfg.multiplier.powi(self.attempt as i32))
                .min(self.cfg.max_s);
            self.attempt = self.attempt.saturating_add(1);
            let spread = 1.0 + self.cfg.jitter * (2.0 * unit - 1.0);
            Duration::from_secs_f64((base * spread).max(0.0))
                .max(self.floor)
                .max(pacing)
        };
        self.clock = self.clock.saturating_add(delay);
        self.dials.push_back(self.clock);
        while self.dials.len() > self.burst {
            self.dials.pop_front();
        }
        delay
    }

    /// A connection ended after `uptime`; `synced` if it delivered live books (or, carrying
    /// none, data). Either, or a long enough life, starts the sequence over.
    pub fn connection_ended(&mut self, uptime: Duration, synced: bool) {
        self.clock = self.clock.saturating_add(uptime);
        if synced || uptime.as_secs_f64() >= self.cfg.reset_after_s {
            self.attempt = 0;
            self.proven = true;
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
        assert_eq!(b.next_delay(0.5), Duration::ZERO);
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
            assert_eq!(b.next_delay(0.99), Duration::ZERO, "at once, no jitter");
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
        assert_eq!(kraken.next_delay(0.5), Duration::ZERO);
        kraken.connection_ended(Duration::from_secs(2), false);
        assert_eq!(
            kraken.next_delay(0.5),
            Duration::from_secs(5),
            "a failure keeps the floor"
        );
    }

    /// A venue that counts dials per window (OKX: 3 a second) lets quick retries go at once
    /// until the window's dials are spent; then the oldest dial in it paces the next one.
    #[test]
    fn a_burst_of_dials_goes_at_once_within_the_venues_window() {
        let third = Duration::from_millis(334);
        let mut okx = Backoff::new(BackoffConfig::default(), third).with_burst(3);
        let ms = |d: Duration| d.as_millis();
        okx.connection_ended(Duration::from_millis(100), true);
        assert_eq!(
            okx.next_delay(0.5),
            Duration::ZERO,
            "2nd dial in the window"
        );
        okx.connection_ended(Duration::from_millis(100), true);
        assert_eq!(
            okx.next_delay(0.5),
            Duration::ZERO,
            "3rd dial in the window"
        );
        okx.connection_ended(Duration::from_millis(100), true);
        // Dials at 0, 100 and 200 ms: the 4th waits for 0 + 1,002 ms.
        assert_eq!(ms(okx.next_delay(0.5)), 1002 - 300);
        // A long-lived connection: the window is clear again.
        okx.connection_ended(Duration::from_secs(10), true);
        assert_eq!(okx.next_delay(0.5), Duration::ZERO);
        // Never more than 3 dials in any 1,002 ms, whatever the lifetimes.
        let mut b = Backoff::new(BackoffConfig::default(), third).with_burst(3);
        let mut at = vec![Duration::ZERO];
        let mut clock = Duration::ZERO;
        for life in [5u64, 0, 40, 1, 700, 0, 0, 3, 90, 2] {
            let life = Duration::from_millis(life);
            b.connection_ended(life, true);
            clock += life;
            clock += b.next_delay(0.5);
            at.push(clock);
        }
        for w in at.windows(4) {
            assert!(w[3] - w[0] >= third * 3, "dials at {w:?}");
        }
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
