//! The slow per-minute baselines of one book: the trailing 24 h that `liquidity_risk` ranks the
//! current state against (§4.2), and the trailing hour of near-touch depth that cascade stress
//! measures thinning against (§3.8).
//!
//! Samples come from valid, fresh books only: an invalid or stale minute is not a sample of the
//! market (§0.2, §0.3).

use crate::features::baseline::MinuteSamples;
use crate::features::composites::{
    LiquidityBaselines, LiquidityRisk, SlippageInput, liquidity_risk,
};
use crate::market::{Millis, Side};

const DAY: Millis = 86_400_000;
const HOUR: Millis = 3_600_000;
/// §4.2: fewer baseline samples than this → `None`.
const LIQUIDITY_MIN_SAMPLES: usize = 60;
/// §3.8's `median_1h` under the §0.2 warm-up rule: half the hour sampled.
const DEPTH_MIN_SAMPLES: usize = 30;

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
    spread: MinuteSamples,
    depth_10bps: MinuteSamples,
    slippage: MinuteSamples,
    spread_volatility: MinuteSamples,
    depth_50bps: [MinuteSamples; 2],
}

impl Default for Baselines {
    fn default() -> Self {
        Baselines {
            spread: MinuteSamples::new(DAY),
            depth_10bps: MinuteSamples::new(DAY),
            slippage: MinuteSamples::new(DAY),
            spread_volatility: MinuteSamples::new(DAY),
            depth_50bps: [MinuteSamples::new(HOUR), MinuteSamples::new(HOUR)],
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
        let spread = self.spread.values(now);
        let depth = self.depth_10bps.values(now);
        let slippage = self.slippage.values(now);
        let spread_vol = self.spread_volatility.values(now);
        liquidity_risk(
            s.spread_bps,
            s.depth_10bps,
            s.slippage.unwrap_or(SlippageInput::Unknown),
            s.spread_volatility,
            &LiquidityBaselines {
                spread_bps: &spread,
                depth_10bps: &depth,
                slippage_bps: &slippage,
                spread_volatility: &spread_vol,
            },
            LIQUIDITY_MIN_SAMPLES,
        )
    }

    /// `median_1h($D(50 bps))` on `side`.
    pub fn depth_median(&mut self, now: Millis, side: Side) -> Option<f64> {
        self.depth_50bps[side_index(side)].median(now, DEPTH_MIN_SAMPLES)
    }

    /// Records `now`'s state as its minute's sample (the last one in a minute stands for it).
    pub fn record(&mut self, now: Millis, s: &LiquiditySample) {
        let slippage = match s.slippage {
            Some(SlippageInput::Bps(b)) => Some(b),
            _ => None,
        };
        let [bid_50bps, ask_50bps] = &mut self.depth_50bps;
        for (series, value) in [
            (&mut self.spread, s.spread_bps),
            (&mut self.depth_10bps, s.depth_10bps),
            (&mut self.slippage, slippage),
            (&mut self.spread_volatility, s.spread_volatility),
            (bid_50bps, s.depth_50bps[0]),
            (ask_50bps, s.depth_50bps[1]),
        ] {
            if let Some(v) = value {
                series.push(now, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::assert_close;

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
