//! Taker flow from trades: CVD, taker ratios, large trades (§1.9, §3.1–3.3) and the per-minute
//! series behind `whale_conviction` and `flow_momentum` (§4.3, §4.4).
//!
//! Trades are deduplicated by id and sided trades are merged into taker prints before the
//! large-trade threshold applies ([`prints`](super::prints)). CVD and volumes count every trade
//! at once; a large print counts once exchange time has moved past its millisecond (another fill
//! of the same order may still arrive until then), so `now` should be an exchange-time clock, not
//! the time of the last trade.

use smallvec::SmallVec;

use crate::market::{Millis, TakerSide};

use super::Trade;
use super::baseline::{MinuteBuckets, NotionalQuantile, closed_minutes_std};
use super::composites::{WhaleConviction, flow_momentum, whale_conviction};
use super::grid::GridSeries;
use super::num::{ols, ratio};
use super::prints::{PrintMerger, TakerPrint, TradeDedup};
use super::window::{MIN_COVERAGE, ObservedSince, RollingSum, TwoWindows};

/// The unit large-trade thresholds and sums are measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeUnit {
    Base,
    /// Quote notional, the §0.5 default.
    Quote,
}

/// How a taker print is judged large (inclusive, §3.3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LargeTradeRule {
    /// A fixed threshold in `unit`.
    Fixed { unit: SizeUnit, threshold: f64 },
    /// §0.5: `max(floor, P99 of print notional over the trailing 24 h)`, in quote units. Until the
    /// 24 h baseline is half covered, the floor alone applies (and readings say so).
    Baseline { floor: f64 },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TradeFlowConfig {
    /// `cvd_1m` window.
    pub short: Millis,
    /// `cvd_5m` window, also the `cvd_slope` span.
    pub long: Millis,
    /// Window of `large_trade_count_5m` and `large_order_pressure`.
    pub large_window: Millis,
    pub large_rule: LargeTradeRule,
    /// Grid step for the CVD series the slope is fitted on (§3.1: 1 s in production).
    pub slope_grid: Millis,
    /// How far back trade ids are remembered for deduplication.
    pub dedup_horizon: Millis,
    /// One-minute buckets in `whale_conviction` (§4.3).
    pub whale_minutes: usize,
    /// Closed minutes in `σ_1m` for `flow_momentum`, and the minimum (§4.4).
    pub momentum_minutes: usize,
    pub momentum_min_samples: usize,
}

impl Default for TradeFlowConfig {
    fn default() -> Self {
        TradeFlowConfig {
            short: 60_000,
            long: 300_000,
            large_window: 300_000,
            large_rule: LargeTradeRule::Baseline { floor: 20_000.0 },
            slope_grid: 1_000,
            dedup_horizon: 300_000,
            whale_minutes: 15,
            momentum_minutes: 60,
            momentum_min_samples: 30,
        }
    }
}

/// Flow over one window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowFlow {
    pub window: Millis,
    /// `Σ σ·q`, base units.
    pub cvd: f64,
    /// `Σ σ·p·q`, quote units.
    pub cvd_notional: f64,
    pub buy_volume: f64,
    pub sell_volume: f64,
    pub buy_notional: f64,
    pub sell_notional: f64,
    /// Volume of trades whose taker side the venue did not give (not in any other figure).
    pub unsided_volume: f64,
    /// `V_buy / V_sell` (Binance `buySellRatio`); `None` when `V_sell = 0`.
    pub taker_buy_sell_ratio: Option<f64>,
    /// `V_buy / (V_buy + V_sell)` ∈ [0, 1]; `None` with no sided trades.
    pub taker_buy_share: Option<f64>,
}

/// Large taker prints over the large-trade window (§1.9, §3.3), in `unit`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LargeTrades {
    pub window: Millis,
    pub unit: SizeUnit,
    pub threshold: f64,
    /// `false` while a baseline rule still runs on its floor.
    pub threshold_from_baseline: bool,
    /// `large_trade_count_5m` at the default window.
    pub count: usize,
    /// `LB`, `LS`.
    pub large_buy: f64,
    pub large_sell: f64,
    /// `LB / LS`.
    pub large_buy_sell_ratio: Option<f64>,
    /// `LB / (LB + LS)`, the unshrunk pressure.
    pub large_buy_share: Option<f64>,
    /// `(LB − LS)/(LB + LS)` ∈ [−1, 1]; `None` without large prints.
    pub large_direction: Option<f64>,
    /// `(LB + 0.5k)/(LB + LS + k)` with `k = 2 × threshold`: Beta-shrunk toward 0.5, exactly 0.5
    /// with no large prints. Formerly "smart money score" (§12).
    pub large_order_pressure: f64,
    /// `(LB + LS)/(V_buy + V_sell)`: the share of taker volume in large prints. Formerly
    /// "institutional score" (§12).
    pub large_trade_share: Option<f64>,
}

