//! Deribit v2 JSON-RPC streams.

pub mod sync;

use crate::venue::spec::{IdMeaning, PERPETUALS, VenueSpec};

/// Known by its id (captures, config) with no adapter yet.
pub const SPEC: VenueSpec =
    VenueSpec::without_adapter("deribit", "DRB", IdMeaning::FromId, PERPETUALS);
