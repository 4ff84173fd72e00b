//! The reader's fast path: a hand-written scanner for event lines as the writer produces them.
//!
//! Frame payloads are JSON text stored in a JSON string, so an escaped quote comes every few
//! bytes (`{\"arg\":{\"channel\":\"books\"…`). serde_json takes those one at a time and
//! spent about three quarters of the replay time on them in a profile of the OKX capture. This
//! scanner unescapes `data` a word at a time into a buffer the reader reuses, so a typical
//! line costs no allocation.
//!
//! It accepts only a flat object of the known fields with well-formed values, and returns
//! `None` for anything else: unknown fields, `null`, duplicate keys, unusual escapes in keys,
//! raw control characters, trailing text … The caller then parses the line with serde_json,
//! which accepts every valid line and explains every invalid one, so the two paths cannot
//! disagree; a property test checks exactly that.

use std::borrow::Cow;

use super::format::{Ev, RawEvent, Str};

/// Scans `line`; `data`, when it has escapes, is unescaped into `scratch` and borrowed from it,
/// or, with `detach`, taken out of it as an owned string (no copy).
pub(super) fn scan_event<'a>(
    line: &'a str,
    scratch: &'a mut Vec<u8>,
    detach: bool,
) -> Option<RawEvent<'a>> {
    let mut s = Scanner { text: line, pos: 0 };
    let mut f = Fields::default();
    s.ws();
    s.eat(b'{')?;
    loop {
        s.ws();
        let key = s.plain_string()?;
        s.ws();
        s.eat(b':')?;
        s.ws();
        match key {
            "t" => once(&mut f.t, s.uint()?)?,
            "conn" => once(&mut f.conn, s.uint()?)?,
            "status" => once(&mut f.status, u16::try_from(s.uint()?).ok()?)?,
            "venue" => once(&mut f.venue, s.plain_string()?)?,
            "ev" => once(&mut f.ev, ev(s.plain_string()?)?)?,
            "url" => once(&mut f.url, s.string_owned()?)?,
            "b64" => once(&mut f.b64, s.string_owned()?)?,
            "reason" => once(&mut f.reason, s.string_owned()?)?,
            "data" => once(&mut f.data, s.string(scratch)?)?,
            _ => return None,
        }
        s.ws();
        match s.next_byte()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    s.ws();
    if s.pos != line.len() {
        return None;
    }
    let data = match f.data {
        None => None,
        Some(Text::Plain(s)) => Some(Str(Cow::Borrowed(s))),
        // Valid UTF-8 by construction (the line was, and escapes decode to chars); checking is
        // cheap and keeps this free of `unsafe`.
        Some(Text::Unescaped) if detach => {
            let mut owned = std::mem::take(scratch);
            owned.shrink_to_fit();
            Some(Str(Cow::Owned(String::from_utf8(owned).ok()?)))
        }
        Some(Text::Unescaped) => Some(Str(Cow::Borrowed(std::str::from_utf8(scratch).ok()?))),
    };
    Some(RawEvent {
        t: f.t?,
        venue: Str(Cow::Borrowed(f.venue?)),
        conn: f.conn,
        ev: f.ev?,
        url: f.url.map(Str),
        data,
        b64: f.b64.map(Str),
        status: f.status,
        reason: f.reason.map(Str),
    })
}

#[derive(Default)]
struct Fields<'a> {
    t: Option<u64>,
    venue: Option<&'a str>,
    conn: Option<u64>,
    ev: Option<Ev>,
    url: Option<Cow<'a, str>>,
    data: Option<Text<'a>>,
    b64: Option<Cow<'a, str>>,
    status: Option<u16>,
    reason: Option<Cow<'a, str>>,
}

/// Sets a field seen for the first time; a duplicate key is left to serde_json to report.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

fn ev(name: &str) -> Option<Ev> {
    Some(match name {
        "open" => Ev::Open,
        "sent" => Ev::Sent,
        "recv" => Ev::Recv,
        "close" => Ev::Close,
        "rest" => Ev::Rest,
        _ => return None,
    })
}

