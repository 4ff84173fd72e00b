//! Warm start from the store: every book's baseline samples of the last 24 h, read back as
//! [`Seed`]s in time order and handed to [`Engine::seed`].

use std::collections::BTreeMap;

use crate::engine::Engine;
use crate::engine::warm::Seed;
use crate::feed::event::BookKey;
use crate::market::{Millis, VenueId};

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

/// Seeds `engine` from the store; returns how many books were restored.
pub fn restore(engine: &mut Engine, store: &Store, now: Millis) -> Result<usize, HistoryError> {
    let seeds = load_seeds(store, now)?;
    let books = seeds.len();
    for (key, seeds) in seeds {
        engine.seed(&key, seeds);
    }
    Ok(books)
}
