//! [`Dec`]: an exact decimal that remembers how the venue wrote it.
//!
//! Checksums are computed over the exchange's own strings: OKX sends `"3366"` and `"3366.0"`
//! as different texts for equal prices, and a CRC over the wrong one fails. So a price is kept
//! as `mantissa × 10^-scale` with the scale *as received*: `"3366.0"` is `(33660, 1)` and
//! renders back as `3366.0`. Values compare by amount (`3366 == 3366.0`), render by wire form.
//!
//! Only the canonical decimal grammar is accepted (the JSON number grammar without exponents):
//! `-?(0|[1-9][0-9]*)(\.[0-9]+)?`. Anything else — empty text, `NaN`, `Infinity`, exponents,
//! signs where none belong, leading zeros, more digits than fit — is a [`DecError`] naming the
//! text, because a form we cannot write back byte for byte would silently break checksums.
//! Deribit's float-formatted numbers (`2.2e3`) go through [`Dec::parse_scientific`], which
//! converts exactly; nothing here ever passes through `f64`.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// The largest scale kept: 18 fractional digits (any venue's tick is far coarser).
pub const MAX_SCALE: u8 = 18;

/// Powers of ten up to 10^36, enough to align two scales of at most 18 in an `i128`.
const POW10: [i128; 37] = {
    let mut t = [1i128; 37];
    let mut i = 1;
    while i < 37 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// An exact decimal number with its wire scale. See the module docs.
#[derive(Clone, Copy, Default)]
pub struct Dec {
    mant: i64,
    scale: u8,
}

/// Why a text is not an acceptable decimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecErrorKind {
    Empty,
    /// Letters, `NaN`, `Infinity`, stray characters.
    NotANumber,
    /// `1e5`, `2.2E-3`: exponents are not wire-preserving (see [`Dec::parse_scientific`]).
    Exponent,
    /// A `-` or `+` where the field cannot be signed, or a `+` anywhere.
    UnexpectedSign,
    /// Leading zeros (`007`), a bare point (`.5`, `5.`), or negative zero.
    NonCanonical,
    /// More digits than fit in 64 bits, or more than [`MAX_SCALE`] fractional digits.
    TooManyDigits,
    /// A rescale that would drop nonzero digits.
    PrecisionLoss,
}

/// A rejected decimal: the kind and the offending text (cut to 64 characters).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid decimal {text:?}: {}", kind_message(*.kind))]
pub struct DecError {
    pub kind: DecErrorKind,
    pub text: String,
}

fn kind_message(kind: DecErrorKind) -> &'static str {
    match kind {
        DecErrorKind::Empty => "empty",
        DecErrorKind::NotANumber => "not a number",
        DecErrorKind::Exponent => "exponent notation is not accepted here",
        DecErrorKind::UnexpectedSign => "sign not allowed",
        DecErrorKind::NonCanonical => "non-canonical form (leading zero, bare point or -0)",
        DecErrorKind::TooManyDigits => "more digits than fit (64-bit mantissa, 18 decimals)",
        DecErrorKind::PrecisionLoss => "would lose digits",
    }
}

impl DecError {
    fn new(kind: DecErrorKind, text: &str) -> Self {
        let text = match text.char_indices().nth(64) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text.to_owned(),
        };
        DecError { kind, text }
    }
}

impl Dec {
    /// Zero with scale 0.
    pub const ZERO: Dec = Dec { mant: 0, scale: 0 };

    /// Build from parts; `None` if the scale exceeds [`MAX_SCALE`].
    pub const fn from_parts(mant: i64, scale: u8) -> Option<Dec> {
        if scale > MAX_SCALE {
            None
        } else {
            Some(Dec { mant, scale })
        }
    }

    /// The integer mantissa (`"0.0500"` → `500`).
    pub const fn mantissa(self) -> i64 {
        self.mant
    }

    /// The number of fractional digits as written on the wire.
    pub const fn scale(self) -> u8 {
        self.scale
    }

    pub const fn is_zero(self) -> bool {
        self.mant == 0
    }

    pub const fn is_negative(self) -> bool {
        self.mant < 0
    }

    /// Parse an unsigned decimal (prices, sizes).
    pub fn parse(text: &str) -> Result<Dec, DecError> {
        parse_canonical(text, false)
    }

