//! Liquidity over time: ladder snapshots accumulated from successive frames, one column per
//! time slot (`[ui] heatmap_column_ms`), per book, with the trades printed in each slot.
//!
//! Every book is recorded (so switching venue shows history at once), including the slots where
//! it was not live: those are gaps on screen, not zeros.

use crate::engine::frame::{BookFrame, Frame, LadderLevel, TradePrint};
use crate::feed::event::BookKey;
use crate::market::{Nanos, Side, TakerSide};
use crate::ui::model::grouping::bid_bucket;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Columns kept per book at most (until the terminal's width is known, [`HeatmapStore::fit_width`]).
const CAPACITY: usize = 400;

/// A trade drawn on the heatmap. Its size only ranks the trades of a cell, so `f32` (16 bytes
/// a mark, not 24).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mark {
    pub price: f64,
    pub size: f32,
    pub taker: Option<TakerSide>,
}

/// One book in one time slot: its latest ladder in the slot and every trade printed in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub slot: u64,
    pub live: bool,
    pub stale: bool,
    ladder: ColumnLadder,
    pub trades: Vec<Mark>,
}

/// A column's ladder, both sides in one allocation, bids first (best first on each side).
///
/// Every book's column is kept for [`CAPACITY`] slots: 50 books of 50 levels a side at
/// 16 bytes a level held 9.3 MB of the demo's first minute, and four times that once full. A
/// book's prices are whole multiples of `10^-decimals` (its tick), so they are kept as `i32`
/// steps from the best bid, exactly, and sizes as `f32`, which only shade cells: 8 bytes a
/// level. A ladder whose prices do not come back bit for bit that way (no tick, a step count
/// beyond `i32`) is kept as it came.
#[derive(Clone, Debug, PartialEq)]
enum ColumnLadder {
    Steps {
        base: i64,
        per_unit: f64,
        bids: usize,
        levels: Box<[(i32, f32)]>,
    },
    Exact {
        bids: usize,
        levels: Box<[LadderLevel]>,
    },
}

impl ColumnLadder {
    fn new(bids: &[LadderLevel], asks: &[LadderLevel], decimals: u8) -> ColumnLadder {
        let all = || bids.iter().chain(asks);
        Self::steps(bids.len(), all(), decimals).unwrap_or_else(|| ColumnLadder::Exact {
            bids: bids.len(),
            levels: all().copied().collect(),
        })
    }

    fn steps<'a>(
        bids: usize,
        levels: impl Iterator<Item = &'a LadderLevel> + Clone,
        decimals: u8,
    ) -> Option<ColumnLadder> {
        let per_unit = 10f64.powi(i32::from(decimals));
        let units = |price: f64| {
            let n = (price * per_unit).round();
            // Exact: the step count gives back this very `f64`.
            (n.abs() < 2f64.powi(53) && n / per_unit == price).then_some(n as i64)
        };
        let base = match levels.clone().next() {
            Some(first) => units(first.price)?,
            None => 0,
        };
        let levels = levels
            .map(|l| Some((i32::try_from(units(l.price)? - base).ok()?, l.size as f32)))
            .collect::<Option<Box<[_]>>>()?;
        Some(ColumnLadder::Steps {
            base,
            per_unit,
            bids,
            levels,
        })
    }

    fn empty() -> ColumnLadder {
        ColumnLadder::Exact {
            bids: 0,
            levels: Box::new([]),
        }
    }

    /// `(price, size)` of the side's levels, best first.
    fn side(&self, side: Side) -> impl Iterator<Item = (f64, f64)> + '_ {
        let (bids, len) = match self {
            ColumnLadder::Steps { bids, levels, .. } => (*bids, levels.len()),
            ColumnLadder::Exact { bids, levels } => (*bids, levels.len()),
        };
        let range = match side {
            Side::Bid => 0..bids,
            Side::Ask => bids..len,
        };
        range.map(move |i| self.level(i))
    }

    fn level(&self, i: usize) -> (f64, f64) {
        match self {
            ColumnLadder::Steps {
                base,
                per_unit,
                levels,
                ..
            } => {
                let (step, size) = levels[i];
                ((base + i64::from(step)) as f64 / per_unit, f64::from(size))
            }
            ColumnLadder::Exact { levels, .. } => (levels[i].price, levels[i].size),
        }
    }

    fn levels(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.side(Side::Bid).chain(self.side(Side::Ask))
    }

    /// The best bid and ask prices, when both sides have a level.
    fn touch(&self) -> Option<(f64, f64)> {
        Some((
            self.side(Side::Bid).next()?.0,
            self.side(Side::Ask).next()?.0,
        ))
    }
}