impl LargeTrades {
    /// `large_dir` as §4.1 feeds it to `directional_pressure`: 0 when there were no large prints.
    pub fn direction_or_neutral(&self) -> f64 {
        self.large_direction.unwrap_or(0.0)
    }
}

/// Cumulative delta anchored at 00:00 UTC (§3.1), for charts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnchoredCvd {
    pub cvd: f64,
    /// When the sum starts: midnight UTC, or later if the stream was first observed after it
    /// (then it is not the full day's CVD).
    pub since: Millis,
}

/// Everything the trade stream yields at one instant. Window figures are `None` until their
/// window is half covered by the observed stream (§0.2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlowReadings {
    /// `cvd_1m` etc. (window `short`).
    pub short: Option<WindowFlow>,
    /// `cvd_5m` etc. (window `long`).
    pub long: Option<WindowFlow>,
    pub large: Option<LargeTrades>,
    /// OLS slope of the CVD series over `long`, base units per minute.
    pub cvd_slope_per_min: Option<f64>,
    /// `cvd_slope · (W in minutes) / V_W` ≈ [−1, 1].
    pub cvd_slope_normalized: Option<f64>,
    pub anchored_cvd: Option<AnchoredCvd>,
    pub whale: Option<WhaleConviction>,
    /// §4.4 from the `short` and `long` CVDs.
    pub flow_momentum: Option<f64>,
}

const BUY_Q: usize = 0;
const SELL_Q: usize = 1;
const BUY_N: usize = 2;
const SELL_N: usize = 3;
const UNSIDED_Q: usize = 4;

const LB: usize = 0;
const LS: usize = 1;
const LARGE_COUNT: usize = 2;

const DAY: Millis = 86_400_000;
/// A trailing-24 h P99 needs at least this many prints to mean anything.
const P99_MIN_PRINTS: u64 = 100;

/// The trade-flow calculator for one venue-symbol.
#[derive(Clone, Debug)]
pub struct TradeFlow {
    cfg: TradeFlowConfig,
    dedup: TradeDedup,
    observed: ObservedSince,
    /// The large-print window's own coverage: restored seconds ([`TradeFlow::seed_seconds`])
    /// refill the CVD windows but hold no single prints.
    large_observed: ObservedSince,
    last_t: Option<Millis>,
    /// The `short` and `long` windows, in that order, over one buffer of per-millisecond flow.
    windows: TwoWindows<5>,
    /// Lifetime CVD: the slope is fitted on it, so midnight re-anchoring never shows as a jump.
    cvd_total: f64,
    cvd_grid: GridSeries,
    /// `(UTC day, CVD since anchor, anchor time)`.
    day: Option<(i64, f64, Millis)>,
    merger: PrintMerger,
    /// The large prints alone (`LB`, `LS`, `LARGE_COUNT`): most prints are not large, and an
    /// entry of zeros per print millisecond held most of this window's memory.
    large: RollingSum<3>,
    /// Every print's measure (the share's denominator), per millisecond.
    print_volume: RollingSum<1>,
    threshold: f64,
    threshold_from_baseline: bool,
    threshold_minute: Option<i64>,
    print_notional: NotionalQuantile,
    minute_cvd: MinuteBuckets<1>,
    minute_large: MinuteBuckets<2>,
    /// Since when the per-minute series (whale buckets) are known: live trades, or minutes
    /// restored from the history or backfill.
    minutes_observed: ObservedSince,
}

