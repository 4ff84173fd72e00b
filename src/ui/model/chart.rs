//! The price chart's model: which range is shown and the points and candles in it, as seconds
//! before now (so the x axis reads `-5m … now` whatever the clock).

use crate::engine::prices::PriceSeries;
use crate::market::Nanos;

/// The chart's time range (`r` cycles).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChartRange {
    /// 1 s samples.
    #[default]
    FiveMinutes,
    /// 1 min candles.
    OneHour,
    /// 1 min candles.
    OneDay,
}

impl ChartRange {
    pub fn next(self) -> ChartRange {
        match self {
            ChartRange::FiveMinutes => ChartRange::OneHour,
            ChartRange::OneHour => ChartRange::OneDay,
            ChartRange::OneDay => ChartRange::FiveMinutes,
        }
    }

    pub fn seconds(self) -> f64 {
        match self {
            ChartRange::FiveMinutes => 300.0,
            ChartRange::OneHour => 3_600.0,
            ChartRange::OneDay => 86_400.0,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ChartRange::FiveMinutes => "5m",
            ChartRange::OneHour => "1h",
            ChartRange::OneDay => "24h",
        }
    }

    /// What one point is.
    /// The widest step between two points of one line: a sample or candle missed is bridged, a
    /// longer stretch without any is a gap in the line.
    pub fn max_step(self) -> f64 {
        match self {
            ChartRange::FiveMinutes => 2.5,
            _ => 150.0,
        }
    }

    pub fn resolution(self) -> &'static str {
        match self {
            ChartRange::FiveMinutes => "1s mid",
            _ => "1m candles",
        }
    }

    /// The x-axis labels: `(seconds before now, text)`, oldest first, ending at `now`.
    pub fn ticks(self) -> Vec<(f64, String)> {
        let (step, count, unit, per) = match self {
            ChartRange::FiveMinutes => (60.0, 5, "m", 60.0),
            ChartRange::OneHour => (900.0, 4, "m", 60.0),
            ChartRange::OneDay => (6.0 * 3_600.0, 4, "h", 3_600.0),
        };
        let mut out: Vec<(f64, String)> = (1..=count)
            .rev()
            .map(|i| {
                let s = f64::from(i) * step;
                (-s, format!("-{}{unit}", s / per))
            })
            .collect();
        out.push((0.0, "now".into()));
        out
    }
}

/// The series over one range: mids (close of each candle) and, for candles, their low and high.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChartData {
    /// `(seconds before now (≤ 0), price)`, oldest first.
    pub line: Vec<(f64, f64)>,
    /// `(seconds before now, low, high)` per candle; empty at 1 s resolution.
    pub ranges: Vec<(f64, f64, f64)>,
}

impl ChartData {
    pub fn build(series: &PriceSeries, range: ChartRange, now: Nanos) -> ChartData {
        let ago = |t: Nanos| -(now.saturating_sub(t) as f64 / 1e9);
        let span = range.seconds();
        let mut data = ChartData::default();
        match range {
            ChartRange::FiveMinutes => {
                data.line = series
                    .seconds
                    .iter()
                    .map(|(t, m)| (ago(*t), *m))
                    .filter(|(x, _)| *x >= -span)
                    .collect();
            }
            _ => {
                for c in &series.minutes {
                    // A candle is drawn at its minute's middle.
                    let x = ago(c.start) + 30.0;
                    if x >= -span {
                        data.line.push((x.min(0.0), c.close));
                        data.ranges.push((x.min(0.0), c.low, c.high));
                    }
                }
            }
        }
        data
    }

    /// The lowest and highest price drawn, if any.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        let lows = self
            .line
            .iter()
            .map(|p| p.1)
            .chain(self.ranges.iter().map(|r| r.1));
        let highs = self
            .line
            .iter()
            .map(|p| p.1)
            .chain(self.ranges.iter().map(|r| r.2));
        let lo = lows.fold(f64::INFINITY, f64::min);
        let hi = highs.fold(f64::NEG_INFINITY, f64::max);
        (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
    }

    /// The relative change from the first to the last point of the range.
    pub fn change(&self) -> Option<f64> {
        let (first, last) = (self.line.first()?.1, self.line.last()?.1);
        (first > 0.0).then(|| last / first - 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::prices::Candle;

    const S: Nanos = 1_000_000_000;

    #[test]
    fn each_range_reads_its_resolution_and_drops_what_is_older() {
        let now = 100_000 * S;
        let mut series = PriceSeries::default();
        series
            .seconds
            .extend([(now - 400 * S, 1.0), (now - 10 * S, 2.0), (now, 3.0)]);
        series.minutes.extend([
            Candle {
                start: now - 7_200 * S,
                open: 1.0,
                high: 9.0,
                low: 0.5,
                close: 1.0,
            },
            Candle {
                start: now - 120 * S,
                open: 2.0,
                high: 4.0,
                low: 1.5,
                close: 3.0,
            },
        ]);
        let five = ChartData::build(&series, ChartRange::FiveMinutes, now);
        assert_eq!(five.line, [(-10.0, 2.0), (0.0, 3.0)]);
        assert!(five.ranges.is_empty());
        assert_eq!(five.change(), Some(0.5));
        let hour = ChartData::build(&series, ChartRange::OneHour, now);
        assert_eq!(hour.line, [(-90.0, 3.0)]);
        assert_eq!(hour.bounds(), Some((1.5, 4.0)));
        let day = ChartData::build(&series, ChartRange::OneDay, now);
        assert_eq!(day.line.len(), 2);
        assert_eq!(day.bounds(), Some((0.5, 9.0)));
        assert_eq!(ChartData::default().bounds(), None);
    }

    #[test]
    fn ranges_cycle_and_label_their_axis() {
        let r = ChartRange::default();
        assert_eq!(r.next().next().next(), r);
        let ticks: Vec<String> = r.ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(ticks, ["-5m", "-4m", "-3m", "-2m", "-1m", "now"]);
        let day: Vec<String> = ChartRange::OneDay
            .ticks()
            .into_iter()
            .map(|t| t.1)
            .collect();
        assert_eq!(day, ["-24h", "-18h", "-12h", "-6h", "now"]);
    }
}
