//! Fault injection: the SPEC grammar ([`spec`]), the per-connection dice that decide when a
//! fault fires, and the ledger of what was injected and what a client must have seen
//! ([`ledger`]).

pub mod ledger;
pub mod spec;

pub use ledger::{Expected, FaultReport, Ledger, Reveal, Revealed};
pub use spec::{FaultKind, FaultSpec, FaultSpecError, Scope};

use crate::market::VenueId;
use crate::sim::model::rng::Stream;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The faults in force, changeable while the simulator runs (a test ends its storm with
/// [`FaultSpec::none`]).
#[derive(Debug)]
pub struct Faults {
    spec: RwLock<Arc<FaultSpec>>,
    pub ledger: Ledger,
}

impl Faults {
    pub fn new(spec: FaultSpec) -> Self {
        Faults {
            spec: RwLock::new(Arc::new(spec)),
            ledger: Ledger::default(),
        }
    }

    pub fn spec(&self) -> Arc<FaultSpec> {
        self.spec.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Decide and record a fault under the spec in force, holding it: [`Faults::set`] waits
    /// for a decision in progress, so once it returns no fault of the old spec is injected
    /// (a test that calms the storm and then checks the ledger relies on it). `decide` must
    /// not wait on I/O.
    pub fn with_spec<R>(&self, decide: impl FnOnce(&FaultSpec) -> R) -> R {
        decide(&self.spec.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Put `spec` in force; returns once no decision under the previous one is in progress.
    pub fn set(&self, spec: FaultSpec) {
        *self.spec.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(spec);
    }
}

/// One connection's dice: its own seeded stream, so a seed replays the same faults for the
/// same traffic.
#[derive(Debug)]
pub struct Dice {
    venue: VenueId,
    rng: Stream,
}

impl Dice {
    pub fn new(seed: u64, venue: VenueId, conn: u64) -> Self {
        Dice {
            venue,
            rng: Stream::new(seed, &format!("faults:{venue}:{conn}")),
        }
    }

    /// At most one fault among the kinds of `scope` for one opportunity.
    pub fn roll(&mut self, spec: &FaultSpec, scope: Scope) -> Option<FaultKind> {
        let mut u = self.rng.unit();
        for kind in FaultKind::ALL.into_iter().filter(|k| k.scope() == scope) {
            let p = spec.rate(self.venue, kind).probability;
            if u < p {
                return Some(kind);
            }
            u -= p;
        }
        None
    }

    /// A subscribe request's delay, if its acknowledgement is to be slow.
    pub fn slow_ack(&mut self, spec: &FaultSpec) -> Option<Duration> {
        let rate = spec.rate(self.venue, FaultKind::SlowAck);
        (self.rng.unit() < rate.probability).then(|| rate.duration.unwrap_or(spec::SLOW_ACK))
    }

    /// A nonzero value to break a checksum or ids with.
    pub fn nonzero(&mut self) -> u32 {
        (self.rng.unit() * f64::from(u32::MAX)) as u32 | 1
    }

    /// A jump of a few ids.
    pub fn jump(&mut self) -> u64 {
        2 + self.rng.geometric(3.0)
    }

    /// Where to cut a frame to make it malformed: somewhere in its first half.
    pub fn cut(&mut self, len: usize) -> usize {
        1 + self.rng.index((len / 2).max(1))
    }
}
