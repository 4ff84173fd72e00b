//! Exact numbers from the wire.

mod decimal;

pub(crate) use decimal::scan_unsigned;
pub use decimal::{Dec, DecError, DecErrorKind, MAX_SCALE, MAX_WIRE_LEN};