impl TradeFlow {
    pub fn new(cfg: TradeFlowConfig) -> Self {
        let (threshold, threshold_from_baseline) = match cfg.large_rule {
            LargeTradeRule::Fixed { threshold, .. } => (threshold, true),
            LargeTradeRule::Baseline { floor } => (floor, false),
        };
        TradeFlow {
            cfg,
            dedup: TradeDedup::new(cfg.dedup_horizon),
            observed: ObservedSince::default(),
            large_observed: ObservedSince::default(),
            last_t: None,
            windows: TwoWindows::new(cfg.short, cfg.long),
            cvd_total: 0.0,
            cvd_grid: GridSeries::new(cfg.slope_grid, cfg.long),
            day: None,
            merger: PrintMerger::default(),
            large: RollingSum::new(cfg.large_window),
            print_volume: RollingSum::new(cfg.large_window),
            threshold,
            threshold_from_baseline,
            threshold_minute: None,
            print_notional: NotionalQuantile::new(DAY),
            minute_cvd: MinuteBuckets::new(cfg.momentum_minutes + 1),
            minute_large: MinuteBuckets::new(cfg.whale_minutes),
            minutes_observed: ObservedSince::default(),
        }
    }

    fn unit(&self) -> SizeUnit {
        match self.cfg.large_rule {
            LargeTradeRule::Fixed { unit, .. } => unit,
            LargeTradeRule::Baseline { .. } => SizeUnit::Quote,
        }
    }

    /// The trade stream has been subscribed since `t`: windows then warm up from `t` even on a
    /// quiet symbol, instead of from the first trade.
    pub fn observe_since(&mut self, t: Millis) {
        self.observed.observe(t);
        self.large_observed.observe(t);
        self.minutes_observed.observe(t);
    }

    /// The per-minute state the history keeps to warm a restart: `(signed CVD, large buy,
    /// large sell)` of the minute holding `t` (zeros for a quiet minute, `None` before any
    /// trade), and the trade-notional histogram of its hour.
    pub fn minute_state(&self, t: Millis) -> Option<[f64; 3]> {
        let [cvd] = self.minute_cvd.bucket(t).unwrap_or([0.0]);
        let [buy, sell] = self.minute_large.bucket(t).unwrap_or([0.0; 2]);
        self.last_t.map(|_| [cvd, buy, sell])
    }

    /// The trade-notional histogram of the hour holding `t`, as `(bin, count)`.
    pub fn print_hour(&self, t: Millis) -> Vec<(u16, u32)> {
        self.print_notional.hour_bins(t)
    }

    /// How far the slow baselines have filled at `now`, `(have, need)` in minutes: closed
    /// minutes of CVD for `σ_1m`, and the observed part of the whale window (half of it).
    pub fn warmup(&mut self, now: Millis) -> [(f64, f64); 2] {
        let closed = self
            .minute_cvd
            .closed(now, self.cfg.momentum_minutes)
            .count();
        let whale = self
            .minutes_observed
            .since()
            .map_or(0.0, |s| (now - s).max(0) as f64 / 60_000.0);
        [
            (closed as f64, self.cfg.momentum_min_samples as f64),
            (whale, self.cfg.whale_minutes as f64 * MIN_COVERAGE),
        ]
    }

    /// Restores one minute's `(signed CVD, large buy, large sell)` (oldest first, before live
    /// trades): the whale and momentum baselines are then warm without waiting.
    pub fn seed_minute(&mut self, t: Millis, [cvd, buy, sell]: [f64; 3]) {
        self.minute_cvd.set_minute(t, [cvd]);
        self.minute_large.set_minute(t, [buy, sell]);
        self.minutes_observed.observe(t.div_euclid(60_000) * 60_000);
    }

    /// Restores one minute's signed CVD alone (a backfilled candle's taker split): `σ_1m` of
    /// `flow_momentum` counts it; the whale window, which needs the large prints, does not.
    pub fn seed_cvd_minute(&mut self, t: Millis, cvd: f64) {
        self.minute_cvd.set_minute(t, [cvd]);
    }

    /// Exchange time of the first live trade: seeds from then on would overwrite what was
    /// measured.
    pub fn live_since(&self) -> Option<Millis> {
        self.observed.since()
    }

    /// Restores an hour of the trade-notional histogram behind the large-trade P99.
    pub fn seed_print_hour(&mut self, t: Millis, bins: &[(u16, u32)]) {
        self.print_notional.seed_hour(t, bins);
        self.threshold_minute = None;
    }

