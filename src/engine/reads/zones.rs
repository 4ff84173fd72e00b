//! §5 state: the symbol's zones, observed once a second over the depth of its fresh books.
//!
//! **One aggregate of spot and perpetual books.** A wall defends a price whichever market it
//! rests in, and for most symbols the perpetuals hold most of the resting depth, so a spot-only
//! aggregate would miss the walls traders watch (and a symbol listed only as perpetuals would
//! have no zones). The premium between the two markets is usually within one 5 bps bucket; a
//! wide premium smears a wall over two buckets, which merge into one zone.
//!
//! Each fresh book with base units and a convertible currency adds its levels, in the symbol's
//! currency, to the per-side buckets within the range around the symbol's mid. The range is ±2 %
//! shrunk to what every such book is known to hold (a depth-limited feed does not show what rests
//! beyond its last level; counting it as empty there would fake walls near the mid), and flagged
//! when shrunk. A book that covers less than [`MIN_RANGE`] is left out of the aggregate instead of
//! shrinking everyone's range to a few buckets.
//!
//! Strength is kept per bucket (§5.3); a zone is a run of adjacent live buckets on one side. When
//! runs merge, the zone keeps the oldest run's role and counts; when one splits, each part keeps
//! them. Without a usable book (all stale, resyncing or crossed) observations pause and the zones
//! stay as they were, flagged `paused` (§5: zones are slow state).
//!
//! **Warm start.** The state is slow, so it is kept in the history store ([`ZoneState`], once a
//! second, the latest only) and restored at start: the zones a restart shows are the ones it had,
//! with their touch, bounce and breach counts, their strengths decayed over the stop as if no
//! wall had been seen (§5.3 with `o = 0`: a wall not observed is not credited), and `paused`
//! until the first observation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::analytics::{Zone, ZoneRole, ZoneSide, Zones};
use crate::engine::book::view::BookTick;
use crate::engine::clock::to_millis;
use crate::features::zones::{
    Crossing, KEEP_STRENGTH, PUBLISH_STRENGTH, REGRID_FACTOR, SideBuckets, WALL_FLOOR, WallStats,
    ZONE_RANGE, ZoneCrossings, covered, grid_step, update_strength,
};
use crate::market::{Millis, Side};

use super::ReadInputs;

/// A book must be known to hold every level within 0.5 % of the mid (10 buckets of 5 bps) to
/// count in the aggregate.
const MIN_RANGE: f64 = 0.005;
/// The longest step one observation decays over: the tick can be up to a minute.
const MAX_STEP_S: f64 = 60.0;

/// One bucket's slow state.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct Bucket {
    strength: f64,
    /// Its notional in the last observation; `None` when the observed range did not reach it.
    notional: Option<f64>,
    candidate: bool,
}

/// One zone: a run of adjacent live buckets `lo..=hi` on one side.
#[derive(Clone, Debug)]
struct TrackedZone {
    side: Side,
    lo: i64,
    hi: i64,
    role: ZoneRole,
    created: Millis,
    crossings: ZoneCrossings,
    last_touch: Option<Millis>,
}

/// The absolute grid: bucket width and the mid it was chosen at (§5.1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct Grid {
    delta: f64,
    m0: f64,
}

/// The symbol's §5 state.
#[derive(Debug, Default)]
pub struct ZoneTracker {
    grid: Option<Grid>,
    /// Keyed by side ([`side_key`]) and bucket id, so one side's buckets are adjacent in order.
    buckets: BTreeMap<(u8, i64), Bucket>,
    zones: Vec<TrackedZone>,
    /// Local time of the last observation; `None` after a pause.
    last_observed: Option<Millis>,
    /// The range of the last observation when it was shrunk, a fraction.
    shrunk_to: Option<f64>,
    /// The currency the zones' prices are in.
    quote: Option<String>,
    /// The last observation tick found no book to observe.
    paused: bool,
}

/// One tracked zone as kept in the store (its side as [`side_key`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct SavedZone {
    side: u8,
    lo: i64,
    hi: i64,
    role: ZoneRole,
    created: Millis,
    crossings: ZoneCrossings,
    last_touch: Option<Millis>,
}

/// The symbol's §5 state as the history keeps it (JSON in the store; the fields are private, so
/// only a tracker makes or reads one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZoneState {
    grid: Grid,
    buckets: Vec<((u8, i64), Bucket)>,
    zones: Vec<SavedZone>,
    quote: Option<String>,
    shrunk_to: Option<f64>,
}

