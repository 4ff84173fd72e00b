//! Liquidity over time: ladder snapshots accumulated from successive frames, one column per
//! time slot (`[ui] heatmap_column_ms`), per book, with the trades printed in each slot.
//!
//! Every book is recorded (so switching venue shows history at once), including the slots where
//! it was not live: those are gaps on screen, not zeros.

use crate::engine::frame::{BookFrame, Frame, LadderLevel, TradePrint};
use crate::feed::event::BookKey;
use crate::market::{Nanos, TakerSide};
use crate::ui::model::grouping::bid_bucket;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Columns kept per book: wider than any terminal.
const CAPACITY: usize = 400;

/// A trade drawn on the heatmap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mark {
    pub price: f64,
    pub size: f64,
    pub taker: Option<TakerSide>,
}

/// One book in one time slot: its latest ladder in the slot and every trade printed in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub slot: u64,
    pub live: bool,
    pub stale: bool,
    pub bids: Vec<LadderLevel>,
    pub asks: Vec<LadderLevel>,
    pub trades: Vec<Mark>,
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
        }
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
        Some((column.bids.first()?.price + column.asks.first()?.price) / 2.0)
    }

    /// Records every book of `frame`: a new column when the frame starts a new slot, else the
    /// slot's column takes the newer ladder and adds the new trades.
    pub fn ingest(&mut self, frame: &Frame) {
        let slot = self.slot(frame.at);
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
                size: t.size,
                taker: t.taker,
            });
            let live = book.state.is_live();
            let ladder = |levels: &Vec<LadderLevel>| if live { levels.clone() } else { Vec::new() };
            match history.columns.back_mut() {
                Some(last) if last.slot == slot => {
                    let last = Arc::make_mut(last);
                    last.live = live;
                    last.stale = book.stale;
                    last.bids = ladder(&book.ladder.bids);
                    last.asks = ladder(&book.ladder.asks);
                    last.trades.extend(marks);
                }
                _ => {
                    history.columns.push_back(Arc::new(Column {
                        slot,
                        live,
                        stale: book.stale,
                        bids: ladder(&book.ladder.bids),
                        asks: ladder(&book.ladder.asks),
                        trades: marks.collect(),
                    }));
                    if history.columns.len() > CAPACITY {
                        history.columns.pop_front();
                    }
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
        let mut trade_at: Vec<Option<(f64, Option<TakerSide>)>> = vec![None; rows * width];
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
                    && let (Some(bid), Some(ask)) = (column.bids.first(), column.asks.first())
                {
                    grid.mid[x] = row_of((bid.price + ask.price) / 2.0);
                }
                for level in column.bids.iter().chain(&column.asks) {
                    if let Some(r) = row_of(level.price) {
                        grid.cells[r * width + x] += level.size;
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
        assert!((size_at_best - book.ladder.bids[0].size).abs() < 1e-9);
        assert!(grid.full_scale > 0.0);
        assert!(!grid.trades.is_empty());
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
