//! Integrity and connection states, and the counters the UI shows for them.
//!
//! Connection state is data: every transition is counted and published, so the screen can grey
//! out a book and say why instead of showing a number it cannot vouch for.

use crate::integrity::ResyncReason;
use crate::market::Nanos;
use std::collections::BTreeMap;
use std::fmt;

/// The integrity state of one book.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum BookState {
    /// Subscribed, waiting for the first snapshot (or the REST snapshot and its overlap).
    Syncing,
    /// Proven: every message since the snapshot passed the venue's integrity rule.
    Live,
    /// Failed a rule; rebuilding from a fresh snapshot. Excluded from every metric.
    Resyncing(ResyncReason),
    /// The connection carrying this book is down.
    Down,
}

impl BookState {
    pub fn is_live(&self) -> bool {
        matches!(self, BookState::Live)
    }

    pub fn label(&self) -> &'static str {
        match self {
            BookState::Syncing => "syncing",
            BookState::Live => "live",
            BookState::Resyncing(_) => "resyncing",
            BookState::Down => "down",
        }
    }
}

impl fmt::Display for BookState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BookState::Resyncing(reason) => write!(f, "resyncing ({reason})"),
            other => f.write_str(other.label()),
        }
    }
}

/// What one book has been through since the program started.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BookCounters {
    /// Book messages received for this instrument (snapshots and deltas).
    pub messages: u64,
    pub checksum_ok: u64,
    pub checksum_fail: u64,
    /// Messages with no checksum verdict: none carried (or OKX's deprecated `0`), or not
    /// applied (stale, ignored, a gap, while syncing), so `ok + fail + absent = messages`.
    pub checksum_absent: u64,
    pub seq_gaps: u64,
    /// Sequence restarts the venue announced and the book followed without a rebuild (OKX
    /// `seqId` dropping below `prevSeqId` during maintenance).
    pub seq_restarts: u64,
    /// Duplicate or already-covered messages dropped by the sequence rule.
    pub stale: u64,
    pub resyncs: u64,
    pub crossed: u64,
    /// Deltas that arrived while the book was not live and were dropped (or buffered).
    pub while_syncing: u64,
    /// Levels cut by the book's bound on levels per side ([`crate::book::MAX_LEVELS`]).
    pub capped_levels: u64,
    /// REST audits of a book without a checksum; `None`: this book is not audited.
    pub audit: Option<AuditCounters>,
}

/// What the REST audits of one book found ([`crate::feed::audit`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditCounters {
    /// Snapshots that agreed with the book at their update id.
    pub ok: u64,
    /// Snapshots that did not (each resynced the book).
    pub mismatch: u64,
    /// Snapshots that could not be compared (the stream had passed their id).
    pub passed: u64,
    /// Local time of the last comparison.
    pub last: Option<Nanos>,
}

impl BookCounters {
    /// Fold in what the same book counted on a connection it was handed over from.
    pub fn absorb(&mut self, earlier: &BookCounters) {
        self.messages += earlier.messages;
        self.checksum_ok += earlier.checksum_ok;
        self.checksum_fail += earlier.checksum_fail;
        self.checksum_absent += earlier.checksum_absent;
        self.seq_gaps += earlier.seq_gaps;
        self.stale += earlier.stale;
        self.resyncs += earlier.resyncs;
        self.crossed += earlier.crossed;
        self.while_syncing += earlier.while_syncing;
        self.capped_levels += earlier.capped_levels;
        self.seq_restarts += earlier.seq_restarts;
    }
}

/// The state of a venue's connections, as the header and health view show it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum ConnState {
    /// Dialling (or waiting for the handshake).
    Connecting,
    /// Connected; at least one book is waiting for its snapshot.
    Syncing,
    /// Connected and every book is live.
    Live,
    /// Connected; a book failed an integrity rule and is being rebuilt.
    Resyncing(String),
    /// Disconnected; the next attempt is at this local time.
    Backoff { until: Nanos, reason: String },
    /// Not retrying (shut down, or a configuration error no retry can fix).
    Down(String),
}

impl ConnState {
    pub fn label(&self) -> &'static str {
        match self {
            ConnState::Connecting => "connecting",
            ConnState::Syncing => "syncing",
            ConnState::Live => "live",
            ConnState::Resyncing(_) => "resyncing",
            ConnState::Backoff { .. } => "backoff",
            ConnState::Down(_) => "down",
        }
    }
}

impl fmt::Display for ConnState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnState::Resyncing(r) => write!(f, "resyncing ({r})"),
            ConnState::Backoff { reason, .. } => write!(f, "backoff ({reason})"),
            ConnState::Down(r) => write!(f, "down ({r})"),
            other => f.write_str(other.label()),
        }
    }
}

/// Counters for one venue's connections.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VenueCounters {
    pub messages: u64,
    pub bytes: u64,
    pub connects: u64,
    pub disconnects: u64,
    /// Resyncs by [`ResyncReason::label`].
    #[serde(deserialize_with = "resyncs_by_label")]
    pub resyncs: BTreeMap<&'static str, u64>,
    pub checksum_ok: u64,
    pub checksum_fail: u64,
    /// Frames that could not be parsed or were not understood.
    pub malformed: u64,
    /// Planned restarts (a close the venue announced) handed over to a new connection with
    /// the books live throughout.
    pub handovers: u64,
    /// Local receive time of the last message.
    pub last_message: Option<Nanos>,
    /// Exchange-to-local latency of recent messages (EWMA, ms); negative means clock skew.
    pub latency_ms: Option<f64>,
}

impl VenueCounters {
    /// Fold one exchange timestamp into the latency average.
    pub fn observe_latency(&mut self, exch_ms: i64, local: Nanos) {
        let sample = local as f64 / 1e6 - exch_ms as f64;
        // A sample hours away is a bad timestamp, not latency.
        if sample.abs() > 3_600_000.0 {
            return;
        }
        self.latency_ms = Some(match self.latency_ms {
            Some(avg) => avg + 0.1 * (sample - avg),
            None => sample,
        });
    }

    pub fn count_resync(&mut self, reason: &ResyncReason) {
        *self.resyncs.entry(reason.label()).or_default() += 1;
    }
}

/// Reads [`VenueCounters::resyncs`] back: a label this build does not know counts as `other`.
fn resyncs_by_label<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<&'static str, u64>, D::Error> {
    let read: BTreeMap<String, u64> = serde::Deserialize::deserialize(d)?;
    let mut out = BTreeMap::new();
    for (label, n) in read {
        let label = crate::words::lookup(&label, &ResyncReason::LABELS).unwrap_or("other");
        *out.entry(label).or_insert(0) += n;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_is_an_average_that_ignores_absurd_timestamps() {
        let mut c = VenueCounters::default();
        c.observe_latency(1_000, 1_050 * 1_000_000);
        assert_eq!(c.latency_ms, Some(50.0));
        c.observe_latency(2_000, 2_150 * 1_000_000);
        assert!((c.latency_ms.unwrap() - 60.0).abs() < 1e-9);
        c.observe_latency(0, 10_000 * 1_000_000_000);
        assert!((c.latency_ms.unwrap() - 60.0).abs() < 1e-9);
    }

    #[test]
    fn states_say_why() {
        let s = BookState::Resyncing(ResyncReason::Crossed);
        assert_eq!(s.to_string(), "resyncing (crossed book)");
        assert!(!s.is_live());
        let c = ConnState::Backoff {
            until: 0,
            reason: "closed by venue".into(),
        };
        assert_eq!(c.to_string(), "backoff (closed by venue)");
    }
}
