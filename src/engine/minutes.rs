//! The symbol's 1-min series and the two slow reads that run on it once a minute: §6 regime
//! (from the mid) and §7 drift (of the monitored features).
//!
//! Each minute row holds what the history store keeps in the symbol's cross-venue 1-min rollup
//! (venue `all`): the close of the symbol's mid and the time-weighted mean of each monitored
//! feature, sampled on the first tick of every second exactly as the recorder samples its
//! rows. So the rows restored at start ([`crate::history::restore`], through
//! [`Seed::SymbolMinute`](super::warm::Seed)) are the rows a session that never stopped would
//! hold, and a restart after a day shows regime and drift at once.
//!
//! The ring keeps 25 h of minutes (the 24 h baseline plus the 1 h current window); a minute in
//! which the symbol had no fresh book has no row, and a later gap reads as one.

use std::collections::VecDeque;

use crate::features::drift::{
    Adwin, MIN_BASELINE, MIN_CURRENT, PSI_MAJOR, PageHinkley, PhParams, Shift, drift_score, ks, psi,
};
use crate::features::regime::{self, RegimeFilter};
use crate::market::{Millis, Nanos};

use super::analytics::{Drift, DriftAlarm, DriftTest, FeatureDrift, Regime, RegimeLabel};
use super::clock::to_millis;
use super::frame::{Composites, Progress};

/// §7's monitored features, as named in `stream --json` and the history's columns. They are the
/// symbol's bounded composites, so one set of Page–Hinkley defaults (λ = 50 on a −1..1 or 0..1
/// scale) means the same on every asset; between them they watch the book (liquidity risk:
/// spread, depth, slippage), order flow (directional pressure, flow momentum), large prints
/// (whale conviction), liquidations (cascade stress) and the venues' consistency (agreement).
pub const MONITORED: [&str; 6] = [
    "directional_pressure",
    "flow_momentum",
    "liquidity_risk",
    "cascade_stress",
    "whale_conviction",
    "cross_exchange_agreement",
];
const N: usize = MONITORED.len();

/// The monitored features' values in [`MONITORED`] order.
pub fn monitored(c: &Composites) -> [Option<f64>; N] {
    [
        c.directional_pressure,
        c.flow_momentum,
        c.liquidity_risk,
        c.cascade_stress,
        c.whale_conviction,
        c.cross_exchange_agreement,
    ]
}

const MINUTE: Millis = 60_000;
/// The current window and the baseline before it (§7 defaults), in minutes.
const CURRENT: i64 = 60;
const BASELINE: i64 = 24 * 60;
/// Rows kept: the baseline and the current window.
const KEEP: usize = (CURRENT + BASELINE) as usize;
/// After a restore the filter is replayed over this many minutes: its memory of older minutes
/// weighs `0.9^60 ≈ 0.2 %`.
const REPLAY: usize = 60;
/// Alarms are shown for an hour (§7), and at most this many are kept.
const ALARM_HOURS_MS: Millis = 3_600_000;
const MAX_ALARMS: usize = 64;
/// ADWIN's window bound: the rows kept.
const ADWIN_MAX: usize = KEEP;

/// One closed minute of the symbol.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SymbolMinute {
    /// The last mid of the minute.
    pub mid: Option<f64>,
    /// The mean of each monitored feature over the minute's seconds that had it.
    pub features: [Option<f64>; N],
}

impl SymbolMinute {
    fn is_empty(&self) -> bool {
        self.mid.is_none() && self.features.iter().all(Option::is_none)
    }
}

/// The minute being sampled.
#[derive(Debug)]
struct Open {
    t: Millis,
    mid: Option<f64>,
    sums: [f64; N],
    counts: [u32; N],
}

impl Open {
    fn new(t: Millis) -> Self {
        Open {
            t,
            mid: None,
            sums: [0.0; N],
            counts: [0; N],
        }
    }

