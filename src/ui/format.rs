//! Number and time formatting. Fixed precision per kind so a number that did not change renders
//! the same characters (and costs no bytes on the next frame); absent values never become 0.

pub use crate::amount::{compact, is_dollar, money};
use crate::market::Nanos;

/// `f(v)` for a finite value, the absent glyph otherwise: `None`, NaN and ±inf all mean "no
/// number we can vouch for".
pub fn opt(value: Option<f64>, absent: &str, f: impl Fn(f64) -> String) -> String {
    match value {
        Some(v) if v.is_finite() => f(v),
        _ => absent.to_owned(),
    }
}

/// A price at the instrument's decimals.
pub fn price(p: f64, decimals: u8) -> String {
    format!("{p:.*}", usize::from(decimals))
}

/// A size in base units, at most 7 characters: more decimals for small sizes, k/M/B suffixes
/// for large ones.
pub fn qty(x: f64) -> String {
    let a = x.abs();
    match a {
        a if a < 10.0 => format!("{x:.4}"),
        a if a < 100.0 => format!("{x:.3}"),
        a if a < 1_000.0 => format!("{x:.2}"),
        a if a < 10_000.0 => format!("{x:.1}"),
        a if a < 1e6 => format!("{:.2}k", x / 1e3),
        a if a < 1e9 => format!("{:.2}M", x / 1e6),
        _ => format!("{:.2}B", x / 1e9),
    }
}

/// A dollar notional: `$950`, `$12.3k`, `$1.23M`. Only for amounts known to be in dollars;
/// a book's notional goes through [`money`] with the book's quote currency.
pub fn usd(x: f64) -> String {
    money(x, "USD")
}

/// [`money`] with an explicit `+` on positive values (flows: CVD, OFI in notional).
pub fn signed_money(x: f64, quote: &str) -> String {
    let text = money(x, quote);
    if x > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{text}")
    } else {
        text
    }
}

/// Prices aligned on their decimal point in a right-aligned column: each price at its own
/// instrument's decimals, padded on the right to `column_decimals` (the most any row of the
/// column has), so `97303.6 ` sits over `97293.93`.
pub fn price_aligned(p: f64, decimals: u8, column_decimals: u8) -> String {
    let text = price(p, decimals);
    let pad = usize::from(column_decimals.saturating_sub(decimals))
        + usize::from(decimals == 0 && column_decimals > 0);
    format!("{text}{}", " ".repeat(pad))
}

/// A signed value with an explicit `+` (so direction reads without colour); zero after rounding
/// has no sign.
pub fn signed(x: f64, decimals: usize) -> String {
    let text = format!("{x:+.decimals$}");
    if text[1..].chars().all(|c| c == '0' || c == '.') {
        text[1..].to_owned()
    } else {
        text
    }
}

/// A plain value at fixed decimals.
pub fn fixed(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_owned(),
        _ => text,
    }
}

/// Basis points: three decimals below 1 bp (a one-tick BTC spread is 0.002 bps), two above.
pub fn bps(x: f64) -> String {
    fixed(x, if x.abs() < 1.0 { 3 } else { 2 })
}

/// A fraction as a percentage: `0.0001` → `0.0100%` at 4 decimals.
pub fn pct(fraction: f64, decimals: usize) -> String {
    format!("{}%", signed(fraction * 100.0, decimals))
}

/// An age or duration in milliseconds, at most 5 characters: `850ms`, `3.2s`, `42s`, `5m`,
/// `2h`, `3d`, `>999d`.
pub fn age_ms(ms: f64) -> String {
    const HOUR: f64 = 3_600e3;
    let ms = ms.max(0.0);
    match ms {
        ms if ms < 999.5 => format!("{ms:.0}ms"),
        ms if ms < 9_950.0 => format!("{:.1}s", ms / 1e3),
        ms if ms < 59_500.0 => format!("{:.0}s", ms / 1e3),
        ms if ms < 59.5 * 60e3 => format!("{:.0}m", ms / 60e3),
        ms if ms < 47.5 * HOUR => format!("{:.0}h", ms / HOUR),
        ms if ms < 999.5 * 24.0 * HOUR => format!("{:.0}d", ms / (24.0 * HOUR)),
        _ => ">999d".to_owned(),
    }
}

/// Milliseconds between two local times (`later` − `earlier`), never negative.
pub fn elapsed_ms(later: Nanos, earlier: Nanos) -> f64 {
    later.saturating_sub(earlier) as f64 / 1e6
}

/// `HH:MM:SS` UTC.
pub fn clock(at: Nanos) -> String {
    let secs = at / 1_000_000_000;
    let day = secs % 86_400;
    format!("{:02}:{:02}:{:02}", day / 3600, day / 60 % 60, day % 60)
}

/// `HH:MM:SS` UTC of an exchange timestamp in milliseconds.
pub fn clock_ms(ms: i64) -> String {
    clock(u64::try_from(ms).unwrap_or(0) * 1_000_000)
}

/// `YYYY-MM-DD HH:MM:SS.mmm` UTC (the replay clock).
pub fn datetime(at: Nanos) -> String {
    let secs = at / 1_000_000_000;
    let millis = at / 1_000_000 % 1000;
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02} {}.{millis:03}", clock(at))
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Cut `text` to `width` characters, ending in `ellipsis` when cut.
pub fn fit(text: &str, width: usize, ellipsis: &str) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let keep = width.saturating_sub(ellipsis.chars().count());
    let mut out: String = text.chars().take(keep).collect();
    if width > 0 {
        out.push_str(ellipsis);
    }
    out.chars().take(width).collect()
}

