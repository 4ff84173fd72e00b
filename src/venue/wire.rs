//! Parsing helpers every venue shares: level arrays and level objects, exact numbers from JSON
//! tokens, and timestamps written as strings, numbers or RFC 3339 text.
//!
//! Venues send levels as `[[price, size, ...], ...]` with strings (most) or JSON numbers
//! (Kraken v2, Gate futures), or as objects (`{"price":45285.2,"qty":0.001}`, Kraken v2). All
//! are read from the raw token text, never through `f64`, so checksums see the exchange's digits.

use crate::book::Level;
use crate::market::{Millis, Side};
use crate::num::{Dec, low_bytes};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// The `arg` naming a push's or an event's subscription on OKX v5 and Bitget v2 (whose protocol
/// follows OKX's): `{"channel","instId",..}`; other members (`instType`) are not needed.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelArg<'a> {
    #[serde(borrow)]
    pub channel: Cow<'a, str>,
    #[serde(borrow, default)]
    pub inst_id: Option<Cow<'a, str>>,
}

/// Parse a level array `[[price, size, ...], ...]` into `out`, tagging each level with `side`.
/// Extra elements per level (order counts, liquidation flags) are ignored.
pub fn levels(raw: &RawValue, side: Side, out: &mut Vec<(Side, Level)>) -> Result<(), String> {
    let start = out.len();
    if scan_levels(raw.get(), side, out).is_some() {
        return Ok(());
    }
    // Anything the fast scanner did not expect (escapes, nested values, bad numbers) goes
    // through serde, which either accepts it or says precisely what is wrong.
    out.truncate(start);
    let mut de = serde_json::Deserializer::from_str(raw.get());
    LevelArrays { side, out }
        .deserialize(&mut de)
        .map_err(|e| format!("{side:?} levels: {e}"))
}

/// The hot path of every book message: `[[price, size, ...], ...]` scanned by hand. Returns
/// `None` at the first thing it does not fully understand, leaving the verdict to serde.
fn scan_levels(text: &str, side: Side, out: &mut Vec<(Side, Level)>) -> Option<()> {
    let mut s = Scan::new(text);
    s.levels(side, out)?;
    s.end()
}

/// A one-pass cursor over JSON text, for the shapes that carry nearly all the bytes (book
/// messages). Every method returns `None` at the first thing it does not fully understand
/// (escapes, unexpected structure, non-canonical numbers); the caller then hands the whole
/// frame to the general, serde-backed path, which either accepts it or says what is wrong.
/// Reading in one pass matters: finding the end of a value before decoding it would read
/// every byte of a 25 kB snapshot twice.
pub struct Scan<'a> {
    src: &'a str,
    text: &'a [u8],
    pos: usize,
}

impl<'a> Scan<'a> {
    pub fn new(text: &'a str) -> Self {
        Scan {
            src: text,
            text: text.as_bytes(),
            pos: 0,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.text.get(self.pos) {
            self.pos += 1;
        }
    }

    /// Consume `byte` (after whitespace) if it is next.
    pub fn eat(&mut self, byte: u8) -> bool {
        self.skip_ws();
        if self.text.get(self.pos) == Some(&byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// Only whitespace is left.
    pub fn end(&mut self) -> Option<()> {
        self.skip_ws();
        (self.pos == self.text.len()).then_some(())
    }

    /// A string without escapes, or a number/literal token; the token's text. (Its ends sit
    /// next to ASCII bytes, so the slice is always whole characters.)
    fn token(&mut self) -> Option<&'a str> {
        self.skip_ws();
        let start = self.pos;
        let end = scalar_end(self.text, start)?;
        self.pos = end;
        let quoted = self.text[start] == b'"';
        Some(&self.src[start + usize::from(quoted)..end - usize::from(quoted)])
    }

    /// An unsigned decimal, quoted or not, read in place.
    pub fn decimal(&mut self) -> Option<Dec> {
        self.skip_ws();
        let (dec, end) = decimal_at(self.text, self.pos)?;
        self.pos = end;
        Some(dec)
    }

    /// An integer, quoted (`"1652459225464"`) or not.
    pub fn int(&mut self) -> Option<i64> {
        self.skip_ws();
        if let Some((value, end)) = int_at(self.text, self.pos) {
            self.pos = end;
            return Some(value);
        }
        self.token()?.parse().ok()
    }

    /// A string without escapes.
    pub fn string(&mut self) -> Option<&'a str> {
        self.skip_ws();
        if self.text.get(self.pos) != Some(&b'"') {
            return None;
        }
        self.token()
    }

    /// An object member's key and its colon.
    pub fn key(&mut self) -> Option<&'a str> {
        let key = self.string()?;
        self.expect(b':')?;
        Some(key)
    }

    /// The members of the object that starts here: `member` is called with each key and must
    /// read its value.
    pub fn object(&mut self, member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.object_in_order(&[], member)
    }

    /// [`Scan::object`] for objects whose members usually come in one order, as a venue writes
    /// them: `keys` lists them in that order ([`keys`]). A key that comes where expected is
    /// matched as bytes ([`Key`]); any other (every key, when `keys` is empty) is read as a
    /// string. (On the OKX replay, reading each key as a string token and then comparing it
    /// took about a tenth of all instructions.)
    pub fn object_in_order(
        &mut self,
        keys: &[Key],
        mut member: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.expect(b'{')?;
        if self.eat(b'}') {
            return Some(());
        }
        let mut expected = keys.iter();
        loop {
            let key = match expected.as_slice().first() {
                Some(key) if key.is_at(self.text, self.pos) => {
                    self.pos += key.len;
                    expected.next();
                    key.name
                }
                _ => self.key()?,
            };
            member(self, key)?;
            if self.eat(b'}') {
                return Some(());
            }
            self.expect(b',')?;
        }
    }

    /// Consume `literal` if the text goes on with exactly those bytes (no whitespace is
    /// skipped, before or inside).
    #[inline(always)]
    pub fn literal(&mut self, literal: &str) -> bool {
        let found = self.text[self.pos..].starts_with(literal.as_bytes());
        if found {
            self.pos += literal.len();
        }
        found
    }

