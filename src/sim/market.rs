//! The venues' side of the market: the model stepped on tokio's clock, its changes written in
//! each venue's number forms, the books as the venues hold them (for REST snapshots and for new
//! connections), each book's global update ids, and one [`Tick`] per step broadcast to every
//! connection.
//!
//! Update ids are global per book, as on the venues: every subscriber sees the same `U`/`u`, and
//! a REST snapshot's `lastUpdateId` is the id of the last change it contains. The ids are
//! assigned here, under the same lock that publishes the tick, so a snapshot and the stream
//! always agree.

use crate::book::{Book, DepthModel, Level};
use crate::market::{LiquidatedPosition, Millis, Side, TakerSide, VenueId};
use crate::num::Dec;
use crate::sim::catalog::{BookId, INSTRUMENTS};
use crate::sim::model::Model;
use crate::sim::model::event::{DerivState, Episode};
use crate::sim::model::rng::Stream;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Ticks a slow connection may fall behind before it is dropped (at 100 ms steps, ~100 s).
const TICK_BACKLOG: usize = 1_024;

/// Exchange time: the wall clock when the simulator started, advanced by tokio's clock (so
/// paused-time tests move it too, and it agrees with the runtime's own [`crate::feed::runtime::Clock`]).
#[derive(Clone, Copy, Debug)]
pub struct SimClock {
    wall0_ms: Millis,
    start: Instant,
}

impl SimClock {
    pub fn start() -> Self {
        SimClock {
            wall0_ms: (crate::market::now_nanos() / 1_000_000) as Millis,
            start: Instant::now(),
        }
    }

    /// Exchange time of model time `t_ms`.
    pub fn at(&self, t_ms: u64) -> Millis {
        self.wall0_ms + t_ms as Millis
    }

    /// Exchange time now.
    pub fn now(&self) -> Millis {
        self.wall0_ms + self.start.elapsed().as_millis() as Millis
    }
}

/// The ids one book message covers in its book's global stream: `first..=last`, and `prev`, the
/// last id of the previous message (Binance USDⓈ-M `pu`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ids {
    pub first: u64,
    pub last: u64,
    pub prev: u64,
}

/// A trade as the venue prints it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WireFill {
    pub time: Millis,
    pub taker: TakerSide,
    pub price: Dec,
    pub qty: Dec,
    /// The book's trade counter.
    pub id: u64,
}

/// A liquidation as the venue prints it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WireForced {
    pub time: Millis,
    pub position: LiquidatedPosition,
    pub price: Dec,
    pub qty: Dec,
}

/// One book's part of a tick.
#[derive(Clone, Debug, Default)]
pub struct BookTick {
    /// Levels changed this step, in the venue's number forms (size 0 removes).
    pub changes: Vec<(Side, Level)>,
    /// `None` when the book did not change.
    pub ids: Option<Ids>,
    pub fills: Vec<WireFill>,
    pub forced: Vec<WireForced>,
    pub derivs: Option<DerivState>,
}

/// A book as one connection mirrors it from the ticks: the venue's full book and the id of the
/// last change applied.
#[derive(Clone, Debug)]
pub struct Mirror {
    pub book: Book,
    pub head: u64,
}

impl Mirror {
    pub fn apply(&mut self, tick: &BookTick) {
        for (side, level) in &tick.changes {
            self.book.apply(*side, level.price, level.size);
        }
        if let Some(ids) = tick.ids {
            self.head = ids.last;
        }
    }
}

/// One step of the market, as every connection receives it.
#[derive(Debug)]
pub struct Tick {
    pub index: u64,
    /// Exchange time at the end of the step.
    pub time: Millis,
    /// Indexed by [`BookId`]; `None` for books not simulated.
    pub books: Vec<Option<BookTick>>,
}

/// A book as the venue holds it.
#[derive(Clone, Debug)]
pub struct VenueBook {
    pub book: Book,
    /// Id of the last change (0 before any).
    pub last_id: u64,
    pub derivs: Option<DerivState>,
    /// Open interest (base units) at the start, answered until the first step computes
    /// `derivs`: a perp never reports 0 open interest for want of a step.
    pub open_interest_at_start: Option<f64>,
    /// `lastUpdateId` of every REST snapshot served, in order.
    pub served: Vec<u64>,
    next_trade: u64,
}

/// Everything a connection or a REST request reads, under one lock.
#[derive(Debug)]
pub struct State {
    /// Indexed by [`BookId`].
    pub books: Vec<Option<VenueBook>>,
    /// Notable model behaviour so far (cascades, spoofs, …).
    pub episodes: Vec<Episode>,
}

/// The market shared by the stepping task, the REST handler and every connection.
#[derive(Debug)]
pub struct Market {
    state: Mutex<State>,
    ticks: broadcast::Sender<Arc<Tick>>,
    pub clock: SimClock,
}

