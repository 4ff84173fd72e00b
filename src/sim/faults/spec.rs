//! The `--faults` SPEC: which faults to inject, how often, on which venues.
//!
//! ```text
//! SPEC     := CLAUSE (';' CLAUSE)*            "" or "none": no faults
//! CLAUSE   := [VENUES ':'] FAULT (',' FAULT)*  no VENUES: every venue
//! VENUES   := '*' | VENUE ('+' VENUE)*         venue ids: binance, okx, bybit-linear, …
//! FAULT    := KIND '=' RATE ['@' DURATION]     DURATION for slow_ack (default 2s) and
//!                                              shutdown (default 5s)
//! RATE     := a probability in [0, 1], or a percentage (`1%`)
//! KIND     := gap | drop | dup | reorder | checksum        per book update
//!           | corrupt                                      per book update, silent
//!           | disconnect | stall | error | malformed       per message pushed
//!           | shutdown                                     per message pushed: a planned
//!                                                          close, announced DURATION ahead
//!           | slow_ack                                     per subscribe request
//! ```
//!
//! Example: `okx:gap=0.01,checksum=0.01;binance+binance-usdm:drop=0.5%,disconnect=0.001`.
//! A later clause overrides an earlier one for the same venue and kind. A kind a venue cannot
//! have is an error when the venue is named (Binance publishes no checksum; Kraken numbers no
//! messages, so it has no sequence to break; Bybit and Kraken announce no closes) and skipped
//! for that venue under `*`.

use crate::cli::parse_duration;
use crate::market::VenueId;
use crate::sim::dialect::{announces_shutdown, integrity};
use crate::venue::registry::IMPLEMENTED;
use crate::venue::spec::SimSequence;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A kind of fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// A book update's sequence numbers jump forward (as if updates were lost in the venue).
    Gap,
    /// A book update is lost.
    Drop,
    /// A book update is delivered twice.
    Dup,
    /// A book update is held back and delivered after the next one.
    Reorder,
    /// A book update carries a wrong checksum.
    Checksum,
    /// The server closes the connection.
    Disconnect,
    /// The connection stays open but the server sends nothing more.
    Stall,
    /// The venue reports an error on the connection.
    Error,
    /// A frame that is not valid JSON.
    Malformed,
    /// The venue announces that it will close the connection (Binance `serverShutdown`, OKX
    /// notice `64008`), then closes it after the rate's duration.
    Shutdown,
    /// Subscriptions are acknowledged (and start) late.
    SlowAck,
    /// A book update carries one level with a wrong size, its sequence numbers intact: only a
    /// checksum, or a REST audit where there is none, can see it.
    Corrupt,
}

/// What a fault kind's rate counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    BookUpdate,
    Push,
    Subscribe,
}

