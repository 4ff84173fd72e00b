//! Liquidation flow (§3.5, §3.6) and the liquidation-side inputs of cascade stress (§3.8).
//!
//! Venues sample their liquidation streams differently (Binance `forceOrder`: at most one per
//! symbol per second, the latest only; Bybit `allLiquidation`: every 500 ms), so counts are lower
//! bounds and never comparable across venues. Every reading carries its venue's
//! [`LiquidationSampling`]; prefer notional rates, which throttling distorts less.

use crate::market::{LiquidatedPosition, Millis, Side};

use super::Liquidation;
use super::num::ratio;
use super::window::{DecayedSum, ObservedSince, RollingSum};

/// How completely a venue's stream reports liquidations (§3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiquidationSampling {
    /// Binance `forceOrder`: the latest liquidation per symbol per 1000 ms.
    Throttled1s,
    /// Bybit `allLiquidation`: pushed every 500 ms.
    Throttled500ms,
    Complete,
    /// The venue says its stream is not a complete history and gives no rate (OKX
    /// `liquidation-orders`).
    Incomplete,
}

impl LiquidationSampling {
    pub const fn as_str(self) -> &'static str {
        match self {
            LiquidationSampling::Throttled1s => "throttled_1s",
            LiquidationSampling::Throttled500ms => "throttled_500ms",
            LiquidationSampling::Complete => "complete",
            LiquidationSampling::Incomplete => "incomplete",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiquidationConfig {
    /// `liq_count_1m`, `liq_notional_1m`.
    pub window: Millis,
    /// Cascade-stress window for burstiness, `LSI_5m` and the gate.
    pub stress_window: Millis,
    /// EWMA time constant of the reported rate and of `r_fast`.
    pub tau: Millis,
    /// `r_slow` of §3.8.
    pub tau_slow: Millis,
}

impl Default for LiquidationConfig {
    fn default() -> Self {
        LiquidationConfig {
            window: 60_000,
            stress_window: 300_000,
            tau: 60_000,
            tau_slow: 900_000,
        }
    }
}

/// Liquidations over one window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiquidationWindow {
    pub window: Millis,
    /// A lower bound on throttled venues.
    pub count: usize,
    pub notional: f64,
    pub long_notional: f64,
    pub short_notional: f64,
    /// `long_short_liq_imbalance = (L_long − L_short)/(L_long + L_short)` ∈ [−1, 1] on notional;
    /// positive means longs are being flushed. `None` without liquidations.
    pub long_short_imbalance: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiquidationReadings {
    pub sampling: LiquidationSampling,
    /// `liq_count_1m`, `liq_notional_1m`, `LSI`; `None` in warm-up.
    pub recent: Option<LiquidationWindow>,
    /// The EWMA rate `(1/τ) Σ e^{−(t − t_i)/τ}`, per minute.
    pub rate_count_per_min: Option<f64>,
    /// The same weighted by notional, quote per minute.
    pub rate_notional_per_min: Option<f64>,
}

/// The liquidation-side inputs of `cascade_stress` (§3.8).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CascadeFlow {
    /// EWMA notional rates per second, τ = 60 s and 900 s.
    pub r_fast: f64,
    pub r_slow: f64,
    /// Goh–Barabási burstiness `B = (σ − μ)/(σ + μ)` of inter-liquidation times over the stress
    /// window (population std); `None` with fewer than 5 events.
    pub burstiness: Option<f64>,
    pub long_short_imbalance: Option<f64>,
    pub notional: f64,
    /// The book side being hit: bids when longs are liquidated (their forced sells), asks for
    /// shorts. `None` without liquidations.
    pub side_hit: Option<Side>,
    /// Whether the stress window is half covered by the observed stream.
    pub warm: bool,
}

const COUNT: usize = 0;
const NOTIONAL: usize = 1;
const LONG: usize = 2;
const SHORT: usize = 3;
const HAS_IET: usize = 4;
const IET: usize = 5;
const IET_SQ: usize = 6;

/// The liquidation tracker for one venue-symbol.
#[derive(Clone, Debug)]
pub struct LiquidationTracker {
    sampling: LiquidationSampling,
    observed: ObservedSince,
    last_t: Option<Millis>,
    recent: RollingSum<4>,
    /// `[count, notional, long, short, has_iet, iet_s, iet_s²]`, the iet being to the previous
    /// liquidation.
    stress: RollingSum<7>,
    count_rate: DecayedSum,
    notional_rate: DecayedSum,
    notional_rate_slow: DecayedSum,
    tau: Millis,
}

impl LiquidationTracker {
    pub fn new(cfg: LiquidationConfig, sampling: LiquidationSampling) -> Self {
        LiquidationTracker {
            sampling,
            observed: ObservedSince::default(),
            last_t: None,
            recent: RollingSum::new(cfg.window),
            stress: RollingSum::new(cfg.stress_window),
            count_rate: DecayedSum::new(cfg.tau),
            notional_rate: DecayedSum::new(cfg.tau),
            notional_rate_slow: DecayedSum::new(cfg.tau_slow),
            tau: cfg.tau,
        }
    }

