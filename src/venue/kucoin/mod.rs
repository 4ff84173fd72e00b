//! KuCoin: Pro/UTA tokenless sockets (`obu`) and classic token sockets (`level2`).

pub mod sync;

use crate::venue::spec::{IdMeaning, SPOT_AND_PERPETUALS, VenueSpec};

/// Known by its id (captures, config) with no adapter yet.
pub const SPEC: VenueSpec =
    VenueSpec::without_adapter("kucoin", "KUC", IdMeaning::FromId, SPOT_AND_PERPETUALS);
