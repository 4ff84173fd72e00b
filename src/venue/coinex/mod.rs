//! CoinEx v2 spot and futures streams: known by its id, for captures. No adapter: the exchange
//! ceased trading (`docs/venues.md`).

use crate::venue::spec::{IdMeaning, SPOT, VenueSpec};

/// Why there is no adapter: the notice of an orderly cessation of operations (2026-09-14, in
/// CoinEx's API documentation) ended futures trading on 2026-09-22 and spot on 2026-09-29.
pub const NO_ADAPTER: &str = "CoinEx ceased trading: futures on 2026-09-22, spot on 2026-09-29";

/// Known by its id (captures, config), with no adapter.
pub const SPEC: VenueSpec = VenueSpec::without_adapter("coinex", "CEX", IdMeaning::FromId, SPOT);
