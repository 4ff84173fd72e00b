//! Support and resistance zones from resting depth (§5, `[proposed]`).
//!
//! Resting take-profit and stop orders cluster at prices and price reacts there (Osler 2000;
//! 2003). The pieces here are pure: the absolute price grid (§5.1), the per-bucket notional of a
//! side within the range, the robust wall test and its observation (§5.2), the persistence-decayed
//! strength (§5.3) and the bounce/breach state machine (§5.5). The engine owns the state that
//! strings them together once a second.

use super::num::{clip01, median, ratio};
use super::{Book, BookSide, Level};
use crate::market::Side;

/// §5.1: depth is bucketed within ±2 % of mid.
pub const ZONE_RANGE: f64 = 0.02;
/// A book captures a little more than [`ZONE_RANGE`] around its own mid: the symbol's range is
/// centred on the cross-venue mid, which can sit a few bps off any one book's.
pub const CAPTURE_RANGE: f64 = 0.025;
/// §5.1: the bucket width is about 5 bps of the first mid.
pub const GRID_FRACTION: f64 = 5e-4;
/// §5.1: the grid is re-chosen only when price has moved more than 2× from the mid it was
/// chosen at.
pub const REGRID_FACTOR: f64 = 2.0;
/// §5.2: a wall rests at least $50k (in the symbol's quote currency): thin books have no zones.
pub const WALL_FLOOR: f64 = 50_000.0;
/// §5.2: `med + 3·1.4826·MAD` (1.4826 makes the MAD a normal σ).
const WALL_SIGMAS: f64 = 3.0 * 1.4826;
/// §5.3: an observation saturates at 10× the median bucket.
const X_MAX: f64 = 10.0;
/// §5.3: T½ = 5.7 min.
pub const HALF_LIFE_S: f64 = 342.0;
/// §5.3: a zone that is no longer a candidate is dropped below this strength…
pub const KEEP_STRENGTH: f64 = 0.05;
/// …and published from this one, so a wall that just appeared stays internal until it persists.
pub const PUBLISH_STRENGTH: f64 = 0.1;

/// The nearest of `{1, 2, 5}·10^k` to `x` on a log scale: a grid a trader reads at a glance
/// (50, 100, 0.2). `None` for a non-positive or non-finite `x`.
pub fn nice_round(x: f64) -> Option<f64> {
    if !(x.is_finite() && x > 0.0) {
        return None;
    }
    let decade = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * decade)
        .filter(|c| c.is_finite() && *c > 0.0)
        .min_by(|a, b| (x / a).ln().abs().total_cmp(&(x / b).ln().abs()))
}

/// §5.1: Δ = `nice_round(m₀ · 5 bps)`.
pub fn grid_step(mid: f64) -> Option<f64> {
    nice_round(mid * GRID_FRACTION)
}

/// The bucket id `k = floor(p/Δ)`, with a relative tolerance so that a price printed on the grid
/// (99.55 on a 0.05 grid) lands in its own bucket despite binary rounding. `None` when `p/Δ` is
/// not a representable bucket.
pub fn bucket(price: f64, delta: f64) -> Option<i64> {
    let k = price / delta;
    let k = (k + 1e-9 * k.abs().max(1.0)).floor();
    (k.is_finite() && k.abs() < 1e15).then_some(k as i64)
}

/// One side of one book's depth near its mid, owned: what a book hands the symbol once a second
/// for §5 (its mirror is not shared across the engine's stages).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DepthWindow {
    /// Best first, every level within the capture range.
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
    /// Per side, the worst price up to which the window holds every resting level (the book's
    /// own `known_to`, or the capture bound when the book reaches further); `None`: the whole side.
    pub bid_known_to: Option<f64>,
    pub ask_known_to: Option<f64>,
}

