//! The verdicts every integrity rule returns, and the reasons a book is resynchronised.
//!
//! Each venue's rule lives beside its adapter (`venue/<id>/sync.rs` for sequence rules,
//! `book/checksum.rs` for the CRC constructions) and quotes the venue's documented procedure.
//! They all answer in these types, so the shared sync machinery can act on any venue's answer
//! the same way: apply, drop, or resync, and count which.

use std::fmt;

/// What a sequence rule says about one book message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqVerdict {
    /// In order: apply it to the book.
    Apply,
    /// Already covered by the book (a duplicate, or older than the snapshot): drop it; the book
    /// stays valid.
    Stale,
    /// Carries no book change and needs no action (for example an OKX heartbeat update whose
    /// `seqId == prevSeqId`); the book stays valid.
    Ignore,
    /// Something was missed between the last applied message and this one: the book is invalid
    /// until the venue's resync procedure finishes.
    Gap { expected: u64, got: u64 },
    /// The venue restarted its sequence (Bybit `u == 1`): the book cannot continue from this
    /// message, which is an ordinary update and not a book; rebuild from a fresh snapshot.
    Reset,
    /// The venue restarted its numbering but this message names the book's last id, so the
    /// chain goes on from it (OKX during maintenance: `prevSeqId 15, seqId 3`, then
    /// `prevSeqId 3, seqId 5`): apply it, and count the restart.
    Restarted,
}

impl SeqVerdict {
    /// Whether the message is applied to the book.
    pub fn applies(self) -> bool {
        matches!(self, SeqVerdict::Apply | SeqVerdict::Restarted)
    }
}

/// What a checksum comparison found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksumVerdict {
    /// The venue's checksum equals ours.
    Match,
    /// The book differs from the venue's: resync. Values are the 32-bit patterns (compare on
    /// `u32` so signed and unsigned venues are handled alike).
    Mismatch { expected: u32, computed: u32 },
    /// The message carries no checksum, or the deprecated OKX `0` that means "none".
    Absent,
}

impl ChecksumVerdict {
    /// Compare a venue's checksum (`None` when the message had none) with ours.
    pub fn compare(expected: Option<u32>, computed: u32) -> Self {
        match expected {
            None => ChecksumVerdict::Absent,
            Some(e) if e == computed => ChecksumVerdict::Match,
            Some(e) => ChecksumVerdict::Mismatch {
                expected: e,
                computed,
            },
        }
    }
}

/// Why a book left `Live` and is being rebuilt. Counted per reason and shown in the UI.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum ResyncReason {
    /// A sequence rule reported a gap.
    Gap { expected: u64, got: u64 },
    /// The venue's checksum did not match the local book.
    ChecksumMismatch { expected: u32, computed: u32 },
    /// Best bid at or above best ask on one venue: a desync symptom (`docs/metrics.md` §0.2).
    Crossed,
    /// No snapshot arrived within the watchdog window after subscribing.
    NoSnapshot,
    /// No message at all arrived within the watchdog window.
    Silent,
    /// The connection dropped or was replaced; the book is rebuilt from a fresh snapshot.
    Reconnect,
    /// The venue restarted its sequence numbers (a [`SeqVerdict::Reset`]).
    VenueReset,
    /// The venue reported an error for this subscription.
    VenueError(String),
    /// A book message could not be parsed, so the book can no longer be trusted.
    Malformed,
    /// A REST snapshot at the book's own update id differs in `levels` of the top levels.
    AuditMismatch { levels: usize },
}

impl ResyncReason {
    /// Every [`label`](Self::label), and `other` for a label this build does not know (a
    /// remote server's newer reason, see [`crate::words`]).
    pub const LABELS: [&'static str; 11] = [
        "gap",
        "checksum",
        "crossed",
        "no-snapshot",
        "silent",
        "reconnect",
        "venue-reset",
        "venue-error",
        "malformed",
        "audit",
        "other",
    ];

    /// A short stable label, used as the counter key and in the UI.
    pub fn label(&self) -> &'static str {
        match self {
            ResyncReason::Gap { .. } => "gap",
            ResyncReason::ChecksumMismatch { .. } => "checksum",
            ResyncReason::Crossed => "crossed",
            ResyncReason::NoSnapshot => "no-snapshot",
            ResyncReason::Silent => "silent",
            ResyncReason::Reconnect => "reconnect",
            ResyncReason::VenueReset => "venue-reset",
            ResyncReason::VenueError(_) => "venue-error",
            ResyncReason::Malformed => "malformed",
            ResyncReason::AuditMismatch { .. } => "audit",
        }
    }
}

impl fmt::Display for ResyncReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResyncReason::Gap { expected, got } => {
                write!(f, "sequence gap: expected {expected}, got {got}")
            }
            ResyncReason::ChecksumMismatch { expected, computed } => {
                write!(f, "checksum mismatch: venue {expected}, local {computed}")
            }
            ResyncReason::Crossed => f.write_str("crossed book"),
            ResyncReason::NoSnapshot => f.write_str("no snapshot after subscribing"),
            ResyncReason::Silent => f.write_str("no messages"),
            ResyncReason::Reconnect => f.write_str("reconnected"),
            ResyncReason::VenueReset => f.write_str("venue restarted its sequence"),
            ResyncReason::VenueError(msg) => write!(f, "venue error: {msg}"),
            ResyncReason::Malformed => f.write_str("malformed book message"),
            ResyncReason::AuditMismatch { levels } => {
                write!(f, "REST audit: {levels} levels differ")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_compare_distinguishes_absent_match_and_mismatch() {
        assert_eq!(ChecksumVerdict::compare(None, 7), ChecksumVerdict::Absent);
        assert_eq!(ChecksumVerdict::compare(Some(7), 7), ChecksumVerdict::Match);
        assert_eq!(
            ChecksumVerdict::compare(Some(8), 7),
            ChecksumVerdict::Mismatch {
                expected: 8,
                computed: 7
            }
        );
    }
}
