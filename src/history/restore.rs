//! Warm start from the store: every book's baseline samples of the last 24 h, and every
//! symbol's cross-venue 1-min rows (its regime and drift, §6–§7), read back as [`Seed`]s in
//! time order and handed to [`Engine::seed`].

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::Engine;
use crate::engine::minutes::{MONITORED, SymbolMinute};
use crate::engine::warm::Seed;
use crate::features::num::{median, ratio};
use crate::feed::event::BookKey;
use crate::market::{Millis, VenueId};

use super::columns::{columns, index_of};
use super::recorder::ALL_VENUES;
use super::{HistoryError, Store};

/// The seeds of every book the store knows, samples newer than `now − 25 h` (`now` in unix
/// ms), oldest first per book.
pub fn load_seeds(
    store: &Store,
    now: Millis,
) -> Result<BTreeMap<BookKey, Vec<Seed>>, HistoryError> {
    read_seeds(store, now, None)
}

/// The seeds of one book in the series `codes` (see [`Seed::stored`]), as [`load_seeds`] reads
/// them: what the engine is given after a backfill wrote into the store, so it is seeded with
/// what the store holds (recorded rows where there are any), never with the fetched rows.
pub fn load_book_seeds(
    store: &Store,
    key: &BookKey,
    codes: &[i64],
    now: Millis,
) -> Result<Vec<Seed>, HistoryError> {
    let mut seeds = read_seeds(store, now, Some(key))?;
    let mut out = seeds.remove(key).unwrap_or_default();
    out.retain(|s| s.stored().is_some_and(|(code, ..)| codes.contains(&code)));
    Ok(out)
}

fn read_seeds(
    store: &Store,
    now: Millis,
    book: Option<&BookKey>,
) -> Result<BTreeMap<BookKey, Vec<Seed>>, HistoryError> {
    let since = now - super::WARM_KEEP * 1000;
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT b.venue, b.instrument, w.series, w.t, w.value, w.bins
             FROM warm w JOIN books b ON b.id = w.book
             WHERE w.t >= ?1 AND (?2 IS NULL OR (b.venue = ?2 AND b.instrument = ?3))
             ORDER BY w.book, w.t, w.series",
        )
        .map_err(|e| store.sql(e))?;
    let mut rows = stmt
        .query(rusqlite::params![
            since,
            book.map(|k| k.venue.as_str()),
            book.map(|k| k.instrument.to_string())
        ])
        .map_err(|e| store.sql(e))?;
    let mut out: BTreeMap<BookKey, Vec<Seed>> = BTreeMap::new();
    while let Some(r) = rows.next().map_err(|e| store.sql(e))? {
        let venue: String = r.get(0).map_err(|e| store.sql(e))?;
        let Some(venue) = VenueId::ALL.iter().find(|v| v.as_str() == venue) else {
            continue;
        };
        let instrument: String = r.get(1).map_err(|e| store.sql(e))?;
        let seed = Seed::from_stored(
            r.get(2).map_err(|e| store.sql(e))?,
            r.get(3).map_err(|e| store.sql(e))?,
            r.get(4).map_err(|e| store.sql(e))?,
            r.get_ref(5)
                .map_err(|e| store.sql(e))?
                .as_blob_or_null()
                .ok()
                .flatten(),
        );
        if let Some(seed) = seed {
            out.entry(BookKey::new(*venue, &instrument))
                .or_default()
                .push(seed);
        }
    }
    Ok(out)
}

