//! Scenarios (`--scenario NAME[@VENUE:INSTRUMENT]`): the footprint each of `features.md`'s
//! reads looks for, injected on one book of the model on a fixed cadence, so a person watching
//! `--demo` sees every detector fire and the tests can prove it does.
//!
//! | name | what happens on the target book | cadence |
//! |---|---|---|
//! | `spoof` (§10.1) | an order of 300 × the usual size 3–10 bps behind the best, pulled after 1.5 s | every 3 s from 5 s |
//! | `layering` (§10.2) | 4 levels 4–10 bps behind the best, same side, 0.2 s apart, 200 × the usual size each, all pulled 1.8 s after the first | every 6 s from 7 s |
//! | `stuffing` (§10.3) | 500 far levels (30–155 bps out) flicker a lot in and out every step (5 000 level changes/s, about 100 per trade), no extra trades | 5 s every 60 s from 20 s |
//! | `ignition` (§10.4) | a 5 s one-sided taker burst (about $10 M on BTC: 40 orders/s of 50 × the usual trade) while the price moves 60 bps its way, all of it given back over the next 60 s; up and down in turn | every 5 min from 90 s |
//! | `pump` (§10.5) | the price rises 12 % over 15 min (the model's own cascades can take 3–4 % off any 15 min, so the 15 min return stays above R* = 5 % through them) under taker buying of 4 × the notional the market trades anyway, then falls back over 30 min, the first 10 under selling as heavy (prints at the touch: the price path is the scenario's, the book's depth is left to follow it) | every 60 min from 2 min |
//! | `wash` (§10.6) | 40 prints/s at the touch whose notionals have uniform first digits (Benford broken), the book untouched | continuous from 10 s |
//! | `stop-hunt` (§10.7, perpetuals) | the price spikes 50 bps beyond its 30 min range in 20 s with squeezed-side liquidations (15/s), then falls back to the middle of the range within 60 s; up and down in turn | every 40 min from 32 min (the read needs half an hour of the liquidation stream) |
//! | `dislocation` (§10.8) | the book's quotes move 22 bps off the other venues in 2 s, stay 30 s, come back; up and down in turn | every 2 min from 30 s |
//! | `regime-shift` (§6) | 20 min of trend (4 σ of the usual 5 min return every 5 min) at 2.5 × the volatility, then 40 min calm; up and down in turn | every 60 min from 5 min |
//! | `wall` (§5) | an order of 1 000 × the usual size (50 BTC, about $5 M: the buckets at the touch hold $2–6 M, so a wall must stand out of that) at a round price (a multiple of $100 for BTC) 50–100 bps away (beyond the model's own walls, 5–40 bps), kept topped up for 10 min or until the price comes within 5 bps of it | every 12 min from 10 s |
//!
//! The sizes are set against the simulated market's own flow: `spoof` and `layering` must
//! outweigh the large adds that persist (the BTC book takes a few $50k+ adds a second within
//! 50 bps), `ignition` the 5 s notional the book trades anyway (about $2 M on BTC, mostly
//! arbitrage picking off quotes the price moved through), `stuffing` the trades per second (the
//! gate is 50 level changes per trade).
//!
//! `ignition`, `pump`, `stop-hunt` and `regime-shift` move the price, and move it for every book
//! of the symbol (arbitrage carries a move across venues within a step, so a move on one venue
//! alone would be a dislocation); their flow (the burst, the volume, the liquidations) is on the
//! target book. `dislocation` moves the target book alone. The others touch only the target's
//! levels and prints.
//!
//! Each scenario draws from a random stream of its own (`scenario:NAME:VENUE:ID`), so a run
//! without scenarios is the market the seed always gave, and a scenario added changes its own
//! footprint, not the draws of the rest of the model.

use super::book::{BookModel, Frame};
use super::event::{BookStep, Episode};
use super::rng::Stream;
use crate::market::{Side, TakerSide, VenueId};
use crate::sim::catalog::{BookId, INSTRUMENTS, find};
use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;

const SECOND: u64 = 1_000;
const MINUTE: u64 = 60 * SECOND;

/// The reads a scenario can make fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScenarioKind {
    Spoof,
    Layering,
    Stuffing,
    Ignition,
    Pump,
    Wash,
    StopHunt,
    Dislocation,
    RegimeShift,
    Wall,
}

