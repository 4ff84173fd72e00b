//! Hyperliquid perpetuals (every coin a USDC-margined perp sized in the coin): known by its id,
//! for captures; no adapter yet.

use crate::venue::spec::{IdMeaning, PERPETUALS, VenueSpec};

/// Known by its id (captures, config) with no adapter yet.
pub const SPEC: VenueSpec =
    VenueSpec::without_adapter("hyperliquid", "HL", IdMeaning::BasePerpetuals, PERPETUALS);
