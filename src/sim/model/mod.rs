//! The market model: a latent fair price per symbol ([`price`]) and one order-flow process per
//! venue book ([`book`]), advanced together in fixed steps of simulated time.
//!
//! It knows nothing of wire formats or sockets: each [`Model::step`] returns venue-neutral
//! changes in ticks and lots ([`event`]), and the same seed gives the same steps, whatever the
//! wall clock does. The caller decides how often to step (the simulator follows tokio's clock,
//! so paused-time tests are deterministic too).

pub mod book;
pub mod event;
pub mod flow;
pub mod ladder;
pub mod price;
pub mod rng;
pub mod scenario;
#[cfg(test)]
mod tests;
pub mod usdt;

use crate::market::Side;
use crate::sim::catalog::{BookId, INSTRUMENTS, SYMBOLS, USDT};
use book::BookModel;
use event::{BookStep, Episode, Fill, Step};
use price::{SymbolModel, SymbolTick};
use scenario::{Scenario, ScenarioError, ScenarioSpec};
use std::time::Duration;
use usdt::UsdtRate;

/// Every symbol's price process and the books asked for.
#[derive(Debug)]
pub struct Model {
    step_ms: u64,
    index: u64,
    symbols: Vec<SymbolModel>,
    books: Vec<BookModel>,
    usdt: UsdtRate,
    /// Per symbol, the log offset the scenarios added to its fair price at the last step
    /// (empty without scenarios).
    scenario_offsets: Vec<f64>,
}

impl Model {
    /// A model of `books` (indices into [`INSTRUMENTS`]) stepping every `step`.
    pub fn new(seed: u64, books: &[BookId], step: Duration) -> Self {
        let symbols = SYMBOLS
            .iter()
            .enumerate()
            .map(|(i, s)| SymbolModel::new(seed, i, *s))
            .collect();
        let books = books
            .iter()
            .map(|&b| BookModel::new(seed, b, INSTRUMENTS[b].symbol().price))
            .collect();
        Model {
            step_ms: (step.as_millis() as u64).max(1),
            index: 0,
            symbols,
            books,
            usdt: UsdtRate::new(seed),
            scenario_offsets: Vec::new(),
        }
    }

    /// This model with `scenarios` injected, each on its book (which must be one of the
    /// model's).
    pub fn with_scenarios(
        mut self,
        seed: u64,
        scenarios: &[ScenarioSpec],
    ) -> Result<Self, ScenarioError> {
        for spec in scenarios {
            let id = spec.book()?;
            let book = self
                .books
                .iter_mut()
                .find(|b| b.id == id)
                .ok_or_else(|| ScenarioError::NoBook(spec.to_string()))?;
            book.add_scenario(Scenario::new(seed, spec.kind, id));
            self.scenario_offsets = vec![0.0; self.symbols.len()];
        }
        Ok(self)
    }

    pub fn step_ms(&self) -> u64 {
        self.step_ms
    }

