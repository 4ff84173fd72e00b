//! The calculators that difference consecutive book states, fed on **every** book update
//! (never throttled, §0.6): OFI, level OFI, the phantom/layering/large-order level trackers, the
//! quote-stuffing update counter (§10.3), and the two state series sampled by time (spread for
//! its volatility, the L1 imbalance for its average).
//!
//! They share one life cycle (§0.2): a resync or a snapshot reload starts a new baseline so no
//! event spans the gap, while the windows of values already computed are kept. A snapshot is
//! never fed as level changes: a reloaded book is not a burst of large adds.
//!
//! The chains are broken by feeding the calculators an invalid state *at the time of the break*
//! (`on_book(t, None)`, `update(t, None)`), which is what their `reset()`/`interrupt()` do, plus
//! the time: the state before the break keeps its weight up to the break instead of up to the
//! previous update.

use crate::features::bands::LevelThreshold;
use crate::features::book_metrics::{l1_imbalance, spread};
use crate::features::detectors::layering::LayeringReading;
use crate::features::detectors::stuffing::{QuoteStuffing, StuffingConfig, StuffingReading};
use crate::features::large_orders::LargeOrderReading;
use crate::features::level_activity::{LevelActivityConfig, LevelActivityTracker};
use crate::features::level_ofi::{LevelOfi, LevelOfiReading};
use crate::features::ofi::{Ofi, OfiConfig, OfiReadings};
use crate::features::phantom::PhantomReading;
use crate::features::spread_vol::{SpreadVolConfig, SpreadVolReading, SpreadVolatility};
use crate::features::time_weighted::TimeWeightedMean;
use crate::features::window::{MIN_COVERAGE, coverage};
use crate::features::{Book, Level, LevelChange, Trade};
use crate::feed::event::UpdateKind;
use crate::market::{Millis, Side};

use super::mirror::Mirror;

/// Window of `l1_imbalance_ratio_avg` (§2.4's interval average).
const L1_AVG_WINDOW: Millis = 60_000;
/// Level OFI window: the CKS interval (§1.11 uses §1.3's).
const LEVEL_OFI_WINDOW: Millis = 10_000;

/// What the differencing calculators read at one instant.
#[derive(Clone, Copy, Debug)]
pub struct DiffReadings {
    pub ofi: OfiReadings,
    pub level_ofi: LevelOfiReading,
    pub spread_vol: SpreadVolReading,
    pub phantom: PhantomReading,
    pub large_orders: LargeOrderReading,
    /// Time-weighted `imbalance_ratio` over the last minute; `None` in warm-up.
    pub l1_imbalance_ratio_avg: Option<f64>,
}

/// The per-update calculators of one book.
#[derive(Clone, Debug)]
pub struct Differencing {
    ofi: Ofi,
    level_ofi: LevelOfi,
    activity: LevelActivityTracker,
    /// Level changes per second (§10.3): counted from diffs only, paused from a break in the
    /// chain to the next snapshot.
    stuffing: QuoteStuffing,
    /// The price grid `activity` matches trades to levels on.
    grid: f64,
    spread_vol: SpreadVolatility,
    l1_avg: TimeWeightedMean,
    top_bids: Vec<Level>,
    top_asks: Vec<Level>,
}

impl Differencing {
    /// `tick`: the venue's price increment when known.
    pub fn new(tick: Option<f64>) -> Self {
        // Until the first book shows the price scale, a unit grid; replaced at the first
        // snapshot when the tick is unknown.
        let grid = tick.unwrap_or(1.0);
        Differencing {
            ofi: Ofi::new(OfiConfig::default()),
            level_ofi: LevelOfi::new(LEVEL_OFI_WINDOW),
            activity: new_activity(grid),
            stuffing: QuoteStuffing::new(StuffingConfig::default()),
            grid,
            spread_vol: SpreadVolatility::new(SpreadVolConfig::default()),
            l1_avg: TimeWeightedMean::new(L1_AVG_WINDOW),
            top_bids: Vec::new(),
            top_asks: Vec::new(),
        }
    }

