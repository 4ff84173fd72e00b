//! The slow per-minute baselines of one book: the trailing 24 h that `liquidity_risk` ranks the
//! current state against (§4.2), and the trailing hour of near-touch depth that cascade stress
//! measures thinning against (§3.8).
//!
//! Samples come from valid, fresh books only: an invalid or stale minute is not a sample of the
//! market (§0.2, §0.3). A minute's sample is the first fresh state seen in it.
//!
//! The current state is ranked every tick against a baseline that changes once a minute, so each
//! series is also kept sorted: a rank is then two binary searches instead of a scan of 1440
//! samples (§0.6 suggests sorting on demand once a minute; keeping the order on insert and
//! eviction costs one small memmove a minute instead).

use std::collections::VecDeque;

use crate::engine::warm::MinuteSeries;
use crate::features::composites::{
    LiquidityBaselines, LiquidityRisk, SlippageInput, liquidity_risk_sorted,
};
use crate::market::{Millis, Side};

const MINUTE: Millis = 60_000;
const DAY: Millis = 86_400_000;
const HOUR: Millis = 3_600_000;
/// §4.2: fewer baseline samples than this → `None`.
const LIQUIDITY_MIN_SAMPLES: usize = 60;
/// §3.8's `median_1h` under the §0.2 warm-up rule: half the hour sampled.
const DEPTH_MIN_SAMPLES: usize = 30;

/// One sample per minute over a trailing horizon, in time order and in value order.
#[derive(Clone, Debug)]
struct SortedMinutes {
    horizon: Millis,
    by_time: VecDeque<(i64, f64)>,
    sorted: Vec<f64>,
}

impl SortedMinutes {
    fn new(horizon: Millis) -> Self {
        SortedMinutes {
            horizon,
            by_time: VecDeque::new(),
            sorted: Vec::new(),
        }
    }

    /// Records `value` as the sample of `t`'s minute unless that minute already has one;
    /// `true` if it was taken. A minute older than the newest sample is put in its place (a
    /// past built or fetched after the later minutes were restored) unless it is already
    /// beyond the horizon.
    fn push(&mut self, t: Millis, value: f64) -> bool {
        let minute = t.div_euclid(MINUTE);
        if !value.is_finite() {
            return false;
        }
        match self.by_time.back() {
            Some(&(last, _)) if last >= minute => {
                if (last - minute) * MINUTE >= self.horizon {
                    return false;
                }
                let Err(at) = self.by_time.binary_search_by_key(&minute, |&(m, _)| m) else {
                    return false;
                };
                self.by_time.insert(at, (minute, value));
            }
            _ => self.by_time.push_back((minute, value)),
        }
        let at = self.sorted.partition_point(|&v| v < value);
        self.sorted.insert(at, value);
        self.evict(t);
        true
    }

    /// The samples in `(now − horizon, now]`, ascending.
    fn sorted(&mut self, now: Millis) -> &[f64] {
        self.evict(now);
        &self.sorted
    }

    fn median(&mut self, now: Millis, min_samples: usize) -> Option<f64> {
        let v = self.sorted(now);
        let n = v.len();
        (n >= min_samples.max(1)).then(|| {
            if n % 2 == 1 {
                v[n / 2]
            } else {
                (v[n / 2 - 1] + v[n / 2]) / 2.0
            }
        })
    }

    fn evict(&mut self, now: Millis) {
        let cutoff = (now - self.horizon).div_euclid(MINUTE);
        while let Some(&(m, value)) = self.by_time.front() {
            if m > cutoff {
                break;
            }
            self.by_time.pop_front();
            // The value is in `sorted` (both hold the same samples); `get` keeps this panic-free
            // regardless.
            let at = self.sorted.partition_point(|&v| v < value);
            if self.sorted.get(at).is_some() {
                self.sorted.remove(at);
            }
        }
    }
}

/// The current state the baselines rank and record.
#[derive(Clone, Copy, Debug, Default)]
pub struct LiquiditySample {
    pub spread_bps: Option<f64>,
    /// `$D(10 bps)`, both sides.
    pub depth_10bps: Option<f64>,
    pub slippage: Option<SlippageInput>,
    pub spread_volatility: Option<f64>,
    /// `$D(50 bps)` per side `[bid, ask]`.
    pub depth_50bps: [Option<f64>; 2],
}

#[derive(Clone, Debug)]
pub struct Baselines {
    spread: SortedMinutes,
    depth_10bps: SortedMinutes,
    slippage: SortedMinutes,
    spread_volatility: SortedMinutes,
    depth_50bps: [SortedMinutes; 2],
    /// Samples taken since the last [`take_new`](Self::take_new), for the history; `None`
    /// while nothing records them.
    new: Option<Vec<(MinuteSeries, Millis, f64)>>,
}

