//! Exact numbers from the wire.

mod decimal;

pub use decimal::{Dec, DecError, DecErrorKind, MAX_SCALE, MAX_WIRE_LEN, parse_f64};
pub(crate) use decimal::{low_bytes, scan_unsigned};
