//! Small numeric helpers that keep NaN and ±inf out of every output (§0.2).
//!
//! serde_json writes a non-finite float as `null` without complaint, so an undefined value must
//! be an explicit `None` instead; these helpers are the only places a division or a log turns into
//! an `Option`.

/// `Some(x)` when `x` is finite.
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// `num / den`, or `None` when the denominator is zero, either operand is not finite (an
/// overflowed sum must not turn into a confident 0), or the quotient is not finite.
pub fn ratio(num: f64, den: f64) -> Option<f64> {
    if den == 0.0 || !num.is_finite() || !den.is_finite() {
        return None;
    }
    finite(num / den)
}

/// `min(1, max(0, x))`; a NaN (which no caller should pass) maps to 0.
pub fn clip01(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}

/// The sign as `−1`, `0` or `+1`.
pub fn sgn(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// Debug-build guard for values that are finite by construction (finite inputs, guarded
/// denominators). A failure here is a bug in this module, not bad market data.
pub fn debug_finite(x: f64) -> f64 {
    debug_assert!(
        x.is_finite(),
        "feature math produced a non-finite value: {x}"
    );
    x
}

/// Mean and standard deviation of a sample, two-pass (exact for the few hundred points the
/// callers hold). `ddof = 1` gives the sample std of §1.8, `ddof = 0` the population std.
/// `None` when there are not more than `ddof` points.
pub fn mean_std(xs: impl Iterator<Item = f64> + Clone, ddof: usize) -> Option<(f64, f64)> {
    let (n, sum) = xs.clone().fold((0usize, 0.0), |(n, s), x| (n + 1, s + x));
    if n <= ddof {
        return None;
    }
    let mean = sum / n as f64;
    let ss: f64 = xs.map(|x| (x - mean) * (x - mean)).sum();
    Some((mean, (ss / (n - ddof) as f64).sqrt()))
}

/// An ordinary-least-squares line `y = intercept + slope·x`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OlsFit {
    pub slope: f64,
    pub intercept: f64,
    /// `1 − SSE/SST`; `None` when every y is the same.
    pub r2: Option<f64>,
}

/// OLS fit, two-pass. `None` for fewer than 3 points or when every x is the same (§3.1).
pub fn ols(points: impl Iterator<Item = (f64, f64)> + Clone) -> Option<OlsFit> {
    let (n, sx, sy) = points
        .clone()
        .fold((0usize, 0.0, 0.0), |(n, sx, sy), (x, y)| {
            (n + 1, sx + x, sy + y)
        });
    if n < 3 {
        return None;
    }
    let (mx, my) = (sx / n as f64, sy / n as f64);
    let (sxx, sxy, syy) = points.fold((0.0, 0.0, 0.0), |(sxx, sxy, syy), (x, y)| {
        let (dx, dy) = (x - mx, y - my);
        (sxx + dx * dx, sxy + dx * dy, syy + dy * dy)
    });
    let slope = ratio(sxy, sxx)?;
    // SSE = Syy − slope·Sxy for the least-squares line.
    let r2 = ratio(syy - slope * sxy, syy).map(|u| 1.0 - u);
    Some(OlsFit {
        slope,
        intercept: finite(my - slope * mx)?,
        r2,
    })
}

/// Median of a small sample, sorting a copy; `None` when empty.
pub fn median(xs: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The mid-rank percentile `F(x) = (#{b < x} + 0.5·#{b = x}) / n` of §4.2; `None` for an empty
/// baseline.
pub fn mid_rank(baseline: &[f64], x: f64) -> Option<f64> {
    if baseline.is_empty() {
        return None;
    }
    let (below, equal) = baseline.iter().fold((0usize, 0usize), |(lo, eq), &b| {
        if b < x {
            (lo + 1, eq)
        } else if b == x {
            (lo, eq + 1)
        } else {
            (lo, eq)
        }
    });
    Some((below as f64 + 0.5 * equal as f64) / baseline.len() as f64)
}

/// [`mid_rank`] over a baseline sorted ascending (and free of NaN): two binary searches instead
/// of a scan.
pub fn mid_rank_sorted(sorted: &[f64], x: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    debug_assert!(
        sorted.is_sorted(),
        "mid_rank_sorted needs an ascending baseline"
    );
    let below = sorted.partition_point(|&b| b < x);
    let equal = sorted[below..].partition_point(|&b| b <= x);
    Some((below as f64 + 0.5 * equal as f64) / sorted.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::assert_close;

    #[test]
    fn ratio_refuses_zero_denominators_and_overflow() {
        assert_eq!(ratio(1.0, 0.0), None);
        assert_eq!(ratio(0.0, 0.0), None);
        assert_eq!(ratio(f64::MAX, 1e-300), None);
        assert_eq!(ratio(1.0, f64::INFINITY), None);
        assert_eq!(ratio(3.0, 4.0), Some(0.75));
    }

    #[test]
    fn debug_finite_passes_finite_values_through() {
        assert_eq!(debug_finite(1.5), 1.5);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "non-finite")]
    fn debug_finite_catches_invariant_breaks_in_debug_builds() {
        debug_finite(f64::NAN);
    }

    #[test]
    fn clip01_bounds_and_nan() {
        assert_eq!(clip01(-0.5), 0.0);
        assert_eq!(clip01(1.5), 1.0);
        assert_eq!(clip01(0.25), 0.25);
        assert_eq!(clip01(f64::NAN), 0.0);
    }

    #[test]
    fn sample_std_is_not_the_population_std() {
        // §1.8: spreads [1,1,2,1,5] bps.
        let xs = [1.0, 1.0, 2.0, 1.0, 5.0];
        let (_, sample) = mean_std(xs.iter().copied(), 1).unwrap();
        let (_, pop) = mean_std(xs.iter().copied(), 0).unwrap();
        assert_close(sample, 1.732050808);
        assert_close(pop, 1.549193338);
        assert_eq!(mean_std([1.0].iter().copied(), 1), None);
    }

    #[test]
    fn ols_needs_three_points_and_spread_in_x() {
        assert_eq!(ols([(0.0, 1.0), (1.0, 2.0)].into_iter()), None);
        assert_eq!(ols([(5.0, 1.0), (5.0, 2.0), (5.0, 3.0)].into_iter()), None);
        let flat = ols([(0.0, 1.0), (1.0, 1.0), (2.0, 1.0)].into_iter()).unwrap();
        assert_eq!((flat.slope, flat.r2), (0.0, None));
    }

    #[test]
    fn sorted_mid_rank_equals_the_scan() {
        let mut base = [3.0, 1.0, 2.0, 2.0, 5.0, 2.0, 4.0, 1.0, 9.0, 0.5];
        base.sort_by(f64::total_cmp);
        for x in [-1.0, 0.5, 1.0, 1.5, 2.0, 2.5, 4.0, 9.0, 10.0, f64::NAN] {
            assert_eq!(mid_rank_sorted(&base, x), mid_rank(&base, x), "x = {x}");
        }
        assert_eq!(mid_rank_sorted(&[], 1.0), None);
    }

    #[test]
    fn median_and_mid_rank() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(mid_rank(&[], 1.0), None);
        // §4.2: spread baseline, current 4 → 0.85.
        let base = [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0];
        assert_close(mid_rank(&base, 4.0).unwrap(), 0.85);
    }
}