impl ZoneState {
    /// The stored form.
    pub fn encode(&self) -> Option<Vec<u8>> {
        serde_json::to_vec(self).ok()
    }

    /// From the stored form; `None` for a damaged one, or one whose grid or strengths are not
    /// numbers a tracker could have made.
    pub fn decode(bytes: &[u8]) -> Option<ZoneState> {
        let s: ZoneState = serde_json::from_slice(bytes).ok()?;
        let g = s.grid;
        let sane = g.delta.is_finite()
            && g.delta > 0.0
            && g.m0.is_finite()
            && g.m0 > 0.0
            && s.buckets.iter().all(|((side, _), b)| {
                *side <= 1
                    && (0.0..=1.0).contains(&b.strength)
                    && b.notional.is_none_or(f64::is_finite)
            })
            && s.zones.iter().all(|z| z.side <= 1 && z.lo <= z.hi);
        sane.then_some(s)
    }
}

/// A usable book's depth, with the factor that converts its prices.
struct Source<'a> {
    tick: &'a BookTick,
    scale: f64,
}

fn side_key(side: Side) -> u8 {
    match side {
        Side::Bid => 0,
        Side::Ask => 1,
    }
}

fn side_of(key: u8) -> Side {
    if key == 0 { Side::Bid } else { Side::Ask }
}

fn zone_side(side: Side) -> ZoneSide {
    match side {
        Side::Bid => ZoneSide::Bid,
        Side::Ask => ZoneSide::Ask,
    }
}

impl ZoneTracker {
    /// The state to keep; `None` before the first observation.
    pub fn snapshot(&self) -> Option<ZoneState> {
        Some(ZoneState {
            grid: self.grid?,
            buckets: self.buckets.iter().map(|(k, b)| (*k, *b)).collect(),
            zones: self
                .zones
                .iter()
                .map(|z| SavedZone {
                    side: side_key(z.side),
                    lo: z.lo,
                    hi: z.hi,
                    role: z.role,
                    created: z.created,
                    crossings: z.crossings,
                    last_touch: z.last_touch,
                })
                .collect(),
            quote: self.quote.clone(),
            shrunk_to: self.shrunk_to,
        })
    }

    /// Takes a state kept at local time `kept` (ms) at local time `now`, unless the tracker has
    /// observed already (live data wins). Strengths decay over the stop with no wall observed
    /// (§5.3, `o = 0`); a bucket that falls below the keep level is dropped, and a zone left
    /// without buckets with it.
    pub fn restore(&mut self, state: &ZoneState, kept: Millis, now: Millis) {
        if self.grid.is_some() {
            return;
        }
        let stop_s = ((now - kept) as f64 / 1000.0).max(0.0);
        self.buckets = state
            .buckets
            .iter()
            .map(|(k, b)| {
                let strength = update_strength(b.strength, 0.0, stop_s);
                let b = Bucket {
                    strength,
                    candidate: false,
                    ..*b
                };
                (*k, b)
            })
            .filter(|(_, b)| b.strength >= KEEP_STRENGTH)
            .collect();
        let buckets = &self.buckets;
        self.zones = state
            .zones
            .iter()
            .filter(|z| {
                buckets
                    .range((z.side, z.lo)..=(z.side, z.hi))
                    .next()
                    .is_some()
            })
            .map(|z| TrackedZone {
                side: side_of(z.side),
                lo: z.lo,
                hi: z.hi,
                role: z.role,
                created: z.created,
                crossings: z.crossings,
                last_touch: z.last_touch,
            })
            .collect();
        self.grid = Some(state.grid);
        self.quote = state.quote.clone();
        self.shrunk_to = state.shrunk_to;
        self.last_observed = None;
        self.paused = true;
    }

    pub(super) fn tick(&mut self, inputs: &ReadInputs) -> Zones {
        let t = to_millis(inputs.now);
        let usable: Vec<Source> = inputs
            .books
            .iter()
            .filter(|b| b.fresh && b.frame.base_units)
            .filter_map(|b| {
                Some(Source {
                    tick: b,
                    scale: inputs.scale(&b.frame.instrument.quote)?,
                })
            })
            .collect();
        let mid = inputs.mid.filter(|m| m.is_finite() && *m > 0.0);
        match mid {
            Some(mid) if !usable.is_empty() => {
                // Every fresh book captured its depth on this tick when it is the first of a
                // local second. A book turning valid later in the second captures then: it waits
                // for the next second rather than make a second observation of a partial set.
                let second = t.div_euclid(1000);
                let observed = self.last_observed.map(|l| l.div_euclid(1000)) == Some(second);
                if !observed && usable.iter().any(|s| s.tick.depth.is_some()) {
                    self.paused = !self.observe(t, mid, &usable);
                    if self.paused {
                        self.last_observed = None;
                    } else {
                        self.quote = inputs.quote.map(str::to_owned);
                    }
                }
                self.cross(t, mid);
            }
            _ => {
                self.last_observed = None;
                self.paused = true;
            }
        }
        self.publish(t, mid)
    }

