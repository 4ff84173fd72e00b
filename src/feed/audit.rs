//! [`Audit`]: a periodic proof for books that carry no checksum.
//!
//! Binance, Bybit and (since its checksum became `0`) OKX prove a book's continuity by sequence
//! numbers only, which cannot see a venue that skips or re-sends within its own numbering, or a
//! level corrupted in transit with its numbers intact. So every few minutes each such book
//! fetches a REST snapshot that names the update id it reflects (Binance `lastUpdateId`, OKX
//! `seqId`, Bybit's cross sequence `seq`) and compares it with the local book *at that same id*, over the top levels:
//!
//! - the book is already at the id: compare now;
//! - the book is behind it: keep the snapshot until the stream reaches the id, then compare;
//!   a message that covers ids on both sides of it (`first <= id < last`) is compared too, with
//!   the prices that message touched left out (their state at the id is not knowable);
//! - the stream has passed it (or the book left `Live`): discard it and try again soon.
//!
//! The venue parts are small: the URL ([`crate::feed::protocol::Protocol::audit_url`]) and the
//! id range a message covers ([`crate::feed::protocol::Sequencer::span`]). The driver calls
//! [`Audit::poll`] on its tick, [`Audit::on_snapshot`] for the answer, [`Audit::on_applied`]
//! after each applied message, and acts on the [`Outcome`].

use crate::book::{Book, Level};
use crate::market::{Nanos, Side};
use crate::num::Dec;
use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

/// How often, and how deep, books are audited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditConfig {
    /// Per book; books are staggered over the interval.
    pub every: Duration,
    /// Levels per side compared.
    pub levels: usize,
}

impl AuditConfig {
    /// Five minutes per book: a Binance spot snapshot of 100 levels weighs 5 of the 6,000 a
    /// minute allows, OKX allows 40 book requests per 2 s, Bybit 600 requests per 5 s.
    pub const DEFAULT_EVERY_S: f64 = 300.0;
    /// The interval a config may ask for, seconds (`0` turns audits off).
    pub const EVERY_RANGE_S: RangeInclusive<f64> = 10.0..=86_400.0;
    pub const DEFAULT_LEVELS: usize = 20;
    /// The snapshots fetched carry 100 levels (Binance) or more.
    pub const LEVELS_RANGE: RangeInclusive<usize> = 1..=100;

    pub fn new(every: Duration, levels: usize) -> Self {
        AuditConfig { every, levels }
    }

    /// How soon to try again after a snapshot could not be compared.
    fn retry(&self) -> Duration {
        (self.every / 10).clamp(Duration::from_secs(1), Duration::from_secs(30))
    }
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig::new(
            Duration::from_secs_f64(Self::DEFAULT_EVERY_S),
            Self::DEFAULT_LEVELS,
        )
    }
}

/// One level where the venue's snapshot and the local book disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelDiff {
    pub side: Side,
    pub price: Dec,
    /// `None`: the level is absent there.
    pub venue: Option<Dec>,
    pub local: Option<Dec>,
}

impl fmt::Display for LevelDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let size = |s: Option<Dec>| s.map_or_else(|| "absent".to_owned(), |d| d.to_string());
        let side = match self.side {
            Side::Bid => "bid",
            Side::Ask => "ask",
        };
        write!(
            f,
            "{side} {}: venue {}, local {}",
            self.price,
            size(self.venue),
            size(self.local)
        )
    }
}

/// What an audit found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The top levels agree at the snapshot's id.
    Ok,
    /// They do not: the book must be resynced.
    Mismatch(Vec<LevelDiff>),
    /// The book could not be caught at the snapshot's id; tried again soon.
    Passed,
}

/// A snapshot waiting for the stream to reach its id.
#[derive(Debug)]
struct Held {
    id: u64,
    bids: Vec<Level>,
    asks: Vec<Level>,
}

/// One book's audit state.
#[derive(Debug)]
pub struct Audit {
    url: String,
    cfg: AuditConfig,
    /// When the next snapshot is asked for; set at the first poll, staggered per book.
    due: Option<Nanos>,
    in_flight: bool,
    held: Option<Held>,
    /// The last id the book holds, while live.
    position: Option<u64>,
}

impl Audit {
    pub fn new(url: String, cfg: AuditConfig) -> Self {
        Audit {
            url,
            cfg,
            due: None,
            in_flight: false,
            held: None,
            position: None,
        }
    }

    /// The URL to fetch now, if an audit is due. `stagger` (any number, e.g. a hash of the
    /// instrument) spreads the first audits of a venue's books over the interval.
    pub fn poll(&mut self, live: bool, now: Nanos, stagger: u64) -> Option<String> {
        let every = self.cfg.every.as_nanos() as Nanos;
        let due = *self
            .due
            .get_or_insert_with(|| now + every / 2 + (stagger % 1_000) as Nanos * every / 2_000);
        if !live || self.in_flight || self.held.is_some() || now < due {
            return None;
        }
        self.in_flight = true;
        Some(self.url.clone())
    }

