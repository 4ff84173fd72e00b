//! Incremental rollups: each 1-s row is folded into the open 1-min and 1-h rows as it closes,
//! never recomputed from the finer table. The open rows are written back every second, so a
//! restart (which folds the stored open row back in, [`Rollup::resume`]) loses at most the
//! second that was being written.

use super::columns::{Rollup as Rule, columns};

/// One column's running state.
#[derive(Clone, Copy, Debug, Default)]
struct Cell {
    sum: f64,
    count: u32,
    first: Option<f64>,
    min: f64,
    max: f64,
    last: Option<f64>,
}

impl Cell {
    fn add(&mut self, v: f64) {
        if self.count == 0 {
            (self.min, self.max) = (v, v);
        }
        self.sum += v;
        self.count += 1;
        self.first.get_or_insert(v);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.last = Some(v);
    }
}

/// The open row of one interval (a minute or an hour) of one book.
#[derive(Clone, Debug)]
pub struct Rollup {
    /// Interval start, unix seconds.
    pub start: i64,
    /// Seconds folded in.
    pub seconds: u32,
    cells: Vec<Cell>,
}

impl Rollup {
    pub fn new(start: i64) -> Self {
        Rollup {
            start,
            seconds: 0,
            cells: vec![Cell::default(); columns().len()],
        }
    }

    /// Folds one second's values in (`None`: not measured that second).
    pub fn add(&mut self, values: &[Option<f64>]) {
        self.seconds += 1;
        for (cell, v) in self.cells.iter_mut().zip(values) {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                cell.add(v);
            }
        }
    }

    /// Folds a closed finer row in (a backfilled minute into its hour) as if its seconds had
    /// been folded one by one: sums add up, means weigh by seconds, the first open and the
    /// last close stay, highs and lows widen.
    pub fn merge(&mut self, finer: &Rollup) {
        self.seconds += finer.seconds;
        for (cell, f) in self.cells.iter_mut().zip(&finer.cells) {
            if f.count == 0 {
                continue;
            }
            if cell.count == 0 {
                *cell = *f;
                continue;
            }
            cell.sum += f.sum;
            cell.count += f.count;
            cell.min = cell.min.min(f.min);
            cell.max = cell.max.max(f.max);
            cell.first = cell.first.or(f.first);
            cell.last = f.last.or(cell.last);
        }
    }

    /// The stored values, in the order of [`Column::rollup_names`](super::columns::Column)
    /// over all columns.
    pub fn values(&self) -> Vec<Option<f64>> {
        let mut out = Vec::with_capacity(self.cells.len() + 3);
        for (col, cell) in columns().iter().zip(&self.cells) {
            let some = cell.count > 0;
            match col.rollup {
                Rule::Ohlc => out.extend([
                    cell.first,
                    some.then_some(cell.max),
                    some.then_some(cell.min),
                    cell.last,
                ]),
                Rule::Mean => out.push(some.then(|| cell.sum / f64::from(cell.count))),
                Rule::Sum => out.push(some.then_some(cell.sum)),
                Rule::Last => out.push(cell.last),
            }
        }
        out
    }

    /// The open row as stored (`values` in the order of [`values`](Self::values)), to go on
    /// folding seconds into it after a restart. A mean resumes as `seconds` samples of itself.
    pub fn resume(start: i64, seconds: u32, values: &[Option<f64>]) -> Self {
        let mut r = Rollup::new(start);
        r.seconds = seconds;
        let mut it = values.iter().copied();
        for (col, cell) in columns().iter().zip(r.cells.iter_mut()) {
            match col.rollup {
                Rule::Ohlc => {
                    let (o, h, l, c) = (
                        it.next().flatten(),
                        it.next().flatten(),
                        it.next().flatten(),
                        it.next().flatten(),
                    );
                    if let (Some(o), Some(h), Some(l), Some(c)) = (o, h, l, c) {
                        *cell = Cell {
                            sum: c,
                            count: 1,
                            first: Some(o),
                            min: l,
                            max: h,
                            last: Some(c),
                        };
                    }
                }
                Rule::Mean => {
                    if let Some(v) = it.next().flatten() {
                        let n = seconds.max(1);
                        *cell = Cell {
                            sum: v * f64::from(n),
                            count: n,
                            first: Some(v),
                            min: v,
                            max: v,
                            last: Some(v),
                        };
                    }
                }
                Rule::Sum | Rule::Last => {
                    if let Some(v) = it.next().flatten() {
                        cell.add(v);
                    }
                }
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::columns::{index_of, width};

    fn second(mid: f64, spread: f64, buy: f64) -> Vec<Option<f64>> {
        let mut v = vec![None; width()];
        v[index_of("mid").unwrap()] = Some(mid);
        v[index_of("spread_bps").unwrap()] = Some(spread);
        v[index_of("taker_buy_base").unwrap()] = Some(buy);
        v
    }

    fn stored(r: &Rollup, name: &str) -> Option<f64> {
        let names: Vec<String> = columns().iter().flat_map(|c| c.rollup_names()).collect();
        r.values()[names.iter().position(|n| n == name).unwrap()]
    }

    #[test]
    fn ohlc_mean_and_sum() {
        let mut r = Rollup::new(60);
        r.add(&second(100.0, 1.0, 2.0));
        r.add(&second(103.0, 3.0, 0.5));
        r.add(&second(99.0, 2.0, 0.0));
        assert_eq!(stored(&r, "mid_open"), Some(100.0));
        assert_eq!(stored(&r, "mid_high"), Some(103.0));
        assert_eq!(stored(&r, "mid_low"), Some(99.0));
        assert_eq!(stored(&r, "mid_close"), Some(99.0));
        assert_eq!(stored(&r, "spread_bps"), Some(2.0));
        assert_eq!(stored(&r, "taker_buy_base"), Some(2.5));
        assert_eq!(stored(&r, "trades"), None);
    }

    #[test]
    fn a_resumed_row_goes_on_as_if_never_stopped() {
        let seconds = [
            second(100.0, 1.0, 2.0),
            second(103.0, 3.0, 0.5),
            second(99.0, 2.0, 0.0),
            second(101.0, 6.0, 1.0),
        ];
        let mut whole = Rollup::new(0);
        seconds.iter().for_each(|s| whole.add(s));
        let mut first = Rollup::new(0);
        seconds[..2].iter().for_each(|s| first.add(s));
        let mut resumed = Rollup::resume(0, first.seconds, &first.values());
        seconds[2..].iter().for_each(|s| resumed.add(s));
        assert_eq!(resumed.values(), whole.values());
        assert_eq!(resumed.seconds, 4);
    }
}