    /// Parse a decimal that may carry a leading `-` (rates, signed quantities).
    pub fn parse_signed(text: &str) -> Result<Dec, DecError> {
        parse_canonical(text, true)
    }

    /// Parse a raw JSON token for an unsigned price or size: a string (`"3366.0"`) or a number
    /// (`3366.0`, as Kraken v2 and Gate futures send). Escapes are not expected in numbers and
    /// are rejected as not-a-number.
    pub fn parse_json(raw: &str) -> Result<Dec, DecError> {
        let raw = raw.trim_ascii();
        let inner = match raw.as_bytes() {
            [b'"', .., b'"'] if raw.len() >= 2 => &raw[1..raw.len() - 1],
            _ => raw,
        };
        Dec::parse(inner)
    }

    /// Parse a float-formatted number exactly, exponent included (`2.2e3` → `2200`,
    /// `1.5E-4` → `0.00015`). For Deribit, whose JSON floats may use exponents and which has no
    /// checksum, so the wire form does not need to survive. Leading/trailing zero rules of the
    /// canonical grammar still apply to the significand.
    pub fn parse_scientific(text: &str) -> Result<Dec, DecError> {
        let Some(epos) = text.find(['e', 'E']) else {
            return Dec::parse(text);
        };
        let (sig, exp) = (&text[..epos], &text[epos + 1..]);
        let base = Dec::parse(sig).map_err(|e| DecError::new(e.kind, text))?;
        let exp: i32 = match exp.strip_prefix('+').unwrap_or(exp).parse() {
            Ok(e) if exp.len() <= 4 => e,
            _ => return Err(DecError::new(DecErrorKind::NotANumber, text)),
        };
        let new_scale = i32::from(base.scale) - exp;
        if new_scale >= 0 {
            let scale = u8::try_from(new_scale)
                .ok()
                .filter(|s| *s <= MAX_SCALE)
                .ok_or_else(|| DecError::new(DecErrorKind::TooManyDigits, text))?;
            Ok(Dec {
                mant: base.mant,
                scale,
            })
        } else {
            let shift = usize::try_from(-new_scale).unwrap_or(usize::MAX);
            let mant = POW10
                .get(shift)
                .and_then(|p| i128::from(base.mant).checked_mul(*p))
                .and_then(|m| i64::try_from(m).ok())
                .ok_or_else(|| DecError::new(DecErrorKind::TooManyDigits, text))?;
            Ok(Dec { mant, scale: 0 })
        }
    }

    /// The same amount written with exactly `scale` fractional digits: pads with zeros, or drops
    /// trailing zeros; an error if nonzero digits would be lost. Kraken v2 checksums need the
    /// JSON numbers rendered at the pair's precision (`0.001` → `0.00100000`).
    pub fn with_scale(self, scale: u8) -> Result<Dec, DecError> {
        let err = |k| DecError::new(k, &self.to_string());
        if scale > MAX_SCALE {
            return Err(err(DecErrorKind::TooManyDigits));
        }
        match scale.cmp(&self.scale) {
            Ordering::Equal => Ok(self),
            Ordering::Greater => {
                let m = i128::from(self.mant) * POW10[usize::from(scale - self.scale)];
                i64::try_from(m)
                    .map(|mant| Dec { mant, scale })
                    .map_err(|_| err(DecErrorKind::TooManyDigits))
            }
            Ordering::Less => {
                let p = POW10[usize::from(self.scale - scale)] as i64;
                if self.mant % p != 0 {
                    return Err(err(DecErrorKind::PrecisionLoss));
                }
                Ok(Dec {
                    mant: self.mant / p,
                    scale,
                })
            }
        }
    }

    /// The nearest `f64`. For features only; books and checksums stay exact.
    pub fn to_f64(self) -> f64 {
        // Division by an exact power of ten (≤ 1e18 is exact in f64 up to 1e22) rounds once.
        self.mant as f64 / POW10_F64[usize::from(self.scale)]
    }

    /// Exact difference, `None` on overflow (aligned to the larger scale).
    pub fn checked_sub(self, other: Dec) -> Option<Dec> {
        let scale = self.scale.max(other.scale);
        let a = self.aligned(scale).checked_sub(other.aligned(scale))?;
        i64::try_from(a).ok().map(|mant| Dec { mant, scale })
    }

