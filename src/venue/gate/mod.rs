//! Gate v4 spot and futures streams.

pub mod sync;

use crate::venue::spec::{IdMeaning, VenueSpec};

/// Known by its id (captures, config) with no adapter yet.
pub const SPEC: VenueSpec = VenueSpec::without_adapter("gate", "GATE", IdMeaning::FromId);