impl FaultKind {
    pub const ALL: [FaultKind; 12] = [
        FaultKind::Gap,
        FaultKind::Drop,
        FaultKind::Dup,
        FaultKind::Reorder,
        FaultKind::Checksum,
        FaultKind::Disconnect,
        FaultKind::Stall,
        FaultKind::Error,
        FaultKind::Malformed,
        FaultKind::Shutdown,
        FaultKind::SlowAck,
        FaultKind::Corrupt,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            FaultKind::Gap => "gap",
            FaultKind::Drop => "drop",
            FaultKind::Dup => "dup",
            FaultKind::Reorder => "reorder",
            FaultKind::Checksum => "checksum",
            FaultKind::Disconnect => "disconnect",
            FaultKind::Stall => "stall",
            FaultKind::Error => "error",
            FaultKind::Malformed => "malformed",
            FaultKind::Shutdown => "shutdown",
            FaultKind::SlowAck => "slow_ack",
            FaultKind::Corrupt => "corrupt",
        }
    }

    pub const fn scope(self) -> Scope {
        match self {
            FaultKind::Gap
            | FaultKind::Drop
            | FaultKind::Dup
            | FaultKind::Reorder
            | FaultKind::Checksum
            | FaultKind::Corrupt => Scope::BookUpdate,
            FaultKind::Disconnect
            | FaultKind::Stall
            | FaultKind::Error
            | FaultKind::Malformed
            | FaultKind::Shutdown => Scope::Push,
            FaultKind::SlowAck => Scope::Subscribe,
        }
    }

    /// Why `venue` cannot have this fault, if it cannot.
    pub fn unsupported(self, venue: VenueId) -> Option<String> {
        let (sequence, checksum) = integrity(venue);
        match self {
            // Coinbase numbers envelopes per connection, while the simulator's book faults work
            // on each subscription's numbers: a jump, a lost, repeated or late update is not
            // modelled, and no checksum would show it either.
            FaultKind::Gap | FaultKind::Drop | FaultKind::Dup | FaultKind::Reorder
                if sequence == SimSequence::PerConnection && !checksum =>
            {
                Some(format!(
                    "the simulator does not model {venue}'s per-connection count (and {venue} \
                     publishes no checksum), so a {self} fault is not injected there"
                ))
            }
            FaultKind::Gap if sequence == SimSequence::Unnumbered => Some(format!(
                "{venue} numbers no book messages, so there is no sequence to break ({})",
                if checksum {
                    "its checksum catches lost updates: use drop or checksum"
                } else {
                    "every book message is the whole book: use drop, dup or reorder"
                }
            )),
            FaultKind::Checksum if !checksum => Some(format!(
                "{venue} publishes no checksum (checksum faults apply to okx and kraken)"
            )),
            FaultKind::Shutdown if !announces_shutdown(venue) => Some(format!(
                "{venue} announces no planned close (shutdown applies to binance, \
                 binance-usdm and okx)"
            )),
            _ => None,
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How often one fault kind fires, and for how long where it lasts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub probability: f64,
    pub duration: Option<Duration>,
}

/// The default delay of a slow acknowledgement.
pub const SLOW_ACK: Duration = Duration::from_secs(2);

/// The default time between announcing a planned close and closing.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

impl FaultKind {
    /// The duration a rate of this kind carries by default, for the kinds that take one.
    pub const fn default_duration(self) -> Option<Duration> {
        match self {
            FaultKind::SlowAck => Some(SLOW_ACK),
            FaultKind::Shutdown => Some(SHUTDOWN_GRACE),
            _ => None,
        }
    }
}

/// Every venue's fault rates. The default injects nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultSpec {
    venues: BTreeMap<VenueId, BTreeMap<FaultKind, Rate>>,
}

/// A SPEC that does not parse: the offending token and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bad --faults at `{token}`: {reason}")]
pub struct FaultSpecError {
    pub token: String,
    pub reason: String,
}

fn bad(token: &str, reason: impl Into<String>) -> FaultSpecError {
    FaultSpecError {
        token: token.trim().to_owned(),
        reason: reason.into(),
    }
}

impl FaultSpec {
    /// No faults.
    pub fn none() -> Self {
        FaultSpec::default()
    }

    /// The rate of `kind` on `venue` (0 if not configured).
    pub fn rate(&self, venue: VenueId, kind: FaultKind) -> Rate {
        self.venues
            .get(&venue)
            .and_then(|kinds| kinds.get(&kind))
            .copied()
            .unwrap_or(Rate {
                probability: 0.0,
                duration: None,
            })
    }

    /// Whether any fault is configured.
    pub fn is_empty(&self) -> bool {
        self.venues
            .values()
            .all(|kinds| kinds.values().all(|r| r.probability == 0.0))
    }

    /// Set one rate (tests and programmatic storms).
    pub fn with(mut self, venue: VenueId, kind: FaultKind, probability: f64) -> Self {
        let duration = kind.default_duration();
        self.venues.entry(venue).or_default().insert(
            kind,
            Rate {
                probability,
                duration,
            },
        );
        self
    }

