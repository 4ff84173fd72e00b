//! One subscriber's book stream, the same for every venue: the venue's view of the book at the
//! subscribed depth, diffed into deltas; the venue's sequence numbers and checksum; book faults;
//! and exact bookkeeping of what each fault will make the client see.
//!
//! A book fault is injected only while the client's book is in sync (`Armed`), one at a time,
//! so its consequence is known: on venues that number their messages the next message (or this
//! one, for a jump in the ids or a wrong checksum) reveals it; on Kraken, whose only check is the
//! checksum, a shadow of the client's book (what it was actually sent) tells exactly which later
//! message's checksum will disagree, or that the fault healed unseen; on Hyperliquid, whose
//! every push is the whole view, a copy or an overtaken push is stale and a lost one harmless.
//! After a revealed fault the stream waits for the client's resync (a new subscription, or for
//! REST-synced Binance books a new snapshot) before it injects again.

use crate::book::{Book, DepthModel, Level, checksum};
use crate::feed::sync::ChecksumKind;
use crate::market::{Millis, Side, VenueId};
use crate::sim::catalog::{BookId, INSTRUMENTS};
use crate::sim::dialect::{BookFeed, BookMsg, SeqScheme};
use crate::sim::faults::{Dice, FaultKind, FaultSpec, Ledger, Reveal, Scope};
use crate::sim::market::{BookTick, Market, Mirror};
use std::collections::VecDeque;

/// What a connection needs to inject and account for book faults.
pub struct FaultCtx<'a> {
    pub dice: &'a mut Dice,
    pub spec: &'a FaultSpec,
    pub ledger: &'a Ledger,
    pub market: &'a Market,
}

/// Where the client's copy of the book stands, as far as the server can tell.
#[derive(Debug)]
enum Integrity {
    /// A REST-synced client is joining a snapshot to the stream: `mark` counts the snapshots
    /// served before it asked, `queue` holds the ids (`U`, `u`) of deltas sent since, not yet
    /// judged against its snapshot.
    Joining {
        mark: usize,
        queue: VecDeque<(u64, u64)>,
        snapshot: Option<u64>,
    },
    /// In sync: a fault may be injected.
    Armed,
    /// An update was lost; the next one reveals it.
    Lost,
    /// An update is held back to follow the next one.
    Holding(Box<BookMsg>),
    /// Kraken: the client's book differs from the venue's (or a checksum is about to be
    /// wrong); the shadow tells when a checksum reveals it.
    Diverged(FaultKind),
    /// Revealed; the client is resubscribing.
    Faulted,
}

impl Integrity {
    /// Joining the next REST snapshot served for `book`.
    fn joining(market: &Market, book: BookId) -> Self {
        Integrity::Joining {
            mark: served(market, book).len(),
            queue: VecDeque::new(),
            snapshot: None,
        }
    }
}

/// One subscription to one book.
#[derive(Debug)]
pub struct BookStream {
    pub book: BookId,
    venue: VenueId,
    instrument: &'static str,
    /// `None`: every change of the full book (Binance's diff stream).
    depth: Option<usize>,
    feed: BookFeed,
    /// The view as last published, best first.
    bids: Vec<Level>,
    asks: Vec<Level>,
    /// Bybit's `u`.
    counter: u64,
    /// OKX: the `seqId` last sent.
    last_sent: u64,
    /// Hyperliquid: the `time` last stamped, so a later push is never stamped earlier.
    last_time: Millis,
    state: Integrity,
    /// Checksum-only venues: the client's book, built from what it was actually sent.
    shadow: Option<Book>,
    scratch: Vec<u8>,
}

impl BookStream {
    /// A subscription starting now; snapshot venues call [`BookStream::snapshot`] next.
    pub fn new(book: BookId, depth: Option<usize>, feed: BookFeed, market: &Market) -> Self {
        let inst = &INSTRUMENTS[book];
        let state = if feed.scheme.rest_synced() {
            Integrity::joining(market, book)
        } else {
            Integrity::Armed
        };
        BookStream {
            book,
            venue: inst.venue,
            instrument: inst.id,
            depth,
            feed,
            bids: Vec::new(),
            asks: Vec::new(),
            counter: 0,
            last_sent: 0,
            last_time: Millis::MIN,
            state,
            shadow: None,
            scratch: Vec::with_capacity(1024),
        }
    }

