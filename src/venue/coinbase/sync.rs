//! Coinbase Advanced Trade sequence rule (envelope `sequence_num`).

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
/// new connection needs a new rule. No real Advanced Trade capture exists (`captures/README.md`).
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
            Some(last) => last.advance_exact(sequence_num, sequence_num),
            None => {
                self.last = Some(UpdateIds::new(sequence_num));
                SeqVerdict::Apply
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