/// Each symbol's cross-venue 1-min rows (venue `all`) newer than `now − 25 h` (`now` in unix
/// ms) as [`Seed::SymbolMinute`]s, oldest first, given to every book of the symbol the store
/// knows: the symbol takes them from whichever of its books appears first.
///
/// A symbol with no cross-venue rows (a simulated past keeps per-book rows only) gets minutes
/// derived from its books' rows instead: the median of their closes and each feature's plain
/// mean over the books that have it, an equal-weight stand-in for the volume-weighted
/// composites (§4.5) that the cross-venue rows hold.
pub fn load_symbol_minutes(
    store: &Store,
    now: Millis,
) -> Result<BTreeMap<BookKey, Vec<Seed>>, HistoryError> {
    let since = now.div_euclid(1000) - super::WARM_KEEP;
    let mut by_symbol: BTreeMap<String, Vec<Seed>> = BTreeMap::new();
    for (symbol, t, row) in read_minutes(store, since, true)? {
        let name = Arc::from(symbol.as_str());
        by_symbol
            .entry(symbol)
            .or_default()
            .push(Seed::SymbolMinute {
                symbol: name,
                t,
                row,
            });
    }
    let mut derived: BTreeMap<(String, Millis), Vec<SymbolMinute>> = BTreeMap::new();
    for (symbol, t, row) in read_minutes(store, since, false)? {
        if !by_symbol.contains_key(&symbol) {
            derived.entry((symbol, t)).or_default().push(row);
        }
    }
    for ((symbol, t), books) in derived {
        let name = Arc::from(symbol.as_str());
        by_symbol
            .entry(symbol)
            .or_default()
            .push(Seed::SymbolMinute {
                symbol: name,
                t,
                row: across_books(&books),
            });
    }
    let mut stmt = store
        .conn()
        .prepare("SELECT venue, instrument, symbol FROM books WHERE venue <> ?1")
        .map_err(|e| store.sql(e))?;
    let mut books = stmt.query([ALL_VENUES]).map_err(|e| store.sql(e))?;
    let mut out = BTreeMap::new();
    while let Some(r) = books.next().map_err(|e| store.sql(e))? {
        let venue: String = r.get(0).map_err(|e| store.sql(e))?;
        let Some(venue) = VenueId::ALL.iter().find(|v| v.as_str() == venue) else {
            continue;
        };
        let instrument: String = r.get(1).map_err(|e| store.sql(e))?;
        let symbol: String = r.get(2).map_err(|e| store.sql(e))?;
        if let Some(seeds) = by_symbol.get(&symbol) {
            out.insert(BookKey::new(*venue, &instrument), seeds.clone());
        }
    }
    Ok(out)
}

/// `(symbol, minute start in ms, row)` of the 1-min rows since `since` (unix s), of the
/// cross-venue rows (`all`) or of the books' own, ordered by symbol and time.
fn read_minutes(
    store: &Store,
    since: i64,
    all: bool,
) -> Result<Vec<(String, Millis, SymbolMinute)>, HistoryError> {
    let mid = &columns()[index_of("mid").expect("a kept column")];
    let features: Vec<_> = MONITORED
        .iter()
        .map(|n| &columns()[index_of(n).expect("a kept column")])
        .collect();
    let sql = format!(
        "SELECT a.symbol, m.t, m.\"mid_close\", {} FROM min m JOIN books a ON a.id = m.book
         WHERE (a.venue = ?1) = ?2 AND m.t >= ?3 ORDER BY a.symbol, m.t",
        MONITORED
            .iter()
            .map(|n| format!("m.\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut stmt = store.conn().prepare(&sql).map_err(|e| store.sql(e))?;
    let mut rows = stmt
        .query(rusqlite::params![ALL_VENUES, all, since])
        .map_err(|e| store.sql(e))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(|e| store.sql(e))? {
        let symbol: String = r.get(0).map_err(|e| store.sql(e))?;
        let t: i64 = r.get(1).map_err(|e| store.sql(e))?;
        let mut row = SymbolMinute {
            mid: mid.decode(r.get_ref(2).map_err(|e| store.sql(e))?),
            ..SymbolMinute::default()
        };
        for (i, col) in features.iter().enumerate() {
            row.features[i] = col.decode(r.get_ref(3 + i).map_err(|e| store.sql(e))?);
        }
        out.push((symbol, t.saturating_mul(1000), row));
    }
    Ok(out)
}

/// One symbol minute from its books' minutes: the median close, each feature's mean.
fn across_books(books: &[SymbolMinute]) -> SymbolMinute {
    let mids: Vec<f64> = books.iter().filter_map(|b| b.mid).collect();
    SymbolMinute {
        mid: median(&mids),
        features: std::array::from_fn(|i| {
            let values: Vec<f64> = books.iter().filter_map(|b| b.features[i]).collect();
            ratio(values.iter().sum(), values.len() as f64)
        }),
    }
}

/// Seeds `engine` from the store; returns how many books were restored.
pub fn restore(engine: &mut Engine, store: &Store, now: Millis) -> Result<usize, HistoryError> {
    let mut seeds = load_seeds(store, now)?;
    for (key, minutes) in load_symbol_minutes(store, now)? {
        seeds.entry(key).or_default().extend(minutes);
    }
    let books = seeds.len();
    for (key, seeds) in seeds {
        engine.seed(&key, seeds);
    }
    Ok(books)
}