    /// Whether no fault is pending here, so the connection may be dropped or stalled without
    /// losing track of one.
    pub fn settled(&self) -> bool {
        matches!(self.state, Integrity::Armed | Integrity::Faulted)
    }

    /// The stream ends (its connection closed or it was unsubscribed): a fault injected here
    /// that nothing has revealed yet never will be.
    pub fn supersede(&self, ledger: &Ledger) {
        let unrevealed = matches!(
            self.state,
            Integrity::Lost | Integrity::Holding(_) | Integrity::Diverged(_)
        );
        ledger.superseded(self.venue, self.instrument, u64::from(unrevealed));
    }

    fn view(&self, mirror: &Book) -> (Vec<Level>, Vec<Level>) {
        let n = self.depth.unwrap_or(usize::MAX);
        (
            mirror.top(Side::Bid, n).copied().collect(),
            mirror.top(Side::Ask, n).copied().collect(),
        )
    }

    /// The checksum of the view as last published, if the venue computes one here.
    fn checksum(&mut self) -> Option<u32> {
        match self.feed.checksum? {
            ChecksumKind::Kraken => {
                Some(checksum::kraken(&self.asks, &self.bids, &mut self.scratch))
            }
            ChecksumKind::Interleaved25 => Some(checksum::interleaved_25(
                &self.bids,
                &self.asks,
                &mut self.scratch,
            )),
            ChecksumKind::None | ChecksumKind::Coinex => None,
        }
    }

    /// The snapshot a new subscription starts with (Bybit, OKX, Kraken).
    pub fn snapshot(&mut self, mirror: &Mirror, time: Millis) -> BookMsg {
        (self.bids, self.asks) = self.view(&mirror.book);
        self.counter = mirror.head;
        self.last_sent = mirror.head;
        let msg = self.whole_view(mirror, time);
        if self.feed.scheme == SeqScheme::None {
            let mut shadow = Book::new(DepthModel::Maintained(self.depth.unwrap_or(usize::MAX)));
            shadow.load_snapshot(
                msg.bids.iter().copied(),
                msg.asks.iter().copied(),
                self.depth,
            );
            self.shadow = Some(shadow);
        }
        self.state = Integrity::Armed;
        msg
    }

    /// The view as last published, as a snapshot message.
    fn whole_view(&mut self, mirror: &Mirror, time: Millis) -> BookMsg {
        BookMsg {
            book: self.book,
            depth: self.depth,
            snapshot: true,
            bids: self.bids.clone(),
            asks: self.asks.clone(),
            first: mirror.head,
            last: mirror.head,
            prev: None,
            checksum: self.checksum(),
            time: self.stamp(time),
            head: mirror.head,
        }
    }

    /// `time`, or just after the last one stamped where the venue's times only increase.
    fn stamp(&mut self, time: Millis) -> Millis {
        if self.feed.scheme != SeqScheme::Snapshots {
            return time;
        }
        self.last_time = time.max(self.last_time.saturating_add(1));
        self.last_time
    }

    /// Hyperliquid: the whole view again if it changed.
    fn next_snapshot(&mut self, mirror: &Mirror, time: Millis) -> Option<BookMsg> {
        let (bids, asks) = self.view(&mirror.book);
        if bids == self.bids && asks == self.asks {
            return None;
        }
        (self.bids, self.asks) = (bids, asks);
        Some(self.whole_view(mirror, time))
    }

    /// The delta for one tick, as the venue publishes it (before faults); `None` if the view
    /// did not change.
    fn next_delta(&mut self, mirror: &Mirror, tick: &BookTick, time: Millis) -> Option<BookMsg> {
        if self.feed.scheme == SeqScheme::Snapshots {
            return self.next_snapshot(mirror, time);
        }
        let (bids, asks, ids) = match self.depth {
            None => {
                let ids = tick.ids?;
                let side = |want| {
                    tick.changes
                        .iter()
                        .filter(|(s, _)| *s == want)
                        .map(|(_, l)| *l)
                        .collect()
                };
                (
                    side(Side::Bid),
                    side(Side::Ask),
                    (ids.first, ids.last, Some(ids.prev)),
                )
            }
            Some(_) => {
                let (new_bids, new_asks) = self.view(&mirror.book);
                let bids = self.diff(Side::Bid, &self.bids, &new_bids, &mirror.book);
                let asks = self.diff(Side::Ask, &self.asks, &new_asks, &mirror.book);
                (self.bids, self.asks) = (new_bids, new_asks);
                if bids.is_empty() && asks.is_empty() {
                    return None;
                }
                let ids = match self.feed.scheme {
                    SeqScheme::Counter => {
                        self.counter += 1;
                        (self.counter, self.counter, Some(self.counter - 1))
                    }
                    _ => {
                        let prev = std::mem::replace(&mut self.last_sent, mirror.head);
                        (mirror.head, mirror.head, Some(prev))
                    }
                };
                (bids, asks, ids)
            }
        };
        Some(BookMsg {
            book: self.book,
            depth: self.depth,
            snapshot: false,
            bids,
            asks,
            first: ids.0,
            last: ids.1,
            prev: ids.2,
            checksum: self.checksum(),
            time,
            head: mirror.head,
        })
    }