    /// One 1-s observation (§5.1–§5.3); false when no book could be observed.
    fn observe(&mut self, t: Millis, mid: f64, sources: &[Source]) -> bool {
        let grid = match self.grid {
            Some(g) if mid <= g.m0 * REGRID_FACTOR && mid >= g.m0 / REGRID_FACTOR => g,
            // First mid, or price moved more than 2×: a new grid, and the old zones' buckets
            // mean nothing on it.
            _ => {
                let Some(delta) = grid_step(mid) else {
                    return false;
                };
                self.buckets.clear();
                self.zones.clear();
                let g = Grid { delta, m0: mid };
                self.grid = Some(g);
                g
            }
        };
        // The range every counted book covers.
        let coverage = |s: &Source| {
            let d = s.tick.depth.as_ref()?;
            let reach = |side| {
                let (_, known_to) = d.side(side);
                covered(mid, side, known_to.map(|k| k * s.scale), ZONE_RANGE)
            };
            Some(reach(Side::Bid).min(reach(Side::Ask)))
        };
        let counted: Vec<(&Source, f64)> = sources
            .iter()
            .filter_map(|s| Some((s, coverage(s)?)))
            .filter(|(_, c)| *c >= MIN_RANGE)
            .collect();
        let Some(range) = counted.iter().map(|(_, c)| *c).reduce(f64::min) else {
            return false;
        };
        let mut sides =
            [Side::Bid, Side::Ask].map(|side| SideBuckets::new(side, mid, range, grid.delta));
        for (s, _) in &counted {
            let Some(d) = &s.tick.depth else { continue };
            for b in sides.iter_mut().flatten() {
                for l in d.side(b.side).0 {
                    b.add(l.price * s.scale, l.size);
                }
            }
        }
        let dt = self.last_observed.map_or(1.0, |last| {
            ((t - last) as f64 / 1000.0).clamp(0.0, MAX_STEP_S)
        });
        for b in sides.iter().flatten() {
            self.observe_side(b, dt);
        }
        self.buckets
            .retain(|_, b| b.candidate || b.strength >= KEEP_STRENGTH);
        self.rebuild(t, mid, grid.delta);
        self.last_observed = Some(t);
        self.shrunk_to = (range < ZONE_RANGE).then_some(range);
        true
    }

    fn observe_side(&mut self, buckets: &SideBuckets, dt: f64) {
        let side = side_key(buckets.side);
        let filled: Vec<f64> = buckets
            .notional
            .iter()
            .copied()
            .filter(|n| *n > 0.0)
            .collect();
        let stats = WallStats::of(&filled);
        let judge = |n: f64| match stats {
            Some(s) => (s.is_wall(n, WALL_FLOOR), s.observation(n, WALL_FLOOR)),
            None => (false, 0.0),
        };
        // Tracked buckets of this side: observed where the range holds them; elsewhere they
        // decay as if empty, and their notional is unknown.
        let first = buckets.first;
        let slot = |k: i64| {
            let i = match buckets.side {
                Side::Bid => first - k,
                Side::Ask => k - first,
            };
            usize::try_from(i)
                .ok()
                .and_then(|i| buckets.notional.get(i))
                .copied()
        };
        let keys: Vec<i64> = self
            .buckets
            .range((side, i64::MIN)..=(side, i64::MAX))
            .map(|((_, k), _)| *k)
            .collect();
        for k in keys {
            let observed = slot(k);
            let (candidate, o) = judge(observed.unwrap_or(0.0));
            if let Some(b) = self.buckets.get_mut(&(side, k)) {
                b.strength = update_strength(b.strength, o, dt);
                b.notional = observed;
                b.candidate = candidate;
            }
        }
        for (i, &n) in buckets.notional.iter().enumerate() {
            let k = buckets.id(i);
            let (candidate, o) = judge(n);
            if candidate && !self.buckets.contains_key(&(side, k)) {
                self.buckets.insert(
                    (side, k),
                    Bucket {
                        strength: update_strength(0.0, o, dt),
                        notional: Some(n),
                        candidate,
                    },
                );
            }
        }
    }

