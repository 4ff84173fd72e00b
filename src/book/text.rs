//! Checksum text per top level, rendered once and reused while the level is unchanged.
//!
//! A checksum covers the top 10 or 25 levels, but a message usually changes one or two of
//! them, so re-rendering 50–100 numbers per message was most of the cost. The cache remembers,
//! per side, the levels of the last checksum and their text. Levels keep their text while they
//! stay identical (same wire price and size), wherever inserts and deletes above them moved
//! them: both tops are sorted, so one walk pairs them. Nothing is kept per stored level, so
//! applying deltas deep in a 400-level book costs nothing extra.
//!
//! Texts live in a small arena and the top is a list of slot numbers, so a level that moves
//! moves one byte: an insert at the touch shifts all 25 places, and copying 25 texts per
//! message cost more than rendering the one new level. (A window search around each old
//! place, before the walk, missed 3,221 of 14,500 places per OKX replay pass.)

use super::{BookSide, Level};
use crate::num::{Dec, MAX_WIRE_LEN};

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

/// The most levels a side's text list covers: two texts per place (the last checksum's and
/// this one's) must fit the arena's 64-slot bitmask.
pub(super) const MAX_TOP: usize = 32;

/// One level's rendered text.
#[derive(Clone, Copy, Debug)]
pub(super) struct LevelText {
    /// The level's storage key ([`BookSide::iter_keyed`]): better levels have greater keys.
    key: i128,
    level: Level,
    bytes: [u8; TEXT_BYTES],
    len: u8,
}

impl LevelText {
    const EMPTY: LevelText = LevelText {
        key: 0,
        level: Level::new(Dec::ZERO, Dec::ZERO),
        bytes: [0; TEXT_BYTES],
        len: 0,
    };

    fn render(key: i128, level: &Level, form: TextForm) -> Self {
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
            key,
            level: *level,
            bytes,
            len: len as u8,
        }
    }

    fn is_for(&self, key: i128, level: &Level) -> bool {
        self.key == key
            && self.level.price.same_wire(level.price) && self.level.size.same_wire(level.size)
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
    /// Rendered texts; a slot is in use while `order` names it.
    slots: Vec<LevelText>,
    /// The slot of each top level, best first.
    order: Vec<u8>,
    /// The next `order`, built beside the last one.
    next: Vec<u8>,
}

/// The texts of a side's top levels, best first.
pub(super) struct TopTexts<'a> {
    slots: &'a [LevelText],
    order: &'a [u8],
}

impl<'a> TopTexts<'a> {
    pub(super) fn len(&self) -> usize {
        self.order.len()
    }

    pub(super) fn get(&self, i: usize) -> Option<&'a LevelText> {
        self.order.get(i).map(|&s| &self.slots[usize::from(s)])
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &'a LevelText> + use<'a> {
        let slots = self.slots;
        self.order.iter().map(move |&s| &slots[usize::from(s)])
    }
}

impl SideTexts {
    /// The texts of `side`'s best `n` levels (at most [`MAX_TOP`]), best first, reusing
    /// unchanged ones.
    ///
    /// The last top and this one are both sorted best first, so one walk down both pairs every
    /// level with its old text, however far inserts and deletes above it moved it. A new text
    /// goes to a slot neither the last order nor this one uses: with `2 × n` slots there
    /// always is one.
    pub(super) fn top(&mut self, side: &BookSide, n: usize, form: TextForm) -> TopTexts<'_> {
        debug_assert!(n <= MAX_TOP, "checksum texts cover at most {MAX_TOP} levels");
        let n = n.min(MAX_TOP);
        if self.slots.len() < 2 * n {
            self.slots.resize(2 * n, LevelText::EMPTY);
        }
        let old = &self.order;
        let in_old = old.iter().fold(0u64, |bits, &s| bits | 1 << s);
        let mut used = 0u64;
        let mut j = 0;
        self.next.clear();
        for (key, level) in side.iter_keyed().take(n) {
            // Old levels better than this one are gone from the top.
            while old
                .get(j)
                .is_some_and(|&s| self.slots[usize::from(s)].key > key)
            {
                j += 1;
            }
            let same = old
                .get(j)
                .copied()
                .filter(|&s| self.slots[usize::from(s)].is_for(key, level));
            let slot = same.unwrap_or_else(|| {
                // At most n slots are in the last order and fewer than n in this one.
                let free = (!(in_old | used)).trailing_zeros() as u8;
                self.slots[usize::from(free)] = LevelText::render(key, level, form);
                free
            });
            used |= 1 << slot;
            self.next.push(slot);
        }
        std::mem::swap(&mut self.order, &mut self.next);
        TopTexts {
            slots: &self.slots,
            order: &self.order,
        }
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