    /// The elements of the array that starts here: `element` must read each one.
    pub fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(b'[')?;
        if self.eat(b']') {
            return Some(());
        }
        loop {
            element(self)?;
            if self.eat(b']') {
                return Some(());
            }
            self.expect(b',')?;
        }
    }

    /// Step over the value that starts here, whatever it is; its raw text.
    pub fn skip(&mut self) -> Option<&'a str> {
        self.skip_ws();
        let start = self.pos;
        self.pos = skip_value(self.text, start)?;
        Some(&self.src[start..self.pos])
    }

    /// A level array `[[price, size, ...], ...]`; extra elements per level must be scalars.
    pub fn levels(&mut self, side: Side, out: &mut Vec<(Side, Level)>) -> Option<()> {
        self.skip_ws();
        let before = out.len();
        if let Some(end) = compact_levels(self.text, self.pos, side, out) {
            self.pos = end;
            return Some(());
        }
        out.truncate(before);
        self.array(|s| {
            s.expect(b'[')?;
            let price = s.decimal()?;
            s.expect(b',')?;
            let size = s.decimal()?;
            while s.eat(b',') {
                s.token()?;
            }
            s.expect(b']')?;
            out.push((side, Level::new(price, size)));
            Some(())
        })
    }
}

/// An object key as a venue writes it, `"name":` with no whitespace, kept as one 16-byte word
/// and a mask so that [`Scan::object_in_order`] tests for it with one comparison (comparing
/// keys of different lengths byte by byte went through `memcmp`, 1.5 % of the OKX replay).
#[derive(Clone, Copy)]
pub struct Key {
    name: &'static str,
    word: u128,
    mask: u128,
    len: usize,
}

impl Key {
    /// The key `name`, at most 13 bytes (16 with its quotes and colon).
    pub const fn new(name: &'static str) -> Key {
        let bytes = name.as_bytes();
        let len = bytes.len() + 3;
        assert!(len <= 16, "a Key is at most 13 bytes");
        let mut word = b'"' as u128;
        let mut i = 0;
        while i < bytes.len() {
            word |= (bytes[i] as u128) << (8 * (i + 1));
            i += 1;
        }
        word |= (b'"' as u128) << (8 * (len - 2)) | (b':' as u128) << (8 * (len - 1));
        let mask = if len == 16 {
            u128::MAX
        } else {
            (1 << (8 * len)) - 1
        };
        Key {
            name,
            word,
            mask,
            len,
        }
    }

    /// Whether `text` has this key, quotes and colon, at `pos`.
    #[inline(always)]
    fn is_at(&self, text: &[u8], pos: usize) -> bool {
        match text.get(pos..pos + 16) {
            Some(next) => {
                let next = u128::from_le_bytes(next.try_into().expect("16 bytes"));
                (next ^ self.word) & self.mask == 0
            }
            None => text[pos..].starts_with(&self.word.to_le_bytes()[..self.len]),
        }
    }
}