    /// Whether `url` answers this book's audit request.
    pub fn answers(&self, url: &str) -> bool {
        self.in_flight && url == self.url
    }

    /// The book left `Live`: what it held is gone, and a held snapshot cannot be compared.
    pub fn reset(&mut self, now: Nanos) -> Option<Outcome> {
        self.position = None;
        self.held.take().map(|_| self.finish(Outcome::Passed, now))
    }

    /// The request failed: try again after the retry delay.
    pub fn failed(&mut self, now: Nanos) {
        self.in_flight = false;
        self.due = Some(now + self.cfg.retry().as_nanos() as Nanos);
    }

    /// The venue's snapshot at update id `id` (levels in `levels`), against `book`. `None`:
    /// the book is behind the snapshot, which is kept for [`Audit::on_applied`].
    pub fn on_snapshot(
        &mut self,
        id: u64,
        levels: &[(Side, Level)],
        book: &Book,
        now: Nanos,
    ) -> Option<Outcome> {
        self.in_flight = false;
        let (bids, asks) = top_of(levels, self.cfg.levels);
        let held = Held { id, bids, asks };
        let outcome = match self.position {
            Some(at) if at == id => compare(&held, book, &[], self.cfg.levels),
            Some(at) if at < id => {
                self.held = Some(held);
                return None;
            }
            _ => Outcome::Passed,
        };
        Some(self.finish(outcome, now))
    }

    /// A message covering update ids `first..=last` (a snapshot: `first == last`) was applied;
    /// `changed` are its levels. Returns an outcome when it settles a held snapshot.
    pub fn on_applied(
        &mut self,
        span: Option<(u64, u64)>,
        changed: &[(Side, Level)],
        book: &Book,
        now: Nanos,
    ) -> Option<Outcome> {
        self.position = span.map(|(_, last)| last);
        let (first, last) = span?;
        let id = self.held.as_ref()?.id;
        if last < id {
            return None;
        }
        let held = self.held.take()?;
        let outcome = if last == id {
            compare(&held, book, &[], self.cfg.levels)
        } else if first <= id {
            compare(&held, book, changed, self.cfg.levels)
        } else {
            Outcome::Passed
        };
        Some(self.finish(outcome, now))
    }

    fn finish(&mut self, outcome: Outcome, now: Nanos) -> Outcome {
        let wait = match outcome {
            Outcome::Passed => self.cfg.retry(),
            Outcome::Ok | Outcome::Mismatch(_) => self.cfg.every,
        };
        self.due = Some(now + wait.as_nanos() as Nanos);
        outcome
    }
}

/// The best `n` levels of each side of a snapshot's levels (venues send them best first).
fn top_of(levels: &[(Side, Level)], n: usize) -> (Vec<Level>, Vec<Level>) {
    let side = |want: Side| {
        let mut v: Vec<Level> = levels
            .iter()
            .filter(|(s, l)| *s == want && !l.size.is_zero())
            .map(|(_, l)| *l)
            .collect();
        v.sort_by(|a, b| match want {
            Side::Bid => b.price.cmp(&a.price),
            Side::Ask => a.price.cmp(&b.price),
        });
        v.truncate(n);
        v
    };
    (side(Side::Bid), side(Side::Ask))
}

