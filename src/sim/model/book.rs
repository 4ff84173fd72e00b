//! One venue's book for one instrument: limit orders arriving and being cancelled around a
//! reference price (the symbol's fair price plus this venue's small offset, plus the basis on a
//! perpetual), market makers keeping the touch, stale quotes picked off when the fair price
//! moves, clustered taker orders, walls, spoof episodes, and forced orders during cascades.
//!
//! Every bid stays below the reference and every ask above it (stale quotes are swept before
//! anything is placed), so a model book is never crossed or locked.

use super::event::{BookStep, DerivState, Episode, Fill, Forced, LevelChange};
use super::flow::{Hawkes, taker_size};
use super::ladder::Ladder;
use super::price::SymbolTick;
use super::rng::{Stream, ou_step};
use super::scenario::Scenario;
use crate::market::{LiquidatedPosition, Side, TakerSide};
use crate::sim::catalog::{BookId, INSTRUMENTS, SimInstrument, Symbol};

/// Limit orders per second in a calm market.
const ARRIVALS_PER_S: f64 = 60.0;
/// Cancels per resting level per second in a calm market.
const CANCELS_PER_LEVEL_S: f64 = 0.08;
/// Baseline taker orders per second, before self-excitation.
const TAKERS_PER_S: f64 = 2.5;
/// Forced orders per second on a perpetual at the height of a cascade.
const FORCED_PER_S: f64 = 12.0;
/// Forced orders per second on a perpetual in a calm market: some over-levered position is
/// always being closed somewhere, so a liquidation feed is never silent for long.
const BACKGROUND_FORCED_PER_S: f64 = 0.05;
/// This venue's price offset from the others: arbitrage keeps it within a fraction of a bp.
const OFFSET_SD: f64 = 1e-5;
const OFFSET_HALF_LIFE_S: f64 = 5.0;
/// Levels further than this from the reference are dropped.
const MAX_DISTANCE: f64 = 0.04;
const MAX_LEVELS: usize = 2_500;
/// A taker order walks at most this many levels.
const MAX_WALK: usize = 25;

#[derive(Clone, Copy, Debug)]
struct Spoof {
    side: Side,
    price: i64,
    qty: u64,
    placed_ms: u64,
    pull_ms: u64,
}

/// One book's state and order flow.
#[derive(Debug)]
pub struct BookModel {
    pub id: BookId,
    inst: SimInstrument,
    spec: Symbol,
    tick: f64,
    base_per_lot: f64,
    rng: Stream,
    bids: Ladder,
    asks: Ladder,
    /// This venue's price offset from the fair price, as a fraction.
    offset: f64,
    hawkes: Hawkes,
    spoof: Option<Spoof>,
    next_spoof_ms: u64,
    open_interest: f64,
    oi_anchor: f64,
    next_order: u64,
    touched: Vec<(Side, i64)>,
    scratch: Vec<f64>,
    /// The reference price (ticks) the book was last placed around.
    centre: f64,
    /// While the book is skipped ([`taker_flow`](Self::taker_flow)): the reference of the
    /// previous skipped step.
    skipped_r: Option<f64>,
    /// The `--scenario`s injected on this book (none in an ordinary run).
    scenarios: Vec<Scenario>,
}

/// The step's inputs shared by every book of a symbol.
pub(super) struct Frame {
    pub(super) t0_ms: u64,
    pub(super) dt_s: f64,
    /// Reference price in ticks.
    pub(super) r: f64,
    /// Half-spread the market makers quote, in ticks.
    h: f64,
    pub(super) ticks_per_bp: f64,
    stress: f64,
}