/// Cut `text` to `width` characters at a space, ending in `ellipsis` when cut: a line of words
/// and numbers loses whole words, never half a number (`$2.10M large trade ≥ $1.…` cannot
/// happen; `$2.10M large trade…` can).
pub fn fit_words(text: &str, width: usize, ellipsis: &str) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let room = width.saturating_sub(ellipsis.chars().count());
    let mut out = String::new();
    for word in text.split(' ') {
        let need = out.chars().count() + usize::from(!out.is_empty()) + word.chars().count();
        if need > room {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    // A separator (`·`, `-`) left dangling before the ellipsis goes too.
    while let Some((head, last)) = out.rsplit_once(' ') {
        if last.chars().any(char::is_alphanumeric) {
            break;
        }
        out.truncate(head.len());
    }
    if out.is_empty() {
        // Not even one word fits: say that something is there.
        return ellipsis.chars().take(width).collect();
    }
    out.push_str(ellipsis);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_is_never_zero() {
        assert_eq!(opt(None, "—", |v| fixed(v, 2)), "—");
        assert_eq!(opt(Some(f64::NAN), "—", |v| fixed(v, 2)), "—");
        assert_eq!(opt(Some(f64::INFINITY), "-", |v| fixed(v, 2)), "-");
        assert_eq!(opt(Some(0.0), "—", |v| fixed(v, 2)), "0.00");
    }

    #[test]
    fn numbers_have_fixed_shapes() {
        assert_eq!(qty(0.5), "0.5000");
        assert_eq!(qty(12.3456), "12.346");
        assert_eq!(qty(12_345.0), "12.35k");
        assert_eq!(qty(2_500_000.0), "2.50M");
        assert_eq!(usd(950.0), "$950");
        assert_eq!(usd(12_345.0), "$12.3k");
        assert_eq!(usd(250_000.0), "$250k");
        assert_eq!(usd(-1_234_567.0), "-$1.23M");
        assert_eq!(signed(0.25, 2), "+0.25");
        assert_eq!(signed(-0.25, 2), "-0.25");
        assert_eq!(signed(-0.0001, 2), "0.00");
        assert_eq!(fixed(-0.0001, 2), "0.00");
        assert_eq!(pct(0.0001, 4), "+0.0100%");
        assert_eq!(bps(0.0016), "0.002");
        assert_eq!(bps(4.127), "4.13");
        assert_eq!(price(64_123.456, 1), "64123.5");
    }

    #[test]
    fn money_says_its_currency_and_dollars_only_for_dollars() {
        assert_eq!(money(2_102_347.63, "USDT"), "$2.10M");
        assert_eq!(money(-950.0, "USD"), "-$950");
        assert_eq!(money(1_234_567.0, "EUR"), "1.23M EUR");
        assert_eq!(money(0.52, "BTC"), "0.52 BTC");
        assert_eq!(money(12.0, ""), "12.0");
        assert_eq!(signed_money(1_500.0, "USD"), "+$1.50k");
        assert_eq!(signed_money(-1_500.0, "USD"), "-$1.50k");
        assert_eq!(signed_money(0.0001, "USD"), "$0.00");
        assert!(!money(5.0, "CHF").contains('$'));
    }

    #[test]
    fn prices_align_on_the_decimal_point() {
        assert_eq!(price_aligned(97_303.6, 1, 2), "97303.6 ");
        assert_eq!(price_aligned(97_293.93, 2, 2), "97293.93");
        assert_eq!(price_aligned(3_479.0, 0, 2), "3479   ");
        assert_eq!(price_aligned(0.000_022_89, 8, 8), "0.00002289");
    }

    #[test]
    fn times_read_as_people_say_them() {
        assert_eq!(age_ms(850.0), "850ms");
        assert_eq!(age_ms(3_240.0), "3.2s");
        assert_eq!(age_ms(42_000.0), "42s");
        assert_eq!(age_ms(300_000.0), "5m");
        assert_eq!(age_ms(-5.0), "0ms");
        assert_eq!(age_ms(999.7), "1.0s", "never 1000ms");
        assert_eq!(age_ms(59_700.0), "1m", "never 60s");
        assert_eq!(age_ms(3.0 * 86_400e3), "3d");
        assert_eq!(age_ms(1e13), ">999d");
        // 2024-03-01 12:34:56.789 UTC
        let at = 1_709_296_496_789_000_000;
        assert_eq!(datetime(at), "2024-03-01 12:34:56.789");
        assert_eq!(clock(at), "12:34:56");
        assert_eq!(clock_ms(1_709_296_496_789), "12:34:56");
        assert_eq!(datetime(0), "1970-01-01 00:00:00.000");
    }

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        assert_eq!(fit("binance-usdm", 8, "…"), "binance…");
        assert_eq!(fit("okx", 8, "…"), "okx");
        assert_eq!(fit("okx", 0, "…"), "");
    }

    #[test]
    fn fit_words_never_cuts_inside_a_number() {
        let line = "$2.10M large trade ≥ $1.00M · okx perp";
        assert_eq!(fit_words(line, 100, "…"), line);
        assert_eq!(fit_words(line, 26, "…"), "$2.10M large trade…");
        assert_eq!(fit_words(line, 30, "…"), "$2.10M large trade ≥ $1.00M…");
        assert_eq!(fit_words(line, 8, "…"), "$2.10M…");
        assert_eq!(fit_words(line, 5, "…"), "…");
        assert_eq!(fit_words(line, 0, "…"), "");
    }
}
