//! The venues' book checksums: CRC-32 (IEEE 802.3, `crc32fast`) over a string built from the
//! top of the book in the venue's exact wire form.
//!
//! The string is built in a caller-supplied scratch buffer so a live feed checks every message
//! without allocating. Every function returns the CRC's 32-bit pattern as `u32`: Kraken
//! publishes it unsigned, OKX/Bitget/CoinEx signed, and comparing bit patterns
//! ([`from_signed`]) avoids sign bugs.

use super::text::{TEXT_BYTES, TextForm};
use super::{Book, Level};
use crate::num::{Dec, MAX_WIRE_LEN};

/// The bit pattern of a signed checksum as venues publish it (OKX `-1881014294`).
pub fn from_signed(value: i64) -> Option<u32> {
    i32::try_from(value)
        .ok()
        .map(|v| v as u32)
        .or_else(|| u32::try_from(value).ok())
}

/// The signed reading of a checksum pattern, as OKX/Bitget/CoinEx print it.
pub fn to_signed(pattern: u32) -> i32 {
    pattern as i32
}

/// Kraken spot (WS v2 and v1), documented procedure [DOC][VEC]:
/// 1. apply every level of the message and truncate the book to the subscribed depth;
/// 2. take the top **10 asks, price ascending**, then the top **10 bids, price descending**;
/// 3. for each level append `price` with `.` removed and leading zeros removed, then `qty` the
///    same way (no separator);
/// 4. CRC-32 of the ASCII string, compared as an **unsigned** 32-bit integer.
///
/// "Remove the point, then the leading zeros" of a canonical decimal is exactly its integer
/// mantissa in base 10 (`0.00000048` → `48`), so no string surgery is needed. Kraken v2 sends
/// JSON numbers: the caller renders them at the pair's precision first ([`crate::num::Dec::with_scale`]).
pub fn kraken<'a>(
    asks_best_first: impl IntoIterator<Item = &'a Level>,
    bids_best_first: impl IntoIterator<Item = &'a Level>,
    scratch: &mut Vec<u8>,
) -> u32 {
    let len = kraken_into(asks_best_first, bids_best_first, scratch);
    crc32fast::hash(&scratch[..len])
}

/// The string hashed by [`kraken`] (for tests and diagnostics).
pub fn kraken_string<'a>(
    asks_best_first: impl IntoIterator<Item = &'a Level>,
    bids_best_first: impl IntoIterator<Item = &'a Level>,
) -> String {
    let mut scratch = Vec::new();
    let len = kraken_into(asks_best_first, bids_best_first, &mut scratch);
    String::from_utf8_lossy(&scratch[..len]).into_owned()
}

fn kraken_into<'a>(
    asks_best_first: impl IntoIterator<Item = &'a Level>,
    bids_best_first: impl IntoIterator<Item = &'a Level>,
    scratch: &mut Vec<u8>,
) -> usize {
    let mut w = Writer::new(scratch, 20 * 2 * MAX_WIRE_LEN);
    for level in asks_best_first
        .into_iter()
        .take(10)
        .chain(bids_best_first.into_iter().take(10))
    {
        w.digits(level.price);
        w.digits(level.size);
    }
    w.done().len()
}

/// OKX v5 and legacy Bitget, documented procedure [DOC][VEC][REPLAY]:
/// take the top **25 bids (descending) and 25 asks (ascending)**, interleave them
/// `bid1:ask1:bid2:ask2…`, each level contributing `price:size` with the **original strings**;
/// when one side runs out, the other side's remaining levels follow in order; join with `:`;
/// CRC-32, published **signed**. OKX has sent `0` since 2026-06-23 and Bitget v2 sends none:
/// those are "absent", never compared.
pub fn interleaved_25<'a>(
    bids_best_first: impl IntoIterator<Item = &'a Level>,
    asks_best_first: impl IntoIterator<Item = &'a Level>,
    scratch: &mut Vec<u8>,
) -> u32 {
    let len = interleaved_into(bids_best_first, asks_best_first, scratch);
    crc32fast::hash(&scratch[..len])
}

/// The string hashed by [`interleaved_25`] (for tests and diagnostics).
pub fn interleaved_string<'a>(
    bids_best_first: impl IntoIterator<Item = &'a Level>,
    asks_best_first: impl IntoIterator<Item = &'a Level>,
) -> String {
    let mut scratch = Vec::new();
    let len = interleaved_into(bids_best_first, asks_best_first, &mut scratch);
    String::from_utf8_lossy(&scratch[..len]).into_owned()
}

fn interleaved_into<'a>(
    bids_best_first: impl IntoIterator<Item = &'a Level>,
    asks_best_first: impl IntoIterator<Item = &'a Level>,
    scratch: &mut Vec<u8>,
) -> usize {
    let mut w = Writer::new(scratch, 50 * (2 * MAX_WIRE_LEN + 2));
    let mut bids = bids_best_first.into_iter().take(25);
    let mut asks = asks_best_first.into_iter().take(25);
    loop {
        let (b, a) = (bids.next(), asks.next());
        if b.is_none() && a.is_none() {
            break;
        }
        for level in [b, a].into_iter().flatten() {
            w.level(level);
        }
    }
    w.done().len()
}