    /// The stream's sampling as its venue says it (a tracker restored from the history learns
    /// it again from the first live liquidation).
    pub fn set_sampling(&mut self, sampling: LiquidationSampling) {
        self.sampling = sampling;
    }

    /// The stream has been subscribed since `t`: a quiet stream then reads zero liquidations
    /// instead of warming up until the first one.
    pub fn observe_since(&mut self, t: Millis) {
        self.observed.observe(t);
    }

    /// Starts the rates at `t` from the mean rates of the restored run that follows
    /// (`count_per_s`, `notional_per_s`): the restored seconds then add to the level they kept
    /// before it instead of to zero, so the 15-min slow rate of a 5-min run reads its level, not
    /// 28 % of it (which made cascade stress's acceleration read as if liquidations had tripled).
    pub fn prime(&mut self, t: Millis, count_per_s: f64, notional_per_s: f64) {
        self.count_rate.prime(t, count_per_s);
        self.notional_rate.prime(t, notional_per_s);
        self.notional_rate_slow.prime(t, notional_per_s);
    }

    pub fn on_liquidation(&mut self, liq: &Liquidation) {
        if !(liq.notional.is_finite() && liq.notional >= 0.0) {
            return;
        }
        let t = self.last_t.map_or(liq.t, |last| liq.t.max(last));
        let iet = self.last_t.map(|last| (t - last) as f64 / 1000.0);
        self.last_t = Some(t);
        self.observed.observe(t);
        let (long, short) = match liq.position {
            LiquidatedPosition::Long => (liq.notional, 0.0),
            LiquidatedPosition::Short => (0.0, liq.notional),
        };
        self.recent.push(t, [1.0, liq.notional, long, short]);
        let (has, iet) = iet.map_or((0.0, 0.0), |d| (1.0, d));
        self.stress
            .push(t, [1.0, liq.notional, long, short, has, iet, iet * iet]);
        self.count_rate.add(t, 1.0);
        self.notional_rate.add(t, liq.notional);
        self.notional_rate_slow.add(t, liq.notional);
    }

    pub fn readings(&mut self, now: Millis) -> LiquidationReadings {
        let window = self.recent.window();
        let warm_window = self.observed.warm(now, window);
        let warm_rate = self.observed.warm(now, self.tau);
        let s = self.recent.sums_at(now);
        LiquidationReadings {
            sampling: self.sampling,
            recent: warm_window.then(|| LiquidationWindow {
                window,
                count: s[COUNT].round() as usize,
                notional: s[NOTIONAL],
                long_notional: s[LONG],
                short_notional: s[SHORT],
                long_short_imbalance: ratio(s[LONG] - s[SHORT], s[LONG] + s[SHORT]),
            }),
            rate_count_per_min: warm_rate.then(|| 60.0 * self.count_rate.rate_per_sec(now)),
            rate_notional_per_min: warm_rate.then(|| 60.0 * self.notional_rate.rate_per_sec(now)),
        }
    }

