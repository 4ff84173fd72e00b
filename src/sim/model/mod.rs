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
pub mod stable;
#[cfg(test)]
mod tests;

use crate::market::Side;
use crate::sim::catalog::{BookId, INSTRUMENTS, SYMBOLS, Symbol, USDC, USDT};
use book::BookModel;
use event::{BookStep, Episode, Step};
use price::{SymbolModel, SymbolTick};
use scenario::{Scenario, ScenarioError, ScenarioSpec};
use stable::{StableStep, Stables};
use std::time::Duration;

/// Per symbol (in [`SYMBOLS`] order), whether one of `books` trades it.
fn active_symbols(books: &[BookId]) -> Vec<bool> {
    let mut active = vec![false; SYMBOLS.len()];
    for &b in books {
        active[INSTRUMENTS[b].symbol] = true;
    }
    active
}

/// Every symbol's price process and the books asked for.
#[derive(Debug)]
pub struct Model {
    step_ms: u64,
    index: u64,
    symbols: Vec<SymbolModel>,
    /// Per symbol, whether a book of the model trades it: only those are stepped (each
    /// symbol's process draws from its own stream, so the others' paths are unchanged).
    active: Vec<bool>,
    books: Vec<BookModel>,
    stables: Stables,
    /// Per symbol, the log offset the scenarios added to its fair price at the last step
    /// (empty without scenarios).
    scenario_offsets: Vec<f64>,
}

impl Model {
    /// A model of `books` (indices into [`INSTRUMENTS`]) stepping every `step`.
    pub fn new(seed: u64, books: &[BookId], step: Duration) -> Self {
        let prices: Vec<f64> = SYMBOLS.iter().map(|s| s.price).collect();
        Model::starting_at(seed, books, step, &prices)
    }

    /// A model whose symbols' fair prices reach their catalog prices after `steps` steps,
    /// instead of starting there: the demo's simulated past then ends where the live market (a
    /// [`Model::new`] of another seed) begins, rather than a day's walk away from it.
    pub fn ending_at_catalog(seed: u64, books: &[BookId], step: Duration, steps: u64) -> Self {
        let prices = Model::catalog_start_prices(seed, books, step, steps);
        Model::starting_at(seed, books, step, &prices)
    }

    /// The start prices (in [`SYMBOLS`] order) from which the symbols of `books` reach their
    /// catalog prices after `steps` steps ([`Model::ending_at_catalog`]).
    pub fn catalog_start_prices(
        seed: u64,
        books: &[BookId],
        step: Duration,
        steps: u64,
    ) -> Vec<f64> {
        let catalog: Vec<f64> = SYMBOLS.iter().map(|s| s.price).collect();
        Model::start_prices_reaching(seed, books, step, steps, &catalog)
    }

    /// The start prices (in [`SYMBOLS`] order) from which the symbols of `books` reach `ends`
    /// after `steps` steps: a stretch of the past built after a later one then ends where
    /// that one begins. The fair price walks in log space, so starting it lower or higher by
    /// its whole move over the span shifts the path and nothing else; the walk is found by
    /// running each symbol's process alone first (its random stream is its own). Symbols
    /// without a book keep their end price.
    pub fn start_prices_reaching(
        seed: u64,
        books: &[BookId],
        step: Duration,
        steps: u64,
        ends: &[f64],
    ) -> Vec<f64> {
        let step_ms = (step.as_millis() as u64).max(1);
        let dt_s = step_ms as f64 / 1e3;
        let active = active_symbols(books);
        SYMBOLS
            .iter()
            .zip(ends)
            .enumerate()
            .map(|(i, (s, &end))| {
                if matches!(i, USDT | USDC) || !active[i] {
                    return end;
                }
                let mut probe = SymbolModel::new(seed, i, *s);
                let mut episodes = Vec::new();
                for k in 1..=steps {
                    probe.step(k * step_ms, dt_s, &mut episodes);
                    episodes.clear();
                }
                end * s.price / probe.fair()
            })
            .collect()
    }