    /// One applied book message at exchange time `t`: `mirror` is the book after it, `changes`
    /// the level changes it made (ignored for a snapshot, which starts a new baseline).
    pub fn on_update(
        &mut self,
        t: Millis,
        kind: UpdateKind,
        mirror: &Mirror,
        changes: &[LevelChange],
        tick: Option<f64>,
    ) {
        if kind == UpdateKind::Snapshot {
            self.break_chains(t);
            self.fit_grid(tick, mirror);
        }
        let touch = mirror.touch();
        self.ofi.on_book(t, touch);
        mirror.top(Side::Bid, &mut self.top_bids);
        mirror.top(Side::Ask, &mut self.top_asks);
        let top = Book::complete(&self.top_bids, &self.top_asks);
        self.level_ofi.on_book(t, &top);
        if let (UpdateKind::Delta, Some(touch)) = (kind, touch) {
            self.stuffing.on_changes(t, changes.len());
            for change in changes {
                self.activity.on_level_change(change, &touch);
            }
        }
        self.spread_vol.update(t, spread(&top, None).map(|s| s.bps));
        self.l1_avg
            .update(t, l1_imbalance(&top).and_then(|l| l.imbalance_ratio));
    }

    /// A new (de-duplicated) trade, for the attribution of size decreases.
    pub fn on_trade(&mut self, trade: &Trade) {
        self.activity.on_trade(trade);
        self.stuffing.on_trade(trade.t);
    }

    pub fn set_thresholds(&mut self, bid: LevelThreshold, ask: LevelThreshold) {
        self.activity.set_thresholds(bid, ask);
    }

    /// The book stopped being valid at `t` (resync, reconnect): no event spans the gap, and no
    /// state is sampled until the next valid book. Windows stay (§0.2).
    pub fn invalidate(&mut self, t: Millis) {
        self.break_chains(t);
        self.stuffing.pause();
        self.spread_vol.update(t, None);
        self.l1_avg.update(t, None);
    }

    /// The next book is a new baseline for every differencing calculator.
    fn break_chains(&mut self, t: Millis) {
        self.ofi.on_book(t, None);
        self.level_ofi.on_book(t, &Book::complete(&[], &[]));
        self.activity.reset();
        self.stuffing.restart(t);
    }

    /// OFI's running `[Σ e_n, Σ |e_n|]` (§3.12 bins them per second).
    pub fn ofi_totals(&self) -> [f64; 2] {
        self.ofi.totals()
    }

    pub fn readings(&mut self, now: Millis) -> DiffReadings {
        let l1 = self.l1_avg.average(now);
        let warm = coverage(l1.covered, L1_AVG_WINDOW) >= MIN_COVERAGE;
        DiffReadings {
            ofi: self.ofi.readings(now),
            level_ofi: self.level_ofi.reading(now),
            spread_vol: self.spread_vol.reading(now),
            phantom: self.activity.phantom(now),
            large_orders: self.activity.large_order_activity(now),
            l1_imbalance_ratio_avg: l1.mean.filter(|_| warm),
        }
    }

    /// §10.2 at `now` (τ + 1 s behind the book).
    pub fn layering(&mut self, now: Millis) -> LayeringReading {
        self.activity.layering(now)
    }

    /// §10.3: the last second judged.
    pub fn stuffing(&mut self, now: Millis) -> Option<StuffingReading> {
        self.stuffing.reading(now)
    }

    /// Trades and levels are matched on the venue's tick grid. Without a known tick, a grid a
    /// ten-billionth of the price keeps distinct prices distinct and equal ones equal (book and
    /// trade prices are both correctly rounded from their decimals). A new grid needs a new
    /// tracker; this runs right after the chains broke, so no level state is lost with it.
    fn fit_grid(&mut self, tick: Option<f64>, mirror: &Mirror) {
        let grid = tick.or_else(|| {
            let price = mirror.touch()?.mid();
            Some(10f64.powi(price.log10().floor() as i32 - 10))
        });
        if let Some(grid) = grid.filter(|g| g.is_finite() && *g > 0.0 && *g != self.grid) {
            self.grid = grid;
            self.activity = new_activity(grid);
        }
    }
}

fn new_activity(grid: f64) -> LevelActivityTracker {
    // θ is replaced every tick from the book (§0.5); until then nothing counts as large.
    let none = LevelThreshold::Notional(f64::INFINITY);
    LevelActivityTracker::new(LevelActivityConfig::new(grid), none, none)
}
