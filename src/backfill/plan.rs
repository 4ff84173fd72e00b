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

/// How one series' requests cut the span `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paging {
    /// Pages of at most this many ms, oldest first.
    Every(Millis),
    /// One page per hour overlapping the span (a sample of each hour's trades).
    Hourly,
    /// One request for the whole span.
    Once,
}

/// One series a venue serves: its endpoint, how it pages, what each page costs, and its path
/// after the REST base with placeholders each page fills in: `{id}` the instrument, `{ccy}`
/// its base currency, `{start}` and `{end}` the page's span in ms (`{end}` exclusive, `{last}`
/// = `{end}` − 1, `{before}` = `{start}` − 1), and `{funding_from}` = `{start}` − 8 h (the
/// funding rate in force when the span starts settled up to 8 h before it).
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub endpoint: Endpoint,
    pub paging: Paging,
    pub weight: u32,
    pub path: String,
}

impl Series {
    pub fn new(endpoint: Endpoint, paging: Paging, weight: u32, path: impl Into<String>) -> Self {
        Series {
            endpoint,
            paging,
            weight,
            path: path.into(),
        }
    }
}

/// How long before the span a funding history starts.
const FUNDING_LOOKBACK: Millis = 8 * HOUR;

/// The pages of every series, series by series, each oldest first.
fn plan(
    base: &str,
    inst: &Instrument,
    from: Millis,
    to: Millis,
    series: &[Series],
) -> Vec<Request> {
    let key = BookKey::new(inst.venue, &inst.id);
    let mut out = Vec::new();
    for s in series {
        let spans: Vec<(Millis, Millis)> = match s.paging {
            Paging::Every(step) => pages(from, to, step).collect(),
            Paging::Hourly => hours(from, to).collect(),
            Paging::Once => vec![(from, to)],
        };
        out.extend(spans.into_iter().map(|(a, b)| Request {
            key: key.clone(),
            endpoint: s.endpoint,
            url: format!("{base}{}", fill(&s.path, inst, a, b)),
            weight: s.weight,
        }));
    }
    out
}

fn fill(path: &str, inst: &Instrument, start: Millis, end: Millis) -> String {
    [
        ("{id}", inst.id.to_string()),
        ("{ccy}", inst.base.to_string()),
        ("{start}", start.to_string()),
        ("{end}", end.to_string()),
        ("{last}", (end - 1).to_string()),
        ("{before}", (start - 1).to_string()),
        ("{funding_from}", (start - FUNDING_LOOKBACK).to_string()),
    ]
    .iter()
    .fold(path.to_owned(), |p, (k, v)| p.replace(k, v))
}

/// How one venue's history is fetched and read.
#[derive(Clone, Copy, Debug)]
pub struct HistorySource {
    /// The series the venue serves for one instrument.
    pub series: fn(inst: &Instrument) -> Vec<Series>,
    /// Reads one page's body into the book's history; returns the rows taken.
    pub parse: fn(
        req: &Request,
        inst: &Instrument,
        body: &str,
        into: &mut BookHistory,
    ) -> Result<usize, String>,
    pub limits: Limits,
}

impl HistorySource {
    /// The pages covering `[from, to)` for one instrument, given the REST base.
    pub fn plan(&self, base: &str, inst: &Instrument, from: Millis, to: Millis) -> Vec<Request> {
        plan(base, inst, from, to, &(self.series)(inst))
    }
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
