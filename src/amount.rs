//! Amounts as people read them: three significant digits with a k/M/B/T magnitude, and `$` only
//! for dollar quotes. Shared by the terminal, alert messages and detector evidence, so one amount
//! reads the same wherever it is shown.

/// A number in at most 6 characters whatever its size (`0.42`, `12.3`, `950`, `12.3k`,
/// `-1.23M`, `4.50B`, `1.20T`): three significant digits and a k/M/B/T suffix. For any cell that
/// must never overflow (overview columns, chart axes, alert lines); a fixed-width cell would
/// otherwise show `######`.
pub fn compact(x: f64) -> String {
    if !x.is_finite() {
        return "?".to_owned();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let a = x.abs();
    if a < 999.5 {
        let decimals = match a {
            a if a < 9.995 => 2,
            a if a < 99.95 => 1,
            _ => 0,
        };
        let text = format!("{a:.decimals$}");
        return if text.chars().all(|c| c == '0' || c == '.') {
            text
        } else {
            format!("{sign}{text}")
        };
    }
    for (unit, scale) in [("k", 1e3), ("M", 1e6), ("B", 1e9), ("T", 1e12)] {
        let v = a / scale;
        // Round first: 999.7k reads as 1.00M, never 1000k.
        if v < 999.5 || unit == "T" {
            let decimals = match v {
                v if v < 9.995 => 2,
                v if v < 99.95 => 1,
                _ => 0,
            };
            if unit == "T" && v >= 999.5 {
                return format!("{sign}>999T");
            }
            return format!("{sign}{v:.decimals$}{unit}");
        }
    }
    unreachable!("the loop returns at T")
}

/// Quote currencies shown with `$`: the US dollar and the dollar stablecoins. A notional in any
/// other quote carries its currency code instead (`1.23M EUR`, `0.52 BTC`), never `$`.
const DOLLARS: [&str; 7] = ["USD", "USDT", "USDC", "FDUSD", "BUSD", "TUSD", "DAI"];

/// Whether `quote` is shown with `$` (see [`money`]).
pub fn is_dollar(quote: &str) -> bool {
    DOLLARS.iter().any(|d| d.eq_ignore_ascii_case(quote))
}

/// A compact notional in its quote currency: `$2.10M`, `-$950`, `1.23M EUR`, `0.52 BTC` (at most
/// 7 characters for dollars). `quote` is the instrument's quote code; an empty one (unknown) is
/// shown as a bare number rather than guessed to be dollars.
pub fn money(x: f64, quote: &str) -> String {
    let number = compact(x.abs());
    let sign = if x < 0.0 && number.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if is_dollar(quote) {
        format!("{sign}${number}")
    } else if quote.is_empty() {
        format!("{sign}{number}")
    } else {
        format!("{sign}{number} {quote}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_numbers_always_fit_six_characters() {
        assert_eq!(compact(0.0), "0.00");
        assert_eq!(compact(-0.001), "0.00");
        assert_eq!(compact(0.4237), "0.42");
        assert_eq!(compact(12.34), "12.3");
        assert_eq!(compact(950.2), "950");
        assert_eq!(compact(999.7), "1.00k");
        assert_eq!(compact(12_345.0), "12.3k");
        assert_eq!(compact(-999_700.0), "-1.00M");
        assert_eq!(compact(2_102_347.63), "2.10M");
        assert_eq!(compact(4.5e9), "4.50B");
        assert_eq!(compact(-1.2e12), "-1.20T");
        assert_eq!(compact(5e18), ">999T");
        for x in [
            0.0, 1.0, 9.999, 99.99, 999.4, 9_999.0, 99_999.0, 999_999.0, 1e10, 1e14,
        ] {
            for v in [x, -x] {
                assert!(compact(v).chars().count() <= 6, "{v}: {}", compact(v));
            }
        }
    }
}