    fn add(&mut self, mid: Option<f64>, features: [Option<f64>; N]) {
        if let Some(m) = mid.filter(|m| m.is_finite() && *m > 0.0) {
            self.mid = Some(m);
        }
        for (i, v) in features.iter().enumerate() {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                self.sums[i] += v;
                self.counts[i] += 1;
            }
        }
    }

    fn close(&self) -> SymbolMinute {
        SymbolMinute {
            mid: self.mid,
            features: std::array::from_fn(|i| {
                (self.counts[i] > 0).then(|| self.sums[i] / self.counts[i] as f64)
            }),
        }
    }
}

/// The streaming change-point tests of one feature.
#[derive(Debug)]
struct Detectors {
    ph: PageHinkley,
    adwin: Adwin,
}

impl Default for Detectors {
    fn default() -> Self {
        Detectors {
            ph: PageHinkley::new(PhParams::default()),
            adwin: Adwin::new(ADWIN_MAX),
        }
    }
}

/// Regime and drift of one symbol.
#[derive(Debug, Default)]
pub struct MinuteReads {
    /// Closed minutes `(minute start, local ms)`, oldest first, strictly increasing.
    rows: VecDeque<(Millis, SymbolMinute)>,
    open: Option<Open>,
    last_second: Option<Millis>,
    filter: RegimeFilter,
    detectors: [Detectors; N],
    /// The newest row the filter and the detectors have seen.
    fed: Option<Millis>,
    /// Newest last.
    alarms: VecDeque<DriftAlarm>,
    /// The minute the published reads were computed in.
    computed: Option<Millis>,
    regime: Regime,
    drift: Drift,
}

impl MinuteReads {
    /// Samples the symbol at tick time `now` (first tick of each second only) and, when a new
    /// minute has started or rows were restored since the last tick (even within the second),
    /// closes the last one and recomputes both reads.
    pub fn on_tick(&mut self, now: Nanos, mid: Option<f64>, features: [Option<f64>; N]) {
        let t = to_millis(now);
        let second = t.div_euclid(1000);
        let minute = t - t.rem_euclid(MINUTE);
        if self.last_second.is_none_or(|s| s < second) {
            self.last_second = Some(second);
            if self.open.as_ref().is_some_and(|o| o.t != minute) {
                let open = self.open.take().expect("checked above");
                self.push(open.t, open.close());
            }
            self.open
                .get_or_insert_with(|| Open::new(minute))
                .add(mid, features);
        }
        if self.computed.is_none_or(|c| c < minute) {
            self.computed = Some(minute);
            self.refresh(minute);
        }
    }

    /// Restored minutes, oldest first. Live rows win: only minutes older than the first live
    /// one are taken. Anything taken replays the filter and the detectors from scratch at the
    /// next tick.
    pub fn restore(&mut self, rows: impl IntoIterator<Item = (Millis, SymbolMinute)>) {
        let first_live = self
            .rows
            .front()
            .map(|(t, _)| *t)
            .or(self.open.as_ref().map(|o| o.t));
        let mut past: Vec<(Millis, SymbolMinute)> = rows
            .into_iter()
            .filter(|(t, row)| first_live.is_none_or(|f| *t < f) && !row.is_empty())
            .map(|(t, row)| (t - t.rem_euclid(MINUTE), row))
            .collect();
        past.sort_by_key(|(t, _)| *t);
        past.dedup_by_key(|(t, _)| *t);
        if past.is_empty() {
            return;
        }
        let live = std::mem::take(&mut self.rows);
        let skip = (past.len() + live.len()).saturating_sub(KEEP);
        self.rows = past.into_iter().chain(live).skip(skip).collect();
        self.filter = RegimeFilter::default();
        self.detectors = Default::default();
        self.fed = None;
        self.alarms.clear();
        self.computed = None;
    }

    pub fn regime(&self) -> &Regime {
        &self.regime
    }

    pub fn drift(&self) -> &Drift {
        &self.drift
    }

    fn push(&mut self, t: Millis, row: SymbolMinute) {
        if row.is_empty() || self.rows.back().is_some_and(|(last, _)| *last >= t) {
            return;
        }
        if self.rows.len() == KEEP {
            self.rows.pop_front();
        }
        self.rows.push_back((t, row));
    }

