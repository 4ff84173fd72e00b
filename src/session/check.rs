//! What a session is asked to watch, checked before the screen opens: a venue with no adapter or
//! a symbol that certainly does not exist is refused with the list of what does, instead of
//! being accepted and then shown as an empty row.
//!
//! Symbols are certain only where the instrument lists are known before start: the simulator's
//! catalog for `--demo`, and the cached lists when every venue has one. Otherwise each venue
//! checks them when its list arrives and says so in the log.

use super::run::{Plan, Source};
use crate::instrument::catalog::Catalog;
use crate::instrument::normalize_asset;
use crate::market::VenueId;
use crate::venue::registry::{IMPLEMENTED, is_implemented, no_adapter_reason};
use std::collections::BTreeSet;
use std::path::Path;

/// The names of the venues that have an adapter, for messages.
fn implemented_names() -> String {
    IMPLEMENTED
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses venues and symbols that cannot be watched; `cache` is the instrument cache's
/// directory (live sessions only).
pub fn check_plan(plan: &Plan, source: &Source, cache: Option<&Path>) -> Result<(), String> {
    if matches!(source, Source::Replay { .. }) {
        // A capture holds what it holds; --symbols only chooses among it.
        return Ok(());
    }
    let missing: Vec<String> = plan
        .venues
        .iter()
        .filter(|v| !is_implemented(**v))
        .map(|v| format!("{v} ({})", no_adapter_reason(*v)))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "no adapter for {}; venues: {}",
            missing.join(", "),
            implemented_names()
        ));
    }
    for symbol in &plan.symbols {
        if let Some((venue, _)) = symbol.split_once(':') {
            let venue: VenueId = venue
                .parse()
                .map_err(|e| format!("symbol {symbol:?}: {e}; venues: {}", implemented_names()))?;
            if !plan.venues.contains(&venue) {
                return Err(format!(
                    "symbol {symbol:?} names {venue}, which is not among the venues watched ({})",
                    names(&plan.venues)
                ));
            }
        }
    }
    match source {
        Source::Demo { .. } => check_symbols(plan, &simulated(), "the simulator lists"),
        Source::Live => {
            let Some(dir) = cache else { return Ok(()) };
            let catalog = Catalog::from_cache(dir);
            // Certain only when every venue's list is known.
            if plan.venues.iter().any(|v| catalog.venue(*v).is_empty()) {
                return Ok(());
            }
            let known = plan
                .venues
                .iter()
                .flat_map(|v| catalog.venue(*v))
                .map(|i| (i.venue, i.id.clone(), i.base.clone()))
                .collect();
            check_symbols(plan, &known, "the cached instrument lists hold")
        }
        Source::Replay { .. } => Ok(()),
    }
}

/// `(venue, id, base)` of every instrument known.
type Known = Vec<(VenueId, String, String)>;

fn simulated() -> Known {
    crate::sim::catalog::INSTRUMENTS
        .iter()
        .map(|i| (i.venue, i.id.to_owned(), i.symbol().name.to_owned()))
        .collect()
}

fn check_symbols(plan: &Plan, known: &Known, what: &str) -> Result<(), String> {
    let on_venues = |venue: &VenueId| plan.venues.contains(venue);
    for symbol in &plan.symbols {
        let found = match symbol.split_once(':') {
            Some((venue, id)) => known.iter().any(|(v, i, _)| v.as_str() == venue && i == id),
            None => {
                let base = normalize_asset(symbol);
                known.iter().any(|(v, _, b)| on_venues(v) && *b == base)
            }
        };
        if !found {
            let bases: BTreeSet<&str> = known
                .iter()
                .filter(|(v, _, _)| on_venues(v))
                .map(|(_, _, b)| b.as_str())
                .collect();
            let shown: Vec<&str> = bases.iter().copied().take(40).collect();
            let more = bases.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            return Err(format!(
                "unknown symbol {symbol:?} on {}; {what}: {}{more}",
                names(&plan.venues),
                shown.join(", ")
            ));
        }
    }
    Ok(())
}

