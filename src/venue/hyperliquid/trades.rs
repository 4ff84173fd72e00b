//! Which trades are new. A `trades` subscription starts with a batch of the coin's recent
//! trades (in a real recording, 30 trades reaching 49 s back), and a resubscription after a
//! reconnect repeats trades already counted. Trade ids (`tid`) are not ordered, but `time` is:
//! each coin keeps the newest time delivered and the ids delivered at that time. In a batch, a
//! trade at or before that time is a repeat; the batch after the first subscription of a coin
//! is history from before depthscope watched and is skipped (as Kraken's trade snapshot is);
//! after a resubscription, the trades newer than the watermark happened while the feed was away
//! and are delivered. Outside a batch the stream sends each trade once, so only an exact repeat
//! (an id already delivered at the newest time: a duplicated frame) is dropped, and an absurd
//! time can cost at most one batch, never the trades after it.

use crate::market::Millis;
use std::collections::HashMap;

/// Ids kept at the newest time per coin: the trades of one block, bounded so a hostile feed
/// cannot grow it without end (past it, a repeat at that same millisecond may be counted twice).
const MAX_IDS_AT_NEWEST: usize = 256;

/// Coins with a watermark: Hyperliquid allows 1,000 subscriptions per IP, so no real session
/// names more. Trades of a coin beyond it (a hostile or corrupted feed) are delivered untracked
/// rather than growing memory without end.
const MAX_COINS: usize = 1_000;

#[derive(Debug, Default)]
struct Watermark {
    newest: Millis,
    ids: Vec<u64>,
    /// A subscription was acknowledged and its batch has not come yet.
    awaiting_batch: bool,
    /// Some trade of this coin was seen (so a batch is a resubscription's).
    seen: bool,
}

/// Per coin: the newest trade time delivered and what the next batch is.
#[derive(Debug, Default)]
pub struct TradeWatermarks {
    coins: HashMap<String, Watermark>,
}

impl TradeWatermarks {
    /// A `trades` subscription of `coin` was acknowledged: its next frame is a batch.
    pub fn subscribed(&mut self, coin: &str) {
        if let Some(w) = self.watermark(coin) {
            w.awaiting_batch = true;
        }
    }

    /// `coin`'s watermark, made if there is room.
    fn watermark(&mut self, coin: &str) -> Option<&mut Watermark> {
        if !self.coins.contains_key(coin) && self.coins.len() >= MAX_COINS {
            return None;
        }
        Some(self.coins.entry(coin.to_owned()).or_default())
    }

    /// Whether the trade (`time`, `tid`) of `coin` is to be delivered. Trades of one frame are
    /// asked in order.
    pub fn is_new(&mut self, coin: &str, time: Millis, tid: u64) -> bool {
        let Some(w) = self.watermark(coin) else {
            return true;
        };
        let history = w.awaiting_batch && !w.seen;
        let again = time == w.newest && w.ids.contains(&tid);
        let repeat = again || (w.awaiting_batch && time < w.newest);
        if time > w.newest {
            w.newest = time;
            w.ids.clear();
        }
        if time == w.newest && !w.ids.contains(&tid) && w.ids.len() < MAX_IDS_AT_NEWEST {
            w.ids.push(tid);
        }
        !history && !repeat
    }

    /// A frame of `coin` ended: a batch is over.
    pub fn end_frame(&mut self, coin: &str) {
        if let Some(w) = self.coins.get_mut(coin) {
            w.awaiting_batch = false;
            w.seen = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_batch_is_history_and_repeats_after_a_resubscription_are_dropped() {
        let mut w = TradeWatermarks::default();
        w.subscribed("BTC");
        assert!(!w.is_new("BTC", 100, 1), "the first batch is history");
        assert!(!w.is_new("BTC", 105, 2));
        w.end_frame("BTC");
        assert!(w.is_new("BTC", 105, 3), "same time, another trade");
        assert!(w.is_new("BTC", 110, 4));
        w.end_frame("BTC");
        // Reconnected: the batch repeats 105..110 and brings one trade missed meanwhile.
        w.subscribed("BTC");
        assert!(!w.is_new("BTC", 105, 3));
        assert!(!w.is_new("BTC", 110, 4));
        assert!(w.is_new("BTC", 120, 5));
        w.end_frame("BTC");
        // Without an acknowledgement (a recording of data frames only) trades are delivered.
        assert!(w.is_new("ETH", 1, 9));
        assert!(!w.is_new("ETH", 1, 9), "a duplicated frame");
        // An absurd time costs nothing outside a batch: later trades still count.
        assert!(w.is_new("ETH", i64::MAX, 10));
        assert!(w.is_new("ETH", 2, 11));
        w.end_frame("ETH");
    }

    #[test]
    fn watermarks_are_bounded() {
        let mut w = TradeWatermarks::default();
        for i in 0..MAX_COINS + 50 {
            assert!(w.is_new(&format!("C{i}"), 1, 1));
        }
        assert_eq!(w.coins.len(), MAX_COINS);
        assert!(
            w.is_new("late", 1, 1) && w.is_new("late", 1, 1),
            "untracked, delivered"
        );
    }
}
