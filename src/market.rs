//! Normalised market vocabulary shared by every layer: venue ids, sides and the time type.
//!
//! Everything a venue adapter emits is expressed in these terms, so the engine and the UI never
//! see a venue's own spelling of "buy" (which, for liquidations, means opposite things on Binance
//! and Bybit).

use std::fmt;
use std::str::FromStr;

pub use crate::venue::registry::VenueId;

impl fmt::Display for VenueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown venue id, keeping the text so the message can name it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown venue `{0}` (known: {known})", known = known_venues())]
pub struct UnknownVenue(pub String);

fn known_venues() -> String {
    VenueId::ALL.map(VenueId::as_str).join(", ")
}

impl FromStr for VenueId {
    type Err = UnknownVenue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VenueId::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownVenue(s.to_owned()))
    }
}

impl serde::Serialize for VenueId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for VenueId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A side of the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Bid,
    Ask,
}

impl Side {
    pub const fn opposite(self) -> Side {
        match self {
            Side::Bid => Side::Ask,
            Side::Ask => Side::Bid,
        }
    }
}

/// Who took liquidity in a trade: `Buy` means the taker bought (lifted an ask).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TakerSide {
    Buy,
    Sell,
}

impl TakerSide {
    /// `+1` for a taker buy, `-1` for a taker sell (the σ of `docs/metrics.md` §0.1).
    pub const fn sign(self) -> f64 {
        match self {
            TakerSide::Buy => 1.0,
            TakerSide::Sell => -1.0,
        }
    }
}

/// Which position a forced order closed. Venues disagree on what their "side" field means, so
/// adapters map to this at ingest (`docs/metrics.md` §3.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiquidatedPosition {
    Long,
    Short,
}

/// Nanoseconds since the Unix epoch. Local receive times and capture times use it.
pub type Nanos = u64;

/// Milliseconds since the Unix epoch, as exchanges stamp their events.
pub type Millis = i64;

/// The local wall clock in nanoseconds since the Unix epoch.
pub fn now_nanos() -> Nanos {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as Nanos)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venue_ids_round_trip_through_their_strings() {
        for v in VenueId::ALL {
            assert_eq!(v.as_str().parse::<VenueId>(), Ok(v));
        }
        let err = "binanse".parse::<VenueId>().unwrap_err();
        assert!(err.to_string().contains("binanse"));
    }
}