/// The [`Key`]s of `names`, in the same order, for [`Scan::object_in_order`].
pub const fn keys<const N: usize>(names: [&'static str; N]) -> [Key; N] {
    let mut out = [Key::new(""); N];
    let mut i = 0;
    while i < N {
        out[i] = Key::new(names[i]);
        i += 1;
    }
    out
}

/// [`Scan::levels`] for the form venues send, with no whitespace: each byte is looked at once,
/// with no whitespace test between tokens (reading OKX levels the general way took as long as
/// applying them to the book). `None` for anything else, which the general reader then reads;
/// otherwise the position after the array.
fn compact_levels(
    text: &[u8],
    mut pos: usize,
    side: Side,
    out: &mut Vec<(Side, Level)>,
) -> Option<usize> {
    let at = |pos: usize| text.get(pos).copied();
    (at(pos)? == b'[').then_some(())?;
    pos += 1;
    if at(pos)? == b']' {
        return Some(pos + 1);
    }
    loop {
        (at(pos)? == b'[').then_some(())?;
        let (price, end) = decimal_at(text, pos + 1)?;
        (at(end)? == b',').then_some(())?;
        let (size, mut end) = decimal_at(text, end + 1)?;
        while at(end)? == b',' {
            end = digit_string_end(text, end + 1).or_else(|| scalar_end(text, end + 1))?;
        }
        (at(end)? == b']').then_some(())?;
        out.push((side, Level::new(price, size)));
        match at(end + 1)? {
            b',' => pos = end + 2,
            b']' => return Some(end + 2),
            _ => return None,
        }
    }
}

/// An unsigned decimal at `pos`, quoted or bare; the position after it.
#[inline(always)]
fn decimal_at(text: &[u8], pos: usize) -> Option<(Dec, usize)> {
    let quoted = text.get(pos) == Some(&b'"');
    if quoted
        && let Some(read) =
            quoted_decimal_in_word(text, pos + 1).or_else(|| quoted_fraction(text, pos + 1))
    {
        return Some(read);
    }
    let start = pos + usize::from(quoted);
    let (dec, read) = crate::num::scan_unsigned(text.get(start..)?)?;
    let end = start + read;
    match (quoted, text.get(end).copied()) {
        (true, Some(b'"')) => Some((dec, end + 1)),
        // A bare number ends where the token does: `1e5` or `1-` is not one.
        (false, next) if !next.is_some_and(|b| is_token_byte(&b)) => Some((dec, end)),
        _ => None,
    }
}

/// A quoted decimal whose digits, point and closing quote lie in the 8 bytes at `pos` (just
/// after the opening quote): prices like `"30233.6"` and sizes like `"104"`, most of a book
/// message's numbers. Each byte's class is found for the whole word at once and the digits
/// are folded in three multiplications, where the byte loop takes a test and a multiply-add
/// a byte and mispredicts where each number ends (on the OKX levels, 23 against 29 ns a
/// level). `None` for anything else, including numbers that are not canonical, which the byte
/// loop then reads (and refuses).
#[inline(always)]
fn quoted_decimal_in_word(text: &[u8], pos: usize) -> Option<(Dec, usize)> {
    let word = u64::from_le_bytes(text.get(pos..pos + 8)?.try_into().ok()?);
    let flags = non_digits(word);
    let int_len = (flags.trailing_zeros() / 8) as usize;
    let byte = |i: usize| (word >> (8 * i)) as u8;
    if int_len == 0 || int_len == 8 || (int_len > 1 && byte(0) == b'0') {
        return None;
    }
    let (digits, scale, end) = match byte(int_len) {
        b'"' => (word & low_bytes(int_len), 0, int_len),
        b'.' => {
            let rest = flags & (flags - 1);
            let end = (rest.trailing_zeros() / 8) as usize;
            if end == 8 || end == int_len + 1 || byte(end) != b'"' {
                return None;
            }
            let scale = end - int_len - 1;
            let fraction = (word >> (8 * (int_len + 1))) & low_bytes(scale);
            (
                (word & low_bytes(int_len)) | fraction << (8 * int_len),
                scale,
                end,
            )
        }
        _ => return None,
    };
    // Right-align the digits (first digit most significant), then fold pairs, quads, octets.
    let count = int_len + scale;
    let v = fold_digits((digits & 0x0F0F_0F0F_0F0F_0F0F) << (8 * (8 - count)));
    let dec = Dec::from_parts(v as i64, scale as u8)?;
    Some((dec, pos + end + 1))
}

/// A quoted number below 1 with 1 to 8 decimals (`"0.00123456"`, BTC sizes, too long for
/// [`quoted_decimal_in_word`]), its decimals and closing quote read as one word, as there.
/// On the OKX replay these took the byte loop a tenth of the time and a fifth of the
/// reading of levels' decimals. `None` for anything else, which the byte loop then reads.
#[inline(always)]
fn quoted_fraction(text: &[u8], pos: usize) -> Option<(Dec, usize)> {
    if text.get(pos..pos + 2)? != b"0." {
        return None;
    }
    let word = u64::from_le_bytes(text.get(pos + 2..pos + 10)?.try_into().ok()?);
    let scale = (non_digits(word).trailing_zeros() / 8) as usize;
    let end = pos + 2 + scale;
    if scale == 0 || *text.get(end)? != b'"' {
        return None;
    }
    let v = (word << (8 * (8 - scale))) & 0x0F0F_0F0F_0F0F_0F0F;
    let dec = Dec::from_parts(fold_digits(v) as i64, scale as u8)?;
    Some((dec, end + 1))
}

/// The high bit of each byte of `word` that is not an ASCII digit: digits become 0..=9, and
/// adding 0x76 carries anything from 10 on into the high bit. Carries out of a byte come only
/// from bytes already flagged, so the first two flags are exact.
#[inline(always)]
fn non_digits(word: u64) -> u64 {
    let x = word ^ 0x3030_3030_3030_3030;
    (x.wrapping_add(0x7676_7676_7676_7676) | x) & 0x8080_8080_8080_8080
}

/// The number whose eight digits (byte values 0..=9, the first most significant) are the
/// bytes of `v`, folded in pairs, quads and octets by three multiplications.
#[inline(always)]
fn fold_digits(v: u64) -> u64 {
    let v = v.wrapping_mul(10 * 256 + 1) >> 8;
    let v = (v & 0x00FF_00FF_00FF_00FF).wrapping_mul(100 * 65536 + 1) >> 16;
    (v & 0x0000_FFFF_0000_FFFF).wrapping_mul(10000 * (1 << 32) + 1) >> 32
}

/// An integer of at most 18 digits at `pos`, quoted or bare, read digit by digit with no
/// token found first (OKX's `ts` and `checksum`); the position after it. `None` for anything
/// else, which the token reader then reads: what this takes, `str::parse` takes the same way.
#[inline]
fn int_at(text: &[u8], pos: usize) -> Option<(i64, usize)> {
    let quoted = text.get(pos) == Some(&b'"');
    let mut i = pos + usize::from(quoted);
    let negative = text.get(i) == Some(&b'-');
    i += usize::from(negative);
    let digits = i;
    let mut value: i64 = 0;
    while let Some(&b) = text.get(i)
        && b.is_ascii_digit()
    {
        // Wrapping: a value of more than 18 digits is refused below.
        value = value.wrapping_mul(10).wrapping_add(i64::from(b - b'0'));
        i += 1;
    }
    // JSON has no leading zeros on bare numbers; quoted, `str::parse` reads them.
    let leading_zero = !quoted && i - digits > 1 && text[digits] == b'0';
    if i == digits || i - digits > 18 || leading_zero {
        return None;
    }
    let value = if negative { -value } else { value };
    match (quoted, text.get(i)) {
        (true, Some(b'"')) => Some((value, i + 1)),
        (false, next) if !next.is_some_and(is_token_byte) => Some((value, i)),
        _ => None,
    }
}

/// A string without escapes or a bare JSON scalar (number, `true`, `false`, `null`) at `pos`;
/// the position after it.
#[inline]
fn scalar_end(text: &[u8], pos: usize) -> Option<usize> {
    let rest = text.get(pos..)?;
    if rest.first() == Some(&b'"') {
        // Raw control characters are not JSON either: serde gets to say so.
        let len = rest[1..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        return (rest[1 + len] == b'"').then_some(pos + len + 2);
    }
    bare_scalar_end(text, pos)
}

/// The position after a quoted run of digits at `pos` (OKX's order counts, `"0"`, `"13"`):
/// the common extra element of a level, stepped over with one test a byte. `None` for anything
/// else, which [`scalar_end`] then reads.
#[inline(always)]
fn digit_string_end(text: &[u8], pos: usize) -> Option<usize> {
    (*text.get(pos)? == b'"').then_some(())?;
    let mut i = pos + 1;
    while text.get(i)?.is_ascii_digit() {
        i += 1;
    }
    (text[i] == b'"').then_some(i + 1)
}

/// A byte that continues a bare (unquoted) token.
fn is_token_byte(b: &u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+')
}

/// Parse a level-object array `[{"price":n,"qty":n,...}, ...]` into `out`, tagging each level
/// with `side`; `price` and `size` name the two fields (Kraken v2: `"price"`, `"qty"`). Other
/// fields are ignored; a missing price or size is an error.
pub fn level_objects(
    raw: &RawValue,
    side: Side,
    (price, size): (&str, &str),
    out: &mut Vec<(Side, Level)>,
) -> Result<(), String> {
    let items: Vec<std::collections::BTreeMap<&str, &RawValue>> =
        serde_json::from_str(raw.get()).map_err(|e| format!("{side:?} levels: {e}"))?;
    for item in items {
        let field = |name: &str| {
            let token = item
                .get(name)
                .ok_or_else(|| format!("{side:?} level without {name}"))?;
            Dec::parse_json(token.get()).map_err(|e| format!("{side:?} level {name}: {e}"))
        };
        out.push((side, Level::new(field(price)?, field(size)?)));
    }
    Ok(())
}

/// The entries of a JSON object in wire order, values left raw (Kraken v1 book payloads, whose
/// `a`/`b`/`c` keys must be applied in the order the venue wrote them).
pub fn entries<'a>(raw: &'a RawValue) -> Result<Vec<(Cow<'a, str>, &'a RawValue)>, String> {
    let mut de = serde_json::Deserializer::from_str(raw.get());
    (&mut de)
        .deserialize_map(OrderedEntries)
        .map_err(|e| format!("expected an object: {e}"))
}

struct OrderedEntries;

impl<'de> Visitor<'de> for OrderedEntries {
    type Value = Vec<(Cow<'de, str>, &'de RawValue)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            out.push((key, map.next_value()?));
        }
        Ok(out)
    }
}