    /// Refills the CVD windows and the slope's series from one unbroken run of past seconds
    /// `(end ms, taker buy, taker sell, mid)` (base units; the mid prices the notional, 0
    /// without one), oldest first and before live trades: the windows are then observed since
    /// the run's first second. The minute series and the large-print window are left alone
    /// (the minutes come from their own samples; single prints are not kept by the second).
    pub fn seed_seconds(
        &mut self,
        seconds: impl IntoIterator<Item = (Millis, f64, f64, Option<f64>)>,
    ) {
        for (t, buy, sell, mid) in seconds {
            if !(buy.is_finite() && sell.is_finite()) {
                continue;
            }
            self.observed.observe(t);
            let price = mid.filter(|m| m.is_finite()).unwrap_or(0.0);
            let mut v = [0.0; 5];
            (v[BUY_Q], v[BUY_N], v[SELL_Q], v[SELL_N]) = (buy, buy * price, sell, sell * price);
            self.windows.add(t, v);
            self.cvd_total += buy - sell;
            self.cvd_grid.update(t, Some(self.cvd_total));
        }
    }

    /// Feeds one trade. Returns `false` when it was dropped: a replayed id, or a non-positive or
    /// non-finite price or size.
    pub fn on_trade(&mut self, trade: &Trade) -> bool {
        let valid = trade.price.is_finite()
            && trade.price > 0.0
            && trade.size.is_finite()
            && trade.size > 0.0;
        if !valid || !self.dedup.is_new(trade) {
            return false;
        }
        let t = self.last_t.map_or(trade.t, |last| trade.t.max(last));
        self.last_t = Some(t);
        self.observed.observe(t);
        self.large_observed.observe(t);
        self.minutes_observed.observe(t);
        let (q, n) = (trade.size, trade.notional());
        let Some(side) = trade.taker else {
            let mut v = [0.0; 5];
            v[UNSIDED_Q] = q;
            self.windows.add(t, v);
            return true;
        };
        let mut v = [0.0; 5];
        match side {
            TakerSide::Buy => (v[BUY_Q], v[BUY_N]) = (q, n),
            TakerSide::Sell => (v[SELL_Q], v[SELL_N]) = (q, n),
        }
        self.windows.add(t, v);
        let signed = side.sign() * q;
        self.cvd_total += signed;
        self.cvd_grid.update(t, Some(self.cvd_total));
        self.minute_cvd.add(t, [signed]);
        self.anchor(t, signed);

        let mut done: SmallVec<[TakerPrint; 2]> = SmallVec::new();
        self.merger.push(t, side, q, n, |p| done.push(p));
        for p in done {
            self.record_print(p);
        }
        true
    }

    fn anchor(&mut self, t: Millis, signed: f64) {
        let today = t.div_euclid(DAY);
        match &mut self.day {
            Some((day, cvd, _)) if *day == today => *cvd += signed,
            _ => {
                let since = if self.day.is_some() { today * DAY } else { t };
                self.day = Some((today, signed, since));
            }
        }
    }

    fn record_print(&mut self, p: TakerPrint) {
        self.refresh_threshold(p.t);
        let measure = match self.unit() {
            SizeUnit::Base => p.size,
            SizeUnit::Quote => p.notional,
        };
        if measure >= self.threshold {
            let mut v = [0.0; 3];
            v[LARGE_COUNT] = 1.0;
            match p.side {
                TakerSide::Buy => v[LB] = measure,
                TakerSide::Sell => v[LS] = measure,
            }
            self.minute_large.add(p.t, [v[LB], v[LS]]);
            self.large.add(p.t, v);
        }
        self.print_volume.add(p.t, [measure]);
        self.print_notional.push(p.t, p.notional);
    }

    /// Baseline rule: re-derive the threshold once per minute (the P99 scan costs O(bins)).
    fn refresh_threshold(&mut self, t: Millis) {
        let LargeTradeRule::Baseline { floor } = self.cfg.large_rule else {
            return;
        };
        let minute = t.div_euclid(60_000);
        if self.threshold_minute == Some(minute) {
            return;
        }
        self.threshold_minute = Some(minute);
        let p99 = self
            .print_notional
            .quantile(t, 0.99, P99_MIN_PRINTS)
            .filter(|p| p.is_finite());
        self.threshold = p99.map_or(floor, |p| p.max(floor));
        self.threshold_from_baseline = p99.is_some();
    }