fn names(venues: &[VenueId]) -> String {
    venues
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(venues: &[VenueId], symbols: &[&str]) -> Plan {
        Plan {
            venues: venues.to_vec(),
            symbols: symbols.iter().map(|s| (*s).to_owned()).collect(),
            ..Plan::default()
        }
    }

    const DEMO: Source = Source::Demo {
        seed: 1,
        scenarios: Vec::new(),
    };

    #[test]
    fn a_venue_without_an_adapter_is_refused_with_the_ones_that_exist() {
        let err = check_plan(&plan(&[VenueId::Coinex], &["BTC"]), &Source::Live, None).unwrap_err();
        assert!(
            err.starts_with("no adapter for coinex (CoinEx ceased trading: futures on 2026-09-22, spot on 2026-09-29); venues: binance,"),
            "{err}"
        );
        assert!(err.contains("kraken"), "{err}");
        assert!(check_plan(&plan(&[VenueId::Okx], &["BTC"]), &Source::Live, None).is_ok());
    }

    #[test]
    fn demo_symbols_are_checked_against_the_simulator() {
        let err = check_plan(&plan(IMPLEMENTED, &["BTC", "XRP"]), &DEMO, None).unwrap_err();
        let venues: Vec<&str> = IMPLEMENTED.iter().map(|v| v.as_str()).collect();
        assert_eq!(
            err,
            format!(
                "unknown symbol \"XRP\" on {}; the simulator lists: BTC, ETH, SOL, USDC, USDT",
                venues.join(", ")
            )
        );
        assert!(
            check_plan(
                &plan(IMPLEMENTED, &["btc", "okx:ETH-USDT-SWAP"]),
                &DEMO,
                None
            )
            .is_ok()
        );
        let err = check_plan(&plan(IMPLEMENTED, &["okx:XRP-USDT"]), &DEMO, None).unwrap_err();
        assert!(err.contains("unknown symbol \"okx:XRP-USDT\""), "{err}");
    }

    #[test]
    fn an_explicit_symbol_must_name_a_watched_venue() {
        let err =
            check_plan(&plan(&[VenueId::Kraken], &["okx:BTC-USDT"]), &DEMO, None).unwrap_err();
        assert!(
            err.contains("not among the venues watched (kraken)"),
            "{err}"
        );
        let err = check_plan(&plan(&[VenueId::Kraken], &["okz:BTC"]), &DEMO, None).unwrap_err();
        assert!(
            err.contains("okz") && err.contains("venues: binance"),
            "{err}"
        );
    }

    #[test]
    fn live_symbols_are_refused_only_when_every_list_is_known() {
        // No cache: nothing is certain, each venue checks its list when it arrives.
        assert!(check_plan(&plan(&[VenueId::Okx], &["XRP"]), &Source::Live, None).is_ok());
        let replay = Source::Replay {
            file: "x".into(),
            speed: None,
            max_gap: std::time::Duration::from_secs(60),
        };
        assert!(check_plan(&plan(&[VenueId::Gate], &["XRP"]), &replay, None).is_ok());

        let dir = std::env::temp_dir().join(format!("depthscope-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let list = crate::instrument::catalog::VenueList {
            venue: VenueId::Okx,
            fetched_ns: 1,
            instruments: vec![crate::instrument::guess(VenueId::Okx, "BTC-USDT")],
        };
        std::fs::write(
            dir.join("instruments-okx.json"),
            serde_json::to_vec(&list).unwrap(),
        )
        .unwrap();
        let okx = |symbols| check_plan(&plan(&[VenueId::Okx], symbols), &Source::Live, Some(&dir));
        assert!(okx(&["BTC"]).is_ok());
        let err = okx(&["XRP"]).unwrap_err();
        assert!(
            err.ends_with("on okx; the cached instrument lists hold: BTC"),
            "{err}"
        );
        // Kraken's list is not cached: XRP may exist there.
        let both = plan(&[VenueId::Okx, VenueId::Kraken], &["XRP"]);
        assert!(check_plan(&both, &Source::Live, Some(&dir)).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