    /// The levels of `side` that differ between two views, best first; levels that left the
    /// view are deleted unless the venue lets them fall out of scope silently (and they still
    /// exist).
    fn diff(&self, side: Side, old: &[Level], new: &[Level], mirror: &Book) -> Vec<Level> {
        let better = |a: &Level, b: &Level| match side {
            Side::Bid => a.price > b.price,
            Side::Ask => a.price < b.price,
        };
        let gone = |l: &Level| {
            (self.feed.deletes_out_of_view || mirror.side(side).get(l.price).is_none())
                .then(|| Level::new(l.price, crate::num::Dec::ZERO))
        };
        let (mut i, mut j, mut out) = (0, 0, Vec::new());
        while i < old.len() || j < new.len() {
            match (old.get(i), new.get(j)) {
                (Some(o), Some(n)) if o.price == n.price => {
                    if !o.size.same_wire(n.size) {
                        out.push(*n);
                    }
                    i += 1;
                    j += 1;
                }
                (Some(o), Some(n)) if better(o, n) => {
                    out.extend(gone(o));
                    i += 1;
                }
                (_, Some(n)) => {
                    out.push(*n);
                    j += 1;
                }
                (Some(o), None) => {
                    out.extend(gone(o));
                    i += 1;
                }
                (None, None) => break,
            }
        }
        out
    }

    /// What to send for one tick: the venue's delta through the fault layer (none, one, or two
    /// messages), with every consequence recorded in the ledger.
    pub fn on_tick(
        &mut self,
        mirror: &Mirror,
        tick: &BookTick,
        time: Millis,
        ctx: &mut FaultCtx<'_>,
    ) -> Vec<BookMsg> {
        let Some(mut msg) = self.next_delta(mirror, tick, time) else {
            return Vec::new();
        };
        let out = match std::mem::replace(&mut self.state, Integrity::Faulted) {
            Integrity::Faulted => vec![msg],
            joining @ Integrity::Joining { .. } => {
                self.state = joining;
                self.join(ctx, msg.first, msg.last);
                vec![msg]
            }
            Integrity::Lost => {
                self.reveal_gap(ctx, &msg, true);
                vec![msg]
            }
            Integrity::Holding(held) if self.feed.scheme == SeqScheme::Snapshots => {
                // The held push is older than the one that overtook it: stale to the client.
                ctx.ledger
                    .revealed(self.venue, self.instrument, Reveal::Stale, true);
                self.state = Integrity::Armed;
                vec![msg, *held]
            }
            Integrity::Holding(held) if self.shadow.is_none() => {
                self.reveal_gap(ctx, &msg, true);
                // The held update arrives after the resync began: a REST-synced client buffers
                // it for its new snapshot.
                self.join(ctx, held.first, held.last);
                vec![msg, *held]
            }
            Integrity::Holding(held) => {
                self.state = Integrity::Diverged(FaultKind::Reorder);
                vec![msg, *held]
            }
            Integrity::Diverged(kind) => {
                self.state = Integrity::Diverged(kind);
                vec![msg]
            }
            Integrity::Armed => {
                self.state = Integrity::Armed;
                match ctx.dice.roll(ctx.spec, Scope::BookUpdate) {
                    Some(kind) => self.inject(ctx, kind, &mut msg),
                    None => vec![msg],
                }
            }
        };
        if self.shadow.is_some() {
            for m in &out {
                self.check_shadow(ctx, m);
            }
            self.settle_shadow(ctx);
        }
        out
    }