/// The venue's top `n` levels against the local book over the same price range, leaving out
/// the prices in `skip`.
fn compare(held: &Held, book: &Book, skip: &[(Side, Level)], n: usize) -> Outcome {
    let mut diffs = Vec::new();
    for (side, venue) in [(Side::Bid, &held.bids), (Side::Ask, &held.asks)] {
        let skipped = |price: Dec| skip.iter().any(|(s, l)| *s == side && l.price == price);
        // A full snapshot side bounds the range; a shorter one is the venue's whole side.
        let bound = (venue.len() >= n).then(|| venue[venue.len() - 1].price);
        let within = |price: Dec| match (bound, side) {
            (None, _) => true,
            (Some(b), Side::Bid) => price >= b,
            (Some(b), Side::Ask) => price <= b,
        };
        let local: Vec<Level> = book
            .side(side)
            .iter()
            .take_while(|l| within(l.price))
            .take(n + skip.len())
            .copied()
            .collect();
        for v in venue.iter().filter(|v| !skipped(v.price)) {
            let mine = local.iter().find(|l| l.price == v.price).map(|l| l.size);
            if mine != Some(v.size) {
                diffs.push(LevelDiff {
                    side,
                    price: v.price,
                    venue: Some(v.size),
                    local: mine,
                });
            }
        }
        for l in local.iter().filter(|l| !skipped(l.price)) {
            if !venue.iter().any(|v| v.price == l.price) {
                diffs.push(LevelDiff {
                    side,
                    price: l.price,
                    venue: None,
                    local: Some(l.size),
                });
            }
        }
    }
    if diffs.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Mismatch(diffs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::DepthModel;

    fn lv(side: Side, price: &str, size: &str) -> (Side, Level) {
        (
            side,
            Level {
                price: Dec::parse(price).unwrap(),
                size: Dec::parse(size).unwrap(),
            },
        )
    }

    fn book(levels: &[(Side, Level)]) -> Book {
        let mut b = Book::new(DepthModel::SnapshotThenDiffs);
        let of = |want| {
            levels
                .iter()
                .filter(move |(s, _)| *s == want)
                .map(|(_, l)| *l)
        };
        b.load_snapshot(of(Side::Bid), of(Side::Ask), None);
        b
    }

    fn audit() -> Audit {
        Audit::new("rest".into(), AuditConfig::new(Duration::from_secs(60), 2))
    }

    const SEC: Nanos = 1_000_000_000;

    #[test]
    fn requests_are_staggered_and_one_at_a_time() {
        let mut a = audit();
        assert_eq!(
            a.poll(true, 0, 0),
            None,
            "the first is due after half an interval"
        );
        assert_eq!(a.poll(true, 30 * SEC, 0).as_deref(), Some("rest"));
        assert_eq!(a.poll(true, 31 * SEC, 0), None, "in flight");
        assert!(a.answers("rest"));
        let mut b = audit();
        assert_eq!(b.poll(true, 0, 999), None);
        assert_eq!(b.poll(true, 40 * SEC, 999), None, "staggered later");
        assert_eq!(b.poll(false, 60 * SEC, 999), None, "only live books");
        assert!(b.poll(true, 60 * SEC, 999).is_some());
    }

    #[test]
    fn a_snapshot_at_the_books_id_is_compared_over_the_top_levels() {
        let local = [
            lv(Side::Bid, "100", "1"),
            lv(Side::Bid, "99", "2"),
            lv(Side::Bid, "98", "3"),
            lv(Side::Ask, "101", "1"),
            lv(Side::Ask, "102", "5"),
        ];
        let b = book(&local);
        let mut a = audit();
        a.on_applied(Some((7, 7)), &[], &b, 0);
        // Only the top 2 are compared: the 98 bid is beyond the range.
        let venue = [
            lv(Side::Bid, "100", "1"),
            lv(Side::Bid, "99", "2"),
            lv(Side::Ask, "101", "1"),
            lv(Side::Ask, "102", "5"),
            lv(Side::Ask, "103", "9"),
        ];
        assert_eq!(a.on_snapshot(7, &venue, &b, 0), Some(Outcome::Ok));

        let corrupted = [
            lv(Side::Bid, "100", "1"),
            lv(Side::Bid, "99", "2.5"),
            lv(Side::Ask, "101", "1"),
        ];
        let Some(Outcome::Mismatch(diffs)) = a.on_snapshot(7, &corrupted, &b, 0) else {
            panic!("a size differs");
        };
        let shown: Vec<String> = diffs.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "bid 99: venue 2.5, local 2",
                "ask 102: venue absent, local 5"
            ]
        );
    }

    #[test]
    fn a_snapshot_ahead_of_the_book_waits_for_the_stream_and_one_behind_is_dropped() {
        let b = book(&[lv(Side::Bid, "100", "1"), lv(Side::Ask, "101", "1")]);
        let venue = [lv(Side::Bid, "100", "1"), lv(Side::Ask, "101", "1")];
        let mut a = audit();
        a.on_applied(Some((1, 5)), &[], &b, 0);
        assert_eq!(a.on_snapshot(9, &venue, &b, 0), None, "held");
        assert_eq!(a.on_applied(Some((6, 8)), &[], &b, 0), None, "still behind");
        assert_eq!(a.on_applied(Some((9, 9)), &[], &b, 0), Some(Outcome::Ok));

        // The stream already passed 9.
        a.on_applied(Some((10, 12)), &[], &b, 0);
        assert_eq!(a.on_snapshot(9, &venue, &b, 0), Some(Outcome::Passed));
        assert!(a.held.is_none());
    }

    #[test]
    fn a_message_straddling_the_id_is_compared_without_the_prices_it_touched() {
        // The book after a message covering 8..=12; the snapshot is at 10, before the 100 bid
        // changed to 4: that price is unknowable at 10 and left out, the rest must agree.
        let b = book(&[
            lv(Side::Bid, "100", "4"),
            lv(Side::Bid, "99", "2"),
            lv(Side::Ask, "101", "1"),
        ]);
        let venue = [
            lv(Side::Bid, "100", "1"),
            lv(Side::Bid, "99", "2"),
            lv(Side::Ask, "101", "1"),
        ];
        let mut a = audit();
        a.on_applied(Some((1, 7)), &[], &b, 0);
        assert_eq!(a.on_snapshot(10, &venue, &b, 0), None);
        let touched = [lv(Side::Bid, "100", "4")];
        assert_eq!(
            a.on_applied(Some((8, 12)), &touched, &b, 0),
            Some(Outcome::Ok)
        );
        // Without the exclusion the same books differ.
        a.on_applied(Some((13, 13)), &[], &b, 0);
        assert!(matches!(
            a.on_snapshot(13, &venue, &b, 0),
            Some(Outcome::Mismatch(_))
        ));
    }
}