impl ScenarioKind {
    pub const ALL: [ScenarioKind; 10] = [
        ScenarioKind::Spoof,
        ScenarioKind::Layering,
        ScenarioKind::Stuffing,
        ScenarioKind::Ignition,
        ScenarioKind::Pump,
        ScenarioKind::Wash,
        ScenarioKind::StopHunt,
        ScenarioKind::Dislocation,
        ScenarioKind::RegimeShift,
        ScenarioKind::Wall,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ScenarioKind::Spoof => "spoof",
            ScenarioKind::Layering => "layering",
            ScenarioKind::Stuffing => "stuffing",
            ScenarioKind::Ignition => "ignition",
            ScenarioKind::Pump => "pump",
            ScenarioKind::Wash => "wash",
            ScenarioKind::StopHunt => "stop-hunt",
            ScenarioKind::Dislocation => "dislocation",
            ScenarioKind::RegimeShift => "regime-shift",
            ScenarioKind::Wall => "wall",
        }
    }

    /// Model time of the first occurrence and the period, ms (the module's table).
    pub fn schedule(self) -> (u64, u64) {
        match self {
            ScenarioKind::Spoof => (5 * SECOND, 3 * SECOND),
            ScenarioKind::Layering => (7 * SECOND, 6 * SECOND),
            ScenarioKind::Stuffing => (20 * SECOND, MINUTE),
            ScenarioKind::Ignition => (90 * SECOND, 5 * MINUTE),
            ScenarioKind::Pump => (2 * MINUTE, 60 * MINUTE),
            // One long episode: the Benford test needs thousands of prints.
            ScenarioKind::Wash => (10 * SECOND, u64::MAX / 2),
            ScenarioKind::StopHunt => (32 * MINUTE, 40 * MINUTE),
            ScenarioKind::Dislocation => (30 * SECOND, 2 * MINUTE),
            ScenarioKind::RegimeShift => (5 * MINUTE, 60 * MINUTE),
            ScenarioKind::Wall => (10 * SECOND, 12 * MINUTE),
        }
    }

    /// One line for the banner and the demo's log: what happens, and how often.
    pub fn cadence(self) -> &'static str {
        match self {
            ScenarioKind::Spoof => "a large order behind the best pulled after 1.5 s, every 3 s",
            ScenarioKind::Layering => "4 same-side levels added 0.2 s apart and pulled, every 6 s",
            ScenarioKind::Stuffing => "500 levels flickering for 5 s, every 60 s",
            ScenarioKind::Ignition => {
                "a 5 s one-sided taker burst moving the price 60 bps, retraced over 60 s, every 5 min"
            }
            ScenarioKind::Pump => "+12 % over 15 min on heavy buying, then the dump, every 60 min",
            ScenarioKind::Wash => "40 prints/s with uniform first digits, continuous",
            ScenarioKind::StopHunt => {
                "a spike 50 bps beyond the 30 min range with liquidations, then re-entry, every 40 min from 32 min"
            }
            ScenarioKind::Dislocation => "quotes 22 bps off the other venues for 30 s, every 2 min",
            ScenarioKind::RegimeShift => "20 min of trend at 2.5 × the volatility, every 60 min",
            ScenarioKind::Wall => {
                "a large order at a round price 50–100 bps away for 10 min, every 12 min"
            }
        }
    }

    /// The book a scenario named without `@VENUE:INSTRUMENT` runs on: Binance's BTCUSDT, the
    /// USDⓈ-M perpetual for `stop-hunt` (liquidations exist only on perpetuals).
    pub fn default_target(self) -> (VenueId, &'static str) {
        match self {
            ScenarioKind::StopHunt => (VenueId::BinanceUsdm, "BTCUSDT"),
            _ => (VenueId::Binance, "BTCUSDT"),
        }
    }
}

impl fmt::Display for ScenarioKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a `--scenario` cannot run.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScenarioError {
    #[error(
        "unknown scenario `{0}` (known: spoof, layering, stuffing, ignition, pump, wash, stop-hunt, dislocation, regime-shift, wall)"
    )]
    Unknown(String),
    #[error("`{0}`: the target is VENUE:INSTRUMENT, e.g. `spoof@binance:BTCUSDT`")]
    Target(String),
    #[error("`{0}`: the simulator has no such book")]
    NoBook(String),
    #[error(
        "`{0}`: stop-hunt needs a perpetual (liquidations), e.g. `stop-hunt@binance-usdm:BTCUSDT`"
    )]
    NotPerpetual(String),
}