#[derive(Clone, Debug, Default)]
struct History {
    /// Shared so freezing (a clone of the store) copies pointers, not ladders.
    columns: VecDeque<Arc<Column>>,
    /// The newest trade already recorded: trades are newest first, so what precedes it in the
    /// next frame is new.
    newest_trade: Option<TradePrint>,
}

/// Every book's recent columns.
#[derive(Clone, Debug)]
pub struct HeatmapStore {
    column_ns: u64,
    books: HashMap<BookKey, History>,
    /// The widest terminal seen, in columns, once known.
    widest: Option<usize>,
}

/// What the heatmap pane draws: sizes per (row, column), row 0 at the top (highest price).
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    pub rows: usize,
    pub width: usize,
    /// Resting size per cell, row-major.
    pub cells: Vec<f64>,
    /// Columns with no usable data (before the history starts, or no book live): drawn blank.
    pub gap: Vec<bool>,
    /// Trades: (row, column, taker side), the largest per cell.
    pub trades: Vec<(usize, usize, Option<TakerSide>)>,
    /// Per column, the grid row of the mid (the first book with both sides live then).
    pub mid: Vec<Option<usize>>,
    /// The size drawn at full intensity (95th percentile of non-empty cells, so one wall does
    /// not wash out the rest).
    pub full_scale: f64,
}

impl HeatmapStore {
    pub fn new(column_ms: u64) -> HeatmapStore {
        HeatmapStore {
            column_ns: column_ms.max(1) * 1_000_000,
            books: HashMap::new(),
            widest: None,
        }
    }

    /// The terminal is `width` columns wide. The heatmap pane, inside it, never draws more
    /// columns than that, so each book keeps only as many slots as the widest terminal seen:
    /// a 120-column terminal keeps 120, where [`CAPACITY`] held 3.3 times as many ladders per
    /// book once filled. A terminal widened later shows the slots not kept as gaps.
    pub fn fit_width(&mut self, width: u16) {
        let width = usize::from(width).max(1);
        self.widest = Some(self.widest.map_or(width, |w| w.max(width)));
    }

    /// Columns kept per book.
    fn keep(&self) -> usize {
        self.widest.map_or(CAPACITY, |w| w.min(CAPACITY))
    }

    pub fn column_ns(&self) -> u64 {
        self.column_ns
    }

    /// The slot a local time falls in.
    pub fn slot(&self, at: Nanos) -> u64 {
        at / self.column_ns
    }

    /// The mid of the last slot in which `key` was live.
    pub fn last_live_mid(&self, key: &BookKey) -> Option<f64> {
        let column = self.books.get(key)?.columns.iter().rev().find(|c| c.live)?;
        let (bid, ask) = column.ladder.touch()?;
        Some((bid + ask) / 2.0)
    }

    /// Records every book of `frame`: a new column when the frame starts a new slot, else the
    /// slot's column takes the newer ladder and adds the new trades.
    pub fn ingest(&mut self, frame: &Frame) {
        let slot = self.slot(frame.at);
        let keep = self.keep();
        for book in frame.symbols.iter().flat_map(|s| &s.books) {
            let history = self.books.entry(book.key.clone()).or_default();
            let fresh = new_trades(&book.recent_trades, history.newest_trade.as_ref());
            history.newest_trade = book
                .recent_trades
                .first()
                .cloned()
                .or(history.newest_trade.take());
            let marks = fresh.iter().map(|t| Mark {
                price: t.price,
                size: t.size as f32,
                taker: t.taker,
            });
            let live = book.state.is_live();
            let ladder = || match live {
                true => ColumnLadder::new(
                    &book.ladder.bids,
                    &book.ladder.asks,
                    book.ladder.price_decimals,
                ),
                false => ColumnLadder::empty(),
            };
            match history.columns.back_mut() {
                Some(last) if last.slot == slot => {
                    let last = Arc::make_mut(last);
                    last.live = live;
                    last.stale = book.stale;
                    last.ladder = ladder();
                    last.trades.extend(marks);
                }
                _ => {
                    history.columns.push_back(Arc::new(Column {
                        slot,
                        live,
                        stale: book.stale,
                        ladder: ladder(),
                        trades: marks.collect(),
                    }));
                    let excess = history.columns.len().saturating_sub(keep);
                    history.columns.drain(..excess);
                }
            }
        }
    }

