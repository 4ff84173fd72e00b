//! The level-change tracker behind `phantom_liquidity_score` (§10.1), layering (§10.2) and
//! `large_order_activity` (§1.13): one pass over every level change and trade, sharing the trade
//! attribution and the episodes.
//!
//! Like OFI it differences book states, so it must see every change (never throttled, §0.6) and is
//! reset at a resync (§0.2). The caller must not feed a snapshot reload as level changes: a
//! reloaded book is a new baseline, not a burst of large adds.

use crate::market::{Millis, Side};

use super::attribution::{TradeAttribution, price_key};
use super::bands::LevelThreshold;
use super::detectors::layering::{Layering, LayeringConfig, LayeringReading};
use super::large_orders::{LargeOrderActivity, LargeOrderReading};
use super::phantom::{PhantomConfig, PhantomReading, PhantomTracker};
use super::{LevelChange, Touch, Trade, side_hit};

/// Relative tolerance for band edges, as in §0.1.
const EDGE_TOL: f64 = 1e-9;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LevelActivityConfig {
    /// The venue's price tick: prices are matched on the tick grid.
    pub tick: f64,
    pub phantom: PhantomConfig,
    /// `large_order_activity` window.
    pub large_order_window: Millis,
    /// `large_order_activity` band from mid (touch included).
    pub large_order_band: f64,
    /// How far apart a trade and the decrease it explains may arrive.
    pub attribution_grace: Millis,
}

impl LevelActivityConfig {
    /// Spec defaults (§1.13, §10.1) for a venue with price increment `tick`.
    pub fn new(tick: f64) -> Self {
        LevelActivityConfig {
            tick,
            phantom: PhantomConfig::default(),
            large_order_window: 60_000,
            large_order_band: 0.005,
            attribution_grace: 1_000,
        }
    }
}

/// Feeds level changes and trades to the phantom and large-order trackers.
#[derive(Clone, Debug)]
pub struct LevelActivityTracker {
    tick: f64,
    large_order_band: f64,
    thresholds: [LevelThreshold; 2],
    attribution: TradeAttribution,
    phantom: PhantomTracker,
    layering: Layering,
    large_orders: LargeOrderActivity,
    /// Cumulative taker volume that consumed `[bids, asks]`.
    consumed: [f64; 2],
    last_t: Option<Millis>,
}

fn side_index(side: Side) -> usize {
    match side {
        Side::Bid => 0,
        Side::Ask => 1,
    }
}

impl LevelActivityTracker {
    /// θ starts at `thresholds` (per side); update it with
    /// [`set_thresholds`](Self::set_thresholds) as the book's level sizes move (§0.5).
    pub fn new(cfg: LevelActivityConfig, bid: LevelThreshold, ask: LevelThreshold) -> Self {
        LevelActivityTracker {
            tick: if cfg.tick > 0.0 {
                cfg.tick
            } else {
                f64::EPSILON
            },
            large_order_band: cfg.large_order_band,
            thresholds: [bid, ask],
            attribution: TradeAttribution::new(cfg.attribution_grace),
            phantom: PhantomTracker::new(cfg.phantom, cfg.attribution_grace),
            layering: Layering::new(LayeringConfig {
                window: cfg.phantom.window,
                tau: cfg.phantom.tau,
                ..LayeringConfig::default()
            }),
            large_orders: LargeOrderActivity::new(cfg.large_order_window, cfg.attribution_grace),
            consumed: [0.0; 2],
            last_t: None,
        }
    }

    pub fn set_thresholds(&mut self, bid: LevelThreshold, ask: LevelThreshold) {
        self.thresholds = [bid, ask];
    }

    fn clamp(&mut self, t: Millis) -> Millis {
        let t = self.last_t.map_or(t, |last| t.max(last));
        self.last_t = Some(t);
        self.phantom.observe(t);
        self.layering.observe(t);
        self.large_orders.observe(t);
        self.advance(t);
        t
    }

    fn advance(&mut self, now: Millis) {
        let consumed = self.consumed;
        let layering = &mut self.layering;
        // Opposite book side of a bid-side episode: asks, consumed by taker buys.
        self.phantom.classify_due(
            now,
            |side| consumed[side_index(side.opposite())],
            |add| layering.on_classified(add),
        );
        self.large_orders.commit_due(now);
    }

