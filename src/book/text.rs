//! Per-level checksum text, rendered once and reused.
//!
//! A checksum covers the top 10 or 25 levels, but a message usually changes one or two of
//! them: re-rendering 50–100 numbers per message was most of the cost. A book with a checksum
//! keeps, beside each level, the text that level contributes, rendered lazily the first time a
//! checksum needs it after the level changed.

use super::Level;
use crate::num::MAX_WIRE_LEN;

/// Which text a level contributes to its venue's checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextForm {
    /// `price:size` in wire form (OKX, Bitget, CoinEx).
    Wire,
    /// Price digits then size digits, no point, no leading zeros (Kraken).
    Digits,
}

/// Room for `price:size` at the longest wire forms, plus a length byte.
pub(super) const TEXT_BYTES: usize = 2 * MAX_WIRE_LEN + 1;

/// One level's rendered text; `len == 0` means "not rendered since the level last changed".
#[derive(Clone, Copy, Debug)]
pub(super) struct LevelText {
    bytes: [u8; TEXT_BYTES],
    len: u8,
}

impl LevelText {
    pub(super) const STALE: LevelText = LevelText {
        bytes: [0; TEXT_BYTES],
        len: 0,
    };

    /// Render the text if the level changed since; returns its length.
    pub(super) fn render(&mut self, level: &Level, form: TextForm) -> usize {
        if self.len == 0 {
            let b = &mut self.bytes;
            let len = match form {
                TextForm::Wire => {
                    let p = level.price.write_wire_at(b);
                    b[p] = b':';
                    p + 1 + level.size.write_wire_at(&mut b[p + 1..])
                }
                TextForm::Digits => {
                    let p = level.price.write_digits_at(b);
                    p + level.size.write_digits_at(&mut b[p..])
                }
            };
            self.len = len as u8;
        }
        usize::from(self.len)
    }

    pub(super) fn bytes(&self) -> &[u8; TEXT_BYTES] {
        &self.bytes
    }
}