    /// Feeds the rows not seen yet to the filter and the detectors, then publishes both reads
    /// as of `now` (a minute start: the current window is `[now − 1 h, now)`).
    fn refresh(&mut self, now: Millis) {
        let new: Vec<usize> = (0..self.rows.len())
            .filter(|&i| self.fed.is_none_or(|f| self.rows[i].0 > f))
            .collect();
        let replay_from = new.len().saturating_sub(REPLAY);
        for (k, &i) in new.iter().enumerate() {
            let (t, row) = self.rows[i];
            self.detect(t, &row);
            if k >= replay_from {
                let x = regime::inputs(&self.closes(t));
                self.filter.step(t, x);
            }
            self.fed = Some(t);
        }
        while self
            .alarms
            .front()
            .is_some_and(|a| a.at <= now - ALARM_HOURS_MS)
        {
            self.alarms.pop_front();
        }
        self.regime = self.publish_regime(now);
        self.drift = self.publish_drift(now);
    }

    fn detect(&mut self, t: Millis, row: &SymbolMinute) {
        for (i, v) in row.features.iter().enumerate() {
            let Some(v) = *v else { continue };
            let d = &mut self.detectors[i];
            let ph = d.ph.update(v).map(|s| match s {
                Shift::Up => DriftTest::PageHinkleyUp,
                Shift::Down => DriftTest::PageHinkleyDown,
            });
            let adwin = d.adwin.update(v).then_some(DriftTest::Adwin);
            for test in [ph, adwin].into_iter().flatten() {
                if self.alarms.len() == MAX_ALARMS {
                    self.alarms.pop_front();
                }
                self.alarms.push_back(DriftAlarm {
                    feature: MONITORED[i].to_owned(),
                    test,
                    at: t,
                });
            }
        }
    }

    /// One close per minute of the day ending at minute `t` (`None` where there is no row).
    fn closes(&self, t: Millis) -> Vec<Option<f64>> {
        let span = BASELINE as usize + 1;
        let start = t - BASELINE * MINUTE;
        let mut out = vec![None; span];
        for (rt, row) in self.rows.iter().rev() {
            if *rt > t {
                continue;
            }
            if *rt < start {
                break;
            }
            out[((rt - start) / MINUTE) as usize] = row.mid;
        }
        out
    }

    /// §6 as of `now`: the filter's state if it stepped on the last closed minute's row within
    /// the gap limit (a longer silence is a gap, and a stale regime is not shown); while the
    /// inputs are warming, how many of the day's returns there are.
    fn publish_regime(&self, now: Millis) -> Regime {
        let recent = self
            .filter
            .last()
            .is_some_and(|l| now - l <= regime::MAX_GAP_MIN * MINUTE);
        if let (true, Some(inputs)) = (recent, self.filter.inputs()) {
            let pi = self.filter.probabilities();
            return Regime {
                label: self.filter.label().map(|k| RegimeLabel::ALL[k]),
                probabilities: Some(pi),
                entropy: Some(regime::entropy(pi)),
                inputs: Some(inputs),
                since: self.filter.since(),
                warming: None,
            };
        }
        let closes = self.closes(now - MINUTE);
        let returns = closes
            .windows(2)
            .filter(|w| w[0].is_some() && w[1].is_some())
            .count();
        Regime {
            warming: (returns < regime::WARM_MINUTES).then_some(Progress {
                have_min: returns as f64,
                need_min: regime::WARM_MINUTES as f64,
            }),
            ..Regime::default()
        }
    }