    /// Zones from the runs of adjacent live buckets, keeping the state of the zones they
    /// continue.
    fn rebuild(&mut self, t: Millis, mid: f64, delta: f64) {
        let mut runs: Vec<(u8, i64, i64)> = Vec::new();
        for &(side, k) in self.buckets.keys() {
            match runs.last_mut() {
                Some((s, _, hi)) if *s == side && *hi + 1 == k => *hi = k,
                _ => runs.push((side, k, k)),
            }
        }
        let old = std::mem::take(&mut self.zones);
        for (side, lo, hi) in runs {
            let inherited = old
                .iter()
                .filter(|z| side_key(z.side) == side && z.lo <= hi && lo <= z.hi)
                .min_by_key(|z| z.created);
            let zone = match inherited {
                Some(z) => TrackedZone {
                    lo,
                    hi,
                    ..z.clone()
                },
                None => {
                    let (p_lo, p_hi) = (lo as f64 * delta, (hi + 1) as f64 * delta);
                    let support = if p_hi <= mid {
                        true
                    } else if p_lo >= mid {
                        false
                    } else {
                        side == side_key(Side::Bid)
                    };
                    TrackedZone {
                        side: side_of(side),
                        lo,
                        hi,
                        role: if support {
                            ZoneRole::Support
                        } else {
                            ZoneRole::Resistance
                        },
                        created: t,
                        crossings: ZoneCrossings::start(mid, p_lo, p_hi, support),
                        last_touch: None,
                    }
                }
            };
            self.zones.push(zone);
        }
    }

    /// §5.5 on this tick's mid; a breach flips the role (§5.4).
    fn cross(&mut self, t: Millis, mid: f64) {
        let Some(grid) = self.grid else { return };
        for z in &mut self.zones {
            let (lo, hi) = (z.lo as f64 * grid.delta, (z.hi + 1) as f64 * grid.delta);
            for e in z.crossings.observe(mid, lo, hi).into_iter().flatten() {
                match e {
                    Crossing::Touch => z.last_touch = Some(t),
                    Crossing::Breach { above } => {
                        z.role = if above {
                            ZoneRole::Support
                        } else {
                            ZoneRole::Resistance
                        };
                    }
                    Crossing::Bounce => {}
                }
            }
        }
    }

    fn publish(&self, t: Millis, mid: Option<f64>) -> Zones {
        let Some(grid) = self.grid else {
            return Zones {
                paused: self.paused,
                ..Zones::default()
            };
        };
        let mut zones: Vec<Zone> = self
            .zones
            .iter()
            .filter_map(|z| {
                let key = side_key(z.side);
                let live = self
                    .buckets
                    .range((key, z.lo)..=(key, z.hi))
                    .map(|(_, b)| b);
                let strength = live.clone().map(|b| b.strength).fold(0.0, f64::max);
                (strength >= PUBLISH_STRENGTH).then(|| Zone {
                    lo: z.lo as f64 * grid.delta,
                    hi: (z.hi + 1) as f64 * grid.delta,
                    side: zone_side(z.side),
                    role: z.role,
                    strength,
                    notional: live.map(|b| b.notional).sum::<Option<f64>>(),
                    age_s: (t - z.created) as f64 / 1000.0,
                    touches: z.crossings.touches,
                    bounces: z.crossings.bounces,
                    breaches: z.crossings.breaches,
                    last_touch: z.last_touch,
                })
            })
            .collect();
        zones.sort_by(|a, b| a.lo.total_cmp(&b.lo));
        let nearest = |role: ZoneRole| {
            let mid = mid?;
            zones
                .iter()
                .filter(|z| z.role == role)
                .filter_map(|z| {
                    let gap = match role {
                        ZoneRole::Support if z.lo <= mid => (mid - z.hi).max(0.0),
                        ZoneRole::Resistance if z.hi >= mid => (z.lo - mid).max(0.0),
                        _ => return None,
                    };
                    Some(gap / mid * 1e4)
                })
                .reduce(f64::min)
        };
        Zones {
            grid: Some(grid.delta),
            quote: self.quote.clone(),
            nearest_support_bps: nearest(ZoneRole::Support),
            nearest_resistance_bps: nearest(ZoneRole::Resistance),
            zones,
            range_pct: self.shrunk_to.map(|r| r * 100.0),
            paused: self.paused,
        }
    }
}
