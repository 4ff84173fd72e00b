//! The short windows after a short restart: the last minutes of each book's 1-s rows, read
//! back as [`Seed::Second`]s so the CVD and liquidation windows (`flow_momentum`,
//! `cascade_stress`) are full at once instead of refilling for up to 5 minutes.
//!
//! Only an unbroken run of seconds that ends just before the restart counts: a window is then
//! covered by the store up to the restart and by live data after it, and the gap between them
//! is at most [`MAX_GAP_S`], half the shortest window, so every window is at least half
//! covered (§0.2's warm-up rule). After a longer stop nothing is restored and the windows warm
//! from live data as before: a window that missed its recent past does not pretend.

use std::collections::BTreeMap;

use crate::engine::warm::{SecondFlow, Seed};
use crate::feed::event::BookKey;
use crate::market::{Millis, VenueId};

use super::columns::{columns, index_of};
use super::{HistoryError, Store};

/// How far back the 1-s rows are read: four time constants of the longest short memory, the
/// 15-min slow liquidation rate of cascade stress (what is older weighs under 2 % in it).
pub const RECENT_S: i64 = 60 * 60;

/// The longest stop after which the short windows are restored: half the 1-min window.
pub const MAX_GAP_S: i64 = 30;

/// The longest hole inside the restored run (a second the writer dropped).
const MAX_HOLE_S: i64 = 2;

/// Per book, the unbroken run of 1-s rows ending within [`MAX_GAP_S`] of `now` (unix ms),
/// oldest first; books whose last row is older get nothing.
pub fn load_recent(
    store: &Store,
    now: Millis,
) -> Result<BTreeMap<BookKey, Vec<Seed>>, HistoryError> {
    let now_s = now.div_euclid(1000);
    let names = [
        "mid",
        "taker_buy_base",
        "taker_sell_base",
        "liq_long_usd",
        "liq_short_usd",
        "valid",
    ];
    let cols: Vec<_> = names
        .iter()
        .map(|n| &columns()[index_of(n).expect("a kept column")])
        .collect();
    let sql = format!(
        "SELECT b.venue, b.instrument, s.t, {} FROM sec s JOIN books b ON b.id = s.book
         WHERE s.t > ?1 AND s.t <= ?2 ORDER BY s.book, s.t",
        names
            .iter()
            .map(|n| format!("s.\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut stmt = store.conn().prepare(&sql).map_err(|e| store.sql(e))?;
    let mut rows = stmt
        .query([now_s - RECENT_S, now_s])
        .map_err(|e| store.sql(e))?;
    let mut runs: BTreeMap<BookKey, Vec<(i64, SecondFlow)>> = BTreeMap::new();
    while let Some(r) = rows.next().map_err(|e| store.sql(e))? {
        let venue: String = r.get(0).map_err(|e| store.sql(e))?;
        let Some(venue) = VenueId::ALL.iter().find(|v| v.as_str() == venue) else {
            continue; // the cross-venue rows (`all`)
        };
        let instrument: String = r.get(1).map_err(|e| store.sql(e))?;
        let t: i64 = r.get(2).map_err(|e| store.sql(e))?;
        let mut v = [None; 6];
        for (i, col) in cols.iter().enumerate() {
            v[i] = col.decode(r.get_ref(3 + i).map_err(|e| store.sql(e))?);
        }
        let [mid, buy, sell, liq_long, liq_short, valid] = v;
        let run = runs.entry(BookKey::new(*venue, &instrument)).or_default();
        // A hole or an invalid second breaks the run: only what follows it is unbroken.
        let unbroken = run.last().is_some_and(|(last, _)| t - last <= MAX_HOLE_S);
        if !unbroken || valid.unwrap_or(0.0) <= 0.0 {
            run.clear();
        }
        if valid.unwrap_or(0.0) > 0.0 {
            run.push((
                t,
                SecondFlow {
                    taker_buy: buy.unwrap_or(0.0),
                    taker_sell: sell.unwrap_or(0.0),
                    mid,
                    liq_long_usd: liq_long,
                    liq_short_usd: liq_short,
                },
            ));
        }
    }
    Ok(runs
        .into_iter()
        .filter(|(_, run)| run.last().is_some_and(|(t, _)| now_s - t <= MAX_GAP_S))
        .map(|(key, run)| {
            let seeds = run
                .into_iter()
                .map(|(t, flow)| Seed::Second { t: t * 1000, flow })
                .collect();
            (key, seeds)
        })
        .collect())
}