    /// One level changed; `touch` is the valid book's best levels after the change (skip the
    /// change when the book is invalid, and reset at the resync that follows).
    pub fn on_level_change(&mut self, change: &LevelChange, touch: &Touch) {
        let t = self.clamp(change.t);
        let (side, price) = (change.side, change.price);
        let key = price_key(price, self.tick);
        let split = self
            .attribution
            .on_change(side, key, t, change.old_size, change.new_size);
        let theta = self.thresholds[side_index(side)];
        let m = touch.mid();
        let near_mid = (price - m).abs() <= (self.large_order_band + EDGE_TOL) * m;
        let delta = change.new_size - change.old_size;
        // §10.2 groups adds of at least θ/2; §10.1 and §1.13 count those of at least θ.
        if delta > 0.0 && theta.is_large(price, 2.0 * delta) {
            let large = theta.is_large(price, delta);
            if large && near_mid {
                self.large_orders.on_large_add(t, price * delta);
            }
            if self.off_touch_in_band(side, price, touch) {
                let opposite = self.consumed[side_index(side.opposite())];
                self.phantom
                    .open_episode(t, side, key, price, delta, opposite, large);
            }
        } else if delta < 0.0 {
            self.phantom.on_decrease(t, side, key, split);
            if near_mid {
                self.large_orders
                    .on_cancel(t, side, key, price, split.cancelled, theta);
            }
        }
    }

    /// §10.1's band: `0 < d ≤ band` from that side's best, excluding the touch level (touch sizes
    /// churn with market-maker re-quotes).
    fn off_touch_in_band(&self, side: Side, price: f64, touch: &Touch) -> bool {
        let best = touch.best(side).price;
        let d = match side {
            Side::Bid => (best - price) / best,
            Side::Ask => (price - best) / best,
        };
        d > EDGE_TOL && d <= self.phantom.config().band + EDGE_TOL
    }

    /// A trade: feeds the attribution (trades without a taker side are ignored).
    pub fn on_trade(&mut self, trade: &Trade) {
        let Some(taker) = trade.taker else {
            return;
        };
        if !(trade.size.is_finite() && trade.size > 0.0 && trade.price.is_finite()) {
            return;
        }
        let t = self.clamp(trade.t);
        let side = side_hit(taker);
        self.consumed[side_index(side)] += trade.size;
        let key = price_key(trade.price, self.tick);
        let late = self.attribution.on_trade(side, key, t, trade.size);
        if late > 0.0 {
            self.phantom.on_late_trade(side, key, late);
            self.large_orders.on_late_trade(side, key, late);
        }
    }

    /// Resync: drop everything that differences across the gap; classified windows stay.
    pub fn reset(&mut self) {
        self.attribution.clear();
        self.phantom.reset();
        self.layering.reset();
        self.large_orders.reset();
    }

    pub fn phantom(&mut self, now: Millis) -> PhantomReading {
        self.advance(now);
        self.phantom.reading(now)
    }

    /// §10.2 at `now`; it runs τ + 1 s behind (see [`Layering`]).
    pub fn layering(&mut self, now: Millis) -> LayeringReading {
        self.advance(now);
        self.layering.reading(now)
    }

