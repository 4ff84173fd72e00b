//! Checksum texts kept beside the levels they belong to.
//!
//! A checksum covers the top 10 or 25 levels, but a message usually changes a few of them, so
//! re-rendering 50–100 numbers per message was most of the cost. A side that keeps texts holds,
//! per stored level, a reference to that level's rendered text (or none yet). The reference
//! moves with the level when levels above it come and go, and is dropped when the level
//! changes, so a checksum renders exactly the top levels that are new or changed since they
//! were last rendered, and finds every other text without searching. Levels deeper than any
//! checksum reaches are never rendered.
//!
//! Texts live in a fixed arena per side, appended to as they are rendered. When it is full,
//! every reference is dropped and the arena starts over: the next checksum renders its top
//! levels again (a few dozen numbers, once per several hundred renders).

use super::Level;
use super::devec::DeVec;
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

/// The most top levels one checksum reads from a side (OKX and Bitget: 25).
pub(super) const MAX_TOP: usize = 25;

/// Arena size per side. Tests use a small one so that starting over happens within a short
/// random history.
const ARENA_BYTES: usize = if cfg!(test) { 2048 } else { 8192 };

// A full top must fit in an empty arena.
const _: () = assert!(MAX_TOP * TEXT_BYTES <= ARENA_BYTES);

/// Where a level's text is in the arena; `len == 0` means not rendered (no text is empty).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct TextRef {
    offset: u32,
    len: u32,
}

impl TextRef {
    pub(super) const NONE: TextRef = TextRef { offset: 0, len: 0 };
}

/// One side's texts: `refs[i]` belongs to the side's `levels[i]` (same storage order).
#[derive(Clone, Debug)]
pub(super) struct SideTexts {
    form: TextForm,
    refs: DeVec<TextRef>,
    arena: Box<[u8]>,
    used: usize,
}

impl SideTexts {
    /// Texts for a side whose levels are `levels` (none rendered yet).
    pub(super) fn new(form: TextForm, levels: usize) -> Self {
        let mut refs = DeVec::new();
        refs.assign(std::iter::repeat_n(TextRef::NONE, levels));
        SideTexts {
            form,
            refs,
            arena: vec![0; ARENA_BYTES].into_boxed_slice(),
            used: 0,
        }
    }

    pub(super) fn form(&self) -> TextForm {
        self.form
    }

    /// A level was inserted at `i`.
    pub(super) fn insert(&mut self, i: usize) {
        self.refs.insert(i, TextRef::NONE);
    }

    /// The level at `i` was removed.
    pub(super) fn remove(&mut self, i: usize) {
        self.refs.remove(i);
    }

    /// The level at `i` changed (its size, or the wire form of its price).
    pub(super) fn changed(&mut self, i: usize) {
        self.refs.as_mut_slice()[i] = TextRef::NONE;
    }

    /// The first `n` levels (the worst) were dropped.
    pub(super) fn drain_front(&mut self, n: usize) {
        self.refs.drop_front(n);
    }

    /// The side now holds `levels` levels, none rendered.
    pub(super) fn reset(&mut self, levels: usize) {
        self.refs.assign(std::iter::repeat_n(TextRef::NONE, levels));
        self.used = 0;
    }

    /// Render the texts of the best `n` (at most [`MAX_TOP`]) of `levels` that have none.
    /// `levels` is the side's storage, best last. Returns where the rendered run starts.
    pub(super) fn render_top(&mut self, levels: &[Level], n: usize) -> usize {
        debug_assert_eq!(levels.len(), self.refs.len());
        let from = levels.len().saturating_sub(n.min(MAX_TOP));
        // Every text is copied out as a whole `TEXT_BYTES` block, so each must start at least
        // that far from the arena's end. Start over if this call might not fit.
        if self.used + (levels.len() - from) * TEXT_BYTES > self.arena.len() {
            self.reset(levels.len());
        }
        for (level, slot) in levels[from..]
            .iter()
            .zip(&mut self.refs.as_mut_slice()[from..])
        {
            if slot.len == 0 {
                let len = render_at(level, self.form, &mut self.arena[self.used..]);
                *slot = TextRef {
                    offset: self.used as u32,
                    len: len as u32,
                };
                self.used += len;
            }
        }
        from
    }

    /// The texts of the levels from `from` on, best first, each as a `TEXT_BYTES` block and
    /// the text's real length. They must have been rendered ([`SideTexts::render_top`]) since
    /// the levels last changed.
    pub(super) fn best_first(
        &self,
        from: usize,
    ) -> impl Iterator<Item = (&[u8; TEXT_BYTES], usize)> {
        self.refs.as_slice()[from..].iter().rev().map(|r| {
            debug_assert!(r.len > 0, "text not rendered");
            let start = r.offset as usize;
            let block = self.arena[start..start + TEXT_BYTES]
                .try_into()
                .expect("a TEXT_BYTES slice");
            (block, r.len as usize)
        })
    }
}

/// Render `level`'s text in `form` at the start of `buf`; its length.
fn render_at(level: &Level, form: TextForm, buf: &mut [u8]) -> usize {
    match form {
        TextForm::Wire => {
            let p = level.price.write_wire_at(buf);
            buf[p] = b':';
            p + 1 + level.size.write_wire_at(&mut buf[p + 1..])
        }
        TextForm::Digits => {
            let p = level.price.write_digits_at(buf);
            p + level.size.write_digits_at(&mut buf[p..])
        }
    }
}