    /// The slow acknowledgement delay on `venue`.
    pub fn with_slow_ack(mut self, venue: VenueId, probability: f64, delay: Duration) -> Self {
        self.venues.entry(venue).or_default().insert(
            FaultKind::SlowAck,
            Rate {
                probability,
                duration: Some(delay),
            },
        );
        self
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let mut first = true;
        for (venue, kinds) in &self.venues {
            let kinds: Vec<_> = kinds.iter().filter(|(_, r)| r.probability > 0.0).collect();
            if kinds.is_empty() {
                continue;
            }
            if !first {
                f.write_str(";")?;
            }
            first = false;
            write!(f, "{venue}:")?;
            for (i, (kind, rate)) in kinds.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{kind}={}", rate.probability)?;
                if let Some(d) = rate.duration {
                    write!(f, "@{}ms", d.as_millis())?;
                }
            }
        }
        Ok(())
    }
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut spec = FaultSpec::default();
        let text = text.trim();
        if text.is_empty() || text == "none" {
            return Ok(spec);
        }
        for clause in text.split(';').filter(|c| !c.trim().is_empty()) {
            let (targets, faults) = match clause.split_once(':') {
                Some((venues, faults)) => (venues_of(venues)?, faults),
                None => (None, clause),
            };
            for fault in faults.split(',') {
                let (kind, rate) = fault_of(fault)?;
                match &targets {
                    Some(venues) => {
                        for &venue in venues {
                            if let Some(reason) = kind.unsupported(venue) {
                                return Err(bad(fault, reason));
                            }
                            spec.venues.entry(venue).or_default().insert(kind, rate);
                        }
                    }
                    None => {
                        for &venue in IMPLEMENTED {
                            if kind.unsupported(venue).is_none() {
                                spec.venues.entry(venue).or_default().insert(kind, rate);
                            }
                        }
                    }
                }
            }
        }
        Ok(spec)
    }
}