impl BookModel {
    /// A book populated with a warmed-up set of orders around `fair`.
    pub fn new(seed: u64, id: BookId, fair: f64) -> Self {
        let inst = INSTRUMENTS[id];
        let mut rng = Stream::new(seed, &format!("book:{}:{}", inst.venue, inst.id));
        let open_interest = inst.symbol().open_interest * rng.between(0.6, 1.4);
        let next_spoof_ms = (rng.between(10.0, 90.0) * 1e3) as u64;
        let mut book = BookModel {
            id,
            inst,
            spec: *inst.symbol(),
            tick: inst.tick_size(),
            base_per_lot: inst.base_per_lot(),
            rng,
            bids: Ladder::new(Side::Bid),
            asks: Ladder::new(Side::Ask),
            offset: 0.0,
            hawkes: Hawkes::new(0.6, 4.0),
            spoof: None,
            next_spoof_ms,
            open_interest,
            oi_anchor: open_interest,
            next_order: 1,
            touched: Vec::new(),
            scratch: Vec::new(),
            centre: 0.0,
            skipped_r: None,
            scenarios: Vec::new(),
        };
        let frame = book.frame(0, 0.0, fair, 0.0);
        book.centre = frame.r;
        for _ in 0..(ARRIVALS_PER_S / CANCELS_PER_LEVEL_S) as usize {
            book.arrival(&frame);
        }
        book.keep_touch(&frame);
        book.touched.clear();
        book
    }

    pub fn instrument(&self) -> &SimInstrument {
        &self.inst
    }

    /// Runs `scenario` on this book from now on.
    pub fn add_scenario(&mut self, scenario: Scenario) {
        self.scenarios.push(scenario);
    }

    /// The scenarios on this book, to move the symbol's price before the step.
    pub fn scenarios_mut(&mut self) -> &mut [Scenario] {
        &mut self.scenarios
    }

    pub(super) fn spec(&self) -> &Symbol {
        &self.spec
    }

    pub(super) fn tick(&self) -> f64 {
        self.tick
    }

    pub(super) fn base_per_lot(&self) -> f64 {
        self.base_per_lot
    }

    pub(super) fn best(&self, side: Side) -> Option<(i64, u64)> {
        match side {
            Side::Bid => self.bids.best(),
            Side::Ask => self.asks.best(),
        }
    }

    pub(super) fn qty(&self, side: Side, price: i64) -> u64 {
        match side {
            Side::Bid => self.bids.qty(price),
            Side::Ask => self.asks.qty(price),
        }
    }

    /// Cancels up to `qty` lots at `price`.
    pub(super) fn pull(&mut self, side: Side, price: i64, qty: u64) {
        self.ladder(side).remove(price, qty);
        self.touched.push((side, price));
    }

    /// A print of about `notional` (quote currency) at the touch that leaves the book as it
    /// was: both sides of the trade were the same party's (wash).
    pub(super) fn print(&mut self, taker: TakerSide, notional: f64, t_ms: u64, out: &mut BookStep) {
        let side = match taker {
            TakerSide::Buy => Side::Ask,
            TakerSide::Sell => Side::Bid,
        };
        let Some((price, _)) = self.best(side) else {
            return;
        };
        let qty = self.lots(notional / (price as f64 * self.tick));
        let order = self.next_order();
        out.fills.push(Fill {
            t_ms,
            taker,
            price,
            qty,
            order,
        });
    }

    /// Open interest in base units now (perpetuals only): known from the start, before the
    /// first step computes the other derivatives.
    pub fn open_interest(&self) -> Option<f64> {
        self.inst.is_perpetual().then_some(self.open_interest)
    }

