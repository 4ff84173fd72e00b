//! A symbol's positioning (`Analytics::positioning`): every perpetual's polled statistics and
//! tape split, and per ratio kind the §3.13 long/short consensus across venues.
//!
//! The consensus weighs each venue by its open interest in USD (§3.13's weight, the same as the
//! funding consensus), so a venue's vote counts as much as the positions behind it. A venue
//! counts only with a fresh ratio of that kind and fresh open interest (§0.2: stale values are
//! excluded, never zero-filled; a venue without open interest has no weight and does not
//! count). Kinds are never mixed: Binance's top-trader ratios have no other venue to agree with
//! and get no consensus.

use crate::engine::analytics::{Positioning, RatioConsensus, RatioKind};
use crate::features::positioning::long_short_consensus;

use super::book::view::BookTick;

const KINDS: [RatioKind; 3] = [
    RatioKind::Accounts,
    RatioKind::TopAccounts,
    RatioKind::TopPositions,
];

/// The symbol's positioning from its books' ticks (in display order).
pub fn positioning(books: &[BookTick]) -> Positioning {
    let venues: Vec<_> = books.iter().filter_map(|b| b.positioning.clone()).collect();
    let consensus = KINDS
        .iter()
        .filter_map(|&kind| {
            let (lsr, w): (Vec<f64>, Vec<f64>) = books
                .iter()
                .filter_map(|b| {
                    let d = &b.frame.derivs;
                    let weight = d.open_interest_usd.filter(|_| !d.stale)?;
                    let r = b
                        .positioning
                        .as_ref()?
                        .ratios
                        .iter()
                        .find(|r| r.kind == kind && !r.stale)?;
                    Some((r.ratio, weight))
                })
                .unzip();
            let c = long_short_consensus(&lsr, &w)?;
            Some(RatioConsensus {
                kind,
                long_short_ratio: c.ratio,
                long_short_consensus: c.consensus,
                agreement: c.agreement,
                venues: lsr.len(),
            })
        })
        .collect();
    Positioning { venues, consensus }
}