/// Milliseconds since the epoch from an RFC 3339 UTC timestamp as Kraken v2 and Coinbase write
/// them (`2023-09-25T07:49:37.708706Z`): fractional digits beyond milliseconds are truncated, a
/// numeric offset (`+02:00`) is applied. Exact integer arithmetic, no time-zone database.
pub fn rfc3339_millis(text: &str) -> Result<Millis, String> {
    let bad = || format!("expected an RFC 3339 timestamp, got {text:?}");
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Result<i64, String> {
        let part = b.get(range).ok_or_else(bad)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        Ok(part.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let seps = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| b.get(i) != Some(&c)) || !matches!(b.get(10), Some(b'T' | b't')) {
        return Err(bad());
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Second 60 is a leap second, which RFC 3339 allows.
    let in_range = (1..=12).contains(&month) && (1..=31).contains(&day);
    if !in_range || hour > 23 || minute > 59 || second > 60 {
        return Err(bad());
    }
    let mut i = 19;
    let mut millis = 0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return Err(bad());
        }
        millis = (start..start + 3).fold(0, |n, j| {
            n * 10
                + b.get(j)
                    .filter(|_| j < i)
                    .map_or(0, |d| i64::from(d - b'0'))
        });
    }
    let offset_s = match b.get(i..) {
        Some([b'Z' | b'z']) => 0,
        Some([sign @ (b'+' | b'-'), _, _, b':', _, _]) => {
            let s = (num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?) * 60;
            if *sign == b'+' { s } else { -s }
        }
        _ => return Err(bad()),
    };
    let days = days_from_civil(year, month, day);
    Ok(((days * 24 + hour) * 60 + minute) * 60_000 + (second - offset_s) * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parse a level array given as raw JSON text (see [`levels`]).
pub fn levels_text(text: &str, side: Side, out: &mut Vec<(Side, Level)>) -> Result<(), String> {
    let start = out.len();
    if scan_levels(text, side, out).is_some() {
        return Ok(());
    }
    out.truncate(start);
    let raw: &RawValue = serde_json::from_str(text).map_err(|e| format!("{side:?} levels: {e}"))?;
    levels(raw, side, out)
}

/// The members of a JSON object as `(key, raw value text)`, in wire order, found by a
/// structural scan (no decoding). Book messages are kilobytes of levels wrapped in a small
/// envelope: locating the parts without decoding them twice is most of the parsing saved.
/// `None` if the text is not a well-formed object (or a key uses escapes); callers then let
/// serde explain what is wrong ([`json_error`]).
pub fn members(text: &str) -> Option<smallvec::SmallVec<[(&str, &str); 8]>> {
    let mut out = smallvec::SmallVec::new();
    let mut s = Scan::new(text);
    s.object(|s, key| {
        out.push((key, s.skip()?));
        Some(())
    })?;
    s.end()?;
    Some(out)
}

/// The elements of a JSON array as raw texts (see [`members`]).
pub fn elements(text: &str) -> Option<smallvec::SmallVec<[&str; 4]>> {
    let mut out = smallvec::SmallVec::new();
    let mut s = Scan::new(text);
    s.array(|s| {
        out.push(s.skip()?);
        Some(())
    })?;
    s.end()?;
    Some(out)
}

/// What serde says is wrong with `text` as JSON (after a structural scan refused it).
pub fn json_error(text: &str) -> String {
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Err(e) => format!("bad JSON: {e}"),
        Ok(_) => "unexpected JSON shape".to_owned(),
    }
}

/// A JSON string value's text: borrowed when it has no escapes, decoded otherwise.
pub fn string(raw: &str) -> Result<std::borrow::Cow<'_, str>, String> {
    match raw.as_bytes() {
        [b'"', inner @ .., b'"'] if !inner.contains(&b'\\') && !inner.contains(&b'"') => {
            Ok(std::borrow::Cow::Borrowed(&raw[1..raw.len() - 1]))
        }
        _ => serde_json::from_str::<String>(raw)
            .map(std::borrow::Cow::Owned)
            .map_err(|e| format!("expected a string, got {}: {e}", excerpt(raw))),
    }
}

fn excerpt(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

/// How deep the scanner follows a skipped value; deeper ones are measured by serde.
const MAX_SKIP_DEPTH: usize = 64;

/// The end of the well-formed JSON value starting at `pos`, or `None` if it is not one (a
/// value nesting deeper than [`MAX_SKIP_DEPTH`] is measured by serde, [`skip_deep`]). Skipped
/// values are not decoded, but they are checked: a frame with a malformed field that nothing
/// reads (`"x":tru`, a raw control character, a bad escape) goes to serde, which names the
/// problem, rather than being accepted because nobody looked.
fn skip_value(b: &[u8], pos: usize) -> Option<usize> {
    // The closing byte of each container still open.
    let mut open: smallvec::SmallVec<[u8; 8]> = smallvec::SmallVec::new();
    let mut i = pos;
    loop {
        // A value.
        i = skip_ws_at(b, i);
        match *b.get(i)? {
            b'"' => i = skip_string(b, i)?,
            first @ (b'{' | b'[') => {
                if open.len() == MAX_SKIP_DEPTH {
                    return skip_deep(b, pos);
                }
                let close = if first == b'{' { b'}' } else { b']' };
                i = skip_ws_at(b, i + 1);
                if b.get(i) == Some(&close) {
                    i += 1;
                } else {
                    open.push(close);
                    if close == b'}' {
                        i = after_key(b, i)?;
                    }
                    continue;
                }
            }
            _ => i = bare_scalar_end(b, i)?,
        }
        // After a value: close what ends here, then a comma leads to the next value.
        loop {
            let Some(&close) = open.last() else {
                return Some(i);
            };
            i = skip_ws_at(b, i);
            match *b.get(i)? {
                b',' if close == b'}' => {
                    i = after_key(b, skip_ws_at(b, i + 1))?;
                    break;
                }
                b',' => {
                    i += 1;
                    break;
                }
                byte if byte == close => {
                    open.pop();
                    i += 1;
                }
                _ => return None,
            }
        }
    }
}

/// The end of a value that nests deeper than [`MAX_SKIP_DEPTH`], as serde finds it (it skips
/// values with a stack of brackets, not by recursion, so depth costs no call stack): such a
/// value in a member nobody reads is still well-formed JSON, so the frame is judged by what
/// it carries, not refused for its shape.
fn skip_deep(b: &[u8], pos: usize) -> Option<usize> {
    let start = skip_ws_at(b, pos);
    let mut values =
        serde_json::Deserializer::from_slice(b.get(start..)?).into_iter::<serde::de::IgnoredAny>();
    values.next()?.ok()?;
    Some(start + values.byte_offset())
}

/// The position after an object key and its colon, the key starting at `pos`.
fn after_key(b: &[u8], pos: usize) -> Option<usize> {
    (*b.get(pos)? == b'"').then_some(())?;
    let i = skip_ws_at(b, skip_string(b, pos)?);
    (*b.get(i)? == b':').then_some(i + 1)
}

/// The first position at or after `pos` that is not JSON whitespace. ([`Scan::skip_ws`] keeps
/// its own loop: calling this from it cost 0.8 % of the OKX replay's instructions.)
fn skip_ws_at(b: &[u8], mut pos: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = b.get(pos) {
        pos += 1;
    }
    pos
}

/// The position after the string starting at `pos` (which holds its opening quote), if it is
/// a valid JSON string. Escaped surrogates (`\ud83d`) are left to serde, which pairs them.
/// Plain bytes are passed over eight at a time (tickers carry a few hundred bytes of strings).
fn skip_string(b: &[u8], pos: usize) -> Option<usize> {
    let mut i = pos + 1;
    loop {
        i += plain_run(b.get(i..)?);
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => match *b.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' => {
                    let hex = b.get(i + 2..i + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit)
                        || (matches!(hex[0], b'd' | b'D') && hex[1] >= b'8')
                    {
                        return None;
                    }
                    i += 6;
                }
                _ => return None,
            },
            // A raw control character.
            _ => return None,
        }
    }
}

