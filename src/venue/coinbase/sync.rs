//! Coinbase Advanced Trade sequence rule (envelope `sequence_num`), and how a break in the
//! connection's count reaches the books on it.

use crate::feed::protocol::Sequencer;
use crate::integrity::SeqVerdict;
use crate::venue::seq::UpdateIds;

/// Sequence rule for one Advanced Trade WebSocket connection.
///
/// Coinbase's procedure (`docs/venues.md` "Coinbase Advanced Trade", `[PROBE docs-derived]`):
/// 1. Envelope `{"channel","client_id","timestamp","sequence_num","events":[..]}`; "no checksum
///    and no per-product update id".
/// 2. "The envelope `sequence_num` increments per message; its exact scope (per connection vs
///    per product) is described inconsistently in secondary sources `[UNVERIFIED]` — treat any
///    non-+1 step on a connection as a gap => resubscribe/reconnect and rebuild from the new
///    snapshot." ([`SeqVerdict::Gap`] with `expected` = previous + 1, `got` = `sequence_num`;
///    a number at or below the previous one is a duplicate, [`SeqVerdict::Stale`].)
///
/// So one rule serves a whole connection and must see every envelope on it (`l2_data`,
/// `heartbeats`, `subscriptions`, `market_trades`), not only the book's: a skipped heartbeat
/// would read as a gap. The first envelope sets the count (no documented starting value), and a
/// new connection needs a new rule. The real 2026 recording (`captures/README.md`) chains
/// 0..=1029 across every channel of its one connection: the scope is the connection.
///
/// After a gap the count goes on from the envelope that broke it, so that one lost envelope is
/// one break, and an envelope older than it (a reordered one) is stale.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SequenceNumRule {
    /// `None` until the connection's first envelope.
    last: Option<UpdateIds>,
}

impl SequenceNumRule {
    /// A rule for a freshly opened connection.
    pub const fn new() -> Self {
        Self { last: None }
    }

    /// Judge one envelope by its `sequence_num`.
    #[must_use]
    pub fn check(&mut self, sequence_num: u64) -> SeqVerdict {
        match &mut self.last {
            Some(last) => {
                let verdict = last.advance_exact(sequence_num, sequence_num);
                if matches!(verdict, SeqVerdict::Gap { .. }) {
                    *last = UpdateIds::new(sequence_num);
                }
                verdict
            }
            None => {
                self.last = Some(UpdateIds::new(sequence_num));
                SeqVerdict::Apply
            }
        }
    }
}

/// What the connection's count said about one envelope, as the books on it see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The connection rule's verdict on this envelope.
    pub verdict: SeqVerdict,
    /// Breaks in the connection's count so far, this envelope's included.
    pub breaks: u64,
    /// The latest break as `(expected, got)`, for the gap a book reports.
    pub last_break: (u64, u64),
}

/// One connection's count, and the breaks it has had.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConnectionCount {
    rule: SequenceNumRule,
    breaks: u64,
    last_break: (u64, u64),
}

impl ConnectionCount {
    /// Judge the next envelope on the connection.
    pub fn check(&mut self, sequence_num: u64) -> Envelope {
        let verdict = self.rule.check(sequence_num);
        if let SeqVerdict::Gap { expected, got } = verdict {
            self.breaks += 1;
            self.last_break = (expected, got);
        }
        Envelope {
            verdict,
            breaks: self.breaks,
            last_break: self.last_break,
        }
    }

    /// A break not seen in the count (an envelope that could not be read): the books on the
    /// connection can no longer be trusted.
    pub fn force_break(&mut self, sequence_num: u64) {
        self.breaks += 1;
        self.last_break = (sequence_num, sequence_num);
    }
}

/// A book on a connection: valid while the connection's count has not broken since the book's
/// snapshot. Whatever envelope was lost (a heartbeat, a trade, another product's update) could
/// have been this book's, so every book on the connection fails at its next message and is
/// rebuilt ([`super::Coinbase`] rebuilds by reconnecting, which starts a new count).
#[derive(Clone, Copy, Debug, Default)]
pub struct BookOnConnection {
    /// The connection's breaks when the book's snapshot arrived.
    breaks: Option<u64>,
}

impl Sequencer for BookOnConnection {
    type Fields = Envelope;

    fn on_snapshot(&mut self, fields: &Envelope) {
        self.breaks = Some(fields.breaks);
    }

    fn check(&mut self, fields: &Envelope) -> SeqVerdict {
        if fields.verdict == SeqVerdict::Stale {
            return SeqVerdict::Stale;
        }
        if self.breaks == Some(fields.breaks) {
            return SeqVerdict::Apply;
        }
        let (expected, got) = fields.last_break;
        SeqVerdict::Gap { expected, got }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A break anywhere on the connection fails every book at its next message, even one whose
    /// own messages all arrived; a book snapshotted after the break is valid.
    #[test]
    fn a_break_in_the_connection_fails_every_book_on_it() {
        let mut count = ConnectionCount::default();
        let (mut btc, mut eth) = (BookOnConnection::default(), BookOnConnection::default());
        btc.on_snapshot(&count.check(0));
        eth.on_snapshot(&count.check(1));
        assert_eq!(btc.check(&count.check(2)), SeqVerdict::Apply);
        let lost_heartbeat = count.check(4);
        assert_eq!(
            lost_heartbeat.verdict,
            SeqVerdict::Gap {
                expected: 3,
                got: 4
            }
        );
        let gap = SeqVerdict::Gap {
            expected: 3,
            got: 4,
        };
        assert_eq!(eth.check(&count.check(5)), gap);
        assert_eq!(btc.check(&count.check(6)), gap);
        let late = count.check(3);
        assert_eq!(late.verdict, SeqVerdict::Stale, "older than the break");
        assert_eq!(btc.check(&late), SeqVerdict::Stale);
        btc.on_snapshot(&count.check(7));
        assert_eq!(btc.check(&count.check(8)), SeqVerdict::Apply);
        count.force_break(9);
        assert_eq!(
            btc.check(&count.check(9)),
            SeqVerdict::Gap {
                expected: 9,
                got: 9
            }
        );
    }

    // Envelope shapes: {"channel":"subscriptions","sequence_num":0,..},
    // {"channel":"l2_data","sequence_num":1,"events":[{"type":"snapshot","product_id":"BTC-USD",..}]},
    // {"channel":"heartbeats","sequence_num":2,..}, {"channel":"l2_data","sequence_num":3,..}.
    #[test]
    fn every_envelope_on_the_connection_steps_by_one() {
        let mut rule = SequenceNumRule::new();
        for sequence_num in 0..=3 {
            assert_eq!(rule.check(sequence_num), SeqVerdict::Apply);
        }
        assert_eq!(rule.check(3), SeqVerdict::Stale, "duplicate");
        assert_eq!(rule.check(1), SeqVerdict::Stale, "older");
        assert_eq!(
            rule.check(5),
            SeqVerdict::Gap {
                expected: 4,
                got: 5
            }
        );
        assert_eq!(rule.check(6), SeqVerdict::Apply, "the count goes on from 5");
        assert_eq!(rule.check(4), SeqVerdict::Stale, "the one lost, late");
    }

    #[test]
    fn the_first_envelope_sets_the_count() {
        let mut rule = SequenceNumRule::default();
        assert_eq!(rule.check(41), SeqVerdict::Apply);
        assert_eq!(rule.check(42), SeqVerdict::Apply);
        assert_eq!(
            rule.check(44),
            SeqVerdict::Gap {
                expected: 43,
                got: 44
            }
        );
    }
}