    /// Exact sum, `None` on overflow (aligned to the larger scale).
    pub fn checked_add(self, other: Dec) -> Option<Dec> {
        let scale = self.scale.max(other.scale);
        let a = self.aligned(scale).checked_add(other.aligned(scale))?;
        i64::try_from(a).ok().map(|mant| Dec { mant, scale })
    }

    /// Same amount and same wire text (`3366` vs `3366.0` are equal but not the same wire form).
    pub fn same_wire(self, other: Dec) -> bool {
        self.mant == other.mant && self.scale == other.scale
    }

    /// Append the wire text (`3366.0`, `0.04857373`) to `out`.
    pub fn write_wire(self, out: &mut Vec<u8>) {
        let mut buf = [0u8; MAX_WIRE_LEN];
        let len = self.write_wire_at(&mut buf);
        out.extend_from_slice(&buf[..len]);
    }

    /// The mantissa in `i128` at a scale no smaller than ours (and at most [`MAX_SCALE`]).
    /// The power of ten is at most 10^18, so both factors fit 64 bits and this is one
    /// 64 × 64 → 128-bit multiplication (of `i128` factors, three): every book search
    /// computes a key first.
    #[inline]
    fn aligned(self, scale: u8) -> i128 {
        debug_assert!(scale <= MAX_SCALE);
        i128::from(self.mant) * i128::from(POW10[usize::from(scale - self.scale)] as i64)
    }

    /// The amount as an integer count of 10^-18: equal amounts have equal keys whatever their
    /// wire forms, and keys order as amounts do (an `i64` mantissa times at most 10^18 fits
    /// an `i128`). Sorted containers compare keys instead of aligning scales on every probe.
    pub fn key(self) -> i128 {
        self.aligned(MAX_SCALE)
    }

    /// Mantissa and scale with trailing zeros removed: the identity of the amount.
    fn normalized(self) -> (i64, u8) {
        let (mut m, mut s) = (self.mant, self.scale);
        while s > 0 && m % 10 == 0 {
            m /= 10;
            s -= 1;
        }
        (m, s)
    }
}

const POW10_F64: [f64; 19] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18,
];

fn parse_canonical(text: &str, signed: bool) -> Result<Dec, DecError> {
    let bytes = text.as_bytes();
    let fast = match bytes {
        [b'-', rest @ ..] if signed => parse_unsigned(rest).and_then(|d| {
            // "-0" is not canonical: the slow path below names it.
            (!d.is_zero()).then_some(Dec {
                mant: -d.mant,
                scale: d.scale,
            })
        }),
        _ => parse_unsigned(bytes),
    };
    match fast {
        Some(dec) => Ok(dec),
        None => parse_checked(text, signed),
    }
}

/// A decimal in the canonical grammar read as `f64`, for values only features use (rates, open
/// interest in dollars): the grammar is checked as for [`Dec::parse_signed`], but not the
/// length, since OKX writes `oiUsd` with 24 significant digits
/// (`"1939251795.54769270396321"`) that no exact field needs.
pub fn parse_f64(text: &str) -> Result<f64, DecError> {
    let (negative, _, _) = grammar(text, true)?;
    // `-0.0` is non-canonical for the same reason as `-0`.
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && !(negative && v == 0.0) => Ok(v),
        Ok(v) if v.is_finite() => Err(DecError::new(DecErrorKind::NonCanonical, text)),
        _ => Err(DecError::new(DecErrorKind::TooManyDigits, text)),
    }
}

/// The sign, integer digits and fraction digits of a text in the canonical grammar, with no
/// limit on their number.
fn grammar(text: &str, signed: bool) -> Result<(bool, &[u8], &[u8]), DecError> {
    let err = |k| Err(DecError::new(k, text));
    let bytes = text.as_bytes();
    let (negative, digits) = match bytes {
        [] => return err(DecErrorKind::Empty),
        [b'-', rest @ ..] if signed => (true, rest),
        [b'-' | b'+', ..] => return err(DecErrorKind::UnexpectedSign),
        _ => (false, bytes),
    };
    let int_len = leading_digits(digits);
    let (int_part, rest) = digits.split_at(int_len);
    let frac = match rest {
        [] => rest,
        [b'.', ..] if int_len == 0 => return err(DecErrorKind::NonCanonical),
        [b'.', frac @ ..] => frac,
        [other, ..] => return err(classify(*other, int_len)),
    };
    let frac_len = leading_digits(frac);
    if let Some(&other) = frac.get(frac_len) {
        return err(classify(other, int_len));
    }
    if int_len == 0 {
        return err(if digits.is_empty() {
            DecErrorKind::Empty
        } else {
            DecErrorKind::NotANumber
        });
    }
    if !rest.is_empty() && frac.is_empty() {
        return err(DecErrorKind::NonCanonical); // "5."
    }
    if int_len > 1 && int_part[0] == b'0' {
        return err(DecErrorKind::NonCanonical); // "007"
    }
    Ok((negative, int_part, frac))
}

