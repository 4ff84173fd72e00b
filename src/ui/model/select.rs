//! Which symbol and which book(s) the detail and heatmap views show.
//!
//! The selection is kept by name (symbol, venue and market kind), not by index, so it survives
//! frames whose lists change; it is resolved against each frame as it is drawn.

use crate::engine::frame::{BookFrame, Frame, SymbolFrame};
use crate::instrument::MarketKind;
use crate::market::VenueId;

/// One venue's book, or the books of one market kind combined across venues. Spot and
/// derivatives are never summed into one ladder: basis alone would cross it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VenueSel {
    Aggregate(MarketKind),
    Book { venue: VenueId, kind: MarketKind },
}

impl Default for VenueSel {
    fn default() -> Self {
        VenueSel::Aggregate(MarketKind::Spot)
    }
}

impl VenueSel {
    pub fn of(book: &BookFrame) -> VenueSel {
        VenueSel::Book {
            venue: book.key.venue,
            kind: book.instrument.kind,
        }
    }

    /// The choices for `symbol`, in cycling order: an aggregate per market kind it trades, then
    /// each book in frame order.
    pub fn choices(symbol: &SymbolFrame) -> Vec<VenueSel> {
        let mut out: Vec<VenueSel> = KINDS
            .into_iter()
            .filter(|k| symbol.books.iter().any(|b| b.instrument.kind == *k))
            .map(VenueSel::Aggregate)
            .collect();
        out.extend(symbol.books.iter().map(VenueSel::of));
        out
    }

    /// The next choice for `symbol` (wrapping); a choice this symbol lacks starts over.
    pub fn next(self, symbol: &SymbolFrame) -> VenueSel {
        let choices = VenueSel::choices(symbol);
        let next = match choices.iter().position(|c| *c == self) {
            Some(i) => choices.get(i + 1).or(choices.first()),
            None => choices.first(),
        };
        next.copied().unwrap_or_default()
    }
}

/// Market kinds in the order their aggregates are offered.
const KINDS: [MarketKind; 4] = [
    MarketKind::Spot,
    MarketKind::Perpetual,
    MarketKind::Future,
    MarketKind::Option,
];

/// `spot`, `perp`, `future`, `option`.
pub fn kind_word(kind: MarketKind) -> &'static str {
    match kind {
        MarketKind::Spot => "spot",
        MarketKind::Perpetual => "perp",
        MarketKind::Future => "future",
        MarketKind::Option => "option",
    }
}

/// Why a book is left out of an aggregate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Excluded {
    /// Not `Live`: its state label (`resyncing (gap)`) says why.
    NotLive(String),
    /// Live but stale: cross-venue aggregates leave stale books out (`docs/metrics.md` §0.2).
    Stale,
    /// Quoted in another currency than the aggregate (`USD` beside `USDT` books): prices in two
    /// currencies are not one ladder (a stablecoin premium would look like depth or a cross).
    Quote(String),
}

