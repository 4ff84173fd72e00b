//! §10.2 layering: within 1 s, at least 3 distinct levels on the same side (in §10.1's band, not
//! the touch) receive adds each ≥ θ/2, and at least 2/3 of them flicker (§10.1's rule) within τ.
//! The score is the layered flicker notional over all such add notional on that side in W.
//!
//! Fed by the phantom tracker's episodes ([`PhantomTracker`](crate::features::phantom)), which
//! opens one for every add ≥ θ/2 and classifies it: this module only groups classified adds by
//! side and time. A cluster is judged once every add that could belong to it is classified
//! (τ after its last possible member), so the score runs τ + 1 s behind the book. Adds are
//! windowed by their add time. The denominator counts the same θ/2 adds the rule groups (with θ
//! it would be empty in §10.2's own test, whose adds are all θ/2 < size < θ).

use std::collections::VecDeque;

use smallvec::SmallVec;

use crate::features::window::{ObservedSince, RollingSum};
use crate::market::{Millis, Side};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayeringConfig {
    /// Adds this close in time form one cluster (1 s).
    pub span: Millis,
    pub min_levels: usize,
    /// Share of a cluster's adds that must flicker.
    pub flicker_share: f64,
    /// Score window W (§10.1's).
    pub window: Millis,
    /// Classification delay τ (§10.1's).
    pub tau: Millis,
}

impl Default for LayeringConfig {
    fn default() -> Self {
        LayeringConfig {
            span: 1_000,
            min_levels: 3,
            flicker_share: 2.0 / 3.0,
            window: 60_000,
            tau: 3_000,
        }
    }
}

/// A classified add of at least θ/2, as the phantom tracker hands it over.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassifiedAdd {
    pub t_add: Millis,
    pub side: Side,
    pub key: i64,
    pub price: f64,
    pub added: f64,
    pub flicker: bool,
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    add: ClassifiedAdd,
    layered: bool,
}

/// The last cluster judged layered: its adds, for the evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerCluster {
    pub side: Side,
    pub adds: Vec<ClassifiedAdd>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LayeringReading {
    /// Max over the two sides of `layered flicker notional / θ/2-add notional` in W; 0 with no
    /// adds; `None` in warm-up.
    pub score: Option<f64>,
    pub layered_notional: [f64; 2],
    pub last_cluster: Option<LayerCluster>,
}

/// Adds held per side while their clusters wait to be judged (a hostile feed cannot grow it).
const MAX_PENDING: usize = 4096;
/// Adds looked at from one cluster start.
const MAX_CLUSTER: usize = 64;

const LAYERED_BID: usize = 0;
const ALL_BID: usize = 1;
const LAYERED_ASK: usize = 2;
const ALL_ASK: usize = 3;

#[derive(Clone, Debug)]
pub struct Layering {
    cfg: LayeringConfig,
    /// Per side `[bid, ask]`, ordered by add time.
    pending: [VecDeque<Pending>; 2],
    window: RollingSum<4>,
    last_cluster: Option<LayerCluster>,
    observed: ObservedSince,
}

fn index(side: Side) -> usize {
    match side {
        Side::Bid => 0,
        Side::Ask => 1,
    }
}

impl Layering {
    pub fn new(cfg: LayeringConfig) -> Self {
        Layering {
            cfg,
            pending: [VecDeque::new(), VecDeque::new()],
            window: RollingSum::new(cfg.window),
            last_cluster: None,
            observed: ObservedSince::default(),
        }
    }

    pub fn observe(&mut self, t: Millis) {
        self.observed.observe(t);
    }

    /// An episode of the phantom tracker was classified.
    pub fn on_classified(&mut self, add: ClassifiedAdd) {
        let q = &mut self.pending[index(add.side)];
        if q.len() == MAX_PENDING {
            q.pop_front();
        }
        // Classification order is not add order (a resolved episode settles before τ).
        let at = q
            .iter()
            .rposition(|p| p.add.t_add <= add.t_add)
            .map_or(0, |i| i + 1);
        q.insert(
            at,
            Pending {
                add,
                layered: false,
            },
        );
    }

    /// Open episodes were dropped (resync): adds still waiting can no longer be grouped with
    /// their neighbours and are windowed as they are.
    pub fn reset(&mut self) {
        for side in 0..2 {
            while let Some(p) = self.pending[side].pop_front() {
                self.commit(p);
            }
        }
    }