/// The full grammar check, which names what is wrong; [`parse_unsigned`] accepts exactly what
/// it accepts without a sign.
fn parse_checked(text: &str, signed: bool) -> Result<Dec, DecError> {
    let err = |k| Err(DecError::new(k, text));
    let (negative, int_part, frac) = grammar(text, signed)?;
    let (int_len, frac_len) = (int_part.len(), frac.len());
    if frac_len > usize::from(MAX_SCALE) || int_len + frac_len > 19 {
        return err(DecErrorKind::TooManyDigits);
    }
    // At most 19 digits: the u64 cannot overflow; only the i64 range needs checking.
    let fold = |acc: u64, &b: &u8| acc * 10 + u64::from(b - b'0');
    let mant = frac.iter().fold(int_part.iter().fold(0, fold), fold);
    let Ok(mut mant) = i64::try_from(mant) else {
        return err(DecErrorKind::TooManyDigits);
    };
    if negative {
        if mant == 0 {
            return err(DecErrorKind::NonCanonical); // "-0"
        }
        mant = -mant;
    }
    Ok(Dec {
        mant,
        scale: frac_len as u8,
    })
}

/// The hot path of [`parse_canonical`]: an unsigned canonical decimal
/// (`(0|[1-9][0-9]*)(\.[0-9]+)?`, at most 19 digits and [`MAX_SCALE`] decimals) in one pass.
/// `None` for anything else, which the caller then classifies.
#[inline]
pub(crate) fn parse_unsigned(bytes: &[u8]) -> Option<Dec> {
    scan_unsigned(bytes)
        .filter(|&(_, read)| read == bytes.len())
        .map(|(dec, _)| dec)
}

/// Read an unsigned canonical decimal at the start of `bytes`, up to the first byte that is
/// neither a digit nor its point: the value and the bytes read. `None` if those bytes are not
/// a canonical decimal. Book messages carry hundreds of numbers, so JSON scanners read them
/// in place with this rather than finding their end first.
#[inline]
pub(crate) fn scan_unsigned(bytes: &[u8]) -> Option<(Dec, usize)> {
    let mut mant: u64 = 0;
    let mut point = None;
    let mut read = 0;
    while let Some(&b) = bytes.get(read) {
        let digit = b.wrapping_sub(b'0');
        if digit < 10 {
            // Wraps only past 19 digits, which are refused below.
            mant = mant.wrapping_mul(10).wrapping_add(u64::from(digit));
        } else if b == b'.' && point.is_none() {
            point = Some(read);
        } else {
            break;
        }
        read += 1;
    }
    let int_len = point.unwrap_or(read);
    let scale = point.map_or(0, |p| read - p - 1);
    let digits = read - usize::from(point.is_some());
    let leading_zero = int_len > 1 && bytes[0] == b'0';
    let bare_point = point.is_some() && scale == 0;
    if int_len == 0 || leading_zero || bare_point || digits > 19 || scale > usize::from(MAX_SCALE) {
        return None;
    }
    let dec = Dec {
        mant: i64::try_from(mant).ok()?,
        scale: scale as u8,
    };
    Some((dec, read))
}

fn leading_digits(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(bytes.len())
}

/// Why the byte `b` cannot continue a decimal that has `int_len` integer digits so far.
fn classify(b: u8, int_len: usize) -> DecErrorKind {
    match b {
        b'e' | b'E' if int_len > 0 => DecErrorKind::Exponent,
        b'-' | b'+' => DecErrorKind::UnexpectedSign,
        b'.' => DecErrorKind::NonCanonical,
        _ => DecErrorKind::NotANumber,
    }
}

