//! Cross-venue arbitrage (§9, standard mechanics): buy at one book's asks, sell at another's
//! bids, net of both taker fees.
//!
//! Prices must already be in one currency (§0.4: a USDT premium is not an edge) and sizes in
//! base units. The edge of the first unit is exact,
//! `p^b_1·(1 − f_sell) / (p^a_1·(1 + f_buy)) − 1`; the executable size walks both books together
//! while the *marginal* edge `p^b·(1 − f_sell) − p^a·(1 + f_buy)` stays positive. Transfer and
//! withdrawal costs are not counted: the raw edge is reported and the reader filters.

use super::Level;

/// One ordered pair's edge.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    /// `(p^b_1 − p^a_1)/p^a_1` in bps.
    pub gross_bps: f64,
    /// The first unit, net of both fees, bps.
    pub net_bps: f64,
    /// Base units executable while the marginal edge is positive.
    pub size: f64,
    /// That size at the buy prices, quote currency.
    pub notional: f64,
    /// `Σ q·(p^b(1 − f_sell) − p^a(1 + f_buy))` over the walk, quote currency.
    pub pnl: f64,
    /// The walk ran out of displayed levels on one side while still profitable: the size is a
    /// lower bound.
    pub exhausted: bool,
}

/// §9 for buying at `asks` (best first, taker fee `fee_buy` as a fraction) and selling at `bids`
/// (best first, `fee_sell`). `None` when either side is empty or its best level is not a
/// positive, finite price.
pub fn edge(
    asks: impl IntoIterator<Item = Level>,
    fee_buy: f64,
    bids: impl IntoIterator<Item = Level>,
    fee_sell: f64,
) -> Option<Edge> {
    let ok = |l: &Level| l.price.is_finite() && l.price > 0.0 && l.size.is_finite();
    let mut asks = asks
        .into_iter()
        .filter(|l| l.size > 0.0)
        .map_while(|l| ok(&l).then_some(l));
    let mut bids = bids
        .into_iter()
        .filter(|l| l.size > 0.0)
        .map_while(|l| ok(&l).then_some(l));
    let (buy, sell) = (1.0 + fee_buy, 1.0 - fee_sell);
    if !(buy.is_finite() && sell.is_finite() && buy > 0.0 && sell > 0.0) {
        return None;
    }
    let mut a = asks.next()?;
    let mut b = bids.next()?;
    let gross_bps = (b.price - a.price) / a.price * 1e4;
    let net_bps = (b.price * sell / (a.price * buy) - 1.0) * 1e4;
    let (mut size, mut notional, mut pnl) = (0.0, 0.0, 0.0);
    let exhausted = loop {
        let margin = b.price * sell - a.price * buy;
        if margin <= 0.0 {
            break false;
        }
        let q = a.size.min(b.size);
        size += q;
        notional += q * a.price;
        pnl += q * margin;
        a.size -= q;
        b.size -= q;
        // A side whose level is used up moves to its next one; exactly one of them always is.
        if a.size <= q * 1e-12 {
            match asks.next() {
                Some(next) => a = next,
                None => break true,
            }
        }
        if b.size <= q * 1e-12 {
            match bids.next() {
                Some(next) => b = next,
                None => break true,
            }
        }
    };
    [gross_bps, net_bps, size, notional, pnl]
        .iter()
        .all(|x| x.is_finite())
        .then_some(Edge {
            gross_bps,
            net_bps,
            size,
            notional,
            pnl,
            exhausted,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::assert_close;

    fn levels(raw: &[(f64, f64)]) -> Vec<Level> {
        raw.iter().map(|&(p, q)| Level::new(p, q)).collect()
    }

    #[test]
    fn spec_pair_nets_five_bps_on_one_unit() {
        // §9 Test: A asks (100.00,2)(100.02,3), 10 bps taker; B bids (100.20,1)(100.15,4), 5 bps.
        let asks = levels(&[(100.00, 2.0), (100.02, 3.0)]);
        let bids = levels(&[(100.20, 1.0), (100.15, 4.0)]);
        let e = edge(asks.iter().copied(), 0.0010, bids.iter().copied(), 0.0005).unwrap();
        assert_close(e.gross_bps, 20.0);
        assert_close(e.net_bps, 4.985014985);
        // The first-order approximation gross − fees is 5.
        assert!((e.gross_bps - 10.0 - 5.0 - 5.0).abs() < 1e-9);
        assert_close(e.size, 1.0);
        assert_close(e.pnl, 0.0499);
        assert_close(e.notional, 100.0);
        assert!(!e.exhausted);
        // The next unit (100.15 against 100.00) has an edge of −7.5e-5 and stops the walk.
        let next = 100.15 * (1.0 - 0.0005) - 100.00 * (1.0 + 0.0010);
        assert_close(next, -7.499999998e-05);
    }

    #[test]
    fn fees_above_the_gross_edge_leave_nothing_to_execute() {
        let asks = levels(&[(100.00, 2.0)]);
        let bids = levels(&[(100.05, 2.0)]);
        let e = edge(asks.iter().copied(), 0.001, bids.iter().copied(), 0.001).unwrap();
        assert!(e.net_bps < 0.0);
        assert_eq!((e.size, e.pnl), (0.0, 0.0));
    }

    #[test]
    fn a_walk_that_runs_out_of_levels_says_so() {
        let asks = levels(&[(100.0, 1.0), (100.01, 1.0)]);
        let bids = levels(&[(101.0, 5.0)]);
        let e = edge(asks.iter().copied(), 0.0, bids.iter().copied(), 0.0).unwrap();
        assert_close(e.size, 2.0);
        assert_close(e.pnl, 1.0 + 0.99);
        assert!(e.exhausted);
    }

    #[test]
    fn empty_or_absurd_books_give_no_edge() {
        let good = levels(&[(100.0, 1.0)]);
        assert_eq!(edge([], 0.0, good.iter().copied(), 0.0), None);
        assert_eq!(edge(good.iter().copied(), 0.0, [], 0.0), None);
        let nan = levels(&[(f64::NAN, 1.0)]);
        assert_eq!(
            edge(nan.iter().copied(), 0.0, good.iter().copied(), 0.0),
            None
        );
        assert_eq!(
            edge(good.iter().copied(), f64::NAN, good.iter().copied(), 0.0),
            None
        );
        let huge = levels(&[(1e308, 1e308)]);
        let e = edge(good.iter().copied(), 0.0, huge.iter().copied(), 0.0);
        assert!(e.is_none_or(|e| e.pnl.is_finite()));
    }
}
