//! §9 over the symbol's fresh books: every ordered pair of the same kind of market (spot with
//! spot, perpetual with perpetual: spot against perpetual is basis, §3.9), whose feeds are within
//! 250 ms of each other, with known taker fees.
//!
//! The walk runs over each book's ladder (its top levels, `engine.ladder_depth`): an edge deeper
//! than that is not seen, so the size is a lower bound when the walk used a whole ladder.

use crate::engine::analytics::{ArbOpportunity, Arbitrage};
use crate::engine::book::view::BookTick;
use crate::engine::frame::LadderLevel;
use crate::engine::symbol::aligned;
use crate::features::Level;
use crate::features::arbitrage::edge;
use crate::instrument::MarketKind;

use super::ReadInputs;

/// §0.2: arbitrage compares books at most 250 ms apart (other pairs 500 ms).
const ARB_ALIGNMENT_MS: f64 = 250.0;

/// A book that can take part: fresh, base units, a spot or perpetual with a known fee, a
/// currency that converts.
struct Leg<'a> {
    tick: &'a BookTick,
    kind: MarketKind,
    scale: f64,
    fee: f64,
}

impl Leg<'_> {
    fn levels<'b>(&'b self, side: &'b [LadderLevel]) -> impl Iterator<Item = Level> + 'b {
        side.iter()
            .map(move |l| Level::new(l.price * self.scale, l.size))
    }
}

/// This tick's opportunities, best profit first.
pub(super) fn scan(inputs: &ReadInputs) -> Arbitrage {
    let Some(quote) = inputs.quote else {
        return Arbitrage::default();
    };
    let cfg = &inputs.cfg.arbitrage;
    let legs: Vec<Leg> = inputs
        .books
        .iter()
        .filter(|b| b.fresh && b.frame.base_units)
        .filter_map(|b| {
            let inst = &b.frame.instrument;
            Some(Leg {
                tick: b,
                kind: inst.kind,
                scale: inputs.scale(&inst.quote)?,
                fee: cfg.taker_fee(b.frame.key.venue, inst.kind)?,
            })
        })
        .collect();
    let mut out = Arbitrage {
        quote: Some(quote.to_owned()),
        ..Arbitrage::default()
    };
    for buy in &legs {
        for sell in &legs {
            if std::ptr::eq(buy, sell)
                || buy.kind != sell.kind
                || !aligned(buy.tick.lag_ms, sell.tick.lag_ms, ARB_ALIGNMENT_MS)
            {
                continue;
            }
            out.pairs_checked += 1;
            let asks = &buy.tick.frame.ladder.asks;
            let bids = &sell.tick.frame.ladder.bids;
            let Some(e) = edge(buy.levels(asks), buy.fee, sell.levels(bids), sell.fee) else {
                continue;
            };
            if e.net_bps > 0.0 && e.notional >= cfg.min_notional_usd {
                out.opportunities.push(ArbOpportunity {
                    buy: buy.tick.frame.key.clone(),
                    sell: sell.tick.frame.key.clone(),
                    gross_bps: e.gross_bps,
                    net_bps: e.net_bps,
                    size: e.size,
                    notional: e.notional,
                    pnl: e.pnl,
                    fee_buy_bps: buy.fee * 1e4,
                    fee_sell_bps: sell.fee * 1e4,
                });
            }
        }
    }
    out.opportunities.sort_by(|a, b| {
        b.pnl
            .total_cmp(&a.pnl)
            .then(b.net_bps.total_cmp(&a.net_bps))
    });
    out
}
