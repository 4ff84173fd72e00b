//! Checksum text per top level, rendered once and reused while the level is unchanged.
//!
//! A checksum covers the top 10 or 25 levels, but a message usually changes one or two of
//! them, so re-rendering 50–100 numbers per message was most of the cost. The cache remembers,
//! per side, the levels of the last checksum and their text. Levels keep their text while they
//! stay identical (same wire price and size); when a level moves by a few places (an insert or
//! delete above it) the text is found in a small window around its old place. Nothing is kept
//! per stored level, so applying deltas deep in a 400-level book costs nothing extra.

use super::{BookSide, Level};
use crate::num::MAX_WIRE_LEN;

/// Which text a level contributes to its venue's checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextForm {
    /// `price:size` in wire form (OKX, Bitget, CoinEx).
    Wire,
    /// Price digits then size digits, no point, no leading zeros (Kraken).
    Digits,
}

/// Room for `price:size` at the longest wire forms.
pub(super) const TEXT_BYTES: usize = 2 * MAX_WIRE_LEN + 1;

/// How far a level may move between two checksums and still find its text.
const WINDOW: usize = 3;

/// One level's rendered text.
#[derive(Clone, Copy, Debug)]
pub(super) struct LevelText {
    level: Level,
    bytes: [u8; TEXT_BYTES],
    len: u8,
}

impl LevelText {
    fn render(level: &Level, form: TextForm) -> Self {
        let mut bytes = [0; TEXT_BYTES];
        let len = match form {
            TextForm::Wire => {
                let p = level.price.write_wire_at(&mut bytes);
                bytes[p] = b':';
                p + 1 + level.size.write_wire_at(&mut bytes[p + 1..])
            }
            TextForm::Digits => {
                let p = level.price.write_digits_at(&mut bytes);
                p + level.size.write_digits_at(&mut bytes[p..])
            }
        };
        LevelText {
            level: *level,
            bytes,
            len: len as u8,
        }
    }

    fn is_for(&self, level: &Level) -> bool {
        self.level.price.same_wire(level.price) && self.level.size.same_wire(level.size)
    }

    pub(super) fn bytes(&self) -> &[u8; TEXT_BYTES] {
        &self.bytes
    }

    pub(super) fn len(&self) -> usize {
        usize::from(self.len)
    }
}

/// The texts of one side's top levels as of the last checksum.
#[derive(Clone, Debug, Default)]
pub(super) struct SideTexts {
    texts: Vec<LevelText>,
}

impl SideTexts {
    /// The texts of `side`'s best `n` levels, best first, reusing unchanged ones.
    ///
    /// Updated in place: a level whose text is still at its place costs one comparison. A text
    /// overwritten here is kept in a small ring for the next few places, since a level that
    /// moved down by up to [`WINDOW`] places looks for its text there.
    pub(super) fn top(&mut self, side: &BookSide, n: usize, form: TextForm) -> &[LevelText] {
        let old_len = self.texts.len();
        let mut ring: [Option<LevelText>; WINDOW] = [None; WINDOW];
        let mut count = 0;
        for (i, level) in side.iter().take(n).enumerate() {
            count = i + 1;
            if self.texts.get(i).is_some_and(|t| t.is_for(level)) {
                continue;
            }
            // Old places above `i` hold new texts now; their old ones are in the ring. Any text
            // for this very level will do, wherever it is found.
            let hi = (i + WINDOW + 1).min(old_len);
            let above = ring.iter().flatten().find(|t| t.is_for(level));
            let below = || {
                self.texts
                    .get(i + 1..hi.max(i + 1))
                    .and_then(|near| near.iter().find(|t| t.is_for(level)))
            };
            let text = above
                .or_else(below)
                .copied()
                .unwrap_or_else(|| LevelText::render(level, form));
            match self.texts.get_mut(i) {
                Some(slot) => ring[i % WINDOW] = Some(std::mem::replace(slot, text)),
                None => self.texts.push(text),
            }
        }
        self.texts.truncate(count);
        &self.texts
    }
}

/// Both sides' cached texts in one form.
#[derive(Clone, Debug)]
pub(super) struct TextCache {
    pub(super) form: TextForm,
    pub(super) bids: SideTexts,
    pub(super) asks: SideTexts,
}

impl TextCache {
    pub(super) fn new(form: TextForm) -> Self {
        TextCache {
            form,
            bids: SideTexts::default(),
            asks: SideTexts::default(),
        }
    }
}