    /// The grid for `books` ending at `end_slot` (the right edge), `top_bucket` the price
    /// bucket of row 0, buckets `step` wide. With several books (the aggregate) their sizes are
    /// summed, and a book's slot counts only if it was live and fresh then.
    pub fn grid(
        &self,
        books: &[&BookFrame],
        end_slot: u64,
        width: usize,
        rows: usize,
        top_bucket: i64,
        step: f64,
    ) -> Grid {
        let mut grid = Grid {
            rows,
            width,
            cells: vec![0.0; rows * width],
            gap: vec![true; width],
            trades: Vec::new(),
            mid: vec![None; width],
            full_scale: 0.0,
        };
        if width == 0 || rows == 0 || step.is_nan() || step <= 0.0 {
            return grid;
        }
        let aggregate = books.len() > 1;
        let first_slot = end_slot.saturating_sub(width as u64 - 1);
        let row_of = |price: f64| {
            let r = top_bucket - bid_bucket(price, step);
            usize::try_from(r).ok().filter(|r| *r < rows)
        };
        // The largest trade per cell, and its side.
        let mut trade_at: Vec<Option<(f32, Option<TakerSide>)>> = vec![None; rows * width];
        for book in books {
            let Some(history) = self.books.get(&book.key) else {
                continue;
            };
            for column in history
                .columns
                .iter()
                .filter(|c| c.slot >= first_slot && c.slot <= end_slot)
            {
                if !column.live || (aggregate && column.stale) {
                    continue;
                }
                let x = (column.slot - first_slot) as usize;
                grid.gap[x] = false;
                if grid.mid[x].is_none()
                    && let Some((bid, ask)) = column.ladder.touch()
                {
                    grid.mid[x] = row_of((bid + ask) / 2.0);
                }
                for (price, size) in column.ladder.levels() {
                    if let Some(r) = row_of(price) {
                        grid.cells[r * width + x] += size;
                    }
                }
                for mark in &column.trades {
                    if let Some(r) = row_of(mark.price) {
                        let cell = &mut trade_at[r * width + x];
                        if cell.is_none_or(|(size, _)| mark.size > size) {
                            *cell = Some((mark.size, mark.taker));
                        }
                    }
                }
            }
        }
        grid.trades = trade_at
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.map(|(_, side)| (i / width, i % width, side)))
            .collect();
        let mut filled: Vec<f64> = grid.cells.iter().copied().filter(|s| *s > 0.0).collect();
        if !filled.is_empty() {
            let k = (filled.len() * 95 / 100).min(filled.len() - 1);
            grid.full_scale = *filled.select_nth_unstable_by(k, f64::total_cmp).1;
        }
        grid
    }
}