/// One `--scenario` as given: the kind and, optionally, its book.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioSpec {
    pub kind: ScenarioKind,
    pub target: Option<(VenueId, String)>,
}

impl ScenarioSpec {
    pub fn new(kind: ScenarioKind) -> Self {
        ScenarioSpec { kind, target: None }
    }

    /// The simulated book this scenario runs on.
    pub fn book(&self) -> Result<BookId, ScenarioError> {
        let (venue, id) = match &self.target {
            Some((v, id)) => (*v, id.as_str()),
            None => self.kind.default_target(),
        };
        let book = find(venue, id).ok_or_else(|| ScenarioError::NoBook(self.to_string()))?;
        if self.kind == ScenarioKind::StopHunt && !INSTRUMENTS[book].is_perpetual() {
            return Err(ScenarioError::NotPerpetual(self.to_string()));
        }
        Ok(book)
    }
}

impl FromStr for ScenarioSpec {
    type Err = ScenarioError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, target) = match s.split_once('@') {
            Some((name, target)) => (name, Some(target)),
            None => (s, None),
        };
        let kind = ScenarioKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| ScenarioError::Unknown(name.to_owned()))?;
        let target = match target {
            None => None,
            Some(t) => {
                let (venue, id) = t
                    .split_once(':')
                    .filter(|(_, id)| !id.is_empty())
                    .ok_or_else(|| ScenarioError::Target(s.to_owned()))?;
                let venue = venue
                    .parse::<VenueId>()
                    .map_err(|_| ScenarioError::Target(s.to_owned()))?;
                Some((venue, id.to_owned()))
            }
        };
        Ok(ScenarioSpec { kind, target })
    }
}

impl fmt::Display for ScenarioSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (venue, id) = match &self.target {
            Some((v, id)) => (*v, id.as_str()),
            None => self.kind.default_target(),
        };
        write!(f, "{}@{}:{id}", self.kind, venue.as_str())
    }
}

/// What a running scenario remembers between steps; everything bounded (at most the 500
/// levels of a stuffing burst, the 31 minutes of a stop-hunt's range).
#[derive(Debug)]
pub struct Scenario {
    pub kind: ScenarioKind,
    rng: Stream,
    first_ms: u64,
    period_ms: u64,
    /// The occurrence in progress and how many of its actions are done.
    cycle: Option<u64>,
    done: u32,
    /// +1 or −1: the way this occurrence goes (alternating).
    sign: f64,
    /// Orders this scenario rests in the book: `(side, price, lots)`.
    resting: Vec<(Side, i64, u64)>,
    /// Log offset added to the symbol's fair price (the price-moving scenarios).
    fair_offset: f64,
    /// Fraction added to this book's reference price (`dislocation`).
    book_offset: f64,
    /// `stop-hunt`: the occurrence's planned offsets (peak, back inside the range).
    spike: (f64, f64),
    /// `stop-hunt`: (minute, high, low) of the fair price, the last 31 minutes.
    minutes: VecDeque<(u64, f64, f64)>,
}

/// The price path of `ignition` (log offset at `phase` ms into an occurrence, unsigned): up
/// 60 bps in 5 s, back over 60 s.
fn ignition_path(phase: u64) -> f64 {
    const PEAK: f64 = 60e-4;
    if phase <= 5_000 {
        ramp(phase, 0, 5_000, 0.0, PEAK)
    } else {
        ramp(phase, 5_000, 65_000, PEAK, 0.0)
    }
}

/// The price path of `pump`: +12 % over 15 min, back over the next 30 min.
fn pump_path(phase: u64) -> f64 {
    const RISE: f64 = 0.12;
    let m = phase as f64 / MINUTE as f64;
    if m <= 15.0 {
        RISE * m / 15.0
    } else {
        (RISE * (1.0 - (m - 15.0) / 30.0)).max(0.0)
    }
}

/// A linear move from `a` to `b` over `[t0, t1]` ms, held outside it.
fn ramp(phase: u64, t0: u64, t1: u64, a: f64, b: f64) -> f64 {
    let x = (phase.saturating_sub(t0) as f64 / (t1 - t0) as f64).clamp(0.0, 1.0);
    a + (b - a) * x
}