impl DepthWindow {
    /// The levels of a valid book within `range` (a fraction) of its mid. `None` for a crossed,
    /// locked or one-sided book.
    pub fn capture(book: &Book, range: f64) -> Option<DepthWindow> {
        let mid = book.touch()?.mid();
        let (lo, hi) = (mid * (1.0 - range), mid * (1.0 + range));
        let take = |side: BookSide, inside: &dyn Fn(f64) -> bool, bound: f64| {
            let levels: Vec<Level> = side
                .levels
                .iter()
                .take_while(|l| inside(l.price))
                .copied()
                .collect();
            let cut = levels.len() < side.levels.len();
            let known_to = match side.known_to {
                Some(k) if inside(k) => Some(k),
                _ if cut => Some(bound),
                other => other.map(|_| bound),
            };
            (levels, known_to)
        };
        let (bids, bid_known_to) = take(book.bids, &|p| p >= lo, lo);
        let (asks, ask_known_to) = take(book.asks, &|p| p <= hi, hi);
        Some(DepthWindow {
            bids,
            asks,
            bid_known_to,
            ask_known_to,
        })
    }

    pub fn side(&self, side: Side) -> (&[Level], Option<f64>) {
        match side {
            Side::Bid => (&self.bids, self.bid_known_to),
            Side::Ask => (&self.asks, self.ask_known_to),
        }
    }
}

/// How far from `mid` (a fraction) a side is known to hold every level: `range` when complete
/// or known past it, less when the book is truncated closer in (§5 edge cases).
pub fn covered(mid: f64, side: Side, known_to: Option<f64>, range: f64) -> f64 {
    let Some(k) = known_to else { return range };
    let reach = match side {
        Side::Bid => (mid - k) / mid,
        Side::Ask => (k - mid) / mid,
    };
    if reach.is_finite() {
        reach.clamp(0.0, range)
    } else {
        0.0
    }
}

/// Notional per bucket of one side within `range` of `mid`: bucket ids from the touch outward,
/// `notional[i]` for bucket `first + i` (bids count down, asks up).
#[derive(Clone, Debug, PartialEq)]
pub struct SideBuckets {
    pub side: Side,
    pub delta: f64,
    /// The bucket holding the mid.
    pub first: i64,
    pub notional: Vec<f64>,
}

impl SideBuckets {
    /// Empty buckets from the mid's out to `range` on `side`; `None` when the grid cannot place
    /// them (absurd prices) or would need more than `MAX_BUCKETS`.
    pub fn new(side: Side, mid: f64, range: f64, delta: f64) -> Option<Self> {
        const MAX_BUCKETS: i64 = 10_000;
        let first = bucket(mid, delta)?;
        let edge = match side {
            Side::Bid => mid * (1.0 - range),
            Side::Ask => mid * (1.0 + range),
        };
        let n = (bucket(edge, delta)? - first).abs() + 1;
        (n <= MAX_BUCKETS).then(|| SideBuckets {
            side,
            delta,
            first,
            notional: vec![0.0; n as usize],
        })
    }

    /// Adds a level (price in the buckets' currency, size in base units); a level outside the
    /// buckets' span is ignored.
    pub fn add(&mut self, price: f64, size: f64) {
        let n = price * size;
        if !(n.is_finite() && n > 0.0) {
            return;
        }
        let Some(i) = self.index(price) else { return };
        if let Some(slot) = self.notional.get_mut(i) {
            *slot += n;
        }
    }

    fn index(&self, price: f64) -> Option<usize> {
        let k = bucket(price, self.delta)?;
        let i = match self.side {
            Side::Bid => self.first - k,
            Side::Ask => k - self.first,
        };
        usize::try_from(i).ok()
    }

    /// The bucket id of slot `i`.
    pub fn id(&self, i: usize) -> i64 {
        match self.side {
            Side::Bid => self.first - i as i64,
            Side::Ask => self.first + i as i64,
        }
    }
}

