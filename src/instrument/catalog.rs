//! The instrument catalog: every venue's instrument list, loaded from its public REST endpoint at
//! start and cached on disk so an offline restart still knows tick sizes and contract values;
//! and the mapping from what a trader types (`BTC`, `okx:BTC-USDT-SWAP`) to instruments.

use super::{Instrument, MarketKind, guess};
use crate::feed::runtime::{Tap, TapEvent};
use crate::market::{Nanos, VenueId, now_nanos};
use crate::venue::registry::{self, VenueOptions};
use crate::venue::spec::rest_request;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every known instrument, per venue.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    venues: BTreeMap<VenueId, VenueList>,
}

/// One venue's list and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VenueList {
    pub venue: VenueId,
    /// When the list was fetched (local time).
    pub fetched_ns: Nanos,
    pub instruments: Vec<Instrument>,
}

/// Where a venue's list came from, for the log and the health view.
#[derive(Clone, Debug, PartialEq)]
pub enum Provenance {
    Fetched,
    /// The venue could not be reached; this cached list (fetched at that time) is used.
    Cached {
        fetched_ns: Nanos,
        error: String,
    },
    /// Neither fetched nor cached: only explicit `venue:INSTRUMENT` symbols work there.
    Missing {
        error: String,
    },
}

/// Quote currencies in order of preference when a symbol has several markets.
const QUOTE_PREFERENCE: [&str; 4] = ["USDT", "USD", "USDC", "EUR"];

impl Catalog {
    /// A catalog from lists already in hand (tests, replays).
    pub fn from_lists(lists: impl IntoIterator<Item = VenueList>) -> Self {
        Catalog {
            venues: lists.into_iter().map(|l| (l.venue, l)).collect(),
        }
    }

    /// Whatever lists the disk cache holds (for replays, which must not touch the network).
    pub fn from_cache(dir: &Path) -> Self {
        Catalog::from_lists(VenueId::ALL.iter().filter_map(|&v| restore(dir, v).ok()))
    }

    /// Every instrument of every venue.
    pub fn all(&self) -> impl Iterator<Item = &Instrument> {
        self.venues.values().flat_map(|l| l.instruments.iter())
    }

    pub fn venue(&self, venue: VenueId) -> &[Instrument] {
        self.venues
            .get(&venue)
            .map_or(&[], |l| l.instruments.as_slice())
    }

    /// Fetch every venue's list (concurrently), falling back to the disk cache per venue.
    pub async fn load(
        venues: &[VenueId],
        options: &BTreeMap<VenueId, VenueOptions>,
        cache: Option<&Path>,
        http: &reqwest::Client,
    ) -> (Catalog, Vec<(VenueId, Provenance)>) {
        Catalog::load_recorded(venues, options, cache, http, None).await
    }

    /// [`Catalog::load`], handing every list fetched to `tap` as a `rest` event, so a recording
    /// carries the tick sizes and precisions its books need to replay on another machine.
    pub async fn load_recorded(
        venues: &[VenueId],
        options: &BTreeMap<VenueId, VenueOptions>,
        cache: Option<&Path>,
        http: &reqwest::Client,
        tap: Option<&dyn Tap>,
    ) -> (Catalog, Vec<(VenueId, Provenance)>) {
        let fetches = venues.iter().map(|&venue| async move {
            let rest = options.get(&venue).and_then(|o| o.rest_url.clone());
            (venue, fetch(venue, rest, http, tap).await)
        });
        let results = futures_util::future::join_all(fetches).await;
        let mut catalog = Catalog::default();
        let mut provenance = Vec::new();
        for (venue, result) in results {
            let (list, how) = match result {
                Ok(list) => {
                    if let Some(dir) = cache
                        && let Err(e) = store(dir, &list)
                    {
                        tracing::warn!(%venue, "cannot cache instruments: {e}");
                    }
                    (Some(list), Provenance::Fetched)
                }
                Err(error) => match cache.and_then(|d| restore(d, venue).ok()) {
                    Some(list) => {
                        let fetched_ns = list.fetched_ns;
                        (Some(list), Provenance::Cached { fetched_ns, error })
                    }
                    None => (None, Provenance::Missing { error }),
                },
            };
            if let Some(list) = list {
                catalog.venues.insert(venue, list);
            }
            provenance.push((venue, how));
        }
        (catalog, provenance)
    }

