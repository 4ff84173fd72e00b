//! CoinEx v2 spot and futures streams (the exchange announced its closing, see
//! `docs/venues.md`): known by its id, for captures; no adapter yet.

use crate::venue::spec::{IdMeaning, SPOT, VenueSpec};

/// Known by its id (captures, config) with no adapter yet.
pub const SPEC: VenueSpec = VenueSpec::without_adapter("coinex", "CEX", IdMeaning::FromId, SPOT);
