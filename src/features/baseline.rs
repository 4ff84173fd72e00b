//! Slow baselines: per-minute buckets and samples, and the trade-notional P99 (§0.5, §0.6, §4).
//!
//! Percentile baselines use a 1-min-sampled ring (1440 values for 24 h) scanned on demand; the
//! large-trade threshold's P99 over 24 h of trades uses hourly log-binned histograms, because
//! keeping every trade for a day is not affordable.

use std::collections::{BTreeMap, VecDeque};

use crate::market::Millis;

use super::num::{mean_std, median, mid_rank};
use super::window::{MIN_COVERAGE, coverage};

const MINUTE: Millis = 60_000;
const HOUR: Millis = 3_600_000;

/// Sums per calendar minute (exchange time) for the last `cap` minutes, zero-filled where
/// nothing happened: a quiet minute is a real zero sample.
#[derive(Clone, Debug)]
pub struct MinuteBuckets<const K: usize> {
    cap: usize,
    buckets: VecDeque<(i64, [f64; K])>,
}

impl<const K: usize> MinuteBuckets<K> {
    pub fn new(cap: usize) -> Self {
        MinuteBuckets {
            cap: cap.max(1),
            buckets: VecDeque::new(),
        }
    }

    pub fn add(&mut self, t: Millis, values: [f64; K]) {
        if self.buckets.is_empty() {
            self.buckets.push_back((t.div_euclid(MINUTE), [0.0; K]));
        }
        self.roll(t);
        if let Some((_, bucket)) = self.buckets.back_mut() {
            for (b, v) in bucket.iter_mut().zip(values) {
                *b += v;
            }
        }
    }

    /// The last `n` buckets up to and including the minute of `now` (which is still open),
    /// oldest first. Fewer when the history is shorter.
    pub fn recent(&mut self, now: Millis, n: usize) -> impl Iterator<Item = [f64; K]> + '_ {
        self.roll(now);
        let skip = self.buckets.len().saturating_sub(n);
        self.buckets.iter().skip(skip).map(|(_, v)| *v)
    }

    /// The sums of the minute holding `t`, if it is still kept.
    pub fn bucket(&self, t: Millis) -> Option<[f64; K]> {
        let minute = t.div_euclid(MINUTE);
        let (first, _) = *self.buckets.front()?;
        let i = usize::try_from(minute - first).ok()?;
        self.buckets.get(i).map(|(_, v)| *v)
    }

    /// Sets the sums of the minute holding `t` (a restored or backfilled minute). A minute
    /// older than the kept ones extends them backward (the minutes in between are known zeros)
    /// as long as the whole still fits in `cap`; an older one is ignored. The caller keeps live
    /// minutes from being overwritten.
    pub fn set_minute(&mut self, t: Millis, values: [f64; K]) {
        let minute = t.div_euclid(MINUTE);
        if self.buckets.is_empty() {
            self.buckets.push_back((minute, [0.0; K]));
        }
        self.roll(t);
        let (Some(&(first, _)), Some(&(last, _))) = (self.buckets.front(), self.buckets.back())
        else {
            return;
        };
        if minute < first {
            if last - minute >= self.cap as i64 {
                return;
            }
            for m in (minute..first).rev() {
                self.buckets.push_front((m, [0.0; K]));
            }
        }
        let first = self.buckets.front().map_or(minute, |b| b.0);
        if let Some(slot) = usize::try_from(minute - first)
            .ok()
            .and_then(|i| self.buckets.get_mut(i))
        {
            slot.1 = values;
        }
    }

    /// The last `n` **closed** minutes before the minute of `now`, oldest first.
    pub fn closed(&mut self, now: Millis, n: usize) -> impl Iterator<Item = [f64; K]> + Clone + '_ {
        self.roll(now);
        let closed = self.buckets.len().saturating_sub(1);
        let skip = closed.saturating_sub(n);
        self.buckets.iter().take(closed).skip(skip).map(|(_, v)| *v)
    }

    /// Opens buckets up to the minute of `t`. History starts with the first value added: before
    /// it nothing is known, not even zeros.
    fn roll(&mut self, t: Millis) {
        let minute = t.div_euclid(MINUTE);
        let Some(&(last, _)) = self.buckets.back() else {
            return;
        };
        if minute <= last {
            return;
        }
        if (minute - last) as usize > self.cap {
            self.buckets.clear();
            // Every kept minute is a known zero.
            for m in (minute - self.cap as i64 + 1)..=minute {
                self.buckets.push_back((m, [0.0; K]));
            }
        } else {
            for m in (last + 1)..=minute {
                self.buckets.push_back((m, [0.0; K]));
            }
        }
        while self.buckets.len() > self.cap {
            self.buckets.pop_front();
        }
    }
}