    /// Judges the clusters whose members are all classified by `now`.
    fn advance(&mut self, now: Millis) {
        let horizon = now - self.cfg.tau - self.cfg.span;
        loop {
            let fronts = [0, 1].map(|s| self.pending[s].front().map(|p| p.add.t_add));
            let side = match fronts {
                [Some(b), Some(a)] => usize::from(a < b),
                [Some(_), None] => 0,
                [None, Some(_)] => 1,
                [None, None] => break,
            };
            if fronts[side].is_some_and(|t| t > horizon) {
                break;
            }
            self.judge_cluster(side);
            if let Some(p) = self.pending[side].pop_front() {
                self.commit(p);
            }
        }
        self.window.advance(now);
    }

    /// The adds within `span` of the side's oldest pending add form a cluster.
    fn judge_cluster(&mut self, side: usize) {
        let q = &mut self.pending[side];
        let Some(start) = q.front().map(|p| p.add.t_add) else {
            return;
        };
        let n = q
            .iter()
            .take(MAX_CLUSTER)
            .take_while(|p| p.add.t_add - start <= self.cfg.span)
            .count();
        let mut keys: SmallVec<[i64; 8]> = SmallVec::new();
        let mut flickers = 0;
        for p in q.iter().take(n) {
            if !keys.contains(&p.add.key) {
                keys.push(p.add.key);
            }
            flickers += usize::from(p.add.flicker);
        }
        let layered = keys.len() >= self.cfg.min_levels
            && flickers as f64 >= self.cfg.flicker_share * n as f64 - 1e-9;
        if !layered {
            return;
        }
        let mut adds = Vec::with_capacity(n);
        for p in q.iter_mut().take(n) {
            p.layered = true;
            adds.push(p.add);
        }
        self.last_cluster = Some(LayerCluster {
            side: adds[0].side,
            adds,
        });
    }

    fn commit(&mut self, p: Pending) {
        let notional = p.add.price * p.add.added;
        let layered = if p.layered && p.add.flicker {
            notional
        } else {
            0.0
        };
        let mut v = [0.0; 4];
        match p.add.side {
            Side::Bid => (v[LAYERED_BID], v[ALL_BID]) = (layered, notional),
            Side::Ask => (v[LAYERED_ASK], v[ALL_ASK]) = (layered, notional),
        }
        self.window.push(p.add.t_add, v);
    }

    pub fn reading(&mut self, now: Millis) -> LayeringReading {
        self.advance(now);
        let s = self.window.sums();
        let share = |layered: f64, all: f64| if all > 0.0 { layered / all } else { 0.0 };
        let score = share(s[LAYERED_BID], s[ALL_BID]).max(share(s[LAYERED_ASK], s[ALL_ASK]));
        LayeringReading {
            score: self
                .observed
                .warm(now, self.cfg.window)
                .then_some(score.clamp(0.0, 1.0)),
            layered_notional: [s[LAYERED_BID], s[LAYERED_ASK]],
            last_cluster: self.last_cluster.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(t: Millis, side: Side, key: i64, flicker: bool) -> ClassifiedAdd {
        ClassifiedAdd {
            t_add: t,
            side,
            key,
            price: key as f64 / 10.0,
            added: 6.0,
            flicker,
        }
    }

    #[test]
    fn two_of_three_flickering_is_enough_and_one_level_is_not_three() {
        let mut l = Layering::new(LayeringConfig::default());
        l.observe(0);
        l.on_classified(add(0, Side::Ask, 1001, true));
        l.on_classified(add(300, Side::Ask, 1002, true));
        l.on_classified(add(600, Side::Ask, 1003, false));
        // The same level three times on the bid side: not layering.
        for t in [0, 100, 200] {
            l.on_classified(add(t, Side::Bid, 997, true));
        }
        let r = l.reading(40_000);
        let expected = 6.0 * (100.1 + 100.2) / (6.0 * (100.1 + 100.2 + 100.3));
        assert!((r.score.unwrap() - expected).abs() < 1e-12);
        assert_eq!(r.layered_notional[0], 0.0);
        assert_eq!(r.last_cluster.unwrap().adds.len(), 3);
    }

    #[test]
    fn adds_more_than_a_second_apart_are_not_one_cluster() {
        let mut l = Layering::new(LayeringConfig::default());
        l.observe(0);
        for (i, t) in [0, 800, 1600].into_iter().enumerate() {
            l.on_classified(add(t, Side::Bid, 990 - i as i64, true));
        }
        assert_eq!(
            l.reading(20_000).score,
            None,
            "W = 60 s is not half covered"
        );
        let r = l.reading(40_000);
        assert_eq!(r.score, Some(0.0));
        assert!(r.last_cluster.is_none());
    }
}
