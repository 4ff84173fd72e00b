//! What a backfill asks a venue for: one [`Request`] per page, planned up front from the time
//! span (every endpoint used pages by time, so no page depends on the previous answer), with the
//! weight each costs against the venue's documented limits.

use std::time::Duration;

use crate::feed::event::BookKey;
use crate::instrument::Instrument;
use crate::market::Millis;

use super::series::{BookHistory, RatioKind};

pub const MINUTE: Millis = 60_000;
pub const HOUR: Millis = 3_600_000;

/// The kind of history one request fetches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// 1-minute candles.
    Candles,
    /// Aggregated trades (a sample of one hour, or the most recent ones).
    Trades,
    OpenInterest,
    Funding,
    LongShort(RatioKind),
    TakerVolume,
}

impl Endpoint {
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::Candles => "candles",
            Endpoint::Trades => "trades",
            Endpoint::OpenInterest => "open interest",
            Endpoint::Funding => "funding",
            Endpoint::LongShort(_) => "long/short ratio",
            Endpoint::TakerVolume => "taker volume",
        }
    }
}

/// One page to fetch.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub key: BookKey,
    pub endpoint: Endpoint,
    pub url: String,
    /// Cost against [`Limits::budget`].
    pub weight: u32,
}

/// A venue's request budget as a backfill uses it: at most `budget` weight per `per`, at most
/// `in_flight` requests at once. Budgets are a fraction of the venue's documented limit, so a
/// backfill leaves room for the live feed's own REST calls (depth snapshots, polls).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub budget: u32,
    pub per: Duration,
    pub in_flight: usize,
}

/// How one venue's history is fetched and read.
#[derive(Clone, Copy)]
pub struct HistorySource {
    /// The pages covering `[from, to)` for one instrument, given the REST base.
    pub plan: fn(base: &str, inst: &Instrument, from: Millis, to: Millis) -> Vec<Request>,
    /// Reads one page's body into the book's history; returns the rows taken.
    pub parse: fn(
        req: &Request,
        inst: &Instrument,
        body: &str,
        into: &mut BookHistory,
    ) -> Result<usize, String>,
    pub limits: Limits,
}

/// `[from, to)` cut into pages of at most `step` ms, oldest first.
pub fn pages(from: Millis, to: Millis, step: Millis) -> impl Iterator<Item = (Millis, Millis)> {
    let step = step.max(1);
    (0..)
        .map(move |k| from + k * step)
        .take_while(move |start| *start < to)
        .map(move |start| (start, (start + step).min(to)))
}

/// The start of each hour that overlaps `[from, to)`, clipped to the span.
pub fn hours(from: Millis, to: Millis) -> impl Iterator<Item = (Millis, Millis)> {
    let first = from.div_euclid(HOUR) * HOUR;
    pages(first, to, HOUR).map(move |(a, b)| (a.max(from), b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_the_span_without_overlap() {
        let p: Vec<_> = pages(0, 25, 10).collect();
        assert_eq!(p, [(0, 10), (10, 20), (20, 25)]);
        assert_eq!(pages(5, 5, 10).count(), 0);
        let h: Vec<_> = hours(HOUR / 2, 2 * HOUR + 1).collect();
        assert_eq!(
            h,
            [(HOUR / 2, HOUR), (HOUR, 2 * HOUR), (2 * HOUR, 2 * HOUR + 1)]
        );
    }
}