/// The robust wall threshold of one side (§5.2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WallStats {
    pub median: f64,
    pub mad: f64,
    /// `median + 3·1.4826·MAD`.
    pub threshold: f64,
}

impl WallStats {
    /// Over the notionals of a side's non-empty buckets (an empty bucket is no resting order, not
    /// a small one). `None` without at least three of them, or a zero median (no scale to judge
    /// a wall against).
    pub fn of(notionals: &[f64]) -> Option<WallStats> {
        if notionals.len() < 3 {
            return None;
        }
        let med = median(notionals)?;
        if med <= 0.0 {
            return None;
        }
        let deviations: Vec<f64> = notionals.iter().map(|n| (n - med).abs()).collect();
        let mad = median(&deviations)?;
        Some(WallStats {
            median: med,
            mad,
            threshold: med + WALL_SIGMAS * mad,
        })
    }

    /// `N ≥ med + 3·1.4826·MAD` and `N ≥ floor`.
    pub fn is_wall(&self, notional: f64, floor: f64) -> bool {
        notional >= self.threshold && notional >= floor
    }

    /// §5.3: `o = clip01((N/med − 1)/(x_max − 1))` for a wall, 0 otherwise.
    pub fn observation(&self, notional: f64, floor: f64) -> f64 {
        if !self.is_wall(notional, floor) {
            return 0.0;
        }
        ratio(notional, self.median).map_or(0.0, |x| clip01((x - 1.0) / (X_MAX - 1.0)))
    }
}

/// The per-step persistence `a = exp(−Δt·ln2/T½)`.
pub fn persistence(dt_s: f64) -> f64 {
    (-dt_s.max(0.0) * std::f64::consts::LN_2 / HALF_LIFE_S).exp()
}

/// §5.3: `S ← a·S + (1 − a)·o` over `dt_s` seconds.
pub fn update_strength(strength: f64, observation: f64, dt_s: f64) -> f64 {
    let a = persistence(dt_s);
    a * strength + (1.0 - a) * observation
}

/// Where the price stands against a zone (§5.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Position {
    Above,
    Below,
    /// Inside `[lo, hi]`, having entered from above (`true`) or below.
    Inside {
        from_above: bool,
    },
}

/// What one price did to a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crossing {
    /// Entered the zone.
    Touch,
    /// Left on the side it came from.
    Bounce,
    /// Left on the other side (or jumped over it, which is a touch too); `above`: where price is
    /// now.
    Breach { above: bool },
}

/// §5.5's state machine with its counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ZoneCrossings {
    pub position: Option<Position>,
    pub touches: u32,
    pub bounces: u32,
    pub breaches: u32,
}

impl ZoneCrossings {
    /// Starts from where `price` stands. A zone born around the price counts as entered from
    /// the side it defends (`support`: from above).
    pub fn start(price: f64, lo: f64, hi: f64, support: bool) -> Self {
        let position = if price > hi {
            Position::Above
        } else if price < lo {
            Position::Below
        } else {
            Position::Inside {
                from_above: support,
            }
        };
        ZoneCrossings {
            position: Some(position),
            ..ZoneCrossings::default()
        }
    }