    pub fn cascade_flow(&mut self, now: Millis) -> CascadeFlow {
        let mut s = self.stress.sums_at(now);
        // The oldest event's inter-event time reaches back outside the window: drop it.
        if let Some((_, front)) = self.stress.front() {
            for i in [HAS_IET, IET, IET_SQ] {
                s[i] -= front[i];
            }
        }
        let events = s[COUNT].round() as usize;
        let n_iet = s[HAS_IET].round();
        let burstiness = (events >= 5 && n_iet > 0.0)
            .then(|| {
                let mean = s[IET] / n_iet;
                let std = (s[IET_SQ] / n_iet - mean * mean).max(0.0).sqrt();
                ratio(std - mean, std + mean)
            })
            .flatten();
        let side_hit = (s[LONG] + s[SHORT] > 0.0).then(|| {
            if s[LONG] >= s[SHORT] {
                Side::Bid
            } else {
                Side::Ask
            }
        });
        CascadeFlow {
            r_fast: self.notional_rate.rate_per_sec(now),
            r_slow: self.notional_rate_slow.rate_per_sec(now),
            burstiness,
            long_short_imbalance: ratio(s[LONG] - s[SHORT], s[LONG] + s[SHORT]),
            notional: s[NOTIONAL],
            side_hit,
            warm: self.observed.warm(now, self.stress.window()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::{assert_close, assert_some_close, secs};

    /// A run restored from the history starts the rates at its own mean: 5 minutes of $1,000
    /// a second give the 15-min slow rate $1,000/s, where a rate started from zero reads 28 %.
    #[test]
    fn a_primed_run_reads_its_level() {
        let run = |prime: bool| {
            let mut tr = LiquidationTracker::new(
                LiquidationConfig::default(),
                LiquidationSampling::Throttled1s,
            );
            tr.observe_since(0);
            if prime {
                tr.prime(0, 1.0, 1_000.0);
            }
            for s in 1..=300 {
                tr.on_liquidation(&Liquidation {
                    t: secs(s),
                    position: LiquidatedPosition::Long,
                    notional: 1_000.0,
                });
            }
            tr.cascade_flow(secs(300))
        };
        let primed = run(true);
        assert!(
            (primed.r_slow / 1_000.0 - 1.0).abs() < 0.01,
            "{}",
            primed.r_slow
        );
        assert!(
            (primed.r_fast / 1_000.0 - 1.0).abs() < 0.01,
            "{}",
            primed.r_fast
        );
        let cold = run(false);
        assert!(
            (cold.r_slow / 1_000.0 - 0.28).abs() < 0.01,
            "{}",
            cold.r_slow
        );
    }

    /// §3.5 liquidations `(t s, Binance order side, $)`: a SELL order closes a long.
    fn spec_tracker() -> LiquidationTracker {
        let mut tr = LiquidationTracker::new(
            LiquidationConfig::default(),
            LiquidationSampling::Throttled1s,
        );
        tr.observe_since(0);
        let events = [
            (5, "SELL", 20e3),
            (12, "SELL", 50e3),
            (13, "SELL", 10e3),
            (14, "BUY", 5e3),
            (40, "SELL", 100e3),
            (41, "SELL", 30e3),
            (58, "BUY", 15e3),
        ];
        for (t, side, notional) in events {
            let position = if side == "SELL" {
                LiquidatedPosition::Long
            } else {
                LiquidatedPosition::Short
            };
            tr.on_liquidation(&Liquidation {
                t: secs(t),
                position,
                notional,
            });
        }
        tr
    }

    #[test]
    fn spec_rate_counts_and_imbalance() {
        let mut tr = spec_tracker();
        let r = tr.readings(secs(60));
        assert_eq!(r.sampling.as_str(), "throttled_1s");
        let w = r.recent.unwrap();
        assert_eq!(w.count, 7);
        assert_close(w.notional, 230e3);
        assert_close(w.long_notional, 210e3);
        assert_close(w.short_notional, 20e3);
        assert_some_close(w.long_short_imbalance, 0.8260869565);
        assert_some_close(r.rate_count_per_min, 4.182939158);
    }

    #[test]
    fn burstiness_of_the_spec_events() {
        // features_check.py: inter-event times [7,1,1,26,1,17] → B = 0.03972170287.
        let mut tr = spec_tracker();
        let c = tr.cascade_flow(secs(60));
        assert_some_close(c.burstiness, 0.03972170287);
        assert_eq!(c.side_hit, Some(Side::Bid));
        assert_close(c.notional, 230e3);
        assert!(c.r_fast > c.r_slow);
    }

    #[test]
    fn burstiness_drops_the_iet_reaching_outside_the_window() {
        let mut tr = LiquidationTracker::new(
            LiquidationConfig {
                stress_window: secs(60),
                ..LiquidationConfig::default()
            },
            LiquidationSampling::Complete,
        );
        // Events at 0, 100, then the §3.8 pattern starting at 200 s.
        let mut t = 0;
        for dt in [100, 100, 1, 1, 2, 1, 10, 1, 1, 15] {
            tr.on_liquidation(&Liquidation {
                t: secs(t),
                position: LiquidatedPosition::Long,
                notional: 1.0,
            });
            t += dt;
        }
        tr.on_liquidation(&Liquidation {
            t: secs(t),
            position: LiquidatedPosition::Long,
            notional: 1.0,
        });
        // Window (172, 232]: events at 200..232, IETs [1,1,2,1,10,1,1,15] (the 100 s gap before
        // 200 is out).
        assert_some_close(tr.cascade_flow(secs(232)).burstiness, 0.1184034605);
    }

    #[test]
    fn few_events_or_warm_up_give_none() {
        let mut tr =
            LiquidationTracker::new(LiquidationConfig::default(), LiquidationSampling::Complete);
        assert_eq!(tr.readings(secs(10)).recent, None);
        tr.observe_since(0);
        assert_eq!(tr.readings(secs(29)).recent, None);
        let r = tr.readings(secs(30));
        let w = r.recent.unwrap();
        assert_eq!(w.count, 0);
        assert_eq!(w.long_short_imbalance, None);
        assert_eq!(r.rate_count_per_min, Some(0.0));
        for t in 0..4 {
            tr.on_liquidation(&Liquidation {
                t: secs(31 + t),
                position: LiquidatedPosition::Short,
                notional: 1.0,
            });
        }
        let c = tr.cascade_flow(secs(40));
        assert_eq!(c.burstiness, None);
        assert_eq!(c.side_hit, Some(Side::Ask));
    }
}