/// One sample per minute over a trailing horizon (default 24 h = 1440 samples), the baseline for
/// percentiles and medians (§4.2, §3.8 `thin`).
#[derive(Clone, Debug)]
pub struct MinuteSamples {
    horizon: Millis,
    samples: VecDeque<(i64, f64)>,
}

impl MinuteSamples {
    pub fn new(horizon: Millis) -> Self {
        MinuteSamples {
            horizon,
            samples: VecDeque::new(),
        }
    }

    /// Records the minute's sample; a second sample in the same minute replaces the first.
    /// Non-finite values are ignored.
    pub fn push(&mut self, t: Millis, value: f64) {
        if !value.is_finite() {
            return;
        }
        let minute = t.div_euclid(MINUTE);
        match self.samples.back_mut() {
            Some((m, v)) if *m == minute => *v = value,
            Some((m, _)) if *m > minute => {}
            _ => self.samples.push_back((minute, value)),
        }
        self.evict(t);
    }

    /// The samples in `(now − horizon, now]`.
    pub fn values(&mut self, now: Millis) -> Vec<f64> {
        self.evict(now);
        self.samples.iter().map(|(_, v)| *v).collect()
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// `F(x)` against the baseline, `None` with fewer than `min_samples` samples.
    pub fn mid_rank(&mut self, now: Millis, x: f64, min_samples: usize) -> Option<f64> {
        let values = self.values(now);
        if values.len() < min_samples {
            return None;
        }
        mid_rank(&values, x)
    }

    /// The median, `None` with fewer than `min_samples` samples.
    pub fn median(&mut self, now: Millis, min_samples: usize) -> Option<f64> {
        let values = self.values(now);
        if values.len() < min_samples {
            return None;
        }
        median(&values)
    }

    fn evict(&mut self, now: Millis) {
        let cutoff = (now - self.horizon).div_euclid(MINUTE);
        while self.samples.front().is_some_and(|&(m, _)| m <= cutoff) {
            self.samples.pop_front();
        }
    }
}

/// Sample std of the last `n` closed minutes of a [`MinuteBuckets`] series; `None` below
/// `min_samples` or for a constant series. Used for `σ_1m` of §4.4.
pub fn closed_minutes_std(
    buckets: &mut MinuteBuckets<1>,
    now: Millis,
    n: usize,
    min_samples: usize,
) -> Option<f64> {
    let series = buckets.closed(now, n).map(|[v]| v);
    if series.clone().count() < min_samples {
        return None;
    }
    mean_std(series, 1).map(|(_, s)| s).filter(|s| *s > 0.0)
}

/// Log-bin ratio of the notional histogram: quantiles are good to about ±1 %.
const BIN_RATIO: f64 = 1.02;
/// Bins cover 1 to 1e12 quote units.
const BINS: usize = 1396;

/// A trailing-24 h quantile of trade notional (for the `P99` of the large-trade threshold, §0.5),
/// from hourly log-binned histograms: O(1) per trade, O(bins) per query (run once a minute).
#[derive(Clone, Debug)]
pub struct NotionalQuantile {
    horizon_hours: i64,
    /// Each hour's histogram as its non-empty bins, `(bin, count)` ascending: an hour's trades
    /// fill a few dozen of the 1,396 bins, and a dense hour took 5.6 kB (134 kB a book over 24
    /// hours, 6.7 MB for 50 books).
    hours: VecDeque<(i64, Vec<(u16, u32)>)>,
    totals: Box<[u64; BINS]>,
    count: u64,
    first: Option<Millis>,
}

impl NotionalQuantile {
    pub fn new(horizon: Millis) -> Self {
        NotionalQuantile {
            horizon_hours: (horizon / HOUR).max(1),
            hours: VecDeque::new(),
            totals: Box::new([0; BINS]),
            count: 0,
            first: None,
        }
    }

