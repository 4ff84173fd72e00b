//! Support and resistance zones (`features.md` §5) as the screen places them: on a price axis
//! around the mid (the Analytics view) and at the prices of a ladder row (the detail ladder).
//!
//! The axis keeps the zones in price order and roughly to scale: each row is `row_bps` of mid,
//! and a zone goes on the row of its distance from the mid unless a nearer zone already holds
//! it, in which case it moves one row further out. Every zone row prints its own prices and
//! distance, so a zone moved by crowding is never misread.

use crate::engine::analytics::{Zone, ZoneRole};

/// A zone's signed distance from `mid`, in bps of mid, to its near edge: positive above,
/// negative below, zero when the mid is inside it. `None` without a usable mid.
pub fn distance_bps(zone: &Zone, mid: f64) -> Option<f64> {
    if !(mid.is_finite() && mid > 0.0 && zone.lo.is_finite() && zone.hi.is_finite()) {
        return None;
    }
    Some(if zone.lo > mid {
        (zone.lo - mid) / mid * 1e4
    } else if zone.hi < mid {
        -(mid - zone.hi) / mid * 1e4
    } else {
        0.0
    })
}

/// One side of the axis: the zones placed on it, nearest first, as (index into the zones,
/// rows from the mid row, 1 = next to it), and how many did not fit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AxisSide {
    pub placed: Vec<(usize, u16)>,
    pub hidden: usize,
}

/// The zones on a price axis with `above` rows over the mid row and `below` rows under it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Axis {
    /// Basis points of mid per row (a 1-2-5 step).
    pub row_bps: f64,
    pub above: AxisSide,
    pub below: AxisSide,
}

/// Places `zones` (lowest price first, as published) around `mid`; the farthest of a crowded
/// side are counted, not placed.
pub fn axis(zones: &[Zone], mid: f64, above: u16, below: u16) -> Axis {
    let distances: Vec<Option<f64>> = zones.iter().map(|z| distance_bps(z, mid)).collect();
    let far = distances
        .iter()
        .flatten()
        .fold(0.0f64, |m, d| m.max(d.abs()));
    let rows = above.min(below).max(1);
    let row_bps = step_at_least(far / f64::from(rows));
    // A zone around the mid goes above when its centre is at or above it.
    let is_above = |i: usize| match distances[i] {
        Some(d) if d != 0.0 => d > 0.0,
        _ => (zones[i].lo + zones[i].hi) / 2.0 >= mid,
    };
    let mut up: Vec<usize> = (0..zones.len())
        .filter(|&i| distances[i].is_some() && is_above(i))
        .collect();
    let mut down: Vec<usize> = (0..zones.len())
        .filter(|&i| distances[i].is_some() && !is_above(i))
        .collect();
    let key = |i: &usize| distances[*i].map_or(f64::INFINITY, f64::abs);
    up.sort_by(|a, b| key(a).total_cmp(&key(b)));
    down.sort_by(|a, b| key(a).total_cmp(&key(b)));
    let side = |order: Vec<usize>, rows: u16| {
        let mut placed: Vec<(usize, u16)> = Vec::new();
        let mut hidden = 0;
        let mut last = 0u16;
        for i in order {
            // A distance a rounding error past a row's edge stays on that row.
            let ideal = (key(&i) / row_bps - 1e-9)
                .ceil()
                .clamp(1.0, f64::from(u16::MAX)) as u16;
            let row = ideal.max(last + 1);
            if row > rows {
                hidden += 1;
            } else {
                placed.push((i, row));
                last = row;
            }
        }
        AxisSide { placed, hidden }
    };
    Axis {
        row_bps,
        above: side(up, above),
        below: side(down, below),
    }
}

/// The smallest 1-2-5 step at least `x` (at least 0.1 bps: finer than a tick of any major).
fn step_at_least(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.1) {
        return 0.1;
    }
    let decade = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|k| k * decade)
        .find(|s| *s >= x * (1.0 - 1e-9))
        .unwrap_or(10.0 * decade)
}