    /// §7 as of `now`: PSI and KS of the last hour against the 24 h before it, per feature.
    /// A symbol without a row for longer than the regime's gap limit shows no drift: its last
    /// hour is no longer the market's.
    fn publish_drift(&self, now: Millis) -> Drift {
        let silent = self
            .rows
            .back()
            .is_none_or(|(t, _)| now - t > regime::MAX_GAP_MIN * MINUTE);
        if silent && !self.rows.is_empty() {
            return Drift {
                alarms: self.alarms.iter().rev().cloned().collect(),
                ..Drift::default()
            };
        }
        let current_from = now - CURRENT * MINUTE;
        let baseline_from = current_from - BASELINE * MINUTE;
        let mut features = Vec::with_capacity(N);
        let mut filled = (0usize, 0usize);
        for (i, name) in MONITORED.iter().enumerate() {
            let mut base = Vec::with_capacity(KEEP);
            let mut cur = Vec::with_capacity(CURRENT as usize);
            for (t, row) in &self.rows {
                let Some(v) = row.features[i] else { continue };
                if *t >= current_from && *t < now {
                    cur.push(v);
                } else if *t >= baseline_from && *t < current_from {
                    base.push(v);
                }
            }
            base.sort_by(f64::total_cmp);
            cur.sort_by(f64::total_cmp);
            let enough = base.len() >= MIN_BASELINE && cur.len() >= MIN_CURRENT;
            let psi = psi(&base, &cur);
            filled = filled.max((base.len().min(MIN_BASELINE), cur.len().min(MIN_CURRENT)));
            features.push(FeatureDrift {
                feature: (*name).to_owned(),
                psi,
                ks: if enough { ks(&base, &cur) } else { None },
                baseline_n: base.len(),
                current_n: cur.len(),
                drifted: psi.is_some_and(|p| p > PSI_MAJOR),
            });
        }
        let score = drift_score(features.iter().map(|f| f.psi));
        let max_psi = features.iter().filter_map(|f| f.psi).reduce(f64::max);
        let need = MIN_BASELINE + MIN_CURRENT;
        Drift {
            score,
            max_psi,
            features,
            alarms: self.alarms.iter().rev().cloned().collect(),
            warming: score.is_none().then_some(Progress {
                have_min: (filled.0 + filled.1) as f64,
                need_min: need as f64,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Nanos = 1_000_000_000;
    const MIN_NS: Nanos = 60 * SECOND;

    /// A price walk whose 1-min log returns alternate ±0.1 %, with a feature vector that is
    /// `level` on every feature.
    fn row(minute: i64, level: f64) -> (Millis, SymbolMinute) {
        let r = if minute % 2 == 0 { 0.001 } else { -0.001 };
        let mid = 100.0 * (r * (minute % 7) as f64).exp();
        (
            minute * MINUTE,
            SymbolMinute {
                mid: Some(mid),
                features: [Some(level + 0.01 * (minute % 10) as f64); N],
            },
        )
    }

    #[test]
    fn seconds_become_minute_rows_like_the_rollup() {
        let mut m = MinuteReads::default();
        let f = |v: f64| [Some(v), None, None, None, None, None];
        m.on_tick(0, Some(100.0), f(1.0));
        m.on_tick(SECOND / 2, Some(999.0), f(99.0)); // same second: not a sample
        m.on_tick(SECOND, Some(101.0), f(3.0));
        m.on_tick(2 * SECOND, None, [None; N]);
        m.on_tick(MIN_NS, Some(102.0), f(5.0));
        assert_eq!(m.rows.len(), 1);
        let (t, r) = m.rows[0];
        assert_eq!(t, 0);
        assert_eq!(r.mid, Some(101.0), "the last mid of the minute");
        assert_eq!(
            r.features[0],
            Some(2.0),
            "the mean over the seconds that had it"
        );
        assert_eq!(r.features[1], None);
    }

    #[test]
    fn the_ring_is_bounded() {
        let mut m = MinuteReads::default();
        m.restore((0..3000).map(|i| row(i, 0.5)));
        assert_eq!(m.rows.len(), KEEP);
        assert_eq!(m.rows.back().unwrap().0, 2999 * MINUTE);
        for s in 0..15 * 60 {
            m.on_tick(
                (3000 * 60 + s) as Nanos * SECOND,
                Some(100.0),
                [Some(0.1); N],
            );
        }
        assert_eq!(m.rows.len(), KEEP);
        assert!(m.alarms.len() <= MAX_ALARMS);
    }

    #[test]
    fn a_restored_day_gives_regime_and_drift_at_the_next_tick() {
        let mut m = MinuteReads::default();
        // 25 h of minutes, the last hour's features shifted up by 0.5.
        let end = KEEP as i64;
        m.restore((0..end).map(|i| row(i, if i >= end - 60 { 1.0 } else { 0.5 })));
        m.on_tick(end as Nanos * MIN_NS, Some(100.0), [Some(1.0); N]);
        let r = m.regime();
        assert!(r.probabilities.is_some() && r.entropy.is_some(), "{r:?}");
        assert_eq!(r.warming, None);
        let d = m.drift();
        assert!(d.score.is_some_and(|s| (s - 1.0).abs() < 1e-12), "{d:?}");
        assert!(d.features.iter().all(|f| f.drifted && f.current_n == 60));
        assert!(d.features.iter().all(|f| f.ks == Some(1.0)));
        assert_eq!(d.warming, None);
        assert!(
            MONITORED.iter().all(|f| d
                .alarms
                .iter()
                .any(|a| a.feature == *f && a.at >= 1440 * MINUTE)),
            "the step shows as a change point in the last hour: {:?}",
            d.alarms
        );
        assert!(
            d.alarms.windows(2).all(|w| w[0].at >= w[1].at),
            "newest first"
        );
    }

    /// Rows restored after the second's sample was taken (a book appearing between two ticks
    /// of one second) show at the next tick, not a second later: reads are never shown cold
    /// while their past is there.
    #[test]
    fn rows_restored_within_a_second_show_at_the_next_tick() {
        let mut m = MinuteReads::default();
        let now = 1500 * MIN_NS + 3 * SECOND;
        m.on_tick(now, Some(100.0), [Some(0.5); N]);
        assert!(m.regime().warming.is_some() && m.drift().warming.is_some());
        m.restore((0..1500).map(|i| row(i, 0.5)));
        m.on_tick(now + SECOND / 4, Some(100.0), [Some(0.5); N]);
        assert!(m.regime().probabilities.is_some(), "{:?}", m.regime());
        assert!(m.drift().score.is_some(), "{:?}", m.drift());
    }

    #[test]
    fn live_minutes_win_over_restored_ones() {
        let mut m = MinuteReads::default();
        m.on_tick(100 * MIN_NS, Some(50.0), [Some(0.2); N]);
        m.on_tick(101 * MIN_NS, Some(51.0), [Some(0.2); N]);
        m.restore((90..102).map(|i| row(i, 0.5)));
        let times: Vec<Millis> = m.rows.iter().map(|(t, _)| *t).collect();
        assert_eq!(times, (90..101).map(|i| i * MINUTE).collect::<Vec<_>>());
        assert_eq!(m.rows.back().unwrap().1.mid, Some(50.0));
    }

    #[test]
    fn a_cold_start_is_warming_and_a_silence_hides_the_regime() {
        let mut m = MinuteReads::default();
        for s in 0..(10 * 60) {
            m.on_tick(s * SECOND, Some(100.0 + (s % 3) as f64), [Some(0.1); N]);
        }
        let r = m.regime();
        assert_eq!(r.probabilities, None);
        let p = r.warming.expect("warming");
        assert_eq!((p.have_min, p.need_min), (8.0, 720.0));
        let p = m.drift().warming.expect("drift warming");
        assert_eq!(p.need_min, 230.0);
        assert!(p.have_min > 0.0 && p.have_min <= 30.0, "{p:?}");

        let mut warm = MinuteReads::default();
        warm.restore((0..1500).map(|i| row(i, 0.5)));
        warm.on_tick(1500 * MIN_NS, Some(100.0), [Some(0.5); N]);
        assert!(warm.regime().probabilities.is_some());
        assert!(warm.drift().score.is_some());
        // Ten minutes without a fresh book: no regime or drift is shown as current.
        warm.on_tick(1511 * MIN_NS, None, [None; N]);
        assert_eq!(warm.regime().probabilities, None);
        assert_eq!((warm.drift().score, warm.drift().warming), (None, None));
    }
}