    /// Map the symbols a trader typed to instruments per venue. `BTC` finds the venue's
    /// preferred spot and/or perpetual market; `venue:ID` names one instrument (taken from the
    /// catalog, or guessed from the id if the list is unavailable). Symbols a venue does not
    /// list are reported, not invented.
    pub fn resolve(
        &self,
        symbols: &[String],
        venues: &[VenueId],
    ) -> (BTreeMap<VenueId, Vec<Instrument>>, Vec<String>) {
        let mut chosen: BTreeMap<VenueId, Vec<Instrument>> = BTreeMap::new();
        let mut problems = Vec::new();
        for symbol in symbols {
            if let Some((venue, id)) = symbol.split_once(':') {
                match venue.parse::<VenueId>() {
                    Ok(venue) => {
                        let inst = self
                            .venue(venue)
                            .iter()
                            .find(|i| i.id == id)
                            .cloned()
                            .unwrap_or_else(|| {
                                problems.push(format!(
                                    "{venue}: {id} is not in the instrument list; its contract size is unknown"
                                ));
                                guess(venue, id)
                            });
                        push_unique(chosen.entry(venue).or_default(), inst);
                    }
                    Err(e) => problems.push(format!("symbol {symbol:?}: {e}")),
                }
                continue;
            }
            let base = super::normalize_asset(symbol);
            for &venue in venues {
                let list = self.venue(venue);
                if list.is_empty() {
                    continue; // reported once by the loader
                }
                let mut found = false;
                for &kind in venue.spec().markets {
                    if let Some(inst) = best_market(list, &base, kind) {
                        push_unique(chosen.entry(venue).or_default(), inst.clone());
                        found = true;
                    }
                }
                if !found {
                    problems.push(format!("{venue}: no market for {base}"));
                }
            }
        }
        for (venue, list) in &mut chosen {
            let rates: Vec<Instrument> = self.rate_markets(*venue, list).cloned().collect();
            for rate in rates {
                push_unique(list, rate);
            }
        }
        (chosen, problems)
    }
}

impl Catalog {
    /// The venue's dollar rate markets (`USDT/USD`, `USDC/USD`) when a USD-quoted spot market
    /// is chosen there (a rate book itself included): watched beside it, so USD, USDT and USDC
    /// books can be compared through the rates (§0.4) rather than taken as equal or left out.
    /// USDC/USD is the rate of the USDC venues (Hyperliquid, Deribit's linear perpetuals),
    /// which list none themselves.
    fn rate_markets<'a>(
        &'a self,
        venue: VenueId,
        chosen: &[Instrument],
    ) -> impl Iterator<Item = &'a Instrument> {
        let usd = chosen
            .iter()
            .any(|i| i.kind == MarketKind::Spot && i.quote == "USD");
        self.venue(venue)
            .iter()
            .filter(move |i| usd && i.is_rate() && i.quote == "USD")
    }
}

fn push_unique(list: &mut Vec<Instrument>, inst: Instrument) {
    if !list.iter().any(|i| i.id == inst.id) {
        list.push(inst);
    }
}

/// The venue's market for `base` of `kind` with the most preferred quote; for derivatives a
/// linear contract wins over an inverse one.
fn best_market<'a>(list: &'a [Instrument], base: &str, kind: MarketKind) -> Option<&'a Instrument> {
    list.iter()
        .filter(|i| i.base == base && i.kind == kind)
        .min_by_key(|i| {
            let quote_rank = QUOTE_PREFERENCE
                .iter()
                .position(|q| *q == i.quote)
                .unwrap_or(QUOTE_PREFERENCE.len());
            let inverse = matches!(i.contract, super::Contract::Inverse { .. });
            (inverse, quote_rank, i.id.len())
        })
}

