//! Shared test fixtures: book B1 of §1 and tolerance asserts.

use super::Level;

/// Relative tolerance for the spec's golden values (§0 header).
pub const REL_TOL: f64 = 1e-9;

/// `actual ≈ expected` within [`REL_TOL`] (absolute 1e-12 around zero).
#[track_caller]
pub fn assert_close(actual: f64, expected: f64) {
    let tol = REL_TOL * expected.abs().max(1e-3);
    assert!(
        (actual - expected).abs() <= tol,
        "expected {expected}, got {actual} (diff {:e})",
        (actual - expected).abs()
    );
}

/// Like [`assert_close`] for an `Option`, failing on `None`.
#[track_caller]
pub fn assert_some_close(actual: Option<f64>, expected: f64) {
    match actual {
        Some(a) => assert_close(a, expected),
        None => panic!("expected {expected}, got None"),
    }
}

/// Asserts that nothing in a value's debug form is NaN or infinite.
#[track_caller]
pub fn assert_all_finite(value: &impl std::fmt::Debug) {
    let s = format!("{value:?}");
    let bad = s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|tok| tok == "NaN" || tok == "inf");
    assert!(!bad, "non-finite value in {s}");
}

fn levels(raw: &[(f64, f64)]) -> Vec<Level> {
    raw.iter().map(|&(p, q)| Level::new(p, q)).collect()
}

/// Book B1 of §1.1: bids `(100.0,3) (99.9,5) (99.8,2) (99.7,6) (99.6,4)`.
pub fn b1_bids() -> Vec<Level> {
    levels(&[
        (100.0, 3.0),
        (99.9, 5.0),
        (99.8, 2.0),
        (99.7, 6.0),
        (99.6, 4.0),
    ])
}

/// Book B1 of §1.1: asks `(100.1,1) (100.2,4) (100.3,3) (100.4,2) (100.5,5)`.
pub fn b1_asks() -> Vec<Level> {
    levels(&[
        (100.1, 1.0),
        (100.2, 4.0),
        (100.3, 3.0),
        (100.4, 2.0),
        (100.5, 5.0),
    ])
}

/// Seconds to exchange milliseconds, for readable test timelines.
pub const fn secs(s: i64) -> i64 {
    s * 1000
}