/// `*` (every venue: `None`) or `a+b+c`.
fn venues_of(text: &str) -> Result<Option<Vec<VenueId>>, FaultSpecError> {
    if text.trim() == "*" {
        return Ok(None);
    }
    text.split('+')
        .map(|v| {
            let venue = v
                .trim()
                .parse::<VenueId>()
                .map_err(|e| bad(v, e.to_string()))?;
            if !IMPLEMENTED.contains(&venue) {
                return Err(bad(v, format!("the simulator does not serve {venue}")));
            }
            Ok(venue)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `kind=rate[@duration]`.
fn fault_of(text: &str) -> Result<(FaultKind, Rate), FaultSpecError> {
    let (kind, value) = text
        .split_once('=')
        .ok_or_else(|| bad(text, "expected KIND=RATE, e.g. gap=0.01"))?;
    let kind = FaultKind::ALL
        .into_iter()
        .find(|k| k.name() == kind.trim())
        .ok_or_else(|| {
            let known: Vec<_> = FaultKind::ALL.iter().map(|k| k.name()).collect();
            bad(kind, format!("unknown fault (known: {})", known.join(", ")))
        })?;
    let (probability, duration) = match value.split_once('@') {
        Some((p, d)) => (p, Some(d)),
        None => (value, None),
    };
    let trimmed = probability.trim();
    let (number, scale) = match trimmed.strip_suffix('%') {
        Some(n) => (n, 0.01),
        None => (trimmed, 1.0),
    };
    let probability = number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|p| p.is_finite())
        .map(|p| p * scale)
        .ok_or_else(|| bad(text, format!("{trimmed:?} is not a number")))?;
    if !(0.0..=1.0).contains(&probability) {
        return Err(bad(
            text,
            format!("rate {trimmed} is not a probability between 0 and 1"),
        ));
    }
    let duration = match (duration, kind.default_duration()) {
        (None, default) => default,
        (Some(d), Some(_)) => Some(parse_duration(d).map_err(|e| bad(text, e))?),
        (Some(_), None) => {
            return Err(bad(
                text,
                format!("{kind} takes no duration (only slow_ack and shutdown do)"),
            ));
        }
    };
    Ok((
        kind,
        Rate {
            probability,
            duration,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> FaultSpecError {
        text.parse::<FaultSpec>().unwrap_err()
    }

    #[test]
    fn the_documented_example_parses() {
        let spec: FaultSpec = "okx:gap=0.01,checksum=0.01;binance:drop=0.005,disconnect=0.001"
            .parse()
            .unwrap();
        assert_eq!(spec.rate(VenueId::Okx, FaultKind::Gap).probability, 0.01);
        assert_eq!(
            spec.rate(VenueId::Okx, FaultKind::Checksum).probability,
            0.01
        );
        assert_eq!(
            spec.rate(VenueId::Binance, FaultKind::Drop).probability,
            0.005
        );
        assert_eq!(spec.rate(VenueId::Kraken, FaultKind::Drop).probability, 0.0);
        assert_eq!(
            spec.to_string(),
            "binance:drop=0.005,disconnect=0.001;okx:gap=0.01,checksum=0.01"
        );
    }

    #[test]
    fn unqualified_faults_apply_where_they_can_and_later_clauses_win() {
        let spec: FaultSpec = "checksum=1%,slow_ack=0.5@250ms; kraken+okx:checksum=0"
            .parse()
            .unwrap();
        assert_eq!(
            spec.rate(VenueId::Binance, FaultKind::Checksum).probability,
            0.0
        );
        assert_eq!(
            spec.rate(VenueId::Kraken, FaultKind::Checksum).probability,
            0.0
        );
        let slow = spec.rate(VenueId::BybitSpot, FaultKind::SlowAck);
        assert_eq!(slow.duration, Some(Duration::from_millis(250)));
        assert!(!spec.is_empty());
        let spec: FaultSpec = "*:gap=0.02".parse().unwrap();
        assert_eq!(
            spec.rate(VenueId::BinanceUsdm, FaultKind::Gap).probability,
            0.02
        );
        assert_eq!(spec.rate(VenueId::Kraken, FaultKind::Gap).probability, 0.0);
        assert!("none".parse::<FaultSpec>().unwrap().is_empty());
        assert!("".parse::<FaultSpec>().unwrap().is_empty());
        assert_eq!(
            "slow_ack=0.1"
                .parse::<FaultSpec>()
                .unwrap()
                .rate(VenueId::Okx, FaultKind::SlowAck)
                .duration,
            Some(SLOW_ACK)
        );
    }

    #[test]
    fn shutdown_takes_a_grace_and_skips_venues_that_announce_no_close() {
        let spec: FaultSpec = "shutdown=0.1%@2s".parse().unwrap();
        let okx = spec.rate(VenueId::Okx, FaultKind::Shutdown);
        assert_eq!(okx.probability, 0.001);
        assert_eq!(okx.duration, Some(Duration::from_secs(2)));
        assert_eq!(
            spec.rate(VenueId::Kraken, FaultKind::Shutdown).probability,
            0.0
        );
        let spec: FaultSpec = "binance:shutdown=1%".parse().unwrap();
        assert_eq!(
            spec.rate(VenueId::Binance, FaultKind::Shutdown).duration,
            Some(SHUTDOWN_GRACE)
        );
    }

    #[test]
    fn parse_errors_name_the_bad_token() {
        let e = err("okx:gap=2");
        assert_eq!(e.token, "gap=2");
        assert!(e.reason.contains("between 0 and 1"), "{e}");
        let e = err("okz:gap=0.1");
        assert_eq!(e.token, "okz");
        assert!(e.to_string().contains("unknown venue"), "{e}");
        let e = err("okx:gapp=0.1");
        assert_eq!(e.token, "gapp");
        assert!(e.reason.contains("known: gap, drop"), "{e}");
        let e = err("okx:gap");
        assert_eq!(
            (e.token.as_str(), e.reason.contains("KIND=RATE")),
            ("gap", true)
        );
        let e = err("binance:checksum=0.1");
        assert_eq!(e.token, "checksum=0.1");
        assert!(e.reason.contains("publishes no checksum"), "{e}");
        let e = err("kraken:gap=0.1");
        assert!(e.reason.contains("no sequence"), "{e}");
        assert!(e.reason.contains("its checksum"), "{e}");
        let e = err("hyperliquid:gap=0.1");
        assert!(e.reason.contains("the whole book"), "{e}");
        assert!(
            err("hyperliquid:checksum=0.1")
                .reason
                .contains("no checksum")
        );
        let e = err("okx:drop=lots");
        assert!(e.reason.contains("not a number"), "{e}");
        let e = err("okx:drop=0.1@2s");
        assert!(e.reason.contains("takes no duration"), "{e}");
        let e = err("okx:slow_ack=0.1@soon");
        assert_eq!(e.token, "slow_ack=0.1@soon");
        assert!(
            err("bybit-spot:shutdown=0.1")
                .reason
                .contains("no planned close")
        );
        let e = err("coinex:drop=0.1");
        assert!(e.reason.contains("does not serve"), "{e}");
        let e = err("coinbase:gap=0.1");
        assert!(e.reason.contains("per-connection count"), "{e}");
        assert!(err("coinbase:reorder=0.1").reason.contains("no checksum"));
        assert!(err("okx:drop=NaN").reason.contains("not a number"));
        assert!(err("okx:drop=-0.1").reason.contains("between 0 and 1"));
    }
}