    /// The books, in the order given to [`Model::new`].
    pub fn book_ids(&self) -> impl Iterator<Item = BookId> + '_ {
        self.books.iter().map(|b| b.id)
    }

    /// One book's current levels on `side`, best first (`i` as in [`Model::book_ids`]).
    pub fn levels(&self, i: usize, side: Side) -> impl Iterator<Item = (i64, u64)> + '_ {
        self.books[i].side(side)
    }

    /// One book's open interest before any step (`i` as in [`Model::book_ids`]).
    pub fn open_interest(&self, i: usize) -> Option<f64> {
        self.books[i].open_interest()
    }

    /// Advances the market by `steps` steps without the books' limit orders: the symbols'
    /// prices, the USDT rate and each book's taker flow move as in [`step`](Self::step) (the
    /// orders priced at the touch, one fill each, appended to `fills[book]`), then every book is
    /// re-centred on its new reference price. Much cheaper than stepping: the limit-order
    /// arrivals and cancels, most of the model's cost, are skipped; so are the scenarios' book
    /// actions (adds, pulls, prints, liquidations), while their price paths still move the
    /// symbols. Returns the model time reached.
    pub fn skip(&mut self, steps: u64, fills: &mut [Vec<Fill>]) -> u64 {
        let dt_s = self.step_ms as f64 / 1e3;
        let mut episodes = Vec::new();
        let mut last = None;
        for _ in 0..steps {
            let t0 = self.index * self.step_ms;
            self.index += 1;
            let t_ms = self.index * self.step_ms;
            episodes.clear();
            let (usdt_before, usdt_usd) = (self.usdt.rate(), self.usdt.step(dt_s));
            let ticks = self.symbol_ticks(t_ms, dt_s, usdt_before, usdt_usd, &mut episodes);
            for (b, out) in self.books.iter_mut().zip(fills.iter_mut()) {
                let sym = &ticks[b.instrument().symbol];
                let quote_usd = quote_usd(b, usdt_usd);
                b.taker_flow(t0, dt_s, sym, quote_usd, out);
            }
            last = Some((ticks, usdt_usd));
        }
        if let Some((ticks, usdt_usd)) = last {
            for b in &mut self.books {
                let quote_usd = quote_usd(b, usdt_usd);
                b.recentre(&ticks[b.instrument().symbol], quote_usd);
            }
        }
        self.index * self.step_ms
    }

    /// Every symbol's tick for the step ending at `t_ms`; USDT's is the stablecoin rate's move.
    fn symbol_ticks(
        &mut self,
        t_ms: u64,
        dt_s: f64,
        usdt_before: f64,
        usdt_usd: f64,
        episodes: &mut Vec<Episode>,
    ) -> Vec<SymbolTick> {
        let mut ticks: Vec<SymbolTick> = self
            .symbols
            .iter_mut()
            .map(|s| match s.index {
                USDT => SymbolTick::pegged(usdt_before, usdt_usd),
                _ => s.step(t_ms, dt_s, episodes),
            })
            .collect();
        if !self.scenario_offsets.is_empty() {
            self.move_prices(t_ms, dt_s, &mut ticks);
        }
        ticks
    }

    /// The price-moving scenarios' offsets applied to their symbols' ticks (every book of the
    /// symbol follows, as arbitrage makes it).
    fn move_prices(&mut self, t_ms: u64, dt_s: f64, ticks: &mut [SymbolTick]) {
        let mut total = vec![0.0; ticks.len()];
        for b in &mut self.books {
            let sym = b.instrument().symbol;
            for s in b.scenarios_mut() {
                let vol = SYMBOLS[sym].vol_annual;
                total[sym] += s.fair_offset(t_ms, dt_s, ticks[sym].fair, vol);
            }
        }
        for ((tick, offset), last) in ticks.iter_mut().zip(total).zip(&mut self.scenario_offsets) {
            if offset != 0.0 || *last != 0.0 {
                tick.fair *= offset.exp();
                tick.ret += offset - *last;
                *last = offset;
            }
        }
    }

    /// Advance the whole market by one step.
    pub fn step(&mut self) -> Step {
        let t0 = self.index * self.step_ms;
        self.index += 1;
        let t_ms = self.index * self.step_ms;
        let dt_s = self.step_ms as f64 / 1e3;
        let mut episodes = Vec::new();
        let (usdt_before, usdt_usd) = (self.usdt.rate(), self.usdt.step(dt_s));
        let ticks = self.symbol_ticks(t_ms, dt_s, usdt_before, usdt_usd, &mut episodes);
        let books = self
            .books
            .iter_mut()
            .map(|b| {
                let mut out = BookStep::default();
                let sym = &ticks[b.instrument().symbol];
                let quote_usd = quote_usd(b, usdt_usd);
                b.step(t0, dt_s, sym, quote_usd, &mut out, &mut episodes);
                out
            })
            .collect();
        Step {
            index: self.index,
            t_ms,
            books,
            episodes,
        }
    }
}

/// USD per USDC: USDC trades half a basis point under the dollar in calm markets, so USDC books
/// (Hyperliquid) sit a small basis away from USD and USDT books, as they do on real venues.
const USDC_USD: f64 = 0.99995;

/// The dollar value of book `b`'s quote currency.
fn quote_usd(b: &BookModel, usdt_usd: f64) -> f64 {
    match b.instrument().quote {
        "USD" => 1.0,
        "USDC" => USDC_USD,
        _ => usdt_usd,
    }
}