impl Scenario {
    pub fn new(seed: u64, kind: ScenarioKind, book: BookId) -> Self {
        let inst = &INSTRUMENTS[book];
        let (first_ms, period_ms) = kind.schedule();
        Scenario {
            kind,
            rng: Stream::new(
                seed,
                &format!("scenario:{}:{}:{}", kind.name(), inst.venue, inst.id),
            ),
            first_ms,
            period_ms,
            cycle: None,
            done: 0,
            sign: 1.0,
            resting: Vec::new(),
            fair_offset: 0.0,
            book_offset: 0.0,
            spike: (0.0, 0.0),
            minutes: VecDeque::with_capacity(32),
        }
    }

    /// The occurrence and the ms into it at model time `t_ms` (`None` before the first).
    fn phase(&self, t_ms: u64) -> Option<(u64, u64)> {
        let since = t_ms.checked_sub(self.first_ms)?;
        Some((since / self.period_ms, since % self.period_ms))
    }

    /// Log offset of the symbol's fair price this scenario wants at `t_ms`, given the fair
    /// price without any scenario (`base_fair`) and the symbol's annual volatility. Called
    /// once a step, before the books step.
    pub fn fair_offset(&mut self, t_ms: u64, dt_s: f64, base_fair: f64, vol_annual: f64) -> f64 {
        let Some((cycle, phase)) = self.phase(t_ms) else {
            self.track_range(t_ms, base_fair);
            return 0.0;
        };
        let sign = if cycle.is_multiple_of(2) { 1.0 } else { -1.0 };
        self.fair_offset = match self.kind {
            ScenarioKind::Ignition => sign * ignition_path(phase),
            ScenarioKind::Pump => pump_path(phase),
            ScenarioKind::StopHunt => self.stop_hunt_offset(cycle, phase, sign, base_fair),
            ScenarioKind::RegimeShift => self.regime_offset(phase, dt_s, sign, vol_annual),
            _ => 0.0,
        };
        if self.kind == ScenarioKind::StopHunt {
            self.track_range(t_ms, base_fair);
        }
        if self.kind == ScenarioKind::Dislocation {
            self.book_offset = sign * ramp(phase, 0, 2_000, 0.0, 22e-4)
                - sign * ramp(phase, 32_000, 34_000, 0.0, 22e-4);
        }
        self.fair_offset
    }

    /// Fraction this scenario adds to its book's reference price.
    pub fn book_offset(&self) -> f64 {
        self.book_offset
    }

    /// Keeps the last 31 minutes' high and low of the fair price (`stop-hunt` only).
    fn track_range(&mut self, t_ms: u64, fair: f64) {
        if self.kind != ScenarioKind::StopHunt {
            return;
        }
        let minute = t_ms / MINUTE;
        match self.minutes.back_mut() {
            Some((m, hi, lo)) if *m == minute => {
                *hi = hi.max(fair);
                *lo = lo.min(fair);
            }
            _ => {
                if self.minutes.len() == 31 {
                    self.minutes.pop_front();
                }
                self.minutes.push_back((minute, fair, fair));
            }
        }
    }

    /// `stop-hunt`: at the start of an occurrence the peak is planned 50 bps beyond the range
    /// of the minutes before it, and the return to the range's middle.
    fn stop_hunt_offset(&mut self, cycle: u64, phase: u64, sign: f64, fair: f64) -> f64 {
        if self.cycle != Some(cycle) && !self.minutes.is_empty() {
            let hi = self.minutes.iter().map(|m| m.1).fold(f64::MIN, f64::max);
            let lo = self.minutes.iter().map(|m| m.2).fold(f64::MAX, f64::min);
            let edge = if sign > 0.0 { hi } else { lo };
            let peak = (edge / fair).ln() + sign * 50e-4;
            let back = ((hi + lo) / 2.0 / fair).ln();
            self.spike = (peak, back);
        }
        let (peak, back) = self.spike;
        if phase <= 25_000 {
            ramp(phase, 0, 20_000, 0.0, peak)
        } else if phase <= 60_000 {
            ramp(phase, 25_000, 60_000, peak, back)
        } else {
            ramp(phase, 120_000, 300_000, back, 0.0)
        }
    }

