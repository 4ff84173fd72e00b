//! Warm start from the store: every book's baseline samples of the last 24 h, every symbol's
//! cross-venue 1-min rows (its regime and drift, §6–§7), its latest zone state (§5) and each
//! perpetual's last recorded long/short ratios, read back as [`Seed`]s in time order and handed
//! to [`Engine::seed`].

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::engine::Engine;
use crate::engine::analytics::RatioKind;
use crate::engine::book::positioning::PERIOD_LATE;
use crate::engine::minutes::{MONITORED, SymbolMinute};
use crate::engine::warm::{Seed, ZONES_CODE};
use crate::features::num::{median, ratio};
use crate::feed::event::BookKey;
use crate::feed::event::{Positioning, PositioningStat};
use crate::market::{Millis, VenueId};
use crate::venue::positioning::POLL_EVERY;

use super::columns::{columns, index_of, long_short_column};
use super::recorder::ALL_VENUES;
use super::{HistoryError, Store};

/// The day's baselines the store holds from before `before` (unix ms): each book's minute
/// samples and hourly print histograms and its symbol's 1-min rows, read at `now`, oldest first
/// per book. What a stretch of the past written after the later stretches were restored
/// (the demo's older hours) adds to an engine: nothing it already has, and none of the
/// latest-value state (zones, ratios, recent seconds) an older stretch must not overwrite.
pub fn load_seeds_before(
    store: &Store,
    now: Millis,
    before: Millis,
) -> Result<BTreeMap<BookKey, Vec<Seed>>, HistoryError> {
    let mut seeds = load_seeds(store, now)?;
    for (key, minutes) in load_symbol_minutes(store, now)? {
        seeds.entry(key).or_default().extend(minutes);
    }
    for book in seeds.values_mut() {
        book.retain(|s| {
            matches!(
                s,
                Seed::Minute { .. } | Seed::PrintHour { .. } | Seed::SymbolMinute { .. }
            ) && s.t() < before
        });
    }
    seeds.retain(|_, book| !book.is_empty());
    Ok(seeds)
}

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
    to_every_book(store, &by_symbol)
}

/// Each symbol's seeds in `by_symbol`, given to every venue book of the symbol the store knows.
fn to_every_book(
    store: &Store,
    by_symbol: &BTreeMap<String, Vec<Seed>>,
) -> Result<BTreeMap<BookKey, Vec<Seed>>, HistoryError> {
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

/// Each symbol's latest zone state newer than `now − 25 h` (`now` in unix ms) as a
/// [`Seed::SymbolZones`], given to every book of the symbol; a damaged state is skipped.
pub fn load_symbol_zones(
    store: &Store,
    now: Millis,
) -> Result<BTreeMap<BookKey, Vec<Seed>>, HistoryError> {
    let since = now - super::WARM_KEEP * 1000;
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT b.symbol, w.t, w.bins FROM warm w JOIN books b ON b.id = w.book
             WHERE b.venue = ?1 AND w.series = ?2 AND w.t >= ?3 ORDER BY w.t",
        )
        .map_err(|e| store.sql(e))?;
    let mut rows = stmt
        .query(rusqlite::params![ALL_VENUES, ZONES_CODE, since])
        .map_err(|e| store.sql(e))?;
    let mut by_symbol: BTreeMap<String, Vec<Seed>> = BTreeMap::new();
    while let Some(r) = rows.next().map_err(|e| store.sql(e))? {
        let symbol: String = r.get(0).map_err(|e| store.sql(e))?;
        let t: i64 = r.get(1).map_err(|e| store.sql(e))?;
        let bins = r
            .get_ref(2)
            .map_err(|e| store.sql(e))?
            .as_blob_or_null()
            .ok()
            .flatten();
        if let Some(seed) = Seed::from_stored(ZONES_CODE, t, None, bins) {
            // The latest wins (rows come oldest first).
            by_symbol.insert(symbol, vec![seed]);
        }
    }
    to_every_book(store, &by_symbol)
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

/// Each perpetual's last recorded long/short ratio of each kind within [`PERIOD_LATE`] of `now`
/// (unix ms), as a [`Seed::Positioning`], so the positioning panel shows the last values seen
/// from the first frame. The 1-min rows hold only fresh ratios, so the last poll behind a row
/// of minute `M` was at least `M − 2 × POLL_EVERY`: that is the poll time claimed, which makes
/// a restored ratio stale from the first frame (§0.2: the history cannot prove it fresh) until
/// the book's own poll replaces it. The value is the minute's time-weighted mean; its period,
/// unknown, is taken as the minute. Taker ratios are not restored: a stale one is never shown.
pub fn load_positioning(
    store: &Store,
    now: Millis,
) -> Result<BTreeMap<BookKey, Vec<Seed>>, HistoryError> {
    let since = (now - PERIOD_LATE).div_euclid(1000);
    let poll_age = 2 * POLL_EVERY.as_millis() as Millis;
    let mut out: BTreeMap<BookKey, Vec<Seed>> = BTreeMap::new();
    for kind in RatioKind::ALL {
        let name = long_short_column(kind);
        let col = &columns()[index_of(&name).expect("a kept column")];
        let mut stmt = store
            .conn()
            .prepare(&format!(
                "SELECT b.venue, b.instrument, m.t, m.\"{name}\" FROM min m
                 JOIN books b ON b.id = m.book
                 WHERE b.venue <> ?1 AND m.t >= ?2 AND m.\"{name}\" IS NOT NULL ORDER BY m.t"
            ))
            .map_err(|e| store.sql(e))?;
        let mut rows = stmt
            .query(rusqlite::params![ALL_VENUES, since])
            .map_err(|e| store.sql(e))?;
        let mut latest: BTreeMap<BookKey, (i64, f64)> = BTreeMap::new();
        while let Some(r) = rows.next().map_err(|e| store.sql(e))? {
            let venue: String = r.get(0).map_err(|e| store.sql(e))?;
            let Some(venue) = VenueId::ALL.iter().find(|v| v.as_str() == venue) else {
                continue;
            };
            let instrument: String = r.get(1).map_err(|e| store.sql(e))?;
            let t: i64 = r.get(2).map_err(|e| store.sql(e))?;
            let value = col.decode(r.get_ref(3).map_err(|e| store.sql(e))?);
            if let Some(v) = value.filter(|v| v.is_finite() && *v > 0.0) {
                latest.insert(BookKey::new(*venue, &instrument), (t, v));
            }
        }
        for (key, (t, value)) in latest {
            let minute = t.saturating_mul(1000);
            out.entry(key).or_default().push(Seed::Positioning {
                polled: minute - poll_age,
                stat: Positioning {
                    stat: PositioningStat::LongShort(kind),
                    value,
                    at: minute,
                },
            });
        }
    }
    Ok(out)
}

/// Seeds `engine` from the store; returns how many books were restored.
pub fn restore(engine: &mut Engine, store: &Store, now: Millis) -> Result<usize, HistoryError> {
    let mut seeds = load_seeds(store, now)?;
    for (key, minutes) in load_symbol_minutes(store, now)? {
        seeds.entry(key).or_default().extend(minutes);
    }
    for (key, zones) in load_symbol_zones(store, now)? {
        seeds.entry(key).or_default().extend(zones);
    }
    for (key, ratios) in load_positioning(store, now)? {
        seeds.entry(key).or_default().extend(ratios);
    }
    let books = seeds.len();
    for (key, seeds) in seeds {
        engine.seed(&key, seeds);
    }
    Ok(books)
}