/// Two ASCII digits per entry, `00` to `99`.
const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Write `count` low digits of `m` (zero-padded) so they end at `end`; returns the rest of `m`.
#[inline]
fn write_low_digits(buf: &mut [u8], mut end: usize, mut m: u64, mut count: usize) -> u64 {
    while count >= 2 {
        write_pair(buf, end, m % 100);
        m /= 100;
        end -= 2;
        count -= 2;
    }
    if count == 1 {
        buf[end - 1] = b'0' + (m % 10) as u8;
        m /= 10;
    }
    m
}

/// Write the two digits of `pair` (below 100, zero-padded) so they end at `end`.
#[inline]
fn write_pair(buf: &mut [u8], end: usize, pair: u64) {
    let at = pair as usize * 2;
    buf[end - 2..end].copy_from_slice(&DIGIT_PAIRS[at..at + 2]);
}

/// The eight decimal digits of `m` (below 10^8), zero-padded, as byte values 0..=9 with the
/// most significant in the low byte (the order they are written in). Each step divides every
/// lane of the word at once by multiplying with a reciprocal: the halves by 100, then the
/// quarters by 10.
#[inline(always)]
fn digit_bytes(m: u64) -> u64 {
    let v = (m / 10_000) | ((m % 10_000) << 32);
    let q = ((v * 10_486) >> 20) & 0x0000_007F_0000_007F;
    let v = q | ((v - q * 100) << 16);
    let q = ((v * 103) >> 10) & 0x000F_000F_000F_000F;
    q | ((v - q * 10) << 8)
}

/// A mask of the low `n` bytes of a word (`n` below 8).
#[inline(always)]
pub(crate) fn low_bytes(n: usize) -> u64 {
    (1u64 << (8 * n)) - 1
}

/// The number of decimal digits of `m` (1 for zero).
#[inline]
fn digit_count(m: u64) -> usize {
    m.checked_ilog10().map_or(1, |l| l as usize + 1)
}

impl Dec {
    /// The length of the wire text.
    #[inline]
    pub fn wire_len(self) -> usize {
        let m = self.mant.unsigned_abs();
        let scale = usize::from(self.scale);
        let int_digits = digit_count(m).saturating_sub(scale).max(1);
        usize::from(self.mant < 0) + int_digits + if scale > 0 { scale + 1 } else { 0 }
    }

    /// Write the wire text at the start of `buf` (at least [`Dec::wire_len`] bytes) and return
    /// its length. Bytes after the text, up to the 16th of `buf`, may be overwritten: short
    /// numbers are stored as one 16-byte word ([`Dec::write_short_wire_at`]), the rest in place
    /// two digits at a time. Checksums render 100 numbers per message, so this is on the hot
    /// path: the short form is inlined where a text is rendered, the rest is a call.
    #[inline(always)]
    pub fn write_wire_at(self, buf: &mut [u8]) -> usize {
        match self.write_short_wire_at(buf) {
            Some(len) => len,
            None => self.write_long_wire_at(buf),
        }
    }

    /// [`Dec::write_wire_at`] for the numbers the short form does not take.
    #[inline(never)]
    fn write_long_wire_at(self, buf: &mut [u8]) -> usize {
        let len = self.wire_len();
        let buf = &mut buf[..len];
        let scale = usize::from(self.scale);
        let mut m = write_low_digits(buf, len, self.mant.unsigned_abs(), scale);
        let mut end = len;
        if scale > 0 {
            end -= scale + 1;
            buf[end] = b'.';
        }
        // The integer digits (at least one), pairs while more than two remain.
        while m >= 100 {
            write_pair(buf, end, m % 100);
            m /= 100;
            end -= 2;
        }
        if m >= 10 {
            write_pair(buf, end, m);
        } else {
            buf[end - 1] = b'0' + m as u8;
        }
        if self.mant < 0 {
            buf[0] = b'-';
        }
        len
    }