/// Trades newer than `seen` (the list is newest first); all of them if `seen` is gone from the
/// list (a burst longer than the list: the older part is lost, not invented).
fn new_trades<'a>(trades: &'a [TradePrint], seen: Option<&TradePrint>) -> &'a [TradePrint] {
    match seen.and_then(|s| trades.iter().position(|t| t == s)) {
        Some(i) => &trades[..i],
        None => trades,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::frame::{DataMode, Frame};
    use crate::feed::health::BookState;
    use crate::ui::tests::fixtures::{self, NOW};

    const SLOT: u64 = 500_000_000;

    #[test]
    fn frames_in_one_slot_share_a_column_and_new_slots_add_columns() {
        let mut store = HeatmapStore::new(500);
        let first = fixtures::frame_at(1, NOW, DataMode::Live);
        let at = |at: Nanos| Frame {
            at,
            ..first.clone()
        };
        store.ingest(&first);
        store.ingest(&at(NOW + 100_000_000));
        let mut later = at(NOW + SLOT);
        let book = &mut later.symbols[0].books[0];
        let mut newer = book.recent_trades[0].clone();
        newer.exch_ts += 1;
        book.recent_trades.insert(0, newer);
        store.ingest(&later);
        let key = &first.symbols[0].books[0].key;
        let history = &store.books[key];
        assert_eq!(history.columns.len(), 2);
        // The first frame's 12 trades; the same trades again add nothing; one new trade is one.
        assert_eq!(history.columns[0].trades.len(), 12);
        assert_eq!(history.columns[1].trades.len(), 1);
        for i in 0..(CAPACITY as u64 + 10) {
            store.ingest(&at(NOW + SLOT * (2 + i)));
        }
        assert_eq!(store.books[key].columns.len(), CAPACITY);
        // Once the terminal is known to be 120 wide, 120 columns are kept, the newest; a wider
        // terminal keeps more from then on, a narrower one never fewer than the widest seen.
        let newest = store.books[key].columns.back().unwrap().slot;
        store.fit_width(120);
        store.fit_width(80);
        store.ingest(&at(SLOT * (newest + 1)));
        let kept = &store.books[key].columns;
        assert_eq!(kept.len(), 120);
        assert_eq!(kept.back().unwrap().slot, newest + 1);
        assert_eq!(kept.front().unwrap().slot, newest + 1 - 119);
        store.fit_width(150);
        for i in 2..40 {
            store.ingest(&at(SLOT * (newest + i)));
        }
        assert_eq!(store.books[key].columns.len(), 150);
    }

    #[test]
    fn not_live_slots_are_gaps_and_sizes_land_in_price_rows() {
        let mut store = HeatmapStore::new(500);
        let mut frame = fixtures::frame_at(1, NOW, DataMode::Live);
        store.ingest(&frame);
        frame.symbols[0].books[0].state = BookState::Syncing;
        frame.at = NOW + SLOT;
        store.ingest(&frame);
        let book = &fixtures::frame().symbols[0].books[0];
        let step = 0.01;
        let best_bid = book.ladder.bids[0].price;
        let top = bid_bucket(best_bid, step) + 2;
        let end = store.slot(NOW + SLOT);
        let grid = store.grid(&[book], end, 3, 10, top, step);
        assert_eq!(
            grid.gap,
            vec![true, false, true],
            "before history, live, then syncing"
        );
        let size_at_best = grid.cells[2 * 3 + 1];
        let expected = book.ladder.bids[0].size;
        assert!(
            (size_at_best - expected).abs() <= 1e-6 * expected,
            "sizes kept as f32"
        );
        assert!(grid.full_scale > 0.0);
        assert!(!grid.trades.is_empty());
    }

    fn levels(prices: &[f64]) -> Vec<LadderLevel> {
        let size = |i: usize| 0.125 + i as f64 * 1.7;
        let level = |(i, &price)| LadderLevel {
            price,
            size: size(i),
        };
        prices.iter().enumerate().map(level).collect()
    }

    /// A tick-sized ladder is kept as steps (8 bytes a level) and reads back every price bit for
    /// bit, each side best first, sizes to f32; prices finer than the stated decimals, or too
    /// many steps from the best bid for an `i32`, are kept exactly as they came.
    #[test]
    fn column_ladders_keep_prices_exactly_in_steps_or_as_they_came() {
        let bids = levels(&[97_250.1, 97_250.0, 97_249.3, 0.1]);
        let asks = levels(&[97_250.2, 97_251.7, 123_456.9]);
        let read = |ladder: &ColumnLadder, side| ladder.side(side).collect::<Vec<_>>();
        let steps = ColumnLadder::new(&bids, &asks, 1);
        assert!(matches!(steps, ColumnLadder::Steps { .. }), "{steps:?}");
        for (side, given) in [(Side::Bid, &bids), (Side::Ask, &asks)] {
            let got = read(&steps, side);
            assert_eq!(got.len(), given.len());
            for ((price, size), level) in got.iter().zip(given) {
                assert_eq!(price.to_bits(), level.price.to_bits());
                assert!((size - level.size).abs() <= 1e-6 * level.size);
            }
        }
        assert_eq!(steps.touch(), Some((97_250.1, 97_250.2)));

        // 97250.15 is not a multiple of 0.1; 1e9 ticks of 1e-8 do not fit in an i32.
        for (ladder, decimals) in [
            (levels(&[97_250.15, 97_250.1]), 1),
            (levels(&[50.0, 10.0]), 8),
        ] {
            let exact = ColumnLadder::new(&ladder, &asks, decimals);
            assert!(matches!(exact, ColumnLadder::Exact { .. }), "{exact:?}");
            let given: Vec<_> = ladder.iter().map(|l| (l.price, l.size)).collect();
            assert_eq!(read(&exact, Side::Bid), given);
            assert_eq!(read(&exact, Side::Ask).len(), asks.len());
        }
        assert_eq!(ColumnLadder::empty().touch(), None);
        assert_eq!(ColumnLadder::new(&[], &[], 2).levels().count(), 0);
    }

    #[test]
    fn empty_requests_give_empty_grids() {
        let store = HeatmapStore::new(500);
        let book = &fixtures::frame().symbols[0].books[0];
        assert!(store.grid(&[book], 10, 0, 5, 0, 0.1).cells.is_empty());
        assert!(
            store
                .grid(&[book], 10, 5, 5, 0, 0.0)
                .cells
                .iter()
                .all(|c| *c == 0.0)
        );
        assert!(store.grid(&[], 10, 5, 5, 0, 0.1).gap.iter().all(|g| *g));
    }
}