    pub fn large_order_activity(&mut self, now: Millis) -> LargeOrderReading {
        self.advance(now);
        self.large_orders.reading(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::Level;
    use crate::features::testutil::{assert_all_finite, assert_close, assert_some_close};
    use crate::market::TakerSide;

    /// B1's touch: bid 100.0, ask 100.1.
    fn touch() -> Touch {
        Touch::new(Level::new(100.0, 3.0), Level::new(100.1, 1.0)).unwrap()
    }

    fn tracker() -> LevelActivityTracker {
        // θ = 10 base units (5 × a median level size of 2).
        let theta = LevelThreshold::Base(10.0);
        LevelActivityTracker::new(LevelActivityConfig::new(0.1), theta, theta)
    }

    fn change(t: Millis, side: Side, price: f64, old: f64, new: f64) -> LevelChange {
        LevelChange {
            t,
            side,
            price,
            old_size: old,
            new_size: new,
        }
    }

    fn sell(t: Millis, price: f64, size: f64) -> Trade {
        Trade {
            t,
            price,
            size,
            taker: Some(TakerSide::Sell),
            id: None,
        }
    }

    /// §10.1: bid 99.8 +10 cancelled 1.5 s later (flicker, $998); ask 100.4 +12 still there after
    /// 3 s (persisted, $1204.8); bid 99.9 +10 then 8 sold into it within 1 s (hit, $999).
    fn feed_spec_episodes(tr: &mut LevelActivityTracker, with_third: bool) {
        let c = touch();
        tr.on_level_change(&change(0, Side::Bid, 99.8, 2.0, 12.0), &c);
        tr.on_level_change(&change(1500, Side::Bid, 99.8, 12.0, 2.0), &c);
        tr.on_level_change(&change(2000, Side::Ask, 100.4, 2.0, 14.0), &c);
        if with_third {
            tr.on_level_change(&change(3000, Side::Bid, 99.9, 5.0, 15.0), &c);
            tr.on_trade(&sell(3500, 99.9, 8.0));
            tr.on_level_change(&change(3600, Side::Bid, 99.9, 15.0, 7.0), &c);
        }
    }

    #[test]
    fn spec_phantom_liquidity_score() {
        let mut tr = tracker();
        feed_spec_episodes(&mut tr, true);
        let r = tr.phantom(30_000);
        assert_eq!(r.episodes, 3);
        assert_some_close(r.phantom_ratio, 0.3116996689);
        assert_some_close(r.phantom_liquidity_score, 0.3116996689);
        assert_close(r.flicker_notional_bid, 998.0);
        assert_eq!(r.flicker_notional_ask, 0.0);
        assert_some_close(r.median_flicker_lifetime_ms, 1500.0);
        assert_eq!(r.open_episodes, 0);
    }

    #[test]
    fn spec_phantom_score_with_two_episodes_is_damped() {
        let mut tr = tracker();
        feed_spec_episodes(&mut tr, false);
        let r = tr.phantom(30_000);
        assert_eq!(r.episodes, 2);
        assert_some_close(r.phantom_liquidity_score, 0.3020398281);
    }

    #[test]
    fn spec_large_order_activity() {
        // 3 large adds and 1 cancel-driven removal in 60 s: 4 events/min and
        // 3201.8 + 998 = 4199.8 notional per minute. The 8-unit hit is below θ.
        let mut tr = tracker();
        feed_spec_episodes(&mut tr, true);
        let r = tr.large_order_activity(30_000);
        assert_eq!((r.adds, r.removals), (3, 1));
        assert_some_close(r.large_order_events_per_min, 4.0);
        assert_some_close(r.large_order_notional_per_min, 4199.8);
        // Provisional removals count before their grace period ends.
        let mut tr = tracker();
        feed_spec_episodes(&mut tr, false);
        assert_eq!(tr.large_order_activity(1600).removals, 1);
    }

    #[test]
    fn late_trades_turn_a_flicker_into_a_hit() {
        let mut tr = tracker();
        let c = touch();
        tr.on_level_change(&change(0, Side::Bid, 99.8, 2.0, 12.0), &c);
        tr.on_level_change(&change(1000, Side::Bid, 99.8, 12.0, 2.0), &c);
        // The depth batch beat the trade stream by 300 ms.
        tr.on_trade(&sell(1300, 99.8, 10.0));
        let r = tr.phantom(30_000);
        assert_eq!(r.episodes, 1);
        assert_eq!(r.phantom_ratio, Some(0.0));
        let l = tr.large_order_activity(30_000);
        assert_eq!((l.adds, l.removals), (1, 0));
    }

    #[test]
    fn touch_and_out_of_band_adds_open_no_episode() {
        let mut tr = tracker();
        let c = touch();
        // At the touch: counts for large-order activity (touch included) but is not an episode.
        tr.on_level_change(&change(0, Side::Bid, 100.0, 3.0, 13.0), &c);
        tr.on_level_change(&change(10, Side::Bid, 100.0, 13.0, 3.0), &c);
        // 60 bps away: neither.
        tr.on_level_change(&change(20, Side::Ask, 100.7, 0.0, 20.0), &c);
        // Below θ: neither.
        tr.on_level_change(&change(30, Side::Ask, 100.2, 4.0, 13.0), &c);
        let r = tr.phantom(30_000);
        assert_eq!(r.episodes, 0);
        assert_eq!(r.phantom_liquidity_score, Some(0.0));
        assert_eq!(r.phantom_ratio, None);
        let l = tr.large_order_activity(30_000);
        assert_eq!((l.adds, l.removals), (1, 1));
        assert_all_finite(&(r, l));
    }

    #[test]
    fn lifo_attribution_resolves_the_newest_episode_first() {
        let mut tr = tracker();
        let c = touch();
        tr.on_level_change(&change(0, Side::Bid, 99.8, 0.0, 10.0), &c);
        tr.on_level_change(&change(500, Side::Bid, 99.8, 10.0, 20.0), &c);
        // 10 cancelled: the second add's episode flickers; the first persists.
        tr.on_level_change(&change(1000, Side::Bid, 99.8, 20.0, 10.0), &c);
        let r = tr.phantom(30_000);
        assert_eq!(r.episodes, 2);
        assert_some_close(r.phantom_ratio, 0.5);
        assert_some_close(r.median_flicker_lifetime_ms, 500.0);
    }

    #[test]
    fn notional_threshold_and_opposite_side_coupling() {
        let theta = LevelThreshold::Notional(900.0);
        let mut tr = LevelActivityTracker::new(LevelActivityConfig::new(0.1), theta, theta);
        let c = touch();
        tr.on_level_change(&change(0, Side::Bid, 99.8, 0.0, 10.0), &c);
        // Taker buys lift the asks while the bid-side wall stands.
        tr.on_trade(&Trade {
            t: 500,
            price: 100.1,
            size: 3.0,
            taker: Some(TakerSide::Buy),
            id: None,
        });
        tr.on_level_change(&change(1000, Side::Bid, 99.8, 10.0, 0.0), &c);
        let r = tr.phantom(30_000);
        assert_close(r.opposite_taker_volume, 3.0);
        assert_some_close(r.phantom_ratio, 1.0);
    }

    /// §10.2: bids 99.7, 99.6 and 99.5 each get +6 (θ/2 = 5) at 0.2, 0.4 and 0.6 s, all
    /// cancelled at 2.0 s: layered notional 1792.8, score 1.0.
    #[test]
    fn spec_layering() {
        let mut tr = tracker();
        let c = touch();
        for (t, p) in [(200, 99.7), (400, 99.6), (600, 99.5)] {
            tr.on_level_change(&change(t, Side::Bid, p, 4.0, 10.0), &c);
        }
        for p in [99.7, 99.6, 99.5] {
            tr.on_level_change(&change(2000, Side::Bid, p, 10.0, 4.0), &c);
        }
        let r = tr.layering(31_000);
        assert_some_close(r.score, 1.0);
        assert_close(r.layered_notional[0], 1792.8);
        let cluster = r.last_cluster.unwrap();
        assert_eq!((cluster.side, cluster.adds.len()), (Side::Bid, 3));
        // Below θ, none of them is a §10.1 episode.
        let p = tr.phantom(31_000);
        assert_eq!((p.episodes, p.phantom_liquidity_score), (0, Some(0.0)));
    }

    #[test]
    fn layered_adds_that_are_hit_or_stay_are_not_layering() {
        let mut tr = tracker();
        let c = touch();
        for (t, p) in [(200, 99.7), (400, 99.6), (600, 99.5)] {
            tr.on_level_change(&change(t, Side::Bid, p, 4.0, 10.0), &c);
        }
        // Two of three are sold into: only one flickers (1/3 < 2/3).
        tr.on_trade(&sell(1900, 99.7, 6.0));
        tr.on_trade(&sell(1900, 99.6, 6.0));
        for p in [99.7, 99.6, 99.5] {
            tr.on_level_change(&change(2000, Side::Bid, p, 10.0, 4.0), &c);
        }
        let r = tr.layering(31_000);
        assert_eq!(r.score, Some(0.0));
        assert!(r.last_cluster.is_none());
    }

    #[test]
    fn a_resync_with_layers_open_is_not_layering() {
        let mut tr = tracker();
        let c = touch();
        for (t, p) in [(200, 99.7), (400, 99.6), (600, 99.5)] {
            tr.on_level_change(&change(t, Side::Bid, p, 4.0, 10.0), &c);
        }
        // The book resyncs; the reloaded book no longer shows the adds (never fed as changes).
        tr.reset();
        let r = tr.layering(31_000);
        assert_eq!(r.score, Some(0.0));
        assert!(r.last_cluster.is_none());
    }

    #[test]
    fn a_level_churning_within_tau_holds_a_bounded_number_of_episodes() {
        let mut tr = tracker();
        let c = touch();
        // 100 large adds and cancels at one level within a second: only the first 16 are
        // followed, so attribution at that level stays a short walk.
        for i in 0..100 {
            tr.on_level_change(&change(i * 10, Side::Bid, 99.8, 2.0, 12.0), &c);
            tr.on_level_change(&change(i * 10 + 5, Side::Bid, 99.8, 12.0, 2.0), &c);
        }
        let r = tr.phantom(31_000);
        assert_eq!(r.episodes, 16);
        assert_some_close(r.phantom_ratio, 1.0);
    }

    #[test]
    fn warm_up_and_reset() {
        let mut tr = tracker();
        let c = touch();
        tr.on_level_change(&change(0, Side::Bid, 99.8, 2.0, 12.0), &c);
        assert_eq!(tr.phantom(29_000).phantom_liquidity_score, None);
        assert_eq!(
            tr.large_order_activity(29_000).large_order_events_per_min,
            None
        );
        // Resync with an episode open: it is dropped, not counted as a flicker when the reloaded
        // book shows the level at a different size.
        let mut tr = tracker();
        tr.on_level_change(&change(0, Side::Bid, 99.8, 2.0, 12.0), &c);
        tr.reset();
        tr.on_level_change(&change(1000, Side::Bid, 99.8, 12.0, 2.0), &c);
        let r = tr.phantom(30_000);
        assert_eq!(r.episodes, 0);
        assert_eq!(r.open_episodes, 0);
    }
}