/// How many bytes at the start of `b` may stand in a string as they are: up to the first
/// quote, backslash or control character (or the end, rounded down to whole words, after
/// which the caller's byte checks take over).
fn plain_run(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `w` that is below `n` (exact at the lowest such byte; a
    // borrow can only mark bytes above it).
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH;
    let mut run = 0;
    for chunk in b.chunks_exact(8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let special = below(w ^ (ONES * u64::from(b'"')), 1)
            | below(w ^ (ONES * u64::from(b'\\')), 1)
            | below(w, 0x20);
        if special != 0 {
            return run + (special.trailing_zeros() / 8) as usize;
        }
        run += 8;
    }
    run + b[run..]
        .iter()
        .take_while(|&&c| c != b'"' && c != b'\\' && c >= 0x20)
        .count()
}

/// The position after the bare JSON scalar at `pos`: `true`, `false`, `null` or a number in
/// JSON's grammar (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
fn bare_scalar_end(b: &[u8], pos: usize) -> Option<usize> {
    let rest = b.get(pos..)?;
    if let Some(literal) = [&b"true"[..], b"false", b"null"]
        .into_iter()
        .find(|literal| rest.starts_with(literal))
    {
        return Some(pos + literal.len());
    }
    let digits = |i: usize| {
        i + b
            .get(i..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    let mut i = pos + usize::from(rest.first() == Some(&b'-'));
    i = match *b.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(i),
        _ => return None,
    };
    if b.get(i) == Some(&b'.') {
        let end = digits(i + 1);
        (end > i + 1).then_some(())?;
        i = end;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1 + usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        let end = digits(i);
        (end > i).then_some(())?;
        i = end;
    }
    Some(i)
}

/// A decimal from a raw JSON token (string or number).
pub fn dec(raw: &RawValue) -> Result<Dec, String> {
    Dec::parse_json(raw.get()).map_err(|e| e.to_string())
}

/// [`dec`] for venues that write JSON numbers with exponents (Gate futures, Deribit): `2.2e3`
/// is 2200, exactly.
pub fn dec_scientific(raw: &RawValue) -> Result<Dec, String> {
    let text = raw.get().trim_ascii();
    let inner = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    Dec::parse_scientific(inner).map_err(|e| e.to_string())
}

/// An integer from a string (`"1652459225464"`) or a number; for timestamps and ids.
pub fn int(raw: &RawValue) -> Result<i64, String> {
    int_text(raw.get())
}

/// [`int`] over raw JSON text.
pub fn int_text(raw: &str) -> Result<i64, String> {
    raw.trim_matches('"')
        .parse()
        .map_err(|_| format!("expected an integer, got {}", excerpt(raw)))
}

/// An optional signed decimal string (`"-0.00012"`) as `f64`, for rates and derivatives values
/// that only features use; empty text means absent. No length limit (OKX's `oiUsd` has 24
/// significant digits); an error names `field`.
pub fn opt_f64(field: &str, text: Option<&str>) -> Result<Option<f64>, String> {
    match text {
        None | Some("") => Ok(None),
        Some(t) => crate::num::parse_f64(t)
            .map(Some)
            .map_err(|e| format!("{field}: {e}")),
    }
}

/// An exact unsigned decimal (a price or size) from a string field; an error names `field`.
pub fn field_dec(field: &str, text: &str) -> Result<Dec, String> {
    Dec::parse(text).map_err(|e| format!("{field}: {e}"))
}

struct LevelArrays<'s> {
    side: Side,
    out: &'s mut Vec<(Side, Level)>,
}

impl<'de> DeserializeSeed<'de> for LevelArrays<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for LevelArrays<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of [price, size] levels")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(level) = seq.next_element_seed(OneLevel)? {
            self.out.push((self.side, level));
        }
        Ok(())
    }
}

struct OneLevel;