    /// Levels best first.
    pub fn side(&self, side: Side) -> impl Iterator<Item = (i64, u64)> + '_ {
        match side {
            Side::Bid => self.bids.iter_best(),
            Side::Ask => self.asks.iter_best(),
        }
    }

    fn ladder(&mut self, side: Side) -> &mut Ladder {
        match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        }
    }

    pub(super) fn lots(&self, base: f64) -> u64 {
        ((base / self.base_per_lot).round() as u64).max(1)
    }

    fn frame(&self, t0_ms: u64, dt_s: f64, reference: f64, stress: f64) -> Frame {
        let ticks_per_bp = reference * 1e-4 / self.tick;
        Frame {
            t0_ms,
            dt_s,
            r: reference / self.tick,
            h: 0.5 + stress * (2.5 * ticks_per_bp).max(2.0),
            ticks_per_bp,
            stress,
        }
    }

    /// Advance one step of `dt_s` seconds starting at `t0_ms`; `quote_usd` is the dollar value
    /// of the book's quote currency (the USDT/USD rate, 1 for USD books).
    pub fn step(
        &mut self,
        t0_ms: u64,
        dt_s: f64,
        sym: &SymbolTick,
        quote_usd: f64,
        out: &mut BookStep,
        episodes: &mut Vec<Episode>,
    ) {
        self.drift_offset(dt_s);
        let (fair, reference) = self.reference(sym, quote_usd);
        let f = self.frame(t0_ms, dt_s, reference, sym.stress);
        self.centre = f.r;

        self.pick_off_stale(&f, out);
        self.keep_touch(&f);
        self.takers(&f, sym, out, episodes);
        if self.inst.is_perpetual() {
            let (rate, direction) = self.forced_rate(&f, sym);
            self.forced(&f, rate, direction, out);
        }
        for _ in 0..self
            .rng
            .poisson(ARRIVALS_PER_S * dt_s * (1.0 - 0.6 * f.stress))
        {
            self.arrival(&f);
        }
        self.cancels(&f);
        self.spoof(&f, episodes);
        if self.rng.chance(dt_s / 90.0) {
            self.wall(&f, episodes);
        }
        if !self.scenarios.is_empty() {
            let mut scenarios = std::mem::take(&mut self.scenarios);
            for s in &mut scenarios {
                s.act(self, &f, out, episodes);
            }
            self.scenarios = scenarios;
        }
        self.keep_touch(&f);
        self.prune(&f);
        self.collect(out);
        if self.inst.is_perpetual() {
            out.derivs = Some(self.derivs(sym, fair, &f, out));
        }
    }

    fn drift_offset(&mut self, dt_s: f64) {
        let noise = self.rng.normal();
        self.offset = ou_step(self.offset, 0.0, OFFSET_SD, OFFSET_HALF_LIFE_S, dt_s, noise);
    }

    /// The fair price in the book's quote currency and the reference price the book is placed
    /// around (the venue's offset and, on a perpetual, the basis on top).
    fn reference(&self, sym: &SymbolTick, quote_usd: f64) -> (f64, f64) {
        let basis = if self.inst.is_perpetual() {
            sym.basis
        } else {
            0.0
        };
        let fair = sym.fair / quote_usd;
        let mut reference = fair * (1.0 + self.offset + basis);
        if !self.scenarios.is_empty() {
            let extra: f64 = self.scenarios.iter().map(Scenario::book_offset).sum();
            reference = fair * (1.0 + self.offset + basis + extra);
        }
        (fair, reference)
    }

    /// The trade flow of `dt_s` seconds from `t0_ms` without the book (`out.fills` and
    /// `out.forced`), as [`step`](Self::step) would trade it:
    /// - the same taker arrivals, sides and sizes, each priced at the market makers' touch
    ///   (one fill per order) instead of walking the levels;
    /// - the quotes the step's move would have had picked off
    ///   ([`skipped_pick_offs`](Self::skipped_pick_offs));
    /// - the forced orders (liquidations) at the full step's rates, at the touch.
    ///
    /// The book itself does not move; [`recentre`](Self::recentre) moves it afterwards. Used to
    /// sample a long past cheaply.
    pub fn taker_flow(
        &mut self,
        t0_ms: u64,
        dt_s: f64,
        sym: &SymbolTick,
        quote_usd: f64,
        out: &mut BookStep,
    ) {
        self.drift_offset(dt_s);
        let (_, reference) = self.reference(sym, quote_usd);
        let f = self.frame(t0_ms, dt_s, reference, sym.stress);
        self.skipped_pick_offs(&f, &mut out.fills);
        let (bid_edge, ask_edge) = Self::edges(&f);
        let fills = &mut out.fills;
        self.taker_orders(&f, sym, |book, taker, qty, t_ms, _| {
            let price = match taker {
                TakerSide::Buy => ask_edge,
                TakerSide::Sell => bid_edge,
            };
            let order = book.next_order();
            fills.push(Fill {
                t_ms,
                taker,
                price,
                qty,
                order,
            });
        });
        if self.inst.is_perpetual() {
            // At the touch, as the taker orders: the book they would walk is not followed.
            let (rate, direction) = self.forced_rate(&f, sym);
            self.forced_orders(&f, rate, direction, |book, taker, qty, t_ms| {
                let price = match taker {
                    TakerSide::Buy => ask_edge,
                    TakerSide::Sell => bid_edge,
                };
                out.forced.push(Forced {
                    t_ms,
                    position: liquidated(taker),
                    price,
                    qty,
                });
                book.open_interest -= qty as f64 * book.base_per_lot;
            });
        }
    }

    /// The forced orders' rate per second and the direction of the move they close against:
    /// a cascade's while the symbol is stressed, else the calm background's either way.
    fn forced_rate(&mut self, f: &Frame, sym: &SymbolTick) -> (f64, f64) {
        if sym.stress > 0.0 && sym.direction != 0.0 {
            (FORCED_PER_S * f.stress, sym.direction)
        } else {
            let direction = if self.rng.chance(0.5) { -1.0 } else { 1.0 };
            (BACKGROUND_FORCED_PER_S, direction)
        }
    }

    /// What [`pick_off_stale`](Self::pick_off_stale) would have taken in a skipped step: the
    /// book as it was last placed, carried along with the reference (as
    /// [`recentre`](Self::recentre) carries it), loses to arbitrageurs the quotes the step's move
    /// went through: for a move of Δ ticks up, its asks within Δ of the reference it was placed
    /// around, each one fill at its carried price (bids for a move down). The levels stay: the
    /// book is a sample of its own stationary state, so the expected flow is the live model's,
    /// the most of a tape's count and notional. Without it a skipped past would trade a
    /// thirtieth of the live market's volume.
    fn skipped_pick_offs(&mut self, f: &Frame, fills: &mut Vec<Fill>) {
        let from = self.skipped_r.replace(f.r).unwrap_or(self.centre);
        let moved = f.r - from;
        let (side, taker) = if moved > 0.0 {
            (Side::Ask, TakerSide::Buy)
        } else {
            (Side::Bid, TakerSide::Sell)
        };
        let carried = (from - self.centre).round() as i64;
        let order = self.next_order();
        let reach = self.centre + moved;
        let stale = |p: i64| match side {
            Side::Ask => p as f64 <= reach,
            Side::Bid => p as f64 >= reach,
        };
        let ladder = match side {
            Side::Bid => &self.bids,
            Side::Ask => &self.asks,
        };
        for (price, qty) in ladder.iter_best().take_while(|(p, _)| stale(*p)) {
            fills.push(Fill {
                t_ms: f.t0_ms + 1,
                taker,
                price: price + carried,
                qty,
                order,
            });
        }
    }

    /// Moves every resting order by the whole ticks the reference moved since the book was
    /// last placed, so a book left alone while the fair price walked (a sampled past) resumes
    /// around the new price instead of having its stale side swept as giant trades. The
    /// caller must publish the book anew (a snapshot).
    pub fn recentre(&mut self, sym: &SymbolTick, quote_usd: f64) {
        let (_, reference) = self.reference(sym, quote_usd);
        let r = reference / self.tick;
        let ticks = (r - self.centre).round() as i64;
        self.bids.shift(ticks);
        self.asks.shift(ticks);
        if let Some(s) = self.spoof.as_mut() {
            s.price += ticks;
        }
        for s in &mut self.scenarios {
            s.shift(ticks);
        }
        self.centre += ticks as f64;
        self.skipped_r = None;
        self.touched.clear();
    }

    /// Resting orders the fair price moved through are taken by arbitrageurs: asks at or
    /// below the reference are bought, bids at or above it sold.
    fn pick_off_stale(&mut self, f: &Frame, out: &mut BookStep) {
        let t_ms = f.t0_ms + 1;
        for (side, taker) in [(Side::Ask, TakerSide::Buy), (Side::Bid, TakerSide::Sell)] {
            let order = self.next_order();
            while let Some((price, qty)) = self.ladder(side).best() {
                let stale = match side {
                    Side::Ask => price as f64 <= f.r,
                    Side::Bid => price as f64 >= f.r,
                };
                if !stale {
                    break;
                }
                self.ladder(side).pop_best();
                self.touched.push((side, price));
                out.fills.push(Fill {
                    t_ms,
                    taker,
                    price,
                    qty,
                    order,
                });
            }
        }
    }

    fn next_order(&mut self) -> u64 {
        self.next_order += 1;
        self.next_order
    }

    /// The most a bid (ask) may be priced at (from) for the market makers' half-spread.
    fn edges(f: &Frame) -> (i64, i64) {
        ((f.r - f.h).floor() as i64, (f.r + f.h).ceil() as i64)
    }

    /// Market makers requote a side whose best level drifted away from the reference.
    fn keep_touch(&mut self, f: &Frame) {
        let (bid_edge, ask_edge) = Self::edges(f);
        let slack = 2 + (f.stress * 4.0 * f.ticks_per_bp) as i64;
        for (side, edge) in [(Side::Bid, bid_edge), (Side::Ask, ask_edge)] {
            let away = match (side, self.ladder(side).best()) {
                (_, None) => true,
                (Side::Bid, Some((p, _))) => p < edge - slack,
                (Side::Ask, Some((p, _))) => p > edge + slack,
            };
            if away {
                let back = self.rng.geometric(0.7) as i64;
                let price = match side {
                    Side::Bid => edge - back,
                    Side::Ask => edge + back,
                };
                let size = self.rng.log_normal(self.spec.order_size, 0.6);
                let size = self.rng.decade_spread(size);
                let qty = self.lots(size);
                self.place(side, price, qty);
            }
        }
    }

    pub(super) fn place(&mut self, side: Side, price: i64, qty: u64) {
        self.ladder(side).add(price, qty);
        self.touched.push((side, price));
    }

    /// One limit order: near the touch, a few bps out, or far (log-uniform to 150 bps), larger
    /// the further out it rests.
    fn arrival(&mut self, f: &Frame) {
        let side = if self.rng.chance(0.5) {
            Side::Bid
        } else {
            Side::Ask
        };
        let u = self.rng.unit();
        let distance = if u < 0.4 {
            self.rng.geometric(2.0) as f64
        } else if u < 0.75 {
            (self.rng.exponential(1.5) * f.ticks_per_bp).round()
        } else {
            (self.rng.between(0.5f64.ln(), 150f64.ln()).exp() * f.ticks_per_bp).round()
        };
        let bps = distance / f.ticks_per_bp.max(1e-9);
        let size = self.rng.log_normal(self.spec.order_size, 0.8) * (1.0 + bps / 3.0).min(6.0);
        let size = self.rng.decade_spread(size);
        let (bid_edge, ask_edge) = Self::edges(f);
        let price = match side {
            Side::Bid => bid_edge - distance as i64,
            Side::Ask => ask_edge + distance as i64,
        };
        let qty = self.lots(size);
        self.place(side, price, qty);
    }

    /// Cancels take one order-sized chunk from random levels, more of them under stress (which
    /// is how depth thins in a cascade). Walls, being many orders, erode slowly.
    fn cancels(&mut self, f: &Frame) {
        let levels = self.bids.len() + self.asks.len();
        let n = self
            .rng
            .poisson(CANCELS_PER_LEVEL_S * levels as f64 * f.dt_s * (1.0 + 3.0 * f.stress));
        for _ in 0..n {
            let (nb, na) = (self.bids.len(), self.asks.len());
            if nb + na == 0 {
                return;
            }
            let i = self.rng.index(nb + na);
            let (side, index) = if i < nb {
                (Side::Bid, i)
            } else {
                (Side::Ask, i - nb)
            };
            let (price, _) = self.ladder(side).at(index);
            let size = self.rng.log_normal(self.spec.order_size, 0.8);
            let size = self.rng.decade_spread(size);
            let chunk = self.lots(size);
            self.ladder(side).remove(price, chunk);
            self.touched.push((side, price));
        }
    }

    /// Taker orders: Hawkes arrivals, leaning with the price move and, in a cascade, with it.
    fn takers(
        &mut self,
        f: &Frame,
        sym: &SymbolTick,
        out: &mut BookStep,
        episodes: &mut Vec<Episode>,
    ) {
        let id = self.id;
        self.taker_orders(f, sym, |book, taker, qty, t_ms, large| {
            if large {
                episodes.push(Episode::LargePrint {
                    book: id,
                    qty,
                    t_ms,
                });
            }
            book.walk(taker, qty, t_ms, out);
        });
    }

    /// Draws the step's taker orders and hands each to `order` as `(side, lots, t_ms, large)`.
    fn taker_orders(
        &mut self,
        f: &Frame,
        sym: &SymbolTick,
        mut order: impl FnMut(&mut Self, TakerSide, u64, u64, bool),
    ) {
        let from = f.t0_ms as f64 / 1e3;
        let mut times = std::mem::take(&mut self.scratch);
        times.clear();
        let mu = TAKERS_PER_S * (1.0 + 5.0 * f.stress);
        self.hawkes
            .arrivals(&mut self.rng, mu, from, from + f.dt_s, &mut times);
        let lean = (sym.ret * 2e3).clamp(-0.25, 0.25) + 0.3 * sym.direction * f.stress;
        for &t in &times {
            let taker = if self.rng.chance((0.5 + lean).clamp(0.1, 0.9)) {
                TakerSide::Buy
            } else {
                TakerSide::Sell
            };
            let (size, large) = taker_size(&mut self.rng, self.spec.trade_size);
            let t_ms = (t * 1e3) as u64;
            let qty = self.lots(size);
            order(self, taker, qty, t_ms, large);
        }
        self.scratch = times;
    }

    /// Forced orders: the side being liquidated sells (longs) or buys (shorts) into the book.
    /// Forced orders at `rate` per second closing positions against `direction`'s move.
    fn forced(&mut self, f: &Frame, rate: f64, direction: f64, out: &mut BookStep) {
        self.forced_orders(f, rate, direction, |book, taker, qty, t_ms| {
            book.force(taker, qty, t_ms, out);
        });
    }

    /// Draws the forced orders of step `f` at `rate` per second against `direction`'s move,
    /// handing each (taker side, lots, time) to `each`: one draw for a stepped and a skipped
    /// step alike.
    fn forced_orders(
        &mut self,
        f: &Frame,
        rate: f64,
        direction: f64,
        mut each: impl FnMut(&mut Self, TakerSide, u64, u64),
    ) {
        let taker = if direction < 0.0 {
            TakerSide::Sell
        } else {
            TakerSide::Buy
        };
        for _ in 0..self.rng.poisson(rate * f.dt_s) {
            let t_ms = f.t0_ms + (self.rng.unit() * f.dt_s * 1e3) as u64;
            let size = self.rng.log_normal(self.spec.trade_size * 6.0, 0.9);
            let qty = self.lots(size);
            each(self, taker, qty, t_ms);
        }
    }

    /// One forced order of `qty` lots: longs are sold out (`Sell`), shorts bought in (`Buy`).
    pub(super) fn force(&mut self, taker: TakerSide, qty: u64, t_ms: u64, out: &mut BookStep) {
        let position = liquidated(taker);
        let (filled, notional) = self.walk(taker, qty, t_ms, out);
        if filled > 0 {
            out.forced.push(Forced {
                t_ms,
                position,
                price: (notional / filled as f64).round() as i64,
                qty: filled,
            });
            self.open_interest -= filled as f64 * self.base_per_lot;
        }
    }

    /// Fill a taker order from the touch; returns the lots filled and their notional in
    /// tick-lots. A side is never emptied (the last level absorbs what it can).
    pub(super) fn walk(
        &mut self,
        taker: TakerSide,
        qty: u64,
        t_ms: u64,
        out: &mut BookStep,
    ) -> (u64, f64) {
        let side = match taker {
            TakerSide::Buy => Side::Ask,
            TakerSide::Sell => Side::Bid,
        };
        let order = self.next_order();
        let (mut left, mut notional) = (qty, 0.0);
        for _ in 0..MAX_WALK {
            let ladder = self.ladder(side);
            let Some((price, available)) = ladder.best() else {
                break;
            };
            let last = ladder.len() == 1;
            let take = if last {
                left.min(available.saturating_sub(1))
            } else {
                left.min(available)
            };
            if take == 0 {
                break;
            }
            ladder.remove(price, take);
            self.touched.push((side, price));
            out.fills.push(Fill {
                t_ms,
                taker,
                price,
                qty: take,
                order,
            });
            notional += price as f64 * take as f64;
            left -= take;
            if left == 0 {
                break;
            }
        }
        (qty - left, notional)
    }

    /// Spoof episodes: a large order a few ticks behind the touch, pulled seconds later.
    fn spoof(&mut self, f: &Frame, episodes: &mut Vec<Episode>) {
        let now = f.t0_ms;
        if let Some(s) = self.spoof {
            if now >= s.pull_ms {
                self.ladder(s.side).remove(s.price, s.qty);
                self.touched.push((s.side, s.price));
                episodes.push(Episode::Spoof {
                    book: self.id,
                    side: s.side,
                    price: s.price,
                    qty: s.qty,
                    placed_ms: s.placed_ms,
                    pulled_ms: now,
                });
                self.spoof = None;
                self.next_spoof_ms = now + (self.rng.between(20.0, 150.0) * 1e3) as u64;
            }
            return;
        }
        if now < self.next_spoof_ms {
            return;
        }
        let side = if self.rng.chance(0.5) {
            Side::Bid
        } else {
            Side::Ask
        };
        let Some((best, _)) = self.ladder(side).best() else {
            return;
        };
        let behind = 1 + self.rng.geometric(1.0) as i64;
        let price = match side {
            Side::Bid => best - behind,
            Side::Ask => best + behind,
        };
        let size = self.spec.order_size * self.rng.between(25.0, 60.0);
        let qty = self.lots(size);
        self.place(side, price, qty);
        self.spoof = Some(Spoof {
            side,
            price,
            qty,
            placed_ms: now,
            pull_ms: now + (self.rng.between(1.5, 6.0) * 1e3) as u64,
        });
    }

    /// A wall: a large order at a round price 5–40 bps away.
    fn wall(&mut self, f: &Frame, episodes: &mut Vec<Episode>) {
        let side = if self.rng.chance(0.5) {
            Side::Bid
        } else {
            Side::Ask
        };
        let reference = f.r * self.tick;
        let round = (10f64.powf(reference.log10().floor() - 3.0) / self.tick)
            .round()
            .max(1.0);
        let away = self.rng.between(5.0, 40.0) * f.ticks_per_bp;
        let price = match side {
            Side::Bid => ((f.r - away) / round).floor() * round,
            Side::Ask => ((f.r + away) / round).ceil() * round,
        } as i64;
        let size = self.spec.order_size * self.rng.between(40.0, 120.0);
        let qty = self.lots(size);
        self.place(side, price, qty);
        episodes.push(Episode::Wall {
            book: self.id,
            side,
            price,
            qty,
        });
    }

    fn prune(&mut self, f: &Frame) {
        let span = f.r * MAX_DISTANCE;
        let touched = &mut self.touched;
        self.bids.prune((f.r - span) as i64, MAX_LEVELS, |p| {
            touched.push((Side::Bid, p))
        });
        self.asks.prune((f.r + span) as i64, MAX_LEVELS, |p| {
            touched.push((Side::Ask, p))
        });
    }

    /// The step's level changes: each touched level once, with its size now.
    fn collect(&mut self, out: &mut BookStep) {
        self.touched
            .sort_unstable_by_key(|(s, p)| (*s == Side::Ask, *p));
        self.touched.dedup();
        for &(side, price) in &self.touched {
            let qty = match side {
                Side::Bid => self.bids.qty(price),
                Side::Ask => self.asks.qty(price),
            };
            out.changes.push(LevelChange { side, price, qty });
        }
        self.touched.clear();
    }

    /// `fair` is the fair price in the book's quote currency.
    fn derivs(&mut self, sym: &SymbolTick, fair: f64, f: &Frame, out: &BookStep) -> DerivState {
        let traded: u64 = out.fills.iter().map(|x| x.qty).sum();
        let traded = traded as f64 * self.base_per_lot;
        let noise = self.rng.normal();
        self.open_interest +=
            traded * 0.3 * noise + (self.oi_anchor - self.open_interest) * (f.dt_s / 7_200.0);
        self.open_interest = self.open_interest.max(self.oi_anchor * 0.1);
        DerivState {
            mark: fair * (1.0 + sym.basis + self.offset / 2.0),
            index: fair,
            funding_rate: sym.funding_rate,
            open_interest: self.open_interest,
        }
    }
}

/// The position a forced order of `taker`'s side closes: longs are sold out, shorts bought in.
fn liquidated(taker: TakerSide) -> LiquidatedPosition {
    match taker {
        TakerSide::Sell => LiquidatedPosition::Long,
        TakerSide::Buy => LiquidatedPosition::Short,
    }
}
