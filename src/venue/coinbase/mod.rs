//! Coinbase Advanced Trade market data stream.

pub mod sync;

use crate::venue::spec::{IdMeaning, SPOT, VenueSpec};

/// Known by its id (captures, config) with no adapter yet.
pub const SPEC: VenueSpec = VenueSpec::without_adapter("coinbase", "CB", IdMeaning::FromId, SPOT);