    pub fn push(&mut self, t: Millis, notional: f64) {
        if !(notional.is_finite() && notional > 0.0) {
            return;
        }
        self.first.get_or_insert(t);
        let hour = t.div_euclid(HOUR);
        self.roll(hour);
        if self.hours.back().is_none_or(|(h, _)| *h < hour) {
            self.hours.push_back((hour, Vec::new()));
        }
        let bin = bin_of(notional);
        if let Some((_, hist)) = self.hours.back_mut() {
            add_to_bin(hist, bin as u16, 1);
            self.totals[bin] += 1;
            self.count += 1;
        }
    }

    /// The `q`-quantile (e.g. 0.99) of the trailing horizon, as the geometric centre of its bin.
    /// `None` until half the horizon has been observed and `min_count` trades seen (§0.2).
    pub fn quantile(&mut self, now: Millis, q: f64, min_count: u64) -> Option<f64> {
        self.roll(now.div_euclid(HOUR));
        let observed = now - self.first?;
        let horizon = self.horizon_hours * HOUR;
        if coverage(observed, horizon) < MIN_COVERAGE || self.count < min_count.max(1) {
            return None;
        }
        let target = (q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64;
        let mut cum = 0;
        for (bin, n) in self.totals.iter().enumerate() {
            cum += n;
            if cum >= target.max(1) {
                return Some(BIN_RATIO.powf(bin as f64 + 0.5));
            }
        }
        None
    }

    /// The histogram of the hour holding `t` as `(bin, count)` pairs (what the history keeps).
    pub fn hour_bins(&self, t: Millis) -> Vec<(u16, u32)> {
        let hour = t.div_euclid(HOUR);
        self.hours
            .iter()
            .find(|(h, _)| *h == hour)
            .map(|(_, hist)| hist.clone())
            .unwrap_or_default()
    }

    /// Restores the histogram of the hour holding `t` (replacing what it held), as observed
    /// from the start of that hour. An hour older than the kept ones is slotted in before them
    /// (a backfill after a restore), unless it is beyond the horizon of the newest; the caller
    /// keeps hours with live trades from being replaced.
    pub fn seed_hour(&mut self, t: Millis, bins: &[(u16, u32)]) {
        let hour = t.div_euclid(HOUR);
        self.roll(hour);
        if self
            .hours
            .back()
            .is_some_and(|(h, _)| *h - hour >= self.horizon_hours)
        {
            return;
        }
        let at = match self.hours.iter().position(|(h, _)| *h >= hour) {
            Some(i) if self.hours[i].0 == hour => i,
            Some(i) => {
                self.hours.insert(i, (hour, Vec::new()));
                i
            }
            None => {
                self.hours.push_back((hour, Vec::new()));
                self.hours.len() - 1
            }
        };
        let hist = &mut self.hours[at].1;
        for &(bin, n) in hist.iter() {
            self.totals[usize::from(bin)] -= u64::from(n);
            self.count -= u64::from(n);
        }
        hist.clear();
        for &(bin, n) in bins
            .iter()
            .filter(|(bin, n)| *n > 0 && usize::from(*bin) < BINS)
        {
            add_to_bin(hist, bin, n);
            self.totals[usize::from(bin)] += u64::from(n);
            self.count += u64::from(n);
        }
        let start = hour * HOUR;
        self.first = Some(self.first.map_or(start, |f| f.min(start)));
    }

    fn roll(&mut self, hour: i64) {
        while let Some((h, hist)) = self.hours.front() {
            if *h > hour - self.horizon_hours {
                break;
            }
            for &(bin, n) in hist {
                self.totals[usize::from(bin)] -= u64::from(n);
                self.count -= u64::from(n);
            }
            self.hours.pop_front();
        }
    }
}

/// Adds `n` to `bin` of a sparse histogram (its bins ascending).
fn add_to_bin(hist: &mut Vec<(u16, u32)>, bin: u16, n: u32) {
    match hist.binary_search_by_key(&bin, |&(b, _)| b) {
        Ok(i) => hist[i].1 += n,
        Err(i) => hist.insert(i, (bin, n)),
    }
}

/// The `(bin, count)` histogram of weighted notionals, in the form
/// [`NotionalQuantile::hour_bins`] hands out and [`NotionalQuantile::seed_hour`] takes: how
/// backfilled prints (each standing for `weight` trades) are kept. Non-positive notionals and
/// zero weights are left out.
pub fn notional_bins(samples: impl IntoIterator<Item = (f64, u32)>) -> Vec<(u16, u32)> {
    let mut bins: BTreeMap<u16, u32> = BTreeMap::new();
    for (notional, weight) in samples {
        if weight > 0 && notional.is_finite() && notional > 0.0 {
            let n = bins.entry(bin_of(notional) as u16).or_default();
            *n = n.saturating_add(weight);
        }
    }
    bins.into_iter().collect()
}

fn bin_of(notional: f64) -> usize {
    let b = (notional.ln() / BIN_RATIO.ln()).floor();
    if b <= 0.0 {
        0
    } else {
        (b as usize).min(BINS - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_buckets_zero_fill_quiet_minutes() {
        let mut b = MinuteBuckets::<1>::new(5);
        b.add(0, [1.0]);
        b.add(30_000, [2.0]);
        b.add(3 * MINUTE + 1, [4.0]);
        let recent: Vec<f64> = b.recent(3 * MINUTE + 2, 10).map(|[v]| v).collect();
        assert_eq!(recent, [3.0, 0.0, 0.0, 4.0]);
        let closed: Vec<f64> = b.closed(3 * MINUTE + 2, 10).map(|[v]| v).collect();
        assert_eq!(closed, [3.0, 0.0, 0.0]);
        // A long silence keeps `cap` known-zero minutes.
        let recent: Vec<f64> = b.recent(100 * MINUTE, 10).map(|[v]| v).collect();
        assert_eq!(recent, [0.0; 5]);
    }

    #[test]
    fn restored_minutes_extend_the_kept_ones_backward_within_the_cap() {
        let mut b = MinuteBuckets::<1>::new(5);
        b.add(10 * MINUTE + 5, [7.0]);
        // Minute 8 from the store (9 becomes a known zero), then 6 (7 too); 3 would not fit.
        b.set_minute(8 * MINUTE, [2.0]);
        b.set_minute(6 * MINUTE, [1.0]);
        b.set_minute(3 * MINUTE, [9.0]);
        let recent: Vec<f64> = b.recent(10 * MINUTE + 6, 10).map(|[v]| v).collect();
        assert_eq!(recent, [1.0, 0.0, 2.0, 0.0, 7.0]);
        // Restored in order on an empty series, live minutes follow it.
        let mut empty = MinuteBuckets::<1>::new(100);
        empty.set_minute(MINUTE, [1.0]);
        empty.add(2 * MINUTE + 1, [3.0]);
        let closed: Vec<f64> = empty.closed(3 * MINUTE, 10).map(|[v]| v).collect();
        assert_eq!(closed, [1.0, 3.0]);
    }

    #[test]
    fn backfilled_hours_warm_the_p99_even_after_newer_ones() {
        let mut q = NotionalQuantile::new(24 * HOUR);
        q.seed_hour(19 * HOUR, &notional_bins([(50.0, 1)]));
        // 12 older hours from a backfill, each notional standing for 10 trades; one beyond
        // the horizon of the newest hour is refused.
        for h in 7..19 {
            let bins = notional_bins((1..=100).map(|i| (i as f64 * 10.0, 10)));
            q.seed_hour(h * HOUR, &bins);
        }
        q.seed_hour(-10 * HOUR, &notional_bins([(1e9, 1_000)]));
        let p99 = q.quantile(20 * HOUR + 1, 0.99, 100).unwrap();
        assert!((p99 / 990.0 - 1.0).abs() < 0.02, "p99 {p99}");
        // Without them the same baseline would still be warming.
        let mut cold = NotionalQuantile::new(24 * HOUR);
        cold.seed_hour(19 * HOUR, &notional_bins([(50.0, 1)]));
        assert_eq!(cold.quantile(20 * HOUR + 1, 0.99, 1), None);
        assert_eq!(notional_bins([(-1.0, 3), (5.0, 0), (f64::NAN, 1)]), []);
    }

    #[test]
    fn closed_minute_std_needs_samples_and_variation() {
        let mut b = MinuteBuckets::<1>::new(61);
        for m in 0..40 {
            b.add(m * MINUTE, [if m % 2 == 0 { 1.0 } else { -1.0 }]);
        }
        assert!(closed_minutes_std(&mut b, 40 * MINUTE, 60, 30).is_some());
        assert_eq!(closed_minutes_std(&mut b, 40 * MINUTE, 60, 41), None);
        let mut flat = MinuteBuckets::<1>::new(61);
        for m in 0..40 {
            flat.add(m * MINUTE, [2.0]);
        }
        assert_eq!(closed_minutes_std(&mut flat, 40 * MINUTE, 60, 30), None);
    }

    #[test]
    fn minute_samples_keep_one_per_minute_over_the_horizon() {
        let mut s = MinuteSamples::new(10 * MINUTE);
        s.push(0, 1.0);
        s.push(1000, 2.0);
        s.push(MINUTE, f64::NAN);
        s.push(MINUTE, 3.0);
        assert_eq!(s.values(MINUTE), [2.0, 3.0]);
        assert_eq!(s.median(MINUTE, 2), Some(2.5));
        assert_eq!(s.median(MINUTE, 3), None);
        assert_eq!(s.mid_rank(MINUTE, 3.0, 2), Some(0.75));
        assert_eq!(s.values(10 * MINUTE + 1), [3.0]);
    }

    /// An hour's histogram is handed out as its trades were pushed (non-empty bins, ascending),
    /// and seeding the hour replaces what it held, in the totals too.
    #[test]
    fn hour_histograms_round_trip_and_reseed() {
        let mut q = NotionalQuantile::new(24 * HOUR);
        for notional in [10.0, 1e6, 10.0, 500.0] {
            q.push(HOUR + 5, notional);
        }
        let pushed = notional_bins([(10.0, 2), (1e6, 1), (500.0, 1)]);
        assert_eq!(q.hour_bins(HOUR), pushed);
        assert_eq!(q.count, 4);
        q.seed_hour(HOUR, &notional_bins([(20.0, 3)]));
        assert_eq!(q.hour_bins(HOUR + 1), notional_bins([(20.0, 3)]));
        assert_eq!((q.count, q.totals.iter().sum::<u64>()), (3, 3));
        assert_eq!(q.hour_bins(2 * HOUR), []);
    }

    #[test]
    fn notional_p99_from_histograms() {
        let mut q = NotionalQuantile::new(24 * HOUR);
        // 1000 trades per hour for 13 hours: notional 1..=1000 each hour.
        for h in 0..13 {
            for i in 1..=1000 {
                q.push(h * HOUR + i, i as f64);
            }
        }
        let p99 = q.quantile(13 * HOUR, 0.99, 100).unwrap();
        assert!((p99 / 990.0 - 1.0).abs() < 0.02, "p99 {p99}");
        // Under half the horizon observed: no baseline yet.
        let mut young = NotionalQuantile::new(24 * HOUR);
        young.push(0, 10.0);
        assert_eq!(young.quantile(11 * HOUR, 0.99, 1), None);
        // Old hours roll out.
        q.push(40 * HOUR, 5.0);
        assert_eq!(q.quantile(40 * HOUR, 0.99, 100), None);
        assert_eq!(q.count, 1);
    }
}
