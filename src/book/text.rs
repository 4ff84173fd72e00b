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
use super::side::Entry;
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

/// One side's text arena; each stored level ([`Entry`]) holds its own [`TextRef`] into it.
#[derive(Clone, Debug)]
pub(super) struct SideTexts {
    form: TextForm,
    arena: Box<[u8]>,
    used: usize,
}

impl SideTexts {
    /// An empty arena: whoever creates it sees that no level refers into it yet.
    pub(super) fn new(form: TextForm) -> Self {
        SideTexts {
            form,
            arena: vec![0; ARENA_BYTES].into_boxed_slice(),
            used: 0,
        }
    }

    pub(super) fn form(&self) -> TextForm {
        self.form
    }

    /// Start the arena over; the side has dropped every reference into it.
    pub(super) fn clear(&mut self) {
        self.used = 0;
    }

    /// Render the texts of the best `n` (at most [`MAX_TOP`]) of `entries` that have none.
    /// `entries` is the side's storage, best last. Returns where the rendered run starts.
    pub(super) fn render_top(&mut self, entries: &mut [Entry], n: usize) -> usize {
        let from = entries.len().saturating_sub(n.min(MAX_TOP));
        // Every text is copied out as a whole `TEXT_BYTES` block, so each must start at least
        // that far from the arena's end. Start over if this call might not fit.
        if self.used + (entries.len() - from) * TEXT_BYTES > self.arena.len() {
            for entry in entries.iter_mut() {
                entry.text = TextRef::NONE;
            }
            self.used = 0;
        }
        for entry in &mut entries[from..] {
            if entry.text.len == 0 {
                let len = render_at(&entry.level, self.form, &mut self.arena[self.used..]);
                entry.text = TextRef {
                    offset: self.used as u32,
                    len: len as u32,
                };
                self.used += len;
            }
        }
        from
    }

    /// The texts of `entries`, best first, each as a `TEXT_BYTES` block and the text's real
    /// length. They must have been rendered ([`SideTexts::render_top`]) since the levels last
    /// changed.
    pub(super) fn best_first<'t>(
        &'t self,
        entries: &'t [Entry],
    ) -> impl ExactSizeIterator<Item = (&'t [u8; TEXT_BYTES], usize)> {
        entries.iter().rev().map(|e| {
            let r = e.text;
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