    /// Inject `kind` into `msg`; returns what to deliver now.
    fn inject(
        &mut self,
        ctx: &mut FaultCtx<'_>,
        kind: FaultKind,
        msg: &mut BookMsg,
    ) -> Vec<BookMsg> {
        if self.feed.scheme == SeqScheme::Snapshots {
            return self.inject_snapshot(ctx, kind, msg);
        }
        let kraken = self.shadow.is_some();
        let pending = kraken || matches!(kind, FaultKind::Drop | FaultKind::Reorder);
        ctx.ledger
            .injected_book(self.venue, self.instrument, kind, pending);
        if kraken {
            self.state = Integrity::Diverged(kind);
        }
        match kind {
            FaultKind::Gap => {
                let jump = ctx.dice.jump();
                msg.first += jump;
                msg.last += jump;
                msg.prev = msg.prev.map(|p| p + jump);
                self.reveal_gap(ctx, msg, false);
                vec![msg.clone()]
            }
            FaultKind::Drop => {
                if !kraken {
                    self.state = Integrity::Lost;
                }
                Vec::new()
            }
            FaultKind::Dup => {
                if !kraken {
                    match self.feed.scheme {
                        // Range ids make the copy "already applied".
                        SeqScheme::Range | SeqScheme::Counter => {
                            ctx.ledger
                                .revealed(self.venue, self.instrument, Reveal::Stale, false);
                        }
                        // A linked chain cannot tell a copy from a gap: it resyncs.
                        _ => self.reveal_gap(ctx, msg, false),
                    }
                }
                vec![msg.clone(), msg.clone()]
            }
            FaultKind::Reorder => {
                self.state = Integrity::Holding(Box::new(msg.clone()));
                Vec::new()
            }
            FaultKind::Checksum => {
                msg.checksum = Some(msg.checksum.unwrap_or(0) ^ ctx.dice.nonzero());
                if !kraken {
                    let carried = msg.checksum.unwrap_or(0);
                    ctx.ledger.revealed(
                        self.venue,
                        self.instrument,
                        Reveal::Checksum { carried },
                        false,
                    );
                    self.after_reveal(ctx.market);
                }
                vec![msg.clone()]
            }
            FaultKind::Corrupt => {
                if !corrupt_level(msg) {
                    ctx.ledger
                        .harmless(self.venue, self.instrument, kind, kraken);
                    if kraken {
                        self.state = Integrity::Armed;
                    }
                }
                vec![msg.clone()]
            }
            FaultKind::Disconnect
            | FaultKind::Stall
            | FaultKind::Error
            | FaultKind::Malformed
            | FaultKind::Shutdown
            | FaultKind::SlowAck => vec![msg.clone()],
        }
    }

    /// Hyperliquid: every push is the whole book, so a lost one, or a wrong size in one, is
    /// made good by the next push unseen; a copy, or a push overtaken by a later one, is not
    /// later than the book and is dropped as stale.
    fn inject_snapshot(
        &mut self,
        ctx: &mut FaultCtx<'_>,
        kind: FaultKind,
        msg: &mut BookMsg,
    ) -> Vec<BookMsg> {
        let pending = kind == FaultKind::Reorder;
        ctx.ledger
            .injected_book(self.venue, self.instrument, kind, pending);
        match kind {
            FaultKind::Drop => {
                ctx.ledger
                    .harmless(self.venue, self.instrument, kind, false);
                Vec::new()
            }
            FaultKind::Corrupt => {
                corrupt_level(msg);
                ctx.ledger
                    .harmless(self.venue, self.instrument, kind, false);
                vec![msg.clone()]
            }
            FaultKind::Dup => {
                ctx.ledger
                    .revealed(self.venue, self.instrument, Reveal::Stale, false);
                vec![msg.clone(), msg.clone()]
            }
            FaultKind::Reorder => {
                self.state = Integrity::Holding(Box::new(msg.clone()));
                Vec::new()
            }
            // No sequence and no checksum to break ([`FaultKind::unsupported`]); connection
            // faults are not book faults.
            _ => vec![msg.clone()],
        }
    }