    /// `regime-shift`: for 20 min a drift of 4 σ of the usual 5 min return every 5 min, and
    /// noise that lifts the volatility to 2.5 × its usual; then the offset holds.
    fn regime_offset(&mut self, phase: u64, dt_s: f64, sign: f64, vol_annual: f64) -> f64 {
        if phase >= 20 * MINUTE {
            return self.fair_offset;
        }
        let sigma_s = vol_annual / (365.0f64 * 86_400.0).sqrt();
        let drift = 4.0 * sigma_s * 300f64.sqrt() / 300.0;
        let extra = sigma_s * 5.25f64.sqrt() * dt_s.sqrt() * self.rng.normal();
        self.fair_offset + sign * drift * dt_s + extra
    }

    /// The scenario's actions on its book during one step (after the book's own order flow,
    /// before the market makers requote and the changes are collected).
    pub(super) fn act(
        &mut self,
        book: &mut BookModel,
        f: &Frame,
        out: &mut BookStep,
        episodes: &mut Vec<Episode>,
    ) {
        let Some((cycle, phase)) = self.phase(f.t0_ms) else {
            return;
        };
        if self.cycle != Some(cycle) {
            self.cycle = Some(cycle);
            self.done = 0;
            self.sign = if cycle.is_multiple_of(2) { 1.0 } else { -1.0 };
            // An occurrence cut short (a pull that found the price moved) leaves nothing behind.
            self.pull_all(book);
            episodes.push(Episode::Scenario {
                book: book.id,
                kind: self.kind,
                t_ms: f.t0_ms,
            });
        }
        match self.kind {
            ScenarioKind::Spoof => self.spoof(book, f, phase),
            ScenarioKind::Layering => self.layering(book, f, phase),
            ScenarioKind::Stuffing => self.stuffing(book, f, phase),
            ScenarioKind::Ignition if phase < 5_000 => {
                let taker = if self.sign > 0.0 {
                    TakerSide::Buy
                } else {
                    TakerSide::Sell
                };
                let qty = book.lots(book.spec().trade_size * 50.0);
                for _ in 0..4 {
                    book.walk(taker, qty, f.t0_ms + 50, out);
                }
            }
            ScenarioKind::Pump if phase < 25 * MINUTE => {
                let taker = if phase < 15 * MINUTE {
                    TakerSide::Buy
                } else {
                    TakerSide::Sell
                };
                // Four times the notional traded this step anyway (at least the usual order),
                // in prints of about 50 × the usual trade.
                let tick = book.tick();
                let traded: f64 = out
                    .fills
                    .iter()
                    .map(|x| x.price as f64 * x.qty as f64)
                    .sum();
                let usual = book.spec().order_size * f.r * tick;
                let print = book.spec().trade_size * 50.0 * f.r * tick;
                let mut left = (4.0 * traded * tick * book.base_per_lot()).max(usual);
                while left > 0.0 {
                    book.print(taker, left.min(print), f.t0_ms + 50, out);
                    left -= print;
                }
            }
            ScenarioKind::Wash => self.wash(book, f, out),
            ScenarioKind::StopHunt if phase < 20_000 => {
                let taker = if self.sign > 0.0 {
                    TakerSide::Buy
                } else {
                    TakerSide::Sell
                };
                for _ in 0..self.rng.poisson(15.0 * f.dt_s) {
                    let t_ms = f.t0_ms + (self.rng.unit() * f.dt_s * 1e3) as u64;
                    let size = self.rng.log_normal(book.spec().trade_size * 6.0, 0.9);
                    let qty = book.lots(size);
                    book.force(taker, qty, t_ms, out);
                }
            }
            ScenarioKind::Wall => self.wall(book, f, phase),
            _ => {}
        }
    }

    fn rest(&mut self, book: &mut BookModel, side: Side, price: i64, qty: u64) {
        book.place(side, price, qty);
        self.resting.push((side, price, qty));
    }

    fn pull_all(&mut self, book: &mut BookModel) {
        for (side, price, qty) in self.resting.drain(..) {
            book.pull(side, price, qty);
        }
    }

    /// The price `bps` behind `side`'s best (at least one tick).
    fn behind_best(book: &BookModel, f: &Frame, side: Side, bps: f64) -> Option<i64> {
        let (best, _) = book.best(side)?;
        let ticks = ((bps * f.ticks_per_bp).round() as i64).max(1);
        Some(match side {
            Side::Bid => best - ticks,
            Side::Ask => best + ticks,
        })
    }

