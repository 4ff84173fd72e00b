//! `phantom_liquidity_score` (§10.1; formerly "spoofing stress" / `manip_risk`, §12).
//!
//! Public book data has no order or account ids, so intent cannot be shown: this is a
//! **statistical footprint**, never an accusation. A large add away from the touch opens an
//! episode; later decreases at that price are attributed to open episodes newest first (LIFO),
//! split into executed and cancelled ([`attribution`](super::attribution)). After τ, or once
//! fully resolved, an episode is `flicker` (mostly cancelled), `hit` (mostly executed) or
//! `persisted`. The score is the flicker share of resolved large-add notional, damped when there
//! are few episodes.

use std::collections::{HashMap, VecDeque};

use smallvec::SmallVec;

use crate::market::{Millis, Side};

use super::attribution::DecreaseSplit;
use super::detectors::layering::ClassifiedAdd;
use super::num::{median, ratio};
use super::window::{ObservedSince, RollingSum};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhantomConfig {
    /// Classification delay τ.
    pub tau: Millis,
    /// Score window W.
    pub window: Millis,
    /// Band from that side's best (a fraction), touch excluded.
    pub band: f64,
    /// `flicker` if `cancelled ≥ flicker_share · added`.
    pub flicker_share: f64,
    /// `hit` if `executed ≥ hit_share · added`.
    pub hit_share: f64,
    /// Episodes needed for an undamped score.
    pub full_weight_episodes: f64,
}

impl Default for PhantomConfig {
    fn default() -> Self {
        PhantomConfig {
            tau: 3_000,
            window: 60_000,
            band: 0.005,
            flicker_share: 0.8,
            hit_share: 0.5,
            full_weight_episodes: 3.0,
        }
    }
}

/// How an episode ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpisodeClass {
    Flicker,
    Hit,
    Persisted,
}

#[derive(Clone, Copy, Debug)]
struct Episode {
    side: Side,
    key: i64,
    price: f64,
    t_add: Millis,
    added: f64,
    executed: f64,
    cancelled: f64,
    last_decrease: Option<Millis>,
    /// When fully removed (executed + cancelled reached `added`).
    resolved_at: Option<Millis>,
    /// Cumulative opposite-side taker volume at the add, for the "benefit coupling" diagnostic.
    opposite_taker_at_add: f64,
    /// `added ≥ θ`: counted by §10.1. Smaller episodes (θ/2 ≤ added < θ) exist for §10.2's
    /// layering only.
    large: bool,
}

impl Episode {
    fn remaining(&self) -> f64 {
        (self.added - self.executed - self.cancelled).max(0.0)
    }
}

/// The phantom-liquidity reading over the window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhantomReading {
    /// `phantom_ratio · min(1, n_episodes / 3)` ∈ [0, 1]; `None` in warm-up, 0 with no episodes.
    pub phantom_liquidity_score: Option<f64>,
    /// `Σ notional(flicker) / Σ notional(resolved)`; `None` without resolved episodes.
    pub phantom_ratio: Option<f64>,
    /// Resolved episodes in the window.
    pub episodes: usize,
    /// Flicker notional per side: bid-side phantoms paint false demand.
    pub flicker_notional_bid: f64,
    pub flicker_notional_ask: f64,
    /// Median time from add to last cancel of flicker episodes, ms.
    pub median_flicker_lifetime_ms: Option<f64>,
    /// Taker volume on the opposite book side while flicker episodes were open (taker buys
    /// during bid-side flickers, taker sells during ask-side ones): the "benefit coupling"
    /// surveillance looks at.
    pub opposite_taker_volume: f64,
    /// Episodes not yet classified.
    pub open_episodes: usize,
}

/// Unclassified episodes held at one level, and in all. Attribution walks a level's episodes on
/// every decrease there, and classification removes from that list: a level re-quoted thousands of
/// times within τ (or a hostile feed) would make each update cost thousands of steps. Adds beyond
/// the caps open no episode; a level churning that fast is no footprint LIFO can attribute.
const MAX_EPISODES_PER_LEVEL: usize = 16;
const MAX_OPEN_EPISODES: usize = 4096;

const FLICKER_N: usize = 0;
const TOTAL_N: usize = 1;
const COUNT: usize = 2;
const FLICKER_BID_N: usize = 3;
const FLICKER_ASK_N: usize = 4;
const OPPOSITE_TAKER: usize = 5;