    /// The id a client reports when `msg` breaks its sequence.
    fn witness(&self, msg: &BookMsg) -> u64 {
        match self.feed.scheme {
            SeqScheme::Range => msg.first,
            SeqScheme::RangeLinked | SeqScheme::Linked => msg.prev.unwrap_or(0),
            SeqScheme::Counter | SeqScheme::None | SeqScheme::Snapshots => msg.last,
        }
    }

    fn reveal_gap(&mut self, ctx: &mut FaultCtx<'_>, msg: &BookMsg, resolves: bool) {
        let got = self.witness(msg);
        ctx.ledger
            .revealed(self.venue, self.instrument, Reveal::Gap { got }, resolves);
        self.after_reveal(ctx.market);
    }

    /// The client resyncs: Binance by a new REST snapshot joined to this same stream, the
    /// others by subscribing again.
    fn after_reveal(&mut self, market: &Market) {
        self.state = if self.feed.scheme.rest_synced() {
            Integrity::joining(market, self.book)
        } else {
            Integrity::Faulted
        };
    }

    /// Judge a delta sent while a REST-synced client joins its snapshot, as the client will
    /// once it has the snapshot (`lastUpdateId` = L): Binance spot drops `u <= L` and bridges
    /// with `U <= L + 1`; USDⓈ-M drops `u < L` and bridges with `U <= L <= u`. The client is in
    /// sync from the bridge on. A delta that neither is covered nor bridges is a gap (the one
    /// event that could bridge reached the client before its resync began, as after a
    /// reordered update), and the client starts over with a new snapshot.
    ///
    /// Deltas are judged in the order sent, whenever the snapshot becomes known; those after a
    /// join gap are taken to belong to the next join (the client processes its snapshot as it
    /// arrives, before the stream's next steps).
    fn join(&mut self, ctx: &mut FaultCtx<'_>, first: u64, last: u64) {
        let Integrity::Joining { queue, .. } = &mut self.state else {
            return;
        };
        queue.push_back((first, last));
        let spot = self.feed.scheme == SeqScheme::Range;
        loop {
            let Integrity::Joining {
                mark,
                queue,
                snapshot,
            } = &mut self.state
            else {
                return;
            };
            if snapshot.is_none() {
                *snapshot = served(ctx.market, self.book).get(*mark).copied();
            }
            let Some(l) = *snapshot else {
                return;
            };
            let Some((first, last)) = queue.pop_front() else {
                return;
            };
            let covered = if spot { last <= l } else { last < l };
            let bridges = if spot { first <= l + 1 } else { first <= l };
            if covered {
                ctx.ledger.join_stale(self.venue, 1);
            } else if bridges {
                self.state = Integrity::Armed;
                return;
            } else {
                let rest = std::mem::take(queue);
                ctx.ledger.revealed(
                    self.venue,
                    self.instrument,
                    Reveal::Gap { got: first },
                    false,
                );
                self.state = Integrity::joining(ctx.market, self.book);
                if let Integrity::Joining { queue, .. } = &mut self.state {
                    *queue = rest;
                }
            }
        }
    }

    /// Kraken: apply `msg` to the client's book as the client will, and compare checksums as
    /// it will: a mismatch is where the client detects the fault.
    fn check_shadow(&mut self, ctx: &mut FaultCtx<'_>, msg: &BookMsg) {
        let Some(shadow) = self.shadow.as_mut() else {
            return;
        };
        for (side, levels) in [(Side::Bid, &msg.bids), (Side::Ask, &msg.asks)] {
            for l in levels {
                shadow.apply(side, l.price, l.size);
            }
        }
        shadow.end_message(|_, _| {});
        let pending = match self.state {
            Integrity::Diverged(_) => true,
            Integrity::Armed => false,
            _ => return, // the client is resyncing and ignores this message
        };
        let computed = checksum::kraken(
            shadow.top(Side::Ask, 10),
            shadow.top(Side::Bid, 10),
            &mut self.scratch,
        );
        let carried = msg.checksum.unwrap_or(computed);
        if carried != computed {
            ctx.ledger.revealed(
                self.venue,
                self.instrument,
                Reveal::Checksum { carried },
                pending,
            );
            self.state = Integrity::Faulted;
        }
    }