/// The role of the strongest zone holding any of the prices `lo ..= hi` (a ladder row's). A
/// zone covers `[lo, hi)`: its buckets are `floor(p/Δ)` (§5.1), so its upper edge is the next
/// bucket's first price.
pub fn role_at(zones: &[Zone], lo: f64, hi: f64) -> Option<ZoneRole> {
    let eps = 1e-9 * hi.abs().max(1.0);
    zones
        .iter()
        .filter(|z| z.lo.is_finite() && z.hi.is_finite())
        .filter(|z| z.lo <= hi + eps && z.hi > lo + eps)
        .max_by(|a, b| a.strength.total_cmp(&b.strength))
        .map(|z| z.role)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::analytics::ZoneSide;

    fn zone(lo: f64, hi: f64, role: ZoneRole, strength: f64) -> Zone {
        Zone {
            lo,
            hi,
            side: if role == ZoneRole::Support {
                ZoneSide::Bid
            } else {
                ZoneSide::Ask
            },
            role,
            strength,
            notional: Some(1e5),
            age_s: 60.0,
            touches: 0,
            bounces: 0,
            breaches: 0,
            last_touch: None,
        }
    }

    #[test]
    fn distances_are_to_the_near_edge_in_bps_of_mid() {
        let z = zone(100.5, 101.0, ZoneRole::Resistance, 0.5);
        assert!((distance_bps(&z, 100.0).unwrap() - 50.0).abs() < 1e-9);
        let z = zone(99.0, 99.5, ZoneRole::Support, 0.5);
        assert!((distance_bps(&z, 100.0).unwrap() + 50.0).abs() < 1e-9);
        let z = zone(99.9, 100.1, ZoneRole::Support, 0.5);
        assert_eq!(distance_bps(&z, 100.0), Some(0.0));
        assert_eq!(distance_bps(&z, 0.0), None);
        assert_eq!(distance_bps(&z, f64::NAN), None);
    }

    #[test]
    fn zones_sit_on_the_row_of_their_distance_and_crowded_ones_move_outward() {
        // 50 bps farthest over 5 rows: 10 bps a row.
        let zones = [
            zone(99.5, 99.6, ZoneRole::Support, 0.3),        // -40 bps
            zone(99.93, 99.95, ZoneRole::Support, 0.3),      // -5 bps
            zone(100.05, 100.06, ZoneRole::Resistance, 0.3), // +5 bps
            zone(100.07, 100.08, ZoneRole::Resistance, 0.3), // +7 bps: row 1 taken
            zone(100.5, 100.6, ZoneRole::Resistance, 0.3),   // +50 bps
        ];
        let a = axis(&zones, 100.0, 5, 5);
        assert_eq!(a.row_bps, 10.0);
        assert_eq!(a.above.placed, vec![(2, 1), (3, 2), (4, 5)]);
        assert_eq!(a.below.placed, vec![(1, 1), (0, 4)]);
        assert_eq!((a.above.hidden, a.below.hidden), (0, 0));
    }

    #[test]
    fn a_crowded_side_places_the_nearest_and_counts_the_rest() {
        let zones: Vec<Zone> = (1..=5)
            .map(|i| {
                let lo = 100.0 + f64::from(i) * 0.01;
                zone(lo, lo + 0.005, ZoneRole::Resistance, 0.2)
            })
            .collect();
        let a = axis(&zones, 100.0, 3, 3);
        assert_eq!(a.above.placed, vec![(0, 1), (1, 2), (2, 3)]);
        assert_eq!(a.above.hidden, 2);
        assert!(a.below.placed.is_empty());
        // No mid: nothing can be placed.
        assert_eq!(axis(&zones, 0.0, 3, 3).above.placed, vec![]);
    }

    #[test]
    fn steps_are_1_2_5() {
        assert_eq!(step_at_least(3.2), 5.0);
        assert_eq!(step_at_least(5.0), 5.0);
        assert_eq!(step_at_least(11.0), 20.0);
        assert_eq!(step_at_least(0.0), 0.1);
        assert_eq!(step_at_least(f64::NAN), 0.1);
    }

    #[test]
    fn a_ladder_bucket_takes_the_role_of_the_strongest_zone_it_touches() {
        let zones = [
            zone(99.0, 99.5, ZoneRole::Support, 0.2),
            zone(99.4, 99.6, ZoneRole::Resistance, 0.7),
        ];
        assert_eq!(role_at(&zones, 99.1, 99.2), Some(ZoneRole::Support));
        assert_eq!(role_at(&zones, 99.45, 99.46), Some(ZoneRole::Resistance));
        assert_eq!(role_at(&zones, 99.55, 99.58), Some(ZoneRole::Resistance));
        assert_eq!(
            role_at(&zones, 99.6, 99.7),
            None,
            "the upper edge is the next bucket's"
        );
        assert_eq!(
            role_at(&zones, 98.9, 99.0),
            Some(ZoneRole::Support),
            "the lower is in"
        );
        let endless = [zone(99.0, f64::INFINITY, ZoneRole::Support, 0.9)];
        assert_eq!(role_at(&endless, 200.0, 201.0), None, "no end, no mark");
    }
}