    /// [`Dec::write_wire_at`] for the numbers most book levels hold: unsigned, at most 8
    /// digits with the point's zeros, or below 1 with at most 8 significant digits and 14
    /// decimals (`0.00123456`, most BTC sizes), and room for a 16-byte store in `buf`. The
    /// digits are made for the whole word at once and the point is put in with shifts, so there
    /// is no loop whose length depends on the number (on the OKX replay, rendering checksum
    /// texts took 8 % of the time). `None` for any other number or a shorter `buf`. (Up to 15
    /// digits in a 128-bit word was tried: 2.7 % more instructions a pass than this.)
    #[inline(always)]
    fn write_short_wire_at(self, buf: &mut [u8]) -> Option<usize> {
        let scale = usize::from(self.scale);
        let m = u64::try_from(self.mant).ok()?;
        let out: &mut [u8; 16] = buf.get_mut(..16)?.try_into().ok()?;
        if m >= 100_000_000 || scale > 14 {
            return None;
        }
        let digits = digit_bytes(m);
        if scale > 7 {
            // `0.`, the zeros the eight digits do not reach, then the eight digits.
            let zeros = scale - 8;
            let ascii = u128::from(digits | 0x3030_3030_3030_3030);
            let filler = u128::from(0x3030_3030_3030_3030 & low_bytes(zeros));
            let text =
                u128::from(u16::from_le_bytes(*b"0.")) | filler << 16 | ascii << (8 * (2 + zeros));
            *out = text.to_le_bytes();
            return Some(scale + 2);
        }
        // Leading zero digits are the word's low zero bytes; zero itself has one digit.
        let significant = (8 - digits.trailing_zeros() as usize / 8).max(1);
        let len = significant.max(scale + 1);
        let ascii = (digits >> (8 * (8 - len))) | 0x3030_3030_3030_3030;
        let int_len = len - scale;
        let text = if scale == 0 {
            u128::from(ascii)
        } else {
            let int = ascii & low_bytes(int_len);
            let fraction = u128::from(ascii >> (8 * int_len)) << (8 * (int_len + 1));
            u128::from(int) | u128::from(b'.') << (8 * int_len) | fraction
        };
        *out = text.to_le_bytes();
        Some(len + usize::from(scale > 0))
    }

    /// Write the mantissa's digits without point or leading zeros (Kraken's checksum form,
    /// `0.00000048` → `48`; zero writes nothing) at the start of `buf`; returns the length.
    #[inline]
    pub fn write_digits_at(self, buf: &mut [u8]) -> usize {
        let m = self.mant.unsigned_abs();
        if m == 0 {
            return 0;
        }
        let len = digit_count(m);
        write_low_digits(buf, len, m, len);
        len
    }
}

/// An upper bound on the wire text's length (sign, `0.` and 19 digits need 22).
pub const MAX_WIRE_LEN: usize = 24;

impl PartialEq for Dec {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Dec {}

impl PartialOrd for Dec {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Dec {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.scale == other.scale {
            return self.mant.cmp(&other.mant);
        }
        let scale = self.scale.max(other.scale);
        self.aligned(scale).cmp(&other.aligned(scale))
    }
}

impl Hash for Dec {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalized().hash(state);
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = Vec::with_capacity(24);
        self.write_wire(&mut buf);
        // write_wire only emits ASCII digits, '-' and '.'.
        f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dec({self})")
    }
}

impl std::str::FromStr for Dec {
    type Err = DecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dec::parse(s)
    }
}

