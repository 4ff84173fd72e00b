//! Gate v4 spot and futures streams.

pub mod sync;

use crate::venue::spec::{IdMeaning, SPOT_AND_PERPETUALS, VenueSpec};

/// Known by its id (captures, config) with no adapter yet.
pub const SPEC: VenueSpec =
    VenueSpec::without_adapter("gate", "GATE", IdMeaning::FromId, SPOT_AND_PERPETUALS);