/// Samples kept for the history between two drains (a drain comes every second; this only
/// bounds memory if the recorder stops draining).
const NEW_CAP: usize = 64;

impl Default for Baselines {
    fn default() -> Self {
        Baselines {
            spread: SortedMinutes::new(DAY),
            depth_10bps: SortedMinutes::new(DAY),
            slippage: SortedMinutes::new(DAY),
            spread_volatility: SortedMinutes::new(DAY),
            depth_50bps: [SortedMinutes::new(HOUR), SortedMinutes::new(HOUR)],
            new: None,
        }
    }
}

fn side_index(side: Side) -> usize {
    match side {
        Side::Bid => 0,
        Side::Ask => 1,
    }
}

impl Baselines {
    /// `liquidity_risk` of `now`'s state against the trailing 24 h.
    pub fn liquidity_risk(&mut self, now: Millis, s: &LiquiditySample) -> LiquidityRisk {
        liquidity_risk_sorted(
            s.spread_bps,
            s.depth_10bps,
            s.slippage.unwrap_or(SlippageInput::Unknown),
            s.spread_volatility,
            &LiquidityBaselines {
                spread_bps: self.spread.sorted(now),
                depth_10bps: self.depth_10bps.sorted(now),
                slippage_bps: self.slippage.sorted(now),
                spread_volatility: self.spread_volatility.sorted(now),
            },
            LIQUIDITY_MIN_SAMPLES,
        )
    }

    /// Samples held at `now`, and how many are needed: `liquidity_risk` (its two required
    /// baselines, the emptier one) and the cascade thinning median (the fuller side).
    pub fn warmup(&mut self, now: Millis) -> [(usize, usize); 2] {
        let liquidity = self
            .spread
            .sorted(now)
            .len()
            .min(self.depth_10bps.sorted(now).len());
        let [bid, ask] = &mut self.depth_50bps;
        let depth = bid.sorted(now).len().max(ask.sorted(now).len());
        [
            (liquidity, LIQUIDITY_MIN_SAMPLES),
            (depth, DEPTH_MIN_SAMPLES),
        ]
    }

    /// `median_1h($D(50 bps))` on `side`.
    pub fn depth_median(&mut self, now: Millis, side: Side) -> Option<f64> {
        self.depth_50bps[side_index(side)].median(now, DEPTH_MIN_SAMPLES)
    }

    /// Records `now`'s state as its minute's sample, unless the minute has one already.
    pub fn record(&mut self, now: Millis, s: &LiquiditySample) {
        let slippage = match s.slippage {
            Some(SlippageInput::Bps(b)) => Some(b),
            _ => None,
        };
        for (name, value) in [
            (MinuteSeries::Spread, s.spread_bps),
            (MinuteSeries::Depth10, s.depth_10bps),
            (MinuteSeries::Slippage, slippage),
            (MinuteSeries::SpreadVolatility, s.spread_volatility),
            (MinuteSeries::Depth50Bid, s.depth_50bps[0]),
            (MinuteSeries::Depth50Ask, s.depth_50bps[1]),
        ] {
            let Some(v) = value else { continue };
            let Some(series) = self.series(name) else {
                continue;
            };
            if series.push(now, v)
                && let Some(new) = self.new.as_mut()
                && new.len() < NEW_CAP
            {
                new.push((name, now, v));
            }
        }
    }

    fn series(&mut self, name: MinuteSeries) -> Option<&mut SortedMinutes> {
        let [bid, ask] = &mut self.depth_50bps;
        Some(match name {
            MinuteSeries::Spread => &mut self.spread,
            MinuteSeries::Depth10 => &mut self.depth_10bps,
            MinuteSeries::Slippage => &mut self.slippage,
            MinuteSeries::SpreadVolatility => &mut self.spread_volatility,
            MinuteSeries::Depth50Bid => bid,
            MinuteSeries::Depth50Ask => ask,
            MinuteSeries::Cvd
            | MinuteSeries::LargeBuy
            | MinuteSeries::LargeSell
            | MinuteSeries::Volume => return None,
        })
    }

    /// Restores one minute's sample (oldest first, before live samples); `false` for a series
    /// that is not a book baseline.
    pub fn seed(&mut self, name: MinuteSeries, t: Millis, value: f64) -> bool {
        self.series(name).map(|s| s.push(t, value)).is_some()
    }

    /// From now on, keep the samples taken for [`take_new`](Self::take_new).
    pub fn record_new(&mut self) {
        self.new.get_or_insert_with(Vec::new);
    }

