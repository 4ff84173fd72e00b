//! What the market model emits each step, in venue-neutral terms: integer ticks and lots of
//! each book's grid, model time in milliseconds, and no wire format anywhere.

use crate::market::{LiquidatedPosition, Side, TakerSide};
use crate::sim::catalog::BookId;
use crate::sim::model::scenario::ScenarioKind;

/// A price level's size after the step (`qty == 0`: the level is gone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LevelChange {
    pub side: Side,
    /// Price in ticks of the book's grid.
    pub price: i64,
    /// Size in lots of the book's grid.
    pub qty: u64,
}

/// One fill of a taker order against one resting level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fill {
    /// Model time, ms since the start.
    pub t_ms: u64,
    pub taker: TakerSide,
    pub price: i64,
    pub qty: u64,
    /// The taker order this fill belongs to (fills of one order share it).
    pub order: u64,
}

/// A forced order (liquidation) on a perpetual book: the position it closed, its average fill
/// price and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Forced {
    pub t_ms: u64,
    pub position: LiquidatedPosition,
    pub price: i64,
    pub qty: u64,
}

/// A perpetual book's derivatives state after the step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DerivState {
    pub mark: f64,
    pub index: f64,
    /// Funding rate for the current 8 h interval, as a fraction.
    pub funding_rate: f64,
    /// Open interest in base units.
    pub open_interest: f64,
}

/// Notable behaviour, reported so tests (and curious users) can see it happened.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Episode {
    /// A large order placed near the touch and pulled within seconds.
    Spoof {
        book: BookId,
        side: Side,
        price: i64,
        qty: u64,
        placed_ms: u64,
        pulled_ms: u64,
    },
    /// A fast move with forced orders on every perpetual of the symbol.
    Cascade {
        symbol: usize,
        /// `-1` down (longs liquidated), `+1` up.
        direction: i8,
        start_ms: u64,
        end_ms: u64,
        /// Planned move of the fair price, as a fraction.
        size: f64,
    },
    /// A taker order far larger than usual.
    LargePrint { book: BookId, qty: u64, t_ms: u64 },
    /// A large resting order at a round price away from the touch.
    Wall {
        book: BookId,
        side: Side,
        price: i64,
        qty: u64,
    },
    /// An occurrence of a `--scenario` began on `book`.
    Scenario {
        book: BookId,
        kind: ScenarioKind,
        t_ms: u64,
    },
}

/// What happened to one book during a step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BookStep {
    /// Every level whose size changed, with its size after the step, sorted by side and price.
    pub changes: Vec<LevelChange>,
    pub fills: Vec<Fill>,
    pub forced: Vec<Forced>,
    /// Perpetuals only.
    pub derivs: Option<DerivState>,
}

/// One step of the whole market.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    pub index: u64,
    /// Model time at the end of the step, ms since the start.
    pub t_ms: u64,
    /// Indexed like the model's books.
    pub books: Vec<BookStep>,
    pub episodes: Vec<Episode>,
}