    /// The next price against the zone `[lo, hi]` (inclusive); the crossings it made, in order
    /// (a jump over the zone is a touch and a breach).
    pub fn observe(&mut self, price: f64, lo: f64, hi: f64) -> [Option<Crossing>; 2] {
        if !price.is_finite() {
            return [None, None];
        }
        let inside = (lo..=hi).contains(&price);
        let Some(position) = self.position else {
            self.position = ZoneCrossings::start(price, lo, hi, true).position;
            return [None, None];
        };
        let (next, events) = match position {
            Position::Above | Position::Below => {
                let above = position == Position::Above;
                if inside {
                    (
                        Position::Inside { from_above: above },
                        [Some(Crossing::Touch), None],
                    )
                } else if above && price < lo {
                    (
                        Position::Below,
                        [
                            Some(Crossing::Touch),
                            Some(Crossing::Breach { above: false }),
                        ],
                    )
                } else if !above && price > hi {
                    (
                        Position::Above,
                        [
                            Some(Crossing::Touch),
                            Some(Crossing::Breach { above: true }),
                        ],
                    )
                } else {
                    (position, [None, None])
                }
            }
            Position::Inside { from_above } => {
                if inside {
                    (position, [None, None])
                } else {
                    let above = price > hi;
                    let exit = if above == from_above {
                        Crossing::Bounce
                    } else {
                        Crossing::Breach { above }
                    };
                    let next = if above {
                        Position::Above
                    } else {
                        Position::Below
                    };
                    (next, [Some(exit), None])
                }
            }
        };
        self.position = Some(next);
        for e in events.iter().flatten() {
            match e {
                Crossing::Touch => self.touches += 1,
                Crossing::Bounce => self.bounces += 1,
                Crossing::Breach { .. } => self.breaches += 1,
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testutil::assert_close;

    #[test]
    fn decay_halves_the_strength_every_342_seconds() {
        // §5 Test: S = 0.8 with the wall gone, stepped once a second.
        let after = |seconds: usize| (0..seconds).fold(0.8, |s, _| update_strength(s, 0.0, 1.0));
        assert_close(after(60), 0.7083986209);
        assert_close(after(342), 0.4);
        assert_close(after(684), 0.2);
        assert_close(persistence(1.0), 0.9979753063);
        // One step of 60 s is sixty steps of 1 s.
        assert_close(update_strength(0.8, 0.0, 60.0), 0.7083986209);
    }

    #[test]
    fn a_persistent_wall_builds_to_half_its_observation_in_342_seconds() {
        let s = (0..342).fold(0.0, |s, _| update_strength(s, 1.0, 1.0));
        assert_close(s, 0.5);
    }

    #[test]
    fn robust_wall_detection_on_the_spec_buckets() {
        // §5 Test, in $k.
        let k = [
            120.0, 80.0, 100.0, 90.0, 950.0, 110.0, 70.0, 100.0, 85.0, 400.0,
        ];
        let notional: Vec<f64> = k.iter().map(|x| x * 1000.0).collect();
        let stats = WallStats::of(&notional).unwrap();
        assert_close(stats.median, 100_000.0);
        assert_close(stats.mad, 17_500.0);
        assert_close(stats.threshold, 177_836.5);
        let walls: Vec<usize> = (0..notional.len())
            .filter(|&i| stats.is_wall(notional[i], WALL_FLOOR))
            .collect();
        assert_eq!(walls, [4, 9]);
        assert_close(stats.observation(notional[4], WALL_FLOOR), 0.9444444444);
        assert_close(stats.observation(notional[9], WALL_FLOOR), 0.3333333333);
        assert_eq!(stats.observation(notional[0], WALL_FLOOR), 0.0);
        // The same shape in dollars is a thin book: the $50k floor leaves it without walls.
        let thin = WallStats::of(&k).unwrap();
        assert!(k.iter().all(|n| !thin.is_wall(*n, WALL_FLOOR)));
        // Too few buckets, or no scale, judge nothing.
        assert_eq!(WallStats::of(&[1e6, 2e6]), None);
        assert_eq!(WallStats::of(&[0.0, 0.0, 0.0, 5e5]), None);
    }

    #[test]
    fn bounce_and_breach_on_the_spec_path() {
        // §5 Test: support [99.50, 99.55].
        let (lo, hi) = (99.50, 99.55);
        let path = [100.0, 99.7, 99.54, 99.6, 99.52, 99.45, 99.40];
        let mut z = ZoneCrossings::start(path[0], lo, hi, true);
        for p in path {
            z.observe(p, lo, hi);
        }
        assert_eq!((z.touches, z.bounces, z.breaches), (2, 1, 1));
        assert_eq!(z.position, Some(Position::Below));
    }

    #[test]
    fn a_jump_over_a_zone_is_a_touch_and_a_breach() {
        let mut z = ZoneCrossings::start(99.0, 99.5, 99.55, false);
        let events = z.observe(100.0, 99.5, 99.55);
        assert_eq!(
            events,
            [
                Some(Crossing::Touch),
                Some(Crossing::Breach { above: true })
            ]
        );
        assert_eq!((z.touches, z.bounces, z.breaches), (1, 0, 1));
        // Not a number: nothing moves.
        assert_eq!(z.observe(f64::NAN, 99.5, 99.55), [None, None]);
        assert_eq!(z.position, Some(Position::Above));
    }

    #[test]
    fn the_grid_is_a_nice_number_near_5_bps() {
        assert_eq!(grid_step(100_000.0), Some(50.0));
        assert_eq!(grid_step(3_000.0), Some(2.0));
        assert_close(grid_step(140.0).unwrap(), 0.05);
        assert_eq!(nice_round(0.0), None);
        assert_eq!(nice_round(f64::NAN), None);
        assert_eq!(nice_round(-1.0), None);
        // A price printed on the grid is in its own bucket.
        assert_eq!(bucket(99.55, 0.05), Some(1991));
        assert_eq!(bucket(99.5499, 0.05), Some(1990));
        assert_eq!(bucket(f64::INFINITY, 0.05), None);
    }

    #[test]
    fn buckets_sum_notional_from_the_mid_outward() {
        let mut bids = SideBuckets::new(Side::Bid, 100.0, 0.02, 0.05).unwrap();
        assert_eq!(bids.first, 2000);
        assert_eq!(bids.notional.len(), 41);
        bids.add(99.97, 2.0);
        bids.add(99.96, 1.0);
        bids.add(99.90, 10.0);
        bids.add(97.0, 1e6); // beyond 2 %: ignored
        bids.add(99.0, f64::NAN);
        assert_close(bids.notional[1], 99.97 * 2.0 + 99.96);
        assert_close(bids.notional[2], 999.0);
        assert_eq!(bids.id(2), 1998);
        let asks = SideBuckets::new(Side::Ask, 100.0, 0.02, 0.05).unwrap();
        assert_eq!(asks.id(3), 2003);
        assert_eq!(SideBuckets::new(Side::Ask, 1e300, 0.02, 1e-300), None);
    }

    #[test]
    fn a_captured_window_says_how_far_it_is_complete() {
        let bids = [
            Level::new(100.0, 1.0),
            Level::new(99.0, 1.0),
            Level::new(97.0, 1.0),
        ];
        let asks = [Level::new(100.2, 1.0), Level::new(100.5, 1.0)];
        // A complete book cut at 2.5 % is complete up to the cut.
        let w = DepthWindow::capture(&Book::complete(&bids, &asks), 0.025).unwrap();
        assert_eq!(w.bids.len(), 2);
        assert_close(w.bid_known_to.unwrap(), 100.1 * 0.975);
        assert_eq!(w.ask_known_to, None);
        // A depth-limited book known to 99.0 covers 1.1 % below its mid.
        let truncated = Book::new(
            BookSide::known_to(&bids[..2], 99.0),
            BookSide::complete(&asks),
        );
        let w = DepthWindow::capture(&truncated, 0.025).unwrap();
        assert_eq!(w.bid_known_to, Some(99.0));
        assert_close(covered(100.1, Side::Bid, w.bid_known_to, 0.02), 1.1 / 100.1);
        assert_eq!(covered(100.1, Side::Ask, w.ask_known_to, 0.02), 0.02);
        // Crossed or one-sided: nothing captured.
        assert_eq!(
            DepthWindow::capture(&Book::complete(&asks, &bids), 0.025),
            None
        );
        assert_eq!(
            DepthWindow::capture(&Book::complete(&bids, &[]), 0.025),
            None
        );
    }
}