    fn side(&self) -> Side {
        if self.sign > 0.0 {
            Side::Bid
        } else {
            Side::Ask
        }
    }

    fn spoof(&mut self, book: &mut BookModel, f: &Frame, phase: u64) {
        if self.done == 0 {
            self.done = 1;
            let bps = self.rng.between(3.0, 10.0);
            if let Some(price) = Self::behind_best(book, f, self.side(), bps) {
                let qty = book.lots(book.spec().order_size * 300.0);
                self.rest(book, self.side(), price, qty);
            }
        } else if self.done == 1 && phase >= 1_500 {
            self.done = 2;
            self.pull_all(book);
        }
    }

    fn layering(&mut self, book: &mut BookModel, f: &Frame, phase: u64) {
        while self.done < 4 && phase >= 200 * u64::from(self.done) {
            let bps = 4.0 + 2.0 * f64::from(self.done);
            if let Some(price) = Self::behind_best(book, f, self.side(), bps) {
                let qty = book.lots(book.spec().order_size * 200.0);
                self.rest(book, self.side(), price, qty);
            }
            self.done += 1;
        }
        if self.done == 4 && phase >= 1_800 {
            self.done = 5;
            self.pull_all(book);
        }
    }

    fn stuffing(&mut self, book: &mut BookModel, f: &Frame, phase: u64) {
        if !self.resting.is_empty() {
            self.pull_all(book);
        } else if phase < 5_000 {
            let spacing = (f.ticks_per_bp / 2.0).round().max(1.0) as i64;
            let start = (30.0 * f.ticks_per_bp).round() as i64;
            for i in 0..250 {
                let away = start + i * spacing;
                let bid = f.r.floor() as i64 - away;
                let ask = f.r.ceil() as i64 + away;
                self.rest(book, Side::Bid, bid, 1);
                self.rest(book, Side::Ask, ask, 1);
            }
        }
    }

    /// Wash prints: the touch's price, the book untouched, notionals with uniform first digits
    /// around the usual trade's notional.
    fn wash(&mut self, book: &mut BookModel, f: &Frame, out: &mut BookStep) {
        let typical = book.spec().trade_size * f.r * book.tick();
        let decade = 10f64.powf(typical.log10().floor());
        for _ in 0..self.rng.poisson(40.0 * f.dt_s) {
            let digit = 1.0 + self.rng.index(9) as f64;
            let notional = (digit + self.rng.unit()) * decade;
            let taker = if self.rng.chance(0.5) {
                TakerSide::Buy
            } else {
                TakerSide::Sell
            };
            let t_ms = f.t0_ms + (self.rng.unit() * f.dt_s * 1e3) as u64;
            book.print(taker, notional, t_ms, out);
        }
    }

    /// A wall at a round price (a multiple of 10^(digits − 3) of the price: 100 for BTC at
    /// 97 250, 10 for ETH), topped up while it rests, pulled after 10 min or when the price comes within
    /// 5 bps of it (a wall is not there to be swept).
    fn wall(&mut self, book: &mut BookModel, f: &Frame, phase: u64) {
        if self.done == 0 {
            self.done = 1;
            let reference = f.r * book.tick();
            let round = (10f64.powf(reference.log10().floor() - 2.0) / book.tick())
                .round()
                .max(1.0);
            let away = self.rng.between(50.0, 100.0) * f.ticks_per_bp;
            let side = self.side();
            let price = match side {
                Side::Bid => ((f.r - away) / round).floor() * round,
                Side::Ask => ((f.r + away) / round).ceil() * round,
            } as i64;
            let qty = book.lots(book.spec().order_size * 1_000.0);
            self.rest(book, side, price, qty);
            return;
        }
        let Some(&(side, price, qty)) = self.resting.first() else {
            return;
        };
        let near = (price as f64 - f.r).abs() < 5.0 * f.ticks_per_bp;
        if phase >= 10 * MINUTE || near {
            self.pull_all(book);
            return;
        }
        let have = book.qty(side, price);
        if have < qty {
            book.place(side, price, qty - have);
        }
    }

    /// Moves the orders this scenario rests by `ticks` (the book was re-centred).
    pub(super) fn shift(&mut self, ticks: i64) {
        for (_, price, _) in &mut self.resting {
            *price += ticks;
        }
    }
}

#[cfg(test)]
mod tests;