impl serde::Serialize for Dec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Dec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Dec::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn float_fields_keep_the_grammar_but_not_the_length_limit() {
        let long = "1939251795.54769270396321";
        assert_eq!(parse_f64(long), Ok(long.parse::<f64>().unwrap()));
        assert_eq!(parse_f64("-0.0001"), Ok(-0.0001));
        for (text, kind) in [
            ("1e5", DecErrorKind::Exponent),
            ("NaN", DecErrorKind::NotANumber),
            ("-0.0", DecErrorKind::NonCanonical),
            ("01", DecErrorKind::NonCanonical),
            ("", DecErrorKind::Empty),
        ] {
            assert_eq!(parse_f64(text).map_err(|e| e.kind), Err(kind), "{text}");
        }
        let huge = format!("1{}", "0".repeat(400));
        assert_eq!(
            parse_f64(&huge).map_err(|e| e.kind),
            Err(DecErrorKind::TooManyDigits)
        );
    }

    #[test]
    fn wire_form_survives_byte_for_byte() {
        for s in [
            "3366",
            "3366.0",
            "0.04857373",
            "0.000017670",
            "0",
            "0.0",
            "1000000.00000000",
            "9223372036854775807",
        ] {
            assert_eq!(d(s).to_string(), s);
        }
        assert_eq!(Dec::parse_signed("-0.0001").unwrap().to_string(), "-0.0001");
    }

    #[test]
    fn equal_amounts_in_different_forms_compare_equal_but_keep_their_text() {
        assert_eq!(d("3366"), d("3366.0"));
        assert!(!d("3366").same_wire(d("3366.0")));
        assert!(d("3366.1") > d("3366.05"));
        assert!(d("0.000017660") < d("0.00001767"));
        let hash = |x: Dec| {
            use std::collections::hash_map::DefaultHasher;
            let mut h = DefaultHasher::new();
            x.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(d("1.50")), hash(d("1.5")));
    }

    #[test]
    fn json_numbers_and_strings_parse_alike() {
        assert!(
            Dec::parse_json("\"45285.2\"")
                .unwrap()
                .same_wire(d("45285.2"))
        );
        assert!(Dec::parse_json("45285.2").unwrap().same_wire(d("45285.2")));
        assert_eq!(
            Dec::parse_json("1e5").unwrap_err().kind,
            DecErrorKind::Exponent
        );
    }

    #[test]
    fn bad_input_is_a_typed_error_naming_the_text() {
        let cases = [
            ("", DecErrorKind::Empty),
            ("NaN", DecErrorKind::NotANumber),
            ("Infinity", DecErrorKind::NotANumber),
            ("-Infinity", DecErrorKind::UnexpectedSign),
            ("1e5", DecErrorKind::Exponent),
            ("2.2E-3", DecErrorKind::Exponent),
            ("-1", DecErrorKind::UnexpectedSign),
            ("+1", DecErrorKind::UnexpectedSign),
            ("1-2", DecErrorKind::UnexpectedSign),
            ("007", DecErrorKind::NonCanonical),
            (".5", DecErrorKind::NonCanonical),
            ("5.", DecErrorKind::NonCanonical),
            ("1.2.3", DecErrorKind::NonCanonical),
            ("12a", DecErrorKind::NotANumber),
            (" 1", DecErrorKind::NotANumber),
            ("99999999999999999999", DecErrorKind::TooManyDigits),
            ("0.0000000000000000001", DecErrorKind::TooManyDigits),
        ];
        for (text, kind) in cases {
            let e = Dec::parse(text).unwrap_err();
            assert_eq!(e.kind, kind, "{text:?}");
            assert_eq!(e.text, text);
            assert!(e.to_string().contains(&format!("{text:?}")));
        }
        assert_eq!(
            Dec::parse_signed("-0").unwrap_err().kind,
            DecErrorKind::NonCanonical
        );
        assert_eq!(
            Dec::parse_signed("--1").unwrap_err().kind,
            DecErrorKind::UnexpectedSign
        );
        let long = "x".repeat(500);
        assert!(Dec::parse(&long).unwrap_err().text.chars().count() <= 65);
    }

    #[test]
    fn scientific_notation_converts_exactly() {
        assert!(Dec::parse_scientific("2.2e3").unwrap().same_wire(d("2200")));
        assert!(
            Dec::parse_scientific("1.5E-4")
                .unwrap()
                .same_wire(d("0.00015"))
        );
        assert!(
            Dec::parse_scientific("61234.5")
                .unwrap()
                .same_wire(d("61234.5"))
        );
        assert!(Dec::parse_scientific("1e+2").unwrap().same_wire(d("100")));
        assert_eq!(
            Dec::parse_scientific("1e99").unwrap_err().kind,
            DecErrorKind::TooManyDigits
        );
        assert_eq!(
            Dec::parse_scientific("1e").unwrap_err().kind,
            DecErrorKind::NotANumber
        );
    }

    #[test]
    fn rescaling_pads_or_refuses_to_lose_digits() {
        assert_eq!(d("0.001").with_scale(8).unwrap().to_string(), "0.00100000");
        assert_eq!(d("45285.2").with_scale(1).unwrap().to_string(), "45285.2");
        assert_eq!(d("1.500").with_scale(1).unwrap().to_string(), "1.5");
        assert_eq!(
            d("1.55").with_scale(1).unwrap_err().kind,
            DecErrorKind::PrecisionLoss
        );
    }

    #[test]
    fn exact_arithmetic_aligns_scales() {
        assert_eq!(d("100.1").checked_sub(d("100")).unwrap().to_string(), "0.1");
        assert_eq!(d("0.5").checked_add(d("0.25")).unwrap().to_string(), "0.75");
        assert_eq!(d("0.04857373").to_f64(), 0.04857373);
    }

    #[test]
    fn digit_counts_match_the_decimal_text_at_every_power_of_ten() {
        let mut probes = vec![0, 1, 9, u64::MAX];
        for p in 1..20 {
            let power = 10u64.pow(p);
            probes.extend([power - 1, power, power + 1]);
        }
        for m in probes {
            assert_eq!(digit_count(m), m.to_string().len(), "{m}");
        }
    }

    proptest! {
        #[test]
        fn any_canonical_text_round_trips(int in 0u64..10_000_000_000, frac in proptest::option::of("[0-9]{1,8}")) {
            let text = match frac { Some(f) => format!("{int}.{f}"), None => int.to_string() };
            let dec = Dec::parse(&text).unwrap();
            prop_assert_eq!(dec.to_string(), text.clone());
            let expected: f64 = text.parse().unwrap();
            prop_assert!((dec.to_f64() - expected).abs() <= expected.abs() * 1e-15);
        }

        #[test]
        fn ordering_matches_the_amount(a in -1_000_000i64..1_000_000, sa in 0u8..6, b in -1_000_000i64..1_000_000, sb in 0u8..6) {
            let x = Dec::from_parts(a, sa).unwrap();
            let y = Dec::from_parts(b, sb).unwrap();
            let exact = (i128::from(a) * POW10[usize::from(6 - sa)]).cmp(&(i128::from(b) * POW10[usize::from(6 - sb)]));
            prop_assert_eq!(x.cmp(&y), exact);
        }

        #[test]
        fn keys_order_and_equal_as_amounts_do(a in any::<i64>(), sa in 0u8..=18, b in any::<i64>(), sb in 0u8..=18) {
            let x = Dec::from_parts(a, sa).unwrap();
            let y = Dec::from_parts(b, sb).unwrap();
            prop_assert_eq!(x.key().cmp(&y.key()), x.cmp(&y));
        }

        #[test]
        fn in_place_rendering_matches_the_formatter(
            m in prop_oneof![any::<i64>(), 0i64..1_000_000_000_000_000, 0i64..1_000_000, 99_999_000i64..100_001_000, 999_999_999_999_000i64..1_000_000_000_001_000],
            scale in 0u8..=18,
        ) {
            let d = Dec::from_parts(m, scale).unwrap();
            let mut buf = [0u8; MAX_WIRE_LEN];
            let len = d.write_wire_at(&mut buf);
            prop_assert_eq!(len, d.wire_len());
            let text = std::str::from_utf8(&buf[..len]).unwrap();
            // independent rendering through i128 arithmetic and std formatting
            let p = 10i128.pow(u32::from(scale));
            let (int, frac) = (i128::from(m).abs() / p, i128::from(m).abs() % p);
            let sign = if m < 0 { "-" } else { "" };
            let expected = if scale == 0 { format!("{sign}{int}") } else { format!("{sign}{int}.{frac:0w$}", w = usize::from(scale)) };
            prop_assert_eq!(text, expected);
            let n = d.write_digits_at(&mut buf);
            let digits = if m == 0 { String::new() } else { m.unsigned_abs().to_string() };
            prop_assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), digits);
        }

        /// The one-pass fast path accepts exactly what the full check accepts, with the same
        /// value and wire form.
        #[test]
        fn the_fast_path_agrees_with_the_full_check(text in "[-+0-9.eE]{0,22}|-?[0-9]{1,20}(\\.[0-9]{0,19})?") {
            let fast = parse_unsigned(text.as_bytes());
            let full = parse_checked(&text, false).ok();
            prop_assert_eq!(fast.map(|d| (d.mant, d.scale)), full.map(|d| (d.mant, d.scale)), "{}", text);
            let signed = Dec::parse_signed(&text).ok();
            let full = parse_checked(&text, true).ok();
            prop_assert_eq!(signed.map(|d| (d.mant, d.scale)), full.map(|d| (d.mant, d.scale)), "{}", text);
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(text in "\\PC{0,30}") {
            let _ = Dec::parse(&text);
            let _ = Dec::parse_signed(&text);
            let _ = Dec::parse_scientific(&text);
            let _ = Dec::parse_json(&text);
        }
    }
}