    /// The samples taken since the last call.
    pub fn take_new(&mut self) -> Vec<(MinuteSeries, Millis, f64)> {
        self.new.as_mut().map(std::mem::take).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::assert_close;

    #[test]
    fn minute_samples_stay_sorted_through_insert_and_eviction() {
        let mut m = SortedMinutes::new(3 * MINUTE);
        m.push(0, 5.0);
        // The minute has its sample already.
        m.push(30_000, 1.0);
        m.push(MINUTE, 2.0);
        m.push(2 * MINUTE + 1, f64::NAN);
        m.push(2 * MINUTE + 2, 9.0);
        assert_eq!(m.sorted(2 * MINUTE + 2), [2.0, 5.0, 9.0]);
        assert_eq!(m.median(2 * MINUTE + 2, 3), Some(5.0));
        assert_eq!(m.median(2 * MINUTE + 2, 4), None);
        // Minute 0 leaves the 3-minute window.
        m.push(3 * MINUTE, 2.0);
        assert_eq!(m.sorted(3 * MINUTE), [2.0, 2.0, 9.0]);
        assert_eq!(m.sorted(5 * MINUTE), [2.0]);
        assert_eq!(m.median(5 * MINUTE, 1), Some(2.0));
    }

    /// A past that arrives after later minutes (the demo's older hours, built while it runs)
    /// takes its place in both orders; a minute already sampled or beyond the horizon does not.
    #[test]
    fn older_minutes_are_put_in_their_place() {
        let mut m = SortedMinutes::new(10 * MINUTE);
        assert!(m.push(8 * MINUTE, 4.0));
        assert!(m.push(9 * MINUTE, 1.0));
        assert!(m.push(3 * MINUTE, 3.0));
        assert!(m.push(5 * MINUTE, 7.0));
        assert!(!m.push(5 * MINUTE + 30_000, 2.0), "minute 5 has its sample");
        assert!(!m.push(-MINUTE, 2.0), "ten minutes before the newest");
        let minutes: Vec<i64> = m.by_time.iter().map(|&(t, _)| t).collect();
        assert_eq!(minutes, [3, 5, 8, 9]);
        assert_eq!(m.sorted(9 * MINUTE), [1.0, 3.0, 4.0, 7.0]);
        // The oldest leave first.
        assert_eq!(m.sorted(13 * MINUTE + 1), [1.0, 4.0, 7.0]);
        assert_eq!(m.sorted(15 * MINUTE + 1), [1.0, 4.0]);
    }

    #[test]
    fn spec_liquidity_risk_through_minute_baselines() {
        // §4.2's baselines, one sample a minute, then the current state (4, 6, 6, 0.8): the spec
        // needs 60 samples, so each of its ten values is repeated six times (ranks unchanged).
        let spread = [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0];
        let depth = [5.0, 6.0, 7.0, 8.0, 8.0, 9.0, 10.0, 11.0, 12.0, 14.0];
        let slip = [2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 4.0, 5.0, 6.0, 8.0];
        let vol = [0.2, 0.3, 0.3, 0.4, 0.5, 0.5, 0.6, 0.8, 1.0, 1.5];
        let mut b = Baselines::default();
        for i in 0..60 {
            let k = i % 10;
            b.record(
                i as Millis * 60_000,
                &LiquiditySample {
                    spread_bps: Some(spread[k]),
                    depth_10bps: Some(depth[k]),
                    slippage: Some(SlippageInput::Bps(slip[k])),
                    spread_volatility: Some(vol[k]),
                    depth_50bps: [Some(1.0), None],
                },
            );
        }
        let now = 60 * 60_000 - 1;
        let current = LiquiditySample {
            spread_bps: Some(4.0),
            depth_10bps: Some(6.0),
            slippage: Some(SlippageInput::Bps(6.0)),
            spread_volatility: Some(0.8),
            depth_50bps: [None; 2],
        };
        let r = b.liquidity_risk(now, &current);
        assert_close(r.value.unwrap(), 0.825);
        assert_eq!(b.depth_median(now, Side::Bid), Some(1.0));
        assert_eq!(b.depth_median(now, Side::Ask), None);
        // One sample short of the 60 the spec asks for: no value.
        let mut short = Baselines::default();
        for i in 0..59 {
            short.record(
                i as Millis * 60_000,
                &LiquiditySample {
                    spread_bps: Some(1.0),
                    depth_10bps: Some(1.0),
                    ..LiquiditySample::default()
                },
            );
        }
        assert_eq!(short.liquidity_risk(now, &current).value, None);
    }
}
