//! Capture files: what the exchanges sent, byte for byte, so any session replays exactly.
//!
//! The format is fixed by `docs/capture-format.md` (version 1) because other tools read these files:
//! NDJSON, a header line, then one event per line, optionally gzip (`.gz`) or zstd (`.zst`).
//!
//! - [`format`](mod@format): the header and the event record, and how each is written and parsed;
//! - [`reader`]: streams events from a capture, reporting bad lines without stopping;
//! - [`writer`]: the synchronous [`CaptureWriter`] and the live [`Recorder`] behind `--record`;
//! - [`import`]: converters from other recording formats (cryptofeed);
//! - [`replay`]: a capture fed through the live adapters, and its report;
//! - [`tap`]: the live runtime's wire events recorded through the [`Recorder`].
//!
//! This layer knows nothing of venue protocols: a `recv` event is the frame as received, and
//! replay feeds it to the same adapter as live.

pub mod format;
pub mod import;
pub mod reader;
pub mod replay;
mod scan;
pub mod tap;
pub mod writer;

pub use format::{Event, EventKind, Header, Payload};
pub use reader::{Capture, CaptureReader, LineError};
pub use writer::{CaptureWriter, RecordError, RecordStats, Recorder, RecorderHandle, WriteStats};

use std::path::Path;

/// How a capture file is compressed, decided by its name as `docs/capture-format.md` specifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain NDJSON.
    None,
    /// A name ending in `.gz`.
    Gzip,
    /// A name ending in `.zst`.
    Zstd,
}

impl Compression {
    /// The compression a file name implies (`.gz`, `.zst`, anything else plain; case-insensitive).
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("gz") => Compression::Gzip,
            Some(e) if e.eq_ignore_ascii_case("zst") => Compression::Zstd,
            _ => Compression::None,
        }
    }
}