    /// Kraken: a divergence that left the client's book equal to the venue's healed unseen.
    fn settle_shadow(&mut self, ctx: &mut FaultCtx<'_>) {
        let (Some(shadow), Integrity::Diverged(kind)) = (&self.shadow, &self.state) else {
            return;
        };
        if shadow.top(Side::Bid, usize::MAX).eq(self.bids.iter())
            && shadow.top(Side::Ask, usize::MAX).eq(self.asks.iter())
        {
            ctx.ledger
                .harmless(self.venue, self.instrument, *kind, true);
            self.state = Integrity::Armed;
        }
    }
}

/// Make the first level of `msg` that is not a delete one unit larger in its last digit (same
/// scale, so the wire form stays valid). `false` if the message deletes only.
fn corrupt_level(msg: &mut BookMsg) -> bool {
    let level = msg
        .bids
        .iter_mut()
        .chain(msg.asks.iter_mut())
        .find(|l| !l.size.is_zero());
    let Some(level) = level else {
        return false;
    };
    let unit = crate::num::Dec::from_parts(1, level.size.scale());
    match unit.and_then(|u| level.size.checked_add(u)) {
        Some(size) => {
            level.size = size;
            true
        }
        None => false,
    }
}

/// The `lastUpdateId`s of the REST snapshots served for `book`.
fn served(market: &Market, book: BookId) -> Vec<u64> {
    market.lock().books[book]
        .as_ref()
        .map(|b| b.served.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::event::BookKey;
    use crate::feed::sync::{Applied, BookMsg as ClientMsg, BookSync};
    use crate::instrument::Contract;
    use crate::integrity::SeqVerdict;
    use crate::num::Dec;
    use crate::sim::catalog::find;
    use crate::sim::dialect::BookFeed;
    use crate::sim::faults::{Dice, FaultSpec};
    use crate::sim::market::Ids;
    use std::time::Duration;
    use tokio_util::sync::CancellationToken;

    /// What the adapters' shared book machinery makes of a stream message.
    fn client_applies(client: &mut BookSync, msg: &BookMsg) -> Applied {
        let levels: Vec<(Side, Level)> = msg
            .bids
            .iter()
            .map(|l| (Side::Bid, *l))
            .chain(msg.asks.iter().map(|l| (Side::Ask, *l)))
            .collect();
        let m = ClientMsg {
            snapshot: msg.snapshot.then_some(msg.depth),
            levels: &levels,
            checksum: msg.checksum,
            exch_ts: None,
        };
        client.on_message(m, SeqVerdict::Apply, 0, &mut Vec::new())
    }

    /// Kraken lets a level pushed out of the subscribed depth fall away silently; Bybit deletes
    /// it. Either way the client's book (truncated to the depth) is the venue's, and Kraken's
    /// checksum proves it.
    #[tokio::test]
    async fn views_diff_as_each_venue_publishes_them() {
        for (venue, id, deletes) in [
            (VenueId::Kraken, "BTC/USD", false),
            (VenueId::BybitSpot, "ETHUSDT", true),
        ] {
            let book = find(venue, id).unwrap();
            let cancel = CancellationToken::new();
            let market =
                crate::sim::market::start(1, &[book], Duration::from_secs(3_600), cancel.clone());
            let (mirrors, _) = market.join(venue);
            let mut mirror = mirrors[0].1.clone();
            let feed = BookFeed {
                scheme: if deletes {
                    SeqScheme::Counter
                } else {
                    SeqScheme::None
                },
                checksum: (!deletes).then_some(ChecksumKind::Kraken),
                deletes_out_of_view: deletes,
            };
            let mut stream = BookStream::new(book, Some(10), feed, &market);
            let mut client = BookSync::new(
                BookKey::new(venue, id),
                DepthModel::Maintained(10),
                feed.checksum.unwrap_or(ChecksumKind::None),
                Contract::Base,
            );
            let snapshot = stream.snapshot(&mirror, 0);
            assert_eq!(client_applies(&mut client, &snapshot), Applied::Ok);

            // The best ask is taken, and a bid joins at its price: the tenth bid leaves the view.
            let ask = *mirror.book.best_ask().unwrap();
            let tenth_bid = *mirror.book.top(Side::Bid, 10).last().unwrap();
            let tick = BookTick {
                changes: vec![
                    (Side::Ask, Level::new(ask.price, Dec::ZERO)),
                    (Side::Bid, Level::new(ask.price, ask.size)),
                ],
                ids: Some(Ids {
                    first: mirror.head + 1,
                    last: mirror.head + 2,
                    prev: mirror.head,
                }),
                ..BookTick::default()
            };
            mirror.apply(&tick);
            let (ledger, spec) = (Ledger::default(), FaultSpec::none());
            let mut dice = Dice::new(1, venue, 1);
            let mut ctx = FaultCtx {
                dice: &mut dice,
                spec: &spec,
                ledger: &ledger,
                market: &market,
            };
            let msgs = stream.on_tick(&mirror, &tick, 1, &mut ctx);
            let [delta] = msgs.as_slice() else {
                panic!("one delta: {msgs:?}")
            };
            let deleted = |levels: &[Level], price| {
                levels.iter().any(|l| l.price == price && l.size.is_zero())
            };
            assert!(deleted(&delta.asks, ask.price), "{venue}: the taken ask");
            assert_eq!(deleted(&delta.bids, tenth_bid.price), deletes, "{venue}");
            assert_eq!(
                delta.asks.len(),
                2,
                "{venue}: the taken ask and the new tenth"
            );
            assert_eq!(client_applies(&mut client, delta), Applied::Ok, "{venue}");
            let view: Vec<Level> = mirror.book.top(Side::Bid, 10).copied().collect();
            assert!(client.book().top(Side::Bid, 10).eq(view.iter()), "{venue}");
            cancel.cancel();
        }
    }

    /// Hyperliquid: every push is the whole view, stamped later than the last; a duplicate or
    /// an overtaken push is revealed as stale, a lost one is harmless.
    #[tokio::test]
    async fn snapshot_feeds_push_whole_views_and_account_their_faults() {
        let venue = VenueId::Hyperliquid;
        let book = find(venue, "BTC").unwrap();
        let cancel = CancellationToken::new();
        let market =
            crate::sim::market::start(1, &[book], Duration::from_secs(3_600), cancel.clone());
        let (mirrors, _) = market.join(venue);
        let mut mirror = mirrors[0].1.clone();
        let feed = BookFeed {
            scheme: SeqScheme::Snapshots,
            checksum: None,
            deletes_out_of_view: true,
        };
        let mut stream = BookStream::new(book, Some(20), feed, &market);
        let first = stream.snapshot(&mirror, 5);
        // Each tick takes the best ask, so the view changes every time.
        let take_best_ask = |mirror: &mut Mirror| {
            let ask = *mirror.book.best_ask().unwrap();
            let tick = BookTick {
                changes: vec![(Side::Ask, Level::new(ask.price, Dec::ZERO))],
                ..BookTick::default()
            };
            mirror.apply(&tick);
            tick
        };
        let ledger = Ledger::default();
        let mut dice = Dice::new(1, venue, 1);
        let mut step = |kind: Option<FaultKind>, mirror: &mut Mirror, time| {
            let spec = match kind {
                Some(kind) => FaultSpec::none().with(venue, kind, 1.0),
                None => FaultSpec::none(),
            };
            let tick = take_best_ask(mirror);
            let mut ctx = FaultCtx {
                dice: &mut dice,
                spec: &spec,
                ledger: &ledger,
                market: &market,
            };
            stream.on_tick(mirror, &tick, time, &mut ctx)
        };
        // The same millisecond as the subscription's snapshot is stamped after it.
        let [calm] = step(None, &mut mirror, 5).try_into().unwrap();
        assert!(calm.snapshot && calm.time > first.time);
        assert_eq!(calm.asks.len(), 20.min(mirror.book.asks().len()));
        assert!(calm.asks.iter().eq(mirror.book.top(Side::Ask, 20)));

        let [a, b] = step(Some(FaultKind::Dup), &mut mirror, 10)
            .try_into()
            .unwrap();
        assert_eq!(a, b);
        assert!(step(Some(FaultKind::Reorder), &mut mirror, 20).is_empty());
        let [newer, held] = step(None, &mut mirror, 30).try_into().unwrap();
        assert!(held.time < newer.time, "the held push is older");
        assert!(step(Some(FaultKind::Drop), &mut mirror, 40).is_empty());
        let report = ledger.report();
        assert_eq!(
            report.expected(venue).stale,
            2,
            "the copy and the overtaken push"
        );
        assert_eq!(report.harmless[&venue][&FaultKind::Drop], 1);
        assert!(
            report.pending.is_empty(),
            "unrevealed: {:?}",
            report.pending
        );
        cancel.cancel();
    }
}