async fn fetch(
    venue: VenueId,
    rest: Option<String>,
    http: &reqwest::Client,
    tap: Option<&dyn Tap>,
) -> Result<VenueList, String> {
    let adapter = venue.adapter_spec().ok_or_else(|| {
        format!(
            "{venue}: no adapter ({})",
            crate::venue::registry::no_adapter_reason(venue)
        )
    })?;
    let (source, base) = (
        adapter.instruments,
        rest.unwrap_or(adapter.rest_url.to_owned()),
    );
    let mut instruments = Vec::new();
    for request in (source.urls)(&base) {
        let (url, post) = rest_request(&request);
        let (verb, builder) = match post {
            None => ("GET", http.get(url)),
            Some(json) => (
                "POST",
                http.post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(json.to_owned()),
            ),
        };
        let resp = builder
            .send()
            .await
            .map_err(|e| format!("{verb} {url}: {e}"))?;
        let status = resp.status();
        let body = resp
            .text()
            .await
            .map_err(|e| format!("{verb} {url}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{verb} {url}: HTTP {status}"));
        }
        let url = url.to_owned();
        let parsed = (source.parse)(&url, &body)?;
        if let Some(tap) = tap {
            let (url, status) = (url.clone(), status.as_u16());
            tap.record(
                now_nanos(),
                venue,
                None,
                TapEvent::Rest { url, status, body },
            );
        }
        instruments.extend(parsed);
    }
    if instruments.is_empty() {
        return Err(format!("{venue}: the instrument list is empty"));
    }
    Ok(VenueList {
        venue,
        fetched_ns: now_nanos(),
        instruments,
    })
}

/// The instruments in a recorded `rest` event, if `url` is one of `venue`'s instrument-list
/// endpoints (whatever host served it); `None` for any other URL (depth snapshots …).
pub fn parse_recorded(
    venue: VenueId,
    url: &str,
    body: &str,
) -> Option<Result<Vec<Instrument>, String>> {
    let source = registry::instrument_source(venue)?;
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
    (source.urls)("")
        .iter()
        .any(|p| rest_request(p).0 == path)
        .then(|| (source.parse)(url, body))
}

fn cache_file(dir: &Path, venue: VenueId) -> PathBuf {
    dir.join(format!("instruments-{venue}.json"))
}

fn store(dir: &Path, list: &VenueList) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = cache_file(dir, list.venue).with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(list)?)?;
    // Rename so a crash mid-write never leaves a truncated cache.
    std::fs::rename(tmp, cache_file(dir, list.venue))
}