/// A string's content: borrowed from the line, or unescaped into the scratch buffer.
enum Text<'a> {
    Plain(&'a str),
    Unescaped,
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn next_byte(&mut self) -> Option<u8> {
        let b = *self.text.as_bytes().get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn eat(&mut self, expected: u8) -> Option<()> {
        (self.next_byte()? == expected).then_some(())
    }

    fn ws(&mut self) {
        let rest = &self.text.as_bytes()[self.pos..];
        self.pos += rest
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .count();
    }

    /// A JSON unsigned integer (no sign, fraction, exponent or leading zero), or `None`.
    fn uint(&mut self) -> Option<u64> {
        let rest = &self.text.as_bytes()[self.pos..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || (digits > 1 && rest[0] == b'0') {
            return None;
        }
        self.pos += digits;
        rest[..digits].iter().try_fold(0u64, |n, &d| {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
    }

    /// A string without escapes (keys, ids), borrowed from the line.
    fn plain_string(&mut self) -> Option<&'a str> {
        match self.string(&mut Vec::new())? {
            Text::Plain(s) => Some(s),
            Text::Unescaped => None,
        }
    }

    /// A string, borrowed if it has no escapes.
    fn string_owned(&mut self) -> Option<Cow<'a, str>> {
        let mut out = Vec::new();
        Some(match self.string(&mut out)? {
            Text::Plain(s) => Cow::Borrowed(s),
            Text::Unescaped => Cow::Owned(String::from_utf8(out).ok()?),
        })
    }

    /// A string; if it has escapes, its unescaped content replaces `out`.
    fn string(&mut self, out: &mut Vec<u8>) -> Option<Text<'a>> {
        self.eat(b'"')?;
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let mut r = start + first_special(&bytes[start..])?;
        if bytes[r] == b'"' {
            self.pos = r + 1;
            return Some(Text::Plain(&self.text[start..r]));
        }
        // Unescaping never lengthens the text; the 8 spare bytes take the last word's overshoot.
        out.clear();
        out.resize(bytes.len() - start + 8, 0);
        out[..r - start].copy_from_slice(&bytes[start..r]);
        let mut w = r - start;
        loop {
            let rest = bytes.get(r..)?;
            // Find the next special byte, copying what precedes it: all 8 bytes of a word are
            // stored, and the positions advance only past the plain ones.
            let k = match rest.first_chunk::<8>() {
                Some(chunk) => {
                    let word = u64::from_le_bytes(*chunk);
                    *out.get_mut(w..)?.first_chunk_mut::<8>()? = *chunk;
                    let mask = specials(word);
                    if mask == 0 {
                        r += 8;
                        w += 8;
                        continue;
                    }
                    (mask.trailing_zeros() / 8) as usize
                }
                None => {
                    let k = rest.iter().position(|&b| is_special(b))?;
                    out.get_mut(w..w + k)?.copy_from_slice(&rest[..k]);
                    k
                }
            };
            r += k;
            w += k;
            match rest[k] {
                b'\\' => match *rest.get(k + 1)? {
                    // The common escapes (payloads are JSON: `\"` every few bytes) keep the
                    // byte after the backslash.
                    c @ (b'"' | b'\\' | b'/') => {
                        *out.get_mut(w)? = c;
                        w += 1;
                        r += 2;
                    }
                    _ => {
                        let (read, written) = decode_escape(&rest[k..], out.get_mut(w..)?)?;
                        r += read;
                        w += written;
                    }
                },
                b'"' => {
                    self.pos = r + 1;
                    out.truncate(w);
                    return Some(Text::Unescaped);
                }
                // A raw control character is invalid JSON.
                _ => return None,
            }
        }
    }
}

fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// The index of the first `"`, `\` or control character in `bytes`, eight bytes at a time.
fn first_special(bytes: &[u8]) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    for (i, word) in words.by_ref().enumerate() {
        let mask = specials(u64::from_le_bytes(word.try_into().ok()?));
        if mask != 0 {
            return Some(i * 8 + (mask.trailing_zeros() / 8) as usize);
        }
    }
    let tail = words.remainder();
    let at = tail.iter().position(|&b| is_special(b))?;
    Some(bytes.len() - tail.len() + at)
}