/// Episode bookkeeping, driven by
/// [`LevelActivityTracker`](super::level_activity::LevelActivityTracker), which decides what is a
/// large add and splits decreases.
///
/// Every operation is O(1) amortised in the number of open episodes: episodes are indexed by id
/// and by level, and the two ways an episode becomes due (τ after the add; the grace period after
/// full resolution) each form a queue ordered by due time.
#[derive(Clone, Debug)]
pub(crate) struct PhantomTracker {
    cfg: PhantomConfig,
    /// Resolved episodes stay open this long for late trades to reclassify them.
    grace: Millis,
    next_id: u64,
    /// Unclassified episodes by id.
    episodes: HashMap<u64, Episode>,
    /// Unclassified episode ids per level, oldest first (attribution walks them newest first).
    by_level: HashMap<(Side, i64), SmallVec<[u64; 2]>>,
    /// `(t_add + τ, id)`, in add order.
    timeouts: VecDeque<(Millis, u64)>,
    /// `(resolved_at + grace + 1, id)`, in resolution order.
    settling: VecDeque<(Millis, u64)>,
    resolved: RollingSum<6>,
    flicker_lifetimes: VecDeque<(Millis, f64)>,
    observed: ObservedSince,
}

impl PhantomTracker {
    pub fn new(cfg: PhantomConfig, grace: Millis) -> Self {
        PhantomTracker {
            cfg,
            grace,
            next_id: 0,
            episodes: HashMap::new(),
            by_level: HashMap::new(),
            timeouts: VecDeque::new(),
            settling: VecDeque::new(),
            resolved: RollingSum::new(cfg.window),
            flicker_lifetimes: VecDeque::new(),
            observed: ObservedSince::default(),
        }
    }

    pub fn config(&self) -> &PhantomConfig {
        &self.cfg
    }

    pub fn observe(&mut self, t: Millis) {
        self.observed.observe(t);
    }