fn restore(dir: &Path, venue: VenueId) -> Result<VenueList, String> {
    let path = cache_file(dir, venue);
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let list: VenueList =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    if list.venue != venue {
        return Err(format!(
            "{}: holds {} instruments",
            path.display(),
            list.venue
        ));
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::Contract;

    fn inst(
        venue: VenueId,
        id: &str,
        base: &str,
        quote: &str,
        kind: MarketKind,
        contract: Contract,
    ) -> Instrument {
        Instrument {
            venue,
            id: id.into(),
            base: base.into(),
            quote: quote.into(),
            kind,
            contract,
            tick: None,
            lot: None,
            price_precision: None,
            qty_precision: None,
        }
    }

    fn okx() -> VenueList {
        VenueList {
            venue: VenueId::Okx,
            fetched_ns: 1,
            instruments: vec![
                inst(
                    VenueId::Okx,
                    "BTC-USDC",
                    "BTC",
                    "USDC",
                    MarketKind::Spot,
                    Contract::Base,
                ),
                inst(
                    VenueId::Okx,
                    "BTC-USDT",
                    "BTC",
                    "USDT",
                    MarketKind::Spot,
                    Contract::Base,
                ),
                inst(
                    VenueId::Okx,
                    "BTC-USD-SWAP",
                    "BTC",
                    "USD",
                    MarketKind::Perpetual,
                    Contract::Inverse { face: 100.0 },
                ),
                inst(
                    VenueId::Okx,
                    "BTC-USDT-SWAP",
                    "BTC",
                    "USDT",
                    MarketKind::Perpetual,
                    Contract::Linear { multiplier: 0.01 },
                ),
                inst(
                    VenueId::Okx,
                    "ETH-USDT",
                    "ETH",
                    "USDT",
                    MarketKind::Spot,
                    Contract::Base,
                ),
            ],
        }
    }

    #[test]
    fn a_symbol_maps_to_the_preferred_spot_and_perpetual() {
        let catalog = Catalog::from_lists([okx()]);
        let (chosen, problems) = catalog.resolve(&["BTC".into()], &[VenueId::Okx]);
        let ids: Vec<&str> = chosen[&VenueId::Okx]
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(ids, ["BTC-USDT", "BTC-USDT-SWAP"]);
        assert!(problems.is_empty());
    }

    #[test]
    fn a_usd_spot_market_brings_the_venues_usdt_rate() {
        let spot = |id: &str, base: &str, quote: &str| {
            inst(
                VenueId::Kraken,
                id,
                base,
                quote,
                MarketKind::Spot,
                Contract::Base,
            )
        };
        let kraken = VenueList {
            venue: VenueId::Kraken,
            fetched_ns: 1,
            instruments: vec![
                spot("BTC/USD", "BTC", "USD"),
                spot("BTC/EUR", "BTC", "EUR"),
                spot("USDT/USD", "USDT", "USD"),
                spot("USDT/EUR", "USDT", "EUR"),
                spot("USDC/USD", "USDC", "USD"),
                spot("USDC/USDT", "USDC", "USDT"),
            ],
        };
        let catalog = Catalog::from_lists([kraken, okx()]);
        let venues = [VenueId::Kraken, VenueId::Okx];
        let ids = |symbol: &str, venue| {
            let (chosen, _) = catalog.resolve(&[symbol.into()], &venues);
            let list = chosen.get(&venue).cloned().unwrap_or_default();
            list.into_iter().map(|i| i.id).collect::<Vec<_>>()
        };
        // Both dollar rates come with a USD book: USDC/USD for the USDC venues' books.
        let dollar_rates = ["BTC/USD", "USDT/USD", "USDC/USD"];
        assert_eq!(ids("BTC", VenueId::Kraken), dollar_rates);
        // A venue watched in USDT only needs no rate.
        assert_eq!(ids("BTC", VenueId::Okx), ["BTC-USDT", "BTC-USDT-SWAP"]);
        // Watching a rate itself adds nothing twice, and brings the other dollar rate.
        let rates = ["USDT/USD", "USDC/USD"];
        assert_eq!(ids("kraken:USDT/USD", VenueId::Kraken), rates);
        assert_eq!(
            ids("kraken:USDC/USD", VenueId::Kraken),
            ["USDC/USD", "USDT/USD"]
        );
    }

    #[test]
    fn missing_markets_are_reported_and_explicit_ids_work() {
        let catalog = Catalog::from_lists([okx()]);
        let (chosen, problems) = catalog.resolve(
            &[
                "SOL".into(),
                "okx:BTC-USD-SWAP".into(),
                "okx:XRP-USDT".into(),
                "okz:X".into(),
            ],
            &[VenueId::Okx],
        );
        let ids: Vec<&str> = chosen[&VenueId::Okx]
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(ids, ["BTC-USD-SWAP", "XRP-USDT"]);
        assert_eq!(
            chosen[&VenueId::Okx][0].contract,
            Contract::Inverse { face: 100.0 }
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("no market for SOL"));
        assert!(problems[1].contains("XRP-USDT is not in the instrument list"));
        assert!(problems[2].contains("okz"));
    }

    #[test]
    fn the_cache_round_trips_and_refuses_another_venues_file() {
        let dir =
            std::env::temp_dir().join(format!("depthscope-cache-test-{}", std::process::id()));
        store(&dir, &okx()).unwrap();
        assert_eq!(restore(&dir, VenueId::Okx).unwrap(), okx());
        std::fs::copy(
            cache_file(&dir, VenueId::Okx),
            cache_file(&dir, VenueId::Kraken),
        )
        .unwrap();
        assert!(
            restore(&dir, VenueId::Kraken)
                .unwrap_err()
                .contains("holds okx")
        );
        std::fs::write(cache_file(&dir, VenueId::Okx), b"{truncated").unwrap();
        assert!(restore(&dir, VenueId::Okx).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn an_unreachable_venue_falls_back_to_its_cache() {
        let dir =
            std::env::temp_dir().join(format!("depthscope-cache-fallback-{}", std::process::id()));
        store(&dir, &okx()).unwrap();
        // Port 9 on loopback refuses connections: the fetch fails fast without any network.
        let options = BTreeMap::from([(
            VenueId::Okx,
            VenueOptions {
                rest_url: Some("http://127.0.0.1:9".into()),
                ..VenueOptions::default()
            },
        )]);
        let http = reqwest::Client::new();
        let (catalog, prov) = Catalog::load(&[VenueId::Okx], &options, Some(&dir), &http).await;
        assert_eq!(catalog.venue(VenueId::Okx).len(), 5);
        assert!(matches!(
            &prov[0].1,
            Provenance::Cached { fetched_ns: 1, .. }
        ));
        let (catalog, prov) = Catalog::load(&[VenueId::Okx], &options, None, &http).await;
        assert!(catalog.venue(VenueId::Okx).is_empty());
        assert!(matches!(&prov[0].1, Provenance::Missing { .. }));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