/// The high bit of each byte of `word` (little-endian) is set if it is `"`, `\` or below 0x20;
/// bytes after the first such byte may be flagged spuriously, so only the lowest flag counts.
fn specials(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v;
    let quote = zero_bytes(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_bytes(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    (quote | backslash | control) & (ONES * 0x80)
}

/// Writes the character of the escape at the start of `escape` to `out`: (bytes read, bytes
/// written). Out of line: these escapes are rare, and inlined they crowd the copy loop.
#[cold]
#[inline(never)]
fn decode_escape(escape: &[u8], out: &mut [u8]) -> Option<(usize, usize)> {
    let (c, len) = unescape(escape)?;
    Some((len, c.encode_utf8(out.get_mut(..4)?).len()))
}

/// Decodes the escape at the start of `b` (which begins with `\`): the character and the
/// number of bytes it took. Lone surrogates are refused, as serde_json refuses them.
fn unescape(b: &[u8]) -> Option<(char, usize)> {
    Some(match *b.get(1)? {
        b'"' => ('"', 2),
        b'\\' => ('\\', 2),
        b'/' => ('/', 2),
        b'b' => ('\u{8}', 2),
        b'f' => ('\u{c}', 2),
        b'n' => ('\n', 2),
        b'r' => ('\r', 2),
        b't' => ('\t', 2),
        b'u' => match hex4(b.get(2..6)?)? {
            hi @ 0xD800..=0xDBFF => {
                if b.get(6..8)? != b"\\u" {
                    return None;
                }
                let lo = hex4(b.get(8..12)?)?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return None;
                }
                (
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?,
                    12,
                )
            }
            code => (char::from_u32(code)?, 6),
        },
        _ => return None,
    })
}

fn hex4(b: &[u8]) -> Option<u32> {
    b.iter()
        .try_fold(0, |n, &c| Some(n * 16 + char::from(c).to_digit(16)?))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::capture::format::{Event, EventKind, Payload};
    use crate::market::VenueId;

    fn fast(line: &str) -> Option<Result<Event<'static>, String>> {
        let mut scratch = Vec::new();
        scan_event(line, &mut scratch, false).map(|raw| raw.into_event().map(Event::into_owned))
    }

    fn slow(line: &str) -> Result<Event<'static>, String> {
        Event::parse_slow(line).map(Event::into_owned)
    }

    #[test]
    fn writer_lines_take_the_fast_path_and_data_is_unescaped_without_allocating() {
        let line = r#"{"t":1,"venue":"okx","conn":2,"ev":"recv","data":"{\"a\":\"\u00e9\ud83d\ude00\\\/\b\f\n\r\t\"}"}"#;
        let mut scratch = Vec::new();
        let raw = scan_event(line, &mut scratch, false).unwrap();
        let Some(Str(Cow::Borrowed(data))) = &raw.data else {
            panic!("data not borrowed");
        };
        assert_eq!(*data, "{\"a\":\"é😀\\/\u{8}\u{c}\n\r\t\"}");
        assert_eq!(fast(line), Some(slow(line)));
    }

    #[test]
    fn anything_unusual_is_left_to_serde() {
        for line in [
            r#"{"t":1,"venue":"okx","conn":2,"ev":"recv","data":"x","extra":1}"#,
            r#"{"t":1,"t":2,"venue":"okx","conn":2,"ev":"recv","data":"x"}"#,
            r#"{"t":01,"venue":"okx","conn":2,"ev":"recv","data":"x"}"#,
            r#"{"t":1.0,"venue":"okx","conn":2,"ev":"recv","data":"x"}"#,
            r#"{"t":1,"venue":"okx","conn":null,"ev":"recv","data":"x"}"#,
            r#"{"t":1,"venue":"okx","conn":2,"ev":"recv","data":"\ud800"}"#,
            r#"{"t":1,"venue":"okx","conn":2,"ev":"recv","data":"\x"}"#,
            "{\"t\":1,\"venue\":\"okx\",\"conn\":2,\"ev\":\"recv\",\"data\":\"\t\"}",
            r#"{"t":1,"venue":"okx","conn":2,"ev":"recv","data":"x"} x"#,
            r#"{"t":1,"venue":"okx","conn":2,"ev":"recv","status":70000,"data":"x"}"#,
            r#"{"t":18446744073709551616,"venue":"okx","conn":2,"ev":"recv","data":"x"}"#,
            r#"{}"#,
        ] {
            assert_eq!(fast(line), None, "{line}");
        }
    }

    fn event() -> impl Strategy<Value = Event<'static>> {
        let text = || any::<String>().prop_map(Cow::Owned);
        let payload = prop_oneof![
            text().prop_map(Payload::Text),
            any::<Vec<u8>>().prop_map(|b| Payload::Binary(Cow::Owned(b))),
        ];
        let kind = prop_oneof![
            (any::<u64>(), text()).prop_map(|(conn, url)| EventKind::Open { conn, url }),
            (any::<u64>(), payload.clone())
                .prop_map(|(conn, payload)| EventKind::Sent { conn, payload }),
            (any::<u64>(), payload).prop_map(|(conn, payload)| EventKind::Recv { conn, payload }),
            (any::<u64>(), text()).prop_map(|(conn, reason)| EventKind::Close { conn, reason }),
            (text(), any::<u16>(), text()).prop_map(|(url, status, data)| EventKind::Rest {
                url,
                status,
                data
            }),
        ];
        (any::<u64>(), 0..VenueId::ALL.len(), kind).prop_map(|(t, v, kind)| Event {
            t,
            venue: VenueId::ALL[v],
            kind,
        })
    }

    proptest! {
        #[test]
        fn word_at_a_time_search_finds_the_first_special_byte(
            bytes in prop::collection::vec(prop_oneof![Just(b'"'), Just(b'\\'), any::<u8>()], 0..40),
        ) {
            prop_assert_eq!(first_special(&bytes), bytes.iter().position(|&b| is_special(b)));
        }

        #[test]
        fn every_written_event_scans_back_identical(e in event()) {
            let line = serde_json::to_string(&e).unwrap();
            prop_assert_eq!(fast(&line), Some(Ok(e)));
        }

        /// Damaged lines: whatever the scanner accepts, serde_json reads the same way.
        #[test]
        fn the_scanner_never_disagrees_with_serde(
            e in event(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, prop::sample::select(
                vec!['"', '\\', '{', '}', ':', ',', '0', '9', ' ', 'u', 'e', '.', '-', '\u{1}', 'é'],
            )), 1..4),
        ) {
            let mut line: Vec<char> = serde_json::to_string(&e).unwrap().chars().collect();
            for (at, op, c) in edits {
                let i = at.index(line.len() + 1);
                match op {
                    0 => line.insert(i, c),
                    1 if i < line.len() => { line.remove(i); }
                    _ => line.truncate(i),
                }
            }
            let line: String = line.into_iter().collect();
            if let Some(fast) = fast(&line) {
                prop_assert_eq!(fast, slow(&line), "{}", line);
            }
        }
    }
}
