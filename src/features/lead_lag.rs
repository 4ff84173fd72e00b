//! `ofi_lead_lag` (§3.12): which of two books' order flow moves first.
//!
//! Two series of 1-s bins of `ofi_norm`, x (book A) and y (book B), are cross-correlated:
//! `ρ(τ) = corr(x_t, y_{t+τ})` for τ ∈ [−K, K] by Pearson over the overlapping pairs. Positive τ
//! means A leads B. The lead-lag ratio `LLR = Σ_{τ=1..K} ρ(τ)² / Σ_{τ=1..K} ρ(−τ)²` (Huth &
//! Abergel 2014) summarises the asymmetry: above 1, A leads.
//!
//! A bin is `None` where its book was not fresh (missing data, left out of every pair), and
//! `Some(0.0)` where the book was fresh but nothing traded at the touch (no flow is a real zero).

/// §3.12: K = 10 bins of 1 s.
pub const MAX_LAG: usize = 10;
/// §3.12: fewer non-empty bins than this say nothing.
pub const MIN_BINS: usize = 60;

/// The cross-correlation's summary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeadLagStat {
    /// `argmax_τ |ρ(τ)|`, in bins (positive: x leads y).
    pub lag: i32,
    /// ρ at that lag.
    pub rho: f64,
    /// `None` when every `ρ(−τ)` is zero or undefined.
    pub llr: Option<f64>,
}

/// Pearson correlation of the pairs `(x_t, y_{t+τ})` where both are present; `None` with fewer
/// than three pairs or when either side is constant over them (no flow, §3.12).
pub fn cross_correlation(x: &[Option<f64>], y: &[Option<f64>], tau: isize) -> Option<f64> {
    let pairs = || {
        x.iter().enumerate().filter_map(move |(t, a)| {
            let u = t.checked_add_signed(tau)?;
            Some(((*a)?, (*y.get(u)?)?))
        })
    };
    let (n, sa, sb) = pairs().fold((0usize, 0.0, 0.0), |(n, sa, sb), (a, b)| {
        (n + 1, sa + a, sb + b)
    });
    if n < 3 {
        return None;
    }
    let (ma, mb) = (sa / n as f64, sb / n as f64);
    let (saa, sbb, sab) = pairs().fold((0.0, 0.0, 0.0), |(saa, sbb, sab), (a, b)| {
        let (da, db) = (a - ma, b - mb);
        (saa + da * da, sbb + db * db, sab + da * db)
    });
    // A constant series leaves only rounding in its sum of squares: relative to the size of
    // its values, that is no variance at all.
    let flat = |ss: f64, m: f64| ss <= 1e-24 * n as f64 * (1.0 + m * m);
    if flat(saa, ma) || flat(sbb, mb) {
        return None;
    }
    let rho = sab / (saa.sqrt() * sbb.sqrt());
    rho.is_finite().then(|| rho.clamp(-1.0, 1.0))
}

/// §3.12 over τ ∈ [−max_lag, max_lag]. `None` when no lag has a correlation (a constant or
/// too short series).
pub fn lead_lag(x: &[Option<f64>], y: &[Option<f64>], max_lag: usize) -> Option<LeadLagStat> {
    let k = max_lag as isize;
    let rho = |tau: isize| cross_correlation(x, y, tau);
    let mut best: Option<(isize, f64)> = None;
    let (mut lead, mut lag) = (0.0, 0.0);
    for tau in -k..=k {
        let Some(r) = rho(tau) else { continue };
        // A tie keeps the first lag from −K, as the spec's script does.
        if best.is_none_or(|(_, b)| r.abs() > b.abs()) {
            best = Some((tau, r));
        }
        if tau > 0 {
            lead += r * r;
        } else if tau < 0 {
            lag += r * r;
        }
    }
    let (tau, r) = best?;
    Some(LeadLagStat {
        lag: i32::try_from(tau).ok()?,
        rho: r,
        llr: (lag > 0.0).then(|| lead / lag).filter(|v| v.is_finite()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::assert_close;

    const X: [f64; 24] = [
        1.0, 0.0, -1.0, 2.0, 0.0, 0.0, 1.0, -2.0, 1.0, 0.0, 0.0, -1.0, 2.0, 1.0, 0.0, -1.0, 0.0,
        1.0, -1.0, 0.0, 2.0, -1.0, 0.0, 1.0,
    ];

    fn spec_series() -> (Vec<Option<f64>>, Vec<Option<f64>>) {
        let x: Vec<Option<f64>> = X.iter().map(|v| Some(*v)).collect();
        // y_t = x_{t−2}, zero-padded.
        let y: Vec<Option<f64>> = [0.0, 0.0]
            .iter()
            .chain(&X[..X.len() - 2])
            .map(|v| Some(*v))
            .collect();
        (x, y)
    }

    #[test]
    fn x_leading_y_by_two_bins_on_the_spec_series() {
        // §3.12 Test: ρ(2) = 1, lead_lag = +2, LLR = 16.83066836. The spec's script sums the LLR
        // over K = 3 lags, so the test does too.
        let (x, y) = spec_series();
        let s = lead_lag(&x, &y, 3).unwrap();
        assert_eq!(s.lag, 2);
        assert_close(s.rho, 1.0);
        assert_close(s.llr.unwrap(), 16.83066836);
        // The script's other lags, to 4 decimals.
        for (tau, r) in [
            (-3, -0.1226),
            (-1, 0.2492),
            (0, -0.2665),
            (1, -0.3832),
            (3, -0.4016),
        ] {
            let got = cross_correlation(&x, &y, tau).unwrap();
            assert!((got - r).abs() < 5e-5, "ρ({tau}) = {got}, spec {r}");
        }
        // Swapping the books flips the sign of the lag and inverts the ratio.
        let s = lead_lag(&y, &x, 3).unwrap();
        assert_eq!(s.lag, -2);
        assert_close(s.llr.unwrap(), 1.0 / 16.83066836);
    }

    #[test]
    fn a_constant_series_has_no_correlation() {
        let (x, _) = spec_series();
        let flat = vec![Some(0.3); x.len()];
        assert_eq!(cross_correlation(&x, &flat, 0), None);
        assert_eq!(lead_lag(&x, &flat, MAX_LAG), None);
        assert_eq!(lead_lag(&[], &[], MAX_LAG), None);
    }

    #[test]
    fn missing_bins_leave_their_pairs_out() {
        let (x, mut y) = spec_series();
        // Knocking out bins of y keeps ρ(2) exact: the pairs that remain still match.
        for t in [5, 11, 17] {
            y[t] = None;
        }
        assert_close(cross_correlation(&x, &y, 2).unwrap(), 1.0);
        assert_eq!(lead_lag(&x, &y, 3).unwrap().lag, 2);
    }
}
