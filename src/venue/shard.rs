//! Instruments spread over several connections where one connection may carry only so many
//! channels (Bitget 1,000, KuCoin 300 topics): the plan is made once from the first list (the
//! driver keeps one slot per connection), each connection takes a consecutive share, and an
//! instrument added later goes to a stable connection picked from its id.

use crate::feed::adapter::ConnId;
use crate::instrument::Instrument;
use std::cell::OnceCell;
use std::collections::HashMap;

/// Which connection serves which instrument.
#[derive(Debug)]
pub struct ConnPlan {
    conns: usize,
    of: HashMap<String, ConnId>,
}

impl ConnPlan {
    /// `instruments` over as few connections as hold them at `channels` each (at most
    /// `per_conn` channels a connection), shared out evenly.
    pub fn new(instruments: &[Instrument], channels: usize, per_conn: usize) -> Self {
        let per_conn = (per_conn / channels.max(1)).max(1);
        let conns = instruments.len().div_ceil(per_conn).max(1);
        let per_conn = instruments.len().div_ceil(conns).max(1);
        let of = instruments
            .iter()
            .enumerate()
            .map(|(n, i)| (i.id.clone(), n / per_conn))
            .collect();
        ConnPlan { conns, of }
    }

    pub fn conns(&self) -> usize {
        self.conns
    }

    /// The connection serving `id`: its planned one, or for an instrument added later a stable
    /// spread over the connections.
    pub fn conn_of(&self, id: &str) -> ConnId {
        self.of.get(id).copied().unwrap_or_else(|| {
            let hash = id.bytes().fold(0_usize, |h, b| {
                h.wrapping_mul(31).wrapping_add(usize::from(b))
            });
            hash % self.conns
        })
    }
}

/// A venue's plan, made at the first call and fixed after.
#[derive(Debug, Default)]
pub struct Planned(OnceCell<ConnPlan>);

impl Planned {
    /// The plan, made from `instruments` if there is none yet.
    pub fn get_or_make(
        &self,
        instruments: &[Instrument],
        channels: usize,
        per_conn: usize,
    ) -> &ConnPlan {
        self.0
            .get_or_init(|| ConnPlan::new(instruments, channels, per_conn))
    }

    /// The connection serving `id`; 0 before the plan is made.
    pub fn conn_of(&self, id: &str) -> ConnId {
        self.0.get().map_or(0, |p| p.conn_of(id))
    }
}