impl Market {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a book half-written (every update is a
        // whole tick), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current books of `venue` and a receiver of every later tick, consistently: the first
    /// tick received is the one right after these books.
    pub fn join(&self, venue: VenueId) -> (Vec<(BookId, Mirror)>, broadcast::Receiver<Arc<Tick>>) {
        let state = self.lock();
        let books = crate::sim::catalog::books_of(venue)
            .filter_map(|b| {
                let vb = state.books[b].as_ref()?;
                Some((
                    b,
                    Mirror {
                        book: vb.book.clone(),
                        head: vb.last_id,
                    },
                ))
            })
            .collect();
        (books, self.ticks.subscribe())
    }
}

/// Start stepping a model of `books` every `step` until `cancel`; returns the shared market.
pub fn start(
    seed: u64,
    books: &[BookId],
    step: Duration,
    cancel: CancellationToken,
) -> Arc<Market> {
    start_model(seed, Model::new(seed, books, step), cancel)
}

/// [`start`] with a model built by the caller (one with `--scenario`s injected).
pub fn start_model(seed: u64, model: Model, cancel: CancellationToken) -> Arc<Market> {
    let mut state = State {
        books: vec![None; INSTRUMENTS.len()],
        episodes: Vec::new(),
    };
    for (i, b) in model.book_ids().enumerate() {
        let inst = INSTRUMENTS[b];
        let mut book = Book::new(DepthModel::SnapshotThenDiffs);
        let side = |s| {
            model
                .levels(i, s)
                .map(|(p, q)| Level::new(inst.price(p), inst.level_size(p, q)))
                .collect::<Vec<_>>()
        };
        book.load_snapshot(side(Side::Bid), side(Side::Ask), None);
        state.books[b] = Some(VenueBook {
            book,
            last_id: 1_000_000 + 1_000 * b as u64,
            derivs: None,
            open_interest_at_start: model.open_interest(i),
            served: Vec::new(),
            next_trade: 10_000_000,
        });
    }
    let (ticks, _) = broadcast::channel(TICK_BACKLOG);
    let market = Arc::new(Market {
        state: Mutex::new(state),
        ticks,
        clock: SimClock::start(),
    });
    tokio::spawn(run(model, market.clone(), Stream::new(seed, "ids"), cancel));
    market
}

async fn run(mut model: Model, market: Arc<Market>, mut ids: Stream, cancel: CancellationToken) {
    let mut interval = tokio::time::interval(Duration::from_millis(model.step_ms()));
    interval.tick().await; // the first tick completes at once: the books are already current
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = interval.tick() => {}
        }
        let step = model.step();
        let time = market.clock.at(step.t_ms);
        let mut state = market.lock();
        let mut tick = Tick {
            index: step.index,
            time,
            books: vec![None; INSTRUMENTS.len()],
        };
        for (b, out) in model.book_ids().zip(step.books) {
            let inst = INSTRUMENTS[b];
            let Some(vb) = state.books[b].as_mut() else {
                continue;
            };
            let changes: Vec<(Side, Level)> = out
                .changes
                .iter()
                .map(|c| {
                    let size = inst.level_size(c.price, c.qty);
                    (c.side, Level::new(inst.price(c.price), size))
                })
                .collect();
            for (side, level) in &changes {
                vb.book.apply(*side, level.price, level.size);
            }
            let ids = (!changes.is_empty()).then(|| {
                // USDⓈ-M and OKX ids are global across symbols, so a book's ids jump between
                // its messages; Binance spot ids are contiguous per symbol.
                let jump = match inst.venue {
                    VenueId::Binance => 0,
                    _ => ids.geometric(20.0),
                };
                let first = vb.last_id + 1 + jump;
                let last = first + changes.len() as u64 - 1;
                let prev = std::mem::replace(&mut vb.last_id, last);
                Ids { first, last, prev }
            });
            let fills = out
                .fills
                .iter()
                .map(|f| {
                    vb.next_trade += 1;
                    WireFill {
                        time: market.clock.at(f.t_ms),
                        taker: f.taker,
                        price: inst.price(f.price),
                        qty: inst.level_size(f.price, f.qty),
                        id: vb.next_trade,
                    }
                })
                .collect();
            let forced = out
                .forced
                .iter()
                .map(|f| WireForced {
                    time: market.clock.at(f.t_ms),
                    position: f.position,
                    price: inst.price(f.price),
                    qty: inst.level_size(f.price, f.qty),
                })
                .collect();
            if out.derivs.is_some() {
                vb.derivs = out.derivs;
            }
            tick.books[b] = Some(BookTick {
                changes,
                ids,
                fills,
                forced,
                derivs: out.derivs,
            });
        }
        state.episodes.extend(step.episodes);
        // Nobody listening is fine: connections come and go.
        let _ = market.ticks.send(Arc::new(tick));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::catalog::find;

    /// One run: fifty ticks of OKX's books, times relative to the start.
    async fn fifty_ticks(seed: u64) -> Vec<String> {
        let books = [
            find(VenueId::Okx, "BTC-USDT").unwrap(),
            find(VenueId::Okx, "ETH-USDT-SWAP").unwrap(),
        ];
        let cancel = CancellationToken::new();
        let market = start(seed, &books, Duration::from_millis(100), cancel.clone());
        let (_, mut ticks) = market.join(VenueId::Okx);
        let t0 = market.clock.at(0);
        let mut out = Vec::new();
        for i in 1..=50 {
            let tick = ticks.recv().await.expect("ticking");
            assert_eq!((tick.index, tick.time - t0), (i, i as i64 * 100));
            for b in books {
                let bt = tick.books[b].as_ref().expect("simulated");
                let fills: Vec<_> = bt
                    .fills
                    .iter()
                    .map(|f| (f.time - t0, f.price.to_string(), f.qty.to_string(), f.taker))
                    .collect();
                out.push(format!(
                    "{b} {:?} {:?} {fills:?} {:?}",
                    bt.changes, bt.ids, bt.derivs
                ));
            }
        }
        cancel.cancel();
        out
    }

    /// The market steps on tokio's clock: under paused time fifty steps take five virtual
    /// seconds, and a seed gives the same ticks every time.
    #[tokio::test(start_paused = true)]
    async fn ticks_follow_tokio_time_and_repeat_for_a_seed() {
        let started = Instant::now();
        let a = fifty_ticks(5).await;
        assert_eq!(started.elapsed(), Duration::from_secs(5));
        assert_eq!(a, fifty_ticks(5).await);
        assert_ne!(a, fifty_ticks(6).await);
    }
}
