//! Symbol search as you type: which symbols match the query, best first.

use crate::engine::frame::Frame;

/// Symbols matching `query` (case-insensitive): symbols that start with it, then symbols that
/// contain it, then symbols one of whose venue instrument ids contains it (`XBT/USD` finds BTC).
/// An empty query matches every symbol in watch-list order.
pub fn matches(frame: &Frame, query: &str) -> Vec<String> {
    let q = query.trim().to_lowercase();
    let mut ranked: Vec<(u8, usize, &str)> = frame
        .symbols
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let name = s.symbol.to_lowercase();
            let rank = if name.starts_with(&q) {
                0
            } else if name.contains(&q) {
                1
            } else if s
                .books
                .iter()
                .any(|b| b.key.instrument.to_lowercase().contains(&q))
            {
                2
            } else {
                return None;
            };
            Some((rank, i, s.symbol.as_str()))
        })
        .collect();
    ranked.sort_unstable();
    ranked.into_iter().map(|(_, _, s)| s.to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::tests::fixtures;

    #[test]
    fn prefix_beats_substring_beats_instrument_id() {
        let frame = fixtures::frame();
        assert_eq!(matches(&frame, ""), ["BTC", "ETH", "SOL"]);
        assert_eq!(matches(&frame, "e"), ["ETH"]);
        assert_eq!(matches(&frame, "OL"), ["SOL"]);
        assert_eq!(matches(&frame, "usd"), ["BTC", "ETH", "SOL"]);
        assert_eq!(matches(&frame, "btc/"), ["BTC"]);
        assert!(matches(&frame, "doge").is_empty());
    }
}