impl<'de> DeserializeSeed<'de> for OneLevel {
    type Value = Level;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Level, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for OneLevel {
    type Value = Level;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a [price, size, ...] level")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Level, A::Error> {
        let mut next = |what| -> Result<Dec, A::Error> {
            let raw: &RawValue = seq
                .next_element()?
                .ok_or_else(|| de::Error::custom(format!("level without {what}")))?;
            Dec::parse_json(raw.get()).map_err(de::Error::custom)
        };
        let price = next("price")?;
        let size = next("size")?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Level::new(price, size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    #[test]
    fn digit_strings_are_stepped_over_and_anything_else_is_left_to_the_general_reader() {
        let end = |t: &str| digit_string_end(t.as_bytes(), 0);
        assert_eq!(end(r#""0","13"]"#), Some(3));
        assert_eq!(end(r#""13"]"#), Some(4));
        for t in [r#""a"]"#, r#""1\u0030"]"#, r#""12"#, "12]", ""] {
            assert_eq!(end(t), None, "{t}");
        }
        // What it declines, the general reader still takes.
        let mut out = Vec::new();
        levels(
            &raw(r#"[["1","2","x",null,"1\u0030"]]"#),
            Side::Ask,
            &mut out,
        )
        .unwrap();
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn levels_from_strings_and_numbers_keep_their_digits() {
        let mut out = Vec::new();
        levels(
            &raw(r#"[["3366.0","7","0","2"],[3366.10, 0.00100000]]"#),
            Side::Bid,
            &mut out,
        )
        .unwrap();
        let text: Vec<String> = out
            .iter()
            .map(|(_, l)| format!("{}:{}", l.price, l.size))
            .collect();
        assert_eq!(text, ["3366.0:7", "3366.10:0.00100000"]);
        assert!(out.iter().all(|(s, _)| *s == Side::Bid));
    }

    #[test]
    fn skipped_values_are_checked_not_just_stepped_over() {
        for good in [
            r#"{"a":[1,-2.5e+3,0.0,"x\"y\u00e9\n",true,null,{}],"b":{"c":[]}}"#,
            "[ 1 ,\n\t{ \"k\" : false } ]",
            "-0",
            "\"\"",
        ] {
            assert_eq!(skip_value(good.as_bytes(), 0), Some(good.len()), "{good}");
        }
        for bad in [
            "tru",
            "[1,]",
            "[1 2]",
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            r#"{a:1}"#,
            "\"\u{1}\"",
            r#""\x""#,
            r#""\ud83d""#,
            "1.",
            "-",
            "1e",
            "[[[[",
        ] {
            assert_ne!(skip_value(bad.as_bytes(), 0), Some(bad.len()), "{bad}");
        }
        let deep = format!(
            "{}{}",
            "[".repeat(MAX_SKIP_DEPTH + 1),
            "]".repeat(MAX_SKIP_DEPTH + 1)
        );
        assert_eq!(
            skip_value(deep.as_bytes(), 0),
            Some(deep.len()),
            "serde measures what nests deeper than the scanner follows"
        );
        // serde skips values without recursing, so no depth costs stack.
        let very_deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(skip_value(very_deep.as_bytes(), 0), Some(very_deep.len()));
        let unclosed = format!("{}{}", "[".repeat(100), "]".repeat(99));
        assert_eq!(skip_value(unclosed.as_bytes(), 0), None);
        let deep_member = format!(r#"{{"a":{deep},"b":1}}"#);
        assert_eq!(members(&deep_member).map(|m| m.len()), Some(2));
        // A frame whose unread field is not JSON is not split into members: serde explains it.
        let frame = r#"{"arg":{"channel":"books"},"junk":[tru],"data":[]}"#;
        assert!(members(frame).is_none());
        assert!(
            json_error(frame).starts_with("bad JSON"),
            "{}",
            json_error(frame)
        );
        // Bare extra elements of a level must be JSON scalars too.
        let mut out = Vec::new();
        assert!(levels(&raw(r#"[["1","2",3,true]]"#), Side::Bid, &mut out).is_ok());
        assert!(scan_levels(r#"[["1","2",abc]]"#, Side::Bid, &mut out).is_none());
    }

    /// The byte loop's reading of a quoted decimal whose opening quote is at 0.
    fn quoted_by_bytes(text: &[u8]) -> Option<(Dec, usize)> {
        let (dec, read) = crate::num::scan_unsigned(&text[1..])?;
        (text.get(1 + read) == Some(&b'"')).then_some((dec, read + 2))
    }

    /// A reader of a quoted decimal whose digits start at the position given.
    type WordReader = fn(&[u8], usize) -> Option<(Dec, usize)>;

    /// `read` takes each of `accepted` (quote at 0) as its value and end, as the byte loop
    /// does, and leaves each of `declined` to the byte loop.
    fn assert_word_reader(
        read: WordReader,
        accepted: &[(&str, i64, u8, usize)],
        declined: &[&str],
    ) {
        for &(text, mant, scale, end) in accepted {
            let got = read(text.as_bytes(), 1);
            assert_eq!(
                got,
                Some((Dec::from_parts(mant, scale).unwrap(), end)),
                "{text}"
            );
            assert_eq!(got, quoted_by_bytes(text.as_bytes()), "{text}");
        }
        for text in declined {
            assert_eq!(read(text.as_bytes(), 1), None, "{text}");
        }
    }

    #[test]
    fn short_quoted_decimals_are_read_a_word_at_a_time() {
        // Declined: too long for the word, not canonical, not closed by a quote.
        assert_word_reader(
            quoted_decimal_in_word,
            &[
                ("\"30233.6\",", 302336, 1, 9),
                ("\"104\"]]]]]]", 104, 0, 5),
                ("\"0.0001\"]]]", 1, 4, 8),
                ("\"1234567\"]]", 1234567, 0, 9),
                ("\"0\",\"1\"]]]", 0, 0, 3),
            ],
            &[
                "\"12345678\"]]]",
                "\"0.12345678\"]",
                "\"0.123456789\"",
                "\"01\"]]]]]]]",
                "\"1.\"]]]]]]]",
                "\".5\"]]]]]]]",
                "\"1e5\"]]]]]]",
                "\"1.2.3\"]]]]",
                "\"12\"",
            ],
        );
    }

    #[test]
    fn quoted_fractions_below_one_are_read_a_word_at_a_time() {
        // Declined: nine decimals, a bare point, a whole part, no closing quote.
        assert_word_reader(
            quoted_fraction,
            &[
                ("\"0.00123456\"]", 123456, 8, 12),
                ("\"0.12345678\",", 12345678, 8, 12),
                ("\"0.10000000\"]", 10000000, 8, 12),
                ("\"0.0012345\"]]", 12345, 7, 11),
                ("\"0.5\"]]]]]]]]", 5, 1, 5),
            ],
            &[
                "\"0.123456789\"",
                "\"0.\"]]]]]]]]]",
                "\"1.00123456\"]",
                "\"00.0012345\"]",
                "\"0.0012e456\"]",
                "\"0.00123456",
            ],
        );
    }

    proptest::proptest! {
        /// Whatever the fraction reader reads, the byte loop reads the same way.
        #[test]
        fn the_fraction_reader_agrees_with_the_byte_loop(
            body in proptest::collection::vec(proptest::prop_oneof![
                8 => b'0'..=b'9', 1 => proptest::strategy::Just(b'"'), 1 => 0u8..=255,
            ], 0..12),
        ) {
            let mut text = b"\"0.".to_vec();
            text.extend(&body);
            if let Some(read) = quoted_fraction(&text, 1) {
                proptest::prop_assert_eq!(Some(read), quoted_by_bytes(&text));
            }
        }
    }

    proptest::proptest! {
        /// Whatever the word reader reads, the byte loop reads the same way.
        #[test]
        fn the_word_reader_agrees_with_the_byte_loop(
            body in proptest::collection::vec(proptest::prop_oneof![
                b'0'..=b'9', proptest::strategy::Just(b'.'), proptest::strategy::Just(b'"'),
                proptest::strategy::Just(b'0'), 0u8..=255,
            ], 0..12),
        ) {
            let mut text = vec![b'"'];
            text.extend(&body);
            if let Some(read) = quoted_decimal_in_word(&text, 1) {
                proptest::prop_assert_eq!(Some(read), quoted_by_bytes(&text));
            }
        }
    }

    proptest::proptest! {
        /// Whatever the digit reader takes as an integer, the token reader and `str::parse`
        /// take as the same integer, ending at the same place.
        #[test]
        fn the_int_reader_agrees_with_parse(
            text in r#"[ "]?[-+]?0?[0-9]{0,21}[",\]}a.e ]?"#,
        ) {
            if let Some((value, end)) = int_at(text.as_bytes(), 0) {
                let mut s = Scan::new(&text);
                let token = s.token();
                proptest::prop_assert_eq!(token.and_then(|t| t.parse().ok()), Some(value));
                proptest::prop_assert_eq!(s.pos, end);
            }
        }
    }

    #[test]
    fn keys_match_their_quoted_bytes_and_nothing_else() {
        let asks = Key::new("asks");
        let long = Key::new("thirteenchars");
        for (key, text, pos, hit) in [
            (&asks, r#"{"asks":[["1","2"]],"bids":[]}"#, 1, true),
            (&asks, r#"{"asks":[]}"#, 1, true),
            // Fewer than 16 bytes left: compared byte by byte.
            (&asks, r#""asks":"#, 0, true),
            (&asks, r#""asks""#, 0, false),
            (&asks, r#"{"ask":[["1","2"]],"bids":[]}"#, 1, false),
            (&asks, r#"{"asks2":[["1","2"]],"bids":[]}"#, 1, false),
            (&asks, r#"{"asks" :[["1","2"]],"bids":[]}"#, 1, false),
            (&asks, r#"{"bids":[["1","2"]],"asks":[]}"#, 1, false),
            (&long, r#""thirteenchars":1}"#, 0, true),
            (&long, r#""thirteenchars":"#, 0, true),
            (&long, r#""thirteencharz":1}"#, 0, false),
        ] {
            assert_eq!(
                key.is_at(text.as_bytes(), pos),
                hit,
                "{} in {text}",
                key.name
            );
        }
        let mut s = Scan::new(r#"{"bids":1,"asks":2,"ts":3}"#);
        let mut seen = Vec::new();
        s.object_in_order(&keys(["asks", "bids", "ts"]), |s, key| {
            seen.push((key, s.int()?));
            Some(())
        })
        .unwrap();
        assert_eq!(seen, [("bids", 1), ("asks", 2), ("ts", 3)]);
    }

    #[test]
    fn ints_are_read_in_place_and_the_rest_is_left_to_the_token_reader() {
        for (text, value, end) in [
            ("\"1652459225464\",", 1652459225464, 15),
            ("-1234}", -1234, 5),
            ("0]", 0, 1),
            ("\"007\"", 7, 5),
            ("123456789012345678", 123456789012345678, 18),
        ] {
            assert_eq!(int_at(text.as_bytes(), 0), Some((value, end)), "{text}");
        }
        for text in [
            "1234567890123456789",
            "123456789012345678901234",
            "+5",
            "\"12",
            "12a",
            "1.5",
            "-",
            "\"\"",
            "007",
        ] {
            assert_eq!(int_at(text.as_bytes(), 0), None, "{text}");
        }
        // The token reader still reads what the digit reader leaves.
        assert_eq!(Scan::new("\"+5\"").int(), Some(5));
        assert_eq!(
            Scan::new("1234567890123456789").int(),
            Some(1_234_567_890_123_456_789)
        );
    }

    proptest::proptest! {
        /// The word-at-a-time run ends where a byte loop would.
        #[test]
        fn plain_runs_end_at_the_first_special_byte(text in proptest::collection::vec(proptest::prop_oneof![0x20u8..0x7f, proptest::strategy::Just(b'"'), proptest::strategy::Just(b'\\'), 0u8..0x20, 0x80u8..=0xff], 0..40)) {
            let expected = text.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).unwrap_or(text.len());
            proptest::prop_assert_eq!(plain_run(&text), expected);
        }

        /// Whatever the skipper accepts whole, serde accepts: the fast path is never more
        /// lenient than the general one.
        #[test]
        fn what_the_skipper_accepts_serde_accepts(text in r#"[\[\]{}",:0-9a-eu\\ .E+-]{0,24}"#) {
            if skip_value(text.as_bytes(), 0) == Some(text.len()) {
                proptest::prop_assert!(serde_json::from_str::<IgnoredAny>(&text).is_ok(), "{}", text);
            }
        }

        /// And it accepts any JSON serde writes, compact or pretty, so frames keep the fast path.
        #[test]
        fn serialized_json_is_skipped_whole(value in json_value()) {
            for text in [serde_json::to_string(&value).unwrap(), serde_json::to_string_pretty(&value).unwrap()] {
                proptest::prop_assert_eq!(skip_value(text.as_bytes(), 0), Some(text.len()), "{}", text);
            }
        }
    }

    #[test]
    fn malformed_levels_are_errors_naming_the_problem() {
        let mut out = Vec::new();
        for (bad, needle) in [
            (r#"[["1"]]"#, "without size"),
            (r#"[["1","NaN"]]"#, "NaN"),
            (r#"[["1","-2"]]"#, "sign"),
            (r#"[["1e3","2"]]"#, "exponent"),
            (r#"{"a":1}"#, "array"),
            (r#"[[true,"2"]]"#, "not a number"),
        ] {
            let err = levels(&raw(bad), Side::Ask, &mut out).unwrap_err();
            assert!(err.contains(needle), "{bad}: {err}");
        }
    }

    #[test]
    fn level_objects_keep_their_digits_and_name_what_is_missing() {
        let mut out = Vec::new();
        level_objects(
            &raw(r#"[{"price":45285.2,"qty":0.00100000},{"qty":"2","price":"1.50","x":1}]"#),
            Side::Ask,
            ("price", "qty"),
            &mut out,
        )
        .unwrap();
        let text: Vec<String> = out
            .iter()
            .map(|(_, l)| format!("{}:{}", l.price, l.size))
            .collect();
        assert_eq!(text, ["45285.2:0.00100000", "1.50:2"]);
        for (bad, needle) in [
            (r#"[{"price":1}]"#, "without qty"),
            (r#"[{"price":1,"qty":1e-8}]"#, "exponent"),
            (r#"[{"price":true,"qty":1}]"#, "not a number"),
            (r#"[[1,2]]"#, "Bid levels"),
        ] {
            let err = level_objects(&raw(bad), Side::Bid, ("price", "qty"), &mut out).unwrap_err();
            assert!(err.contains(needle), "{bad}: {err}");
        }
    }

    #[test]
    fn object_entries_come_in_wire_order() {
        let v = raw(r#"{"b":[1],"a":{"x":2},"c":"3","b":[]}"#);
        let got: Vec<(String, String)> = entries(&v)
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.get().to_owned()))
            .collect();
        assert_eq!(
            got,
            [
                ("b".into(), "[1]".into()),
                ("a".into(), r#"{"x":2}"#.into()),
                ("c".into(), r#""3""#.into()),
                ("b".into(), "[]".into())
            ]
        );
        assert!(entries(&raw("[1]")).is_err());
    }

    #[test]
    fn rfc3339_timestamps_become_epoch_millis() {
        assert_eq!(rfc3339_millis("1970-01-01T00:00:00Z"), Ok(0));
        // 2023-09-25T07:49:37.708706Z, as Kraken v2 writes trade times
        assert_eq!(
            rfc3339_millis("2023-09-25T07:49:37.708706Z"),
            Ok(1_695_628_177_708)
        );
        assert_eq!(
            rfc3339_millis("2024-02-29T23:59:59.9Z"),
            Ok(1_709_251_199_900)
        );
        assert_eq!(
            rfc3339_millis("2023-09-25T09:49:37.708+02:00"),
            Ok(1_695_628_177_708)
        );
        for bad in [
            "",
            "2023-09-25",
            "2023-09-25T07:49:37",
            "2023-13-25T07:49:37Z",
            "2023-09-25T07:49:37.Z",
            "2023-09-25 07:49:37Z",
            "2023-09-25T07:4x:37Z",
        ] {
            assert!(rfc3339_millis(bad).is_err(), "{bad}");
        }
    }

    fn serde_levels(text: &str) -> Result<Vec<(Side, Level)>, String> {
        let mut out = Vec::new();
        let mut de = serde_json::Deserializer::from_str(text);
        LevelArrays {
            side: Side::Bid,
            out: &mut out,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map(|()| out)
        .map_err(|e| e.to_string())
    }

    proptest::proptest! {
        /// The fast scanner accepts exactly what serde accepts, with the same levels and wire
        /// forms: random level arrays, with and without damage.
        #[test]
        fn the_scanner_agrees_with_serde(
            rows in proptest::collection::vec(
                ("[0-9]{1,6}(\\.[0-9]{1,8})?", "[0-9]{1,4}(\\.[0-9]{1,8})?", proptest::option::of("\"[a-z0-9]{0,3}\"|[0-9]{1,3}|null")),
                0..6,
            ),
            quote_numbers in proptest::bool::ANY,
            spaced in proptest::bool::ANY,
            cut in proptest::option::of(0usize..200),
            junk in proptest::option::of("[\\[\\]{}\",:a-z0-9 ]{1,3}"),
        ) {
            let q = if quote_numbers { "\"" } else { "" };
            // Venues send no whitespace (the compact reader); anything else takes the general one.
            let sep = if spaced { ", " } else { "," };
            let body: Vec<String> = rows
                .iter()
                .map(|(p, s, extra)| match extra {
                    Some(e) => format!("[{q}{p}{q}{sep}{q}{s}{q}{sep}{e}]"),
                    None => format!("[{q}{p}{q}{sep}{q}{s}{q}]"),
                })
                .collect();
            let mut text = format!("[{}]", body.join(","));
            if let Some(cut) = cut {
                text.truncate(cut.min(text.len()));
            }
            if let Some(junk) = junk {
                text.insert_str(text.len() / 2, &junk);
            }
            let Ok(raw) = RawValue::from_string(text.clone()) else {
                return Ok(()); // not JSON at all: never reaches `levels`
            };
            let mut fast = Vec::new();
            let got = levels(&raw, Side::Bid, &mut fast).map(|()| fast);
            let want = serde_levels(&text);
            proptest::prop_assert_eq!(got.is_ok(), want.is_ok(), "{}", text);
            if let (Ok(got), Ok(want)) = (got, want) {
                let wire = |v: &[(Side, Level)]| v.iter().map(|(_, l)| format!("{}:{}", l.price, l.size)).collect::<Vec<_>>();
                proptest::prop_assert_eq!(wire(&got), wire(&want));
            }
        }
    }

    /// Arbitrary JSON values, nested, with escapes and control characters in strings (no
    /// floats: serde_json does not always round-trip them, which would be serde's noise, not
    /// the scanner's).
    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "[a-z\\\\\"\\]\\[{}, :\\n\\t\\u{1}\\u{e9}]{0,8}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("[a-z]{1,5}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// The structural scan finds exactly the members and elements serde finds.
        #[test]
        fn members_and_elements_agree_with_serde(
            fields in proptest::collection::btree_map("[a-z]{1,6}", json_value(), 0..5),
            items in proptest::collection::vec(json_value(), 0..5),
            pretty in proptest::bool::ANY,
        ) {
            let object = serde_json::Value::Object(fields.clone().into_iter().collect());
            let text = if pretty { serde_json::to_string_pretty(&object) } else { serde_json::to_string(&object) }.unwrap();
            let got = members(&text).expect("a valid object scans");
            proptest::prop_assert_eq!(got.len(), fields.len());
            for (key, raw) in got {
                let value: serde_json::Value = serde_json::from_str(raw).unwrap();
                proptest::prop_assert_eq!(Some(&value), fields.get(key));
            }
            let array = serde_json::to_string(&items).unwrap();
            let got = elements(&array).expect("a valid array scans");
            proptest::prop_assert_eq!(got.len(), items.len());
            for (raw, want) in got.iter().zip(&items) {
                proptest::prop_assert_eq!(&serde_json::from_str::<serde_json::Value>(raw).unwrap(), want);
            }
        }
    }

    #[test]
    fn scans_refuse_what_is_not_an_object_or_array_and_serde_says_why() {
        for bad in [
            r#"{"a":1"#,
            r#"{"a" 1}"#,
            r#"[1,2"#,
            "",
            "nope",
            r#"{"a":1}x"#,
            r#"{"a":"x}"#,
        ] {
            assert!(members(bad).is_none() || elements(bad).is_none(), "{bad}");
        }
        assert!(members(r#"{"a":1"#).is_none());
        assert!(json_error(r#"{"a":1"#).starts_with("bad JSON: EOF"));
        assert_eq!(string(r#""plain""#).unwrap(), "plain");
        assert_eq!(string(r#""esc\"aped""#).unwrap(), "esc\"aped");
        assert!(string("42").is_err());
    }

    #[test]
    fn integers_come_from_strings_or_numbers() {
        assert_eq!(int(&raw("\"1652459225464\"")), Ok(1652459225464));
        assert_eq!(int(&raw("42")), Ok(42));
        assert!(int(&raw("\"x\"")).is_err());
    }
}