    pub fn readings(&mut self, now: Millis) -> FlowReadings {
        let mut done: SmallVec<[TakerPrint; 2]> = SmallVec::new();
        self.merger.flush_through(now - 1, |p| done.push(p));
        for p in done {
            self.record_print(p);
        }
        let (short_sums, long_sums) = self.windows.sums_at(now);
        let short = self
            .observed
            .warm(now, self.cfg.short)
            .then(|| window_flow(short_sums, self.cfg.short));
        let long = self
            .observed
            .warm(now, self.cfg.long)
            .then(|| window_flow(long_sums, self.cfg.long));
        let large = self
            .large_observed
            .warm(now, self.cfg.large_window)
            .then(|| self.large_trades(now));
        let cvd_slope_per_min = long.and_then(|_| self.cvd_slope_per_min(now));
        let cvd_slope_normalized = match (cvd_slope_per_min, long) {
            (Some(s), Some(l)) => ratio(
                s * self.cfg.long as f64 / 60_000.0,
                l.buy_volume + l.sell_volume,
            ),
            _ => None,
        };
        let whale_window = self.cfg.whale_minutes as Millis * 60_000;
        let threshold = self.threshold;
        let whale = self.minutes_observed.warm(now, whale_window).then(|| {
            let buckets: SmallVec<[(f64, f64); 16]> = self
                .minute_large
                .recent(now, self.cfg.whale_minutes)
                .map(|[b, s]| (b, s))
                .collect();
            whale_conviction(&buckets, threshold)
        });
        let sigma = closed_minutes_std(
            &mut self.minute_cvd,
            now,
            self.cfg.momentum_minutes,
            self.cfg.momentum_min_samples,
        );
        // §4.4 is written for 1 and 5 min windows; rescale the long CVD so `cvd_5m / 5` stays
        // "the long window's pace over one short window" for other configurations.
        let pace = 5.0 * self.cfg.short as f64 / self.cfg.long as f64;
        let momentum = match (short, long) {
            (Some(s), Some(l)) => flow_momentum(s.cvd, l.cvd * pace, sigma),
            _ => None,
        };
        FlowReadings {
            short,
            long,
            large,
            cvd_slope_per_min,
            cvd_slope_normalized,
            anchored_cvd: self.anchored_cvd(now),
            whale,
            flow_momentum: momentum,
        }
    }

    fn large_trades(&mut self, now: Millis) -> LargeTrades {
        let s = self.large.sums_at(now);
        let [print_volume] = self.print_volume.sums_at(now);
        let (lb, ls) = (s[LB], s[LS]);
        let k = 2.0 * self.threshold;
        LargeTrades {
            window: self.cfg.large_window,
            unit: self.unit(),
            threshold: self.threshold,
            threshold_from_baseline: self.threshold_from_baseline,
            count: s[LARGE_COUNT].round() as usize,
            large_buy: lb,
            large_sell: ls,
            large_buy_sell_ratio: ratio(lb, ls),
            large_buy_share: ratio(lb, lb + ls),
            large_direction: ratio(lb - ls, lb + ls),
            large_order_pressure: ratio(lb + 0.5 * k, lb + ls + k).unwrap_or(0.5),
            large_trade_share: ratio(lb + ls, print_volume),
        }
    }

    fn cvd_slope_per_min(&mut self, now: Millis) -> Option<f64> {
        let samples = self.cvd_grid.samples_at(now);
        let origin = samples.clone().next()?.0;
        let per_sec = ols(samples.map(|(g, y)| ((g - origin) as f64 / 1000.0, y)))?.slope;
        Some(per_sec * 60.0)
    }

    fn anchored_cvd(&self, now: Millis) -> Option<AnchoredCvd> {
        let (day, cvd, since) = self.day?;
        let today = now.div_euclid(DAY);
        Some(if today > day {
            AnchoredCvd {
                cvd: 0.0,
                since: today * DAY,
            }
        } else {
            AnchoredCvd { cvd, since }
        })
    }
}

