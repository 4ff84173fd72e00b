//! Bitget classic v2 (and UTA v3) public streams.

pub mod sync;

use crate::venue::spec::{IdMeaning, SPOT_AND_PERPETUALS, VenueSpec};

/// Known by its id (captures, config) with no adapter yet.
pub const SPEC: VenueSpec =
    VenueSpec::without_adapter("bitget", "BGT", IdMeaning::FromId, SPOT_AND_PERPETUALS);