/// The books a view shows for one symbol.
#[derive(Clone, Debug)]
pub enum Selected<'a> {
    One(&'a BookFrame),
    Aggregate {
        kind: MarketKind,
        included: Vec<&'a BookFrame>,
        excluded: Vec<(&'a BookFrame, Excluded)>,
    },
}

impl<'a> Selected<'a> {
    /// Resolve `sel` in `symbol`. A venue that does not serve this symbol falls back to the
    /// aggregate of its kind, and a kind the symbol does not trade to the first it does (the
    /// title names what is shown, so nothing is mislabelled).
    pub fn resolve(symbol: &'a SymbolFrame, sel: VenueSel) -> Selected<'a> {
        if let Some(book) = symbol.books.iter().find(|b| VenueSel::of(b) == sel) {
            return Selected::One(book);
        }
        let wanted = match sel {
            VenueSel::Aggregate(kind) | VenueSel::Book { kind, .. } => kind,
        };
        let kind = KINDS
            .into_iter()
            .filter(|k| symbol.books.iter().any(|b| b.instrument.kind == *k))
            .find(|k| *k == wanted)
            .or_else(|| symbol.books.first().map(|b| b.instrument.kind))
            .unwrap_or(wanted);
        let quote = aggregate_quote(symbol, kind);
        let (mut included, mut excluded) = (Vec::new(), Vec::new());
        for book in symbol.books.iter().filter(|b| b.instrument.kind == kind) {
            if !book.state.is_live() {
                excluded.push((book, Excluded::NotLive(book.state.to_string())));
            } else if book.stale {
                excluded.push((book, Excluded::Stale));
            } else if quote.is_some_and(|q| q != book.instrument.quote) {
                excluded.push((book, Excluded::Quote(book.instrument.quote.clone())));
            } else {
                included.push(book);
            }
        }
        Selected::Aggregate {
            kind,
            included,
            excluded,
        }
    }

    /// `okx perp`, or `spot aggregate of 2`.
    pub fn label(&self) -> String {
        match self {
            Selected::One(book) => long_label(book),
            Selected::Aggregate { kind, included, .. } => {
                let kind = kind_word(*kind);
                match included.first().map(|b| b.instrument.quote.as_str()) {
                    Some(quote) if !quote.is_empty() => {
                        format!("{kind} {quote} aggregate of {}", included.len())
                    }
                    _ => format!("{kind} aggregate of {}", included.len()),
                }
            }
        }
    }

    /// The books whose numbers this selection shows.
    pub fn books(&self) -> Vec<&'a BookFrame> {
        match self {
            Selected::One(book) if book.state.is_live() => vec![*book],
            Selected::One(_) => Vec::new(),
            Selected::Aggregate { included, .. } => included.clone(),
        }
    }
}

/// The quote currency an aggregate of `kind` sums: the one most live, fresh books of that kind
/// are quoted in (the first such book's on a tie); `None` when no book qualifies.
fn aggregate_quote(symbol: &SymbolFrame, kind: MarketKind) -> Option<&str> {
    let usable: Vec<&str> = symbol
        .books
        .iter()
        .filter(|b| b.instrument.kind == kind && b.state.is_live() && !b.stale)
        .map(|b| b.instrument.quote.as_str())
        .collect();
    let count = |q: &str| usable.iter().filter(|u| **u == q).count();
    usable
        .iter()
        .copied()
        .reduce(|best, q| if count(q) > count(best) { q } else { best })
}

/// The symbol named `name`, else the first (a renamed or dropped symbol is never an error).
pub fn symbol<'a>(frame: &'a Frame, name: &str) -> Option<&'a SymbolFrame> {
    frame
        .symbols
        .iter()
        .find(|s| s.symbol == name)
        .or_else(|| frame.symbols.first())
}

/// A short venue code for narrow columns: `BIN`, `OKX-P` (derivatives get a kind suffix).
pub fn short_label(book: &BookFrame) -> String {
    let code = book.key.venue.label();
    match book.instrument.kind {
        MarketKind::Spot => code.to_owned(),
        MarketKind::Perpetual => format!("{code}-P"),
        MarketKind::Future => format!("{code}-F"),
        MarketKind::Option => format!("{code}-O"),
    }
}

/// A readable label: `binance spot`, `okx perp`, `binance-usdm perp`.
pub fn long_label(book: &BookFrame) -> String {
    format!("{} {}", book.key.venue, kind_word(book.instrument.kind))
}

/// The tick size as a price step: the instrument's tick, else one unit of the ladder's last
/// decimal.
pub fn tick(book: &BookFrame) -> f64 {
    book.instrument
        .tick
        .map(|t| t.to_f64())
        .filter(|t| *t > 0.0)
        .unwrap_or_else(|| 10f64.powi(-i32::from(book.ladder.price_decimals)))
}