/// CoinEx v2, as documented [DOC, NOT VERIFIED]: **all** bids of the subscribed depth
/// (descending), then all asks (ascending), each `price:amount`, joined with `:` (not
/// interleaved); CRC-32, published signed. The docs' own examples (21658179, 2578768879) do not
/// reproduce from the books they show, and no full real book exists to check against, so this
/// construction is unverified; see the tests.
pub fn coinex<'a>(
    bids_best_first: impl IntoIterator<Item = &'a Level>,
    asks_best_first: impl IntoIterator<Item = &'a Level>,
    scratch: &mut Vec<u8>,
) -> u32 {
    let len = coinex_into(bids_best_first, asks_best_first, scratch);
    crc32fast::hash(&scratch[..len])
}

/// The string hashed by [`coinex`] (for tests and diagnostics).
pub fn coinex_string<'a>(
    bids_best_first: impl IntoIterator<Item = &'a Level>,
    asks_best_first: impl IntoIterator<Item = &'a Level>,
) -> String {
    let mut scratch = Vec::new();
    let len = coinex_into(bids_best_first, asks_best_first, &mut scratch);
    String::from_utf8_lossy(&scratch[..len]).into_owned()
}

fn coinex_into<'a>(
    bids_best_first: impl IntoIterator<Item = &'a Level>,
    asks_best_first: impl IntoIterator<Item = &'a Level>,
    scratch: &mut Vec<u8>,
) -> usize {
    let levels: Vec<&Level> = bids_best_first.into_iter().chain(asks_best_first).collect();
    let mut w = Writer::new(scratch, levels.len() * (2 * MAX_WIRE_LEN + 2));
    for level in levels {
        w.level(level);
    }
    w.done().len()
}

/// Builds a checksum string in place: numbers are rendered straight into the scratch buffer
/// (sized once), so a message's checksum costs no allocation and no per-number copy.
struct Writer<'s> {
    buf: &'s mut Vec<u8>,
    pos: usize,
}

impl Writer<'_> {
    /// Append a cached level text: the whole fixed-size block is copied (a constant-size copy
    /// the compiler inlines) and the cursor advances by the text's real length, so the next
    /// write overwrites the slack. A `:` follows when `separated`.
    fn block(&mut self, (block, len): (&[u8; TEXT_BYTES], usize), separated: bool) {
        self.buf[self.pos..self.pos + TEXT_BYTES].copy_from_slice(block);
        self.pos += len;
        if separated {
            self.buf[self.pos] = b':';
            self.pos += 1;
        }
    }
}

impl<'s> Writer<'s> {
    fn new(buf: &'s mut Vec<u8>, capacity: usize) -> Self {
        if buf.len() < capacity {
            buf.resize(capacity, 0);
        }
        Writer { buf, pos: 0 }
    }

    fn digits(&mut self, value: Dec) {
        self.pos += value.write_digits_at(&mut self.buf[self.pos..]);
    }

    /// `price:size:`; the final `:` is dropped by [`Writer::done`].
    fn level(&mut self, level: &Level) {
        self.pos += level.price.write_wire_at(&mut self.buf[self.pos..]);
        self.buf[self.pos] = b':';
        self.pos += 1;
        self.pos += level.size.write_wire_at(&mut self.buf[self.pos..]);
        self.buf[self.pos] = b':';
        self.pos += 1;
    }

    fn done(self) -> &'s [u8] {
        let end = if self.buf[..self.pos].last() == Some(&b':') {
            self.pos - 1
        } else {
            self.pos
        };
        &self.buf[..end]
    }
}

impl Book {
    /// Keep the top levels' checksum texts so a message only re-renders levels it changed.
    pub fn cache_checksum_text(&mut self, form: TextForm) {
        self.bids.keep_texts(form);
        self.asks.keep_texts(form);
    }

    /// [`kraken`] over this book.
    pub fn kraken_checksum(&mut self, scratch: &mut Vec<u8>) -> u32 {
        let form = TextForm::Digits;
        let (Some(asks), Some(bids)) =
            (self.asks.top_texts(10, form), self.bids.top_texts(10, form))
        else {
            return kraken(self.asks.iter(), self.bids.iter(), scratch);
        };
        let mut w = Writer::new(scratch, 21 * TEXT_BYTES);
        for text in asks.chain(bids) {
            w.block(text, false);
        }
        crc32fast::hash(w.done())
    }

    /// [`interleaved_25`] over this book (OKX, legacy Bitget).
    pub fn interleaved_checksum(&mut self, scratch: &mut Vec<u8>) -> u32 {
        let form = TextForm::Wire;
        let (Some(mut bids), Some(mut asks)) =
            (self.bids.top_texts(25, form), self.asks.top_texts(25, form))
        else {
            return interleaved_25(self.bids.iter(), self.asks.iter(), scratch);
        };
        let mut w = Writer::new(scratch, 51 * TEXT_BYTES);
        // Pairs while both sides have levels, then the rest of the longer side. (`take` first:
        // `zip` would draw a bid it then drops when the asks run out.)
        let pairs = bids.len().min(asks.len());
        for (b, a) in bids.by_ref().take(pairs).zip(asks.by_ref()) {
            w.block(b, true);
            w.block(a, true);
        }
        for text in bids.chain(asks) {
            w.block(text, true);
        }
        crc32fast::hash(w.done())
    }

    /// [`coinex`] over this book (every level, and CoinEx books are at most 50 deep: no cache).
    pub fn coinex_checksum(&self, scratch: &mut Vec<u8>) -> u32 {
        coinex(self.bids.iter(), self.asks.iter(), scratch)
    }
}