    /// An add that qualifies (in band, off the touch, at least θ/2) opens an episode; only a
    /// `large` one (at least θ) counts for §10.1. All of them take part in the LIFO attribution,
    /// as each is a distinct add at that level.
    #[allow(clippy::too_many_arguments)]
    pub fn open_episode(
        &mut self,
        t: Millis,
        side: Side,
        key: i64,
        price: f64,
        added: f64,
        opposite_taker_cum: f64,
        large: bool,
    ) {
        let at_level = self.by_level.get(&(side, key)).map_or(0, |ids| ids.len());
        if at_level >= MAX_EPISODES_PER_LEVEL || self.episodes.len() >= MAX_OPEN_EPISODES {
            return;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.episodes.insert(
            id,
            Episode {
                side,
                key,
                price,
                t_add: t,
                added,
                executed: 0.0,
                cancelled: 0.0,
                last_decrease: None,
                resolved_at: None,
                opposite_taker_at_add: opposite_taker_cum,
                large,
            },
        );
        self.by_level.entry((side, key)).or_default().push(id);
        self.timeouts.push_back((t + self.cfg.tau, id));
    }

    /// A decrease at `(side, key)`, attributed LIFO to the open episodes there.
    pub fn on_decrease(&mut self, t: Millis, side: Side, key: i64, split: DecreaseSplit) {
        let Some(ids) = self.by_level.get(&(side, key)) else {
            return;
        };
        let (mut executed, mut cancelled) = (split.executed, split.cancelled);
        for id in ids.iter().rev() {
            if executed + cancelled <= 0.0 {
                break;
            }
            let Some(ep) = self.episodes.get_mut(id) else {
                continue;
            };
            if ep.resolved_at.is_some() {
                continue;
            }
            let take_ex = executed.min(ep.remaining());
            ep.executed += take_ex;
            executed -= take_ex;
            let take_ca = cancelled.min(ep.remaining());
            ep.cancelled += take_ca;
            cancelled -= take_ca;
            if take_ca > 0.0 {
                ep.last_decrease = Some(t);
            }
            if ep.remaining() <= 0.0 {
                ep.resolved_at = Some(t);
                // Held until the grace period has passed inclusive: a trade stamped exactly
                // `grace` after the decrease can still explain it.
                self.settling.push_back((t + self.grace + 1, *id));
            }
        }
    }

    /// A late trade explained `amount` of a decrease already counted as cancelled.
    pub fn on_late_trade(&mut self, side: Side, key: i64, mut amount: f64) {
        let Some(ids) = self.by_level.get(&(side, key)) else {
            return;
        };
        for id in ids.iter().rev() {
            if amount <= 0.0 {
                break;
            }
            if let Some(ep) = self.episodes.get_mut(id) {
                let moved = amount.min(ep.cancelled);
                ep.cancelled -= moved;
                ep.executed += moved;
                amount -= moved;
            }
        }
    }

    /// Classifies the episodes due by `now` into the window, in due-time order, and hands every
    /// classified episode to `classified` (§10.2 groups them). `opposite_taker_cum(side)` gives
    /// the cumulative taker volume on the book side opposite `side`.
    pub fn classify_due(
        &mut self,
        now: Millis,
        opposite_taker_cum: impl Fn(Side) -> f64,
        mut classified: impl FnMut(ClassifiedAdd),
    ) {
        loop {
            let timeout = self.timeouts.front().copied().filter(|(at, _)| *at <= now);
            let settled = self.settling.front().copied().filter(|(at, _)| *at <= now);
            let (at, id) = match (timeout, settled) {
                (Some(a), Some(b)) if b.0 < a.0 => {
                    self.settling.pop_front();
                    b
                }
                (Some(a), _) => {
                    self.timeouts.pop_front();
                    a
                }
                (None, Some(b)) => {
                    self.settling.pop_front();
                    b
                }
                (None, None) => break,
            };
            // Already classified through its other queue.
            let Some(ep) = self.episodes.remove(&id) else {
                continue;
            };
            if let Some(ids) = self.by_level.get_mut(&(ep.side, ep.key)) {
                ids.retain(|i| *i != id);
                if ids.is_empty() {
                    self.by_level.remove(&(ep.side, ep.key));
                }
            }
            classified(ClassifiedAdd {
                t_add: ep.t_add,
                side: ep.side,
                key: ep.key,
                price: ep.price,
                added: ep.added,
                flicker: self.class_of(&ep) == EpisodeClass::Flicker,
            });
            if ep.large {
                self.record(at, &ep, opposite_taker_cum(ep.side));
            }
        }
    }

    fn record(&mut self, at: Millis, ep: &Episode, opposite_taker_now: f64) {
        let notional = ep.price * ep.added;
        let mut v = [0.0; 6];
        v[TOTAL_N] = notional;
        v[COUNT] = 1.0;
        if self.class_of(ep) == EpisodeClass::Flicker {
            v[FLICKER_N] = notional;
            match ep.side {
                Side::Bid => v[FLICKER_BID_N] = notional,
                Side::Ask => v[FLICKER_ASK_N] = notional,
            }
            v[OPPOSITE_TAKER] = (opposite_taker_now - ep.opposite_taker_at_add).max(0.0);
            let end = ep.last_decrease.unwrap_or(at);
            self.flicker_lifetimes
                .push_back((at, (end - ep.t_add) as f64));
        }
        self.resolved.push(at, v);
    }

    fn class_of(&self, ep: &Episode) -> EpisodeClass {
        if ep.cancelled >= self.cfg.flicker_share * ep.added {
            EpisodeClass::Flicker
        } else if ep.executed >= self.cfg.hit_share * ep.added {
            EpisodeClass::Hit
        } else {
            EpisodeClass::Persisted
        }
    }

    /// Resync: open episodes cannot be resolved across the gap and are dropped; the window of
    /// classified episodes stays.
    pub fn reset(&mut self) {
        self.episodes.clear();
        self.by_level.clear();
        self.timeouts.clear();
        self.settling.clear();
    }

    /// The reading at `now` (classify first).
    pub fn reading(&mut self, now: Millis) -> PhantomReading {
        let s = self.resolved.sums_at(now);
        let cutoff = now - self.cfg.window;
        while self
            .flicker_lifetimes
            .front()
            .is_some_and(|(t, _)| *t <= cutoff)
        {
            self.flicker_lifetimes.pop_front();
        }
        let lifetimes: SmallVec<[f64; 16]> =
            self.flicker_lifetimes.iter().map(|(_, l)| *l).collect();
        let episodes = s[COUNT].round() as usize;
        let phantom_ratio = ratio(s[FLICKER_N], s[TOTAL_N]);
        let damping = (episodes as f64 / self.cfg.full_weight_episodes).min(1.0);
        let warm = self.observed.warm(now, self.cfg.window);
        PhantomReading {
            phantom_liquidity_score: warm.then(|| phantom_ratio.map_or(0.0, |r| r * damping)),
            phantom_ratio,
            episodes,
            flicker_notional_bid: s[FLICKER_BID_N],
            flicker_notional_ask: s[FLICKER_ASK_N],
            median_flicker_lifetime_ms: median(&lifetimes),
            opposite_taker_volume: s[OPPOSITE_TAKER],
            open_episodes: self.episodes.values().filter(|e| e.large).count(),
        }
    }
}