    /// A model whose symbols start at `prices` (in [`SYMBOLS`] order).
    pub fn starting_at(seed: u64, books: &[BookId], step: Duration, prices: &[f64]) -> Self {
        let symbols: Vec<SymbolModel> = SYMBOLS
            .iter()
            .zip(prices)
            .enumerate()
            .map(|(i, (s, &price))| SymbolModel::new(seed, i, Symbol { price, ..*s }))
            .collect();
        let stables = Stables::new(seed);
        let rates = stables.current();
        let models = books
            .iter()
            .map(|&b| {
                let mut book = BookModel::new(seed, b, prices[INSTRUMENTS[b].symbol]);
                // Placed around the fair price, a book quoted in USDT or USDC, or a perpetual
                // with its basis, would lose every quote between there and its reference to
                // the first step's pick-offs: a sweep of hundreds of millions at the start.
                let tick = match INSTRUMENTS[b].symbol {
                    USDT => SymbolTick::pegged(rates.usdt.0, rates.usdt.1),
                    USDC => SymbolTick::pegged(rates.usdc.0, rates.usdc.1),
                    i => symbols[i].still(),
                };
                book.recentre(&tick, rates.quote_usd(INSTRUMENTS[b].quote));
                book
            })
            .collect();
        Model {
            step_ms: (step.as_millis() as u64).max(1),
            index: 0,
            symbols,
            active: active_symbols(books),
            books: models,
            stables,
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
    /// prices, the stablecoin rates and each book's trade flow move as in [`step`](Self::step)
    /// (its taker orders, pick-offs and forced orders, see [`BookModel::taker_flow`], appended
    /// to `out[book]`'s fills and forced orders), then every book is re-centred on its new
    /// reference price. Much cheaper than stepping: the limit-order arrivals and cancels, most
    /// of the model's cost, are skipped; so are the scenarios' book actions (adds, pulls,
    /// prints, liquidations), while their price paths still move the symbols. Returns the model
    /// time reached.
    pub fn skip(&mut self, steps: u64, out: &mut [BookStep]) -> u64 {
        let dt_s = self.step_ms as f64 / 1e3;
        let mut episodes = Vec::new();
        let mut last = None;
        for _ in 0..steps {
            let t0 = self.index * self.step_ms;
            self.index += 1;
            let t_ms = self.index * self.step_ms;
            episodes.clear();
            let stables = self.stables.step(dt_s);
            let ticks = self.symbol_ticks(t_ms, dt_s, stables, &mut episodes);
            for (b, out) in self.books.iter_mut().zip(out.iter_mut()) {
                let sym = &ticks[b.instrument().symbol];
                let quote_usd = stables.quote_usd(b.instrument().quote);
                b.taker_flow(t0, dt_s, sym, quote_usd, out);
            }
            last = Some((ticks, stables));
        }
        if let Some((ticks, stables)) = last {
            for b in &mut self.books {
                let quote_usd = stables.quote_usd(b.instrument().quote);
                b.recentre(&ticks[b.instrument().symbol], quote_usd);
            }
        }
        self.index * self.step_ms
    }

    /// Every symbol's tick for the step ending at `t_ms`; USDT's and USDC's are their dollar
    /// rates' moves.
    fn symbol_ticks(
        &mut self,
        t_ms: u64,
        dt_s: f64,
        stables: StableStep,
        episodes: &mut Vec<Episode>,
    ) -> Vec<SymbolTick> {
        let active = &self.active;
        let mut ticks: Vec<SymbolTick> = self
            .symbols
            .iter_mut()
            .map(|s| match s.index {
                USDT => SymbolTick::pegged(stables.usdt.0, stables.usdt.1),
                USDC => SymbolTick::pegged(stables.usdc.0, stables.usdc.1),
                i if !active[i] => s.still(),
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
        let stables = self.stables.step(dt_s);
        let ticks = self.symbol_ticks(t_ms, dt_s, stables, &mut episodes);
        let books = self
            .books
            .iter_mut()
            .map(|b| {
                let mut out = BookStep::default();
                let sym = &ticks[b.instrument().symbol];
                let quote_usd = stables.quote_usd(b.instrument().quote);
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