fn window_flow(s: [f64; 5], window: Millis) -> WindowFlow {
    let (buy, sell) = (s[BUY_Q], s[SELL_Q]);
    let sided = buy + sell > 0.0;
    WindowFlow {
        window,
        cvd: buy - sell,
        cvd_notional: s[BUY_N] - s[SELL_N],
        buy_volume: buy,
        sell_volume: sell,
        buy_notional: s[BUY_N],
        sell_notional: s[SELL_N],
        unsided_volume: s[UNSIDED_Q],
        taker_buy_sell_ratio: ratio(buy, sell),
        taker_buy_share: if sided { ratio(buy, buy + sell) } else { None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::{assert_all_finite, assert_close, assert_some_close, secs};

    /// The trades of §1.9 `(t s, p, q, σ)`.
    const TRADES: [(i64, f64, f64, TakerSide); 6] = [
        (0, 100.0, 0.5, TakerSide::Buy),
        (10, 100.1, 2.0, TakerSide::Buy),
        (20, 100.0, 1.5, TakerSide::Sell),
        (30, 99.9, 0.2, TakerSide::Sell),
        (40, 100.0, 3.0, TakerSide::Buy),
        (50, 100.1, 0.3, TakerSide::Sell),
    ];

    fn trade(t: Millis, price: f64, size: f64, side: TakerSide, id: u64) -> Trade {
        Trade {
            t,
            price,
            size,
            taker: Some(side),
            id: Some(id),
        }
    }

    /// §1.9/§3.1–3.3 test setup: W = 60 s, threshold 1.0 base unit.
    fn spec_flow(long: Millis, slope_grid: Millis) -> TradeFlow {
        let mut flow = TradeFlow::new(TradeFlowConfig {
            short: secs(60),
            long,
            large_window: secs(60),
            large_rule: LargeTradeRule::Fixed {
                unit: SizeUnit::Base,
                threshold: 1.0,
            },
            slope_grid,
            ..TradeFlowConfig::default()
        });
        for (i, (t, p, q, side)) in TRADES.into_iter().enumerate() {
            assert!(flow.on_trade(&trade(secs(t), p, q, side, i as u64)));
        }
        flow
    }

    #[test]
    fn spec_cvd_and_taker_ratio_at_55s() {
        let mut flow = spec_flow(secs(300), secs(1));
        let r = flow.readings(secs(55)).short.unwrap();
        assert_close(r.buy_volume, 5.5);
        assert_close(r.sell_volume, 2.0);
        assert_close(r.cvd, 3.5);
        assert_close(r.cvd_notional, 350.19);
        assert_some_close(r.taker_buy_sell_ratio, 2.75);
        assert_some_close(r.taker_buy_share, 0.7333333333);
    }

    #[test]
    fn spec_large_trades_and_pressure_at_55s() {
        let mut flow = spec_flow(secs(300), secs(1));
        let l = flow.readings(secs(55)).large.unwrap();
        assert_eq!(l.count, 3);
        assert_close(l.large_buy, 5.0);
        assert_close(l.large_sell, 1.5);
        assert_some_close(l.large_buy_sell_ratio, 3.333333333);
        assert_some_close(l.large_buy_share, 0.7692307692);
        assert_some_close(l.large_direction, 0.5384615385);
        assert_close(l.large_order_pressure, 0.7058823529);
        assert_some_close(l.large_trade_share, 0.8666666667);
    }

    #[test]
    fn spec_cvd_slope() {
        // The CVD path (0,0.5)(10,2.5)(20,1.0)(30,0.8)(40,3.8)(50,3.5) on a 10 s grid: each
        // sample holds the value in force before its grid time, so the path is shifted by one
        // step and the slope is unchanged: 0.05342857143 units/s.
        // A 100 s span so the window is warm at 60 s.
        let mut flow = spec_flow(secs(100), secs(10));
        let r = flow.readings(secs(60));
        assert_some_close(r.cvd_slope_per_min, 3.205714286);
        let volume: f64 = TRADES.iter().map(|t| t.2).sum();
        assert_some_close(
            r.cvd_slope_normalized,
            3.205714286 * (100.0 / 60.0) / volume,
        );
    }

    #[test]
    fn no_large_prints_is_exactly_neutral() {
        let mut flow = TradeFlow::new(TradeFlowConfig {
            large_rule: LargeTradeRule::Fixed {
                unit: SizeUnit::Quote,
                threshold: 1e6,
            },
            ..TradeFlowConfig::default()
        });
        flow.on_trade(&trade(0, 100.0, 1.0, TakerSide::Buy, 1));
        let l = flow.readings(secs(200)).large.unwrap();
        assert_eq!(l.large_order_pressure, 0.5);
        assert_eq!(l.large_direction, None);
        assert_eq!(l.direction_or_neutral(), 0.0);
        assert_eq!(l.large_buy_sell_ratio, None);
        assert_eq!(l.large_trade_share, Some(0.0));
        assert_all_finite(&l);
    }

    #[test]
    fn replays_and_bad_trades_are_dropped() {
        let mut flow = spec_flow(secs(300), secs(1));
        assert!(!flow.on_trade(&trade(secs(40), 100.0, 3.0, TakerSide::Buy, 4)));
        assert!(!flow.on_trade(&trade(secs(51), f64::NAN, 1.0, TakerSide::Buy, 100)));
        assert!(!flow.on_trade(&trade(secs(51), 100.0, 0.0, TakerSide::Buy, 101)));
        let r = flow.readings(secs(55)).short.unwrap();
        assert_close(r.cvd, 3.5);
    }

    #[test]
    fn fills_of_one_taker_order_merge_before_thresholding() {
        let mut flow = TradeFlow::new(TradeFlowConfig {
            large_window: secs(60),
            large_rule: LargeTradeRule::Fixed {
                unit: SizeUnit::Base,
                threshold: 1.0,
            },
            ..TradeFlowConfig::default()
        });
        // One sweep: three fills in the same millisecond, each below the threshold.
        flow.on_trade(&trade(1000, 100.0, 0.4, TakerSide::Buy, 1));
        flow.on_trade(&trade(1000, 100.1, 0.4, TakerSide::Buy, 2));
        flow.on_trade(&trade(1000, 99.9, 0.4, TakerSide::Sell, 3));
        flow.on_trade(&trade(1000, 100.2, 0.4, TakerSide::Buy, 4));
        let l = flow.readings(secs(31)).large.unwrap();
        assert_eq!(l.count, 1);
        assert_close(l.large_buy, 1.2);
        assert_eq!(l.large_sell, 0.0);
        let mut fresh = TradeFlow::new(TradeFlowConfig {
            large_window: secs(60),
            large_rule: LargeTradeRule::Fixed {
                unit: SizeUnit::Base,
                threshold: 1.0,
            },
            ..TradeFlowConfig::default()
        });
        fresh.on_trade(&trade(0, 100.0, 0.4, TakerSide::Buy, 1));
        fresh.on_trade(&trade(secs(40), 100.0, 0.7, TakerSide::Buy, 2));
        fresh.on_trade(&trade(secs(40), 100.0, 0.7, TakerSide::Buy, 3));
        // At exactly 40 s the merged print is still open; one millisecond later it counts.
        assert_eq!(fresh.readings(secs(40)).large.map(|l| l.count), Some(0));
        assert_eq!(fresh.readings(secs(40) + 1).large.map(|l| l.count), Some(1));
    }

    #[test]
    fn unsided_trades_are_reported_apart() {
        let mut flow = TradeFlow::new(TradeFlowConfig::default());
        flow.on_trade(&trade(0, 100.0, 1.0, TakerSide::Buy, 1));
        flow.on_trade(&Trade {
            t: 10,
            price: 100.0,
            size: 2.0,
            taker: None,
            id: Some(2),
        });
        let r = flow.readings(secs(30)).short.unwrap();
        assert_eq!(r.unsided_volume, 2.0);
        assert_eq!(r.cvd, 1.0);
        assert_eq!(r.taker_buy_sell_ratio, None);
        assert_eq!(r.taker_buy_share, Some(1.0));
    }

    #[test]
    fn warm_up_and_empty_windows() {
        let mut quiet = TradeFlow::new(TradeFlowConfig::default());
        quiet.observe_since(0);
        let r = quiet.readings(secs(30)).short.unwrap();
        assert_eq!((r.cvd, r.taker_buy_share), (0.0, None));
        let mut flow = TradeFlow::new(TradeFlowConfig::default());
        assert_eq!(flow.readings(0).short, None);
        flow.on_trade(&trade(0, 100.0, 1.0, TakerSide::Sell, 1));
        let r = flow.readings(secs(29));
        assert_eq!(r.short, None);
        assert_eq!(r.cvd_slope_per_min, None);
        // Half covered: an honest window (and later an empty one reads zero, not None).
        assert!(flow.readings(secs(30)).short.is_some());
        let r = flow.readings(secs(600)).short.unwrap();
        assert_eq!(r.cvd, 0.0);
        assert_eq!(r.taker_buy_share, None);
        assert_eq!(r.taker_buy_sell_ratio, None);
    }

    #[test]
    fn anchored_cvd_restarts_at_midnight_utc() {
        let mut flow = TradeFlow::new(TradeFlowConfig::default());
        let start = 5 * DAY + 1000;
        flow.on_trade(&trade(start, 100.0, 1.0, TakerSide::Buy, 1));
        flow.on_trade(&trade(start + 10, 100.0, 0.5, TakerSide::Sell, 2));
        let a = flow.readings(start + 20).anchored_cvd.unwrap();
        assert_eq!(
            a,
            AnchoredCvd {
                cvd: 0.5,
                since: start
            }
        );
        let a = flow.readings(6 * DAY).anchored_cvd.unwrap();
        assert_eq!(
            a,
            AnchoredCvd {
                cvd: 0.0,
                since: 6 * DAY
            }
        );
        flow.on_trade(&trade(6 * DAY + 5, 100.0, 2.0, TakerSide::Buy, 3));
        let a = flow.readings(6 * DAY + 6).anchored_cvd.unwrap();
        assert_eq!(
            a,
            AnchoredCvd {
                cvd: 2.0,
                since: 6 * DAY
            }
        );
    }

    #[test]
    fn baseline_threshold_starts_at_the_floor() {
        let mut flow = TradeFlow::new(TradeFlowConfig {
            large_rule: LargeTradeRule::Baseline { floor: 50.0 },
            ..TradeFlowConfig::default()
        });
        flow.on_trade(&trade(0, 100.0, 1.0, TakerSide::Buy, 1));
        flow.on_trade(&trade(secs(1), 100.0, 0.2, TakerSide::Buy, 2));
        let l = flow.readings(secs(200)).large.unwrap();
        assert_eq!(l.unit, SizeUnit::Quote);
        assert_eq!(l.threshold, 50.0);
        assert!(!l.threshold_from_baseline);
        assert_eq!(l.count, 1);
    }

    /// History fetched before the stream started gives the P99 threshold and `σ_1m` at once;
    /// the same live minutes without it still run on the floor and have no momentum.
    #[test]
    fn seeded_history_warms_the_threshold_and_momentum() {
        let hour = 3_600_000;
        let start = 20 * hour;
        let new = || {
            TradeFlow::new(TradeFlowConfig {
                large_rule: LargeTradeRule::Baseline { floor: 50.0 },
                ..TradeFlowConfig::default()
            })
        };
        let live = |flow: &mut TradeFlow| {
            for s in 0..360 {
                let side = if s % 3 == 0 {
                    TakerSide::Sell
                } else {
                    TakerSide::Buy
                };
                flow.on_trade(&trade(start + secs(s), 100.0, 1.0, side, s as u64));
            }
            flow.readings(start + secs(360))
        };
        let mut seeded = new();
        // 13 hours of prints of 100..=10,000 quote (each standing for 3 trades), and the last
        // hour of minute CVDs, as a backfill stores them.
        for h in 7..20 {
            let bins =
                crate::features::baseline::notional_bins((1..=100).map(|i| (i as f64 * 100.0, 3)));
            seeded.seed_print_hour(h * hour, &bins);
        }
        for m in 0..60 {
            let cvd = if m % 2 == 0 { 5.0 } else { -3.0 };
            seeded.seed_cvd_minute(start - (60 - m) * 60_000, cvd);
        }
        let warm = live(&mut seeded);
        let large = warm.large.unwrap();
        assert!(large.threshold_from_baseline);
        assert!(
            (large.threshold / 9_900.0 - 1.0).abs() < 0.02,
            "{}",
            large.threshold
        );
        assert!(warm.flow_momentum.is_some());
        let cold = live(&mut new());
        assert!(!cold.large.unwrap().threshold_from_baseline);
        assert_eq!(cold.flow_momentum, None);
    }

    #[test]
    fn whale_and_momentum_need_their_history() {
        let mut flow = TradeFlow::new(TradeFlowConfig {
            large_rule: LargeTradeRule::Fixed {
                unit: SizeUnit::Base,
                threshold: 1.0,
            },
            ..TradeFlowConfig::default()
        });
        for m in 0..40 {
            let side = if m % 3 == 0 {
                TakerSide::Sell
            } else {
                TakerSide::Buy
            };
            flow.on_trade(&trade(m * 60_000 + 1, 100.0, 2.0, side, m as u64));
        }
        let r = flow.readings(40 * 60_000);
        let w = r.whale.unwrap();
        assert!(w.conviction > 0.0 && w.conviction <= 1.0);
        assert_eq!(w.direction, Some(1.0));
        // 40 closed minutes ≥ 30: σ_1m exists and the momentum is bounded.
        let fm = r.flow_momentum.unwrap();
        assert!(fm.abs() < 1.0);
        let mut young = TradeFlow::new(TradeFlowConfig::default());
        young.on_trade(&trade(0, 100.0, 1.0, TakerSide::Buy, 1));
        let r = young.readings(secs(300));
        assert_eq!(r.flow_momentum, None);
        assert_eq!(r.whale, None);
    }
}
